"""`ip address` on the model: addresses, secondaries and promotion, lifetimes, teardown."""

from netlife.scenario.run import play


def _run(script: str):
    host, results, _ = play(script, machine="examples/netns.toml")
    return host, results


def test_loopback_gets_its_addresses_when_it_comes_up():
    _, res = _run("ip a\nip link set lo up\nip a\n")
    assert "inet " not in res[0].stdout
    assert "    inet 127.0.0.1/8 scope host lo\n" in res[2].stdout
    assert "    inet6 ::1/128 scope host \n" in res[2].stdout


def test_link_local_is_tentative_until_dad_completes():
    script = (
        "ip link add v0 address 02:00:00:00:00:01 type veth peer name v1\n"
        "ip link set v0 up\nip a show v0\nip link set v1 up\nip a show v0\nsleep 3\nip a show v0\n"
    )
    _, res = _run(script)
    assert "inet6" not in res[2].stdout  # no carrier yet: no link-local address
    assert "inet6 fe80::ff:fe00:1/64 scope link tentative \n" in res[4].stdout
    assert "inet6 fe80::ff:fe00:1/64 scope link \n" in res[6].stdout


def test_secondaries_go_with_their_primary_unless_promoted():
    script = (
        "ip link add d0 type veth peer name d1\n"
        "ip a add 10.0.0.1/24 dev d0\nip a add 10.0.0.2/24 dev d0\nip a show d0\n"
        "ip a del 10.0.0.1/24 dev d0\nip a show d0\n"
    )
    host, res = _run(script)
    assert "inet 10.0.0.2/24 scope global secondary d0" in res[3].stdout
    assert "10.0.0.2" not in res[5].stdout
    net = host.kernel.init_net
    net.ipv4.devconf_all["promote_secondaries"] = 1
    for line in ("ip a add 10.0.0.1/24 dev d0", "ip a add 10.0.0.2/24 dev d0"):
        assert host.run_command(line.split()).rc == 0
    assert host.run_command(["ip", "a", "del", "10.0.0.1/24", "dev", "d0"]).rc == 0
    shown = host.run_command(["ip", "a", "show", "d0"]).stdout
    assert "inet 10.0.0.2/24 scope global d0" in shown and "secondary" not in shown


def test_errors_change_nothing_and_match_iproute2():
    script = (
        "ip link add d0 type veth peer name d1\nip a add 10.0.0.1/24 dev d0\n"
        "ip a add 10.0.0.1/24 dev d0\nip a add 10.3.0.1/33 dev d0\nip a del 10.9.0.1/24 dev d0\n"
        "ip a add 10.3.0.1/24\nip a add 10.5.0.1/24 dev d0 valid_lft 10 preferred_lft 50\n"
    )
    _, res = _run(script)
    assert (res[2].rc, res[2].stderr) == (2, "Error: ipv4: Address already assigned.\n")
    assert res[3].rc == 1 and "any valid prefix is expected" in res[3].stderr
    assert (res[4].rc, res[4].stderr) == (2, "Error: ipv4: Address not found.\n")
    assert res[5].stderr == 'Not enough information: "dev" argument is required.\n'
    assert res[6].stderr == "preferred_lft is greater than valid_lft\n"


def test_lifetimes_count_down_on_the_virtual_clock_and_the_address_expires():
    script = (
        "ip link add d0 type veth peer name d1\n"
        "ip a add 10.4.0.1/24 dev d0 valid_lft 30 preferred_lft 10\nsleep 12\nip a show d0\n"
        "sleep 20\nip a show d0\n"
    )
    _, res = _run(script)
    assert "scope global deprecated dynamic d0" in res[3].stdout
    assert "valid_lft 18sec preferred_lft 0sec" in res[3].stdout
    assert "10.4.0.1" not in res[5].stdout


def test_in_device_and_inet6_dev_hold_the_device_until_unregister():
    host, _ = _run("ip link add d0 type veth peer name d1\nip a add 10.0.0.1/24 dev d0\n")
    d0 = host.kernel.init_net.dev_get_by_name("d0")
    holders = [h for h, _ in d0.refcnt_tracker.holders()]
    assert "inetdev_init" in holders and "ipv6_add_dev" in holders and "fib_nh" in holders
    assert host.run_command(["ip", "link", "del", "d0"]).rc == 0
    host.settle()
    assert d0.freed


def test_readme_address_excerpt_is_what_the_model_prints():
    import pathlib

    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    section = readme.read_text().split("## Addresses and routes", 1)[1].split("\n## ", 1)[0]
    quoted = [line[4:] for line in section.splitlines() if line.startswith("    ")]
    _, res = _run("ip link set lo up\nip a show lo\n")
    assert quoted[2:] == res[1].stdout.splitlines()

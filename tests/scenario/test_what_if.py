"""what-if reports what commands would do on a booted host: gone, stay, moves, hangs, modules."""

from netlife.demo import SETUP
from netlife.scenario.machine import boot, default_profile
from netlife.scenario.what_if import render_text, what_if

LEASE = [line for line in SETUP.splitlines() if line]  # the seed: nk leases queue 15


def test_namespace_deletion_reports_devices_in_dellink_order():
    host = boot(default_profile())
    setup = [
        "ip netns add a",
        "ip link add v0 type veth peer name v1 netns a",
        "ip -n a link add link v1 name mv0 type macvlan",
    ]
    what_if(host, setup)
    report = what_if(host, ["ip netns del a"])
    assert report["namespaces_gone"] == ["a"]
    assert [d["ifname"] for d in report["gone"]["a"]] == ["mv0", "v1", "lo"]
    assert [d["ifname"] for d in report["gone"]["init_net"]] == ["v0"]
    assert "v0" not in [d["ifname"] for d in report["stay"]["init_net"]]
    assert "enp10s0f0np0" in [d["ifname"] for d in report["stay"]["init_net"]]


def test_moves_and_renames_are_reported():
    host = boot(default_profile())
    what_if(host, ["ip netns add b", "ip link add v0 type veth peer name v1"])
    report = what_if(host, ["ip link set v1 netns b", "ip link set v0 name w0"])
    assert report["moves"] == [
        {"ifname": "v1", "from": "init_net", "ifindex": 4, "to": "b", "new_ifindex": 4}
    ]
    assert report["renames"] == [{"netns": "init_net", "ifindex": 5, "from": "v0", "to": "w0"}]
    assert "moves: v1 init_net → b as ifindex 4" in render_text(report)


def test_rmmod_with_a_leased_queue_hangs_before_the_notifier_and_not_after():
    for notifier in (False, True):
        host = boot(default_profile(), netkit_notifier=notifier, hang_bound_secs=60)
        report = what_if(host, [*LEASE, "rmmod mlx5_ib", "rmmod mlx5_core"])
        assert [s["rc"] for s in report["commands"][:-1]] == [0] * (len(LEASE) + 1)
        gone = [d["ifname"] for d in report["gone"].get("init_net", [])]
        unloaded = [m["module"] for m in report["modules"] if m["after"] is None]
        if notifier:
            assert report["hangs"] == [] and report["commands"][-1]["rc"] == 0
            # port 1 first (driver_detach: last bound first), then nk with port 0's batch
            assert gone == ["enp10s0f1np1", "nk", "enp10s0f0np0"]
            assert unloaded == ["mlx5_core", "mlx5_ib"]
        else:
            assert report["hangs"] and report["commands"][-1]["blocked_secs"] >= 60
            assert report["hangs"][0]["devices"][0]["device"] == "enp10s0f0np0"
            assert "ip link del nk" in render_text(report)
            assert any("waiting for enp10s0f0np0" in line for line in report["dmesg"])

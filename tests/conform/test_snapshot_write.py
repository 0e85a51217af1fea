"""The snapshot's profile text: what boots, and what the model cannot rebuild kept as comments."""

import tomllib

from netlife.cli import main
from netlife.conform.snapshot import Snapshot
from netlife.conform.snapshot_write import bootable, render_profile
from netlife.scenario.machine import boot, module_table, parse_profile


def snapshot() -> Snapshot:
    snap = Snapshot(namespaces=["a"])
    snap.profile = {
        "hostname": "h",
        "num_possible_cpus": 2,
        "loopback": "down",
        "module": [{"name": "veth", "note": "use count 0"}],
        "netns": [{"name": "a"}],
        "link": [
            {"netns": "a", "ifindex": 1, "ifname": "lo", "kind": "loopback", "up": False},
            {"netns": "a", "ifindex": 3, "ifname": "wg0", "kind": "wireguard", "mtu": 1420},
            {
                "netns": "a",
                "ifindex": 4,
                "ifname": "v0",
                "kind": "veth",
                "link": 5,
                "address": "02:00:00:00:00:04",
            },
            {"netns": "a", "ifindex": 5, "ifname": "v1", "kind": "veth", "link": 4},
        ],
    }
    snap.warnings = ["netns a: wg0: link kind wireguard is not modelled: the device is left out"]
    return snap


def test_unmodelled_devices_are_comments_and_the_rest_boots():
    text = render_profile(snapshot())
    assert "#   - netns a: wg0: link kind wireguard is not modelled" in text
    assert '#   ifname = "wg0"' in text
    data = tomllib.loads(text)
    assert [link["ifname"] for link in data["link"]] == ["lo", "v0", "v1"]
    assert data == {**bootable(snapshot()), "module": data["module"]}
    prof = parse_profile(data, "<t>", module_table())
    host = boot(prof)
    net = host.netns["a"]
    assert sorted((d.ifindex, d.name) for d in net.devices()) == [(1, "lo"), (4, "v0"), (5, "v1")]
    assert net.dev_get_by_name("v0").dev_addr == "02:00:00:00:00:04"


def test_what_if_without_commands_or_with_a_missing_script_is_a_usage_error(capsys):
    assert main(["what-if"]) == 2
    assert "no command to play" in capsys.readouterr().err
    assert main(["what-if", "--script", "/nonexistent/x.sh"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_snapshot_of_a_namespace_that_does_not_exist_is_an_error(capsys):
    assert main(["snapshot", "--netns", "no-such-netns-here"]) == 1
    assert "no such network namespace: no-such-netns-here" in capsys.readouterr().err

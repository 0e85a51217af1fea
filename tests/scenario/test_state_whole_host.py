"""`netlife ip --state FILE` keeps the whole host: every line of the project's `ip` transcripts
and conformance cases, run one call at a time through a state file, leaves a file that reloads
to the host that ran it: the same `ip -d -j link show`, `ip netns list-id`, `ip netns list`,
sysfs and sysctl values in every namespace."""

import json
import pathlib
import shlex

import pytest

from netlife.cli import main
from netlife.conform.case import parse_case
from netlife.scenario.state import boot_host, load_state, replay
from netlife.scenario.state_keep import may_change_host, table

TESTS = pathlib.Path(__file__).resolve().parents[1]
TRANSCRIPTS = sorted((TESTS / "transcripts").glob("*.sh"))
CASES = sorted((TESTS / "conformance").glob("*.case"))
SYSFS_FIELDS = table(
    "ifindex iflink address broadcast operstate mtu carrier flags type tx_queue_len"
    " addr_assign_type ifalias group"
)


def lines_of(path: pathlib.Path) -> list[list[str]]:
    if path.suffix == ".case":
        return [list(step.argv) for step in parse_case(path).steps]
    text = path.read_text().splitlines()
    return [shlex.split(line) for line in text if line.strip() and not line.startswith("#")]


def observe(host) -> dict:
    """What a user sees of the host: links, ids and names of namespaces, sysfs, sysctls."""
    seen = {"netns list": host.run_command(["ip", "netns", "list"]).stdout}
    sysfs = host.kernel.sysfs
    for name in ["", *sorted(host.netns)]:
        where = ["-n", name] if name else []
        links = host.run_command(["ip", *where, "-d", "-j", "link", "show"]).stdout
        seen[f"{name} links"] = json.loads(links)
        seen[f"{name} list-id"] = host.run_command(["ip", *where, "netns", "list-id"]).stdout
        net = host.netns[name] if name else host.kernel.init_net
        for dev in sorted(sysfs.listdir(net, "/sys/class/net") or []):
            for field in SYSFS_FIELDS:
                path = f"/sys/class/net/{dev}/{field}"
                if sysfs.lookup(net, path) is not None:
                    seen[f"{name} {path}"] = sysfs.read(net, path)
    for path in sorted(p for p in sysfs.files if p.startswith("/proc/sys/")):
        seen[path] = sysfs.read(host.kernel.init_net, path)
    return seen


@pytest.mark.parametrize("script", TRANSCRIPTS + CASES, ids=lambda p: p.name)
def test_every_line_survives_save_and_reload(script, tmp_path, capsys):
    state = str(tmp_path / "host.json")
    lines = [argv for argv in lines_of(script) if argv[0] == "ip"]
    for k, argv in enumerate(lines):
        # The host that ran lines 0..k, fresh: observing is itself a read that may change the
        # host (an nsid allocated by a dump), so the previous check must not leak into this one.
        live = boot_host(None)
        for earlier in lines[: k + 1]:
            ran = live.run_command(earlier)
            live.settle()
        rc = main(["ip", "--state", state, *argv[1:]])
        out = capsys.readouterr()
        assert (rc, out.out, out.err) == (ran.rc, ran.stdout, ran.stderr), argv
        saved = load_state(state) if pathlib.Path(state).exists() else None
        reloaded = replay(saved, state, None) if saved else boot_host(None)
        assert observe(reloaded) == observe(live), f"after {shlex.join(argv)}"


@pytest.mark.parametrize(
    "line",
    [
        "ip netns set blue 99",
        "ip link set d0 alias uplink",
        "ip link set d0 txqueuelen 5000",
        "ip link set d0 group 7",
        "ip link add br0 type bridge stp_state 1",
        "ip link s d0 mtu 9000",  # `s` is set for ip link
    ],
)
def test_changes_outside_the_device_digest_are_kept(line, tmp_path, capsys):
    state = str(tmp_path / "host.json")
    for argv in (["netns", "add", "blue"], ["link", "add", "d0", "type", "dummy"]):
        assert main(["ip", "--state", state, *argv]) == 0
    live = replay(load_state(state), state, None)
    assert main(["ip", "--state", state, *shlex.split(line)[1:]]) == 0
    live.run_command(shlex.split(line))
    live.settle()
    capsys.readouterr()
    assert observe(replay(load_state(state), state, None)) == observe(live)


@pytest.mark.parametrize(
    "line,keep",
    [
        ("ip link show", False),
        ("ip -br -j link", False),
        ("ip -n blue addr show dev lo", False),
        ("ip netns s", False),  # show: netns tries list/show before set
        ("ip netns list-id", False),
        ("ip netns exec blue ip link show", False),
        ("ip netns exec blue ip link set lo up", True),
        ("ip link s lo up", True),
        ("ip -b file", True),
        ("ip -force -batch -", True),
        ("ip route", True),  # not modelled as a read: kept, harmless
        ("lsmod", False),
        ("ethtool -i eth0", False),
        ("ethtool -K eth0 gro off", True),
        ("sysctl net.core.somaxconn", False),
        ("sysctl -w net.core.somaxconn=5", True),
        ("ynl --family netdev --dump queue-get", False),
        ("ynl --family netdev --do queue-create --json {}", True),
        ("rmmod veth", True),
    ],
)
def test_only_known_reads_are_dropped(line, keep):
    assert may_change_host(shlex.split(line)) is keep


def test_a_failed_batch_keeps_the_lines_that_ran(tmp_path, capsys):
    state, batch = str(tmp_path / "host.json"), tmp_path / "cmds"
    batch.write_text("link add d0 type dummy\nlink add d0 type dummy\nlink add d1 type dummy\n")
    assert main(["ip", "--state", state, "-batch", str(batch)]) == 1
    assert main(["ip", "--state", state, "-force", "-batch", str(batch)]) == 1
    capsys.readouterr()
    assert main(["ip", "--state", state, "-br", "link", "show", "type", "dummy"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"d0", "d1"} <= set(names)  # (and dummy0, made when the module loads)
    saved = load_state(state)["commands"]
    assert [entry["rc"] for entry in saved] == [1, 1]

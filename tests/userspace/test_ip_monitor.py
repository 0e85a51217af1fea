"""`ip monitor link` as a background job: events printed as they happen, in iproute2's form."""

from __future__ import annotations

import shlex

import pytest
from ip_helpers import new_host

JOB = {"NETLIFE_JOB": "1"}

STEPS = (
    "ip link add veth0 address 02:00:00:00:00:01 type veth"
    " peer name veth1 address 02:00:00:00:00:02",
    "ip link set veth0 mtu 1400",
    "ip netns add nlhip-a",
    "ip link set veth1 netns nlhip-a",
    "ip link del veth0",
)

# Captured from `ip monitor link &` (iproute2 6.1, kernel 6.18) during the same steps.
REAL = (
    "2: veth1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \n"
    "    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff\n"
    "3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default \n"
    "    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "3: veth0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1400 qdisc noop state DOWN group default \n"
    "    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "Deleted 2: veth1@veth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN "
    "group default \n"
    "    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff new-netnsid 0 new-ifindex 2\n"
    "Deleted 3: veth0@NONE: <BROADCAST,MULTICAST> mtu 1400 qdisc noop state DOWN group default \n"
    "    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
)


_SHOWN: list[str] = []


def _run(host, line: str):
    result = host.run_command(shlex.split(line))
    host.settle()
    # A running monitor prints into whatever command is running, as on a terminal.
    _SHOWN.append(result.stdout)
    return result


@pytest.fixture(autouse=True)
def _fresh_terminal():
    _SHOWN.clear()


def _shown(monitor) -> str:
    text = "".join(_SHOWN) + monitor.drain()
    _SHOWN.clear()
    return text


def test_monitor_prints_each_event_as_the_real_ip_monitor_does():
    host = new_host()
    started = host.run_command(["ip", "monitor", "link"], env=JOB)
    assert (started.rc, started.stdout, started.stderr) == (0, "", "")
    (monitor,) = host.processes.values()
    for line in STEPS:
        assert _run(host, line).rc == 0
    assert _shown(monitor) == "".join(REAL)
    assert _shown(monitor) == ""


def test_stopped_monitor_leaves_the_namespace_and_prints_nothing_more():
    host = new_host()
    host.run_command(["ip", "monitor", "link"], env=JOB)
    (monitor,) = host.processes.values()
    monitor.stop()
    assert monitor not in host.kernel.init_net.rtnl_listeners
    assert not host.processes
    _run(host, STEPS[0])
    assert _shown(monitor) == ""


def test_monitor_dev_filter_and_label():
    host = new_host()
    _run(host, STEPS[0])
    host.run_command(["ip", "monitor", "label", "link", "dev", "veth0"], env=JOB)
    (monitor,) = host.processes.values()
    _run(host, "ip link set veth1 mtu 1300")
    _run(host, "ip link set veth0 mtu 1300")
    text = _shown(monitor)
    assert text.startswith("[LINK]3: veth0@veth1:")
    assert "veth1@" not in text.split("\n")[0]
    assert text.count("[LINK]") == 1


def test_monitor_in_a_namespace_sees_only_that_namespace():
    host = new_host()
    _run(host, "ip netns add nlhip-a")
    host.run_command(["ip", "-n", "nlhip-a", "monitor", "link"], env=JOB)
    (monitor,) = host.processes.values()
    _run(host, STEPS[0])
    assert _shown(monitor) == ""
    _run(host, "ip link set veth1 netns nlhip-a")
    assert _shown(monitor).startswith("2: veth1@if3: <BROADCAST,MULTICAST>")


def test_foreground_monitor_refuses_and_unknown_words_fail():
    host = new_host()
    result = host.run_command(["ip", "monitor", "link"])
    assert result.rc == 1 and "background job" in result.stderr
    assert not host.processes and not host.kernel.init_net.rtnl_listeners
    bad = host.run_command(["ip", "monitor", "bogus"], env=JOB)
    assert (bad.rc, bad.stderr) == (255, 'Argument "bogus" is unknown, try "ip monitor help".\n')

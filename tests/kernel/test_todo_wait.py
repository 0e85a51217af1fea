"""The todo phase: netdev_run_todo and netdev_wait_allrefs_any on the virtual clock.

Covers the once-a-second NETDEV_UNREGISTER rebroadcast (reg_state UNREGISTERED), the exact
"waiting for X to become free" lines every netdev_unregister_timeout_secs with the ref_tracker
report, the Hang at Kernel.hang_bound_secs, release after the Hang, and completion in the order
devices become free.
"""

from __future__ import annotations

import pytest

from netlife import (
    Hang,
    NetdevCmd,
    NotifierBlock,
    alloc_netdev,
    dev_hold,
    dev_put,
    free_netdev,
    netdev_hold,
    netdev_put,
    register_netdev,
    register_netdevice_notifier,
    rtnl_lock,
    secs,
    unregister_netdevice,
)
from netlife.kernel.clock import NSEC_PER_SEC
from netlife.kernel.errors import KernelError
from netlife.kernel.netdevice import (
    NET_NAME_UNKNOWN,
    NETREG_UNREGISTERED,
    NetDeviceOps,
    ether_setup,
)
from netlife.kernel.notifier import NOTIFY_DONE

WAITING = "unregister_netdevice: waiting for {} to become free. Usage count = {}"


def waiting_times(host, name, count):
    """Seconds at which the 'waiting for NAME' line was printed."""
    text = WAITING.format(name, count)
    out = []
    for line in host.kernel.printk.dmesg():
        stamp, msg = line[1:].split("] ", 1)
        if msg == text:
            out.append(float(stamp))
    return out


@pytest.fixture
def held_veth(host):
    """veth0/veth1 with a tracked reference on veth1 that the test releases itself."""
    v0, v1 = host.veth()
    tracker = netdev_hold(v1, "test_holder")
    return v0, v1, tracker


def test_waiting_lines_every_timeout_with_the_holders(host, held_veth):
    v0, v1, tracker = held_veth
    host.kernel.clock.schedule(secs(25), lambda: netdev_put(v1, tracker))
    host.dellink(v0)
    times = waiting_times(host, "veth1", 2)
    assert len(times) == 2
    assert 10 < times[0] <= 10.26 and 10 < times[1] - times[0] <= 10.26
    lines = host.dmesg_lines()
    first = lines.index(WAITING.format("veth1", 2))
    assert lines[first + 1] == f"ref_tracker: netdev@{v1.kaddr:016x} has 1/1 users at"
    assert lines[first + 2] == "     test_holder"
    assert "veth0" not in "\n".join(lines)  # veth0 was free at once
    assert v0.freed and v1.freed and 25 <= host.kernel.clock.now / NSEC_PER_SEC < 25.3


def test_timeout_follows_the_sysctl(host, held_veth):
    kernel = host.kernel
    v0, v1, tracker = held_veth
    sysctl = "/proc/sys/net/core/netdev_unregister_timeout_secs"
    with pytest.raises(KernelError):
        kernel.sysfs.write(kernel.init_net, sysctl, "0")  # range 1..3600
    kernel.sysfs.write(kernel.init_net, sysctl, "3")
    assert kernel.sysctl["net.core.netdev_unregister_timeout_secs"] == 3
    kernel.clock.schedule(secs(10), lambda: netdev_put(v1, tracker))
    host.dellink(v0)
    times = waiting_times(host, "veth1", 2)
    gaps = [b - a for a, b in zip([0, *times], times, strict=False)]
    assert len(times) == 3 and all(3 < gap <= 3.26 for gap in gaps)


def test_untracked_references_count_but_print_no_holder(host):
    kernel = host.kernel
    v0, v1 = host.veth()
    dev_hold(v1)
    t = netdev_hold(v1, "tracked_one")
    kernel.clock.schedule(secs(11), lambda: (dev_put(v1), netdev_put(v1, t)))
    host.dellink(v0)
    lines = host.dmesg_lines()
    i = lines.index(WAITING.format("veth1", 3))
    assert lines[i + 1 : i + 3] == [
        f"ref_tracker: netdev@{v1.kaddr:016x} has 1/1 users at",
        "     tracked_one",
    ]


def test_ref_tracker_prints_at_most_ten_holders(host):
    kernel = host.kernel
    v0, v1 = host.veth()
    trackers = [netdev_hold(v1, f"holder{i:02d}") for i in range(12)]
    kernel.clock.schedule(secs(11), lambda: [netdev_put(v1, t) for t in trackers])
    host.dellink(v0)
    tag = f"netdev@{v1.kaddr:016x}"
    lines = host.dmesg_lines()
    assert sum(1 for line in lines if line.startswith(f"ref_tracker: {tag} has 1/12")) == 10
    assert f"ref_tracker: {tag} skipped reports about 2/12 users." in lines


def test_unregister_is_rebroadcast_about_once_a_second_while_waiting(host, held_veth):
    kernel = host.kernel
    v0, v1, tracker = held_veth
    seen = []

    def watch(nb, event, info):
        if event == NetdevCmd.NETDEV_UNREGISTER and info.dev is v1:
            seen.append((kernel.clock.now / NSEC_PER_SEC, info.dev.reg_state))
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(watch, name="watch"))
    start = kernel.clock.now / NSEC_PER_SEC
    kernel.clock.schedule(secs(5.5), lambda: netdev_put(v1, tracker))
    host.dellink(v0)
    first, *rebroadcasts = seen
    assert first == (start, 2)  # the real unregister: NETREG_UNREGISTERING
    assert len(rebroadcasts) in (4, 5)  # about once a second over 5.5 s
    assert {state for _, state in rebroadcasts} == {NETREG_UNREGISTERED}
    gaps = [b - a for (a, _), (b, _) in zip(seen, rebroadcasts, strict=False)]
    assert all(1 < gap <= 1.26 for gap in gaps)


def test_hang_reports_device_count_and_holders_and_the_wait_goes_on(host, held_veth):
    kernel = host.kernel
    v0, v1, tracker = held_veth
    with pytest.raises(Hang) as hang:
        host.dellink(v0)
    report = hang.value.report
    assert kernel.clock.now == secs(35)
    assert report.what == "netdev_run_todo" and report.waited == pytest.approx(35)
    (stuck,) = report.devices
    assert (stuck.name, stuck.usage_count, stuck.holders) == ("veth1", 2, [("test_holder", 1)])
    assert "veth1: usage count 2" in str(report) and "held by test_holder" in str(report)
    assert report.as_json()["devices"][0]["holders"] == [{"holder": "test_holder", "count": 1}]
    assert v0.freed and not v1.freed and v1.reg_state == NETREG_UNREGISTERED
    assert kernel.dev_unreg_count == 1 and len(kernel.todo_waits) == 1
    assert kernel.rtnl_owner is None  # the waiter holds no RTNL: others may go on
    host.dummy("other")
    # The warnings keep coming while the clock moves; the release then frees the device.
    kernel.clock.advance(secs(10))
    assert len(waiting_times(host, "veth1", 2)) == 4
    netdev_put(v1, tracker)
    kernel.clock.advance(secs(1))
    assert v1.freed and kernel.todo_waits == set() and kernel.dev_unreg_count == 0


def _stacked_pair(kernel, log):
    """A lower device and an upper whose ndo_init holds the lower until its priv_destructor."""
    lower = alloc_netdev(kernel, None, "lower", NET_NAME_UNKNOWN, ether_setup)
    lower.needs_free_netdev = True
    register_netdev(lower)
    upper = alloc_netdev(kernel, {}, "upper", NET_NAME_UNKNOWN, ether_setup)

    def upper_init(dev):
        dev.priv["lower"] = netdev_hold(lower, "upper_init (upper on lower)")
        return 0

    def upper_destructor(dev):
        log.append("upper destructor")
        netdev_put(lower, dev.priv.pop("lower"))

    upper.netdev_ops = NetDeviceOps(ndo_init=upper_init)
    upper.priv_destructor = upper_destructor
    upper.needs_free_netdev = True
    register_netdev(upper)
    return lower, upper


def test_devices_complete_in_the_order_they_become_free(host):
    kernel = host.kernel
    log: list[str] = []
    lower, upper = _stacked_pair(kernel, log)
    kernel.trace = lambda what, dev: log.append(f"{what} {dev.name}")
    with rtnl_lock(kernel):
        unregister_netdevice(lower)  # list order: lower first
        unregister_netdevice(upper)
    done = [entry for entry in log if entry.startswith(("todo_done", "upper destructor"))]
    assert done == ["upper destructor", "todo_done upper", "todo_done lower"]
    assert lower.freed and upper.freed
    assert kernel.clock.now == 0  # nobody had to sleep


def test_simple_driver_frees_after_the_todo(host):
    dev = alloc_netdev(host.kernel, None, "eth0", NET_NAME_UNKNOWN, ether_setup)
    register_netdev(dev)
    with rtnl_lock(host.kernel):
        unregister_netdevice(dev)
        assert host.kernel.dev_unreg_count == 1 and dev.todo
    assert host.kernel.dev_unreg_count == 0 and dev.reg_state == NETREG_UNREGISTERED
    free_netdev(dev)

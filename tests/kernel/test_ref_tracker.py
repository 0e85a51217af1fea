"""Tracked and untracked references: counts, holders, the quarantine, the debugfs report.

Mirrors lib/ref_tracker.c and include/linux/netdevice.h: netdev_hold / netdev_put (tracked),
dev_hold / dev_put (untracked: counted, never named), ref_tracker_dir_print.
"""

from __future__ import annotations

from netlife import dev_hold, dev_put, netdev_hold, netdev_put
from netlife.kernel.ref_tracker import ref_tracker_debugfs_text, ref_tracker_dir_print


def test_count_is_base_plus_tracked_plus_untracked(host):
    dev = host.dummy("d0")
    host.kernel.clock.run_pending()
    assert dev.refcnt == 4  # base, register_netdevice, inetdev_init, ipv6_add_dev
    a = netdev_hold(dev, "a")
    dev_hold(dev)
    assert dev.refcnt == 6 and dev.refcnt_tracker.untracked == 1
    netdev_put(dev, a)
    dev_put(dev)
    assert dev.refcnt == 4 and a.dead


def test_holders_group_identical_stacks_most_first(host):
    dev = host.dummy("d0")
    host.kernel.clock.run_pending()
    ts = [netdev_hold(dev, "xsk_bind") for _ in range(3)] + [netdev_hold(dev, "a_holder")]
    assert dev.refcnt_tracker.holders() == [
        ("xsk_bind", 3),
        ("a_holder", 1),
        ("inetdev_init", 1),
        ("ipv6_add_dev", 1),
        ("register_netdevice", 1),
    ]
    tag = f"netdev@{dev.kaddr:016x}"
    assert ref_tracker_dir_print(dev)[:2] == [
        f"ref_tracker: {tag} has 3/7 users at",
        "     xsk_bind",
    ]
    text = host.kernel.sysfs.read(host.init_net, f"/sys/kernel/debug/ref_tracker/{tag}")
    assert text == ref_tracker_debugfs_text(dev) and text.startswith(f"{tag} has 3/7 users at\n")
    for t in ts:
        netdev_put(dev, t)


def test_freed_trackers_are_quarantined_up_to_128(host):
    dev = host.dummy("d0")
    for i in range(130):
        netdev_put(dev, netdev_hold(dev, f"h{i}"))
    q = dev.refcnt_tracker.quarantine
    assert len(q) == 128 and q[0].holder == "h2" and q[-1].holder == "h129"


def test_debugfs_lists_every_allocated_device(host):
    dev = host.dummy("d0")
    names = host.kernel.sysfs.listdir(host.init_net, "/sys/kernel/debug/ref_tracker")
    assert f"netdev@{dev.kaddr:016x}" in names
    host.dellink(dev)
    names = host.kernel.sysfs.listdir(host.init_net, "/sys/kernel/debug/ref_tracker")
    assert f"netdev@{dev.kaddr:016x}" not in names

"""free_netdev by reg_state, and the kobject reference that decides when memory goes.

Mirrors net/core/dev.c:free_netdev (kernel-reference.md §2.2) and net/core/net-sysfs.c:
netdev_release: UNINITIALIZED frees at once; UNREGISTERING under RTNL only sets
needs_free_netdev; UNREGISTERED becomes RELEASED and the memory goes with the last kobject
reference (an open sysfs file keeps it).
"""

from __future__ import annotations

from netlife import (
    alloc_netdev,
    free_netdev,
    register_netdev,
    rtnl_lock,
    unregister_netdev,
    unregister_netdevice,
)
from netlife.kernel.netdevice import (
    NET_NAME_UNKNOWN,
    NETREG_RELEASED,
    ether_setup,
    get_device,
    put_device,
)


def new(kernel, name="eth0"):
    return alloc_netdev(kernel, None, name, NET_NAME_UNKNOWN, ether_setup)


def test_never_registered_device_is_freed_at_once(host):
    kernel = host.kernel
    before = kernel.stats_freed
    dev = new(kernel)
    assert dev.kaddr in kernel.allocated
    free_netdev(dev)
    assert dev.freed and dev.kaddr not in kernel.allocated and kernel.stats_freed == before + 1


def test_free_under_rtnl_right_after_unregister_is_deferred_to_the_todo(host):
    kernel = host.kernel
    dev = new(kernel)
    register_netdev(dev)
    with rtnl_lock(kernel):
        unregister_netdevice(dev)
        free_netdev(dev)  # "safe to call on error paths right after unregister_netdevice()"
        assert not dev.freed and dev.needs_free_netdev
        free_netdev(dev)  # harmless again: it only sets the flag
    assert dev.freed and dev.reg_state == NETREG_RELEASED
    assert host.violations() == []


def test_open_sysfs_file_keeps_the_memory_after_free_netdev(host):
    kernel = host.kernel
    dev = new(kernel)
    register_netdev(dev)
    get_device(dev)  # `rmmod mydriver </sys/class/net/eth0/mtu`: the open file's reference
    unregister_netdev(dev)
    free_netdev(dev)
    assert dev.reg_state == NETREG_RELEASED and not dev.freed
    put_device(dev)  # the file is closed
    assert dev.freed


def test_kobject_reference_count_through_the_lifetime(host):
    kernel = host.kernel
    dev = new(kernel)
    assert dev.kobj_refcnt == 0
    register_netdev(dev)
    assert dev.kobj_refcnt == 1
    with rtnl_lock(kernel):
        unregister_netdevice(dev)
        assert dev.kobj_refcnt == 2  # netdev_unregister_kobject's extra reference
    assert dev.kobj_refcnt == 1  # dropped by netdev_run_todo
    free_netdev(dev)
    assert dev.kobj_refcnt == 0 and dev.freed

"""register_netdevice step by step: states notifiers see, the registered reference, visibility.

Mirrors net/core/dev.c:register_netdevice (kernel-reference.md §3.2) and register_netdev, and
rtnetlink's "initializing" phase that holds back RTM_NEWLINK until rtnl_configure_link.
"""

from __future__ import annotations

from netlife import (
    NetdevCmd,
    NotifierBlock,
    alloc_netdev,
    register_netdev,
    register_netdevice_notifier,
    unregister_netdev,
)
from netlife.kernel.netdevice import (
    NET_NAME_UNKNOWN,
    NETREG_REGISTERED,
    NETREG_UNINITIALIZED,
    ether_setup,
)
from netlife.kernel.notifier import NOTIFY_DONE


def test_notifiers_see_uninitialized_at_post_init_and_registered_and_listed_at_register(host):
    kernel = host.kernel
    seen = []

    def watch(nb, event, info):
        dev = info.dev
        if dev.name == "eth0":
            listed = kernel.init_net.dev_get_by_name("eth0") is dev
            seen.append((NetdevCmd(event).name, dev.reg_state, listed, dev.ifindex))
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(watch, name="watch"))
    dev = alloc_netdev(kernel, None, "eth%d", NET_NAME_UNKNOWN, ether_setup)
    assert dev.reg_state == NETREG_UNINITIALIZED and dev.refcnt == 1 and dev.ifindex == 0
    register_netdev(dev)
    assert seen == [
        ("NETDEV_POST_INIT", NETREG_UNINITIALIZED, False, 2),
        ("NETDEV_REGISTER", NETREG_REGISTERED, True, 2),
    ]
    assert dev.present and dev.refcnt == 4
    assert dev.refcnt_tracker.holders() == [
        ("inetdev_init", 1),
        ("ipv6_add_dev", 1),
        ("register_netdevice", 1),
    ]
    assert host.events == [("RTM_NEWLINK", "eth0", 2)]  # no rtnl_link_ops: sent at once
    unregister_netdev(dev)
    assert dev.refcnt == 1 and dev.refcnt_tracker.holders() == []


def test_rtnetlink_devices_are_announced_only_once_configured(host):
    kernel = host.kernel
    order = []
    kernel.link_monitors.append(lambda net, msg: order.append(("msg", msg.msg_type)))

    def watch(nb, event, info):
        if event == NetdevCmd.NETDEV_REGISTER:
            order.append(("notifier", info.dev.rtnl_link_initializing))
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(watch, name="watch"))
    order.clear()
    dev = host.dummy("d0", IFLA_MTU=1400)
    assert order[-2:] == [("notifier", True), ("msg", "RTM_NEWLINK")]
    assert not dev.rtnl_link_initializing and dev.mtu == 1400


def test_link_add_with_up_flag_opens_before_the_first_announcement(host):
    from netlife.kernel.if_link import IFF_BROADCAST, IFF_UP

    req = host.request("d0", "dummy")
    req.ifi_flags = req.ifi_change = IFF_UP
    from netlife.kernel.rtnetlink import rtnl_newlink

    rtnl_newlink(host.init_net, req)
    dev = host.init_net.dev_get_by_name("d0")
    assert dev.flags & IFF_UP
    assert dev.flags & IFF_BROADCAST  # IFF_VOLATILE bits survive a flags change
    d0 = [n for n in host.notifications("d0")]
    assert d0 == [
        ("NETDEV_POST_INIT", "d0"),
        ("NETDEV_REGISTER", "d0"),
        ("NETDEV_PRE_UP", "d0"),
        ("NETDEV_UP", "d0"),
    ]
    assert [e for e in host.events if e[1] == "d0"] == [("RTM_NEWLINK", "d0", dev.ifindex)]


def test_bad_mtu_in_link_add_frees_the_device_before_registration(host):
    import pytest

    from netlife import KernelError

    host.dummy("keep")
    before = dict(host.kernel.allocated)
    host.clear()
    with pytest.raises(KernelError) as err:
        host.veth(IFLA_MTU=10)
    assert err.value.errno == 22 and err.value.extack == "mtu less than device minimum"
    assert host.kernel.allocated == before and host.events == [] and host.notifications() == []

"""veth pairs through RTM_NEWLINK / RTM_DELLINK: creation order, peer rollback, deletion of both
ends in one batch, carrier and operstate following the peer, pairs across namespaces.

Mirrors drivers/net/veth.c (veth_newlink, veth_dellink, veth_open / veth_close) and the event
orders of kernel-reference.md §11.1 and §11.2.
"""

from __future__ import annotations

import pytest

from netlife import KernelError, NetdevCmd, NotifierBlock, register_netdevice_notifier
from netlife.kernel.dev_flags import dev_get_flags, dev_get_iflink
from netlife.kernel.errors import EINVAL
from netlife.kernel.if_link import (
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_UP,
    IFF_LOWER_UP,
    IFF_RUNNING,
)
from netlife.kernel.netns_lifecycle import copy_net_ns
from netlife.kernel.notifier import NOTIFY_DONE, notifier_from_errno
from netlife.kernel.rtnl_notify import rtnl_fill_ifinfo


def test_add_registers_the_peer_first_and_announces_each_at_configure(host):
    v0, v1 = host.veth()
    assert (v1.ifindex, v0.ifindex) == (2, 3)
    assert host.notifications() == [
        ("NETDEV_POST_INIT", "veth1"),
        ("NETDEV_REGISTER", "veth1"),
        ("NETDEV_POST_INIT", "veth0"),
        ("NETDEV_REGISTER", "veth0"),
    ]
    assert host.events == [("RTM_NEWLINK", "veth1", 2), ("RTM_NEWLINK", "veth0", 3)]
    assert v0.priv.peer is v1 and v1.priv.peer is v0
    assert not v0.carrier and not v1.carrier
    assert v0.real_num_rx_queues == 1 and v0.num_rx_queues == host.kernel.num_possible_cpus


def test_failure_of_the_main_device_unregisters_the_peer(host):
    kernel = host.kernel

    def veto(nb, event, info):
        if event == NetdevCmd.NETDEV_POST_INIT and info.dev.name == "veth0":
            return notifier_from_errno(-EINVAL)
        return NOTIFY_DONE

    register_netdevice_notifier(kernel, NotifierBlock(veto, name="veto"))
    before = dict(kernel.allocated)
    with pytest.raises(KernelError) as err:
        host.veth()
    assert err.value.errno == EINVAL
    assert [d.name for d in host.init_net.devices()] == ["lo"]
    # The peer was configured (announced) before the main device failed, so userspace sees it
    # come and go (kernel-reference.md §6.1, event visibility rule).
    assert host.events == [("RTM_NEWLINK", "veth1", 2), ("RTM_DELLINK", "veth1", 2)]
    assert kernel.allocated == before  # both freed: the peer in the todo, the main at once


def test_failure_of_the_peer_leaves_nothing(host):
    host.dummy("taken")
    host.clear()
    with pytest.raises(KernelError) as err:
        host.veth("veth0", "taken")
    assert err.value.errno == 17
    assert host.events == [] and host.init_net.dev_get_by_name("veth0") is None


def test_deleting_either_end_deletes_both_in_one_batch(host):
    v0, v1 = host.veth()
    host.up(v0)
    host.up(v1)
    host.clear()
    host.dellink(v1)
    assert host.notifications() == [
        ("NETDEV_GOING_DOWN", "veth1"),
        ("NETDEV_GOING_DOWN", "veth0"),
        ("NETDEV_DOWN", "veth1"),
        ("NETDEV_DOWN", "veth0"),
        ("NETDEV_UNREGISTER", "veth1"),
        ("NETDEV_PRE_UNINIT", "veth1"),
        ("NETDEV_UNREGISTER", "veth0"),
        ("NETDEV_PRE_UNINIT", "veth0"),
    ]
    assert host.events == [
        ("RTM_NEWLINK", "veth1", 2),
        ("RTM_NEWLINK", "veth0", 3),
        ("RTM_DELLINK", "veth1", 2),
        ("RTM_DELLINK", "veth0", 3),
    ]
    assert v0.freed and v1.freed and host.kernel.dev_unreg_count == 0


def test_carrier_and_operstate_follow_the_peer(host):
    kernel = host.kernel
    v0, v1 = host.veth()
    host.up(v0)
    kernel.clock.run_pending()
    assert not v0.carrier and v0.operstate == IF_OPER_LOWERLAYERDOWN
    assert not dev_get_flags(v0) & (IFF_RUNNING | IFF_LOWER_UP)
    host.up(v1)
    kernel.clock.run_pending()
    assert v0.carrier and v1.carrier
    assert v0.operstate == v1.operstate == IF_OPER_UP
    assert dev_get_flags(v0) & IFF_LOWER_UP
    host.down(v1)
    kernel.clock.run_pending()
    assert not v0.carrier and v0.operstate == IF_OPER_LOWERLAYERDOWN
    assert rtnl_fill_ifinfo(v1, "RTM_NEWLINK", 0).attrs["IFLA_OPERSTATE"] == IF_OPER_DOWN
    # The linkwatch events took and dropped their references.
    # + in_device and inet6_dev; v0, still up, keeps its IPv6 routes (ff00::/8, fe80::/64)
    assert v0.refcnt == 6 and v1.refcnt == 4


def test_pair_across_namespaces_reports_link_netns_and_dies_together(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    v0, v1 = host.veth(peer_net=net)
    assert v1.nd_net is net and v0.nd_net is host.init_net
    info = rtnl_fill_ifinfo(v0, "RTM_NEWLINK", 0)
    assert dev_get_iflink(v0) == v1.ifindex == 2 and v0.ifindex == 2  # each net counts alone
    # nla_put_iflink puts IFLA_LINK whenever a link-netnsid is there, even when the peer's
    # index equals the device's own (checked on the real kernel by the pyroute2 programs).
    assert info.attrs["IFLA_LINK"] == info.ifi_index
    assert info.attrs["IFLA_LINK_NETNSID"] == host.init_net.peernet2id(net) == 0
    host.dellink("veth1", net=net)
    assert v0.freed and v1.freed
    assert host.init_net.dev_get_by_name("veth0") is None


def test_moving_an_end_keeps_the_pair(host):
    kernel = host.kernel
    net = copy_net_ns(kernel)
    v0, v1 = host.veth()
    host.up(v0)
    host.clear()
    host.setlink(v0, IFLA_NET_NS_FD=net)
    assert v0.nd_net is net and v0.ifindex == 3 and not v0.flags & 1  # closed by the move
    assert v0.reg_state == 1 and v0.priv.peer is v1
    assert host.notifications("veth0") == [
        ("NETDEV_GOING_DOWN", "veth0"),
        ("NETDEV_DOWN", "veth0"),
        ("NETDEV_UNREGISTER", "veth0"),
        ("NETDEV_REGISTER", "veth0"),
    ]
    assert [e[0] for e in host.events] == ["RTM_NEWLINK", "RTM_DELLINK", "RTM_NEWLINK"]
    host.kernel.clock.run_pending()  # the linkwatch events drop their references
    assert v0.refcnt == 4  # a move changes no reference (in_device, inet6_dev kept)

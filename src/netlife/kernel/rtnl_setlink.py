"""Changing an existing link: do_setlink, masters, and moving a device between namespaces.

Mirrors net/core/rtnetlink.c: the changelink path of __rtnl_newlink, do_setlink() (in the
kernel's order: namespace, address, MTU, group, name, flags, master, txqlen, linkmode) and
do_set_master(); net/core/dev.c: __dev_change_net_namespace().
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.dev_notify import call_netdevice_notifiers
from netlife.kernel.errors import EEXIST, EINVAL, EOPNOTSUPP, KernelError
from netlife.kernel.if_link import RTM_DELLINK, RTM_NEWLINK
from netlife.kernel.netdevice import NETREG_REGISTERED, NetDevice
from netlife.kernel.notifier import NETDEV_REGISTER, NETDEV_UNREGISTER
from netlife.kernel.rtnetlink import ASSERT_RTNL, RtnlLinkOps, rtnl_link_get_net
from netlife.kernel.rtnl_notify import rtmsg_ifinfo, rtnl_fill_ifinfo, rtnl_send

if TYPE_CHECKING:
    from netlife.kernel.if_link import IfInfoMsg
    from netlife.kernel.net_namespace import Net


def rtnl_changelink(
    dev: NetDevice,
    net: Net,
    ifm: IfInfoMsg,
    ops: RtnlLinkOps | None,
    data: dict | None,
    extack: list[str],
) -> None:
    """rtnl_changelink: the kind's changelink, the master's slave_changelink, do_setlink."""
    from netlife.kernel.dev_adjacency import netdev_master_upper_dev_get

    if ops is not None and dev.rtnl_link_ops is not ops:
        raise KernelError(EOPNOTSUPP)
    if data:
        if ops is None or ops.changelink is None:
            raise KernelError(EOPNOTSUPP)
        ops.changelink(dev, ifm.attrs, data, extack)
    linkinfo = ifm.attrs.get("IFLA_LINKINFO") or {}
    slave_data = linkinfo.get("IFLA_INFO_SLAVE_DATA")
    notify = False
    if slave_data is not None:
        master = netdev_master_upper_dev_get(dev)
        m_ops = master.rtnl_link_ops if master is not None else None
        if m_ops is None or m_ops.slave_changelink is None:
            raise KernelError(EOPNOTSUPP)
        m_ops.slave_changelink(master, dev, slave_data, extack)
        notify = True  # DO_SETLINK_NOTIFY
    do_setlink(dev, net, ifm, extack, notify)


def rtnl_group_changelink(net: Net, group: int, ifm: IfInfoMsg, extack: list[str]) -> None:
    """rtnetlink.c:rtnl_group_changelink: do_setlink on each device of the group, in list
    order; the first error stops the walk and the devices before it stay changed."""
    for dev in net.devices():
        if dev.group == group:
            do_setlink(dev, net, ifm, extack)


def do_setlink(
    dev: NetDevice, net: Net, ifm: IfInfoMsg, extack: list[str], notify: bool = False
) -> None:
    from netlife.kernel.dev_flags import (
        dev_change_flags,
        dev_change_name,
        dev_change_tx_queue_len,
        dev_set_mac_address,
        dev_set_mtu,
        netdev_state_change,
    )
    from netlife.kernel.rtnetlink import rtnl_dev_combine_flags

    tb = ifm.attrs
    if any(k in tb for k in ("IFLA_NET_NS_PID", "IFLA_NET_NS_FD", "IFLA_TARGET_NETNSID")):
        tgt = rtnl_link_get_net(net, tb)
        pattern = tb.get("IFLA_IFNAME")
        __dev_change_net_namespace(dev, tgt, pattern, tb.get("IFLA_NEW_IFINDEX", 0))
    if "IFLA_ADDRESS" in tb:
        dev_set_mac_address(dev, tb["IFLA_ADDRESS"], extack)
    if "IFLA_MTU" in tb:
        dev_set_mtu(dev, tb["IFLA_MTU"])
    if "IFLA_GROUP" in tb:
        dev.group = tb["IFLA_GROUP"]
        notify = True
    if ifm.ifi_index > 0 and "IFLA_IFNAME" in tb and tb["IFLA_IFNAME"] != dev.name:
        dev_change_name(dev, tb["IFLA_IFNAME"])
    if "IFLA_IFALIAS" in tb:
        dev.ifalias = tb["IFLA_IFALIAS"] or None
        notify = True
    if ifm.ifi_flags or ifm.ifi_change:
        dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm), extack)
    if "IFLA_MASTER" in tb:
        do_set_master(dev, tb["IFLA_MASTER"], extack)
    if "IFLA_TXQLEN" in tb:
        dev_change_tx_queue_len(dev, tb["IFLA_TXQLEN"])
    if "IFLA_LINKMODE" in tb and tb["IFLA_LINKMODE"] != dev.link_mode:
        dev.link_mode = tb["IFLA_LINKMODE"]
        notify = True
    if notify:
        netdev_state_change(dev)


def do_set_master(dev: NetDevice, ifindex: int, extack: list[str]) -> None:
    """Leave the current master (if another) and enslave to ifindex; 0 means no master."""
    from netlife.kernel.dev_adjacency import netdev_master_upper_dev_get

    upper = netdev_master_upper_dev_get(dev)
    if upper is not None and upper.ifindex == ifindex:
        return
    if upper is not None:
        if upper.netdev_ops.ndo_del_slave is None:
            raise KernelError(EOPNOTSUPP)
        upper.netdev_ops.ndo_del_slave(upper, dev)
    if ifindex:
        master = dev.nd_net.dev_get_by_index(ifindex)
        if master is None:
            raise KernelError(EINVAL)
        if master.netdev_ops.ndo_add_slave is None:
            raise KernelError(EOPNOTSUPP)
        master.netdev_ops.ndo_add_slave(master, dev, extack)


def __dev_change_net_namespace(dev: NetDevice, net: Net, pat: str | None, new_ifindex: int) -> None:
    """Move dev to `net`: close, unlist, UNREGISTER (still REGISTERED), DELLINK in the old
    namespace, switch, list, REGISTER, NEWLINK in the new one. No uninit, no refcount change."""
    from netlife.kernel.dev import dev_get_valid_name
    from netlife.kernel.dev_flags import dev_close

    kernel = dev.kernel
    ASSERT_RTNL(kernel)
    if dev.netns_immutable:
        raise KernelError(EINVAL, "The interface netns is immutable")
    if dev.reg_state != NETREG_REGISTERED:
        raise KernelError(EINVAL)
    old = dev.nd_net
    if net is old:
        return
    name = dev.name
    if net.dev_get_by_name(dev.name) is not None:
        # The pattern is used only when the current name is taken there; otherwise the
        # device keeps its name and do_setlink renames it afterwards.
        if not pat:
            raise KernelError(EEXIST, "An interface with the same name exists in the target netns")
        name = dev_get_valid_name(net, pat)
    for alt in dev.altnames:
        if net.dev_get_by_name(alt) is not None:
            msg = f"An interface with the altname {alt} exists in the target netns"
            raise KernelError(EEXIST, msg)
    if new_ifindex:
        if net.dev_get_by_index(new_ifindex) is not None:
            raise KernelError(-16)  # -EBUSY
        ifindex = net.dev_index_reserve(new_ifindex)
    elif net.dev_get_by_index(dev.ifindex) is None and dev.ifindex not in net.index_reserved:
        ifindex = net.dev_index_reserve(dev.ifindex)
    else:
        ifindex = net.dev_index_reserve(0)
    dev_close(dev)
    old.unlist_netdevice(dev)
    dev.moving_ns = True
    kernel.synchronize_net()
    dev.qdisc = "noop"  # dev_shutdown: the qdiscs go before NETDEV_UNREGISTER
    call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
    kernel.clock.rcu_barrier()
    new_nsid = old.peernet2id_alloc(net)
    if old.rtnl_listeners or kernel.link_monitors:
        rtnl_send(
            old,
            rtnl_fill_ifinfo(dev, RTM_DELLINK, ~0, new_nsid=new_nsid, new_ifindex=ifindex),
        )
    dev.nd_net = net
    dev.ifindex = ifindex
    dev.name = name
    dev.moving_ns = False
    net.list_netdevice(dev)
    call_netdevice_notifiers(NETDEV_REGISTER, dev)
    rtmsg_ifinfo(RTM_NEWLINK, dev, ~0)
    kernel.synchronize_net()


def dev_change_net_namespace(dev: NetDevice, net: Net, pat: str | None = None) -> None:
    __dev_change_net_namespace(dev, net, pat, 0)


__all__ = ["__dev_change_net_namespace", "do_set_master", "do_setlink", "rtnl_changelink"]

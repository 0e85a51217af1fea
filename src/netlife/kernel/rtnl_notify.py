"""RTM_NEWLINK / RTM_DELLINK messages: the filler and the notifications.

Mirrors net/core/rtnetlink.c: rtnl_fill_ifinfo() (with rtnl_link_fill, rtnl_fill_link_netnsid),
rtmsg_ifinfo() (sent only for NETREG_REGISTERED devices, and only built when someone listens,
as rtnl_has_listeners lets the kernel skip it), and the rtnetlink_event() notifier that turns
CHANGEMTU, CHANGEADDR, CHANGENAME, CHANGEUPPER ... into RTM_NEWLINK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.if_link import (
    AF_BRIDGE,
    IF_OPER_DOWN,
    RTM_NEWLINK,
    IfInfoMsg,
)
from netlife.kernel.netdevice import GSO_LEGACY_MAX_SIZE, GSO_MAX_SEGS, NETREG_REGISTERED
from netlife.kernel.notifier import NOTIFY_DONE, NetdevCmd, NotifierBlock

# struct rtnl_link_stats64: the model moves no packets, so every counter reads 0.
_STATS64 = (
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_aborted_errors",
    "tx_carrier_errors",
    "tx_fifo_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
    "rx_nohandler",
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


IPV6_MIN_MTU = 1280  # include/linux/ipv6.h: below it a device has no IPv6


def rtnl_fill_ifinfo(
    dev: NetDevice,
    msg_type: str,
    change: int,
    ref_net: Net | None = None,
    new_nsid: int | None = None,
    new_ifindex: int | None = None,
    family: int = 0,
) -> IfInfoMsg:
    """Describe the device as the kernel does in an ifinfomsg with IFLA_* attributes.

    `ref_net` is the namespace the message is read in (the device's own by default); link
    namespace ids are given as seen from there.
    """
    from netlife.kernel.dev_flags import dev_get_flags, dev_get_iflink
    from netlife.kernel.rtnetlink import master_ifindex

    net = ref_net if ref_net is not None else dev.nd_net
    a: dict = {
        "IFLA_IFNAME": dev.name,
        "IFLA_TXQLEN": dev.tx_queue_len,
        "IFLA_OPERSTATE": dev.operstate if dev.start else IF_OPER_DOWN,
        "IFLA_LINKMODE": dev.link_mode,
        "IFLA_MTU": dev.mtu,
        "IFLA_MIN_MTU": dev.min_mtu,
        "IFLA_MAX_MTU": dev.max_mtu,
        "IFLA_GROUP": dev.group,
        "IFLA_PROMISCUITY": dev.promiscuity,
        "IFLA_ALLMULTI": dev.allmulti,
        "IFLA_NUM_TX_QUEUES": dev.num_tx_queues,
        "IFLA_GSO_MAX_SEGS": GSO_MAX_SEGS,
        "IFLA_GSO_MAX_SIZE": GSO_LEGACY_MAX_SIZE,
        "IFLA_GRO_MAX_SIZE": GSO_LEGACY_MAX_SIZE,
        "IFLA_GSO_IPV4_MAX_SIZE": GSO_LEGACY_MAX_SIZE,
        "IFLA_GRO_IPV4_MAX_SIZE": GSO_LEGACY_MAX_SIZE,
        "IFLA_TSO_MAX_SIZE": dev.tso_max_size,
        "IFLA_TSO_MAX_SEGS": GSO_MAX_SEGS,
        "IFLA_NUM_RX_QUEUES": dev.num_rx_queues,
        "IFLA_CARRIER": int(dev.carrier),
        "IFLA_CARRIER_CHANGES": dev.carrier_up_count + dev.carrier_down_count,
        "IFLA_CARRIER_UP_COUNT": dev.carrier_up_count,
        "IFLA_CARRIER_DOWN_COUNT": dev.carrier_down_count,
        "IFLA_PROTO_DOWN": 0,
        "IFLA_STATS64": dict.fromkeys(_STATS64, 0),
        # inet6_fill_link_af only for a device with an inet6_dev: addrconf_notify makes one at
        # NETDEV_REGISTER / CHANGEMTU when mtu >= IPV6_MIN_MTU and drops it when mtu falls below.
        "IFLA_AF_SPEC": (
            {"AF_INET6": {"IFLA_INET6_ADDR_GEN_MODE": 0}}  # eui64
            if dev.mtu >= IPV6_MIN_MTU
            else {}
        ),
    }
    iflink = dev_get_iflink(dev)
    if dev.qdisc:
        a["IFLA_QDISC"] = dev.qdisc
    if dev.ifalias:
        a["IFLA_IFALIAS"] = dev.ifalias
    if dev.addr_len:
        a["IFLA_ADDRESS"] = dev.dev_addr
        a["IFLA_BROADCAST"] = dev.broadcast
    if dev.perm_addr and dev.perm_addr != "00:00:00:00:00:00":
        a["IFLA_PERM_ADDRESS"] = dev.perm_addr
    master = master_ifindex(dev)
    if master:
        a["IFLA_MASTER"] = master
    ops = dev.rtnl_link_ops
    linkinfo: dict = {}
    if ops is not None:
        linkinfo["IFLA_INFO_KIND"] = ops.kind
        if ops.fill_info is not None:
            data = ops.fill_info(dev)
            if data is not None:
                linkinfo["IFLA_INFO_DATA"] = data
    for upper, adj in dev.adj_upper.items():
        uops = upper.rtnl_link_ops
        if adj.master and uops is not None and uops.slave_kind:
            linkinfo["IFLA_INFO_SLAVE_KIND"] = uops.slave_kind
            if uops.fill_slave_info is not None:
                linkinfo["IFLA_INFO_SLAVE_DATA"] = uops.fill_slave_info(upper, dev)
    if linkinfo:
        a["IFLA_LINKINFO"] = linkinfo
    put_netnsid = False
    if ops is not None and ops.get_link_net is not None:
        link_net = ops.get_link_net(dev)
        if link_net is not dev.nd_net or net is not dev.nd_net:
            a["IFLA_LINK_NETNSID"] = net.peernet2id_alloc(link_net)
            put_netnsid = True
    # nla_put_iflink: always with a link-netnsid (the index means nothing without it).
    if put_netnsid or dev.ifindex != iflink:
        a["IFLA_LINK"] = iflink
    if new_nsid is not None:
        a["IFLA_NEW_NETNSID"] = new_nsid
    if new_ifindex is not None:
        a["IFLA_NEW_IFINDEX"] = new_ifindex
    if dev.altnames:  # rtnl_fill_prop_list
        a["IFLA_PROP_LIST"] = {"IFLA_ALT_IFNAME": list(dev.altnames)}
    if dev.parent is not None:
        a["IFLA_PARENT_DEV_NAME"] = dev.parent.name
        a["IFLA_PARENT_DEV_BUS_NAME"] = dev.parent.bus
    return IfInfoMsg(
        msg_type=msg_type,
        ifi_family=family,
        ifi_type=dev.type,
        ifi_index=dev.ifindex,
        ifi_flags=dev_get_flags(dev),
        ifi_change=change & 0xFFFFFFFF,
        attrs=a,
    )


def _listening(net: Net) -> bool:
    return bool(net.rtnl_listeners) or bool(net.kernel.link_monitors)


def rtnl_build_ifinfo(
    msg_type: str, dev: NetDevice, change: int, portid: int = 0, nlh: object = None
) -> IfInfoMsg | None:
    """Build the notification now (to send later), or None when nobody listens."""
    if not _listening(dev.nd_net):
        return None
    return rtnl_fill_ifinfo(dev, msg_type, change)


def rtnl_send(net: Net, msg: IfInfoMsg) -> None:
    """rtnl_notify to RTNLGRP_LINK of `net`: every bound socket, then the host's monitors."""
    for sock in tuple(net.rtnl_listeners):
        sock.deliver(msg)
    for monitor in net.kernel.link_monitors:
        monitor(net, msg)


def rtmsg_ifinfo(msg_type: str, dev: NetDevice, change: int) -> None:
    """net/core/rtnetlink.c:rtmsg_ifinfo: only for registered devices, only to listeners."""
    if dev.reg_state != NETREG_REGISTERED or not _listening(dev.nd_net):
        return
    rtnl_send(dev.nd_net, rtnl_fill_ifinfo(dev, msg_type, change))


def rtmsg_bridge_port(msg_type: str, port: NetDevice) -> None:
    """A bridge-port message (family AF_BRIDGE), as br_ifinfo_notify sends it."""
    if not _listening(port.nd_net):
        return
    rtnl_send(port.nd_net, rtnl_fill_ifinfo(port, msg_type, 0, family=AF_BRIDGE))


_RTNETLINK_EVENTS = frozenset(
    {
        NetdevCmd.NETDEV_REBOOT,
        NetdevCmd.NETDEV_CHANGEMTU,
        NetdevCmd.NETDEV_CHANGEADDR,
        NetdevCmd.NETDEV_CHANGENAME,
        NetdevCmd.NETDEV_FEAT_CHANGE,
        NetdevCmd.NETDEV_BONDING_FAILOVER,
        NetdevCmd.NETDEV_POST_TYPE_CHANGE,
        NetdevCmd.NETDEV_NOTIFY_PEERS,
        NetdevCmd.NETDEV_CHANGEUPPER,
        NetdevCmd.NETDEV_RESEND_IGMP,
        NetdevCmd.NETDEV_CHANGEINFODATA,
        NetdevCmd.NETDEV_CHANGELOWERSTATE,
        NetdevCmd.NETDEV_CHANGE_TX_QUEUE_LEN,
    }
)


def rtnetlink_event(nb: NotifierBlock, event: int, info: object) -> int:
    """net/core/rtnetlink.c:rtnetlink_event: these events become RTM_NEWLINK."""
    if event in _RTNETLINK_EVENTS:
        rtmsg_ifinfo(RTM_NEWLINK, info.dev, 0)
    return NOTIFY_DONE


def rtnetlink_notifier() -> NotifierBlock:
    return NotifierBlock(rtnetlink_event, 0, "rtnetlink_dev_notifier")

"""User-visible address and route constants and the rtnetlink address and route messages.

Mirrors include/uapi/linux/if_addr.h (struct ifaddrmsg, IFA_*, IFA_F_*), include/uapi/linux/
rtnetlink.h (struct rtmsg, RTM_*ADDR / *ROUTE, RTN_*, RTPROT_*, RT_SCOPE_*, RT_TABLE_*,
RTA_*, RTNLGRP_*). Attributes are keyed by their kernel names, as pyroute2 names them, with
addresses as text ("10.0.0.1", "fe80::1"), the form IfInfoMsg uses for links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AF_INET = 2
AF_INET6 = 10

RTM_NEWADDR = "RTM_NEWADDR"
RTM_DELADDR = "RTM_DELADDR"
RTM_NEWROUTE = "RTM_NEWROUTE"
RTM_DELROUTE = "RTM_DELROUTE"

# include/uapi/linux/if_addr.h
IFA_F_SECONDARY = 0x01
IFA_F_NODAD = 0x02
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
IFA_F_MCAUTOJOIN = 0x400
IFA_F_STABLE_PRIVACY = 0x800

INFINITY_LIFE_TIME = 0xFFFFFFFF

# enum rt_scope_t
RT_SCOPE_UNIVERSE = 0
RT_SCOPE_SITE = 200
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255

# enum rt_class_t
RT_TABLE_UNSPEC = 0
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255

# route types (RTN_*)
RTN_UNSPEC = 0
RTN_UNICAST = 1
RTN_LOCAL = 2
RTN_BROADCAST = 3
RTN_ANYCAST = 4
RTN_MULTICAST = 5
RTN_BLACKHOLE = 6
RTN_UNREACHABLE = 7
RTN_PROHIBIT = 8
RTN_THROW = 9

# route origins (RTPROT_*)
RTPROT_UNSPEC = 0
RTPROT_REDIRECT = 1
RTPROT_KERNEL = 2
RTPROT_BOOT = 3
RTPROT_STATIC = 4

RTNH_F_DEAD = 1
RTNH_F_LINKDOWN = 16

# multicast groups of NETLINK_ROUTE
RTNLGRP_LINK = "RTNLGRP_LINK"
RTNLGRP_IPV4_IFADDR = "RTNLGRP_IPV4_IFADDR"
RTNLGRP_IPV4_ROUTE = "RTNLGRP_IPV4_ROUTE"
RTNLGRP_IPV6_IFADDR = "RTNLGRP_IPV6_IFADDR"
RTNLGRP_IPV6_ROUTE = "RTNLGRP_IPV6_ROUTE"
RTNLGRP_NEIGH = "RTNLGRP_NEIGH"


@dataclass(slots=True)
class IfAddrMsg:
    """struct ifaddrmsg with its attributes: one RTM_*ADDR request, reply or notification.

    Built by userspace for requests and by devinet.py / addrconf.py (inet_fill_ifaddr,
    inet6_fill_ifaddr) for replies and notifications.
    """

    msg_type: str = RTM_NEWADDR
    ifa_family: int = 0
    ifa_prefixlen: int = 0
    ifa_flags: int = 0
    ifa_scope: int = 0
    ifa_index: int = 0
    nlmsg_flags: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)


@dataclass(slots=True)
class RtMsg:
    """struct rtmsg with its RTA_* attributes: one RTM_*ROUTE request, reply or notification."""

    msg_type: str = RTM_NEWROUTE
    rtm_family: int = 0
    rtm_dst_len: int = 0
    rtm_src_len: int = 0
    rtm_tos: int = 0
    rtm_table: int = 0
    rtm_protocol: int = 0
    rtm_scope: int = 0
    rtm_type: int = 0
    rtm_flags: int = 0
    nlmsg_flags: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)


def rtnl_notify(net: Any, group: str, build: Any) -> None:
    """rtnl_notify to a NETLINK_ROUTE group of `net`: the sockets bound to it, then the host's
    recorders (Kernel.rtnl_monitors). Link messages keep their own path (rtnl_notify.py).
    `build()` makes the message, only when someone listens (rtnl_has_listeners)."""
    if not net.rtnl_listeners and not net.kernel.rtnl_monitors:
        return
    msg = build()
    for sock in tuple(net.rtnl_listeners):
        groups = getattr(sock, "groups", ())
        if group in groups:
            sock.deliver(msg)
    for monitor in net.kernel.rtnl_monitors:
        monitor(net, group, msg)

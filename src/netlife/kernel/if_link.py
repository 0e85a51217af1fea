"""User-visible link constants and the rtnetlink link message.

Mirrors include/uapi/linux/if.h (IFF_*, IF_OPER_*), include/uapi/linux/if_arp.h (ARPHRD_*),
include/uapi/linux/rtnetlink.h (RTM_*, RTNLGRP_LINK) and struct ifinfomsg with its IFLA_*
attributes from include/uapi/linux/if_link.h.

Attributes are keyed by their kernel names, as pyroute2 names them ("IFLA_IFNAME"); nested
attributes (IFLA_LINKINFO, IFLA_INFO_DATA, VETH_INFO_PEER ...) are dicts of the same form. The
model's rtnetlink layer, the `ip` front end and the pyroute2 adapter all speak this one form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# include/uapi/linux/if.h: net_device_flags
IFF_UP = 1 << 0
IFF_BROADCAST = 1 << 1
IFF_DEBUG = 1 << 2
IFF_LOOPBACK = 1 << 3
IFF_POINTOPOINT = 1 << 4
IFF_NOTRAILERS = 1 << 5
IFF_RUNNING = 1 << 6
IFF_NOARP = 1 << 7
IFF_PROMISC = 1 << 8
IFF_ALLMULTI = 1 << 9
IFF_MASTER = 1 << 10
IFF_SLAVE = 1 << 11
IFF_MULTICAST = 1 << 12
IFF_PORTSEL = 1 << 13
IFF_AUTOMEDIA = 1 << 14
IFF_DYNAMIC = 1 << 15
IFF_LOWER_UP = 1 << 16
IFF_DORMANT = 1 << 17
IFF_ECHO = 1 << 18

# The flags userspace may change through ifi_flags/ifi_change (net/core/dev.c:__dev_change_flags).
IFF_USER_CHANGEABLE = (
    IFF_UP
    | IFF_DEBUG
    | IFF_NOTRAILERS
    | IFF_NOARP
    | IFF_DYNAMIC
    | IFF_MULTICAST
    | IFF_PORTSEL
    | IFF_AUTOMEDIA
    | IFF_PROMISC
    | IFF_ALLMULTI
)

# RFC 2863 operational states (include/uapi/linux/if.h)
IF_OPER_UNKNOWN = 0
IF_OPER_NOTPRESENT = 1
IF_OPER_DOWN = 2
IF_OPER_LOWERLAYERDOWN = 3
IF_OPER_TESTING = 4
IF_OPER_DORMANT = 5
IF_OPER_UP = 6
IF_OPER_NAMES = ("UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP")

IF_LINK_MODE_DEFAULT = 0
IF_LINK_MODE_DORMANT = 1
IF_LINK_MODE_TESTING = 2
IF_LINK_MODE_NAMES = ("DEFAULT", "DORMANT", "TESTING")

# include/uapi/linux/if_arp.h
ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 0xFFFE

# include/uapi/linux/rtnetlink.h
RTM_NEWLINK = "RTM_NEWLINK"
RTM_DELLINK = "RTM_DELLINK"
RTM_GETLINK = "RTM_GETLINK"
RTM_SETLINK = "RTM_SETLINK"

# include/uapi/linux/netlink.h: request flags
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800

AF_UNSPEC = 0
AF_BRIDGE = 7

NETNSA_NSID_NOT_ASSIGNED = -1


@dataclass(slots=True)
class IfInfoMsg:
    """struct ifinfomsg with its attributes: one RTM_*LINK request, reply or notification.

    Built by userspace for requests, by kernel/rtnetlink.py:rtnl_fill_ifinfo for replies and
    RTM_NEWLINK / RTM_DELLINK notifications.
    """

    msg_type: str = RTM_NEWLINK
    ifi_family: int = AF_UNSPEC
    ifi_type: int = 0
    ifi_index: int = 0
    ifi_flags: int = 0
    ifi_change: int = 0
    nlmsg_flags: int = 0
    attrs: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)

    def kind(self) -> str | None:
        info = self.attrs.get("IFLA_LINKINFO")
        return info.get("IFLA_INFO_KIND") if info else None

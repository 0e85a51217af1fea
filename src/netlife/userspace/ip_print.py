"""iproute2 6.1 link output: `ip [-j [-p]] [-d] [-s] [-o] [-br] link show`, the link part of
`ip addr show`, and `ip monitor link` lines, printed from an IfInfoMsg.

Mirrors iproute2 v6.1.0 ip/ipaddress.c (print_linkinfo, print_link_flags, print_operstate,
print_linkmode, print_queuelen, print_link_event, print_linktype, print_af_spec,
print_proto_down, print_linkinfo_brief, print_stats64), lib/utils.c (print_name_and_link),
lib/ll_map.c (the ifindex cache names and M-DOWN come from), ip/ipmonitor.c (accept_msg for
RTM_NEWLINK / RTM_DELLINK). The Printer (lib/json_print.c, lib/json_writer.c) is
in ip_print_json.py, the per-kind details (each link_util's print_opt) in ip_print_kind.py.

One code path writes either text or JSON, as lib/json_print.c does: every print call names its
JSON key and its text format, and a Printer in text mode appends the text while one in JSON mode
builds the object. The printer prints whatever attributes the message carries, so a message
converted from the real kernel prints as the real `ip` prints it. Not printed (never carried by
the model, and absent from the real messages the tests compare): IFLA_XDP with a program attached,
IFLA_VFINFO_LIST, IFLA_INFO_XSTATS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netlife.kernel.if_link import (
    IF_OPER_NAMES,
    IFF_ALLMULTI,
    IFF_AUTOMEDIA,
    IFF_BROADCAST,
    IFF_DEBUG,
    IFF_DORMANT,
    IFF_DYNAMIC,
    IFF_ECHO,
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_MASTER,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_NOTRAILERS,
    IFF_POINTOPOINT,
    IFF_PORTSEL,
    IFF_PROMISC,
    IFF_RUNNING,
    IFF_SLAVE,
    IFF_UP,
    RTM_DELLINK,
    IfInfoMsg,
)
from netlife.userspace.ip_print_json import (
    PRINT_ANY,
    PRINT_FP,
    PRINT_JSON,
    Printer,
    json_text,
)
from netlife.userspace.ip_print_kind import KIND_PRINTERS
from netlife.userspace.ip_print_stats import print_link_stats

__all__ = [
    "PrintContext",
    "json_text",
    "link_brief",
    "link_brief_json",
    "link_json",
    "link_text",
    "links_json_text",
    "monitor_json",
    "monitor_link_text",
]

# ip/ipaddress.c:print_link_flags() walks the bits in this order (not if.h's bit order).
LINK_FLAG_ORDER = (
    (IFF_LOOPBACK, "LOOPBACK"),
    (IFF_BROADCAST, "BROADCAST"),
    (IFF_POINTOPOINT, "POINTOPOINT"),
    (IFF_MULTICAST, "MULTICAST"),
    (IFF_NOARP, "NOARP"),
    (IFF_ALLMULTI, "ALLMULTI"),
    (IFF_PROMISC, "PROMISC"),
    (IFF_MASTER, "MASTER"),
    (IFF_SLAVE, "SLAVE"),
    (IFF_DEBUG, "DEBUG"),
    (IFF_DYNAMIC, "DYNAMIC"),
    (IFF_AUTOMEDIA, "AUTOMEDIA"),
    (IFF_PORTSEL, "PORTSEL"),
    (IFF_NOTRAILERS, "NOTRAILERS"),
    (IFF_UP, "UP"),
    (IFF_LOWER_UP, "LOWER_UP"),
    (IFF_DORMANT, "DORMANT"),
    (IFF_ECHO, "ECHO"),
)

# lib/ll_types.c:ll_type_n2a(); unknown types print as "[N]".
ARPHRD_NAMES = {
    0: "netrom", 1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802",
    7: "arcnet", 8: "atalk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394",
    32: "infiniband", 256: "slip", 257: "cslip", 258: "slip6", 259: "cslip6", 260: "rsrvd",
    264: "adapt", 270: "rose", 271: "x25", 272: "hwx25", 280: "can", 512: "ppp", 513: "hdlc",
    516: "lapb", 517: "ddcmp", 518: "rawhdlc", 768: "ipip", 769: "tunnel6", 770: "frad",
    771: "skip", 772: "loopback", 773: "ltalk", 774: "fddi", 775: "bif", 776: "sit",
    777: "ip/ddp", 778: "gre", 779: "pimreg", 780: "hippi", 781: "ash", 782: "econet",
    783: "irda", 784: "fcpp", 785: "fcal", 786: "fcpl",
    **{787 + i: f"fcfb{i}" for i in range(13)},
    800: "tr", 801: "ieee802.11", 802: "ieee802.11/prism", 803: "ieee802.11/radiotap",
    804: "ieee802.15.4", 805: "ieee802.15.4/monitor", 820: "phonet", 821: "phonet_pipe",
    822: "caif", 823: "gre6", 824: "netlink", 825: "6lowpan", 0xFFFE: "none", 0xFFFF: "void",
}  # fmt: skip

# ip/ipaddress.c:link_modes[] has two names only; TESTING prints as "mode 2".
LINK_MODE_NAMES = ("DEFAULT", "DORMANT")

# ip/ipaddress.c:print_af_spec(): IN6_ADDR_GEN_MODE_* names.
ADDR_GEN_MODE_NAMES = {0: "eui64", 1: "none", 2: "stable_secret", 3: "random"}


@dataclass
class PrintContext:
    """What `ip` knows besides the message: its ifindex cache and the namespace names.

    names/flags mirror lib/ll_map.c's cache of the namespace being listed (filled from the dump,
    updated by monitor messages); nsid_names maps the peer ids of that namespace to the names
    `ip netns` knows (get_name_from_nsid); group_names, users and groups stand in for
    /etc/iproute2/group and the passwd/group databases.
    """

    names: dict[int, str] = field(default_factory=dict)
    flags: dict[int, int] = field(default_factory=dict)
    nsid_names: dict[int, str] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=lambda: {0: "default"})
    users: dict[int, str] = field(default_factory=lambda: {0: "root"})
    groups: dict[int, str] = field(default_factory=lambda: {0: "root"})
    # ll_link_get: on a cache miss, an RTM_GETLINK of that index (None: the cache is complete)
    lookup: Any = None

    @classmethod
    def from_links(cls, msgs: list[IfInfoMsg], nsid_names: dict[int, str] | None = None):
        """The cache `ip link show` builds from its own dump."""
        ctx = cls(nsid_names=dict(nsid_names or {}))
        for msg in msgs:
            ctx.remember(msg)
        return ctx

    @classmethod
    def for_net(cls, host: Any, net: Any) -> PrintContext:
        """The context `ip` builds when listing the links of `net` on this host."""
        from netlife.userspace.ip import print_context

        return print_context(host, net)

    def remember(self, msg: IfInfoMsg) -> None:
        """lib/ll_map.c:ll_remember_index: RTM_NEWLINK updates the entry, RTM_DELLINK drops it."""
        if msg.msg_type == RTM_DELLINK:
            self.names.pop(msg.ifi_index, None)
            self.flags.pop(msg.ifi_index, None)
            return
        name = msg.get("IFLA_IFNAME")
        if name is not None:
            self.names[msg.ifi_index] = name
        if name is not None or msg.ifi_index in self.names:
            self.flags[msg.ifi_index] = msg.ifi_flags

    def index_to_name(self, ifindex: int) -> str:
        """ll_index_to_name: "*" for 0, "ifN" when the index is unknown."""
        if ifindex == 0:
            return "*"
        if ifindex not in self.names and self.lookup is not None:
            self._fetch(ifindex)
        return self.names.get(ifindex, f"if{ifindex}")

    def _fetch(self, ifindex: int) -> None:
        msg = self.lookup(ifindex)
        if msg is not None:
            self.remember(msg)

    def index_to_flags(self, ifindex: int) -> int:
        """ll_index_to_flags: 0 for index 0, all bits (-1) when the index is unknown."""
        if ifindex == 0:
            return 0
        if ifindex not in self.flags and self.lookup is not None:
            self._fetch(ifindex)
        return self.flags.get(ifindex, -1)

    def group_name(self, group: int) -> str:
        return self.group_names.get(group, str(group))


# --- the pieces of print_linkinfo -------------------------------------------------------------


def print_link_flags(p: Printer, flags: int, mdown: bool) -> None:
    """ip/ipaddress.c:print_link_flags: NO-CARRIER when up without RUNNING, leftovers in hex."""
    p.open_array(PRINT_ANY, "flags" if p.json else "<")
    if flags & IFF_UP and not flags & IFF_RUNNING:
        p.string(PRINT_ANY, None, "%s," if flags else "%s", "NO-CARRIER")
    flags &= ~IFF_RUNNING
    for bit, name in LINK_FLAG_ORDER:
        if flags & bit:
            flags &= ~bit
            p.string(PRINT_ANY, None, "%s," if flags else "%s", name)
    if flags:
        p.string(PRINT_ANY, None, "%s", f"{flags:x}")
    if mdown:
        p.string(PRINT_ANY, None, ",%s", "M-DOWN")
    p.close_array(PRINT_ANY, "> ")


def print_name_and_link(p: Printer, fmt: str, name: str, attrs: dict, ctx: PrintContext) -> bool:
    """lib/utils.c:print_name_and_link: `name@lower`, `@ifN` across namespaces, `@NONE` for 0.

    Returns the M-DOWN flag: the lower device is in this namespace and not IFF_UP (by the cache).
    """
    mdown = False
    if "IFLA_LINK" in attrs:
        iflink = attrs["IFLA_LINK"]
        link = None
        if iflink:
            if "IFLA_LINK_NETNSID" in attrs:
                if p.json:
                    p.number(PRINT_JSON, "link_index", None, iflink)
                else:
                    link = f"if{iflink}"
            else:
                link = ctx.index_to_name(iflink)
                if p.json:
                    p.string(PRINT_JSON, "link", None, link)
                    link = None
                mdown = not ctx.index_to_flags(iflink) & IFF_UP
        elif p.json:
            p.null(PRINT_JSON, "link")
        else:
            link = "NONE"
        if link is not None:
            name = f"{name}@{link}"
    p.string(PRINT_ANY, "ifname", fmt, name)
    return mdown


def print_operstate(p: Printer, state: int, brief: bool) -> None:
    if state >= len(IF_OPER_NAMES):
        if p.json:
            p.number(PRINT_JSON, "operstate_index", None, state)
        else:
            p.string(PRINT_FP, None, "state %s", f"{state:#x}")
    elif brief:
        p.string(PRINT_ANY, "operstate", "%-14s ", IF_OPER_NAMES[state])
    elif p.json:
        p.string(PRINT_JSON, "operstate", None, IF_OPER_NAMES[state])
    else:
        p.string(PRINT_FP, None, "state %s ", IF_OPER_NAMES[state])


# ip/ipaddress.c:link_events[], indexed by IFLA_EVENT_*.
LINK_EVENT_NAMES = (
    "NONE",
    "REBOOT",
    "FEATURE CHANGE",
    "BONDING FAILOVER",
    "NOTIFY PEERS",
    "RESEND IGMP",
    "BONDING OPTION",
)


def print_link_event(p: Printer, event: int) -> None:
    if event >= len(LINK_EVENT_NAMES):
        p.number(PRINT_ANY, "event", "event %d ", event)
    elif event:
        p.string(PRINT_ANY, "event", "event %s ", LINK_EVENT_NAMES[event])


def print_linkmode(p: Printer, mode: int) -> None:
    if mode >= len(LINK_MODE_NAMES):
        p.number(PRINT_ANY, "linkmode_index", "mode %d ", mode)
    else:
        p.string(PRINT_ANY, "linkmode", "mode %s ", LINK_MODE_NAMES[mode])


def print_linktype(p: Printer, linkinfo: dict, ctx: PrintContext) -> None:
    """ip/ipaddress.c:print_linktype: kind, its print_opt, then the slave kind and its print_opt.

    Kinds iproute2 6.1 cannot print (veth, dummy, netdevsim: no print_opt; netkit: unknown to
    6.1) show only their name, and no "info_data" object in JSON.
    """
    p.open_object("linkinfo")
    kind = linkinfo.get("IFLA_INFO_KIND")
    if kind is not None:
        p.nl()
        p.string(PRINT_ANY, "info_kind", "    %s ", kind)
        print_opt = KIND_PRINTERS.get(kind)
        if print_opt is not None:
            p.open_object("info_data")
            print_opt(p, linkinfo.get("IFLA_INFO_DATA"), ctx)
            p.close_object()
    slave_kind = linkinfo.get("IFLA_INFO_SLAVE_KIND")
    if slave_kind is not None:
        p.nl()
        p.string(PRINT_ANY, "info_slave_kind", "    %s_slave ", slave_kind)
        print_opt = KIND_PRINTERS.get(f"{slave_kind}_slave")
        if print_opt is not None:
            p.open_object("info_slave_data")
            print_opt(p, linkinfo.get("IFLA_INFO_SLAVE_DATA"), ctx)
            p.close_object()
    p.close_object()


def print_af_spec(p: Printer, af_spec: dict) -> None:
    inet6 = af_spec.get("AF_INET6")
    if not inet6 or "IFLA_INET6_ADDR_GEN_MODE" not in inet6:
        return
    mode = inet6["IFLA_INET6_ADDR_GEN_MODE"]
    name = ADDR_GEN_MODE_NAMES.get(mode, f"{mode:#04x}")
    p.string(PRINT_ANY, "inet6_addr_gen_mode", "addrgenmode %s ", name)


def print_proto_down(p: Printer, attrs: dict, ctx: PrintContext) -> None:
    if attrs.get("IFLA_PROTO_DOWN"):
        p.boolean(PRINT_ANY, "proto_down", " protodown on ", True)
    reason = attrs.get("IFLA_PROTO_DOWN_REASON")
    if reason is None:
        return
    # iproute2 6.1 tests the top-level table at index IFLA_PROTO_DOWN_REASON_VALUE (2), which
    # is IFLA_BROADCAST: without a broadcast address it prints no reason at all.
    if "IFLA_BROADCAST" not in attrs:
        return
    value = reason.get("IFLA_PROTO_DOWN_REASON_VALUE", 0) & 0xFF
    if not value:
        return
    p.open_array(PRINT_ANY, "proto_down_reason" if p.json else "protodown_reason <")
    # Reason names come from /etc/iproute2/protodown_reasons.d; none are configured here, so
    # the loop stops at the first set bit as protodown_reason_n2a() fails.
    p.close_array(PRINT_ANY, ">")


def link_type_name(ifi_type: int) -> str:
    return ARPHRD_NAMES.get(ifi_type, f"[{ifi_type}]")


_DETAIL_NUMBERS = (
    ("IFLA_NUM_TX_QUEUES", "num_tx_queues", "numtxqueues %d "),
    ("IFLA_NUM_RX_QUEUES", "num_rx_queues", "numrxqueues %d "),
    ("IFLA_GSO_MAX_SIZE", "gso_max_size", "gso_max_size %d "),
    ("IFLA_GSO_MAX_SEGS", "gso_max_segs", "gso_max_segs %d "),
    ("IFLA_TSO_MAX_SIZE", "tso_max_size", "tso_max_size %d "),
    ("IFLA_TSO_MAX_SEGS", "tso_max_segs", "tso_max_segs %d "),
    ("IFLA_GRO_MAX_SIZE", "gro_max_size", "gro_max_size %d "),
)


def print_linkinfo(
    p: Printer,
    msg: IfInfoMsg,
    ctx: PrintContext,
    *,
    details: bool = False,
    do_link: bool = True,
    showqueue: bool = True,
    stats: int = 0,
) -> None:
    """ip/ipaddress.c:print_linkinfo for one message (filters are the caller's business).

    do_link is true for `ip link` (mode, addrgenmode, alias and -s stats belong to it),
    showqueue is false only for `ip monitor` (ipaddr_reset_filter clears it).
    """
    a = msg.attrs
    name = a.get("IFLA_IFNAME", "")
    if msg.msg_type == RTM_DELLINK:
        p.boolean(PRINT_ANY, "deleted", "Deleted ", True)
    p.number(PRINT_ANY, "ifindex", "%d: ", msg.ifi_index)
    mdown = print_name_and_link(p, "%s: ", name, a, ctx)
    print_link_flags(p, msg.ifi_flags, mdown)
    if "IFLA_MTU" in a:
        p.number(PRINT_ANY, "mtu", "mtu %d ", a["IFLA_MTU"])
    if "IFLA_QDISC" in a:
        p.string(PRINT_ANY, "qdisc", "qdisc %s ", a["IFLA_QDISC"])
    if "IFLA_MASTER" in a:
        p.string(PRINT_ANY, "master", "master %s ", ctx.index_to_name(a["IFLA_MASTER"]))
    if "IFLA_OPERSTATE" in a:
        print_operstate(p, a["IFLA_OPERSTATE"], brief=False)
    if do_link and "IFLA_LINKMODE" in a:
        print_linkmode(p, a["IFLA_LINKMODE"])
    if "IFLA_GROUP" in a:
        p.string(PRINT_ANY, "group", "group %s ", ctx.group_name(a["IFLA_GROUP"]))
    if showqueue and a.get("IFLA_TXQLEN"):
        # print_int of a u32: 4294967295 (`txqueuelen -1`) is printed as -1, text and JSON
        txqlen = a["IFLA_TXQLEN"]
        p.number(
            PRINT_ANY, "txqlen", "qlen %d", txqlen - (1 << 32) if txqlen >= 1 << 31 else txqlen
        )
    if "IFLA_EVENT" in a:
        print_link_event(p, a["IFLA_EVENT"])

    p.nl()
    p.string(PRINT_ANY, "link_type", "    link/%s ", link_type_name(msg.ifi_type))
    if "IFLA_ADDRESS" in a:
        p.string(PRINT_ANY, "address", "%s", a["IFLA_ADDRESS"])
    if "IFLA_BROADCAST" in a:
        if msg.ifi_flags & IFF_POINTOPOINT:
            p.text(" peer ")
            p.boolean(PRINT_JSON, "link_pointtopoint", None, True)
        else:
            p.text(" brd ")
        p.string(PRINT_ANY, "broadcast", "%s", a["IFLA_BROADCAST"])
    perm = a.get("IFLA_PERM_ADDRESS")
    if perm is not None and perm != a.get("IFLA_ADDRESS"):
        p.text(" permaddr ")
        p.string(PRINT_ANY, "permaddr", "%s", perm)

    if "IFLA_LINK_NETNSID" in a:
        nsid = a["IFLA_LINK_NETNSID"]
        if p.json:
            p.number(PRINT_JSON, "link_netnsid", None, nsid)
        elif nsid < 0:
            p.text(" link-netnsid unknown")
        elif nsid in ctx.nsid_names:
            p.text(f" link-netns {ctx.nsid_names[nsid]}")
        else:
            p.text(f" link-netnsid {nsid}")
    if "IFLA_NEW_NETNSID" in a:
        nsid = a["IFLA_NEW_NETNSID"]
        if nsid in ctx.nsid_names:
            p.text(f" new-netns {ctx.nsid_names[nsid]}")
        else:
            p.text(f" new-netnsid {nsid}")
    if "IFLA_NEW_IFINDEX" in a:
        p.text(f" new-ifindex {a['IFLA_NEW_IFINDEX']}")
    if "IFLA_PROTO_DOWN" in a:
        print_proto_down(p, a, ctx)

    if details:
        print_details(p, a, ctx, do_link)
    if (do_link or details) and "IFLA_IFALIAS" in a:
        p.text(p.sl + "    ")
        p.string(PRINT_ANY, "ifalias", "alias %s", a["IFLA_IFALIAS"])
    if do_link and stats:
        p.nl()
        print_link_stats(p, a, stats)
    altnames = (a.get("IFLA_PROP_LIST") or {}).get("IFLA_ALT_IFNAME")
    if altnames is not None:
        if isinstance(altnames, str):
            altnames = [altnames]
        p.open_array(PRINT_JSON, "altnames")
        for alt in altnames:
            p.text(p.sl + "    altname ")
            p.string(PRINT_ANY, None, "%s", alt)
        p.close_array(PRINT_JSON, None)
    p.text("\n")


def print_details(p: Printer, a: dict, ctx: PrintContext, do_link: bool) -> None:
    """The `-d` block of print_linkinfo, in its order."""
    if "IFLA_PROMISCUITY" in a:
        p.number(PRINT_ANY, "promiscuity", " promiscuity %d ", a["IFLA_PROMISCUITY"])
    if "IFLA_ALLMULTI" in a:
        p.number(PRINT_ANY, "allmulti", " allmulti %d ", a["IFLA_ALLMULTI"])
    if "IFLA_MIN_MTU" in a:
        p.number(PRINT_ANY, "min_mtu", "minmtu %d ", a["IFLA_MIN_MTU"])
    if "IFLA_MAX_MTU" in a:
        p.number(PRINT_ANY, "max_mtu", "maxmtu %d ", a["IFLA_MAX_MTU"])
    if "IFLA_LINKINFO" in a:
        print_linktype(p, a["IFLA_LINKINFO"], ctx)
    if do_link and "IFLA_AF_SPEC" in a:
        print_af_spec(p, a["IFLA_AF_SPEC"])
    for attr, key, fmt in _DETAIL_NUMBERS:
        if attr in a:
            p.number(PRINT_ANY, key, fmt, a[attr])
    if "IFLA_PHYS_PORT_NAME" in a:
        p.string(PRINT_ANY, "phys_port_name", "portname %s ", a["IFLA_PHYS_PORT_NAME"])
    if "IFLA_PHYS_PORT_ID" in a:
        p.string(PRINT_ANY, "phys_port_id", "portid %s ", _hexstring(a["IFLA_PHYS_PORT_ID"]))
    if "IFLA_PHYS_SWITCH_ID" in a:
        p.string(PRINT_ANY, "phys_switch_id", "switchid %s ", _hexstring(a["IFLA_PHYS_SWITCH_ID"]))
    if "IFLA_PARENT_DEV_BUS_NAME" in a:
        p.string(PRINT_ANY, "parentbus", "parentbus %s ", a["IFLA_PARENT_DEV_BUS_NAME"])
    if "IFLA_PARENT_DEV_NAME" in a:
        p.string(PRINT_ANY, "parentdev", "parentdev %s ", a["IFLA_PARENT_DEV_NAME"])


def _hexstring(value: str) -> str:
    """lib/utils.c:hexstring_n2a: bytes as plain hex; the model holds them as "aa:bb:..."."""
    return value.replace(":", "")


# --- public entry points -------------------------------------------------------------------------


def link_json(
    msg: IfInfoMsg,
    ctx: PrintContext,
    details: bool = False,
    stats: int = 0,
    addr_cmd: bool = False,
) -> dict[str, Any]:
    """The object `ip -j [-d] [-s] link show` prints for this link (`ip -j addr` with addr_cmd;
    its "addr_info" array is the address printer's to add)."""
    p = Printer(json=True)
    p.open_object(None)
    print_linkinfo(p, msg, ctx, details=details, do_link=not addr_cmd, stats=stats)
    p.close_object()
    return p.result()[0]


def link_text(
    msg: IfInfoMsg,
    ctx: PrintContext,
    details: bool = False,
    oneline: bool = False,
    addr_cmd: bool = False,
    stats: int = 0,
) -> str:
    """What `ip [-d] [-s] [-o] link show` prints for this link, newline included.

    With addr_cmd it is the link part of `ip addr show` (no `mode`, no `addrgenmode`); the
    address lines follow it, before the final newline in -o mode, so callers of the -o form
    strip the newline, append the addresses and end the line themselves.
    """
    p = Printer(json=False, oneline=oneline)
    print_linkinfo(p, msg, ctx, details=details, do_link=not addr_cmd, stats=stats)
    return p.result()


def _print_brief(p: Printer, msg: IfInfoMsg, ctx: PrintContext, addr_cmd: bool) -> None:
    """ip/ipaddress.c:print_linkinfo_brief; `ip -br link` is the AF_PACKET family."""
    a = msg.attrs
    if msg.msg_type == RTM_DELLINK:
        p.boolean(PRINT_ANY, "deleted", "Deleted ", True)
    mdown = print_name_and_link(p, "%-16s ", a.get("IFLA_IFNAME", ""), a, ctx)
    if "IFLA_OPERSTATE" in a:
        print_operstate(p, a["IFLA_OPERSTATE"], brief=True)
    if not addr_cmd:
        if "IFLA_ADDRESS" in a:
            p.string(PRINT_ANY, "address", "%s ", a["IFLA_ADDRESS"])
        print_link_flags(p, msg.ifi_flags, mdown)
        p.text("\n")


def link_brief(msg: IfInfoMsg, ctx: PrintContext, addr_cmd: bool = False) -> str:
    """`ip -br link` line (newline included); with addr_cmd the `ip -br addr` prefix (name and
    state), which the caller follows with the addresses ("%s/%d ") and a newline."""
    p = Printer(json=False)
    _print_brief(p, msg, ctx, addr_cmd)
    return p.result()


def link_brief_json(msg: IfInfoMsg, ctx: PrintContext, addr_cmd: bool = False) -> dict[str, Any]:
    """`ip -j -br link` object for this link."""
    p = Printer(json=True)
    p.open_object(None)
    _print_brief(p, msg, ctx, addr_cmd)
    p.close_object()
    return p.result()[0]


def links_json_text(objs: list[dict[str, Any]], pretty: bool = False) -> str:
    """The whole output of `ip -j [-p] link show`: the array of link objects and a newline."""
    return json_text(objs, pretty)


def monitor_link_text(
    msg: IfInfoMsg,
    ctx: PrintContext,
    details: bool = False,
    oneline: bool = False,
    label: bool = False,
) -> str:
    """One `ip monitor link` event, as ip/ipmonitor.c:accept_msg prints it.

    The cache is updated first (ll_remember_index), so ctx changes. The monitor runs with
    do_link and showqueue off: no `mode`, no `qlen`. iproute2 6.1 has no JSON monitor: `ip -j
    monitor link` prints this same text. `label` is the `[LINK]` banner of `ip monitor label`
    or `ip monitor all`.
    """
    ctx.remember(msg)
    p = Printer(json=False, oneline=oneline)
    if label:
        p.text("[LINK]")
    print_linkinfo(p, msg, ctx, details=details, do_link=False, showqueue=False)
    return p.result()


def monitor_json(msg: IfInfoMsg, ctx: PrintContext, details: bool = False) -> dict[str, Any]:
    """A monitor event as a JSON object, for the model's records.

    iproute2 6.1 has no JSON monitor (`ip -j monitor` prints text), so this is the object its
    JSON printer builds with the monitor's settings: no "linkmode", no "txqlen", and
    "deleted": true first for RTM_DELLINK. The cache is not updated here.
    """
    p = Printer(json=True)
    p.open_object(None)
    print_linkinfo(p, msg, ctx, details=details, do_link=False, showqueue=False)
    p.close_object()
    return p.result()[0]

"""The words of the `ip link` kinds this kernel has no module for, and of bond/bridge ports.

Mirrors iproute2 v6.1.0 ip/iplink_geneve.c, ip/iplink_bareudp.c, ip/link_xfrm.c,
ip/iplink_vrf.c, ip/iplink_ipvlan.c, ip/iplink_bond.c, ip/iplink_bond_slave.c and
ip/iplink_bridge_slave.c: each parse_opt's words in its order (an abbreviation takes the
first word it matches), its errors and the attributes it adds. The kernel answers the
kinds without a module with "Unknown device type"; bridge_slave options reach the bridge.
"""

from __future__ import annotations

from netlife.kernel.if_link import IfInfoMsg
from netlife.userspace.ip import (
    AF_INET6,
    AF_UNSPEC,
    Args,
    IpExit,
    IpRun,
    invarg,
    ll_name_to_index,
    matches,
    missarg,
    nodev,
)
from netlife.userspace.ip_addr_words import (
    U16,
    U32,
    InetPrefix,
    check_duparg,
    get_addr,
    get_addr32,
    get_u,
    ll_proto_a2n,
    rtnl_dsfield_a2n,
    rtnl_rttable_a2n,
)

GENEVE_USAGE = """\
Usage: ... geneve id VNI
\t\tremote ADDR
\t\t[ ttl TTL ]
\t\t[ tos TOS ]
\t\t[ df DF ]
\t\t[ flowlabel LABEL ]
\t\t[ dstport PORT ]
\t\t[ [no]external ]
\t\t[ [no]udpcsum ]
\t\t[ [no]udp6zerocsumtx ]
\t\t[ [no]udp6zerocsumrx ]
\t\t[ innerprotoinherit ]

Where:\tVNI   := 0-16777215
\tADDR  := IP_ADDRESS
\tTOS   := { NUMBER | inherit }
\tTTL   := { 1..255 | auto | inherit }
\tDF    := { unset | set | inherit }
\tLABEL := 0-1048575
"""

# The flag words of geneve_parse_opt after the valued ones: word → (attribute, value).
_GENEVE_FLAGS = (
    ("external", "IFLA_GENEVE_COLLECT_METADATA", True),
    ("noexternal", "IFLA_GENEVE_COLLECT_METADATA", False),
    ("udpcsum", "IFLA_GENEVE_UDP_CSUM", 1),
    ("noudpcsum", "IFLA_GENEVE_UDP_CSUM", 0),
    ("udp6zerocsumtx", "IFLA_GENEVE_UDP_ZERO_CSUM6_TX", 1),
    ("noudp6zerocsumtx", "IFLA_GENEVE_UDP_ZERO_CSUM6_TX", 0),
    ("udp6zerocsumrx", "IFLA_GENEVE_UDP_ZERO_CSUM6_RX", 1),
    ("noudp6zerocsumrx", "IFLA_GENEVE_UDP_ZERO_CSUM6_RX", 0),
)
GENEVE_DF = {"unset": 0, "set": 1, "inherit": 2}


def geneve_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_geneve.c:geneve_parse_opt."""
    seen: set[str] = set()
    vals: dict = {}
    daddr = InetPrefix()
    extra: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        flag = next((f for f in _GENEVE_FLAGS if matches(w, f[0])), None)
        if matches(w, "id") or matches(w, "vni"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_ID", "id", v)
            vni = get_u(v, U32)
            if vni is None or vni >= 1 << 24:
                invarg(run, "invalid id", v)
            vals["vni"] = vni
        elif matches(w, "remote"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_REMOTE", "remote", v)
            daddr = get_addr(run, v, AF_UNSPEC)
            if not daddr.not_unspec or daddr.multicast:
                invarg(run, "invalid remote address", v)
        elif matches(w, "ttl") or matches(w, "hoplimit"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_TTL", "ttl", v)
            if v == "inherit":
                extra["IFLA_GENEVE_TTL_INHERIT"] = 1
            elif v != "auto":
                val = get_u(v, U32)
                if val is None:
                    invarg(run, "invalid TTL", v)
                if val > 255:
                    invarg(run, "TTL must be <= 255", v)
                vals["ttl"] = val
        elif matches(w, "tos") or matches(w, "dsfield"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_TOS", "tos", v)
            if v == "inherit":
                vals["tos"] = 1
            else:
                val = rtnl_dsfield_a2n(v)
                if val is None:
                    invarg(run, "bad TOS value", v)
                vals["tos"] = val
        elif matches(w, "df"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_DF", "df", v)
            if v not in GENEVE_DF:
                invarg(run, "DF must be 'unset', 'set' or 'inherit'", v)
            extra["IFLA_GENEVE_DF"] = GENEVE_DF[v]
        elif matches(w, "label") or matches(w, "flowlabel"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_LABEL", "flowlabel", v)
            val = get_u(v, U32)
            if val is None or val & ~0xFFFFF:
                invarg(run, "invalid flowlabel", v)
            vals["label"] = val
        elif matches(w, "dstport"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_GENEVE_PORT", "dstport", v)
            val = get_u(v, U16)
            if val is None:
                invarg(run, "dstport", v)
            vals["dstport"] = val
        elif flag is not None:
            check_duparg(run, seen, flag[1], w, w)
            vals[flag[1]] = flag[2]
        elif w == "innerprotoinherit":
            check_duparg(run, seen, "IFLA_GENEVE_INNER_PROTO_INHERIT", w, w)
            vals["inner"] = True
        elif matches(w, "help"):
            run.err(GENEVE_USAGE)
            return None
        else:
            run.err(f'geneve: unknown command "{w}"?\n')
            run.err(GENEVE_USAGE)
            return None
        a.step()
    return _geneve_attrs(run, vals, seen, daddr, extra, create)


def _geneve_attrs(run, vals, seen, daddr, extra, create) -> dict | None:
    metadata = vals.get("IFLA_GENEVE_COLLECT_METADATA", False)
    set_op = not create
    if metadata and "IFLA_GENEVE_ID" in seen:
        run.err("geneve: both 'external' and vni cannot be specified\n")
        return None
    if not metadata:
        if "IFLA_GENEVE_ID" not in seen:
            run.err("geneve: missing virtual network identifier\n")
            return None
        if not set_op and not daddr.not_unspec:
            run.err("geneve: remote link partner not specified\n")
            return None
    data: dict = dict(extra)
    data["IFLA_GENEVE_ID"] = vals.get("vni", 0)
    if daddr.not_unspec:
        key = "IFLA_GENEVE_REMOTE6" if daddr.family == AF_INET6 else "IFLA_GENEVE_REMOTE"
        data[key] = daddr.text
    for attr, name in (("LABEL", "label"), ("TTL", "ttl"), ("TOS", "tos")):
        if not set_op or f"IFLA_GENEVE_{attr}" in seen:
            data[f"IFLA_GENEVE_{attr}"] = vals.get(name, 0)
    if vals.get("dstport"):
        data["IFLA_GENEVE_PORT"] = vals["dstport"]
    if metadata:
        data["IFLA_GENEVE_COLLECT_METADATA"] = True
    if vals.get("inner"):
        data["IFLA_GENEVE_INNER_PROTO_INHERIT"] = True
    for attr in (
        "IFLA_GENEVE_UDP_CSUM",
        "IFLA_GENEVE_UDP_ZERO_CSUM6_TX",
        "IFLA_GENEVE_UDP_ZERO_CSUM6_RX",
    ):
        if attr in seen:
            data[attr] = vals[attr]
    return data


BAREUDP_USAGE = """\
Usage: ... bareudp dstport PORT
\t\tethertype PROTO
\t\t[ srcportmin PORT ]
\t\t[ [no]multiproto ]

Where:\tPORT  := UDP_PORT
\tPROTO := ETHERTYPE

Note: ETHERTYPE can be given as number or as protocol name ("ipv4", "ipv6",
      "mpls_uc", etc.).
"""


def bareudp_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_bareudp.c:bareudp_parse_opt: dstport and ethertype are required."""
    seen: set[str] = set()
    data: dict = {}
    multiproto = False
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "dstport"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_BAREUDP_PORT", "dstport", v)
            val = get_u(v, U16)
            if val is None:
                invarg(run, "dstport", v)
            data["IFLA_BAREUDP_PORT"] = val
        elif matches(w, "ethertype"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_BAREUDP_ETHERTYPE", "ethertype", v)
            val = ll_proto_a2n(v)
            if val is None:
                invarg(run, "ethertype", v)
            data["IFLA_BAREUDP_ETHERTYPE"] = val
        elif matches(w, "srcportmin"):
            v = a.nxt()
            check_duparg(run, seen, "IFLA_BAREUDP_SRCPORT_MIN", "srcportmin", v)
            val = get_u(v, U16)
            if val is None:
                invarg(run, "srcportmin", v)
            data["IFLA_BAREUDP_SRCPORT_MIN"] = val
        elif matches(w, "multiproto") or matches(w, "nomultiproto"):
            check_duparg(run, seen, "IFLA_BAREUDP_MULTIPROTO_MODE", w, w)
            multiproto = matches(w, "multiproto")
        elif matches(w, "help"):
            run.err(BAREUDP_USAGE)
            return None
        else:
            run.err(f'bareudp: unknown command "{w}"?\n')
            run.err(BAREUDP_USAGE)
            return None
        a.step()
    if "IFLA_BAREUDP_PORT" not in seen:
        missarg(run, "dstport")
    if "IFLA_BAREUDP_ETHERTYPE" not in seen:
        missarg(run, "ethertype")
    out = {k: data[k] for k in ("IFLA_BAREUDP_PORT", "IFLA_BAREUDP_ETHERTYPE")}
    if "IFLA_BAREUDP_SRCPORT_MIN" in data:
        out["IFLA_BAREUDP_SRCPORT_MIN"] = data["IFLA_BAREUDP_SRCPORT_MIN"]
    if multiproto:
        out["IFLA_BAREUDP_MULTIPROTO_MODE"] = True
    return out


def xfrm_help(kind: str) -> str:
    return (
        f"Usage: ... {kind:<4} dev [ PHYS_DEV ] [ if_id IF-ID ]\n"
        "\t\t[ external ]\n"
        "\n"
        "Where: IF-ID := { 0x1..0xffffffff }\n"
    )


def xfrm_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/link_xfrm.c:xfrm_parse_opt: if_id is required unless external."""
    data: dict = {}
    link = if_id = 0
    metadata = False
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "dev"):
            v = a.nxt()
            link = ll_name_to_index(run, v)
            if not link:
                raise IpExit(nodev(run, v))
        elif matches(w, "if_id"):
            v = a.nxt()
            val = get_u(v, U32)
            if not val:
                invarg(run, "if_id value is invalid", v)
            if_id = val
            data["IFLA_XFRM_IF_ID"] = val
        elif w == "external":
            metadata = True
        else:
            run.err(xfrm_help(kind))
            return None
        a.step()
    if metadata:
        if if_id or link:
            run.err("xfrmi: both 'external' and if_id/link cannot be specified\n")
            return None
        data["IFLA_XFRM_COLLECT_METADATA"] = True
        return data
    if not if_id:
        missarg(run, "IF_ID")
    if link:
        data["IFLA_XFRM_LINK"] = link
    return data


VRF_USAGE = "Usage: ... vrf table TABLEID\n"


def vrf_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_vrf.c:vrf_parse_opt."""
    data: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "table"):
            v = a.nxt()
            table = rtnl_rttable_a2n(v)
            if table is None:
                invarg(run, "invalid table ID\n", v)
            data["IFLA_VRF_TABLE"] = table
        elif matches(w, "help"):
            run.err(VRF_USAGE)
            return None
        else:
            run.err(f'vrf: unknown option "{w}"?\n')
            run.err(VRF_USAGE)
            return None
        a.step()
    return data


def ipvlan_help(kind: str) -> str:
    return (
        f"Usage: ... {kind} [ mode MODE ] [ FLAGS ]\n"
        "\n"
        "MODE: l3 | l3s | l2\n"
        "FLAGS: bridge | private | vepa\n"
        "(first values are the defaults if nothing is specified).\n"
    )


IPVLAN_MODES = {"l2": 0, "l3": 1, "l3s": 2}
IPVLAN_F_PRIVATE, IPVLAN_F_VEPA = 1, 2


def ipvlan_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_ipvlan.c:ipvlan_parse_opt: one mode, at most one of bridge/private/vepa."""
    data: dict = {}
    flags = 0
    mflag_given = False
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "mode"):
            v = a.nxt()
            if v not in IPVLAN_MODES:
                run.err('Error: argument of "mode" must be either "l2", "l3" or "l3s"\n')
                return None
            data["IFLA_IPVLAN_MODE"] = IPVLAN_MODES[v]
        elif not mflag_given and matches(w, "private"):
            flags |= IPVLAN_F_PRIVATE
            mflag_given = True
        elif not mflag_given and matches(w, "vepa"):
            flags |= IPVLAN_F_VEPA
            mflag_given = True
        elif not mflag_given and matches(w, "bridge"):
            mflag_given = True
        elif matches(w, "help"):
            run.err(ipvlan_help(kind))
            return None
        else:
            run.err(f'{kind}: unknown option "{w}"?\n')
            run.err(ipvlan_help(kind))
            return None
        a.step()
    data["IFLA_IPVLAN_FLAGS"] = flags
    return data


BOND_SLAVE_USAGE = "Usage: ... bond_slave [ queue_id ID ] [ prio PRIORITY ]\n"


def bond_slave_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_bond_slave.c:bond_slave_parse_opt."""
    from netlife.userspace.ip import get_integer

    data: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "queue_id"):
            v = a.nxt()
            val = get_u(v, U16)
            if val is None:
                invarg(run, "queue_id is invalid", v)
            data["IFLA_BOND_SLAVE_QUEUE_ID"] = val
        elif w == "prio":
            v = a.nxt()
            val = get_integer(v)
            if val is None:
                invarg(run, "prio is invalid", v)
            data["IFLA_BOND_SLAVE_PRIO"] = val
        else:
            if not matches(w, "help"):
                run.err(f'bond_slave: unknown option "{w}"?\n')
            run.err(BOND_SLAVE_USAGE)
            return None
        a.step()
    return data


def get_addr32_list(run: IpRun, text: str, limit: int, family: int) -> list[str]:
    """strtok(…, ",") over ARP / NS targets, at most `limit` of them."""
    out = []
    for target in [t for t in text.split(",") if t][:limit]:
        if family == AF_INET6:
            out.append(get_addr(run, target, AF_INET6).text)
        else:
            out.append(get_addr32(run, target))
    return out

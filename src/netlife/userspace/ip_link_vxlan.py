"""The words of `ip link add … type vxlan …`: IFLA_INFO_DATA with IFLA_VXLAN_* attributes.

Mirrors iproute2 v6.1.0 ip/iplink_vxlan.c:vxlan_parse_opt: each option once (duparg2 on a
repeat), group/remote/local addresses (IPv4 or IPv6), the checks after the loop (missing VNI,
external with a VNI, group without dev, the destination-port warning) and the attributes it
adds there (IFLA_VXLAN_ID, _LOCAL/_GROUP or their 6 forms, _LEARNING, _PORT).
"""

from __future__ import annotations

import ipaddress

from netlife.kernel.if_link import IfInfoMsg
from netlife.userspace.ip import (
    AF_INET,
    AF_INET6,
    Args,
    IpExit,
    IpRun,
    duparg2,
    get_unsigned,
    invarg,
    ll_name_to_index,
    matches,
    nodev,
)

VXLAN_USAGE = """\
Usage: ... vxlan id VNI
\t\t[ { group | remote } IP_ADDRESS ]
\t\t[ local ADDR ]
\t\t[ ttl TTL ]
\t\t[ tos TOS ]
\t\t[ df DF ]
\t\t[ flowlabel LABEL ]
\t\t[ dev PHYS_DEV ]
\t\t[ dstport PORT ]
\t\t[ srcport MIN MAX ]
\t\t[ [no]learning ]
\t\t[ [no]proxy ]
\t\t[ [no]rsc ]
\t\t[ [no]l2miss ]
\t\t[ [no]l3miss ]
\t\t[ ageing SECONDS ]
\t\t[ maxaddress NUMBER ]
\t\t[ [no]udpcsum ]
\t\t[ [no]udp6zerocsumtx ]
\t\t[ [no]udp6zerocsumrx ]
\t\t[ [no]remcsumtx ] [ [no]remcsumrx ]
\t\t[ [no]external ] [ gbp ] [ gpe ]
\t\t[ [no]vnifilter ]

Where:\tVNI\t:= 0-16777215
\tADDR\t:= { IP_ADDRESS | any }
\tTOS\t:= { NUMBER | inherit }
\tTTL\t:= { 1..255 | auto | inherit }
\tDF\t:= { unset | set | inherit }
\tLABEL := 0-1048575
"""

# The on/off words in vxlan_parse_opt's order ("no" form first where the C tests it first):
# word → (attribute, value).
VXLAN_BOOLS = (
    ("noproxy", "IFLA_VXLAN_PROXY", 0),
    ("proxy", "IFLA_VXLAN_PROXY", 1),
    ("norsc", "IFLA_VXLAN_RSC", 0),
    ("rsc", "IFLA_VXLAN_RSC", 1),
    ("nol2miss", "IFLA_VXLAN_L2MISS", 0),
    ("l2miss", "IFLA_VXLAN_L2MISS", 1),
    ("nol3miss", "IFLA_VXLAN_L3MISS", 0),
    ("l3miss", "IFLA_VXLAN_L3MISS", 1),
    ("udpcsum", "IFLA_VXLAN_UDP_CSUM", 1),
    ("noudpcsum", "IFLA_VXLAN_UDP_CSUM", 0),
    ("udp6zerocsumtx", "IFLA_VXLAN_UDP_ZERO_CSUM6_TX", 1),
    ("noudp6zerocsumtx", "IFLA_VXLAN_UDP_ZERO_CSUM6_TX", 0),
    ("udp6zerocsumrx", "IFLA_VXLAN_UDP_ZERO_CSUM6_RX", 1),
    ("noudp6zerocsumrx", "IFLA_VXLAN_UDP_ZERO_CSUM6_RX", 0),
    ("remcsumtx", "IFLA_VXLAN_REMCSUM_TX", 1),
    ("noremcsumtx", "IFLA_VXLAN_REMCSUM_TX", 0),
    ("remcsumrx", "IFLA_VXLAN_REMCSUM_RX", 1),
    ("noremcsumrx", "IFLA_VXLAN_REMCSUM_RX", 0),
)


def _get_addr(run: IpRun, text: str, family: int) -> ipaddress._BaseAddress:
    """lib/utils.c:get_addr for group/remote/local: an address of the family or exit(1)."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        addr = None
    want = {AF_INET: 4, AF_INET6: 6}.get(family)
    if addr is None or (want and addr.version != want):
        name = {AF_INET: "inet", AF_INET6: "inet6"}.get(family, "any valid")
        run.err(f'Error: {name} address is expected rather than "{text}".\n')
        raise IpExit(1)
    return addr


def _family(addr: ipaddress._BaseAddress | None) -> int:
    if addr is None:
        return 0
    return AF_INET if addr.version == 4 else AF_INET6


def vxlan_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    data: dict = {}
    seen: set[str] = set()
    vni = 0
    learning = 1
    dstport = 0
    metadata = vnifilter = 0
    set_op = not create
    saddr = daddr = None
    a = Args(run, args)

    def once(attr: str, key: str, value: str) -> None:
        if attr in seen:
            duparg2(run, key, value)
        seen.add(attr)

    while a:
        w = a.cur
        flag = next((f for f in VXLAN_BOOLS if matches(w, f[0])), None)
        if matches(w, "id") or matches(w, "vni"):
            v = a.nxt()
            once("IFLA_VXLAN_ID", "id", v)
            vni = get_unsigned(v)
            if vni is None or vni >= 1 << 24:
                invarg(run, "invalid id", v)
        elif matches(w, "group") or matches(w, "remote"):
            is_group = matches(w, "group")
            if daddr is not None and daddr.is_multicast != is_group:
                run.err("vxlan: both group and remote cannot be specified\n")
                return None
            v = a.nxt()
            once("IFLA_VXLAN_GROUP", "group" if is_group else "remote", v)
            daddr = _get_addr(run, v, _family(saddr))
            if daddr.is_multicast != is_group:
                invarg(run, f"invalid {'group' if is_group else 'remote'} address", v)
        elif matches(w, "local"):
            v = a.nxt()
            once("IFLA_VXLAN_LOCAL", "local", v)
            saddr = _get_addr(run, v, _family(daddr))
            if saddr.is_multicast:
                invarg(run, "invalid local address", v)
        elif matches(w, "dev"):
            v = a.nxt()
            once("IFLA_VXLAN_LINK", "dev", v)
            link = ll_name_to_index(run, v)
            if not link:
                raise IpExit(nodev(run, v))
            data["IFLA_VXLAN_LINK"] = link
        elif matches(w, "ttl") or matches(w, "hoplimit"):
            v = a.nxt()
            once("IFLA_VXLAN_TTL", "ttl", v)
            if v == "inherit":
                data["IFLA_VXLAN_TTL_INHERIT"] = True
            elif v == "auto":
                data["IFLA_VXLAN_TTL"] = 0
            else:
                ttl = get_unsigned(v)
                if ttl is None:
                    invarg(run, "invalid TTL", v)
                if ttl > 255:
                    invarg(run, "TTL must be <= 255", v)
                data["IFLA_VXLAN_TTL"] = ttl
        elif matches(w, "tos") or matches(w, "dsfield"):
            v = a.nxt()
            once("IFLA_VXLAN_TOS", "tos", v)
            tos = 1 if v == "inherit" else get_unsigned(v, 16, 0xFF)
            if tos is None:
                invarg(run, "bad TOS value", v)
            data["IFLA_VXLAN_TOS"] = tos
        elif matches(w, "flowlabel"):
            v = a.nxt()
            once("IFLA_VXLAN_LABEL", "flowlabel", v)
            label = get_unsigned(v, 0)
            if label is None or label & ~0xFFFFF:
                invarg(run, "invalid flowlabel", v)
            data["IFLA_VXLAN_LABEL"] = label
        elif matches(w, "df"):
            v = a.nxt()
            once("IFLA_VXLAN_DF", "df", v)
            dfs = {"unset": 0, "set": 1, "inherit": 2}
            if v not in dfs:
                invarg(run, "DF must be 'unset', 'set' or 'inherit'", v)
            data["IFLA_VXLAN_DF"] = dfs[v]
        elif matches(w, "ageing") or matches(w, "maxaddress"):
            is_age = matches(w, "ageing")
            v = a.nxt()
            attr = "IFLA_VXLAN_AGEING" if is_age else "IFLA_VXLAN_LIMIT"
            once(attr, "ageing" if is_age else "maxaddress", v)
            val = 0 if v == ("none" if is_age else "unlimited") else get_unsigned(v)
            if val is None:
                invarg(run, "ageing timer" if is_age else "max addresses", v)
            data[attr] = val
        elif matches(w, "port") or matches(w, "srcport"):
            v = a.nxt()
            once("IFLA_VXLAN_PORT_RANGE", "srcport", v)
            low = get_unsigned(v, 0, 0xFFFF)
            if low is None:
                invarg(run, "min port", v)
            v = a.nxt()
            high = get_unsigned(v, 0, 0xFFFF)
            if high is None:
                invarg(run, "max port", v)
            if low or high:
                data["IFLA_VXLAN_PORT_RANGE"] = {"low": low, "high": high}
        elif matches(w, "dstport"):
            v = a.nxt()
            once("IFLA_VXLAN_PORT", "dstport", v)
            dstport = get_unsigned(v, 0, 0xFFFF)
            if dstport is None:
                invarg(run, "dst port", v)
        elif matches(w, "nolearning") or matches(w, "learning"):
            once("IFLA_VXLAN_LEARNING", w, w)
            learning = 0 if matches(w, "nolearning") else 1
        elif flag is not None:
            once(flag[1], w, w)
            data[flag[1]] = flag[2]
        elif matches(w, "external") or matches(w, "noexternal"):
            once("IFLA_VXLAN_COLLECT_METADATA", w, w)
            metadata = 1 if matches(w, "external") else 0
            if metadata:
                learning = 0
            data["IFLA_VXLAN_COLLECT_METADATA"] = metadata
        elif matches(w, "gbp") or matches(w, "gpe"):
            attr = "IFLA_VXLAN_GBP" if matches(w, "gbp") else "IFLA_VXLAN_GPE"
            once(attr, w, w)
            data[attr] = True
        elif w in ("vnifilter", "novnifilter"):
            once("IFLA_VXLAN_VNIFILTER", w, w)
            vnifilter = 1 if w == "vnifilter" else 0
            data["IFLA_VXLAN_VNIFILTER"] = vnifilter
        elif matches(w, "help"):
            run.err(VXLAN_USAGE)
            return None
        else:
            run.err(f'vxlan: unknown command "{w}"?\n')
            run.err(VXLAN_USAGE)
            return None
        a.step()
    if not metadata and vnifilter:
        run.err("vxlan: vnifilter is valid only when 'external' is set\n")
        return None
    if metadata and "IFLA_VXLAN_ID" in seen:
        run.err("vxlan: both 'external' and vni cannot be specified\n")
        return None
    if not metadata and not vnifilter and "IFLA_VXLAN_ID" not in seen and not set_op:
        run.err("vxlan: missing virtual network identifier\n")
        return None
    if daddr is not None and daddr.is_multicast and "IFLA_VXLAN_LINK" not in seen:
        run.err("vxlan: 'group' requires 'dev' to be specified\n")
        return None
    if "IFLA_VXLAN_PORT" not in seen and "IFLA_VXLAN_GPE" in seen:
        dstport = 4790
    elif "IFLA_VXLAN_PORT" not in seen and not set_op:
        run.err(
            "vxlan: destination port not specified\n"
            "Will use Linux kernel default (non-standard value)\n"
            "Use 'dstport 4789' to get the IANA assigned value\n"
            "Use 'dstport 0' to get default and quiet this message\n"
        )
    if "IFLA_VXLAN_ID" in seen:
        data["IFLA_VXLAN_ID"] = vni
    if saddr is not None:
        data["IFLA_VXLAN_LOCAL" if saddr.version == 4 else "IFLA_VXLAN_LOCAL6"] = str(saddr)
    if daddr is not None:
        data["IFLA_VXLAN_GROUP" if daddr.version == 4 else "IFLA_VXLAN_GROUP6"] = str(daddr)
    if not set_op or "IFLA_VXLAN_LEARNING" in seen:
        data["IFLA_VXLAN_LEARNING"] = learning
    if dstport:
        data["IFLA_VXLAN_PORT"] = dstport
    return data

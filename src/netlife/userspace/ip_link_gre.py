"""The words of `ip link add|set … type gre|gretap|erspan|ip6gre|ip6gretap|ip6erspan …`.

Mirrors iproute2 v6.1.0 ip/link_gre.c and ip/link_gre6.c (gre_parse_opt, gre_print_help):
the same key/seq/csum flag words, addresses of the tunnel's family, ttl/tos (IPv4) or
hoplimit/tclass/flowlabel/encaplimit (IPv6), FOU/GUE encapsulation, external, fwmark and the
ERSPAN words, then the IFLA_GRE_* attributes in the order the C code adds them. This kernel
has no GRE module, so the request ends in "Unknown device type"; what matters is that every
word is accepted or refused exactly as iproute2 does it.
"""

from __future__ import annotations

from netlife.kernel.if_link import NLM_F_CREATE, IfInfoMsg
from netlife.userspace.ip import (
    AF_INET,
    AF_INET6,
    Args,
    IpExit,
    IpRun,
    invarg,
    ll_name_to_index,
    matches,
    nodev,
)
from netlife.userspace.ip_addr_words import (
    U8,
    U16,
    U32,
    InetPrefix,
    get_addr,
    get_addr32,
    get_u,
    rtnl_dsfield_a2n,
)

GRE_CSUM, GRE_KEY, GRE_SEQ = 0x8000, 0x2000, 0x1000
TUNNEL_ENCAP_NONE, TUNNEL_ENCAP_FOU, TUNNEL_ENCAP_GUE = 0, 1, 2
ENCAP_FLAG_CSUM, ENCAP_FLAG_CSUM6, ENCAP_FLAG_REMCSUM = 1, 2, 4
IP6_TNL_F_IGN_ENCAP_LIMIT, IP6_TNL_F_USE_ORIG_TCLASS = 0x1, 0x2
IP6_TNL_F_USE_ORIG_FLOWLABEL, IP6_TNL_F_RCV_DSCP_COPY = 0x4, 0x10
IP6_TNL_F_USE_ORIG_FWMARK, IP6_TNL_F_ALLOW_LOCAL_REMOTE = 0x20, 0x40
IP6_FLOWINFO_TCLASS, IP6_FLOWINFO_FLOWLABEL = 0x0FF00000, 0x000FFFFF
DEFAULT_TNL_HOP_LIMIT, IPV6_DEFAULT_TNL_ENCAP_LIMIT = 64, 4

GRE_KINDS = ("gre", "gretap", "erspan")
GRE6_KINDS = ("ip6gre", "ip6gretap", "ip6erspan")

_GRE_HELP = """\
Usage: ... {id:<9}\t[ remote ADDR ]
\t\t\t[ local ADDR ]
\t\t\t[ [no][i|o]seq ]
\t\t\t[ [i|o]key KEY | no[i|o]key ]
\t\t\t[ [no][i|o]csum ]
"""
_GRE4_HELP = """\
\t\t\t[ ttl TTL ]
\t\t\t[ tos TOS ]
\t\t\t[ [no]pmtudisc ]
\t\t\t[ [no]ignore-df ]
\t\t\t[ dev PHYS_DEV ]
\t\t\t[ fwmark MARK ]
"""
_GRE6_HELP = """\
\t\t\t[ hoplimit TTL ]
\t\t\t[ encaplimit ELIM ]
\t\t\t[ tclass TCLASS ]
\t\t\t[ flowlabel FLOWLABEL ]
\t\t\t[ dscp inherit ]
\t\t\t[ dev PHYS_DEV ]
\t\t\t[ fwmark MARK ]
\t\t\t[ [no]allow-localremote ]
"""
_ENCAP_HELP = """\
\t\t\t[ external ]
\t\t\t[ noencap ]
\t\t\t[ encap { fou | gue | none } ]
\t\t\t[ encap-sport PORT ]
\t\t\t[ encap-dport PORT ]
\t\t\t[ [no]encap-csum ]
\t\t\t[ [no]encap-csum6 ]
\t\t\t[ [no]encap-remcsum ]
"""
_ERSPAN_HELP = """\
\t\t\t[ erspan_ver version ]
\t\t\t[ erspan IDX ]
\t\t\t[ erspan_dir { ingress | egress } ]
\t\t\t[ erspan_hwid hwid ]
"""
_GRE4_WHERE = """
Where:\tADDR := { IP_ADDRESS | any }
\tTOS  := { NUMBER | inherit }
\tTTL  := { 1..255 | inherit }
\tKEY  := { DOTTED_QUAD | NUMBER }
\tMARK := { 0x0..0xffffffff }
"""
_GRE6_WHERE = f"""
Where:\tADDR\t  := IPV6_ADDRESS
\tTTL\t  := {{ 0..255 }} (default={DEFAULT_TNL_HOP_LIMIT})
\tKEY\t  := {{ DOTTED_QUAD | NUMBER }}
\tELIM\t  := {{ none | 0..255 }}(default={IPV6_DEFAULT_TNL_ENCAP_LIMIT})
\tTCLASS\t  := {{ 0x0..0xff | inherit }}
\tFLOWLABEL := {{ 0x0..0xfffff | inherit }}
\tMARK\t  := {{ 0x0..0xffffffff | inherit }}
"""


def gre_help(kind: str) -> str:
    """gre_print_help of link_gre.c or link_gre6.c (the latter always lists the ERSPAN words)."""
    head = _GRE_HELP.format(id=kind)
    if kind in GRE6_KINDS:
        return head + _GRE6_HELP + _ENCAP_HELP + _ERSPAN_HELP + _GRE6_WHERE
    erspan = _ERSPAN_HELP if kind == "erspan" else ""
    return head + _GRE4_HELP + _ENCAP_HELP + erspan + _GRE4_WHERE


def tnl_parse_key(run: IpRun, name: str, key: str) -> int:
    """ip/tunnel.c:tnl_parse_key: a dotted quad or an unsigned number, else exit(-1)."""
    if "." in key:
        a, b, c, d = (int(x) for x in get_addr32(run, key).split("."))
        return (a << 24) | (b << 16) | (c << 8) | d
    val = get_u(key, U32)
    if val is None:
        run.err(f'invalid value for "{name}": "{key}"; it should be an unsigned integer\n')
        raise IpExit(-1)
    return val


def existing_tunnel_ok(run: IpRun, req: IfInfoMsg) -> bool:
    """The RTM_GETLINK a change starts with: the device must report IFLA_INFO_DATA."""
    from netlife.kernel.errors import KernelError
    from netlife.kernel.rtnetlink import rtnl_getlink

    try:
        answer = rtnl_getlink(run.net, IfInfoMsg(ifi_index=req.ifi_index))
    except KernelError:
        return False
    msg = answer[0] if isinstance(answer, list) else answer
    linkinfo = msg.attrs.get("IFLA_LINKINFO") or {}
    # CHOICE: no GRE device can exist on this kernel, so a device that answers with data is
    # of another kind; its attributes are not re-read as IFLA_GRE_* (defaults are used).
    return bool(linkinfo.get("IFLA_INFO_DATA"))


class _Gre:
    """gre_parse_opt's locals."""

    def __init__(self, v6: bool) -> None:
        self.iflags = self.oflags = 0
        self.ikey = self.okey = 0
        self.saddr = InetPrefix()
        self.daddr = InetPrefix()
        self.pmtudisc = 1
        self.ignore_df = 0
        self.tos = 0
        self.ttl = DEFAULT_TNL_HOP_LIMIT if v6 else 0
        self.link = 0
        self.encaptype = self.encapflags = self.encapsport = self.encapdport = 0
        self.metadata = False
        self.fwmark = 0
        self.erspan_idx = 0
        self.erspan_ver = 1
        self.erspan_dir = 0
        self.erspan_hwid = 0
        self.encap_limit = IPV6_DEFAULT_TNL_ENCAP_LIMIT
        self.flowinfo = 0
        self.flags = 0


_KEY_WORDS = (
    # word, takes a key, in/out flags it sets (+) or clears (-), flag
    ("key", True, "io", GRE_KEY),
    ("nokey", False, "io-", GRE_KEY),
    ("ikey", True, "i", GRE_KEY),
    ("noikey", False, "i-", GRE_KEY),
    ("okey", True, "o", GRE_KEY),
    ("nookey", False, "o-", GRE_KEY),
    ("seq", False, "io", GRE_SEQ),
    ("noseq", False, "io-", GRE_SEQ),
    ("iseq", False, "i", GRE_SEQ),
    ("noiseq", False, "i-", GRE_SEQ),
    ("oseq", False, "o", GRE_SEQ),
    ("nooseq", False, "o-", GRE_SEQ),
    ("csum", False, "io", GRE_CSUM),
    ("nocsum", False, "io-", GRE_CSUM),
    ("icsum", False, "i", GRE_CSUM),
    ("noicsum", False, "i-", GRE_CSUM),
    ("ocsum", False, "o", GRE_CSUM),
    ("noocsum", False, "o-", GRE_CSUM),
)

_ENCAP_FLAG_WORDS = {
    "encap-csum": (ENCAP_FLAG_CSUM, True),
    "noencap-csum": (ENCAP_FLAG_CSUM, False),
    "encap-udp6-csum": (ENCAP_FLAG_CSUM6, True),
    "noencap-udp6-csum": (ENCAP_FLAG_CSUM6, False),
    "encap-remcsum": (ENCAP_FLAG_REMCSUM, True),
    "noencap-remcsum": (ENCAP_FLAG_REMCSUM, False),
}


def gre_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/link_gre.c and ip/link_gre6.c:gre_parse_opt."""
    v6 = kind in GRE6_KINDS
    is_erspan = v6 or kind == "erspan"
    s = _Gre(v6)
    if not req.nlmsg_flags & NLM_F_CREATE and not existing_tunnel_ok(run, req):
        run.err("Failed to get existing tunnel info.\n")
        return None
    a = Args(run, args)
    nxt = a.nxt
    while a:
        w = a.cur
        key_word = next((k for k in _KEY_WORDS if matches(w, k[0])), None)
        if key_word is not None:
            name, takes, which, flag = key_word
            key = tnl_parse_key(run, name, nxt()) if takes else 0
            clear = which.endswith("-")
            if "i" in which:
                s.iflags = s.iflags & ~flag if clear else s.iflags | flag
                if flag == GRE_KEY:
                    s.ikey = key
            if "o" in which:
                s.oflags = s.oflags & ~flag if clear else s.oflags | flag
                if flag == GRE_KEY:
                    s.okey = key
        elif not v6 and matches(w, "nopmtudisc"):
            s.pmtudisc = 0
        elif not v6 and matches(w, "pmtudisc"):
            s.pmtudisc = 1
        elif matches(w, "remote"):
            s.daddr = get_addr(run, nxt(), AF_INET6 if v6 else AF_INET)
        elif matches(w, "local"):
            s.saddr = get_addr(run, nxt(), AF_INET6 if v6 else AF_INET)
        elif matches(w, "dev"):
            v = nxt()
            s.link = ll_name_to_index(run, v)
            if not s.link:
                raise IpExit(nodev(run, v))
        elif matches(w, "ttl") or matches(w, "hoplimit") or matches(w, "hlim"):
            v = nxt()
            if v != "inherit":
                val = get_u(v, U8)
                if val is None:
                    invarg(run, "invalid HLIM\n" if v6 else "invalid TTL\n", v)
                s.ttl = val
            else:
                s.ttl = 0
        elif matches(w, "tos") or matches(w, "tclass") or matches(w, "dsfield"):
            _parse_tos(run, s, nxt(), v6)
        elif v6 and w in ("flowlabel", "fl"):
            v = nxt()
            s.flowinfo &= ~IP6_FLOWINFO_FLOWLABEL
            if v == "inherit":
                s.flags |= IP6_TNL_F_USE_ORIG_FLOWLABEL
            else:
                val = get_u(v, U32, 16)
                if val is None or val > 0xFFFFF:
                    invarg(run, "invalid Flowlabel", v)
                s.flowinfo |= val
                s.flags &= ~IP6_TNL_F_USE_ORIG_FLOWLABEL
        elif v6 and w == "dscp":
            v = nxt()
            if v != "inherit":
                invarg(run, "not inherit", v)
            s.flags |= IP6_TNL_F_RCV_DSCP_COPY
        elif w == "noencap":
            s.encaptype = TUNNEL_ENCAP_NONE
        elif w == "encap":
            v = nxt()
            types = {"fou": TUNNEL_ENCAP_FOU, "gue": TUNNEL_ENCAP_GUE, "none": TUNNEL_ENCAP_NONE}
            if v not in types:
                invarg(run, "Invalid encap type.", v)
            s.encaptype = types[v]
        elif w == "encap-sport":
            v = nxt()
            val = 0 if v == "auto" else get_u(v, U16)
            if val is None:
                invarg(run, "Invalid source port.", v)
            s.encapsport = val
        elif w == "encap-dport":
            v = nxt()
            val = get_u(v, U16)
            if val is None:
                invarg(run, "Invalid destination port.", v)
            s.encapdport = val
        elif w in _ENCAP_FLAG_WORDS:
            flag, on = _ENCAP_FLAG_WORDS[w]
            s.encapflags = s.encapflags | flag if on else s.encapflags & ~flag
        elif w == "external":
            s.metadata = True
        elif not v6 and w == "ignore-df":
            s.ignore_df = 1
        elif not v6 and w == "noignore-df":
            s.ignore_df = 2  # only the low bit is sent; 2 marks "given"
        elif w == "fwmark":
            v = nxt()
            if v6 and v == "inherit":
                s.flags |= IP6_TNL_F_USE_ORIG_FWMARK
                s.fwmark = 0
            else:
                val = get_u(v, U32)
                if val is None:
                    invarg(run, "invalid fwmark\n", v)
                s.fwmark = val
                s.flags &= ~IP6_TNL_F_USE_ORIG_FWMARK
        elif v6 and w in ("allow-localremote", "noallow-localremote"):
            flag = IP6_TNL_F_ALLOW_LOCAL_REMOTE
            s.flags = s.flags & ~flag if w.startswith("no") else s.flags | flag
        elif v6 and w == "encaplimit":
            v = nxt()
            if v == "none":
                s.flags |= IP6_TNL_F_IGN_ENCAP_LIMIT
            else:
                val = get_u(v, U8)
                if val is None:
                    invarg(run, "invalid ELIM", v)
                s.encap_limit = val
                s.flags &= ~IP6_TNL_F_IGN_ENCAP_LIMIT
        elif is_erspan and w.startswith("erspan") and w in _ERSPAN_WORDS:
            _ERSPAN_WORDS[w](run, s, nxt())
        else:
            run.err(gre_help(kind))
            return None
        a.step()
    return _gre_attrs(run, s, v6, is_erspan)


def _parse_tos(run: IpRun, s: _Gre, v: str, v6: bool) -> None:
    if not v6:
        if v == "inherit":
            s.tos = 1
            return
        val = rtnl_dsfield_a2n(v)
        if val is None:
            invarg(run, "bad TOS value", v)
        s.tos = val
        return
    s.flowinfo &= ~IP6_FLOWINFO_TCLASS
    if v == "inherit":
        s.flags |= IP6_TNL_F_USE_ORIG_TCLASS
        return
    val = get_u(v, U8, 16)
    if val is None:
        invarg(run, "invalid TClass", v)
    s.flowinfo |= (val << 20) & IP6_FLOWINFO_TCLASS
    s.flags &= ~IP6_TNL_F_USE_ORIG_TCLASS


def _erspan_idx(run: IpRun, s: _Gre, v: str) -> None:
    val = get_u(v, U32)
    if val is None:
        invarg(run, "invalid erspan index\n", v)
    if val & ~((1 << 20) - 1) or val == 0:
        invarg(run, "erspan index must be > 0 and <= 20-bit\n", v)
    s.erspan_idx = val


def _erspan_ver(run: IpRun, s: _Gre, v: str) -> None:
    val = get_u(v, U8)
    if val is None:
        invarg(run, "invalid erspan version\n", v)
    if val > 2:
        invarg(run, "erspan version must be 0/1/2\n", v)
    s.erspan_ver = val


def _erspan_dir(run: IpRun, s: _Gre, v: str) -> None:
    if matches(v, "ingress"):
        s.erspan_dir = 0
    elif matches(v, "egress"):
        s.erspan_dir = 1
    else:
        invarg(run, "Invalid erspan direction.", v)


def _erspan_hwid(run: IpRun, s: _Gre, v: str) -> None:
    val = get_u(v, U16)
    if val is None:
        invarg(run, "invalid erspan hwid\n", v)
    s.erspan_hwid = val


_ERSPAN_WORDS = {
    "erspan": _erspan_idx,
    "erspan_ver": _erspan_ver,
    "erspan_dir": _erspan_dir,
    "erspan_hwid": _erspan_hwid,
}


def _gre_attrs(run: IpRun, s: _Gre, v6: bool, is_erspan: bool) -> dict | None:
    """The checks after the loop and the attributes, in gre_parse_opt's order."""
    if not v6 and s.daddr.multicast:
        if not s.ikey:
            s.ikey = _addr_u32(s.daddr.text)
            s.iflags |= GRE_KEY
        if not s.okey:
            s.okey = _addr_u32(s.daddr.text)
            s.oflags |= GRE_KEY
        if not s.saddr.not_unspec:
            run.err("A broadcast tunnel requires a source address.\n")
            return None
    if s.metadata:
        return {"IFLA_GRE_COLLECT_METADATA": True}
    data: dict = {
        "IFLA_GRE_IKEY": s.ikey,
        "IFLA_GRE_OKEY": s.okey,
        "IFLA_GRE_IFLAGS": s.iflags,
        "IFLA_GRE_OFLAGS": s.oflags,
    }
    if s.saddr.not_unspec:
        data["IFLA_GRE_LOCAL"] = s.saddr.text
    if s.daddr.not_unspec:
        data["IFLA_GRE_REMOTE"] = s.daddr.text
    if not v6:
        data["IFLA_GRE_PMTUDISC"] = s.pmtudisc
        if s.ignore_df:
            data["IFLA_GRE_IGNORE_DF"] = s.ignore_df & 1
        data["IFLA_GRE_TOS"] = s.tos
    if s.link:
        data["IFLA_GRE_LINK"] = s.link
    data["IFLA_GRE_TTL"] = s.ttl
    if v6:
        data["IFLA_GRE_ENCAP_LIMIT"] = s.encap_limit
        data["IFLA_GRE_FLOWINFO"] = s.flowinfo
        data["IFLA_GRE_FLAGS"] = s.flags
    data["IFLA_GRE_FWMARK"] = s.fwmark
    if is_erspan:
        data["IFLA_GRE_ERSPAN_VER"] = s.erspan_ver
        if s.erspan_ver == 1 and s.erspan_idx:
            data["IFLA_GRE_ERSPAN_INDEX"] = s.erspan_idx
        elif s.erspan_ver == 2:
            data["IFLA_GRE_ERSPAN_DIR"] = s.erspan_dir
            data["IFLA_GRE_ERSPAN_HWID"] = s.erspan_hwid
    data["IFLA_GRE_ENCAP_TYPE"] = s.encaptype
    data["IFLA_GRE_ENCAP_FLAGS"] = s.encapflags
    data["IFLA_GRE_ENCAP_SPORT"] = s.encapsport
    data["IFLA_GRE_ENCAP_DPORT"] = s.encapdport
    return data


def _addr_u32(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d

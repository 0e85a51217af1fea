"""`ip address`: add, change, replace, delete, show, flush; the address lines of `ip a`.

Mirrors iproute2 v6.1.0 ip/ipaddress.c: ipaddr_modify (its argument loop, the "dev is required"
and lifetime checks that run before anything is sent, default_scope), ipaddr_flush (rounds of
dump and delete until nothing matches), the address filters of ipaddr_list_flush_or_save and
ipaddr_filter (`to`, `scope`, `label`, flag words, `up`; with a family, links without an
address of it are left out), print_addrinfo and print_ifa_flags (text, -o, -br, JSON, and the
`Deleted` form of `ip monitor`), and lib/utils.c's get_prefix / get_addr parsing. The link part
of each entry comes from ip_link_show.py.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE
from netlife.kernel.ipv4.if_addr import (
    AF_INET,
    AF_INET6,
    IFA_F_MCAUTOJOIN,
    IFA_F_PERMANENT,
    IFA_F_SECONDARY,
    INFINITY_LIFE_TIME,
    RT_SCOPE_HOST,
    RT_SCOPE_NOWHERE,
    RTM_DELADDR,
    RTM_NEWADDR,
    IfAddrMsg,
)
from netlife.userspace.ip import (
    AF_PACKET,
    AF_UNSPEC,
    Args,
    IpExit,
    IpRun,
    TalkError,
    duparg,
    duparg2,
    get_unsigned,
    invarg,
    ll_name_to_index,
    matches,
    nodev,
    rtnl_talk,
    usage_exit,
)
from netlife.userspace.ip_print_json import PRINT_ANY, PRINT_FP, PRINT_JSON, Printer

ADDR_USAGE = """\
Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       ip address del IFADDR dev IFNAME [mngtmpaddr]
       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                         [ nomaster ]
                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                         [ label LABEL ] [up] [ vrf NAME ]
                         [ proto ADDRPROTO ] ]
       ip address {showdump|restore}
IFADDR := PREFIX | ADDR peer PREFIX
          [ broadcast ADDR ] [ anycast ADDR ]
          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]
          [ proto ADDRPROTO ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
ADDRPROTO := [ NAME | NUMBER ]
TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |
          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |
          ip6erspan | ip6gre | ip6gretap | ip6tnl |
          ipip | ipoib | ipvlan | ipvtap |
          macsec | macvlan | macvtap |
          netdevsim | nlmon | rmnet | sit | team | team_slave |
          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |
          xfrm }
"""

# ip/ipaddress.c:ifa_flag_data[]: name, mask, readonly, v6only (print and parse order)
IFA_FLAG_DATA = (
    ("secondary", 0x01, True, False),
    ("temporary", 0x01, True, False),
    ("nodad", 0x02, False, True),
    ("optimistic", 0x04, False, True),
    ("dadfailed", 0x08, True, True),
    ("home", 0x10, False, True),
    ("deprecated", 0x20, True, True),
    ("tentative", 0x40, True, True),
    ("permanent", 0x80, True, True),
    ("mngtmpaddr", 0x100, False, True),
    ("noprefixroute", 0x200, False, False),
    ("autojoin", 0x400, False, False),
    ("stable-privacy", 0x800, True, True),
)
SCOPE_NAMES = {0: "global", 255: "nowhere", 254: "host", 253: "link", 200: "site"}
FAMILY_NAMES = {AF_INET: "inet", AF_INET6: "inet6"}


def rtnl_rtscope_n2a(scope: int) -> str:
    return SCOPE_NAMES.get(scope, str(scope))


def rtnl_rtscope_a2n(word: str) -> int | None:
    for num, name in SCOPE_NAMES.items():
        if word == name:
            return num
    value = get_unsigned(word, 0, 255)
    return value


# -- lib/utils.c: addresses and prefixes --------------------------------------------------------


@dataclass
class InetPrefix:
    """inet_prefix: family, the address text, bitlen (-1 none given, -2 default/any)."""

    family: int
    addr: Any
    bitlen: int
    prefixlen_specified: bool = False

    @property
    def bytelen(self) -> int:
        return 4 if self.family == AF_INET else 16


def _get_addr_ipv4(text: str) -> int | None:
    from netlife.userspace.ip import c_strtol

    octets = [0, 0, 0, 0]
    parts = text.split(".")
    if len(parts) > 4:
        return None
    for i, part in enumerate(parts):
        value = c_strtol(part, 0)
        if value is None or value < 0 or value > 255 or not part:
            return None
        octets[i] = value
    return int.from_bytes(bytes(octets), "big")


def get_addr_1(text: str, family: int) -> InetPrefix | None:
    if text == "default":
        return InetPrefix(family, None, -2, True)
    if text in ("all", "any"):
        return InetPrefix(family, None, -2)
    if ":" in text:
        if family not in (AF_UNSPEC, AF_INET6):
            return None
        try:
            return InetPrefix(AF_INET6, ipaddress.IPv6Address(text), -1)
        except ValueError:
            return None
    if family not in (AF_UNSPEC, AF_INET):
        return None
    value = _get_addr_ipv4(text)
    if value is None:
        return None
    return InetPrefix(AF_INET, ipaddress.IPv4Address(value), -1)


def get_prefix_1(text: str, family: int) -> InetPrefix | None:
    addr_text, slash, plen_text = text.partition("/")
    dst = get_addr_1(addr_text, family)
    if dst is None:
        return None
    bits = 32 if dst.family == AF_INET else 128 if dst.family == AF_INET6 else 0
    if slash:
        if dst.bitlen == -2:
            return None
        plen = get_unsigned(plen_text, 0)
        if plen is None:
            mask = _get_addr_ipv4(plen_text) if dst.family == AF_INET else None
            if mask is None or plen_text.count(".") != 3:
                return None
            plen = bin(mask).count("1")
            if mask != (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF:
                return None
        if plen > bits:
            return None
        dst.prefixlen_specified = True
        dst.bitlen = plen
    else:
        dst.bitlen = 0 if dst.bitlen == -2 else bits
    return dst


def family_name_verbose(family: int) -> str:
    return "any valid" if family == AF_UNSPEC else FAMILY_NAMES.get(family, "???")


def get_prefix(run: IpRun, text: str, family: int) -> InetPrefix:
    if family == AF_PACKET:
        usage_exit(
            run, f'Error: "{text}" may be inet prefix, but it is not allowed in this context.\n'
        )
    dst = get_prefix_1(text, family)
    if dst is None:
        run.err(f'Error: {family_name_verbose(family)} prefix is expected rather than "{text}".\n')
        raise IpExit(1)
    return dst


def get_addr(run: IpRun, text: str, family: int) -> InetPrefix:
    dst = get_addr_1(text, family)
    if dst is None:
        run.err(f'Error: {family_name_verbose(family)} address is expected rather than "{text}".\n')
        raise IpExit(1)
    return dst


# -- add / change / replace / delete ------------------------------------------------------------


def _request(family: int) -> Any:
    from netlife.kernel.ipv4.devinet import inet_rtm_deladdr, inet_rtm_newaddr
    from netlife.kernel.ipv6.addrconf import inet6_rtm_deladdr, inet6_rtm_newaddr

    if family == AF_INET6:
        return inet6_rtm_newaddr, inet6_rtm_deladdr
    return inet_rtm_newaddr, inet_rtm_deladdr


def rtnl_addr_request(net: Any, msg: IfAddrMsg) -> None:
    """rtnetlink's dispatch of RTM_NEWADDR / RTM_DELADDR by family."""
    from netlife.kernel.errors import KernelError

    if msg.ifa_family not in (AF_INET, AF_INET6):
        raise KernelError(97)  # EAFNOSUPPORT
    new, delete = _request(msg.ifa_family)
    (new if msg.msg_type == RTM_NEWADDR else delete)(net, msg)


def ipaddr_modify(run: IpRun, cmd: str, flags: int, argv: list[str]) -> int:
    msg = IfAddrMsg(msg_type=cmd, ifa_family=run.family, nlmsg_flags=flags)
    attrs = msg.attrs
    a = Args(run, argv)
    dev = None
    lcl: InetPrefix | None = None
    lcl_arg = ""
    peer: InetPrefix | None = None
    brd_len = 0
    scoped = False
    valid_arg = preferred_arg = None
    valid = preferred = INFINITY_LIFE_TIME
    ifa_flags = 0
    while a:
        w = a.cur
        if w in ("peer", "remote"):
            v = a.nxt()
            if peer is not None:
                duparg(run, "peer", v)
            peer = get_prefix(run, v, msg.ifa_family)
            if msg.ifa_family == AF_UNSPEC:
                msg.ifa_family = peer.family
            attrs["IFA_ADDRESS"] = str(peer.addr)
            msg.ifa_prefixlen = peer.bitlen
        elif matches(w, "broadcast") or w == "brd":
            v = a.nxt()
            if brd_len:
                duparg(run, "broadcast", v)
            if v == "+":
                brd_len = -1
            elif v == "-":
                brd_len = -2
            else:
                addr = get_addr(run, v, msg.ifa_family)
                if msg.ifa_family == AF_UNSPEC:
                    msg.ifa_family = addr.family
                attrs["IFA_BROADCAST"] = str(addr.addr)
                brd_len = addr.bytelen
        elif w == "anycast":
            v = a.nxt()
            if "IFA_ANYCAST" in attrs:
                duparg(run, "anycast", v)
            addr = get_addr(run, v, msg.ifa_family)
            if msg.ifa_family == AF_UNSPEC:
                msg.ifa_family = addr.family
            attrs["IFA_ANYCAST"] = str(addr.addr)
        elif w == "scope":
            v = a.nxt()
            scope = rtnl_rtscope_a2n(v)
            if scope is None:
                invarg(run, "invalid scope value.", v)
            msg.ifa_scope = scope
            scoped = True
        elif w == "dev":
            dev = a.nxt()
        elif w == "label":
            attrs["IFA_LABEL"] = a.nxt()
        elif matches(w, "metric") or matches(w, "priority") or matches(w, "preference"):
            v = a.nxt()
            metric = get_unsigned(v)
            if metric is None:
                invarg(run, '"metric" value is invalid\n', v)
            attrs["IFA_RT_PRIORITY"] = metric
        elif matches(w, "valid_lft"):
            if valid_arg is not None:
                duparg(run, "valid_lft", w)
            valid_arg = a.nxt()
            valid = _lifetime(run, valid_arg, "valid_lft value")
        elif matches(w, "preferred_lft"):
            if preferred_arg is not None:
                duparg(run, "preferred_lft", w)
            preferred_arg = a.nxt()
            preferred = _lifetime(run, preferred_arg, "preferred_lft value")
        elif any(w == name for name, *_ in IFA_FLAG_DATA):
            name, mask, readonly, v6only = next(f for f in IFA_FLAG_DATA if f[0] == w)
            if readonly:
                run.err(f"Warning: {name} option is not mutable from userspace\n")
            elif v6only and msg.ifa_family != AF_INET6:
                run.err(f"Warning: {name} option can be set only for IPv6 addresses\n")
            else:
                ifa_flags |= mask
        else:
            if w == "local":
                w = a.nxt()
            if matches(w, "help"):
                usage_exit(run, ADDR_USAGE)
            if lcl is not None:
                duparg2(run, "local", w)
            lcl_arg = w
            lcl = get_prefix(run, w, msg.ifa_family)
            if msg.ifa_family == AF_UNSPEC:
                msg.ifa_family = lcl.family
            attrs["IFA_LOCAL"] = str(lcl.addr)
        a.step()
    if ifa_flags <= 0xFF:
        msg.ifa_flags = ifa_flags
    else:
        attrs["IFA_FLAGS"] = ifa_flags
    if dev is None:
        run.err('Not enough information: "dev" argument is required.\n')
        return -1
    if peer is None and lcl is not None:
        if cmd == RTM_DELADDR and lcl.family == AF_INET and not lcl.prefixlen_specified:
            run.err(
                "Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
                f"         Explicitly specify the prefix length ({lcl_arg}/{lcl.bytelen * 8}) to"
                " avoid this warning.\n"
                "         This special behaviour is likely to disappear in further releases,\n"
                "         fix your scripts!\n"
            )
        else:
            peer = lcl
            attrs["IFA_ADDRESS"] = str(lcl.addr)
    if msg.ifa_prefixlen == 0 and lcl is not None:
        msg.ifa_prefixlen = lcl.bitlen
    if brd_len < 0 and cmd != RTM_DELADDR:
        if msg.ifa_family != AF_INET:
            run.err("Broadcast can be set only for IPv4 addresses\n")
            return -1
        if peer is not None and peer.bitlen <= 30:
            host = (1 << (32 - peer.bitlen)) - 1
            base = int(peer.addr)
            brd = base | host if brd_len == -1 else base & ~host
            attrs["IFA_BROADCAST"] = str(ipaddress.IPv4Address(brd))
    if not scoped and cmd != RTM_DELADDR:
        msg.ifa_scope = (
            RT_SCOPE_HOST
            if lcl is not None and lcl.family == AF_INET and int(lcl.addr) >> 24 == 127
            else 0
        )
    msg.ifa_index = ll_name_to_index(run, dev)
    if not msg.ifa_index:
        return nodev(run, dev)
    if valid_arg is not None or preferred_arg is not None:
        if not valid:
            run.err("valid_lft is zero\n")
            return -1
        if valid < preferred:
            run.err("preferred_lft is greater than valid_lft\n")
            return -1
        attrs["IFA_CACHEINFO"] = {"ifa_preferred": preferred, "ifa_valid": valid}
    if ifa_flags & IFA_F_MCAUTOJOIN and not (lcl is not None and lcl.addr.is_multicast):
        run.err("autojoin needs multicast address\n")
        return -1
    try:
        rtnl_talk(run, rtnl_addr_request, msg)
    except TalkError:
        return -2
    return 0


def _lifetime(run: IpRun, text: str, what: str) -> int:
    if text == "forever":
        return INFINITY_LIFE_TIME
    value = get_unsigned(text)
    if value is None:
        invarg(run, what, text)
    return value


# -- dumps, filters, printing ------------------------------------------------------------------


def addr_dump(net: Any, family: int = AF_UNSPEC, ifindex: int = 0) -> list[IfAddrMsg]:
    """RTM_GETADDR with NLM_F_DUMP: IPv4 first, then IPv6 (rtnl_dump_all's family order)."""
    from netlife.kernel.ipv4.devinet import inet_dump_ifaddr
    from netlife.kernel.ipv6.addrconf import inet6_dump_ifaddr

    out: list[IfAddrMsg] = []
    if family in (AF_UNSPEC, AF_INET) and net.ipv4 is not None:
        out.extend(inet_dump_ifaddr(net, ifindex))
    if family in (AF_UNSPEC, AF_INET6) and net.ipv6 is not None:
        out.extend(inet6_dump_ifaddr(net, ifindex))
    return out


def addr_info_by_ifindex(net: Any) -> dict[int, list[dict[str, Any]]]:
    """What `ip -j addr show` prints as each link's addr_info, by ifindex."""
    names = {dev.ifindex: dev.name for dev in net.devices()}
    out: dict[int, list[dict[str, Any]]] = {}
    for msg in addr_dump(net):
        out.setdefault(msg.ifa_index, []).append(addr_json(msg, names))
    return out


def ifa_flags_of(msg: IfAddrMsg) -> int:
    return msg.attrs.get("IFA_FLAGS", msg.ifa_flags)


@dataclass
class AddrFilter:
    """The address part of ipaddr_list_flush_or_save's filter."""

    family: int = AF_UNSPEC
    pfx: InetPrefix | None = None
    scope: int = 0
    scopemask: int = 0
    flags: int = 0
    flagmask: int = 0
    label: str | None = None
    up: bool = False
    names: dict[int, str] = field(default_factory=dict)

    def parse(self, run: IpRun, a: Args) -> bool:
        """One filter word (and its value); False when the word is not an address filter."""
        w = a.cur
        if w == "to":
            v = a.nxt()
            self.pfx = get_prefix_1(v, self.family)
            if self.pfx is None:
                invarg(run, 'invalid "to"\n', v)
            if self.family == AF_UNSPEC:
                self.family = self.pfx.family
        elif w == "scope":
            v = a.nxt()
            self.scopemask = -1
            scope = rtnl_rtscope_a2n(v)
            if scope is None:
                if v != "all":
                    invarg(run, 'invalid "scope"\n', v)
                scope = RT_SCOPE_NOWHERE
                self.scopemask = 0
            self.scope = scope
        elif w == "label":
            self.label = a.nxt()
        elif not self.flag_word(w):
            return False
        return True

    def flag_word(self, word: str) -> bool:
        inv = word.startswith("-")
        name = word[1:] if inv else word
        if name == "dynamic":
            inv, name = not inv, "permanent"
        elif name == "primary":
            inv, name = not inv, "secondary"
        data = next((f for f in IFA_FLAG_DATA if f[0] == name), None)
        if data is None:
            return False
        if inv:
            self.flags &= ~data[1]
        else:
            self.flags |= data[1]
        self.flagmask |= data[1]
        return True

    def match(self, msg: IfAddrMsg) -> bool:
        if self.family and self.family != msg.ifa_family:
            return False
        if (self.scope ^ msg.ifa_scope) & self.scopemask:
            return False
        if (self.flags ^ ifa_flags_of(msg)) & self.flagmask:
            return False
        if self.label is not None:
            label = msg.attrs.get("IFA_LABEL") or self.names.get(msg.ifa_index, "")
            if not fnmatchcase(label, self.label):
                return False
        if self.pfx is not None and self.pfx.addr is not None:
            local = msg.attrs.get("IFA_LOCAL") or msg.attrs.get("IFA_ADDRESS")
            net = ipaddress.ip_network((self.pfx.addr, self.pfx.bitlen), strict=False)
            if ipaddress.ip_address(local) not in net:
                return False
        return True


def addr_text(
    msg: IfAddrMsg,
    names: dict[int, str],
    oneline: bool = False,
    brief: bool = False,
    with_dev: bool = False,
) -> str:
    """One address as `ip address` prints it (with_dev: the "N: dev" prefix of -o / monitor)."""
    p = Printer(json=False, oneline=oneline)
    print_addrinfo(p, msg, names, oneline=oneline, brief=brief, with_dev=with_dev or oneline)
    return p.result()


def addr_json(
    msg: IfAddrMsg, names: dict[int, str], brief: bool = False, with_dev: bool = False
) -> dict[str, Any]:
    p = Printer(json=True)
    p.open_object(None)
    print_addrinfo(p, msg, names, brief=brief, with_dev=with_dev)
    p.close_object()
    return p.result()[0]


def print_addrinfo(
    p: Printer,
    msg: IfAddrMsg,
    names: dict[int, str],
    *,
    oneline: bool = False,
    brief: bool = False,
    with_dev: bool = False,
) -> None:
    """ip/ipaddress.c:print_addrinfo into a Printer (text or one JSON object)."""
    attrs = msg.attrs
    flags = ifa_flags_of(msg)
    local = attrs.get("IFA_LOCAL") or attrs.get("IFA_ADDRESS")
    address = attrs.get("IFA_ADDRESS") or local
    sl = "\\" if oneline else "\n"
    if msg.msg_type == RTM_DELADDR:
        p.boolean(PRINT_ANY, "deleted", "Deleted ", True)
    if not brief:
        if with_dev:
            name = names.get(msg.ifa_index, f"if{msg.ifa_index}")
            p.number(PRINT_JSON, "index", None, msg.ifa_index)
            p.string(PRINT_JSON, "dev", None, name)
            p.string(PRINT_FP, None, "%s", f"{msg.ifa_index}: {name}")
        p.string(PRINT_ANY, "family", "    %s ", FAMILY_NAMES.get(msg.ifa_family, "?"))
    if local is not None:
        p.string(PRINT_ANY, "local", "%s", local)
        if address != local:
            p.string(PRINT_FP, None, " %s ", "peer")
            p.string(PRINT_ANY, "address", "%s", address)
        p.number(PRINT_ANY, "prefixlen", "/%d ", msg.ifa_prefixlen)
        if "IFA_RT_PRIORITY" in attrs:
            p.number(PRINT_ANY, "metric", "metric %u ", attrs["IFA_RT_PRIORITY"])
    if brief:
        return
    if "IFA_BROADCAST" in attrs:
        p.string(PRINT_FP, None, "%s ", "brd")
        p.string(PRINT_ANY, "broadcast", "%s ", attrs["IFA_BROADCAST"])
    if "IFA_ANYCAST" in attrs:
        p.string(PRINT_FP, None, "%s ", "any")
        p.string(PRINT_ANY, "anycast", "%s ", attrs["IFA_ANYCAST"])
    p.string(PRINT_ANY, "scope", "scope %s ", rtnl_rtscope_n2a(msg.ifa_scope))
    rest = flags
    for name, mask, _ro, _v6 in IFA_FLAG_DATA:
        if mask == IFA_F_PERMANENT:
            if not rest & mask:
                p.boolean(PRINT_ANY, "dynamic", "dynamic ", True)
        elif rest & mask:
            if mask == IFA_F_SECONDARY and msg.ifa_family == AF_INET6:
                p.boolean(PRINT_ANY, "temporary", "temporary ", True)
            else:
                p.string(PRINT_FP, None, "%s ", name)
                p.boolean(PRINT_JSON, name, None, True)
        rest &= ~mask
    if rest:
        p.string(PRINT_JSON, "ifa_flags", None, f"{rest:02x}")
        p.string(PRINT_FP, None, "%s", f"flags {rest:02x} ")
    if "IFA_LABEL" in attrs:
        p.string(PRINT_ANY, "label", "%s", attrs["IFA_LABEL"])
    ci = attrs.get("IFA_CACHEINFO")
    if ci is not None:
        p.string(PRINT_FP, None, "%s", sl)
        p.string(PRINT_FP, None, "%s", "       valid_lft ")
        if ci["ifa_valid"] == INFINITY_LIFE_TIME:
            p.number(PRINT_JSON, "valid_life_time", None, INFINITY_LIFE_TIME)
            p.string(PRINT_FP, None, "%s", "forever")
        else:
            p.number(PRINT_ANY, "valid_life_time", "%usec", ci["ifa_valid"])
        p.string(PRINT_FP, None, "%s", " preferred_lft ")
        if ci["ifa_preferred"] == INFINITY_LIFE_TIME:
            p.number(PRINT_JSON, "preferred_life_time", None, INFINITY_LIFE_TIME)
            p.string(PRINT_FP, None, "%s", "forever")
        else:
            p.number(PRINT_ANY, "preferred_life_time", "%usec", ci["ifa_preferred"])
    p.string(PRINT_FP, None, "%s", "\n")


# -- the object -------------------------------------------------------------------------------


def do_ipaddr(run: IpRun, argv: list[str]) -> int:
    from netlife.userspace.ip_link_show import ipaddr_list

    if not argv:
        return ipaddr_list(run, [], do_link=False, addrs=AddrFilter(family=run.family))
    w = argv[0]
    if matches(w, "add"):
        return ipaddr_modify(run, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, argv[1:])
    if matches(w, "change") or w == "chg":
        return ipaddr_modify(run, RTM_NEWADDR, NLM_F_REPLACE, argv[1:])
    if matches(w, "replace"):
        return ipaddr_modify(run, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, argv[1:])
    if matches(w, "delete"):
        return ipaddr_modify(run, RTM_DELADDR, 0, argv[1:])
    if matches(w, "list") or matches(w, "show") or matches(w, "lst"):
        return ipaddr_list(run, argv[1:], do_link=False, addrs=AddrFilter(family=run.family))
    if matches(w, "flush"):
        return ipaddr_flush(run, argv[1:])
    if matches(w, "save") or matches(w, "showdump") or matches(w, "restore"):
        usage_exit(run, f'netlife: "ip address {w}" is not modelled\n')
    if matches(w, "help"):
        usage_exit(run, ADDR_USAGE)
    usage_exit(run, f'Command "{w}" is unknown, try "ip address help".\n')
    return -1


def ipaddr_flush(run: IpRun, argv: list[str]) -> int:
    """ipaddr_list_flush_or_save(IPADD_FLUSH): rounds of dump and delete."""
    from netlife.kernel.errors import KernelError

    if not argv:
        run.err("Flush requires arguments.\n")
        return -1
    if run.family == AF_PACKET:
        run.err("Cannot flush link addresses.\n")
        return -1
    filt = AddrFilter(family=run.family)
    a = Args(run, argv)
    filter_dev = None
    while a:
        if not filt.parse(run, a):
            w = a.cur
            if w == "up":
                filt.up = True
            elif w in ("group", "master", "vrf", "type"):
                a.nxt()
            elif w == "nomaster":
                pass
            else:
                if w == "dev":
                    w = a.nxt()
                elif matches(w, "help"):
                    usage_exit(run, ADDR_USAGE)
                if filter_dev is not None:
                    duparg2(run, "dev", w)
                filter_dev = w
        a.step()
    ifindex = 0
    if filter_dev is not None:
        ifindex = ll_name_to_index(run, filter_dev)
        if ifindex <= 0:
            run.err(f'Device "{filter_dev}" does not exist.\n')
            return -1
    filt.names = {d.ifindex: d.name for d in run.net.devices()}
    rounds = 0
    while True:
        todo = [m for m in addr_dump(run.net, filt.family, ifindex) if filt.match(m)]
        if not todo:
            if run.stats:
                if rounds == 0:
                    run.out("Nothing to flush.\n")
                else:
                    s = "s" if rounds > 1 else ""
                    run.out(f"*** Flush is complete after {rounds} round{s} ***\n")
            return 0
        rounds += 1
        for msg in todo:
            req = IfAddrMsg(
                RTM_DELADDR,
                msg.ifa_family,
                msg.ifa_prefixlen,
                msg.ifa_flags,
                msg.ifa_scope,
                msg.ifa_index,
                attrs=dict(msg.attrs),
            )
            try:
                rtnl_addr_request(run.net, req)
            except KernelError as err:
                if err.errno != 99:  # EADDRNOTAVAIL: gone with its primary
                    run.err(f"Failed to send flush request: {err}\n")
                    return -1
        if run.stats:
            run.out(f"\n*** Round {rounds}, deleting {len(todo)} addresses ***\n")
        if not filt.flags & IFA_F_SECONDARY and filt.flagmask & IFA_F_SECONDARY:
            if run.stats:
                run.out(
                    f"*** Flush is complete after {rounds} round{'s' if rounds > 1 else ''} ***\n"
                )
            return 0

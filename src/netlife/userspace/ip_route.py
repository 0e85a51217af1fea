"""`ip route`: show, add, append, replace, change, delete (IPv4 and IPv6 tables).

Mirrors iproute2 v6.1.0 ip/iproute.c: iproute_modify (dst, `via`, `dev`, `table`, `metric`,
`proto`, `scope`, `src`, the route type word; the scope iproute2 picks: link for a unicast
route without a gateway, host for local, universe otherwise; proto boot for add),
iproute_list_flush_or_save (table main by default, which also means IPv4 only; `table all`;
`dev`) and print_route (text and JSON, `Deleted` for monitor messages). Name tables are
lib/rt_names.c's defaults.
"""

from __future__ import annotations

from typing import Any

from netlife.kernel.if_link import NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE
from netlife.kernel.ipv4.if_addr import (
    AF_INET,
    AF_INET6,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_NOWHERE,
    RT_SCOPE_UNIVERSE,
    RT_TABLE_MAIN,
    RTM_DELROUTE,
    RTM_NEWROUTE,
    RTN_LOCAL,
    RTN_UNICAST,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
    RTPROT_BOOT,
    RtMsg,
)
from netlife.userspace.ip import (
    AF_UNSPEC,
    Args,
    IpRun,
    TalkError,
    duparg,
    get_unsigned,
    invarg,
    ll_name_to_index,
    matches,
    nodev,
    rtnl_talk,
    usage_exit,
)
from netlife.userspace.ip_address import get_addr, get_prefix, rtnl_rtscope_a2n, rtnl_rtscope_n2a
from netlife.userspace.ip_print_json import PRINT_ANY, PRINT_FP, PRINT_JSON, Printer, json_text

RTN_NAMES = [
    "none",
    "unicast",
    "local",
    "broadcast",
    "anycast",
    "multicast",
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "nat",
    "xresolve",
]
RTPROT_NAMES = {0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated"}
RTPROT_NAMES |= {9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp"}
RTPROT_NAMES |= {15: "ntk", 16: "dhcp", 18: "keepalived", 42: "babel", 186: "bgp"}
RTPROT_NAMES |= {187: "isis", 188: "ospf", 189: "rip", 192: "eigrp"}
RTTABLE_NAMES = {0: "unspec", 253: "default", 254: "main", 255: "local"}


def rtnl_rttable_n2a(tb: int) -> str:
    return RTTABLE_NAMES.get(tb, str(tb))


def rtnl_rttable_a2n(word: str) -> int | None:
    for num, name in RTTABLE_NAMES.items():
        if word == name:
            return num
    return get_unsigned(word, 0)


def _name_a2n(names: dict[int, str], word: str, limit: int) -> int | None:
    for num, name in names.items():
        if word == name:
            return num
    return get_unsigned(word, 0, limit)


# -- the kernel side, by family -------------------------------------------------------------------


def rtnl_route_request(net: Any, msg: RtMsg) -> None:
    from netlife.kernel.errors import KernelError
    from netlife.kernel.ipv4.fib_frontend import inet_rtm_delroute, inet_rtm_newroute

    if msg.rtm_family != AF_INET:
        raise KernelError(95, "netlife: IPv6 routes from userspace are not modelled")
    (inet_rtm_newroute if msg.msg_type == RTM_NEWROUTE else inet_rtm_delroute)(net, msg)


def route_dump(net: Any, family: int) -> list[RtMsg]:
    from netlife.kernel.ipv4.fib_frontend import inet_dump_fib
    from netlife.kernel.ipv6.route import inet6_dump_fib

    out: list[RtMsg] = []
    if family in (AF_UNSPEC, AF_INET) and net.ipv4 is not None:
        out.extend(inet_dump_fib(net))
    if family in (AF_UNSPEC, AF_INET6) and net.ipv6 is not None:
        out.extend(inet6_dump_fib(net))
    return out


# -- printing -------------------------------------------------------------------------------------


def print_route(
    p: Printer, msg: RtMsg, names: dict[int, str], details: bool = False, filter_tb: int = 0
) -> None:
    a = msg.attrs
    host_len = 32 if msg.rtm_family == AF_INET else 128
    table = a.get("RTA_TABLE", msg.rtm_table)
    if msg.msg_type == RTM_DELROUTE:
        p.boolean(PRINT_ANY, "deleted", "Deleted ", True)
    if msg.rtm_type != RTN_UNICAST or details:
        name = RTN_NAMES[msg.rtm_type] if msg.rtm_type < len(RTN_NAMES) else str(msg.rtm_type)
        p.string(PRINT_ANY, "type", "%s ", name)
    if "RTA_DST" in a:
        dst = a["RTA_DST"] if msg.rtm_dst_len == host_len else f"{a['RTA_DST']}/{msg.rtm_dst_len}"
    elif msg.rtm_dst_len:
        dst = f"0/{msg.rtm_dst_len} "
    else:
        dst = "default"
    p.string(PRINT_ANY, "dst", "%s ", dst)
    if "RTA_GATEWAY" in a:
        p.string(PRINT_JSON, "gateway", None, a["RTA_GATEWAY"])
        p.string(PRINT_FP, None, "via %s ", a["RTA_GATEWAY"])
    if "RTA_OIF" in a:
        name = names.get(a["RTA_OIF"], f"if{a['RTA_OIF']}")
        p.string(PRINT_ANY, "dev", "dev %s ", name)
    if table and (table != RT_TABLE_MAIN or details) and not filter_tb:
        p.string(PRINT_ANY, "table", "table %s ", rtnl_rttable_n2a(table))
    if msg.rtm_protocol != RTPROT_BOOT or details:
        proto = RTPROT_NAMES.get(msg.rtm_protocol, str(msg.rtm_protocol))
        p.string(PRINT_ANY, "protocol", "proto %s ", proto)
    if msg.rtm_scope != RT_SCOPE_UNIVERSE or details:
        p.string(PRINT_ANY, "scope", "scope %s ", rtnl_rtscope_n2a(msg.rtm_scope))
    if "RTA_PREFSRC" in a:
        p.string(PRINT_JSON, "prefsrc", None, a["RTA_PREFSRC"])
        p.string(PRINT_FP, None, "src %s ", a["RTA_PREFSRC"])
    if "RTA_PRIORITY" in a:
        p.number(PRINT_ANY, "metric", "metric %u ", a["RTA_PRIORITY"])
    p.open_array(PRINT_JSON, "flags")
    if msg.rtm_flags & RTNH_F_DEAD:
        p.string(PRINT_ANY, None, "%s ", "dead")
    if msg.rtm_flags & RTNH_F_LINKDOWN:
        p.string(PRINT_ANY, None, "%s ", "linkdown")
    p.close_array(PRINT_JSON, None)
    if "RTA_PREF" in a:
        pref = {0: "medium", 3: "low", 1: "high"}.get(a["RTA_PREF"])
        if pref is None:
            p.number(PRINT_ANY, "pref", "%u", a["RTA_PREF"])
        else:
            p.string(PRINT_ANY, "pref", "pref %s", pref)
    p.text("\n")


def route_text(msg: RtMsg, names: dict[int, str], details: bool = False, filter_tb: int = 0) -> str:
    p = Printer(json=False)
    print_route(p, msg, names, details, filter_tb)
    return p.result()


def route_json(
    msg: RtMsg, names: dict[int, str], details: bool = False, filter_tb: int = 0
) -> dict[str, Any]:
    p = Printer(json=True)
    p.open_object(None)
    print_route(p, msg, names, details, filter_tb)
    p.close_object()
    return p.result()[0]


# -- commands -------------------------------------------------------------------------------


def do_iproute(run: IpRun, argv: list[str]) -> int:
    if not argv:
        return iproute_list(run, [])
    w = argv[0]
    rest = argv[1:]
    if matches(w, "add"):
        return iproute_modify(run, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rest)
    if matches(w, "change") or w == "chg":
        return iproute_modify(run, RTM_NEWROUTE, NLM_F_REPLACE, rest)
    if matches(w, "replace"):
        return iproute_modify(run, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rest)
    if matches(w, "prepend"):
        return iproute_modify(run, RTM_NEWROUTE, NLM_F_CREATE, rest)
    if matches(w, "append"):
        return iproute_modify(run, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, rest)
    if matches(w, "delete"):
        return iproute_modify(run, RTM_DELROUTE, 0, rest)
    if matches(w, "list") or matches(w, "show"):
        return iproute_list(run, rest)
    usage_exit(run, f'netlife: "ip route {w}" is not modelled\n')
    return -1


def iproute_modify(run: IpRun, cmd: str, flags: int, argv: list[str]) -> int:
    msg = RtMsg(msg_type=cmd, rtm_family=run.family, nlmsg_flags=flags, rtm_table=RT_TABLE_MAIN)
    if cmd != RTM_DELROUTE:
        msg.rtm_protocol = RTPROT_BOOT
        msg.rtm_scope = RT_SCOPE_UNIVERSE
        msg.rtm_type = RTN_UNICAST
    else:
        msg.rtm_scope = RT_SCOPE_NOWHERE
    a = Args(run, argv)
    dev = None
    dst_ok = gw_ok = scope_ok = type_ok = False
    while a:
        w = a.cur
        if w == "src":
            v = a.nxt()
            addr = get_addr(run, v, msg.rtm_family)
            msg.rtm_family = msg.rtm_family or addr.family
            msg.attrs["RTA_PREFSRC"] = str(addr.addr)
        elif w == "via":
            v = a.nxt()
            if gw_ok:
                duparg(run, "via", v)
            gw_ok = True
            addr = get_addr(run, v, msg.rtm_family)
            msg.rtm_family = msg.rtm_family or addr.family
            msg.attrs["RTA_GATEWAY"] = str(addr.addr)
        elif matches(w, "metric") or matches(w, "priority") or w == "preference":
            v = a.nxt()
            metric = get_unsigned(v)
            if metric is None:
                invarg(run, '"metric" value is invalid\n', v)
            msg.attrs["RTA_PRIORITY"] = metric
        elif w == "scope":
            v = a.nxt()
            scope = rtnl_rtscope_a2n(v)
            if scope is None:
                invarg(run, 'invalid "scope" value\n', v)
            msg.rtm_scope = scope
            scope_ok = True
        elif matches(w, "protocol"):
            v = a.nxt()
            proto = _name_a2n(RTPROT_NAMES, v, 255)
            if proto is None:
                invarg(run, '"protocol" value is invalid\n', v)
            msg.rtm_protocol = proto
        elif matches(w, "table"):
            v = a.nxt()
            tid = rtnl_rttable_a2n(v)
            if tid is None:
                invarg(run, '"table" value is invalid\n', v)
            if tid < 256:
                msg.rtm_table = tid
            else:
                msg.rtm_table = 252
            msg.attrs["RTA_TABLE"] = tid
        elif w in ("dev", "oif"):
            dev = a.nxt()
        else:
            if w == "to":
                w = a.nxt()
            elif w in RTN_NAMES:
                msg.rtm_type = RTN_NAMES.index(w)
                type_ok = True
                w = a.nxt()
            if matches(w, "help"):
                usage_exit(run, "Usage: ip route { list | flush } SELECTOR\n")
            if dst_ok:
                duparg(run, "to", w)
            dst = get_prefix(run, w, msg.rtm_family)
            msg.rtm_family = msg.rtm_family or dst.family
            msg.rtm_dst_len = dst.bitlen
            dst_ok = True
            if dst.addr is not None:
                msg.attrs["RTA_DST"] = str(dst.addr)
        a.step()
    if not dst_ok:
        usage_exit(run, "Usage: ip route { list | flush } SELECTOR\n")
    if dev is not None:
        idx = ll_name_to_index(run, dev)
        if not idx:
            return nodev(run, dev)
        msg.attrs["RTA_OIF"] = idx
    if msg.rtm_family == AF_UNSPEC:
        msg.rtm_family = AF_INET
    if cmd != RTM_DELROUTE and not scope_ok:
        if msg.rtm_type in (RTN_LOCAL, 5):
            msg.rtm_scope = RT_SCOPE_HOST
        elif (msg.rtm_type in (RTN_UNICAST, 0) and not gw_ok) or (
            msg.rtm_type == 3 and not type_ok
        ):
            msg.rtm_scope = RT_SCOPE_LINK
    try:
        rtnl_talk(run, rtnl_route_request, msg)
    except TalkError:
        return -2
    return 0


def iproute_list(run: IpRun, argv: list[str]) -> int:
    family = run.family
    filter_tb = RT_TABLE_MAIN
    oif = 0
    a = Args(run, argv)
    while a:
        w = a.cur
        if matches(w, "table"):
            v = a.nxt()
            tid = rtnl_rttable_a2n(v)
            if v in ("all",):
                filter_tb = 0
            elif v == "cache":
                filter_tb = -1
            elif tid is None:
                invarg(run, "table id value is invalid\n", v)
            else:
                filter_tb = tid
        elif w in ("dev", "oif"):
            v = a.nxt()
            oif = ll_name_to_index(run, v)
            if not oif:
                run.err(f'Cannot find device "{v}"\n')
                return -1
        else:
            usage_exit(run, f'netlife: "ip route show {w}" is not modelled\n')
        a.step()
    if family == AF_UNSPEC and filter_tb:
        family = AF_INET
    names = {d.ifindex: d.name for d in run.net.devices()}
    shown = []
    for msg in route_dump(run.net, family):
        table = msg.attrs.get("RTA_TABLE", msg.rtm_table)
        if filter_tb > 0 and table != filter_tb:
            continue
        if oif and msg.attrs.get("RTA_OIF") != oif:
            continue
        shown.append(msg)
    if run.json:
        objs = [
            route_json(m, names, bool(run.details), filter_tb if filter_tb > 0 else 0)
            for m in shown
        ]
        run.out(json_text(objs, bool(run.pretty)))
        return 0
    for msg in shown:
        text = route_text(msg, names, bool(run.details), filter_tb if filter_tb > 0 else 0)
        if oif:
            text = text.replace(f"dev {names.get(oif)} ", "", 1)
        run.out(text)
    return 0

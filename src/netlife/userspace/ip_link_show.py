"""`ip link show` and `ip address show`: the dump (or one RTM_GETLINK), filters, printing.

Mirrors iproute2 v6.1.0 ip/ipaddress.c: ipaddr_list_flush_or_save for IPADD_LIST (the up /
group / master / nomaster / type / dev filters, "Device does not exist.", the single
RTM_GETLINK of iplink_get for `show dev X`, print_linkinfo's filter checks) and
ipaddr_list_link. For `ip address show` the caller (ip_address.py) passes its address filter,
dump and printer in `addrs`: this file imports nothing of it. The text and JSON come from
ip_print.py.
"""

from __future__ import annotations

from typing import Any

from netlife.kernel.errors import strerror
from netlife.kernel.if_link import IFF_UP, IfInfoMsg
from netlife.userspace.ip import (
    AF_PACKET,
    Args,
    IpExit,
    IpRun,
    TalkError,
    check_ifname,
    duparg2,
    invarg,
    lazy_print_context,
    link_dump,
    ll_name_to_index,
    matches,
    print_context,
    rtnl_talk,
)
from netlife.userspace.ip_link import iplink_usage, rtnl_group_a2n


def ipaddr_list_link(run: IpRun, args: list[str]) -> int:
    return ipaddr_list(run, args, do_link=True)


def ipaddr_list(run: IpRun, args: list[str], do_link: bool, addrs: Any = None) -> int:
    """ip/ipaddress.c:ipaddr_list_flush_or_save for IPADD_LIST; `addrs` is the address side
    (ip_address.AddrFilter) for `ip address show`."""
    from netlife.kernel.rtnetlink import rtnl_getlink

    a = Args(run, args)
    up = False
    group = -1
    master = 0
    kind = slave_kind = None
    filter_dev = None
    while a:
        w = a.cur
        if addrs is not None and addrs.parse(run, a):
            a.step()
            continue
        if w == "up":
            up = True
        elif w == "group":
            v = a.nxt()
            group = rtnl_group_a2n(v)
            if group is None:
                invarg(run, 'Invalid "group" value\n', v)
        elif w == "master":
            v = a.nxt()
            master = ll_name_to_index(run, v)
            if not master:
                invarg(run, "Device does not exist\n", v)
        elif w == "vrf":
            invarg(run, "Not a valid VRF name\n", a.nxt())
        elif w == "nomaster":
            master = -1
        elif w == "type":
            v = a.nxt()
            if v.endswith("_slave") and len(v) > len("_slave"):
                slave_kind = v[: -len("_slave")]
            else:
                kind = v
        else:
            if w == "dev":
                w = a.nxt()
            elif matches(w, "help"):
                iplink_usage(run)
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
    if filter_dev is not None and group == -1 and do_link:
        ctx = lazy_print_context(run.host, run.net)
        # iplink_get: one RTM_GETLINK by name; print_linkinfo still applies the filters.
        try:
            attr = "IFLA_IFNAME" if check_ifname(filter_dev) else "IFLA_ALT_IFNAME"
            msgs = rtnl_talk(run, rtnl_getlink, IfInfoMsg(attrs={attr: filter_dev}))
        except TalkError as failed:
            run.err(f"Cannot send link get request: {strerror(failed.error.errno)}\n")
            raise IpExit(1) from None
    else:
        ctx = print_context(run.host, run.net)
        msgs = link_dump(run.net)
    shown = []
    for msg in msgs:
        attrs = msg.attrs
        info = attrs.get("IFLA_LINKINFO") or {}
        if ifindex and msg.ifi_index != ifindex:
            continue
        if up and not msg.ifi_flags & IFF_UP:
            continue
        if group != -1 and attrs.get("IFLA_GROUP", 0) != group:
            continue
        has_master = attrs.get("IFLA_MASTER", 0)
        if (master > 0 and has_master != master) or (master == -1 and has_master):
            continue
        if kind is not None and info.get("IFLA_INFO_KIND") != kind:
            continue
        if slave_kind is not None and info.get("IFLA_INFO_SLAVE_KIND") != slave_kind:
            continue
        shown.append(msg)
    if addrs is not None:
        return _print_with_addresses(run, shown, ctx, addrs, up)
    _print_links(run, shown, ctx, do_link)
    return 0


def _print_with_addresses(run: IpRun, msgs: list[IfInfoMsg], ctx, addrs: Any, up: bool) -> int:
    """The IPADD_LIST loop: ipaddr_filter, then each link with print_selected_addrinfo."""
    from netlife.userspace.ip_address import addr_dump, addr_json, addr_text
    from netlife.userspace.ip_print import (
        link_brief,
        link_brief_json,
        link_json,
        link_text,
        links_json_text,
    )

    family = addrs.family
    names = {m.ifi_index: m.attrs.get("IFLA_IFNAME", "") for m in msgs}
    addrs.names = names
    dumped = [] if family == AF_PACKET else addr_dump(run.net)
    matching = [m for m in dumped if addrs.match(m)]
    kept = []
    for msg in msgs:
        own = [m for m in dumped if m.ifa_index == msg.ifi_index]
        ok = any(m.ifa_index == msg.ifi_index for m in matching)
        if not own and family in (0, AF_PACKET):
            ok = True
        if family == AF_PACKET or ok:
            kept.append(msg)
    objs = []
    no_link = bool(run.oneline) and family != AF_PACKET
    for msg in kept:
        selected = [
            m
            for m in matching
            if m.ifa_index == msg.ifi_index and not (up and not msg.ifi_flags & IFF_UP)
        ]
        if family == AF_PACKET:
            selected = []
        if run.json:
            if run.brief:
                obj = link_brief_json(msg, ctx, addr_cmd=True)
            else:
                obj = link_json(msg, ctx, details=bool(run.details), stats=run.stats, addr_cmd=True)
            obj["addr_info"] = [addr_json(m, names, brief=bool(run.brief)) for m in selected]
            objs.append(obj)
            continue
        if run.brief:
            text = link_brief(msg, ctx, addr_cmd=True)
            text += "".join(addr_text(m, names, brief=True) for m in selected)
            run.out(text + "\n")
            continue
        if not no_link:
            text = link_text(
                msg,
                ctx,
                details=bool(run.details),
                oneline=bool(run.oneline),
                addr_cmd=True,
                stats=run.stats,
            )
            if family not in (0, AF_PACKET):
                # print_linkinfo prints the link/TYPE line only without a family filter
                head, sep, rest = text.partition("\n    link/")
                text = head + ("\n" + rest.partition("\n")[2] if sep else "")
            run.out(text)
        for m in selected:
            run.out(addr_text(m, names, oneline=bool(run.oneline)))
    if run.json:
        run.out(links_json_text(objs, pretty=bool(run.pretty)))
    return 0


def _print_links(run: IpRun, msgs: list[IfInfoMsg], ctx, do_link: bool) -> None:
    from netlife.userspace.ip_print import (
        link_brief,
        link_brief_json,
        link_json,
        link_text,
        links_json_text,
    )

    addr_cmd = not do_link
    if run.json:
        if run.brief:
            objs = [link_brief_json(m, ctx, addr_cmd=addr_cmd) for m in msgs]
            if addr_cmd:
                for obj in objs:
                    obj["addr_info"] = []
        else:
            objs = [
                link_json(m, ctx, details=bool(run.details), stats=run.stats, addr_cmd=addr_cmd)
                for m in msgs
            ]
            if addr_cmd:
                for obj in objs:
                    obj["addr_info"] = []
        run.out(links_json_text(objs, pretty=bool(run.pretty)))
        return
    for msg in msgs:
        if run.brief:
            run.out(link_brief(msg, ctx, addr_cmd=addr_cmd) + ("\n" if addr_cmd else ""))
        elif addr_cmd and run.oneline and run.family != AF_PACKET:
            continue  # -o with addresses prints address lines only; none are modelled
        else:
            run.out(
                link_text(
                    msg,
                    ctx,
                    details=bool(run.details),
                    oneline=bool(run.oneline),
                    addr_cmd=addr_cmd,
                    stats=run.stats,
                )
            )

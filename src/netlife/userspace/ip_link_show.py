"""`ip link show` and `ip address show`: the dump (or one RTM_GETLINK), filters, printing.

Mirrors iproute2 v6.1.0 ip/ipaddress.c: ipaddr_list_flush_or_save for IPADD_LIST (the up /
group / master / nomaster / type / dev filters, "Device does not exist.", the single
RTM_GETLINK of iplink_get for `show dev X`, print_linkinfo's filter checks) and
ipaddr_list_link. Addresses are not modelled: `ip address show` prints the link part of each
entry, which for a namespace without addresses is exactly what iproute2 prints. The text and
JSON come from ip_print.py.
"""

from __future__ import annotations

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
    usage_exit,
)
from netlife.userspace.ip_link import iplink_usage, rtnl_group_a2n


def ipaddr_list_link(run: IpRun, args: list[str]) -> int:
    return ipaddr_list(run, args, do_link=True)


def do_ipaddr(run: IpRun, argv: list[str]) -> int:
    """`ip address [show|list|lst] …`: the link part of each entry (addresses are not
    modelled; see docs/choices.md)."""
    if not argv:
        return ipaddr_list(run, [], do_link=False)
    w = argv[0]
    if matches(w, "show") or matches(w, "lst") or matches(w, "list"):
        return ipaddr_list(run, argv[1:], do_link=False)
    if matches(w, "help"):
        usage_exit(run, "Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n")
    usage_exit(run, f'netlife: "ip address {w}" is not modelled\n')
    return -1


def ipaddr_list(run: IpRun, args: list[str], do_link: bool) -> int:
    """ip/ipaddress.c:ipaddr_list_flush_or_save for IPADD_LIST."""
    from netlife.kernel.rtnetlink import rtnl_getlink

    a = Args(run, args)
    up = False
    group = -1
    master = 0
    kind = slave_kind = None
    filter_dev = None
    while a:
        w = a.cur
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
    _print_links(run, shown, ctx, do_link)
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

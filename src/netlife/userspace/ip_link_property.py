"""`ip link property add|del dev DEV altname NAME …`: alternative interface names.

Mirrors iproute2 v6.1.0 ip/iplink.c:iplink_prop and iplink_prop_mod: every altname word goes
into one IFLA_PROP_LIST of an RTM_NEWLINKPROP (NLM_F_EXCL|CREATE|APPEND) or RTM_DELLINKPROP
for the device found by name or altname; the kernel side is kernel/rtnl_linkprop.py.
"""

from __future__ import annotations

from netlife.kernel.if_link import NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, IfInfoMsg
from netlife.userspace.ip import (
    Args,
    IpRun,
    TalkError,
    check_altifname,
    duparg2,
    invarg,
    ll_name_to_index,
    matches,
    nodev,
    rtnl_talk,
    usage_exit,
)


def iplink_prop(run: IpRun, argv: list[str]) -> int:
    """ip/iplink.c:iplink_prop: the operator, then iplink_prop_mod."""
    from netlife.kernel.rtnl_linkprop import rtnl_dellinkprop, rtnl_newlinkprop
    from netlife.userspace.ip_link import iplink_usage

    if not argv:
        iplink_usage(run)
    w = argv[0]
    if matches(w, "add"):
        flags, request = NLM_F_EXCL | NLM_F_CREATE | NLM_F_APPEND, rtnl_newlinkprop
    elif matches(w, "del"):
        flags, request = 0, rtnl_dellinkprop
    elif matches(w, "help"):
        iplink_usage(run)
    else:
        usage_exit(run, "Operator required\n")
    return iplink_prop_mod(run, argv[1:], IfInfoMsg(nlmsg_flags=flags), request)


def iplink_prop_mod(run: IpRun, args: list[str], req: IfInfoMsg, request) -> int:
    from netlife.userspace.ip_link import iplink_usage

    names: list[str] = []
    dev = None
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "altname"):
            v = a.nxt()
            if not check_altifname(v):
                invarg(run, "not a valid altname", v)
            names.append(v)
        elif matches(w, "help"):
            iplink_usage(run)
        else:
            if w == "dev":
                w = a.nxt()
            if dev is not None:
                duparg2(run, "dev", w)
            if not check_altifname(w):
                invarg(run, '"dev" not a valid ifname', w)
            dev = w
        a.step()
    if dev is None:
        usage_exit(run, 'Not enough of information: "dev" argument is required.\n')
    req.ifi_index = ll_name_to_index(run, dev)
    if not req.ifi_index:
        return nodev(run, dev)
    req.attrs["IFLA_PROP_LIST"] = {"IFLA_ALT_IFNAME": names}
    try:
        rtnl_talk(run, request, req)
    except TalkError:
        return -2
    return 0

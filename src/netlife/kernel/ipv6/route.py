"""IPv6 routes of addresses: the prefix, multicast and local routes, with their events.

Mirrors the parts of net/ipv6/route.c and net/ipv6/addrconf.c the model has: addrconf_add_mroute
(ff00::/8 in table local, metric 256), addrconf_prefix_route (the address's prefix in main,
metric 256 or the address's metric), the local route an address gets when it becomes usable
(__ipv6_ifa_notify: metric 0, table local), and rt6_disable_ip (a device going down or away
takes its routes with it, each with RTM_DELROUTE, unlike IPv4). Each route holds its device
through a tracker (fib6_nh_init) given back after an RCU grace period. Routes of one table
are kept in dump order: by destination, the oldest first among equal ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from netlife.kernel.ipv4.if_addr import (
    AF_INET6,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTM_DELROUTE,
    RTM_NEWROUTE,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_UNICAST,
    RTNH_F_LINKDOWN,
    RTNLGRP_IPV6_ROUTE,
    RTPROT_KERNEL,
    RtMsg,
    rtnl_notify,
)
from netlife.kernel.netdevice import netdev_hold, netdev_put


@dataclass(slots=True, eq=False)
class Fib6Info:
    """struct fib6_info with its one nexthop (fib6_nh) holding the device."""

    dst: int  # the destination prefix as an integer, masked
    dst_len: int
    table: int
    rtype: int
    metric: int
    dev: Any
    tracker: Any = None
    ifp: Any = None  # the address a local route belongs to


class Fib6Tables:
    """net->ipv6's FIB tables: id → routes in dump order."""

    def __init__(self) -> None:
        self.tables: dict[int, list[Fib6Info]] = {RT_TABLE_MAIN: [], RT_TABLE_LOCAL: []}


def _key(rt: Fib6Info) -> tuple[int, int]:
    return (rt.dst, -rt.dst_len)


def ipv6_prefix(addr: ipaddress.IPv6Address, plen: int) -> int:
    """The address masked to its first plen bits (ipv6_addr_prefix)."""
    return int(addr) & (((1 << plen) - 1) << (128 - plen)) if plen else 0


def rt6_fill(rt: Fib6Info, event: str) -> RtMsg:
    a: dict[str, Any] = {"RTA_TABLE": rt.table}
    if rt.dst_len:
        a["RTA_DST"] = str(ipaddress.IPv6Address(rt.dst))
    a["RTA_PRIORITY"] = rt.metric
    a["RTA_OIF"] = rt.dev.ifindex
    a["RTA_PREF"] = 0
    flags = RTNH_F_LINKDOWN if rt.rtype != RTN_LOCAL and not rt.dev.carrier else 0
    return RtMsg(
        msg_type=event,
        rtm_family=AF_INET6,
        rtm_dst_len=rt.dst_len,
        rtm_table=rt.table,
        rtm_protocol=RTPROT_KERNEL,
        rtm_type=rt.rtype,
        rtm_flags=flags,
        attrs=a,
    )


def fib6_add(net: Any, rt: Fib6Info) -> None:
    routes = net.ipv6.tables.setdefault(rt.table, [])
    for other in routes:
        if (
            other.dst == rt.dst
            and other.dst_len == rt.dst_len
            and other.dev is rt.dev
            and other.metric == rt.metric
        ):
            return  # -EEXIST, silently for the kernel's own routes
    rt.tracker = netdev_hold(rt.dev, "fib6_nh_init")
    pos = len(routes)
    for i, other in enumerate(routes):
        if _key(other) > _key(rt):  # after the routes with the same destination
            pos = i
            break
    routes.insert(pos, rt)
    rtnl_notify(net, RTNLGRP_IPV6_ROUTE, lambda: rt6_fill(rt, RTM_NEWROUTE))


def fib6_del(net: Any, rt: Fib6Info) -> None:
    net.ipv6.tables[rt.table].remove(rt)
    rtnl_notify(net, RTNLGRP_IPV6_ROUTE, lambda: rt6_fill(rt, RTM_DELROUTE))
    dev, tracker = rt.dev, rt.tracker
    rt.tracker = None
    dev.kernel.clock.call_rcu(lambda: netdev_put(dev, tracker))


MULTICAST_PREFIX = 0xFF << 120  # ff00::/8


class AddrconfRoutes:
    """The route side of addrconf.py (Kernel.driver_state["ipv6_routes"])."""

    def add_mroute(self, dev: Any) -> None:
        fib6_add(dev.nd_net, Fib6Info(MULTICAST_PREFIX, 8, RT_TABLE_LOCAL, RTN_MULTICAST, 256, dev))

    def add_prefix(self, ifp: Any) -> None:
        dst = ipv6_prefix(ifp.addr, ifp.prefix_len)
        metric = ifp.rt_priority or 256
        fib6_add(
            ifp.idev.dev.nd_net,
            Fib6Info(dst, ifp.prefix_len, RT_TABLE_MAIN, RTN_UNICAST, metric, ifp.idev.dev),
        )

    def del_prefix(self, ifp: Any) -> None:
        net = ifp.idev.dev.nd_net
        dst = ipv6_prefix(ifp.addr, ifp.prefix_len)
        for rt in list(net.ipv6.tables[RT_TABLE_MAIN]):
            if (
                rt.dst == dst
                and rt.dst_len == ifp.prefix_len
                and rt.dev is ifp.idev.dev
                and rt.rtype == RTN_UNICAST
            ):
                fib6_del(net, rt)
                return

    def add_local(self, ifp: Any) -> None:
        net = ifp.idev.dev.nd_net
        if any(rt.ifp is ifp for rt in net.ipv6.tables[RT_TABLE_LOCAL]):
            return
        rt = Fib6Info(int(ifp.addr), 128, RT_TABLE_LOCAL, RTN_LOCAL, 0, ifp.idev.dev, ifp=ifp)
        routes = net.ipv6.tables[RT_TABLE_LOCAL]
        rt.tracker = netdev_hold(rt.dev, "fib6_nh_init")
        pos = len(routes)
        for i, other in enumerate(routes):
            if _key(other) > _key(rt):
                pos = i
                break
        routes.insert(pos, rt)
        rtnl_notify(net, RTNLGRP_IPV6_ROUTE, lambda: rt6_fill(rt, RTM_NEWROUTE))

    def del_local(self, ifp: Any) -> None:
        net = ifp.idev.dev.nd_net
        for rt in list(net.ipv6.tables[RT_TABLE_LOCAL]):
            if rt.ifp is ifp:
                fib6_del(net, rt)

    def ifdown(self, dev: Any) -> None:
        """rt6_disable_ip → rt6_sync_down_dev: every route through the device goes."""
        net = dev.nd_net
        for tb_id in sorted(net.ipv6.tables, key=lambda t: (t & 0xFF, t)):
            for rt in list(net.ipv6.tables[tb_id]):
                if rt.dev is dev:
                    fib6_del(net, rt)


def inet6_dump_fib(net: Any, table: int = 0) -> list[RtMsg]:
    out = []
    for tb_id in sorted(net.ipv6.tables, key=lambda t: (t & 0xFF, t)):
        if table and tb_id != table:
            continue
        out.extend(rt6_fill(rt, RTM_NEWROUTE) for rt in net.ipv6.tables[tb_id])
    return out

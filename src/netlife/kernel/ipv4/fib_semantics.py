"""IPv4 FIB entries: fib_info with its nexthop holding the device, fib_alias, the tables.

Mirrors net/ipv4/fib_semantics.c (fib_create_info shares an equal fib_info; the nexthop takes
a tracked reference on its device, given back by free_fib_info after an RCU grace period;
fib_sync_down_dev marks nexthops through a device dead; fib_dump_info fills RTM_*ROUTE) and the
parts of net/ipv4/fib_trie.c the model needs (fib_table_insert / fib_table_delete with their
alias order: by destination, longer prefixes first, then by TOS and priority; fib_table_flush
of dead entries without notifications).
"""

from __future__ import annotations

import errno
import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EEXIST, ENOENT, KernelError
from netlife.kernel.if_link import NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE
from netlife.kernel.ipv4.if_addr import (
    AF_INET,
    RT_SCOPE_HOST,
    RT_SCOPE_NOWHERE,
    RTM_DELROUTE,
    RTM_NEWROUTE,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
    RTNLGRP_IPV4_ROUTE,
    RtMsg,
    rtnl_notify,
)
from netlife.kernel.netdevice import netdev_hold, netdev_put

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


ESRCH = errno.ESRCH


def ip4(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


@dataclass(slots=True, eq=False)
class FibNh:
    """struct fib_nh: the nexthop; fib_nh_dev is held (fib_nh_dev_tracker) while it lives."""

    fib_nh_dev: NetDevice | None
    fib_nh_gw4: int = 0
    fib_nh_flags: int = 0
    fib_nh_scope: int = 0
    fib_nh_dev_tracker: Any = None


@dataclass(slots=True, eq=False)
class FibInfo:
    """struct fib_info: what routes with equal attributes share (fib_treeref counts them)."""

    fib_protocol: int
    fib_scope: int
    fib_priority: int
    fib_prefsrc: int
    fib_type: int
    fib_nh: FibNh
    fib_flags: int = 0
    fib_treeref: int = 0
    fib_dead: bool = False


@dataclass(slots=True, eq=False)
class FibAlias:
    """struct fib_alias: one route of a table (a destination prefix, TOS, type, fib_info)."""

    dst: int
    dst_len: int
    fa_tos: int
    fa_type: int
    fa_info: FibInfo
    tb_id: int


@dataclass(slots=True, eq=False)
class FibTable:
    """struct fib_table: its routes in fib_trie's walk order."""

    tb_id: int
    aliases: list[FibAlias] = field(default_factory=list)


@dataclass(slots=True)
class FibConfig:
    """struct fib_config: a route request, from netlink or from fib_magic."""

    fc_dst: int = 0
    fc_dst_len: int = 0
    fc_tos: int = 0
    fc_table: int = 0
    fc_protocol: int = 0
    fc_scope: int = 0
    fc_type: int = 0
    fc_priority: int = 0
    fc_prefsrc: int = 0
    fc_oif: int = 0
    fc_gw4: int = 0
    fc_nlflags: int = 0


def fib_get_table(net: Net, tb_id: int) -> FibTable | None:
    return net.ipv4.fib_tables.get(tb_id)


def fib_new_table(net: Net, tb_id: int) -> FibTable:
    tables = net.ipv4.fib_tables
    if tb_id not in tables:
        tables[tb_id] = FibTable(tb_id)
    return tables[tb_id]


def fib_info_equal(a: FibInfo, b: FibInfo) -> bool:
    return (
        a.fib_protocol == b.fib_protocol
        and a.fib_scope == b.fib_scope
        and a.fib_priority == b.fib_priority
        and a.fib_prefsrc == b.fib_prefsrc
        and a.fib_type == b.fib_type
        and a.fib_nh.fib_nh_dev is b.fib_nh.fib_nh_dev
        and a.fib_nh.fib_nh_gw4 == b.fib_nh.fib_nh_gw4
    )


def fib_create_info(net: Net, cfg: FibConfig, dev: NetDevice | None, nh_scope: int) -> FibInfo:
    """A new fib_info, or the live one equal to it (fib_find_info)."""
    nh = FibNh(dev, cfg.fc_gw4, 0, nh_scope)
    fi = FibInfo(cfg.fc_protocol, cfg.fc_scope, cfg.fc_priority, cfg.fc_prefsrc, cfg.fc_type, nh)
    for table in net.ipv4.fib_tables.values():
        for fa in table.aliases:
            if not fa.fa_info.fib_dead and fib_info_equal(fa.fa_info, fi):
                return fa.fa_info
    if dev is not None:
        nh.fib_nh_dev_tracker = netdev_hold(dev, "fib_nh")
    return fi


def fib_release_info(fi: FibInfo) -> None:
    """The last alias of `fi` is gone: the nexthop's device reference goes after RCU."""
    fi.fib_treeref -= 1
    if fi.fib_treeref > 0:
        return
    fi.fib_dead = True
    nh = fi.fib_nh
    if nh.fib_nh_dev is not None and nh.fib_nh_dev_tracker is not None:
        dev, tracker = nh.fib_nh_dev, nh.fib_nh_dev_tracker
        nh.fib_nh_dev_tracker = None

        def free_fib_info_rcu() -> None:
            netdev_put(dev, tracker)

        dev.kernel.clock.call_rcu(free_fib_info_rcu)


def _alias_rank(fa: FibAlias) -> tuple[int, int]:
    return (fa.dst, -fa.dst_len)


def fib_table_insert(net: Net, tb: FibTable, cfg: FibConfig, fi: FibInfo) -> None:
    """Insert the route; EEXIST for an exact duplicate (silently for the kernel's own)."""
    key = (cfg.fc_dst, -cfg.fc_dst_len)
    same = [
        fa
        for fa in tb.aliases
        if _alias_rank(fa) == key
        and fa.fa_tos == cfg.fc_tos
        and fa.fa_info.fib_priority == fi.fib_priority
    ]
    flags = cfg.fc_nlflags
    new = FibAlias(cfg.fc_dst, cfg.fc_dst_len, cfg.fc_tos, cfg.fc_type, fi, tb.tb_id)
    if same:
        if flags & NLM_F_EXCL:
            _drop_unused(fi)
            raise KernelError(EEXIST)
        if flags & NLM_F_REPLACE:
            old = same[0]
            tb.aliases[tb.aliases.index(old)] = new
            fi.fib_treeref += 1
            rtmsg_fib(net, RTM_NEWROUTE, new, NLM_F_REPLACE)
            fib_release_info(old.fa_info)
            return
        for fa in same:
            if fa.fa_type == cfg.fc_type and fa.fa_info is fi:
                _drop_unused(fi)
                raise KernelError(EEXIST)
        if not flags & NLM_F_APPEND:
            tb.aliases.insert(tb.aliases.index(same[0]), new)
            fi.fib_treeref += 1
            rtmsg_fib(net, RTM_NEWROUTE, new, 0)
            return
        pos = tb.aliases.index(same[-1]) + 1
    else:
        if not flags & NLM_F_CREATE:
            _drop_unused(fi)
            raise KernelError(ENOENT)
        pos = len(tb.aliases)
        for i, fa in enumerate(tb.aliases):
            rank = _alias_rank(fa)
            if rank > key or (
                rank == key
                and (
                    fa.fa_tos < cfg.fc_tos
                    or (fa.fa_tos == cfg.fc_tos and fa.fa_info.fib_priority > fi.fib_priority)
                )
            ):
                pos = i
                break
    tb.aliases.insert(pos, new)
    fi.fib_treeref += 1
    rtmsg_fib(net, RTM_NEWROUTE, new, flags & NLM_F_APPEND)


def _drop_unused(fi: FibInfo) -> None:
    if fi.fib_treeref == 0 and not fi.fib_dead:
        fi.fib_treeref = 1
        fib_release_info(fi)


def fib_table_delete(net: Net, tb: FibTable, cfg: FibConfig) -> None:
    for fa in tb.aliases:
        fi = fa.fa_info
        if fa.dst != cfg.fc_dst or fa.dst_len != cfg.fc_dst_len or fa.fa_tos != cfg.fc_tos:
            continue
        if cfg.fc_type and fa.fa_type != cfg.fc_type:
            continue
        if cfg.fc_scope != RT_SCOPE_NOWHERE and fi.fib_scope != cfg.fc_scope:
            continue
        if cfg.fc_prefsrc and fi.fib_prefsrc != cfg.fc_prefsrc:
            continue
        if cfg.fc_protocol and fi.fib_protocol != cfg.fc_protocol:
            continue
        if cfg.fc_priority and fi.fib_priority != cfg.fc_priority:
            continue
        nh = fi.fib_nh
        if cfg.fc_oif and (nh.fib_nh_dev is None or nh.fib_nh_dev.ifindex != cfg.fc_oif):
            continue
        if cfg.fc_gw4 and nh.fib_nh_gw4 != cfg.fc_gw4:
            continue
        rtmsg_fib(net, RTM_DELROUTE, fa, 0)
        tb.aliases.remove(fa)
        fib_release_info(fi)
        return
    raise KernelError(ESRCH)


def fib_sync_down_dev(dev: NetDevice, force: bool) -> int:
    """Mark nexthops through `dev` dead (host-scope ones survive unless forced)."""
    scope = -1 if force else RT_SCOPE_NOWHERE
    dead = 0
    for table in dev.nd_net.ipv4.fib_tables.values():
        for fa in table.aliases:
            fi = fa.fa_info
            nh = fi.fib_nh
            if fi.fib_flags & RTNH_F_DEAD or nh.fib_nh_dev is not dev:
                continue
            if nh.fib_nh_scope != scope:
                nh.fib_nh_flags |= RTNH_F_DEAD | RTNH_F_LINKDOWN
                fi.fib_flags |= RTNH_F_DEAD | RTNH_F_LINKDOWN
                dead += 1
    return dead


def fib_sync_down_addr(dev: NetDevice, local: int) -> int:
    dead = 0
    for table in dev.nd_net.ipv4.fib_tables.values():
        for fa in table.aliases:
            fi = fa.fa_info
            if fi.fib_prefsrc == local and not fi.fib_flags & RTNH_F_DEAD:
                fi.fib_flags |= RTNH_F_DEAD
                dead += 1
    return dead


def fib_flush(net: Net) -> None:
    """fib_table_flush of every table: dead entries go without RTM_DELROUTE."""
    for table in net.ipv4.fib_tables.values():
        for fa in list(table.aliases):
            if fa.fa_info.fib_flags & RTNH_F_DEAD:
                table.aliases.remove(fa)
                fib_release_info(fa.fa_info)


def fib_flush_all(net: Net) -> None:
    """ip_fib_net_exit: every route of a dying namespace goes."""
    for table in net.ipv4.fib_tables.values():
        for fa in list(table.aliases):
            table.aliases.remove(fa)
            fib_release_info(fa.fa_info)


def fib_dump_info(fa: FibAlias, event: str, flags: int = 0) -> RtMsg:
    fi = fa.fa_info
    nh = fi.fib_nh
    a: dict[str, Any] = {"RTA_TABLE": fa.tb_id}
    if fa.dst_len:
        a["RTA_DST"] = ip4(fa.dst)
    if fi.fib_priority:
        a["RTA_PRIORITY"] = fi.fib_priority
    if fi.fib_prefsrc:
        a["RTA_PREFSRC"] = ip4(fi.fib_prefsrc)
    if nh.fib_nh_gw4:
        a["RTA_GATEWAY"] = ip4(nh.fib_nh_gw4)
    if nh.fib_nh_dev is not None:
        a["RTA_OIF"] = nh.fib_nh_dev.ifindex
    rtm_flags = 0
    dev = nh.fib_nh_dev
    if fi.fib_scope != RT_SCOPE_HOST and dev is not None and not dev.carrier:
        rtm_flags |= RTNH_F_LINKDOWN
    if nh.fib_nh_flags & RTNH_F_DEAD:
        rtm_flags |= RTNH_F_DEAD
    return RtMsg(
        msg_type=event,
        rtm_family=AF_INET,
        rtm_dst_len=fa.dst_len,
        rtm_tos=fa.fa_tos,
        rtm_table=fa.tb_id if fa.tb_id < 256 else 252,
        rtm_protocol=fi.fib_protocol,
        rtm_scope=fi.fib_scope,
        rtm_type=fa.fa_type,
        rtm_flags=rtm_flags,
        nlmsg_flags=flags,
        attrs=a,
    )


def rtmsg_fib(net: Net, event: str, fa: FibAlias, flags: int) -> None:
    rtnl_notify(net, RTNLGRP_IPV4_ROUTE, lambda: fib_dump_info(fa, event, flags))

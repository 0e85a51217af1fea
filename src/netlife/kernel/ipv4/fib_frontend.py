"""IPv4 routes from addresses and from netlink; what a device's going away does to them.

Mirrors net/ipv4/fib_frontend.c: fib_magic (the kernel's own local, broadcast and prefix
routes, proto kernel), fib_add_ifaddr / fib_del_ifaddr (which of them an address needs, and
which another address still needs), fib_inetaddr_event (the inetaddr chain; the last address
of a device gone disables IP on it), fib_netdev_event (NETDEV_UP adds the routes of every
address; NETDEV_DOWN drops the routes through the device, keeping the local ones;
NETDEV_UNREGISTER drops all of them: fib_disable_ip, without RTM_DELROUTE), and
inet_rtm_newroute / inet_rtm_delroute / inet_dump_fib with rtm_to_fib_config.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EINVAL, ENODEV, KernelError
from netlife.kernel.if_link import IFF_LOOPBACK, IFF_UP, NLM_F_APPEND, NLM_F_CREATE
from netlife.kernel.ipv4.devinet import InIfaddr, inet_ifa_match
from netlife.kernel.ipv4.fib_semantics import (
    FibConfig,
    fib_create_info,
    fib_dump_info,
    fib_flush,
    fib_get_table,
    fib_new_table,
    fib_sync_down_addr,
    fib_sync_down_dev,
    fib_table_delete,
    fib_table_insert,
)
from netlife.kernel.ipv4.if_addr import (
    IFA_F_NOPREFIXROUTE,
    IFA_F_SECONDARY,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_NOWHERE,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RTM_NEWROUTE,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_UNICAST,
    RTPROT_KERNEL,
    RtMsg,
)
from netlife.kernel.notifier import (
    NETDEV_DOWN,
    NETDEV_UNREGISTER,
    NETDEV_UP,
    NOTIFY_DONE,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


ENETUNREACH = errno.ENETUNREACH
ESRCH = errno.ESRCH


def fib_magic(cmd: str, rtype: int, dst: int, dst_len: int, ifa: InIfaddr, prio: int) -> None:
    """The kernel's own route for an address: local and broadcast in table local, the prefix
    route in main; added with NLM_F_CREATE | NLM_F_APPEND, an existing one left alone."""
    dev = ifa.ifa_dev.dev
    net = dev.nd_net
    cfg = FibConfig(
        fc_dst=dst,
        fc_dst_len=dst_len,
        fc_table=RT_TABLE_MAIN if rtype == RTN_UNICAST else RT_TABLE_LOCAL,
        fc_protocol=RTPROT_KERNEL,
        fc_scope=RT_SCOPE_HOST if rtype == RTN_LOCAL else RT_SCOPE_LINK,
        fc_type=rtype,
        fc_priority=prio,
        fc_prefsrc=ifa.ifa_local,
        fc_oif=dev.ifindex,
        fc_nlflags=NLM_F_CREATE | NLM_F_APPEND,
    )
    if cmd == RTM_NEWROUTE:
        tb = fib_new_table(net, cfg.fc_table)
        nh_scope = RT_SCOPE_NOWHERE if cfg.fc_scope == RT_SCOPE_HOST else RT_SCOPE_HOST
        fi = fib_create_info(net, cfg, dev, nh_scope)
        with contextlib.suppress(KernelError):  # EEXIST: already there
            fib_table_insert(net, tb, cfg, fi)
        return
    tb = fib_get_table(net, cfg.fc_table)
    if tb is None:
        return
    with contextlib.suppress(KernelError):  # ESRCH: already gone
        fib_table_delete(net, tb, cfg)


def inet_ifa_byprefix(in_dev: Any, prefix: int, mask: int) -> InIfaddr | None:
    for ifa in in_dev.ifa_list:
        if ifa.ifa_mask == mask and inet_ifa_match(prefix, ifa):
            return ifa
    return None


def fib_add_ifaddr(ifa: InIfaddr) -> None:
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim = ifa
    mask = ifa.ifa_mask
    addr = ifa.ifa_local
    prefix = ifa.ifa_address & mask
    if ifa.ifa_flags & IFA_F_SECONDARY:
        prim = inet_ifa_byprefix(in_dev, prefix, mask)
        if prim is None:
            return
    fib_magic(RTM_NEWROUTE, RTN_LOCAL, addr, 32, prim, 0)
    if not dev.flags & IFF_UP:
        return
    if ifa.ifa_broadcast and ifa.ifa_broadcast != 0xFFFFFFFF:
        fib_magic(RTM_NEWROUTE, RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
    if (
        prefix >> 24 != 0
        and not ifa.ifa_flags & IFA_F_SECONDARY
        and (prefix != addr or ifa.ifa_prefixlen < 32)
    ):
        if not ifa.ifa_flags & IFA_F_NOPREFIXROUTE:
            rtype = RTN_LOCAL if dev.flags & IFF_LOOPBACK else RTN_UNICAST
            fib_magic(RTM_NEWROUTE, rtype, prefix, ifa.ifa_prefixlen, prim, ifa.ifa_rt_priority)
        if ifa.ifa_prefixlen < 31:
            fib_magic(RTM_NEWROUTE, RTN_BROADCAST, prefix | (~mask & 0xFFFFFFFF), 32, prim, 0)


def fib_modify_prefix_metric(ifa: InIfaddr, new_metric: int) -> None:
    """The prefix route of a primary moves to the new metric (add new, delete old)."""
    dev = ifa.ifa_dev.dev
    prefix = ifa.ifa_address & ifa.ifa_mask
    if (
        not dev.flags & IFF_UP
        or ifa.ifa_flags & (IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE)
        or prefix >> 24 == 0
        or (prefix == ifa.ifa_local and ifa.ifa_prefixlen == 32)
    ):
        return
    rtype = RTN_LOCAL if dev.flags & IFF_LOOPBACK else RTN_UNICAST
    fib_magic(RTM_NEWROUTE, rtype, prefix, ifa.ifa_prefixlen, ifa, new_metric)
    fib_magic("RTM_DELROUTE", rtype, prefix, ifa.ifa_prefixlen, ifa, ifa.ifa_rt_priority)


LOCAL_OK, BRD_OK, BRD0_OK, BRD1_OK = 1, 2, 4, 8


def fib_del_ifaddr(ifa: InIfaddr, iprim: InIfaddr | None = None) -> None:
    """Remove the routes `ifa` alone needed (the scan keeps what other addresses still use)."""
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim = ifa
    prim1 = None
    brd = ifa.ifa_address | (~ifa.ifa_mask & 0xFFFFFFFF)
    anyaddr = ifa.ifa_address & ifa.ifa_mask
    ok = 0
    subnet = False
    gone = True
    same_prefsrc = False
    if ifa.ifa_flags & IFA_F_SECONDARY:
        prim = inet_ifa_byprefix(in_dev, anyaddr, ifa.ifa_mask)
        if prim is None:
            return
    elif anyaddr >> 24 != 0 and (anyaddr != ifa.ifa_local or ifa.ifa_prefixlen < 32):
        if not ifa.ifa_flags & IFA_F_NOPREFIXROUTE:
            rtype = RTN_LOCAL if dev.flags & IFF_LOOPBACK else RTN_UNICAST
            fib_magic("RTM_DELROUTE", rtype, anyaddr, ifa.ifa_prefixlen, prim, 0)
        subnet = True
    if not in_dev.dead:
        for ifa1 in in_dev.ifa_list:
            if ifa1 is ifa:
                gone = False
                continue
            if (
                iprim
                and ifa1.ifa_mask == iprim.ifa_mask
                and inet_ifa_match(ifa1.ifa_address, iprim)
            ):
                continue
            if ifa1.ifa_flags & IFA_F_SECONDARY:
                if ifa1.ifa_mask == prim.ifa_mask and inet_ifa_match(ifa1.ifa_address, prim):
                    prim1 = prim
                else:
                    if not same_prefsrc:
                        continue
                    if (
                        prim1 is None
                        or ifa1.ifa_mask != prim1.ifa_mask
                        or not inet_ifa_match(ifa1.ifa_address, prim1)
                    ):
                        prim1 = inet_ifa_byprefix(in_dev, ifa1.ifa_address, ifa1.ifa_mask)
                    if prim1 is None or prim1.ifa_local != prim.ifa_local:
                        continue
            else:
                if prim.ifa_local != ifa1.ifa_local:
                    continue
                prim1 = ifa1
                if prim is not prim1:
                    same_prefsrc = True
            if ifa.ifa_local == ifa1.ifa_local:
                ok |= LOCAL_OK
            if ifa.ifa_broadcast == ifa1.ifa_broadcast:
                ok |= BRD_OK
            if brd == ifa1.ifa_broadcast:
                ok |= BRD1_OK
            if anyaddr == ifa1.ifa_broadcast:
                ok |= BRD0_OK
            if prim1 is ifa1 and ifa1.ifa_prefixlen < 31:
                brd1 = ifa1.ifa_address | (~ifa1.ifa_mask & 0xFFFFFFFF)
                any1 = ifa1.ifa_address & ifa1.ifa_mask
                if any1 >> 24 != 0:
                    if ifa.ifa_broadcast in (brd1, any1):
                        ok |= BRD_OK
                    if brd in (brd1, any1):
                        ok |= BRD1_OK
                    if anyaddr in (brd1, any1):
                        ok |= BRD0_OK
    if not ok & BRD_OK and ifa.ifa_broadcast:
        fib_magic("RTM_DELROUTE", RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
    if subnet and ifa.ifa_prefixlen < 31:
        if not ok & BRD1_OK:
            fib_magic("RTM_DELROUTE", RTN_BROADCAST, brd, 32, prim, 0)
        if not ok & BRD0_OK:
            fib_magic("RTM_DELROUTE", RTN_BROADCAST, anyaddr, 32, prim, 0)
    if not ok & LOCAL_OK:
        fib_magic("RTM_DELROUTE", RTN_LOCAL, ifa.ifa_local, 32, prim, 0)
        if (
            gone
            and not _is_local(dev.nd_net, ifa.ifa_local)
            and fib_sync_down_addr(dev, ifa.ifa_local)
        ):
            fib_flush(dev.nd_net)


def _is_local(net: Net, addr: int) -> bool:
    tb = fib_get_table(net, RT_TABLE_LOCAL)
    return tb is not None and any(
        fa.fa_type == RTN_LOCAL and fa.dst == addr and fa.dst_len == 32 for fa in tb.aliases
    )


def fib_disable_ip(dev: NetDevice, force: bool) -> None:
    if fib_sync_down_dev(dev, force):
        fib_flush(dev.nd_net)


def fib_inetaddr_event(event: int, ifa: InIfaddr) -> None:
    in_dev = ifa.ifa_dev
    if event == NETDEV_UP:
        fib_add_ifaddr(ifa)
    elif event == NETDEV_DOWN:
        fib_del_ifaddr(ifa)
        if not in_dev.ifa_list:
            # "Last address was deleted from this interface. Disable IP."
            fib_disable_ip(in_dev.dev, True)


def fib_netdev_event(nb: Any, event: int, info: Any) -> int:
    if event not in (NETDEV_UP, NETDEV_DOWN, NETDEV_UNREGISTER):
        return NOTIFY_DONE
    dev = info.dev
    if dev.nd_net.ipv4 is None:
        return NOTIFY_DONE
    if event == NETDEV_UNREGISTER:
        fib_disable_ip(dev, True)
        return NOTIFY_DONE
    in_dev = dev.ip_ptr
    if in_dev is None:
        return NOTIFY_DONE
    if event == NETDEV_UP:
        for ifa in list(in_dev.ifa_list):
            fib_add_ifaddr(ifa)
    elif event == NETDEV_DOWN:
        fib_disable_ip(dev, False)
    return NOTIFY_DONE


# -- netlink -------------------------------------------------------------------------------------


def _ip4(text: Any) -> int:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise KernelError(EINVAL, "Invalid address") from None


def rtm_to_fib_config(net: Net, msg: RtMsg) -> FibConfig:
    tb = msg.attrs
    if msg.rtm_dst_len > 32:
        raise KernelError(EINVAL, "Invalid prefix length")
    cfg = FibConfig(
        fc_dst_len=msg.rtm_dst_len,
        fc_tos=msg.rtm_tos,
        fc_table=tb.get("RTA_TABLE", msg.rtm_table),
        fc_protocol=msg.rtm_protocol,
        fc_scope=msg.rtm_scope,
        fc_type=msg.rtm_type,
        fc_nlflags=msg.nlmsg_flags,
    )
    if "RTA_DST" in tb:
        cfg.fc_dst = _ip4(tb["RTA_DST"])
    if cfg.fc_dst & ~((0xFFFFFFFF << (32 - cfg.fc_dst_len)) & 0xFFFFFFFF if cfg.fc_dst_len else 0):
        raise KernelError(EINVAL, "Invalid prefix for given prefix length")
    cfg.fc_oif = tb.get("RTA_OIF", 0)
    if "RTA_GATEWAY" in tb:
        cfg.fc_gw4 = _ip4(tb["RTA_GATEWAY"])
    if "RTA_PREFSRC" in tb:
        cfg.fc_prefsrc = _ip4(tb["RTA_PREFSRC"])
    cfg.fc_priority = tb.get("RTA_PRIORITY", 0)
    return cfg


def fib_check_nh(net: Net, cfg: FibConfig) -> tuple[NetDevice | None, int]:
    """The nexthop's device and scope; a gateway must be reachable (fib_check_nh_v4_gw)."""
    dev = None
    if cfg.fc_oif:
        dev = net.dev_get_by_index(cfg.fc_oif)
        if dev is None:
            raise KernelError(ENODEV, "Nexthop device does not exist")
    if cfg.fc_type == RTN_LOCAL or cfg.fc_scope == RT_SCOPE_HOST:
        if dev is None:
            raise KernelError(EINVAL, "Nexthop device required for onlink")
        return dev, RT_SCOPE_NOWHERE
    if cfg.fc_gw4:
        if cfg.fc_scope >= RT_SCOPE_LINK:
            raise KernelError(EINVAL, "Nexthop has invalid scope")
        found = fib_lookup(net, cfg.fc_gw4, dev)
        if (
            found is None
            or found.fa_info.fib_scope > RT_SCOPE_LINK
            or found.fa_type
            not in (
                RTN_UNICAST,
                RTN_LOCAL,
            )
        ):
            raise KernelError(ENETUNREACH, "Nexthop has invalid gateway")
        gdev = found.fa_info.fib_nh.fib_nh_dev
        if dev is not None and gdev is not dev:
            raise KernelError(ENETUNREACH, "Nexthop has invalid gateway")
        return gdev, RT_SCOPE_LINK
    if dev is None:
        raise KernelError(EINVAL, "Nexthop device required for onlink")
    if not dev.flags & IFF_UP:
        raise KernelError(ENETUNREACH, "Device for nexthop is not up")
    return dev, RT_SCOPE_HOST


def fib_lookup(net: Net, addr: int, dev: NetDevice | None = None) -> Any:
    """fib_lookup: the longest matching route of table local, then main (the default rules)."""
    for tb_id in (RT_TABLE_LOCAL, RT_TABLE_MAIN):
        tb = fib_get_table(net, tb_id)
        if tb is None:
            continue
        best = None
        for fa in tb.aliases:
            mask = (0xFFFFFFFF << (32 - fa.dst_len)) & 0xFFFFFFFF if fa.dst_len else 0
            if (addr & mask) != fa.dst or fa.fa_info.fib_flags & 1:
                continue
            if (
                dev is not None
                and fa.fa_info.fib_nh.fib_nh_dev is not dev
                and fa.fa_type != RTN_LOCAL
            ):
                continue
            if best is None or fa.dst_len > best.dst_len:
                best = fa
        if best is not None:
            return best
    return None


def inet_rtm_newroute(net: Net, msg: RtMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    with rtnl_lock(net.kernel):
        cfg = rtm_to_fib_config(net, msg)
        dev, nh_scope = fib_check_nh(net, cfg)
        if cfg.fc_prefsrc and not _is_local(net, cfg.fc_prefsrc):
            raise KernelError(EINVAL, "Invalid prefsrc address")
        tb = fib_new_table(net, cfg.fc_table or RT_TABLE_MAIN)
        cfg.fc_table = tb.tb_id
        fi = fib_create_info(net, cfg, dev, nh_scope)
        fib_table_insert(net, tb, cfg, fi)


def inet_rtm_delroute(net: Net, msg: RtMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    with rtnl_lock(net.kernel):
        cfg = rtm_to_fib_config(net, msg)
        tb = fib_get_table(net, cfg.fc_table or RT_TABLE_MAIN)
        if tb is None:
            raise KernelError(ESRCH)
        fib_table_delete(net, tb, cfg)


def inet_dump_fib(net: Net, table: int = 0) -> list[RtMsg]:
    """Every route of every table (or of one), tables in hash order (id mod 256)."""
    out = []
    for tb_id in sorted(net.ipv4.fib_tables, key=lambda t: (t & 0xFF, t)):
        if table and tb_id != table:
            continue
        tb = net.ipv4.fib_tables[tb_id]
        out.extend(fib_dump_info(fa, RTM_NEWROUTE) for fa in tb.aliases)
    return out

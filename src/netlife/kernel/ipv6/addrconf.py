"""IPv6 device state and addresses: struct inet6_dev, struct inet6_ifaddr, RTM_*ADDR.

Mirrors net/ipv6/addrconf.c: ipv6_add_dev (an inet6_dev for a device whose MTU is at least
IPV6_MIN_MTU, holding the device through its tracker), addrconf_notify (NETDEV_UP: ::1 on the
loopback at once; for Ethernet kinds a link-local address by addrgenmode eui64 once the link is
ready (carrier), else at the NETDEV_CHANGE that brings it; NETDEV_DOWN: every address goes,
keep_addr_on_down being 0; NETDEV_UNREGISTER: the inet6_dev too), ipv6_link_dev_addr (wider
scopes first, newest first within a scope), DAD as a timer (addrconf_dad_kick: the first probe
after up to rtr_solicit_delay, the result one retrans_time later; `nodad`, loopback and NOARP
devices skip it) with RTM_NEWADDR sent when DAD completes, inet6_rtm_newaddr /
inet6_rtm_deladdr, inet6_fill_ifaddr. Routes of addresses are in route.py.
"""

from __future__ import annotations

import errno
import ipaddress
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from netlife.kernel.clock import HZ, NSEC_PER_SEC
from netlife.kernel.errors import EEXIST, EINVAL, ENODEV, ENOENT, KernelError
from netlife.kernel.if_link import (
    ARPHRD_ETHER,
    ARPHRD_LOOPBACK,
    IF_OPER_UNKNOWN,
    IF_OPER_UP,
    IFF_LOOPBACK,
    IFF_NOARP,
    IFF_UP,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_REPLACE,
)
from netlife.kernel.ipv4.if_addr import (
    AF_INET6,
    IFA_F_DADFAILED,
    IFA_F_DEPRECATED,
    IFA_F_NODAD,
    IFA_F_NOPREFIXROUTE,
    IFA_F_OPTIMISTIC,
    IFA_F_PERMANENT,
    IFA_F_TENTATIVE,
    INFINITY_LIFE_TIME,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_SITE,
    RT_SCOPE_UNIVERSE,
    RTM_DELADDR,
    RTM_NEWADDR,
    RTNLGRP_IPV6_IFADDR,
    IfAddrMsg,
    rtnl_notify,
)
from netlife.kernel.netdevice import netdev_hold, netdev_put
from netlife.kernel.notifier import (
    NETDEV_CHANGE,
    NETDEV_CHANGEMTU,
    NETDEV_DOWN,
    NETDEV_REGISTER,
    NETDEV_UNREGISTER,
    NETDEV_UP,
    NOTIFY_DONE,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

IPV6_MIN_MTU = 1280
IN6ADDR_LOOPBACK = ipaddress.IPv6Address("::1")
RTR_SOLICIT_DELAY = HZ  # idev->cnf.rtr_solicit_delay
RETRANS_TIME = HZ  # NEIGH_VAR(nd_parms, RETRANS_TIME)

# ipv6_addr_src_scope values: what ipv6_link_dev_addr orders by
_SRC_SCOPE = {RT_SCOPE_HOST: 0x1, RT_SCOPE_LINK: 0x2, RT_SCOPE_SITE: 0x5, RT_SCOPE_UNIVERSE: 0xE}

EADDRNOTAVAIL = errno.EADDRNOTAVAIL


@dataclass(slots=True, eq=False)
class Inet6Ifaddr:
    """struct inet6_ifaddr: one IPv6 address of a device."""

    idev: Inet6Dev
    addr: ipaddress.IPv6Address
    prefix_len: int
    scope: int
    flags: int
    valid_lft: int = INFINITY_LIFE_TIME
    prefered_lft: int = INFINITY_LIFE_TIME
    rt_priority: int = 0
    tstamp: int = 0
    cstamp: int = 0
    dad_timer: Any = None

    def __repr__(self) -> str:
        return f"<Inet6Ifaddr {self.addr}/{self.prefix_len}>"


@dataclass(slots=True, eq=False)
class Inet6Dev:
    """struct inet6_dev: a device's IPv6 state; holds the device (dev_tracker) until freed."""

    dev: NetDevice
    dev_tracker: Any = None
    addr_list: list[Inet6Ifaddr] = field(default_factory=list)
    if_ready: bool = False  # IF_READY: the link was ready once since up
    dead: bool = False
    addr_gen_mode: int = 0  # IN6_ADDR_GEN_MODE_EUI64

    def __repr__(self) -> str:
        return f"<Inet6Dev {self.dev.name} addrs={len(self.addr_list)}>"


def ipv6_add_dev(dev: NetDevice) -> Inet6Dev | None:
    if dev.mtu < IPV6_MIN_MTU:
        return None
    idev = Inet6Dev(dev)
    idev.dev_tracker = netdev_hold(dev, "ipv6_add_dev")
    dev.ip6_ptr = idev
    return idev


def ipv6_addr_scope(addr: ipaddress.IPv6Address) -> int:
    if addr.is_loopback:
        return RT_SCOPE_HOST
    if addr.is_link_local:
        return RT_SCOPE_LINK
    if addr.is_site_local:
        return RT_SCOPE_SITE
    return RT_SCOPE_UNIVERSE


def addrconf_link_ready(dev: NetDevice) -> bool:
    """netif_oper_up: operstate UP or UNKNOWN."""
    return dev.operstate in (IF_OPER_UP, IF_OPER_UNKNOWN) and dev.carrier


def _route_hooks(kernel: Any) -> Any:
    return kernel.driver_state.get("ipv6_routes")


def ipv6_ifa_notify(event: str, ifp: Inet6Ifaddr) -> None:
    """__ipv6_ifa_notify: the message, then the address's local route (added or removed)."""
    net = ifp.idev.dev.nd_net
    rtnl_notify(net, RTNLGRP_IPV6_IFADDR, lambda: inet6_fill_ifaddr(ifp, event))
    hooks = _route_hooks(net.kernel)
    if hooks is not None:
        if event == RTM_NEWADDR:
            hooks.add_local(ifp)
        else:
            hooks.del_local(ifp)


def ipv6_add_addr(
    idev: Inet6Dev,
    addr: ipaddress.IPv6Address,
    plen: int,
    flags: int,
    valid: int,
    prefered: int,
    metric: int = 0,
) -> Inet6Ifaddr:
    for ifp in idev.addr_list:
        if ifp.addr == addr:
            raise KernelError(EEXIST)
    kernel = idev.dev.kernel
    now = kernel.clock.jiffies
    ifp = Inet6Ifaddr(idev, addr, plen, ipv6_addr_scope(addr), flags | IFA_F_TENTATIVE)
    ifp.valid_lft, ifp.prefered_lft, ifp.rt_priority = valid, prefered, metric
    if valid == INFINITY_LIFE_TIME:
        ifp.flags |= IFA_F_PERMANENT
    ifp.tstamp = ifp.cstamp = now
    scope = _SRC_SCOPE.get(ifp.scope, 0xE)
    pos = len(idev.addr_list)
    for i, other in enumerate(idev.addr_list):
        if scope >= _SRC_SCOPE.get(other.scope, 0xE):
            pos = i
            break
    idev.addr_list.insert(pos, ifp)
    return ifp


def addrconf_prefix_route_of(ifp: Inet6Ifaddr) -> None:
    hooks = _route_hooks(ifp.idev.dev.kernel)
    if hooks is not None and not ifp.flags & IFA_F_NOPREFIXROUTE and ifp.prefix_len < 128:
        hooks.add_prefix(ifp)


def addrconf_dad_start(ifp: Inet6Ifaddr) -> None:
    """addrconf_dad_begin: skipped for NOARP / loopback devices and `nodad`; else the first
    probe after up to rtr_solicit_delay and the verdict one retrans_time later.

    CHOICE: the random first-probe delay is taken at its maximum (1 s), so DAD always
    completes 2 s after it starts: deterministic, and within the kernel's 1-2 s."""
    dev = ifp.idev.dev
    if not dev.flags & IFF_UP:
        return  # addrconf_dad_run restarts it when the device comes up
    if dev.flags & (IFF_NOARP | IFF_LOOPBACK) or ifp.flags & IFA_F_NODAD:
        addrconf_dad_completed(ifp)
        return
    delay = (RTR_SOLICIT_DELAY + RETRANS_TIME) * (NSEC_PER_SEC // HZ)
    ifp.dad_timer = dev.kernel.clock.schedule(
        delay, lambda: addrconf_dad_completed(ifp), "addrconf_dad_work"
    )


def addrconf_dad_completed(ifp: Inet6Ifaddr) -> None:
    ifp.dad_timer = None
    if ifp not in ifp.idev.addr_list:
        return
    ifp.flags &= ~(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED)
    ipv6_ifa_notify(RTM_NEWADDR, ifp)


def ipv6_del_addr(ifp: Inet6Ifaddr) -> None:
    idev = ifp.idev
    if ifp.dad_timer is not None:
        ifp.dad_timer.cancel()
        ifp.dad_timer = None
    idev.addr_list.remove(ifp)
    hooks = _route_hooks(idev.dev.kernel)
    if (
        hooks is not None
        and not ifp.flags & IFA_F_NOPREFIXROUTE
        and ifp.prefix_len < 128
        and not any(o.prefix_len == ifp.prefix_len and _same_prefix(o, ifp) for o in idev.addr_list)
    ):
        hooks.del_prefix(ifp)
    ipv6_ifa_notify(RTM_DELADDR, ifp)


def _same_prefix(a: Inet6Ifaddr, b: Inet6Ifaddr) -> bool:
    net_a = ipaddress.IPv6Network((a.addr, a.prefix_len), strict=False)
    return b.addr in net_a


def eui64_link_local(dev: NetDevice) -> ipaddress.IPv6Address | None:
    """ipv6_generate_eui64 for Ethernet: the MAC with ff:fe inserted and the U/L bit flipped."""
    octets = bytes.fromhex(dev.dev_addr.replace(":", ""))
    if len(octets) != 6 or not any(octets):
        return None
    eui = bytes([octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]])
    return ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui)


def addrconf_dev_config(dev: NetDevice) -> None:
    if dev.type != ARPHRD_ETHER:
        return
    idev = dev.ip6_ptr
    if idev is None or idev.addr_gen_mode != 0:
        return
    hooks = _route_hooks(dev.kernel)
    if hooks is not None:
        hooks.add_mroute(dev)
    addr = eui64_link_local(dev)
    if addr is None:
        return
    try:
        ifp = ipv6_add_addr(idev, addr, 64, IFA_F_PERMANENT, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME)
    except KernelError:
        return
    addrconf_prefix_route_of(ifp)
    addrconf_dad_start(ifp)


def init_loopback(dev: NetDevice) -> None:
    idev = dev.ip6_ptr
    try:
        ifp = ipv6_add_addr(
            idev,
            IN6ADDR_LOOPBACK,
            128,
            IFA_F_PERMANENT,
            INFINITY_LIFE_TIME,
            INFINITY_LIFE_TIME,
        )
    except KernelError:
        return
    ifp.flags &= ~IFA_F_TENTATIVE
    ipv6_ifa_notify(RTM_NEWADDR, ifp)


def addrconf_ifdown(dev: NetDevice, unregister: bool) -> None:
    idev = dev.ip6_ptr
    if idev is None:
        return
    hooks = _route_hooks(dev.kernel)
    if hooks is not None:
        hooks.ifdown(dev)  # rt6_disable_ip: the device's routes go first, with RTM_DELROUTE
    idev.if_ready = False
    for ifp in list(idev.addr_list):
        if ifp.dad_timer is not None:
            ifp.dad_timer.cancel()
            ifp.dad_timer = None
        idev.addr_list.remove(ifp)
        rtnl_notify(dev.nd_net, RTNLGRP_IPV6_IFADDR, partial(inet6_fill_ifaddr, ifp, RTM_DELADDR))
    if unregister:
        idev.dead = True
        dev.ip6_ptr = None

        def in6_dev_finish_destroy() -> None:
            netdev_put(dev, idev.dev_tracker)
            idev.dev_tracker = None

        dev.kernel.clock.call_rcu(in6_dev_finish_destroy)


_ADDRCONF_EVENTS = frozenset(
    (NETDEV_REGISTER, NETDEV_CHANGEMTU, NETDEV_UP, NETDEV_CHANGE, NETDEV_DOWN, NETDEV_UNREGISTER)
)


def addrconf_notify(nb: Any, event: int, info: Any) -> int:
    if event not in _ADDRCONF_EVENTS:
        return NOTIFY_DONE
    dev = info.dev
    idev = dev.ip6_ptr
    if event == NETDEV_REGISTER:
        if idev is None:
            ipv6_add_dev(dev)
    elif event == NETDEV_CHANGEMTU:
        if idev is None and dev.mtu >= IPV6_MIN_MTU:
            ipv6_add_dev(dev)
        elif idev is not None and dev.mtu < IPV6_MIN_MTU:
            addrconf_ifdown(dev, True)
    elif event in (NETDEV_UP, NETDEV_CHANGE):
        if idev is None:
            idev = ipv6_add_dev(dev)
            if idev is None:
                return NOTIFY_DONE
        if not dev.flags & IFF_UP:
            return NOTIFY_DONE
        if event == NETDEV_UP:
            # manual addresses wait for the device: their DAD runs now (addrconf_dad_run)
            for ifp in list(idev.addr_list):
                if ifp.flags & IFA_F_TENTATIVE and ifp.dad_timer is None:
                    addrconf_dad_start(ifp)
        if not addrconf_link_ready(dev) and dev.type != ARPHRD_LOOPBACK:
            return NOTIFY_DONE
        if idev.if_ready:
            return NOTIFY_DONE
        idev.if_ready = True
        if dev.type == ARPHRD_LOOPBACK:
            init_loopback(dev)
        else:
            addrconf_dev_config(dev)
    elif event == NETDEV_DOWN:
        addrconf_ifdown(dev, False)
    elif event == NETDEV_UNREGISTER:
        addrconf_ifdown(dev, True)
    return NOTIFY_DONE


# -- netlink -------------------------------------------------------------------------------------


def inet6_fill_ifaddr(ifp: Inet6Ifaddr, event: str) -> IfAddrMsg:
    now = ifp.idev.dev.kernel.clock.jiffies
    preferred = valid = INFINITY_LIFE_TIME
    if not ifp.flags & IFA_F_PERMANENT:
        preferred, valid = ifp.prefered_lft, ifp.valid_lft
        tval = (now - ifp.tstamp) // HZ
        if preferred != INFINITY_LIFE_TIME:
            preferred = max(preferred - tval, 0)
        if valid != INFINITY_LIFE_TIME:
            valid = max(valid - tval, 0)
    a: dict[str, Any] = {"IFA_ADDRESS": str(ifp.addr)}
    a["IFA_CACHEINFO"] = {
        "ifa_preferred": preferred,
        "ifa_valid": valid,
        "cstamp": ifp.cstamp // 10,
        "tstamp": ifp.tstamp // 10,
    }
    a["IFA_FLAGS"] = ifp.flags
    if ifp.rt_priority:
        a["IFA_RT_PRIORITY"] = ifp.rt_priority
    return IfAddrMsg(
        msg_type=event,
        ifa_family=AF_INET6,
        ifa_prefixlen=ifp.prefix_len,
        ifa_flags=ifp.flags & 0xFF,
        ifa_scope=ifp.scope,
        ifa_index=ifp.idev.dev.ifindex,
        attrs=a,
    )


def _parse(text: Any) -> ipaddress.IPv6Address:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise KernelError(EINVAL) from None


def inet6_rtm_newaddr(net: Net, msg: IfAddrMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    with rtnl_lock(net.kernel):
        tb = msg.attrs
        text = tb.get("IFA_LOCAL") or tb.get("IFA_ADDRESS")
        if text is None:
            raise KernelError(EINVAL)
        addr = _parse(text)
        if msg.ifa_prefixlen > 128:
            raise KernelError(EINVAL, "Invalid prefix length")
        dev = net.dev_get_by_index(msg.ifa_index)
        if dev is None:
            raise KernelError(ENODEV)
        idev = dev.ip6_ptr
        if idev is None:
            idev = ipv6_add_dev(dev)
            if idev is None:
                raise KernelError(ENOENT if dev.mtu < IPV6_MIN_MTU else ENODEV)
        flags = tb.get("IFA_FLAGS", msg.ifa_flags) & (
            IFA_F_NODAD | IFA_F_NOPREFIXROUTE | IFA_F_OPTIMISTIC | 0x100 | 0x400
        )
        valid = prefered = INFINITY_LIFE_TIME
        ci = tb.get("IFA_CACHEINFO")
        if ci is not None:
            valid, prefered = ci.get("ifa_valid", valid), ci.get("ifa_preferred", prefered)
            if not valid or prefered > valid:
                raise KernelError(EINVAL)
        existing = next((i for i in idev.addr_list if i.addr == addr), None)
        if existing is not None:
            if msg.nlmsg_flags & NLM_F_EXCL or not msg.nlmsg_flags & NLM_F_REPLACE:
                raise KernelError(EEXIST)
            existing.valid_lft, existing.prefered_lft = valid, prefered
            existing.flags = (existing.flags & ~(IFA_F_PERMANENT | IFA_F_DEPRECATED)) | flags
            if valid == INFINITY_LIFE_TIME:
                existing.flags |= IFA_F_PERMANENT
            existing.tstamp = net.kernel.clock.jiffies
            if not existing.flags & IFA_F_TENTATIVE:
                ipv6_ifa_notify(RTM_NEWADDR, existing)
            return
        if not msg.nlmsg_flags & NLM_F_CREATE:
            raise KernelError(ENODEV)
        hooks = _route_hooks(net.kernel)
        if hooks is not None and dev.flags & IFF_UP:
            hooks.add_mroute(dev)  # addrconf_add_dev
        ifp = ipv6_add_addr(
            idev, addr, msg.ifa_prefixlen, flags, valid, prefered, tb.get("IFA_RT_PRIORITY", 0)
        )
        addrconf_prefix_route_of(ifp)
        addrconf_dad_start(ifp)


def inet6_rtm_deladdr(net: Net, msg: IfAddrMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    with rtnl_lock(net.kernel):
        tb = msg.attrs
        text = tb.get("IFA_LOCAL") or tb.get("IFA_ADDRESS")
        if text is None:
            raise KernelError(EINVAL)
        addr = _parse(text)
        dev = net.dev_get_by_index(msg.ifa_index)
        if dev is None:
            raise KernelError(ENODEV)
        idev = dev.ip6_ptr
        if idev is None:
            raise KernelError(errno.ENXIO)
        for ifp in idev.addr_list:
            if ifp.addr == addr and ifp.prefix_len == msg.ifa_prefixlen:
                ipv6_del_addr(ifp)
                return
        raise KernelError(EADDRNOTAVAIL, "ipv6: address not found")


def inet6_dump_ifaddr(net: Net, ifindex: int = 0) -> list[IfAddrMsg]:
    out = []
    for dev in net.devices():
        if ifindex and dev.ifindex != ifindex:
            continue
        idev = dev.ip6_ptr
        if idev is None:
            continue
        out.extend(inet6_fill_ifaddr(ifp, RTM_NEWADDR) for ifp in idev.addr_list)
    return out

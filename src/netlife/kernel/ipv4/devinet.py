"""IPv4 device state and addresses: struct in_device, struct in_ifaddr, RTM_*ADDR.

Mirrors net/ipv4/devinet.c: inetdev_init / inetdev_destroy (the in_device holds its device
through a tracked reference until it is freed after an RCU grace period), __inet_insert_ifa
(primary or secondary; a primary goes after the last primary of no wider scope, a secondary at
the end), __inet_del_ifa (secondaries deleted with their primary, or the first one promoted
when promote_secondaries is set), set_ifa_lifetime and check_lifetime (valid and preferred
lifetimes on the virtual clock), inet_rtm_newaddr / inet_rtm_deladdr / inet_dump_ifaddr,
inet_fill_ifaddr, rtmsg_ifa (RTM_NEWADDR / RTM_DELADDR to RTNLGRP_IPV4_IFADDR) and
inetdev_event (loopback gets 127.0.0.1/8 at NETDEV_UP; NETDEV_UNREGISTER destroys the
in_device). Address changes run the inetaddr chain, where fib_frontend.py adds and removes
the local, broadcast and prefix routes.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.clock import HZ, NSEC_PER_SEC
from netlife.kernel.errors import EEXIST, EINVAL, ENODEV, KernelError
from netlife.kernel.if_link import IFF_LOOPBACK, NLM_F_EXCL, NLM_F_REPLACE
from netlife.kernel.ipv4.if_addr import (
    AF_INET,
    IFA_F_DEPRECATED,
    IFA_F_PERMANENT,
    IFA_F_SECONDARY,
    INFINITY_LIFE_TIME,
    RT_SCOPE_HOST,
    RTM_DELADDR,
    RTM_NEWADDR,
    RTNLGRP_IPV4_IFADDR,
    IfAddrMsg,
    rtnl_notify,
)
from netlife.kernel.netdevice import netdev_hold, netdev_put
from netlife.kernel.notifier import (
    NETDEV_CHANGENAME,
    NETDEV_DOWN,
    NETDEV_REGISTER,
    NETDEV_UNREGISTER,
    NETDEV_UP,
    NOTIFY_DONE,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

INADDR_LOOPBACK = 0x7F000001
ADDR_CHECK_FREQUENCY = 120 * HZ
ADDRCONF_TIMER_FUZZ_MINUS = HZ // 50
ADDRCONF_TIMER_FUZZ = HZ // 4
ADDRCONF_TIMER_FUZZ_MAX = HZ

EADDRNOTAVAIL = errno.EADDRNOTAVAIL
ENOBUFS = errno.ENOBUFS


def ip4(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def inet_make_mask(prefixlen: int) -> int:
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF if prefixlen else 0


@dataclass(slots=True, eq=False)
class InIfaddr:
    """struct in_ifaddr: one IPv4 address of a device. Made by inet_alloc_ifa."""

    ifa_dev: InDevice
    ifa_local: int = 0
    ifa_address: int = 0  # the peer for point-to-point, else ifa_local
    ifa_prefixlen: int = 0
    ifa_mask: int = 0
    ifa_broadcast: int = 0
    ifa_scope: int = 0
    ifa_flags: int = 0
    ifa_label: str = ""
    ifa_rt_priority: int = 0
    ifa_proto: int = 0
    ifa_valid_lft: int = INFINITY_LIFE_TIME  # seconds from ifa_tstamp
    ifa_preferred_lft: int = INFINITY_LIFE_TIME
    ifa_tstamp: int = 0  # jiffies of the last lifetime change (set_ifa_lifetime)
    ifa_cstamp: int = 0  # jiffies of creation

    def __repr__(self) -> str:
        return f"<InIfaddr {ip4(self.ifa_local)}/{self.ifa_prefixlen} {self.ifa_label}>"


@dataclass(slots=True, eq=False)
class InDevice:
    """struct in_device: a device's IPv4 state. Holds the device (dev_tracker) until freed.

    Invariant: while not dead, dev.ip_ptr is self; ifa_list holds primaries before the
    secondaries of their subnet."""

    dev: NetDevice
    dev_tracker: Any = None
    ifa_list: list[InIfaddr] = field(default_factory=list)
    dead: bool = False  # set by inetdev_destroy
    cnf: dict[str, int] = field(default_factory=dict)  # ipv4_devconf of this device

    def __repr__(self) -> str:
        return f"<InDevice {self.dev.name} addrs={len(self.ifa_list)}>"


@dataclass(slots=True, eq=False)
class NetnsIpv4:
    """struct netns_ipv4: the FIB tables (fib_frontend.py) and the "all"/"default" devconf."""

    fib_tables: dict[int, Any] = field(default_factory=dict)
    devconf_all: dict[str, int] = field(default_factory=dict)
    devconf_dflt: dict[str, int] = field(default_factory=dict)
    fib_has_custom_rules: bool = False


DEVCONF_DEFAULTS = {"promote_secondaries": 0, "forwarding": 0}


class Ipv4State:
    """Host-wide IPv4 state: the inetaddr notifier chain and the check_lifetime work."""

    def __init__(self) -> None:
        self.inetaddr_chain: list[Any] = []  # callables (event, ifa), registration order
        self.lifetime_timer: Any = None


def ipv4_state(kernel: Any) -> Ipv4State:
    return kernel.driver_state["ipv4"]


def __in_dev_get_rtnl(dev: NetDevice) -> InDevice | None:
    return dev.ip_ptr


def inetdev_init(dev: NetDevice) -> InDevice:
    """Allocate the in_device; it holds the device through its tracker."""
    net = dev.nd_net
    cnf = dict(net.ipv4.devconf_dflt) if net.ipv4 is not None else dict(DEVCONF_DEFAULTS)
    in_dev = InDevice(dev, cnf=cnf)
    in_dev.dev_tracker = netdev_hold(dev, "inetdev_init")
    dev.ip_ptr = in_dev
    return in_dev


def inetdev_destroy(in_dev: InDevice) -> None:
    """Every address goes (RTM_DELADDR, routes through the inetaddr chain); the device
    reference is given back after an RCU grace period (in_dev_finish_destroy)."""
    dev = in_dev.dev
    in_dev.dead = True
    while in_dev.ifa_list:
        inet_del_ifa(in_dev, in_dev.ifa_list[0], destroy=True)
    dev.ip_ptr = None

    def in_dev_finish_destroy() -> None:
        netdev_put(dev, in_dev.dev_tracker)
        in_dev.dev_tracker = None

    dev.kernel.clock.call_rcu(in_dev_finish_destroy)


def inet_ifa_match(addr: int, ifa: InIfaddr) -> bool:
    return not ((addr ^ ifa.ifa_address) & ifa.ifa_mask)


def rtmsg_ifa(event: str, ifa: InIfaddr) -> None:
    net = ifa.ifa_dev.dev.nd_net
    rtnl_notify(net, RTNLGRP_IPV4_IFADDR, lambda: inet_fill_ifaddr(ifa, event))


def inetaddr_notify(kernel: Any, event: int, ifa: InIfaddr) -> None:
    """blocking_notifier_call_chain(&inetaddr_chain, event, ifa)."""
    for call in tuple(ipv4_state(kernel).inetaddr_chain):
        call(event, ifa)


def __inet_insert_ifa(ifa: InIfaddr) -> None:
    in_dev = ifa.ifa_dev
    kernel = in_dev.dev.kernel
    if not ifa.ifa_local:
        raise KernelError(EINVAL)
    ifa.ifa_flags &= ~IFA_F_SECONDARY
    last_primary = 0
    for i, ifa1 in enumerate(in_dev.ifa_list):
        if not ifa1.ifa_flags & IFA_F_SECONDARY and ifa.ifa_scope <= ifa1.ifa_scope:
            last_primary = i + 1
        if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
            if ifa1.ifa_local == ifa.ifa_local:
                raise KernelError(EEXIST, "ipv4: Address already assigned")
            if ifa1.ifa_scope != ifa.ifa_scope:
                raise KernelError(EINVAL, "ipv4: Invalid scope value")
            ifa.ifa_flags |= IFA_F_SECONDARY
    if ifa.ifa_flags & IFA_F_SECONDARY:
        in_dev.ifa_list.append(ifa)
    else:
        in_dev.ifa_list.insert(last_primary, ifa)
    check_lifetime_kick(kernel)
    # "Send message first, then call notifier."
    rtmsg_ifa(RTM_NEWADDR, ifa)
    inetaddr_notify(kernel, NETDEV_UP, ifa)


def inet_del_ifa(in_dev: InDevice, ifa1: InIfaddr, destroy: bool = False) -> None:
    """__inet_del_ifa: secondaries of a deleted primary go too, unless one is promoted."""
    kernel = in_dev.dev.kernel
    promote = None
    do_promote = in_dev.cnf.get("promote_secondaries", 0) or _all_cnf(in_dev, "promote_secondaries")
    if not ifa1.ifa_flags & IFA_F_SECONDARY:
        for ifa in list(in_dev.ifa_list):
            if ifa is ifa1 or not ifa.ifa_flags & IFA_F_SECONDARY:
                continue
            if ifa1.ifa_mask != ifa.ifa_mask or not inet_ifa_match(ifa1.ifa_address, ifa):
                continue
            if ifa.ifa_scope != ifa1.ifa_scope:
                continue
            if not do_promote:
                in_dev.ifa_list.remove(ifa)
                rtmsg_ifa(RTM_DELADDR, ifa)
                inetaddr_notify(kernel, NETDEV_DOWN, ifa)
            elif promote is None:
                promote = ifa
    if ifa1 in in_dev.ifa_list:
        in_dev.ifa_list.remove(ifa1)
    rtmsg_ifa(RTM_DELADDR, ifa1)
    inetaddr_notify(kernel, NETDEV_DOWN, ifa1)
    if promote is not None:
        # the promoted address moves to where the last primary ends
        in_dev.ifa_list.remove(promote)
        pos = 0
        for i, ifa in enumerate(in_dev.ifa_list):
            if not ifa.ifa_flags & IFA_F_SECONDARY and promote.ifa_scope <= ifa.ifa_scope:
                pos = i + 1
        promote.ifa_flags &= ~IFA_F_SECONDARY
        in_dev.ifa_list.insert(pos, promote)
        rtmsg_ifa(RTM_NEWADDR, promote)
        inetaddr_notify(kernel, NETDEV_UP, promote)
        from netlife.kernel.ipv4.fib_frontend import fib_add_ifaddr

        for ifa in in_dev.ifa_list:
            if ifa is promote or ifa1.ifa_mask != ifa.ifa_mask:
                continue
            if inet_ifa_match(ifa1.ifa_address, ifa) and ifa.ifa_flags & IFA_F_SECONDARY:
                fib_add_ifaddr(ifa)


def _all_cnf(in_dev: InDevice, key: str) -> int:
    net = in_dev.dev.nd_net
    return net.ipv4.devconf_all.get(key, 0) if net.ipv4 is not None else 0


def set_ifa_lifetime(ifa: InIfaddr, valid_lft: int, prefered_lft: int, now: int) -> None:
    ifa.ifa_flags &= ~(IFA_F_PERMANENT | IFA_F_DEPRECATED)
    if valid_lft != INFINITY_LIFE_TIME:
        ifa.ifa_valid_lft = valid_lft
    else:
        ifa.ifa_valid_lft = INFINITY_LIFE_TIME
        ifa.ifa_flags |= IFA_F_PERMANENT
    if prefered_lft != INFINITY_LIFE_TIME:
        if prefered_lft == 0:
            ifa.ifa_flags |= IFA_F_DEPRECATED
        ifa.ifa_preferred_lft = prefered_lft
    else:
        ifa.ifa_preferred_lft = INFINITY_LIFE_TIME
    ifa.ifa_tstamp = now
    if not ifa.ifa_cstamp:
        ifa.ifa_cstamp = now


# -- lifetimes ----------------------------------------------------------------------------------


def check_lifetime_kick(kernel: Any) -> None:
    """cancel_delayed_work + queue_delayed_work(check_lifetime_work, 0)."""
    state = ipv4_state(kernel)
    if state.lifetime_timer is not None:
        state.lifetime_timer.cancel()
    state.lifetime_timer = kernel.clock.queue_work(lambda: check_lifetime(kernel), "check_lifetime")


def _jiffies_to_ns(j: int) -> int:
    return j * (NSEC_PER_SEC // HZ)


def round_jiffies_up(j: int) -> int:
    return -(-j // HZ) * HZ


def check_lifetime(kernel: Any) -> None:
    """The check_lifetime work: expire valid lifetimes (RTM_DELADDR), deprecate preferred ones
    (RTM_NEWADDR), and run again at the next expiry (rounded up to a second when close)."""
    state = ipv4_state(kernel)
    state.lifetime_timer = None
    if kernel.rtnl_owner is not None:  # someone holds RTNL: the work item waits its turn
        state.lifetime_timer = kernel.clock.schedule(
            NSEC_PER_SEC // 1000, lambda: check_lifetime(kernel), "check_lifetime"
        )
        return
    now = kernel.clock.jiffies
    nxt = round_jiffies_up(now + ADDR_CHECK_FREQUENCY)
    expired: list[InIfaddr] = []
    deprecate: list[InIfaddr] = []
    for net in kernel.live_nets():
        for dev in net.devices():
            in_dev = dev.ip_ptr
            if in_dev is None:
                continue
            for ifa in in_dev.ifa_list:
                if ifa.ifa_flags & IFA_F_PERMANENT:
                    continue
                age = (now - ifa.ifa_tstamp + ADDRCONF_TIMER_FUZZ_MINUS) // HZ
                if ifa.ifa_valid_lft != INFINITY_LIFE_TIME and age >= ifa.ifa_valid_lft:
                    expired.append(ifa)
                elif ifa.ifa_preferred_lft == INFINITY_LIFE_TIME:
                    continue
                elif age >= ifa.ifa_preferred_lft:
                    end = ifa.ifa_tstamp + ifa.ifa_valid_lft * HZ
                    if ifa.ifa_valid_lft != INFINITY_LIFE_TIME and end < nxt:
                        nxt = end
                    if not ifa.ifa_flags & IFA_F_DEPRECATED:
                        deprecate.append(ifa)
                elif ifa.ifa_tstamp + ifa.ifa_preferred_lft * HZ < nxt:
                    nxt = ifa.ifa_tstamp + ifa.ifa_preferred_lft * HZ
                if ifa.ifa_valid_lft != INFINITY_LIFE_TIME:
                    end = ifa.ifa_tstamp + ifa.ifa_valid_lft * HZ
                    if now < end < nxt:
                        nxt = end
    if expired or deprecate:
        from netlife.kernel.rtnetlink import rtnl_lock

        with rtnl_lock(kernel):
            for ifa in expired:
                if ifa in ifa.ifa_dev.ifa_list:
                    inet_del_ifa(ifa.ifa_dev, ifa)
            for ifa in deprecate:
                if ifa in ifa.ifa_dev.ifa_list:
                    ifa.ifa_flags |= IFA_F_DEPRECATED
                    rtmsg_ifa(RTM_NEWADDR, ifa)
    next_sec = round_jiffies_up(nxt)
    next_sched = next_sec if next_sec < nxt + ADDRCONF_TIMER_FUZZ else nxt
    next_sched = max(next_sched, now + ADDRCONF_TIMER_FUZZ_MAX)
    state.lifetime_timer = kernel.clock.schedule(
        _jiffies_to_ns(next_sched - now), lambda: check_lifetime(kernel), "check_lifetime"
    )


# -- netlink -----------------------------------------------------------------------------------


def inet_fill_ifaddr(ifa: InIfaddr, event: str) -> IfAddrMsg:
    now = ifa.ifa_dev.dev.kernel.clock.jiffies
    a: dict[str, Any] = {}
    if ifa.ifa_address:
        a["IFA_ADDRESS"] = ip4(ifa.ifa_address)
    if ifa.ifa_local:
        a["IFA_LOCAL"] = ip4(ifa.ifa_local)
    if ifa.ifa_broadcast:
        a["IFA_BROADCAST"] = ip4(ifa.ifa_broadcast)
    if ifa.ifa_label:
        a["IFA_LABEL"] = ifa.ifa_label
    if ifa.ifa_proto:
        a["IFA_PROTO"] = ifa.ifa_proto
    a["IFA_FLAGS"] = ifa.ifa_flags
    if ifa.ifa_rt_priority:
        a["IFA_RT_PRIORITY"] = ifa.ifa_rt_priority
    preferred = valid = INFINITY_LIFE_TIME
    if not ifa.ifa_flags & IFA_F_PERMANENT and (
        ifa.ifa_preferred_lft != INFINITY_LIFE_TIME or ifa.ifa_valid_lft != INFINITY_LIFE_TIME
    ):
        preferred, valid = ifa.ifa_preferred_lft, ifa.ifa_valid_lft
        if preferred != INFINITY_LIFE_TIME:
            tval = (now - ifa.ifa_tstamp) // HZ
            preferred = preferred - tval if preferred > tval else 0
            if valid != INFINITY_LIFE_TIME:
                valid = valid - tval if valid > tval else 0
    a["IFA_CACHEINFO"] = {
        "ifa_preferred": preferred,
        "ifa_valid": valid,
        "cstamp": ifa.ifa_cstamp // 10,  # cstamp_delta: hundredths of a second since boot
        "tstamp": ifa.ifa_tstamp // 10,
    }
    return IfAddrMsg(
        msg_type=event,
        ifa_family=AF_INET,
        ifa_prefixlen=ifa.ifa_prefixlen,
        ifa_flags=ifa.ifa_flags & 0xFF,
        ifa_scope=ifa.ifa_scope,
        ifa_index=ifa.ifa_dev.dev.ifindex,
        attrs=a,
    )


def _parse_ip4(text: Any) -> int:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise KernelError(EINVAL) from None


def rtm_to_ifaddr(net: Net, msg: IfAddrMsg) -> tuple[InIfaddr, int, int]:
    tb = msg.attrs
    if msg.ifa_prefixlen > 32:
        raise KernelError(EINVAL, "ipv4: Invalid prefix length")
    if "IFA_LOCAL" not in tb:
        raise KernelError(EINVAL, "ipv4: Local address is not supplied")
    dev = net.dev_get_by_index(msg.ifa_index)
    if dev is None:
        raise KernelError(ENODEV, "ipv4: Device not found")
    in_dev = __in_dev_get_rtnl(dev)
    if in_dev is None:
        raise KernelError(ENOBUFS)
    ifa = InIfaddr(in_dev)
    ifa.ifa_prefixlen = msg.ifa_prefixlen
    ifa.ifa_mask = inet_make_mask(msg.ifa_prefixlen)
    ifa.ifa_flags = tb.get("IFA_FLAGS", msg.ifa_flags) & ~IFA_F_SECONDARY
    ifa.ifa_scope = msg.ifa_scope
    ifa.ifa_local = _parse_ip4(tb["IFA_LOCAL"])
    ifa.ifa_address = _parse_ip4(tb.get("IFA_ADDRESS", tb["IFA_LOCAL"]))
    if "IFA_BROADCAST" in tb:
        ifa.ifa_broadcast = _parse_ip4(tb["IFA_BROADCAST"])
    ifa.ifa_label = tb.get("IFA_LABEL") or dev.name
    ifa.ifa_rt_priority = tb.get("IFA_RT_PRIORITY", 0)
    ifa.ifa_proto = tb.get("IFA_PROTO", 0)
    valid = prefered = INFINITY_LIFE_TIME
    ci = tb.get("IFA_CACHEINFO")
    if ci is not None:
        valid, prefered = ci.get("ifa_valid", valid), ci.get("ifa_preferred", prefered)
        if not valid or prefered > valid:
            raise KernelError(EINVAL, "ipv4: address lifetime invalid")
    return ifa, valid, prefered


def find_matching_ifa(ifa: InIfaddr) -> InIfaddr | None:
    for ifa1 in ifa.ifa_dev.ifa_list:
        if (
            ifa1.ifa_mask == ifa.ifa_mask
            and inet_ifa_match(ifa1.ifa_address, ifa)
            and ifa1.ifa_local == ifa.ifa_local
        ):
            return ifa1
    return None


def inet_rtm_newaddr(net: Net, msg: IfAddrMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    kernel = net.kernel
    with rtnl_lock(kernel):
        ifa, valid, prefered = rtm_to_ifaddr(net, msg)
        now = kernel.clock.jiffies
        old = find_matching_ifa(ifa)
        if old is None:  # created whatever the flags (`ip address change` too)
            set_ifa_lifetime(ifa, valid, prefered, now)
            __inet_insert_ifa(ifa)
            return
        if msg.nlmsg_flags & NLM_F_EXCL or not msg.nlmsg_flags & NLM_F_REPLACE:
            raise KernelError(EEXIST, "ipv4: Address already assigned")
        # NLM_F_REPLACE: the address keeps its place; metric and lifetimes are updated
        if old.ifa_rt_priority != ifa.ifa_rt_priority:
            from netlife.kernel.ipv4.fib_frontend import fib_modify_prefix_metric

            fib_modify_prefix_metric(old, ifa.ifa_rt_priority)
            old.ifa_rt_priority = ifa.ifa_rt_priority
        old.ifa_proto = ifa.ifa_proto
        set_ifa_lifetime(old, valid, prefered, now)
        check_lifetime_kick(kernel)
        rtmsg_ifa(RTM_NEWADDR, old)


def inet_rtm_deladdr(net: Net, msg: IfAddrMsg) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    kernel = net.kernel
    with rtnl_lock(kernel):
        tb = msg.attrs
        dev = net.dev_get_by_index(msg.ifa_index)
        in_dev = dev.ip_ptr if dev is not None else None
        if in_dev is None:
            raise KernelError(ENODEV, "ipv4: Device not found")
        local = _parse_ip4(tb["IFA_LOCAL"]) if "IFA_LOCAL" in tb else None
        address = _parse_ip4(tb["IFA_ADDRESS"]) if "IFA_ADDRESS" in tb else None
        label = tb.get("IFA_LABEL")
        for ifa in list(in_dev.ifa_list):
            if local is not None and ifa.ifa_local != local:
                continue
            if label is not None and ifa.ifa_label != label:
                continue
            if address is not None and (
                msg.ifa_prefixlen != ifa.ifa_prefixlen or not inet_ifa_match(address, ifa)
            ):
                continue
            inet_del_ifa(in_dev, ifa)
            return
        raise KernelError(EADDRNOTAVAIL, "ipv4: Address not found")


def inet_dump_ifaddr(net: Net, ifindex: int = 0) -> list[IfAddrMsg]:
    out = []
    for dev in net.devices():
        if ifindex and dev.ifindex != ifindex:
            continue
        in_dev = dev.ip_ptr
        if in_dev is None:
            continue
        out.extend(inet_fill_ifaddr(ifa, RTM_NEWADDR) for ifa in in_dev.ifa_list)
    return out


# -- the netdevice notifier ----------------------------------------------------------------------


def inetdev_valid_mtu(mtu: int) -> bool:
    return mtu >= 68  # IPV4_MIN_MTU


_INETDEV_EVENTS = frozenset((NETDEV_REGISTER, NETDEV_UP, NETDEV_UNREGISTER, NETDEV_CHANGENAME))


def inetdev_event(nb: Any, event: int, info: Any) -> int:
    if event not in _INETDEV_EVENTS:
        return NOTIFY_DONE
    dev = info.dev
    in_dev = __in_dev_get_rtnl(dev)
    if in_dev is None:
        if event == NETDEV_REGISTER and inetdev_valid_mtu(dev.mtu):
            inetdev_init(dev)
        return NOTIFY_DONE
    if event == NETDEV_UP:
        if not inetdev_valid_mtu(dev.mtu):
            return NOTIFY_DONE
        if dev.flags & IFF_LOOPBACK:
            ifa = InIfaddr(in_dev)
            ifa.ifa_local = ifa.ifa_address = INADDR_LOOPBACK
            ifa.ifa_prefixlen = 8
            ifa.ifa_mask = inet_make_mask(8)
            ifa.ifa_scope = RT_SCOPE_HOST
            ifa.ifa_label = dev.name
            set_ifa_lifetime(ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, dev.kernel.clock.jiffies)
            with contextlib.suppress(KernelError):  # already there: lo went down and up
                __inet_insert_ifa(ifa)
    elif event == NETDEV_UNREGISTER:
        inetdev_destroy(in_dev)
    elif event == NETDEV_CHANGENAME:
        # inetdev_changename: labels "old" and "old:x" follow the new name
        for ifa in in_dev.ifa_list:
            suffix = ifa.ifa_label.partition(":")
            ifa.ifa_label = dev.name + (":" + suffix[2] if suffix[1] else "")
    return NOTIFY_DONE

"""Opening and closing devices, flags, MTU, address, name, carrier and operstate.

Mirrors net/core/dev.c: __dev_open / dev_open, __dev_close_many / dev_close_many / dev_close,
__dev_change_flags / __dev_notify_flags / dev_change_flags, dev_set_mtu, dev_set_mac_address,
dev_change_name, dev_change_tx_queue_len; net/sched/sch_generic.c: netif_carrier_on/off and
attach_default_qdiscs; net/core/link_watch.c: linkwatch_fire_event, rfc2863_policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.dev_addr_lists import dev_set_rx_mode
from netlife.kernel.dev_notify import call_netdevice_notifiers, call_netdevice_notifiers_info
from netlife.kernel.errors import EBUSY, EINVAL, ENODEV, KernelError
from netlife.kernel.if_link import (
    IF_LINK_MODE_DORMANT,
    IF_OPER_DORMANT,
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_UP,
    IFF_ALLMULTI,
    IFF_AUTOMEDIA,
    IFF_BROADCAST,
    IFF_DEBUG,
    IFF_DORMANT,
    IFF_DYNAMIC,
    IFF_ECHO,
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_MASTER,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_NOTRAILERS,
    IFF_POINTOPOINT,
    IFF_PORTSEL,
    IFF_PROMISC,
    IFF_RUNNING,
    IFF_SLAVE,
    IFF_UP,
    RTM_NEWLINK,
)
from netlife.kernel.netdevice import (
    IFF_NO_QUEUE,
    NET_ADDR_SET,
    NETREG_REGISTERED,
    NETREG_UNINITIALIZED,
    NetDevice,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.notifier import (
    NETDEV_CHANGE,
    NETDEV_CHANGE_TX_QUEUE_LEN,
    NETDEV_CHANGEADDR,
    NETDEV_CHANGEMTU,
    NETDEV_CHANGENAME,
    NETDEV_DOWN,
    NETDEV_GOING_DOWN,
    NETDEV_PRE_CHANGEADDR,
    NETDEV_PRE_UP,
    NETDEV_PRECHANGEMTU,
    NETDEV_UP,
    NetdevNotifierInfo,
    notifier_to_errno,
)
from netlife.kernel.rtnetlink import ASSERT_RTNL
from netlife.kernel.rtnl_notify import rtmsg_ifinfo

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel


# -- open / close -----------------------------------------------------------------------------


def __dev_open(dev: NetDevice, extack: list[str] | None = None) -> None:
    ASSERT_RTNL(dev.kernel)
    if not dev.present:
        raise KernelError(ENODEV)
    err = notifier_to_errno(call_netdevice_notifiers(NETDEV_PRE_UP, dev, extack))
    if err:
        raise KernelError(err, extack[0] if extack else None)
    dev.start = True
    if dev.netdev_ops.ndo_open is not None:
        ret = dev.netdev_ops.ndo_open(dev)
        if ret:
            dev.start = False
            raise KernelError(ret)
    dev.flags |= IFF_UP
    dev_set_rx_mode(dev)
    dev_activate(dev)


def dev_activate(dev: NetDevice) -> None:
    """net/sched/sch_generic.c:dev_activate: attach the default qdisc the first time."""
    if dev.qdisc == "noop":
        if dev.priv_flags & IFF_NO_QUEUE:
            dev.qdisc = "noqueue"
        elif dev.real_num_tx_queues > 1:
            dev.qdisc = "mq"
        else:
            dev.qdisc = dev.kernel.sysctl["net.core.default_qdisc"]


def dev_open(dev: NetDevice, extack: list[str] | None = None) -> None:
    if dev.flags & IFF_UP:
        return
    __dev_open(dev, extack)
    rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING)
    call_netdevice_notifiers(NETDEV_UP, dev)


def __dev_close_many(devs: list[NetDevice]) -> None:
    for dev in devs:
        call_netdevice_notifiers(NETDEV_GOING_DOWN, dev)
        dev.start = False
    for dev in devs:
        if dev.netdev_ops.ndo_stop is not None:
            dev.netdev_ops.ndo_stop(dev)
        dev.flags &= ~IFF_UP


def dev_close_many(devs: list[NetDevice], unlink: bool = True) -> None:
    """Close the devices that are up: GOING_DOWN for all, stop all, then NEWLINK+DOWN each."""
    devs = [dev for dev in devs if dev.flags & IFF_UP]
    __dev_close_many(devs)
    for dev in devs:
        rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING)
        call_netdevice_notifiers(NETDEV_DOWN, dev)


def dev_close(dev: NetDevice) -> None:
    if dev.flags & IFF_UP:
        dev_close_many([dev], True)


# -- flags --------------------------------------------------------------------------------------

_SETTABLE = (
    IFF_DEBUG
    | IFF_NOTRAILERS
    | IFF_NOARP
    | IFF_DYNAMIC
    | IFF_MULTICAST
    | IFF_PORTSEL
    | IFF_AUTOMEDIA
)

# include/linux/netdevice.h:IFF_VOLATILE: state bits the driver owns; a flags change keeps them.
IFF_VOLATILE = (
    IFF_LOOPBACK
    | IFF_POINTOPOINT
    | IFF_BROADCAST
    | IFF_ECHO
    | IFF_MASTER
    | IFF_SLAVE
    | IFF_RUNNING
    | IFF_LOWER_UP
    | IFF_DORMANT
)


def dev_get_flags(dev: NetDevice) -> int:
    """net/core/dev.c:dev_get_flags: what userspace sees in ifi_flags."""
    flags = dev.flags & ~(IFF_PROMISC | IFF_ALLMULTI | IFF_RUNNING | (1 << 16) | (1 << 17))
    flags |= dev.gflags & (IFF_PROMISC | IFF_ALLMULTI)  # only what the user set shows
    if dev.start:
        if dev.operstate in (IF_OPER_UP, 0):  # netif_oper_up: UP or UNKNOWN
            flags |= IFF_RUNNING
        if dev.carrier:
            flags |= 1 << 16  # IFF_LOWER_UP
        if dev.operstate == IF_OPER_DORMANT:
            flags |= 1 << 17  # IFF_DORMANT
    return flags


def __dev_change_flags(dev: NetDevice, flags: int, extack: list[str] | None = None) -> None:
    ASSERT_RTNL(dev.kernel)
    old_flags = dev.flags
    dev.flags = (flags & _SETTABLE) | (
        dev.flags & (IFF_UP | IFF_VOLATILE | IFF_PROMISC | IFF_ALLMULTI)
    )
    if (flags ^ dev.gflags) & IFF_PROMISC:
        promisc_flags = dev.flags
        dev.gflags ^= IFF_PROMISC
        # no message of its own: dev_change_flags reports the gflags change
        __dev_set_promiscuity(dev, 1 if flags & IFF_PROMISC else -1, False)
        if dev.flags != promisc_flags:
            dev_set_rx_mode(dev)
    if (flags ^ dev.gflags) & IFF_ALLMULTI:
        dev.gflags ^= IFF_ALLMULTI
        dev_set_allmulti(dev, 1 if flags & IFF_ALLMULTI else -1)
    if (old_flags ^ flags) & IFF_UP:
        if old_flags & IFF_UP:
            __dev_close_many([dev])
        else:
            try:
                __dev_open(dev, extack)
            except KernelError:
                dev.flags = old_flags
                raise


def __dev_notify_flags(dev: NetDevice, old_flags: int, gchanges: int) -> None:
    changes = dev.flags ^ old_flags
    if gchanges:
        rtmsg_ifinfo(RTM_NEWLINK, dev, gchanges)
    if changes & IFF_UP:
        call_netdevice_notifiers(NETDEV_UP if dev.flags & IFF_UP else NETDEV_DOWN, dev)
    if dev.flags & IFF_UP and changes & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE):
        call_netdevice_notifiers(NETDEV_CHANGE, dev)


def dev_change_flags(dev: NetDevice, flags: int, extack: list[str] | None = None) -> None:
    """net/core/dev.c:netif_change_flags: the message reports changes of flags and gflags."""
    old_flags, old_gflags = dev.flags, dev.gflags
    __dev_change_flags(dev, flags, extack)
    __dev_notify_flags(dev, old_flags, (old_flags ^ dev.flags) | (old_gflags ^ dev.gflags))


# -- mtu, address, name, txqlen ---------------------------------------------------------------


def dev_validate_mtu(dev: NetDevice, new_mtu: int) -> None:
    if new_mtu < 0 or new_mtu < dev.min_mtu:
        raise KernelError(EINVAL, "mtu less than device minimum")
    if dev.max_mtu > 0 and new_mtu > dev.max_mtu:
        raise KernelError(EINVAL, "mtu greater than device maximum")


def dev_set_mtu(dev: NetDevice, new_mtu: int) -> None:
    """net/core/dev.c:netif_set_mtu_ext: validate, PRECHANGEMTU (vetoable), set, CHANGEMTU."""
    ASSERT_RTNL(dev.kernel)
    if new_mtu == dev.mtu:
        return
    dev_validate_mtu(dev, new_mtu)
    if not dev.present:
        raise KernelError(ENODEV)
    info = NetdevNotifierInfo(dev, old_mtu=dev.mtu)
    err = notifier_to_errno(call_netdevice_notifiers_info(NETDEV_PRECHANGEMTU, info))
    if err:
        raise KernelError(err)
    old = dev.mtu
    if dev.netdev_ops.ndo_change_mtu is not None:
        ret = dev.netdev_ops.ndo_change_mtu(dev, new_mtu)
        if ret:
            raise KernelError(ret)
    else:
        dev.mtu = new_mtu
    info = NetdevNotifierInfo(dev, old_mtu=old)
    err = notifier_to_errno(call_netdevice_notifiers_info(NETDEV_CHANGEMTU, info))
    if err:  # a CHANGEMTU veto rolls the MTU back (call_netdevice_notifiers_mtu's caller)
        dev.mtu = old
        call_netdevice_notifiers_info(NETDEV_CHANGEMTU, NetdevNotifierInfo(dev, old_mtu=new_mtu))
        raise KernelError(err)


def dev_set_mac_address(dev: NetDevice, addr: str, extack: list[str] | None = None) -> None:
    ASSERT_RTNL(dev.kernel)
    if dev.netdev_ops.ndo_set_mac_address is None and dev.type != 1:
        raise KernelError(-95)
    if not dev.present:
        raise KernelError(ENODEV)
    err = notifier_to_errno(call_netdevice_notifiers(NETDEV_PRE_CHANGEADDR, dev, extack))
    if err:
        raise KernelError(err, extack[0] if extack else None)
    if dev.netdev_ops.ndo_set_mac_address is not None:
        ret = dev.netdev_ops.ndo_set_mac_address(dev, addr)
        if ret:
            raise KernelError(ret)
    else:  # eth_mac_addr: eth_prepare_mac_addr_change, then eth_commit_mac_addr_change
        if dev.start and not (dev.priv_flags & (1 << 15)):
            raise KernelError(EBUSY)
        if addr == "00:00:00:00:00:00" or int(addr[:2], 16) & 1:  # !is_valid_ether_addr
            raise KernelError(-99)  # -EADDRNOTAVAIL
        dev.dev_addr = addr
    dev.addr_assign_type = NET_ADDR_SET
    call_netdevice_notifiers(NETDEV_CHANGEADDR, dev)


def dev_change_name(dev: NetDevice, newname: str) -> None:
    """net/core/dev.c:netif_change_name (renaming an up device is allowed since v6.2)."""
    from netlife.kernel.dev import dev_get_valid_name

    ASSERT_RTNL(dev.kernel)
    if newname == dev.name:
        return
    net = dev.nd_net
    name = dev_get_valid_name(net, newname)
    old = dev.name
    net.name_hash.pop(old, None)
    dev.name = name
    net.name_hash[name] = dev
    ret = notifier_to_errno(call_netdevice_notifiers(NETDEV_CHANGENAME, dev))
    if ret:
        net.name_hash.pop(name, None)
        dev.name = old
        net.name_hash[old] = dev
        call_netdevice_notifiers(NETDEV_CHANGENAME, dev)
        raise KernelError(ret)


def dev_change_tx_queue_len(dev: NetDevice, new_len: int) -> None:
    if new_len != dev.tx_queue_len:
        old = dev.tx_queue_len
        dev.tx_queue_len = new_len
        err = notifier_to_errno(call_netdevice_notifiers(NETDEV_CHANGE_TX_QUEUE_LEN, dev))
        if err:
            dev.tx_queue_len = old
            raise KernelError(err)


# -- carrier and operstate --------------------------------------------------------------------


def netif_carrier_on(dev: NetDevice) -> None:
    if not dev.carrier:
        dev.carrier = True
        if dev.reg_state == NETREG_UNINITIALIZED:
            return
        dev.carrier_up_count += 1
        linkwatch_fire_event(dev)


def netif_carrier_off(dev: NetDevice) -> None:
    if dev.carrier:
        dev.carrier = False
        if dev.reg_state == NETREG_UNINITIALIZED:
            return
        dev.carrier_down_count += 1
        linkwatch_fire_event(dev)


def linkwatch_fire_event(dev: NetDevice) -> None:
    """net/core/link_watch.c: queue the device (holding a reference) for the linkwatch work.

    CHOICE: the work runs at the current virtual instant, as soon as the clock next runs (the
    kernel delays non-urgent events by up to a second); see docs/choices.md.
    """
    if dev.linkwatch_pending:
        return
    kernel = dev.kernel
    dev.linkwatch_pending = netdev_hold(dev, "linkwatch_add_event")
    kernel.linkwatch_list[dev] = None
    if not kernel.linkwatch_scheduled:
        kernel.linkwatch_scheduled = True
        kernel.clock.queue_work(lambda: linkwatch_event(kernel), "linkwatch_event")


def linkwatch_event(kernel: Kernel) -> None:
    from netlife.kernel.rtnetlink import rtnl_lock

    kernel.linkwatch_scheduled = False
    if kernel.rtnl_owner is not None:  # someone holds RTNL: the work item waits its turn
        kernel.linkwatch_scheduled = True
        kernel.clock.schedule(1_000_000, lambda: linkwatch_event(kernel), "linkwatch_event")
        return
    with rtnl_lock(kernel):
        linkwatch_run_queue(kernel)


def linkwatch_run_queue(kernel: Kernel) -> None:
    pending, kernel.linkwatch_list = kernel.linkwatch_list, {}
    for dev in pending:
        linkwatch_do_dev(dev)


def linkwatch_sync_dev(dev: NetDevice) -> None:
    """Run this device's pending event now (netdev_run_todo, before waiting for references)."""
    kernel = dev.kernel
    if dev.linkwatch_pending and kernel.linkwatch_list.pop(dev, True) is None:
        linkwatch_do_dev(dev)


def linkwatch_do_dev(dev: NetDevice) -> None:
    tracker = dev.linkwatch_pending
    dev.linkwatch_pending = False
    rfc2863_policy(dev)
    if dev.flags & IFF_UP and dev.reg_state == NETREG_REGISTERED:
        netdev_state_change(dev)
    netdev_put(dev, tracker)


def default_operstate(dev: NetDevice) -> int:
    if not dev.carrier:
        iflink = dev_get_iflink(dev)
        if iflink == dev.ifindex:
            return IF_OPER_DOWN
        peer = dev.nd_net.dev_get_by_index(iflink)
        if peer is None:
            return IF_OPER_DOWN
        return IF_OPER_DOWN if peer.carrier else IF_OPER_LOWERLAYERDOWN
    return IF_OPER_UP


def rfc2863_policy(dev: NetDevice) -> None:
    operstate = default_operstate(dev)
    if operstate == dev.operstate:
        return
    if dev.link_mode == IF_LINK_MODE_DORMANT and operstate == IF_OPER_UP:
        operstate = IF_OPER_DORMANT
    dev.operstate = operstate


def dev_get_iflink(dev: NetDevice) -> int:
    if dev.netdev_ops.ndo_get_iflink is not None:
        return dev.netdev_ops.ndo_get_iflink(dev)
    return dev.ifindex


def netdev_state_change(dev: NetDevice) -> None:
    """net/core/dev.c:netif_state_change: NETDEV_CHANGE and RTM_NEWLINK for an up device."""
    if dev.flags & IFF_UP:
        call_netdevice_notifiers(NETDEV_CHANGE, dev)
        rtmsg_ifinfo(RTM_NEWLINK, dev, 0)


def netif_oper_up(dev: NetDevice) -> bool:
    """include/linux/netdevice.h:netif_oper_up: operstate UP or UNKNOWN."""
    return dev.operstate in (IF_OPER_UP, 0)


def netif_stacked_transfer_operstate(rootdev: NetDevice, dev: NetDevice) -> None:
    """net/core/dev.c: a stacked device (macvlan, VLAN) takes its lower's carrier.

    The kernel also copies the dormant and testing bits; the model has no such states.
    """
    if rootdev.carrier:
        netif_carrier_on(dev)
    else:
        netif_carrier_off(dev)


def dev_set_promiscuity(dev: NetDevice, inc: int) -> None:
    """net/core/dev.c:netif_set_promiscuity: count users; IFF_PROMISC while any; the dmesg
    line when the flag flips; RTM_NEWLINK (change IFF_PROMISC) on every call."""
    old_flags = dev.flags
    __dev_set_promiscuity(dev, inc, True)
    if dev.flags != old_flags:
        dev_set_rx_mode(dev)


def __dev_set_promiscuity(dev: NetDevice, inc: int, notify: bool) -> None:
    """net/core/dev.c:__dev_set_promiscuity. With notify, __dev_notify_flags(dev, old_flags,
    IFF_PROMISC) sends RTM_NEWLINK whether or not the flag flipped; without (the receive-mode
    reference of __dev_set_rx_mode, a user's `promisc on` in __dev_change_flags), nothing."""
    old_flags = dev.flags
    dev.promiscuity = max(dev.promiscuity + inc, 0)
    if dev.promiscuity:
        dev.flags |= IFF_PROMISC
    else:
        dev.flags &= ~IFF_PROMISC
    if dev.flags != old_flags:
        word = "entered" if dev.flags & IFF_PROMISC else "left"
        dev.kernel.printk.pr_info(f"{netdev_prefix(dev)}: {word} promiscuous mode")
    if notify:
        __dev_notify_flags(dev, old_flags, IFF_PROMISC)


def dev_set_allmulti(dev: NetDevice, inc: int) -> None:
    """net/core/dev.c:__dev_set_allmulti: as promiscuity, without a netlink message."""
    old_flags = dev.flags
    dev.allmulti = max(dev.allmulti + inc, 0)
    if dev.allmulti:
        dev.flags |= IFF_ALLMULTI
    else:
        dev.flags &= ~IFF_ALLMULTI
    if dev.flags != old_flags:
        word = "entered" if dev.flags & IFF_ALLMULTI else "left"
        dev.kernel.printk.pr_info(f"{netdev_prefix(dev)}: {word} allmulticast mode")


def netdev_prefix(dev: NetDevice) -> str:
    """net/core/dev.c:__netdev_printk: "DRIVER BUS-ID NAME" for a device with a parent, else
    the name, with " (unregistering)" while NETREG_UNREGISTERING (netdev_reg_state)."""
    from netlife.kernel.netdevice import NETREG_UNREGISTERING

    name = dev.name + (" (unregistering)" if dev.reg_state == NETREG_UNREGISTERING else "")
    parent = dev.parent
    if parent is not None and getattr(parent, "driver", None) is not None:
        return f"{parent.driver.name} {parent.name} {name}"
    return name

"""Registration and unregistration of network devices.

Mirrors net/core/dev.c: register_netdevice() step by step with its unwind ladder,
register_netdev(), unregister_netdevice_queue() / _many() / _many_notify(), unregister_netdev()
and net_set_todo(). The todo phase after RTNL is released is in dev_todo.py; open/close and
flags in dev_flags.py; upper/lower adjacency in dev_adjacency.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.dev_flags import dev_close_many
from netlife.kernel.dev_notify import call_netdevice_notifiers
from netlife.kernel.errors import EEXIST, EINVAL, EIO, ENFILE, KernelError
from netlife.kernel.if_link import IFF_UP, RTM_DELLINK, RTM_NEWLINK
from netlife.kernel.netdev_features import netdev_register_features
from netlife.kernel.netdevice import (
    NETREG_REGISTERED,
    NETREG_UNINITIALIZED,
    NETREG_UNREGISTERING,
    STALE_UNREG_LIST,
    NetDevice,
    dev_valid_name,
    get_device,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.notifier import (
    NETDEV_POST_INIT,
    NETDEV_PRE_UNINIT,
    NETDEV_REGISTER,
    NETDEV_UNREGISTER,
    notifier_to_errno,
)
from netlife.kernel.rtnetlink import ASSERT_RTNL, rtnl_lock
from netlife.kernel.rtnl_notify import rtmsg_ifinfo, rtnl_build_ifinfo, rtnl_send

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.if_link import IfInfoMsg
    from netlife.kernel.net_namespace import Net

MAX_ALLOC_NAME = 8 * 4096  # __dev_alloc_name: 8 * PAGE_SIZE numbers


# -- names ------------------------------------------------------------------------------------


def __dev_alloc_name(net: Net, pattern: str) -> str:
    """net/core/dev.c:__dev_alloc_name: the lowest free number for a "%d" pattern."""
    if pattern.count("%") != 1 or "%d" not in pattern:
        raise KernelError(EINVAL)
    prefix, _, suffix = pattern.partition("%d")
    used: set[int] = set()
    for name in net.name_hash:  # primary names and altnames
        if name.startswith(prefix) and name.endswith(suffix):
            digits = name[len(prefix) : len(name) - len(suffix)] if suffix else name[len(prefix) :]
            if digits.isdigit() and str(int(digits)) == digits and int(digits) < MAX_ALLOC_NAME:
                used.add(int(digits))
    for i in range(MAX_ALLOC_NAME):
        if i not in used:
            name = (prefix + str(i) + suffix).encode()[:15].decode(errors="ignore")
            if name in net.name_hash:
                continue  # truncated into an existing name; the kernel re-checks too
            return name
    raise KernelError(ENFILE)


def dev_alloc_name(dev: NetDevice, pattern: str) -> str:
    """The driver-facing helper: -ENFILE where a fixed name already exists."""
    name = dev_get_valid_name(dev.nd_net, pattern, fixed_exists=ENFILE)
    dev.name = name
    return name


def dev_get_valid_name(net: Net, name: str, fixed_exists: int = EEXIST) -> str:
    """net/core/dev.c:dev_get_valid_name / dev_prep_valid_name."""
    if not dev_valid_name(name):
        raise KernelError(EINVAL)
    if "%" in name:
        return __dev_alloc_name(net, name)
    if name in net.name_hash:
        raise KernelError(fixed_exists)
    return name


# -- register ---------------------------------------------------------------------------------


def register_netdevice(dev: NetDevice) -> None:
    """net/core/dev.c:register_netdevice. Raises KernelError; the device is then UNINITIALIZED
    (unwound) or, after a NETDEV_REGISTER veto, UNREGISTERING with its unregister queued."""
    kernel = dev.kernel
    ASSERT_RTNL(kernel)
    if dev.reg_state != NETREG_UNINITIALIZED:  # the message is built only for the BUG
        kernel.printk.BUG_ON(
            True,
            "register-not-uninitialized",
            f"register_netdevice({dev.name}) in state {dev.reg_state.name}",
        )
    net = dev.nd_net
    # 3: name validation and %d resolution; nothing to undo on failure.
    dev.name = dev_get_valid_name(net, dev.name)
    # 5: ndo_init; failure undoes nothing (no ndo_uninit, no priv_destructor).
    ops = dev.netdev_ops
    if ops.ndo_init is not None:
        ret = ops.ndo_init(dev)
        if ret:
            raise KernelError(ret if ret < 0 else -EIO)
    # 8: ifindex (rung U1 on failure: uninit + destructor).
    try:
        dev.ifindex = net.dev_index_reserve(dev.ifindex)
    except KernelError:
        _register_unwind_u1(dev)
        raise
    # 9: features (netdev_register_features: soft offloads, wanted, the first update).
    netdev_register_features(dev)
    # 10: NETDEV_POST_INIT (rung U3: release the index, then U1).
    err = notifier_to_errno(call_netdevice_notifiers(NETDEV_POST_INIT, dev))
    if err:
        net.dev_index_release(dev.ifindex)
        dev.ifindex = 0
        _register_unwind_u1(dev)
        raise KernelError(err)
    # 11-12: sysfs device (kobject count 1) and the state change.
    get_device(dev)
    dev.reg_state = NETREG_REGISTERED
    # 13-15: present, the registered reference, visible to lookups.
    dev.present = True
    dev.dev_registered_tracker = netdev_hold(dev, "register_netdevice")
    net.list_netdevice(dev)
    if dev.perm_addr is None and dev.addr_assign_type == 0:
        dev.perm_addr = dev.dev_addr
    # 17: NETDEV_REGISTER; a veto runs the whole unregister now and frees at the todo.
    err = notifier_to_errno(call_netdevice_notifiers(NETDEV_REGISTER, dev))
    if err:
        dev.needs_free_netdev = False
        unregister_netdevice_queue(dev, None)
        raise KernelError(err)
    # 18: userspace hears of it now, unless rtnetlink is still configuring it.
    if not (dev.rtnl_link_ops is not None and dev.rtnl_link_initializing):
        rtmsg_ifinfo(RTM_NEWLINK, dev, ~0)
    kernel.trace("register", dev)


def _register_unwind_u1(dev: NetDevice) -> None:
    """Rung U1 of register_netdevice's unwind: ndo_uninit, then priv_destructor, under RTNL."""
    if dev.netdev_ops.ndo_uninit is not None:
        dev.netdev_ops.ndo_uninit(dev)
    if dev.priv_destructor is not None:
        dev.priv_destructor(dev)


def register_netdev(dev: NetDevice) -> None:
    """Take RTNL, register_netdevice, release RTNL (which runs the todo)."""
    with rtnl_lock(dev.kernel):
        register_netdevice(dev)


# -- unregister -------------------------------------------------------------------------------


def unregister_netdevice_queue(dev: NetDevice, head: list[NetDevice] | None) -> None:
    """Append dev to the caller's batch (moving it off any other batch), or unregister it now."""
    ASSERT_RTNL(dev.kernel)
    if head is None:
        unregister_netdevice_many(dev.kernel, [dev])
        return
    old = dev.unreg_list
    if isinstance(old, list) and dev in old:
        old.remove(dev)  # list_move_tail: off any batch it was on (an outer one included)
    head.append(dev)
    dev.unreg_list = head


def unregister_netdevice(dev: NetDevice) -> None:
    unregister_netdevice_queue(dev, None)


def unregister_netdevice_queued(dev: NetDevice) -> bool:
    """include/linux/netdevice.h (2026): unreg_list is not empty."""
    return dev.unreg_list is not None


def unregister_netdev(dev: NetDevice) -> None:
    """Take RTNL, unregister, release RTNL: returns after the device's references are gone."""
    with rtnl_lock(dev.kernel):
        unregister_netdevice(dev)


def unregister_netdevice_many(kernel: Kernel, head: list[NetDevice]) -> None:
    unregister_netdevice_many_notify(kernel, head, 0, None)


def unregister_netdevice_many_notify(
    kernel: Kernel, head: list[NetDevice], portid: int, nlh: IfInfoMsg | None
) -> None:
    """net/core/dev.c:unregister_netdevice_many_notify, RTNL held. Never waits for references.

    The sequence: (1) drop never-registered devices with a WARN, BUG on anything not
    REGISTERED, mark dismantle; (2) close the ones that are up; (3) unlist, UNREGISTERING;
    (4) synchronize_net; (5) per device: providers uninstalled, NETDEV_UNREGISTER (cascades
    nest here), RTM_DELLINK built, PRE_UNINIT, ndo_uninit, RTM_DELLINK sent, adjacency WARNs,
    sysfs removed; (6) synchronize_net; (7) registered reference dropped, net_set_todo.
    """
    ASSERT_RTNL(kernel)
    if not head:
        return
    batch: list[NetDevice] = []
    for dev in head:
        reg_state = dev.reg_state
        if reg_state == NETREG_UNINITIALIZED:  # the message is built only for the WARN
            kernel.printk.WARN_ON(
                True,
                "unregister-uninitialized",
                f"unregister_netdevice: device {dev.name}/{dev.ifindex} never was registered",
            )
            dev.unreg_list = None
            continue
        dev.dismantle = True
        if reg_state != NETREG_REGISTERED:
            kernel.printk.BUG_ON(
                True,
                "unregister-not-registered",
                f"unregister_netdevice: {dev.name} is {dev.reg_state.name}",
            )
        batch.append(dev)
    # The caller's list head is consumed: nested batches may now queue these devices' friends.
    head.clear()

    up = [dev for dev in batch if dev.flags & IFF_UP]
    if up:
        locked = [dev for dev in up if dev.request_ops_lock or dev.queue_mgmt_ops is not None]
        if locked:
            dev_close_many(locked, True)
        others = [dev for dev in up if not (dev.request_ops_lock or dev.queue_mgmt_ops)]
        if others:
            dev_close_many(others, True)

    for dev in batch:
        dev.nd_net.unlist_netdevice(dev)
        dev.reg_state = NETREG_UNREGISTERING
    kernel.synchronize_net()

    for dev in batch:
        dev.qdisc = "noop"  # dev_shutdown: the qdiscs go before NETDEV_UNREGISTER
        kernel.dev_memory_provider_uninstall(dev)
        call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
        skb = None
        if not (dev.rtnl_link_ops is not None and dev.rtnl_link_initializing):
            skb = rtnl_build_ifinfo(RTM_DELLINK, dev, ~0, portid, nlh)
        dev.altnames = ()
        call_netdevice_notifiers(NETDEV_PRE_UNINIT, dev)
        if dev.netdev_ops.ndo_uninit is not None:
            dev.netdev_ops.ndo_uninit(dev)
        if skb is not None:
            rtnl_send(dev.nd_net, skb)
        if dev.adj_upper or dev.adj_lower:  # messages built only when a WARN fires
            kernel.printk.WARN_ON(
                bool(dev.adj_upper),
                "upper-left-after-unregister",
                f"{dev.name}: upper devices still linked: "
                + ", ".join(u.name for u in dev.adj_upper),
            )
            kernel.printk.WARN_ON(
                bool(dev.adj_lower),
                "lower-left-after-unregister",
                f"{dev.name}: lower devices still linked: "
                + ", ".join(u.name for u in dev.adj_lower),
            )
        get_device(dev)  # netdev_unregister_kobject: the extra kobject ref, dropped in the todo
        kernel.trace("unregister", dev)

    kernel.synchronize_net()
    stale = STALE_UNREG_LIST if len(batch) > 1 else None
    for dev in batch:
        netdev_put(dev, dev.dev_registered_tracker)
        dev.dev_registered_tracker = None
        net_set_todo(kernel, dev)
        dev.unreg_list = stale
    kernel.dev_unreg_count += len(batch)


def net_set_todo(kernel: Kernel, dev: NetDevice) -> None:
    kernel.net_todo_list.append(dev)
    dev.todo = True


# -- rx handlers ------------------------------------------------------------------------------


def netdev_is_rx_handler_busy(dev: NetDevice) -> bool:
    """net/core/dev.c: a device has at most one rx_handler (macvlan port, bridge port ...)."""
    ASSERT_RTNL(dev.kernel)
    return dev.rx_handler is not None


def netdev_rx_handler_register(dev: NetDevice, rx_handler_data: object) -> None:
    """net/core/dev.c:netdev_rx_handler_register: -EBUSY when another handler is installed.

    The model keeps only rx_handler_data (the port structure); the handler function itself
    carries no lifetime state.
    """
    from netlife.kernel.errors import EBUSY

    if netdev_is_rx_handler_busy(dev):
        raise KernelError(EBUSY)
    dev.rx_handler = rx_handler_data


def netdev_rx_handler_unregister(dev: NetDevice) -> None:
    ASSERT_RTNL(dev.kernel)
    dev.rx_handler = None


__all__ = [
    "NETREG_UNREGISTERING",
    "dev_alloc_name",
    "dev_get_valid_name",
    "netdev_is_rx_handler_busy",
    "netdev_rx_handler_register",
    "netdev_rx_handler_unregister",
    "register_netdev",
    "register_netdevice",
    "unregister_netdev",
    "unregister_netdevice",
    "unregister_netdevice_many",
    "unregister_netdevice_many_notify",
    "unregister_netdevice_queue",
    "unregister_netdevice_queued",
]

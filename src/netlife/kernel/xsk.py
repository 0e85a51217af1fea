"""AF_XDP sockets: bind to a device queue, through a netkit lease to the physical queue.

Mirrors net/xdp/xsk.c (xsk_create, xsk_bind, xsk_unbind_dev, xsk_release, xsk_notifier,
xsk_reg_pool_at_qid / xsk_clear_pool_at_qid proxied through a lease) and
net/xdp/xsk_buff_pool.c (xp_assign_dev, xp_clear_dev, xp_put_pool with its deferred release).

References, as in the kernel: bind holds an untracked reference on the bound device
(dev_get_by_index, dropped by xsk_unbind_dev) and the buffer pool another one (dev_hold in
xp_assign_dev, dropped by xp_clear_dev). Bound through netkit, both are on the netkit device;
the pool itself sits on the leased physical queue. Sockets carry only what lifetime needs: no
rings, UMEM pages or packets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from netlife.kernel.dev_notify import register_netdevice_notifier
from netlife.kernel.errors import EBUSY, EINVAL, ENETDOWN, ENODEV, EOPNOTSUPP, KernelError
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.netdevice import NetDevice, dev_hold, dev_put
from netlife.kernel.notifier import NETDEV_UNREGISTER, NOTIFY_DONE, NotifierBlock
from netlife.kernel.queue_lease import NETIF_VIRT_TO_PHYS, __netif_get_rx_queue_lease
from netlife.kernel.rtnetlink import rtnl_lock
from netlife.kernel.rules import _rule

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

# include/uapi/linux/if_xdp.h: sxdp_flags
XDP_SHARED_UMEM = 1 << 0
XDP_COPY = 1 << 1
XDP_ZEROCOPY = 1 << 2
XDP_USE_NEED_WAKEUP = 1 << 3
XDP_USE_SG = 1 << 4

# include/linux/netdevice.h: enum bpf_netdev_command (the two the model uses)
XDP_SETUP_PROG = 0
XDP_SETUP_XSK_POOL = 5

_rule(
    "xsk-disable-zc",
    "WARN",
    "net/xdp/xsk_buff_pool.c:xp_disable_drv_zc",
    "the driver accepts taking a zero-copy pool off its queue",
    'net/xdp/xsk_buff_pool.c:xp_disable_drv_zc: WARN(1, "Failed to disable zero-copy!")',
)
_rule(
    "xsk-clear-pool-lease",
    "WARN",
    "net/xdp/xsk.c:xsk_clear_pool_at_qid",
    "a pool registered through a lease is cleared through the same lease",
    "net/xdp/xsk.c:xsk_clear_pool_at_qid: WARN_ON_ONCE(!netif_get_rx_queue_lease_locked())",
)


@dataclass(slots=True)
class NetdevBpf:
    """struct netdev_bpf, for XDP_SETUP_XSK_POOL (pool None takes the pool off the queue).

    A driver's ndo_bpf(dev, NetdevBpf) returns 0 or -errno.
    """

    command: int
    pool: Any
    queue_id: int


class XskState(Enum):
    """xs->state."""

    XSK_READY = 0  # xsk_create
    XSK_BOUND = 1  # xsk_bind
    XSK_UNBOUND = 2  # xsk_unbind_dev


@dataclass(slots=True, eq=False)
class XskBuffPool:
    """struct xsk_buff_pool: registered at one queue; holds the device while netdev is set."""

    netdev: NetDevice | None = None
    queue_id: int = 0
    zc: bool = False  # umem->zc: the driver took the pool (zero-copy)
    users: int = 1


@dataclass(slots=True, eq=False)
class XdpSock:
    """struct xdp_sock. `owner` names the process holding it (model-only, for explanations);
    `sk_error_report` is the socket's wake-up of that process (sk->sk_error_report)."""

    net: Net
    state: XskState = XskState.XSK_READY
    dev: NetDevice | None = None  # kept after unbind, as the kernel does
    queue_id: int = 0
    pool: XskBuffPool | None = None
    zc: bool = False
    sk_err: int = 0
    dead: bool = False  # SOCK_DEAD: released by its file
    owner: str | None = None
    owner_pid: int | None = None  # the process to end to release it
    sk_error_report: Callable[[XdpSock], None] | None = None


# -- pools at queues ----------------------------------------------------------------------------


def xsk_get_pool_from_qid(dev: NetDevice, queue_id: int) -> XskBuffPool | None:
    if queue_id < dev.real_num_rx_queues:
        return netif_get_rx_queue(dev, queue_id).pool
    return None


def xsk_reg_pool_at_qid(dev: NetDevice, pool: XskBuffPool, queue_id: int) -> None:
    """Register at the queue, or at the physical queue it leases. CHOICE: pools live on RX
    queues only (the model has no TX queue objects)."""
    if queue_id >= max(dev.real_num_rx_queues, dev.real_num_tx_queues):
        raise KernelError(EINVAL)
    if queue_id < dev.real_num_rx_queues:
        rxq, target, idx = __netif_get_rx_queue_lease(dev, queue_id, NETIF_VIRT_TO_PHYS)
        if rxq is None:
            raise KernelError(EBUSY)  # a physical queue leased to a virtual device
        if xsk_get_pool_from_qid(target, idx) is not None:
            raise KernelError(EBUSY)
        rxq.pool = pool


def xsk_clear_pool_at_qid(dev: NetDevice, queue_id: int) -> None:
    if queue_id < dev.real_num_rx_queues:
        rxq, _, _ = __netif_get_rx_queue_lease(dev, queue_id, NETIF_VIRT_TO_PHYS)
        if dev.kernel.printk.WARN_ON(rxq is None, "xsk-clear-pool-lease", dev.name):
            return
        rxq.pool = None


def xp_assign_dev(pool: XskBuffPool, netdev: NetDevice, queue_id: int, flags: int) -> None:
    """Register the pool and hold the device; offer zero-copy to the driver (falling back to
    copy mode unless XDP_ZEROCOPY was asked for)."""
    force_zc = bool(flags & XDP_ZEROCOPY)
    force_copy = bool(flags & XDP_COPY)
    if force_zc and force_copy:
        raise KernelError(EINVAL)
    if xsk_get_pool_from_qid(netdev, queue_id) is not None:
        raise KernelError(EBUSY)
    pool.netdev, pool.queue_id = netdev, queue_id
    xsk_reg_pool_at_qid(netdev, pool, queue_id)
    dev_hold(netdev)
    if force_copy:
        return
    err = -EOPNOTSUPP
    if netdev.netdev_ops.ndo_bpf is not None:
        err = netdev.netdev_ops.ndo_bpf(netdev, NetdevBpf(XDP_SETUP_XSK_POOL, pool, queue_id))
    if not err:
        pool.zc = True
        return
    if not force_zc:
        return  # fall back to copy mode: the pool stays registered, the device held
    xsk_clear_pool_at_qid(netdev, queue_id)
    dev_put(netdev)
    pool.netdev = None
    raise KernelError(err)


def xp_clear_dev(pool: XskBuffPool | None) -> None:
    """Take the pool off the driver and the queue; drop the pool's device reference."""
    if pool is None or pool.netdev is None:
        return
    netdev = pool.netdev
    if pool.zc:
        err = netdev.netdev_ops.ndo_bpf(netdev, NetdevBpf(XDP_SETUP_XSK_POOL, None, pool.queue_id))
        netdev.kernel.printk.WARN_ON(err, "xsk-disable-zc", "Failed to disable zero-copy!")
    xsk_clear_pool_at_qid(netdev, pool.queue_id)
    dev_put(netdev)
    pool.netdev = None


def xp_put_pool(kernel: Kernel, pool: XskBuffPool | None) -> None:
    """The last user schedules xp_release_deferred: RTNL, xp_clear_dev, release."""
    if pool is None:
        return
    pool.users -= 1
    if pool.users:
        return

    def xp_release_deferred() -> None:
        if kernel.rtnl_owner is not None:  # the work item waits for RTNL
            kernel.clock.schedule(1_000_000, xp_release_deferred, "xp_release_deferred")
            return
        with rtnl_lock(kernel):
            xp_clear_dev(pool)

    kernel.clock.queue_work(xp_release_deferred, "xp_release_deferred")


# -- the socket ---------------------------------------------------------------------------------


def xsk_init(kernel: Kernel) -> None:
    """fs_initcall xsk_init: the pernet list (Net.xsk_list) and the netdevice notifier.

    CHOICE: registered on the first AF_XDP socket of the host when nobody called it at boot;
    before any socket exists the notifier has nothing to do, so only its position in the chain
    (after modules loaded earlier) differs.
    """
    if kernel.driver_state.get("xsk") is not None:
        return
    nb = NotifierBlock(xsk_notifier, 0, "xsk_netdev_notifier")
    kernel.driver_state["xsk"] = nb
    # Before 455302d1c9ae (Fixes: 965a99098443 "xsk: add support for bind for Rx") there was
    # no notifier: a bound socket kept its device until close(), so unregistering the device
    # waited in netdev_run_todo for as long as the application ran.
    if kernel.xsk_notifier:
        register_netdevice_notifier(kernel, nb)


def xsk_create(net: Net, owner: str | None = None) -> XdpSock:
    """socket(AF_XDP, SOCK_RAW, 0) in `net`; the socket is on net->xdp.list until released."""
    xsk_init(net.kernel)
    xs = XdpSock(net, owner=owner)
    net.xsk_list.append(xs)
    return xs


def xsk_bind(xs: XdpSock, ifindex: int, queue_id: int, flags: int = 0) -> None:
    """bind(sockaddr_xdp): the device by index in the socket's namespace, then the pool.

    Only the own-UMEM case is modelled (no XDP_SHARED_UMEM); rings are assumed set up.
    """
    kernel = xs.net.kernel
    if flags & ~(XDP_SHARED_UMEM | XDP_COPY | XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP | XDP_USE_SG):
        raise KernelError(EINVAL)
    with rtnl_lock(kernel):
        if xs.state != XskState.XSK_READY:
            raise KernelError(EBUSY)
        dev = xs.net.dev_get_by_index(ifindex)
        if dev is None:
            raise KernelError(ENODEV)
        dev_hold(dev)  # dev_get_by_index
        pool = XskBuffPool()
        try:
            xp_assign_dev(pool, dev, queue_id, flags)
        except KernelError:
            dev_put(dev)
            raise
        xs.pool, xs.dev, xs.queue_id, xs.zc = pool, dev, queue_id, pool.zc
        xs.state = XskState.XSK_BOUND


def xsk_unbind_dev(xs: XdpSock) -> None:
    if xs.state != XskState.XSK_BOUND:
        return
    xs.state = XskState.XSK_UNBOUND
    xs.net.kernel.synchronize_net()  # wait for the driver to stop using the socket
    dev_put(xs.dev)


def xsk_release(xs: XdpSock) -> None:
    """close(): off the namespace list, unbind, and the pool goes in a work item."""
    kernel = xs.net.kernel
    if xs in xs.net.xsk_list:
        xs.net.xsk_list.remove(xs)
    xsk_unbind_dev(xs)
    xs.dead = True
    pool, xs.pool = xs.pool, None
    xp_put_pool(kernel, pool)


def xsk_notifier(nb: NotifierBlock, event: int, info: Any) -> int:
    """NETDEV_UNREGISTER in any reg_state: every socket of the namespace bound to the device
    gets ENETDOWN, is unbound and loses its pool's device reference; it stays open."""
    if event != NETDEV_UNREGISTER:
        return NOTIFY_DONE
    dev = info.dev
    for xs in tuple(dev.nd_net.xsk_list):
        if xs.dev is dev:
            xs.sk_err = ENETDOWN
            if not xs.dead and xs.sk_error_report is not None:
                xs.sk_error_report(xs)
            xsk_unbind_dev(xs)
            xp_clear_dev(xs.pool)
    return NOTIFY_DONE


def xsk_sockets_on(kernel: Kernel, dev: NetDevice) -> list[XdpSock]:
    """Model-only: sockets whose bind or pool still holds dev, in namespace then list order."""
    found = []
    for net in kernel.nets:
        for xs in net.xsk_list:
            bound = xs.state == XskState.XSK_BOUND and xs.dev is dev
            if bound or (xs.pool is not None and xs.pool.netdev is dev):
                found.append(xs)
    return found


def xsk_holder_explainer(dev: NetDevice, holder: str, count: int) -> list[Any]:
    """Model-only, for hang reports: the untracked references AF_XDP sockets hold on dev.

    A bound socket holds one (xsk_bind's dev_get_by_index) and its pool one (xp_assign_dev);
    ending the process that owns the socket closes it and drops both.
    """
    from netlife.kernel.hang_explain import Held

    found = []
    for xs in xsk_sockets_on(dev.kernel, dev):
        refs = int(xs.state == XskState.XSK_BOUND and xs.dev is dev)
        refs += int(xs.pool is not None and xs.pool.netdev is dev)
        how = (
            f"has an AF_XDP socket bound to {dev.name} queue {xs.queue_id} (the bind and its "
            "buffer pool hold it)"
        )
        if xs.owner_pid is not None:
            who = xs.owner or f"pid {xs.owner_pid}"
            found.append(Held(refs, who, how, remedy=f"kill {xs.owner_pid}"))
        else:
            found.append(Held(refs, "a process the model does not know", how))
    return found[:count]


__all__ = [
    "XDP_COPY",
    "XDP_SETUP_XSK_POOL",
    "XDP_ZEROCOPY",
    "NetdevBpf",
    "XdpSock",
    "xsk_bind",
    "xsk_create",
    "xsk_holder_explainer",
    "xsk_notifier",
    "xsk_release",
]

"""io_uring zero-copy receive: an interface queue (ifq) with a memory provider on an RX queue.

Mirrors io_uring/zcrx.c: io_register_zcrx_ifq (device by index in the task's namespace, a
tracked reference in ifq->netdev_tracker, the provider opened on the queue, through a lease on
the physical queue), io_pp_uninstall (the provider's uninstall: drops the ifq's device
reference, unmaps the area, clears the queue's provider), io_close_queue (ring close or
unregistration: closes the provider and drops the reference, skipping both when the device
side already tore them down) and io_shutdown_zcrx_ifqs.

Areas, refill rings and page pools are not modelled; only who holds what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import ENODEV, EOPNOTSUPP, KernelError
from netlife.kernel.netdevice import NETREG_REGISTERED, NetDevice, netdev_hold, netdev_put
from netlife.kernel.queue_lease import (
    NETIF_VIRT_TO_PHYS,
    __netif_get_rx_queue_lease,
    netif_mp_close_rxq,
    netif_mp_open_rxq,
)

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdev_rx_queue import NetdevRxQueue
    from netlife.kernel.ref_tracker import RefTracker

_UNSET = object()


@dataclass(slots=True, eq=False)
class IoZcrxIfq:
    """struct io_zcrx_ifq. `owner` names the process whose ring holds it (model-only)."""

    if_rxq: int = -1  # -1 once the queue is closed (io_close_queue)
    netdev: NetDevice | None = None  # cleared by io_zcrx_drop_netdev or io_close_queue
    netdev_tracker: RefTracker | None = None
    area_mapped: bool = False  # the area's DMA mapping on the device
    owner: str | None = None
    owner_pid: int | None = None  # the process to end to release it


class IoUringPpZcOps:
    """io_uring_pp_zc_ops: the memory provider's ops (only uninstall matters for lifetime)."""

    __slots__ = ()

    def uninstall(self, rxq: NetdevRxQueue, mp_priv: Any = _UNSET) -> None:
        """io_pp_uninstall(mp_priv, rxq): called by dev_memory_provider_uninstall for the queue
        carrying the provider, or by netif_rxq_cleanup_unlease for the virtual queue."""
        ifq: IoZcrxIfq = rxq.mp_priv if mp_priv is _UNSET else mp_priv
        io_zcrx_drop_netdev(ifq)
        ifq.area_mapped = False  # io_zcrx_unmap_area
        rxq.mp_ops = None
        rxq.mp_priv = None

    def __repr__(self) -> str:
        return "io_uring_pp_zc_ops"


io_uring_pp_zc_ops = IoUringPpZcOps()


def zcrx_holder_name(owner: str | None) -> str:
    return f"io_register_zcrx_ifq ({owner})" if owner else "io_register_zcrx_ifq"


def netdev_queue_get_dma_dev(dev: NetDevice, idx: int) -> Any:
    """The device that DMA-maps for this queue: the physical parent, through a lease for a
    virtual queue; None for a virtual queue without one (zero-copy impossible)."""
    rxq, target, _ = __netif_get_rx_queue_lease(dev, idx, NETIF_VIRT_TO_PHYS)
    if rxq is None:
        return None
    return target.parent


def io_register_zcrx_ifq(
    net: Net, ifindex: int, if_rxq: int, owner: str | None = None
) -> IoZcrxIfq:
    """IORING_REGISTER_ZCRX_IFQ from a task in `net`. Raises KernelError; nothing is held then."""
    kernel = net.kernel
    ifq = IoZcrxIfq(owner=owner)
    dev = net.dev_get_by_index(ifindex)
    if dev is None or dev.reg_state != NETREG_REGISTERED:
        raise KernelError(ENODEV)
    ifq.netdev = dev
    ifq.netdev_tracker = netdev_hold(dev, zcrx_holder_name(owner))
    try:
        if if_rxq >= dev.real_num_rx_queues:
            raise KernelError(-34, "rx queue index out of range")  # -ERANGE
        if netdev_queue_get_dma_dev(dev, if_rxq) is None:
            raise KernelError(EOPNOTSUPP)
        ifq.area_mapped = True
        netif_mp_open_rxq(dev, if_rxq, io_uring_pp_zc_ops, ifq)
    except KernelError:
        io_zcrx_drop_netdev(ifq)
        raise
    ifq.if_rxq = if_rxq
    kernel.driver_state.setdefault("io_uring_zcrx", []).append(ifq)
    return ifq


def io_zcrx_drop_netdev(ifq: IoZcrxIfq) -> None:
    if ifq.netdev is None:
        return
    dev, tracker = ifq.netdev, ifq.netdev_tracker
    ifq.netdev = ifq.netdev_tracker = None
    netdev_put(dev, tracker)


def io_close_queue(ifq: IoZcrxIfq) -> None:
    """Close the provider on its queue and drop the reference; after the device's unregister
    uninstalled the provider, there is no device left to close on."""
    if ifq.if_rxq == -1:
        return
    netdev, tracker = ifq.netdev, ifq.netdev_tracker
    ifq.netdev = ifq.netdev_tracker = None
    if netdev is not None:
        netif_mp_close_rxq(netdev, ifq.if_rxq, io_uring_pp_zc_ops, ifq)
        ifq.area_mapped = False
        netdev_put(netdev, tracker)
    ifq.if_rxq = -1


def io_shutdown_zcrx_ifqs(kernel: Kernel, ifqs: list[IoZcrxIfq]) -> None:
    """Ring exit: close every ifq of the ring, then forget them."""
    live = kernel.driver_state.get("io_uring_zcrx", [])
    for ifq in ifqs:
        io_close_queue(ifq)
        if ifq in live:
            live.remove(ifq)


def zcrx_ifqs_on(kernel: Kernel, dev: NetDevice) -> list[IoZcrxIfq]:
    """Model-only: registered ifqs still holding dev."""
    return [ifq for ifq in kernel.driver_state.get("io_uring_zcrx", []) if ifq.netdev is dev]


def zcrx_holder_explainer(dev: NetDevice, holder: str, count: int) -> list[Any]:
    """Model-only, for hang reports: the io_uring rings whose zero-copy RX queue holds dev."""
    from netlife.kernel.hang_explain import Held

    found = []
    for ifq in zcrx_ifqs_on(dev.kernel, dev):
        if ifq.netdev_tracker is None or ifq.netdev_tracker.holder != holder:
            continue
        how = (
            f"has an io_uring zero-copy RX queue on {dev.name} queue {ifq.if_rxq}; the ring "
            "holds it until it is closed"
        )
        remedy = f"kill {ifq.owner_pid}" if ifq.owner_pid is not None else None
        found.append(Held(1, ifq.owner or "an io_uring ring", how, remedy=remedy))
    return found[:count]


__all__ = [
    "IoZcrxIfq",
    "io_close_queue",
    "io_register_zcrx_ifq",
    "io_shutdown_zcrx_ifqs",
    "io_uring_pp_zc_ops",
    "zcrx_holder_explainer",
    "zcrx_ifqs_on",
]

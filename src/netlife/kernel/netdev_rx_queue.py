"""RX queues of a device: memory providers, AF_XDP pools and (2026) queue leases.

Mirrors include/net/netdev_rx_queue.h (struct netdev_rx_queue: dev, mp_params, pool, lease,
lease_tracker). The lease operations are in queue_lease.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice
    from netlife.kernel.ref_tracker import RefTracker


class NetdevRxQueue:
    """struct netdev_rx_queue. Invariant: lease is symmetric (q.lease.lease is q)."""

    __slots__ = ("dev", "index", "lease", "lease_tracker", "mp_ops", "mp_priv", "pool")

    def __init__(self, dev: NetDevice, index: int) -> None:
        self.dev = dev
        self.index = index
        self.mp_ops: Any = None  # memory provider (io_uring zcrx); has uninstall(rxq)
        self.mp_priv: Any = None
        self.pool: Any = None  # AF_XDP buffer pool
        self.lease: NetdevRxQueue | None = None
        self.lease_tracker: RefTracker | None = None

    def __repr__(self) -> str:
        return f"<NetdevRxQueue {self.dev.name}:{self.index}>"


def netif_get_rx_queue(dev: NetDevice, index: int) -> NetdevRxQueue:
    """__netif_get_rx_queue: the queue object (made on first use; the kernel allocates all)."""
    if dev._rx is None:
        dev._rx = [NetdevRxQueue(dev, i) for i in range(dev.num_rx_queues)]
    return dev._rx[index]


def get_netdev_rx_queue_index(rxq: NetdevRxQueue) -> int:
    """include/net/netdev_rx_queue.h: the queue's index in its device's _rx array."""
    return rxq.index


def netif_set_real_num_rx_queues(dev: NetDevice, rxq: int) -> int:
    """net/core/dev.c:netif_set_real_num_rx_queues: 0, or -EINVAL outside 1..num_rx_queues."""
    if rxq < 1 or rxq > dev.num_rx_queues:
        return -22  # -EINVAL
    dev.real_num_rx_queues = rxq
    return 0


class NetdevQueueMgmtOps:
    """struct netdev_queue_mgmt_ops (include/net/netdev_queues.h): the hooks queue leasing and
    memory providers use. None means the driver has none; a driver that sets dev.queue_mgmt_ops
    to any object is "ops locked" (netdev_need_ops_lock)."""

    __slots__ = ("ndo_queue_create", "ndo_queue_start", "ndo_queue_stop")

    def __init__(
        self,
        ndo_queue_create: Any = None,
        ndo_queue_start: Any = None,
        ndo_queue_stop: Any = None,
    ) -> None:
        self.ndo_queue_create = ndo_queue_create  # (dev) -> new queue index or -errno
        self.ndo_queue_start = ndo_queue_start  # (dev, idx) -> 0 or -errno
        self.ndo_queue_stop = ndo_queue_stop  # (dev, idx) -> 0 or -errno

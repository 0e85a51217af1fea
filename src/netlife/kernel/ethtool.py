"""ethtool's channel settings: ETHTOOL_MSG_CHANNELS_GET and _SET.

Mirrors net/ethtool/channels.c: ethnl_set_channels (the requested count must not exceed the
driver's maximum, must leave an RX and a TX channel, and must not drop a queue that is busy:
an AF_XDP pool, a memory provider or, since the 2026 queue-leasing series, a lease) and
net/ethtool/common.c / include/net/netdev_queues.h: netdev_queue_busy.

Model-only simplification: a driver has ethtool get_channels / set_channels exactly when it sets
ndo_set_channels; get_channels reports combined channels only, the maximum being the RX queues
allocated (num_rx_queues) and the current count the RX queues in use (real_num_rx_queues), which
is what mlx5e and netdevsim report. NetdevQueueMgmtOps is the part of include/net/netdev_queues.h
the hardware drivers need; netdev_queue_busy is queue_lease.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlife.kernel.errors import EINVAL, EOPNOTSUPP, KernelError
from netlife.kernel.queue_lease import CHANNELS_BUSY_MSG, netdev_queue_busy
from netlife.kernel.rtnetlink import rtnl_lock

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

# The extack texts of net/ethtool/channels.c (the busy one as the queue-leasing series has it).
EXCEEDS_MAXIMUM = "requested channel count exceeds maximum"
NO_RX_OR_TX = "requested channel counts would result in no RX or TX channel being configured"
BUSY_QUEUES = CHANNELS_BUSY_MSG


@dataclass(slots=True, frozen=True)
class NetdevQueueMgmtOps:
    """struct netdev_queue_mgmt_ops: a driver that can restart single RX queues (and so can
    lease them or host memory providers). The model keeps only the table's identity."""

    name: str
    ndo_queue_mem_alloc: Callable[..., int] | None = None
    ndo_queue_mem_free: Callable[..., None] | None = None
    ndo_queue_start: Callable[..., int] | None = None
    ndo_queue_stop: Callable[..., int] | None = None


@dataclass(slots=True)
class EthtoolChannels:
    """struct ethtool_channels (RX-only, TX-only and other channels are always 0 here)."""

    max_rx: int = 0
    max_tx: int = 0
    max_other: int = 0
    max_combined: int = 0
    rx_count: int = 0
    tx_count: int = 0
    other_count: int = 0
    combined_count: int = 0


class ChannelsError(KernelError):
    """KernelError whose extack points at a request attribute (NL_SET_ERR_MSG_ATTR): `attr`
    names it, so ethtool can print the attribute's offset in its request."""

    def __init__(self, err: int, extack: str, attr: str | None) -> None:
        super().__init__(err, extack)
        self.attr = attr


def ethtool_get_channels(dev: NetDevice) -> EthtoolChannels:
    """ETHTOOL_MSG_CHANNELS_GET: -EOPNOTSUPP when the driver has no get_channels."""
    if dev.netdev_ops.ndo_set_channels is None:
        raise KernelError(EOPNOTSUPP)
    return EthtoolChannels(max_combined=dev.num_rx_queues, combined_count=dev.real_num_rx_queues)


def ethnl_set_channels(dev: NetDevice, requested: dict[str, int]) -> bool:
    """ETHTOOL_MSG_CHANNELS_SET under RTNL. `requested` maps "rx", "tx", "other", "combined"
    to counts; returns False when nothing changed. Raises KernelError (ChannelsError when the
    kernel points at an attribute)."""
    kernel = dev.kernel
    with rtnl_lock(kernel):
        if dev.netdev_ops.ndo_set_channels is None:
            raise KernelError(EOPNOTSUPP)
        cur = ethtool_get_channels(dev)
        new = EthtoolChannels(**{f: getattr(cur, f) for f in cur.__slots__})
        for key, value in requested.items():
            setattr(new, f"{key}_count", value)
        if new == cur:
            return False
        for key in ("rx", "tx", "other", "combined"):
            if getattr(new, f"{key}_count") > getattr(new, f"max_{key}"):
                raise ChannelsError(EINVAL, EXCEEDS_MAXIMUM, key)
        attr = None
        if not new.combined_count and not new.rx_count:
            attr = "rx"
        elif not new.combined_count and not new.tx_count:
            attr = "tx"
        if attr is not None:
            raise ChannelsError(
                EINVAL, NO_RX_OR_TX, "combined" if "combined" in requested else attr
            )
        old_total = cur.combined_count + max(cur.rx_count, cur.tx_count)
        from_channel = new.combined_count + min(new.rx_count, new.tx_count)
        for i in range(from_channel, old_total):
            if netdev_queue_busy(dev, i, None):
                raise KernelError(EINVAL, BUSY_QUEUES)
        ret = dev.netdev_ops.ndo_set_channels(dev, new.combined_count)
        if ret:
            raise KernelError(ret)
    return True


__all__ = [
    "ChannelsError",
    "EthtoolChannels",
    "NetdevQueueMgmtOps",
    "ethnl_set_channels",
    "ethtool_get_channels",
]

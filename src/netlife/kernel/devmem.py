"""bind-rx (devmem TCP): binding a dma-buf to RX queues, up to where the dma-buf matters.

Mirrors net/core/netdev-genl.c:netdev_nl_bind_rx_doit with netdev_nl_read_rxq_bitmap and
netdev_nl_get_dma_dev, net/core/netdev_queues.c:netdev_queue_get_dma_dev, and the start of
net/core/devmem.c:net_devmem_bind_dmabuf (the NULL DMA device check, then dma_buf_get).

The checks run in the kernel's order: attributes, the device (present, ops-locked), the queue
list, the DMA device of every chosen queue. A device without one (netdevsim, whose parent is a
bus device without a DMA mask) and a physical queue leased to a virtual device both end in
-EOPNOTSUPP here, before the fd is looked at. netlife has no dma-buf exporter: past these
checks the fd is never a dma-buf, so bind-rx always fails at dma_buf_get (-EINVAL for a file
that is not a dma-buf, -EBADF for no file at all), and no binding is ever made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EBADF, EINVAL, ENODEV, EOPNOTSUPP
from netlife.kernel.netdev_genl import (
    NETDEV_QUEUE_TYPE_RX,
    GenlError,
    NlExtack,
    _get_dev,
    _req,
    genl_validate,
)
from netlife.kernel.netdevice import netif_device_present
from netlife.kernel.pci import PciDev
from netlife.kernel.queue_lease import (
    NETIF_VIRT_TO_PHYS,
    __netif_get_rx_queue_lease,
    netif_rxq_is_leased,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

PAGE_SIZE = 4096
U32_MAX = 0xFFFFFFFF
BIND_RX_POLICY: dict[str, Any] = {
    "ifindex": ("u32", 1, U32_MAX),
    "fd": ("u32", 0, U32_MAX),
    "queues": ("nest", {"id": ("u32", 0, U32_MAX), "type": ("u32", 0, 1)}),
    "rx-page-size": ("u32", PAGE_SIZE, U32_MAX),
}
# The fds every process has open (stdin, stdout, stderr): files, but not dma-bufs.
STD_FDS = (0, 1, 2)


def netdev_need_ops_lock(dev: NetDevice) -> bool:
    """Drivers with queue management ops (or that ask for it) run under the instance lock."""
    return dev.request_ops_lock or dev.queue_mgmt_ops is not None


def dma_capable(device: Any) -> bool:
    """device->dma_mask set: PCI functions have one; netdevsim's bus device has none."""
    return isinstance(device, PciDev)


def __netdev_queue_get_dma_dev(dev: NetDevice, idx: int) -> Any:
    hook = getattr(dev.queue_mgmt_ops, "ndo_queue_get_dma_dev", None)
    dma_dev = hook(dev, idx) if hook is not None else dev.parent
    return dma_dev if dma_dev is not None and dma_capable(dma_dev) else None


def netdev_queue_get_dma_dev(dev: NetDevice, idx: int, qtype: int) -> Any:
    """The DMA device for zero-copy on a queue; a leased virtual RX queue answers with its
    physical queue's. A physical queue leased out answers None (the lookup goes only from
    virtual to physical)."""
    if qtype != NETDEV_QUEUE_TYPE_RX or not netif_rxq_is_leased(dev, idx):
        return __netdev_queue_get_dma_dev(dev, idx)
    rxq, phys, phys_idx = __netif_get_rx_queue_lease(dev, idx, NETIF_VIRT_TO_PHYS)
    if rxq is None:
        return None
    return __netdev_queue_get_dma_dev(phys, phys_idx)


def netdev_nl_read_rxq_bitmap(queues: list[dict[str, Any]], count: int) -> list[int]:
    chosen: set[int] = set()
    for i, q in enumerate(queues):
        _req(q, "id", ("queues", i))
        _req(q, "type", ("queues", i))
        if q["type"] != NETDEV_QUEUE_TYPE_RX:
            raise GenlError(EINVAL, NlExtack(bad_attr=("queues", i, "type")))
        if q["id"] >= count:
            raise GenlError(EINVAL, NlExtack(bad_attr=("queues", i, "id")))
        chosen.add(q["id"])
    return sorted(chosen)


def netdev_nl_get_dma_dev(dev: NetDevice, rxqs: list[int]) -> Any:
    dma_dev = prev = None
    for idx in rxqs:
        rxq_dma_dev = netdev_queue_get_dma_dev(dev, idx, NETDEV_QUEUE_TYPE_RX)
        if dma_dev is not None and rxq_dma_dev is not dma_dev:
            msg = f"DMA device mismatch between queue {idx} and {prev} (multi-PF device?)"
            raise GenlError(EOPNOTSUPP, NlExtack(msg))
        dma_dev, prev = rxq_dma_dev, idx
    return dma_dev


def netdev_nl_bind_rx_doit(net: Net, attrs: dict[str, Any]) -> dict[str, Any]:
    """Bind dma-buf `fd` to RX `queues` of `ifindex`; see the module docstring for how far
    the model goes."""
    for i, q in enumerate(attrs.get("queues", [])):
        genl_validate(BIND_RX_POLICY["queues"][1], q, ("queues", i))
    genl_validate({k: v for k, v in BIND_RX_POLICY.items() if k != "queues"},
                  {k: v for k, v in attrs.items() if k != "queues"})  # fmt: skip
    ifindex = _req(attrs, "ifindex")
    fd = _req(attrs, "fd")
    queues = _req(attrs, "queues")
    page = attrs.get("rx-page-size")
    if page is not None and page & (page - 1):
        raise GenlError(
            EINVAL, NlExtack("rx-page-size must be a power of 2", bad_attr=("rx-page-size",))
        )
    dev = _get_dev(net, ifindex)
    if dev is None:
        raise GenlError(ENODEV)
    if not netif_device_present(dev):
        raise GenlError(ENODEV, NlExtack(bad_attr=("ifindex",)))
    if not netdev_need_ops_lock(dev):
        raise GenlError(EOPNOTSUPP, NlExtack(bad_attr=("ifindex",)))
    rxqs = netdev_nl_read_rxq_bitmap(queues, dev.real_num_rx_queues)
    dma_dev = netdev_nl_get_dma_dev(dev, rxqs)
    # net_devmem_bind_dmabuf: the DMA device first, then the fd.
    if dma_dev is None:
        raise GenlError(EOPNOTSUPP, NlExtack("Device doesn't support DMA"))
    raise GenlError(EINVAL if fd in STD_FDS else EBADF)


__all__ = ["netdev_nl_bind_rx_doit", "netdev_queue_get_dma_dev"]

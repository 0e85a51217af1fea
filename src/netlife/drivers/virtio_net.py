"""virtio-net: the paravirtual NIC of a VM, on the virtio bus behind a virtio-pci function.

Mirrors drivers/virtio/virtio_pci_common.c (virtio_pci_probe: the PCI function 1af4:1000 or
1af4:1041 gets a virtio device "virtio<N>" on bus "virtio") and drivers/net/virtio_net.c
(virtnet_probe: alloc_etherdev_mq with the queue pairs the device offers, MTU from the config
space when VIRTIO_NET_F_MTU is offered, min_mtu ETH_MIN_MTU, max_mtu MAX_MTU, MAC from the
config space as the permanent address, register_netdev as "eth%d"; virtnet_remove:
unregister_netdev, free_netdev). The net device's parent is the virtio device, so
`ip -d link` shows `parentbus virtio parentdev virtio2`.

CHOICE: the virtio-pci transport and the virtio_net driver are one module, virtio_net: the
model has no virtio bus of its own, and only the net device's lifetime matters here. The
profile's pci entry gives the virtio device's index (virtio_index) and the device's MTU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel.dev import register_netdev, unregister_netdev
from netlife.kernel.dev_flags import netif_carrier_on
from netlife.kernel.errors import ENOMEM, KernelError
from netlife.kernel.module import Module
from netlife.kernel.netdevice import (
    NET_NAME_ENUM,
    NetDevice,
    NetDeviceOps,
    alloc_netdev_mqs,
    ether_setup,
    free_netdev,
)
from netlife.kernel.pci import (
    PciDev,
    PciDriver,
    pci_register_driver,
    pci_unregister_driver,
    queue_udev_rename,
)

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel

PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1AF4
# The transitional (0x1000) and modern (0x1040 + VIRTIO_ID_NET) virtio-net functions.
VIRTIO_NET_PCI_TABLE = (
    (PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1000),
    (PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1041),
)
MAX_MTU = 65535  # include/linux/netdevice.h:MAX_MTU; virtnet_probe's max_mtu without F_MTU


@dataclass(slots=True, eq=False)
class VirtioDevice:
    """struct virtio_device: "virtio<index>" on bus "virtio", child of its PCI function."""

    pdev: PciDev
    index: int
    netdev: NetDevice | None = None
    bus: str = "virtio"

    @property
    def name(self) -> str:
        return f"virtio{self.index}"

    @property
    def driver(self) -> PciDriver | None:
        return self.pdev.driver


def virtnet_open(dev: NetDevice) -> int:
    netif_carrier_on(dev)  # CHOICE: the host end reports VIRTIO_NET_S_LINK_UP at once
    return 0


def virtnet_close(dev: NetDevice) -> int:
    return 0


virtnet_netdev = NetDeviceOps(ndo_open=virtnet_open, ndo_stop=virtnet_close)


def virtnet_probe(pdev: PciDev) -> int:
    cfg = pdev.config
    vdev = VirtioDevice(pdev, int(cfg.get("virtio_index", 0)))
    pairs = int(cfg.get("channels", 1))
    dev = alloc_netdev_mqs(pdev.kernel, vdev, "eth%d", NET_NAME_ENUM, ether_setup, pairs, pairs)
    if dev is None:
        return -ENOMEM
    dev.netdev_ops = virtnet_netdev
    dev.parent = vdev  # SET_NETDEV_DEV(dev, &vdev->dev)
    dev.max_mtu = MAX_MTU
    if cfg.get("mtu"):
        dev.mtu = int(cfg["mtu"])  # VIRTIO_NET_F_MTU: the device's MTU is the default
    mac = cfg.get("mac") or pdev.kernel.random_ether_addr()
    dev.dev_addr = mac
    dev.perm_addr = mac
    # VIRTIO_NET_F_STATUS: carrier off until the device reports the link (so operstate UP).
    dev.carrier = False
    try:
        register_netdev(dev)
    except KernelError as err:
        free_netdev(dev)
        return -err.errno
    vdev.netdev = dev
    pdev.driver_data = vdev
    if cfg.get("ifname") and cfg["ifname"] != dev.name:
        queue_udev_rename(dev, cfg["ifname"])
    return 0


def virtnet_remove(pdev: PciDev) -> None:
    vdev: VirtioDevice = pdev.driver_data
    if vdev.netdev is not None:
        unregister_netdev(vdev.netdev)
        free_netdev(vdev.netdev)
        vdev.netdev = None


def virtio_net_init(kernel: Kernel, params: dict[str, Any]) -> int:
    driver = PciDriver(
        "virtio-pci", VIRTIO_NET_PCI_TABLE, virtnet_probe, virtnet_remove, "virtio_net"
    )
    kernel.driver_state["virtio_net"] = driver
    ret = pci_register_driver(kernel, driver)
    if ret:
        del kernel.driver_state["virtio_net"]
    return ret


def virtio_net_exit(kernel: Kernel) -> None:
    pci_unregister_driver(kernel, kernel.driver_state.pop("virtio_net"))


MODULE = Module("virtio_net", virtio_net_init, virtio_net_exit, size=73728)

"""PCI functions, PCI drivers, and the driver core's bind / unbind.

Mirrors drivers/pci/pci-driver.c (pci_register_driver, pci_unregister_driver, pci_match_id,
pci_device_probe / pci_device_remove) and drivers/base/dd.c (driver_attach probes every matching
unbound device in bus order; driver_detach releases bound devices starting from the last one
bound, which is why `rmmod mlx5_core` tears down 0000:0a:00.1 before 0000:0a:00.0), plus the
sysfs files users drive them with: /sys/bus/pci/devices/SLOT/{vendor,device,driver,remove}
(drivers/pci/pci-sysfs.c, drivers/pci/remove.c) and /sys/bus/pci/drivers/NAME/{bind,unbind}.

Model-only: the machine profile hands each function its firmware facts (MAC, queue counts, port
number) and the name udev gives its net device, in PciDev.config. udev's rename after the
KOBJ_ADD uevent is queue_udev_rename (a work item, so it lands after the probe returns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EBUSY, EINVAL, ENODEV, ENXIO, KernelError
from netlife.kernel.sysfs import SysfsAttr

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


@dataclass(slots=True, eq=False)
class PciDev:
    """struct pci_dev: one PCI function. Named by its slot ("0000:0a:00.0") on bus "pci".

    driver is set by really_probe after probe returned 0 and cleared by device_release_driver.
    Invariant: driver is None or self is in driver.devices.
    """

    kernel: Kernel
    slot: str
    vendor: int
    device: int
    config: dict[str, Any] = field(default_factory=dict)  # firmware facts (model-only)
    driver: PciDriver | None = None
    driver_data: Any = None  # pci_set_drvdata: the bound driver's per-function state
    bus: str = "pci"  # dev->bus->name: IFLA_PARENT_DEV_BUS_NAME
    # device_lock(&pdev->dev): the task inside probe or remove (driver core, drivers/base/dd.c)
    lock_owner: Any = None

    @property
    def name(self) -> str:
        """dev_name(&pdev->dev): IFLA_PARENT_DEV_NAME."""
        return self.slot

    def __repr__(self) -> str:
        bound = self.driver.name if self.driver is not None else "unbound"
        return f"<PciDev {self.slot} {self.vendor:04x}:{self.device:04x} {bound}>"


@dataclass(slots=True, eq=False)
class PciDriver:
    """struct pci_driver: id table, probe (0 or -errno) and remove; owner is its module."""

    name: str
    id_table: tuple[tuple[int, int], ...]
    probe: Callable[[PciDev], int]
    remove: Callable[[PciDev], None]
    owner: str | None = None
    devices: list[PciDev] = field(default_factory=list)  # klist_devices: bind order


def pci_match_id(drv: PciDriver, pdev: PciDev) -> bool:
    return (pdev.vendor, pdev.device) in drv.id_table


def dev_printk_prefix(pdev: Any) -> str:
    """dev_printk's "DRIVER DEVNAME" prefix (driver string is the bus name while unbound)."""
    driver = pdev.driver.name if pdev.driver is not None else pdev.bus
    return f"{driver} {pdev.name}"


# -- the driver core ------------------------------------------------------------------------


def really_probe(pdev: PciDev, drv: PciDriver) -> int:
    """drivers/base/dd.c:really_probe: bind first (probe sees dev->driver), undo on failure."""
    kernel = pdev.kernel
    pdev.driver = drv
    ret = drv.probe(pdev)
    if ret:
        pdev.driver = None
        pdev.driver_data = None
        if ret not in (-ENODEV, -ENXIO):  # those two mean "not mine" and stay quiet
            kernel.printk.pr_warn(
                f"{dev_printk_prefix(pdev)}: probe with driver {drv.name} failed with error {ret}"
            )
        return ret
    drv.devices.append(pdev)
    return 0


def device_release_driver(pdev: PciDev) -> None:
    """pci_device_remove → drv->remove, then the binding goes; under device_lock, so a second
    release of the same function (an unbind while rmmod's remove sleeps) waits for the first
    and then finds the function unbound."""
    kernel = pdev.kernel
    if pdev.lock_owner is not None:
        kernel.wait_event(lambda: pdev.lock_owner is None, "device_lock")
    drv = pdev.driver
    if drv is None:
        return
    pdev.lock_owner = kernel.current
    try:
        drv.remove(pdev)
    finally:
        pdev.lock_owner = None
    drv.devices.remove(pdev)
    pdev.driver = None
    pdev.driver_data = None


def pci_stop_and_remove_bus_device(kernel: Kernel, pdev: PciDev) -> None:
    """drivers/pci/remove.c: the bound driver's remove runs first (it may sleep in
    unregister_netdev: the function stays bound and present meanwhile), then the function
    leaves the bus and its sysfs directory goes (`echo 1 > /sys/bus/pci/devices/SLOT/remove`)."""
    device_release_driver(pdev)
    kernel.pci_devices.pop(pdev.slot, None)


def pci_add_device(kernel: Kernel, pdev: PciDev) -> None:
    """pci_bus_add_device: the function appears (enumeration or hotplug); a driver may bind."""
    pci_bus_init(kernel)
    kernel.printk.BUG_ON(
        pdev.slot in kernel.pci_devices, "double-free", f"PCI slot {pdev.slot} added twice"
    )
    kernel.pci_devices[pdev.slot] = pdev
    for drv in list(kernel.pci_drivers.values()):
        if pci_match_id(drv, pdev) and really_probe(pdev, drv) == 0:
            break


def pci_register_driver(kernel: Kernel, drv: PciDriver) -> int:
    """driver_register + driver_attach: probe every matching unbound device, slot order.

    A failing probe leaves that device unbound; registration itself still succeeds.
    """
    pci_bus_init(kernel)
    if drv.name in kernel.pci_drivers:
        kernel.printk.pr_err(f"Error: Driver '{drv.name}' is already registered, aborting...")
        return -EBUSY
    kernel.pci_drivers[drv.name] = drv
    for slot in sorted(kernel.pci_devices):
        pdev = kernel.pci_devices[slot]
        if pdev.driver is None and pci_match_id(drv, pdev):
            really_probe(pdev, drv)
    return 0


def pci_unregister_driver(kernel: Kernel, drv: PciDriver) -> None:
    """driver_unregister → driver_detach: remove bound devices, last bound first.

    Each remove may sleep (unregister_netdev waiting for references): the device stays bound
    and the driver registered meanwhile, as during a stuck rmmod.
    """
    while drv.devices:
        device_release_driver(drv.devices[-1])
    kernel.pci_drivers.pop(drv.name, None)


def bind_store(kernel: Kernel, drv: PciDriver, text: str) -> None:
    """drivers/base/bus.c:bind_store: -ENODEV unless it matches and is unbound."""
    pdev = kernel.pci_devices.get(text.strip())
    if pdev is None or not pci_match_id(drv, pdev) or pdev.driver is not None:
        raise KernelError(ENODEV)
    ret = really_probe(pdev, drv)
    if ret:
        raise KernelError(ret)


def unbind_store(kernel: Kernel, drv: PciDriver, text: str) -> None:
    """drivers/base/bus.c:unbind_store: -ENODEV unless bound to this driver."""
    pdev = kernel.pci_devices.get(text.strip())
    if pdev is None or pdev.driver is not drv:
        raise KernelError(ENODEV)
    device_release_driver(pdev)


def kstrtoul(text: str) -> int:
    """lib/kstrtox.c:kstrtoul(s, 0): optional '+', 0x/0 prefixes, one trailing newline."""
    body = text[:-1] if text.endswith("\n") else text
    body = body[1:] if body.startswith("+") else body
    base = 10
    if body[:2].lower() == "0x" and len(body) > 2:
        body, base = body[2:], 16
    elif body.startswith("0") and len(body) > 1:
        body, base = body[1:], 8
    digits = "0123456789abcdef"[:base]
    if not body or any(c not in digits for c in body.lower()):
        raise KernelError(EINVAL)
    return int(body, base)


def remove_store(kernel: Kernel, pdev: PciDev, text: str) -> None:
    """drivers/pci/pci-sysfs.c:remove_store: any non-zero number removes the function."""
    if kstrtoul(text) and kernel.pci_devices.get(pdev.slot) is pdev:
        pci_stop_and_remove_bus_device(kernel, pdev)


# -- udev's rename of a new net device ------------------------------------------------------


def queue_udev_rename(dev: NetDevice, newname: str) -> None:
    """udev answering the net device's KOBJ_ADD uevent with `ip link set NAME name NEW`.

    CHOICE: the rename runs as work at the current instant, so it lands after the probe (or
    the sysfs write) returns and before the next command; see docs/choices.md.
    """
    kernel = dev.kernel

    def rename() -> None:
        from netlife.kernel.dev_flags import dev_change_name
        from netlife.kernel.netdevice import NET_NAME_RENAMED, NETREG_REGISTERED
        from netlife.kernel.rtnetlink import rtnl_lock

        if dev.reg_state != NETREG_REGISTERED or dev.name == newname:
            return
        if dev.nd_net is not kernel.init_net:
            return  # the uevent goes to the device's namespace; udev listens in init_net
        old = dev.name
        with rtnl_lock(kernel):
            try:
                dev_change_name(dev, newname)
            except KernelError:
                return  # udev logs "Failed to rename"; the device keeps its kernel name
            dev.name_assign_type = NET_NAME_RENAMED
        kernel.printk.pr_info(f"{dev_printk_prefix(dev.parent)} {dev.name}: renamed from {old}")

    kernel.clock.queue_work(rename, "udev_rename")


# -- sysfs ------------------------------------------------------------------------------------

_DEVICES = "/sys/bus/pci/devices"
_DRIVERS = "/sys/bus/pci/drivers"


def pci_bus_init(kernel: Kernel) -> None:
    """Register the PCI sysfs files once per host."""
    if kernel.driver_state.get("pci_bus"):
        return
    kernel.driver_state["pci_bus"] = True

    def resolve(net: Net, path: str) -> SysfsAttr | None:
        parts = path.split("/")
        if path.startswith(_DEVICES + "/") and len(parts) == 7:
            pdev = kernel.pci_devices.get(parts[5])
            if pdev is None:
                return None
            shows = {
                "vendor": lambda: f"0x{pdev.vendor:04x}\n",
                "device": lambda: f"0x{pdev.device:04x}\n",
            }
            if parts[6] == "remove":
                return SysfsAttr(None, lambda text: remove_store(kernel, pdev, text))
            show = shows.get(parts[6])
            return SysfsAttr(show) if show else None
        if path.startswith(_DRIVERS + "/") and len(parts) == 7:
            drv = kernel.pci_drivers.get(parts[5])
            if drv is None:
                return None
            if parts[6] == "bind":
                return SysfsAttr(None, lambda text: bind_store(kernel, drv, text))
            if parts[6] == "unbind":
                return SysfsAttr(None, lambda text: unbind_store(kernel, drv, text))
        return None

    def listdir(net: Net, path: str) -> list[str] | None:
        if path == _DEVICES:
            return sorted(kernel.pci_devices)
        if path == _DRIVERS:
            return sorted(kernel.pci_drivers)
        parts = path.split("/")
        if path.startswith(_DEVICES + "/") and len(parts) == 6:
            pdev = kernel.pci_devices.get(parts[5])
            if pdev is None:
                return None
            files = ["device", "remove", "vendor"]
            return files + (["driver"] if pdev.driver is not None else [])
        if path.startswith(_DEVICES + "/") and len(parts) == 7 and parts[6] == "driver":
            pdev = kernel.pci_devices.get(parts[5])
            if pdev is not None and pdev.driver is not None:
                return listdir(net, f"{_DRIVERS}/{pdev.driver.name}")
            return None
        if path.startswith(_DRIVERS + "/") and len(parts) == 6:
            drv = kernel.pci_drivers.get(parts[5])
            if drv is None:
                return None
            return sorted(["bind", "unbind", "new_id", "remove_id", "uevent", "module"]) + sorted(
                p.slot for p in drv.devices
            )
        return None

    kernel.sysfs.resolvers.append(resolve)
    kernel.sysfs.listers.append(listdir)


__all__ = [
    "PciDev",
    "PciDriver",
    "device_release_driver",
    "pci_add_device",
    "pci_register_driver",
    "pci_stop_and_remove_bus_device",
    "pci_unregister_driver",
    "queue_udev_rename",
    "really_probe",
]

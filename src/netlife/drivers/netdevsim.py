"""netdevsim: the kernel's simulated NIC, driven through its sysfs bus.

Mirrors drivers/net/netdevsim/bus.c (new_device_store / del_device_store with their sscanf
parsing, pr_err texts and errnos; the per-device new_port / del_port files; nsim_bus_exit),
dev.c (nsim_drv_probe adds port_count PF ports, port index i being devlink port number i + 1)
and netdev.c (nsim_create: alloc_netdev_mq("eth%d", num_queues) in the namespace of the
process that wrote new_device, parent = the bus device, queue_mgmt_ops; nsim_destroy;
nsim_link_ops whose validate refuses `ip link add type netdevsim`).

What a user sees: the bus device is registered and probed synchronously (the driver has the
default probe type), so the ports exist when the write returns, as eth0, eth1 ...; udev then
renames them eni<ID>np<N> (kernel/pci.py:queue_udev_rename).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.dev import register_netdevice, unregister_netdevice
from netlife.kernel.errors import EBUSY, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, KernelError
from netlife.kernel.ethtool import NetdevQueueMgmtOps
from netlife.kernel.if_link import IFF_MULTICAST
from netlife.kernel.module import Module
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    IFF_LIVE_ADDR_CHANGE,
    NET_ADDR_RANDOM,
    NET_NAME_UNKNOWN,
    NetDevice,
    NetDeviceOps,
    alloc_netdev_mqs,
    ether_setup,
    free_netdev,
)
from netlife.kernel.pci import queue_udev_rename
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    rtnl_link_register,
    rtnl_link_unregister,
    rtnl_lock,
)
from netlife.kernel.sysfs import SysfsAttr

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

DRV_NAME = "netdevsim"
INT_MAX = 2**31 - 1
BUS = "/sys/bus/netdevsim"
NSIM_VALIDATE_MSG = (
    'Please use: echo "[ID] [PORT_COUNT] [NUM_QUEUES]" > /sys/bus/netdevsim/new_device'
)


@dataclass(slots=True, frozen=True)
class NsimDriver:
    """struct device_driver nsim_driver: the one driver of the netdevsim bus."""

    name: str


nsim_driver = NsimDriver(DRV_NAME)


@dataclass(slots=True, eq=False)
class NsimBusDev:
    """struct nsim_bus_dev: "netdevsimID" on bus "netdevsim"; ports by port index."""

    kernel: Kernel
    id: int
    port_count: int
    num_queues: int
    initial_net: Net  # the writer's namespace: where the ports are created
    init: bool = False  # set once probed; new_port / del_port answer -EBUSY before
    ports: dict[int, NetDevice] = field(default_factory=dict)
    bus: str = "netdevsim"

    @property
    def name(self) -> str:
        return f"netdevsim{self.id}"

    @property
    def driver(self) -> NsimDriver:
        return nsim_driver  # dev_driver_string of a probed bus device

    def __repr__(self) -> str:
        return f"<NsimBusDev {self.name} ports={sorted(self.ports)}>"


@dataclass(slots=True, eq=False)
class Netdevsim:
    """struct netdevsim: netdev_priv of a port."""

    bus_dev: NsimBusDev
    port_index: int
    channels: int


def _devs(kernel: Kernel) -> list[NsimBusDev]:
    return kernel.driver_state["netdevsim"]["devices"]


def sscanf_uints(text: str, count: int) -> int | list[int]:
    """sscanf(buf, "%u %u ..."): the values converted before the first mismatch; -1 (EOF)
    when the input ends before the first conversion. %u takes an optional sign and wraps."""
    values: list[int] = []
    pos = 0
    for _ in range(count):
        m = re.compile(r"\s*([+-]?)(\d+)").match(text, pos)
        if m is None:
            if not values and not text[pos:].strip():
                return -1
            break
        v = int(m.group(2)) & 0xFFFFFFFF
        values.append((-v) & 0xFFFFFFFF if m.group(1) == "-" else v)
        pos = m.end()
    return values


# -- ports ------------------------------------------------------------------------------------


def nsim_open(dev: NetDevice) -> int:
    return 0


def nsim_stop(dev: NetDevice) -> int:
    return 0


def nsim_set_channels(dev: NetDevice, count: int) -> int:
    """netif_set_real_num_queues(dev, combined, combined), then remember the count."""
    dev.real_num_rx_queues = count
    dev.real_num_tx_queues = count
    dev.priv.channels = count
    return 0


nsim_netdev_ops = NetDeviceOps(
    ndo_open=nsim_open, ndo_stop=nsim_stop, ndo_set_channels=nsim_set_channels
)
nsim_queue_mgmt_ops = NetdevQueueMgmtOps("nsim_queue_mgmt_ops")


def nsim_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.dev_addr = dev.kernel.random_ether_addr()  # eth_hw_addr_random
    dev.addr_assign_type = NET_ADDR_RANDOM
    dev.flags &= ~IFF_MULTICAST
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE
    dev.max_mtu = ETH_MAX_MTU


def nsim_create(bus_dev: NsimBusDev, port_index: int, perm_addr: str | None) -> NetDevice:
    kernel = bus_dev.kernel
    priv = Netdevsim(bus_dev, port_index, bus_dev.num_queues)
    q = bus_dev.num_queues
    dev = alloc_netdev_mqs(kernel, priv, "eth%d", NET_NAME_UNKNOWN, nsim_setup, q, q)
    if dev is None:
        raise KernelError(ENOMEM)
    if perm_addr is not None:
        dev.perm_addr = perm_addr
    dev.nd_net = bus_dev.initial_net
    dev.parent = bus_dev  # SET_NETDEV_DEV
    dev.netdev_ops = nsim_netdev_ops
    dev.queue_mgmt_ops = nsim_queue_mgmt_ops
    try:
        with rtnl_lock(kernel):
            register_netdevice(dev)
    except KernelError:
        free_netdev(dev)
        raise
    return dev


def nsim_destroy(dev: NetDevice) -> None:
    with rtnl_lock(dev.kernel):
        unregister_netdevice(dev)
    free_netdev(dev)


def nsim_drv_port_add(bus_dev: NsimBusDev, port_index: int, perm_addr: str | None = None) -> None:
    if port_index in bus_dev.ports:
        raise KernelError(EEXIST)
    dev = nsim_create(bus_dev, port_index, perm_addr)
    bus_dev.ports[port_index] = dev
    queue_udev_rename(dev, f"eni{bus_dev.id}np{port_index + 1}")


def nsim_drv_port_del(bus_dev: NsimBusDev, port_index: int) -> None:
    dev = bus_dev.ports.get(port_index)
    if dev is None:
        raise KernelError(ENOENT)
    del bus_dev.ports[port_index]
    nsim_destroy(dev)


def nsim_drv_probe(bus_dev: NsimBusDev) -> None:
    done: list[int] = []
    try:
        for i in range(bus_dev.port_count):
            nsim_drv_port_add(bus_dev, i)
            done.append(i)
    except KernelError:
        for i in reversed(done):
            nsim_drv_port_del(bus_dev, i)
        raise


def nsim_drv_remove(bus_dev: NsimBusDev) -> None:
    """Ports go in reverse index order (nsim_dev_port_del_all walks the list from the tail)."""
    for i in sorted(bus_dev.ports, reverse=True):
        nsim_drv_port_del(bus_dev, i)


# -- the bus's sysfs files ----------------------------------------------------------------------


def new_device_store(kernel: Kernel, net: Net, text: str) -> None:
    vals = sscanf_uints(text, 3)
    if vals == -1 or not vals:
        kernel.printk.pr_err(
            'Format for adding new device is "id port_count num_queues" (uint uint unit).'
        )
        raise KernelError(EINVAL)
    dev_id, port_count, num_queues = [*vals, 1, 1][:3]
    if dev_id > INT_MAX:
        kernel.printk.pr_err('Value of "id" is too big.')
        raise KernelError(EINVAL)
    state = kernel.driver_state.get("netdevsim")
    if state is None or not state["enabled"]:
        raise KernelError(EBUSY)
    if any(d.id == dev_id for d in _devs(kernel)):
        raise KernelError(ENOSPC)  # ida_alloc_range(id, id) finds the id taken
    bus_dev = NsimBusDev(kernel, dev_id, port_count, num_queues, net)
    # device_register → bus probe (synchronous): a failing probe leaves the device unbound.
    try:
        nsim_drv_probe(bus_dev)
    except KernelError as err:
        kernel.printk.pr_warn(
            f"netdevsim {bus_dev.name}: probe with driver netdevsim failed with error {-err.errno}"
        )
        bus_dev.ports.clear()
    bus_dev.init = True
    _devs(kernel).append(bus_dev)


def nsim_bus_dev_del(bus_dev: NsimBusDev) -> None:
    bus_dev.init = False
    _devs(bus_dev.kernel).remove(bus_dev)
    nsim_drv_remove(bus_dev)


def del_device_store(kernel: Kernel, text: str) -> None:
    vals = sscanf_uints(text, 1)
    if vals == -1 or not vals:
        kernel.printk.pr_err('Format for deleting device is "id" (uint).')
        raise KernelError(EINVAL)
    if vals[0] > INT_MAX:
        kernel.printk.pr_err('Value of "id" is too big.')
        raise KernelError(EINVAL)
    for bus_dev in _devs(kernel):
        if bus_dev.id == vals[0]:
            nsim_bus_dev_del(bus_dev)
            return
    raise KernelError(ENOENT)


_MAC = re.compile(r"\s*(\d+)\s+([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})")


def new_port_store(bus_dev: NsimBusDev, text: str) -> None:
    kernel = bus_dev.kernel
    if not bus_dev.init:
        raise KernelError(EBUSY)
    m = _MAC.match(text)
    if m is not None:
        octets = [int(x, 16) for x in m.group(2).split(":")]
        if octets[0] & 1 or not any(octets):
            kernel.printk.pr_err("The supplied perm_addr is not a valid MAC address")
            raise KernelError(EINVAL)
        nsim_drv_port_add(bus_dev, int(m.group(1)), ":".join(f"{o:02x}" for o in octets))
        return
    vals = sscanf_uints(text, 1)
    if vals == -1 or not vals:
        kernel.printk.pr_err('Format for adding new port is "id [perm_addr]" (uint MAC).')
        raise KernelError(EINVAL)
    nsim_drv_port_add(bus_dev, vals[0])


def del_port_store(bus_dev: NsimBusDev, text: str) -> None:
    if not bus_dev.init:
        raise KernelError(EBUSY)
    try:
        port_index = int(text.strip(), 0)  # kstrtouint(buf, 0, ...)
    except ValueError:
        raise KernelError(EINVAL) from None
    if not 0 <= port_index <= 0xFFFFFFFF:
        raise KernelError(EINVAL)
    nsim_drv_port_del(bus_dev, port_index)


def _find(kernel: Kernel, name: str) -> NsimBusDev | None:
    return next((d for d in _devs(kernel) if d.name == name), None)


def _sysfs_resolver(kernel: Kernel):
    def resolve(net: Net, path: str) -> SysfsAttr | None:
        if kernel.driver_state.get("netdevsim") is None or not path.startswith(BUS + "/"):
            return None
        if path == f"{BUS}/new_device":
            return SysfsAttr(None, lambda text: new_device_store(kernel, net, text))
        if path == f"{BUS}/del_device":
            return SysfsAttr(None, lambda text: del_device_store(kernel, text))
        parts = path[len(BUS) + 1 :].split("/")
        if len(parts) == 3 and parts[0] == "devices":
            bus_dev = _find(kernel, parts[1])
            if bus_dev is not None and parts[2] == "new_port":
                return SysfsAttr(None, lambda text: new_port_store(bus_dev, text))
            if bus_dev is not None and parts[2] == "del_port":
                return SysfsAttr(None, lambda text: del_port_store(bus_dev, text))
        return None

    def listdir(net: Net, path: str) -> list[str] | None:
        if kernel.driver_state.get("netdevsim") is None or not path.startswith(BUS):
            return None
        if path == BUS:
            return ["del_device", "devices", "drivers", "new_device"]
        if path == f"{BUS}/devices":
            return sorted(d.name for d in _devs(kernel))
        parts = path[len(BUS) + 1 :].split("/")
        if len(parts) >= 2 and parts[0] == "devices":
            bus_dev = _find(kernel, parts[1])
            if bus_dev is None:
                return None
            if len(parts) == 2:
                return ["del_port", "net", "new_port", "sriov_numvfs"]
            if len(parts) == 3 and parts[2] == "net":
                # the class links of the ports that live in the reader's namespace
                return sorted(d.name for d in bus_dev.ports.values() if d.nd_net is net)
        return None

    return resolve, listdir


# -- the module ---------------------------------------------------------------------------------


def nsim_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    extack.append(f"{DRV_NAME}: {NSIM_VALIDATE_MSG}")  # NL_SET_ERR_MSG_MOD
    return -95  # -EOPNOTSUPP


def nsim_module_init(kernel: Kernel, params: dict[str, Any]) -> int:
    link_ops = RtnlLinkOps(kind=DRV_NAME, validate=nsim_validate, owner=DRV_NAME)
    kernel.driver_state["netdevsim"] = {"devices": [], "enabled": True, "link_ops": link_ops}
    if not kernel.driver_state.get("netdevsim_sysfs"):  # the resolvers outlive a reload
        resolve, listdir = _sysfs_resolver(kernel)
        kernel.sysfs.resolvers.append(resolve)
        kernel.sysfs.listers.append(listdir)
        kernel.driver_state["netdevsim_sysfs"] = True
    rtnl_link_register(kernel, link_ops)
    return 0


def nsim_module_exit(kernel: Kernel) -> None:
    """rtnl_link_unregister, then nsim_bus_exit: every device deleted in creation order."""
    state = kernel.driver_state["netdevsim"]
    rtnl_link_unregister(kernel, state["link_ops"])
    state["enabled"] = False
    for bus_dev in list(_devs(kernel)):
        nsim_bus_dev_del(bus_dev)
    kernel.driver_state["netdevsim"] = None


MODULE = Module(
    DRV_NAME, nsim_module_init, nsim_module_exit, aliases=("rtnl-link-netdevsim",), size=376832
)

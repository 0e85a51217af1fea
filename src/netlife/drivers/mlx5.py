"""The seed's NIC: NVIDIA ConnectX ports, modules mlx5_core and mlx5_ib.

Mirrors drivers/net/ethernet/mellanox/mlx5/core/main.c (probe_one; remove_one: sriov disable,
mlx5_uninit_one = unregister the auxiliary devices, mlx5_unload, mlx5_cleanup_once), en_main.c
(mlx5e_probe / mlx5e_remove: one net device per PCI function, alloc_etherdev_mqs, MAC from the
firmware as the permanent address, register_netdev; unregister_netdev then free_netdev;
mlx5e_open / mlx5e_close; mlx5e_set_channels through ethtool), eswitch.c (the "E-Switch:" lines
of the seed) and drivers/infiniband/hw/mlx5 (mlx5_ib: one RoCE device "mlx5_N" per function,
holding a reference on its net device, whose port state changes print "Port: 1 Link DOWN" from
drivers/infiniband/core/cache.c:ib_cache_update).

Net device names: the driver registers "eth%d" (alloc_etherdev_mqs, NET_NAME_ENUM) and udev
renames it to the predictable name the machine profile gives (enp10s0f0np0), with the kernel's
"renamed from eth0" line; see kernel/pci.py:queue_udev_rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.clock import NSEC_PER_MSEC
from netlife.kernel.dev import register_netdev, unregister_netdev
from netlife.kernel.dev_flags import netif_carrier_off, netif_carrier_on
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import ENOMEM, KernelError
from netlife.kernel.ethtool import NetdevQueueMgmtOps
from netlife.kernel.hang_explain import register_holder_explainer, unregister_holder_explainer
from netlife.kernel.module import Module
from netlife.kernel.netdevice import (
    NET_NAME_ENUM,
    NetDevice,
    NetDeviceOps,
    alloc_netdev_mqs,
    ether_setup,
    free_netdev,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.notifier import NOTIFY_DONE, NetdevCmd, NotifierBlock
from netlife.kernel.pci import (
    PciDev,
    PciDriver,
    dev_printk_prefix,
    pci_register_driver,
    pci_unregister_driver,
    queue_udev_rename,
)

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.ref_tracker import RefTracker

PCI_VENDOR_ID_MELLANOX = 0x15B3
# mlx5_core_pci_table: ConnectX-4 to ConnectX-8 and BlueField physical functions.
MLX5_CORE_PCI_TABLE = tuple(
    (PCI_VENDOR_ID_MELLANOX, d)
    for d in (0x1013, 0x1015, 0x1017, 0x1019, 0x101B, 0x101D, 0x101F, 0x1021, 0x1023, 0xA2D6)
)
MLX5E_MAX_MTU = 9978  # MLX5E_HW2SW_MTU of the largest port MTU the firmware reports
ESW_STATE = "mode(LEGACY), nvfs(0), necvfs(0), active vports(0)"


@dataclass(slots=True, eq=False)
class Mlx5CoreDev:
    """struct mlx5_core_dev: one bound PCI function and what hangs off it."""

    pdev: PciDev
    netdev: NetDevice | None = None  # the mlx5e auxiliary device's net device
    ibdev: str | None = None  # mlx5_ib's RoCE device name while mlx5_ib is bound
    ib_tracker: RefTracker | None = None  # ib_device_set_netdev's reference on netdev
    port_state: str = "NOP"  # the IB port cache (IB_PORT_NOP until first filled)


@dataclass(slots=True, eq=False)
class Mlx5ePriv:
    """struct mlx5e_priv: the channel count in use (channels.params.num_channels)."""

    mdev: Mlx5CoreDev
    num_channels: int = 1


@dataclass(slots=True, eq=False)
class Mlx5State:
    """The module's globals: bound functions in bind order, mlx5_ib's notifier."""

    devs: list[Mlx5CoreDev] = field(default_factory=list)
    driver: PciDriver | None = None
    ib_nb: NotifierBlock | None = None


def _state(kernel: Kernel) -> Mlx5State:
    return kernel.driver_state["mlx5_core"]


def _fw_wait(kernel: Kernel, usecs: int) -> None:
    """Time the firmware commands between two log lines take (the seed's gaps); the model
    runs no firmware, only lets the clock move as the sleeping task would."""
    kernel.schedule_timeout(usecs * NSEC_PER_MSEC // 1000)


def _info(pdev: PciDev, text: str) -> None:
    pdev.kernel.printk.pr_info(f"{dev_printk_prefix(pdev)}: {text}")


def _netdev_info(dev: NetDevice, text: str) -> None:
    dev.kernel.printk.pr_info(f"{dev_printk_prefix(dev.parent)} {dev.name}: {text}")


# -- net device (mlx5e) -------------------------------------------------------------------------


def mlx5e_open(dev: NetDevice) -> int:
    """The port comes up with the link partner at once (CHOICE: no autonegotiation delay)."""
    netif_carrier_on(dev)
    _netdev_info(dev, "Link up")
    return 0


def mlx5e_close(dev: NetDevice) -> int:
    netif_carrier_off(dev)
    return 0


def mlx5e_set_channels(dev: NetDevice, count: int) -> int:
    """mlx5e_ethtool_set_channels: the new count, one TX queue per channel and TC (one TC)."""
    priv: Mlx5ePriv = dev.priv
    priv.num_channels = count
    dev.real_num_rx_queues = count
    dev.real_num_tx_queues = count
    return 0


mlx5e_netdev_ops = NetDeviceOps(
    ndo_open=mlx5e_open, ndo_stop=mlx5e_close, ndo_set_channels=mlx5e_set_channels
)
mlx5e_queue_mgmt_ops = NetdevQueueMgmtOps("mlx5e_queue_mgmt_ops")


def mlx5e_probe(mdev: Mlx5CoreDev) -> int:
    """Allocate and register the function's net device (eth%d until udev renames it)."""
    pdev = mdev.pdev
    cfg = pdev.config
    rxqs = int(cfg.get("rx_queues", 8))
    txqs = int(cfg.get("tx_queues", rxqs))
    channels = int(cfg.get("channels", min(rxqs, 8)))
    priv = Mlx5ePriv(mdev, channels)
    dev = alloc_netdev_mqs(pdev.kernel, priv, "eth%d", NET_NAME_ENUM, ether_setup, txqs, rxqs)
    if dev is None:
        return -ENOMEM
    dev.netdev_ops = mlx5e_netdev_ops
    dev.queue_mgmt_ops = mlx5e_queue_mgmt_ops
    dev.request_ops_lock = True
    dev.max_mtu = MLX5E_MAX_MTU
    dev.parent = pdev  # SET_NETDEV_DEV
    mac = cfg.get("mac") or pdev.kernel.random_ether_addr()
    dev.dev_addr = mac
    dev.perm_addr = mac
    dev.real_num_rx_queues = channels
    dev.real_num_tx_queues = channels
    dev.carrier = False  # netif_carrier_off before registration: no link until opened
    try:
        register_netdev(dev)
    except KernelError as err:
        free_netdev(dev)
        return -err.errno
    mdev.netdev = dev
    _info(pdev, "MLX5E: StrdRq(1) RqSz(8) StrdSz(2048) RxCqeCmprss(0 enhanced)")
    if cfg.get("ifname"):
        queue_udev_rename(dev, cfg["ifname"])
    return 0


def mlx5e_remove(mdev: Mlx5CoreDev) -> None:
    """unregister_netdev (returns once the last reference is gone), then free_netdev."""
    dev = mdev.netdev
    if dev is None:
        return
    unregister_netdev(dev)  # may sleep until the last reference goes, as in the seed's bug
    mdev.netdev = None
    free_netdev(dev)


# -- PCI driver (mlx5_core) ---------------------------------------------------------------------


def probe_one(pdev: PciDev) -> int:
    kernel = pdev.kernel
    cfg = pdev.config
    mdev = Mlx5CoreDev(pdev)
    pdev.driver_data = mdev
    _info(pdev, f"firmware version: {cfg.get('firmware', '22.41.1000')}")
    _info(pdev, "126.016 Gb/s available PCIe bandwidth (8.0 GT/s PCIe x16 link)")
    _info(pdev, "E-Switch: Total vports 2, per vport: max uc(128) max mc(2048)")
    _info(pdev, "Port module event: module 0, Cable plugged")
    ret = mlx5e_probe(mdev)
    if ret:
        return ret
    state = _state(kernel)
    state.devs.append(mdev)
    if "mlx5_ib" in kernel.modules:
        mlx5_ib_add(mdev)  # the auxiliary "rdma" device binds to the loaded mlx5_ib
    return 0


def remove_one(pdev: PciDev) -> None:
    """remove_one: sriov off, auxiliary devices (RoCE, then Ethernet), unload, cleanup."""
    kernel = pdev.kernel
    mdev: Mlx5CoreDev = pdev.driver_data
    _info(pdev, f"E-Switch: Unload vfs: {ESW_STATE}")
    _fw_wait(kernel, 11712)
    _info(pdev, f"E-Switch: Disable: {ESW_STATE}")
    # mlx5_uninit_one → mlx5_unregister_device
    if mdev.ibdev is not None:
        mlx5_ib_remove(mdev)
    mlx5e_remove(mdev)
    _fw_wait(kernel, 216806)
    _info(pdev, f"E-Switch: Disable: {ESW_STATE}")  # mlx5_unload → mlx5_eswitch_disable
    _fw_wait(kernel, 306401)
    _info(pdev, "E-Switch: cleanup")  # mlx5_cleanup_once → mlx5_eswitch_cleanup
    _state(kernel).devs.remove(mdev)


def mlx5_core_init(kernel: Kernel, params: dict[str, Any]) -> int:
    state = Mlx5State()
    kernel.driver_state["mlx5_core"] = state
    state.driver = PciDriver("mlx5_core", MLX5_CORE_PCI_TABLE, probe_one, remove_one, "mlx5_core")
    ret = pci_register_driver(kernel, state.driver)
    if ret:
        del kernel.driver_state["mlx5_core"]
    return ret


def mlx5_core_exit(kernel: Kernel) -> None:
    state = _state(kernel)
    pci_unregister_driver(kernel, state.driver)
    del kernel.driver_state["mlx5_core"]


# -- RoCE (mlx5_ib) ---------------------------------------------------------------------------


def _port_state(dev: NetDevice) -> str:
    """The RoCE port follows its net device: ACTIVE when running with carrier, else DOWN."""
    return "ACTIVE" if dev.start and dev.carrier else "DOWN"


def mlx5_ib_add(mdev: Mlx5CoreDev) -> None:
    """mlx5r_probe: ib_register_device(..., "mlx5_%d") and ib_device_set_netdev."""
    state = _state(mdev.pdev.kernel)
    used = {m.ibdev for m in state.devs if m.ibdev is not None}
    mdev.ibdev = next(f"mlx5_{i}" for i in range(len(used) + 1) if f"mlx5_{i}" not in used)
    if mdev.netdev is not None:
        mdev.ib_tracker = netdev_hold(mdev.netdev, "ib_device_set_netdev")
        mdev.port_state = _port_state(mdev.netdev)  # first cache fill: no message


def mlx5_ib_remove(mdev: Mlx5CoreDev) -> None:
    if mdev.netdev is not None:
        netdev_put(mdev.netdev, mdev.ib_tracker)
    mdev.ib_tracker = None
    mdev.ibdev = None
    mdev.port_state = "NOP"


def mlx5_netdev_event(nb: NotifierBlock, event: int, info: Any) -> int:
    """mlx5_ib's RoCE notifier → port event → ib_cache_update's "Port: %d Link %s"."""
    if event not in (NetdevCmd.NETDEV_UP, NetdevCmd.NETDEV_DOWN, NetdevCmd.NETDEV_CHANGE):
        return NOTIFY_DONE
    dev = info.dev
    state = dev.kernel.driver_state.get("mlx5_core")
    if state is None:
        return NOTIFY_DONE
    for mdev in state.devs:
        if mdev.netdev is dev and mdev.ibdev is not None:
            new = _port_state(dev)
            if mdev.port_state not in ("NOP", new):
                port = mdev.pdev.config.get("port", 1)
                dev.kernel.printk.pr_info(
                    f"{dev_printk_prefix(mdev.pdev)} {mdev.ibdev}: Port: {port} Link {new}"
                )
            mdev.port_state = new
    return NOTIFY_DONE


def mlx5_ib_holder_explainer(dev: NetDevice, holder: str, count: int) -> list:
    """Model-only, for hang reports: the RDMA device bound to this port's netdev."""
    from netlife.kernel.hang_explain import Held

    state = dev.kernel.driver_state.get("mlx5_core")
    found = []
    for mdev in state.devs if state is not None else ():
        if mdev.netdev is dev and mdev.ib_tracker is not None:
            how = f"(mlx5_ib) is bound to {dev.name} and holds it until mlx5_ib lets it go"
            found.append(Held(1, f"RDMA device {mdev.ibdev}", how, remedy="rmmod mlx5_ib"))
    return found[:count]


def mlx5_ib_init(kernel: Kernel, params: dict[str, Any]) -> int:
    state = _state(kernel)
    register_holder_explainer(kernel, "ib_device_set_netdev", mlx5_ib_holder_explainer)
    for mdev in state.devs:
        mlx5_ib_add(mdev)
    state.ib_nb = NotifierBlock(mlx5_netdev_event, 0, "mlx5_netdev_event")
    return register_netdevice_notifier(kernel, state.ib_nb)


def mlx5_ib_exit(kernel: Kernel) -> None:
    state = _state(kernel)
    unregister_holder_explainer(kernel, "ib_device_set_netdev", mlx5_ib_holder_explainer)
    for mdev in reversed(state.devs):
        if mdev.ibdev is not None:
            mlx5_ib_remove(mdev)
    if state.ib_nb is not None:
        unregister_netdevice_notifier(kernel, state.ib_nb)
        state.ib_nb = None


MODULE = Module("mlx5_core", mlx5_core_init, mlx5_core_exit, size=2490368)
MLX5_IB = Module("mlx5_ib", mlx5_ib_init, mlx5_ib_exit, depends=("mlx5_core",), size=483328)
MODULES = (MODULE, MLX5_IB)

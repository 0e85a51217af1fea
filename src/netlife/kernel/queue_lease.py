"""Queue leasing (2026): a virtual device's RX queue bound to a physical device's RX queue.

Mirrors net/core/netdev_rx_queue.c (netdev_rx_queue_lease / _unlease, __netif_get_rx_queue_lease,
netif_rx_queue_lease_get_owner, netif_rxq_cleanup_unlease, netif_mp_open_rxq / netif_mp_close_rxq
proxied through a lease) and net/core/netdev_queues.c (netdev_can_create_queue,
netdev_can_lease_queue, netdev_queue_busy), plus the ethtool channel check of
net/ethtool/channels.c that refuses to shrink a physical device into a busy queue.

"Virtual" and "physical" are decided only by dev.parent (dev->dev.parent). The lease is one
tracked reference on the physical device per leased queue; the virtual device holds none.
Instance locks are not modelled (one task at a time); the order the kernel takes them in
(virtual before physical) is followed where both are named.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EBUSY, EEXIST, EOPNOTSUPP, ERANGE, KernelError
from netlife.kernel.netdev_rx_queue import NetdevRxQueue, netif_get_rx_queue
from netlife.kernel.netdevice import (
    NETREG_REGISTERED,
    NETREG_UNREGISTERING,
    NetDevice,
    netdev_hold,
    netdev_put,
    netif_device_present,
)
from netlife.kernel.rules import _rule

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel

_SRC = "net/core/netdev_rx_queue.c"
_rule(
    "lease-unregistering",
    "WARN",
    f"{_SRC}:netdev_rx_queue_lease",
    "a queue of a device that is already unregistering must not be leased",
    f"{_SRC}:netdev_rx_queue_lease: WARN_ON_ONCE(reg_state == NETREG_UNREGISTERING)",
)
_rule(
    "unlease-not-unregistering",
    "WARN",
    f"{_SRC}:netdev_rx_queue_unlease",
    "leases end only when the virtual device is unregistered (its ndo_uninit)",
    f"{_SRC}:netdev_rx_queue_unlease: WARN_ON_ONCE(reg_state != NETREG_UNREGISTERING)",
)
_rule(
    "mp-close-mismatch",
    "WARN",
    f"{_SRC}:__netif_mp_close_rxq",
    "a memory provider is closed by the one that opened it",
    f"{_SRC}:__netif_mp_close_rxq: WARN_ON_ONCE(mp_ops/mp_priv differ)",
)
_rule(
    "mp-close-range",
    "WARN",
    f"{_SRC}:netif_mp_close_rxq",
    "the queue index is below real_num_rx_queues",
    f"{_SRC}:netif_mp_close_rxq: WARN_ON_ONCE(rxq_idx >= real_num_rx_queues)",
)
_rule(
    "mp-close-wrong-side",
    "WARN",
    f"{_SRC}:netif_mp_close_rxq",
    "a provider is closed through the virtual side of a lease",
    f"{_SRC}:netif_mp_close_rxq: WARN_ON_ONCE(!__netif_get_rx_queue_lease(...))",
)

CHANNELS_BUSY_MSG = (
    "requested channel counts are too low due to busy queues (AF_XDP or queue leasing)"
)


class NetifLeaseDir(Enum):
    """enum netif_lease_dir."""

    NETIF_VIRT_TO_PHYS = 0
    NETIF_PHYS_TO_VIRT = 1


NETIF_VIRT_TO_PHYS = NetifLeaseDir.NETIF_VIRT_TO_PHYS
NETIF_PHYS_TO_VIRT = NetifLeaseDir.NETIF_PHYS_TO_VIRT


def lease_holder_name(virt_rxq: NetdevRxQueue) -> str:
    """What ref_tracker shows for a lease: the function and the leasing queue."""
    return f"netdev_rx_queue_lease ({virt_rxq.dev.name} rxq {virt_rxq.index})"


# -- the lease itself ---------------------------------------------------------------------------


def netdev_rx_queue_lease(rxq_dst: NetdevRxQueue, rxq_src: NetdevRxQueue) -> None:
    """Link virtual rxq_dst with physical rxq_src; one tracked reference on the physical device."""
    phys = rxq_src.dev
    phys.kernel.printk.WARN_ON(
        phys.reg_state == NETREG_UNREGISTERING,
        "lease-unregistering",
        f"netdev_rx_queue_lease: {phys.name} is unregistering",
    )
    rxq_src.lease_tracker = netdev_hold(phys, lease_holder_name(rxq_dst))
    rxq_src.lease = rxq_dst
    rxq_dst.lease = rxq_src


def netdev_rx_queue_unlease(rxq_dst: NetdevRxQueue, rxq_src: NetdevRxQueue) -> None:
    """Tear down a lease from the virtual side (its ndo_uninit): provider cleanup, then both
    pointers, then the physical device's reference."""
    virt = rxq_dst.dev
    virt.kernel.printk.WARN_ON(
        virt.reg_state != NETREG_UNREGISTERING,
        "unlease-not-unregistering",
        f"netdev_rx_queue_unlease: {virt.name} is {virt.reg_state.name}",
    )
    netif_rxq_cleanup_unlease(rxq_src, rxq_dst)
    rxq_src.lease = None
    rxq_dst.lease = None
    tracker, rxq_src.lease_tracker = rxq_src.lease_tracker, None
    netdev_put(rxq_src.dev, tracker)


def netif_rxq_is_leased(dev: NetDevice, rxq_idx: int) -> bool:
    if rxq_idx < dev.real_num_rx_queues:
        return netif_get_rx_queue(dev, rxq_idx).lease is not None
    return False


def netif_lease_dir_ok(dev: NetDevice, direction: NetifLeaseDir) -> bool:
    if direction is NETIF_VIRT_TO_PHYS:
        return dev.parent is None
    return dev.parent is not None


def netif_is_queue_leasee(dev: NetDevice) -> bool:
    return netif_lease_dir_ok(dev, NETIF_VIRT_TO_PHYS)


def __netif_get_rx_queue_lease(
    dev: NetDevice, rxq_idx: int, direction: NetifLeaseDir
) -> tuple[NetdevRxQueue | None, NetDevice, int]:
    """Follow a lease in `direction`: (queue, its device, its index); the queue itself when it
    is not leased; (None, dev, idx) when it is leased but dev is on the wrong side."""
    rxq = netif_get_rx_queue(dev, rxq_idx)
    if rxq.lease is not None:
        if not netif_lease_dir_ok(dev, direction):
            return None, dev, rxq_idx
        rxq = rxq.lease
        return rxq, rxq.dev, rxq.index
    return rxq, dev, rxq_idx


def netif_rx_queue_lease_get_owner(dev: NetDevice, rxq_idx: int) -> tuple[NetDevice, int] | None:
    """From a physical queue to the virtual device and queue leasing it, or None."""
    rxq, owner, idx = __netif_get_rx_queue_lease(dev, rxq_idx, NETIF_PHYS_TO_VIRT)
    if rxq is not None and owner is not dev:
        return owner, idx
    return None


# -- who may lease what (net/core/netdev_queues.c) ----------------------------------------------


def netdev_can_create_queue(dev: NetDevice, extack: list[str]) -> bool:
    if dev.parent is not None:
        extack.append("Device is not a virtual device")
        return False
    if getattr(dev.queue_mgmt_ops, "ndo_queue_create", None) is None:
        extack.append("Device does not support queue creation")
        return False
    if dev.real_num_rx_queues < 1 or dev.real_num_tx_queues < 1:
        extack.append("Device must have at least one real queue")
        return False
    return True


def netdev_can_lease_queue(dev: NetDevice, extack: list[str]) -> bool:
    if dev.parent is None:
        extack.append("Lease device is a virtual device")
        return False
    if not netif_device_present(dev):
        extack.append("Lease device has been removed from the system")
        return False
    if dev.queue_mgmt_ops is None:
        extack.append("Lease device does not support queue management operations")
        return False
    return True


def netif_rxq_has_mp(dev: NetDevice, rxq_idx: int) -> bool:
    if rxq_idx < dev.real_num_rx_queues:
        return netif_get_rx_queue(dev, rxq_idx).mp_priv is not None
    return False


def xsk_pool_at(dev: NetDevice, rxq_idx: int) -> Any:
    """xsk_get_pool_from_qid for RX queues (the model keeps pools on RX queues only)."""
    if rxq_idx < dev.real_num_rx_queues:
        return netif_get_rx_queue(dev, rxq_idx).pool
    return None


def netdev_queue_busy(dev: NetDevice, idx: int, extack: list[str] | None) -> bool:
    """Bound to an AF_XDP pool, leased, or carrying a memory provider (checked in that order)."""
    if xsk_pool_at(dev, idx) is not None:
        msg = "Device queue in use by AF_XDP"
    elif netif_rxq_is_leased(dev, idx):
        msg = "Device queue in use due to queue leasing"
    elif netif_rxq_has_mp(dev, idx):
        msg = "Device queue in use by memory provider"
    else:
        return False
    if extack is not None:
        extack.append(msg)
    return True


def netif_channels_leased(dev: NetDevice, new_count: int) -> bool:
    """For a driver's set_channels (ethnl_set_channels / ethtool_set_channels): True when
    shrinking to new_count channels would drop a busy queue (leased, AF_XDP, provider). The
    caller then fails with -EINVAL and CHANNELS_BUSY_MSG."""
    return any(netdev_queue_busy(dev, i, None) for i in range(new_count, dev.real_num_rx_queues))


# -- memory providers through a lease -----------------------------------------------------------


def netdev_rx_queue_restart(dev: NetDevice, rxq_idx: int) -> int:
    """Stop and start the queue so the new provider parameters take effect.

    CHOICE: the model has no queue memory; a restart calls the driver's ndo_queue_stop /
    ndo_queue_start when it has them and succeeds otherwise (drivers in the model do not fail).
    """
    qops = dev.queue_mgmt_ops
    if dev.start:
        for hook in ("ndo_queue_stop", "ndo_queue_start"):
            fn = getattr(qops, hook, None)
            if fn is not None:
                err = fn(dev, rxq_idx)
                if err:
                    return err
    return 0


def __netif_mp_open_rxq(dev: NetDevice, rxq_idx: int, mp_ops: Any, mp_priv: Any, extack: list[str]):
    rxq = netif_get_rx_queue(dev, rxq_idx)
    if dev.queue_mgmt_ops is None:
        raise KernelError(EOPNOTSUPP)
    if rxq.mp_ops is not None:
        raise KernelError(EEXIST, "designated queue already memory provider bound")
    if rxq.pool is not None:
        raise KernelError(EBUSY, "designated queue already in use by AF_XDP")
    rxq.mp_ops, rxq.mp_priv = mp_ops, mp_priv
    err = netdev_rx_queue_restart(dev, rxq_idx)
    if err:
        rxq.mp_ops = rxq.mp_priv = None
        raise KernelError(err)


def netif_mp_open_rxq(dev: NetDevice, rxq_idx: int, mp_ops: Any, mp_priv: Any) -> NetdevRxQueue:
    """Install a memory provider on dev's queue, or on the physical queue it leases.

    Returns the queue that now carries the provider. CHOICE: the tcp-data-split / hds-thresh
    checks pass (the model's NICs split headers); XDP programs are not modelled.
    """
    extack: list[str] = []
    if dev.queue_mgmt_ops is None:  # netdev_need_ops_lock
        raise KernelError(EOPNOTSUPP)
    if rxq_idx >= dev.real_num_rx_queues:
        raise KernelError(ERANGE, "rx queue index out of range")
    if not netif_rxq_is_leased(dev, rxq_idx):
        __netif_mp_open_rxq(dev, rxq_idx, mp_ops, mp_priv, extack)
        return netif_get_rx_queue(dev, rxq_idx)
    rxq, phys, idx = __netif_get_rx_queue_lease(dev, rxq_idx, NETIF_VIRT_TO_PHYS)
    if rxq is None:
        raise KernelError(EBUSY, "rx queue leased to a virtual netdev")
    if phys.parent is None:
        raise KernelError(EOPNOTSUPP, "rx queue belongs to a virtual netdev")
    __netif_mp_open_rxq(phys, idx, mp_ops, mp_priv, extack)
    return rxq


def __netif_mp_close_rxq(dev: NetDevice, rxq_idx: int, mp_ops: Any, mp_priv: Any) -> None:
    rxq = netif_get_rx_queue(dev, rxq_idx)
    # Callers holding a reference may come here after dev_memory_provider_uninstall.
    if dev.reg_state > NETREG_REGISTERED and rxq.mp_ops is None:
        return
    if dev.kernel.printk.WARN_ON(
        rxq.mp_ops is not mp_ops or rxq.mp_priv is not mp_priv,
        "mp-close-mismatch",
        f"__netif_mp_close_rxq: {dev.name} queue {rxq_idx} carries another provider",
    ):
        return
    rxq.mp_ops = rxq.mp_priv = None
    netdev_rx_queue_restart(dev, rxq_idx)


def netif_mp_close_rxq(dev: NetDevice, rxq_idx: int, mp_ops: Any, mp_priv: Any) -> None:
    printk = dev.kernel.printk
    if printk.WARN_ON(rxq_idx >= dev.real_num_rx_queues, "mp-close-range", dev.name):
        return
    if not netif_rxq_is_leased(dev, rxq_idx):
        __netif_mp_close_rxq(dev, rxq_idx, mp_ops, mp_priv)
        return
    rxq, phys, idx = __netif_get_rx_queue_lease(dev, rxq_idx, NETIF_VIRT_TO_PHYS)
    if printk.WARN_ON(rxq is None, "mp-close-wrong-side", dev.name):
        return
    __netif_mp_close_rxq(phys, idx, mp_ops, mp_priv)


def netif_rxq_cleanup_unlease(phys_rxq: NetdevRxQueue, virt_rxq: NetdevRxQueue) -> None:
    """A provider installed through the lease goes with it: stop the physical queue, then let
    the provider drop what it holds (io_uring: its reference on the virtual device).

    CHOICE: the order of the 7.1.x fix "net: Stop leased rxq before uninstalling its memory
    provider" (close, then uninstall); 7.1.0 ran them the other way round.
    """
    mp_ops, mp_priv = phys_rxq.mp_ops, phys_rxq.mp_priv
    if mp_ops is None:
        return
    __netif_mp_close_rxq(phys_rxq.dev, phys_rxq.index, mp_ops, mp_priv)
    mp_ops.uninstall(virt_rxq, mp_priv)


# -- model-only views ---------------------------------------------------------------------------


def leases_of(dev: NetDevice) -> list[tuple[int, NetdevRxQueue]]:
    """(queue index, partner queue) for each leased RX queue of dev, in index order."""
    if dev._rx is None:
        return []
    return [(rxq.index, rxq.lease) for rxq in dev._rx if rxq.lease is not None]


def lease_count(kernel: Kernel) -> int:
    """Leases on the host (each counted once, from the physical side)."""
    return sum(1 for dev in kernel.live_devices() if dev.parent is not None for _ in leases_of(dev))


# -- hang explanations (kernel.holder_explainers) ------------------------------------------------


def _where(dev: NetDevice) -> str:
    net = dev.nd_net
    if net is dev.kernel.init_net:
        return "init_net"
    return f"netns inode {net.inum}"


def _users_of(dev: NetDevice) -> list[tuple[str, str]]:
    """(description, remedy) for each application holding dev through AF_XDP or io_uring."""
    from netlife.kernel.xsk import xsk_sockets_on
    from netlife.kernel.zcrx import zcrx_ifqs_on

    kernel = dev.kernel
    users = []
    for xs in xsk_sockets_on(kernel, dev):
        who = xs.owner or "a process"
        users.append(
            (
                f"{who} holds {dev.name} through an AF_XDP socket bound to queue {xs.queue_id}",
                f"kill {xs.owner_pid}" if xs.owner_pid else "",
            )
        )
    for ifq in zcrx_ifqs_on(kernel, dev):
        who = ifq.owner or "a process"
        users.append(
            (
                f"{who} holds {dev.name} through an io_uring zero-copy RX queue ({ifq.if_rxq})",
                f"kill {ifq.owner_pid}" if ifq.owner_pid else "",
            )
        )
    return users


def lease_holder_explainer(kernel: Kernel, dev: NetDevice) -> tuple[list[str], str]:
    """Why a stuck device is held, in plain words, and the command that would release it.

    A physical device: application -> netkit device -> leased queue -> this device; remedy:
    delete the leasing device. A virtual device: the applications bound to it; remedy: end them.
    """
    chain: list[str] = []
    remedy = ""
    if dev.parent is not None:
        for idx, virt_rxq in leases_of(dev):
            virt = virt_rxq.dev
            chain.append(
                f"{dev.name} rx queue {idx} is leased to {virt.name} (ifindex {virt.ifindex}, "
                f"{_where(virt)}) rx queue {virt_rxq.index}: one reference per leased queue"
            )
            for what, _ in _users_of(virt):
                chain.append(f"  {what}")
            chain.append(
                f"  {virt.name} drops the lease only when it is unregistered; nothing deletes it "
                "when the physical device goes away unless the netkit notifier is present"
            )
            remedy = remedy or f"ip link del {virt.name}"
        return chain, remedy
    for what, kill in _users_of(dev):
        chain.append(what)
        remedy = remedy or kill
    return chain, remedy


__all__ = [
    "CHANNELS_BUSY_MSG",
    "NETIF_PHYS_TO_VIRT",
    "NETIF_VIRT_TO_PHYS",
    "lease_holder_explainer",
    "netdev_can_create_queue",
    "netdev_can_lease_queue",
    "netdev_queue_busy",
    "netdev_rx_queue_lease",
    "netdev_rx_queue_unlease",
    "netif_channels_leased",
    "netif_mp_close_rxq",
    "netif_mp_open_rxq",
    "netif_rx_queue_lease_get_owner",
    "netif_rxq_is_leased",
]

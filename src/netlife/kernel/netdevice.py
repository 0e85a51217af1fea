"""struct net_device and its allocation, references and freeing.

Mirrors include/linux/netdevice.h (struct net_device, enum netdev_reg_state, net_device_ops)
and net/core/dev.c: alloc_netdev_mqs(), free_netdev(), netdev_hold() / netdev_put().
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import EINVAL, KernelError
from netlife.kernel.if_link import (
    ARPHRD_ETHER,
    IF_LINK_MODE_DEFAULT,
    IF_OPER_UNKNOWN,
    IFF_BROADCAST,
    IFF_MULTICAST,
)
from netlife.kernel.ref_tracker import RefTracker, RefTrackerDir

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdev_rx_queue import NetdevRxQueue
    from netlife.kernel.rtnetlink import RtnlLinkOps

IFNAMSIZ = 16
MAX_NEST_DEV = 8
ETH_ALEN = 6
ETH_DATA_LEN = 1500
ETH_MIN_MTU = 68
ETH_MAX_MTU = 0xFFFF
TSO_LEGACY_MAX_SIZE = 65536
GSO_MAX_SIZE = (
    512 * 1024 - 8
)  # BIG TCP on 64-bit: what netif_set_tso_max_size(dev, GSO_MAX_SIZE) sets
GSO_MAX_SEGS = 65535
GSO_LEGACY_MAX_SIZE = 65536

# enum netdev_name_assign_type / addr_assign_type (include/uapi/linux/netdevice.h)
NET_NAME_UNKNOWN = 0
NET_NAME_ENUM = 1
NET_NAME_PREDICTABLE = 2
NET_NAME_USER = 3
NET_NAME_RENAMED = 4
NET_ADDR_PERM = 0
NET_ADDR_RANDOM = 1
NET_ADDR_STOLEN = 2
NET_ADDR_SET = 3

# dev->priv_flags bits the model uses (include/linux/netdevice.h: netdev_priv_flags)
IFF_EBRIDGE = 1 << 1
IFF_BRIDGE_PORT = 1 << 2
IFF_DONT_BRIDGE = 1 << 6
IFF_MACVLAN_PORT = 1 << 13
IFF_MACVLAN = 1 << 21
IFF_NO_QUEUE = 1 << 22
IFF_LIVE_ADDR_CHANGE = 1 << 15


class NetdevRegState(IntEnum):
    """enum netdev_reg_state; each member is entered only by the function named beside it."""

    NETREG_UNINITIALIZED = 0  # alloc_netdev_mqs (zeroed memory)
    NETREG_REGISTERED = 1  # register_netdevice
    NETREG_UNREGISTERING = 2  # unregister_netdevice_many_notify
    NETREG_UNREGISTERED = 3  # netdev_run_todo (or register_netdevice on sysfs failure)
    NETREG_RELEASED = 4  # free_netdev
    NETREG_DUMMY = 5  # init_dummy_netdev


NETREG_UNINITIALIZED = NetdevRegState.NETREG_UNINITIALIZED
NETREG_REGISTERED = NetdevRegState.NETREG_REGISTERED
NETREG_UNREGISTERING = NetdevRegState.NETREG_UNREGISTERING
NETREG_UNREGISTERED = NetdevRegState.NETREG_UNREGISTERED
NETREG_RELEASED = NetdevRegState.NETREG_RELEASED
NETREG_DUMMY = NetdevRegState.NETREG_DUMMY


@dataclass(slots=True)
class NetDeviceOps:
    """struct net_device_ops: the hooks the core calls; None means the driver has none."""

    ndo_init: Callable[[NetDevice], int] | None = None
    ndo_uninit: Callable[[NetDevice], None] | None = None
    ndo_open: Callable[[NetDevice], int] | None = None
    ndo_stop: Callable[[NetDevice], int] | None = None
    ndo_change_mtu: Callable[[NetDevice, int], int] | None = None
    ndo_set_mac_address: Callable[[NetDevice, str], int] | None = None
    ndo_get_iflink: Callable[[NetDevice], int] | None = None
    ndo_get_peer_dev: Callable[[NetDevice], NetDevice | None] | None = None
    ndo_queue_create: Callable[[NetDevice], int] | None = None
    ndo_bpf: Callable[..., int] | None = None
    ndo_set_channels: Callable[[NetDevice, int], int] | None = None
    ndo_add_slave: Callable[[NetDevice, NetDevice, list[str]], None] | None = None
    ndo_del_slave: Callable[[NetDevice, NetDevice], None] | None = None
    ndo_fix_features: Callable[[NetDevice, frozenset], frozenset] | None = None
    ndo_set_features: Callable[[NetDevice, frozenset], int] | None = None


# The empty, read-only map every device starts with in place of its adjacency and unicast
# dicts; the first insertion gives the device a dict of its own (most devices never need one,
# and a hundred thousand empty dicts cost memory the kernel's empty list heads do not).
EMPTY_MAP: Mapping[Any, Any] = MappingProxyType({})


# What a device has before its setup installs the driver's table: no hooks. Ops tables are
# shared read-only by every device of a driver, as the kernel's const net_device_ops are.
class _NoNetdevOps(NetDeviceOps):
    """The shared empty table; assigning a hook to it is a bug (drivers install their own)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"NO_NETDEV_OPS is shared: install a NetDeviceOps, not {name}")


NO_NETDEV_OPS = NetDeviceOps()
NO_NETDEV_OPS.__class__ = _NoNetdevOps  # frozen after the dataclass __init__ filled it


@dataclass(slots=True, eq=False)
class AdjEntry:
    """struct netdev_adjacent: one direct upper or lower link and the reference it holds."""

    dev: NetDevice
    master: bool
    ref_nr: int
    tracker: RefTracker


class NetDevice:
    """struct net_device: the fields lifetime depends on.

    Made only by alloc_netdev_mqs. Fields are written under RTNL unless said otherwise.
    Invariant: refcnt == 1 + refcnt_tracker.untracked + len(refcnt_tracker.trackers) while the
    memory is live; the name and ifindex are in nd_net's hashes iff the device is listed.
    """

    __slots__ = (
        "__weakref__",
        "_rx",
        "addr_assign_type",
        "addr_len",
        "adj_lower",
        "adj_upper",
        "allmulti",
        "altnames",
        "broadcast",
        "carrier",
        "carrier_down_count",
        "carrier_up_count",
        "dev_addr",
        "dev_registered_tracker",
        "dismantle",
        "features",
        "flags",
        "freed",
        "gflags",
        "group",
        "hw_enc_features",
        "hw_features",
        "ifalias",
        "ifindex",
        "ip6_ptr",
        "ip_ptr",
        "kaddr",
        "kernel",
        "kobj_refcnt",
        "link_mode",
        "linkwatch_pending",
        "listed",
        "lower_level",
        "max_mtu",
        "min_mtu",
        "moving_ns",
        "mtu",
        "name",
        "name_assign_type",
        "nd_net",
        "needs_free_netdev",
        "netdev_ops",
        "netns_immutable",
        "num_rx_queues",
        "num_tx_queues",
        "operstate",
        "parent",
        "perm_addr",
        "present",
        "priv",
        "priv_destructor",
        "priv_flags",
        "promiscuity",
        "qdisc",
        "queue_mgmt_ops",
        "real_num_rx_queues",
        "real_num_tx_queues",
        "refcnt",
        "refcnt_tracker",
        "reg_state",
        "request_ops_lock",
        "rtnl_link_initializing",
        "rtnl_link_ops",
        "rx_handler",
        "start",
        "todo",
        "tso_max_size",
        "tx_queue_len",
        "type",
        "uc",
        "uc_promisc",
        "unreg_list",
        "upper_level",
        "vlan_features",
        "wanted_features",
    )

    def __init__(self, kernel: Kernel, name: str, kaddr: int) -> None:
        self.kernel = kernel  # model-only back pointer: the host this device lives in
        self.kaddr = kaddr  # the kernel address %pK prints: deterministic, unique per device
        self.name = name  # may hold a %d pattern until register_netdevice resolves it
        self.name_assign_type = NET_NAME_UNKNOWN
        self.ifindex = 0  # chosen by register_netdevice (dev_index_reserve); kept after unlist
        self.nd_net: Net = kernel.init_net  # only __dev_change_net_namespace changes it later
        self.reg_state = NETREG_UNINITIALIZED
        self.dismantle = False  # set by unregister_netdevice_many_notify; never cleared
        self.moving_ns = False
        self.listed = False  # in nd_net's device list and name/index hashes (list_netdevice)
        self.rtnl_link_ops: RtnlLinkOps | None = None
        self.rtnl_link_initializing = False  # rtnl_create_link sets, rtnl_configure_link clears
        self.needs_free_netdev = False
        self.priv_destructor: Callable[[NetDevice], None] | None = None
        self.netdev_ops = NO_NETDEV_OPS
        self.queue_mgmt_ops: object | None = None
        self.request_ops_lock = False
        # Batch membership: the caller's list this device is queued on (unregister_netdevice_queue)
        # or STALE_UNREG_LIST after a multi-device batch (unreg_list links are not re-initialised).
        self.unreg_list: list[NetDevice] | object | None = None
        self.todo = False  # on net_todo_list (net_set_todo) until netdev_run_todo takes it
        self.refcnt = 1  # the base reference from allocation; "free" means refcnt == 1
        self.refcnt_tracker = RefTrackerDir("netdev")
        self.dev_registered_tracker: RefTracker | None = None
        self.kobj_refcnt = 0  # struct device kobject: decides when the memory goes
        self.freed = False  # memory released (netdev_release or immediate free)
        self.flags = 0
        self.priv_flags = 0
        self.gflags = 0  # IFF_PROMISC / IFF_ALLMULTI as the user set them (dev_change_flags)
        self.present = False  # __LINK_STATE_PRESENT
        self.start = False  # __LINK_STATE_START (netif_running)
        self.carrier = True  # !__LINK_STATE_NOCARRIER
        self.carrier_up_count = 0  # netif_carrier_on/off of a registered device
        self.carrier_down_count = 0
        self.tso_max_size = TSO_LEGACY_MAX_SIZE  # netif_set_tso_max_size
        # Offload bits (kernel/netdev_features.py): the driver's setup fills them, the core's
        # __netdev_update_features keeps `features` = what is wanted, fixed by driver and core.
        self.features: frozenset[str] = frozenset()
        self.hw_features: frozenset[str] = frozenset()  # what ethtool -K may change
        self.wanted_features: frozenset[str] = frozenset()  # what was asked for
        self.vlan_features: frozenset[str] = frozenset()  # inheritable by VLAN devices
        self.hw_enc_features: frozenset[str] = frozenset()  # inheritable by tunnels
        self.operstate = IF_OPER_UNKNOWN
        self.link_mode = IF_LINK_MODE_DEFAULT
        self.linkwatch_pending = False
        self.mtu = ETH_DATA_LEN
        self.min_mtu = ETH_MIN_MTU
        self.max_mtu = ETH_DATA_LEN
        self.type = ARPHRD_ETHER
        self.addr_len = ETH_ALEN
        self.dev_addr = "00:00:00:00:00:00"
        self.broadcast = "ff:ff:ff:ff:ff:ff"
        self.perm_addr: str | None = None
        self.addr_assign_type = NET_ADDR_PERM
        self.tx_queue_len = 0
        self.qdisc = "noop"
        self.group = 0
        self.promiscuity = 0
        # dev->uc: secondary unicast addresses → references (dev_uc_add/dev_uc_del, RTNL);
        # EMPTY_MAP until the first address
        self.uc: dict[str, int] | Mapping[str, int] = EMPTY_MAP
        # one promiscuity reference taken for them by __dev_set_rx_mode (no IFF_UNICAST_FLT)
        self.uc_promisc = False
        self.allmulti = 0
        self.ifalias: str | None = None
        self.altnames: Sequence[str] = ()  # replaced whole, never changed in place
        self.num_tx_queues = 1
        self.real_num_tx_queues = 1
        self.num_rx_queues = 1
        self.real_num_rx_queues = 1
        self._rx: list[NetdevRxQueue] | None = None
        self.parent: Any = None  # dev->dev.parent: the bus device (PCI function) or None
        # adj_list.upper / .lower: EMPTY_MAP until the first link (dev_adjacency._insert)
        self.adj_upper: dict[NetDevice, AdjEntry] | Mapping[NetDevice, AdjEntry] = EMPTY_MAP
        self.adj_lower: dict[NetDevice, AdjEntry] | Mapping[NetDevice, AdjEntry] = EMPTY_MAP
        self.upper_level = 1
        self.lower_level = 1
        self.rx_handler: object | None = None
        self.netns_immutable = False
        self.priv: Any = None
        self.ip_ptr: Any = None  # struct in_device: inetdev_init / inetdev_destroy (RTNL)
        self.ip6_ptr: Any = None  # struct inet6_dev: ipv6_add_dev / addrconf_ifdown (RTNL)

    def __repr__(self) -> str:
        return (
            f"<NetDevice {self.name} ifindex={self.ifindex} {self.reg_state.name} "
            f"refcnt={self.refcnt}>"
        )

    @property
    def net(self) -> Net:
        return self.nd_net


STALE_UNREG_LIST = object()  # see NetDevice.unreg_list


def netdev_priv(dev: NetDevice) -> Any:
    """include/linux/netdevice.h:netdev_priv: the driver's private area of the device."""
    return dev.priv


def dev_net(dev: NetDevice) -> Net:
    return dev.nd_net


def netif_running(dev: NetDevice) -> bool:
    return dev.start


def netif_carrier_ok(dev: NetDevice) -> bool:
    return dev.carrier


def netif_device_present(dev: NetDevice) -> bool:
    return dev.present


# -- references ---------------------------------------------------------------------------------


def _check_live(dev: NetDevice) -> None:
    if dev.freed:
        dev.kernel.printk.BUG_ON(True, "use-after-free", f"net_device {dev.name} used after free")


def dev_hold(dev: NetDevice) -> None:
    """An untracked reference: counted, never named in reports."""
    _check_live(dev)
    dev.refcnt += 1
    dev.refcnt_tracker.untracked += 1


def dev_put(dev: NetDevice) -> None:
    _check_live(dev)
    if dev.kernel.printk.WARN_ON(
        dev.refcnt_tracker.untracked <= 0, "refcnt-negative", f"dev_put({dev.name}) underflow"
    ):
        return
    dev.refcnt -= 1
    dev.refcnt_tracker.untracked -= 1


def netdev_hold(dev: NetDevice, holder: str) -> RefTracker:
    """A tracked reference; `holder` names who holds it (the kernel records a stack)."""
    if dev.freed:
        _check_live(dev)
    dev.refcnt += 1
    return dev.refcnt_tracker.alloc(holder, dev.kernel.clock.now)


def netdev_put(dev: NetDevice, tracker: RefTracker | None) -> None:
    if tracker is None:
        return
    if dev.freed:
        _check_live(dev)
    if not dev.refcnt_tracker.free(tracker):  # the message is built only for the WARN
        dev.kernel.printk.WARN_ON(
            True, "refcnt-negative", f"netdev_put({dev.name}): tracker {tracker.holder} not held"
        )
        return
    dev.refcnt -= 1


def netdev_refcnt_read(dev: NetDevice) -> int:
    return dev.refcnt


# -- allocation and freeing -----------------------------------------------------------------


def alloc_netdev_mqs(
    kernel: Kernel,
    priv: Any,
    name: str,
    name_assign_type: int,
    setup: Callable[[NetDevice], None] | None,
    txqs: int,
    rxqs: int,
) -> NetDevice | None:
    """net/core/dev.c:alloc_netdev_mqs: a zeroed device, refcount 1, in init_net.

    `priv` is the driver's private area (netdev_priv), made by the caller because Python has no
    sizeof_priv. Returns None where the kernel returns NULL.
    """
    if len(name.encode()) >= IFNAMSIZ:  # the message is built only for the BUG
        kernel.printk.BUG_ON(True, "name-too-long", f"alloc_netdev_mqs: name '{name}'")
    if txqs < 1:
        kernel.printk.pr_err("alloc_netdev: Unable to allocate device with zero queues")
        return None
    if rxqs < 1:
        kernel.printk.pr_err("alloc_netdev: Unable to allocate device with zero RX queues")
        return None
    dev = NetDevice(kernel, name, kernel.next_kaddr())
    kernel.allocated[dev.kaddr] = dev
    dev.priv = priv
    if setup is not None:
        setup(dev)
    if dev.tx_queue_len == 0:
        dev.priv_flags |= IFF_NO_QUEUE
        dev.tx_queue_len = 1000
    if txqs > 0xFFFF:
        free_netdev(dev)
        return None
    dev.num_tx_queues = dev.real_num_tx_queues = txqs
    dev.num_rx_queues = dev.real_num_rx_queues = rxqs
    dev.name_assign_type = name_assign_type
    kernel.stats_alloc += 1
    return dev


def alloc_netdev(
    kernel: Kernel,
    priv: Any,
    name: str,
    name_assign_type: int,
    setup: Callable[[NetDevice], None] | None,
) -> NetDevice | None:
    return alloc_netdev_mqs(kernel, priv, name, name_assign_type, setup, 1, 1)


def ether_setup(dev: NetDevice) -> None:
    """net/ethernet/eth.c:ether_setup: the Ethernet defaults."""
    dev.type = ARPHRD_ETHER
    dev.mtu = ETH_DATA_LEN
    dev.min_mtu = ETH_MIN_MTU
    dev.max_mtu = ETH_DATA_LEN
    dev.addr_len = ETH_ALEN
    dev.tx_queue_len = 1000
    dev.flags = IFF_BROADCAST | IFF_MULTICAST
    dev.broadcast = "ff:ff:ff:ff:ff:ff"


def free_netdev(dev: NetDevice) -> None:
    """net/core/dev.c:free_netdev, by reg_state at the time of the call (see rules).

    UNREGISTERING under RTNL defers to netdev_run_todo (needs_free_netdev); UNINITIALIZED frees
    at once; UNREGISTERED becomes RELEASED and drops the initial kobject reference; REGISTERED or
    RELEASED is a BUG.
    """
    kernel = dev.kernel
    state = dev.reg_state
    if state == NETREG_UNREGISTERING:
        from netlife.kernel.rtnetlink import ASSERT_RTNL

        ASSERT_RTNL(kernel)
        dev.needs_free_netdev = True
        return
    if dev.freed or state == NETREG_RELEASED:
        kernel.printk.BUG_ON(True, "double-free", f"free_netdev({dev.name}) twice")
    if state in (NETREG_UNINITIALIZED, NETREG_DUMMY):
        _release_memory(dev)
        return
    if state != NETREG_UNREGISTERED:
        kernel.printk.BUG_ON(
            True, "free-registered", f"free_netdev({dev.name}) in state {state.name}"
        )
    # A registered rtnl_link_ops device is freed by the core (needs_free_netdev in the todo);
    # the driver freeing one itself breaks netdevices.rst's rule.
    if dev.rtnl_link_ops is not None and not dev.needs_free_netdev:
        kernel.printk.WARN_ON(
            True,
            "rtnl-link-ops-freed-by-driver",
            f"free_netdev({dev.name}): {dev.rtnl_link_ops.kind} "
            "device freed directly by its driver",
        )
    if dev.refcnt_tracker.trackers:
        holders = ", ".join(h for h, _ in dev.refcnt_tracker.holders())
        kernel.printk.WARN_ON(True, "tracker-leak-at-free", f"{dev.name}: leaked refs: {holders}")
    dev.reg_state = NETREG_RELEASED
    put_device(dev)


def put_device(dev: NetDevice) -> None:
    """Drop a kobject reference; the last one runs net/core/net-sysfs.c:netdev_release."""
    dev.kobj_refcnt -= 1
    if dev.kobj_refcnt == 0:
        if dev.reg_state != NETREG_RELEASED:
            dev.kernel.printk.BUG_ON(
                True,
                "release-not-released",
                f"netdev_release({dev.name}) in state {dev.reg_state.name}",
            )
        _release_memory(dev)


def get_device(dev: NetDevice) -> None:
    dev.kobj_refcnt += 1


def _release_memory(dev: NetDevice) -> None:
    dev.freed = True
    dev.kernel.stats_freed += 1
    dev.kernel.on_free(dev)


def dev_valid_name(name: str) -> bool:
    """net/core/dev.c:dev_valid_name."""
    if not name or len(name.encode()) >= IFNAMSIZ or name in (".", ".."):
        return False
    return _BAD_NAME_CHAR.search(name) is None


_BAD_NAME_CHAR = re.compile(r"[/:\s]")  # '/', ':' and whitespace (isspace)


def check_ifname(name: str) -> None:
    if not dev_valid_name(name):
        raise KernelError(EINVAL)

"""TUN/TAP devices: made by the TUNSETIFF ioctl on /dev/net/tun, never by rtnetlink.

Mirrors drivers/net/tun.c: tun_chr_open (the open file holds a reference on the module),
__tun_chr_ioctl with TUNSETIFF (tun_set_iff: attach to an existing device of the same type, or
alloc_netdev_mqs + tun_net_initialize + tun_attach + register_netdevice), TUNSETPERSIST (a
persistent device holds one more module reference, so `rmmod tun` is refused while any exists),
TUNSETOWNER / TUNSETGROUP; tun_chr_close → __tun_detach (the last queue gone: carrier off and,
unless persistent, unregister_netdevice); tun_net_uninit → tun_detach_all (drops the
persistence reference); tun_validate refusing rtnetlink creation; tun_fill_info (IFLA_TUN_*);
kind "tun" with the default dellink, so `ip link del` works.

tun_set_iff() here is the ioctl sequence of iproute2's `ip tuntap add|del` (ip/iptuntap.c:
tap_add_ioctl / tap_del_ioctl): open, TUNSETIFF, [TUNSETOWNER], [TUNSETGROUP], TUNSETPERSIST,
close. `del` is the same sequence with persist off and without IFF_TUN_EXCL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import register_netdevice, unregister_netdevice
from netlife.kernel.dev_flags import netdev_state_change, netif_carrier_off, netif_carrier_on
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import EBUSY, EINVAL, ENODEV, EOPNOTSUPP, KernelError
from netlife.kernel.if_link import ARPHRD_NONE, IFF_MULTICAST, IFF_NOARP, IFF_POINTOPOINT
from netlife.kernel.module import Module, module_put, try_module_get
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    IFF_LIVE_ADDR_CHANGE,
    NET_ADDR_RANDOM,
    NET_NAME_UNKNOWN,
    NETREG_REGISTERED,
    NetDevice,
    NetDeviceOps,
    alloc_netdev_mqs,
    ether_setup,
    free_netdev,
)
from netlife.kernel.notifier import NOTIFY_DONE, NotifierBlock
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    rtnl_link_register,
    rtnl_link_unregister,
    rtnl_lock,
)

# include/uapi/linux/if_tun.h
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_CARRIER = 0x0040
IFF_MULTI_QUEUE = 0x0100
IFF_PERSIST = 0x0800
IFF_NO_PI = 0x1000
IFF_ONE_QUEUE = 0x2000
IFF_VNET_HDR = 0x4000
IFF_TUN_EXCL = 0x8000
TUN_TYPE_MASK = 0x000F
TUN_FEATURES = IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR | IFF_MULTI_QUEUE
TUNSETIFF = 0x400454CA
TUNSETPERSIST = 0x400454CB
TUNSETOWNER = 0x400454CC
TUNSETGROUP = 0x400454CE
EBADFD = 77

TUN_READQ_SIZE = 500
MIN_MTU = 68
MAX_MTU = 65535
MAX_TAP_QUEUES = 256
INVALID_UID = -1


@dataclass(slots=True, eq=False)
class TunStruct:
    """struct tun_struct: netdev_priv of a tun/tap device."""

    dev: NetDevice | None = None
    flags: int = 0
    owner: int = INVALID_UID
    group: int = INVALID_UID
    tfiles: list[TunFile] = field(default_factory=list)  # attached queues, queue_index order


@dataclass(slots=True, eq=False)
class TunFile:
    """struct tun_file: one open /dev/net/tun, in the namespace of the process that opened it."""

    kernel: object
    net: Net
    tun: TunStruct | None = None  # set by TUNSETIFF, cleared by detach
    closed: bool = False


# -- net_device_ops and setup ---------------------------------------------------------------


def tun_net_uninit(dev: NetDevice) -> None:
    tun_detach_all(dev)


def tun_free_netdev(dev: NetDevice) -> None:
    """priv_destructor: per-CPU stats and the flow table (nothing the model tracks)."""


# The offloads the reader of the file must accept first (TUNSETOFFLOAD sets tun->set_features).
TUN_USER_FEATURES = (nf.NETIF_F_HW_CSUM | nf.NETIF_F_TSO_ECN | nf.NETIF_F_TSO | nf.NETIF_F_TSO6
                     | nf.NETIF_F_GSO_UDP_L4 | nf.NETIF_F_GSO_UDP_TUNNEL
                     | nf.NETIF_F_GSO_UDP_TUNNEL_CSUM)  # fmt: skip


def tun_net_fix_features(dev: NetDevice, features: frozenset) -> frozenset:
    """No TUNSETOFFLOAD in the model: tun->set_features stays empty, the user offloads off."""
    return features - TUN_USER_FEATURES


tun_netdev_ops = NetDeviceOps(ndo_uninit=tun_net_uninit, ndo_fix_features=tun_net_fix_features)
tap_netdev_ops = NetDeviceOps(ndo_uninit=tun_net_uninit, ndo_fix_features=tun_net_fix_features)


def tun_setup(dev: NetDevice) -> None:
    dev.needs_free_netdev = True
    dev.priv_destructor = tun_free_netdev
    dev.tx_queue_len = TUN_READQ_SIZE


def tun_net_initialize(dev: NetDevice) -> None:
    tun: TunStruct = dev.priv
    if tun.flags & TUN_TYPE_MASK == IFF_TUN:
        dev.netdev_ops = tun_netdev_ops
        dev.addr_len = 0
        dev.mtu = 1500
        dev.type = ARPHRD_NONE
        dev.flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST
        hard_header_len = 0
    else:
        dev.netdev_ops = tap_netdev_ops
        ether_setup(dev)
        dev.priv_flags |= IFF_LIVE_ADDR_CHANGE
        dev.dev_addr = dev.kernel.random_ether_addr()
        dev.addr_assign_type = NET_ADDR_RANDOM
        hard_header_len = 14
    dev.min_mtu = MIN_MTU
    dev.max_mtu = MAX_MTU - hard_header_len
    vlan_tx = nf.NETIF_F_HW_VLAN_CTAG_TX | nf.NETIF_F_HW_VLAN_STAG_TX
    dev.hw_features = nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | TUN_USER_FEATURES | vlan_tx
    dev.features = dev.hw_features
    dev.vlan_features = dev.features - vlan_tx


# -- attach and detach ----------------------------------------------------------------------


def tun_attach(tun: TunStruct, tfile: TunFile) -> None:
    if tfile.tun is not None:
        raise KernelError(EINVAL)
    if not tun.flags & IFF_MULTI_QUEUE and len(tun.tfiles) == 1:
        raise KernelError(EBUSY)
    tun.tfiles.append(tfile)


def __tun_detach(tfile: TunFile) -> None:
    """The file's queue goes; the last one takes the carrier, and the device unless persistent."""
    tun = tfile.tun
    if tun is None:
        return
    tun.tfiles.remove(tfile)
    tfile.tun = None
    tfile.kernel.synchronize_net()
    if not tun.tfiles:
        netif_carrier_off(tun.dev)
        if not tun.flags & IFF_PERSIST and tun.dev.reg_state == NETREG_REGISTERED:
            unregister_netdevice(tun.dev)


def tun_detach_all(dev: NetDevice) -> None:
    """ndo_uninit: every attached file loses its device; persistence's module reference goes."""
    tun: TunStruct = dev.priv
    for tfile in tun.tfiles:
        tfile.tun = None
    tun.tfiles.clear()
    dev.kernel.synchronize_net()
    if tun.flags & IFF_PERSIST:
        module_put(dev.kernel, "tun")


# -- the character device -------------------------------------------------------------------


def tun_chr_open(kernel, net: Net) -> TunFile:
    """open("/dev/net/tun"): loads the module on demand; the file pins it (fops owner)."""
    if "tun" not in kernel.modules:
        kernel.request_module("char-major-10-200")
    if not try_module_get(kernel, "tun"):
        raise KernelError(ENODEV)
    return TunFile(kernel, net)


def tun_chr_close(tfile: TunFile) -> None:
    """The last close of the file: tun_detach under RTNL (its unlock may wait in the todo)."""
    if tfile.closed:
        return
    tfile.closed = True
    with rtnl_lock(tfile.kernel):
        __tun_detach(tfile)
    module_put(tfile.kernel, "tun")


def __tun_chr_ioctl(tfile: TunFile, cmd: int, arg: object) -> object:
    """The ioctls the model serves, under RTNL as in the kernel. Returns TUNSETIFF's name."""
    with rtnl_lock(tfile.kernel):
        if cmd == TUNSETIFF:
            if tfile.tun is not None:
                raise KernelError(EINVAL)
            name, flags = arg
            return tun_set_iff_locked(tfile, name, flags)
        tun = tfile.tun
        if tun is None:
            raise KernelError(EBADFD)
        do_notify = False
        if cmd == TUNSETPERSIST:
            if arg and not tun.flags & IFF_PERSIST:
                tun.flags |= IFF_PERSIST
                try_module_get(tfile.kernel, "tun")  # __module_get(THIS_MODULE)
                do_notify = True
            if not arg and tun.flags & IFF_PERSIST:
                tun.flags &= ~IFF_PERSIST
                module_put(tfile.kernel, "tun")
                do_notify = True
        elif cmd in (TUNSETOWNER, TUNSETGROUP):
            if arg < 0:
                raise KernelError(EINVAL)
            if cmd == TUNSETOWNER:
                tun.owner = arg
            else:
                tun.group = arg
            do_notify = True
        else:
            raise KernelError(EINVAL)
        if do_notify:
            netdev_state_change(tun.dev)
        return 0


def tun_set_iff_locked(tfile: TunFile, name: str, flags: int) -> str:
    """drivers/net/tun.c:tun_set_iff: attach to `name` or create it; returns the device name."""
    net = tfile.net
    dev = net.dev_get_by_name(name) if name else None
    if dev is not None:
        if flags & IFF_TUN_EXCL:
            raise KernelError(EBUSY)
        if (flags & IFF_TUN and dev.netdev_ops is tun_netdev_ops) or (
            flags & IFF_TAP and dev.netdev_ops is tap_netdev_ops
        ):
            tun = dev.priv
        else:
            raise KernelError(EINVAL)
        if bool(flags & IFF_MULTI_QUEUE) != bool(tun.flags & IFF_MULTI_QUEUE):
            raise KernelError(EINVAL)
        tun_attach(tun, tfile)
        tfile.tun = tun
        tun.flags = (tun.flags & ~TUN_FEATURES) | (flags & TUN_FEATURES)
        netdev_state_change(dev)
    else:
        if flags & IFF_TUN:
            kind_flags, pattern = IFF_TUN, "tun%d"
        elif flags & IFF_TAP:
            kind_flags, pattern = IFF_TAP, "tap%d"
        else:
            raise KernelError(EINVAL)
        queues = MAX_TAP_QUEUES if flags & IFF_MULTI_QUEUE else 1
        kernel = tfile.kernel
        tun = TunStruct(flags=kind_flags)
        dev = alloc_netdev_mqs(
            kernel, tun, name or pattern, NET_NAME_UNKNOWN, tun_setup, queues, queues
        )
        dev.nd_net = net
        dev.rtnl_link_ops = kernel.driver_state["tun"].link_ops
        tun.dev = dev
        tun_net_initialize(dev)
        tun_attach(tun, tfile)
        try:
            register_netdevice(dev)
        except KernelError:
            tun.tfiles.clear()  # err_detach: tun_detach_all, then free_netdev
            free_netdev(dev)
            raise
        tfile.tun = tun
    if flags & IFF_NO_CARRIER:
        netif_carrier_off(dev)
    else:
        netif_carrier_on(dev)
    tun.flags = (tun.flags & ~TUN_FEATURES) | (flags & TUN_FEATURES)
    return dev.name


def tun_set_iff(
    kernel,
    net: Net,
    name: str,
    mode: str,
    persist: bool = True,
    owner: int | None = None,
    group: int | None = None,
    pi: bool = False,
    vnet_hdr: bool = False,
    multi_queue: bool = False,
) -> str:
    """`ip tuntap add` (persist) or `ip tuntap del` (not persist): the whole ioctl sequence.

    Returns the device's name; raises KernelError as the failing syscall would (iproute2 then
    prints "ioctl(TUNSETIFF): <strerror>").
    """
    flags = IFF_TUN if mode == "tun" else IFF_TAP
    if not pi:
        flags |= IFF_NO_PI
    if vnet_hdr:
        flags |= IFF_VNET_HDR
    if multi_queue:
        flags |= IFF_MULTI_QUEUE
    if persist:
        flags |= IFF_TUN_EXCL  # tap_add_ioctl: never attach to an existing device
    tfile = tun_chr_open(kernel, net)
    try:
        dev_name = __tun_chr_ioctl(tfile, TUNSETIFF, (name, flags))
        if owner is not None:
            __tun_chr_ioctl(tfile, TUNSETOWNER, owner)
        if group is not None:
            __tun_chr_ioctl(tfile, TUNSETGROUP, group)
        __tun_chr_ioctl(tfile, TUNSETPERSIST, 1 if persist else 0)
    finally:
        tun_chr_close(tfile)
    return dev_name


# -- rtnl_link_ops and the notifier ---------------------------------------------------------


def tun_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    extack.append("tun/tap creation via rtnetlink is not supported.")
    return -EOPNOTSUPP


def tun_fill_info(dev: NetDevice) -> dict:
    tun: TunStruct = dev.priv
    info: dict = {"IFLA_TUN_TYPE": tun.flags & TUN_TYPE_MASK}
    if tun.owner != INVALID_UID:
        info["IFLA_TUN_OWNER"] = tun.owner
    if tun.group != INVALID_UID:
        info["IFLA_TUN_GROUP"] = tun.group
    info["IFLA_TUN_PI"] = int(not tun.flags & IFF_NO_PI)
    info["IFLA_TUN_VNET_HDR"] = int(bool(tun.flags & IFF_VNET_HDR))
    info["IFLA_TUN_PERSIST"] = int(bool(tun.flags & IFF_PERSIST))
    info["IFLA_TUN_MULTI_QUEUE"] = int(bool(tun.flags & IFF_MULTI_QUEUE))
    if tun.flags & IFF_MULTI_QUEUE:
        info["IFLA_TUN_NUM_QUEUES"] = len(tun.tfiles)
        info["IFLA_TUN_NUM_DISABLED_QUEUES"] = 0
    return info


def tun_device_event(nb: NotifierBlock, event: int, info: object) -> int:
    """Only CHANGE_TX_QUEUE_LEN (ring resize) and UP (XDP queues) matter to tun: neither
    touches lifetime, so the model's handler only mirrors the registration."""
    return NOTIFY_DONE


@dataclass(slots=True, eq=False)
class TunState:
    """The module's globals for one host: tun_link_ops and tun_notifier_block."""

    link_ops: RtnlLinkOps
    notifier: NotifierBlock


def tun_init(kernel, params) -> int:
    kernel.printk.pr_info("tun: Universal TUN/TAP device driver, 1.6")
    ops = RtnlLinkOps(
        kind="tun",
        priv_factory=TunStruct,
        setup=tun_setup,
        validate=tun_validate,
        fill_info=tun_fill_info,
        owner="tun",
    )
    state = TunState(ops, NotifierBlock(tun_device_event, 0, "tun_notifier_block"))
    kernel.driver_state["tun"] = state
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        del kernel.driver_state["tun"]
        return -err.errno
    register_netdevice_notifier(kernel, state.notifier)
    return 0


def tun_cleanup(kernel) -> None:
    state: TunState = kernel.driver_state["tun"]
    rtnl_link_unregister(kernel, state.link_ops)
    unregister_netdevice_notifier(kernel, state.notifier)
    del kernel.driver_state["tun"]


MODULE = Module("tun", tun_init, tun_cleanup, aliases=("rtnl-link-tun", "char-major-10-200"))

"""802.1Q VLAN devices on a real device: the "8021q" module, link kind "vlan".

Mirrors net/8021q: vlan_netlink.c (vlan_validate, vlan_newlink, vlan_fill_info,
vlan_get_link_net), vlan.c (vlan_check_real_dev, register_vlan_dev, unregister_vlan_dev and
vlan_device_event: the real device's DOWN closes its VLANs in one close-many, UP opens them,
CHANGE / CHANGEMTU propagate, and NETDEV_UNREGISTER of a real device that is really going away
deletes its VLANs in one nested batch) and vlan_dev.c (vlan_dev_init takes a tracked reference
on the real device, vlan_dev_free, the priv_destructor, drops it; vlan_dev_open refuses while
the real device is down). The VLAN group hangs off the real device (real_dev->vlan_info); the
model keeps it in the module's per-host state, keyed by the real device.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlife.drivers.vlan_qos import VlanQos, vlan_qos_changelink, vlan_qos_fill_info
from netlife.kernel.dev import (
    register_netdevice,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
)
from netlife.kernel.dev_adjacency import netdev_upper_dev_link, netdev_upper_dev_unlink
from netlife.kernel.dev_flags import (
    dev_change_flags,
    dev_close_many,
    dev_get_flags,
    dev_set_mtu,
    linkwatch_fire_event,
    netif_carrier_off,
    netif_carrier_on,
    netif_stacked_transfer_operstate,
)
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import EEXIST, EINVAL, ENETDOWN, ENODEV, EOPNOTSUPP, ERANGE, KernelError
from netlife.kernel.hang_explain import register_holder_explainer, unregister_holder_explainer
from netlife.kernel.if_link import ARPHRD_ETHER, IFF_UP
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    IFF_NO_QUEUE,
    NET_ADDR_STOLEN,
    NETREG_UNREGISTERING,
    NetDevice,
    NetDeviceOps,
    ether_setup,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.notifier import NOTIFY_BAD, NOTIFY_DONE, NetdevCmd, NotifierBlock
from netlife.kernel.ref_tracker import RefTracker
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_link_register,
    rtnl_link_unregister,
)

ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8
VLAN_PROTOS = (ETH_P_8021Q, ETH_P_8021AD)  # vlan_proto_idx order: the group's walk order
VLAN_VID_MASK = 0x0FFF
VLAN_FLAG_REORDER_HDR = 0x1
VLAN_FLAG_LOOSE_BINDING = 0x4
EPROTONOSUPPORT = 93


@dataclass(slots=True, eq=False)
class VlanDevPriv:
    """struct vlan_dev_priv: netdev_priv of a VLAN device."""

    vlan_proto: int = ETH_P_8021Q
    vlan_id: int = 0
    flags: int = VLAN_FLAG_REORDER_HDR
    real_dev: NetDevice | None = None
    dev_tracker: RefTracker | None = None  # vlan_dev_init takes it, vlan_dev_free drops it
    qos: VlanQos = field(default_factory=VlanQos)  # the priority maps (vlan_qos.py)


@dataclass(slots=True, eq=False)
class VlanInfo:
    """struct vlan_info of a real device: its VLAN group, (protocol, vid) → VLAN device."""

    real_dev: NetDevice
    grp: dict[tuple[int, int], NetDevice] = field(default_factory=dict)

    def devices(self) -> list[NetDevice]:
        """vlan_group_for_each_dev: by protocol index, then VLAN id."""
        keys = sorted(self.grp, key=lambda k: (VLAN_PROTOS.index(k[0]), k[1]))
        return [self.grp[k] for k in keys]


def _vlan_infos(kernel) -> dict[NetDevice, VlanInfo]:
    return kernel.driver_state["8021q"].vlan_info


def vlan_find_dev(real_dev: NetDevice, proto: int, vid: int) -> NetDevice | None:
    info = _vlan_infos(real_dev.kernel).get(real_dev)
    return info.grp.get((proto, vid)) if info is not None else None


def vlan_transfer_operstate(real_dev: NetDevice, dev: NetDevice) -> None:
    netif_stacked_transfer_operstate(real_dev, dev)


# -- net_device_ops -------------------------------------------------------------------------


def vlan_dev_init(dev: NetDevice) -> int:
    vlan: VlanDevPriv = dev.priv
    real_dev = vlan.real_dev
    dev.carrier = real_dev.carrier  # dev->state copies __LINK_STATE_NOCARRIER
    if dev.dev_addr == "00:00:00:00:00:00":
        dev.dev_addr = real_dev.dev_addr
        dev.addr_assign_type = NET_ADDR_STOLEN
    vlan.dev_tracker = netdev_hold(real_dev, f"vlan_dev_init ({dev.name})")
    return 0


def vlan_dev_free(dev: NetDevice) -> None:
    """priv_destructor: the real device's todo completes only after this VLAN's."""
    vlan: VlanDevPriv = dev.priv
    netdev_put(vlan.real_dev, vlan.dev_tracker)
    vlan.dev_tracker = None


def vlan_dev_open(dev: NetDevice) -> int:
    vlan: VlanDevPriv = dev.priv
    if not vlan.real_dev.flags & IFF_UP and not vlan.flags & VLAN_FLAG_LOOSE_BINDING:
        return -ENETDOWN
    if vlan.real_dev.carrier:
        netif_carrier_on(dev)
    return 0


def vlan_dev_stop(dev: NetDevice) -> int:
    netif_carrier_off(dev)
    return 0


def vlan_dev_change_mtu(dev: NetDevice, new_mtu: int) -> int:
    if dev.priv.real_dev.mtu < new_mtu:
        return -ERANGE
    dev.mtu = new_mtu
    return 0


def vlan_dev_get_iflink(dev: NetDevice) -> int:
    return dev.priv.real_dev.ifindex


vlan_netdev_ops = NetDeviceOps(
    ndo_init=vlan_dev_init,
    ndo_open=vlan_dev_open,
    ndo_stop=vlan_dev_stop,
    ndo_change_mtu=vlan_dev_change_mtu,
    ndo_get_iflink=vlan_dev_get_iflink,
)


def vlan_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.dev_addr = "00:00:00:00:00:00"  # vlan_dev_init takes the real device's
    dev.priv_flags |= IFF_NO_QUEUE
    dev.netdev_ops = vlan_netdev_ops
    dev.needs_free_netdev = True
    dev.priv_destructor = vlan_dev_free
    dev.min_mtu = 0
    dev.max_mtu = ETH_MAX_MTU


# -- registration ---------------------------------------------------------------------------


def vlan_check_real_dev(real_dev: NetDevice, proto: int, vid: int) -> None:
    if real_dev.type != ARPHRD_ETHER:
        real_dev.kernel.printk.pr_info(f"8021q: VLANs not supported on {real_dev.name}")
        raise KernelError(EOPNOTSUPP, "8021q: VLANs not supported on device")
    if vlan_find_dev(real_dev, proto, vid) is not None:
        raise KernelError(EEXIST, "8021q: VLAN device already exists")


def register_vlan_dev(dev: NetDevice, extack: list[str]) -> None:
    vlan: VlanDevPriv = dev.priv
    real_dev = vlan.real_dev
    infos = _vlan_infos(dev.kernel)
    created = real_dev not in infos
    info = infos.setdefault(real_dev, VlanInfo(real_dev))  # vlan_vid_add
    try:
        register_netdevice(dev)
    except KernelError:
        if created:
            del infos[real_dev]
        raise
    try:
        netdev_upper_dev_link(real_dev, dev, extack)
    except KernelError:
        unregister_netdevice(dev)
        if created:
            del infos[real_dev]
        raise
    vlan_transfer_operstate(real_dev, dev)
    linkwatch_fire_event(dev)
    info.grp[(vlan.vlan_proto, vlan.vlan_id)] = dev


def unregister_vlan_dev(dev: NetDevice, head: list[NetDevice] | None) -> None:
    """The vlan dellink: out of the group, unlinked, then queued (the kernel's order)."""
    vlan: VlanDevPriv = dev.priv
    real_dev = vlan.real_dev
    infos = _vlan_infos(dev.kernel)
    info = infos[real_dev]
    info.grp.pop((vlan.vlan_proto, vlan.vlan_id), None)
    netdev_upper_dev_unlink(real_dev, dev)
    unregister_netdevice_queue(dev, head)
    if not info.grp:  # vlan_vid_del of the last VID frees vlan_info
        del infos[real_dev]


# -- rtnl_link_ops --------------------------------------------------------------------------


def vlan_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    addr = tb.get("IFLA_ADDRESS")
    if addr is not None and len(addr.split(":")) != 6:
        extack.append("8021q: Invalid link address")
        return -EINVAL
    if not data:
        extack.append("8021q: VLAN properties not specified")
        return -EINVAL
    if data.get("IFLA_VLAN_PROTOCOL", ETH_P_8021Q) not in VLAN_PROTOS:
        extack.append("8021q: Invalid VLAN protocol")
        return -EPROTONOSUPPORT
    if data.get("IFLA_VLAN_ID", 0) >= VLAN_VID_MASK:
        extack.append("8021q: Invalid VLAN id")
        return -ERANGE
    return 0


def vlan_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    tb, data = params.tb, params.data or {}
    link_net = params.link_net or params.src_net
    if "IFLA_VLAN_ID" not in data:
        raise KernelError(EINVAL, "8021q: VLAN id not specified")
    if "IFLA_LINK" not in tb:
        raise KernelError(EINVAL, "8021q: link not specified")
    real_dev = link_net.dev_get_by_index(tb["IFLA_LINK"])
    if real_dev is None:
        raise KernelError(ENODEV, "8021q: link does not exist")
    vlan: VlanDevPriv = dev.priv
    vlan.vlan_proto = data.get("IFLA_VLAN_PROTOCOL", ETH_P_8021Q)
    vlan.vlan_id = data["IFLA_VLAN_ID"]
    vlan.real_dev = real_dev
    vlan_check_real_dev(real_dev, vlan.vlan_proto, vlan.vlan_id)
    if "IFLA_MTU" not in tb:
        dev.mtu = real_dev.mtu
    elif dev.mtu > real_dev.mtu:
        raise KernelError(EINVAL)
    vlan_changelink(dev, tb, data, extack)
    register_vlan_dev(dev, extack)


def vlan_changelink(dev: NetDevice, tb: dict, data: dict | None, extack: list[str]) -> None:
    vlan: VlanDevPriv = dev.priv
    flags = (data or {}).get("IFLA_VLAN_FLAGS")
    if flags is not None:
        mask = flags.get("mask", 0)
        vlan.flags = (vlan.flags & ~mask) | (flags.get("flags", 0) & mask)
    vlan_qos_changelink(vlan.qos, data or {})


def vlan_fill_info(dev: NetDevice) -> dict:
    vlan: VlanDevPriv = dev.priv
    return {
        "IFLA_VLAN_PROTOCOL": vlan.vlan_proto,
        "IFLA_VLAN_ID": vlan.vlan_id,
        "IFLA_VLAN_FLAGS": {"flags": vlan.flags, "mask": 0xFFFFFFFF},
        **vlan_qos_fill_info(vlan.qos),
    }


def vlan_get_link_net(dev: NetDevice) -> Net:
    return dev.priv.real_dev.nd_net


# -- the notifier ---------------------------------------------------------------------------


def vlan_device_event(nb: NotifierBlock, event: int, info: object) -> int:
    dev: NetDevice = info.dev
    vinfo = _vlan_infos(dev.kernel).get(dev)
    if vinfo is None:
        return NOTIFY_DONE
    if event == NetdevCmd.NETDEV_CHANGE:
        for vlandev in vinfo.devices():
            vlan_transfer_operstate(dev, vlandev)
    elif event == NetdevCmd.NETDEV_CHANGEMTU:
        for vlandev in vinfo.devices():
            if vlandev.mtu > dev.mtu:
                dev_set_mtu(vlandev, dev.mtu)
    elif event == NetdevCmd.NETDEV_DOWN:
        # list_add builds the close list in reverse group order; one close-many for all.
        close_list = [
            v
            for v in reversed(vinfo.devices())
            if v.flags & IFF_UP and not v.priv.flags & VLAN_FLAG_LOOSE_BINDING
        ]
        dev_close_many(close_list, False)
        for vlandev in close_list:
            vlan_transfer_operstate(dev, vlandev)
    elif event == NetdevCmd.NETDEV_UP:
        for vlandev in vinfo.devices():
            flgs = dev_get_flags(vlandev)
            if flgs & IFF_UP:
                continue
            if not vlandev.priv.flags & VLAN_FLAG_LOOSE_BINDING:
                dev_change_flags(vlandev, flgs | IFF_UP, info.extack)
            vlan_transfer_operstate(dev, vlandev)
    elif event == NetdevCmd.NETDEV_UNREGISTER:
        if dev.reg_state != NETREG_UNREGISTERING:
            return NOTIFY_DONE  # a namespace move keeps the VLANs
        kill: list[NetDevice] = []
        for vlandev in vinfo.devices():
            unregister_vlan_dev(vlandev, kill)
        unregister_netdevice_many(dev.kernel, kill)
    elif event == NetdevCmd.NETDEV_PRE_TYPE_CHANGE:
        return NOTIFY_BAD
    return NOTIFY_DONE


# -- the module -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class VlanState:
    """The module's globals for one host: ops, notifier and every real device's vlan_info."""

    link_ops: RtnlLinkOps
    notifier: NotifierBlock
    vlan_info: dict[NetDevice, VlanInfo] = field(default_factory=dict)


def vlan_holder_explainer(dev: NetDevice, holder: str, count: int) -> list:
    """Model-only, for hang reports: the VLAN device whose ndo_init took `holder` on dev."""
    from netlife.kernel.hang_explain import Held, device_label

    found = []
    for upper in dev.kernel.live_devices():
        vlan = upper.priv
        tracker = getattr(vlan, "dev_tracker", None)
        if (
            isinstance(vlan, VlanDevPriv)
            and vlan.real_dev is dev
            and tracker
            and tracker.holder == holder
        ):
            how = (
                f"holds its real device {dev.name} from ndo_init (vlan_dev_init) until its "
                "priv_destructor (vlan_dev_free) runs at the end of its own unregistration"
            )
            found.append(Held(1, device_label(upper), how, device=upper))
    return found[:count]


def vlan_proto_init(kernel, params) -> int:
    kernel.printk.pr_info("8021q: 802.1Q VLAN Support v1.8")
    ops = RtnlLinkOps(
        kind="vlan",
        priv_factory=VlanDevPriv,
        setup=vlan_setup,
        validate=vlan_validate,
        newlink=vlan_newlink,
        changelink=vlan_changelink,
        dellink=unregister_vlan_dev,
        fill_info=vlan_fill_info,
        get_link_net=vlan_get_link_net,
        owner="8021q",
    )
    state = VlanState(ops, NotifierBlock(vlan_device_event, 0, "vlan_notifier_block"))
    kernel.driver_state["8021q"] = state
    register_netdevice_notifier(kernel, state.notifier)
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        unregister_netdevice_notifier(kernel, state.notifier)
        del kernel.driver_state["8021q"]
        return -err.errno
    register_holder_explainer(kernel, "vlan_dev_init", vlan_holder_explainer)
    return 0


def vlan_cleanup_module(kernel) -> None:
    state: VlanState = kernel.driver_state["8021q"]
    unregister_holder_explainer(kernel, "vlan_dev_init", vlan_holder_explainer)
    rtnl_link_unregister(kernel, state.link_ops)
    unregister_netdevice_notifier(kernel, state.notifier)
    del kernel.driver_state["8021q"]


MODULE = Module("8021q", vlan_proto_init, vlan_cleanup_module, aliases=("rtnl-link-vlan",))

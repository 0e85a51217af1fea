"""MAC-address based virtual devices stacked on a lower Ethernet device.

Mirrors drivers/net/macvlan.c: macvlan_common_newlink (IFLA_LINK looked up in the link
namespace, a macvlan on a macvlan uses the real lower, MTU capped by the lower, the port created
on the first macvlan, passthru alone on its port), macvlan_port_create / _destroy (the lower's
rx_handler and IFF_MACVLAN_PORT), macvlan_init (port->count, a tracked reference on the lower)
and macvlan_uninit (the last one destroys the port), macvlan_dev_free (the priv_destructor that
drops the lower's reference, so the lower's todo finishes after the macvlan's), macvlan_dellink
and macvlan_device_event (operstate, MTU and, only for a lower that is really going away,
NETDEV_UNREGISTER deleting every macvlan of the port in one nested batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import (
    netdev_is_rx_handler_busy,
    netdev_rx_handler_register,
    netdev_rx_handler_unregister,
    register_netdevice,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
)
from netlife.kernel.dev_addr_lists import IFF_UNICAST_FLT, dev_uc_add, dev_uc_del
from netlife.kernel.dev_adjacency import netdev_upper_dev_link, netdev_upper_dev_unlink
from netlife.kernel.dev_flags import (
    dev_set_allmulti,
    dev_set_mtu,
    dev_set_promiscuity,
    linkwatch_fire_event,
    netif_stacked_transfer_operstate,
)
from netlife.kernel.dev_notify import (
    call_netdevice_notifiers,
    register_netdevice_notifier,
    unregister_netdevice_notifier,
)
from netlife.kernel.errors import EBUSY, EINVAL, ENODEV, KernelError
from netlife.kernel.hang_explain import register_holder_explainer, unregister_holder_explainer
from netlife.kernel.if_link import ARPHRD_ETHER, IFF_ALLMULTI, IFF_LOOPBACK, IFF_PROMISC
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    ETH_MIN_MTU,
    IFF_MACVLAN,
    IFF_MACVLAN_PORT,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
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

# include/uapi/linux/if_link.h: enum macvlan_mode and the MACVLAN_FLAG_* bits
MACVLAN_MODE_PRIVATE = 1
MACVLAN_MODE_VEPA = 2
MACVLAN_MODE_BRIDGE = 4
MACVLAN_MODE_PASSTHRU = 8
MACVLAN_MODE_SOURCE = 16
MACVLAN_MODES = (
    MACVLAN_MODE_PRIVATE,
    MACVLAN_MODE_VEPA,
    MACVLAN_MODE_BRIDGE,
    MACVLAN_MODE_PASSTHRU,
    MACVLAN_MODE_SOURCE,
)
MACVLAN_FLAG_NOPROMISC = 1
MACVLAN_FLAG_NODST = 2
MACVLAN_DEFAULT_BC_QUEUE_LEN = 1000


@dataclass(slots=True, eq=False)
class MacvlanPort:
    """struct macvlan_port: the lower device's rx_handler_data, shared by its macvlans."""

    dev: NetDevice  # the lower device
    vlans: list[MacvlanDev] = field(default_factory=list)  # list_add_tail: creation order
    count: int = 0  # macvlan_init increments, macvlan_uninit decrements; 0 destroys the port
    passthru: bool = False
    perm_addr: str = ""  # the lower's MAC when the port was made (passthru restores it)
    bc_queue_len_used: int = MACVLAN_DEFAULT_BC_QUEUE_LEN


@dataclass(slots=True, eq=False)
class MacvlanDev:
    """struct macvlan_dev: netdev_priv of a macvlan."""

    dev: NetDevice | None = None
    lowerdev: NetDevice | None = None  # the real lower, never a macvlan
    port: MacvlanPort | None = None
    mode: int = MACVLAN_MODE_VEPA
    flags: int = 0
    bc_queue_len_req: int = MACVLAN_DEFAULT_BC_QUEUE_LEN
    dev_tracker: RefTracker | None = None  # macvlan_init takes it, macvlan_dev_free drops it


def netif_is_macvlan(dev: NetDevice) -> bool:
    return bool(dev.priv_flags & IFF_MACVLAN)


def netif_is_macvlan_port(dev: NetDevice) -> bool:
    return bool(dev.priv_flags & IFF_MACVLAN_PORT)


def macvlan_port_get_rtnl(dev: NetDevice) -> MacvlanPort:
    return dev.rx_handler


# -- the port -----------------------------------------------------------------------------------


def macvlan_port_create(dev: NetDevice) -> None:
    if dev.type != ARPHRD_ETHER or dev.flags & IFF_LOOPBACK:
        raise KernelError(EINVAL)
    if netdev_is_rx_handler_busy(dev):
        raise KernelError(EBUSY)
    netdev_rx_handler_register(dev, MacvlanPort(dev, perm_addr=dev.dev_addr))
    dev.priv_flags |= IFF_MACVLAN_PORT


def macvlan_port_destroy(dev: NetDevice) -> None:
    dev.priv_flags &= ~IFF_MACVLAN_PORT
    netdev_rx_handler_unregister(dev)


# -- net_device_ops -------------------------------------------------------------------------


ALWAYS_ON_OFFLOADS = (nf.NETIF_F_SG | nf.NETIF_F_HW_CSUM | nf.NETIF_F_GSO_SOFTWARE
                      | nf.NETIF_F_GSO_ROBUST | nf.NETIF_F_GSO_ENCAP_ALL)  # fmt: skip
ALWAYS_ON_FEATURES = ALWAYS_ON_OFFLOADS
MACVLAN_FEATURES = (nf.NETIF_F_SG | nf.NETIF_F_HW_CSUM | nf.NETIF_F_HIGHDMA | nf.NETIF_F_FRAGLIST
                    | nf.NETIF_F_GSO | nf.NETIF_F_TSO | nf.NETIF_F_LRO | nf.NETIF_F_TSO_ECN
                    | nf.NETIF_F_TSO6 | nf.NETIF_F_GRO | nf.NETIF_F_RXCSUM
                    | nf.NETIF_F_HW_VLAN_CTAG_FILTER | nf.NETIF_F_HW_VLAN_STAG_FILTER)  # fmt: skip


def macvlan_fix_features(dev: NetDevice, features: frozenset) -> frozenset:
    """What the lower offers, what the user left on, and what a macvlan always does."""
    lowerdev_features = dev.priv.lowerdev.features
    features |= nf.NETIF_F_ALL_FOR_ALL
    # features &= vlan->set_features | ~MACVLAN_FEATURES: a macvlan's set_features is all of
    # MACVLAN_FEATURES (only macvtap narrows it), so nothing is taken away here.
    mask = features
    lowerdev_features -= nf.NETIF_F_LRO - features
    features = nf.netdev_increment_features(lowerdev_features, features, mask)
    features |= ALWAYS_ON_FEATURES
    return features & (ALWAYS_ON_FEATURES | MACVLAN_FEATURES)


def macvlan_init(dev: NetDevice) -> int:
    vlan: MacvlanDev = dev.priv
    lowerdev = vlan.lowerdev
    dev.features = (lowerdev.features & MACVLAN_FEATURES) | ALWAYS_ON_FEATURES
    dev.hw_features |= nf.NETIF_F_LRO
    dev.vlan_features = (lowerdev.vlan_features & MACVLAN_FEATURES) | ALWAYS_ON_OFFLOADS
    dev.hw_enc_features |= dev.features
    dev.tso_max_size = vlan.lowerdev.tso_max_size  # netif_inherit_tso_max
    vlan.port.count += 1
    vlan.dev_tracker = netdev_hold(vlan.lowerdev, f"macvlan_init ({dev.name})")
    return 0


def macvlan_uninit(dev: NetDevice) -> None:
    port = dev.priv.port
    port.count -= 1
    if not port.count:
        macvlan_port_destroy(port.dev)


def macvlan_dev_free(dev: NetDevice) -> None:
    """priv_destructor: runs in netdev_run_todo, so the lower waits for this macvlan."""
    vlan: MacvlanDev = dev.priv
    netdev_put(vlan.lowerdev, vlan.dev_tracker)
    vlan.dev_tracker = None


def macvlan_open(dev: NetDevice) -> int:
    """The lower takes the macvlan's address (dev_uc_add) and its promisc/allmulti users; a
    passthru macvlan makes the lower promiscuous instead (unless nopromisc)."""
    vlan: MacvlanDev = dev.priv
    lowerdev = vlan.lowerdev
    if vlan.port.passthru:
        if not vlan.flags & MACVLAN_FLAG_NOPROMISC:
            dev_set_promiscuity(lowerdev, 1)
        return 0
    dev_uc_add(lowerdev, dev.dev_addr)
    if dev.flags & IFF_ALLMULTI:
        dev_set_allmulti(lowerdev, 1)
    if dev.flags & IFF_PROMISC:
        dev_set_promiscuity(lowerdev, 1)
    return 0


def macvlan_stop(dev: NetDevice) -> int:
    """macvlan_open undone, in macvlan_stop's order."""
    vlan: MacvlanDev = dev.priv
    lowerdev = vlan.lowerdev
    if vlan.port.passthru:
        if not vlan.flags & MACVLAN_FLAG_NOPROMISC:
            dev_set_promiscuity(lowerdev, -1)
        return 0
    if dev.flags & IFF_ALLMULTI:
        dev_set_allmulti(lowerdev, -1)
    if dev.flags & IFF_PROMISC:
        dev_set_promiscuity(lowerdev, -1)
    dev_uc_del(lowerdev, dev.dev_addr)
    return 0


def macvlan_change_mtu(dev: NetDevice, new_mtu: int) -> int:
    if dev.priv.lowerdev.mtu < new_mtu:
        return -EINVAL
    dev.mtu = new_mtu
    return 0


def macvlan_dev_get_iflink(dev: NetDevice) -> int:
    return dev.priv.lowerdev.ifindex


macvlan_netdev_ops = NetDeviceOps(
    ndo_init=macvlan_init,
    ndo_uninit=macvlan_uninit,
    ndo_open=macvlan_open,
    ndo_stop=macvlan_stop,
    ndo_change_mtu=macvlan_change_mtu,
    ndo_get_iflink=macvlan_dev_get_iflink,
    ndo_fix_features=macvlan_fix_features,
)


def macvlan_setup(dev: NetDevice) -> None:
    """macvlan_common_setup + IFF_NO_QUEUE."""
    ether_setup(dev)
    dev.max_mtu = ETH_MAX_MTU
    dev.netdev_ops = macvlan_netdev_ops
    dev.needs_free_netdev = True
    dev.priv_destructor = macvlan_dev_free
    dev.priv_flags |= IFF_NO_QUEUE | IFF_UNICAST_FLT


# -- rtnl_link_ops --------------------------------------------------------------------------


def macvlan_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    addr = tb.get("IFLA_ADDRESS")
    if addr is not None and len(addr.split(":")) != 6:
        return -EINVAL
    if not data:
        return 0
    if data.get("IFLA_MACVLAN_FLAGS", 0) & ~(MACVLAN_FLAG_NOPROMISC | MACVLAN_FLAG_NODST):
        return -EINVAL
    if "IFLA_MACVLAN_MODE" in data and data["IFLA_MACVLAN_MODE"] not in MACVLAN_MODES:
        return -EINVAL
    return 0


def macvlan_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    """macvlan_common_newlink, in its order; failures unwind the port only if made here."""
    tb, data = params.tb, params.data or {}
    link_net = params.link_net or params.src_net
    if "IFLA_LINK" not in tb:
        raise KernelError(EINVAL)
    lowerdev = link_net.dev_get_by_index(tb["IFLA_LINK"])
    if lowerdev is None:
        raise KernelError(ENODEV)
    if netif_is_macvlan(lowerdev):
        lowerdev = lowerdev.priv.lowerdev
    if "IFLA_MTU" not in tb:
        dev.mtu = lowerdev.mtu
    elif dev.mtu > lowerdev.mtu:
        raise KernelError(EINVAL)
    dev.min_mtu = ETH_MIN_MTU
    dev.max_mtu = lowerdev.max_mtu
    if "IFLA_ADDRESS" not in tb:
        dev.dev_addr = dev.kernel.random_ether_addr()
        dev.addr_assign_type = NET_ADDR_RANDOM
    create = False
    if not netif_is_macvlan_port(lowerdev):
        macvlan_port_create(lowerdev)
        create = True
    port = macvlan_port_get_rtnl(lowerdev)

    def destroy_macvlan_port() -> None:
        if create and netif_is_macvlan_port(lowerdev):
            macvlan_port_destroy(lowerdev)

    if port.passthru:  # only one macvlan may sit on a passthru port
        destroy_macvlan_port()
        raise KernelError(EINVAL)
    vlan: MacvlanDev = dev.priv
    vlan.lowerdev, vlan.dev, vlan.port = lowerdev, dev, port
    vlan.mode = data.get("IFLA_MACVLAN_MODE", MACVLAN_MODE_VEPA)
    vlan.flags = data.get("IFLA_MACVLAN_FLAGS", 0)
    if vlan.mode == MACVLAN_MODE_PASSTHRU:
        if port.count:
            destroy_macvlan_port()
            raise KernelError(EINVAL)
        port.passthru = True
        dev.dev_addr = lowerdev.dev_addr  # eth_hw_addr_inherit
        dev.addr_assign_type = lowerdev.addr_assign_type
    vlan.bc_queue_len_req = data.get("IFLA_MACVLAN_BC_QUEUE_LEN", MACVLAN_DEFAULT_BC_QUEUE_LEN)
    try:
        register_netdevice(dev)
    except KernelError:
        destroy_macvlan_port()
        raise
    dev.priv_flags |= IFF_MACVLAN
    try:
        netdev_upper_dev_link(lowerdev, dev, extack)
    except KernelError:
        unregister_netdevice(dev)  # macvlan_uninit frees the port if this was its last user
        raise
    port.vlans.append(vlan)
    netif_stacked_transfer_operstate(lowerdev, dev)
    linkwatch_fire_event(dev)


def macvlan_changelink(dev: NetDevice, tb: dict, data: dict | None, extack: list[str]) -> None:
    vlan: MacvlanDev = dev.priv
    data = data or {}
    mode = data.get("IFLA_MACVLAN_MODE")
    if mode is not None and (mode == MACVLAN_MODE_PASSTHRU) != (vlan.mode == MACVLAN_MODE_PASSTHRU):
        raise KernelError(EINVAL)  # passthru can be neither set nor cleared later
    if "IFLA_MACVLAN_FLAGS" in data:
        vlan.flags = data["IFLA_MACVLAN_FLAGS"]
    if mode is not None:
        vlan.mode = mode


def macvlan_dellink(dev: NetDevice, head: list[NetDevice] | None) -> None:
    """Off the port's list first, so a later cascade on the lower cannot queue it twice."""
    vlan: MacvlanDev = dev.priv
    if vlan in vlan.port.vlans:
        vlan.port.vlans.remove(vlan)
    unregister_netdevice_queue(dev, head)
    netdev_upper_dev_unlink(vlan.lowerdev, dev)


def macvlan_fill_info(dev: NetDevice) -> dict:
    vlan: MacvlanDev = dev.priv
    info = {
        "IFLA_MACVLAN_MODE": vlan.mode,
        "IFLA_MACVLAN_FLAGS": vlan.flags,
        "IFLA_MACVLAN_MACADDR_COUNT": 0,
    }
    if vlan.bc_queue_len_req:
        info["IFLA_MACVLAN_BC_QUEUE_LEN"] = vlan.bc_queue_len_req
    info["IFLA_MACVLAN_BC_QUEUE_LEN_USED"] = vlan.port.bc_queue_len_used
    return info


def macvlan_get_link_net(dev: NetDevice) -> Net:
    return dev.priv.lowerdev.nd_net


# -- the notifier ---------------------------------------------------------------------------


def macvlan_device_event(nb: NotifierBlock, event: int, info: object) -> int:
    dev: NetDevice = info.dev
    if not netif_is_macvlan_port(dev):
        return NOTIFY_DONE
    port = macvlan_port_get_rtnl(dev)
    if event in (NetdevCmd.NETDEV_UP, NetdevCmd.NETDEV_DOWN, NetdevCmd.NETDEV_CHANGE):
        for vlan in port.vlans:
            netif_stacked_transfer_operstate(vlan.lowerdev, vlan.dev)
    elif event == NetdevCmd.NETDEV_FEAT_CHANGE:
        for vlan in list(port.vlans):
            vlan.dev.tso_max_size = dev.tso_max_size  # netif_inherit_tso_max
            nf.netdev_update_features(vlan.dev)
    elif event == NetdevCmd.NETDEV_CHANGEMTU:
        for vlan in list(port.vlans):
            if vlan.dev.mtu > dev.mtu:
                dev_set_mtu(vlan.dev, dev.mtu)
    elif event == NetdevCmd.NETDEV_UNREGISTER:
        # A namespace move keeps the macvlans: only a lower that is really going away
        # takes them (all of them, whatever namespace they live in) in one nested batch.
        if dev.reg_state != NETREG_UNREGISTERING:
            return NOTIFY_DONE
        kill: list[NetDevice] = []
        for vlan in list(port.vlans):
            vlan.dev.rtnl_link_ops.dellink(vlan.dev, kill)
        unregister_netdevice_many(dev.kernel, kill)
    elif event == NetdevCmd.NETDEV_PRE_TYPE_CHANGE:
        return NOTIFY_BAD  # the lower may not change its type under its macvlans
    elif event in (
        NetdevCmd.NETDEV_NOTIFY_PEERS,
        NetdevCmd.NETDEV_BONDING_FAILOVER,
        NetdevCmd.NETDEV_RESEND_IGMP,
    ):
        for vlan in port.vlans:
            call_netdevice_notifiers(event, vlan.dev)
    return NOTIFY_DONE


def macvlan_holder_explainer(dev: NetDevice, holder: str, count: int) -> list:
    """Model-only, for hang reports: the macvlan whose ndo_init took `holder` on its lower."""
    from netlife.kernel.hang_explain import Held, device_label

    found = []
    for upper in dev.kernel.live_devices():
        vlan = upper.priv
        tracker = getattr(vlan, "dev_tracker", None)
        if (
            isinstance(vlan, MacvlanDev)
            and vlan.lowerdev is dev
            and tracker
            and tracker.holder == holder
        ):
            how = (
                f"holds its lower device {dev.name} from ndo_init (macvlan_init) until its "
                "priv_destructor (macvlan_dev_free) runs at the end of its own unregistration"
            )
            found.append(Held(1, device_label(upper), how, device=upper))
    return found[:count]


# -- the module -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class MacvlanState:
    """The module's globals for one host: macvlan_link_ops and macvlan_notifier_block."""

    link_ops: RtnlLinkOps
    notifier: NotifierBlock


def macvlan_init_module(kernel, params) -> int:
    ops = RtnlLinkOps(
        kind="macvlan",
        priv_factory=MacvlanDev,
        setup=macvlan_setup,
        validate=macvlan_validate,
        newlink=macvlan_newlink,
        changelink=macvlan_changelink,
        dellink=macvlan_dellink,
        fill_info=macvlan_fill_info,
        get_link_net=macvlan_get_link_net,
        owner="macvlan",
    )
    state = MacvlanState(ops, NotifierBlock(macvlan_device_event, 0, "macvlan_notifier_block"))
    kernel.driver_state["macvlan"] = state
    register_netdevice_notifier(kernel, state.notifier)
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        unregister_netdevice_notifier(kernel, state.notifier)
        del kernel.driver_state["macvlan"]
        return -err.errno
    register_holder_explainer(kernel, "macvlan_init", macvlan_holder_explainer)
    return 0


def macvlan_cleanup_module(kernel) -> None:
    state: MacvlanState = kernel.driver_state.pop("macvlan")
    unregister_holder_explainer(kernel, "macvlan_init", macvlan_holder_explainer)
    rtnl_link_unregister(kernel, state.link_ops)
    unregister_netdevice_notifier(kernel, state.notifier)


MODULE = Module(
    "macvlan", macvlan_init_module, macvlan_cleanup_module, aliases=("rtnl-link-macvlan",)
)

"""The Ethernet bridge: link kind "bridge", its ports, and the bridge MAC rules.

Mirrors net/bridge: br_device.c (br_dev_setup: random MAC, needs_free_netdev, netns_immutable;
br_dev_open / br_dev_stop; ndo_add_slave / ndo_del_slave), br_if.c (br_add_if with the
kernel's checks and unwind, new_nbp's tracked reference on the port device, del_nbp whose
destroy_nbp drops it in an RCU callback, br_del_if, br_dev_delete), br_stp_if.c
(br_stp_recalculate_bridge_id: a user-set MAC never changes, else the lowest port MAC, all
zeros once the last port leaves; port enable/disable with the kernel STP off), br_notify.c
(br_device_event: NETDEV_UNREGISTER of a port leaves the bridge whatever its reg_state, so a
port moved to another namespace leaves too), br_netlink.c (the AF_BRIDGE port messages;
the -d attributes are in bridge_netlink.py) and br.c (module init/exit, br_net_exit_rtnl).
The port structures live in the bridge's private area; the netlink-visible state is computed
from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlife.drivers.bridge_netlink import br_fill_info, br_port_fill_slave_info
from netlife.drivers.bridge_port_opts import BR_PORT_DEFAULT_FLAGS, br_port_slave_changelink
from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import (
    netdev_is_rx_handler_busy,
    netdev_rx_handler_register,
    netdev_rx_handler_unregister,
    register_netdevice,
    unregister_netdevice_queue,
)
from netlife.kernel.dev_adjacency import (
    netdev_master_upper_dev_get,
    netdev_master_upper_dev_link,
    netdev_upper_dev_unlink,
)
from netlife.kernel.dev_flags import (
    dev_set_allmulti,
    dev_set_mtu,
    dev_set_promiscuity,
    netif_carrier_off,
    netif_carrier_on,
    netif_oper_up,
)
from netlife.kernel.dev_notify import (
    call_netdevice_notifiers,
    register_netdevice_notifier,
    unregister_netdevice_notifier,
)
from netlife.kernel.errors import EBUSY, EINVAL, ELOOP, EOPNOTSUPP, KernelError
from netlife.kernel.hang_explain import register_holder_explainer, unregister_holder_explainer
from netlife.kernel.if_link import (
    ARPHRD_ETHER,
    IFF_LOOPBACK,
    IFF_UP,
    RTM_DELLINK,
    RTM_NEWLINK,
)
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    ETH_DATA_LEN,
    ETH_MAX_MTU,
    IFF_BRIDGE_PORT,
    IFF_DONT_BRIDGE,
    IFF_EBRIDGE,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
    NET_ADDR_SET,
    NETREG_REGISTERED,
    NETREG_UNREGISTERING,
    NetDevice,
    NetDeviceOps,
    ether_setup,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.netns_lifecycle import (
    PernetOperations,
    register_pernet_subsys,
    unregister_pernet_operations,
)
from netlife.kernel.notifier import (
    NETDEV_CHANGEADDR,
    NETDEV_JOIN,
    NETDEV_PRE_CHANGEADDR,
    NOTIFY_BAD,
    NOTIFY_DONE,
    NetdevCmd,
    NotifierBlock,
    notifier_to_errno,
)
from netlife.kernel.ref_tracker import RefTracker
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_link_register,
    rtnl_link_unregister,
)
from netlife.kernel.rtnl_notify import rtmsg_bridge_port

BR_MAX_PORTS = 1 << 10
ZERO_MAC = "00:00:00:00:00:00"


@dataclass(slots=True, eq=False)
class NetBridge:
    """struct net_bridge: netdev_priv of a bridge."""

    dev: NetDevice | None = None
    port_list: list[NetBridgePort] = field(default_factory=list)  # list_add_rcu: newest first
    bridge_id_addr: str = ZERO_MAC  # bridge_id.addr: zero until br_stp_change_bridge_id
    bridge_id_prio: int = 0x8000
    stp_enabled: int = 0
    forward_delay: int = 1500  # the IFLA_BR_* timers, in clock_t (1/100 s)
    hello_time: int = 200
    max_age: int = 2000
    ageing_time: int = 30000
    vlan_filtering: int = 0
    mtu_set_by_user: bool = False  # BROPT_MTU_SET_BY_USER


# include/uapi/linux/if_bridge.h: port states, with br_port_state_names
BR_STATE_DISABLED = 0
BR_STATE_LISTENING = 1
BR_STATE_LEARNING = 2
BR_STATE_FORWARDING = 3
BR_STATE_BLOCKING = 4
BR_PORT_STATE_NAMES = ("disabled", "listening", "learning", "forwarding", "blocking")


@dataclass(slots=True, eq=False)
class NetBridgePort:
    """struct net_bridge_port: the port's rx_handler_data, on its bridge's port_list."""

    br: NetBridge | None
    dev: NetDevice | None
    port_no: int
    state: int = BR_STATE_DISABLED
    priority: int = 32
    path_cost: int = 100
    promisc: bool = False  # BR_PROMISC
    flags: int = BR_PORT_DEFAULT_FLAGS  # BR_* port flags; br_setport writes them under RTNL
    multicast_router: int = 1  # MDB_RTR_TYPE_TEMP_QUERY
    group_fwd_mask: int = 0
    backup_port: NetBridgePort | None = None
    dev_tracker: RefTracker | None = None  # new_nbp takes it, destroy_nbp (RCU) drops it


def netif_is_bridge_master(dev: NetDevice) -> bool:
    return bool(dev.priv_flags & IFF_EBRIDGE)


def br_port_get_rtnl(dev: NetDevice) -> NetBridgePort | None:
    return dev.rx_handler if dev.priv_flags & IFF_BRIDGE_PORT else None


# -- port state, messages and counters --------------------------------------------------------


def netdev_name(dev: NetDevice) -> str:
    """netdev_name + netdev_reg_state: how netdev_info() names a device in dmesg."""
    return dev.name + (" (unregistering)" if dev.reg_state == NETREG_UNREGISTERING else "")


def port_cost(dev: NetDevice) -> int:
    """br_if.c:port_cost from the ethtool speed. CHOICE: veth (and what stacks on it) reports
    10 Gb/s, cost 2; the model's other devices report no speed, cost 100."""
    kind = dev.rtnl_link_ops.kind if dev.rtnl_link_ops else None
    return 2 if kind in ("veth", "macvlan", "vlan") else 100


def br_ifinfo_notify(event: str, p: NetBridgePort) -> None:
    """br_netlink.c:br_ifinfo_notify: an AF_BRIDGE message, whatever the port's reg_state."""
    rtmsg_bridge_port(event, p.dev)


def br_set_state(p: NetBridgePort, state: int) -> None:
    p.state = state
    p.dev.kernel.printk.pr_info(
        f"{netdev_name(p.br.dev)}: port {p.port_no}({p.dev.name}) entered "
        f"{BR_PORT_STATE_NAMES[state]} state"
    )


def br_stp_enable_port(p: NetBridgePort) -> None:
    """br_stp_if.c: br_init_port (blocking), br_port_state_selection (which makes the port
    forwarding and notifies), then a notification of its own."""
    br_set_state(p, BR_STATE_BLOCKING)
    br_port_state_selection(p.br)
    br_ifinfo_notify(RTM_NEWLINK, p)


def br_stp_disable_port(p: NetBridgePort) -> None:
    br_set_state(p, BR_STATE_DISABLED)
    br_ifinfo_notify(RTM_NEWLINK, p)
    br_port_state_selection(p.br)


# -- bridge id and MTU ----------------------------------------------------------------------


def br_make_forwarding(p: NetBridgePort) -> None:
    """br_stp.c:br_make_forwarding with STP off: a blocking port forwards at once, and says so."""
    if p.state != BR_STATE_BLOCKING:
        return
    br_set_state(p, BR_STATE_FORWARDING)
    br_ifinfo_notify(RTM_NEWLINK, p)


def br_port_state_selection(br: NetBridge) -> None:
    """br_stp.c:br_port_state_selection with the kernel STP off: the bridge is the root and
    every enabled port designated, so each blocking one is made forwarding; the bridge has
    carrier iff some port is forwarding."""
    for p in br.port_list:
        if p.state != BR_STATE_DISABLED:
            br_make_forwarding(p)
    if any(p.state == BR_STATE_FORWARDING for p in br.port_list):
        netif_carrier_on(br.dev)
    else:
        netif_carrier_off(br.dev)


def br_stp_change_bridge_id(br: NetBridge, addr: str) -> None:
    br.bridge_id_addr = addr
    br.dev.dev_addr = addr
    br_port_state_selection(br)


def br_stp_recalculate_bridge_id(br: NetBridge) -> bool:
    """The lowest port MAC (all zeros without ports) unless the user set the MAC."""
    if br.dev.addr_assign_type == NET_ADDR_SET:
        return False
    addr = ZERO_MAC
    for p in br.port_list:
        if addr == ZERO_MAC or _mac_key(p.dev.dev_addr) < _mac_key(addr):
            addr = p.dev.dev_addr
    if addr == br.bridge_id_addr:
        return False
    br_stp_change_bridge_id(br, addr)
    return True


def _mac_key(addr: str) -> bytes:
    return bytes(int(octet, 16) for octet in addr.split(":"))


def br_mtu_auto_adjust(br: NetBridge) -> None:
    if br.mtu_set_by_user:
        return
    mtu = min((p.dev.mtu for p in br.port_list), default=ETH_DATA_LEN)
    dev_set_mtu(br.dev, mtu)
    br.mtu_set_by_user = False


# COMMON_FEATURES of net/bridge/br_device.c.
BR_COMMON_FEATURES = (nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | nf.NETIF_F_HIGHDMA
                      | nf.NETIF_F_GSO_MASK | nf.NETIF_F_HW_CSUM)  # fmt: skip


def br_features_recompute(br: NetBridge, features: frozenset) -> frozenset:
    """The bridge's offloads from its ports': each port adds what one device may offer for
    all (GSO, scatter-gather, checksums ...), then TSO is added back within the mask."""
    if not br.port_list:
        return features
    mask = features
    features -= nf.NETIF_F_ONE_FOR_ALL
    for p in br.port_list:
        features = nf.netdev_increment_features(features, p.dev.features, mask)
    return nf.netdev_add_tso_features(features, mask)


def br_fix_features(dev: NetDevice, features: frozenset) -> frozenset:
    return br_features_recompute(dev.priv, features)


# -- ports ------------------------------------------------------------------------------------


def find_portno(br: NetBridge) -> int:
    used = {p.port_no for p in br.port_list}
    return next((i for i in range(1, BR_MAX_PORTS) if i not in used), -1)


def new_nbp(br: NetBridge, dev: NetDevice) -> NetBridgePort:
    index = find_portno(br)
    if index < 0:
        raise KernelError(-54)  # -EXFULL
    p = NetBridgePort(br, dev, index, path_cost=port_cost(dev))
    p.dev_tracker = netdev_hold(dev, f"new_nbp ({br.dev.name} port {dev.name})")
    br_set_state(p, BR_STATE_BLOCKING)  # br_init_port
    br_set_state(p, BR_STATE_DISABLED)
    return p


def destroy_nbp(p: NetBridgePort) -> None:
    """The RCU callback of del_nbp: the port's reference on its device goes last."""
    dev = p.dev
    p.br = None
    p.dev = None
    netdev_put(dev, p.dev_tracker)
    p.dev_tracker = None


def br_add_if(br: NetBridge, dev: NetDevice, extack: list[str] | None) -> None:
    """net/bridge/br_if.c:br_add_if, in its order, unwinding the way the kernel does."""
    if dev.flags & IFF_LOOPBACK or dev.type != ARPHRD_ETHER or dev.addr_len != 6:
        raise KernelError(EINVAL)
    if dev.dev_addr == ZERO_MAC or int(dev.dev_addr[:2], 16) & 1:  # !is_valid_ether_addr
        raise KernelError(EINVAL)
    if netif_is_bridge_master(dev):
        raise KernelError(ELOOP, "Can not enslave a bridge to a bridge")
    if netdev_master_upper_dev_get(dev) is not None:
        raise KernelError(EBUSY)
    if dev.priv_flags & IFF_DONT_BRIDGE:
        raise KernelError(EOPNOTSUPP, "Device does not allow enslaving to a bridge")
    p = new_nbp(br, dev)
    call_netdevice_notifiers(NETDEV_JOIN, dev)
    dev_set_allmulti(dev, 1)

    def err2() -> None:
        netdev_put(dev, p.dev_tracker)
        p.dev_tracker = None
        dev_set_allmulti(dev, -1)

    if netdev_is_rx_handler_busy(dev):
        err2()
        raise KernelError(EBUSY)
    netdev_rx_handler_register(dev, p)
    dev.priv_flags |= IFF_BRIDGE_PORT
    try:
        netdev_master_upper_dev_link(dev, br.dev, extack)
    except KernelError:
        dev.priv_flags &= ~IFF_BRIDGE_PORT
        netdev_rx_handler_unregister(dev)
        err2()
        raise
    nf.dev_disable_lro(dev)
    br.port_list.insert(0, p)
    nbp_update_port_count(br)
    nf.netdev_update_features(br.dev)
    if br.dev.addr_assign_type != NET_ADDR_SET:
        # Ask for permission to use this MAC now, even if the bridge does not take it.
        err = notifier_to_errno(call_netdevice_notifiers(NETDEV_PRE_CHANGEADDR, br.dev, extack))
        if err:
            br.port_list.remove(p)
            nbp_update_port_count(br)
            netdev_upper_dev_unlink(dev, br.dev)
            dev.priv_flags &= ~IFF_BRIDGE_PORT
            netdev_rx_handler_unregister(dev)
            err2()
            raise KernelError(err, extack[0] if extack else None)
    changed_addr = br_stp_recalculate_bridge_id(br)
    if dev.start and netif_oper_up(dev) and br.dev.flags & IFF_UP:
        br_stp_enable_port(p)
    br_ifinfo_notify(RTM_NEWLINK, p)
    if changed_addr:
        call_netdevice_notifiers(NETDEV_CHANGEADDR, br.dev)
    br_mtu_auto_adjust(br)


def nbp_update_port_count(br: NetBridge) -> None:
    """br_manage_promisc with VLAN filtering off: every port is promiscuous."""
    for p in br.port_list:
        if not p.promisc:
            dev_set_promiscuity(p.dev, 1)
            p.promisc = True


def del_nbp(p: NetBridgePort) -> None:
    br, dev = p.br, p.dev
    dev_set_allmulti(dev, -1)
    if p.promisc:
        dev_set_promiscuity(dev, -1)
        p.promisc = False
    br_stp_disable_port(p)
    br_ifinfo_notify(RTM_DELLINK, p)
    br.port_list.remove(p)
    nbp_update_port_count(br)
    netdev_upper_dev_unlink(dev, br.dev)
    dev.priv_flags &= ~IFF_BRIDGE_PORT
    netdev_rx_handler_unregister(dev)
    dev.kernel.clock.call_rcu(lambda: destroy_nbp(p))


def br_del_if(br: NetBridge, dev: NetDevice) -> None:
    p = br_port_get_rtnl(dev)
    if p is None or p.br is not br:
        raise KernelError(EINVAL)
    del_nbp(p)
    br_mtu_auto_adjust(br)
    if br_stp_recalculate_bridge_id(br):
        call_netdevice_notifiers(NETDEV_CHANGEADDR, br.dev)
    nf.netdev_update_features(br.dev)


# -- net_device_ops -------------------------------------------------------------------------


def br_dev_open(dev: NetDevice) -> int:
    br: NetBridge = dev.priv
    for p in list(br.port_list):  # br_stp_enable_bridge
        if p.dev.start and netif_oper_up(p.dev):
            br_stp_enable_port(p)
    return 0


def br_dev_stop(dev: NetDevice) -> int:
    br: NetBridge = dev.priv
    for p in list(br.port_list):  # br_stp_disable_bridge
        if p.state != BR_STATE_DISABLED:
            br_stp_disable_port(p)
    return 0


def br_change_mtu(dev: NetDevice, new_mtu: int) -> int:
    dev.mtu = new_mtu
    dev.priv.mtu_set_by_user = True
    return 0


def br_set_mac_address(dev: NetDevice, addr: str) -> int:
    if addr == ZERO_MAC or int(addr[:2], 16) & 1:
        return -99  # -EADDRNOTAVAIL
    if dev.reg_state != NETREG_REGISTERED:
        return -EBUSY
    if addr != dev.dev_addr:
        br_stp_change_bridge_id(dev.priv, addr)
    return 0


def br_add_slave(dev: NetDevice, slave_dev: NetDevice, extack: list[str]) -> None:
    br_add_if(dev.priv, slave_dev, extack)


def br_del_slave(dev: NetDevice, slave_dev: NetDevice) -> None:
    br_del_if(dev.priv, slave_dev)


br_netdev_ops = NetDeviceOps(
    ndo_open=br_dev_open,
    ndo_stop=br_dev_stop,
    ndo_change_mtu=br_change_mtu,
    ndo_set_mac_address=br_set_mac_address,
    ndo_add_slave=br_add_slave,
    ndo_del_slave=br_del_slave,
    ndo_fix_features=br_fix_features,
)


def br_dev_setup(dev: NetDevice) -> None:
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM
    ether_setup(dev)
    dev.netdev_ops = br_netdev_ops
    dev.needs_free_netdev = True
    dev.priv_flags |= IFF_EBRIDGE | IFF_NO_QUEUE
    dev.netns_immutable = True
    dev.max_mtu = ETH_MAX_MTU
    vlan_tx = nf.NETIF_F_HW_VLAN_CTAG_TX | nf.NETIF_F_HW_VLAN_STAG_TX
    dev.features = BR_COMMON_FEATURES | vlan_tx
    dev.hw_features = BR_COMMON_FEATURES | vlan_tx
    dev.vlan_features = BR_COMMON_FEATURES


# -- rtnl_link_ops --------------------------------------------------------------------------

_OPTIONS = (
    ("IFLA_BR_FORWARD_DELAY", "forward_delay"),
    ("IFLA_BR_HELLO_TIME", "hello_time"),
    ("IFLA_BR_MAX_AGE", "max_age"),
    ("IFLA_BR_AGEING_TIME", "ageing_time"),
    ("IFLA_BR_STP_STATE", "stp_enabled"),
    ("IFLA_BR_VLAN_FILTERING", "vlan_filtering"),
)


def br_changelink(dev: NetDevice, tb: dict, data: dict | None, extack: list[str]) -> None:
    br: NetBridge = dev.priv
    data = data or {}
    for key, name in _OPTIONS:
        if key in data:
            setattr(br, name, data[key])
    if "IFLA_BR_PRIORITY" in data:
        br.bridge_id_prio = data["IFLA_BR_PRIORITY"]


def br_dev_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    br: NetBridge = dev.priv
    br.dev = dev
    register_netdevice(dev)
    if "IFLA_ADDRESS" in params.tb:
        br_stp_change_bridge_id(br, params.tb["IFLA_ADDRESS"])
    try:
        br_changelink(dev, params.tb, params.data, extack)
    except KernelError:
        br_dev_delete(dev, None)
        raise


def br_dev_delete(dev: NetDevice, head: list[NetDevice] | None) -> None:
    """The bridge's dellink: every port leaves (and stays registered), then the bridge goes."""
    br: NetBridge = dev.priv
    for p in list(br.port_list):
        del_nbp(p)
    unregister_netdevice_queue(dev, head)


# -- the notifier and the namespace ops -------------------------------------------------------


def br_device_event(nb: NotifierBlock, event: int, info: object) -> int:
    dev: NetDevice = info.dev
    p = br_port_get_rtnl(dev)
    if p is None:
        return NOTIFY_DONE
    br = p.br
    notified = False
    if event == NetdevCmd.NETDEV_CHANGEMTU:
        br_mtu_auto_adjust(br)
    elif event == NetdevCmd.NETDEV_CHANGEADDR:
        if br_stp_recalculate_bridge_id(br):
            call_netdevice_notifiers(NETDEV_CHANGEADDR, br.dev)
    elif event == NetdevCmd.NETDEV_CHANGE:
        if br.dev.start:  # br_port_carrier_check: it notifies when it changes the state
            if dev.start and netif_oper_up(dev):
                if p.state == BR_STATE_DISABLED:
                    br_stp_enable_port(p)
                    notified = True
            elif p.state != BR_STATE_DISABLED:
                br_stp_disable_port(p)
                notified = True
    elif event == NetdevCmd.NETDEV_DOWN:
        if br.dev.flags & IFF_UP:
            br_stp_disable_port(p)
            notified = True
    elif event == NetdevCmd.NETDEV_UP:
        if br.dev.start and netif_oper_up(dev):
            br_stp_enable_port(p)
            notified = True
    elif event == NetdevCmd.NETDEV_FEAT_CHANGE:
        nf.netdev_update_features(br.dev)
    elif event == NetdevCmd.NETDEV_UNREGISTER:
        br_del_if(br, dev)  # any reg_state: a port moving to another namespace leaves too
    elif event == NetdevCmd.NETDEV_PRE_TYPE_CHANGE:
        return NOTIFY_BAD
    if not notified and event in (
        NetdevCmd.NETDEV_CHANGEADDR,
        NetdevCmd.NETDEV_UP,
        NetdevCmd.NETDEV_CHANGE,
        NetdevCmd.NETDEV_DOWN,
    ):
        br_ifinfo_notify(RTM_NEWLINK, p)
    return NOTIFY_DONE


def br_net_exit_rtnl(net: Net, dev_to_kill: list[NetDevice]) -> None:
    for dev in net.devices():
        if netif_is_bridge_master(dev):
            br_dev_delete(dev, dev_to_kill)


# -- the module -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class BridgeState:
    """The module's globals for one host: br_link_ops, br_device_notifier, br_net_ops."""

    link_ops: RtnlLinkOps
    notifier: NotifierBlock
    net_ops: PernetOperations


def br_holder_explainer(dev: NetDevice, holder: str, count: int) -> list:
    """Model-only, for hang reports: the bridge port whose new_nbp took `holder` on dev: a port
    still attached (remove it with nomaster), or a deleted one waiting for destroy_nbp."""
    from netlife.kernel.hang_explain import Held, device_label, ip_command

    found = []
    for br_dev in dev.kernel.live_devices():
        br = br_dev.priv
        if not isinstance(br, NetBridge):
            continue
        for p in br.port_list:
            if p.dev is dev and p.dev_tracker is not None and p.dev_tracker.holder == holder:
                how = f"has {dev.name} as a port; the port holds it until it is deleted"
                remedy = ip_command(dev.kernel, dev.nd_net, f"link set dev {dev.name} nomaster")
                found.append(Held(1, f"bridge {device_label(br_dev)}", how, remedy=remedy))
    if len(found) < count:
        how = (
            f"was deleted; it holds {dev.name} until its RCU callback (destroy_nbp) runs after "
            "the next grace period, by itself"
        )
        found.append(Held(count - len(found), "a bridge port", how))
    return found[:count]


def br_init(kernel, params) -> int:
    ops = RtnlLinkOps(
        kind="bridge",
        priv_factory=NetBridge,
        setup=br_dev_setup,
        newlink=br_dev_newlink,
        changelink=br_changelink,
        dellink=br_dev_delete,
        fill_info=br_fill_info,
        slave_kind="bridge",
        fill_slave_info=br_port_fill_slave_info,
        slave_changelink=br_port_slave_changelink,
        owner="bridge",
    )
    net_ops = PernetOperations("br_net_ops", exit_rtnl=br_net_exit_rtnl)
    state = BridgeState(ops, NotifierBlock(br_device_event, 0, "br_device_notifier"), net_ops)
    kernel.driver_state["bridge"] = state
    err = register_pernet_subsys(kernel, net_ops)
    if err:
        del kernel.driver_state["bridge"]
        return err
    register_netdevice_notifier(kernel, state.notifier)
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        unregister_netdevice_notifier(kernel, state.notifier)
        unregister_pernet_operations(kernel, net_ops)
        del kernel.driver_state["bridge"]
        return -err.errno
    register_holder_explainer(kernel, "new_nbp", br_holder_explainer)
    return 0


def br_deinit(kernel) -> None:
    state: BridgeState = kernel.driver_state["bridge"]
    unregister_holder_explainer(kernel, "new_nbp", br_holder_explainer)
    rtnl_link_unregister(kernel, state.link_ops)
    unregister_netdevice_notifier(kernel, state.notifier)
    unregister_pernet_operations(kernel, state.net_ops)
    kernel.clock.rcu_barrier()  # destroy_nbp callbacks still queued run before the module goes
    del kernel.driver_state["bridge"]


MODULE = Module("bridge", br_init, br_deinit, aliases=("rtnl-link-bridge",))

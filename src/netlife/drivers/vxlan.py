"""VXLAN tunnel devices, optionally bound to a lower device ("dev X").

Mirrors drivers/net/vxlan/vxlan_core.c: vxlan_validate and vxlan_nl2conf (the configuration),
vxlan_config_validate (the lower looked up in the link namespace, the VNI + port uniqueness in
that namespace), __vxlan_dev_create (register, link under the lower, configure, then list),
vxlan_dellink, the per-namespace vxlan list with vxlan_exit_rtnl, and vxlan_netdevice_event:
NETDEV_UNREGISTER of any device, whatever its reg_state (so also a namespace move or a
rebroadcast), deletes every vxlan of that namespace bound to it in one nested batch. A vxlan
holds no reference on its lower besides the adjacency entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import (
    register_netdevice,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
)
from netlife.kernel.dev_adjacency import netdev_upper_dev_link, netdev_upper_dev_unlink
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import EINVAL, ENODEV, ERANGE, KernelError
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    ETH_MIN_MTU,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
    NetDevice,
    NetDeviceOps,
    ether_setup,
)
from netlife.kernel.netns_lifecycle import (
    PernetOperations,
    register_pernet_subsys,
    unregister_pernet_operations,
)
from netlife.kernel.notifier import NOTIFY_DONE, NetdevCmd, NotifierBlock
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_configure_link,
    rtnl_link_register,
    rtnl_link_unregister,
)

VXLAN_N_VID = 1 << 24
VXLAN_DEFAULT_PORT = 8472  # the vxlan_port module parameter (Linux's pre-IANA default)
VXLAN_HEADROOM = 50  # IPv4 outer headers: what "dev X" takes off the lower's MTU
VXLAN_DEFAULT_AGEING = 300


AF_INET, AF_INET6 = 2, 10


@dataclass(slots=True)
class VxlanConfig:
    """struct vxlan_config: what vxlan_nl2conf reads from IFLA_VXLAN_*. Addresses are kept as
    text with their family (remote_ip.sa.sa_family / saddr.sa.sa_family; 0 = unset until
    vxlan_config_validate picks one); the VXLAN_F_* flags are booleans."""

    vni: int = 0
    remote_ip: str | None = None  # IFLA_VXLAN_GROUP{6}: a remote or a multicast group
    remote_family: int = 0
    saddr: str | None = None  # IFLA_VXLAN_LOCAL{6}
    saddr_family: int = 0
    remote_ifindex: int = 0  # IFLA_VXLAN_LINK ("dev X")
    dst_port: int = 0
    ttl: int = 0
    tos: int = 0
    df: int = 0
    label: int = 0
    mtu: int = 0
    learning: bool = False  # VXLAN_F_LEARN (nl2conf sets it on a new device by default)
    ttl_inherit: bool = False
    proxy: bool = False
    rsc: bool = False
    l2miss: bool = False
    l3miss: bool = False
    collect_metadata: bool = False
    udp_csum: bool = True  # !VXLAN_F_UDP_ZERO_CSUM_TX
    udp_zero_csum6_tx: bool = False
    udp_zero_csum6_rx: bool = False
    remcsum_tx: bool = False
    remcsum_rx: bool = False
    gbp: bool = False
    gpe: bool = False
    remcsum_nopartial: bool = False
    vnifilter: bool = False
    age_interval: int = VXLAN_DEFAULT_AGEING
    addrmax: int = 0
    port_min: int = 0
    port_max: int = 0


@dataclass(slots=True, eq=False)
class VxlanDev:
    """struct vxlan_dev: netdev_priv of a vxlan."""

    dev: NetDevice | None = None
    net: Net | None = None  # the link namespace: its vxlan list holds this device
    cfg: VxlanConfig = field(default_factory=VxlanConfig)
    remote_dev: NetDevice | None = None  # default_dst.remote_dev: set once linked under it


@dataclass(slots=True, eq=False)
class VxlanNet:
    """struct vxlan_net: net_generic(net, vxlan_net_id)."""

    vxlan_list: list[VxlanDev] = field(default_factory=list)  # list_add: newest first


def vxlan_net(net: Net) -> VxlanNet | None:
    state = net.kernel.driver_state.get("vxlan")
    return state.nets.get(net) if state is not None else None


# -- configuration ------------------------------------------------------------------------------


def vxlan_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    addr = tb.get("IFLA_ADDRESS")
    if addr is not None and len(addr.split(":")) != 6:
        extack.append("Provided link layer address is not Ethernet")
        return -EINVAL
    if not data:
        extack.append("Required attributes not provided to perform the operation")
        return -EINVAL
    if data.get("IFLA_VXLAN_ID", 0) >= VXLAN_N_VID:
        extack.append("VXLAN ID must be lower than 16777216")
        return -ERANGE
    return 0


def vxlan_nl2conf(tb: dict, data: dict, vxlan: VxlanDev | None, changelink: bool) -> VxlanConfig:
    """vxlan_nl2conf: a new configuration from the request; on changelink, the old one with the
    request applied, refusing what cannot change (vxlan_netlink.py has the attribute table)."""
    from netlife.drivers.vxlan_netlink import vxlan_nl2conf_attrs

    conf = replace(vxlan.cfg) if changelink else VxlanConfig(age_interval=0)
    vxlan_nl2conf_attrs(conf, tb, data, changelink)
    return conf


def vxlan_config_validate(
    net: Net, conf: VxlanConfig, old: VxlanDev | None, extack: list[str]
) -> NetDevice | None:
    """The address families, the lower (if any) in the link namespace, then VNI + port unique
    there (vxlan_vni_in_use skips `old`, the device being changed)."""
    from netlife.drivers.vxlan_netlink import vxlan_config_check

    return vxlan_config_check(net, conf, old, vxlan_net(net).vxlan_list)


# -- net_device_ops and setup ---------------------------------------------------------------

vxlan_netdev_ops = NetDeviceOps()


def vxlan_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM
    dev.needs_free_netdev = True
    dev.priv_flags |= IFF_NO_QUEUE
    dev.netdev_ops = vxlan_netdev_ops
    dev.min_mtu = ETH_MIN_MTU
    dev.max_mtu = ETH_MAX_MTU
    offloads = (nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | nf.NETIF_F_HW_CSUM | nf.NETIF_F_RXCSUM
                | nf.NETIF_F_GSO_SOFTWARE)  # fmt: skip
    dev.features |= offloads
    dev.vlan_features = dev.features
    dev.hw_features |= offloads


# -- rtnl_link_ops --------------------------------------------------------------------------


def vxlan_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    """__vxlan_dev_create in the link namespace (link_net, else the requester's)."""
    net = params.link_net or params.src_net
    conf = vxlan_nl2conf(params.tb, params.data or {}, None, False)
    lowerdev = vxlan_config_validate(net, conf, None, extack)
    vxlan: VxlanDev = dev.priv
    vxlan.dev, vxlan.net, vxlan.cfg = dev, net, conf
    if lowerdev is not None:
        dev.tso_max_size = lowerdev.tso_max_size  # vxlan_config_apply: netif_inherit_tso_max
    if lowerdev is not None and "IFLA_MTU" not in params.tb:
        dev.mtu = max(lowerdev.mtu - VXLAN_HEADROOM, ETH_MIN_MTU)
    register_netdevice(dev)
    remote_dev = None
    try:
        if conf.remote_ifindex:
            remote_dev = net.dev_get_by_index(conf.remote_ifindex)
            if remote_dev is None:
                raise KernelError(ENODEV)
            netdev_upper_dev_link(remote_dev, dev, extack)
        rtnl_configure_link(dev, None)
    except KernelError:
        if remote_dev is not None and remote_dev in dev.adj_lower:
            netdev_upper_dev_unlink(remote_dev, dev)
        unregister_netdevice(dev)
        raise
    vxlan_net(net).vxlan_list.insert(0, vxlan)
    vxlan.remote_dev = remote_dev


def vxlan_changelink(dev: NetDevice, tb: dict, data: dict | None, extack: list[str]) -> None:
    """vxlan_changelink: the new configuration is validated whole before anything changes; a
    new lower moves the adjacency (netdev_adjacent_change_*) and caps the MTU."""
    vxlan: VxlanDev = dev.priv
    conf = vxlan_nl2conf(tb, data or {}, vxlan, True)
    lowerdev = vxlan_config_validate(vxlan.net, conf, vxlan, extack)
    if lowerdev is vxlan.remote_dev:
        lowerdev = None
    if lowerdev is not None:
        # netdev_adjacent_change_prepare links the new lower, _commit unlinks the old one.
        netdev_upper_dev_link(lowerdev, dev, extack)
        if vxlan.remote_dev is not None:
            netdev_upper_dev_unlink(vxlan.remote_dev, dev)
        vxlan.remote_dev = lowerdev
        dev.tso_max_size = lowerdev.tso_max_size
        dev.mtu = min(dev.mtu, max(lowerdev.mtu - VXLAN_HEADROOM, ETH_MIN_MTU))
    vxlan.cfg = conf


def vxlan_dellink(dev: NetDevice, head: list[NetDevice] | None) -> None:
    """Off the namespace's list first, so no later cascade finds it again."""
    vxlan: VxlanDev = dev.priv
    vn = vxlan_net(vxlan.net)
    if vn is not None and vxlan in vn.vxlan_list:
        vn.vxlan_list.remove(vxlan)
    unregister_netdevice_queue(dev, head)
    if vxlan.remote_dev is not None:
        netdev_upper_dev_unlink(vxlan.remote_dev, dev)
        vxlan.remote_dev = None


def vxlan_fill_info(dev: NetDevice) -> dict:
    """vxlan_fill_info: the attributes `ip -d link` prints, in the kernel's order."""
    cfg: VxlanConfig = dev.priv.cfg
    info: dict = {"IFLA_VXLAN_ID": cfg.vni}
    v6 = "6" if cfg.remote_family == AF_INET6 else ""
    if cfg.remote_ip:
        info["IFLA_VXLAN_GROUP" + v6] = cfg.remote_ip
    if cfg.remote_ifindex:
        info["IFLA_VXLAN_LINK"] = cfg.remote_ifindex
    if cfg.saddr:
        info["IFLA_VXLAN_LOCAL" + ("6" if cfg.saddr_family == AF_INET6 else "")] = cfg.saddr
    info.update(
        {
            "IFLA_VXLAN_TTL": cfg.ttl,
            "IFLA_VXLAN_TTL_INHERIT": int(cfg.ttl_inherit),
            "IFLA_VXLAN_DF": cfg.df,
            "IFLA_VXLAN_TOS": cfg.tos,
            "IFLA_VXLAN_LABEL": cfg.label,
            "IFLA_VXLAN_LEARNING": int(cfg.learning),
            "IFLA_VXLAN_PROXY": int(cfg.proxy),
            "IFLA_VXLAN_RSC": int(cfg.rsc),
            "IFLA_VXLAN_L2MISS": int(cfg.l2miss),
            "IFLA_VXLAN_L3MISS": int(cfg.l3miss),
            "IFLA_VXLAN_COLLECT_METADATA": int(cfg.collect_metadata),
            "IFLA_VXLAN_AGEING": cfg.age_interval,
            "IFLA_VXLAN_LIMIT": cfg.addrmax,
            "IFLA_VXLAN_PORT": cfg.dst_port,
            "IFLA_VXLAN_UDP_CSUM": int(cfg.udp_csum),
            "IFLA_VXLAN_UDP_ZERO_CSUM6_TX": int(cfg.udp_zero_csum6_tx),
            "IFLA_VXLAN_UDP_ZERO_CSUM6_RX": int(cfg.udp_zero_csum6_rx),
            "IFLA_VXLAN_REMCSUM_TX": int(cfg.remcsum_tx),
            "IFLA_VXLAN_REMCSUM_RX": int(cfg.remcsum_rx),
            "IFLA_VXLAN_LOCALBYPASS": 1,
            "IFLA_VXLAN_PORT_RANGE": {"low": cfg.port_min, "high": cfg.port_max},
        }
    )
    for attr, on in (("IFLA_VXLAN_GBP", cfg.gbp), ("IFLA_VXLAN_GPE", cfg.gpe)):
        if on:
            info[attr] = True
    if cfg.remcsum_nopartial:
        info["IFLA_VXLAN_REMCSUM_NOPARTIAL"] = True
    if cfg.vnifilter:
        info["IFLA_VXLAN_VNIFILTER"] = 1
    return info


def vxlan_get_link_net(dev: NetDevice) -> Net:
    return dev.priv.net


# -- the notifier and the namespace ops -------------------------------------------------------


def vxlan_handle_lowerdev_unregister(vn: VxlanNet, dev: NetDevice) -> None:
    kill: list[NetDevice] = []
    for vxlan in list(vn.vxlan_list):
        if vxlan.cfg.remote_ifindex == dev.ifindex:
            vxlan_dellink(vxlan.dev, kill)
    unregister_netdevice_many(dev.kernel, kill)


def vxlan_netdevice_event(nb: NotifierBlock, event: int, info: object) -> int:
    dev: NetDevice = info.dev
    vn = vxlan_net(dev.nd_net)
    if event == NetdevCmd.NETDEV_UNREGISTER and vn is not None:
        vxlan_handle_lowerdev_unregister(vn, dev)
    return NOTIFY_DONE


def vxlan_init_net(net: Net) -> int:
    net.kernel.driver_state["vxlan"].nets[net] = VxlanNet()
    return 0


def vxlan_exit_rtnl(net: Net, dev_to_kill: list[NetDevice]) -> None:
    vn = vxlan_net(net)
    if vn is not None:
        for vxlan in list(vn.vxlan_list):
            vxlan_dellink(vxlan.dev, dev_to_kill)


def vxlan_exit_net(net: Net) -> None:
    state = net.kernel.driver_state.get("vxlan")
    if state is not None:
        state.nets.pop(net, None)


# -- the module -----------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class VxlanState:
    """The module's globals for one host: ops, notifier, pernet ops, each namespace's list."""

    link_ops: RtnlLinkOps
    notifier: NotifierBlock
    net_ops: PernetOperations
    nets: dict[Net, VxlanNet] = field(default_factory=dict)


def vxlan_init_module(kernel, params) -> int:
    ops = RtnlLinkOps(
        kind="vxlan",
        priv_factory=VxlanDev,
        setup=vxlan_setup,
        validate=vxlan_validate,
        newlink=vxlan_newlink,
        changelink=vxlan_changelink,
        dellink=vxlan_dellink,
        fill_info=vxlan_fill_info,
        get_link_net=vxlan_get_link_net,
        owner="vxlan",
    )
    net_ops = PernetOperations(
        "vxlan_net_ops", init=vxlan_init_net, exit_rtnl=vxlan_exit_rtnl, exit=vxlan_exit_net
    )
    nb = NotifierBlock(vxlan_netdevice_event, 0, "vxlan_notifier_block")
    state = VxlanState(ops, nb, net_ops)
    kernel.driver_state["vxlan"] = state
    err = register_pernet_subsys(kernel, net_ops)
    if err:
        del kernel.driver_state["vxlan"]
        return err
    register_netdevice_notifier(kernel, state.notifier)
    try:
        rtnl_link_register(kernel, ops)
    except KernelError as err:
        unregister_netdevice_notifier(kernel, state.notifier)
        unregister_pernet_operations(kernel, net_ops)
        del kernel.driver_state["vxlan"]
        return -err.errno
    return 0


def vxlan_cleanup_module(kernel) -> None:
    state: VxlanState = kernel.driver_state["vxlan"]
    rtnl_link_unregister(kernel, state.link_ops)
    unregister_netdevice_notifier(kernel, state.notifier)
    unregister_pernet_operations(kernel, state.net_ops)
    del kernel.driver_state["vxlan"]


MODULE = Module("vxlan", vxlan_init_module, vxlan_cleanup_module, aliases=("rtnl-link-vxlan",))

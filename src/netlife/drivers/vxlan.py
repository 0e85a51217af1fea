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

from dataclasses import dataclass, field

from netlife.kernel.dev import (
    register_netdevice,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
)
from netlife.kernel.dev_adjacency import netdev_upper_dev_link, netdev_upper_dev_unlink
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import EEXIST, EINVAL, ENODEV, EOPNOTSUPP, ERANGE, KernelError
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


@dataclass(slots=True)
class VxlanConfig:
    """struct vxlan_config: what vxlan_nl2conf reads from IFLA_VXLAN_*."""

    vni: int = 0
    remote_ip: str | None = None  # IFLA_VXLAN_GROUP: a remote or a multicast group
    saddr: str | None = None  # IFLA_VXLAN_LOCAL
    remote_ifindex: int = 0  # IFLA_VXLAN_LINK ("dev X")
    dst_port: int = 0
    ttl: int = 0
    tos: int = 0
    learning: bool = True
    proxy: bool = False
    l2miss: bool = False
    l3miss: bool = False
    collect_metadata: bool = False
    udp_csum: bool = True
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


def vxlan_nl2conf(data: dict) -> VxlanConfig:
    conf = VxlanConfig()
    conf.vni = data.get("IFLA_VXLAN_ID", 0)
    conf.remote_ip = data.get("IFLA_VXLAN_GROUP")
    conf.saddr = data.get("IFLA_VXLAN_LOCAL")
    conf.remote_ifindex = data.get("IFLA_VXLAN_LINK", 0)
    conf.dst_port = data.get("IFLA_VXLAN_PORT", 0)
    conf.ttl = data.get("IFLA_VXLAN_TTL", 0)
    conf.tos = data.get("IFLA_VXLAN_TOS", 0)
    conf.learning = bool(data.get("IFLA_VXLAN_LEARNING", 1))
    conf.proxy = bool(data.get("IFLA_VXLAN_PROXY", 0))
    conf.l2miss = bool(data.get("IFLA_VXLAN_L2MISS", 0))
    conf.l3miss = bool(data.get("IFLA_VXLAN_L3MISS", 0))
    conf.collect_metadata = bool(data.get("IFLA_VXLAN_COLLECT_METADATA", 0))
    conf.udp_csum = bool(data.get("IFLA_VXLAN_UDP_CSUM", 1))
    conf.age_interval = data.get("IFLA_VXLAN_AGEING", VXLAN_DEFAULT_AGEING)
    conf.addrmax = data.get("IFLA_VXLAN_LIMIT", 0)
    port_range = data.get("IFLA_VXLAN_PORT_RANGE", {"low": 0, "high": 0})
    conf.port_min, conf.port_max = port_range["low"], port_range["high"]
    return conf


def vxlan_config_validate(net: Net, conf: VxlanConfig, extack: list[str]) -> NetDevice | None:
    """The lower (if any) in the link namespace, then VNI + port unique there."""
    if not conf.dst_port:
        conf.dst_port = VXLAN_DEFAULT_PORT
    lowerdev = None
    if conf.remote_ifindex:
        lowerdev = net.dev_get_by_index(conf.remote_ifindex)
        if lowerdev is None:
            raise KernelError(ENODEV, "Invalid local interface, device not found")
    for tmp in vxlan_net(net).vxlan_list:
        if tmp.cfg.vni == conf.vni and tmp.cfg.dst_port == conf.dst_port:
            raise KernelError(EEXIST, "A VXLAN device with the specified VNI already exists")
    return lowerdev


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


# -- rtnl_link_ops --------------------------------------------------------------------------


def vxlan_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    """__vxlan_dev_create in the link namespace (link_net, else the requester's)."""
    net = params.link_net or params.src_net
    conf = vxlan_nl2conf(params.data or {})
    lowerdev = vxlan_config_validate(net, conf, extack)
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
    vxlan: VxlanDev = dev.priv
    data = data or {}
    if "IFLA_VXLAN_ID" in data and data["IFLA_VXLAN_ID"] != vxlan.cfg.vni:
        raise KernelError(EOPNOTSUPP, "Cannot change VNI")
    if "IFLA_VXLAN_LINK" in data and data["IFLA_VXLAN_LINK"] != vxlan.cfg.remote_ifindex:
        raise KernelError(EOPNOTSUPP, "Cannot change the lower device")
    for key, name in (("IFLA_VXLAN_LEARNING", "learning"), ("IFLA_VXLAN_PROXY", "proxy")):
        if key in data:
            setattr(vxlan.cfg, name, bool(data[key]))
    if "IFLA_VXLAN_AGEING" in data:
        vxlan.cfg.age_interval = data["IFLA_VXLAN_AGEING"]


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
    if cfg.remote_ip:
        info["IFLA_VXLAN_GROUP"] = cfg.remote_ip
    if cfg.remote_ifindex:
        info["IFLA_VXLAN_LINK"] = cfg.remote_ifindex
    if cfg.saddr:
        info["IFLA_VXLAN_LOCAL"] = cfg.saddr
    info.update(
        {
            "IFLA_VXLAN_TTL": cfg.ttl,
            "IFLA_VXLAN_TTL_INHERIT": 0,
            "IFLA_VXLAN_DF": 0,
            "IFLA_VXLAN_TOS": cfg.tos,
            "IFLA_VXLAN_LABEL": 0,
            "IFLA_VXLAN_LEARNING": int(cfg.learning),
            "IFLA_VXLAN_PROXY": int(cfg.proxy),
            "IFLA_VXLAN_RSC": 0,
            "IFLA_VXLAN_L2MISS": int(cfg.l2miss),
            "IFLA_VXLAN_L3MISS": int(cfg.l3miss),
            "IFLA_VXLAN_COLLECT_METADATA": int(cfg.collect_metadata),
            "IFLA_VXLAN_AGEING": cfg.age_interval,
            "IFLA_VXLAN_LIMIT": cfg.addrmax,
            "IFLA_VXLAN_PORT": cfg.dst_port,
            "IFLA_VXLAN_UDP_CSUM": int(cfg.udp_csum),
            "IFLA_VXLAN_UDP_ZERO_CSUM6_TX": 0,
            "IFLA_VXLAN_UDP_ZERO_CSUM6_RX": 0,
            "IFLA_VXLAN_REMCSUM_TX": 0,
            "IFLA_VXLAN_REMCSUM_RX": 0,
            "IFLA_VXLAN_LOCALBYPASS": 1,
            "IFLA_VXLAN_PORT_RANGE": {"low": cfg.port_min, "high": cfg.port_max},
        }
    )
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

"""Virtual Ethernet pairs.

Mirrors drivers/net/veth.c: veth_setup, veth_newlink (peer first: create, register, carrier
off, configure; then the main device; then the peer pointers; unwinding in the kernel's order),
veth_dellink (either end queues both), veth_open / veth_close (carrier on only when both ends
are up), veth_get_iflink and veth_get_link_net (the peer's ifindex and namespace).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import register_netdevice, unregister_netdevice, unregister_netdevice_queue
from netlife.kernel.dev_flags import netif_carrier_off, netif_carrier_on
from netlife.kernel.errors import ENOTCONN, KernelError
from netlife.kernel.if_link import IFF_UP
from netlife.kernel.module import Module
from netlife.kernel.net_namespace import Net
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    GSO_MAX_SIZE,
    IFF_LIVE_ADDR_CHANGE,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
    NET_NAME_ENUM,
    NET_NAME_USER,
    NetDevice,
    NetDeviceOps,
    ether_setup,
    free_netdev,
)
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_configure_link,
    rtnl_create_link,
    rtnl_link_register,
    rtnl_link_unregister,
)


@dataclass(slots=True, eq=False)
class VethPriv:
    """struct veth_priv: the peer pointer (RCU in the kernel), cleared by veth_dellink."""

    peer: NetDevice | None = None


def veth_open(dev: NetDevice) -> int:
    peer = dev.priv.peer
    if peer is None:
        return -ENOTCONN
    if peer.flags & IFF_UP:
        netif_carrier_on(dev)
        netif_carrier_on(peer)
    return 0


def veth_close(dev: NetDevice) -> int:
    peer = dev.priv.peer
    netif_carrier_off(dev)
    if peer is not None:
        netif_carrier_off(peer)
    return 0


def veth_get_iflink(dev: NetDevice) -> int:
    peer = dev.priv.peer
    return peer.ifindex if peer is not None else 0


def veth_dev_free(dev: NetDevice) -> None:
    """priv_destructor: the per-CPU stats and queues (nothing the model tracks)."""


veth_netdev_ops = NetDeviceOps(
    ndo_open=veth_open, ndo_stop=veth_close, ndo_get_iflink=veth_get_iflink
)


VETH_FEATURES = (nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | nf.NETIF_F_HW_CSUM | nf.NETIF_F_RXCSUM
                 | nf.NETIF_F_SCTP_CRC | nf.NETIF_F_HIGHDMA | nf.NETIF_F_GSO_SOFTWARE
                 | nf.NETIF_F_GSO_ENCAP_ALL | nf.NETIF_F_HW_VLAN_CTAG_TX
                 | nf.NETIF_F_HW_VLAN_CTAG_RX | nf.NETIF_F_HW_VLAN_STAG_TX
                 | nf.NETIF_F_HW_VLAN_STAG_RX)  # fmt: skip


def veth_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE
    dev.netdev_ops = veth_netdev_ops
    dev.needs_free_netdev = True
    dev.priv_destructor = veth_dev_free
    dev.max_mtu = ETH_MAX_MTU
    dev.tso_max_size = GSO_MAX_SIZE
    dev.tx_queue_len = 0
    dev.features |= VETH_FEATURES
    dev.vlan_features = dev.features - nf.NETIF_F_VLAN_FEATURES
    dev.hw_features = VETH_FEATURES
    dev.hw_enc_features = VETH_FEATURES


def veth_disable_gro(dev: NetDevice) -> None:
    """Veth devices have GRO off by default (it needs NAPI, which XDP or the user turns on)."""
    dev.features -= nf.NETIF_F_GRO
    dev.wanted_features -= nf.NETIF_F_GRO
    nf.netdev_update_features(dev)


def veth_get_num_queues(kernel) -> int:
    return min(kernel.num_possible_cpus, 4096)


def veth_init_queues(dev: NetDevice, tb: dict) -> None:
    if "IFLA_NUM_TX_QUEUES" not in tb and dev.num_tx_queues > 1:
        dev.real_num_tx_queues = 1
    if "IFLA_NUM_RX_QUEUES" not in tb and dev.num_rx_queues > 1:
        dev.real_num_rx_queues = 1


def _random_addr(dev: NetDevice) -> None:
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM


def veth_newlink(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    tb = params.tb
    data = params.data or {}
    ifmp = data.get("VETH_INFO_PEER")
    tbp = ifmp.attrs if ifmp is not None else tb
    if ifmp is not None and "IFLA_IFNAME" in tbp:
        ifname, assign = tbp["IFLA_IFNAME"], NET_NAME_USER
    else:
        ifname, assign = "veth%d", NET_NAME_ENUM
    peer_net: Net = params.peer_net or params.link_net or params.src_net
    peer = rtnl_create_link(peer_net, ifname, assign, dev.rtnl_link_ops, tbp, extack)
    if ifmp is None or "IFLA_ADDRESS" not in tbp:
        _random_addr(peer)
    if ifmp is not None and dev.ifindex != 0:
        peer.ifindex = ifmp.ifi_index
    try:
        register_netdevice(peer)
    except KernelError:
        free_netdev(peer)
        raise
    netif_carrier_off(peer)
    try:
        rtnl_configure_link(peer, ifmp)
    except KernelError:
        unregister_netdevice(peer)
        raise
    if "IFLA_ADDRESS" not in tb:
        _random_addr(dev)
    dev.name = tb.get("IFLA_IFNAME", "veth%d")
    try:
        register_netdevice(dev)
    except KernelError:
        unregister_netdevice(peer)
        raise
    netif_carrier_off(dev)
    dev.priv.peer = peer
    veth_init_queues(dev, tb)
    peer.priv.peer = dev
    veth_init_queues(peer, tb)
    veth_disable_gro(dev)
    veth_disable_gro(peer)


def veth_dellink(dev: NetDevice, head: list[NetDevice] | None) -> None:
    peer = dev.priv.peer
    dev.priv.peer = None
    unregister_netdevice_queue(dev, head)
    if peer is not None:
        peer.priv.peer = None
        unregister_netdevice_queue(peer, head)


def veth_get_link_net(dev: NetDevice) -> Net:
    peer = dev.priv.peer
    return peer.nd_net if peer is not None else dev.nd_net


def _make_ops(kernel) -> RtnlLinkOps:
    return RtnlLinkOps(
        kind="veth",
        priv_factory=VethPriv,
        setup=veth_setup,
        newlink=veth_newlink,
        dellink=veth_dellink,
        get_link_net=veth_get_link_net,
        get_num_tx_queues=lambda: veth_get_num_queues(kernel),
        get_num_rx_queues=lambda: veth_get_num_queues(kernel),
        peer_type="VETH_INFO_PEER",
        owner="veth",
    )


def veth_init(kernel, params) -> int:
    ops = _make_ops(kernel)
    kernel.driver_state["veth"] = ops
    rtnl_link_register(kernel, ops)
    return 0


def veth_exit(kernel) -> None:
    rtnl_link_unregister(kernel, kernel.driver_state.pop("veth"))


MODULE = Module("veth", veth_init, veth_exit, aliases=("rtnl-link-veth",))

"""netkit: BPF-programmable device pairs, single devices, and (2026) leased RX queues.

Mirrors drivers/net/netkit.c as of the 2026 series "netkit: Support for io_uring zero-copy and
AF_XDP" plus commit 2544447057 ("netkit: Add netkit notifier to check for unregistering
devices"): netkit_setup, netkit_alloc (up to 1024 RX queues, 1 real), netkit_new_link (pair:
peer first, then the primary; single: the primary only), netkit_del_link (either end queues
both), netkit_open / netkit_close, ndo_queue_create, ndo_uninit unleasing queues 1..real-1,
the AF_XDP pool forwarding of netkit_xsk, and the NETDEV_UNREGISTER notifier that deletes
netkit devices leasing queues of a physical device being unregistered.

BPF programs are not modelled; the policies, modes and scrub settings are kept and reported.
"""

from __future__ import annotations

import errno as _errno
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel import netdev_features as nf
from netlife.kernel.dev import (
    register_netdevice,
    unregister_netdevice,
    unregister_netdevice_many,
    unregister_netdevice_queue,
    unregister_netdevice_queued,
)
from netlife.kernel.dev_flags import dev_change_flags, netif_carrier_off, netif_carrier_on
from netlife.kernel.dev_notify import register_netdevice_notifier, unregister_netdevice_notifier
from netlife.kernel.errors import EACCES, EINVAL, ENOTCONN, EOPNOTSUPP, ERANGE, KernelError
from netlife.kernel.if_link import IFF_NOARP, IFF_UP
from netlife.kernel.module import Module
from netlife.kernel.netdev_rx_queue import (
    NetdevQueueMgmtOps,
    netif_get_rx_queue,
    netif_set_real_num_rx_queues,
)
from netlife.kernel.netdevice import (
    ETH_MAX_MTU,
    IFF_LIVE_ADDR_CHANGE,
    IFF_NO_QUEUE,
    NET_ADDR_RANDOM,
    NET_NAME_ENUM,
    NET_NAME_USER,
    NETREG_UNREGISTERING,
    NetDevice,
    NetDeviceOps,
    alloc_netdev_mqs,
    ether_setup,
    free_netdev,
    netif_running,
)
from netlife.kernel.notifier import NETDEV_UNREGISTER, NOTIFY_DONE, NotifierBlock
from netlife.kernel.queue_lease import (
    lease_holder_explainer,
    netdev_rx_queue_unlease,
    netif_rx_queue_lease_get_owner,
)
from netlife.kernel.rtnetlink import (
    RtnlLinkOps,
    RtnlNewlinkParams,
    rtnl_configure_link,
    rtnl_create_link,
    rtnl_link_get_net,
    rtnl_link_register,
    rtnl_link_unregister,
)
from netlife.kernel.xsk import XDP_SETUP_PROG, XDP_SETUP_XSK_POOL, NetdevBpf

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net

# include/uapi/linux/if_link.h: enum netkit_action / netkit_mode / netkit_pairing / netkit_scrub
NETKIT_NEXT = -1
NETKIT_PASS = 0
NETKIT_DROP = 2
NETKIT_REDIRECT = 7
NETKIT_L2 = 0
NETKIT_L3 = 1
NETKIT_DEVICE_PAIR = 0
NETKIT_DEVICE_SINGLE = 1
NETKIT_SCRUB_NONE = 0
NETKIT_SCRUB_DEFAULT = 1

NETKIT_NUM_RX_QUEUES_MAX = 1024
NETKIT_NUM_TX_QUEUES_MAX = 1
NETKIT_NUM_RX_QUEUES_REAL = 1
NETKIT_NUM_TX_QUEUES_REAL = 1

EADDRNOTAVAIL = _errno.EADDRNOTAVAIL
_NETNS_ATTRS = ("IFLA_NET_NS_PID", "IFLA_NET_NS_FD", "IFLA_TARGET_NETNSID")


@dataclass(slots=True, eq=False)
class NetkitPriv:
    """struct netkit. `headroom`/`tailroom` stand for dev->needed_headroom/_tailroom, which the
    model's NetDevice does not carry."""

    peer: NetDevice | None = None  # RCU in the kernel; cleared by netkit_del_link
    policy: int = NETKIT_PASS
    scrub: int = NETKIT_SCRUB_DEFAULT
    mode: int = NETKIT_L3
    pair: int = NETKIT_DEVICE_PAIR
    primary: bool = False
    headroom: int = 0
    tailroom: int = 0


def netkit_priv(dev: NetDevice) -> NetkitPriv:
    return dev.priv


# -- net_device_ops -----------------------------------------------------------------------------


def netkit_init(dev: NetDevice) -> int:
    return 0  # netdev_lockdep_set_classes: nothing to model


def netkit_open(dev: NetDevice) -> int:
    nk = netkit_priv(dev)
    if nk.pair == NETKIT_DEVICE_SINGLE:
        netif_carrier_on(dev)
        return 0
    peer = nk.peer
    if peer is None:
        return -ENOTCONN
    if peer.flags & IFF_UP:
        netif_carrier_on(dev)
        netif_carrier_on(peer)
    return 0


def netkit_close(dev: NetDevice) -> int:
    peer = netkit_priv(dev).peer
    netif_carrier_off(dev)
    if peer is not None:
        netif_carrier_off(peer)
    return 0


def netkit_get_iflink(dev: NetDevice) -> int:
    """The peer's ifindex, 0 without one: a single device shows as `nk@NONE`."""
    peer = netkit_priv(dev).peer
    return peer.ifindex if peer is not None else 0


def netkit_peer_dev(dev: NetDevice) -> NetDevice | None:
    return netkit_priv(dev).peer


def netkit_xsk(dev: NetDevice, xdp: NetdevBpf) -> int:
    """ndo_bpf: an AF_XDP pool on a leased queue of a single device goes to the physical queue.

    CHOICE: "the physical device supports AF_XDP" (ndo_bpf, ndo_xdp_xmit, ndo_xsk_wakeup and
    NETDEV_XDP_ACT_XSK) is modelled as "it has ndo_bpf".
    """
    nk = netkit_priv(dev)
    if xdp.command == XDP_SETUP_XSK_POOL:
        if nk.pair == NETKIT_DEVICE_PAIR:
            return -EOPNOTSUPP
        if xdp.queue_id >= dev.real_num_rx_queues:
            return -EINVAL
        rxq = netif_get_rx_queue(dev, xdp.queue_id)
        if rxq.lease is None:
            return -EOPNOTSUPP
        phys = rxq.lease.dev
        if phys.netdev_ops.ndo_bpf is None:
            return -EOPNOTSUPP
        lower = NetdevBpf(xdp.command, xdp.pool, rxq.lease.index)
        return phys.netdev_ops.ndo_bpf(phys, lower)
    if xdp.command == XDP_SETUP_PROG:
        return -_errno.EPERM
    return -EINVAL


def netkit_uninit(dev: NetDevice) -> None:
    """netkit_release_all (programs: not modelled), then netkit_queue_unlease."""
    netkit_queue_unlease(dev)


def netkit_queue_unlease(dev: NetDevice) -> None:
    """Queues 1..real-1 exist only through queue-create, which always leases them; unlease each
    (virtual device locked, then the physical one)."""
    if dev.real_num_rx_queues == 1:
        return
    for i in range(1, dev.real_num_rx_queues):
        rxq = netif_get_rx_queue(dev, i)
        if rxq.lease is not None:
            netdev_rx_queue_unlease(rxq, rxq.lease)


netkit_netdev_ops = NetDeviceOps(
    ndo_init=netkit_init,
    ndo_uninit=netkit_uninit,
    ndo_open=netkit_open,
    ndo_stop=netkit_close,
    ndo_get_iflink=netkit_get_iflink,
    ndo_get_peer_dev=netkit_peer_dev,
    ndo_bpf=netkit_xsk,
)


def netkit_queue_create(dev: NetDevice) -> int:
    """ndo_queue_create: one more real RX queue; refused on a pair's primary. Returns its index."""
    nk = netkit_priv(dev)
    old = dev.real_num_rx_queues
    # Leasing makes sense for a single device or a pair's peer (the end put in the container).
    if nk.pair == NETKIT_DEVICE_PAIR and nk.primary:
        return -EOPNOTSUPP
    running = netif_running(dev)
    if running:
        netif_carrier_off(dev)
    err = netif_set_real_num_rx_queues(dev, old + 1)
    if running:
        netif_carrier_on(dev)
    return err or old


netkit_queue_mgmt_ops = NetdevQueueMgmtOps(ndo_queue_create=netkit_queue_create)


def netkit_setup(dev: NetDevice) -> None:
    ether_setup(dev)
    dev.max_mtu = ETH_MAX_MTU
    dev.flags |= IFF_NOARP
    dev.priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE
    dev.netdev_ops = netkit_netdev_ops
    dev.queue_mgmt_ops = netkit_queue_mgmt_ops
    dev.needs_free_netdev = True
    hw_vlan = (nf.NETIF_F_HW_VLAN_CTAG_TX | nf.NETIF_F_HW_VLAN_CTAG_RX
               | nf.NETIF_F_HW_VLAN_STAG_TX | nf.NETIF_F_HW_VLAN_STAG_RX)  # fmt: skip
    netkit_features = (hw_vlan | nf.NETIF_F_SG | nf.NETIF_F_FRAGLIST | nf.NETIF_F_HW_CSUM
                       | nf.NETIF_F_RXCSUM | nf.NETIF_F_SCTP_CRC | nf.NETIF_F_HIGHDMA
                       | nf.NETIF_F_GSO_SOFTWARE | nf.NETIF_F_GSO_ENCAP_ALL)  # fmt: skip
    dev.features |= netkit_features
    dev.hw_features = netkit_features
    dev.hw_enc_features = netkit_features
    dev.vlan_features = dev.features - hw_vlan


def netkit_alloc(
    kernel: Kernel, tb: dict, ifname: str, name_assign_type: int, num_tx: int, num_rx: int
) -> NetDevice | None:
    """rtnl_link_ops->alloc: up to 1024 RX queues and 1 TX queue, of which 1 and 1 are real."""
    if num_tx > NETKIT_NUM_TX_QUEUES_MAX or num_rx > NETKIT_NUM_RX_QUEUES_MAX:
        raise KernelError(EOPNOTSUPP)
    dev = alloc_netdev_mqs(
        kernel, NetkitPriv(), ifname, name_assign_type, netkit_setup, num_tx, num_rx
    )
    if dev is not None:
        dev.real_num_tx_queues = NETKIT_NUM_TX_QUEUES_REAL
        dev.real_num_rx_queues = NETKIT_NUM_RX_QUEUES_REAL
    return dev


# -- rtnl_link_ops ------------------------------------------------------------------------------

_POLICY_MAX = {
    # netkit_policy: NLA_POLICY_MAX(NLA_U32, ...) entries
    "IFLA_NETKIT_MODE": NETKIT_L3,
    "IFLA_NETKIT_SCRUB": NETKIT_SCRUB_DEFAULT,
    "IFLA_NETKIT_PEER_SCRUB": NETKIT_SCRUB_DEFAULT,
    "IFLA_NETKIT_PAIRING": NETKIT_DEVICE_SINGLE,
}


def _valid_ether_addr(addr: Any) -> bool:
    octets = str(addr).split(":")
    if len(octets) != 6:
        return False
    values = [int(o, 16) for o in octets]
    return not (values[0] & 1) and any(values)


def netkit_validate(tb: dict, data: dict | None, extack: list[str]) -> int:
    """The attribute policy (nla_parse of IFLA_INFO_DATA), then netkit_validate (IFLA_ADDRESS)."""
    for name, top in _POLICY_MAX.items():
        if data and name in data and not 0 <= data[name] <= top:
            extack.append("integer out of range")
            return -ERANGE
    if data and "IFLA_NETKIT_PRIMARY" in data:
        extack.append("Primary attribute is read-only")
        return -EINVAL
    if "IFLA_ADDRESS" in tb:
        octets = str(tb["IFLA_ADDRESS"]).split(":")
        if len(octets) != 6:
            return -EINVAL
        if not _valid_ether_addr(tb["IFLA_ADDRESS"]):
            return -EADDRNOTAVAIL
    return 0


def netkit_check_policy(policy: int, extack: list[str]) -> None:
    if policy not in (NETKIT_PASS, NETKIT_DROP):
        raise KernelError(EINVAL, "Provided default xmit policy not supported")


def _random_addr(dev: NetDevice) -> None:
    dev.dev_addr = dev.kernel.random_ether_addr()
    dev.addr_assign_type = NET_ADDR_RANDOM


def _peer_net(params: RtnlNewlinkParams, tbp: dict) -> Net:
    """rtnl_newlink_peer_net: the peer's own netns attributes (the main device's when no peer
    info was given), else the link namespace, else the requester's."""
    if params.peer_net is not None:
        return params.peer_net
    if any(k in tbp for k in _NETNS_ATTRS):
        return rtnl_link_get_net(params.src_net, tbp)
    return params.link_net or params.src_net


def netkit_new_link(dev: NetDevice, params: RtnlNewlinkParams, extack: list[str]) -> None:
    tb = params.tb
    data = params.data or {}
    mode, pair = NETKIT_L3, NETKIT_DEVICE_PAIR
    policy_prim = policy_peer = NETKIT_PASS
    scrub_prim = scrub_peer = NETKIT_SCRUB_DEFAULT
    headroom = tailroom = 0
    ifmp = None
    tbp = tb
    if data:
        mode = data.get("IFLA_NETKIT_MODE", mode)
        if "IFLA_NETKIT_PEER_INFO" in data:
            ifmp = data["IFLA_NETKIT_PEER_INFO"]
            tbp = ifmp.attrs
            err = netkit_validate(tbp, None, extack)
            if err:
                raise KernelError(err)
        if "IFLA_NETKIT_POLICY" in data:
            policy_prim = data["IFLA_NETKIT_POLICY"]
            netkit_check_policy(policy_prim, extack)
        if "IFLA_NETKIT_PEER_POLICY" in data:
            policy_peer = data["IFLA_NETKIT_PEER_POLICY"]
            netkit_check_policy(policy_peer, extack)
        scrub_prim = data.get("IFLA_NETKIT_SCRUB", scrub_prim)
        scrub_peer = data.get("IFLA_NETKIT_PEER_SCRUB", scrub_peer)
        headroom = data.get("IFLA_NETKIT_HEADROOM", headroom)
        tailroom = data.get("IFLA_NETKIT_TAILROOM", tailroom)
        pair = data.get("IFLA_NETKIT_PAIRING", pair)
    seen_peer = any(
        k in data
        for k in ("IFLA_NETKIT_PEER_INFO", "IFLA_NETKIT_PEER_SCRUB", "IFLA_NETKIT_PEER_POLICY")
    )
    if ifmp is not None and "IFLA_IFNAME" in tbp:
        ifname, assign = tbp["IFLA_IFNAME"], NET_NAME_USER
    else:
        ifname, assign = "nk%d", NET_NAME_ENUM
    if mode != NETKIT_L2 and ("IFLA_ADDRESS" in tb or "IFLA_ADDRESS" in tbp):
        raise KernelError(EOPNOTSUPP)
    if pair == NETKIT_DEVICE_SINGLE and (tbp is not tb or seen_peer or policy_prim != NETKIT_PASS):
        raise KernelError(EOPNOTSUPP)

    peer = None
    if pair == NETKIT_DEVICE_PAIR:
        peer = rtnl_create_link(
            _peer_net(params, tbp), ifname, assign, dev.rtnl_link_ops, tbp, extack
        )
        if mode == NETKIT_L2 and not (ifmp is not None and "IFLA_ADDRESS" in tbp):
            _random_addr(peer)
        if ifmp is not None and dev.ifindex:
            peer.ifindex = ifmp.ifi_index
        peer.priv = NetkitPriv(None, policy_peer, scrub_peer, mode, pair, False, headroom, tailroom)
        try:
            register_netdevice(peer)
        except KernelError:
            free_netdev(peer)
            raise
        netif_carrier_off(peer)
        if mode == NETKIT_L2:
            dev_change_flags(peer, peer.flags & ~IFF_NOARP)
        try:
            rtnl_configure_link(peer, None)
        except KernelError:
            unregister_netdevice(peer)
            raise

    if mode == NETKIT_L2 and "IFLA_ADDRESS" not in tb:
        _random_addr(dev)
    dev.name = tb.get("IFLA_IFNAME", "nk%d")
    dev.priv = NetkitPriv(None, policy_prim, scrub_prim, mode, pair, True, headroom, tailroom)
    try:
        register_netdevice(dev)
    except KernelError:
        if peer is not None:
            unregister_netdevice(peer)
        raise
    netif_carrier_off(dev)
    if mode == NETKIT_L2:
        dev_change_flags(dev, dev.flags & ~IFF_NOARP)
    dev.priv.peer = peer
    if peer is not None:
        peer.priv.peer = dev


def netkit_del_link(dev: NetDevice, head: list[NetDevice] | None) -> None:
    nk = netkit_priv(dev)
    peer, nk.peer = nk.peer, None
    unregister_netdevice_queue(dev, head)
    if peer is not None:
        netkit_priv(peer).peer = None
        unregister_netdevice_queue(peer, head)


_FIXED_PARAMS = (
    ("IFLA_NETKIT_MODE", "operating mode"),
    ("IFLA_NETKIT_SCRUB", "scrubbing"),
    ("IFLA_NETKIT_PEER_SCRUB", "peer scrubbing"),
    ("IFLA_NETKIT_PEER_INFO", "peer info"),
    ("IFLA_NETKIT_HEADROOM", "headroom"),
    ("IFLA_NETKIT_TAILROOM", "tailroom"),
    ("IFLA_NETKIT_PAIRING", "pairing"),
)


def netkit_change_link(dev: NetDevice, tb: dict, data: dict | None, extack: list[str]) -> None:
    nk = netkit_priv(dev)
    data = data or {}
    if not nk.primary:
        raise KernelError(
            EACCES, "netkit link settings can be changed only through the primary device"
        )
    for attr, what in _FIXED_PARAMS:
        if attr in data:
            raise KernelError(EACCES, f"netkit link {what} cannot be changed after device creation")
    if "IFLA_NETKIT_POLICY" in data:
        if nk.pair != NETKIT_DEVICE_PAIR:
            raise KernelError(EOPNOTSUPP)
        netkit_check_policy(data["IFLA_NETKIT_POLICY"], extack)
        nk.policy = data["IFLA_NETKIT_POLICY"]
    if "IFLA_NETKIT_PEER_POLICY" in data:
        if nk.peer is None:
            raise KernelError(EOPNOTSUPP)
        netkit_check_policy(data["IFLA_NETKIT_PEER_POLICY"], extack)
        netkit_priv(nk.peer).policy = data["IFLA_NETKIT_PEER_POLICY"]


def netkit_fill_info(dev: NetDevice) -> dict:
    nk = netkit_priv(dev)
    info = {
        "IFLA_NETKIT_PRIMARY": int(nk.primary),
        "IFLA_NETKIT_POLICY": nk.policy,
        "IFLA_NETKIT_MODE": nk.mode,
        "IFLA_NETKIT_SCRUB": nk.scrub,
        "IFLA_NETKIT_HEADROOM": nk.headroom,
        "IFLA_NETKIT_TAILROOM": nk.tailroom,
        "IFLA_NETKIT_PAIRING": nk.pair,
    }
    if nk.peer is not None:
        peer = netkit_priv(nk.peer)
        info["IFLA_NETKIT_PEER_POLICY"] = peer.policy
        info["IFLA_NETKIT_PEER_SCRUB"] = peer.scrub
    return info


def netkit_get_link_net(dev: NetDevice) -> Net:
    peer = netkit_priv(dev).peer
    return peer.nd_net if peer is not None else dev.nd_net


# -- the NETDEV_UNREGISTER notifier (commit 2544447057) ----------------------------------------


def netkit_check_lease_unregister(dev: NetDevice) -> None:
    """A physical device really going away takes every netkit device leasing its queues along,
    each queued once, in one nested batch (like vxlan with its lower device)."""
    if dev.reg_state != NETREG_UNREGISTERING or dev.parent is None:
        return
    kill: list[NetDevice] = []
    for q_idx in range(dev.real_num_rx_queues):
        owner = netif_rx_queue_lease_get_owner(dev, q_idx)
        if owner is None:
            continue
        tmp = owner[0]
        if tmp.netdev_ops is not netkit_netdev_ops:
            continue
        # Several queues may be leased to one netkit device; it can be queued only once.
        if unregister_netdevice_queued(tmp):
            continue
        netkit_del_link(tmp, kill)
    unregister_netdevice_many(dev.kernel, kill)


def netkit_notifier(nb: NotifierBlock, event: int, info: Any) -> int:
    if event == NETDEV_UNREGISTER:
        netkit_check_lease_unregister(info.dev)
    return NOTIFY_DONE


def _make_ops() -> RtnlLinkOps:
    return RtnlLinkOps(
        kind="netkit",
        priv_factory=NetkitPriv,
        setup=netkit_setup,
        alloc=netkit_alloc,
        validate=netkit_validate,
        newlink=netkit_new_link,
        dellink=netkit_del_link,
        changelink=netkit_change_link,
        fill_info=netkit_fill_info,
        get_link_net=netkit_get_link_net,
        peer_type="IFLA_NETKIT_PEER_INFO",
        owner="netkit",
    )


def netkit_mod_init(kernel: Kernel, params: dict) -> int:
    """Register the kind, then (from commit 2544447057 on) the notifier; undo the kind if that
    fails. Kernel(netkit_notifier=False) runs the kernel as it was before that commit."""
    ops = _make_ops()
    rtnl_link_register(kernel, ops)
    state: dict[str, Any] = {"ops": ops, "nb": None}
    if kernel.netkit_notifier:
        nb = NotifierBlock(netkit_notifier, 0, "netkit_netdev_notifier")
        err = register_netdevice_notifier(kernel, nb)
        if err:
            rtnl_link_unregister(kernel, ops)
            return err
        state["nb"] = nb
    kernel.driver_state["netkit"] = state
    kernel.holder_explainers.append(lease_holder_explainer)
    return 0


def netkit_mod_exit(kernel: Kernel) -> None:
    state = kernel.driver_state.pop("netkit")
    if lease_holder_explainer in kernel.holder_explainers:
        kernel.holder_explainers.remove(lease_holder_explainer)
    if state["nb"] is not None:
        unregister_netdevice_notifier(kernel, state["nb"])
    rtnl_link_unregister(kernel, state["ops"])


MODULE = Module("netkit", netkit_mod_init, netkit_mod_exit, aliases=("rtnl-link-netkit",))

"""Netdev features: the offload bits, how the core fixes and updates them, how uppers combine
their lowers' bits, and NETDEV_FEAT_CHANGE.

Mirrors include/linux/netdev_features.h (the bits and masks; a feature set is a frozenset of the
names ethtool shows, net/ethtool/common.c:netdev_features_strings) and net/core/dev.c:
netdev_fix_features, __netdev_update_features, netdev_update_features, netdev_change_features,
netdev_features_change, netdev_increment_features, netdev_add_tso_features,
netdev_sync_upper_features / netdev_sync_lower_features (LRO), and the feature part of
register_netdevice (netdev_register_features).

A device has features (active), hw_features (what the user may toggle), wanted_features (what
was asked for), vlan_features and hw_enc_features (what stacked devices may inherit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.if_link import IFF_LOOPBACK

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

Features = frozenset[str]

# Every feature of this kernel (6.18), in bit order: ethtool prints them in this order.
NETDEV_FEATURES: tuple[str, ...] = (
    "tx-scatter-gather", "tx-checksum-ipv4", "tx-checksum-ip-generic", "tx-checksum-ipv6",
    "highdma", "tx-scatter-gather-fraglist", "tx-vlan-hw-insert", "rx-vlan-hw-parse",
    "rx-vlan-filter", "vlan-challenged", "tx-generic-segmentation", "rx-gro", "rx-lro",
    "tx-tcp-segmentation", "tx-gso-robust", "tx-tcp-ecn-segmentation",
    "tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation", "tx-fcoe-segmentation",
    "tx-gre-segmentation", "tx-gre-csum-segmentation", "tx-ipxip4-segmentation",
    "tx-ipxip6-segmentation", "tx-udp_tnl-segmentation", "tx-udp_tnl-csum-segmentation",
    "tx-gso-partial", "tx-tunnel-remcsum-segmentation", "tx-sctp-segmentation",
    "tx-esp-segmentation", "tx-udp-segmentation", "tx-gso-list", "tx-tcp-accecn-segmentation",
    "tx-checksum-fcoe-crc", "tx-checksum-sctp", "rx-ntuple-filter", "rx-hashing",
    "rx-checksum", "tx-nocache-copy", "loopback", "rx-fcs", "rx-all", "tx-vlan-stag-hw-insert",
    "rx-vlan-stag-hw-parse", "rx-vlan-stag-filter", "l2-fwd-offload", "hw-tc-offload",
    "esp-hw-offload", "esp-tx-csum-hw-offload", "rx-udp_tunnel-port-offload",
    "tls-hw-tx-offload", "tls-hw-rx-offload", "rx-gro-hw", "tls-hw-record", "rx-gro-list",
    "macsec-hw-offload", "rx-udp-gro-forwarding", "hsr-tag-ins-offload", "hsr-tag-rm-offload",
    "hsr-fwd-offload", "hsr-dup-offload",
)  # fmt: skip


def F(*names: str) -> Features:
    """A feature set from kernel names; an unknown name is a netlife bug."""
    for name in names:
        if name not in NETDEV_FEATURES:
            raise ValueError(f"unknown netdev feature {name!r}")
    return frozenset(names)


NONE: Features = frozenset()
NETIF_F_SG = F("tx-scatter-gather")
NETIF_F_IP_CSUM = F("tx-checksum-ipv4")
NETIF_F_HW_CSUM = F("tx-checksum-ip-generic")
NETIF_F_IPV6_CSUM = F("tx-checksum-ipv6")
NETIF_F_HIGHDMA = F("highdma")
NETIF_F_FRAGLIST = F("tx-scatter-gather-fraglist")
NETIF_F_HW_VLAN_CTAG_TX = F("tx-vlan-hw-insert")
NETIF_F_HW_VLAN_CTAG_RX = F("rx-vlan-hw-parse")
NETIF_F_HW_VLAN_CTAG_FILTER = F("rx-vlan-filter")
NETIF_F_VLAN_CHALLENGED = F("vlan-challenged")
NETIF_F_GSO = F("tx-generic-segmentation")
NETIF_F_GRO = F("rx-gro")
NETIF_F_LRO = F("rx-lro")
NETIF_F_TSO = F("tx-tcp-segmentation")
NETIF_F_GSO_ROBUST = F("tx-gso-robust")
NETIF_F_TSO_ECN = F("tx-tcp-ecn-segmentation")
NETIF_F_TSO_MANGLEID = F("tx-tcp-mangleid-segmentation")
NETIF_F_TSO6 = F("tx-tcp6-segmentation")
NETIF_F_TSO_ACCECN = F("tx-tcp-accecn-segmentation")
NETIF_F_FSO = F("tx-fcoe-segmentation")
NETIF_F_GSO_PARTIAL = F("tx-gso-partial")
NETIF_F_GSO_SCTP = F("tx-sctp-segmentation")
NETIF_F_GSO_UDP_L4 = F("tx-udp-segmentation")
NETIF_F_GSO_FRAGLIST = F("tx-gso-list")
NETIF_F_GSO_UDP_TUNNEL = F("tx-udp_tnl-segmentation")
NETIF_F_GSO_UDP_TUNNEL_CSUM = F("tx-udp_tnl-csum-segmentation")
NETIF_F_SCTP_CRC = F("tx-checksum-sctp")
NETIF_F_RXCSUM = F("rx-checksum")
NETIF_F_NOCACHE_COPY = F("tx-nocache-copy")
NETIF_F_LOOPBACK = F("loopback")
NETIF_F_RXFCS = F("rx-fcs")
NETIF_F_HW_VLAN_STAG_TX = F("tx-vlan-stag-hw-insert")
NETIF_F_HW_VLAN_STAG_RX = F("rx-vlan-stag-hw-parse")
NETIF_F_HW_VLAN_STAG_FILTER = F("rx-vlan-stag-filter")
NETIF_F_GRO_HW = F("rx-gro-hw")
NETIF_F_GRO_FRAGLIST = F("rx-gro-list")
NETIF_F_GRO_UDP_FWD = F("rx-udp-gro-forwarding")

# The masks of netdev_features.h.
_GSO_FIRST = NETDEV_FEATURES.index("tx-tcp-segmentation")
_GSO_LAST = NETDEV_FEATURES.index("tx-tcp-accecn-segmentation")
NETIF_F_GSO_MASK = F(*NETDEV_FEATURES[_GSO_FIRST : _GSO_LAST + 1])
NETIF_F_ALL_TSO = NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID
NETIF_F_GSO_SOFTWARE = (NETIF_F_ALL_TSO | NETIF_F_TSO_ACCECN | NETIF_F_GSO_SCTP
                        | NETIF_F_GSO_UDP_L4 | NETIF_F_GSO_FRAGLIST)  # fmt: skip
NETIF_F_GSO_ENCAP_ALL = F("tx-gre-segmentation", "tx-gre-csum-segmentation",
                          "tx-ipxip4-segmentation", "tx-ipxip6-segmentation",
                          "tx-udp_tnl-segmentation", "tx-udp_tnl-csum-segmentation")  # fmt: skip
NETIF_F_CSUM_MASK = NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_HW_CSUM
NETIF_F_ONE_FOR_ALL = (NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ROBUST | NETIF_F_SG | NETIF_F_HIGHDMA
                       | NETIF_F_FRAGLIST | NETIF_F_VLAN_CHALLENGED)  # fmt: skip
NETIF_F_ALL_FOR_ALL = NETIF_F_NOCACHE_COPY | NETIF_F_FSO
NETIF_F_SOFT_FEATURES = NETIF_F_GSO | NETIF_F_GRO
NETIF_F_SOFT_FEATURES_OFF = NETIF_F_GRO_FRAGLIST | NETIF_F_GRO_UDP_FWD
NETIF_F_UPPER_DISABLES = NETIF_F_LRO
NETIF_F_VLAN_FEATURES = (NETIF_F_HW_VLAN_CTAG_FILTER | NETIF_F_HW_VLAN_CTAG_RX
                         | NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_FILTER
                         | NETIF_F_HW_VLAN_STAG_RX | NETIF_F_HW_VLAN_STAG_TX)  # fmt: skip


def netdev_increment_features(all_: Features, one: Features, mask: Features) -> Features:
    """Add one lower device's features to an upper's running set (bonding, bridge, macvlan):
    ONE_FOR_ALL and checksum bits any lower has (within mask), ALL_FOR_ALL only if all have."""
    if mask & NETIF_F_HW_CSUM:
        mask |= NETIF_F_CSUM_MASK
    mask |= NETIF_F_VLAN_CHALLENGED
    all_ |= one & (NETIF_F_ONE_FOR_ALL | NETIF_F_CSUM_MASK) & mask
    all_ -= NETIF_F_ALL_FOR_ALL - one
    if all_ & NETIF_F_HW_CSUM:  # one device with hardware checksumming sets it for all
        all_ -= NETIF_F_CSUM_MASK - NETIF_F_HW_CSUM
    return all_


def netdev_add_tso_features(features: Features, mask: Features) -> Features:
    return netdev_increment_features(features, NETIF_F_ALL_TSO, mask)


def netdev_intersect_features(f1: Features, f2: Features) -> Features:
    if (f1 ^ f2) & NETIF_F_HW_CSUM:
        if f1 & NETIF_F_HW_CSUM:
            f1 |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM
        else:
            f2 |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM
    return f1 & f2


def netdev_get_wanted_features(dev: NetDevice) -> Features:
    return (dev.features - dev.hw_features) | dev.wanted_features


def netdev_fix_features(dev: NetDevice, features: Features) -> Features:
    """The core's dependency rules between bits, in net/core/dev.c's order."""
    if features & NETIF_F_HW_CSUM and features & (NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM):
        features -= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM
    if features & NETIF_F_ALL_TSO and not features & NETIF_F_SG:
        features -= NETIF_F_ALL_TSO  # TSO requires scatter-gather
    if features & NETIF_F_TSO and not features & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM):
        features -= NETIF_F_TSO | NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID
    if features & NETIF_F_TSO6 and not features & (NETIF_F_HW_CSUM | NETIF_F_IPV6_CSUM):
        features -= NETIF_F_TSO6
    if features & NETIF_F_TSO_MANGLEID and not features & NETIF_F_TSO:
        features -= NETIF_F_TSO_MANGLEID
    if features & NETIF_F_ALL_TSO == NETIF_F_TSO_ECN:
        features -= NETIF_F_TSO_ECN
    if features & NETIF_F_GSO and not features & NETIF_F_SG:
        features -= NETIF_F_GSO  # software GSO depends on scatter-gather
    if (
        features & NETIF_F_GSO_UDP_L4
        and not features & NETIF_F_HW_CSUM
        and not (features & NETIF_F_IP_CSUM and features & NETIF_F_IPV6_CSUM)
    ):
        features -= NETIF_F_GSO_UDP_L4  # USO needs checksum offload
    if not features & NETIF_F_RXCSUM and features & NETIF_F_GRO_HW:
        features -= NETIF_F_GRO_HW  # hardware GRO verifies checksums
    if features & NETIF_F_RXFCS:
        features -= NETIF_F_LRO | NETIF_F_GRO_HW
    if features & NETIF_F_GRO_HW and features & NETIF_F_LRO:
        features -= NETIF_F_LRO
    return features


def __netdev_update_features(dev: NetDevice) -> int:
    """Recompute dev's features from what is wanted: the driver's ndo_fix_features, the core's
    rules, uppers that have LRO off. 1 when they changed, 0 when not, -1 when the driver's
    ndo_set_features failed (the caller notifies then too: better spurious than missed)."""
    features = netdev_get_wanted_features(dev)
    fix = dev.netdev_ops.ndo_fix_features
    if fix is not None:
        features = fix(dev, features)
    features = netdev_fix_features(dev, features)
    for upper in list(dev.adj_upper):  # netdev_sync_upper_features: no LRO under an upper
        features -= NETIF_F_UPPER_DISABLES - upper.wanted_features
    err = -1
    if dev.features != features:
        setter = dev.netdev_ops.ndo_set_features
        err = setter(dev, features) if setter is not None else 0
        if err < 0:
            return -1
    # netdev_sync_lower_features: an upper without LRO turns it off on its lowers.
    for lower in list(dev.adj_lower):
        if not features & NETIF_F_LRO and lower.wanted_features & NETIF_F_LRO:
            lower.wanted_features -= NETIF_F_LRO
            netdev_update_features(lower)
    if not err:
        dev.features = features
    return 0 if err < 0 else 1


def netdev_features_change(dev: NetDevice) -> None:
    """NETDEV_FEAT_CHANGE: rtnetlink sends an RTM_NEWLINK for it."""
    from netlife.kernel.dev_notify import call_netdevice_notifiers
    from netlife.kernel.notifier import NetdevCmd

    call_netdevice_notifiers(NetdevCmd.NETDEV_FEAT_CHANGE, dev)


def netdev_update_features(dev: NetDevice) -> None:
    """Recompute, and notify only if something changed."""
    if __netdev_update_features(dev):
        netdev_features_change(dev)


def netdev_change_features(dev: NetDevice) -> None:
    """Recompute, and notify whatever the outcome."""
    __netdev_update_features(dev)
    netdev_features_change(dev)


def ethnl_set_features(dev: NetDevice, req_wanted: Features, req_mask: Features) -> Features:
    """ETHTOOL_MSG_FEATURES_SET (net/ethtool/features.c): the requested bits replace those of
    the old wanted set; only changeable bits are kept; NETDEV_FEAT_CHANGE if the active set
    changed. Returns the old active set (the reply reports what changed)."""
    old_active = dev.features
    old_wanted = dev.wanted_features
    new_wanted = (old_wanted - req_mask) | (req_wanted & req_mask)
    if new_wanted != old_wanted:
        dev.wanted_features = (dev.wanted_features - dev.hw_features) | (
            new_wanted & dev.hw_features
        )
        __netdev_update_features(dev)
    if dev.features != old_active:
        netdev_features_change(dev)
    return old_active


def ethnl_default_set_features(dev: NetDevice, req_wanted: Features, req_mask: Features):
    """The request as ethnl_default_set_doit runs it: under RTNL."""
    from netlife.kernel.rtnetlink import rtnl_lock

    with rtnl_lock(dev.kernel):
        return ethnl_set_features(dev, req_wanted, req_mask)


def dev_disable_lro(dev: NetDevice) -> None:
    """Before a device becomes a bridge port (or is forwarded from): LRO off, also below it."""
    dev.wanted_features -= NETIF_F_LRO
    netdev_update_features(dev)
    for lower in list(dev.adj_lower):
        dev_disable_lro(lower)


def netdev_register_features(dev: NetDevice) -> None:
    """register_netdevice's feature step: software offloads on and changeable, the changeable
    active bits become wanted, what stacked devices may inherit, then a first update (no
    notification: the device is not registered yet)."""
    dev.hw_features |= NETIF_F_SOFT_FEATURES | NETIF_F_SOFT_FEATURES_OFF
    dev.features |= NETIF_F_SOFT_FEATURES
    dev.wanted_features = dev.features & dev.hw_features
    if not dev.flags & IFF_LOOPBACK:
        dev.hw_features |= NETIF_F_NOCACHE_COPY
    if dev.hw_features & NETIF_F_TSO:
        dev.hw_features |= NETIF_F_TSO_MANGLEID
    if dev.vlan_features & NETIF_F_TSO:
        dev.vlan_features |= NETIF_F_TSO_MANGLEID
    if dev.hw_enc_features & NETIF_F_TSO:
        dev.hw_enc_features |= NETIF_F_TSO_MANGLEID
    dev.vlan_features |= NETIF_F_HIGHDMA
    dev.hw_enc_features |= NETIF_F_SG | NETIF_F_GSO_PARTIAL
    __netdev_update_features(dev)


__all__ = [
    "NETDEV_FEATURES",
    "dev_disable_lro",
    "ethnl_default_set_features",
    "ethnl_set_features",
    "netdev_change_features",
    "netdev_features_change",
    "netdev_increment_features",
    "netdev_register_features",
    "netdev_update_features",
]

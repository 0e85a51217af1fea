"""vxlan's netlink configuration: vxlan_nl2conf for newlink and changelink, and
vxlan_config_validate, attribute by attribute in drivers/net/vxlan/vxlan_core.c's order.

On changelink the old configuration is the start and most attributes refuse to change it, each
with the kernel's extack: the VNI ("Cannot change VNI"), the address family of group and local,
every VXLAN_F_* flag except learning (vxlan_nl2flag with changelink_supported false, texts from
vxlan_flag_attr_error in include/net/vxlan.h, prefixed with the module name as
NL_SET_ERR_MSG_MOD does), limit, port range, port, UDP checksum and MTU. A flag attribute is
refused even when it asks for the value the device already has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import EEXIST, EINVAL, ENODEV, EOPNOTSUPP, KernelError

if TYPE_CHECKING:
    from netlife.drivers.vxlan import VxlanConfig, VxlanDev
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

AF_INET, AF_INET6 = 2, 10
IANA_VXLAN_GPE_UDP_PORT = 4790
FDB_AGE_DEFAULT = 300
IPV6_FLOWLABEL_MASK = 0x000FFFFF

# (attribute, VxlanConfig field, changelink supported): vxlan_nl2flag calls in nl2conf order,
# split where other attributes come between them.
FLAGS_TTL = (("IFLA_VXLAN_TTL_INHERIT", "ttl_inherit", False),)
FLAGS_MISS = (
    ("IFLA_VXLAN_PROXY", "proxy", False),
    ("IFLA_VXLAN_RSC", "rsc", False),
    ("IFLA_VXLAN_L2MISS", "l2miss", False),
    ("IFLA_VXLAN_L3MISS", "l3miss", False),
)
FLAGS_CSUM = (
    ("IFLA_VXLAN_UDP_ZERO_CSUM6_TX", "udp_zero_csum6_tx", False),
    ("IFLA_VXLAN_UDP_ZERO_CSUM6_RX", "udp_zero_csum6_rx", False),
    ("IFLA_VXLAN_REMCSUM_TX", "remcsum_tx", False),
    ("IFLA_VXLAN_REMCSUM_RX", "remcsum_rx", False),
    ("IFLA_VXLAN_GBP", "gbp", False),
    ("IFLA_VXLAN_GPE", "gpe", False),
    ("IFLA_VXLAN_REMCSUM_NOPARTIAL", "remcsum_nopartial", False),
)
NLA_FLAG_ATTRS = ("IFLA_VXLAN_TTL_INHERIT", "IFLA_VXLAN_GBP", "IFLA_VXLAN_GPE",
                  "IFLA_VXLAN_REMCSUM_NOPARTIAL")  # fmt: skip
# VXLAN_F_ALLOWED_GPE: what GPE may be combined with.
ALLOWED_GPE = frozenset(
    ("gpe", "collect_metadata", "udp_zero_csum6_tx", "udp_zero_csum6_rx", "vnifilter")
)


def vxlan_flag_attr_error(attr: str) -> str:
    """The extack of a flag changelink cannot change: "vxlan: cannot change PROXY flag"."""
    return f"vxlan: cannot change {attr.removeprefix('IFLA_VXLAN_')} flag"


def vxlan_nl2flag(conf: VxlanConfig, data: dict, attr: str, field: str, changelink: bool,
                  changelink_supported: bool) -> None:  # fmt: skip
    if attr not in data:
        return
    if changelink and not changelink_supported:
        raise KernelError(EOPNOTSUPP, vxlan_flag_attr_error(attr))
    setattr(conf, field, attr in NLA_FLAG_ATTRS or bool(data[attr]))


def _flags(conf: VxlanConfig, data: dict, table: tuple, changelink: bool) -> None:
    for attr, field, supported in table:
        vxlan_nl2flag(conf, data, attr, field, changelink, supported)


def _cannot_change(data: dict, attr: str, changelink: bool, msg: str) -> bool:
    """True when the attribute is there to apply; raises on changelink."""
    if attr not in data:
        return False
    if changelink:
        raise KernelError(EOPNOTSUPP, msg)
    return True


def _address(conf: VxlanConfig, data: dict, which: str, changelink: bool) -> None:
    """IFLA_VXLAN_GROUP / GROUP6 (which="remote") or LOCAL / LOCAL6 (which="saddr")."""
    base = "IFLA_VXLAN_GROUP" if which == "remote" else "IFLA_VXLAN_LOCAL"
    what = "group address family does not match old group" if which == "remote" else (
        "local address family does not match old")  # fmt: skip
    for attr, family in ((base, AF_INET), (base + "6", AF_INET6)):
        if attr not in data:
            continue
        old = conf.remote_family if which == "remote" else conf.saddr_family
        if changelink and old != family:
            raise KernelError(EOPNOTSUPP, f"New {what}")
        if which == "remote":
            conf.remote_ip, conf.remote_family = data[attr], family
        else:
            conf.saddr, conf.saddr_family = data[attr], family
        return


def vxlan_nl2conf_attrs(conf: VxlanConfig, tb: dict, data: dict, changelink: bool) -> None:
    """Apply the request to `conf` (a fresh one, or a copy of the device's on changelink)."""
    if "IFLA_VXLAN_ID" in data:
        if changelink and data["IFLA_VXLAN_ID"] != conf.vni:
            raise KernelError(EOPNOTSUPP, "Cannot change VNI")
        conf.vni = data["IFLA_VXLAN_ID"]
    _address(conf, data, "remote", changelink)
    _address(conf, data, "saddr", changelink)
    if "IFLA_VXLAN_LINK" in data:
        conf.remote_ifindex = data["IFLA_VXLAN_LINK"]
    if "IFLA_VXLAN_TOS" in data:
        conf.tos = data["IFLA_VXLAN_TOS"]
    if "IFLA_VXLAN_TTL" in data:
        conf.ttl = data["IFLA_VXLAN_TTL"]
    _flags(conf, data, FLAGS_TTL, changelink)
    if "IFLA_VXLAN_LABEL" in data:
        conf.label = data["IFLA_VXLAN_LABEL"] & IPV6_FLOWLABEL_MASK
    if "IFLA_VXLAN_LEARNING" in data:
        vxlan_nl2flag(conf, data, "IFLA_VXLAN_LEARNING", "learning", changelink, True)
    elif not changelink:
        conf.learning = True  # default to learn on a new device
    if "IFLA_VXLAN_AGEING" in data:
        conf.age_interval = data["IFLA_VXLAN_AGEING"]
    _flags(conf, data, FLAGS_MISS, changelink)
    if _cannot_change(data, "IFLA_VXLAN_LIMIT", changelink, "Cannot change limit"):
        conf.addrmax = data["IFLA_VXLAN_LIMIT"]
    vxlan_nl2flag(conf, data, "IFLA_VXLAN_COLLECT_METADATA", "collect_metadata", changelink,
                  False)  # fmt: skip
    if _cannot_change(data, "IFLA_VXLAN_PORT_RANGE", changelink, "Cannot change port range"):
        conf.port_min = data["IFLA_VXLAN_PORT_RANGE"]["low"]
        conf.port_max = data["IFLA_VXLAN_PORT_RANGE"]["high"]
    if _cannot_change(data, "IFLA_VXLAN_PORT", changelink, "Cannot change port"):
        conf.dst_port = data["IFLA_VXLAN_PORT"]
    if _cannot_change(data, "IFLA_VXLAN_UDP_CSUM", changelink, "Cannot change UDP_CSUM flag"):
        conf.udp_csum = bool(data["IFLA_VXLAN_UDP_CSUM"])
    _flags(conf, data, FLAGS_CSUM, changelink)
    if _cannot_change(tb, "IFLA_MTU", changelink, "Cannot change mtu"):
        conf.mtu = tb["IFLA_MTU"]
    if "IFLA_VXLAN_DF" in data:
        conf.df = data["IFLA_VXLAN_DF"]
    if "IFLA_VXLAN_VNIFILTER" in data:
        vxlan_nl2flag(conf, data, "IFLA_VXLAN_VNIFILTER", "vnifilter", changelink, False)
        if conf.vnifilter and not conf.collect_metadata:
            raise KernelError(EINVAL, "vxlan vnifilter only valid in collect metadata mode")


def _gpe_combination_ok(conf: VxlanConfig) -> bool:
    from dataclasses import fields

    # udp_csum is the inverse of VXLAN_F_UDP_ZERO_CSUM_TX, which GPE allows either way.
    on = {f.name for f in fields(conf) if f.type == "bool" and getattr(conf, f.name)}
    on.discard("udp_csum")
    return on <= ALLOWED_GPE and conf.collect_metadata


def vxlan_config_check(
    net: Net, conf: VxlanConfig, old: VxlanDev | None, vxlan_list: list[VxlanDev]
) -> NetDevice | None:
    """vxlan_config_validate: fills the families, port and ageing defaults; returns the lower."""
    if conf.gpe and not _gpe_combination_ok(conf):
        raise KernelError(EINVAL, "VXLAN GPE does not support this combination of attributes")
    if not conf.remote_family and not conf.saddr_family:
        conf.remote_family = conf.saddr_family = AF_INET  # unless IPv6 is asked for
    elif not conf.remote_family:
        conf.remote_family = conf.saddr_family
    elif not conf.saddr_family:
        conf.saddr_family = conf.remote_family
    if conf.saddr_family != conf.remote_family:
        raise KernelError(EINVAL, "Local and remote address must be from the same family")
    if conf.saddr and _multicast(conf.saddr):
        raise KernelError(EINVAL, "Local address cannot be multicast")
    use_ipv6 = conf.saddr_family == AF_INET6
    if conf.label and not use_ipv6:
        raise KernelError(EINVAL, "Label attribute only applies to IPv6 VXLAN devices")
    lowerdev = None
    if conf.remote_ifindex:
        lowerdev = net.dev_get_by_index(conf.remote_ifindex)
        if lowerdev is None:
            raise KernelError(ENODEV, "Invalid local interface, device not found")
    elif conf.remote_ip and _multicast(conf.remote_ip):
        raise KernelError(EINVAL, "Local interface required for multicast remote destination")
    if not conf.dst_port:
        from netlife.drivers.vxlan import VXLAN_DEFAULT_PORT

        conf.dst_port = IANA_VXLAN_GPE_UDP_PORT if conf.gpe else VXLAN_DEFAULT_PORT
    if not conf.age_interval:
        conf.age_interval = FDB_AGE_DEFAULT
    for tmp in vxlan_list:
        if tmp is old or tmp.cfg.vni != conf.vni or tmp.cfg.dst_port != conf.dst_port:
            continue
        if _rcv_flags(tmp.cfg) != _rcv_flags(conf):
            continue
        raise KernelError(EEXIST, "A VXLAN device with the specified VNI already exists")
    return lowerdev


def _multicast(addr: str) -> bool:
    import ipaddress

    return ipaddress.ip_address(addr).is_multicast


def _rcv_flags(conf: VxlanConfig) -> tuple:
    """VXLAN_F_RCV_FLAGS | VXLAN_F_IPV6: devices differing here do not share a socket."""
    return (conf.gbp, conf.gpe, conf.remcsum_rx, conf.remcsum_nopartial,
            conf.collect_metadata, conf.vnifilter, conf.saddr_family == AF_INET6)  # fmt: skip


__all__ = ["vxlan_config_check", "vxlan_flag_attr_error", "vxlan_nl2conf_attrs"]

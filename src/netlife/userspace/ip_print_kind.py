"""Per-kind `ip -d link` details: iproute2 6.1's link_util print_opt functions.

Mirrors iproute2 v6.1.0 ip/iplink_bridge.c (bridge_print_opt), ip/iplink_bridge_slave.c
(bridge_slave_print_opt), ip/iplink_macvlan.c (macvlan_print_opt, also for macvtap),
ip/iplink_vxlan.c (vxlan_print_opt), ip/iptuntap.c (tun_print_opt) and ip/iplink_vlan.c
(vlan_print_opt). Each takes the IFLA_INFO_DATA (or IFLA_INFO_SLAVE_DATA) dict, or None when
the kind sent none, and prints in the source's order, with its quirks kept (bridge prints its
designated_root from IFLA_BR_BRIDGE_ID; bridge ids use ether_ntoa's unpadded hex bytes).

Model forms these printers read (the pyroute2 adapter produces the same): bridge ids are
{"prio": 0x8000, "addr": "aa:bb:..."} with prio the big-endian value; IFLA_BR_MULTI_BOOLOPT is
{"optval": int, "optmask": int}; IFLA_VXLAN_PORT_RANGE is {"low": int, "high": int};
IFLA_VXLAN_LABEL is the label value; IPv4/IPv6 addresses and MACs are strings; protocols
(IFLA_VLAN_PROTOCOL, IFLA_BR_VLAN_PROTOCOL) are host-order ints (0x8100); flag attributes are
True; a repeated nested attribute is a list of its values.

Kinds iproute2 6.1 has no print_opt for (veth, dummy, netdevsim) or does not know (netkit) are
absent from KIND_PRINTERS, so only their name is printed, as the real `ip` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from netlife.userspace.ip_print_json import PRINT_ANY, PRINT_JSON, Printer

if TYPE_CHECKING:
    from netlife.userspace.ip_print import PrintContext

PrintOpt = Callable[[Printer, "dict[str, Any] | None", "PrintContext"], None]

# lib/ll_proto.c names for the protocols these kinds report.
LL_PROTO_NAMES = {0x8100: "802.1Q", 0x88A8: "802.1ad"}


def ll_proto_name(proto: int) -> str:
    return LL_PROTO_NAMES.get(proto, f"[{proto}]")


def bridge_id_text(bid: dict[str, Any]) -> str:
    """br_dump_bridge_id: "%.2x%.2x." then glibc ether_ntoa_r, which does not pad bytes."""
    addr = ":".join(f"{int(b, 16):x}" for b in bid["addr"].split(":"))
    return f"{bid['prio']:04x}.{addr}"


def print_timer(p: Printer, name: str, clock_t: int) -> None:
    """_bridge_print_timer: USER_HZ ticks as seconds with two decimals."""
    usec = 10000 * clock_t
    sec, frac = usec // 1000000, (usec % 1000000) // 10000
    if p.json:
        p.raw_number(name, f"{sec}.{frac:02d}")
    else:
        p.text(f"{name} {sec:4d}.{frac:02d} ")


def _br_numbers(p: Printer, tb: dict, table: tuple[tuple[str, str, str], ...]) -> None:
    """Rows of (IFLA_BR_ suffix, JSON key, text word): print_uint(key, "word %u ")."""
    for suffix, key, word in table:
        if "IFLA_BR_" + suffix in tb:
            p.number(PRINT_ANY, key, word + " %d ", tb["IFLA_BR_" + suffix])


_BR_HEAD = (
    ("FORWARD_DELAY", "forward_delay", "forward_delay"),
    ("HELLO_TIME", "hello_time", "hello_time"),
    ("MAX_AGE", "max_age", "max_age"),
    ("AGEING_TIME", "ageing_time", "ageing_time"),
    ("STP_STATE", "stp_state", "stp_state"),
    ("PRIORITY", "priority", "priority"),
    ("VLAN_FILTERING", "vlan_filtering", "vlan_filtering"),
)
_BR_ROOT = (
    ("ROOT_PORT", "root_port", "root_port"),
    ("ROOT_PATH_COST", "root_path_cost", "root_path_cost"),
    ("TOPOLOGY_CHANGE", "topology_change", "topology_change"),
    ("TOPOLOGY_CHANGE_DETECTED", "topology_change_detected", "topology_change_detected"),
)
_BR_TIMERS = (
    ("IFLA_BR_HELLO_TIMER", "hello_timer"),
    ("IFLA_BR_TCN_TIMER", "tcn_timer"),
    ("IFLA_BR_TOPOLOGY_CHANGE_TIMER", "topology_change_timer"),
    ("IFLA_BR_GC_TIMER", "gc_timer"),
)
_BR_VLAN = (
    ("VLAN_DEFAULT_PVID", "vlan_default_pvid", "vlan_default_pvid"),
    ("VLAN_STATS_ENABLED", "vlan_stats_enabled", "vlan_stats_enabled"),
    ("VLAN_STATS_PER_PORT", "vlan_stats_per_port", "vlan_stats_per_port"),
)
_BR_MCAST = (
    ("MCAST_ROUTER", "mcast_router", "mcast_router"),
    ("MCAST_QUERY_USE_IFADDR", "mcast_query_use_ifaddr", "mcast_query_use_ifaddr"),
    ("MCAST_QUERIER", "mcast_querier", "mcast_querier"),
    ("MCAST_HASH_ELASTICITY", "mcast_hash_elasticity", "mcast_hash_elasticity"),
    ("MCAST_HASH_MAX", "mcast_hash_max", "mcast_hash_max"),
    ("MCAST_LAST_MEMBER_CNT", "mcast_last_member_cnt", "mcast_last_member_count"),
    ("MCAST_STARTUP_QUERY_CNT", "mcast_startup_query_cnt", "mcast_startup_query_count"),
    ("MCAST_LAST_MEMBER_INTVL", "mcast_last_member_intvl", "mcast_last_member_interval"),
    ("MCAST_MEMBERSHIP_INTVL", "mcast_membership_intvl", "mcast_membership_interval"),
    ("MCAST_QUERIER_INTVL", "mcast_querier_intvl", "mcast_querier_interval"),
    ("MCAST_QUERY_INTVL", "mcast_query_intvl", "mcast_query_interval"),
    ("MCAST_QUERY_RESPONSE_INTVL", "mcast_query_response_intvl", "mcast_query_response_interval"),
    ("MCAST_STARTUP_QUERY_INTVL", "mcast_startup_query_intvl", "mcast_startup_query_interval"),
    ("MCAST_STATS_ENABLED", "mcast_stats_enabled", "mcast_stats_enabled"),
    ("MCAST_IGMP_VERSION", "mcast_igmp_version", "mcast_igmp_version"),
    ("MCAST_MLD_VERSION", "mcast_mld_version", "mcast_mld_version"),
    ("NF_CALL_IPTABLES", "nf_call_iptables", "nf_call_iptables"),
    ("NF_CALL_IP6TABLES", "nf_call_ip6tables", "nf_call_ip6tables"),
    ("NF_CALL_ARPTABLES", "nf_call_arptables", "nf_call_arptables"),
)

BR_BOOLOPT_NO_LL_LEARN = 0
BR_BOOLOPT_MCAST_VLAN_SNOOPING = 1


def bridge_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None:
        return
    _br_numbers(p, tb, _BR_HEAD)
    if "IFLA_BR_VLAN_PROTOCOL" in tb:
        proto = ll_proto_name(tb["IFLA_BR_VLAN_PROTOCOL"])
        p.string(PRINT_ANY, "vlan_protocol", "vlan_protocol %s ", proto)
    if "IFLA_BR_BRIDGE_ID" in tb:
        p.string(PRINT_ANY, "bridge_id", "bridge_id %s ", bridge_id_text(tb["IFLA_BR_BRIDGE_ID"]))
    if "IFLA_BR_ROOT_ID" in tb:
        # iproute2 6.1 formats the root id from IFLA_BR_BRIDGE_ID's data (a bug kept here).
        source = tb.get("IFLA_BR_BRIDGE_ID", tb["IFLA_BR_ROOT_ID"])
        p.string(PRINT_ANY, "root_id", "designated_root %s ", bridge_id_text(source))
    _br_numbers(p, tb, _BR_ROOT)
    for attr, name in _BR_TIMERS:
        if attr in tb:
            print_timer(p, name, tb[attr])
    _br_numbers(p, tb, _BR_VLAN)
    if "IFLA_BR_GROUP_FWD_MASK" in tb:
        p.hex0x(PRINT_ANY, "group_fwd_mask", "group_fwd_mask %s ", tb["IFLA_BR_GROUP_FWD_MASK"])
    if "IFLA_BR_GROUP_ADDR" in tb:
        p.string(PRINT_ANY, "group_addr", "group_address %s ", tb["IFLA_BR_GROUP_ADDR"])
    if "IFLA_BR_MCAST_SNOOPING" in tb:
        p.number(PRINT_ANY, "mcast_snooping", "mcast_snooping %d ", tb["IFLA_BR_MCAST_SNOOPING"])
    if "IFLA_BR_MULTI_BOOLOPT" in tb:
        bm = tb["IFLA_BR_MULTI_BOOLOPT"]
        for bit, key in (
            (BR_BOOLOPT_NO_LL_LEARN, "no_linklocal_learn"),
            (BR_BOOLOPT_MCAST_VLAN_SNOOPING, "mcast_vlan_snooping"),
        ):
            if bm["optmask"] & (1 << bit):
                p.number(PRINT_ANY, key, key + " %d ", int(bool(bm["optval"] & (1 << bit))))
    _br_numbers(p, tb, _BR_MCAST)


BR_PORT_STATES = ("disabled", "listening", "learning", "forwarding", "blocking")
# iplink_bridge_slave.c:fwd_mask_tbl
FWD_MASK_NAMES = {0: "stp", 2: "lacp", 14: "lldp"}

_BRPORT_ON_OFF_1 = (
    ("IFLA_BRPORT_MODE", "hairpin"),
    ("IFLA_BRPORT_GUARD", "guard"),
    ("IFLA_BRPORT_PROTECT", "root_block"),
    ("IFLA_BRPORT_FAST_LEAVE", "fastleave"),
    ("IFLA_BRPORT_LEARNING", "learning"),
    ("IFLA_BRPORT_UNICAST_FLOOD", "flood"),
)
_BRPORT_ON_OFF_2 = (
    ("IFLA_BRPORT_MCAST_FLOOD", "mcast_flood"),
    ("IFLA_BRPORT_BCAST_FLOOD", "bcast_flood"),
    ("IFLA_BRPORT_MCAST_TO_UCAST", "mcast_to_unicast"),
    ("IFLA_BRPORT_NEIGH_SUPPRESS", "neigh_suppress"),
)
_BRPORT_ON_OFF_3 = (
    ("IFLA_BRPORT_VLAN_TUNNEL", "vlan_tunnel"),
    ("IFLA_BRPORT_ISOLATED", "isolated"),
    ("IFLA_BRPORT_LOCKED", "locked"),
)


def _on_offs(p: Printer, tb: dict, table: tuple[tuple[str, str], ...]) -> None:
    for attr, key in table:
        if attr in tb:
            p.on_off(PRINT_ANY, key, key + " %s ", tb[attr])


def fwd_mask_text(mask: int) -> str:
    """_bitmask2str: known bit names, others as 0x..., comma separated; "0x0" when empty."""
    names = [FWD_MASK_NAMES.get(i, f"{1 << i:#x}") for i in range(16) if mask & (1 << i)]
    return ",".join(names) if names else "0x0"


def bridge_slave_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None:
        return
    if "IFLA_BRPORT_STATE" in tb:
        state = tb["IFLA_BRPORT_STATE"]
        if state < len(BR_PORT_STATES):
            p.string(PRINT_ANY, "state", "state %s ", BR_PORT_STATES[state])
        else:
            p.number(PRINT_ANY, "state_index", "state (%d) ", state)
    if "IFLA_BRPORT_PRIORITY" in tb:
        p.number(PRINT_ANY, "priority", "priority %d ", tb["IFLA_BRPORT_PRIORITY"])
    if "IFLA_BRPORT_COST" in tb:
        p.number(PRINT_ANY, "cost", "cost %d ", tb["IFLA_BRPORT_COST"])
    _on_offs(p, tb, _BRPORT_ON_OFF_1)
    if "IFLA_BRPORT_ID" in tb:
        p.hex0x(PRINT_ANY, "id", "port_id %s ", tb["IFLA_BRPORT_ID"])
    if "IFLA_BRPORT_NO" in tb:
        p.hex0x(PRINT_ANY, "no", "port_no %s ", tb["IFLA_BRPORT_NO"])
    if "IFLA_BRPORT_DESIGNATED_PORT" in tb:
        v = tb["IFLA_BRPORT_DESIGNATED_PORT"]
        p.number(PRINT_ANY, "designated_port", "designated_port %d ", v)
    if "IFLA_BRPORT_DESIGNATED_COST" in tb:
        v = tb["IFLA_BRPORT_DESIGNATED_COST"]
        p.number(PRINT_ANY, "designated_cost", "designated_cost %d ", v)
    if "IFLA_BRPORT_BRIDGE_ID" in tb:
        v = bridge_id_text(tb["IFLA_BRPORT_BRIDGE_ID"])
        p.string(PRINT_ANY, "bridge_id", "designated_bridge %s ", v)
    if "IFLA_BRPORT_ROOT_ID" in tb:
        v = bridge_id_text(tb["IFLA_BRPORT_ROOT_ID"])
        p.string(PRINT_ANY, "root_id", "designated_root %s ", v)
    for attr, name in (
        ("IFLA_BRPORT_HOLD_TIMER", "hold_timer"),
        ("IFLA_BRPORT_MESSAGE_AGE_TIMER", "message_age_timer"),
        ("IFLA_BRPORT_FORWARD_DELAY_TIMER", "forward_delay_timer"),
    ):
        if attr in tb:
            print_timer(p, name, tb[attr])
    if "IFLA_BRPORT_TOPOLOGY_CHANGE_ACK" in tb:
        v = tb["IFLA_BRPORT_TOPOLOGY_CHANGE_ACK"]
        p.number(PRINT_ANY, "topology_change_ack", "topology_change_ack %d ", v)
    if "IFLA_BRPORT_CONFIG_PENDING" in tb:
        v = tb["IFLA_BRPORT_CONFIG_PENDING"]
        p.number(PRINT_ANY, "config_pending", "config_pending %d ", v)
    _on_offs(p, tb, (("IFLA_BRPORT_PROXYARP", "proxy_arp"),))
    _on_offs(p, tb, (("IFLA_BRPORT_PROXYARP_WIFI", "proxy_arp_wifi"),))
    if "IFLA_BRPORT_MULTICAST_ROUTER" in tb:
        v = tb["IFLA_BRPORT_MULTICAST_ROUTER"]
        p.number(PRINT_ANY, "multicast_router", "mcast_router %d ", v)
    if "IFLA_BRPORT_FAST_LEAVE" in tb:
        # Text only: JSON already has "fastleave".
        p.text("mcast_fast_leave %s " % ("on" if tb["IFLA_BRPORT_FAST_LEAVE"] else "off"))
    _on_offs(p, tb, _BRPORT_ON_OFF_2)
    if "IFLA_BRPORT_GROUP_FWD_MASK" in tb:
        mask = tb["IFLA_BRPORT_GROUP_FWD_MASK"]
        p.hex0x(PRINT_ANY, "group_fwd_mask", "group_fwd_mask %s ", mask)
        p.string(PRINT_ANY, "group_fwd_mask_str", "group_fwd_mask_str %s ", fwd_mask_text(mask))
    _on_offs(p, tb, _BRPORT_ON_OFF_3)
    if "IFLA_BRPORT_BACKUP_PORT" in tb:
        name = ctx.index_to_name(tb["IFLA_BRPORT_BACKUP_PORT"])
        p.string(PRINT_ANY, "backup_port", "backup_port %s ", name)


MACVLAN_MODE_NAMES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}
MACVLAN_MODE_SOURCE = 16
MACVLAN_FLAG_NOPROMISC = 1
MACVLAN_FLAG_NODST = 2


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def macvlan_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None or "IFLA_MACVLAN_MODE" not in tb:
        return
    mode = tb["IFLA_MACVLAN_MODE"]
    p.string(PRINT_ANY, "mode", "mode %s ", MACVLAN_MODE_NAMES.get(mode, "unknown"))
    flags = tb.get("IFLA_MACVLAN_FLAGS", 0)
    if flags & MACVLAN_FLAG_NOPROMISC:
        p.boolean(PRINT_ANY, "nopromisc", "nopromisc ", True)
    if flags & MACVLAN_FLAG_NODST:
        p.boolean(PRINT_ANY, "nodst", "nodst ", True)
    if "IFLA_MACVLAN_BC_QUEUE_LEN" in tb:
        p.number(PRINT_ANY, "bcqueuelen", "bcqueuelen %d ", tb["IFLA_MACVLAN_BC_QUEUE_LEN"])
    if "IFLA_MACVLAN_BC_QUEUE_LEN_USED" in tb:
        used = tb["IFLA_MACVLAN_BC_QUEUE_LEN_USED"]
        p.number(PRINT_ANY, "usedbcqueuelen", "usedbcqueuelen %d ", used)
    if mode != MACVLAN_MODE_SOURCE or "IFLA_MACVLAN_MACADDR_COUNT" not in tb:
        return
    p.number(PRINT_ANY, "macaddr_count", "remotes (%d) ", tb["IFLA_MACVLAN_MACADDR_COUNT"])
    data = tb.get("IFLA_MACVLAN_MACADDR_DATA")
    if data is None:
        return
    p.open_array(PRINT_JSON, "macaddr_data")
    for addr in _as_list(data.get("IFLA_MACVLAN_MACADDR", [])):
        p.string(PRINT_ANY, None, "%s ", addr)
    p.close_array(PRINT_JSON, None)


def _ipv4_multicast(addr: str) -> bool:
    return 224 <= int(addr.split(".")[0]) <= 239


VXLAN_DF_NAMES = {1: "set", 2: "inherit"}


def vxlan_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None:
        return
    if tb.get("IFLA_VXLAN_COLLECT_METADATA"):
        p.boolean(PRINT_ANY, "external", "external ", True)
    if tb.get("IFLA_VXLAN_VNIFILTER"):
        p.boolean(PRINT_ANY, "vnifilter", "vnifilter", True)
    if "IFLA_VXLAN_ID" in tb:
        p.number(PRINT_ANY, "id", "id %d ", tb["IFLA_VXLAN_ID"])
    if "IFLA_VXLAN_GROUP" in tb:
        addr = tb["IFLA_VXLAN_GROUP"]
        if addr != "0.0.0.0":
            key = "group" if _ipv4_multicast(addr) else "remote"
            p.string(PRINT_ANY, key, key + " %s ", addr)
    elif "IFLA_VXLAN_GROUP6" in tb:
        addr = tb["IFLA_VXLAN_GROUP6"]
        if addr != "::":
            multicast = addr.lower().startswith("ff")
            key = "group6" if multicast else "remote6"
            p.string(PRINT_ANY, key, ("group" if multicast else "remote") + " %s ", addr)
    if "IFLA_VXLAN_LOCAL" in tb:
        if tb["IFLA_VXLAN_LOCAL"] != "0.0.0.0":
            p.string(PRINT_ANY, "local", "local %s ", tb["IFLA_VXLAN_LOCAL"])
    elif "IFLA_VXLAN_LOCAL6" in tb and tb["IFLA_VXLAN_LOCAL6"] != "::":
        p.string(PRINT_ANY, "local6", "local %s ", tb["IFLA_VXLAN_LOCAL6"])
    if tb.get("IFLA_VXLAN_LINK"):
        p.string(PRINT_ANY, "link", "dev %s ", ctx.index_to_name(tb["IFLA_VXLAN_LINK"]))
    if "IFLA_VXLAN_PORT_RANGE" in tb:
        r = tb["IFLA_VXLAN_PORT_RANGE"]
        p.open_object("port_range")
        p.number(PRINT_JSON, "low", None, r["low"])
        p.number(PRINT_JSON, "high", None, r["high"])
        p.close_object()
        p.text(f"srcport {r['low']} {r['high']} ")
    if "IFLA_VXLAN_PORT" in tb:
        p.number(PRINT_ANY, "port", "dstport %d ", tb["IFLA_VXLAN_PORT"])
    if "IFLA_VXLAN_LEARNING" in tb:
        learning = tb["IFLA_VXLAN_LEARNING"]
        p.boolean(PRINT_JSON, "learning", None, learning)
        if not learning:
            p.text("nolearning ")
    for attr, key in (
        ("IFLA_VXLAN_PROXY", "proxy"),
        ("IFLA_VXLAN_RSC", "rsc"),
        ("IFLA_VXLAN_L2MISS", "l2miss"),
        ("IFLA_VXLAN_L3MISS", "l3miss"),
    ):
        if tb.get(attr):
            p.boolean(PRINT_ANY, key, key + " ", True)
    tos = tb.get("IFLA_VXLAN_TOS", 0)
    if tos:
        if p.json or tos != 1:
            p.hex0x(PRINT_ANY, "tos", "tos %s ", tos)
        else:
            p.text("tos inherit ")
    if tb.get("IFLA_VXLAN_TTL_INHERIT"):
        p.text("ttl inherit ")
    elif "IFLA_VXLAN_TTL" in tb:
        ttl = tb["IFLA_VXLAN_TTL"]
        if p.json or ttl:
            p.number(PRINT_ANY, "ttl", "ttl %d ", ttl)
        else:
            p.text("ttl auto ")
    if "IFLA_VXLAN_DF" in tb:
        df = tb["IFLA_VXLAN_DF"]
        if df == 0:
            p.string(PRINT_JSON, "df", None, "unset")
        elif df in VXLAN_DF_NAMES:
            p.string(PRINT_ANY, "df", "df %s ", VXLAN_DF_NAMES[df])
    if tb.get("IFLA_VXLAN_LABEL"):
        p.hex0x(PRINT_ANY, "label", "flowlabel %s ", tb["IFLA_VXLAN_LABEL"])
    if "IFLA_VXLAN_AGEING" in tb:
        age = tb["IFLA_VXLAN_AGEING"]
        p.number(PRINT_ANY, "ageing", "ageing %d " if age else "ageing none ", age)
    if tb.get("IFLA_VXLAN_LIMIT"):
        p.number(PRINT_ANY, "limit", "maxaddr %d ", tb["IFLA_VXLAN_LIMIT"])
    for attr, key, word in (
        ("IFLA_VXLAN_UDP_CSUM", "udp_csum", "udpcsum "),
        ("IFLA_VXLAN_UDP_ZERO_CSUM6_TX", "udp_zero_csum6_tx", "udp6zerocsumtx "),
        ("IFLA_VXLAN_UDP_ZERO_CSUM6_RX", "udp_zero_csum6_rx", "udp6zerocsumrx "),
    ):
        if attr in tb:
            p.boolean(PRINT_JSON, key, None, tb[attr])
            p.text(("" if tb[attr] else "no") + word)
    if tb.get("IFLA_VXLAN_REMCSUM_TX"):
        p.boolean(PRINT_ANY, "remcsum_tx", "remcsumtx ", True)
    if tb.get("IFLA_VXLAN_REMCSUM_RX"):
        p.boolean(PRINT_ANY, "remcsum_rx", "remcsumrx ", True)
    if "IFLA_VXLAN_GBP" in tb:
        p.boolean(PRINT_ANY, "gbp", "gbp ", True)
    if "IFLA_VXLAN_GPE" in tb:
        p.boolean(PRINT_ANY, "gpe", "gpe ", True)


IFF_TUN = 0x0001
IFF_TAP = 0x0002


def tun_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None:
        return
    if "IFLA_TUN_TYPE" in tb:
        t = tb["IFLA_TUN_TYPE"]
        name = {IFF_TUN: "tun", IFF_TAP: "tap"}.get(t, f"UNKNOWN:{t}")
        p.string(PRINT_ANY, "type", "type %s ", name)
    if "IFLA_TUN_PI" in tb:
        p.on_off(PRINT_ANY, "pi", "pi %s ", tb["IFLA_TUN_PI"])
    if "IFLA_TUN_VNET_HDR" in tb:
        p.on_off(PRINT_ANY, "vnet_hdr", "vnet_hdr %s ", tb["IFLA_TUN_VNET_HDR"])
    # print_mq: JSON always says whether the device is multi-queue.
    if not tb.get("IFLA_TUN_MULTI_QUEUE"):
        p.boolean(PRINT_JSON, "multi_queue", None, False)
    else:
        p.boolean(PRINT_ANY, "multi_queue", "multi_queue ", True)
        if "IFLA_TUN_NUM_QUEUES" in tb:
            p.number(PRINT_ANY, "numqueues", "numqueues %d ", tb["IFLA_TUN_NUM_QUEUES"])
        if "IFLA_TUN_NUM_DISABLED_QUEUES" in tb:
            v = tb["IFLA_TUN_NUM_DISABLED_QUEUES"]
            p.number(PRINT_ANY, "numdisabled", "numdisabled %d ", v)
    if "IFLA_TUN_PERSIST" in tb:
        p.on_off(PRINT_ANY, "persist", "persist %s ", tb["IFLA_TUN_PERSIST"])
    for attr, key, names in (
        ("IFLA_TUN_OWNER", "user", ctx.users),
        ("IFLA_TUN_GROUP", "group", ctx.groups),
    ):
        if attr in tb:
            ident = tb[attr]
            if ident in names:
                p.string(PRINT_ANY, key, key + " %s ", names[ident])
            else:
                p.number(PRINT_ANY, key, key + " %d ", ident)


# VLAN_FLAG_* in the order vlan_print_flags() walks them.
VLAN_FLAG_ORDER = (
    (0x1, "REORDER_HDR"),
    (0x2, "GVRP"),
    (0x8, "MVRP"),
    (0x4, "LOOSE_BINDING"),
    (0x10, "BRIDGE_BINDING"),
)


def vlan_print_opt(p: Printer, tb: dict | None, ctx: PrintContext) -> None:
    if tb is None or "IFLA_VLAN_ID" not in tb:
        return
    proto = tb.get("IFLA_VLAN_PROTOCOL")
    name = "802.1q" if proto is None else ll_proto_name(proto)
    p.string(PRINT_ANY, "protocol", "protocol %s ", name)
    p.number(PRINT_ANY, "id", "id %d ", tb["IFLA_VLAN_ID"])
    if "IFLA_VLAN_FLAGS" in tb:
        flags = tb["IFLA_VLAN_FLAGS"]["flags"]
        p.open_array(PRINT_ANY, "flags" if p.json else "<")
        for bit, name in VLAN_FLAG_ORDER:
            if flags & bit:
                flags &= ~bit
                p.string(PRINT_ANY, None, "%s," if flags else "%s", name)
        if flags:
            p.string(PRINT_ANY, None, "%s", f"{flags:x}")
        p.close_array(PRINT_ANY, "> ")
    for attr, key, word in (
        ("IFLA_VLAN_INGRESS_QOS", "ingress_qos", "ingress-qos-map"),
        ("IFLA_VLAN_EGRESS_QOS", "egress_qos", "egress-qos-map"),
    ):
        if attr not in tb:
            continue
        p.open_array(PRINT_JSON, key)
        p.nl()
        p.text(f"      {word} {{ ")
        for m in _as_list(tb[attr].get("IFLA_VLAN_QOS_MAPPING", [])):
            p.open_object(None)
            p.number(PRINT_JSON, "from", None, m["from"])
            p.number(PRINT_JSON, "to", None, m["to"])
            p.close_object()
            p.text(f"{m['from']}:{m['to']} ")
        p.close_array(PRINT_JSON, None)
        p.text("} ")


KIND_PRINTERS: dict[str, PrintOpt] = {
    "bridge": bridge_print_opt,
    "bridge_slave": bridge_slave_print_opt,
    "macvlan": macvlan_print_opt,
    "macvtap": macvlan_print_opt,
    "vxlan": vxlan_print_opt,
    "tun": tun_print_opt,
    "vlan": vlan_print_opt,
}

__all__ = ["KIND_PRINTERS", "bridge_id_text", "fwd_mask_text", "ll_proto_name"]

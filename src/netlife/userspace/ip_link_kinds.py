"""The per-kind words of `ip link add|set … type KIND …`: IFLA_INFO_DATA for each link kind.

Mirrors the parse_opt and print_help of iproute2 v6.1.0 ip/link_veth.c, ip/iplink_macvlan.c,
ip/iplink_vlan.c, ip/iplink_vxlan.c, ip/iplink_bridge.c, ip/iplink_dummy.c, and of
ip/iplink_netkit.c from current iproute2 (6.1 predates netkit). Attributes carry the kernel's
uapi names (IFLA_MACVLAN_MODE, IFLA_VXLAN_ID, VETH_INFO_PEER, IFLA_NETKIT_PEER_INFO …), which
the drivers read. A parser returns the data dict, or None after printing its error.
"""

from __future__ import annotations

from collections.abc import Callable

from netlife.kernel.if_link import IfInfoMsg
from netlife.userspace.ip import Args, IpRun, duparg, get_unsigned, invarg, matches

KindParser = Callable[[IpRun, str, list[str], IfInfoMsg, bool], dict | None]

VETH_USAGE = (
    "Usage: ip link <options> type veth [peer <options>]\n"
    "To get <options> type 'ip link add help'\n"
)


def veth_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/link_veth.c: `peer <options>` is a whole iplink_parse into a nested ifinfomsg."""
    from netlife.userspace.ip_link import iplink_parse

    if args[0] != "peer":
        run.out(VETH_USAGE)  # print_usage() ignores its FILE and printf()s to stdout
        return None
    peer = IfInfoMsg(nlmsg_flags=req.nlmsg_flags)
    used, typ = iplink_parse(run, args[1:], peer, create)
    if used < 0:
        return None
    if typ is not None:
        duparg(run, "type", args[used])
    return {"VETH_INFO_PEER": peer}


NETKIT_USAGE = (
    "Usage: ... {id} [ mode MODE ] [ POLICY ] [ scrub SCRUB ] [ peer [ POLICY <options> ] ]\n"
    "\n"
    "MODE: l3 | l2\n"
    "POLICY: forward | blackhole\n"
    "SCRUB: default | none\n"
    "(first values are the defaults if nothing is specified)\n"
    "\n"
    "To get <options> type 'ip link add help'.\n"
)
NETKIT_L2, NETKIT_L3 = 0, 1
NETKIT_PASS, NETKIT_DROP = 0, 2
NETKIT_SCRUB_NONE, NETKIT_SCRUB_DEFAULT = 0, 1


def netkit_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_netkit.c: mode, policy and scrub for the primary, then for the peer after
    `peer`, whose remaining words are a nested iplink_parse (IFLA_NETKIT_PEER_INFO)."""
    from netlife.userspace.ip_link import iplink_parse

    data: dict = {}
    a = Args(run, args)
    seen_mode = seen_peer = False
    while a:
        w = a.cur
        if w == "mode":
            v = a.nxt()
            if seen_mode:
                duparg(run, "mode", v)
            seen_mode = True
            if v not in ("l3", "l2"):
                run.err('Error: argument of "mode" must be either "l3" or "l2"\n')
                return None
            data["IFLA_NETKIT_MODE"] = NETKIT_L3 if v == "l3" else NETKIT_L2
        elif w in ("forward", "blackhole"):
            key = "IFLA_NETKIT_PEER_POLICY" if seen_peer else "IFLA_NETKIT_POLICY"
            data[key] = NETKIT_PASS if w == "forward" else NETKIT_DROP
        elif w == "peer":
            if seen_peer:
                duparg(run, "peer", args[a.i + 1] if a.next_ok() else "")
            seen_peer = True
        elif w == "scrub":
            key = "IFLA_NETKIT_PEER_SCRUB" if seen_peer else "IFLA_NETKIT_SCRUB"
            v = a.nxt()
            if v not in ("none", "default"):
                run.err('Error: scrub must be either "none" or "default"\n')
                return None
            data[key] = NETKIT_SCRUB_NONE if v == "none" else NETKIT_SCRUB_DEFAULT
        elif seen_peer:
            peer = IfInfoMsg(nlmsg_flags=req.nlmsg_flags)
            rest = a.rest()
            used, typ = iplink_parse(run, rest, peer, create)
            if used < 0:
                return None
            if typ is not None:
                duparg(run, "type", rest[used])
            data["IFLA_NETKIT_PEER_INFO"] = peer
            return data
        else:
            run.err(f'{kind}: unknown option "{w}"?\n')
            run.err(NETKIT_USAGE.replace("{id}", kind))
            return None
        a.step()
    return data


MACVLAN_USAGE = (
    "Usage: ... {id} mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]\n"
    "\n"
    "MODE: private | vepa | bridge | passthru | source\n"
    "MODE_FLAG: null | nopromisc | nodst\n"
    'MODE_OPTS: for mode "source":\n'
    "\tmacaddr { { add | del } <macaddr> | set [ <macaddr> [ <macaddr>  ... ] ] | flush }\n"
    "BC_QUEUE_LEN: Length of the rx queue for broadcast/multicast: [0-4294967295]\n"
)
MACVLAN_MODES = {"private": 1, "vepa": 2, "bridge": 4, "passthru": 8, "source": 16}
MACVLAN_FLAG_NOPROMISC, MACVLAN_FLAG_NODST = 1, 2
MACVLAN_MACADDR_MODES = {"add": 0, "del": 1, "flush": 2, "set": 3}


def macvlan_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_macvlan.c: mode, flags, source-mode MAC lists, bcqueuelen."""
    from netlife.userspace.ip_link import ll_addr_a2n

    data: dict = {}
    mode = flags = 0
    has_flags = False
    a = Args(run, args)

    def explain() -> None:
        run.err(MACVLAN_USAGE.replace("{id}", kind))

    while a:
        w = a.cur
        if matches(w, "mode"):
            v = a.nxt()
            if v not in MACVLAN_MODES:
                run.err(
                    'Error: argument of "mode" must be "private", "vepa", "bridge", '
                    f'"passthru" or "source", not "{v}"\n'
                )
                return None
            mode = MACVLAN_MODES[v]
        elif matches(w, "flag"):
            v = a.nxt()
            if v not in ("nopromisc", "nodst", "null"):
                run.err(
                    f'Error: argument of "flag" must be "nopromisc", "nodst" or "null", not "{v}"\n'
                )
                return None
            flags |= {"nopromisc": MACVLAN_FLAG_NOPROMISC, "nodst": MACVLAN_FLAG_NODST}.get(v, 0)
            has_flags = True
        elif matches(w, "macaddr"):
            v = a.nxt()
            if v not in MACVLAN_MACADDR_MODES:
                explain()
                return None
            data["IFLA_MACVLAN_MACADDR_MODE"] = MACVLAN_MACADDR_MODES[v]
            if v in ("add", "del"):
                mac = ll_addr_a2n(run, a.nxt())
                if mac is None or mac.count(":") != 5:
                    return None
                data["IFLA_MACVLAN_MACADDR"] = mac
            elif v == "set":
                macs = []
                while a.next_ok():
                    candidate = args[a.i + 1]
                    mac = _quiet_mac(candidate)
                    if mac is None:
                        break
                    a.step()
                    macs.append(mac)
                data["IFLA_MACVLAN_MACADDR_DATA"] = macs
        elif matches(w, "nopromisc"):
            flags |= MACVLAN_FLAG_NOPROMISC
            has_flags = True
        elif matches(w, "nodst"):
            flags |= MACVLAN_FLAG_NODST
            has_flags = True
        elif matches(w, "bcqueuelen"):
            v = a.nxt()
            val = get_unsigned(v)
            if val is None:
                run.err(
                    'Error: argument of "bcqueuelen" must be a positive integer '
                    f'[0-4294967295], not "{v}"\n'
                )
                return None
            data["IFLA_MACVLAN_BC_QUEUE_LEN"] = val
        elif matches(w, "help"):
            explain()
            return None
        else:
            run.err(f'{kind}: unknown option "{w}"?\n')
            explain()
            return None
        a.step()
    if mode:
        data["IFLA_MACVLAN_MODE"] = mode
    if has_flags:
        if flags & MACVLAN_FLAG_NOPROMISC and mode != MACVLAN_MODES["passthru"]:
            run.err(f"{kind}: nopromisc flag only valid in passthru mode\n")
            explain()
            return None
        data["IFLA_MACVLAN_FLAGS"] = flags
    return data


def _quiet_mac(text: str) -> str | None:
    parts = text.split(":")
    if len(parts) != 6:
        return None
    try:
        values = [int(p, 16) for p in parts]
    except ValueError:
        return None
    if any(v > 255 for v in values):
        return None
    return ":".join(f"{v:02x}" for v in values)


VLAN_USAGE = """\
Usage: ... vlan id VLANID
\t\t[ protocol VLANPROTO ]
\t\t[ reorder_hdr { on | off } ]
\t\t[ gvrp { on | off } ]
\t\t[ mvrp { on | off } ]
\t\t[ loose_binding { on | off } ]
\t\t[ bridge_binding { on | off } ]
\t\t[ ingress-qos-map QOS-MAP ]
\t\t[ egress-qos-map QOS-MAP ]

VLANID := 0-4095
VLANPROTO: [ 802.1Q | 802.1ad ]
QOS-MAP := [ QOS-MAP ] QOS-MAPPING
QOS-MAPPING := FROM:TO
"""
VLAN_FLAGS = {"reorder_hdr": 1, "gvrp": 2, "loose_binding": 4, "mvrp": 8, "bridge_binding": 16}
LL_PROTOS = {"802.1Q": 0x8100, "802.1ad": 0x88A8}


def vlan_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_vlan.c: id, protocol and the on/off flags (IFLA_VLAN_FLAGS flags+mask)."""
    data: dict = {}
    flags = mask = 0
    a = Args(run, args)
    while a:
        w = a.cur
        if matches(w, "protocol"):
            v = a.nxt()
            proto = LL_PROTOS.get(v)
            if proto is None:
                proto = get_unsigned(v, 0, 0xFFFF)
            if proto is None:
                invarg(run, "protocol is invalid", v)
            data["IFLA_VLAN_PROTOCOL"] = proto
        elif matches(w, "id"):
            v = a.nxt()
            vid = get_unsigned(v, 0, 0xFFFF)
            if vid is None:
                invarg(run, "id is invalid", v)
            data["IFLA_VLAN_ID"] = vid
        elif any(matches(w, name) for name in VLAN_FLAGS):
            name = next(n for n in VLAN_FLAGS if matches(w, n))
            v = a.nxt()
            mask |= VLAN_FLAGS[name]
            if v == "on":
                flags |= VLAN_FLAGS[name]
            elif v == "off":
                flags &= ~VLAN_FLAGS[name]
            else:
                run.err(f'Error: argument of "{name}" must be "on" or "off", not "{v}"\n')
                return None
        elif matches(w, "ingress-qos-map") or matches(w, "egress-qos-map"):
            which = "ingress-qos-map" if matches(w, "ingress-qos-map") else "egress-qos-map"
            attr = "IFLA_VLAN_" + ("INGRESS" if which[0] == "i" else "EGRESS") + "_QOS"
            a.nxt()
            data[attr] = {"IFLA_VLAN_QOS_MAPPING": vlan_parse_qos_map(run, a, which)}
            continue  # the mappings consumed their words
        elif matches(w, "help"):
            run.err(VLAN_USAGE)
            return None
        else:
            run.err(f'vlan: unknown command "{w}"?\n')
            run.err(VLAN_USAGE)
            return None
        a.step()
    if mask:
        data["IFLA_VLAN_FLAGS"] = {"flags": flags, "mask": mask}
    return data


def vlan_parse_qos_map(run: IpRun, a: Args, which: str) -> list[dict]:
    """iplink_vlan.c:vlan_parse_qos_map over lib/utils.c:parse_mapping: FROM:TO words until
    one has no colon; a bad number is invalid with the word cut at its colon, as strchr's
    NUL left it."""
    maps: list[dict] = []
    while a and ":" in a.cur:
        key, _, value = a.cur.partition(":")
        frm, to = get_unsigned(key), get_unsigned(value)
        if not key or not value or frm is None or to is None:
            invarg(run, f"invalid {which}", key)
        maps.append({"from": frm, "to": to})
        a.step()
    return maps


BRIDGE_USAGE = """\
Usage: ... bridge [ fdb_flush ]
\t\t  [ forward_delay FORWARD_DELAY ]
\t\t  [ hello_time HELLO_TIME ]
\t\t  [ max_age MAX_AGE ]
\t\t  [ ageing_time AGEING_TIME ]
\t\t  [ stp_state STP_STATE ]
\t\t  [ priority PRIORITY ]
\t\t  [ group_fwd_mask MASK ]
\t\t  [ group_address ADDRESS ]
\t\t  [ no_linklocal_learn NO_LINKLOCAL_LEARN ]
\t\t  [ vlan_filtering VLAN_FILTERING ]
\t\t  [ vlan_protocol VLAN_PROTOCOL ]
\t\t  [ vlan_default_pvid VLAN_DEFAULT_PVID ]
\t\t  [ vlan_stats_enabled VLAN_STATS_ENABLED ]
\t\t  [ vlan_stats_per_port VLAN_STATS_PER_PORT ]
\t\t  [ mcast_snooping MULTICAST_SNOOPING ]
\t\t  [ mcast_vlan_snooping MULTICAST_VLAN_SNOOPING ]
\t\t  [ mcast_router MULTICAST_ROUTER ]
\t\t  [ mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR ]
\t\t  [ mcast_querier MULTICAST_QUERIER ]
\t\t  [ mcast_hash_elasticity HASH_ELASTICITY ]
\t\t  [ mcast_hash_max HASH_MAX ]
\t\t  [ mcast_last_member_count LAST_MEMBER_COUNT ]
\t\t  [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
\t\t  [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
\t\t  [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
\t\t  [ mcast_querier_interval QUERIER_INTERVAL ]
\t\t  [ mcast_query_interval QUERY_INTERVAL ]
\t\t  [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
\t\t  [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
\t\t  [ mcast_stats_enabled MCAST_STATS_ENABLED ]
\t\t  [ mcast_igmp_version IGMP_VERSION ]
\t\t  [ mcast_mld_version MLD_VERSION ]
\t\t  [ nf_call_iptables NF_CALL_IPTABLES ]
\t\t  [ nf_call_ip6tables NF_CALL_IP6TABLES ]
\t\t  [ nf_call_arptables NF_CALL_ARPTABLES ]

Where: VLAN_PROTOCOL := { 802.1Q | 802.1ad }
"""

# ip/iplink_bridge.c's numeric options in its order: word → (attribute, largest value).
_U8, _U16, _U32, _U64 = 0xFF, 0xFFFF, 0xFFFFFFFF, 2**64 - 1
BRIDGE_NUMBERS = {
    "forward_delay": ("IFLA_BR_FORWARD_DELAY", _U32),
    "hello_time": ("IFLA_BR_HELLO_TIME", _U32),
    "max_age": ("IFLA_BR_MAX_AGE", _U32),
    "ageing_time": ("IFLA_BR_AGEING_TIME", _U32),
    "stp_state": ("IFLA_BR_STP_STATE", _U32),
    "priority": ("IFLA_BR_PRIORITY", _U16),
    "vlan_filtering": ("IFLA_BR_VLAN_FILTERING", _U8),
    "group_fwd_mask": ("IFLA_BR_GROUP_FWD_MASK", _U16),
    "vlan_default_pvid": ("IFLA_BR_VLAN_DEFAULT_PVID", _U16),
    "vlan_stats_enabled": ("IFLA_BR_VLAN_STATS_ENABLED", _U8),
    "vlan_stats_per_port": ("IFLA_BR_VLAN_STATS_PER_PORT", _U8),
    "mcast_router": ("IFLA_BR_MCAST_ROUTER", _U8),
    "mcast_snooping": ("IFLA_BR_MCAST_SNOOPING", _U8),
    "mcast_query_use_ifaddr": ("IFLA_BR_MCAST_QUERY_USE_IFADDR", _U8),
    "mcast_querier": ("IFLA_BR_MCAST_QUERIER", _U8),
    "mcast_hash_elasticity": ("IFLA_BR_MCAST_HASH_ELASTICITY", _U32),
    "mcast_hash_max": ("IFLA_BR_MCAST_HASH_MAX", _U32),
    "mcast_last_member_count": ("IFLA_BR_MCAST_LAST_MEMBER_CNT", _U32),
    "mcast_startup_query_count": ("IFLA_BR_MCAST_STARTUP_QUERY_CNT", _U32),
    "mcast_last_member_interval": ("IFLA_BR_MCAST_LAST_MEMBER_INTVL", _U64),
    "mcast_membership_interval": ("IFLA_BR_MCAST_MEMBERSHIP_INTVL", _U64),
    "mcast_querier_interval": ("IFLA_BR_MCAST_QUERIER_INTVL", _U64),
    "mcast_query_interval": ("IFLA_BR_MCAST_QUERY_INTVL", _U64),
    "mcast_query_response_interval": ("IFLA_BR_MCAST_QUERY_RESPONSE_INTVL", _U64),
    "mcast_startup_query_interval": ("IFLA_BR_MCAST_STARTUP_QUERY_INTVL", _U64),
    "mcast_stats_enabled": ("IFLA_BR_MCAST_STATS_ENABLED", _U8),
    "mcast_igmp_version": ("IFLA_BR_MCAST_IGMP_VERSION", _U8),
    "mcast_mld_version": ("IFLA_BR_MCAST_MLD_VERSION", _U8),
    "nf_call_iptables": ("IFLA_BR_NF_CALL_IPTABLES", _U8),
    "nf_call_ip6tables": ("IFLA_BR_NF_CALL_IP6TABLES", _U8),
    "nf_call_arptables": ("IFLA_BR_NF_CALL_ARPTABLES", _U8),
}


# Every word of bridge_parse_opt's if/else chain, in its order: an abbreviation takes the
# first option it matches ("vlan_" is vlan_filtering).
_BRIDGE_ORDER_TEXT = """
    forward_delay hello_time max_age ageing_time stp_state priority vlan_filtering vlan_protocol
    group_fwd_mask group_address no_linklocal_learn fdb_flush vlan_default_pvid
    vlan_stats_enabled vlan_stats_per_port mcast_router mcast_snooping mcast_query_use_ifaddr
    mcast_querier mcast_hash_elasticity mcast_hash_max mcast_last_member_count
    mcast_startup_query_count mcast_last_member_interval mcast_membership_interval
    mcast_querier_interval mcast_query_interval mcast_query_response_interval
    mcast_startup_query_interval mcast_stats_enabled mcast_igmp_version mcast_mld_version
    nf_call_iptables nf_call_ip6tables nf_call_arptables help
"""
BRIDGE_ORDER = tuple(_BRIDGE_ORDER_TEXT.split())


def bridge_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_bridge.c: numeric options, vlan_protocol, group_address, fdb_flush."""
    from netlife.userspace.ip_link import ll_addr_a2n

    data: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        name = next((n for n in BRIDGE_ORDER if matches(w, n)), None)
        if name in BRIDGE_NUMBERS:
            attr, limit = BRIDGE_NUMBERS[name]
            v = a.nxt()
            val = get_unsigned(v, 0, limit)
            if val is None:
                invarg(run, f"invalid {name}", v)
            data[attr] = val
        elif name == "vlan_protocol":
            v = a.nxt()
            if v not in LL_PROTOS:
                invarg(run, "invalid vlan_protocol", v)
            data["IFLA_BR_VLAN_PROTOCOL"] = LL_PROTOS[v]
        elif name == "group_address":
            mac = ll_addr_a2n(run, a.nxt())
            if mac is None:
                return None
            data["IFLA_BR_GROUP_ADDR"] = mac
        elif name == "fdb_flush":
            data["IFLA_BR_FDB_FLUSH"] = True
        elif name == "no_linklocal_learn":
            v = a.nxt()
            val = get_unsigned(v, 0, _U8)
            if val is None:
                invarg(run, "invalid no_linklocal_learn", v)
            data["IFLA_BR_MULTI_BOOLOPT"] = {"optval": 1 if val else 0, "optmask": 1}
        elif name == "help":
            run.err(BRIDGE_USAGE)
            return None
        else:
            run.err(f'bridge: unknown command "{w}"?\n')
            run.err(BRIDGE_USAGE)
            return None
        a.step()
    return data


def dummy_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """Kinds whose link_util has no parse_opt: the words are dropped, an empty
    IFLA_INFO_DATA is sent (ip/iplink.c:iplink_modify nests nothing)."""
    return {}


def get_link_kind(kind: str) -> KindParser | None:
    """ip/iplink.c:get_link_kind: the kind's parser, or None when iproute2 has no link_util."""
    from netlife.userspace import ip_link_more_kinds as more
    from netlife.userspace.ip_link_gre import GRE6_KINDS, GRE_KINDS, gre_parse_opt
    from netlife.userspace.ip_link_ports import bond_parse_opt, bridge_slave_parse_opt
    from netlife.userspace.ip_link_vxlan import vxlan_parse_opt

    table: dict[str, KindParser] = {
        "veth": veth_parse_opt,
        "netkit": netkit_parse_opt,
        "macvlan": macvlan_parse_opt,
        "macvtap": macvlan_parse_opt,
        "vlan": vlan_parse_opt,
        "vxlan": vxlan_parse_opt,
        "bridge": bridge_parse_opt,
        "dummy": dummy_parse_opt,
        "ifb": dummy_parse_opt,
        "geneve": more.geneve_parse_opt,
        "bareudp": more.bareudp_parse_opt,
        "xfrm": more.xfrm_parse_opt,
        "vrf": more.vrf_parse_opt,
        "ipvlan": more.ipvlan_parse_opt,
        "ipvtap": more.ipvlan_parse_opt,
        "bond": bond_parse_opt,
        "bond_slave": more.bond_slave_parse_opt,
        "bridge_slave": bridge_slave_parse_opt,
    }
    table |= dict.fromkeys(GRE_KINDS + GRE6_KINDS, gre_parse_opt)
    # link_utils without a parse_opt: the words after the kind are ignored.
    table |= dict.fromkeys(LINK_UTILS_WITHOUT_PARSER, dummy_parse_opt)
    return table.get(kind)


LINK_UTILS_WITHOUT_PARSER = [
    "dummy",
    "ifb",
    "nlmon",
    "netdevsim",
    "team",
    "team_slave",
    "vcan",
    "virt_wifi",
    "vrf_slave",
]


def print_kind_help(run: IpRun, kind: str) -> bool:
    """`ip link help TYPE`: the kind's print_help on stdout; False when it has none."""
    from netlife.userspace import ip_link_more_kinds as more
    from netlife.userspace.ip_link_gre import GRE6_KINDS, GRE_KINDS, gre_help
    from netlife.userspace.ip_link_ports import BOND_USAGE, BRIDGE_SLAVE_USAGE
    from netlife.userspace.ip_link_vxlan import VXLAN_USAGE

    texts = {
        "veth": VETH_USAGE,
        "netkit": NETKIT_USAGE.replace("{id}", "netkit"),
        "macvlan": MACVLAN_USAGE.replace("{id}", "macvlan"),
        "macvtap": MACVLAN_USAGE.replace("{id}", "macvtap"),
        "vlan": VLAN_USAGE,
        "vxlan": VXLAN_USAGE,
        "bridge": BRIDGE_USAGE,
        "geneve": more.GENEVE_USAGE,
        "bareudp": more.BAREUDP_USAGE,
        "xfrm": more.xfrm_help("xfrm"),
        "vrf": more.VRF_USAGE,
        "ipvlan": more.ipvlan_help("ipvlan"),
        "ipvtap": more.ipvlan_help("ipvtap"),
        "bond": BOND_USAGE,
        "bond_slave": more.BOND_SLAVE_USAGE,
        "bridge_slave": BRIDGE_SLAVE_USAGE,
    }
    texts |= {k: gre_help(k) for k in GRE_KINDS + GRE6_KINDS}
    if kind not in texts:
        return False
    run.out(texts[kind])
    return True

"""The words of `ip link … type bond …` and `ip link set PORT type bridge_slave …`.

Mirrors iproute2 v6.1.0 ip/iplink_bond.c:bond_parse_opt (its name tables, get_index that
also takes a table index as a number, the IFLA_BOND_* widths) and
ip/iplink_bridge_slave.c:bridge_slave_parse_opt (IFLA_BRPORT_* words, on/off values that
exit(1) when wrong). Words are tried in the C order: an abbreviation takes the first match.
"""

from __future__ import annotations

from netlife.kernel.if_link import IfInfoMsg
from netlife.userspace.ip import (
    AF_INET,
    AF_INET6,
    Args,
    IpExit,
    IpRun,
    get_integer,
    invarg,
    ll_name_to_index,
    matches,
)
from netlife.userspace.ip_addr_words import U8, U16, U32, get_u
from netlife.userspace.ip_link_more_kinds import get_addr32_list

BOND_USAGE = """\
Usage: ... bond [ mode BONDMODE ] [ active_slave SLAVE_DEV ]
                [ clear_active_slave ] [ miimon MIIMON ]
                [ updelay UPDELAY ] [ downdelay DOWNDELAY ]
                [ peer_notify_delay DELAY ]
                [ use_carrier USE_CARRIER ]
                [ arp_interval ARP_INTERVAL ]
                [ arp_validate ARP_VALIDATE ]
                [ arp_all_targets ARP_ALL_TARGETS ]
                [ arp_ip_target [ ARP_IP_TARGET, ... ] ]
                [ ns_ip6_target [ NS_IP6_TARGET, ... ] ]
                [ primary SLAVE_DEV ]
                [ primary_reselect PRIMARY_RESELECT ]
                [ fail_over_mac FAIL_OVER_MAC ]
                [ xmit_hash_policy XMIT_HASH_POLICY ]
                [ resend_igmp RESEND_IGMP ]
                [ num_grat_arp|num_unsol_na NUM_GRAT_ARP|NUM_UNSOL_NA ]
                [ all_slaves_active ALL_SLAVES_ACTIVE ]
                [ min_links MIN_LINKS ]
                [ lp_interval LP_INTERVAL ]
                [ packets_per_slave PACKETS_PER_SLAVE ]
                [ tlb_dynamic_lb TLB_DYNAMIC_LB ]
                [ lacp_rate LACP_RATE ]
                [ lacp_active LACP_ACTIVE]
                [ ad_select AD_SELECT ]
                [ ad_user_port_key PORTKEY ]
                [ ad_actor_sys_prio SYSPRIO ]
                [ ad_actor_system LLADDR ]
                [ arp_missed_max MISSED_MAX ]

BONDMODE := balance-rr|active-backup|balance-xor|broadcast|802.3ad|balance-tlb|balance-alb
ARP_VALIDATE := none|active|backup|all|filter|filter_active|filter_backup
ARP_ALL_TARGETS := any|all
PRIMARY_RESELECT := always|better|failure
FAIL_OVER_MAC := none|active|follow
XMIT_HASH_POLICY := layer2|layer2+3|layer3+4|encap2+3|encap3+4|vlan+srcmac
LACP_ACTIVE := off|on
LACP_RATE := slow|fast
AD_SELECT := stable|bandwidth|count
"""

_MODES = "balance-rr active-backup balance-xor broadcast 802.3ad balance-tlb balance-alb"
_ARP_VALIDATE = "none active backup all filter filter_active filter_backup"
_XMIT_HASH = "layer2 layer3+4 layer2+3 encap2+3 encap3+4 vlan+srcmac"

# bond_parse_opt in its order: (word, exact match, how the value is read, attribute, width or
# table). "u" is get_u8/16/32 with limit; "tbl" a name table; "dev" an ifindex.
BOND_WORDS: tuple[tuple[str, bool, str, str, object], ...] = (
    ("mode", False, "tbl", "IFLA_BOND_MODE", _MODES),
    ("active_slave", False, "dev", "IFLA_BOND_ACTIVE_SLAVE", None),
    ("clear_active_slave", False, "zero", "IFLA_BOND_ACTIVE_SLAVE", None),
    ("miimon", False, "u", "IFLA_BOND_MIIMON", U32),
    ("updelay", False, "u", "IFLA_BOND_UPDELAY", U32),
    ("downdelay", False, "u", "IFLA_BOND_DOWNDELAY", U32),
    ("peer_notify_delay", False, "u", "IFLA_BOND_PEER_NOTIF_DELAY", U32),
    ("use_carrier", False, "u", "IFLA_BOND_USE_CARRIER", U8),
    ("arp_interval", False, "u", "IFLA_BOND_ARP_INTERVAL", U32),
    ("arp_ip_target", False, "targets", "IFLA_BOND_ARP_IP_TARGET", AF_INET),
    ("ns_ip6_target", True, "targets", "IFLA_BOND_NS_IP6_TARGET", AF_INET6),
    ("arp_validate", False, "tbl", "IFLA_BOND_ARP_VALIDATE", _ARP_VALIDATE),
    ("arp_all_targets", False, "tbl", "IFLA_BOND_ARP_ALL_TARGETS", "any all"),
    ("arp_missed_max", True, "u", "IFLA_BOND_MISSED_MAX", U8),
    ("primary", False, "dev", "IFLA_BOND_PRIMARY", None),
    ("primary_reselect", False, "tbl", "IFLA_BOND_PRIMARY_RESELECT", "always better failure"),
    ("fail_over_mac", False, "tbl", "IFLA_BOND_FAIL_OVER_MAC", "none active follow"),
    ("xmit_hash_policy", False, "tbl", "IFLA_BOND_XMIT_HASH_POLICY", _XMIT_HASH),
    ("resend_igmp", False, "u", "IFLA_BOND_RESEND_IGMP", U32),
    ("num_grat_arp", False, "u", "IFLA_BOND_NUM_PEER_NOTIF", U8),
    ("num_unsol_na", False, "u", "IFLA_BOND_NUM_PEER_NOTIF", U8),
    ("all_slaves_active", False, "u", "IFLA_BOND_ALL_SLAVES_ACTIVE", U8),
    ("min_links", False, "u", "IFLA_BOND_MIN_LINKS", U32),
    ("lp_interval", False, "u", "IFLA_BOND_LP_INTERVAL", U32),
    ("packets_per_slave", False, "u", "IFLA_BOND_PACKETS_PER_SLAVE", U32),
    ("lacp_rate", False, "tbl", "IFLA_BOND_AD_LACP_RATE", "slow fast"),
    ("lacp_active", True, "tbl", "IFLA_BOND_AD_LACP_ACTIVE", "off on"),
    ("ad_select", False, "tbl", "IFLA_BOND_AD_SELECT", "stable bandwidth count"),
    ("ad_user_port_key", False, "u", "IFLA_BOND_AD_USER_PORT_KEY", U16),
    ("ad_actor_sys_prio", False, "u", "IFLA_BOND_AD_ACTOR_SYS_PRIO", U16),
    ("ad_actor_system", False, "lladdr", "IFLA_BOND_AD_ACTOR_SYSTEM", None),
    ("tlb_dynamic_lb", False, "u", "IFLA_BOND_TLB_DYNAMIC_LB", U8),
)
BOND_MAX_ARP_TARGETS = BOND_MAX_NS_TARGETS = 16


def get_index(table: str, name: str) -> int:
    """iplink_bond.c:get_index: a table index given as a number, else the name's index."""
    names = table.split()
    index = get_integer(name, 10)
    if index is not None and 0 <= index < len(names):
        return index
    return names.index(name) if name in names else -1


def bond_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_bond.c:bond_parse_opt."""
    from netlife.userspace.ip_link import ll_addr_a2n

    data: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        entry = next(
            (e for e in BOND_WORDS if (w == e[0] if e[1] else matches(w, e[0]))),
            None,
        )
        if entry is None:
            if matches(w, "help"):
                run.err(BOND_USAGE)
                return None
            run.err(f'bond: unknown command "{w}"?\n')
            run.err(BOND_USAGE)
            return None
        word, _exact, how, attr, arg = entry
        if how == "zero":
            data[attr] = 0
        elif how == "targets":
            limit = BOND_MAX_ARP_TARGETS if arg == AF_INET else BOND_MAX_NS_TARGETS
            data[attr] = get_addr32_list(run, a.nxt(), limit, arg) if a.next_ok() else []
        else:
            v = a.nxt()
            if how == "tbl":
                index = get_index(arg, v)
                if index < 0:
                    invarg(run, f"invalid {word}", v)
                data[attr] = index
            elif how == "dev":
                ifindex = ll_name_to_index(run, v)
                if not ifindex:
                    run.err(f'Cannot find device "{v}"\n')
                    return None
                data[attr] = ifindex
            elif how == "lladdr":
                mac = ll_addr_a2n(run, v)
                if mac is None:
                    return None
                data[attr] = mac
            else:
                val = get_u(v, arg)
                if val is None:
                    name = "num_grat_arp|num_unsol_na" if word.startswith("num_") else word
                    invarg(run, f"invalid {name}", v)
                data[attr] = val
        a.step()
    return data


BRIDGE_SLAVE_USAGE = """\
Usage: ... bridge_slave [ fdb_flush ]
\t\t\t[ state STATE ]
\t\t\t[ priority PRIO ]
\t\t\t[ cost COST ]
\t\t\t[ guard {on | off} ]
\t\t\t[ hairpin {on | off} ]
\t\t\t[ fastleave {on | off} ]
\t\t\t[ root_block {on | off} ]
\t\t\t[ learning {on | off} ]
\t\t\t[ flood {on | off} ]
\t\t\t[ proxy_arp {on | off} ]
\t\t\t[ proxy_arp_wifi {on | off} ]
\t\t\t[ mcast_router MULTICAST_ROUTER ]
\t\t\t[ mcast_fast_leave {on | off} ]
\t\t\t[ mcast_flood {on | off} ]
\t\t\t[ bcast_flood {on | off} ]
\t\t\t[ mcast_to_unicast {on | off} ]
\t\t\t[ group_fwd_mask MASK ]
\t\t\t[ neigh_suppress {on | off} ]
\t\t\t[ vlan_tunnel {on | off} ]
\t\t\t[ isolated {on | off} ]
\t\t\t[ locked {on | off} ]
\t\t\t[ backup_port DEVICE ] [ nobackup_port ]
"""

# bridge_slave_parse_opt in its order: word → (how, attribute, limit or error word).
BRIDGE_SLAVE_WORDS: tuple[tuple[str, str, str, object], ...] = (
    ("fdb_flush", "flag", "IFLA_BRPORT_FLUSH", None),
    ("state", "u", "IFLA_BRPORT_STATE", (U8, "state is invalid")),
    ("priority", "u", "IFLA_BRPORT_PRIORITY", (U16, "priority is invalid")),
    ("cost", "u", "IFLA_BRPORT_COST", (U32, "cost is invalid")),
    ("hairpin", "onoff", "IFLA_BRPORT_MODE", None),
    ("guard", "onoff", "IFLA_BRPORT_GUARD", None),
    ("root_block", "onoff", "IFLA_BRPORT_PROTECT", None),
    ("fastleave", "onoff", "IFLA_BRPORT_FAST_LEAVE", None),
    ("learning", "onoff", "IFLA_BRPORT_LEARNING", None),
    ("flood", "onoff", "IFLA_BRPORT_UNICAST_FLOOD", None),
    ("mcast_flood", "onoff", "IFLA_BRPORT_MCAST_FLOOD", None),
    ("bcast_flood", "onoff", "IFLA_BRPORT_BCAST_FLOOD", None),
    ("mcast_to_unicast", "onoff", "IFLA_BRPORT_MCAST_TO_UCAST", None),
    ("proxy_arp", "onoff", "IFLA_BRPORT_PROXYARP", None),
    ("proxy_arp_wifi", "onoff", "IFLA_BRPORT_PROXYARP_WIFI", None),
    ("mcast_router", "u", "IFLA_BRPORT_MULTICAST_ROUTER", (U8, "invalid mcast_router")),
    ("mcast_fast_leave", "onoff", "IFLA_BRPORT_FAST_LEAVE", None),
    ("neigh_suppress", "onoff", "IFLA_BRPORT_NEIGH_SUPPRESS", None),
    ("group_fwd_mask", "u", "IFLA_BRPORT_GROUP_FWD_MASK", (U16, "invalid group_fwd_mask")),
    ("vlan_tunnel", "onoff", "IFLA_BRPORT_VLAN_TUNNEL", None),
    ("isolated", "onoff", "IFLA_BRPORT_ISOLATED", None),
    ("locked", "onoff", "IFLA_BRPORT_LOCKED", None),
    ("backup_port", "dev", "IFLA_BRPORT_BACKUP_PORT", None),
    ("nobackup_port", "zero", "IFLA_BRPORT_BACKUP_PORT", None),
)


def bridge_slave_parse_opt(run: IpRun, kind: str, args: list[str], req: IfInfoMsg, create: bool):
    """ip/iplink_bridge_slave.c:bridge_slave_parse_opt."""
    from netlife.userspace.ip_link import parse_on_off

    data: dict = {}
    a = Args(run, args)
    while a:
        w = a.cur
        entry = next((e for e in BRIDGE_SLAVE_WORDS if matches(w, e[0])), None)
        if entry is None:
            if matches(w, "help"):
                run.err(BRIDGE_SLAVE_USAGE)
                return None
            run.err(f'bridge_slave: unknown option "{w}"?\n')
            run.err(BRIDGE_SLAVE_USAGE)
            return None
        word, how, attr, arg = entry
        if how == "flag":
            data[attr] = True
        elif how == "zero":
            data[attr] = 0
        elif how == "onoff":
            v = a.nxt()
            val = parse_on_off(run, word, v)
            if val is None:
                raise IpExit(1)
            data[attr] = val
        elif how == "dev":
            v = a.nxt()
            ifindex = ll_name_to_index(run, v)
            if not ifindex:
                invarg(run, "Device does not exist\n", v)
            data[attr] = ifindex
        else:
            limit, msg = arg
            v = a.nxt()
            val = get_u(v, limit)
            if val is None:
                invarg(run, msg, v)
            data[attr] = val
        a.step()
    return data

"""The bridge's netlink attributes: what `ip -d link` shows for a bridge and for its ports.

Mirrors net/bridge/br_netlink.c: br_fill_info (IFLA_BR_*, the bridge's IFLA_INFO_DATA) and
br_port_fill_attrs (IFLA_BRPORT_*, a port's IFLA_INFO_SLAVE_DATA). Part of the bridge module
(drivers/bridge.py); values the model does not track are the kernel's defaults, as a bridge
without STP, multicast querier or netfilter hooks reports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.drivers.bridge_port_opts import PORT_FLAG_ATTRS

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice


def br_fill_info(dev: NetDevice) -> dict:
    """br_netlink.c:br_fill_info: the IFLA_BR_* attributes, in the order `ip -d` prints them.

    Bridge ids are {"prio": int, "addr": str}; timers are clock_t (1/100 s). This kernel is
    built without VLAN filtering support, so no IFLA_BR_VLAN_* beyond the switch itself.
    """
    br = dev.priv
    bridge_id = {"prio": br.bridge_id_prio, "addr": br.bridge_id_addr}
    return {
        "IFLA_BR_FORWARD_DELAY": br.forward_delay,
        "IFLA_BR_HELLO_TIME": br.hello_time,
        "IFLA_BR_MAX_AGE": br.max_age,
        "IFLA_BR_AGEING_TIME": br.ageing_time,
        "IFLA_BR_STP_STATE": br.stp_enabled,
        "IFLA_BR_PRIORITY": br.bridge_id_prio,
        "IFLA_BR_VLAN_FILTERING": br.vlan_filtering,
        "IFLA_BR_BRIDGE_ID": bridge_id,
        "IFLA_BR_ROOT_ID": dict(bridge_id),
        "IFLA_BR_ROOT_PORT": 0,
        "IFLA_BR_ROOT_PATH_COST": 0,
        "IFLA_BR_TOPOLOGY_CHANGE": 0,
        "IFLA_BR_TOPOLOGY_CHANGE_DETECTED": 0,
        "IFLA_BR_HELLO_TIMER": 0,
        "IFLA_BR_TCN_TIMER": 0,
        "IFLA_BR_TOPOLOGY_CHANGE_TIMER": 0,
        "IFLA_BR_GC_TIMER": 0,
        "IFLA_BR_GROUP_FWD_MASK": 0,
        "IFLA_BR_GROUP_ADDR": "01:80:c2:00:00:00",
        "IFLA_BR_MCAST_SNOOPING": 1,
        "IFLA_BR_MCAST_ROUTER": 1,
        "IFLA_BR_MCAST_QUERY_USE_IFADDR": 0,
        "IFLA_BR_MCAST_QUERIER": 0,
        "IFLA_BR_MCAST_HASH_ELASTICITY": 16,
        "IFLA_BR_MCAST_HASH_MAX": 4096,
        "IFLA_BR_MCAST_LAST_MEMBER_CNT": 2,
        "IFLA_BR_MCAST_STARTUP_QUERY_CNT": 2,
        "IFLA_BR_MCAST_LAST_MEMBER_INTVL": 100,
        "IFLA_BR_MCAST_MEMBERSHIP_INTVL": 26000,
        "IFLA_BR_MCAST_QUERIER_INTVL": 25500,
        "IFLA_BR_MCAST_QUERY_INTVL": 12500,
        "IFLA_BR_MCAST_QUERY_RESPONSE_INTVL": 1000,
        "IFLA_BR_MCAST_STARTUP_QUERY_INTVL": 3124,
        "IFLA_BR_MCAST_STATS_ENABLED": 0,
        "IFLA_BR_MCAST_IGMP_VERSION": 2,
        "IFLA_BR_MCAST_MLD_VERSION": 1,
        "IFLA_BR_NF_CALL_IPTABLES": 0,
        "IFLA_BR_NF_CALL_IP6TABLES": 0,
        "IFLA_BR_NF_CALL_ARPTABLES": 0,
    }


def br_port_fill_slave_info(br_dev: NetDevice, dev: NetDevice) -> dict:
    """br_netlink.c:br_port_fill_attrs: the IFLA_BRPORT_* attributes of a port."""
    p = dev.rx_handler  # br_port_get_rtnl: the port is the rx_handler_data
    br = br_dev.priv
    bridge_id = {"prio": br.bridge_id_prio, "addr": br.bridge_id_addr}
    port_id = (p.priority << 10) | p.port_no  # br_make_port_id: priority << BR_PORT_BITS
    flag = {attr: int(bool(p.flags & bit)) for attr, bit in PORT_FLAG_ATTRS}
    out = {
        "IFLA_BRPORT_STATE": p.state,
        "IFLA_BRPORT_PRIORITY": p.priority,
        "IFLA_BRPORT_COST": p.path_cost,
        "IFLA_BRPORT_MODE": flag["IFLA_BRPORT_MODE"],
        "IFLA_BRPORT_GUARD": flag["IFLA_BRPORT_GUARD"],
        "IFLA_BRPORT_PROTECT": flag["IFLA_BRPORT_PROTECT"],
        "IFLA_BRPORT_FAST_LEAVE": flag["IFLA_BRPORT_FAST_LEAVE"],
        "IFLA_BRPORT_LEARNING": flag["IFLA_BRPORT_LEARNING"],
        "IFLA_BRPORT_UNICAST_FLOOD": flag["IFLA_BRPORT_UNICAST_FLOOD"],
        "IFLA_BRPORT_ID": port_id,
        "IFLA_BRPORT_NO": p.port_no,
        "IFLA_BRPORT_DESIGNATED_PORT": port_id,
        "IFLA_BRPORT_DESIGNATED_COST": 0,
        "IFLA_BRPORT_BRIDGE_ID": bridge_id,
        "IFLA_BRPORT_ROOT_ID": dict(bridge_id),
        "IFLA_BRPORT_HOLD_TIMER": 0,
        "IFLA_BRPORT_MESSAGE_AGE_TIMER": 0,
        "IFLA_BRPORT_FORWARD_DELAY_TIMER": 0,
        "IFLA_BRPORT_TOPOLOGY_CHANGE_ACK": 0,
        "IFLA_BRPORT_CONFIG_PENDING": 0,
        "IFLA_BRPORT_PROXYARP": flag["IFLA_BRPORT_PROXYARP"],
        "IFLA_BRPORT_PROXYARP_WIFI": flag["IFLA_BRPORT_PROXYARP_WIFI"],
        "IFLA_BRPORT_MULTICAST_ROUTER": p.multicast_router,
        "IFLA_BRPORT_MCAST_FLOOD": flag["IFLA_BRPORT_MCAST_FLOOD"],
        "IFLA_BRPORT_BCAST_FLOOD": flag["IFLA_BRPORT_BCAST_FLOOD"],
        "IFLA_BRPORT_MCAST_TO_UCAST": flag["IFLA_BRPORT_MCAST_TO_UCAST"],
        "IFLA_BRPORT_NEIGH_SUPPRESS": flag["IFLA_BRPORT_NEIGH_SUPPRESS"],
        "IFLA_BRPORT_GROUP_FWD_MASK": p.group_fwd_mask,
        "IFLA_BRPORT_VLAN_TUNNEL": flag["IFLA_BRPORT_VLAN_TUNNEL"],
        "IFLA_BRPORT_ISOLATED": flag["IFLA_BRPORT_ISOLATED"],
        "IFLA_BRPORT_LOCKED": flag["IFLA_BRPORT_LOCKED"],
    }
    if p.backup_port is not None:
        out["IFLA_BRPORT_BACKUP_PORT"] = p.backup_port.dev.ifindex
    return out

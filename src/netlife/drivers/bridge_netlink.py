"""The bridge's netlink attributes: what `ip -d link` shows for a bridge and for its ports.

Mirrors net/bridge/br_netlink.c: br_fill_info (IFLA_BR_*, the bridge's IFLA_INFO_DATA) and
br_port_fill_attrs (IFLA_BRPORT_*, a port's IFLA_INFO_SLAVE_DATA). Part of the bridge module
(drivers/bridge.py); values the model does not track are the kernel's defaults, as a bridge
without STP, multicast querier or netfilter hooks reports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    port_id = (p.priority << 8) | p.port_no  # 0x8000 >> BR_PORT_BITS, then the number
    return {
        "IFLA_BRPORT_STATE": p.state,
        "IFLA_BRPORT_PRIORITY": p.priority,
        "IFLA_BRPORT_COST": p.path_cost,
        "IFLA_BRPORT_MODE": 0,
        "IFLA_BRPORT_GUARD": 0,
        "IFLA_BRPORT_PROTECT": 0,
        "IFLA_BRPORT_FAST_LEAVE": 0,
        "IFLA_BRPORT_LEARNING": 1,
        "IFLA_BRPORT_UNICAST_FLOOD": 1,
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
        "IFLA_BRPORT_PROXYARP": 0,
        "IFLA_BRPORT_PROXYARP_WIFI": 0,
        "IFLA_BRPORT_MULTICAST_ROUTER": 1,
        "IFLA_BRPORT_MCAST_FLOOD": 1,
        "IFLA_BRPORT_BCAST_FLOOD": 1,
        "IFLA_BRPORT_MCAST_TO_UCAST": 0,
        "IFLA_BRPORT_NEIGH_SUPPRESS": 0,
        "IFLA_BRPORT_GROUP_FWD_MASK": 0,
        "IFLA_BRPORT_VLAN_TUNNEL": 0,
        "IFLA_BRPORT_ISOLATED": 0,
        "IFLA_BRPORT_LOCKED": 0,
    }

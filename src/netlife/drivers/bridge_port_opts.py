"""A bridge port's options: `ip link set PORT type bridge_slave …` (IFLA_INFO_SLAVE_DATA).

Mirrors net/bridge/br_netlink.c: br_port_slave_changelink → br_setport (the port flags set
or cleared by br_set_port_flag, then cost, priority, state, multicast router, group
forwarding mask, backup port, fdb flush, in that order) and br_set_port_state's checks. Part
of the bridge module (drivers/bridge.py); the flags are reported by br_port_fill_slave_info.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.errors import EBUSY, EINVAL, ENETDOWN, ENOENT, ERANGE, KernelError

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

BR_HAIRPIN_MODE = 1 << 0
BR_BPDU_GUARD = 1 << 1
BR_ROOT_BLOCK = 1 << 2
BR_MULTICAST_FAST_LEAVE = 1 << 3
BR_LEARNING = 1 << 5
BR_FLOOD = 1 << 6
BR_PROXYARP = 1 << 8
BR_PROXYARP_WIFI = 1 << 10
BR_MCAST_FLOOD = 1 << 11
BR_MULTICAST_TO_UNICAST = 1 << 12
BR_VLAN_TUNNEL = 1 << 13
BR_BCAST_FLOOD = 1 << 14
BR_NEIGH_SUPPRESS = 1 << 15
BR_ISOLATED = 1 << 16
BR_PORT_LOCKED = 1 << 18

# new_nbp: BR_LEARNING | BR_FLOOD | BR_MCAST_FLOOD | BR_BCAST_FLOOD.
BR_PORT_DEFAULT_FLAGS = BR_LEARNING | BR_FLOOD | BR_MCAST_FLOOD | BR_BCAST_FLOOD

# br_setport's br_set_port_flag calls, in its order: attribute → flag.
PORT_FLAG_ATTRS = (
    ("IFLA_BRPORT_MODE", BR_HAIRPIN_MODE),
    ("IFLA_BRPORT_GUARD", BR_BPDU_GUARD),
    ("IFLA_BRPORT_FAST_LEAVE", BR_MULTICAST_FAST_LEAVE),
    ("IFLA_BRPORT_PROTECT", BR_ROOT_BLOCK),
    ("IFLA_BRPORT_LEARNING", BR_LEARNING),
    ("IFLA_BRPORT_UNICAST_FLOOD", BR_FLOOD),
    ("IFLA_BRPORT_MCAST_FLOOD", BR_MCAST_FLOOD),
    ("IFLA_BRPORT_MCAST_TO_UCAST", BR_MULTICAST_TO_UNICAST),
    ("IFLA_BRPORT_BCAST_FLOOD", BR_BCAST_FLOOD),
    ("IFLA_BRPORT_PROXYARP", BR_PROXYARP),
    ("IFLA_BRPORT_PROXYARP_WIFI", BR_PROXYARP_WIFI),
    ("IFLA_BRPORT_VLAN_TUNNEL", BR_VLAN_TUNNEL),
    ("IFLA_BRPORT_NEIGH_SUPPRESS", BR_NEIGH_SUPPRESS),
    ("IFLA_BRPORT_ISOLATED", BR_ISOLATED),
    ("IFLA_BRPORT_LOCKED", BR_PORT_LOCKED),
)
BR_MAX_PORT_PRIORITY = (1 << 6) - 1  # (u16)~0 >> BR_PORT_BITS
BR_GROUPFWD_MACPAUSE = 1 << 1
MDB_RTR_TYPE_PERM = 3
BR_KERNEL_STP = 1


def br_port_slave_changelink(
    brdev: NetDevice, dev: NetDevice, data: dict, extack: list[str]
) -> None:
    """br_netlink.c:br_port_slave_changelink: br_setport under the bridge lock."""
    from netlife.drivers.bridge import br_port_get_rtnl

    p = br_port_get_rtnl(dev)
    if not data or p is None:
        return
    br_setport(p, data, extack)


def br_setport(p, tb: dict, extack: list[str]) -> None:
    """br_netlink.c:br_setport. The flags change before any later check can fail, as in C."""
    for attr, flag in PORT_FLAG_ATTRS:
        if attr in tb:
            p.flags = p.flags | flag if tb[attr] else p.flags & ~flag
    if "IFLA_BRPORT_COST" in tb:
        cost = tb["IFLA_BRPORT_COST"]
        if cost < 1 or cost > 65535:  # br_stp_set_path_cost: BR_MIN/MAX_PATH_COST
            raise KernelError(ERANGE)
        p.path_cost = cost
    if "IFLA_BRPORT_PRIORITY" in tb:
        if tb["IFLA_BRPORT_PRIORITY"] > BR_MAX_PORT_PRIORITY:
            raise KernelError(ERANGE)
        p.priority = tb["IFLA_BRPORT_PRIORITY"]
    if "IFLA_BRPORT_STATE" in tb:
        br_set_port_state(p, tb["IFLA_BRPORT_STATE"])
    if "IFLA_BRPORT_MULTICAST_ROUTER" in tb:
        if tb["IFLA_BRPORT_MULTICAST_ROUTER"] > MDB_RTR_TYPE_PERM:
            raise KernelError(EINVAL)
        p.multicast_router = tb["IFLA_BRPORT_MULTICAST_ROUTER"]
    if "IFLA_BRPORT_GROUP_FWD_MASK" in tb:
        mask = tb["IFLA_BRPORT_GROUP_FWD_MASK"]
        if mask & BR_GROUPFWD_MACPAUSE:
            raise KernelError(EINVAL)
        p.group_fwd_mask = mask
    if "IFLA_BRPORT_BACKUP_PORT" in tb:
        nbp_backup_change(p, tb["IFLA_BRPORT_BACKUP_PORT"], extack)


def br_set_port_state(p, state: int) -> None:
    """br_netlink.c:br_set_port_state: only without kernel STP, on a running port."""
    from netlife.drivers.bridge import br_port_state_selection, br_set_state
    from netlife.kernel.dev_flags import netif_oper_up

    if state > 4:  # BR_STATE_BLOCKING
        raise KernelError(EINVAL)
    if p.br.stp_enabled == BR_KERNEL_STP:
        raise KernelError(EBUSY)
    if not p.dev.start or (not netif_oper_up(p.dev) and state != 0):
        raise KernelError(ENETDOWN)
    br_set_state(p, state)
    br_port_state_selection(p.br)


def nbp_backup_change(p, ifindex: int, extack: list[str]) -> None:
    """br_if.c:nbp_backup_change: another port of the same bridge, or 0 to clear."""
    from netlife.drivers.bridge import br_port_get_rtnl

    if not ifindex:
        p.backup_port = None
        return
    backup_dev = p.dev.nd_net.dev_get_by_index(ifindex)
    if backup_dev is None:
        raise KernelError(ENOENT)
    backup = br_port_get_rtnl(backup_dev)
    if backup is None:
        raise KernelError(ENOENT)  # !netif_is_bridge_port
    if backup.br is not p.br:
        raise KernelError(EINVAL)
    if backup is p:
        raise KernelError(EINVAL)
    p.backup_port = backup

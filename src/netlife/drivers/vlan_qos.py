"""A VLAN device's priority maps: `ingress-qos-map` and `egress-qos-map`.

Mirrors net/8021q/vlan_dev.c: vlan_dev_set_ingress_priority (8 slots indexed by the VLAN
priority, counted in nr_ingress_mappings when non-zero) and vlan_dev_set_egress_priority (16
buckets by skb priority & 0xF, each a list with new mappings at its head; a mapping set to 0 is
kept but not counted), and the IFLA_VLAN_INGRESS_QOS / IFLA_VLAN_EGRESS_QOS parts of
net/8021q/vlan_netlink.c (vlan_changelink, vlan_fill_info). Part of the 8021q module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VLAN_PRIO_SHIFT = 13
VLAN_PRIO_MASK = 0xE000


@dataclass(slots=True, eq=False)
class VlanPriorityTci:
    """struct vlan_priority_tci_mapping: one egress mapping."""

    priority: int
    vlan_qos: int


@dataclass(slots=True, eq=False)
class VlanQos:
    """The priority-map fields of struct vlan_dev_priv."""

    ingress_priority_map: list[int] = field(default_factory=lambda: [0] * 8)
    nr_ingress_mappings: int = 0
    egress_priority_map: list[list[VlanPriorityTci]] = field(
        default_factory=lambda: [[] for _ in range(16)]
    )
    nr_egress_mappings: int = 0


def vlan_dev_set_ingress_priority(qos: VlanQos, skb_prio: int, vlan_prio: int) -> None:
    old = qos.ingress_priority_map[vlan_prio & 0x7]
    if old and not skb_prio:
        qos.nr_ingress_mappings -= 1
    elif not old and skb_prio:
        qos.nr_ingress_mappings += 1
    qos.ingress_priority_map[vlan_prio & 0x7] = skb_prio & 0xFFFFFFFF


def vlan_dev_set_egress_priority(qos: VlanQos, skb_prio: int, vlan_prio: int) -> None:
    vlan_qos = (vlan_prio << VLAN_PRIO_SHIFT) & VLAN_PRIO_MASK
    bucket = qos.egress_priority_map[skb_prio & 0xF]
    for mp in bucket:
        if mp.priority == skb_prio:
            if mp.vlan_qos and not vlan_qos:
                qos.nr_egress_mappings -= 1
            elif not mp.vlan_qos and vlan_qos:
                qos.nr_egress_mappings += 1
            mp.vlan_qos = vlan_qos
            return
    bucket.insert(0, VlanPriorityTci(skb_prio, vlan_qos))
    if vlan_qos:
        qos.nr_egress_mappings += 1


def _mappings(nest: dict | None) -> list[dict]:
    maps = (nest or {}).get("IFLA_VLAN_QOS_MAPPING", [])
    return [maps] if isinstance(maps, dict) else list(maps)


def vlan_qos_changelink(qos: VlanQos, data: dict) -> None:
    """vlan_changelink's map part: each IFLA_VLAN_QOS_MAPPING {from, to} in order."""
    for m in _mappings(data.get("IFLA_VLAN_INGRESS_QOS")):
        vlan_dev_set_ingress_priority(qos, m["to"], m["from"])
    for m in _mappings(data.get("IFLA_VLAN_EGRESS_QOS")):
        vlan_dev_set_egress_priority(qos, m["from"], m["to"])


def vlan_qos_fill_info(qos: VlanQos) -> dict:
    """vlan_fill_info's map part: only counted mappings, ingress by slot, egress by bucket."""
    out: dict = {}
    if qos.nr_ingress_mappings:
        out["IFLA_VLAN_INGRESS_QOS"] = {
            "IFLA_VLAN_QOS_MAPPING": [
                {"from": i, "to": to} for i, to in enumerate(qos.ingress_priority_map) if to
            ]
        }
    if qos.nr_egress_mappings:
        out["IFLA_VLAN_EGRESS_QOS"] = {
            "IFLA_VLAN_QOS_MAPPING": [
                {"from": mp.priority, "to": (mp.vlan_qos >> VLAN_PRIO_SHIFT) & 0x7}
                for bucket in qos.egress_priority_map
                for mp in bucket
                if mp.vlan_qos
            ]
        }
    return out

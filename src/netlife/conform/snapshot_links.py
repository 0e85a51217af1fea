"""One RTM_NEWLINK message of a snapshot dump → the profile's `[[link]]` record.

The record keeps what the model needs to rebuild the device as it is (scenario/host_state.py):
its namespace, ifindex, name, kind and the kind's options in `ip link add` words, MTU, MAC,
flags the administrator sets (up, promisc, allmulti, noarp), txqlen, group, master, lower or
peer (ifindex and link-netnsid), queue counts, the bridge port number, and the operstate and
carrier seen (for the comparison after boot). What it cannot rebuild is listed under
"unmodelled" (the snapshot turns those into warnings and comments).
"""

from __future__ import annotations

from typing import Any

from netlife.kernel import if_link
from netlife.scenario.host_state import KNOWN_KINDS

MACVLAN_MODES = {1: "private", 2: "vepa", 4: "bridge", 8: "passthru", 16: "source"}
BRIDGE_DATA = (
    ("IFLA_BR_FORWARD_DELAY", "forward_delay"),
    ("IFLA_BR_HELLO_TIME", "hello_time"),
    ("IFLA_BR_MAX_AGE", "max_age"),
    ("IFLA_BR_AGEING_TIME", "ageing_time"),
    ("IFLA_BR_STP_STATE", "stp_state"),
    ("IFLA_BR_PRIORITY", "priority"),
    ("IFLA_BR_VLAN_FILTERING", "vlan_filtering"),
)
VXLAN_DATA = (
    ("IFLA_VXLAN_ID", "id"),
    ("IFLA_VXLAN_GROUP", "group"),
    ("IFLA_VXLAN_GROUP6", "group"),
    ("IFLA_VXLAN_LOCAL", "local"),
    ("IFLA_VXLAN_LOCAL6", "local"),
    ("IFLA_VXLAN_LINK", "dev"),
    ("IFLA_VXLAN_PORT", "dstport"),
    ("IFLA_VXLAN_LEARNING", "learning"),
    ("IFLA_VXLAN_TTL", "ttl"),
    ("IFLA_VXLAN_AGEING", "ageing"),
)
TUN_DATA = (
    ("IFLA_TUN_PI", "pi"),
    ("IFLA_TUN_VNET_HDR", "vnet_hdr"),
    ("IFLA_TUN_MULTI_QUEUE", "multi_queue"),
    ("IFLA_TUN_PERSIST", "persist"),
    ("IFLA_TUN_OWNER", "user"),
    ("IFLA_TUN_GROUP", "group"),
)
NO_ID = 2**32 - 1  # tun's owner/group when unset: INVALID_UID


def _attr(msg: Any, name: str) -> Any:
    return msg.get_attr(name) if msg is not None else None


class Attrs:
    """A message's attributes as a table (pyroute2's get_attr scans the list on every call)."""

    __slots__ = ("table",)

    def __init__(self, msg: Any) -> None:
        self.table: dict[str, Any] = {}
        for slot in msg["attrs"]:
            self.table.setdefault(slot[0], slot)  # decoded only when asked for

    def get_attr(self, name: str) -> Any:
        slot = self.table.get(name)
        return None if slot is None else slot[1]


def link_record(raw: Any, netns: str) -> dict[str, Any]:
    msg = Attrs(raw)
    flags = raw["flags"]
    rec: dict[str, Any] = {
        "netns": netns,
        "ifindex": raw["index"],
        "ifname": msg.get_attr("IFLA_IFNAME"),
    }
    info = msg.get_attr("IFLA_LINKINFO")
    kind = _attr(info, "IFLA_INFO_KIND")
    unmodelled: list[str] = []
    if kind is not None:
        rec["kind"] = kind
        if kind not in KNOWN_KINDS:
            unmodelled.append(f"link kind {kind} is not modelled: the device is left out")
    elif raw["ifi_type"] == 772:
        rec["kind"] = "loopback"
    rec["up"] = bool(flags & if_link.IFF_UP)
    rec["promisc"] = bool(flags & if_link.IFF_PROMISC)
    rec["allmulti"] = bool(flags & if_link.IFF_ALLMULTI)
    rec["noarp"] = bool(flags & if_link.IFF_NOARP)
    for key, attr in (
        ("mtu", "IFLA_MTU"),
        ("address", "IFLA_ADDRESS"),
        ("perm_address", "IFLA_PERM_ADDRESS"),
        ("txqlen", "IFLA_TXQLEN"),
        ("group", "IFLA_GROUP"),
        ("operstate", "IFLA_OPERSTATE"),
        ("num_tx_queues", "IFLA_NUM_TX_QUEUES"),
        ("num_rx_queues", "IFLA_NUM_RX_QUEUES"),
        ("parentdev", "IFLA_PARENT_DEV_NAME"),
        ("parentbus", "IFLA_PARENT_DEV_BUS_NAME"),
    ):
        value = msg.get_attr(attr)
        if value is not None:
            rec[key] = value
    carrier = msg.get_attr("IFLA_CARRIER")
    if carrier is not None:
        rec["carrier"] = bool(carrier)
    master = msg.get_attr("IFLA_MASTER")
    if master:
        rec["master"] = master
    link = msg.get_attr("IFLA_LINK")
    nsid = msg.get_attr("IFLA_LINK_NETNSID")
    if link is not None and (link != raw["index"] or nsid is not None):
        rec["link"] = link
    nsid = msg.get_attr("IFLA_LINK_NETNSID")
    if nsid is not None:
        rec["link_netnsid"] = nsid
    data = kind_data(kind, _attr(info, "IFLA_INFO_DATA"))
    if data:
        rec["data"] = data
    slave_kind = _attr(info, "IFLA_INFO_SLAVE_KIND")
    if slave_kind == "bridge":
        port_no = _attr(_attr(info, "IFLA_INFO_SLAVE_DATA"), "IFLA_BRPORT_NO")
        if port_no is not None:
            rec["port_no"] = port_no
    elif slave_kind is not None:
        unmodelled.append(f"a port of a {slave_kind} master, which is not modelled")
    if msg.get_attr("IFLA_IFALIAS"):
        unmodelled.append("its ifalias is not modelled")
    props = msg.get_attr("IFLA_PROP_LIST")
    if props is not None and props.get_attrs("IFLA_ALT_IFNAME"):
        rec["altnames"] = list(props.get_attrs("IFLA_ALT_IFNAME"))
    xdp = msg.get_attr("IFLA_XDP")
    if xdp is not None and _attr(xdp, "IFLA_XDP_ATTACHED"):
        unmodelled.append("an attached XDP program is not modelled")
    if kind == "tun" and carrier:
        unmodelled.append("a process has it open (carrier on): the model's copy has no process")
    if unmodelled:
        rec["unmodelled"] = unmodelled
    return rec


def kind_data(kind: str | None, data: Any) -> dict[str, Any]:
    """The kind's options as `ip link add … type KIND` words take them."""
    if data is None:
        return {}
    out: dict[str, Any] = {}
    if kind in ("macvlan", "macvtap"):
        mode = data.get_attr("IFLA_MACVLAN_MODE")
        if mode is not None:
            out["mode"] = MACVLAN_MODES.get(mode, str(mode))
        flags = data.get_attr("IFLA_MACVLAN_FLAGS")
        if flags:
            out["flags"] = flags  # MACVLAN_FLAG_NOPROMISC 1, MACVLAN_FLAG_NODST 2
    elif kind == "bridge":
        out = {
            key: data.get_attr(attr) for attr, key in BRIDGE_DATA if data.get_attr(attr) is not None
        }
    elif kind == "vxlan":
        for attr, key in VXLAN_DATA:
            value = data.get_attr(attr)
            if (
                value is not None
                and value not in ("0.0.0.0", "::")
                and not (key == "dev" and value == 0)
            ):
                out[key] = value
    elif kind == "tun":
        tun_type = data.get_attr("IFLA_TUN_TYPE")
        out["mode"] = {1: "tun", 2: "tap"}.get(tun_type, "tun")
        for attr, key in TUN_DATA:
            value = data.get_attr(attr)
            if value is not None and value != NO_ID:
                out[key] = value if key in ("user", "group") else bool(value)
    elif kind == "vlan":
        out["id"] = data.get_attr("IFLA_VLAN_ID")
        proto = data.get_attr("IFLA_VLAN_PROTOCOL")
        if proto is not None:
            out["protocol"] = {0x8100: "802.1Q", 0x88A8: "802.1ad"}.get(proto, str(proto))
    return out

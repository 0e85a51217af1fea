"""IfInfoMsg <-> pyroute2 ifinfmsg: the model's link message and pyroute2's, both ways.

from_pyroute2 turns an ifinfmsg as pyroute2 decoded it from the kernel into the model's
IfInfoMsg (kernel/if_link.py); to_pyroute2 builds the ifinfmsg pyroute2 would have decoded from
the wire for a model message (it encodes with pyroute2, then decodes those bytes), so
`msg.get('ifname')` and `msg.get(('linkinfo', 'kind'))` work on it.

Model form (what the model holds, and what ip_print reads):
- nested attributes are dicts keyed by IFLA_* names; an attribute repeated inside one nest
  (IFLA_ALT_IFNAME, IFLA_MACVLAN_MACADDR, IFLA_VLAN_QOS_MAPPING) is a list of its values;
  structs (IFLA_STATS64, IFLA_MAP, IFLA_VLAN_FLAGS, AF_INET's devconf) are dicts of fields;
- IFLA_OPERSTATE and IFLA_MACVLAN_MODE/FLAGS are ints, where pyroute2 gives names;
- bridge ids are {"prio": 0x8000, "addr": "aa:bb:..."} with prio as the big-endian value
  (pyroute2 reads those two bytes in host order); IFLA_VXLAN_LABEL is the label, not its
  big-endian image; IFLA_XDP_ATTACHED is 0 where pyroute2 says None;
- MACs and IP addresses are strings, names are strings, every other value an int.

pyroute2 0.9.7 does not name some attributes the kernel sends and iproute2 6.1 prints
(IFLA_BR_MULTI_BOOLOPT, IFLA_MACVLAN_BC_QUEUE_LEN[_USED]), and it reads the u8
IFLA_VXLAN_TTL_INHERIT as a bare flag. from_pyroute2 reads those from the message's bytes, and
to_pyroute2 writes them into the bytes it has pyroute2 decode, as the kernel would send them.
"""

from __future__ import annotations

import struct
from typing import Any

from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

from netlife.kernel.if_link import (
    IF_OPER_NAMES,
    RTM_DELLINK,
    RTM_GETLINK,
    RTM_NEWLINK,
    RTM_SETLINK,
    IfInfoMsg,
)

__all__ = ["from_pyroute2", "to_pyroute2"]

RTM_TYPES = {16: RTM_NEWLINK, 17: RTM_DELLINK, 18: RTM_GETLINK, 19: RTM_SETLINK}
RTM_NUMBERS = {name: number for number, name in RTM_TYPES.items()}

MACVLAN_MODES = {"none": 0, "private": 1, "vepa": 2, "bridge": 4, "passthru": 8, "source": 16}
MACVLAN_FLAGS = {"none": 0, "nopromisc": 1}
XDP_ATTACHED = {None: 0, "xdp": 1, "xdpgeneric": 2, "xdpoffload": 3, "xdpmulti": 4}
BRIDGE_IDS = frozenset(
    {"IFLA_BR_ROOT_ID", "IFLA_BR_BRIDGE_ID", "IFLA_BRPORT_ROOT_ID", "IFLA_BRPORT_BRIDGE_ID"}
)


class RawCodec:
    """One attribute pyroute2 cannot carry, read from and written to its payload bytes."""

    def __init__(self, name: str, fmt: str, fields: tuple[str, ...] = ()) -> None:
        self.name, self.fmt, self.fields = name, fmt, fields

    def decode(self, raw: bytes) -> Any:
        values = struct.unpack_from(self.fmt, raw)
        return dict(zip(self.fields, values, strict=True)) if self.fields else values[0]

    def encode(self, value: Any) -> bytes:
        values = [value[f] for f in self.fields] if self.fields else [value]
        return struct.pack(self.fmt, *values)


# Attributes pyroute2 0.9.7 leaves UNKNOWN (or misreads), per IFLA_INFO_DATA kind, by type.
# Types and layouts from include/uapi/linux/if_link.h.
RAW_ATTRS: dict[str, dict[int, RawCodec]] = {
    "bridge": {46: RawCodec("IFLA_BR_MULTI_BOOLOPT", "=II", ("optval", "optmask"))},
    "macvlan": {
        7: RawCodec("IFLA_MACVLAN_BC_QUEUE_LEN", "=I"),
        8: RawCodec("IFLA_MACVLAN_BC_QUEUE_LEN_USED", "=I"),
    },
    "vxlan": {
        28: RawCodec("IFLA_VXLAN_TTL_INHERIT", "=B"),
        30: RawCodec("IFLA_VXLAN_VNIFILTER", "=B"),
    },
}
RAW_ATTRS["macvtap"] = RAW_ATTRS["macvlan"]


def _raw_attrs(container: Any) -> dict[int, bytes]:
    """Payloads of the attributes directly inside a decoded nest, by type, from its bytes."""
    data, start = getattr(container, "data", None), getattr(container, "offset", None)
    if data is None or start is None:
        return {}
    out: dict[int, bytes] = {}
    off, end = start + 4, start + container.length
    while off + 4 <= end:
        length, nla_type = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        out[nla_type & 0x3FFF] = bytes(data[off + 4 : off + length])
        off += (length + 3) & ~3
    return out


def _value_in(name: str, value: Any) -> Any:
    """One pyroute2 value in the model's form (nests are handled by _attrs_in)."""
    if name == "IFLA_OPERSTATE" and isinstance(value, str):
        return IF_OPER_NAMES.index(value)
    if name in ("IFLA_MACVLAN_MODE", "IFLA_MACVTAP_MODE") and isinstance(value, str):
        return MACVLAN_MODES[value]
    if name in ("IFLA_MACVLAN_FLAGS", "IFLA_MACVTAP_FLAGS") and isinstance(value, str):
        return MACVLAN_FLAGS[value]
    if name == "IFLA_XDP_ATTACHED":
        return XDP_ATTACHED.get(value, value)
    if name in BRIDGE_IDS:
        prio = int.from_bytes(struct.pack("=H", value["prio"]), "big")
        return {"prio": prio, "addr": value["addr"]}
    if name == "IFLA_VXLAN_LABEL":
        return int.from_bytes(struct.pack("=I", value), "big")
    if isinstance(value, dict) and "attrs" in value:
        return _attrs_in(value, name)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "header"}
    return value


def _attrs_in(container: Any, nest: str, kind: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    raw_names = RAW_ATTRS.get(kind or "", {})
    raw_types = {codec.name: nla_type for nla_type, codec in raw_names.items()}
    raw = _raw_attrs(container) if raw_names else {}
    linkinfo_kind = None
    for cell in container["attrs"]:
        name, value = cell[0], cell[1]
        if name == "IFLA_INFO_KIND":
            linkinfo_kind = value
        if raw_types.get(name) in raw:
            value = raw_names[raw_types[name]].decode(raw[raw_types[name]])
        elif name == "UNKNOWN":
            nla_type = value["header"]["type"] & 0x3FFF
            if nla_type not in raw_names or nla_type not in raw:
                continue
            name, value = raw_names[nla_type].name, raw_names[nla_type].decode(raw[nla_type])
        elif name == "IFLA_INFO_DATA":
            value = _attrs_in(value, name, linkinfo_kind)
        else:
            value = _value_in(name, value)
        if name in out:
            prev = out[name]
            out[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value
    return out


def from_pyroute2(msg: Any) -> IfInfoMsg:
    """The model's IfInfoMsg for an ifinfmsg pyroute2 decoded (RTM_NEWLINK/DELLINK/...)."""
    header = msg.get("header") or {}
    return IfInfoMsg(
        msg_type=RTM_TYPES.get(header.get("type"), RTM_NEWLINK),
        ifi_family=msg.get("family", 0),
        ifi_type=msg.get("ifi_type", 0),
        ifi_index=msg.get("index", 0),
        ifi_flags=msg.get("flags", 0),
        ifi_change=msg.get("change", 0),
        nlmsg_flags=header.get("flags", 0) or 0,
        attrs=_attrs_in(msg, "ifinfmsg"),
    )


def _is_nest(value: Any) -> bool:
    """Nests are keyed by attribute names (IFLA_*, AF_*); structs by lowercase field names."""
    return isinstance(value, dict) and all(k.isupper() for k in value)


def _value_out(name: str, value: Any) -> Any:
    """The inverse of _value_in: the value as pyroute2 holds it."""
    if name == "IFLA_OPERSTATE":
        return IF_OPER_NAMES[value]
    if name in ("IFLA_MACVLAN_MODE", "IFLA_MACVTAP_MODE"):
        return {v: k for k, v in MACVLAN_MODES.items()}.get(value, value)
    if name in ("IFLA_MACVLAN_FLAGS", "IFLA_MACVTAP_FLAGS"):
        return {v: k for k, v in MACVLAN_FLAGS.items()}.get(value, value)
    if name == "IFLA_XDP_ATTACHED":
        return {v: k for k, v in XDP_ATTACHED.items()}.get(value, value)
    if name in BRIDGE_IDS:
        prio = struct.unpack("=H", value["prio"].to_bytes(2, "big"))[0]
        return {"prio": prio, "addr": value["addr"]}
    if name == "IFLA_VXLAN_LABEL":
        return struct.unpack("=I", value.to_bytes(4, "big"))[0]
    if _is_nest(value):
        return {"attrs": _attrs_out(value)}
    return value


def _attrs_out(attrs: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[tuple[str, Any]]:
    cells: list[tuple[str, Any]] = []
    kind = None
    for name, value in attrs.items():
        if name in skip:
            continue
        if name == "IFLA_INFO_KIND":
            kind = value
        if name == "IFLA_INFO_DATA":
            raw_names = frozenset(c.name for c in RAW_ATTRS.get(kind or "", {}).values())
            cells.append((name, {"attrs": _attrs_out(value, raw_names)}))
            continue
        for item in value if isinstance(value, list) else [value]:
            cells.append((name, _value_out(name, item)))
    return cells


def _raw_payloads(m: IfInfoMsg) -> bytes:
    """The attributes of IFLA_INFO_DATA pyroute2 cannot encode, as netlink attribute bytes."""
    linkinfo = m.attrs.get("IFLA_LINKINFO") or {}
    codecs = RAW_ATTRS.get(linkinfo.get("IFLA_INFO_KIND") or "", {})
    data = linkinfo.get("IFLA_INFO_DATA") or {}
    out = b""
    for nla_type, codec in codecs.items():
        if codec.name in data:
            payload = codec.encode(data[codec.name])
            nla = struct.pack("=HH", 4 + len(payload), nla_type) + payload
            out += nla + b"\0" * (-len(nla) % 4)
    return out


def _splice_info_data(wire: bytes, extra: bytes) -> bytes:
    """Append attributes at the end of IFLA_INFO_DATA and grow every enclosing length."""
    msg = ifinfmsg(wire)
    msg.decode()
    linkinfo = msg.get_attr("IFLA_LINKINFO")
    data = linkinfo.get_attr("IFLA_INFO_DATA") if linkinfo is not None else None
    if data is None:
        return wire
    buf = bytearray(wire)
    end = data.offset + data.length
    buf[end:end] = extra
    for nest in (data, linkinfo):
        (length,) = struct.unpack_from("=H", buf, nest.offset)
        struct.pack_into("=H", buf, nest.offset, length + len(extra))
    (total,) = struct.unpack_from("=I", buf, 0)
    struct.pack_into("=I", buf, 0, total + len(extra))
    return bytes(buf)


def to_pyroute2(m: IfInfoMsg) -> ifinfmsg:
    """An ifinfmsg as pyroute2 decodes it from the wire, built from the model's message."""
    msg = ifinfmsg()
    msg["family"] = m.ifi_family
    msg["ifi_type"] = m.ifi_type
    msg["index"] = m.ifi_index
    msg["flags"] = m.ifi_flags
    msg["change"] = m.ifi_change
    msg["header"]["type"] = RTM_NUMBERS[m.msg_type]
    msg["header"]["flags"] = m.nlmsg_flags
    msg["attrs"] = _attrs_out(m.attrs)
    msg.encode()
    wire = bytes(msg.data[: msg["header"]["length"]])
    extra = _raw_payloads(m)
    if extra:
        wire = _splice_info_data(wire, extra)
    out = ifinfmsg(wire)
    out.decode()
    return out

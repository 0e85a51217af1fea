"""`ynl`: the YAML netlink CLI (tools/net/ynl/pyynl/cli.py) for the netdev and rt-link families.

Model-only front end. Mirrors cli.py's arguments (--family/--spec, --do/--dump, --json, --create
--excl --replace --append, --output-json) and its output: replies pretty-printed with pprint
(sorted keys, sets as sets), `None` for a do without a reply, and errors as lib/ynl.py's NlError
prints them:

    Netlink error: Invalid argument
    nl_len = 68 (52) nl_flags = 0x300 nl_type = 2
    \terror: -22
    \textack: {'msg': 'Device is not a virtual device'}

with the extack decoded as ynl does (a bad attribute's offset becomes its path ".lease.queue.id";
a missing top-level attribute is named, with its spec doc). Lengths follow the capped ack
(NETLINK_CAP_ACK: the request's header only) plus the extack TLVs.
"""

from __future__ import annotations

import json
import pprint
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import KernelError, strerror
from netlife.kernel.if_link import (
    NLM_F_APPEND,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    IfInfoMsg,
)
from netlife.kernel.netdev_genl import NETDEV_NL_OPS, GenlError, NlExtack
from netlife.kernel.rtnetlink import rtnl_dellink, rtnl_newlink

if TYPE_CHECKING:
    from netlife.userspace.host import Proc

USAGE = "usage: ynl [-h] (--family FAMILY | --list-families | --spec SPEC) [options]"
SPEC_DIR = "/usr/share/ynl/specs"

# The netdev spec: attribute ids (include/uapi/linux/netdev.h) and docs ynl shows for a missing
# top-level attribute (YAML folded text, as loaded).
QUEUE_ATTRS = {"id": 1, "ifindex": 2, "type": 3, "napi-id": 4, "dmabuf": 5, "io-uring": 6,
               "xsk": 7, "lease": 8}  # fmt: skip
LEASE_ATTRS = {"ifindex": 1, "queue": 2, "netns-id": 3}
QUEUE_DOCS = {
    "id": "Queue index; most queue types are indexed like a C array, with indexes starting at 0 "
    "and ending at queue count - 1. Queue indexes are scoped to an interface and queue type.",
    "ifindex": "ifindex of the netdevice to which the queue belongs.",
    "type": "Queue type as rx, tx. Each queue type defines a separate ID space. XDP TX queues "
    "allocated in the kernel are not linked to NAPIs and thus not listed. AF_XDP queues will "
    "have more information set in the xsk attribute.",
    "lease": "A queue from a virtual device can have a lease which refers to\nanother queue "
    "from a physical device. This is useful for memory\nproviders and AF_XDP operations which "
    "take an ifindex and queue id\nto allow applications to bind against virtual devices in "
    "containers.\n",
}
DEV_DOCS = {"ifindex": "netdev ifindex"}
DMABUF_ATTRS = {"ifindex": 1, "queues": 2, "fd": 3, "id": 4, "rx-page-size": 5}
DMABUF_DOCS = {
    "ifindex": "netdev ifindex to bind the dmabuf to.",
    "queues": "receive queues to bind the dmabuf to.",
    "fd": "dmabuf file descriptor to bind.",
}
QUEUE_TYPES = ("rx", "tx")
NESTS = {"lease": "lease", "queue": "queue-id", "queues": "queue-id"}  # nest → attribute set
# Operations of the 6.18 specs (Documentation/netlink/specs/netdev.yaml, rt-link.yaml). ynl knows
# these, so for one the model lacks the real tool would send a request, not fail on the name;
# netlife says it is not modelled. A name in neither spec fails as in ynl (KeyError: 'OP').
SPEC_OPS = {
    "netdev": frozenset(("dev-get", "page-pool-get", "page-pool-stats-get", "queue-get",
                         "napi-get", "qstats-get", "bind-rx", "napi-set", "bind-tx",
                         "queue-create")),
    "rt-link": frozenset(("newlink", "dellink", "getlink", "setlink", "getstats")),
}  # fmt: skip
EXIT_NOT_MODELLED = 2

# rt-link: the names `ynl --family rt-link` uses for what the model's IfInfoMsg carries.
RT_LINK_ATTRS = {
    "ifname": "IFLA_IFNAME",
    "mtu": "IFLA_MTU",
    "txqlen": "IFLA_TXQLEN",
    "group": "IFLA_GROUP",
    "num-tx-queues": "IFLA_NUM_TX_QUEUES",
    "num-rx-queues": "IFLA_NUM_RX_QUEUES",
    "net-ns-pid": "IFLA_NET_NS_PID",
    "target-netnsid": "IFLA_TARGET_NETNSID",
    "link-netnsid": "IFLA_LINK_NETNSID",
    "address": "IFLA_ADDRESS",
}
NETKIT_ENUMS = {
    "policy": ("IFLA_NETKIT_POLICY", {"forward": 0, "blackhole": 2}),
    "peer-policy": ("IFLA_NETKIT_PEER_POLICY", {"forward": 0, "blackhole": 2}),
    "mode": ("IFLA_NETKIT_MODE", {"l2": 0, "l3": 1}),
    "scrub": ("IFLA_NETKIT_SCRUB", {"none": 0, "default": 1}),
    "peer-scrub": ("IFLA_NETKIT_PEER_SCRUB", {"none": 0, "default": 1}),
    "pairing": ("IFLA_NETKIT_PAIRING", {"pair": 0, "single": 1}),
    "primary": ("IFLA_NETKIT_PRIMARY", {}),
    "headroom": ("IFLA_NETKIT_HEADROOM", {}),
    "tailroom": ("IFLA_NETKIT_TAILROOM", {}),
}


class YnlUsage(Exception):
    """A request ynl itself refuses before sending (cli.py raises; the process exits 1)."""


def _align4(n: int) -> int:
    return (n + 3) & ~3


# -- netdev requests ----------------------------------------------------------------------------


def _encode_netdev(attrs: dict[str, Any], space: str = "queue") -> dict[str, Any]:
    """JSON values to the kernel's: enum names to numbers, checking names against the spec."""
    known = {"lease": LEASE_ATTRS, "dmabuf": DMABUF_ATTRS}.get(space, QUEUE_ATTRS)
    out: dict[str, Any] = {}
    for name, value in attrs.items():
        if name not in known:
            raise YnlUsage(f"Exception: Space '{space}' has no attribute '{name}'")
        if name in NESTS and isinstance(value, dict):
            out[name] = _encode_netdev(value, NESTS[name])
        elif name in NESTS and isinstance(value, list):  # multi-attr: one nest per entry
            out[name] = [_encode_netdev(v, NESTS[name]) for v in value]
        elif name == "type" and isinstance(value, str):
            if value not in QUEUE_TYPES:
                raise YnlUsage(f"KeyError: '{value}'")
            out[name] = QUEUE_TYPES.index(value)
        else:
            out[name] = int(value)
    return out


def _decode_netdev(msg: Any) -> Any:
    if isinstance(msg, list):
        return [_decode_netdev(m) for m in msg]
    if not isinstance(msg, dict):
        return msg
    out = {}
    for name, value in msg.items():
        if name == "type" and isinstance(value, int):
            out[name] = QUEUE_TYPES[value]
        else:
            out[name] = _decode_netdev(value)
    return out


def _offsets(attrs: dict[str, Any], start: int, path: tuple = ()) -> dict:
    """Offset of each attribute (by path) in the request as ynl encodes it (JSON order); a
    multi-attr list's entries are keyed by their index."""
    found: dict[tuple, int] = {}
    off = start
    for name, value in attrs.items():
        entries = value if isinstance(value, list) else [value]
        for i, entry in enumerate(entries):
            key = (*path, name, i) if isinstance(value, list) else (*path, name)
            found[key] = off
            if isinstance(entry, dict):
                found.update(_offsets(entry, off + 4, key))
            off += _attr_len(entry)
    return found


def _attr_len(value: Any) -> int:
    if isinstance(value, dict):
        return 4 + sum(_attr_len(v) for v in value.values())
    return 8


def _extack_dict(
    ext: NlExtack, attrs: dict[str, Any], hdr_len: int, docs: dict[str, str]
) -> tuple[dict, int]:
    """The extack as ynl shows it, and the TLV bytes the kernel appended for it."""
    out: dict[str, Any] = {}
    tlv = 0
    if ext.msg:
        out["msg"] = ext.msg
        tlv += 4 + _align4(len(ext.msg) + 1)
    if ext.bad_attr:
        tlv += 8
    if ext.policy:
        pol = {"type": ext.policy["type"], "min-value": ext.policy["min-value"]}
        pol["max-value"] = ext.policy["max-value"]
        out["policy"] = pol
        tlv += 4 + 8 + 12 + 12
    if ext.miss_type:
        tlv += 8
        if ext.miss_nest is None:
            out["miss-type"] = ext.miss_type
        else:
            space = LEASE_ATTRS if ext.miss_nest[-1] == "lease" else QUEUE_ATTRS
            out["miss-type"] = space[ext.miss_type]
    if ext.miss_nest is not None:
        tlv += 8
        out["miss-nest"] = _offsets(attrs, hdr_len)[ext.miss_nest]
    if ext.miss_type and ext.miss_nest is None and ext.miss_type in docs:
        out["miss-type-doc"] = docs[ext.miss_type]
    if ext.bad_attr:
        out["bad-attr"] = "." + ".".join(p for p in ext.bad_attr if isinstance(p, str))
    return out, tlv


def netlink_error_text(
    err: KernelError, attrs: dict[str, Any], hdr_len: int, docs: dict[str, str]
) -> str:
    """NlError's text for an error ack (capped: 16 bytes of the request come back)."""
    ext = err.ext if isinstance(err, GenlError) else NlExtack(err.extack)
    extack, tlv = _extack_dict(ext, attrs, hdr_len, docs)
    nl_len = 16 + 4 + 16 + tlv
    flags = 0x100 | (0x200 if tlv else 0)
    lines = [
        f"Netlink error: {strerror(err.errno)}",
        f"nl_len = {nl_len} ({nl_len - 16}) nl_flags = 0x{flags:x} nl_type = 2",
        f"\terror: {-err.errno}",
    ]
    if extack:
        lines.append(f"\textack: {extack!r}")
    return "\n".join(lines)


def netdev_request(proc: Proc, op: str, dump: bool, attrs: dict[str, Any]) -> Any:
    ops = NETDEV_NL_OPS.get(op)
    if ops is None:
        raise YnlUsage(f"KeyError: '{op}'")
    handler = ops.dump if dump else ops.do
    if handler is None:
        raise YnlUsage(f"Exception: Operation '{op}' does not support {'dump' if dump else 'do'}")
    space = "dev" if op.startswith("dev") else "dmabuf" if op == "bind-rx" else "queue"
    return _decode_netdev(handler(proc.net, _encode_netdev(attrs, space)))


# -- rt-link requests ---------------------------------------------------------------------------


def _rt_link_msg(attrs: dict[str, Any], flags: int) -> IfInfoMsg:
    msg = IfInfoMsg(nlmsg_flags=flags)
    for name, value in attrs.items():
        if name in ("ifi-family", "ifi-type", "ifi-index", "ifi-flags", "ifi-change"):
            setattr(msg, name.replace("-", "_"), int(value))
        elif name in RT_LINK_ATTRS:
            msg.attrs[RT_LINK_ATTRS[name]] = value
        elif name == "linkinfo":
            msg.attrs["IFLA_LINKINFO"] = _rt_linkinfo(value)
        else:
            raise YnlUsage(f"Exception: Space 'link-attrs' has no attribute '{name}'")
    return msg


def _rt_linkinfo(info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = info.get("kind")
    if kind is not None:
        out["IFLA_INFO_KIND"] = kind
    data = info.get("data")
    if data is None:
        return out
    if kind != "netkit":
        raise YnlUsage(f"Exception: No message format for '{kind}' in sub-message spec")
    decoded = {}
    for name, value in data.items():
        if name not in NETKIT_ENUMS:
            raise YnlUsage(f"Exception: Space 'linkinfo-netkit-attrs' has no attribute '{name}'")
        attr, names = NETKIT_ENUMS[name]
        decoded[attr] = names[value] if isinstance(value, str) and names else int(value)
    out["IFLA_INFO_DATA"] = decoded
    return out


def rt_link_request(proc: Proc, op: str, attrs: dict[str, Any], flags: int) -> Any:
    msg = _rt_link_msg(attrs, flags)
    if op == "newlink":
        rtnl_newlink(proc.net, msg)
    elif op == "dellink":
        rtnl_dellink(proc.net, msg)
    else:
        raise YnlUsage(f"KeyError: '{op}'")
    return None


# -- the command --------------------------------------------------------------------------------


def _json_default(obj: Any) -> Any:
    if isinstance(obj, set):
        return sorted(obj)
    raise TypeError(obj)


def ynl(proc: Proc, argv: list[str]) -> int:
    family = op = json_text = None
    dump = output_json = False
    flags = 0
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--family", "--spec"):
            value = next(args, "")
            family = value.rsplit("/", 1)[-1].removesuffix(".yaml")
        elif arg in ("--do", "--dump"):
            op, dump = next(args, ""), arg == "--dump"
        elif arg == "--json":
            json_text = next(args, "")
        elif arg in ("--create", "--excl", "--replace", "--append"):
            flags |= {"--create": NLM_F_CREATE, "--excl": NLM_F_EXCL}.get(arg, 0)
            flags |= {"--replace": NLM_F_REPLACE, "--append": NLM_F_APPEND}.get(arg, 0)
        elif arg == "--output-json":
            output_json = True
        elif arg in ("--no-schema", "--process-unknown"):
            continue
        else:
            proc.eprint(f"{USAGE}\nynl: error: unrecognized arguments: {arg}")
            return 2
    if family is None:
        proc.eprint(
            f"{USAGE}\nynl: error: one of the arguments --family --list-families --spec is required"
        )
        return 2
    if family not in ("netdev", "rt-link"):
        proc.eprint(f"Exception: Spec file {SPEC_DIR}/{family}.yaml does not exist")
        return 1
    try:
        attrs = json.loads(json_text) if json_text else {}
    except json.JSONDecodeError as exc:
        proc.eprint(f"json.decoder.JSONDecodeError: {exc}")
        return 1
    if op is None:
        return 0
    try:
        if family == "netdev":
            reply = netdev_request(proc, op, dump, attrs)
        else:
            reply = rt_link_request(proc, op, attrs, flags)
    except YnlUsage as exc:
        if str(exc) == f"KeyError: '{op}'" and op in SPEC_OPS[family]:
            proc.eprint(f"netlife: ynl: {family} operation '{op}' is not modelled")
            return EXIT_NOT_MODELLED
        proc.eprint(str(exc))
        return 1
    except KernelError as err:
        hdr_len = 20 if family == "netdev" else 32  # nlmsghdr + genlmsghdr / ifinfomsg
        docs = {"dev-get": DEV_DOCS, "bind-rx": DMABUF_DOCS}.get(op, QUEUE_DOCS)
        docs = docs if family == "netdev" else {}
        proc.print(netlink_error_text(err, attrs, hdr_len, docs))
        return 1
    if output_json:
        proc.print(json.dumps(reply, default=_json_default))
    else:
        proc.print(pprint.pformat(reply))
    return 0


COMMANDS = {"ynl": ynl}

"""The netdev generic netlink family: queue-create, queue-get, dev-get.

Mirrors net/core/netdev-genl.c (netdev_nl_queue_create_doit as merged with the 2026
queue-leasing series, including the lease's netns-id; netdev_nl_queue_get_doit / _dumpit
with the lease nest of "net: Add lease info to queue-get response"; netdev_nl_dev_get_doit /
_dumpit) and the strict attribute policies of net/core/netdev-genl-gen.c that genetlink
applies before a handler runs.

Requests and replies are attribute dicts keyed by the spec's names (Documentation/netlink/
specs/netdev.yaml: "ifindex", "type", "lease" ...) with the kernel's integer values (queue
type 0 = rx, 1 = tx); nests are dicts. Errors are GenlError: an errno with the extack the
kernel would attach (message, offending attribute, missing attribute), which ynl prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import (
    EBUSY,
    EINVAL,
    ENODEV,
    ENOENT,
    ENONET,
    EOPNOTSUPP,
    ERANGE,
    KernelError,
)
from netlife.kernel.if_link import IFF_UP
from netlife.kernel.netdev_rx_queue import netif_get_rx_queue
from netlife.kernel.netdevice import NETREG_REGISTERED
from netlife.kernel.queue_lease import (
    netdev_can_create_queue,
    netdev_can_lease_queue,
    netdev_queue_busy,
    netdev_rx_queue_lease,
    netif_is_queue_leasee,
    netif_rx_queue_lease_get_owner,
)

if TYPE_CHECKING:
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice

NETDEV_QUEUE_TYPE_RX = 0
NETDEV_QUEUE_TYPE_TX = 1
U32_MAX = 0xFFFFFFFF


@dataclass(slots=True)
class NlExtack:
    """struct netlink_ext_ack as the ack carries it. Paths name attributes from the top of the
    request ("lease", "queue", "type")."""

    msg: str | None = None
    bad_attr: tuple[str, ...] | None = None  # NLMSGERR_ATTR_OFFS
    policy: dict[str, Any] | None = None  # NLMSGERR_ATTR_POLICY
    miss_type: str | None = None  # NLMSGERR_ATTR_MISS_TYPE
    miss_nest: tuple[str, ...] | None = None  # NLMSGERR_ATTR_MISS_NEST (None: top level)


class GenlError(KernelError):
    """A genetlink request's error: errno plus its extack. Raised by the handlers below."""

    def __init__(self, err: int, ext: NlExtack | None = None) -> None:
        ext = ext or NlExtack()
        super().__init__(err, ext.msg)
        self.ext = ext


# -- attribute policies (netdev-genl-gen.c), applied strictly -----------------------------------
# Each entry: name -> ("u32" | "s32", min, max) or ("nest", sub-policy).

_QUEUE_ID = {"id": ("u32", 0, U32_MAX), "type": ("u32", 0, 1)}
_LEASE = {
    "ifindex": ("u32", 1, U32_MAX),
    "queue": ("nest", _QUEUE_ID),
    "netns-id": ("s32", 0, 2**31 - 1),  # NLA_POLICY_MIN(NLA_S32, 0)
}
POLICIES: dict[str, dict[str, Any]] = {
    "queue-create": {
        "ifindex": ("u32", 1, U32_MAX),
        "type": ("u32", 0, 1),
        "lease": ("nest", _LEASE),
    },
    "queue-get": {
        "id": ("u32", 0, U32_MAX),
        "ifindex": ("u32", 1, U32_MAX),
        "type": ("u32", 0, 1),
    },
    "queue-get-dump": {"ifindex": ("u32", 1, U32_MAX)},
    "dev-get": {"ifindex": ("u32", 1, U32_MAX)},
    "dev-get-dump": {},
}


def genl_validate(policy: dict[str, Any], attrs: dict[str, Any], path: tuple[str, ...] = ()):
    """nla_parse with NL_VALIDATE_STRICT: unknown attributes and out-of-range integers fail."""
    for name, value in attrs.items():
        spec = policy.get(name)
        where = (*path, name)
        if spec is None:
            raise GenlError(EINVAL, NlExtack("Unsupported attribute", where))
        if spec[0] == "nest":
            genl_validate(spec[1], value, where)
            continue
        kind, low, high = spec
        if not low <= value <= high:
            pol = {"type": kind, "min-value": low, "max-value": high}
            raise GenlError(ERANGE, NlExtack("integer out of range", where, pol))


def _req(attrs: dict[str, Any], name: str, nest: tuple[str, ...] | None = None) -> Any:
    """GENL_REQ_ATTR_CHECK / NL_REQ_ATTR_CHECK: -EINVAL with the missing attribute named."""
    if name not in attrs:
        raise GenlError(EINVAL, NlExtack(miss_type=name, miss_nest=nest))
    return attrs[name]


def _get_dev(net: Net, ifindex: int) -> NetDevice | None:
    """netdev_get_by_index_lock: a registered device of `net` that is not moving."""
    dev = net.dev_get_by_index(ifindex)
    if dev is None or dev.reg_state != NETREG_REGISTERED or dev.moving_ns:
        return None
    return dev


# -- queue-create -------------------------------------------------------------------------------


def netdev_nl_queue_create_doit(net: Net, attrs: dict[str, Any]) -> dict[str, Any]:
    """Create an RX queue on virtual device `ifindex` (in the requester's namespace) leasing
    physical queue lease.queue.id of lease.ifindex. The lease device is looked up in the
    namespace lease.netns-id names as seen from the requester's (a container names the host's
    namespace by its nsid there), else in the requester's own. Returns {"id": new queue}."""
    genl_validate(POLICIES["queue-create"], attrs)
    ifindex = _req(attrs, "ifindex")
    qtype = _req(attrs, "type")
    lease = _req(attrs, "lease")
    if qtype != NETDEV_QUEUE_TYPE_RX:
        raise GenlError(EINVAL, NlExtack(bad_attr=("type",)))
    ifindex_lease = _req(lease, "ifindex", ("lease",))
    queue = _req(lease, "queue", ("lease",))
    # capable(CAP_NET_ADMIN) for netns-id: the model's shell is root in the initial user ns.
    netns_lease = lease.get("netns-id", -1)
    queue_id_lease = _req(queue, "id", ("lease", "queue"))
    if _req(queue, "type", ("lease", "queue")) != NETDEV_QUEUE_TYPE_RX:
        raise GenlError(EINVAL, NlExtack(bad_attr=("lease", "queue", "type")))
    extack: list[str] = []
    # No RTNL: the instance locks, the virtual device's before the physical one's (the order
    # memory providers take them in later).
    dev = _get_dev(net, ifindex)
    if dev is None:
        raise GenlError(ENODEV)
    if not netdev_can_create_queue(dev, extack):
        raise GenlError(EINVAL, NlExtack(extack[0]))
    lease_net = net
    if netns_lease >= 0:
        lease_net = net.get_net_ns_by_id(netns_lease)
        if lease_net is None:
            raise GenlError(ENONET)
    # netdev_get_by_index then netdev_put_lock: any registered device, then one not moving.
    dev_lease = lease_net.dev_get_by_index(ifindex_lease)
    if dev_lease is None:
        raise GenlError(ENODEV)
    if not netdev_can_lease_queue(dev_lease, extack):
        raise GenlError(EINVAL, NlExtack(extack[0]))
    if _get_dev(lease_net, ifindex_lease) is not dev_lease:
        raise GenlError(ENODEV)
    if queue_id_lease >= dev_lease.real_num_rx_queues:
        raise GenlError(ERANGE, NlExtack(bad_attr=("lease", "queue", "id")))
    if netdev_queue_busy(dev_lease, queue_id_lease, extack):
        raise GenlError(EBUSY, NlExtack(extack[0]))
    rxq_lease = netif_get_rx_queue(dev_lease, queue_id_lease)
    last = netif_get_rx_queue(dev, dev.real_num_rx_queues - 1)
    # Capabilities (XDP features, DMA device) may differ between physical devices.
    if last.lease is not None and last.lease.dev is not dev_lease:
        raise GenlError(EOPNOTSUPP, NlExtack("Leasing queues from different devices not supported"))
    queue_id = dev.queue_mgmt_ops.ndo_queue_create(dev)
    if queue_id < 0:
        raise GenlError(queue_id, NlExtack("Device is unable to create a new queue"))
    netdev_rx_queue_lease(netif_get_rx_queue(dev, queue_id), rxq_lease)
    return {"id": queue_id}


# -- queue-get ----------------------------------------------------------------------------------


def _netdev_up(dev: NetDevice) -> bool:
    """netdev->up: set when the device opens, cleared when it closes."""
    return bool(dev.flags & IFF_UP)


def netdev_nl_queue_fill_one(net: Net, dev: NetDevice, q_idx: int, q_type: int) -> dict[str, Any]:
    msg: dict[str, Any] = {"id": q_idx, "type": q_type, "ifindex": dev.ifindex}
    if q_type != NETDEV_QUEUE_TYPE_RX:
        return msg
    rxq = netif_get_rx_queue(dev, q_idx)
    owner = netif_rx_queue_lease_get_owner(dev, q_idx)
    if owner is not None:
        virt, virt_idx = owner
        nest: dict[str, Any] = {
            "queue": {"id": virt_idx, "type": q_type},
            "ifindex": virt.ifindex,
        }
        if virt.nd_net is not dev.nd_net:
            nest["netns-id"] = dev.nd_net.peernet2id_alloc(virt.nd_net)
        msg["lease"] = nest
    # netdev_nl_queue_fill_mp: a leased virtual queue shows what sits on the physical queue.
    if rxq.lease is not None and netif_is_queue_leasee(dev):
        rxq = rxq.lease
    if rxq.mp_ops is not None:
        msg["io-uring"] = {}  # io_uring's nl_fill: an empty nest
    if rxq.pool is not None:
        msg["xsk"] = {}
    return msg


def netdev_nl_queue_get_doit(net: Net, attrs: dict[str, Any]) -> dict[str, Any]:
    genl_validate(POLICIES["queue-get"], attrs)
    q_id = _req(attrs, "id")
    q_type = _req(attrs, "type")
    ifindex = _req(attrs, "ifindex")
    dev = _get_dev(net, ifindex)
    if dev is None:
        raise GenlError(ENODEV)
    if not _netdev_up(dev):
        raise GenlError(ENOENT)
    count = dev.real_num_rx_queues if q_type == NETDEV_QUEUE_TYPE_RX else dev.real_num_tx_queues
    if q_id >= count:
        raise GenlError(EINVAL)
    return netdev_nl_queue_fill_one(net, dev, q_id, q_type)


def _queues_of(net: Net, dev: NetDevice) -> list[dict[str, Any]]:
    if not _netdev_up(dev):
        return []
    rx = [netdev_nl_queue_fill_one(net, dev, i, 0) for i in range(dev.real_num_rx_queues)]
    tx = [netdev_nl_queue_fill_one(net, dev, i, 1) for i in range(dev.real_num_tx_queues)]
    return rx + tx


def netdev_nl_queue_get_dumpit(net: Net, attrs: dict[str, Any]) -> list[dict[str, Any]]:
    genl_validate(POLICIES["queue-get-dump"], attrs)
    if "ifindex" in attrs:
        dev = _get_dev(net, attrs["ifindex"])
        if dev is None:
            raise GenlError(ENODEV)
        return _queues_of(net, dev)
    out: list[dict[str, Any]] = []
    for _, dev in sorted(net.index_hash.items()):
        out += _queues_of(net, dev)
    return out


# -- dev-get ------------------------------------------------------------------------------------


def netdev_nl_dev_fill(dev: NetDevice) -> dict[str, Any]:
    """CHOICE: XDP features are not modelled per driver; a physical device whose driver has
    ndo_bpf reports the AF_XDP set, every other device none."""
    xdp: set[str] = set()
    if dev.parent is not None and dev.netdev_ops.ndo_bpf is not None:
        xdp = {"basic", "redirect", "ndo-xmit", "xsk-zerocopy"}
    return {
        "ifindex": dev.ifindex,
        "xdp-features": xdp,
        "xdp-zc-max-segs": 1,
        "xdp-rx-metadata-features": set(),
        "xsk-features": set(),
    }


def netdev_nl_dev_get_doit(net: Net, attrs: dict[str, Any]) -> dict[str, Any]:
    genl_validate(POLICIES["dev-get"], attrs)
    dev = net.dev_get_by_index(_req(attrs, "ifindex"))
    if dev is None:
        raise GenlError(ENODEV)
    return netdev_nl_dev_fill(dev)


def netdev_nl_dev_get_dumpit(net: Net, attrs: dict[str, Any]) -> list[dict[str, Any]]:
    genl_validate(POLICIES["dev-get-dump"], attrs)
    return [netdev_nl_dev_fill(dev) for _, dev in sorted(net.index_hash.items())]


@dataclass(slots=True)
class GenlOp:
    """One operation of the family: the handler for do and for dump (None: not supported)."""

    do: Any = None
    dump: Any = None
    admin: bool = False  # GENL_ADMIN_PERM: CAP_NET_ADMIN (root in the model always has it)


def _bind_rx(net: Net, attrs: dict[str, Any]) -> dict[str, Any]:
    from netlife.kernel.devmem import netdev_nl_bind_rx_doit

    return netdev_nl_bind_rx_doit(net, attrs)


NETDEV_NL_OPS: dict[str, GenlOp] = {
    "dev-get": GenlOp(netdev_nl_dev_get_doit, netdev_nl_dev_get_dumpit),
    "queue-get": GenlOp(netdev_nl_queue_get_doit, netdev_nl_queue_get_dumpit),
    "queue-create": GenlOp(netdev_nl_queue_create_doit, None, admin=True),
    "bind-rx": GenlOp(_bind_rx, None, admin=True),  # GENL_UNS_ADMIN_PERM
}

__all__ = [
    "NETDEV_NL_OPS",
    "NETDEV_QUEUE_TYPE_RX",
    "NETDEV_QUEUE_TYPE_TX",
    "GenlError",
    "NlExtack",
    "netdev_nl_dev_get_doit",
    "netdev_nl_queue_create_doit",
    "netdev_nl_queue_get_doit",
    "netdev_nl_queue_get_dumpit",
]

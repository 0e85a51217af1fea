"""RTNL, link kinds and the RTM_NEWLINK / RTM_DELLINK request paths.

Mirrors net/core/rtnetlink.c: rtnl_lock / rtnl_unlock (which is netdev_run_todo) /
__rtnl_unlock, ASSERT_RTNL, struct rtnl_link_ops with rtnl_link_register / _unregister, and the
request handlers rtnl_newlink (→ rtnl_newlink_create / the changelink path), rtnl_dellink and
rtnl_getlink. Notifications and the message filler are in rtnl_notify.py; do_setlink and the
namespace move in rtnl_setlink.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel.errors import (
    EEXIST,
    EINVAL,
    ENODEV,
    ENOMEM,
    EOPNOTSUPP,
    EPERM,
    ERANGE,
    KernelError,
)
from netlife.kernel.if_link import NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, RTM_NEWLINK
from netlife.kernel.netdevice import (
    IFNAMSIZ,
    NET_ADDR_SET,
    NET_NAME_ENUM,
    NET_NAME_USER,
    alloc_netdev_mqs,
    free_netdev,
)
from netlife.kernel.rtnl_notify import rtnl_fill_ifinfo

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.if_link import IfInfoMsg
    from netlife.kernel.net_namespace import Net
    from netlife.kernel.netdevice import NetDevice


# -- modules that call back into RTNL ----------------------------------------------------------


class _LateModule:
    """Model-only: a kernel module imported at its first use, not at load time.

    The request paths and rtnl_unlock call into net/core/dev.c, the flag changes and the todo,
    which all take RTNL from here, so a load-time import would be circular. The first
    attribute read imports the module and rebinds the global to it: later calls pay one
    attribute lookup instead of a function-level import on every call.
    """

    __slots__ = ("_global", "_module")

    def __init__(self, module: str, global_name: str) -> None:
        self._module = module
        self._global = global_name

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self._module)
        globals()[self._global] = module
        return getattr(module, name)


dev_c: Any = _LateModule("netlife.kernel.dev", "dev_c")  # net/core/dev.c
dev_flags: Any = _LateModule("netlife.kernel.dev_flags", "dev_flags")
dev_todo: Any = _LateModule("netlife.kernel.dev_todo", "dev_todo")


# -- the lock ---------------------------------------------------------------------------------


class _RtnlGuard:
    """Returned by rtnl_lock so `with rtnl_lock(k):` releases (and runs the todo) on exit."""

    __slots__ = ("kernel",)

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def __enter__(self) -> Kernel:
        return self.kernel

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.kernel.rtnl_owner is None:
            return  # a BUG inside already left the lock; nothing to release
        if exc_type is not None and exc_type.__name__ == "KernelBug":
            # The oopsing task dies holding RTNL in the kernel; the model lets go so the host
            # stays usable, without running the todo.
            self.kernel.rtnl_owner = None
            return
        rtnl_unlock(self.kernel)


def rtnl_lock(kernel: Kernel) -> _RtnlGuard:
    """Take RTNL. The model has one task at a time, so taking it twice is a self-deadlock."""
    if kernel.rtnl_owner is not None:
        kernel.printk.BUG_ON(True, "rtnl-double-lock", "rtnl_lock: RTNL already held")
    kernel.rtnl_owner = "task"
    return _RtnlGuard(kernel)


def __rtnl_unlock(kernel: Kernel) -> None:
    """Release RTNL without running the todo; queued unregistrations would be left to whoever
    unlocks next, so the kernel warns (net/core/rtnetlink.c:__rtnl_unlock)."""
    if kernel.net_todo_list:
        kernel.printk.WARN_ON(
            True,
            "unlock-with-todo",
            "__rtnl_unlock: net_todo_list not empty: "
            + ", ".join(dev.name for dev in kernel.net_todo_list),
        )
    kernel.rtnl_owner = None


def rtnl_unlock(kernel: Kernel) -> None:
    """net/core/rtnetlink.c:rtnl_unlock is netdev_run_todo: whoever unlocks pays the wait."""
    if kernel.rtnl_owner is None:
        kernel.printk.BUG_ON(True, "rtnl-unlock-unheld", "rtnl_unlock: RTNL not held")
    dev_todo.netdev_run_todo(kernel)


def rtnl_is_locked(kernel: Kernel) -> bool:
    return kernel.rtnl_owner is not None


def ASSERT_RTNL(kernel: Kernel) -> None:
    if kernel.rtnl_owner is None:
        kernel.printk.BUG_ON(True, "rtnl-not-held", "RTNL: assertion failed")


# -- link kinds -------------------------------------------------------------------------------


@dataclass(slots=True)
class RtnlNewlinkParams:
    """struct rtnl_newlink_params: what a kind's newlink gets besides the device."""

    src_net: Net
    link_net: Net | None
    peer_net: Net | None
    tb: dict[str, Any]
    data: dict[str, Any] | None
    ifm: IfInfoMsg


@dataclass(slots=True, eq=False)
class RtnlLinkOps:
    """struct rtnl_link_ops: a link kind. Hooks left None are absent, as in C."""

    kind: str
    priv_factory: Callable[[], Any] | None = None  # stands for priv_size
    setup: Callable[[NetDevice], None] | None = None
    alloc: Callable[..., NetDevice] | None = None
    validate: Callable[[dict, dict | None, list[str]], int] | None = None
    newlink: Callable[[NetDevice, RtnlNewlinkParams, list[str]], None] | None = None
    changelink: Callable[[NetDevice, dict, dict | None, list[str]], None] | None = None
    dellink: Callable[[NetDevice, list[NetDevice] | None], None] | None = None
    fill_info: Callable[[NetDevice], dict] | None = None
    slave_kind: str | None = None  # the kind name uppers report in IFLA_INFO_SLAVE_KIND
    fill_slave_info: Callable[[NetDevice, NetDevice], dict] | None = None
    # The master's hook for a port's IFLA_INFO_SLAVE_DATA (br_port_slave_changelink).
    slave_changelink: Callable[[NetDevice, NetDevice, dict, list[str]], None] | None = None
    get_link_net: Callable[[NetDevice], Net] | None = None
    get_num_tx_queues: Callable[[], int] | None = None
    get_num_rx_queues: Callable[[], int] | None = None
    peer_type: str | None = None  # the attribute of a nested peer ifinfomsg (VETH_INFO_PEER)
    netns_refund: bool = False
    owner: str | None = None  # the module that registered the kind


def rtnl_link_register(kernel: Kernel, ops: RtnlLinkOps) -> None:
    """Add a kind; install the default dellink (unregister_netdevice_queue) when it has none."""
    if ops.kind in kernel.link_ops:
        raise KernelError(EEXIST)
    if (ops.setup is not None or ops.alloc is not None) and ops.dellink is None:
        ops.dellink = dev_c.unregister_netdevice_queue
    kernel.link_ops[ops.kind] = ops


def rtnl_link_unregister(kernel: Kernel, ops: RtnlLinkOps) -> None:
    """Remove the kind, wait for pending unregistrations, kill its links in every namespace."""
    kernel.link_ops.pop(ops.kind, None)
    with kernel.pernet_ops_rwsem.write():
        kernel.wait_event(lambda: kernel.dev_unreg_count == 0, "rtnl_lock_unregistering_all")
        with rtnl_lock(kernel):
            for net in kernel.live_nets():
                kill: list[NetDevice] = []
                for dev in net.devices():
                    if dev.rtnl_link_ops is ops:  # __rtnl_kill_links: every one, queued or not
                        ops.dellink(dev, kill)
                dev_c.unregister_netdevice_many(kernel, kill)


# -- creation ---------------------------------------------------------------------------------


def rtnl_create_link(
    net: Net,
    ifname: str,
    name_assign_type: int,
    ops: RtnlLinkOps,
    tb: dict[str, Any],
    extack: list[str],
) -> NetDevice:
    """net/core/rtnetlink.c:rtnl_create_link: allocate and pre-configure, not register."""
    kernel = net.kernel
    if "IFLA_NUM_TX_QUEUES" in tb:
        num_tx = tb["IFLA_NUM_TX_QUEUES"]
    else:
        num_tx = ops.get_num_tx_queues() if ops.get_num_tx_queues else 1
    if "IFLA_NUM_RX_QUEUES" in tb:
        num_rx = tb["IFLA_NUM_RX_QUEUES"]
    else:
        num_rx = ops.get_num_rx_queues() if ops.get_num_rx_queues else 1
    if num_tx < 1 or num_tx > 4096:
        raise KernelError(EINVAL, "Invalid number of transmit queues")
    if num_rx < 1 or num_rx > 4096:
        raise KernelError(EINVAL, "Invalid number of receive queues")
    if ops.alloc is not None:
        dev = ops.alloc(kernel, tb, ifname, name_assign_type, num_tx, num_rx)
    else:
        priv = ops.priv_factory() if ops.priv_factory else None
        dev = alloc_netdev_mqs(kernel, priv, ifname, name_assign_type, ops.setup, num_tx, num_rx)
    if dev is None:
        raise KernelError(ENOMEM)
    dev.nd_net = net
    dev.rtnl_link_ops = ops
    dev.rtnl_link_initializing = True
    try:
        if "IFLA_MTU" in tb:
            dev_flags.dev_validate_mtu(dev, tb["IFLA_MTU"])
            dev.mtu = tb["IFLA_MTU"]
        if "IFLA_ADDRESS" in tb:
            dev.dev_addr = tb["IFLA_ADDRESS"]
            dev.addr_assign_type = NET_ADDR_SET
    except KernelError:
        free_netdev(dev)
        raise
    if "IFLA_BROADCAST" in tb:
        dev.broadcast = tb["IFLA_BROADCAST"]
    if "IFLA_TXQLEN" in tb:
        dev.tx_queue_len = tb["IFLA_TXQLEN"]
    if "IFLA_LINKMODE" in tb:
        dev.link_mode = tb["IFLA_LINKMODE"]
    if "IFLA_GROUP" in tb:
        dev.group = tb["IFLA_GROUP"]
    return dev


def rtnl_dev_combine_flags(dev: NetDevice, ifm: IfInfoMsg) -> int:
    flags = ifm.ifi_flags
    if ifm.ifi_change:
        flags = (flags & ifm.ifi_change) | (dev_flags.dev_get_flags(dev) & ~ifm.ifi_change)
    return flags


def rtnl_configure_link(dev: NetDevice, ifm: IfInfoMsg | None) -> None:
    """Apply the request's flags, end the initializing phase, send the first RTM_NEWLINK."""
    old_flags = dev.flags
    if ifm is not None and (ifm.ifi_flags or ifm.ifi_change):
        dev_flags.__dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm))
    if dev.rtnl_link_initializing:
        dev.rtnl_link_initializing = False
        changed = ~0
    else:
        changed = old_flags ^ dev.flags
    dev_flags.__dev_notify_flags(dev, old_flags, changed)


def rtnl_link_get_net(src_net: Net, tb: dict[str, Any]) -> Net:
    """IFLA_NET_NS_PID, then IFLA_NET_NS_FD, then IFLA_TARGET_NETNSID, else src_net."""
    kernel = src_net.kernel
    if "IFLA_NET_NS_PID" in tb:
        net = kernel.pid_net(tb["IFLA_NET_NS_PID"])
        if net is None:
            raise KernelError(-3)  # -ESRCH
        return net
    if "IFLA_NET_NS_FD" in tb:
        net = tb["IFLA_NET_NS_FD"]
        if net is None or getattr(net, "dead", True):
            raise KernelError(EINVAL)
        return net
    if "IFLA_TARGET_NETNSID" in tb:
        net = src_net.get_net_ns_by_id(tb["IFLA_TARGET_NETNSID"])
        if net is None:
            raise KernelError(EINVAL, "Invalid target network namespace id")
        return net
    return src_net


def find_ops(kernel: Kernel, kind: str) -> RtnlLinkOps | None:
    """rtnl_link_ops_get under RTNL: rtnl_newlink already tried request_module, outside RTNL
    (loading a module takes RTNL itself), so a kind still missing here is unknown."""
    return kernel.link_ops.get(kind)


def __rtnl_newlink(net: Net, ifm: IfInfoMsg, extack: list[str]) -> None:
    tb = ifm.attrs
    linkinfo = tb.get("IFLA_LINKINFO") or {}
    kind = linkinfo.get("IFLA_INFO_KIND")
    ops = find_ops(net.kernel, kind) if kind else None
    data = linkinfo.get("IFLA_INFO_DATA")
    if ops is not None and ops.validate is not None:
        err = ops.validate(tb, data, extack)
        if err:
            raise KernelError(err, extack[0] if extack else None)
    tgt_net = rtnl_link_get_net(net, tb)
    lookup_net = tgt_net if ifm.nlmsg_flags & NLM_F_CREATE and ifm.nlmsg_flags & NLM_F_EXCL else net
    if ifm.ifi_index > 0:
        dev = lookup_net.dev_get_by_index(ifm.ifi_index)
    elif ifm.ifi_index < 0:
        raise KernelError(EINVAL, "ifindex can't be negative")
    elif "IFLA_IFNAME" in tb or "IFLA_ALT_IFNAME" in tb:
        dev = lookup_net.dev_get_by_name(tb.get("IFLA_IFNAME") or tb.get("IFLA_ALT_IFNAME"))
    else:
        dev = None
    if dev is not None:
        if ifm.nlmsg_flags & NLM_F_EXCL:
            raise KernelError(EEXIST)
        if ifm.nlmsg_flags & NLM_F_REPLACE:
            raise KernelError(EOPNOTSUPP)
        from netlife.kernel.rtnl_setlink import rtnl_changelink

        rtnl_changelink(dev, net, ifm, ops, data, extack)
        return
    if not ifm.nlmsg_flags & NLM_F_CREATE:
        # No device named: the request may be for every device of a group.
        link_specified = ifm.ifi_index > 0 or "IFLA_IFNAME" in tb or "IFLA_ALT_IFNAME" in tb
        if link_specified or "IFLA_GROUP" not in tb:
            raise KernelError(ENODEV)
        from netlife.kernel.rtnl_setlink import rtnl_group_changelink

        rtnl_group_changelink(net, tb["IFLA_GROUP"], ifm, extack)
        return
    if "IFLA_MAP" in tb or "IFLA_PROTINFO" in tb:
        raise KernelError(EOPNOTSUPP)
    if ops is None:
        raise KernelError(EOPNOTSUPP, "Unknown device type")
    rtnl_newlink_create(net, tgt_net, ifm, ops, data, extack)


def rtnl_newlink_create(
    net: Net,
    tgt_net: Net,
    ifm: IfInfoMsg,
    ops: RtnlLinkOps,
    data: dict | None,
    extack: list[str],
) -> None:
    tb = ifm.attrs
    if ops.alloc is None and ops.setup is None:
        raise KernelError(EOPNOTSUPP)
    if "IFLA_IFNAME" in tb:
        ifname, assign = tb["IFLA_IFNAME"], NET_NAME_USER
    else:
        ifname, assign = f"{ops.kind}%d", NET_NAME_ENUM
    link_net = None
    if "IFLA_LINK_NETNSID" in tb:
        link_net = net.get_net_ns_by_id(tb["IFLA_LINK_NETNSID"])
        if link_net is None:
            raise KernelError(EINVAL, "Unknown network namespace id")
    peer_net = None
    if ops.peer_type and data:
        peer = data.get(ops.peer_type)
        if peer is not None:
            ptb = peer.attrs
            if "IFLA_NET_NS_PID" in ptb or "IFLA_NET_NS_FD" in ptb or "IFLA_TARGET_NETNSID" in ptb:
                peer_net = rtnl_link_get_net(net, ptb)
    dev = rtnl_create_link(tgt_net, ifname, assign, ops, tb, extack)
    dev.ifindex = ifm.ifi_index
    params = RtnlNewlinkParams(net, link_net, peer_net, tb, data, ifm)
    try:
        if ops.newlink is not None:
            ops.newlink(dev, params, extack)
        else:
            dev_c.register_netdevice(dev)
    except KernelError:
        free_netdev(dev)
        raise
    try:
        rtnl_configure_link(dev, ifm)
        if "IFLA_MASTER" in tb:
            from netlife.kernel.rtnl_setlink import do_set_master

            do_set_master(dev, tb["IFLA_MASTER"], extack)
    except KernelError:
        if ops.newlink is not None:
            kill: list[NetDevice] = []
            ops.dellink(dev, kill)
            dev_c.unregister_netdevice_many(net.kernel, kill)
        else:
            dev_c.unregister_netdevice(dev)
        raise


def rtnl_newlink(net: Net, ifm: IfInfoMsg) -> None:
    """Serve RTM_NEWLINK from a requester in `net`. Returns after the todo has run."""
    kernel = net.kernel
    # nlmsg_parse_deprecated against ifla_policy, before anything else: IFLA_IFNAME is an
    # NLA_STRING of at most IFNAMSIZ-1 bytes (its terminating NUL not counted).
    name = ifm.attrs.get("IFLA_IFNAME")
    if name is not None and len(name.encode()) > IFNAMSIZ - 1:
        raise KernelError(ERANGE, "Attribute failed policy validation")
    extack: list[str] = []
    linkinfo = ifm.attrs.get("IFLA_LINKINFO") or {}
    kind = linkinfo.get("IFLA_INFO_KIND")
    if kind and kind not in kernel.link_ops:
        kernel.request_module(f"rtnl-link-{kind}")  # outside RTNL, as rtnl_newlink does
    try:
        with rtnl_lock(kernel):
            __rtnl_newlink(net, ifm, extack)
    except KernelError as err:
        if err.extack is None and extack:
            err.extack = extack[0]
        raise


def rtnl_delete_link(dev: NetDevice, portid: int, nlh: IfInfoMsg | None) -> None:
    ops = dev.rtnl_link_ops
    if ops is None or ops.dellink is None:
        raise KernelError(EOPNOTSUPP)
    kill: list[NetDevice] = []
    ops.dellink(dev, kill)
    dev_c.unregister_netdevice_many_notify(dev.kernel, kill, portid, nlh)


def rtnl_dellink(net: Net, ifm: IfInfoMsg) -> None:
    """Serve RTM_DELLINK; RTNL is released (and the todo waited for) before the ack."""
    kernel = net.kernel
    with rtnl_lock(kernel):
        tb = ifm.attrs
        tgt = net
        if "IFLA_TARGET_NETNSID" in tb:
            tgt = net.get_net_ns_by_id(tb["IFLA_TARGET_NETNSID"])
            if tgt is None:
                raise KernelError(EINVAL, "Invalid target network namespace id")
        if ifm.ifi_index > 0:
            dev = tgt.dev_get_by_index(ifm.ifi_index)
        elif "IFLA_IFNAME" in tb or "IFLA_ALT_IFNAME" in tb:
            dev = tgt.dev_get_by_name(tb.get("IFLA_IFNAME") or tb.get("IFLA_ALT_IFNAME"))
        elif "IFLA_GROUP" in tb:
            rtnl_group_dellink(tgt, tb["IFLA_GROUP"])
            return
        else:
            raise KernelError(EINVAL)
        if dev is None:
            raise KernelError(ENODEV)
        rtnl_delete_link(dev, ifm.attrs.get("portid", 0), ifm)


def rtnl_group_dellink(net: Net, group: int) -> None:
    if group == 0:
        raise KernelError(EPERM)
    members = [dev for dev in net.devices() if dev.group == group]
    if not members:
        raise KernelError(ENODEV)
    if any(dev.rtnl_link_ops is None or dev.rtnl_link_ops.dellink is None for dev in members):
        raise KernelError(EOPNOTSUPP)
    kill: list[NetDevice] = []
    for dev in members:
        dev.rtnl_link_ops.dellink(dev, kill)
    dev_c.unregister_netdevice_many(net.kernel, kill)


def rtnl_getlink(net: Net, ifm: IfInfoMsg) -> list[IfInfoMsg]:
    """RTM_GETLINK: one device, or with NLM_F_DUMP every device in ifindex order."""
    tb = ifm.attrs
    tgt = net
    if "IFLA_TARGET_NETNSID" in tb:
        tgt = net.get_net_ns_by_id(tb["IFLA_TARGET_NETNSID"])
        if tgt is None:
            raise KernelError(EINVAL, "Invalid target network namespace id")
    if ifm.nlmsg_flags & NLM_F_DUMP == NLM_F_DUMP:
        devs = sorted(tgt.index_hash.items())
        kind = (tb.get("IFLA_LINKINFO") or {}).get("IFLA_INFO_KIND")
        master = tb.get("IFLA_MASTER")
        out = []
        for _, dev in devs:
            if kind and (dev.rtnl_link_ops is None or dev.rtnl_link_ops.kind != kind):
                continue
            if master is not None and master_ifindex(dev) != master:
                continue
            out.append(rtnl_fill_ifinfo(dev, RTM_NEWLINK, 0, ref_net=net))
        return out
    dev = rtnl_dev_get_required(tgt, ifm)
    return [rtnl_fill_ifinfo(dev, RTM_NEWLINK, 0, ref_net=net)]


def rtnl_dev_get_required(net: Net, ifm: IfInfoMsg) -> NetDevice:
    """The device a get or linkprop request names: by index, else by name or altname
    (rtnl_dev_get); EINVAL when it names none, ENODEV when there is no such device."""
    tb = ifm.attrs
    if ifm.ifi_index > 0:
        dev = net.dev_get_by_index(ifm.ifi_index)
    elif "IFLA_IFNAME" in tb or "IFLA_ALT_IFNAME" in tb:
        dev = net.dev_get_by_name(tb.get("IFLA_IFNAME") or tb.get("IFLA_ALT_IFNAME"))
    else:
        raise KernelError(EINVAL)
    if dev is None:
        raise KernelError(ENODEV)
    return dev


def master_ifindex(dev: NetDevice) -> int:
    for upper, adj in dev.adj_upper.items():
        if adj.master:
            return upper.ifindex
    return 0

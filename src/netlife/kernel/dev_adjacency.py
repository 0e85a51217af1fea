"""Upper/lower adjacency between devices (master, stacked devices) and nesting levels.

Mirrors net/core/dev.c: __netdev_upper_dev_link() / netdev_upper_dev_link() /
netdev_master_upper_dev_link() / netdev_upper_dev_unlink(), __netdev_adjacent_dev_insert and
_remove (each direct entry holds a tracked reference on the neighbour), and the
upper_level / lower_level bookkeeping that caps nesting at MAX_NEST_DEV.
"""

from __future__ import annotations

from netlife.kernel.dev_notify import call_netdevice_notifiers_info
from netlife.kernel.errors import EBUSY, EEXIST, EMLINK, KernelError
from netlife.kernel.netdevice import (
    EMPTY_MAP,
    MAX_NEST_DEV,
    AdjEntry,
    NetDevice,
    netdev_hold,
    netdev_put,
)
from netlife.kernel.notifier import (
    NETDEV_CHANGEUPPER,
    NETDEV_PRECHANGEUPPER,
    NetdevNotifierInfo,
    notifier_to_errno,
)
from netlife.kernel.rtnetlink import ASSERT_RTNL


def netdev_has_upper_dev(dev: NetDevice, upper: NetDevice) -> bool:
    """Is `upper` anywhere above dev (walking all uppers, as __netdev_has_upper_dev does)."""
    stack = list(dev.adj_upper)
    seen: set[int] = set()
    while stack:
        cur = stack.pop()
        if cur is upper:
            return True
        if id(cur) not in seen:
            seen.add(id(cur))
            stack.extend(cur.adj_upper)
    return False


def netdev_master_upper_dev_get(dev: NetDevice) -> NetDevice | None:
    for upper, adj in dev.adj_upper.items():
        if adj.master:
            return upper
    return None


def _insert(dev: NetDevice, adj_dev: NetDevice, table: dict, master: bool, what: str) -> None:
    entry = table.get(adj_dev)
    if entry is not None:
        entry.ref_nr += 1
        return
    tracker = netdev_hold(adj_dev, f"__netdev_adjacent_dev_insert ({what} of {dev.name})")
    table[adj_dev] = AdjEntry(adj_dev, master, 1, tracker)


def _remove(dev: NetDevice, adj_dev: NetDevice, table: dict) -> None:
    entry = table.get(adj_dev)
    if entry is None:
        return
    entry.ref_nr -= 1
    if entry.ref_nr:
        return
    del table[adj_dev]
    netdev_put(adj_dev, entry.tracker)


def _upper_level(dev: NetDevice) -> int:
    return 1 + max((u.upper_level for u in dev.adj_upper), default=0)


def _lower_level(dev: NetDevice) -> int:
    return 1 + max((lo.lower_level for lo in dev.adj_lower), default=0)


def _update_levels(dev: NetDevice, upper: NetDevice) -> None:
    """Recompute upper_level below `upper` and lower_level above `dev` (the walks)."""
    todo = [dev]
    while todo:
        cur = todo.pop()
        cur.upper_level = _upper_level(cur)
        todo.extend(cur.adj_lower)
    todo = [upper]
    while todo:
        cur = todo.pop()
        cur.lower_level = _lower_level(cur)
        todo.extend(cur.adj_upper)


def __netdev_upper_dev_link(
    dev: NetDevice, upper: NetDevice, master: bool, extack: list[str] | None
) -> None:
    ASSERT_RTNL(dev.kernel)
    if dev is upper or netdev_has_upper_dev(upper, dev):
        raise KernelError(EBUSY)
    if dev.lower_level + upper.upper_level > MAX_NEST_DEV:
        raise KernelError(EMLINK)
    if not master:
        if netdev_has_upper_dev(dev, upper):
            raise KernelError(EEXIST)
    else:
        current = netdev_master_upper_dev_get(dev)
        if current is not None:
            raise KernelError(EEXIST if current is upper else EBUSY)
    info = NetdevNotifierInfo(dev, extack, upper_dev=upper, linking=True, master=master)
    err = notifier_to_errno(call_netdevice_notifiers_info(NETDEV_PRECHANGEUPPER, info))
    if err:
        raise KernelError(err, extack[0] if extack else None)
    if dev.adj_upper is EMPTY_MAP:  # a first link: the device gets a table of its own
        dev.adj_upper = {}
    if upper.adj_lower is EMPTY_MAP:
        upper.adj_lower = {}
    _insert(dev, upper, dev.adj_upper, master, "upper")
    _insert(upper, dev, upper.adj_lower, False, "lower")
    err = notifier_to_errno(call_netdevice_notifiers_info(NETDEV_CHANGEUPPER, info))
    if err:
        _remove(dev, upper, dev.adj_upper)
        _remove(upper, dev, upper.adj_lower)
        raise KernelError(err)
    _update_levels(dev, upper)


def netdev_upper_dev_link(
    dev: NetDevice, upper: NetDevice, extack: list[str] | None = None
) -> None:
    __netdev_upper_dev_link(dev, upper, False, extack)


def netdev_master_upper_dev_link(
    dev: NetDevice, upper: NetDevice, extack: list[str] | None = None
) -> None:
    __netdev_upper_dev_link(dev, upper, True, extack)


def netdev_upper_dev_unlink(dev: NetDevice, upper: NetDevice) -> None:
    ASSERT_RTNL(dev.kernel)
    adj = dev.adj_upper.get(upper)
    info = NetdevNotifierInfo(
        dev, None, upper_dev=upper, linking=False, master=bool(adj and adj.master)
    )
    call_netdevice_notifiers_info(NETDEV_PRECHANGEUPPER, info)
    _remove(dev, upper, dev.adj_upper)
    _remove(upper, dev, upper.adj_lower)
    call_netdevice_notifiers_info(NETDEV_CHANGEUPPER, info)
    _update_levels(dev, upper)

"""Cross-object invariants of the net_device lifetime model, checked after every test step.

Model-only. Each check states a property the kernel keeps across structures that no single
field comment can: the per-namespace device list and its name and index hashes agree
(net/core/dev.c:list_netdevice / unlist_netdevice); no freed net_device is reachable from a
namespace, an adjacency list, the todo list, linkwatch, a blocked todo wait or a registered
device's private area; the reference count is the base reference plus the held ones
(lib/ref_tracker.c); adjacency is symmetric (__netdev_adjacent_dev_insert links both ways);
reg_state matches listing; every UNREGISTERED device is freed, waited for, or left to its
driver's free_netdev; dev_unreg_count counts the devices between unregister and todo done.

check_invariants(kernel) returns the broken properties as sentences (empty when all hold).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from netlife.kernel.netdevice import (
    NETREG_REGISTERED,
    NETREG_UNINITIALIZED,
    NETREG_UNREGISTERED,
    NETREG_UNREGISTERING,
    NetDevice,
)

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.net_namespace import Net


def check_invariants(kernel: Kernel) -> list[str]:
    """Every broken invariant of `kernel`, as one sentence each; [] when all hold."""
    problems: list[str] = []
    for net in kernel.nets:
        _check_namespace(kernel, net, problems)
    waiting = _waiting_devices(kernel)
    _check_reachable(kernel, waiting, problems)
    for dev in kernel.allocated.values():
        _check_device(kernel, dev, waiting, problems)
    _check_unreg_count(kernel, waiting, problems)
    return problems


# -- per namespace ----------------------------------------------------------------------------


def _check_namespace(kernel: Kernel, net: Net, problems: list[str]) -> None:
    """dev_base, name_hash and index_hash describe exactly the same listed devices."""
    where = f"netns {net.inum}"
    listed = list(net.dev_base)
    names: dict[str, NetDevice] = {}
    for dev in listed:
        if dev.nd_net is not net:
            problems.append(f"{where}: {dev.name} is listed but its nd_net is another namespace")
        if not dev.listed:
            problems.append(f"{where}: {dev.name} is in dev_base but not marked listed")
        if dev.ifindex <= 0:
            problems.append(f"{where}: listed device {dev.name} has ifindex {dev.ifindex}")
        for name in (dev.name, *dev.altnames):
            if name in names:
                problems.append(f"{where}: name {name} belongs to two listed devices")
            names[name] = dev
            if net.name_hash.get(name) is not dev:
                problems.append(f"{where}: name_hash[{name!r}] does not map to {dev.name}")
        if net.index_hash.get(dev.ifindex) is not dev:
            problems.append(f"{where}: index_hash[{dev.ifindex}] does not map to {dev.name}")
    for name, dev in net.name_hash.items():
        if names.get(name) is not dev:
            problems.append(f"{where}: name_hash has {name!r} → {dev!r}, not a listed name")
    indexes = {dev.ifindex for dev in listed}
    for ifindex, dev in net.index_hash.items():
        if ifindex not in indexes or dev not in net.dev_base:
            problems.append(f"{where}: index_hash has {ifindex} → {dev!r}, not a listed device")
    if len(net.index_hash) != len(listed):
        problems.append(f"{where}: {len(net.index_hash)} indexes for {len(listed)} devices")
    if kernel.rtnl_owner is None and net.index_reserved:
        problems.append(f"{where}: ifindexes {sorted(net.index_reserved)} reserved outside RTNL")
    if not net.dead and net.loopback_dev is not None and net.loopback_dev not in net.dev_base:
        problems.append(f"{where}: loopback_dev {net.loopback_dev.name} is not listed")


# -- reachability of freed devices ------------------------------------------------------------


def _waiting_devices(kernel: Kernel) -> set[NetDevice]:
    """Devices a blocked netdev_run_todo still waits for (its wait was reported as a Hang)."""
    waiting: set[NetDevice] = set()
    for wait in kernel.todo_waits:
        waiting.update(wait.remaining)
    return waiting


def _devices_in(value: Any) -> Iterator[NetDevice]:
    """The NetDevice pointers in a driver's private area: direct fields and simple containers."""
    if isinstance(value, NetDevice):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _devices_in(k)
            yield from _devices_in(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _devices_in(item)


def _priv_pointers(dev: NetDevice) -> Iterable[NetDevice]:
    priv = dev.priv
    if priv is None or not dataclasses.is_dataclass(priv):
        return ()
    found: list[NetDevice] = []
    for f in dataclasses.fields(priv):
        found.extend(_devices_in(getattr(priv, f.name, None)))
    return found


def _check_reachable(kernel: Kernel, waiting: set[NetDevice], problems: list[str]) -> None:
    def freed(dev: NetDevice, where: str) -> None:
        if dev.freed:
            problems.append(
                f"freed device {dev.name} (ifindex {dev.ifindex}) reachable from {where}"
            )

    for net in kernel.nets:
        for dev in net.dev_base:
            freed(dev, f"netns {net.inum} dev_base")
        for dev in net.name_hash.values():
            freed(dev, f"netns {net.inum} name_hash")
        for dev in net.index_hash.values():
            freed(dev, f"netns {net.inum} index_hash")
        if net.loopback_dev is not None:
            freed(net.loopback_dev, f"netns {net.inum} loopback_dev")
    for dev in kernel.net_todo_list:
        freed(dev, "net_todo_list")
    for dev in kernel.linkwatch_list:
        freed(dev, "the linkwatch list")
    for dev in waiting:
        freed(dev, "a blocked netdev_run_todo")
    for dev in kernel.allocated.values():
        if dev.freed:
            problems.append(f"freed device {dev.name} still in kernel.allocated")
        for other in (*dev.adj_upper, *dev.adj_lower):
            freed(other, f"the adjacency lists of {dev.name}")
        if dev.reg_state == NETREG_REGISTERED:
            for other in _priv_pointers(dev):
                freed(other, f"the private area of {dev.name}")


# -- per device -------------------------------------------------------------------------------


def _check_device(
    kernel: Kernel, dev: NetDevice, waiting: set[NetDevice], problems: list[str]
) -> None:
    d = dev.refcnt_tracker
    expected = 1 + d.untracked + len(d.trackers)
    if dev.refcnt != expected:
        problems.append(
            f"{dev.name}: refcnt {dev.refcnt} != 1 + {d.untracked} untracked + "
            f"{len(d.trackers)} tracked"
        )
    if dev.refcnt < 1:
        problems.append(f"{dev.name}: refcnt {dev.refcnt} below the base reference")
    if d.untracked < 0:
        problems.append(f"{dev.name}: {d.untracked} untracked references")

    for upper, entry in dev.adj_upper.items():
        back = upper.adj_lower.get(dev)
        if back is None:
            problems.append(f"{dev.name} lists {upper.name} as upper, not the other way round")
        elif back.ref_nr != entry.ref_nr:
            problems.append(f"{dev.name}/{upper.name}: adjacency ref_nr differs between lists")
    for lower in dev.adj_lower:
        if dev not in lower.adj_upper:
            problems.append(f"{dev.name} lists {lower.name} as lower, not the other way round")

    state = dev.reg_state
    in_list = dev in dev.nd_net.dev_base
    if dev.listed != in_list:
        problems.append(f"{dev.name}: listed flag {dev.listed} but in dev_base: {in_list}")
    if state == NETREG_REGISTERED:
        if not in_list and not dev.moving_ns:
            problems.append(f"{dev.name}: NETREG_REGISTERED but not listed in its namespace")
    elif in_list:
        problems.append(f"{dev.name}: listed in its namespace while {state.name}")
    if state == NETREG_UNINITIALIZED and dev.ifindex and dev in dev.nd_net.index_hash.values():
        problems.append(f"{dev.name}: never registered but its ifindex is hashed")
    if state == NETREG_UNREGISTERING and not dev.todo:
        problems.append(f"{dev.name}: NETREG_UNREGISTERING but not on net_todo_list")
    if dev.todo and dev not in kernel.net_todo_list:
        problems.append(f"{dev.name}: marked todo but not on net_todo_list")
    if state == NETREG_UNREGISTERED and dev.needs_free_netdev and dev not in waiting:
        problems.append(
            f"{dev.name}: NETREG_UNREGISTERED with needs_free_netdev, yet neither freed nor "
            "waited for by netdev_run_todo"
        )
    if dev in waiting and state != NETREG_UNREGISTERED:
        problems.append(f"{dev.name}: waited for by netdev_run_todo while {state.name}")
    # A free device is taken by the wait's next pass, which must be scheduled.
    free = dev in waiting and dev.refcnt == 1 and kernel.rtnl_owner is None
    if free and not _wait_pass_pending(kernel):
        problems.append(f"{dev.name}: free (refcnt 1) but still waited for")


def _wait_pass_pending(kernel: Kernel) -> bool:
    """True while some blocked todo wait has a pass scheduled that has not run yet."""
    now = kernel.clock.now
    for wait in kernel.todo_waits:
        timer = wait.timer
        if timer is None or timer.cancelled or timer.when >= now:
            return True
    return False


def _check_unreg_count(kernel: Kernel, waiting: set[NetDevice], problems: list[str]) -> None:
    """dev_unreg_count: devices queued to the todo and not yet finished by netdev_run_todo."""
    queued = {dev for dev in kernel.net_todo_list if dev.reg_state == NETREG_UNREGISTERING}
    expected = len(queued | waiting)
    if kernel.dev_unreg_count != expected:
        problems.append(
            f"dev_unreg_count is {kernel.dev_unreg_count}, but {expected} devices are between "
            "unregister and the end of the todo"
        )


__all__ = ["check_invariants"]

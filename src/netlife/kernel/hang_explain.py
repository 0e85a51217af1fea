"""Explaining a hang: who holds a device that cannot be freed, and what would release it.

Model-only; the kernel keeps no such explanation (it prints ref_tracker stacks). For each
reference on a stuck device the model finds who holds it in the user's terms (a process by name
and pid, a device by name and namespace), follows the chain while the holder is itself going
away (a macvlan waiting in the same todo, a namespace being destroyed), up to something the user
can remove, and gives the command that removes it, run where it must run: `kill PID`,
`ip link del X`, `ip -n NS link del X`. References nobody can name (dev_hold without a
tracker, or a holder no explainer knows) are reported as unknown, never guessed.

Explainers are registered per holder, keyed by the function the ref_tracker holder names
("macvlan_init (mv0)" → "macvlan_init"; "dev_hold" for untracked references): subsystems of the
kernel register at Kernel construction (register_hang_explainers), drivers at module init.
An explainer gets (device, holder text, count) and returns one Held per holder it recognises.

A task blocked on pernet_ops_rwsem gets the chain of tasks first (explain_lock_wait): a reader
queued behind a waiting writer, the writer behind the readers, a reader that is the namespace
cleanup worker asleep in netdev_run_todo, and the devices it waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netlife.kernel.hang import HolderReport, StuckDevice
from netlife.kernel.netdevice import NETREG_REGISTERED, NetDevice

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel, Task
    from netlife.kernel.dev_todo import TodoWait
    from netlife.kernel.net_namespace import Net

UNTRACKED = "dev_hold"  # the key of explainers for references taken without a tracker
_REGISTRY = "hang_explainers"  # kernel.driver_state key: holder function → explainers
MAX_DEPTH = 8  # chains deeper than this are cut (they would be cycles in a broken model)


@dataclass(slots=True, eq=False)
class Held:
    """What one explainer knows about `refs` references on a device.

    `who` names the holder in the user's terms; `how` says what it holds and until when.
    `device` is set when the holder is itself a device: if nothing else removes it, the chain
    follows that device. `remedy` is the command that removes the holder, if there is one.
    """

    refs: int
    who: str
    how: str
    device: NetDevice | None = None
    remedy: str | None = None


HolderExplainer = Callable[[NetDevice, str, int], list[Held]]


def register_holder_explainer(kernel: Kernel, function: str, explainer: HolderExplainer) -> None:
    """Explain holders named after `function` (or UNTRACKED) with `explainer`."""
    kernel.driver_state[_REGISTRY].setdefault(function, []).append(explainer)


def unregister_holder_explainer(kernel: Kernel, function: str, explainer: HolderExplainer) -> None:
    explainers = kernel.driver_state[_REGISTRY].get(function, [])
    if explainer in explainers:
        explainers.remove(explainer)


# -- naming things as the user sees them ---------------------------------------------------------


def netns_name(kernel: Kernel, net: Net) -> str | None:
    """The namespace's /run/netns name, when userspace gave the kernel a way to look it up."""
    if kernel.netns_name is None or net is kernel.init_net:
        return None
    return kernel.netns_name(net)


def netns_label(kernel: Kernel, net: Net) -> str:
    if net is kernel.init_net:
        return "init_net"
    name = netns_name(kernel, net)
    if name is not None:
        return f"netns {name}"
    if net.dead:
        return f"namespace {net.inum}, being destroyed"
    return f"namespace {net.inum}"


def device_label(dev: NetDevice) -> str:
    """`mv0 (macvlan, ifindex 5, netns blue)`."""
    ops = dev.rtnl_link_ops
    kind = f"{ops.kind}, " if ops is not None else ""
    return f"{dev.name} ({kind}ifindex {dev.ifindex}, {netns_label(dev.kernel, dev.nd_net)})"


def process_label(kernel: Kernel, pid: int) -> str:
    """`xdpsock (pid 1006)` when a socket or ring names its owner, else `pid 1006`."""
    from netlife.kernel.xsk import XdpSock

    for net in kernel.nets:
        for xs in net.xsk_list:
            if isinstance(xs, XdpSock) and xs.owner_pid == pid and xs.owner:
                return xs.owner
    for ifq in kernel.driver_state.get("io_uring_zcrx", []):
        if ifq.owner_pid == pid and ifq.owner:
            return ifq.owner
    return f"pid {pid}"


def pids_in(kernel: Kernel, net: Net) -> list[int]:
    """The model's user processes running in `net` (they keep it alive)."""
    return sorted(pid for pid, n in kernel.pid_nets.items() if n is net)


def ip_command(kernel: Kernel, net: Net, args: str) -> str | None:
    """`ip ARGS` run in `net`: plain in init_net, `ip -n NAME` in a named namespace; None
    when the namespace has no name to reach it by."""
    if net is kernel.init_net:
        return f"ip {args}"
    name = netns_name(kernel, net)
    return f"ip -n {name} {args}" if name is not None else None


def _dies_with_namespace(dev: NetDevice) -> bool:
    """default_device_exit_net moves the rest home instead of destroying them."""
    ops = dev.rtnl_link_ops
    return dev.netns_immutable or (ops is not None and not ops.netns_refund)


def kept_only_by_processes(kernel: Kernel, net: Net) -> bool:
    """No /run/netns name (nor anything else) holds `net`: only the model's processes in it."""
    pids = pids_in(kernel, net)
    return bool(pids) and net.count == len(pids)


def remove_device_command(dev: NetDevice) -> str | None:
    """The command that deletes a registered device, in its namespace; None if none does."""
    kernel = dev.kernel
    if dev.reg_state != NETREG_REGISTERED or dev.nd_net.dead or dev.rtnl_link_ops is None:
        return None
    net = dev.nd_net
    cmd = ip_command(kernel, net, f"link del {dev.name}")
    if cmd is not None:
        return cmd
    pids = pids_in(kernel, net)
    if kept_only_by_processes(kernel, net) and _dies_with_namespace(dev):
        # Ending them destroys the namespace, and dev with it.
        return "kill " + " ".join(str(pid) for pid in pids)
    if pids:  # reach the namespace through a process in it
        name = f"ns{pids[0]}"
        return f"ip netns attach {name} {pids[0]} && ip -n {name} link del {dev.name}"
    return None


# -- the chain for one device --------------------------------------------------------------------


def _unknown(holder: str, refs: int, dev: NetDevice) -> HolderReport:
    if holder == UNTRACKED:
        why = (
            f"{refs} reference(s) on {dev.name} taken with dev_hold(), which records no holder: "
            "netlife cannot tell who holds them, so nothing names a command that releases them"
        )
    else:
        why = f"no explainer knows the holder {holder!r}: netlife cannot tell what releases it"
    return HolderReport(holder, refs, "unknown", [why], None)


def _follow(kernel: Kernel, held: Held, holder: str, seen: tuple[NetDevice, ...]) -> HolderReport:
    chain = [f"{held.who} {held.how}"]
    remedy = held.remedy
    nxt = held.device
    if remedy is None and nxt is not None:
        remedy = remove_device_command(nxt)
        if remedy is not None and remedy.startswith("kill"):
            keepers = ", ".join(process_label(kernel, pid) for pid in pids_in(kernel, nxt.nd_net))
            chain.append(
                f"{netns_label(kernel, nxt.nd_net)} has no name: it lives only while {keepers} "
                f"runs in it, and {nxt.name} goes with it"
            )
        going = nxt.reg_state != NETREG_REGISTERED or nxt.nd_net.dead
        if remedy is None and not going and nxt.rtnl_link_ops is not None:
            chain.append(
                f"no process of the model runs in {netns_label(kernel, nxt.nd_net)}: delete "
                f"{nxt.name} there by the namespace's name (ip -n NAME link del {nxt.name})"
            )
        if remedy is None and going and nxt not in seen and len(seen) < MAX_DEPTH:
            state = "being destroyed with its namespace"
            if nxt.reg_state > NETREG_REGISTERED:
                state = "unregistering and waiting to be freed itself"
            chain.append(f"{nxt.name} is {state} (usage count {nxt.refcnt}):")
            for sub in _explain_holders(kernel, nxt, (*seen, nxt)):
                chain.append(
                    f"  held by {sub.holder}" + (f" (x{sub.refs})" if sub.refs > 1 else "")
                )
                chain.extend(f"    {step}" for step in sub.chain)
                remedy = remedy or sub.remedy
    if remedy is not None:
        chain.append(f"remove it: {remedy}")
    return HolderReport(holder, held.refs, held.who, chain, remedy)


def _explain_holders(
    kernel: Kernel, dev: NetDevice, seen: tuple[NetDevice, ...]
) -> list[HolderReport]:
    registry: dict[str, list[HolderExplainer]] = kernel.driver_state[_REGISTRY]
    tracker_dir = dev.refcnt_tracker
    groups = list(tracker_dir.holders())
    if tracker_dir.untracked:
        groups.append((UNTRACKED, tracker_dir.untracked))
    reports: list[HolderReport] = []
    for holder, count in groups:
        key = holder if holder == UNTRACKED else holder.split(" ", 1)[0]
        known = 0
        for explainer in registry.get(key, ()):
            for held in explainer(dev, holder, count - known):
                known += held.refs
                reports.append(_follow(kernel, held, holder, seen))
        if known < count:
            reports.append(_unknown(holder, count - known, dev))
    return reports


def explain_device(kernel: Kernel, dev: NetDevice) -> StuckDevice:
    """Usage count, holders, and for each holder the chain and the remedy."""
    explained = _explain_holders(kernel, dev, (dev,))
    chain: list[str] = []
    for report in explained:
        chain.extend(report.chain)
    remedies = list(dict.fromkeys(r.remedy for r in explained if r.remedy))
    return StuckDevice(
        dev.name,
        dev.ifindex,
        dev.refcnt,
        dev.refcnt_tracker.holders(),
        dev.refcnt_tracker.untracked,
        chain,
        "; ".join(remedies) or None,
        netns_label(kernel, dev.nd_net),
        explained,
    )


def explain_stuck_devices(kernel: Kernel, devices: list[NetDevice]) -> list[StuckDevice]:
    return [explain_device(kernel, dev) for dev in devices]


# -- tasks and locks -----------------------------------------------------------------------------


def task_wait(kernel: Kernel, task: Task) -> TodoWait | None:
    """The todo wait `task` sleeps in, if it is one of the waits still going."""
    for wait in kernel.todo_waits:
        if wait.task is task and not wait.done:
            return wait
    return None


def task_label(kernel: Kernel, task: Task) -> str:
    label = f"{task.comm}:{task.pid}"
    if task.worker and kernel.stuck_cleanup:
        nets = ", ".join(netns_label(kernel, net) for net in kernel.stuck_cleanup)
        label += f" (cleanup_net of {nets})"
    return label


def worker_context(kernel: Kernel, task: Task) -> list[str]:
    """What a kworker asleep in netdev_run_todo holds up, for its own report."""
    if not task.worker:
        return []
    sem = kernel.pernet_ops_rwsem
    if task not in sem.reader_tasks:
        return []
    return [
        f"{task_label(kernel, task)} holds {sem.name} for read while it sleeps: module loads and "
        "unloads wait for it, and new namespaces wait behind them"
    ]


def _readers(kernel: Kernel, sem: Any, lines: list[str], waits: list[TodoWait]) -> None:
    for reader in sem.reader_tasks:
        wait = task_wait(kernel, reader)
        line = f"{sem.name} is held for read by {task_label(kernel, reader)}"
        if wait is not None:
            names = ", ".join(dev.name for dev in wait.remaining)
            line += f", asleep in netdev_run_todo waiting for {names} to be freed"
            if wait not in waits:
                waits.append(wait)
        lines.append(line)


def explain_lock_wait(
    kernel: Kernel, what: str, lock: Any
) -> tuple[list[str], list[StuckDevice], str | None]:
    """(chain of tasks, stuck devices at its end, remedy) for the current task's wait."""
    from netlife.kernel.locks import RwSemaphore

    lines: list[str] = []
    waits: list[TodoWait] = []
    if isinstance(lock, RwSemaphore):
        if lock.writer is not None:
            lines.append(f"{lock.name} is held for write by {task_label(kernel, lock.writer)}")
        if what.startswith("down_read"):
            for writer in lock.pending_writers:
                lines.append(
                    f"queued behind {writer.comm}:{writer.pid}, which waits in "
                    f"down_write({lock.name}): a waiting writer makes new readers wait"
                )
            if lock.pending_writers:
                _readers(kernel, lock, lines, waits)
        else:
            _readers(kernel, lock, lines, waits)
    elif what == "rtnl_lock_unregistering_all":
        lines.append(
            f"waits until no device is unregistering (dev_unreg_count = {kernel.dev_unreg_count})"
        )
        waits.extend(w for w in kernel.todo_waits if not w.done)
    devices = [d for wait in waits for d in explain_stuck_devices(kernel, wait.remaining)]
    remedies = list(dict.fromkeys(d.remedy for d in devices if d.remedy))
    return lines, devices, "; ".join(remedies) or None


# -- the kernel's own holders --------------------------------------------------------------------


def _lease_holders(dev: NetDevice, holder: str, count: int) -> list[Held]:
    from netlife.kernel.queue_lease import lease_holder_name, leases_of

    for idx, virt_rxq in leases_of(dev):
        if lease_holder_name(virt_rxq) == holder and virt_rxq.dev is not dev:
            virt = virt_rxq.dev
            how = (
                f"holds {dev.name} through a queue lease: rx queue {idx} is leased to "
                f"{virt.name} rx queue {virt_rxq.index} until {virt.name} is unregistered "
                "(its ndo_uninit drops the lease)"
            )
            return [Held(1, device_label(virt), how, device=virt)]
    return []


def _adjacency_holders(dev: NetDevice, holder: str, count: int) -> list[Held]:
    found = []
    for other in dev.kernel.live_devices():
        for table, what in ((other.adj_upper, "upper"), (other.adj_lower, "lower")):
            entry = table.get(dev)
            if entry is not None and entry.tracker is not None and not entry.tracker.dead:
                how = (
                    f"has {dev.name} on its {what} adjacency list (netdev_upper_dev_link) until "
                    "the two are unlinked"
                )
                found.append(Held(1, device_label(other), how, device=other))
    return found[:count]


def _linkwatch_holder(dev: NetDevice, holder: str, count: int) -> list[Held]:
    how = f"holds {dev.name} until the linkwatch work runs; it goes by itself"
    return [Held(count, "a pending link state event (linkwatch)", how)]


def _registration_holder(dev: NetDevice, holder: str, count: int) -> list[Held]:
    how = f"holds {dev.name} until it is unregistered"
    return [Held(count, "the registration (register_netdevice)", how, device=dev)]


def register_hang_explainers(kernel: Kernel) -> None:
    """At Kernel construction: the registry, and the explainers of the kernel's own holders."""
    from netlife.kernel.xsk import xsk_holder_explainer
    from netlife.kernel.zcrx import zcrx_holder_explainer

    kernel.driver_state[_REGISTRY] = {}
    register_holder_explainer(kernel, "netdev_rx_queue_lease", _lease_holders)
    register_holder_explainer(kernel, "__netdev_adjacent_dev_insert", _adjacency_holders)
    register_holder_explainer(kernel, "linkwatch_add_event", _linkwatch_holder)
    register_holder_explainer(kernel, "register_netdevice", _registration_holder)
    register_holder_explainer(kernel, UNTRACKED, xsk_holder_explainer)
    register_holder_explainer(kernel, "io_register_zcrx_ifq", zcrx_holder_explainer)


__all__ = [
    "UNTRACKED",
    "Held",
    "explain_device",
    "explain_lock_wait",
    "ip_command",
    "netns_label",
    "process_label",
    "register_hang_explainers",
    "register_holder_explainer",
    "remove_device_command",
    "unregister_holder_explainer",
]

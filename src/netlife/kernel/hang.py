"""Hang reports: what the user needs when a wait cannot end.

Model-only. For each device a blocked netdev_run_todo still waits for: its usage count, every
holder (as ref_tracker names them, and the dev_hold references no tracker names), and for each
holder who it is in the user's terms, the chain of dependencies up to something the user can
remove, and the command that would remove it (kernel/hang_explain.py builds those). A task
blocked on a lock gets the chain of tasks in between: `ip netns add` waits behind a module load
queued for pernet_ops_rwsem, which waits for the namespace cleanup worker, which waits for
devices; the devices are explained as above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlife.kernel.clock import NSEC_PER_SEC

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.dev_todo import TodoWait


@dataclass(slots=True)
class HolderReport:
    """One holder of a stuck device: its references, who it is, the chain and the remedy.

    `holder` is the ref_tracker holder text, or "dev_hold" for references without a tracker.
    `chain` goes from this holder up to something the user can remove; `remedy` is the command
    that removes it, or None when the model cannot tell who holds the reference.
    """

    holder: str
    refs: int
    who: str
    chain: list[str] = field(default_factory=list)
    remedy: str | None = None

    def as_json(self) -> dict:
        return {
            "holder": self.holder,
            "refs": self.refs,
            "who": self.who,
            "chain": self.chain,
            "remedy": self.remedy,
        }


@dataclass(slots=True)
class StuckDevice:
    name: str
    ifindex: int
    usage_count: int
    holders: list[tuple[str, int]]
    untracked: int
    chain: list[str] = field(default_factory=list)
    remedy: str | None = None
    netns: str = ""
    explained: list[HolderReport] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "device": self.name,
            "ifindex": self.ifindex,
            "netns": self.netns,
            "usage_count": self.usage_count,
            "holders": [{"holder": h, "count": n} for h, n in self.holders],
            "untracked": self.untracked,
            "explained": [e.as_json() for e in self.explained],
            "chain": self.chain,
            "remedy": self.remedy,
        }

    def lines(self, indent: str = "  ") -> list[str]:
        where = f", {self.netns}" if self.netns else ""
        out = [
            f"{indent}{self.name}: usage count {self.usage_count} (ifindex {self.ifindex}{where})"
        ]
        if self.explained:
            for h in self.explained:
                if h.holder == "dev_hold":
                    out.append(f"{indent}  held by {h.refs} untracked reference(s) (dev_hold)")
                else:
                    out.append(
                        f"{indent}  held by {h.holder}" + (f" (x{h.refs})" if h.refs > 1 else "")
                    )
                out.extend(f"{indent}    {step}" for step in h.chain)
        else:
            for holder, count in self.holders:
                out.append(f"{indent}  held by {holder}" + (f" (x{count})" if count > 1 else ""))
            if self.untracked:
                out.append(f"{indent}  {self.untracked} untracked reference(s) (dev_hold)")
            out.extend(f"{indent}  {step}" for step in self.chain)
        if self.remedy:
            out.append(f"{indent}  to release it: {self.remedy}")
        return out


@dataclass(slots=True)
class HangReport:
    """A blocked call that passed the bound: what it waits for and why.

    `blocked_by` is the chain of tasks and locks between the blocked task and the stuck devices
    (empty when the task itself waits in netdev_run_todo); `remedy` is the first command that
    would let the whole chain finish.
    """

    what: str
    task: str
    since: float
    waited: float
    devices: list[StuckDevice]
    blocked_by: list[str] = field(default_factory=list)
    remedy: str | None = None

    def as_json(self) -> dict:
        return {
            "what": self.what,
            "task": self.task,
            "since": round(self.since, 6),
            "waited": round(self.waited, 6),
            "blocked_by": self.blocked_by,
            "devices": [d.as_json() for d in self.devices],
            "remedy": self.remedy,
        }

    def __str__(self) -> str:
        lines = [f"hang: {self.task} blocked in {self.what} for {self.waited:.0f} s"]
        lines.extend(f"  {step}" for step in self.blocked_by)
        for d in self.devices:
            lines.extend(d.lines("  "))
        if self.remedy and [d.remedy for d in self.devices] != [self.remedy]:
            lines.append(f"  to let it finish: {self.remedy}")
        return "\n".join(lines)


def hang_report(kernel: Kernel, wait: TodoWait) -> HangReport:
    """The report for a task (wait.task) still in netdev_run_todo at the bound."""
    from netlife.kernel.hang_explain import explain_stuck_devices, worker_context

    devices = explain_stuck_devices(kernel, wait.remaining)
    task = wait.task
    remedies = list(dict.fromkeys(d.remedy for d in devices if d.remedy))
    return HangReport(
        "netdev_run_todo",
        f"{task.comm}:{task.pid}",
        wait.started / NSEC_PER_SEC,
        (kernel.clock.now - wait.started) / NSEC_PER_SEC,
        devices,
        worker_context(kernel, task),
        "; ".join(remedies) or None,
    )


def lock_hang_report(
    kernel: Kernel, what: str, start: int, lock: Any = None, task: Any = None
) -> HangReport:
    """The report for `task` (default: the current one), blocked in `what` (on `lock`) since
    `start`."""
    from netlife.kernel.hang_explain import explain_lock_wait

    task = task or kernel.current
    prev, kernel.current = kernel.current, task
    try:
        blocked_by, devices, remedy = explain_lock_wait(kernel, what, lock)
    finally:
        kernel.current = prev
    return HangReport(
        what,
        f"{task.comm}:{task.pid}",
        start / NSEC_PER_SEC,
        (kernel.clock.now - start) / NSEC_PER_SEC,
        devices,
        blocked_by,
        remedy,
    )

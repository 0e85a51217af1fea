"""Hang reports: what the user needs when a wait cannot end.

Model-only. For each device a blocked netdev_run_todo still waits for: its usage count, every
holder (as ref_tracker names them), and the chain of dependencies up to something the user can
remove, with the command that would remove it. Drivers and subsystems explain their holders
through Kernel.holder_explainers (holder text → explanation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netlife.kernel.clock import NSEC_PER_SEC

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel
    from netlife.kernel.dev_todo import TodoWait


@dataclass(slots=True)
class StuckDevice:
    name: str
    ifindex: int
    usage_count: int
    holders: list[tuple[str, int]]
    untracked: int
    chain: list[str] = field(default_factory=list)
    remedy: str | None = None

    def as_json(self) -> dict:
        return {
            "device": self.name,
            "ifindex": self.ifindex,
            "usage_count": self.usage_count,
            "holders": [{"holder": h, "count": n} for h, n in self.holders],
            "untracked": self.untracked,
            "chain": self.chain,
            "remedy": self.remedy,
        }


@dataclass(slots=True)
class HangReport:
    """A blocked call that passed the bound: what it waits for and why."""

    what: str
    task: str
    since: float
    waited: float
    devices: list[StuckDevice]

    def as_json(self) -> dict:
        return {
            "what": self.what,
            "task": self.task,
            "since": round(self.since, 6),
            "waited": round(self.waited, 6),
            "devices": [d.as_json() for d in self.devices],
        }

    def __str__(self) -> str:
        lines = [f"hang: {self.task} blocked in {self.what} for {self.waited:.0f} s"]
        for d in self.devices:
            lines.append(f"  {d.name}: usage count {d.usage_count}")
            for holder, count in d.holders:
                lines.append(f"    held by {holder}" + (f" (x{count})" if count > 1 else ""))
            if d.untracked:
                lines.append(f"    {d.untracked} untracked reference(s) (dev_hold)")
            for step in d.chain:
                lines.append(f"    {step}")
            if d.remedy:
                lines.append(f"    to release it: {d.remedy}")
        return "\n".join(lines)


def hang_report(kernel: Kernel, wait: TodoWait) -> HangReport:
    devices = []
    for dev in wait.remaining:
        stuck = StuckDevice(
            dev.name,
            dev.ifindex,
            dev.refcnt,
            dev.refcnt_tracker.holders(),
            dev.refcnt_tracker.untracked,
        )
        for explain in kernel.holder_explainers:
            chain, remedy = explain(kernel, dev)
            if chain:
                stuck.chain.extend(chain)
                stuck.remedy = stuck.remedy or remedy
        devices.append(stuck)
    task = kernel.current
    return HangReport(
        "netdev_run_todo",
        f"{task.comm}:{task.pid}",
        wait.started / NSEC_PER_SEC,
        (kernel.clock.now - wait.started) / NSEC_PER_SEC,
        devices,
    )


def lock_hang_report(kernel: Kernel, what: str, start: int) -> HangReport:
    task = kernel.current
    return HangReport(
        what,
        f"{task.comm}:{task.pid}",
        start / NSEC_PER_SEC,
        (kernel.clock.now - start) / NSEC_PER_SEC,
        [],
    )

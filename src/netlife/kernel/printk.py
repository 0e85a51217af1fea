"""The kernel log: dmesg ring, pr_*() levels, WARN_ON and BUG_ON with named rules.

Mirrors kernel/printk (the `[  309.261822] ` stamp of the default console format) and
include/asm-generic/bug.h (WARN_ON returns its condition so the caller can bail out; BUG_ON
stops the operation). Every WARN and BUG the model has names a rule from kernel/rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlife.kernel.errors import KernelBug
from netlife.kernel.rules import RULES

if TYPE_CHECKING:
    from netlife.kernel.clock import Clock

KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO, KERN_DEBUG = (
    range(8)
)


@dataclass(slots=True, frozen=True)
class LogRecord:
    time_ns: int
    level: int
    text: str

    def line(self) -> str:
        sec, rem = divmod(self.time_ns, 1_000_000_000)
        return f"[{sec:5d}.{rem // 1000:06d}] {self.text}"


@dataclass(slots=True, frozen=True)
class Violation:
    """A rule the running model saw broken: a WARN (reported) or a BUG (the operation stopped)."""

    rule: str
    kind: str  # "WARN" or "BUG"
    message: str
    source: str
    time_ns: int

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "message": self.message,
            "source": self.source,
            "time": round(self.time_ns / 1e9, 6),
        }


class Printk:
    """The dmesg ring buffer of one host.

    Invariant: records are in time order (they are stamped with the one clock when written).
    """

    __slots__ = ("_clock", "cleared", "records", "violations")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.records: list[LogRecord] = []
        self.cleared = 0  # index of the first record `dmesg -c` has not consumed
        self.violations: list[Violation] = []

    def printk(self, level: int, text: str) -> None:
        for line in text.split("\n"):
            self.records.append(LogRecord(self._clock.now, level, line))

    def pr_emerg(self, text: str) -> None:
        self.printk(KERN_EMERG, text)

    def pr_err(self, text: str) -> None:
        self.printk(KERN_ERR, text)

    def pr_warn(self, text: str) -> None:
        self.printk(KERN_WARNING, text)

    def pr_notice(self, text: str) -> None:
        self.printk(KERN_NOTICE, text)

    def pr_info(self, text: str) -> None:
        self.printk(KERN_INFO, text)

    def dmesg(self, clear: bool = False) -> list[str]:
        lines = [r.line() for r in self.records[self.cleared :]]
        if clear:
            self.cleared = len(self.records)
        return lines

    # -- WARN / BUG ---------------------------------------------------------------------------

    def WARN_ON(self, cond: object, rule: str, message: str = "") -> bool:
        """Report a broken rule with the kernel's `WARNING:` line; return cond, as WARN_ON does."""
        if not cond:
            return False
        site = RULES[rule].site
        self.pr_warn(f"WARNING: CPU: 0 PID: 1 at {site}")
        if message:
            self.pr_warn(message)
        self.violations.append(
            Violation(rule, "WARN", message, RULES[rule].source, self._clock.now)
        )
        return True

    def BUG_ON(self, cond: object, rule: str, message: str = "") -> None:
        """A fatal rule: log `kernel BUG at …!` and raise KernelBug, stopping the operation."""
        if not cond:
            return
        site = RULES[rule].site
        self.pr_emerg(f"kernel BUG at {site}!")
        if message:
            self.pr_emerg(message)
        self.violations.append(Violation(rule, "BUG", message, RULES[rule].source, self._clock.now))
        raise KernelBug(rule, message or RULES[rule].summary)

"""Reference counting with trackers: who holds a net_device, and the report of the holders.

Mirrors lib/ref_tracker.c (ref_tracker_alloc / ref_tracker_free / ref_tracker_dir_print) and
the netdev_hold / netdev_put / dev_hold / dev_put helpers of include/linux/netdevice.h. Where the
kernel records a stack trace for each tracked reference, the model records the holder's name
(the function and object that took it), so a report reads "netkit_queue_lease (nk0 rxq 1)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlife.kernel.netdevice import NetDevice

REF_TRACKER_STACK_ENTRIES_PRINT = 10  # netdev_wait_allrefs_any prints at most 10 stacks


@dataclass(slots=True, eq=False)
class RefTracker:
    """struct ref_tracker: one tracked reference. `holder` stands for the kernel's stack."""

    holder: str
    time_ns: int
    dead: bool = False


class RefTrackerDir:
    """struct ref_tracker_dir for one net_device ("netdev" class).

    `untracked` counts dev_hold() references, which are counted but have no holder to print.
    Invariant: the device's refcnt == 1 + untracked + len(trackers) (1 = the base reference).
    """

    __slots__ = ("name", "quarantine", "trackers", "untracked")

    def __init__(self, name: str = "netdev") -> None:
        self.name = name
        self.trackers: dict[RefTracker, None] = {}
        self.untracked = 0
        self.quarantine: list[RefTracker] | tuple[()] = ()  # a list from the first free

    def alloc(self, holder: str, now: int) -> RefTracker:
        tracker = RefTracker(holder, now)
        self.trackers[tracker] = None
        return tracker

    def free(self, tracker: RefTracker) -> bool:
        """False if the tracker is not live (a double put): the caller warns."""
        if self.trackers.pop(tracker, 0) is None:
            tracker.dead = True
            quarantine = self.quarantine
            if not quarantine:
                self.quarantine = [tracker]
                return True
            quarantine.append(tracker)
            if len(quarantine) > 128:  # the kernel keeps the last 128 freed trackers
                del quarantine[0]
            return True
        return False

    def holders(self) -> list[tuple[str, int]]:
        """Live holders grouped as ref_tracker groups identical stacks: (holder, count)."""
        counts: dict[str, int] = {}
        for tracker in self.trackers:
            counts[tracker.holder] = counts.get(tracker.holder, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def ref_tracker_dir_print(
    dev: NetDevice, limit: int = REF_TRACKER_STACK_ENTRIES_PRINT
) -> list[str]:
    """lib/ref_tracker.c:ref_tracker_dir_print_locked, as the lines it logs at pr_err.

    "%s@%pK has %d/%d users at\\n%s\\n" per distinct holder, then
    "%s@%pK skipped reports about %d/%d users.\\n" past `limit`.
    """
    d = dev.refcnt_tracker
    total = len(d.trackers)
    lines: list[str] = []
    tag = f"{d.name}@{dev.kaddr:016x}"
    groups = d.holders()
    shown = 0
    for holder, count in groups[:limit]:
        lines.append(f"ref_tracker: {tag} has {count}/{total} users at")
        lines.append(f"     {holder}")
        shown += count
    if shown < total:
        lines.append(f"ref_tracker: {tag} skipped reports about {total - shown}/{total} users.")
    return lines


def ref_tracker_debugfs_text(dev: NetDevice) -> str:
    """What /sys/kernel/debug/ref_tracker/netdev@<ptr> shows: the same report, no limit."""
    lines = ref_tracker_dir_print(dev, limit=1 << 30)
    return "".join(line.removeprefix("ref_tracker: ") + "\n" for line in lines)

"""Virtual time: the one clock of a simulated host.

Mirrors the parts of kernel/time and kernel/workqueue.c, kernel/rcu that lifetime depends on:
timers (run at a given time), workqueue items (run as soon as the clock next runs), RCU
callbacks (run after a grace period) and the sleeps of a blocked task. Nothing here reads the
wall clock: time moves only when a caller advances it or waits on it, and events due at the same
instant run in the order they were scheduled.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

NSEC_PER_SEC = 1_000_000_000
NSEC_PER_MSEC = 1_000_000
HZ = 1000


def secs(value: float) -> int:
    """Seconds to clock nanoseconds (rounded, so 0.1 s is exactly 100 ms)."""
    return round(value * NSEC_PER_SEC)


class Timer:
    """A scheduled event; cancel() stops it from running (like del_timer)."""

    __slots__ = ("cancelled", "fn", "name", "when")

    def __init__(self, when: int, fn: Callable[[], None], name: str) -> None:
        self.when = when
        self.fn = fn
        self.name = name
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        return f"<Timer {self.name} at {self.when}>"


class Clock:
    """Virtual monotonic time in nanoseconds, with an ordered queue of events.

    Invariant: `now` never decreases; events run in (when, sequence) order.
    """

    __slots__ = ("_queue", "_rcu", "_seq", "now")

    def __init__(self, start_ns: int = 0) -> None:
        self.now = start_ns
        self._queue: list[tuple[int, int, Timer]] = []
        self._seq = 0
        self._rcu: list[Callable[[], None]] = []

    # -- scheduling ---------------------------------------------------------------------------

    def schedule_at(self, when: int, fn: Callable[[], None], name: str = "timer") -> Timer:
        timer = Timer(max(when, self.now), fn, name)
        self._seq += 1
        heapq.heappush(self._queue, (timer.when, self._seq, timer))
        return timer

    def schedule(self, delay_ns: int, fn: Callable[[], None], name: str = "timer") -> Timer:
        return self.schedule_at(self.now + delay_ns, fn, name)

    def queue_work(self, fn: Callable[[], None], name: str = "work") -> Timer:
        """A workqueue item: runs the next time the clock runs events, at the current time."""
        return self.schedule_at(self.now, fn, name)

    def call_rcu(self, fn: Callable[[], None]) -> None:
        """Run fn after the next grace period (synchronize_rcu, rcu_barrier or any advance)."""
        self._rcu.append(fn)

    # -- RCU ----------------------------------------------------------------------------------

    def rcu_barrier(self) -> None:
        """Wait for every queued RCU callback, in the order they were queued."""
        while self._rcu:
            pending, self._rcu = self._rcu, []
            for fn in pending:
                fn()

    synchronize_rcu = rcu_barrier

    # -- running ------------------------------------------------------------------------------

    def next_event_time(self) -> int | None:
        while self._queue and self._queue[0][2].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def run_pending(self) -> None:
        """Run RCU callbacks and every event due now (work queued at this instant included)."""
        self.advance_to(self.now)

    def advance_to(self, when: int) -> None:
        """Move time to `when`, running every event due on the way, in order."""
        while True:
            if self._rcu:
                self.rcu_barrier()
            nxt = self.next_event_time()
            if nxt is None or nxt > when:
                break
            _, _, timer = heapq.heappop(self._queue)
            if nxt > self.now:
                self.now = nxt
            timer.fn()
        if when > self.now:
            self.now = when

    def advance(self, delta_ns: int) -> None:
        self.advance_to(self.now + delta_ns)

    def run_until(self, done: Callable[[], bool], deadline: int) -> bool:
        """Run events in order until done() holds; False if the deadline comes first.

        This is how a blocked task waits: other work keeps running while it sleeps.
        """
        while not done():
            if self._rcu:
                self.rcu_barrier()
                continue
            nxt = self.next_event_time()
            if nxt is None or nxt > deadline:
                if deadline > self.now:
                    self.now = deadline
                return done()
            _, _, timer = heapq.heappop(self._queue)
            if nxt > self.now:
                self.now = nxt
            timer.fn()
        return True

    @property
    def jiffies(self) -> int:
        return self.now * HZ // NSEC_PER_SEC

    def stamp(self) -> str:
        """printk's `[  309.261822]` time prefix for the current time."""
        sec, rem = divmod(self.now, NSEC_PER_SEC)
        return f"[{sec:5d}.{rem // 1000:06d}]"

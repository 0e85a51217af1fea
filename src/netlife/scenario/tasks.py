"""Background jobs as tasks that can sleep in the kernel while the script goes on.

Model-only. A command of a background job (`rmmod mlx5_core &`) that blocks in the kernel (in
netdev_run_todo, or on a lock) must not stop the world: on a real host it is one sleeping task
among many. Each run of a job happens in a greenlet; when the kernel makes it sleep
(Kernel.sleep_until), the greenlet gives the CPU back to whoever ran it (the clock's event
loop), and a timer or the end of the wait switches back into it later. Everything stays on the
one virtual clock, in a deterministic order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from greenlet import getcurrent, greenlet

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel

POLL_NS = 10_000_000  # how often a sleeper without a wait object re-checks its condition


class JobTasks:
    """The Kernel.sleeper of a scenario shell: runs job steps as suspendable tasks."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.tasks: set[greenlet] = set()

    def run(self, fn: Callable[[], Any]) -> None:
        """Run fn as a task; return when it ends or first sleeps."""
        task = greenlet(fn)
        self.tasks.add(task)
        self._switch(task)

    def _switch(self, task: greenlet) -> None:
        kernel = self.kernel
        prev = kernel.current
        try:
            task.switch()
        finally:
            kernel.current = prev
            if task.dead:
                self.tasks.discard(task)

    def can_suspend(self) -> bool:
        return getcurrent() in self.tasks

    def sleep_until(self, cond: Callable[[], bool], deadline: int, wait: Any = None) -> bool:
        if cond():
            return True
        task = getcurrent()
        kernel = self.kernel
        clock = kernel.clock
        timers: list[Any] = []
        woken: list[bool] = []

        def wake() -> None:
            if woken or task.dead:
                return
            woken.append(True)
            for timer in timers:
                timer.cancel()
            self._switch(task)

        def poll() -> None:
            if woken:
                return
            if cond():
                wake()
            else:
                timers.append(clock.schedule(POLL_NS, poll, "sleeping task"))

        timers.append(clock.schedule_at(deadline, wake, "sleeping task bound"))
        if wait is not None:
            wait.on_done.append(wake)
        else:
            timers.append(clock.schedule(POLL_NS, poll, "sleeping task"))
        saved = kernel.current
        task.parent.switch()
        kernel.current = saved
        return cond()

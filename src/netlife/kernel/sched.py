"""Tasks that sleep: a task blocked in the kernel gives the CPU back until its wait ends.

Mirrors what lifetime needs of kernel/sched/core.c (schedule, wake_up_process): every task
that can block (a shell's foreground command, a background job, the netns cleanup kworker, a
pyroute2 program's netlink request) runs in a greenlet. When it sleeps (Kernel.sleep_until)
it switches back to whoever switched into it: the clock's event loop, or the front end that
started it and now runs the clock. A timer, or the end of the TodoWait it sleeps in, switches
back into it later, in the clock's one deterministic order.

A wait past Kernel.hang_bound_secs does not end the task: the kernel records the hang report
(Kernel.hangs), tells the front end (Task.hung, Scheduler.on_hang), and the task sleeps on; if
the holder goes later, the task finishes its work as the kernel's would. Only a caller that is
not a task (code using the Python API directly) cannot sleep: it runs the clock itself and gets
Hang raised at the bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from greenlet import getcurrent, greenlet

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel, Task

POLL_NS = 10_000_000  # how often a sleeper without a wait object re-checks its condition


class Scheduler:
    """The runnable and sleeping tasks of one host. `on_hang` hooks get (task, report)."""

    __slots__ = ("kernel", "on_hang", "sleeping", "tasks")

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.tasks: dict[greenlet, Task] = {}  # live task greenlets → the task they started as
        self.sleeping: dict[greenlet, Task] = {}  # asleep now → the task current when it slept
        self.on_hang: list[Callable[[Task, Any], None]] = []

    def spawn(self, task: Task, fn: Callable[[], Any]) -> Task:
        """Run fn as `task` (kernel.current) until it returns or first sleeps.

        An exception fn raises comes out of whichever switch into the task is running then
        (a task's callers catch what they expect: the shell's host, the netlink socket).
        """
        task.exited = False

        def body() -> None:
            try:
                fn()
            finally:
                task.exited = True

        g = greenlet(body)
        self.tasks[g] = task
        self._switch(g, task)
        return task

    def run_until_exited_or_hung(
        self, task: Task, stop: Callable[[], object] | None = None
    ) -> bool:
        """A front end waits for the task it spawned: run the clock's events in order until it
        exits (True) or its wait passes the bound, stop() turns true (a signal to the front
        end), or nothing is left to run (False)."""
        clock = self.kernel.clock

        def over() -> bool:
            return task.exited or task.hung is not None or (stop is not None and bool(stop()))

        while not over():
            nxt = clock.next_event_time()
            if nxt is None:
                break
            clock.run_until(over, nxt)
        return task.exited

    def in_task(self) -> bool:
        """True when the running code is a task that can sleep (not the API's caller)."""
        return getcurrent() in self.tasks

    def _switch(self, g: greenlet, task: Task) -> None:
        kernel = self.kernel
        prev = kernel.current
        g.parent = getcurrent()  # its end, or its next sleep, comes back here
        kernel.current = task
        try:
            g.switch()
        finally:
            kernel.current = prev
            if g.dead:
                self.tasks.pop(g, None)

    def sleep_until(self, cond: Callable[[], bool], deadline: int | None, wait: Any = None) -> bool:
        """The current task sleeps until cond(), `wait` ending or the deadline (None: none)."""
        if cond():
            return True
        g = getcurrent()
        kernel = self.kernel
        clock = kernel.clock
        task = kernel.current
        timers: list[Any] = []
        woken: list[bool] = []

        def wake() -> None:
            if woken or g.dead:
                return
            woken.append(True)
            for timer in timers:
                timer.cancel()
            self._switch(g, task)

        def poll() -> None:
            if woken:
                return
            if cond():
                wake()
            else:
                timers.append(clock.schedule(POLL_NS, poll, "sleeping task"))

        if deadline is not None:
            timers.append(clock.schedule_at(deadline, wake, "sleeping task bound"))
        if wait is not None:
            wait.on_done.append(wake)
        else:
            timers.append(clock.schedule(POLL_NS, poll, "sleeping task"))
        self.sleeping[g] = task
        try:
            g.parent.switch()
        finally:
            self.sleeping.pop(g, None)
        kernel.current = task
        return cond()

    def root(self) -> Task | None:
        """The task the running greenlet was spawned as (a job, a foreground command)."""
        return self.tasks.get(getcurrent())

    def report_hang(self, task: Task, report: Any) -> None:
        """A wait of `task` passed the bound: record it and tell the front ends. The task the
        greenlet was spawned as is marked too (a command run inside another's task)."""
        self.kernel.hangs.append(report)
        task.hung = report
        root = self.root()
        if root is not None:
            root.hung = report
        for hook in list(self.on_hang):
            hook(task, report)

    def unhang(self, task: Task) -> None:
        """The hung wait ended after all: the task runs again."""
        task.hung = None
        root = self.root()
        if root is not None:
            root.hung = None

    def stuck(self, root: Task) -> bool:
        """True when the task spawned as `root` sleeps past the bound in a wait that nothing
        pending ends (its holders are all still there)."""
        for g, spawned in self.tasks.items():
            if spawned is root:
                task = self.sleeping.get(g)
                return (
                    task is not None
                    and task.hung is not None
                    and task.blocked_cond is not None
                    and not task.blocked_cond()
                )
        return False

    def blocked(self) -> list[Task]:
        """Tasks asleep in an uninterruptible wait (a todo wait or a lock), in start order."""
        return [t for t in self.sleeping.values() if t.blocked_report is not None]

    def report_blocked(self) -> list[Any]:
        """A report for every blocked task not yet reported (a run ends with them asleep)."""
        reports = []
        for task in self.blocked():
            if task.hung is None:
                report = task.blocked_report()
                self.kernel.hangs.append(report)
                task.hung = report
                reports.append(report)
        return reports

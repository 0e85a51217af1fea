"""The todo phase: what runs when RTNL is released after unregistrations.

Mirrors net/core/dev.c: netdev_run_todo() and netdev_wait_allrefs_any(). The sequence:
take the whole net_todo_list, release RTNL, rcu_barrier, mark every device UNREGISTERED (and
flush its linkwatch event), then repeatedly pick the first device whose count is 1, run its
priv_destructor and (needs_free_netdev) free_netdev, and drop the unregister kobject reference.
While none is free the task sleeps on the virtual clock (1 ms doubling to 250 ms), rebroadcasts
NETDEV_UNREGISTER every second and every netdev_unregister_timeout_secs prints
"unregister_netdevice: waiting for NAME to become free. Usage count = N" with the holders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlife.kernel.clock import NSEC_PER_MSEC, NSEC_PER_SEC
from netlife.kernel.dev_flags import linkwatch_run_queue, linkwatch_sync_dev
from netlife.kernel.dev_notify import call_netdevice_notifiers
from netlife.kernel.netdevice import (
    NETREG_UNREGISTERED,
    NETREG_UNREGISTERING,
    NetDevice,
    free_netdev,
    put_device,
)
from netlife.kernel.notifier import NETDEV_UNREGISTER
from netlife.kernel.ref_tracker import ref_tracker_dir_print
from netlife.kernel.rtnetlink import __rtnl_unlock, rtnl_lock

if TYPE_CHECKING:
    from netlife.kernel.core import Kernel

WAIT_REFS_MIN_MSECS = 1
WAIT_REFS_MAX_MSECS = 250


def netdev_run_todo(kernel: Kernel) -> None:
    """rtnl_unlock: finish every device queued so far; blocks (on the clock) until they are free.

    Raises Hang when the wait passes kernel.hang_bound_secs; the wait then goes on on the clock.
    """
    todo = kernel.net_todo_list
    if todo:
        kernel.net_todo_list = []
    __rtnl_unlock(kernel)
    if not todo:
        return
    kernel.clock.rcu_barrier()
    live: list[NetDevice] = []
    for dev in todo:
        dev.todo = False
        if dev.reg_state != NETREG_UNREGISTERING:
            kernel.printk.pr_err(f"network todo '{dev.name}' but state {int(dev.reg_state)}")
            kernel.printk.WARN_ON(True, "run-todo-not-unregistering", dev.name)
            continue
        dev.reg_state = NETREG_UNREGISTERED
        linkwatch_sync_dev(dev)
        live.append(dev)
    wait = TodoWait(kernel, live)
    wait.run_free()
    if wait.remaining:
        wait.start()
        kernel.block_on(wait)


class TodoWait:
    """A task inside netdev_run_todo: its private todo list and the wait's timers.

    Model-only: the kernel's loop is a sleeping task; here it is a state machine on the clock,
    so other work (background jobs, timers, releases) runs while it waits.
    """

    __slots__ = (
        "devices",
        "kernel",
        "on_done",
        "rebroadcast_time",
        "remaining",
        "started",
        "task",
        "timer",
        "wait_ms",
        "warning_time",
    )

    def __init__(self, kernel: Kernel, devices: list[NetDevice]) -> None:
        self.kernel = kernel
        self.devices = devices  # all of this batch, for the report
        self.remaining = devices
        self.on_done: list = []  # continuations of a task that gave up waiting (Hang)
        self.timer = None
        self.wait_ms = 0
        self.rebroadcast_time = self.warning_time = self.started = kernel.clock.now
        self.task = kernel.current  # the sleeping task, for hang reports

    @property
    def done(self) -> bool:
        return not self.remaining

    def run_free(self) -> None:
        """Complete devices whose count is 1, always the first such in list order."""
        remaining = self.remaining
        skipped: list[NetDevice] = []
        i = 0
        n = len(remaining)
        while True:
            for j, dev in enumerate(skipped):
                if dev.refcnt == 1:
                    del skipped[j]
                    self._finish(dev)
                    self._reset_timers()
                    break
            else:
                if i >= n:
                    break
                dev = remaining[i]
                i += 1
                if dev.refcnt == 1:
                    self._finish(dev)
                    if skipped:
                        self._reset_timers()
                else:
                    skipped.append(dev)
        self.remaining = skipped

    def _reset_timers(self) -> None:
        # Each return from netdev_wait_allrefs_any restarts both timers.
        self.rebroadcast_time = self.warning_time = self.kernel.clock.now
        self.wait_ms = 0

    def _finish(self, dev: NetDevice) -> None:
        kernel = self.kernel
        if dev.refcnt != 1:  # the message is built only for the BUG
            kernel.printk.BUG_ON(True, "todo-not-free", f"{dev.name}: {dev.refcnt}")
        if dev.priv_destructor is not None:
            dev.priv_destructor(dev)
        if dev.needs_free_netdev:
            free_netdev(dev)
        kernel.dev_unreg_count -= 1
        put_device(dev)
        kernel.trace("todo_done", dev)

    # -- the wait on the clock ---------------------------------------------------------------

    def start(self) -> None:
        self._reset_timers()
        self._tick()

    def _tick(self) -> None:
        """One pass of netdev_wait_allrefs_any's loop, then sleep until the next."""
        kernel = self.kernel
        clock = kernel.clock
        if clock.now > self.rebroadcast_time + NSEC_PER_SEC and kernel.rtnl_owner is None:
            self._rebroadcast()
        clock.rcu_barrier()
        if self.wait_ms == 0:
            self.wait_ms = WAIT_REFS_MIN_MSECS
            self._after_sleep()
            return
        # msleep(m) sleeps msecs_to_jiffies(m) + 1 jiffies (HZ=1000).
        delay = (self.wait_ms + 1) * NSEC_PER_MSEC
        self.wait_ms = min(self.wait_ms << 1, WAIT_REFS_MAX_MSECS)
        self.timer = clock.schedule(delay, self._after_sleep, "netdev_wait_allrefs_any")

    def _after_sleep(self) -> None:
        self.run_free()
        if not self.remaining:
            self.kernel.todo_waits.discard(self)
            for fn in self.on_done:
                fn()
            return
        clock = self.kernel.clock
        timeout = self.kernel.sysctl["net.core.netdev_unregister_timeout_secs"] * NSEC_PER_SEC
        if clock.now > self.warning_time + timeout:
            for dev in self.remaining:
                self.kernel.printk.pr_emerg(
                    f"unregister_netdevice: waiting for {dev.name} to become free. "
                    f"Usage count = {dev.refcnt}"
                )
                for line in ref_tracker_dir_print(dev):
                    self.kernel.printk.pr_err(line)
            self.warning_time = clock.now
        self._tick()

    def _rebroadcast(self) -> None:
        _rebroadcast_unregister(self.kernel, self.remaining)
        self.rebroadcast_time = self.kernel.clock.now


def _rebroadcast_unregister(kernel: Kernel, devices: list[NetDevice]) -> None:
    """NETDEV_UNREGISTER again for each waiting device (reg_state UNREGISTERED), under RTNL
    released with __rtnl_unlock (no todo run), then the pending linkwatch events."""
    rtnl_lock(kernel)
    for dev in devices:
        call_netdevice_notifiers(NETDEV_UNREGISTER, dev)
    __rtnl_unlock(kernel)
    kernel.clock.rcu_barrier()
    if kernel.linkwatch_list:
        rtnl_lock(kernel)
        linkwatch_run_queue(kernel)
        __rtnl_unlock(kernel)


__all__ = ["TodoWait", "netdev_run_todo"]

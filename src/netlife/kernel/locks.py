"""Sleeping locks other than RTNL: the read-write semaphore pernet_ops_rwsem.

Mirrors kernel/locking/rwsem.c as far as lifetime needs it: readers share, a writer excludes,
and a task that cannot take the lock sleeps (on the virtual clock) until it can. A writer still
waiting makes new readers wait behind it, as Linux rwsems do: so `ip netns add` (a reader) blocks
behind a module unload (a writer) that waits for a stuck namespace cleanup (a reader).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from netlife.kernel.core import Kernel, Task


class RwSemaphore:
    """Readers share, a writer excludes; a writer that gave up waiting still blocks readers.

    The tasks are kept for hang reports: who holds the lock, who is queued for it.
    """

    __slots__ = ("kernel", "name", "pending_writers", "reader_tasks", "readers", "writer")

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.readers = 0
        self.reader_tasks: list[Task] = []  # Invariant: len(reader_tasks) == readers
        self.writer: Task | None = None  # the task holding it for write
        self.pending_writers: list[Task] = []  # writers waiting past the hang bound, still queued

    def down_read(self) -> None:
        self.kernel.wait_event(
            lambda: self.writer is None and not self.pending_writers,
            f"down_read({self.name})",
            self,
        )
        self.readers += 1
        self.reader_tasks.append(self.kernel.current)

    def up_read(self) -> None:
        self.readers -= 1
        task = self.kernel.current
        self.reader_tasks.remove(task if task in self.reader_tasks else self.reader_tasks[0])

    def down_write(self) -> None:
        from netlife.kernel.errors import Hang

        task = self.kernel.current
        try:
            self.kernel.wait_event(
                lambda: self.writer is None and self.readers == 0,
                f"down_write({self.name})",
                self,
                on_overdue=lambda: self.pending_writers.append(task),
            )
        except Hang:
            # CHOICE: a caller that cannot sleep (the Python API) gets Hang; its writer stays
            # queued until the readers are gone, then takes and drops the lock; what the caller
            # would have done under it is not replayed. A task sleeps on and takes it then.
            self._poll_pending(task)
            raise
        if task in self.pending_writers:
            self.pending_writers.remove(task)
        self.writer = task

    def _poll_pending(self, task: Task) -> None:
        if self.readers == 0 and self.writer is None:
            self.pending_writers.remove(task)
            return
        self.kernel.clock.schedule(
            1_000_000_000, lambda: self._poll_pending(task), f"{self.name} writer"
        )

    def up_write(self) -> None:
        self.writer = None

    @contextmanager
    def read(self) -> Iterator[None]:
        self.down_read()
        try:
            yield
        finally:
            self.up_read()

    @contextmanager
    def write(self) -> Iterator[None]:
        self.down_write()
        try:
            yield
        finally:
            self.up_write()

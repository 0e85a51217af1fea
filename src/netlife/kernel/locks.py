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

    from netlife.kernel.core import Kernel


class RwSemaphore:
    __slots__ = ("kernel", "name", "pending_writers", "readers", "writer")

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.readers = 0
        self.writer = False
        self.pending_writers = 0  # writers that gave up waiting (Hang) but are still queued

    def down_read(self) -> None:
        self.kernel.wait_event(
            lambda: not self.writer and not self.pending_writers, f"down_read({self.name})"
        )
        self.readers += 1

    def up_read(self) -> None:
        self.readers -= 1

    def down_write(self) -> None:
        from netlife.kernel.errors import Hang

        try:
            self.kernel.wait_event(
                lambda: not self.writer and self.readers == 0, f"down_write({self.name})"
            )
        except Hang:
            # CHOICE: the writer stays queued until the readers are gone, then takes and drops
            # the lock; what its caller would have done under it is not replayed.
            self.pending_writers += 1
            self._poll_pending()
            raise
        self.writer = True

    def _poll_pending(self) -> None:
        if self.readers == 0 and not self.writer:
            self.pending_writers -= 1
            return
        self.kernel.clock.schedule(1_000_000_000, self._poll_pending, f"{self.name} writer")

    def up_write(self) -> None:
        self.writer = False

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

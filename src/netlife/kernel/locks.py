"""Sleeping locks other than RTNL: the read-write semaphore pernet_ops_rwsem.

Mirrors kernel/locking/rwsem.c as far as lifetime needs it: readers share, a writer excludes,
and a task that cannot take the lock sleeps (on the virtual clock) until it can. A waiting
writer does not block new readers here (the model has no queue of sleeping tasks).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from netlife.kernel.core import Kernel


class RwSemaphore:
    __slots__ = ("kernel", "name", "readers", "writer")

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.readers = 0
        self.writer = False

    def down_read(self) -> None:
        self.kernel.wait_event(lambda: not self.writer, f"down_read({self.name})")
        self.readers += 1

    def up_read(self) -> None:
        self.readers -= 1

    def down_write(self) -> None:
        self.kernel.wait_event(
            lambda: not self.writer and self.readers == 0, f"down_write({self.name})"
        )
        self.writer = True

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

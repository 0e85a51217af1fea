"""SIGINT and SIGTERM while a scenario runs, taken as bash takes them.

Model-only front end. A signal is remembered, not raised where it lands: the shell acts on it
between two events of the virtual clock, so the simulated host is never left half way through
a kernel call. The command that runs ends with status 128 + N; a command asleep in the kernel
sleeps on (a task in state D ignores signals). `netlife run` then stops the script and exits
130 or 143 (a non-interactive bash dies of it); `netlife shell` goes back to its prompt. A
second signal before the first was acted on raises KeyboardInterrupt at once: the way out of
anything that does not reach the clock.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Signals:
    """The signal a front end received and has not yet acted on (0: none).

    `on_poll` is called (rate-limited by the caller's own clock) each time the shell looks:
    `netlife run` refreshes its progress line there.
    """

    def __init__(self) -> None:
        self.signum = 0
        self.on_poll: Callable[[], None] | None = None

    def poll(self) -> int:
        if self.on_poll is not None:
            self.on_poll()
        return self.signum

    def clear(self) -> None:
        self.signum = 0

    def _handler(self, signum: int, frame: object) -> None:
        if self.signum:
            raise KeyboardInterrupt
        self.signum = signum

    @contextlib.contextmanager
    def installed(self) -> Iterator[Signals]:
        """Take SIGINT and SIGTERM for the duration (the main thread only)."""
        previous = {}
        try:
            for sig in SIGNALS:
                previous[sig] = signal.signal(sig, self._handler)
        except ValueError:  # not the main thread: leave the handlers alone
            previous.clear()
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name

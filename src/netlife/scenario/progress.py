"""`netlife run` on a terminal: each step as it completes, and a live line for long runs.

Model-only front end. The transcript is written step by step, as each step completes. On a
terminal, once a run has taken PROGRESS_AFTER seconds of wall time, a live line (rich) under
the transcript shows the virtual time, the steps done and the tasks blocked in the kernel; it
is erased when the run ends. Nothing of this reaches the model: the wall clock is read only
to decide when to draw, and the transcript is the same byte for byte with or without it.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

PROGRESS_AFTER = 2.0  # seconds of wall time before the live line appears
REFRESH = 0.1  # seconds between two redraws
CHECK_EVERY = 64  # polls between two looks at the wall clock


class Progress:
    """Writes the transcript; draws the live line on a terminal (`live=False`: never)."""

    def __init__(self, stream: TextIO, host: Any, results: list, live: bool) -> None:
        self.stream = stream
        self.host = host
        self.results = results
        self.enabled = live
        self.started = time.monotonic()
        self.last = 0.0
        self.polls = 0
        self.live: Any = None

    def write(self, text: str) -> None:
        if self.live is not None:
            self.live.console.out(text, end="", highlight=False)
        else:
            self.stream.write(text)
            self.stream.flush()
        self.tick(force=True)

    def tick(self, force: bool = False) -> None:
        """Called as the clock runs: redraw now and then, never before PROGRESS_AFTER."""
        if not self.enabled:
            return
        self.polls += 1
        if not force and self.polls % CHECK_EVERY:
            return
        now = time.monotonic()
        if now - self.started < PROGRESS_AFTER or now - self.last < REFRESH:
            return
        self.last = now
        if self.live is None:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(console=Console(file=self.stream), auto_refresh=False, transient=True)
            self.live.start()
        from rich.text import Text

        self.live.update(Text(self.line(), no_wrap=True, overflow="ellipsis"), refresh=True)

    def line(self) -> str:
        kernel = self.host.kernel
        blocked = len(kernel.sched.blocked())
        return (
            f"netlife run: {kernel.clock.now / 1e9:.1f} s virtual, "
            f"{len(self.results)} step(s) done, {blocked} task(s) blocked"
        )

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

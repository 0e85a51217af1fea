"""The search: random walks, bounded breadth-first search, coverage-guided choice.

Model-only. Every strategy runs episodes (explore/episode.py) from a freshly booted host and
stops an episode at its first finding. Episode k of shard s draws from random.Random of
"seed:s:k", so a run is reproducible for a given seed when its budget counts episodes or
operations; a budget in seconds (wall time, the one place netlife reads a real clock, only to
stop searching) ends the same sequence earlier or later.

- random: `depth` operations drawn by weight over what exists.
- bfs: breadth-first over abstract states (episode.abstract_state: names and numbers
  abstracted): each frontier script is extended by one draw of every operation; a successor
  whose state was already seen is dropped; levels are capped at `width` scripts.
- coverage: a corpus of scripts that reached a state, a (state, operation, state) step or a
  notifier path (an operation delivering a NETDEV_* event to a device kind) never seen before;
  an episode replays a corpus entry chosen among the least tried and extends it randomly, so
  new states and new notifier and driver paths are explored first.

Findings are grouped by signature; the first of each signature is shrunk.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netlife.explore.episode import Episode, Machine, abstract_state
from netlife.explore.grammar import NAMES, draw, look
from netlife.explore.oracles import Finding
from netlife.explore.shrink import shrink

STRATEGIES = ("random", "bfs", "coverage")


@dataclass(slots=True)
class Budget:
    """When to stop: wall seconds, operations or episodes (whichever is set)."""

    seconds: float | None = None
    operations: int | None = None
    episodes: int | None = None
    stop_after: int | None = None  # distinct findings

    @classmethod
    def parse(cls, text: str) -> Budget:
        """`60s`, `2m`, `5000ops`, `300ep`; a bare number is seconds."""
        text = text.strip().lower()
        for suffix, unit in (("ops", "operations"), ("ep", "episodes")):
            if text.endswith(suffix):
                return cls(**{unit: int(text[: -len(suffix)])})
        scale = 60.0 if text.endswith("m") else 1.0
        return cls(seconds=float(text.rstrip("sm")) * scale)


@dataclass(slots=True)
class Stats:
    operations: int = 0
    episodes: int = 0
    states: int = 0
    findings: int = 0
    occurrences: int = 0
    shrink_runs: int = 0
    seconds: float = 0.0
    first_finding_s: float | None = None

    def as_json(self) -> dict:
        secs = self.seconds or 1e-9
        return {
            "operations": self.operations,
            "episodes": self.episodes,
            "distinct_states": self.states,
            "findings": self.findings,
            "occurrences": self.occurrences,
            "shrink_runs": self.shrink_runs,
            "seconds": round(self.seconds, 3),
            "operations_per_s": round(self.operations / secs, 1),
            "states_per_s": round(self.states / secs, 1),
            "first_finding_s": None
            if self.first_finding_s is None
            else round(self.first_finding_s, 3),
        }


@dataclass
class Explorer:
    """One shard of a search. `found` maps signature → (shrunk finding, episode token)."""

    machine: Machine
    seed: int = 0
    shard: int = 0
    depth: int = 8
    strategy: str = "random"
    budget: Budget = field(default_factory=lambda: Budget(seconds=60))
    do_shrink: bool = True
    width: int = 64
    invariants_every_step: bool = False
    on_progress: Callable[[Stats], None] | None = None
    found: dict[str, tuple[Finding, str]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self._seen: set[int] = set()
        self._steps: set[tuple] = set()
        self._paths: set[tuple] = set()  # (operation, (notifier event, device kind))
        self._corpus: list[list[Any]] = []  # [lines, times tried]
        self._start = 0.0

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> Explorer:
        self._start = time.perf_counter()
        strategy = {"random": self._random, "bfs": self._bfs, "coverage": self._coverage}
        strategy[self.strategy]()
        self.stats.seconds = time.perf_counter() - self._start
        self.stats.states = len(self._seen)
        return self

    def _done(self) -> bool:
        b, s = self.budget, self.stats
        if b.stop_after is not None and len(self.found) >= b.stop_after:
            return True
        if b.operations is not None and s.operations >= b.operations:
            return True
        if b.episodes is not None and s.episodes >= b.episodes:
            return True
        return b.seconds is not None and time.perf_counter() - self._start >= b.seconds

    def _rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.shard}:{self.stats.episodes}")

    def _token(self) -> str:
        return f"{self.seed}:{self.shard}:{self.stats.episodes}"

    def _episode(self, prefix: list[str], rng: random.Random, extra: int) -> Episode:
        """Replay prefix, then draw `extra` operations; record states, steps and findings."""
        coverage = self.strategy == "coverage"
        ep = Episode(self.machine, self.invariants_every_step, trace_paths=coverage)
        state = abstract_state(ep.host)
        self._note_state(state, ep)
        for line in prefix:
            if ep.run(line) is not None:
                break
            self.stats.operations += 1
            state = abstract_state(ep.host)
            self._note_state(state, ep)
        for _ in range(extra):
            if ep.finding is not None:
                break
            drawn = draw(look(ep.host), rng)
            if drawn is None:
                break
            op, line = drawn
            ep.run(line)
            self.stats.operations += 1
            after = abstract_state(ep.host)
            step = (state, op, after)
            fresh = step not in self._steps
            self._steps.add(step)
            for path in ep.paths:  # a notifier event reaching a device kind after this op
                if (op, path) not in self._paths:
                    self._paths.add((op, path))
                    fresh = True
            if fresh and coverage:
                self._corpus.append([list(ep.lines), 0])
            self._note_state(after, ep)
            state = after
        ep.finish()
        self.stats.episodes += 1
        if ep.finding is not None:
            self._record(ep.finding)
        if self.on_progress is not None and self.stats.episodes % 20 == 0:
            self.stats.seconds = time.perf_counter() - self._start
            self.stats.states = len(self._seen)
            self.on_progress(self.stats)
        return ep

    def _note_state(self, state: int, ep: Episode) -> None:
        if state not in self._seen:
            self._seen.add(state)
            if self.strategy == "coverage" and ep.lines:
                self._corpus.append([list(ep.lines), 0])

    def _record(self, finding: Finding) -> None:
        self.stats.occurrences += 1
        if finding.signature in self.found:
            return
        token = self._token()
        if self.do_shrink:
            finding, runs = shrink(self.machine, finding, self.invariants_every_step)
            self.stats.shrink_runs += runs
        if finding.signature in self.found:
            return
        self.found[finding.signature] = (finding, token)
        self.stats.findings = len(self.found)
        if self.stats.first_finding_s is None:
            self.stats.first_finding_s = time.perf_counter() - self._start

    # -- strategies ---------------------------------------------------------------------------

    def _random(self) -> None:
        while not self._done():
            self._episode([], self._rng(), self.depth)

    def _bfs(self) -> None:
        while not self._done():
            frontier: list[list[str]] = [[]]
            for _level in range(self.depth):
                nxt: list[list[str]] = []
                for prefix in frontier:
                    for op in NAMES:
                        if self._done():
                            return
                        rng = self._rng()
                        ep = Episode(self.machine, self.invariants_every_step)
                        for line in prefix:
                            ep.run(line)
                        self.stats.operations += len(prefix)
                        drawn = draw(look(ep.host), rng, op)
                        if drawn is None or ep.finding is not None:
                            self.stats.episodes += 1
                            continue
                        ep.run(drawn[1])
                        self.stats.operations += 1
                        state = abstract_state(ep.host)
                        ep.finish()
                        self.stats.episodes += 1
                        if ep.finding is not None:
                            self._record(ep.finding)
                        elif state not in self._seen:
                            self._seen.add(state)
                            nxt.append([*prefix, drawn[1]])
                if not nxt:
                    break
                random.Random(f"{self.seed}:{self.shard}:{_level}").shuffle(nxt)
                frontier = nxt[: self.width]
                if self.on_progress is not None:
                    self.stats.seconds = time.perf_counter() - self._start
                    self.stats.states = len(self._seen)
                    self.on_progress(self.stats)

    def _coverage(self) -> None:
        while not self._done():
            rng = self._rng()
            if not self._corpus or rng.random() < 0.2:
                self._episode([], rng, self.depth)
                continue
            # the least tried of a few random entries, newest first on ties
            picks = [rng.randrange(len(self._corpus)) for _ in range(4)]
            entry = self._corpus[min(picks, key=lambda i: (self._corpus[i][1], -i))]
            entry[1] += 1
            prefix = entry[0]
            extra = max(1, self.depth - len(prefix)) if len(prefix) < 2 * self.depth else 1
            self._episode(prefix, rng, extra)
            if len(self._corpus) > 4000:
                self._corpus = self._corpus[-2000:]

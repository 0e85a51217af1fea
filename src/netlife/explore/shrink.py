"""Shrinking: a finding's script cut down to the fewest, simplest lines that still show it.

Model-only. Delta debugging (Zeller's ddmin) over the lines, keeping a candidate when a fresh
host running it gives a finding with the same signature; then each remaining line is tried in
its simpler forms (grammar.simpler: no background job, a shorter sleep, fewer options). The
lines the episode adds itself at the end (end every process, let time pass) are not part of
the search: replaying the script adds them again when they are needed.
"""

from __future__ import annotations

from collections.abc import Callable

from netlife.explore.episode import QUIESCE, Episode, Machine
from netlife.explore.grammar import simpler
from netlife.explore.oracles import Finding


def replay(machine: Machine, lines: list[str], every_step: bool = False) -> Finding | None:
    """Run lines on a fresh host; the finding they lead to, if any."""
    episode = Episode(machine, every_step)
    for line in lines:
        if episode.run(line) is not None:
            return episode.finding
    return episode.finish()


def _own_lines(script: list[str]) -> list[str]:
    lines = list(script)
    while lines and lines[-1] in QUIESCE:
        lines.pop()
    return lines


def ddmin(lines: list[str], keeps: Callable[[list[str]], bool]) -> list[str]:
    """The classic ddmin: remove chunks, then complements, halving the chunk size."""
    n = 2
    while len(lines) >= 2:
        chunk = max(1, len(lines) // n)
        parts = [lines[i : i + chunk] for i in range(0, len(lines), chunk)]
        reduced = False
        for i in range(len(parts)):
            complement = [line for j, p in enumerate(parts) if j != i for line in p]
            if complement and keeps(complement):
                lines, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(lines):
                break
            n = min(len(lines), n * 2)
    if len(lines) == 1 and keeps([]):
        return []
    return lines


def shrink(
    machine: Machine, finding: Finding, every_step: bool = False, max_runs: int = 400
) -> tuple[Finding, int]:
    """The smallest script found for finding's signature, and how many runs it took."""
    target = finding.signature
    runs = 0

    def keeps(lines: list[str]) -> bool:
        nonlocal runs
        if runs >= max_runs:
            return False
        runs += 1
        got = replay(machine, lines, every_step)
        return got is not None and got.signature == target

    lines = ddmin(_own_lines(finding.script), keeps)
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(lines):
            for candidate in simpler(line):
                trial = [*lines[:i], candidate, *lines[i + 1 :]]
                if keeps(trial):
                    lines, changed = trial, True
                    break
            if changed:
                break
    final = replay(machine, lines, every_step)
    if final is None or final.signature != target:  # cannot happen for a deterministic model
        return finding, runs
    return final, runs

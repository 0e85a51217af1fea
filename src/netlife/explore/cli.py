"""`netlife explore`: search for lifetime bugs, print each as a minimal script.

Model-only front end. Exit status: 0 no finding, 1 findings, 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from netlife.explore.search import STRATEGIES, Budget


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--machine", help="machine profile (TOML); default: the built-in machine")
    p.add_argument(
        "--budget",
        default="60s",
        help="how long to search: 60s, 2m, 20000ops (operations) or 500ep (episodes); "
        "per worker (default 60s)",
    )
    p.add_argument("--depth", type=int, default=8, help="operations per episode (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    p.add_argument("--strategy", choices=STRATEGIES, default="random")
    p.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    p.add_argument(
        "--ray", metavar="ADDRESS", help="shard over a Ray cluster (auto, ADDRESS, or local)"
    )
    p.add_argument("--stop-after", type=int, metavar="N", help="stop after N distinct findings")
    p.add_argument("--no-shrink", action="store_true", help="report findings unshrunk")
    p.add_argument(
        "--invariants-every-step",
        action="store_true",
        help="check kernel invariants after every operation (default: at each episode's end)",
    )
    p.add_argument("--json", action="store_true", help="one JSON document: findings and stats")
    p.add_argument("--out", metavar="DIR", help="save each finding as DIR/finding-N.sh and .json")
    p.add_argument(
        "--conform", metavar="DIR", help="write findings the real kernel can run as DIR/*.case"
    )
    p.add_argument("--replay", metavar="TOKEN", help="run a finding's replay token again")


def explore_main(args: argparse.Namespace, kernel_options: dict[str, Any]) -> int:
    from netlife.explore import report

    out: TextIO = sys.stdout
    flags = report.kernel_flags(args.machine, kernel_options)
    if args.replay:
        return _replay(args, kernel_options, flags, out)
    try:
        budget = Budget.parse(args.budget)
    except ValueError:
        sys.stderr.write(f"netlife explore: bad --budget {args.budget!r} (60s, 2m, 5000ops)\n")
        return 2
    if args.depth < 1 or args.workers < 1:
        sys.stderr.write("netlife explore: --depth and --workers must be at least 1\n")
        return 2
    budget.stop_after = args.stop_after
    config = {
        "machine": args.machine,
        "kernel_options": kernel_options,
        "seed": args.seed,
        "depth": args.depth,
        "strategy": args.strategy,
        "budget": {k: getattr(budget, k) for k in ("seconds", "operations", "episodes")}
        | {"stop_after": budget.stop_after},
        "shrink": not args.no_shrink,
        "invariants_every_step": args.invariants_every_step,
    }
    from netlife.explore.episode import Machine

    Machine(args.machine)  # a bad profile is a usage error before any worker starts
    progress = None if args.json or not sys.stderr.isatty() else ProgressLine(sys.stderr)
    from netlife.explore.parallel import run_local, run_ray

    try:
        if args.ray:
            records, stats = run_ray(config, args.workers, args.ray, progress)
        else:
            records, stats = run_local(config, args.workers, progress)
    except RuntimeError as err:
        sys.stderr.write(f"netlife explore: {err}\n")
        return 2
    finally:
        if progress is not None:
            progress.close()
    if args.out and records:
        report.save_findings(records, args.out, flags)
    if args.conform:
        _write_cases(records, args.conform)
    if args.json:
        json.dump({"findings": records, "stats": stats}, out, indent=2)
        out.write("\n")
    else:
        report.write_summary(records, stats, out)
    return 1 if records else 0


def _replay(args: argparse.Namespace, kernel_options: dict, flags: str, out: TextIO) -> int:
    from netlife.explore import report
    from netlife.explore.episode import Machine
    from netlife.explore.shrink import replay

    try:
        lines = report.decode_token(args.replay)
    except ValueError as err:
        sys.stderr.write(f"netlife explore: {err}\n")
        return 2
    finding = replay(Machine(args.machine, **kernel_options), lines)
    records = [] if finding is None else [report.finding_record(finding, "replay", flags)]
    if args.json:
        json.dump({"findings": records, "script": lines}, out, indent=2)
        out.write("\n")
    elif finding is None:
        out.write("the script runs without a finding on this kernel:\n")
        out.write("".join(f"  {line}\n" for line in lines))
    else:
        stats = {"operations": len(lines), "episodes": 1, "seconds": 0.0, "distinct_states": 0}
        report.write_summary(records, stats, out)
    return 1 if records else 0


def _write_cases(records: list[dict], directory: str) -> None:
    import os

    from netlife.explore import report

    os.makedirs(directory, exist_ok=True)
    for i, rec in enumerate(records, 1):
        if report.conformable(rec):
            path = os.path.join(directory, f"explore-{i}.case")
            report.write_conform_case(rec, path)
            rec["conform_case"] = path


class ProgressLine:
    """The live line on a terminal: elapsed time, operations/s, states, findings (rich)."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self._text = Text
        self.live = Live(Text("exploring…"), console=Console(file=stream), transient=True)
        self.live.start()

    def __call__(self, total: dict) -> None:
        secs = max(total["seconds"], 1e-9)
        self.live.update(
            self._text(
                f"explore: {secs:6.1f} s  {total['operations']:>9,} ops  "
                f"{total['operations'] / secs:>7,.0f} ops/s  "
                f"{total['distinct_states']:>8,} states  {total['findings']} finding(s)  "
                f"[{total['workers']} worker(s)]"
            )
        )

    def close(self) -> None:
        self.live.stop()

"""`netlife graph` and `netlife report`, and the demo's --graph / --html: the front ends.

Model-only. Exit status: 0 written; 2 for the user's mistakes (a missing script, a bad
--step, an unknown file type, a bad state file), with a one-line message.
"""

from __future__ import annotations

import sys
from typing import Any

from netlife.pictures import (
    PictureError,
    device_graph,
    format_of,
    frame_at_step,
    record_script,
    write_graph,
)


def _fail(message: str) -> int:
    sys.stderr.write(f"netlife: {message}\n")
    return 2


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise PictureError(f"cannot read {path}: {err.strerror}") from None


def _record(path: str, machine: str | None, kernel_options: dict[str, Any]) -> Any:
    from netlife.scenario.script import ScriptError

    text = _read(path)
    try:
        return record_script(text, machine, name=path, **kernel_options)
    except ScriptError as err:
        raise PictureError(f"{path}:{err}") from None


def graph_main(args: Any, kernel_options: dict[str, Any]) -> int:
    """SCRIPT [--step N], or --state FILE, or a bare --machine: one graph to -o FILE."""
    from netlife.scenario.state import StateError, boot_host, load_state, replay

    try:
        format_of(args.output)
        if args.script:
            recorder = _record(args.script, args.machine, kernel_options)
            graph = frame_at_step(recorder, args.step).graph
            if not graph.title:
                graph.title = args.script
        elif args.state:
            if args.step is not None:
                raise PictureError("--step needs a SCRIPT (a saved host has no steps)")
            host = replay(load_state(args.state), args.state, args.machine)
            graph = device_graph(host, f"{args.state}: the saved host")
        else:
            if args.step is not None:
                raise PictureError("--step needs a SCRIPT")
            host = boot_host(args.machine, **kernel_options)
            graph = device_graph(host, f"{args.machine or 'the default machine'}: booted")
        write_graph(graph, args.output)
    except (PictureError, StateError) as err:
        return _fail(str(err))
    except OSError as err:
        return _fail(f"cannot write {args.output}: {err.strerror}")
    return 0


def add_graph_parser(sub: Any, kernel_args: Any) -> Any:
    p = sub.add_parser(
        "graph",
        help="draw the device and reference graph (DOT, SVG or PNG)",
        description="Draw devices, their holders and consumers, modules and blocked tasks; "
        "a blocked task's chain is red. SCRIPT is run first; --step N shows the host while "
        "step N was blocked in the kernel, if it was, else after it (default: the end).",
    )
    p.add_argument("script", nargs="?", help="scenario to run (omit with --state or --machine)")
    p.add_argument("-o", "--output", required=True, help="FILE.dot, FILE.svg or FILE.png")
    p.add_argument("--step", type=int, metavar="N", help="the host at step N (0: booted)")
    p.add_argument("--state", help="a saved host (netlife ip --state FILE)")
    p.add_argument("--machine", help="machine profile (TOML); a snapshot profile works too")
    kernel_args(p)
    return p


def _write_text(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise PictureError(f"cannot write {path}: {err.strerror}") from None


def report_main(args: Any, kernel_options: dict[str, Any]) -> int:
    """SCRIPT → one self-contained HTML file."""
    from netlife.pictures.report import render_report

    try:
        recorder = _record(args.script, args.machine, kernel_options)
        options = ", ".join(f"{k}={v}" for k, v in sorted(kernel_options.items()))
        subtitle = f"machine: {args.machine or 'the built-in default'}" + (
            f"; {options}" if options else ""
        )
        html = render_report([(args.script, recorder)], f"netlife report: {args.script}", subtitle)
        _write_text(args.output, html)
    except PictureError as err:
        return _fail(str(err))
    return 0


def add_report_parser(sub: Any, kernel_args: Any) -> Any:
    p = sub.add_parser(
        "report",
        help="run a scenario and write an HTML report (timeline, graphs, hangs, transcript)",
        description="One self-contained HTML file that works offline: what blocked and why, "
        "a timeline with a lane per task, the device graph at every step (a slider), the "
        "transcript with virtual times, and dmesg.",
    )
    p.add_argument("script")
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    p.add_argument("--machine", help="machine profile (TOML); a snapshot profile works too")
    kernel_args(p)
    return p


# -- the demo ------------------------------------------------------------------------------------

DEMO_WORLDS = {True: ("after", "With the netkit notifier"), False: ("before", "Before the commit")}


def demo_pictures(args: Any, out: Any) -> int:
    """`netlife demo [--before-fix|--after-fix] [--html FILE] [--graph FILE]`."""
    from netlife.demo import main as demo_main
    from netlife.pictures.record import Recorder

    recorders: list[tuple[bool, Recorder]] = []

    def watch(host: Any, session: Any) -> Recorder:
        rec = Recorder(host, session, "demo")
        recorders.append((host.kernel.netkit_notifier, rec))
        return rec

    try:
        if args.graph:
            format_of(args.graph)
        rc = demo_main(out, args, watch)
        if args.html:
            from netlife.pictures.report import render_report

            runs = [(DEMO_WORLDS[fix][1], rec) for fix, rec in recorders]
            title = "netlife demo: netkit: Add netkit notifier to check for unregistering devices"
            subtitle = "the built-in default machine: two ConnectX ports, mlx5_core and mlx5_ib"
            _write_text(args.html, render_report(runs, title, subtitle))
        if args.graph:
            for fix, rec in recorders:
                path = args.graph
                if len(recorders) > 1:
                    stem, dot, suffix = path.rpartition(".")
                    path = f"{stem}-{DEMO_WORLDS[fix][0]}{dot}{suffix}"
                write_graph(demo_frame(rec, DEMO_WORLDS[fix][1]).graph, path)
    except PictureError as err:
        return _fail(str(err))
    except OSError as err:
        return _fail(f"cannot write {err.filename}: {err.strerror}")
    return rc


def demo_frame(rec: Any, world: str) -> Any:
    """The moment `rmmod mlx5_core` runs: while it is blocked if it blocks, else just before."""
    step = next(s.index for s in rec.steps if s.command == "rmmod mlx5_core")
    frame = frame_at_step(rec, step)
    if frame.blocked:
        frame.graph.title = f"{world}: rmmod mlx5_core blocked (step {step})"
        return frame
    frame = frame_at_step(rec, step - 1)
    frame.graph.title = f"{world}: just before rmmod mlx5_core (step {step})"
    return frame

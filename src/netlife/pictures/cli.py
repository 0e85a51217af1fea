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

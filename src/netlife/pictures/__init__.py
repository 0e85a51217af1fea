"""Pictures of a simulated host: the device and reference graph, and the HTML report of a run.

    from netlife.pictures import device_graph, write_graph, record_script
    write_graph(device_graph(host), "host.svg")        # .dot, .svg or .png
    rec = record_script(open("examples/veth.sh").read())
    write_graph(frame_at_step(rec, 3).graph, "step3.png")

Model-only: imports kernel, userspace and scenario, never the real kernel.
"""

from __future__ import annotations

from typing import Any

from netlife.pictures.graph import Graph, build_graph
from netlife.pictures.record import Frame, Recorder

FORMATS = ("dot", "svg", "png")


class PictureError(Exception):
    """A request the pictures cannot satisfy (unknown format, no such step); a clear message."""


def device_graph(host_or_kernel: Any, title: str = "") -> Graph:
    """The graph of a host (userspace Host) or a bare Kernel, now."""
    kernel = getattr(host_or_kernel, "kernel", host_or_kernel)
    host = host_or_kernel if kernel is not host_or_kernel else None
    return build_graph(kernel, host, None, title)


def render(graph: Graph, fmt: str) -> bytes:
    if fmt == "dot":
        from netlife.pictures.svg import render_dot

        return render_dot(graph).encode()
    if fmt == "svg":
        from netlife.pictures.svg import render_svg

        return render_svg(graph).encode()
    if fmt == "png":
        from netlife.pictures.png import render_png

        return render_png(graph)
    raise PictureError(f"unknown graph format {fmt!r} (use one of: {', '.join(FORMATS)})")


def format_of(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in FORMATS:
        raise PictureError(f"{path}: the file name must end in .dot, .svg or .png")
    return suffix


def write_graph(graph: Graph, path: str) -> None:
    data = render(graph, format_of(path))
    with open(path, "wb") as f:
        f.write(data)


def record_script(
    text: str, machine: str | None = None, name: str = "", **kernel_options: Any
) -> Recorder:
    """Boot a host, run the script on it with a Recorder attached; the finished Recorder."""
    from netlife.scenario.shell import ShellSession
    from netlife.scenario.state import boot_host

    host = boot_host(machine, **kernel_options)
    session = ShellSession(host)
    recorder = Recorder(host, session, name)
    results = session.run_script(text, on_step=recorder.on_step)
    host.settle()
    recorder.finish(results)
    return recorder


def frame_at_step(recorder: Recorder, step: int | None) -> Frame:
    """The host at step N: while the step was blocked in the kernel if it was (its chain in
    red), else after it finished; None: the end of the run."""
    if step is None:
        return recorder.frames[-1]
    if not 0 <= step <= len(recorder.steps):
        raise PictureError(f"--step {step}: the script has steps 1 to {len(recorder.steps)}")
    frames = [f for f in recorder.frames if f.step == step]
    blocked = [f for f in frames if f.blocked]
    return (blocked or frames)[0]


__all__ = [
    "Frame",
    "Graph",
    "PictureError",
    "Recorder",
    "device_graph",
    "frame_at_step",
    "record_script",
    "render",
    "write_graph",
]

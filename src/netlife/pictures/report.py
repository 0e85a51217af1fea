"""The HTML report of recorded runs: one self-contained file, readable offline.

Model-only. For each run: what blocked and why (the hang panel: each wait that lasted a
second or more, with the holders, their chains and the command that releases them), the
timeline (timeline.py), the device graph at every recorded moment behind a step slider (the
graphs are pre-rendered SVG; the slider only chooses which one shows), the transcript with
virtual times, and dmesg. Nothing is loaded from anywhere: style and script are inline, and
everything but the slider reads without JavaScript.
"""

from __future__ import annotations

from html import escape

from netlife.kernel.clock import NSEC_PER_SEC
from netlife.pictures.record import Recorder, WaitRecord
from netlife.pictures.report_assets import CSS, JS
from netlife.pictures.svg import EDGE_STYLES, NODE_COLOURS, RED, render_svg
from netlife.pictures.timeline import Axis, render_timeline

MAX_FRAMES = 240  # past this, step frames are thinned (blocked frames are always kept)
MIN_FRAMES = 24
NODE_BUDGET = 6000  # boxes drawn over all frames: big hosts get fewer frames (file size)


def render_report(runs: list[tuple[str, Recorder]], title: str, subtitle: str = "") -> str:
    """The whole HTML document for (heading, finished Recorder) pairs."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{CSS}</style></head><body>",
        f'<header class="page"><h1>{escape(title)}</h1>',
        f"<p>{escape(subtitle)}</p>" if subtitle else "",
        "</header>",
    ]
    for n, (heading, rec) in enumerate(runs):
        parts.append(_run(n, heading, rec))
    parts.append(f"<script>{JS}</script></body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _secs(ns: int) -> str:
    return f"{ns / NSEC_PER_SEC:.6f}"


def _run(n: int, heading: str, rec: Recorder) -> str:
    frames = _frames(rec)
    axis = Axis(rec)
    waits = [w for w in rec.waits if w.explained or w.frame is not None]
    duration = (rec.now()[1] - (rec.steps[0].start if rec.steps else 0)) / NSEC_PER_SEC
    summary = (
        f"{len(rec.steps)} steps over {duration:g} s of virtual time; "
        f"{len(rec.lanes) - 1} background jobs and processes; "
        f"{len(waits)} blocked wait(s); {len(rec.kernel.hangs)} hang report(s)."
    )
    default = next((i for i, (_, f) in enumerate(frames) if f.blocked), len(frames) - 1)
    out = [
        f'<article class="run" id="run{n}">',
        f"<h2>{escape(heading)}</h2>",
        f'<p class="summary">{escape(summary)}</p>',
        _hang_panel(rec, waits, frames),
        '<section class="timeline-section"><h3>Timeline</h3>',
        '<p class="summary">One lane per task: the script, each background job, each '
        "long-running process. Hatched red: blocked in the kernel. Ticks: dmesg lines "
        "(red: errors). Hover for details.</p>",
        f'<div class="scroll">{render_timeline(rec)}</div></section>',
        '<section class="graph"><h3>Devices and references</h3>',
        '<div class="graph-controls">',
        f'<label for="slider{n}">step</label>',
        f'<input type="range" class="step-slider" id="slider{n}" min="0" '
        f'max="{len(frames) - 1}" value="{default}" step="1">',
        f'<span class="frame-label">{escape(frames[default][1].label)}</span></div>',
        _legend(),
    ]
    for i, (index, frame) in enumerate(frames):
        current = " current" if i == default else ""
        x = axis.x(frame.at)
        t = _secs(frame.at[1])
        out.append(
            f'<div class="frame{current}" data-frame="{index}" data-step="{frame.step}" '
            f'data-label="{escape(frame.label)} ({t} s)" data-x="{x:.1f}">'
            f"<p>{escape(frame.label)} at {t} s</p>"
            f'<div class="scroll">{render_svg(frame.graph)}</div></div>'
        )
    out.append("</section>")
    out.append(_transcript(rec))
    out.append(_dmesg(rec))
    out.append("</article>")
    return "\n".join(out)


def _frames(rec: Recorder) -> list[tuple[int, object]]:
    """(index in rec.frames, frame), thinned to fit MAX_FRAMES and NODE_BUDGET, keeping every
    blocked frame and the last."""
    frames = list(enumerate(rec.frames))
    mean = sum(len(f.graph.nodes) for f in rec.frames) / max(len(rec.frames), 1)
    cap = max(MIN_FRAMES, min(MAX_FRAMES, int(NODE_BUDGET / max(mean, 1))))
    if len(frames) <= cap:
        return frames
    every = -(-len(frames) // cap)
    last = len(frames) - 1
    return [(i, f) for i, f in frames if f.blocked or i % every == 0 or i == last]


def _hang_panel(rec: Recorder, waits: list[WaitRecord], frames) -> str:
    out = ['<section class="hangs"><h3>What blocked, and why</h3>']
    if not waits and not rec.kernel.hangs:
        out.append('<p class="no-hang">No task was blocked in the kernel for a second or more.</p>')
    position = {index: i for i, (index, _) in enumerate(frames)}
    reported = {(h.task, round(h.since, 6)) for h in rec.kernel.hangs}
    for w in waits:
        start = w.start[1]
        hung = (w.task, round(start / NSEC_PER_SEC, 6)) in reported
        if w.end is not None:
            ended = f"for {(w.end[1] - start) / NSEC_PER_SEC:g} s, then released"
        else:
            ended = "still blocked when the run ended"
        cls = "hang" + ("" if hung or w.end is None else " released")
        out.append(f'<div class="{cls}" data-task="{escape(w.task)}">')
        out.append(
            f"<h4>{escape(w.task)} blocked in {escape(w.what)} at step {w.start[0]}, from "
            f"{_secs(start)} s, {ended}" + (" (reported as a hang)" if hung else "") + "</h4>"
        )
        lines = list(w.blocked_by)
        for stuck in w.explained:  # the remedy gets its own line below
            lines.extend(x for x in stuck.lines("") if not x.strip().startswith("to release it"))
        out.append(f'<pre class="chain">{escape(chr(10).join(lines))}</pre>')
        if w.remedy:
            out.append(f'<p class="remedy">To release it: <code>{escape(w.remedy)}</code></p>')
        if w.frame is not None and w.frame in position:
            out.append(
                f'<button type="button" data-goto-frame="{position[w.frame]}">show the graph '
                "at this moment</button>"
            )
        out.append("</div>")
    for h in rec.kernel.hangs:
        if not any(
            w.task == h.task and abs(w.start[1] / NSEC_PER_SEC - h.since) < 1e-6 for w in waits
        ):
            out.append(f'<div class="hang"><h4>hang report</h4><pre>{escape(str(h))}</pre></div>')
    out.append("</section>")
    return "\n".join(out)


def _legend() -> str:
    items = []
    for name in ("registered", "unregistering", "waiting", "process", "module", "task"):
        fill, stroke = NODE_COLOURS[name]
        items.append(
            f'<span><i style="background:{fill};border:1px solid {stroke}"></i>{name}</span>'
        )
    for kind in ("lease", "consumer", "ref", "lower", "peer", "drives"):
        colour = EDGE_STYLES[kind][0]
        items.append(f'<span><i style="background:{colour};height:3px"></i>{kind}</span>')
    items.append(f'<span><i style="background:{RED};height:3px"></i>blocked chain</span>')
    return f'<p class="legend">{"".join(items)}</p>'


def _transcript(rec: Recorder) -> str:
    out = ['<section class="transcript-section"><h3>Transcript</h3><pre class="transcript">']
    host = getattr(rec.host, "hostname", "netlife")
    for s in rec.steps:
        first, *rest = s.command.split("\n")
        out.append(
            f'<span class="vt">[{s.start / NSEC_PER_SEC:12.6f}]</span> '
            f'<span class="prompt">root@{escape(host)}:~#</span> {escape(first)}'
        )
        out.extend(f"{'':15}> {escape(line)}" for line in rest)
        if s.stdout:
            out.append(escape(s.stdout.rstrip("\n")))
        if s.stderr:
            out.append(f'<span class="err">{escape(s.stderr.rstrip(chr(10)))}</span>')
    out.append("</pre></section>")
    return "\n".join(out)


def _dmesg(rec: Recorder) -> str:
    lines = []
    for record in rec.kernel.printk.records:
        stamp, _, text = record.line().partition("] ")
        lines.append(f'<span class="vt">{escape(stamp)}]</span> {escape(text)}')
    body = "\n".join(lines) or "(empty)"
    return f'<section class="dmesg-section"><h3>dmesg</h3><pre class="dmesg">{body}</pre></section>'

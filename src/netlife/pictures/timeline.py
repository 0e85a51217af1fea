"""The timeline of a recorded run, as SVG: one lane per task, blocked periods, dmesg, one axis.

Model-only. The axis is the run's steps, left to right, each as wide as its virtual duration
deserves: a step that takes no time gets a narrow slot of its own (most do), one that blocks
for a minute a wide one (logarithmic in its duration), and time is linear inside a step. So
instant commands stay readable next to long waits, and a job's events land in the step that
was running when they happened. The first lane is the script (one bar per step); then each
background job (its commands, sleeps and blocked periods) and each long-running process; the
last lane has a tick per dmesg line.
"""

from __future__ import annotations

import math
from html import escape

from netlife.kernel.clock import NSEC_PER_SEC
from netlife.pictures.record import Recorder, Segment

LABEL_W = 230
LANE_H = 30
BAR_H = 18
SLOT_MIN = 44
SLOT_PER_LOG2_SEC = 70
AXIS_H = 38
TOP = 8
CHAR_W = 6.6
COLOURS = {"run": "#3b6ea8", "failed": "#dd6b20", "sleep": "#b8b8b8", "process": "#2f855a"}


class Axis:
    """(step, ns) → x. Step 0 is what happened before the first step (booting, setup)."""

    def __init__(self, rec: Recorder) -> None:
        self.slots: dict[int, tuple[float, float, int, int]] = {}  # step → x0, w, t0, t1
        x = float(LABEL_W)
        first = rec.steps[0].start if rec.steps else rec.clock.now
        spans = [(0, first, first)] + [
            (s.index, s.start, s.end if s.end is not None else s.start) for s in rec.steps
        ]
        for step, t0, t1 in spans:
            secs = (t1 - t0) / NSEC_PER_SEC
            w = (SLOT_MIN if step else 12) + SLOT_PER_LOG2_SEC * math.log2(1 + secs)
            self.slots[step] = (x, w, t0, t1)
            x += w
        self.width = x + 12

    def x(self, at: tuple[int, int], end: bool = False) -> float:
        step, t = at
        x0, w, t0, t1 = self.slots.get(step, self.slots[max(self.slots)])
        if t1 <= t0:  # an instant step: starts at its left, ends at its right
            return x0 + (w - 4 if end else 4)
        frac = min(max((t - t0) / (t1 - t0), 0.0), 1.0)
        return x0 + 2 + frac * (w - 4)


def _fit(text: str, width: float) -> str:
    n = int(width / CHAR_W)
    return text if len(text) <= n else (text[: max(n - 1, 0)] + "…" if n > 1 else "")


def _bar(
    x0: float, x1: float, y: float, colour: str, label: str, title: str, cls: str, h: int = BAR_H
) -> str:
    w = max(x1 - x0, 3)
    shown = escape(_fit(label, w - 6))
    fill = "url(#blocked-hatch)" if cls == "blocked" else colour
    stroke = ' stroke="#c53030" stroke-width="1.2"' if cls == "blocked" else ""
    text_colour = (
        "#7b1e1e" if cls == "blocked" else "#ffffff" if cls in ("run", "failed") else "#222"
    )
    return (
        f'<g class="seg {cls}"><title>{escape(title)}</title><rect x="{x0:.1f}" y="{y:.1f}" '
        f'width="{w:.1f}" height="{h}" rx="3" fill="{fill}"{stroke}/>'
        f'<text x="{x0 + 4:.1f}" y="{y + h - 5:.1f}" fill="{text_colour}">{shown}</text></g>'
    )


def render_timeline(rec: Recorder) -> str:
    axis = Axis(rec)
    lanes = list(rec.lanes.values())
    height = TOP + (len(lanes) + 1) * LANE_H + AXIS_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{axis.width:.0f}" '
        f'height="{height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" '
        'font-size="11">',
        '<defs><pattern id="blocked-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fde2e1"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#f08c8c" stroke-width="3"/></pattern></defs>',
    ]
    for step, (x0, w, _, _) in axis.slots.items():
        if step % 2:
            out.append(
                f'<rect x="{x0:.1f}" y="{TOP}" width="{w:.1f}" '
                f'height="{height - TOP - AXIS_H + 6}" fill="#f5f7fa"/>'
            )
    for i, lane in enumerate(lanes):
        out.append(_lane(rec, axis, lane, TOP + i * LANE_H))
    out.append(_dmesg_lane(rec, axis, TOP + len(lanes) * LANE_H))
    out.append(_axis(rec, axis, height - AXIS_H))
    out.append(
        f'<line class="cursor" x1="0" x2="0" y1="{TOP}" y2="{height - AXIS_H}" stroke="#d62828" '
        'stroke-width="1.5" stroke-dasharray="3 2" visibility="hidden"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


def _lane(rec: Recorder, axis: Axis, lane, y: float) -> str:
    parts = [
        f'<g class="lane {lane.kind}" data-lane="{escape(lane.id)}">',
        f'<text class="lane-label" x="6" y="{y + LANE_H / 2 + 4:.1f}" font-weight="bold">'
        f"{escape(_fit(lane.label, LABEL_W - 12))}<title>{escape(lane.label)}</title></text>",
        f'<line x1="{LABEL_W}" x2="{axis.width - 8:.1f}" y1="{y + LANE_H - 1:.1f}" '
        f'y2="{y + LANE_H - 1:.1f}" stroke="#e2e2e2"/>',
    ]
    by = y + (LANE_H - BAR_H) / 2
    x_start, x_end = axis.x(lane.start), axis.x(lane.end or rec.now(), end=True)
    if lane.kind == "script":
        for s in rec.steps:
            x0 = axis.x((s.index, s.start))
            x1 = axis.x((s.index, s.end if s.end is not None else s.start), end=True)
            cls = "run" if s.rc == 0 else "failed"
            title = f"step {s.index} at {s.start / NSEC_PER_SEC:.6f} s: {s.command} (exit {s.rc})"
            parts.append(_bar(x0, x1, by, COLOURS[cls], s.command, title, cls))
    elif lane.kind == "process":
        title = f"{lane.label}: running"
        parts.append(
            _bar(x_start, x_end, by + 4, COLOURS["process"], "running", title, "process", BAR_H - 8)
        )
    else:
        parts.append(
            f'<line class="lifetime" x1="{x_start:.1f}" x2="{x_end:.1f}" y1="{y + LANE_H / 2:.1f}" '
            f'y2="{y + LANE_H / 2:.1f}" stroke="#999999" stroke-width="2"/>'
        )
    for seg in lane.segments:
        parts.append(_segment(rec, axis, seg, by))
    parts.append("</g>")
    return "".join(parts)


def _segment(rec: Recorder, axis: Axis, seg: Segment, y: float) -> str:
    end = seg.end or rec.now()
    x0, x1 = axis.x(seg.start), axis.x(end, end=True)
    t0, t1 = seg.start[1] / NSEC_PER_SEC, end[1] / NSEC_PER_SEC
    span = f"{t0:.6f} s to {t1:.6f} s ({t1 - t0:g} s)"
    if seg.kind == "blocked":
        return _bar(x0, x1, y, "", seg.label, f"blocked: {seg.label}, {span}", "blocked")
    cls = "failed" if seg.kind == "run" and seg.rc else seg.kind
    title = f"{seg.label}: {span}" + (f", exit {seg.rc}" if seg.rc is not None else "")
    return _bar(x0, x1, y, COLOURS[cls], seg.label, title, cls)


def _dmesg_lane(rec: Recorder, axis: Axis, y: float) -> str:
    parts = [
        '<g class="lane dmesg" data-lane="dmesg">',
        f'<text class="lane-label" x="6" y="{y + LANE_H / 2 + 4:.1f}" '
        'font-weight="bold">dmesg</text>',
    ]
    bounds = [(s.index, s.dmesg_from) for s in rec.steps]
    records = rec.kernel.printk.records
    step = 0
    for n, record in enumerate(records):
        while bounds and n >= bounds[0][1]:
            step = bounds.pop(0)[0]
        x = axis.x((step, record.time_ns))
        colour = "#c53030" if record.level <= 3 else "#777777"
        parts.append(
            f'<line class="dmesg-line" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 5}" '
            f'y2="{y + LANE_H - 5}" stroke="{colour}" stroke-width="1.5">'
            f"<title>{escape(record.line())}</title></line>"
        )
    parts.append("</g>")
    return "".join(parts)


def _axis(rec: Recorder, axis: Axis, y: float) -> str:
    parts = [
        f'<g class="axis"><line x1="{LABEL_W}" x2="{axis.width - 8:.1f}" y1="{y + 4}" '
        f'y2="{y + 4}" stroke="#444"/>'
    ]
    parts.append(f'<text x="6" y="{y + 16}" fill="#444">step / virtual time</text>')
    last_time = None
    for step, (x0, _w, t0, _) in axis.slots.items():
        if step == 0:
            continue
        parts.append(f'<text x="{x0 + 3:.1f}" y="{y + 16}" fill="#444">{step}</text>')
        if t0 != last_time:
            parts.append(
                f'<text x="{x0 + 3:.1f}" y="{y + 30}" fill="#888" font-size="10">'
                f"{t0 / NSEC_PER_SEC:.1f} s</text>"
            )
            last_time = t0
    parts.append("</g>")
    return "".join(parts)

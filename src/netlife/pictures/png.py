"""PNG of a Graph, drawn with Pillow from the same layout as the SVG.

Model-only. Pillow's wheels carry their own rasteriser and FreeType, and Pillow (10.1 on)
ships a scalable default font, so a PNG needs nothing from the system. Text is drawn in that
font (proportional, narrower than the SVG's monospace), centred in the same boxes.
"""

from __future__ import annotations

import io
import math

from netlife.pictures.graph import Graph
from netlife.pictures.layout import LINE_H, MARGIN, PAD_Y, Layout, bezier_point, layout
from netlife.pictures.svg import CLUSTER_FILL, CLUSTER_STROKE, edge_style, node_colours

SCALE = 2  # pixels per layout unit: sharp text on high-density screens
STEPS = 24  # line segments per Bézier curve


def render_png(g: Graph, lay: Layout | None = None) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    lay = lay or layout(g)
    s = SCALE
    img = Image.new("RGB", (math.ceil(lay.width * s), math.ceil(lay.height * s)), "#ffffff")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=11 * s)
    small = ImageFont.load_default(size=9 * s)
    bold = ImageFont.load_default(size=12 * s)
    draw.text((MARGIN * s, MARGIN * s), g.title, fill="#000000", font=bold)
    for name, box in lay.clusters.items():
        draw.rounded_rectangle(
            _rect(box), radius=8 * s, fill=CLUSTER_FILL, outline=CLUSTER_STROKE, width=s
        )
        draw.text(((box.x + 8) * s, (box.y + 4) * s), name, fill="#666655", font=font)
    for key, e in sorted(g.edges.items(), key=lambda kv: kv[1].red):
        colour, dash, arrow = edge_style(e)
        pts = lay.edges[key]
        width = round((2.4 if e.red else 1.3) * s)
        length = sum(math.dist(pts[i], pts[i + 1]) for i in range(3))
        steps = max(STEPS, int(length / 5)) // 2 * 2  # dashes about 5 units long
        line = [(x * s, y * s) for x, y in (bezier_point(pts, i / steps) for i in range(steps + 1))]
        if dash:
            for i in range(0, steps, 2):
                draw.line(line[i : i + 2], fill=colour, width=width)
        else:
            draw.line(line, fill=colour, width=width, joint="curve")
        if arrow:
            _arrowhead(draw, line[-2], line[-1], colour, 7 * s)
        label = "" if e.kind == "drives" or not e.labels else e.labels[0]
        if label:
            mx, my = bezier_point(pts, 0.4)
            draw.text(
                ((mx + 4) * s, (my - 13) * s),
                label,
                fill=colour,
                font=small,
                stroke_width=2,
                stroke_fill="#ffffff",
            )
    for nid, node in g.nodes.items():
        box = lay.nodes[nid]
        fill, stroke = node_colours(node)
        radius = (14 if node.category in ("process", "task") else 4) * s
        draw.rounded_rectangle(
            _rect(box),
            radius=radius,
            fill=fill,
            outline=stroke,
            width=round((2.6 if node.red else 1.2) * s),
        )
        for i, text in enumerate(node.lines):
            f = bold if i == 0 else font
            tw = draw.textlength(text, font=f)
            y = box.y + PAD_Y + i * LINE_H
            draw.text(
                ((box.x + box.w / 2) * s - tw / 2, y * s),
                text,
                fill="#000000" if i == 0 else "#444444",
                font=f,
            )
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _rect(box) -> tuple[float, float, float, float]:
    return (box.x * SCALE, box.y * SCALE, (box.x + box.w) * SCALE, (box.y + box.h) * SCALE)


def _arrowhead(draw, p0, p1, colour: str, size: float) -> None:
    angle = math.atan2(p1[1] - p0[1], p1[0] - p0[0])
    left = (p1[0] - size * math.cos(angle - 0.4), p1[1] - size * math.sin(angle - 0.4))
    right = (p1[0] - size * math.cos(angle + 0.4), p1[1] - size * math.sin(angle + 0.4))
    draw.polygon([p1, left, right], fill=colour)

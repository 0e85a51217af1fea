"""Drawing a Graph: SVG from the pure-Python layout, and DOT for Graphviz users.

Model-only. Colours say what a box is (device state, process, module, task, holder); a red
outline or line is the chain of a blocked task. Every node is a `<g class="node …">` with
`data-id` and `data-name`, every edge a `<g class="edge …">` with `data-src` and `data-dst`,
so the HTML report (and its browser test) can find them.
"""

from __future__ import annotations

from html import escape

from netlife.pictures.graph import Edge, Graph, Node
from netlife.pictures.layout import (
    CHAR_W,
    FONT_SIZE,
    LINE_H,
    MARGIN,
    PAD_Y,
    Layout,
    bezier_point,
    layout,
)

RED = "#d62828"
# category or device state → (fill, stroke)
NODE_COLOURS = {
    "registered": ("#e8f1fb", "#3b6ea8"),
    "unregistering": ("#fff4d6", "#b7791f"),
    "waiting": ("#fde2e1", "#c53030"),
    "allocated": ("#f4f4f4", "#777777"),
    "process": ("#e6f4ea", "#2f855a"),
    "fd": ("#f0e6fa", "#6b46c1"),
    "module": ("#eeeeee", "#555555"),
    "task": ("#ffffff", RED),
    "holder": ("#fafafa", "#888888"),
    "netns": ("#f7f7f7", "#999999"),
}
# edge kind → (colour, dash, arrow)
EDGE_STYLES = {
    "waits": (RED, "6 3", True),
    "lease": ("#805ad5", "", True),
    "consumer": ("#2f855a", "", True),
    "ref": ("#555555", "5 3", True),
    "lower": ("#3b6ea8", "", True),
    "master": ("#3b6ea8", "", True),
    "peer": ("#888888", "2 3", False),
    "drives": ("#9a9a9a", "2 3", True),
    "netns": ("#aaaaaa", "4 4", True),
}
CLUSTER_FILL, CLUSTER_STROKE = "#fbfbf7", "#b8b8a8"


def node_colours(node: Node) -> tuple[str, str]:
    fill, stroke = NODE_COLOURS[node.state if node.category == "device" else node.category]
    return fill, (RED if node.red else stroke)


def edge_style(edge: Edge) -> tuple[str, str, bool]:
    colour, dash, arrow = EDGE_STYLES[edge.kind]
    return (RED if edge.red else colour), dash, arrow


def render_svg(g: Graph, lay: Layout | None = None) -> str:
    lay = lay or layout(g)
    w, h = round(lay.width), round(lay.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="device-graph" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, '
        f'monospace" font-size="{FONT_SIZE}">',
        "<defs>",
    ]
    for name, colour in (("a", "#555555"), ("r", RED), ("g", "#2f855a"), ("p", "#805ad5")):
        out.append(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect width="{w}" height="{h}" fill="#ffffff"/>')
    out.append(
        f'<text class="graph-title" x="{MARGIN}" y="{MARGIN + 14}" font-size="13" '
        f'font-weight="bold">{escape(g.title)}</text>'
    )
    for name, box in lay.clusters.items():
        out.append(
            f'<g class="cluster" data-name="{escape(name)}"><rect x="{box.x:.1f}" '
            f'y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" rx="8" '
            f'fill="{CLUSTER_FILL}" stroke="{CLUSTER_STROKE}"/><text x="{box.x + 8:.1f}" '
            f'y="{box.y + 15:.1f}" fill="#666655" font-style="italic">{escape(name)}</text></g>'
        )
    for key, e in sorted(g.edges.items(), key=lambda kv: kv[1].red):  # red on top
        out.append(_edge_svg(e, lay.edges[key]))
    for nid, node in g.nodes.items():
        out.append(_node_svg(node, lay.nodes[nid]))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker(colour: str) -> str:
    return {RED: "r", "#2f855a": "g", "#805ad5": "p"}.get(colour, "a")


def _edge_svg(e: Edge, pts: list) -> str:
    colour, dash, arrow = edge_style(e)
    width = 2.4 if e.red else 1.3
    d = "M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}".format(
        *[c for p in pts for c in p]
    )
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    end = f' marker-end="url(#arrow-{_marker(colour)})"' if arrow else ""
    classes = f"edge {e.kind}" + (" red" if e.red else "")
    label = " · ".join(e.labels)
    # The first label names the edge (the rest, references it carries, are in the tooltip);
    # drawn at a third of the way, as edges into one box crowd near its end.
    shown = "" if e.kind == "drives" else e.labels[0] if e.labels else ""
    if len(e.labels) > 1:
        shown += " …"
    mx, my = bezier_point(pts, 0.4)
    text = ""
    if shown:
        text = (
            f'<text x="{mx + 4:.1f}" y="{my - 3:.1f}" font-size="10" fill="{colour}" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(shown)}</text>'
        )
    return (
        f'<g class="{classes}" data-src="{escape(e.src)}" data-dst="{escape(e.dst)}" '
        f'data-kind="{e.kind}"><title>{escape(label)}</title><path d="{d}" fill="none" '
        f'stroke="{colour}" stroke-width="{width}"{dash_attr}{end}/>{text}</g>'
    )


def _node_svg(node: Node, box) -> str:
    fill, stroke = node_colours(node)
    width = 2.6 if node.red else 1.2
    dash = ' stroke-dasharray="4 3"' if node.category == "holder" or node.state == "waiting" else ""
    rx = 14 if node.category in ("process", "task") else 4
    classes = f"node {node.category}" + (f" {node.state}" if node.state else "")
    classes += " red" if node.red else ""
    parts = [
        f'<g class="{classes}" data-id="{escape(node.id)}" data-name="{escape(node.lines[0])}">',
        f"<title>{escape(' / '.join(node.lines))}</title>",
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>',
    ]
    for i, line in enumerate(node.lines):
        y = box.y + PAD_Y + (i + 1) * LINE_H - 4
        weight = ' font-weight="bold"' if i == 0 else ' fill="#444444"'
        x = box.x + (box.w - len(line) * CHAR_W) / 2
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}"{weight}>{escape(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


# -- DOT -----------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A DOT quoted string; a newline in text becomes DOT's centred line break."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def render_dot(g: Graph) -> str:
    out = [
        "digraph netlife {",
        f"  label={_q(g.title)}; labelloc=t; rankdir=TB; compound=true;",
        '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];',
        '  edge [fontname="monospace", fontsize=9];',
    ]

    def node_line(node: Node, indent: str) -> str:
        fill, stroke = node_colours(node)
        pen = 2.5 if node.red else 1
        return (
            f"{indent}{_q(node.id)} [label={_q(chr(10).join(node.lines))}, fillcolor={_q(fill)}, "
            f'color={_q(stroke)}, penwidth={pen}, class="{node.category} {node.state}"];'
        )

    for n, cluster in enumerate(g.clusters):
        out.append(f"  subgraph cluster_{n} {{")
        out.append(f'    label={_q(cluster)}; style="rounded"; color="#b8b8a8";')
        out.extend(node_line(node, "    ") for node in g.nodes.values() if node.cluster == cluster)
        out.append("  }")
    out.extend(node_line(node, "  ") for node in g.nodes.values() if node.cluster not in g.clusters)
    for e in g.edges.values():
        colour, dash, arrow = edge_style(e)
        attrs = [f"label={_q(' · '.join(e.labels))}", f"color={_q(colour)}"]
        if dash:
            attrs.append('style="dashed"')
        if not arrow:
            attrs.append("dir=none, constraint=false")
        if e.red:
            attrs.append("penwidth=2.5")
        out.append(f"  {_q(e.src)} -> {_q(e.dst)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"

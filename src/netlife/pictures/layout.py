"""A layered layout of a Graph, in pure Python (no Graphviz needed).

Holders are drawn above what they hold: ranks come from the longest path over the holding,
driving and waiting edges (cycles broken where a depth-first walk meets them; peers and
link-netns do not rank). Each namespace is a column of its own, so a cluster is a rectangle
that no other cluster crosses; modules, which belong to no namespace, get the first column.
Within a column each rank is a row, ordered by a few barycenter sweeps to shorten edges.
Edges are cubic Bézier curves from the bottom of the holder to the top of the held.

Sizes assume a monospace font of FONT_SIZE px (CHAR_W px a character), as svg.py draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlife.pictures.graph import Graph

FONT_SIZE = 12
CHAR_W = 7.3
LINE_H = 15
PAD_X, PAD_Y = 8, 6
NODE_GAP = 24
RANK_GAP = 56
COLUMN_GAP = 36
CLUSTER_PAD = 14
CLUSTER_TITLE = 20
MARGIN = 16
TITLE_H = 28
UNRANKED = ("peer", "netns")
SWEEPS = 4
MAX_ROW = 4  # nodes side by side in one column before the row wraps
WRAP = 64  # at most this many wrapped rows per rank

Point = tuple[float, float]


@dataclass(slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(slots=True)
class Layout:
    width: float
    height: float
    nodes: dict[str, Box] = field(default_factory=dict)
    clusters: dict[str, Box] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[Point]] = field(default_factory=dict)  # 4 Bézier points


def node_size(lines: list[str]) -> tuple[float, float]:
    width = max((len(line) for line in lines), default=1) * CHAR_W + 2 * PAD_X
    return round(width, 1), len(lines) * LINE_H + 2 * PAD_Y


def _ranks(g: Graph) -> dict[str, int]:
    succ: dict[str, list[str]] = {nid: [] for nid in g.nodes}
    for (src, dst), e in g.edges.items():
        if e.kind not in UNRANKED:
            succ[src].append(dst)
    # Depth-first: an edge back to a node on the current path closes a cycle; drop it.
    state: dict[str, int] = {}
    order: list[str] = []
    for root in g.nodes:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            nid, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[nid] = 2
                order.append(nid)
                stack.pop()
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
            elif state[nxt] == 1:
                succ[nid] = [s for s in succ[nid] if s != nxt]
    order.reverse()  # a topological order of the acyclic rest
    rank = dict.fromkeys(g.nodes, 0)
    for nid in order:
        for s in succ[nid]:
            rank[s] = max(rank[s], rank[nid] + 1)
    # A node that holds things but nothing holds sits just above the nearest it holds.
    preds = {s for nid in order for s in succ[nid]}
    for nid in reversed(order):
        if nid not in preds and succ[nid]:
            rank[nid] = min(rank[s] for s in succ[nid]) - 1
    return rank


def layout(g: Graph) -> Layout:
    rank = _ranks(g)
    columns: list[str | None] = [None, *g.clusters]
    rows: dict[tuple[str | None, int], list[str]] = {}
    for nid, node in g.nodes.items():
        col = node.cluster if node.cluster in g.clusters else None
        rows.setdefault((col, rank[nid]), []).append(nid)
    rows = _wrap(rows, rank)
    sizes = {nid: node_size(n.lines) for nid, n in g.nodes.items()}
    neighbours: dict[str, list[str]] = {nid: [] for nid in g.nodes}
    for src, dst in g.edges:
        neighbours[src].append(dst)
        neighbours[dst].append(src)
    ranks = sorted({r for _, r in rows})
    col_w = {c: _column_width(c, ranks, rows, sizes) for c in columns}
    columns = [c for c in columns if col_w[c] > 0]
    for _ in range(SWEEPS):
        xs = _place(columns, ranks, rows, sizes, col_w)
        for ids in rows.values():
            ids.sort(key=lambda n: _barycenter(n, neighbours, xs))
    xs = _place(columns, ranks, rows, sizes, col_w)
    rank_h = {
        r: max(sizes[n][1] for (c, rr), ids in rows.items() if rr == r for n in ids) for r in ranks
    }
    rank_y, y = {}, MARGIN + TITLE_H + CLUSTER_TITLE + CLUSTER_PAD
    for r in ranks:
        rank_y[r] = y
        y += rank_h[r] + RANK_GAP
    out = Layout(0, 0)
    for nid in g.nodes:
        w, h = sizes[nid]
        out.nodes[nid] = Box(xs[nid] - w / 2, rank_y[rank[nid]] + (rank_h[rank[nid]] - h) / 2, w, h)
    x = MARGIN
    for c in columns:
        ids = [n for (cc, _), group in rows.items() if cc == c for n in group]
        if c is not None:
            top = min(out.nodes[n].y for n in ids) - CLUSTER_PAD - CLUSTER_TITLE
            bottom = max(out.nodes[n].y + out.nodes[n].h for n in ids) + CLUSTER_PAD
            out.clusters[c] = Box(x, top, col_w[c] + 2 * CLUSTER_PAD, bottom - top)
        x += col_w[c] + 2 * CLUSTER_PAD + COLUMN_GAP
    out.width = max(x - COLUMN_GAP + MARGIN, 320, len(g.title) * CHAR_W + 2 * MARGIN)
    out.height = y - RANK_GAP + CLUSTER_PAD + MARGIN
    for key, e in g.edges.items():
        out.edges[key] = _route(out.nodes[e.src], out.nodes[e.dst], rank[e.src], rank[e.dst])
    return out


def _wrap(rows: dict, rank: dict[str, int]) -> dict:
    """Rows wider than MAX_ROW nodes continue on rows below, before the next rank's."""
    out: dict = {}
    for (col, r), ids in rows.items():
        for k in range(0, len(ids), MAX_ROW):
            sub = min(k // MAX_ROW, WRAP - 1)
            for nid in ids[k : k + MAX_ROW]:
                rank[nid] = r * WRAP + sub
                out.setdefault((col, rank[nid]), []).append(nid)
    return out


def _column_width(c, ranks, rows, sizes) -> float:
    widths = [
        sum(sizes[n][0] for n in rows.get((c, r), [])) + NODE_GAP * (len(rows.get((c, r), [])) - 1)
        for r in ranks
        if rows.get((c, r))
    ]
    return max(widths, default=0)


def _place(columns, ranks, rows, sizes, col_w) -> dict[str, float]:
    """Centre x of each node: rows centred in their column, columns side by side."""
    xs: dict[str, float] = {}
    left = MARGIN + CLUSTER_PAD
    for c in columns:
        for r in ranks:
            ids = rows.get((c, r), [])
            width = sum(sizes[n][0] for n in ids) + NODE_GAP * (len(ids) - 1)
            x = left + (col_w[c] - width) / 2
            for n in ids:
                xs[n] = x + sizes[n][0] / 2
                x += sizes[n][0] + NODE_GAP
        left += col_w[c] + 2 * CLUSTER_PAD + COLUMN_GAP
    return xs


def _barycenter(nid: str, neighbours: dict[str, list[str]], xs: dict[str, float]) -> float:
    near = neighbours[nid]
    return sum(xs[n] for n in near) / len(near) if near else xs[nid]


def _route(a: Box, b: Box, ra: int, rb: int) -> list[Point]:
    if ra < rb:  # down: bottom of the holder to the top of the held
        p0, p3 = (a.cx, a.y + a.h), (b.cx, b.y)
        dy = (p3[1] - p0[1]) / 2
        return [p0, (p0[0], p0[1] + dy), (p3[0], p3[1] - dy), p3]
    if ra > rb:  # up (a cycle, or an unranked edge): top to bottom
        p0, p3 = (a.cx, a.y), (b.cx, b.y + b.h)
        dy = (p0[1] - p3[1]) / 2
        return [p0, (p0[0], p0[1] - dy), (p3[0], p3[1] + dy), p3]
    # Same row: side to side, bowed above the row.
    if a.cx <= b.cx:
        p0, p3 = (a.x + a.w, a.cy), (b.x, b.cy)
    else:
        p0, p3 = (a.x, a.cy), (b.x + b.w, b.cy)
    lift = min(40.0, abs(p3[0] - p0[0]) / 3 + 10)
    return [p0, (p0[0], p0[1] - lift), (p3[0], p3[1] - lift), p3]


def bezier_point(pts: list[Point], t: float) -> Point:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
    u = 1 - t
    x = u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3
    y = u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3
    return x, y

"""The graph's SVG export read as geometry: which edges pass through a node that is not one of their
ends. The export draws what the page draws (graph-view.js `snapshot`): nodes as rounded rects (inputs
as ellipses, read as the box round them), edges as lines, or polylines through their bends."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2

SVG = "{http://www.w3.org/2000/svg}"


def drawn(svg: str) -> tuple[list[Box], list[list[Point]]]:
    """The nodes (rounded rects and the boxes round ellipses; an open box's frame is dashed and left
    out, as is the output's inner border) and the edges' paths."""
    root = ET.fromstring(svg)
    boxes = [
        (x, y, x + float(r.get("width", 0)), y + float(r.get("height", 0)))
        for r in root.iter(SVG + "rect")
        if r.get("rx") == "8" and not r.get("stroke-dasharray") and r.get("fill") != "none"
        for x, y in [(float(r.get("x", 0)), float(r.get("y", 0)))]
    ]
    for e in root.iter(SVG + "ellipse"):
        cx, cy, rx, ry = (float(e.get(key, 0)) for key in ("cx", "cy", "rx", "ry"))
        boxes.append((cx - rx, cy - ry, cx + rx, cy + ry))
    paths = [
        [
            (float(line.get("x1", 0)), float(line.get("y1", 0))),
            (float(line.get("x2", 0)), float(line.get("y2", 0))),
        ]
        for line in root.iter(SVG + "line")
    ]
    for poly in root.iter(SVG + "polyline"):
        points = [tuple(map(float, p.split(","))) for p in (poly.get("points") or "").split()]
        paths.append([(x, y) for x, y in points])
    return boxes, paths


def _crosses(a: Point, b: Point, box: Box) -> bool:
    """Segment a→b through the inside of `box` (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1])):
        if p == 0:
            if q <= 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 >= t1:
                return False
    return True


def edges_through_nodes(svg: str, margin: float = 3.0) -> list[tuple[list[Point], Box]]:
    """(edge path, node box) for each edge drawn through a node other than its ends. An edge's ends
    are the nodes its first and last points lie on; a node is shrunk by `margin` (its border)."""

    def on(point: Point, box: Box) -> bool:
        return box[0] - 4 <= point[0] <= box[2] + 4 and box[1] - 4 <= point[1] <= box[3] + 4

    boxes, paths = drawn(svg)
    found = []
    for path in paths:
        for box in boxes:
            if on(path[0], box) or on(path[-1], box):
                continue
            inner = (box[0] + margin, box[1] + margin, box[2] - margin, box[3] - margin)
            if any(_crosses(path[i], path[i + 1], inner) for i in range(len(path) - 1)):
                found.append((path, box))
    return found


def drawn_graph_text(page: Any) -> str:
    """The graph as drawn on `page` (its nodes' texts, shapes and edges), read from the page's own SVG
    export."""
    with page.expect_download() as svg:
        page.click("#export-svg")
    return Path(svg.value.path()).read_text()

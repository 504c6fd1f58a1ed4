"""Reading the SVG Graphviz writes: which nodes, edges and boxes it drew, and how.

Graphviz gives every node, edge and cluster a ``<g class="...">`` whose ``<title>`` is the
DOT name (``a->b`` for an edge); the shapes inside carry the colours and widths.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@dataclass
class Drawn:
    """One drawn node, edge or cluster: its outline (first path / polygon / ellipse) and texts."""

    element: ET.Element

    def shapes(self) -> list[ET.Element]:
        return [e for e in self.element.iter() if e.tag in (SVG + "path", SVG + "polygon", SVG + "ellipse")]

    @property
    def stroke(self) -> str:
        return self.shapes()[0].get("stroke", "")

    @property
    def fill(self) -> str:
        return self.shapes()[0].get("fill", "")

    @property
    def width(self) -> float:
        return float(self.shapes()[0].get("stroke-width", "1"))

    @property
    def dashed(self) -> bool:
        return self.shapes()[0].get("stroke-dasharray") is not None

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the outline."""
        shape = self.shapes()[0]
        numbers = [float(n) for n in _NUMBER.findall(shape.get("d") or shape.get("points") or "")]
        xs, ys = numbers[0::2], numbers[1::2]
        return min(xs), min(ys), max(xs), max(ys)

    def inside(self, other: Drawn) -> bool:
        a, b = self.bbox, other.bbox
        return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]

    @property
    def texts(self) -> list[str]:
        return [t.text or "" for t in self.element.iter(SVG + "text")]

    @property
    def tooltip(self) -> str:
        anchors = [a for a in self.element.iter(SVG + "a")]
        return anchors[0].get(XLINK + "title", "") if anchors else ""


@dataclass
class Picture:
    nodes: dict[str, Drawn]
    edges: dict[tuple[str, str], Drawn]
    clusters: dict[str, Drawn]
    texts: list[str]
    size: tuple[float, float] = (0.0, 0.0)  # width, height in points


def parse_svg(data: bytes) -> Picture:
    """Parse (so the SVG must be well-formed XML) and index what was drawn by DOT name."""
    root = ET.fromstring(data)
    nodes, edges, clusters = {}, {}, {}
    for group in root.iter(SVG + "g"):
        title = group.find(SVG + "title")
        if title is None:
            continue
        kind = group.get("class")
        if kind == "node":
            nodes[title.text] = Drawn(group)
        elif kind == "edge":
            a, _, b = (title.text or "").partition("->")
            edges[(a, b)] = Drawn(group)
        elif kind == "cluster":
            clusters[title.text] = Drawn(group)
    size = tuple(float(root.get(side, "0pt").removesuffix("pt")) for side in ("width", "height"))
    return Picture(nodes, edges, clusters, [t.text or "" for t in root.iter(SVG + "text")], size)  # type: ignore[arg-type]

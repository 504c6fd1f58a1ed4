"""Diagram -> a JSON graph (nodes, edges, groups with their attributes), for tools that
draw with something other than Graphviz. Deterministic: sorted lists and keys."""

from __future__ import annotations

import re
from dataclasses import asdict

from archlint.report.diagram.model import Diagram
from archlint.report.jsontext import dumps


_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable file names: escaped, as UTF-8 cannot hold them


def to_json(diagram: Diagram) -> str:
    diagram.sort()
    doc = {
        "level": diagram.level,
        "title": diagram.title,
        "notes": list(diagram.notes),
        "direction": diagram.direction,
        "groups": [asdict(g) for g in diagram.groups],
        "nodes": [asdict(n) for n in diagram.nodes],
        "edges": [asdict(e) for e in diagram.edges],
        "legend": [asdict(e) for e in diagram.legend],
    }
    text = dumps(doc)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

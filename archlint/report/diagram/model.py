"""The diagram every format is drawn from: nodes, edges, nested groups, a legend and notes.

Each level (service, cluster, package, module, function) builds one ``Diagram`` from the
Report; DOT, Mermaid and the JSON graph are three renderings of that same value, so the
formats cannot disagree. Labels here are plain text, exactly as scanned, as a tuple of
lines (so that a newline inside a scanned name cannot start a line of its own): escaping
is the renderers' job, each for its own syntax.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

# Edge and outline styles, in the vocabulary DOT uses (Mermaid maps them).
SOLID, DASHED, DOTTED, BOLD = "solid", "dashed", "dotted", "bold"

Lines = tuple[str, ...]


@dataclass(slots=True)
class Node:
    """One box, cylinder or pipe. ``group`` is the id of the innermost group holding it."""

    id: str
    label: Lines  # the first line is the name
    kind: str  # module | package | cluster | function | service | database | channel | external | library
    group: str | None = None
    shape: str = "box"
    fill: str = "#ffffff"
    color: str = "#444444"  # outline
    penwidth: float = 1.0
    style: str = SOLID
    tooltip: Lines = ()
    data: dict[str, object] = field(default_factory=dict)  # facts for the JSON graph


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    kind: str  # import | call | type_checking | http | grpc | messaging | data | cross-import | ...
    label: str = ""
    color: str = "#555555"
    style: str = SOLID
    penwidth: float = 1.0
    arrow: bool = True
    constraint: bool = True  # False: the layout ignores it (an edge against the layering)
    tooltip: Lines = ()
    data: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Group:
    """A box around nodes: a package, a deployment (compose file, namespace, serverless app)."""

    id: str
    label: Lines
    kind: str  # package | deployment | external
    parent: str | None = None
    fill: str = "#ffffff"
    color: str = "#999999"
    style: str = SOLID


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """What one colour, shape or line style means. ``kind`` "node" shows a shape filled with
    ``fill`` and outlined with ``color``; "swatch" only the colours (a compact key, for the
    coupling clusters); "edge" a line of ``color`` and ``style``."""

    kind: str  # node | swatch | edge
    label: Lines
    shape: str = "box"
    fill: str = "#ffffff"
    color: str = "#444444"
    style: str = SOLID
    penwidth: float = 1.0


@dataclass(slots=True)
class Diagram:
    level: str
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was collapsed, filtered or is missing
    direction: str = "LR"  # LR | TB

    def nesting(self) -> tuple[dict[str | None, list[Node]], dict[str | None, list[Group]]]:
        """Nodes by the group holding them and groups by their parent (None: the top), for
        renderers that write groups inside groups."""
        nodes: dict[str | None, list[Node]] = defaultdict(list)
        for node in self.nodes:
            nodes[node.group].append(node)
        groups: dict[str | None, list[Group]] = defaultdict(list)
        for group in self.groups:
            groups[group.parent].append(group)
        return nodes, groups

    def sort(self) -> Diagram:
        """Sorted nodes, edges and groups: one tree gives one text, whatever order facts came in."""
        self.nodes.sort(key=lambda n: n.id)
        self.edges.sort(key=lambda e: (e.source, e.target, e.kind))
        self.groups.sort(key=lambda g: g.id)
        return self

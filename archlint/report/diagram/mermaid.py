"""Diagram -> Mermaid flowchart text (for Markdown that GitHub and GitLab render).

Node ids are generated (``n1``, ``n2`` ... in sorted order); every label is quoted, with
quotes, ``<``, ``>``, ``&``, ``#`` and backticks written as Mermaid entity codes, so names
from scanned code stay text.
"""

from __future__ import annotations

from archlint.report.diagram.escape import mermaid_text
from archlint.report.diagram.model import BOLD, DASHED, DOTTED, Diagram

_LINKS = {  # (without, with) an arrowhead
    "plain": ("---", "-->"),
    "dashed": ("-.-", "-.->"),
    "thick": ("===", "==>"),
}
_SHAPES = {
    "cylinder": ('[("', '")]'),
    "cds": ('>"', '"]'),
    "folder": ('[/"', '"/]'),
    "ellipse": ('(["', '"])'),
}


def to_mermaid(diagram: Diagram) -> str:
    diagram.sort()
    ids = {node.id: f"n{i}" for i, node in enumerate(diagram.nodes, 1)}
    gids = {group.id: f"g{i}" for i, group in enumerate(diagram.groups, 1)}
    out = [f"---\ntitle: \"{mermaid_text((diagram.title,))}\"\n---", f"flowchart {diagram.direction}"]
    out += [f"  %% {mermaid_text((note,))}" for note in diagram.notes]
    nodes, children = diagram.nesting()

    def emit(group: str | None, indent: str) -> None:
        for node in nodes.get(group, ()):
            start, end = _SHAPES.get(node.shape, ('["', '"]'))
            out.append(f"{indent}{ids[node.id]}{start}{mermaid_text(node.label)}{end}")
        for child in children.get(group, ()):
            out.append(f'{indent}subgraph {gids[child.id]}["{mermaid_text(child.label)}"]')
            emit(child.id, indent + "  ")
            out.append(f"{indent}end")

    emit(None, "  ")
    styles = []
    for i, edge in enumerate(diagram.edges):
        line = "dashed" if edge.style in (DASHED, DOTTED) else ("thick" if edge.penwidth >= 3 else "plain")
        arrow = _LINKS[line][edge.arrow]
        label = f'|"{mermaid_text((edge.label,))}"|' if edge.label else ""
        out.append(f"  {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
        styles.append(f"  linkStyle {i} stroke:{edge.color},stroke-width:{min(edge.penwidth, 6):g}px")
    for node in diagram.nodes:
        dash = ",stroke-dasharray:4 3" if node.style == DASHED else ""
        width = f"{node.penwidth:g}px" if node.style != BOLD else f"{max(node.penwidth, 2):g}px"
        out.append(f"  style {ids[node.id]} fill:{node.fill},stroke:{node.color},stroke-width:{width}{dash}")
    for group in diagram.groups:
        out.append(f"  style {gids[group.id]} fill:{group.fill},stroke:{group.color}")
    out += styles
    out += _legend(diagram)
    return "\n".join(out) + "\n"


def _legend(diagram: Diagram) -> list[str]:
    """A subgraph of sample nodes; a line style is shown as a text node in the line's colour."""
    if not diagram.legend:
        return []
    out = ['  subgraph legend["Legend"]']
    styles = []
    for i, entry in enumerate(diagram.legend):
        text = mermaid_text(entry.label)
        if entry.kind == "edge":
            line = "\u21e2" if entry.style in (DASHED, DOTTED) else "\u2192"  # dashed / solid arrow
            out.append(f'    legend{i}["{line} {text}"]')
            styles.append(f"  style legend{i} fill:#ffffff,stroke:#ffffff,color:{entry.color}")
            continue
        start, end = _SHAPES.get(entry.shape, ('["', '"]'))
        out.append(f"    legend{i}{start}{text}{end}")
        styles.append(f"  style legend{i} fill:{entry.fill},stroke:{entry.color},stroke-width:{entry.penwidth:g}px")
    return [*out, "  end", *styles]

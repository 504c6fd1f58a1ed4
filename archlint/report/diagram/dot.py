"""Diagram -> DOT text, with the ``graphviz`` package; every name and label goes through
the escaping in ``escape`` (node names, HTML-like labels, escString tooltips)."""

from __future__ import annotations

import graphviz

from archlint.report.diagram.escape import dot_id, esc_string, html_label, html_text
from archlint.report.diagram.model import BOLD, DASHED, DOTTED, Diagram, Edge, Group, LegendEntry, Node
from archlint.report.diagram.style import FONT, INK

LEGEND_ID = "~legend"  # dot_id never yields "~l": a legend cannot collide with a module


def _node_style(style: str, rounded: bool) -> str:
    parts = ["filled"]
    if rounded:
        parts.append("rounded")
    if style in (DASHED, DOTTED, BOLD):
        parts.append(style)
    return ",".join(parts)


def _node_attrs(node: Node) -> dict[str, str]:
    attrs = {
        "label": html_label(node.label, bold_first=node.kind in ("service", "cluster"), size=9),
        "shape": node.shape,
        "style": _node_style(node.style, node.shape == "box"),
        "fillcolor": node.fill,
        "color": node.color,
        "penwidth": f"{node.penwidth:g}",
    }
    if node.tooltip:
        attrs["tooltip"] = esc_string(node.tooltip)
    return attrs


def _edge_attrs(edge: Edge) -> dict[str, str]:
    attrs = {"color": edge.color, "penwidth": f"{edge.penwidth:g}"}
    if edge.style != "solid":
        attrs["style"] = edge.style
    if edge.label:
        attrs["label"] = html_label((edge.label,))
        attrs["fontcolor"] = edge.color
    if not edge.arrow:
        attrs["arrowhead"] = "none"
    if not edge.constraint:
        attrs["constraint"] = "false"
    if edge.tooltip:
        attrs["tooltip"] = esc_string(edge.tooltip)
    return attrs


def to_dot(diagram: Diagram) -> str:
    diagram.sort()
    graph = graphviz.Digraph(
        "archlint",
        graph_attr={
            "rankdir": diagram.direction,
            "compound": "true",
            "newrank": "true",
            "fontname": FONT,
            "fontsize": "12",
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.25",
            "ranksep": "0.5",
            "label": _graph_label(diagram),
        },
        node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.12,0.04"},
        edge_attr={"fontname": FONT, "fontsize": "9", "arrowsize": "0.7"},
    )
    _fill(graph, None, *diagram.nesting())
    for edge in diagram.edges:
        graph.edge(dot_id(edge.source), dot_id(edge.target), **_edge_attrs(edge))
    if diagram.legend:
        tops = _legend(graph, diagram.legend, diagram.direction)
        if diagram.direction == "TB":
            _legend_below(graph, diagram, tops)
    return graph.source


def _legend_below(graph: graphviz.Digraph, diagram: Diagram, tops: list[str]) -> None:
    """Invisible edges from the drawing's sinks to the legend's first rank, so that a
    top-down diagram has its legend below it instead of beside its widest ranks (a large
    package diagram beside its legend was a long strip). The edges that place nodes are
    acyclic (those that close cycles do not constrain), so the lowest rank holds sinks.
    Only from sinks: an edge from every node would run through every rank and widen them
    all. Weight 0: the edges place the legend's rank, never pull a node sideways."""
    leaving = {e.source for e in diagram.edges if e.constraint}
    for node in diagram.nodes:
        if node.id not in leaving:
            for top in tops:
                graph.edge(dot_id(node.id), top, style="invis", weight="0")


def _fill(
    graph: graphviz.Digraph,
    group: str | None,
    nodes: dict[str | None, list[Node]],
    children: dict[str | None, list[Group]],
) -> None:
    for node in nodes.get(group, ()):
        graph.node(dot_id(node.id), **_node_attrs(node))
    for child in children.get(group, ()):
        with graph.subgraph(name="cluster_" + dot_id(child.id)) as sub:
            style = "filled,rounded" + (f",{child.style}" if child.style != "solid" else "")
            sub.attr(
                label=html_label(child.label, bold_first=True),
                style=style,
                fillcolor=child.fill,
                color=child.color,
                fontsize="11",
                tooltip=esc_string(child.label),
            )
            _fill(sub, child.id, nodes, children)


def _graph_label(diagram: Diagram) -> str:
    title = f'<B><FONT POINT-SIZE="14">{html_text(diagram.title)}</FONT></B>'
    notes = "".join(f'<BR ALIGN="LEFT"/><FONT COLOR="{INK}">{html_text(n)}</FONT>' for n in diagram.notes)
    return f"<{title}{notes}<BR ALIGN=\"LEFT\"/>>"


LEGEND_COLUMNS = 3


def _legend(graph: graphviz.Digraph, entries: list[LegendEntry], direction: str) -> list[str]:
    """The legend, boxed and compact: colour swatches in one table, sample shapes in a grid
    (chained by invisible edges), and sample lines stacked one under the other, drawn
    across the page whichever way the diagram runs. Returns the nodes that start each of
    those parts."""
    with graph.subgraph(name="cluster_" + LEGEND_ID) as legend:
        legend.attr(label="<<B>Legend</B>>", style="rounded", color="#bbbbbb", fontsize="11")
        swatches = [e for e in entries if e.kind == "swatch"]
        if swatches:
            legend.node(LEGEND_ID + "s", label=_swatch_table(swatches), shape="plaintext", fontsize="9")
        shapes, lines = [], []
        for i, entry in enumerate(entries):
            key = f"{LEGEND_ID}{i}"
            if entry.kind == "node":
                shapes.append(key)
                legend.node(
                    key,
                    label=html_label(entry.label),
                    shape=entry.shape,
                    style=_node_style(entry.style, entry.shape == "box"),
                    fillcolor=entry.fill,
                    color=entry.color,
                    penwidth=f"{entry.penwidth:g}",
                    fontsize="9",
                )
            elif entry.kind == "edge":
                lines.append(key)
                line = {"color": entry.color, "style": entry.style, "penwidth": f"{entry.penwidth:g}"}
                if direction == "LR":  # the text before a line that runs across the ranks
                    legend.node(key + "a", label=html_label(entry.label), shape="plaintext", fontsize="9")
                else:  # a line within one rank, its text on it (which also makes it long enough)
                    legend.node(key + "a", label="", shape="point", width="0.01", color=entry.color)
                    line["label"] = html_label(entry.label)
                    line["fontsize"] = "9"
                legend.node(key + "b", label="", shape="point", width="0.01", color=entry.color)
                legend.edge(key + "a", key + "b", **line)
        for start in range(0, len(shapes), LEGEND_COLUMNS):
            row = shapes[start : start + LEGEND_COLUMNS]
            for a, b in zip(row, row[1:]):
                legend.edge(a, b, style="invis")
        if direction == "LR":  # lines already run across: stack them in one rank
            _same_rank(legend, [k + "a" for k in lines])
        else:  # each line in a rank of its own, drawn across; the lines chained downwards
            for key in lines:
                _same_rank(legend, [key + "a", key + "b"])
            for a, b in zip(lines, lines[1:]):
                legend.edge(a + "a", b + "a", style="invis")
    return ([LEGEND_ID + "s"] if swatches else []) + shapes[::LEGEND_COLUMNS] + [k + "a" for k in lines[:1]]


def _same_rank(graph: graphviz.Digraph, keys: list[str]) -> None:
    if keys:
        with graph.subgraph() as same:
            same.attr(rank="same")
            for key in keys:
                same.node(key)


def _swatch_table(entries: list[LegendEntry]) -> str:
    rows = "".join(
        f'<TR><TD BGCOLOR="{e.fill}" COLOR="{e.color}" BORDER="{max(1, round(e.penwidth))}" WIDTH="18"></TD>'
        f'<TD ALIGN="LEFT">{"<BR/>".join(html_text(line) for line in e.label)}</TD></TR>'
        for e in entries
    )
    return f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="2">{rows}</TABLE>>'

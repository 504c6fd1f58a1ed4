"""Import cycles: strongly connected components and a shortest cycle through each."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx

from archlint.model.facts import TYPE_CHECKING
from archlint.model.findings import Finding, Location
from archlint.model.report import Cycle
from archlint.model.rules import RULES

EdgeEvidence = Callable[[str, str], Location]


def runtime_edges(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph without edges that exist only under `if TYPE_CHECKING:` (they never run,
    and are the usual way to break a cycle)."""
    keep = nx.DiGraph()
    keep.add_nodes_from(graph.nodes)
    keep.add_edges_from(
        (u, v, d)
        for u, v, d in graph.edges(data=True)
        if "kinds" not in d or set(d["kinds"]) - {TYPE_CHECKING}
    )
    return keep


def find_cycles(graph: nx.DiGraph, evidence: EdgeEvidence) -> list[Cycle]:
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        members = tuple(sorted(component))
        path = shortest_cycle(graph.subgraph(members), members[0])
        steps = tuple(evidence(a, b) for a, b in zip(path, path[1:]))
        cycles.append(Cycle(members, tuple(path), steps))
    return sorted(cycles, key=lambda c: (-len(c.members), c.members))


def shortest_cycle(graph: nx.DiGraph, start: str) -> list[str]:
    """A shortest cycle through ``start`` (breadth-first, neighbours in sorted order, so the
    same graph always gives the same cycle)."""
    parents = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph.successors(node)):
                if succ == start:
                    path = [node]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if succ not in parents:
                    parents[succ] = node
                    following.append(succ)
        frontier = following
    return [start, start]


def cycle_findings(cycles: Iterable[Cycle], code: str = "AL101", what: str = "modules") -> list[Finding]:
    rule = RULES[code]
    out = []
    for cycle in cycles:
        first = cycle.evidence[0] if cycle.evidence else Location("", 0)
        size = len(cycle.members)
        chain = " -> ".join(cycle.example)
        more = f" ({size} {what} in the cycle)" if size > len(cycle.example) - 1 else ""
        out.append(
            Finding(
                rule=code,
                severity=rule.severity,
                message=f"{rule.name.replace('-', ' ')}: {chain}{more}",  # import cycle, package cycle
                path=first.path,
                line=first.line,
                key="|".join(cycle.members),
                evidence=cycle.evidence,
            )
        )
    return out

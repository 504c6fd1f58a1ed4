"""The coupling graph clustering works on: undirected, one node per module, weighted by how
much two modules lean on each other.

Weights (docs/verdicts.md states them for users):
- an import, in either direction: 1.0 per direction (0.5 if it only exists under
  ``if TYPE_CHECKING:``);
- calls: ``log2(1 + n)`` per direction for n resolved call sites, so that a hundred calls
  weigh more than one but do not drown every other signal;
- data affinity: modules touching the same table pull together; a table touched by k
  modules adds 2 / k to each pair of them, so a table everyone uses adds little to any pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from itertools import combinations

import networkx as nx

from archlint.model.facts import TYPE_CHECKING
from archlint.model.source import Module, is_peripheral

IMPORT_WEIGHT = 1.0
TYPE_CHECKING_WEIGHT = 0.5
TABLE_WEIGHT = 2.0


def coupling_graph(
    imports: nx.DiGraph,
    modules: Mapping[str, Module],
    module_tables: Mapping[str, Iterable[str]] | None = None,
    definers: Mapping[str, Iterable[str]] | None = None,
) -> nx.Graph:
    """Undirected weighted graph over non-peripheral modules, nodes inserted in sorted order
    (with a seeded Louvain, the same input gives the same clusters)."""
    keep = sorted(m for m in imports.nodes if m in modules and not is_peripheral(modules[m]))
    kept = set(keep)
    graph = nx.Graph()
    graph.add_nodes_from(keep)

    def add(a: str, b: str, w: float) -> None:
        if a == b or w <= 0:
            return
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += w
        else:
            graph.add_edge(a, b, weight=w)

    for source, target, data in sorted(imports.edges(data=True), key=lambda e: (e[0], e[1])):
        if source not in kept or target not in kept:
            continue
        kinds = data.get("kinds", {})
        weight = TYPE_CHECKING_WEIGHT if kinds and set(kinds) == {TYPE_CHECKING} else IMPORT_WEIGHT
        if not kinds and not data.get("weight"):
            weight = 0.0  # a call-only edge
        add(source, target, weight + math.log2(1 + data.get("calls", 0)))
    if module_tables:
        users: dict[str, list[str]] = {}
        for module, tables in module_tables.items():
            if module in kept:
                for table in set(tables):
                    users.setdefault(table, []).append(module)
        for table in sorted(users):
            group = sorted(users[table])
            owners = [m for m in group if table in (definers or {}).get(m, ())]
            if owners:  # a table pulls its users towards the modules whose models define it
                for a, b in combinations(owners, 2):
                    add(a, b, TABLE_WEIGHT / len(owners))
                for user in group:
                    if user not in owners:
                        for owner in owners:
                            add(user, owner, TABLE_WEIGHT / len(owners))
            elif len(group) >= 2:
                for a, b in combinations(group, 2):
                    add(a, b, TABLE_WEIGHT / len(group))
    return graph

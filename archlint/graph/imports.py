"""The module import graph: a networkx DiGraph you can query, built from per-file facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from archlint.graph.resolve import ModuleIndex, external_kind, import_targets
from archlint.model.facts import FileFacts
from archlint.model.report import Dependency, ExternalImport, UnresolvedImport
from archlint.model.source import Module


@dataclass(slots=True)
class ImportGraph:
    """Internal modules as nodes; an edge u -> v carries ``kinds``: {kind: sorted lines}
    and ``weight``: the number of import statements."""

    graph: nx.DiGraph
    index: ModuleIndex
    external: dict[str, set[str]] = field(default_factory=dict)  # top name -> importers
    imports: int = 0
    unresolved: list[UnresolvedImport] = field(default_factory=list)

    def dependencies(self) -> list[Dependency]:
        out = []
        for source, target, data in self.graph.edges(data=True):
            for kind, lines in data["kinds"].items():
                out.append(Dependency(source, target, kind, tuple(sorted(set(lines)))))
        return sorted(out, key=lambda d: (d.source, d.target, d.kind))

    def external_imports(self) -> list[ExternalImport]:
        return [
            ExternalImport(name, external_kind(name), tuple(sorted(importers)))
            for name, importers in sorted(self.external.items())
        ]


def build_import_graph(modules: Iterable[Module], facts: Mapping[str, FileFacts],
                       layers: Mapping[str, tuple[str, ...]] | None = None) -> ImportGraph:
    index = ModuleIndex(modules, layers)
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(index.modules))
    edges: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    result = ImportGraph(graph, index)
    external: dict[str, set[str]] = defaultdict(set)
    for module in index.modules.values():
        file_facts = facts.get(module.path)
        if file_facts is None:
            continue
        for fact in file_facts.imports:
            result.imports += 1
            targets, ext, unresolved = import_targets(index, module, fact)
            if ext:
                external[ext].add(module.id)
            if unresolved:
                name = "." * fact.level + fact.module
                result.unresolved.append(UnresolvedImport(module.id, module.path, fact.line, name))
            for target in targets:
                edges[(module.id, target.id)][fact.kind].append(fact.line)
    for (source, target), kinds in sorted(edges.items()):
        graph.add_edge(
            source,
            target,
            kinds={k: sorted(v) for k, v in sorted(kinds.items())},
            weight=sum(len(v) for v in kinds.values()),
        )
    result.external = dict(external)
    result.unresolved.sort(key=lambda u: (u.path, u.line, u.name))
    return result


def aggregate(graph: nx.DiGraph, modules: Mapping[str, Module], depth: int) -> nx.DiGraph:
    """The graph of packages at ``depth`` (1 = top-level packages): an edge per pair of
    packages with any module edge between them, weighted by the module edges' weights, with
    the module edges that make it (``via``, sorted) for evidence."""
    out = nx.DiGraph()
    group = {m: modules[m].ancestor(depth) for m in graph.nodes}
    out.add_nodes_from(sorted(set(group.values())))
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        a, b = group[source], group[target]
        if a == b:
            continue
        if not out.has_edge(a, b):
            out.add_edge(a, b, weight=0, via=[])
        out[a][b]["weight"] += data.get("weight", 1)
        out[a][b]["via"].append((source, target))
    return out

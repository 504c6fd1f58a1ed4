"""Split candidates: which coupling clusters could become services, and at what cost.

A candidate's score is the product of four parts, each in [0, 1] and each shown to the
user (docs/verdicts.md):

- ``separation``: the share of the cluster's coupling weight that stays inside it. A
  cluster that mostly talks to itself can leave; one that mostly talks to others cannot.
- ``size``: ``min(1, modules / max(5, 2% of the clustered modules))``, times a penalty when
  the cluster is more than half of the code (that is the remaining core, not something to
  split off). In a 4,000-module code base a pair of modules is not a service.
- ``data``: ``0.5 + 0.5 * owned / (owned + shared)`` tables; 1.0 when it touches none.
  A service needs its own data; tables it would still share are a shared database.
- ``cycles``: ``1 / (1 + n)`` for n import cycles that cross the boundary, which would have
  to be broken first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx

from archlint.model.analysis import Cluster, CutEdge, Partition, SplitCandidate
from archlint.model.findings import Location, listed
from archlint.model.report import Cycle
from archlint.model.source import Module

MIN_SIZE = 2
FULL_SIZE = 5
FULL_SHARE = 0.02
HEAVIEST = 5


def split_candidates(
    partition: Partition,
    imports: nx.DiGraph,
    modules: Mapping[str, Module],
    cycles: Sequence[Cycle],
) -> list[SplitCandidate]:
    clustered = {m for c in partition.clusters for m in c.modules}
    total = max(1, len(clustered))
    hubs = set(partition.hubs)
    clustered |= hubs  # leaning on the shared core is part of the cut
    names = {c.id: c.name for c in partition.clusters}
    out = []
    for cluster in partition.clusters:
        if len(cluster.modules) < MIN_SIZE or len(partition.clusters) < 2 or _configuration(cluster, modules):
            continue
        inside = set(cluster.modules)
        cut = _cut(imports, modules, inside, clustered)
        crossing = tuple(
            c.members for c in cycles if inside & set(c.members) and set(c.members) - inside
        )
        parts = _score_parts(cluster, total, len(crossing))
        core = [e for e in cut if e.source in hubs or e.target in hubs]
        score = 1.0
        for _, value in parts:
            score *= value
        out.append(
            SplitCandidate(
                cluster=cluster.id,
                name=cluster.name,
                modules=cluster.modules,
                size=len(cluster.modules),
                cut_imports=sum(e.imports for e in cut),
                cut_calls=sum(e.calls for e in cut),
                heaviest=tuple(cut[:HEAVIEST]),
                tables_owned=cluster.tables_owned,
                tables_shared=tuple(
                    (table, tuple(names[i] for i in others)) for table, others in cluster.tables_shared
                ),
                cycles=crossing,
                score=round(score, 4),
                score_parts=parts,
                packages=_relation(cluster, modules),
                core_imports=sum(e.imports for e in core),
                core_calls=sum(e.calls for e in core),
            )
        )
    return sorted(out, key=lambda c: (-c.score, c.name))


_CONFIGURATION = frozenset({"settings", "config", "conf", "configs", "configuration"})


def _configuration(cluster: Cluster, modules: Mapping[str, Module]) -> bool:
    """A cluster of settings modules (a Django ``settings/`` package with base, dev and
    production) configures the code; it is not a part of it that could run alone."""
    return all(_CONFIGURATION & set(modules[m].name.split(".")) for m in cluster.modules)


def _cut(imports: nx.DiGraph, modules: Mapping[str, Module], inside: set[str], clustered: set[str]) -> list[CutEdge]:
    edges = []
    for source, target, data in imports.edges(data=True):
        if (source in inside) == (target in inside) or source not in clustered or target not in clustered:
            continue
        lines = [ln for ls in data.get("kinds", {}).values() for ln in ls]
        count = data.get("weight", 0) if data.get("kinds") else 0
        calls = data.get("calls", 0)
        line = min(lines) if lines else data.get("call_line", 0)
        edges.append(CutEdge(source, target, count, calls, Location(modules[source].path, line, f"{source} -> {target}")))
    return sorted(edges, key=lambda e: (-(e.imports + e.calls), e.source, e.target))


def _score_parts(cluster: Cluster, total: int, crossing_cycles: int) -> tuple[tuple[str, float], ...]:
    weight = cluster.internal_weight + cluster.external_weight
    separation = cluster.internal_weight / weight if weight else 0.0
    share = len(cluster.modules) / total
    full = max(FULL_SIZE, FULL_SHARE * total)
    size = min(1.0, len(cluster.modules) / full) * (1.0 if share <= 0.5 else max(0.0, 2 * (1 - share)))
    owned, shared = len(cluster.tables_owned), len(cluster.tables_shared)
    data = 1.0 if owned + shared == 0 else 0.5 + 0.5 * owned / (owned + shared)
    cycles = 1 / (1 + crossing_cycles)
    return tuple((k, round(v, 4)) for k, v in (("separation", separation), ("size", size), ("data", data), ("cycles", cycles)))


def _relation(cluster: Cluster, modules: Mapping[str, Module]) -> str:
    """How the cluster sits against the existing packages, in words."""
    top, count = cluster.packages[0]
    size = len(cluster.modules)
    in_package = sum(1 for m in modules.values() if m.ancestor(_depth(top, modules)) == top)
    if len(cluster.packages) == 1 and count == in_package:
        return f"matches package {top}"
    if count * 5 >= size * 4:
        extra = f", plus {size - count} from elsewhere" if size > count else ""
        return f"within package {top} ({count} of its {in_package} modules{extra})"
    return f"crosses packages: {listed([f'{p} ({n})' for p, n in cluster.packages], 4)}"


def _depth(package: str, modules: Mapping[str, Module]) -> int:
    module = modules.get(package)
    name = module.name if module else package.rpartition(":")[2]
    return name.count(".") + 1

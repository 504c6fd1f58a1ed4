"""Coupling clusters: Louvain community detection on the coupling graph, with a fixed seed
so that the same repository always gives the same clusters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

import networkx as nx

from archlint.model.analysis import Cluster, Partition
from archlint.model.source import Module

SEED = 42
RESOLUTION = 1.0
HUB_SIGMAS = 2.0  # a hub has more neighbours than the mean plus this many standard deviations
HUB_MIN_DEGREE = 8  # ... and at least this many, so that small code bases keep every module


def find_hubs(graph: nx.Graph) -> tuple[str, ...]:
    """Modules nearly everything leans on (the db session, the settings, the app factory).

    A hub is tied about equally to every cluster, so Louvain places it, and the modules
    hanging off it, almost at random (on the recovery fixture the ARI ranged from 0.65 to
    0.90 with the seed). Hubs are left out of clustering and reported as the shared core
    that any split must duplicate, extract as a library, or turn into a service."""
    degrees = [d for _, d in graph.degree()]
    if len(degrees) < 3:
        return ()
    mean = sum(degrees) / len(degrees)
    sd = (sum((d - mean) ** 2 for d in degrees) / len(degrees)) ** 0.5
    limit = max(HUB_MIN_DEGREE - 1, mean + HUB_SIGMAS * sd)
    return tuple(sorted(n for n, d in graph.degree() if d > limit))


def domain_depth(modules: Iterable[Module]) -> int:
    """The package depth at which a repository's domains live: 2 when all its code sits in
    one top-level package per import root (``shop.orders``, ``shop.billing``), else 1."""
    tops: dict[str, set[str]] = defaultdict(set)
    for module in modules:
        tops[module.root].add(module.name.partition(".")[0])
    return 2 if tops and all(len(names) == 1 for names in tops.values()) else 1


def find_clusters(
    graph: nx.Graph,
    modules: Mapping[str, Module],
    *,
    depth: int,
    module_tables: Mapping[str, Iterable[str]] | None = None,
    excluded: Iterable[str] = (),
    seed: int = SEED,
    resolution: float = RESOLUTION,
) -> Partition:
    hubs = find_hubs(graph)
    rest = graph.subgraph(n for n in graph.nodes if n not in hubs)
    connected = sorted(n for n in rest.nodes if rest.degree(n) > 0)
    unclustered = tuple(sorted(n for n in rest.nodes if rest.degree(n) == 0))
    core = rest.subgraph(connected)
    if not connected:
        return Partition(0.0, [], unclustered, tuple(sorted(excluded)), seed, resolution, hubs)
    communities = nx.community.louvain_communities(core, weight="weight", seed=seed, resolution=resolution)
    groups = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c[0]))
    modularity = nx.community.modularity(core, [set(g) for g in groups], weight="weight")
    member = {m: i for i, group in enumerate(groups) for m in group}

    table_clusters: dict[str, set[int]] = defaultdict(set)
    for module, tables in (module_tables or {}).items():
        if module in member:
            for table in tables:
                table_clusters[table].add(member[module])

    clusters = []
    for i, group in enumerate(groups):
        inside = set(group)
        internal_edges = internal_weight = external_weight = 0.0
        coupling = 0
        for a in group:
            for b, data in core[a].items():
                if b in inside:
                    internal_edges += 0.5
                    internal_weight += data["weight"] / 2
                else:
                    coupling += 1
                    external_weight += data["weight"]
        n = len(group)
        cohesion = 1.0 if n < 2 else internal_edges / (n * (n - 1) / 2)
        labels = Counter(modules[m].ancestor(depth) for m in group)
        packages = tuple(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))
        owned = tuple(sorted(t for t, cs in table_clusters.items() if cs == {i}))
        shared = tuple(
            sorted((t, tuple(sorted(cs - {i}))) for t, cs in table_clusters.items() if i in cs and len(cs) > 1)
        )
        clusters.append(
            Cluster(
                id=i,
                name=_name(packages, group),
                modules=tuple(group),
                cohesion=round(cohesion, 4),
                coupling=coupling,
                internal_weight=round(internal_weight, 4),
                external_weight=round(external_weight, 4),
                packages=packages,
                tables_owned=owned,
                tables_shared=shared,
            )
        )
    return Partition(
        round(modularity, 4), _unique_names(clusters), unclustered, tuple(sorted(excluded)), seed, resolution, hubs
    )


def _unique_names(clusters: list[Cluster]) -> list[Cluster]:
    """Two clusters mostly in one package get that name with a number: shop.orders, shop.orders-2."""
    seen: Counter[str] = Counter()
    out = []
    for cluster in clusters:
        seen[cluster.name] += 1
        if seen[cluster.name] > 1:
            cluster = replace(cluster, name=f"{cluster.name}-{seen[cluster.name]}")
        out.append(cluster)
    return out


_GENERIC_WORDS = frozenset(
    """api apis app apps base client clients common config conf core db dto dtos events handler
    handlers helpers init lib main manager managers model models repo repos repositories
    repository route routes router routers schema schemas serializers service services
    settings shared tasks types urls util utils view views worker workers""".split()
)


def _name(packages: tuple[tuple[str, int], ...], modules: list[str]) -> str:
    """The package most of the cluster lives in; else, in code laid out by layer
    (models/, api/, services/), the domain word most of its module names share
    (orders_repository, orders_routes -> "orders"); else the two largest packages."""
    top, count = packages[0]
    size = len(modules)
    if count * 2 > size or len(packages) == 1:
        return top
    words: Counter[str] = Counter()
    for module in modules:
        tail = module.rpartition(":")[2].split(".")[-2:]
        words.update({w for part in tail for w in part.split("_") if len(w) > 2 and w not in _GENERIC_WORDS})
    if words:
        word, hits = min(words.items(), key=lambda kv: (-kv[1], kv[0]))
        if hits * 2 >= size:
            return word
    return f"{top}+{packages[1][0]}"

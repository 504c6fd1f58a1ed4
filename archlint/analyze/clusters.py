"""Coupling clusters: Louvain community detection on the coupling graph, with a fixed seed
so that the same repository always gives the same clusters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

import networkx as nx

from archlint.model.analysis import Cluster, PackageFit, Partition
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


DOMAIN_SHARE = 0.8


def domain_depth(modules: Iterable[Module]) -> int:
    """The package depth at which a repository's domains live: go one level deeper while
    one package holds 80% or more of the code (``saleor`` -> ``saleor.order``,
    ``saleor.product``; a namespace ``acme`` -> ``acme.billing``), at most 4 levels."""
    names = [m.id[: len(m.id) - len(m.name)] + m.name for m in modules]
    depth = 1
    while depth < 4 and names:
        deeper = [n for n in names if n.count(".") >= depth]
        if not deeper:
            break
        counts = Counter(".".join(n.split(".")[:depth]) for n in names)
        if counts.most_common(1)[0][1] < DOMAIN_SHARE * len(names):
            break
        depth += 1
    return depth


def induced(graph: nx.Graph, nodes: Iterable[str]) -> nx.Graph:
    """A copy of the subgraph on ``nodes`` with nodes and edges in sorted order. (A
    networkx subgraph *view* iterates a small node subset in set order, which differs from
    process to process.)"""
    keep = sorted(set(nodes))
    out = nx.Graph()
    out.add_nodes_from(keep)
    out.add_edges_from(
        sorted(
            (min(a, b), max(a, b), {"weight": d["weight"]})
            for a, b, d in graph.subgraph(keep).edges(data=True)
        )
    )
    return out


def louvain(graph: nx.Graph, seed: int, resolution: float) -> list[list[str]]:
    """Louvain communities, the same in every process. networkx keeps communities as sets
    of node labels, and sets of strings iterate in an order that changes with each
    process's hash seed: on saleor two runs gave different clusters. Integer labels hash
    to themselves, so the work is done on integers and mapped back."""
    names = sorted(graph.nodes)
    index = {name: i for i, name in enumerate(names)}
    numbered = nx.Graph()
    numbered.add_nodes_from(range(len(names)))
    numbered.add_weighted_edges_from(
        sorted(
            (min(index[a], index[b]), max(index[a], index[b]), d["weight"])
            for a, b, d in graph.edges(data=True)
        )
    )
    communities = nx.community.louvain_communities(numbered, weight="weight", seed=seed, resolution=resolution)
    return sorted((sorted(names[i] for i in c) for c in communities), key=lambda c: (-len(c), c[0]))


def find_clusters(
    graph: nx.Graph,
    modules: Mapping[str, Module],
    *,
    depth: int,
    module_tables: Mapping[str, Iterable[str]] | None = None,
    excluded: Iterable[str] = (),
    seed: int = SEED,
    resolution: float = RESOLUTION,
    apps: Mapping[str, str] | None = None,
) -> Partition:
    """``apps``: installed Django apps, package id -> label, compared with the clusters
    next to the packages at ``depth``."""
    hubs = find_hubs(graph)
    rest = induced(graph, (n for n in graph.nodes if n not in hubs))
    connected = [n for n in rest.nodes if rest.degree(n) > 0]
    unclustered = tuple(n for n in rest.nodes if rest.degree(n) == 0)
    core = induced(rest, connected)
    if not connected:
        return Partition(0.0, [], unclustered, tuple(sorted(excluded)), seed, resolution, hubs)
    groups = louvain(core, seed, resolution)
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
                name=_name(packages, [modules[m] for m in group], depth),
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
    named = _unique_names(clusters)
    return Partition(round(modularity, 4), named, unclustered, tuple(sorted(excluded)), seed, resolution, hubs,
                     package_fit(named, modules, depth, apps or {}))


def package_fit(clusters: Iterable[Cluster], modules: Mapping[str, Module], depth: int,
                apps: Mapping[str, str]) -> tuple[PackageFit, ...]:
    """Each package at ``depth`` and each Django app against the clusters: the code
    respects a package the clustering keeps whole and crosses one it splits. Packages with
    fewer than two clustered modules say nothing either way."""
    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for cluster in clusters:
        for module_id in cluster.modules:
            module = modules[module_id]
            spread[module.ancestor(depth)][cluster.name] += 1
            app = max((a for a in apps if module_id == a or module_id.startswith(a + ".")), key=len, default=None)
            if app is not None and app != module.ancestor(depth):
                spread[app][cluster.name] += 1
    out = []
    for package, counts in sorted(spread.items()):
        total = sum(counts.values())
        if total >= 2:
            out.append(PackageFit(package, apps.get(package), total,
                                  tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))))
    return tuple(out)


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
    """api apis app apps base client clients common config conf core dataloaders db dto dtos
    enums events exceptions fields filters forms graphql grpc handler handlers helpers http init
    lib main manager managers migrations model models mutations queries repo repos
    repositories repository resolvers rest route routes router routers schema schemas
    serializers service services settings shared signals tasks templatetags types urls util
    utils view views web worker workers""".split()
)


def _name(packages: tuple[tuple[str, int], ...], members: list[Module], depth: int) -> str:
    """A name a reader recognises: the deepest package holding most of the cluster
    (``saleor.graphql.order``); else, in code laid out by layer (models/, api/, graphql/),
    the domain word most of its module names share (``orders_repository``,
    ``graphql.order.types`` -> "order"); else the two largest packages joined by '+'."""
    size = len(members)
    best, best_level = None, 0
    for level in range(depth, depth + 4):
        counts = Counter(m.ancestor(level) for m in members)
        top, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if count * 2 <= size:
            break
        best, best_level = top, level
        if all(m.name.count(".") < level for m in members):
            break
    if best is not None and best_level > depth:
        return best
    words: Counter[str] = Counter()
    for m in members:
        parts = m.name.split(".")[max(0, depth - 1) :]
        words.update({w for part in parts for w in part.split("_") if len(w) > 2 and w not in _GENERIC_WORDS})
    if words:
        word, hits = min(words.items(), key=lambda kv: (-kv[1], kv[0]))
        if hits * 2 >= size:
            return word
    if best is not None:
        return best
    top = packages[0][0]
    return f"{top}+{packages[1][0]}" if len(packages) > 1 else top

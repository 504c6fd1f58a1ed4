"""Choosing what a diagram shows: excludes, a focus neighbourhood, and a node budget that
collapses modules into packages so that a large repository stays readable."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping

from archlint.model.errors import UsageError
from archlint.model.globs import module_matches, path_matches
from archlint.model.source import Module


def is_excluded(name: str, path: str | None, patterns: Iterable[str]) -> bool:
    """``name`` (a module, service or database) or its ``path`` matches one of ``patterns``;
    a name pattern also drops everything below it (``shop.legacy`` drops ``shop.legacy.x``)."""
    for pattern in patterns:
        if module_matches(name, pattern) or module_matches(name, pattern + ".**"):
            return True
        if path is not None and path_matches(path, pattern):
            return True
    return False


def split_id(node: str) -> tuple[str, list[str]]:
    """``root:a.b`` -> ("root:", ["a", "b"]): the import root prefix and the dotted parts."""
    root, sep, name = node.rpartition(":")
    return root + sep, name.split(".")


def prefixes(node: str) -> list[str]:
    """``a.b.c`` -> [a, a.b, a.b.c] (keeping a ``root:`` prefix)."""
    root, parts = split_id(node)
    return [root + ".".join(parts[: i + 1]) for i in range(len(parts))]


def focus_nodes(focus: str, nodes: Collection[str], mapping: Mapping[str, str], what: str) -> set[str]:
    """The nodes ``focus`` names: a node itself, the node a module maps to, or every node
    below a package prefix. One clear error when it names nothing."""
    if focus in nodes:
        return {focus}
    if focus in mapping:
        return {mapping[focus]}
    below = {n for n in nodes if focus in prefixes(n)}
    below |= {mapping[m] for m in mapping if focus in prefixes(m)}
    if below:
        return below
    holders = [n for n in nodes if n in prefixes(focus)]
    if holders:
        return {max(holders, key=len)}
    raise UsageError(f"--focus {focus}: no {what} of that name in the diagram")


def neighbourhood(seeds: set[str], edges: Iterable[tuple[str, str]], depth: int) -> set[str]:
    """Nodes within ``depth`` steps of ``seeds``, following edges in either direction."""
    near: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        near[a].add(b)
        near[b].add(a)
    seen = set(seeds)
    frontier = set(seeds)
    for _ in range(max(0, depth)):
        frontier = {n for f in frontier for n in near[f]} - seen
        seen |= frontier
    return seen


def fit_to_budget(
    modules: Iterable[Module], budget: int, max_depth: int | None = None, degree: Mapping[str, int] | None = None
) -> dict[str, str]:
    """Map each module to the node that draws it: the module itself when all fit in
    ``budget`` (and ``max_depth`` allows), else a package. Starting from top-level
    packages, the most connected package (the most import and call edges of its modules,
    from ``degree``) is opened first, as long as the total stays within the budget: detail
    goes where the dependencies are, not into a hundred leaf packages of data files. A
    package with more children than the budget has room for is opened in part: its most
    connected children get nodes of their own, the rest stay in the package's node.
    Deterministic."""
    degree = degree or {}
    by_top: dict[str, list[Module]] = defaultdict(list)
    for module in modules:
        by_top[module.ancestor(1)].append(module)
    mapping = {m.id: top for top, ms in by_top.items() for m in ms}
    total = len(by_top)

    def weight(members: list[Module]) -> int:
        return sum(degree.get(m.id, 0) for m in members)

    def entry(node: str, depth: int, members: list[Module]) -> tuple[int, int, str, int, list[Module]]:
        return (-weight(members), -len(members), node, depth, members)

    heap = [entry(top, 1, ms) for top, ms in sorted(by_top.items())]
    heapq.heapify(heap)
    while heap and total < budget:
        *_, node, depth, members = heapq.heappop(heap)
        if max_depth is not None and depth >= max_depth:
            continue
        children: dict[str, list[Module]] = defaultdict(list)
        for module in members:
            children[module.ancestor(depth + 1)].append(module)
        opened = sorted(children.items())
        if total - 1 + len(children) > budget:  # room for some children and the rest
            room = budget - total
            if room < 2:
                continue
            opened = sorted(
                sorted(children.items(), key=lambda kv: (-weight(kv[1]), -len(kv[1]), kv[0]))[:room]
            )
            total += room
        else:
            total += len(children) - 1
        for child, ms in opened:
            for module in ms:
                mapping[module.id] = child
            if any(m.name.count(".") > depth for m in ms):  # modules below the child
                heapq.heappush(heap, entry(child, depth + 1, ms))
    return mapping


def most_connected(nodes: Iterable[str], weights: Mapping[tuple[str, str], int], budget: int) -> set[str]:
    """The ``budget`` nodes with the heaviest edges, for when even the top-level packages
    are too many (hundreds of loose scripts)."""
    degree: Counter[str] = Counter({n: 0 for n in nodes})
    for (a, b), w in weights.items():
        if a in degree and b in degree:
            degree[a] += w
            degree[b] += w
    ranked = sorted(degree, key=lambda n: (-degree[n], n))
    return set(ranked[:budget])


def heaviest_edges(weights: Mapping[tuple[str, str], int], budget: int) -> set[tuple[str, str]]:
    """At most ``budget`` edges, chosen in rounds: each node's heaviest outgoing edge, then
    each node's second heaviest, and so on (heaviest first within a round). Every node
    keeps its main dependencies, instead of a few hubs taking the whole budget."""
    by_source: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edge in sorted(weights, key=lambda e: (-weights[e], e)):
        by_source[edge[0]].append(edge)
    chosen: list[tuple[str, str]] = []
    rank = 0
    while len(chosen) < budget:
        batch = [edges[rank] for edges in by_source.values() if rank < len(edges)]
        if not batch:
            break
        chosen += sorted(batch, key=lambda e: (-weights[e], e))[: budget - len(chosen)]
        rank += 1
    return set(chosen)

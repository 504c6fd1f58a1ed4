"""The code levels: modules, packages and coupling clusters, drawn from the Report.

Edges are weighted by import statements and call sites; import cycles are red; modules and
packages are filled with the colour of their coupling cluster, and the clusters that are
split candidates are outlined. Past the node budget, modules collapse into packages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from archlint.model.analysis import PackageMetric
from archlint.model.facts import TYPE_CHECKING
from archlint.model.report import Report
from archlint.model.source import Module
from archlint.report.diagram.model import BOLD, DOTTED, Diagram, Edge, Group, LegendEntry, Node
from archlint.report.diagram.options import CLUSTER, EDGES_PER_NODE, MODULE, PACKAGE, DiagramOptions
from archlint.report.diagram.scope import (
    fit_to_budget,
    focus_nodes,
    is_excluded,
    heaviest_edges,
    most_connected,
    neighbourhood,
    prefixes,
)
from archlint.report.diagram.style import (
    EDGE,
    FOCUS,
    GREY,
    HUB_FILL,
    INK,
    OUTLINED_SPLITS,
    PACKAGE_FILL,
    RED,
    SPLIT,
    SPLIT_WIDTH,
    UNCOLOURED,
    cluster_fill,
    count,
    penwidth,
)

CALL = "call"


@dataclass(slots=True)
class Weight:
    """What one drawn edge stands for: import statements, call sites, and whether any of
    the imports runs (is not under ``if TYPE_CHECKING:``)."""

    imports: int = 0
    calls: int = 0
    runtime: bool = False

    @property
    def count(self) -> int:
        return self.imports + self.calls


def module_weights(report: Report, keep: Mapping[str, Module]) -> dict[tuple[str, str], Weight]:
    out: dict[tuple[str, str], Weight] = defaultdict(Weight)
    for dep in report.dependencies:
        if dep.source == dep.target or dep.source not in keep or dep.target not in keep:
            continue
        weight = out[(dep.source, dep.target)]
        if dep.kind == CALL:
            weight.calls += max(1, len(dep.lines))
        else:
            weight.imports += max(1, len(dep.lines))
            weight.runtime |= dep.kind != TYPE_CHECKING
    return dict(out)


def aggregate(weights: Mapping[tuple[str, str], Weight], mapping: Mapping[str, str]) -> dict[tuple[str, str], Weight]:
    """Module edges summed into edges between the nodes modules map to (self-loops dropped)."""
    out: dict[tuple[str, str], Weight] = defaultdict(Weight)
    for (a, b), w in weights.items():
        if a not in mapping or b not in mapping:
            continue
        key = (mapping[a], mapping[b])
        if key[0] == key[1]:
            continue
        total = out[key]
        total.imports += w.imports
        total.calls += w.calls
        total.runtime |= w.runtime
    return dict(out)


def cycle_breakers(weights: Mapping[tuple[str, str], Weight]) -> set[tuple[str, str]]:
    """The edges that close import cycles: inside each cycle (strongly connected set of
    runtime imports), nodes are put in the order that leaves the least import weight
    pointing backwards (the greedy heuristic of Eades, Lin and Smyth); the backward edges
    are the ones to remove or invert. Drawn red; the rest of the cycle keeps the layering."""
    graph = nx.DiGraph()
    graph.add_weighted_edges_from((a, b, w.count) for (a, b), w in weights.items() if w.runtime)
    out: set[tuple[str, str]] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            order = _layer_order(graph.subgraph(component))
            out |= {(a, b) for a, b in graph.subgraph(component).edges if order[a] > order[b]}
    return out


def _layer_order(graph: nx.DiGraph) -> dict[str, int]:
    """Positions for the nodes of one strongly connected graph: sinks go last, sources
    first, otherwise the node whose outgoing weight most exceeds its incoming weight goes
    next. Ties by name, so the same graph gives the same order."""
    left = set(graph.nodes)
    first: list[str] = []
    last: list[str] = []

    def weight(node: str, out: bool) -> float:
        edges = graph.out_edges(node, data="weight") if out else graph.in_edges(node, data="weight")
        return sum(w for a, b, w in edges if (b if out else a) in left)

    while left:
        sinks = sorted(n for n in left if weight(n, True) == 0)
        sources = sorted(n for n in left if weight(n, False) == 0)
        if sinks:
            last[:0] = sinks
            left -= set(sinks)
        elif sources:
            first += sources
            left -= set(sources)
        else:
            best = min(sorted(left), key=lambda n: weight(n, False) - weight(n, True))
            first.append(best)
            left.discard(best)
    return {n: i for i, n in enumerate(first + last)}


@dataclass(slots=True)
class ClusterInfo:
    """Which coupling cluster each module is in, and which clusters are split candidates."""

    of_module: dict[str, int]
    names: dict[int, str]
    split_rank: dict[int, int]  # cluster id -> 1-based rank among split candidates
    hubs: frozenset[str]  # the shared core, left out of clustering

    def outlined(self, cluster: int | None) -> bool:
        """The best split candidates are outlined (all of them would outline everything)."""
        return cluster is not None and self.split_rank.get(cluster, OUTLINED_SPLITS + 1) <= OUTLINED_SPLITS

    @classmethod
    def of(cls, report: Report) -> ClusterInfo:
        clusters = report.partition.clusters if report.partition else []
        return cls(
            {m: c.id for c in clusters for m in c.modules},
            {c.id: c.name for c in clusters},
            {s.cluster: i for i, s in enumerate(report.split_candidates, 1)},
            frozenset(report.partition.hubs if report.partition else ()),
        )

    def majority(self, modules: list[str]) -> tuple[int | None, list[tuple[int, int]]]:
        """The cluster most of ``modules`` are in (None when none is in any), and the counts."""
        counts = Counter(self.of_module[m] for m in modules if m in self.of_module)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return (ranked[0][0] if ranked else None), ranked


def code_diagram(report: Report, options: DiagramOptions, level: str) -> Diagram:
    modules = {m.id: m for m in report.modules if not is_excluded(m.id, m.path, options.exclude)}
    weights = module_weights(report, modules)
    info = ClusterInfo.of(report)
    notes: list[str] = []
    if not report.modules:
        notes.append("no Python modules found")
    if len(modules) < len(report.modules):
        notes.append(f"{len(report.modules) - len(modules)} modules left out by --exclude")
    if level == CLUSTER:
        return _cluster_diagram(report, options, modules, weights, info, notes)
    depth = drawn_depth(report.package_depth, modules.values(), options.max_nodes) if level == PACKAGE else None
    mapping = fit_to_budget(modules.values(), len(modules) + 1, depth)
    focused: set[str] = set()
    if options.focus:
        seeds = focus_nodes(options.focus, set(mapping.values()), mapping, "module or package")
        near = neighbourhood(seeds, aggregate(weights, mapping), options.depth)
        focused = {m for m in modules if mapping[m] in seeds}
        modules = {m: module for m, module in modules.items() if mapping[m] in near}
        notes.append(f"neighbourhood of {options.focus}: {options.depth} step(s) either way")
    mapping = _collapse(modules, weights, {m: mapping[m] for m in modules}, options, depth, level, notes)
    drawn = _drop_lone_inits(report, mapping, aggregate(weights, mapping), focused)
    mapping = {m: n for m, n in mapping.items() if n in drawn}
    all_modules = {m.id: m for m in report.modules}
    full = fit_to_budget(all_modules.values(), len(all_modules) + 1, depth) if depth else None
    breakers = cycle_breakers(aggregate(module_weights(report, all_modules), _coarsest(all_modules, mapping, full)))
    members: dict[str, list[str]] = defaultdict(list)
    for m, n in sorted(mapping.items()):
        members[n].append(m)
    title = f"{report.root}: " + ("modules" if level == MODULE else f"packages (depth {depth})")
    diagram = Diagram(level=level, title=title, notes=notes, direction="TB")
    parent_of = nest(diagram, drawn)
    metrics = {p.package: p for p in report.packages}
    seeds = {mapping[m] for m in focused if m in mapping}
    for node in sorted(drawn):
        diagram.nodes.append(_code_node(node, members[node], all_modules, parent_of.get(node), info, metrics, node in seeds))
    edges = limit_edges(aggregate(weights, mapping), len(drawn), breakers, options, notes)
    for (a, b), w in sorted(edges.items()):
        diagram.edges.append(code_edge(a, b, w, (a, b) in breakers))
    diagram.legend = code_legend(diagram, info)
    return diagram.sort()


def drawn_depth(depth: int, modules: Iterable[Module], budget: int) -> int:
    """The package depth to draw: the repository's domain depth, one level deeper while a
    single package holds more than half of the modules (sympy's top-level package, next to
    a few loose scripts, would be one box) and the deeper level fits the budget."""
    modules = list(modules)
    while True:
        sizes = Counter(m.ancestor(depth) for m in modules)
        deeper = {m.ancestor(depth + 1) for m in modules}
        if not sizes or max(sizes.values()) * 2 <= len(modules) or len(deeper) == len(sizes) or len(deeper) > budget:
            return depth
        depth += 1


def _collapse(
    modules: Mapping[str, Module],
    weights: Mapping[tuple[str, str], Weight],
    mapping: dict[str, str],
    options: DiagramOptions,
    depth: int | None,
    level: str,
    notes: list[str],
) -> dict[str, str]:
    """Within the node budget: packages instead of modules (or shallower packages), the
    most connected opened first; past even that, the most connected nodes only."""
    before = len(set(mapping.values()))
    if before <= options.max_nodes:
        return mapping
    degree: Counter[str] = Counter()
    for a, b in weights:
        degree[a] += 1
        degree[b] += 1
    mapping = fit_to_budget(modules.values(), options.max_nodes, depth, degree)
    drawn = set(mapping.values())
    what = "modules" if level == MODULE else "packages"
    notes.append(
        f"{before} {what} exceed the node budget of {options.max_nodes}: collapsed to {len(drawn)} packages "
        "(the most connected opened first); use --max-nodes, --focus or --exclude to see more"
    )
    if len(drawn) > options.max_nodes:
        keep = most_connected(drawn, {k: w.count for k, w in aggregate(weights, mapping).items()}, options.max_nodes)
        notes.append(f"even the top-level packages are {len(drawn)}: showing the {len(keep)} most connected")
        mapping = {m: n for m, n in mapping.items() if n in keep}
    return mapping


def _drop_lone_inits(
    report: Report, mapping: Mapping[str, str], edges: Mapping[tuple[str, str], Weight], focused: set[str]
) -> set[str]:
    """The nodes to draw: all but package ``__init__`` modules that import nothing and
    that nothing imports (empty markers of a package, already shown by its box)."""
    linked = {n for edge in edges for n in edge}
    packages = {m.id for m in report.modules if m.is_package}
    size = Counter(mapping.values())
    lone = {n for n in size if size[n] == 1 and mapping.get(n) == n and n in packages}
    return {n for n in size if n not in lone or n in linked or n in focused}


def limit_edges(
    edges: dict[tuple[str, str], Weight],
    nodes: int,
    breakers: set[tuple[str, str]],
    options: DiagramOptions,
    notes: list[str],
) -> dict[tuple[str, str], Weight]:
    """Within the edge budget: each node's heaviest dependencies first, and say what is hidden."""
    budget = options.max_edges if options.max_edges is not None else EDGES_PER_NODE * max(nodes, 10)
    if budget == 0 or len(edges) <= budget:
        return edges
    keep = heaviest_edges({e: w.count for e, w in edges.items()}, budget)
    hidden = set(edges) - keep
    cyclic = len(hidden & breakers)
    notes.append(
        f"{len(edges)} edges: {len(keep)} drawn, each node's heaviest dependencies first; {len(hidden)} lighter ones "
        f"hidden ({cyclic} of them close import cycles); use --max-edges 0 to draw all"
    )
    return {e: w for e, w in edges.items() if e in keep}


def _coarsest(all_modules: Mapping[str, Module], mapping: Mapping[str, str], full: Mapping[str, str] | None) -> dict[str, str]:
    """Every module (drawn or not) mapped as the drawn ones are, so that cycles are those of
    the whole code, not of the part shown: a module that is not drawn maps to its package at
    the level's depth (or to itself)."""
    out = {m: (full[m] if full else m) for m in all_modules}
    out.update(mapping)
    return out


def nest(diagram: Diagram, drawn: set[str]) -> dict[str, str]:
    """Packages as nested boxes: a box for each package holding two or more drawn nodes
    (a package's own node sits inside its box), without boxes that only wrap one other box.
    Returns each node's innermost box."""
    below: Counter[str] = Counter(p for n in drawn for p in prefixes(n))
    boxes = {p for p, count in below.items() if count >= 2}
    for box in sorted(boxes, key=len, reverse=True):
        inner = [b for b in boxes if b != box and box in prefixes(b)]
        if box not in drawn and any(below[b] == below[box] for b in inner):
            boxes.discard(box)
    parent_of = {}
    for node in drawn:
        holders = [p for p in prefixes(node) if p in boxes]
        if holders:
            parent_of[node] = holders[-1]
    for box in sorted(boxes):
        outer = [p for p in prefixes(box)[:-1] if p in boxes]
        level = len(outer)
        diagram.groups.append(
            Group(
                id=box,
                label=(box,),
                kind="package",
                parent=outer[-1] if outer else None,
                fill=PACKAGE_FILL if level % 2 == 0 else "#ffffff",
                color="#aaaaaa",
            )
        )
    return parent_of


def _relative(node: str, box: str | None) -> str:
    if box is None:
        return node
    if node == box:
        return "__init__"
    return node[len(box) + 1 :] if node.startswith(box + ".") else node


def _code_node(
    node: str,
    members: list[str],
    modules: Mapping[str, Module],
    box: str | None,
    info: ClusterInfo,
    metrics: Mapping[str, PackageMetric],
    focused: bool,
) -> Node:
    label = [_relative(node, box)]
    tooltip = [node]
    if len(members) == 1 and members[0] == node:
        tooltip.append(modules[node].path)
        kind, shape = "module", "box"
    else:
        if node == box:  # a package opened in part: this node holds the rest of it
            label[0] = "the rest"
            tooltip[0] = f"{node}: the modules not drawn on their own"
        label.append(count(len(members), "module"))
        kind, shape = "package", "folder"
    metric = metrics.get(node)
    if metric is not None:
        tooltip.append(f"Ca {metric.afferent}, Ce {metric.efferent}, instability {metric.instability:.2f}")
    out = Node(node, tuple(label), kind, group=box, shape=shape, tooltip=tuple(tooltip), data={"modules": len(members)})
    return paint(out, members, info, focused)


def paint(node: Node, members: list[str], info: ClusterInfo, focused: bool) -> Node:
    """Fill ``node`` with the colour of the coupling cluster most of its modules
    (``members``) are in, grey for the shared core; outline it when that cluster is one of
    the best split candidates, pink when it is the focus."""
    cluster, counts = info.majority(members)
    hub = cluster is None and any(m in info.hubs for m in members)
    node.fill = cluster_fill(cluster) if cluster is not None else (HUB_FILL if hub else UNCOLOURED)
    if info.outlined(cluster):
        node.color, node.penwidth = SPLIT, SPLIT_WIDTH
    if counts:
        node.tooltip += ("clusters: " + ", ".join(f"{info.names[c]} {n}" for c, n in counts[:4]),)
    if hub:
        node.tooltip += ("shared core: used by nearly everything, left out of clustering",)
    node.data.update(
        cluster=info.names.get(cluster) if cluster is not None else None,
        split_candidate=info.split_rank.get(cluster) if cluster is not None else None,
        hub=hub,
    )
    if focused:
        node.color, node.penwidth, node.style = FOCUS, SPLIT_WIDTH, BOLD
    return node


def code_edge(a: str, b: str, w: Weight, cyclic: bool) -> Edge:
    only_typing = not w.runtime and not w.calls
    parts = [count(w.imports, "import")]
    if w.calls:
        parts.append(count(w.calls, "call"))
    return Edge(
        source=a,
        target=b,
        kind="type_checking" if only_typing else ("cycle" if cyclic else "import"),
        color=RED if cyclic else (GREY if only_typing else EDGE),
        style=DOTTED if only_typing else "solid",
        penwidth=penwidth(w.count) + (0.5 if cyclic else 0.0),
        constraint=not cyclic and not only_typing,
        tooltip=(f"{a} -> {b}: " + ", ".join(parts) + (" (closes an import cycle)" if cyclic else ""),),
        data={"imports": w.imports, "calls": w.calls, "cycle": cyclic},
    )


def code_legend(diagram: Diagram, info: ClusterInfo, weighed: str = "imports + calls") -> list[LegendEntry]:
    shown = sorted({c for c, name in info.names.items() for n in diagram.nodes if n.data.get("cluster") == name})
    entries = []
    for c in shown:
        if cluster_fill(c) == UNCOLOURED:
            continue
        rank = info.split_rank.get(c)
        label = (f"cluster {info.names[c]}" + (f", split candidate #{rank}" if rank else ""),)
        entries.append(
            LegendEntry(
                "swatch",
                label,
                fill=cluster_fill(c),
                color=SPLIT if info.outlined(c) else INK,
                penwidth=SPLIT_WIDTH if info.outlined(c) else 1.0,
            )
        )
    fills = {n.fill for n in diagram.nodes}
    if HUB_FILL in fills:
        entries.append(LegendEntry("swatch", ("shared core: used by nearly everything",), fill=HUB_FILL))
    if UNCOLOURED in fills:
        entries.append(LegendEntry("swatch", ("in no cluster, or a small one",), fill=UNCOLOURED))
    if any(n.kind == "package" for n in diagram.nodes):
        entries.append(LegendEntry("node", ("package (modules inside)",), shape="folder", fill="#ffffff"))
    entries.append(LegendEntry("edge", (f"{weighed} (width)",), color=EDGE, penwidth=2.0))
    if any(e.kind == "cycle" for e in diagram.edges):
        entries.append(LegendEntry("edge", ("closes an import cycle",), color=RED, penwidth=2.0))
    if any(e.kind == "type_checking" for e in diagram.edges):
        entries.append(LegendEntry("edge", ("TYPE_CHECKING only",), color=GREY, style=DOTTED))
    return entries


def _cluster_diagram(
    report: Report,
    options: DiagramOptions,
    modules: Mapping[str, Module],
    weights: Mapping[tuple[str, str], Weight],
    info: ClusterInfo,
    notes: list[str],
) -> Diagram:
    diagram = Diagram(level=CLUSTER, title=f"{report.root}: coupling clusters", notes=notes, direction="TB")
    partition = report.partition
    if partition is None or not partition.clusters:
        notes.append("no coupling clusters: the modules import too little of each other to group")
        return diagram
    mapping = {m: info.names[c] for m, c in info.of_module.items() if m in modules}
    outside = len(modules) - len(mapping)
    if outside:
        notes.append(f"{outside} modules in no cluster (tests, tooling, isolated modules) are not drawn")
    edges = aggregate(weights, mapping)
    by_name = {c.name: c for c in partition.clusters}
    drawn = set(mapping.values())
    focus: set[str] = set()
    if options.focus:
        focus = focus_nodes(options.focus, drawn, mapping, "cluster or module")
        drawn = neighbourhood(focus, edges, options.depth)
        notes.append(f"neighbourhood of {options.focus}: {options.depth} step(s) either way")
    if len(drawn) > options.max_nodes:
        keep = sorted(drawn, key=lambda n: (-len(by_name[n].modules), n))[: options.max_nodes]
        notes.append(f"{len(drawn)} clusters exceed the node budget of {options.max_nodes}: the largest are drawn")
        drawn = set(keep)
    splits = {s.cluster: (i, s) for i, s in enumerate(report.split_candidates, 1)}
    all_weights = module_weights(report, {m.id: m for m in report.modules})
    cycles = cycle_breakers(aggregate(all_weights, {m: info.names[c] for m, c in info.of_module.items()}))
    for name in sorted(drawn):
        cluster = by_name[name]
        lines = [name, f"{len(cluster.modules)} modules, cohesion {cluster.cohesion:.2f}"]
        lines += [f"{p} ({n})" for p, n in cluster.packages[:3]]
        split = splits.get(cluster.id)
        if split:
            lines.append(f"split candidate #{split[0]}, score {split[1].score:.2f}")
        node = Node(
            id=name,
            label=tuple(lines),
            kind="cluster",
            fill=cluster_fill(cluster.id),
            color=SPLIT if info.outlined(cluster.id) else INK,
            penwidth=SPLIT_WIDTH if info.outlined(cluster.id) else 1.0,
            tooltip=tuple(
                [f"cluster {name}", f"coupling {cluster.coupling}"]
                + [f"{p}: {count(n, 'module')}" for p, n in cluster.packages]
                + (["owns tables: " + ", ".join(cluster.tables_owned)] if cluster.tables_owned else [])
            ),
            data={
                "modules": len(cluster.modules),
                "cohesion": cluster.cohesion,
                "coupling": cluster.coupling,
                "split_candidate": split[0] if split else None,
            },
        )
        if name in focus:
            node.color, node.penwidth, node.style = FOCUS, SPLIT_WIDTH, BOLD
        diagram.nodes.append(node)
    inside = {(a, b): w for (a, b), w in edges.items() if a in drawn and b in drawn}
    for (a, b), w in sorted(limit_edges(inside, len(drawn), cycles, options, notes).items()):
        edge = code_edge(a, b, w, (a, b) in cycles)
        edge.label = str(w.count)
        diagram.edges.append(edge)
    diagram.legend = [
        LegendEntry("node", ("coupling cluster (fill)",), fill=cluster_fill(0)),
        LegendEntry("node", (f"one of the {OUTLINED_SPLITS} best", "split candidates"), fill="#ffffff", color=SPLIT, penwidth=SPLIT_WIDTH),
        LegendEntry("edge", ("imports + calls (width, label)",), color=EDGE, penwidth=2.0),
    ]
    if any(e.kind == "cycle" for e in diagram.edges):
        diagram.legend.append(LegendEntry("edge", ("closes an import cycle",), color=RED, penwidth=2.0))
    return diagram.sort()

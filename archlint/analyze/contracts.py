"""Contracts checked against the import graph (docs/contracts.md).

Every contract comes down to one question asked many times: which chains of imports lead
from one set of modules into another? A direct import is a chain of one step; an indirect
chain passes only through modules that belong to neither end (nor to another layer,
sibling or service of the contract, so that each violation is reported once, at the
boundary it crosses). Each violation becomes a finding whose evidence is the chain, one
file:line per step, and whose key names its ends, not its lines or the path between them,
so that a baseline survives edits along the way.
"""

from __future__ import annotations

import bisect
import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from archlint.analyze.cycles import shortest_cycle
from archlint.model.contracts import (
    RULE_OF,
    AcyclicContract,
    Contract,
    ForbiddenContract,
    IgnoredImport,
    IndependenceContract,
    LayersContract,
    ServiceIndependenceContract,
)
from archlint.model.errors import ConfigError
from archlint.model.facts import IMPORT_KINDS, TYPE_CHECKING, FileFacts
from archlint.model.findings import Finding, Location
from archlint.model.globs import is_glob, module_matches, path_matches
from archlint.model.rules import RULES
from archlint.model.source import Module
from archlint.model.system import Database, Service

Chain = list[str]


@dataclass(slots=True)
class ImportView:
    """The imports a contract looks at: ``succ[a][b]`` is the first line of ``a``'s file
    that imports ``b``. External packages a contract names appear as nodes named by their
    top-level name."""

    succ: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    pred: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, source: str, target: str, line: int) -> None:
        known = self.succ[source].get(target)
        self.succ[source][target] = line if known is None else min(known, line)
        self.pred[target].add(source)


@dataclass(slots=True)
class ContractCheck:
    """One contract's findings and the ``ignore_imports`` entries that matched nothing."""

    contract: Contract
    findings: list[Finding]
    unused_ignores: tuple[str, ...] = ()


@dataclass(slots=True)
class Subject:
    """What contracts are checked against: the scan's modules, imports and system."""

    modules: Mapping[str, Module]
    graph: nx.DiGraph
    facts: Mapping[str, FileFacts]
    services: Sequence[Service] = ()
    databases: Sequence[Database] = ()
    label: str = ""  # the configuration file, for messages

    ids: list[str] = field(init=False)
    names: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = sorted(self.modules)
        self.names = defaultdict(list)
        for module in self.modules.values():
            self.names[module.name].append(module.id)

    def members(self, root: str) -> set[str]:
        """``root`` and every module below it."""
        out = {root} if root in self.modules else set()
        prefix = root + "."
        i = bisect.bisect_left(self.ids, prefix)
        while i < len(self.ids) and self.ids[i].startswith(prefix):
            out.add(self.ids[i])
            i += 1
        return out

    def exists(self, name: str) -> bool:
        return bool(self.members(name))

    def resolve(self, pattern: str, where: str) -> list[str]:
        """The module ids a contract's name stands for (each taken with its descendants):
        a glob's matches, an id, or an import name that only one import root holds."""
        if is_glob(pattern):
            found = [m for m in self.ids if module_matches(m, pattern)]
            found = found or sorted({i for n, ids in self.names.items() if module_matches(n, pattern) for i in ids})
            if found:
                return _outermost(found)
        elif self.exists(pattern):
            return [pattern]
        elif len(self.names.get(pattern, ())) == 1:
            return list(self.names[pattern])
        elif len(self.names.get(pattern, ())) > 1:
            ids = ", ".join(sorted(self.names[pattern]))
            raise ConfigError(self.label, where, f"'{pattern}' is ambiguous: several import roots hold it ({ids}); name one")
        near = difflib.get_close_matches(pattern, self.ids, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise ConfigError(self.label, where, f"'{pattern}' matches no module of the scanned tree{hint}")

    def location(self, source: str, target: str, line: int, note: str = "") -> Location:
        path = self.modules[source].path if source in self.modules else ""
        return Location(path, line, note or f"{source} -> {target}")


def _outermost(ids: Iterable[str]) -> list[str]:
    """Drop matches inside other matches: ``shop.**`` stands for the packages it reaches
    first, each with its descendants."""
    out: list[str] = []
    for name in sorted(ids):
        if not out or not name.startswith(out[-1] + "."):
            out.append(name)
    return out


# --- the import view -----------------------------------------------------------------------


def import_view(
    subject: Subject, contract: Contract, externals: Iterable[str] = ()
) -> tuple[ImportView, tuple[str, ...]]:
    """The contract's view of the imports (without type-checking-only imports if it asks,
    without its ``ignore_imports``), and the ignore entries that matched no import."""
    view = ImportView()
    skip = {TYPE_CHECKING} if contract.exclude_type_checking_imports else set()
    used: set[IgnoredImport] = set()

    def ignored(source: str, target: str) -> bool:
        hit = [i for i in contract.ignore_imports if _matches(source, i.importer) and _matches(target, i.imported)]
        used.update(hit)
        return bool(hit)

    for source, target, data in subject.graph.edges(data=True):
        lines = [ln for kind, ls in data.get("kinds", {}).items() if kind in IMPORT_KINDS and kind not in skip for ln in ls]
        if lines and not ignored(source, target):
            view.add(source, target, min(lines))
    wanted = set(externals)
    if wanted:
        for module in subject.modules.values():
            facts = subject.facts.get(module.path)
            for fact in facts.imports if facts else ():
                top = fact.module.partition(".")[0]
                if not fact.level and top in wanted and fact.kind not in skip and not ignored(module.id, top):
                    view.add(module.id, top, fact.line)
    for i, entry in enumerate(contract.ignore_imports):
        for side, pattern in (("importer", entry.importer), ("imported", entry.imported)):
            if not any(_matches(m, pattern) for m in subject.ids) and pattern not in wanted:
                raise ConfigError(
                    subject.label,
                    f"{contract.where}.ignore_imports[{i}]",
                    f"the {side} '{pattern}' matches no module of the scanned tree",
                )
    unused = tuple(str(i) for i in contract.ignore_imports if i not in used)
    return view, unused


def _matches(name: str, pattern: str) -> bool:
    return module_matches(name, pattern) if is_glob(pattern) else name == pattern


# --- chains ----------------------------------------------------------------------------------


def chains(view: ImportView, sources: set[str], targets: set[str], blocked: set[str], indirect: bool) -> Iterator[Chain]:
    """Every direct import from ``sources`` into ``targets``; with ``indirect``, also one
    shortest chain per source through modules outside sources, targets and ``blocked``."""
    for source in sorted(sources):
        for target in sorted(view.succ.get(source, ())):
            if target in targets:
                yield [source, target]
    if not indirect:
        return
    stop = sources | targets | blocked
    step, dist = _toward(view, targets, stop)
    for source in sorted(sources):
        first = min(((dist[m], m) for m in view.succ.get(source, ()) if m in step), default=None)
        if first is None:
            continue
        chain, node = [source], first[1]
        while node not in targets:
            chain.append(node)
            node = step[node]
        yield [*chain, node]


def _toward(view: ImportView, targets: set[str], stop: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Breadth-first from ``targets`` against the imports: for each module outside ``stop``
    that reaches a target, its next step on a shortest chain and the chain's length."""
    step: dict[str, str] = {}
    dist: dict[str, int] = {}
    frontier = sorted(targets)
    depth = 0
    while frontier:
        depth += 1
        following = []
        for node in frontier:
            for importer in sorted(view.pred.get(node, ())):
                if importer in stop or importer in step:
                    continue
                step[importer] = node
                dist[importer] = depth
                following.append(importer)
        frontier = sorted(following)
    return step, dist


# --- findings ----------------------------------------------------------------------------------


def _finding(contract: Contract, message: str, key: str, evidence: Sequence[Location]) -> Finding:
    code = RULE_OF[contract.type]
    first = evidence[0] if evidence else Location("", 0)
    return Finding(
        code,
        RULES[code].severity,
        f"{contract.name}: {message}",
        first.path,
        first.line,
        f"{contract.name}|{key}",
        tuple(evidence),
    )


def _crossings(
    subject: Subject, view: ImportView, contract: Contract, a: str, b: str, found: Iterable[Chain], what: str
) -> list[Finding]:
    """Findings for the chains from group ``a`` into group ``b``: one per direct import,
    and one for all indirect chains together (one bad import deep down is reached from
    many modules: it is one problem, shown by its shortest chain, not one per module)."""
    out = []
    indirect: list[Chain] = []
    for chain in found:
        if len(chain) == 2:
            source, target = chain
            steps = [subject.location(source, target, view.succ[source][target])]
            out.append(_finding(contract, f"{source} imports {target} ({what})", f"{source}|{target}", steps))
        else:
            indirect.append(chain)
    if indirect:
        chain = min(indirect, key=lambda c: (len(c), c))
        steps = [subject.location(x, y, view.succ[x][y]) for x, y in zip(chain, chain[1:])]
        others = len({c[0] for c in indirect}) - 1
        more = f"; {others} more module{'s' if others != 1 else ''} of {a} reach {b} indirectly" if others else ""
        message = f"{chain[0]} imports {chain[-1]} indirectly ({what}): {' -> '.join(chain)}{more}"
        out.append(_finding(contract, message, f"{a}|{b}|indirect", steps))
    return out


def _pairs(
    subject: Subject,
    view: ImportView,
    contract: Contract,
    groups: Mapping[str, set[str]],
    pairs: Iterable[tuple[str, str]],
    indirect: bool,
    describe: str,
) -> list[Finding]:
    """Forbid imports from group a into group b for each (a, b) of ``pairs``; chains may not
    pass through any other group."""
    out = []
    everything = set().union(*groups.values()) if groups else set()
    for a, b in pairs:
        blocked = everything - groups[a] - groups[b]
        found = chains(view, groups[a], groups[b], blocked, indirect)
        out += _crossings(subject, view, contract, a, b, found, describe.format(a=a, b=b))
    return out


# --- the contract types -------------------------------------------------------------------------


def check_layers(subject: Subject, contract: LayersContract) -> ContractCheck:
    view, unused = import_view(subject, contract)
    findings: list[Finding] = []
    for container in contract.containers or ("",):
        where = f"{contract.where}.layers"
        if container:
            for found in subject.resolve(container, f"{contract.where}.containers"):
                findings += _layers_in(subject, view, contract, found + ".", where)
        else:
            findings += _layers_in(subject, view, contract, "", where)
    return ContractCheck(contract, findings, unused)


def _layers_in(subject: Subject, view: ImportView, contract: LayersContract, prefix: str, where: str) -> list[Finding]:
    groups: dict[str, set[str]] = {}
    levels: list[list[str]] = []
    for i, layer in enumerate(contract.layers):
        level = []
        for name in layer.modules:
            full = prefix + name
            if not subject.exists(full):
                if layer.optional:
                    continue
                raise ConfigError(subject.label, f"{where}[{i}]", f"layer '{full}' matches no module of the scanned tree")
            groups[full] = subject.members(full)
            level.append(full)
        levels.append(level)
    pairs = []
    for high in range(len(levels)):
        for low in range(high + 1, len(levels)):
            pairs += [(a, b) for a in levels[low] for b in levels[high]]
    out = _pairs(subject, view, contract, groups, pairs, True, "{a} is a lower layer than {b}")
    siblings = [
        (a, b)
        for level, layer in zip(levels, contract.layers)
        if layer.independent
        for a in level
        for b in level
        if a != b
    ]
    out += _pairs(subject, view, contract, groups, siblings, True, "{a} and {b} are independent siblings")
    if contract.exhaustive and prefix:
        out += _unlisted(subject, contract, prefix, groups)
    return out


def _unlisted(subject: Subject, contract: LayersContract, prefix: str, listed: Mapping[str, set[str]]) -> list[Finding]:
    """Exhaustive layers: children of the container that no layer names."""
    children = sorted({prefix + m[len(prefix):].split(".")[0] for m in subject.ids if m.startswith(prefix)})
    ignored = {prefix + name for name in contract.exhaustive_ignores}
    out = []
    for child in children:
        if child in listed or child in ignored:
            continue
        module = subject.modules.get(child) or subject.modules[min(subject.members(child))]
        where = Location(module.path, 0, f"{child} is in {prefix[:-1]}")
        out.append(_finding(contract, f"{child} is not one of the layers of {prefix[:-1]} (exhaustive)", f"{child}|unlisted", [where]))
    return out


def check_forbidden(subject: Subject, contract: ForbiddenContract) -> ContractCheck:
    where = contract.where
    sources = {m: subject.members(m) for i, p in enumerate(contract.source_modules) for m in subject.resolve(p, f"{where}.source_modules[{i}]")}
    internal_tops = {subject.modules[m].name.split(".")[0] for m in subject.ids}
    targets: dict[str, set[str]] = {}
    externals = []
    for i, pattern in enumerate(contract.forbidden_modules):
        top = pattern.split(".")[0]
        if top not in internal_tops and ":" not in pattern and not is_glob(pattern):
            if "." in pattern:
                raise ConfigError(subject.label, f"{where}.forbidden_modules[{i}]", f"'{pattern}' matches no module; name an external package by its top-level name ('{top}')")
            externals.append(pattern)
            targets[pattern] = {pattern}
            continue
        for m in subject.resolve(pattern, f"{where}.forbidden_modules[{i}]"):
            targets[m] = subject.members(m)
    overlap = sorted(set().union(*sources.values()) & set().union(*targets.values()))
    if overlap:
        raise ConfigError(subject.label, f"{where}.forbidden_modules", f"source and forbidden modules overlap: {overlap[0]} is in both")
    view, unused = import_view(subject, contract, externals)
    groups = {**sources, **targets}
    pairs = [(s, t) for s in sources for t in targets]
    indirect = not contract.allow_indirect_imports
    out = []
    for s, t in pairs:
        found = chains(view, groups[s], groups[t], set(), indirect)
        out += _crossings(subject, view, contract, s, t, found, f"{s} may not import {t}")
    return ContractCheck(contract, out, unused)


def check_independence(subject: Subject, contract: IndependenceContract) -> ContractCheck:
    groups = _groups(subject, contract.modules, f"{contract.where}.modules")
    view, unused = import_view(subject, contract)
    pairs = [(a, b) for a in groups for b in groups if a != b]
    findings = _pairs(subject, view, contract, groups, pairs, True, "{a} and {b} must be independent")
    return ContractCheck(contract, findings, unused)


def _groups(subject: Subject, patterns: Sequence[str], where: str) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for i, pattern in enumerate(patterns):
        for m in subject.resolve(pattern, f"{where}[{i}]"):
            groups[m] = subject.members(m)
    names = sorted(groups)
    for a in names:
        for b in names:
            if a != b and b.startswith(a + "."):
                raise ConfigError(subject.label, where, f"'{b}' is inside '{a}': list modules that do not contain each other")
    return groups


def check_service_independence(subject: Subject, contract: ServiceIndependenceContract) -> ContractCheck:
    where = contract.where
    groups: dict[str, set[str]] = {}
    if contract.services:
        for name, globs in contract.services:
            members: set[str] = set()
            for i, glob in enumerate(globs):
                found = {m.id for m in subject.modules.values() if path_matches(m.path, glob)}
                if not found:
                    raise ConfigError(subject.label, f"{where}.services.{name}[{i}]", f"'{glob}' matches no Python file of the scanned tree")
                members |= found
            groups[name] = members
        owners: dict[str, list[str]] = defaultdict(list)
        for name, members in groups.items():
            for m in members:
                owners[m].append(name)
        shared = sorted((m, names) for m, names in owners.items() if len(names) > 1)
        if shared:
            module, names = shared[0]
            raise ConfigError(subject.label, f"{where}.services", f"{module} belongs to several services: {', '.join(names)}")
    else:
        groups = {s.name: set(s.modules) & set(subject.modules) for s in subject.services}
        if len(groups) < 2:
            raise ConfigError(
                subject.label,
                where,
                f"no `services` table, and the scan discovered {len(groups)} service(s) in the deploy files; "
                "declare them: services = { name = \"path/glob\", ... }",
            )
    view, unused = import_view(subject, contract)
    pairs = [(a, b) for a in sorted(groups) for b in sorted(groups) if a != b]
    indirect = not contract.allow_indirect_imports
    findings = _pairs(subject, view, contract, groups, pairs, indirect, "services {a} and {b} must be independent")
    for db in sorted(subject.databases, key=lambda d: d.id):
        users = sorted(n for n, members in groups.items() if members & set(db.modules)) if contract.services else sorted(set(db.services) & set(groups))
        if len(users) >= 2:
            evidence = db.evidence or (Location("", 0, db.id),)
            findings.append(_finding(contract, f"services {', '.join(users)} share the database {db.id}", f"database|{db.id}", evidence))
    return ContractCheck(contract, findings, unused)


def check_acyclic(subject: Subject, contract: AcyclicContract) -> ContractCheck:
    view, unused = import_view(subject, contract)
    findings: list[Finding] = []
    if contract.modules:
        groups = _groups(subject, contract.modules, f"{contract.where}.modules")
        findings += _cycles(subject, view, contract, "", {m: g for g, ms in groups.items() for m in ms})
    for i, pattern in enumerate(contract.ancestors):
        for ancestor in subject.resolve(pattern, f"{contract.where}.ancestors[{i}]"):
            findings += _siblings(subject, view, contract, ancestor, contract.depth)
    return ContractCheck(contract, findings, unused)


def _siblings(subject: Subject, view: ImportView, contract: AcyclicContract, ancestor: str, depth: int) -> list[Finding]:
    prefix = ancestor + "."
    group = {m: prefix + m[len(prefix):].split(".")[0] for m in subject.members(ancestor) if m != ancestor}
    out = _cycles(subject, view, contract, ancestor, group)
    if depth > 0:
        for child in sorted(set(group.values())):
            if not any(module_matches(child, p) if is_glob(p) else child == p for p in contract.skip_descendants):
                out += _siblings(subject, view, contract, child, depth - 1)
    return out


def _cycles(subject: Subject, view: ImportView, contract: AcyclicContract, parent: str, group: Mapping[str, str]) -> list[Finding]:
    """Cycles among the groups of ``group`` (module -> sibling it belongs to); each step of
    a cycle is shown by the first (sorted) module import that makes it."""
    graph = nx.DiGraph()
    via: dict[tuple[str, str], tuple[str, str]] = {}
    for source in sorted(group):
        for target in sorted(view.succ.get(source, ())):
            a, b = group[source], group.get(target)
            if b is None or a == b:
                continue
            graph.add_edge(a, b)
            via.setdefault((a, b), (source, target))
    out = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        members = sorted(component)
        cycle = shortest_cycle(graph.subgraph(members), members[0])
        steps = []
        for a, b in zip(cycle, cycle[1:]):
            source, target = via[(a, b)]
            steps.append(subject.location(source, target, view.succ[source][target], f"{a} -> {b} ({source} -> {target})"))
        among = f"the children of {parent}" if parent else "the listed modules"
        more = f" ({len(members)} in the cycle)" if len(members) > len(cycle) - 1 else ""
        message = f"cycle among {among}: {' -> '.join(cycle)}{more}"
        out.append(_finding(contract, message, f"{parent}|{'|'.join(members)}", steps))
    return sorted(out, key=lambda f: f.key)


CHECKS = {
    LayersContract: check_layers,
    ForbiddenContract: check_forbidden,
    IndependenceContract: check_independence,
    ServiceIndependenceContract: check_service_independence,
    AcyclicContract: check_acyclic,
}


def check_contracts(subject: Subject, contracts: Iterable[Contract]) -> list[ContractCheck]:
    """Every contract's findings, in the configured order; a contract that names a module
    the scan does not have raises ConfigError."""
    return [CHECKS[type(c)](subject, c) for c in contracts]  # type: ignore[operator]

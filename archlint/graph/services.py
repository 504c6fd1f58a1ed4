"""Services: the repository's code as it is deployed (docs/services.md states the rules).

Deploy units that run one code base (one build context or Dockerfile directory, one
Procfile directory, one serverless project or Lambda code directory) are one service with
several processes - unless their processes start entry modules with different roles: entry
modules in different top-level packages of the code base, neither importing the other's.
Infrastructure units (postgres, redis, ...) are not services. A repository without deploy
files but with a runnable code base is one implicit service.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from archlint.model.facts import FileFacts
from archlint.model.findings import Location
from archlint.model.source import Module
from archlint.model.system import DEPLOY_KINDS, FUNCTION_KINDS, DeployUnit, Entrypoint, Process, Service

_FLAT = ""  # the role of top-level modules outside any package: a flat layout is one application
_SCRIPTS = "console-scripts"
_RUNNABLE_NAMES = ("manage", "wsgi", "asgi")


def _within(path: str, directory: str) -> bool:
    return directory in ("", ".") or path == directory or path.startswith(directory.rstrip("/") + "/")


def _priority(unit: DeployUnit) -> tuple[int, str, int, str]:
    kind = DEPLOY_KINDS.index(unit.kind) if unit.kind in DEPLOY_KINDS else len(DEPLOY_KINDS)
    return (kind, unit.where.path, unit.where.line, unit.name)


@dataclass(slots=True)
class _Index:
    """Modules by id, by path and by dotted name, and their roles."""

    modules: dict[str, Module]
    by_path: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, list[Module]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for module in self.modules.values():
            self.by_path[module.path] = module.id
            self.by_name[module.name].append(module)

    def resolve(self, name: str | None, script: str | None, root: str) -> str | None:
        """The module id a process starts: its file, else its dotted name under ``root``."""
        if script and script in self.by_path:
            return self.by_path[script]
        if not name:
            return None
        candidates = [m for m in self.by_name.get(name, []) if _within(m.path, root)]
        if not candidates:
            return None
        return min(candidates, key=lambda m: (-len(m.root), m.path)).id

    def role(self, module_id: str) -> tuple[str, str]:
        module = self.modules[module_id]
        in_package = module.is_package or module.package is not None
        return module.root, module.name.partition(".")[0] if in_package else _FLAT


@dataclass(slots=True)
class _Group:
    """Units running one code base."""

    root: str
    units: list[DeployUnit]
    functions: bool


def resolve_processes(units: Sequence[DeployUnit], modules: Iterable[Module]) -> list[DeployUnit]:
    """The units with each process's ``module_id``: the module its file is, or the module of
    its dotted name under the unit's own directory."""
    index = _Index({m.id: m for m in modules})
    return [
        replace(unit, processes=[
            replace(p, module_id=p.module_id or index.resolve(p.module, p.script, unit.root or ".")) for p in unit.processes
        ])
        for unit in units
    ]


def assemble_services(
    units: Sequence[DeployUnit],
    modules: Iterable[Module],
    imports: nx.DiGraph | None = None,
    *,
    facts: Mapping[str, FileFacts] | None = None,
    dotenv: Mapping[str, Mapping[str, str]] | None = None,
    entrypoints: Sequence[Entrypoint] = (),
    root_name: str = "",
) -> list[Service]:
    """Services from deploy units and the repository's modules; ``imports`` (module ids,
    run-time edges) tells whether two entry modules belong to one application, ``facts``
    give Django's settings module from manage.py, ``dotenv`` the .env values per directory."""
    index = _Index({m.id: m for m in modules})
    graph = imports if imports is not None else nx.DiGraph()
    code = [u for u in units if not u.infrastructure and u.root]
    bases = {u.base_image for u in units if u.base_image}
    code = [u for u in code if u.dockerfile not in bases]  # builders of an in-repo base image
    code = [u for u in code if u.kind != "dockerfile" or u.processes or any(
        o.dockerfile == u.dockerfile for o in code if o.kind != "dockerfile")]  # a build image: no CMD, used by nobody
    scripts = [u for u in code if u.kind == _SCRIPTS]
    deployed = [u for u in code if u.kind != _SCRIPTS]
    services: list[Service] = []
    for group in _groups(deployed or scripts):
        services += _services_of(group, index, graph, facts or {}, root_name)
    if deployed:
        _attach_scripts(services, scripts, index)
    _name_uniquely(services)
    _assign_modules(services, index, units)
    services = [s for s in services if s.modules or s.processes]  # runs nothing known, holds no Python
    for service in services:
        service.environment = _environment(service, units, dotenv or {})
        wanted = set(service.modules)
        service.entrypoints = tuple(e for e in entrypoints if e.module in wanted)
    if not services:
        implicit = _implicit_service(index, entrypoints, root_name)
        if implicit is not None:
            implicit.environment = dict((dotenv or {}).get(".", {}))
            services.append(implicit)
    return sorted(services, key=lambda s: s.name)


def _groups(units: Sequence[DeployUnit]) -> list[_Group]:
    by_key: dict[tuple[bool, str, str], list[DeployUnit]] = defaultdict(list)
    for unit in sorted(units, key=_priority):
        function = unit.kind in FUNCTION_KINDS
        by_key[(function, unit.root or ".", unit.where.path if function else "")].append(unit)
    return [_Group(root, members, function) for (function, root, _), members in sorted(by_key.items())]


def _services_of(group: _Group, index: _Index, graph: nx.DiGraph, facts: Mapping[str, FileFacts],
                 root_name: str) -> list[Service]:
    deployed = any(u.kind != "dockerfile" for u in group.units)
    runs: list[tuple[Process, DeployUnit]] = []
    for unit in group.units:
        if unit.kind == "dockerfile" and deployed:
            continue  # what compose / Kubernetes run from it is what counts (Dockerfile.debug too)
        for process in unit.processes:
            module_id = process.module_id or index.resolve(process.module, process.script, group.root)
            runs.append((replace(process, module_id=module_id), unit))
    components = [list(range(len(runs)))] if group.functions else _roles(runs, index, graph, facts, group.root)
    services = []
    for members in components:
        chosen = [runs[i] for i in members]
        units = {u.name: u for _, u in chosen}
        services.append(_service(group, chosen, units, root_name))
    if not services:  # units that start nothing the repository shows (no command, no CMD)
        services.append(_service(group, [], {}, root_name))
    main = services[0]
    covered = {name for s in services for name in s.units}
    extra = [u for u in group.units if u.name not in covered]
    for unit in extra:  # the referenced Dockerfile, units without processes
        owners = [s for s in services if unit.kind == "dockerfile" and any(
            other.dockerfile == unit.dockerfile for other in group.units if other.name in s.units)] or [main]
        for owner in owners:
            owner.units = tuple(sorted({*owner.units, unit.name}))
    return services


def _roles(runs: list[tuple[Process, DeployUnit]], index: _Index, graph: nx.DiGraph,
           facts: Mapping[str, FileFacts], root: str) -> list[list[int]]:
    """Processes grouped by the role of their entry module (union-find)."""
    parent = list(range(len(runs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    roles: dict[int, tuple[str, str]] = {}
    closures: dict[int, set[str]] = {}
    for i, (process, unit) in enumerate(runs):
        module_id = _entry_module(process, unit, index, facts, root)
        if module_id is None:
            continue
        roles[i] = index.role(module_id)
        closures[i] = {module_id} | (nx.descendants(graph, module_id) if module_id in graph else set())
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module_id in index.modules:
        if _within(index.modules[module_id].path, root):
            members[index.role(module_id)].add(module_id)
    resolved = sorted(roles)
    for a in resolved:
        for b in resolved:
            if a < b and (roles[a] == roles[b] or closures[a] & members[roles[b]] or closures[b] & members[roles[a]]):
                parent[find(b)] = find(a)
    main = find(resolved[0]) if resolved else 0
    for i in range(len(runs)):
        if i not in roles:
            parent[find(i)] = main
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(runs)):
        components[find(i)].append(i)
    return sorted(components.values(), key=lambda c: c[0])


def _entry_module(process: Process, unit: DeployUnit, index: _Index, facts: Mapping[str, FileFacts],
                  root: str) -> str | None:
    """The module whose role a process has; for Django's manage.py, the settings module."""
    module_id = process.module_id
    if module_id is None or index.modules[module_id].name.rpartition(".")[2] != "manage":
        return module_id
    settings = unit.environment.get("DJANGO_SETTINGS_MODULE") or _django_settings(facts.get(index.modules[module_id].path))
    return index.resolve(settings, None, root) or module_id


def _django_settings(facts: FileFacts | None) -> str | None:
    for call in facts.calls if facts else ():
        if call.func.endswith("environ.setdefault") and len(call.args) >= 2:
            key, value = call.args[0], call.args[1]
            if key == ("str", "DJANGO_SETTINGS_MODULE") and value[0] == "str":
                return str(value[1])
    return None


def _service(group: _Group, runs: list[tuple[Process, DeployUnit]], units: dict[str, DeployUnit],
             root_name: str) -> Service:
    ordered = sorted(units.values(), key=_priority) or group.units[:1]
    processes: list[Process] = []
    seen: set[object] = set()
    for process, _ in sorted(runs, key=lambda r: _priority(r[1])):
        keys = {process.command, (process.name, process.module_id or process.module)}
        if keys & seen:
            continue
        seen |= keys
        processes.append(process)
    hosts = sorted({h for u in ordered for h in u.hosts})
    return Service(
        name=_name(group, ordered, processes, root_name),
        root=group.root,
        where=ordered[0].where,
        units=tuple(sorted(u.name for u in ordered)),
        processes=tuple(processes),
        hosts=tuple(hosts),
    )


def _hint(unit: DeployUnit) -> str | None:
    if unit.kind in ("compose", "kubernetes"):
        return unit.name.split(" (", 1)[0]
    if unit.kind in FUNCTION_KINDS or unit.kind == _SCRIPTS:
        return unit.group or unit.name.split(" (", 1)[0]
    if unit.kind == "dockerfile" and unit.root not in (None, "", "."):
        return posixpath.basename(unit.root or "")
    return None


def _name(group: _Group, units: list[DeployUnit], processes: list[Process], root_name: str) -> str:
    named = [u for u in units if u.kind != "dockerfile"] or units
    first_kind = named[0].kind if named else ""
    hints = {_hint(u) for u in named if u.kind == first_kind}
    if len(hints) == 1 and None not in hints:
        return str(next(iter(hints)))
    if group.root not in ("", "."):
        return posixpath.basename(group.root)
    tops = {p.module_id.rpartition(":")[2].partition(".")[0] for p in processes if p.module_id} - {"manage"}
    if len(tops) == 1:
        return tops.pop()
    return sorted(h for h in hints if h)[0] if any(hints) else root_name or "app"


def _attach_scripts(services: list[Service], scripts: list[DeployUnit], index: _Index) -> None:
    """Console scripts of a repository that deploys otherwise are tools of the service
    whose code they run, not services of their own."""
    for unit in sorted(scripts, key=_priority):
        for process in unit.processes:
            module_id = index.resolve(process.module, process.script, unit.root or ".")
            path = index.modules[module_id].path if module_id else None
            owners = [s for s in services if path and _within(path, s.root)]
            if not owners:
                continue
            owner = max(owners, key=lambda s: len(s.root))
            owner.processes = (*owner.processes, replace(process, module_id=module_id))
            owner.units = tuple(sorted({*owner.units, unit.name}))


def _assign_modules(services: list[Service], index: _Index, units: Sequence[DeployUnit]) -> None:
    """Each module belongs to the service with the deepest root holding it (to every
    service of that root when several share it, unless its role picks one); a service
    whose images copy only parts of its root owns only those parts; code that images copy
    from outside their own directory (a shared library, a Lambda layer) is nobody's."""
    unit_by_name = {u.name: u for u in units}
    limits: dict[str, list[str] | None] = {}
    roles: dict[str, set[tuple[str, str]]] = {}
    for service in services:
        own = [unit_by_name[n] for n in service.units if n in unit_by_name]
        limits[service.name] = None if not own else sorted({c for u in own for c in u.code})
        roles[service.name] = {index.role(p.module_id) for p in service.processes if p.module_id}
    shared = {p for u in units for p in u.copies_from}  # copied into images from outside their own code
    owned: dict[str, list[str]] = defaultdict(list)
    for module_id, module in sorted(index.modules.items()):
        holders = [s for s in services if _within(module.path, s.root)]
        if not holders:
            continue
        copied = [p for p in shared if _within(module.path, p)]
        deepest = max(len(s.root) if s.root not in ("", ".") else 0 for s in holders)
        holders = [s for s in holders if (len(s.root) if s.root not in ("", ".") else 0) == deepest]
        if len(holders) > 1:
            role = index.role(module_id)
            holders = [s for s in holders if role in roles[s.name]] or holders
        for service in holders:
            limit = limits[service.name]
            if any(not _within(service.root, p) for p in copied):
                continue
            if limit is None or any(_within(module.path, c) for c in limit):
                owned[service.name].append(module_id)
    for service in services:
        service.modules = tuple(owned.get(service.name, ()))


def _name_uniquely(services: list[Service]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for service in services:
        counts[service.name] += 1
    used: set[str] = set()
    for service in sorted(services, key=lambda s: (s.root, s.where.path, s.where.line)):
        name = service.name
        if counts[name] > 1 and service.root not in ("", "."):
            name = posixpath.basename(service.root) if posixpath.basename(service.root) != name else name
        if name in used:
            base, n = name, 2
            while f"{base}-{n}" in used:
                n += 1
            name = f"{base}-{n}"
        used.add(name)
        service.name = name


def _environment(service: Service, units: Sequence[DeployUnit], dotenv: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The service's .env files, then its units' environments (a compose service's over a
    Kubernetes workload's over ...)."""
    env: dict[str, str] = dict(dotenv.get(service.root, {}))
    mine = sorted((u for u in units if u.name in service.units), key=_priority, reverse=True)
    for unit in mine:
        env.update(unit.environment)
    return env


def _implicit_service(index: _Index, entrypoints: Sequence[Entrypoint], root_name: str) -> Service | None:
    """No deploy file declares a service: the code base is one when something in it can be
    started (an application entrypoint, Django's manage.py, a wsgi / asgi module)."""
    starts = sorted({e.module for e in entrypoints if e.module in index.modules})
    starts += sorted(m.id for m in index.modules.values()
                     if m.name.rpartition(".")[2] in _RUNNABLE_NAMES and m.id not in starts)
    if not starts:
        return None
    first = index.modules[starts[0]]
    tops = {index.modules[m].name.partition(".")[0] for m in starts if index.modules[m].package or index.modules[m].is_package}
    name = tops.pop() if len(tops) == 1 else root_name or "app"
    return Service(
        name=name,
        root=".",
        where=Location(first.path, 1, "implicit service: no deploy files, one runnable code base"),
        modules=tuple(sorted(index.modules)),
        implicit=True,
    )


__all__ = ["assemble_services", "resolve_processes"]

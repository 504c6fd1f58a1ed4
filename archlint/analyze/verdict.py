"""The verdict: how the code behaves - monolith, modular monolith, generic services,
microservices, serverless - per service and for the whole system, with reasons that point
at evidence. docs/verdicts.md states every rule and threshold here for users."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from archlint.model.analysis import (
    GENERIC_SERVICE,
    GENERIC_SERVICES,
    MICROSERVICE,
    MICROSERVICES,
    MIXED,
    MODULAR_MONOLITH,
    MONOLITH,
    SERVERLESS,
    UNKNOWN,
    Partition,
    Reason,
    ServiceVerdict,
    Verdict,
)
from archlint.model.findings import Finding, Location, counted, listed
from archlint.model.report import Cycle
from archlint.model.rules import RULES
from archlint.model.source import Module
from archlint.model.system import Database, DataUse, DeployUnit, Entrypoint, Link, Service

MODULARITY_THRESHOLD = 0.4  # Q at or above which a single unit's clusters are well separated
FUNCTION_KINDS = frozenset({"serverless", "sam", "cloudformation", "chalice", "azure-functions", "gcp-functions"})
APP_ENTRYPOINTS = frozenset(
    {
        "fastapi", "starlette", "flask", "quart", "sanic", "aiohttp", "tornado", "falcon", "bottle",
        "django", "celery", "rq", "dramatiq", "nameko", "grpc", "lambda", "wsgi-wrapper", "asgi",
    }
)
WRAPPED_APP = "wsgi-wrapper"  # Mangum / serverless-wsgi / Zappa: a whole web app in one function
SYNC_PROTOCOLS = frozenset({"http", "grpc"})
_STUB_MARKERS = ("_pb2", "_pb2_grpc", "_grpc", "openapi_client", "generated", "swagger_client")


@dataclass(slots=True)
class SystemFacts:
    """What the verdict is decided from; every part may be empty."""

    modules: Mapping[str, Module]
    imports: nx.DiGraph
    services: Sequence[Service] = ()
    units: Sequence[DeployUnit] = ()
    databases: Sequence[Database] = ()
    links: Sequence[Link] = ()
    data_uses: Sequence[DataUse] = ()
    entrypoints: Sequence[Entrypoint] = ()
    partition: Partition | None = None
    package_cycles: Sequence[Cycle] = ()
    parse_errors: int = 0
    files: int = 0
    unresolved_connections: int = 0  # datastore URLs whose env var had no deployed value
    unknown_clients: Mapping[str, tuple[Location, ...]] = field(default_factory=dict)  # by service
    findings: list[Finding] = field(default_factory=list)


def is_stub(module: Module) -> bool:
    """Generated gRPC / OpenAPI code: a contract between services, not shared logic."""
    return any(marker in module.name for marker in _STUB_MARKERS) or "/generated/" in f"/{module.path}"


def decide(facts: SystemFacts) -> tuple[Verdict, list[Finding]]:
    findings: list[Finding] = []
    if not facts.modules:
        return Verdict(UNKNOWN, 1.0, (Reason("no-code", "no Python code was found"),)), findings

    functions = [u for u in facts.units if u.kind in FUNCTION_KINDS and not u.infrastructure]
    code_services = list(facts.services)
    hollow: list[Service] = []
    if len(code_services) > 1 and not any(s.modules for s in code_services):
        # services that hold none of the scanned code (CI images, a test fixture's console
        # scripts) say nothing of how that code is split: it is judged as one code base
        hollow, code_services = code_services, []
    wrapped = [e for e in facts.entrypoints if e.kind == WRAPPED_APP]
    couplings = _couplings(facts, findings)
    per_service = tuple(
        ServiceVerdict(s.name, GENERIC_SERVICE, tuple(couplings[s.name])) if couplings[s.name]
        else ServiceVerdict(s.name, MICROSERVICE, _isolation(s, facts))
        for s in sorted(code_services, key=lambda s: s.name)
    ) if len(code_services) > 1 else ()
    penalties = _confidence_penalties(facts)
    runnable = [u for u in facts.units if not u.infrastructure and u.kind != "dockerfile"]
    if functions and len(functions) == len(runnable):
        kind, reasons = _serverless(functions, wrapped, facts)
    elif len(code_services) > 1:
        kind, reasons = _services(per_service, code_services, functions)
    else:
        kind, reasons, penalty = _single_unit(facts, code_services, hollow)
        penalties += penalty
    confidence = max(0.1, round(1.0 - sum(amount for amount, _ in penalties), 2))
    return Verdict(kind, confidence, tuple(reasons) + tuple(r for _, r in penalties), per_service), findings


Penalty = tuple[float, Reason]


def _penalty(amount: float, why: str) -> Penalty:
    """A reason the verdict is less certain, and by how much (shown to the user)."""
    return amount, Reason("confidence", f"confidence -{amount:.2f}: {why}")


# --- single deployable unit -------------------------------------------------------------


def _single_unit(facts: SystemFacts, services: Sequence[Service], hollow: Sequence[Service]
                 ) -> tuple[str, list[Reason], list[Penalty]]:
    apps = [e for e in facts.entrypoints if e.kind in APP_ENTRYPOINTS]
    reasons: list[Reason] = []
    penalties: list[Penalty] = []
    undeployed = "no deploy file runs this code" if hollow else "no deploy files"
    if hollow:
        names = listed([s.name for s in hollow], 4)
        reasons.append(Reason("services-without-code", f"{len(hollow)} deployed services ({names}) hold none of "
                                                       "the scanned Python code: the code is judged as one code base",
                              tuple(s.where for s in hollow)))
    if services:
        service = services[0]
        processes = ", ".join(f"{p.name} ({p.command})" for p in service.processes) or "one process"
        reasons.append(
            Reason(
                "one-unit",
                f"one deployable unit: service {service.name} runs {processes}",
                (service.where,) + tuple(p.where for p in service.processes),
            )
        )
    elif apps:
        reasons.append(
            Reason(
                "one-unit",
                f"{undeployed}; {len(apps)} application entrypoint(s) in one code base",
                tuple(Location(facts.modules[e.module].path, e.line, f"{e.kind} {e.name}") for e in apps[:5]),
            )
        )
        penalties.append(_penalty(0.2, f"{undeployed}, the deployment is inferred from the code"))
        separate = _separate_web_apps(apps, facts)
        if len(separate) >= 2:
            names = ", ".join(facts.modules[e.module].name for e in separate)
            amount, reason = _penalty(0.2, f"{len(separate)} web applications that do not import one another "
                                           f"({names}) may run as separate services")
            penalties.append((amount, replace(reason, evidence=tuple(
                Location(facts.modules[e.module].path, e.line, f"{e.kind} {e.name}") for e in separate))))
    else:
        reasons.append(
            Reason(
                "nothing-deployable",
                f"nothing deployable: {undeployed} and no application entrypoint (web app, worker, handler); "
                "a library or a set of scripts",
            )
        )
        return UNKNOWN, reasons, penalties
    partition = facts.partition
    q = partition.modularity if partition else 0.0
    clusters = len(partition.clusters) if partition else 0
    cycles = list(facts.package_cycles)
    modular = q >= MODULARITY_THRESHOLD and clusters >= 2 and not cycles
    reasons.append(
        Reason(
            "modularity",
            f"modularity Q = {q:.2f} over {counted(clusters, 'coupling cluster')} "
            f"({'at or above' if q >= MODULARITY_THRESHOLD else 'below'} the {MODULARITY_THRESHOLD} threshold)",
        )
    )
    for cycle in cycles[:3]:
        reasons.append(
            Reason("AL102", "package cycle: " + " -> ".join(cycle.example), cycle.evidence)
        )
    if abs(q - MODULARITY_THRESHOLD) < 0.05:
        penalties.append(_penalty(0.2, "modularity is close to the threshold"))
    return (MODULAR_MONOLITH if modular else MONOLITH), reasons, penalties


_WEB_APPS = frozenset({"fastapi", "starlette", "flask", "quart", "sanic", "aiohttp", "tornado", "falcon", "bottle"})


def _separate_web_apps(apps: Sequence[Entrypoint], facts: SystemFacts) -> list[Entrypoint]:
    """Web application objects none of whose modules reaches another's by imports (four
    Flask apps, each started by hand on its own port): one per module, when there are
    several. A web app next to its worker is one code base and does not count."""
    web = sorted({e.module: e for e in apps if e.kind in _WEB_APPS and e.module in facts.modules}.values(),
                 key=lambda e: e.module)
    graph = facts.imports
    def reaches(a: str, b: str) -> bool:
        return a in graph and b in graph and nx.has_path(graph, a, b)
    if len(web) < 2 or any(reaches(a.module, b.module) for a in web for b in web if a is not b):
        return []
    return web


# --- serverless -------------------------------------------------------------------------


def _serverless(functions: Sequence[DeployUnit], wrapped: Sequence[Entrypoint], facts: SystemFacts) -> tuple[str, list[Reason]]:
    ordered = sorted(u.name for u in functions)
    names = listed(ordered, 8)
    reasons = [Reason("functions", f"{len(functions)} functions deployed as FaaS: {names}", tuple(u.where for u in functions))]
    # each wrapping function where it is declared, then the application object it runs
    declared = {p.name: p.where for u in functions for p in u.processes}
    where = tuple(place for e in wrapped if e.module in facts.modules
                  for place in ((declared[e.name],) if e.name in declared else ())
                  + (Location(facts.modules[e.module].path, e.line, f"the web app function {e.name} runs"),))
    if wrapped and len(functions) == len(wrapped):
        reasons.insert(0, Reason("wrapped-app", "every function wraps a whole web application: a monolith deployed serverless", where))
        return MONOLITH, reasons
    if wrapped:
        names = ", ".join(sorted(e.name for e in wrapped))
        reasons.append(Reason("wrapped-app", f"{len(wrapped)} function(s) wrap a whole web application "
                                             f"(a monolith inside a function): {names}", where))
    return SERVERLESS, reasons


# --- several services ---------------------------------------------------------------------


def _services(per_service: Sequence[ServiceVerdict], services: Sequence[Service], functions: Sequence[DeployUnit]) -> tuple[str, list[Reason]]:
    micro = [v for v in per_service if v.kind == MICROSERVICE]
    generic = [v for v in per_service if v.kind == GENERIC_SERVICE]
    isolated = {v.service for v in micro}
    unread = sum(1 for s in services if not s.modules and s.name in isolated)
    reasons = [
        Reason(
            "services",
            f"{len(services)} deployable services: {len(micro)} isolated"
            + (f" ({unread} of them with no Python code to read)" if unread else "") + f", {len(generic)} coupled",
            tuple(s.where for s in sorted(services, key=lambda s: s.name)),
        )
    ]
    seen: set[tuple[str, str]] = set()
    for verdict in generic:
        for reason in verdict.reasons:
            if (reason.code, reason.message) not in seen:
                seen.add((reason.code, reason.message))
                reasons.append(reason)
    if functions:
        reasons.append(Reason("functions", f"and {len(functions)} serverless functions", tuple(u.where for u in functions)))
        return MIXED, reasons
    if not generic:
        return MICROSERVICES, reasons
    if not micro:
        return GENERIC_SERVICES, reasons
    return MIXED, reasons


_ACCESS = {"model": "model", "sql": "SQL", "foreign_key": "foreign key", "collection": "collection", "table": "table"}


def _table_evidence(by_service: Mapping[str, set[tuple[bool, str, int, str]]]) -> tuple[Location, ...]:
    """Where each service reaches a shared table: its own code first, two places each,
    a place several services share (a common model) named once with all of them."""
    chosen: dict[tuple[str, int], tuple[list[str], str]] = {}
    for service, uses in sorted(by_service.items()):
        for _, path, line, access in sorted(uses)[:2]:
            chosen.setdefault((path, line), ([], access))[0].append(service)
    return tuple(Location(path, line, f"{', '.join(names)}: {access}")
                 for (path, line), (names, access) in sorted(chosen.items(), key=lambda kv: (sorted(kv[1][0]), kv[0])))


def _isolation(declared: Service, facts: SystemFacts) -> tuple[Reason, ...]:
    """Why an uncoupled service is a microservice: the data it keeps alone, and the
    network links that are its only ties to other services. Of a service in another
    language archlint knows only what the others say of it."""
    service = declared.name
    owned = sorted(db.id for db in facts.databases if service in db.services)
    where: list[Location] = []
    for db_id in owned:
        uses = sorted((u for u in facts.data_uses if u.service == service and u.database == db_id
                       and u.module in facts.modules), key=lambda u: (u.access != "connect", u.module, u.line))
        db = next(d for d in facts.databases if d.id == db_id)
        where += [Location(facts.modules[uses[0].module].path, uses[0].line, db_id)] if uses else list(db.evidence[:1])
    data = Reason("own-data", f"own data: {', '.join(owned)}" if owned else "no database found",
                  tuple(where))
    peers: dict[str, dict[str, Location | None]] = defaultdict(dict)  # other service -> protocol -> evidence
    for link in facts.links:
        other = link.target if link.source == service else link.source
        if service not in (link.source, link.target) or other == service or other.startswith("external:"):
            continue
        evidence = (link.evidence[0] if link.source == service else link.evidence[-1]) if link.evidence else None
        peers[other].setdefault(link.protocol, evidence)
    talks = ", ".join(f"{other} ({', '.join(sorted(protocols))})" for other, protocols in sorted(peers.items()))
    links = tuple(where for _, protocols in sorted(peers.items()) for _, where in sorted(protocols.items()) if where)
    said = f"network only: {talks}" if talks else "no link to another service found"
    unknown = facts.unknown_clients.get(service, ())
    if unknown:  # a link may be there: say so rather than claim there is none
        said += f"{'; ' if talks else ', but '}{counted(len(unknown), 'client')} call{'s' if len(unknown) == 1 else ''} " \
                "an address with no known value"
    network = Reason("network", said, links + unknown)
    if not declared.modules:  # what its deployment and the other services say of it, if anything
        unread = Reason("no-python", "no Python code to read", (declared.where,))
        return (unread, *(r for r, known in ((data, owned), (network, talks)) if known))
    return data, network


def _schema_per_service(db: Database, uses: Sequence[DataUse]) -> dict[str, set[str]] | None:
    """Each service's schemas in a shared database, when every table it uses there is
    schema-qualified and no two services use one schema; else None."""
    schemas: dict[str, set[str]] = defaultdict(set)
    for use in uses:
        if use.database != db.id or use.service is None:
            continue
        for table in use.tables:
            schema, dot, _ = table.rpartition(".")
            if not dot:
                return None
            schemas[use.service].add(schema)
    if set(schemas) != set(db.services):
        return None
    seen: set[str] = set()
    for names in schemas.values():
        if names & seen:
            return None
        seen |= names
    return dict(schemas)


def _couplings(facts: SystemFacts, findings: list[Finding]) -> dict[str, list[Reason]]:
    """Per service, the reasons it is not isolated; also emits the matching findings."""
    out: dict[str, list[Reason]] = {s.name: [] for s in facts.services}
    if len(facts.services) < 2:
        return out
    owner: dict[str, set[str]] = defaultdict(set)
    for service in facts.services:
        for module in service.modules:
            owner[module].add(service.name)

    def add(code: str, services: Iterable[str], message: str, evidence: tuple[Location, ...], key: str) -> None:
        rule = RULES.get(code)
        for name in sorted(set(services)):
            if name in out and all(r.message != message for r in out[name]):
                out[name].append(Reason(code, message, evidence))
        if rule is not None:
            first = evidence[0] if evidence else Location("", 0)
            findings.append(Finding(code, rule.severity, message, first.path, first.line, key, evidence))

    # cross-service imports and shared internal libraries
    shared_lib: dict[str, dict[str, list[Location]]] = defaultdict(lambda: defaultdict(list))
    for source, target, data in sorted(facts.imports.edges(data=True), key=lambda e: (e[0], e[1])):
        if source not in facts.modules or target not in facts.modules:
            continue
        line = min(ln for ls in data.get("kinds", {"": [0]}).values() for ln in ls) if data.get("kinds") else 0
        where = Location(facts.modules[source].path, line, f"{source} -> {target}")
        for s_service in owner.get(source, ()):
            t_services = owner.get(target, set())
            if is_stub(facts.modules[target]):
                continue
            for t_service in t_services - {s_service}:
                if s_service in t_services:
                    continue
                add("AL201", (s_service, t_service), f"{s_service} imports {target} from {t_service}", (where,), f"{s_service}->{t_service}:{target}")
            if not t_services:
                library = facts.modules[target].ancestor(1)
                shared_lib[library][s_service].append(where)
    for library, users in sorted(shared_lib.items()):
        if len(users) >= 2:
            evidence = tuple(locs[0] for _, locs in sorted(users.items()))
            add("AL205", users, f"services {', '.join(sorted(users))} share the internal library {library}", evidence, library)

    # where each service's images copy a path in, or build on a base image: the COPY / FROM line
    shared_build: dict[tuple[str, str], dict[str, set[Location]]] = defaultdict(lambda: defaultdict(set))
    service_of_unit = {u: s.name for s in facts.services for u in s.units}
    for unit in facts.units:
        service = service_of_unit.get(unit.name)
        if service is None:
            continue
        for path, where in unit.copies_from.items():
            shared_build[("copy", path)][service].add(where)
        if unit.base_image:
            shared_build[("base image", unit.base_image)][service].add(unit.base_where or unit.where)
    for (label, path), by_service in sorted(shared_build.items()):
        if len(by_service) >= 2:
            what = f"copy {path} into their images" if label == "copy" else f"build on the in-repo base image {path}"
            evidence = tuple(where for _, places in sorted(by_service.items())
                             for where in sorted(places, key=lambda w: (w.path, w.line)))
            add("AL205", by_service, f"services {', '.join(sorted(by_service))} {what}", evidence, f"{label}:{path}")

    # shared databases, tables and foreign keys
    for db in sorted(facts.databases, key=lambda d: d.id):
        schemas = _schema_per_service(db, facts.data_uses) if len(db.services) >= 2 else None
        if schemas:
            rule = RULES["AL210"]
            owned = "; ".join(f"{service}: {', '.join(sorted(names))}" for service, names in sorted(schemas.items()))
            first = db.evidence[0] if db.evidence else Location("", 0)
            findings.append(Finding(rule.code, rule.severity, f"services share the database {db.id}, each in its own "
                                    f"schema ({owned})", first.path, first.line, db.id, db.evidence))
        elif len(db.services) >= 2:
            add("AL202", db.services, f"services {', '.join(sorted(db.services))} share the database {db.id}", db.evidence, db.id)
    # (database, table) -> service -> its uses: (not in its own code, path, line, access)
    table_uses: dict[tuple[str, str], dict[str, set[tuple[bool, str, int, str]]]] = defaultdict(lambda: defaultdict(set))
    def users(use: DataUse) -> set[str]:
        """The service a resolved use was resolved for; else the owners of its module."""
        return {use.service} if use.service else owner.get(use.module, set())

    for use in facts.data_uses:
        if use.module not in facts.modules:
            continue
        for service in users(use):
            shared = service not in owner.get(use.module, ())
            for table in use.tables:
                table_uses[(use.database or use.url or use.engine, table)][service].add(
                    (shared, facts.modules[use.module].path, use.line, _ACCESS.get(use.access, use.access)))
    for (db, table), by_service in sorted(table_uses.items()):
        if len(by_service) >= 2:
            add("AL203", by_service, f"services {', '.join(sorted(by_service))} use the table {table}",
                _table_evidence(by_service), f"{db}:{table}")
    owners_of_table: dict[str, set[str]] = defaultdict(set)  # table -> services defining its model
    for use in facts.data_uses:
        if use.access == "model":
            for table in use.tables:
                owners_of_table[table] |= users(use)
    for use in facts.data_uses:
        if use.access != "foreign_key" or use.module not in facts.modules:
            continue
        for service in users(use):
            for table in use.tables:
                others = owners_of_table.get(table, set()) - {service}
                if others:
                    where = (Location(facts.modules[use.module].path, use.line, f"foreign key to {table}"),)
                    add("AL204", {service, *others}, f"{service} has a foreign key to {table}, owned by {', '.join(sorted(others))}", where, f"{service}:{table}")

    # services from one code base, and cycles of synchronous calls
    by_root: dict[str, list[Service]] = defaultdict(list)
    for service in facts.services:
        if service.modules:  # a frontend in another language built from the same directory runs other code
            by_root[service.root].append(service)
    for root, group in sorted(by_root.items()):
        if len(group) >= 2:
            names = sorted(s.name for s in group)
            add("AL208", names, f"services {', '.join(names)} are one code base ({root}) started with different commands", tuple(s.where for s in group), root)
    _service_cycles(facts, findings)
    return out


def _service_cycles(facts: SystemFacts, findings: list[Finding]) -> None:
    """A cycle of synchronous calls between services is a warning (AL207), not a coupling:
    the services stay separately deployable, but a failure can travel round the loop."""
    graph = nx.DiGraph()
    for link in sorted(facts.links, key=lambda l: (l.source, l.target, l.channel)):
        if link.protocol in SYNC_PROTOCOLS and not link.target.startswith("external:") and link.source != link.target:
            if not graph.has_edge(link.source, link.target):
                graph.add_edge(link.source, link.target, evidence=link.evidence)
    rule = RULES.get("AL207")
    if rule is None:
        return
    for component in sorted(nx.strongly_connected_components(graph), key=lambda c: sorted(c)):
        if len(component) < 2:
            continue
        members = sorted(component)
        evidence = tuple(loc for a in members for b in members if graph.has_edge(a, b) for loc in graph[a][b]["evidence"][:1])
        first = evidence[0] if evidence else Location("", 0)
        findings.append(Finding("AL207", rule.severity, f"services call each other in a cycle: {', '.join(members)}", first.path, first.line, "|".join(members), evidence))


def _confidence_penalties(facts: SystemFacts) -> list[Penalty]:
    out = []
    if facts.files and facts.parse_errors / facts.files > 0.02:
        share = facts.parse_errors / facts.files
        out.append(_penalty(min(0.3, round(share, 2)), f"{facts.parse_errors} of {facts.files} files could not be analysed"))
    if facts.unresolved_connections:
        out.append(
            _penalty(
                min(0.3, 0.1 * facts.unresolved_connections),
                f"{facts.unresolved_connections} datastore connection(s) read an environment variable "
                "with no deployed value",
            )
        )
    empty = [s.name for s in facts.services if not s.modules]
    if empty:
        out.append(_penalty(0.1, f"{len(empty)} service(s) with no Python code found: {listed(empty, 4)}"))
    return out

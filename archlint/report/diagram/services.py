"""The service level: what the repository deploys and how its parts talk.

Services are boxes inside the deployment that declares them (a compose file, a Kubernetes
namespace or manifest, a serverless app); databases are cylinders; HTTP and gRPC are solid
arrows; messaging goes dashed through a node for its queue or topic; shared databases,
cross-service imports and shared internal libraries are red; external systems are grey.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from archlint.model.analysis import GENERIC_SERVICE, MICROSERVICE
from archlint.model.report import Report
from archlint.model.source import Module
from archlint.model.system import Database, DeployUnit, Link, Service
from archlint.report.diagram.model import BOLD, DASHED, Diagram, Edge, Group, LegendEntry, Node
from archlint.report.diagram.options import SERVICE, DiagramOptions
from archlint.report.diagram.scope import focus_nodes, is_excluded, most_connected, neighbourhood
from archlint.report.diagram.style import (
    CHANNEL_FILL,
    DATABASE_FILL,
    DEPLOYMENT_FILL,
    EDGE,
    FOCUS,
    GENERIC_SERVICE_FILL,
    GREY,
    GREY_FILL,
    INK,
    MICROSERVICE_FILL,
    RED,
    SERVICE_FILL,
    SPLIT_WIDTH,
    count,
)

SYNC = {"http": "HTTP", "https": "HTTP", "grpc": "gRPC"}
MESSAGING_COLOUR = "#6a3d9a"
EXTERNAL_PREFIX = "external:"
MAX_PROCESSES = 4  # process names listed in a service's box
# Which deploy file names a service's deployment, when several declare equally many
# services (a compose service built from a Dockerfile belongs to the compose project).
_DEPLOY_RANK = ("compose", "kubernetes", "serverless", "sam", "cloudformation", "chalice", "procfile")
_KIND_LABEL = {
    "kubernetes": "Kubernetes",
    "compose": "docker compose",
    "serverless": "serverless app",
    "sam": "SAM app",
    "cloudformation": "CloudFormation",
    "procfile": "Procfile",
    "dockerfile": "Dockerfile",
}


def _sid(name: str) -> str:
    return f"service/{name}"


@dataclass(slots=True)
class _Builder:
    """The diagram under construction, with edges merged by (source, target, kind)."""

    diagram: Diagram
    edges: dict[tuple[str, str, str], Edge] = field(default_factory=dict)
    evidence: dict[tuple[str, str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    names: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def node(self, node: Node) -> None:
        if all(n.id != node.id for n in self.diagram.nodes):
            self.diagram.nodes.append(node)

    def edge(self, edge: Edge, evidence: str, name: str | None = None) -> None:
        """Add ``edge`` or merge it into the one already there; ``name`` (a URL path, a gRPC
        service) goes into the label, ``evidence`` into the tooltip."""
        key = (edge.source, edge.target, edge.kind)
        if key not in self.edges:
            self.edges[key] = edge
        self.evidence[key].append(evidence)
        if name:
            self.names[key].add(name)


def service_diagram(report: Report, options: DiagramOptions) -> Diagram:
    diagram = Diagram(level=SERVICE, title=f"{report.root}: services")
    services = [s for s in report.services if not is_excluded(s.name, s.root, options.exclude)]
    if not services:
        diagram.notes.append(
            "no services found in the deploy files (docker compose, Kubernetes, Procfile, serverless); "
            "try --level package"
        )
        return diagram
    build = _Builder(diagram)
    units = {u.name: u for u in report.deploy_units}
    deployment = _deployments(build, services, units)
    verdicts = {v.service: v.kind for v in report.verdict.services} if report.verdict else {}
    for service in services:
        build.node(_service_node(service, deployment.get(service.name), verdicts.get(service.name)))
    names = {s.name for s in services}
    modules = {m.id: m for m in report.modules}
    _databases(build, report.databases, names, units, options.exclude)
    _links(build, report.links, names, options.exclude)
    _imports(build, report, services, modules)
    for key, edge in sorted(build.edges.items()):
        evidence = sorted(set(build.evidence[key]))
        names = sorted(build.names[key])
        if names:
            edge.label = " ".join([edge.label, *names[:2]] + ([f"+{len(names) - 2}"] if len(names) > 2 else []))
        edge.tooltip = (f"{key[0]} -> {key[1]}", *evidence[:12])
        edge.data["evidence"] = evidence
        diagram.edges.append(edge)
    _scope(diagram, options)
    diagram.legend = _legend(diagram)
    return diagram.sort()


def _deployments(build: _Builder, services: list[Service], units: Mapping[str, DeployUnit]) -> dict[str, str]:
    """Service name -> id of the deployment box that holds it (boxes are added here). A
    service deployed several ways (compose for development, Kubernetes for production) is
    drawn in the deployment that declares the most of the drawn services, so that the
    picture shows one system, not one box per manifest."""
    declared = {s.name: [units[u] for u in s.units if u in units] for s in services}
    coverage: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, found in declared.items():
        for unit in found:
            coverage[_deployment(unit)].add(name)
    out = {}
    for name, found in declared.items():
        if found:
            unit = min(found, key=lambda u: (-len(coverage[_deployment(u)]), _rank(u.kind), _deployment(u), u.name))
            out[name] = _deployment_group(build, unit)
    return out


def _deployment(unit: DeployUnit) -> tuple[str, str]:
    """(kind, where): the project that declares a unit (a serverless service, a Chalice
    app), else the file that does; for Kubernetes, the manifests' directory (one
    kustomization, one namespace's worth of files)."""
    if unit.group:
        return unit.kind, unit.group
    if unit.kind == "kubernetes":
        return unit.kind, posixpath.dirname(unit.where.path) + "/"
    return unit.kind, unit.where.path


def _short(channel: str, limit: int = 32) -> str:
    """What an edge label says of a channel: a URL's path (its host is the arrow's target),
    a gRPC service as it is; cut to ``limit`` characters."""
    rest = channel.split("://", 1)[1] if "://" in channel else None
    if rest is not None:
        channel = "/" + rest.partition("/")[2]
    return channel if len(channel) <= limit else channel[: limit - 1] + "\u2026"


def _rank(kind: str) -> int:
    return _DEPLOY_RANK.index(kind) if kind in _DEPLOY_RANK else len(_DEPLOY_RANK)


def _deployment_group(build: _Builder, unit: DeployUnit) -> str:
    kind, where = _deployment(unit)
    gid = f"deployment/{kind}/{where}"
    if all(g.id != gid for g in build.diagram.groups):
        label = (f"{_KIND_LABEL.get(kind, kind)}: {where}",)
        build.diagram.groups.append(Group(gid, label, "deployment", fill=DEPLOYMENT_FILL, color="#8a8a8a"))
    return gid


def _service_node(service: Service, group: str | None, verdict: str | None) -> Node:
    lines = [service.name]
    processes = sorted({p.name for p in service.processes} - {service.name})
    if processes:
        more = f" +{len(processes) - MAX_PROCESSES}" if len(processes) > MAX_PROCESSES else ""
        lines.append(", ".join(processes[:MAX_PROCESSES]) + more)
    lines.append(count(len(service.modules), "module") if service.modules else "no Python code")
    if verdict:
        lines.append(verdict)
    fill = {MICROSERVICE: MICROSERVICE_FILL, GENERIC_SERVICE: GENERIC_SERVICE_FILL}.get(verdict or "", SERVICE_FILL)
    return Node(
        id=_sid(service.name),
        label=tuple(lines),
        kind="service",
        group=group,
        fill=fill,
        tooltip=(f"service {service.name} in {service.root or '.'}", f"{service.where.path}:{service.where.line}",
                 *(f"{p.name}: {p.command}" for p in service.processes)),
        data={"service": service.name, "modules": len(service.modules), "verdict": verdict, "units": list(service.units)},
    )


def _instance_group(db: Database, units: Mapping[str, DeployUnit], build: _Builder) -> str | None:
    """The deployment box a database lives in: its instance's deploy unit, if the
    repository deploys it (a compose postgres), else none (a managed or external server)."""
    for unit in sorted(units.values(), key=lambda u: u.name):
        if db.instance == unit.name or db.instance in unit.hosts:
            return _deployment_group(build, unit)
    return None


def _databases(
    build: _Builder,
    databases: Iterable[Database],
    names: set[str],
    units: Mapping[str, DeployUnit],
    exclude: tuple[str, ...],
) -> None:
    for db in databases:
        if is_excluded(db.id, None, exclude):
            continue
        users = sorted(s for s in db.services if s in names)
        shared = len(db.services) >= 2
        tables = (count(len(db.tables), "table"),) if db.tables else ()
        nid = f"database/{db.id}"
        build.node(
            Node(
                id=nid,
                label=(db.name or db.id, f"{db.engine} on {db.instance}" if db.instance else db.engine, *tables, *(("SHARED",) if shared else ())),
                kind="database",
                group=_instance_group(db, units, build),
                shape="cylinder",
                fill=DATABASE_FILL,
                color=RED if shared else INK,
                penwidth=2.0 if shared else 1.0,
                tooltip=(f"database {db.id} ({db.engine})", "used by " + ", ".join(db.services),
                         *(f"table {t}" for t in db.tables[:20])),
                data={"database": db.id, "engine": db.engine, "tables": list(db.tables), "shared": shared,
                      "services": list(db.services)},
            )
        )
        for service in users:
            edge = Edge(
                _sid(service),
                nid,
                "shared-database" if shared else "data",
                color=RED if shared else EDGE,
                penwidth=2.0 if shared else 1.0,
                arrow=False,
            )
            build.edge(edge, f"{service} uses {db.id}")


def _links(build: _Builder, links: Iterable[Link], names: set[str], exclude: tuple[str, ...]) -> None:
    for link in links:
        if link.source not in names:
            continue
        external = link.target.startswith(EXTERNAL_PREFIX)
        if not external and link.target not in names:
            continue
        if is_excluded(link.target.removeprefix(EXTERNAL_PREFIX), None, exclude):
            continue
        where = "; ".join(f"{e.path}:{e.line}" for e in link.evidence[:2])
        detail = f"{link.protocol} {link.channel}  ({where})" if where else f"{link.protocol} {link.channel}"
        if external:
            host = link.target.removeprefix(EXTERNAL_PREFIX)
            target = f"external/{host}"
            build.node(Node(target, (host,), "external", group="external", fill=GREY_FILL, color=GREY, style=DASHED,
                            tooltip=(f"external system {host}",), data={"host": host}))
            if all(g.id != "external" for g in build.diagram.groups):
                build.diagram.groups.append(Group("external", ("outside the repository",), "external",
                                                  fill="#ffffff", color=GREY, style=DASHED))
        else:
            target = _sid(link.target)
        protocol = link.protocol.lower()
        if protocol in SYNC:
            colour = GREY if external else EDGE
            kind = "grpc" if protocol == "grpc" else "http"
            build.edge(Edge(_sid(link.source), target, kind, label=SYNC[protocol], color=colour, penwidth=1.5),
                       detail, _short(link.channel))
            continue
        channel = f"channel/{protocol}/{link.channel}"
        build.node(Node(channel, (link.channel, protocol), "channel", shape="cds", fill=CHANNEL_FILL,
                        color=MESSAGING_COLOUR, tooltip=(f"{protocol} {link.channel}",),
                        data={"protocol": protocol, "channel": link.channel}))
        build.edge(Edge(_sid(link.source), channel, "messaging", label="publishes", color=MESSAGING_COLOUR,
                        style=DASHED, penwidth=1.5), detail)
        build.edge(Edge(channel, target, "messaging", label="consumes", color=MESSAGING_COLOUR, style=DASHED,
                        penwidth=1.5), detail)


def _imports(build: _Builder, report: Report, services: list[Service], modules: Mapping[str, Module]) -> None:
    """Imports between services' code (red), and internal libraries that belong to no
    service but are imported by several (a node of their own; red edges when shared)."""
    owner: dict[str, set[str]] = defaultdict(set)
    for service in services:
        for module in service.modules:
            owner[module].add(service.name)
    owned_by_any = {m for s in report.services for m in s.modules}
    libraries: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for dep in report.dependencies:
        if dep.kind == "call" or dep.source not in owner or dep.target not in modules:
            continue
        where = f"{modules[dep.source].path}:{dep.lines[0] if dep.lines else 0}  {dep.source} -> {dep.target}"
        for source in sorted(owner[dep.source]):
            targets = owner.get(dep.target, set())
            if source in targets:
                continue
            for target in sorted(targets):
                build.edge(Edge(_sid(source), _sid(target), "cross-import", label="imports", color=RED,
                                style=BOLD, penwidth=2.5), where)
            if dep.target not in owned_by_any:
                libraries[modules[dep.target].ancestor(1)][source].append(where)
    for library, users in sorted(libraries.items()):
        shared = len(users) >= 2
        nid = f"library/{library}"
        build.node(Node(nid, (library, "internal library"), "library", shape="component",
                        fill="#ffffff", color=RED if shared else INK, penwidth=2.0 if shared else 1.0,
                        tooltip=(f"{library}: imported by " + ", ".join(sorted(users)),),
                        data={"library": library, "services": sorted(users), "shared": shared}))
        for user, wheres in sorted(users.items()):
            for where in wheres:
                build.edge(Edge(_sid(user), nid, "shared-library" if shared else "library",
                                color=RED if shared else EDGE, penwidth=2.0 if shared else 1.0), where)


def _scope(diagram: Diagram, options: DiagramOptions) -> None:
    """--focus and the node budget, applied to the finished service graph."""
    edges = [(e.source, e.target) for e in diagram.edges]
    ids = {n.id for n in diagram.nodes}
    keep = ids
    if options.focus:
        names = {str(n.data[k]): n.id for n in diagram.nodes for k in ("service", "database") if k in n.data}
        seeds = focus_nodes(options.focus, ids, names, "service or database")
        keep = neighbourhood(seeds, edges, options.depth)
        diagram.notes.append(f"neighbourhood of {options.focus}: {options.depth} step(s) either way")
        for node in diagram.nodes:
            if node.id in seeds:
                node.color, node.penwidth, node.style = FOCUS, SPLIT_WIDTH, BOLD
    if len(keep) > options.max_nodes:
        weights = {(e.source, e.target): 1 for e in diagram.edges}
        diagram.notes.append(f"{len(keep)} nodes exceed the node budget of {options.max_nodes}: the most connected are drawn")
        keep = most_connected(keep, weights, options.max_nodes)
    diagram.nodes = [n for n in diagram.nodes if n.id in keep]
    diagram.edges = [e for e in diagram.edges if e.source in keep and e.target in keep]
    used = {n.group for n in diagram.nodes}
    diagram.groups = [g for g in diagram.groups if g.id in used]


def _legend(diagram: Diagram) -> list[LegendEntry]:
    kinds = {n.kind for n in diagram.nodes} | {e.kind for e in diagram.edges}
    verdicts = {n.data.get("verdict") for n in diagram.nodes if n.kind == "service"}
    entries = []
    if MICROSERVICE in verdicts:
        entries.append(LegendEntry("node", ("microservice",), fill=MICROSERVICE_FILL))
    if GENERIC_SERVICE in verdicts:
        entries.append(LegendEntry("node", ("generic service",), fill=GENERIC_SERVICE_FILL))
    if verdicts - {MICROSERVICE, GENERIC_SERVICE}:
        entries.append(LegendEntry("node", ("service",), fill=SERVICE_FILL))
    if "database" in kinds:
        entries.append(LegendEntry("node", ("database",), shape="cylinder", fill=DATABASE_FILL))
    if "shared-database" in kinds:
        entries.append(LegendEntry("node", ("shared database",), shape="cylinder", fill=DATABASE_FILL, color=RED, penwidth=2))
    if "channel" in kinds:
        entries.append(LegendEntry("node", ("queue / topic",), shape="cds", fill=CHANNEL_FILL, color=MESSAGING_COLOUR))
    if "library" in kinds:
        entries.append(LegendEntry("node", ("internal library",), shape="component"))
    if "external" in kinds:
        entries.append(LegendEntry("node", ("external system",), fill=GREY_FILL, color=GREY, style=DASHED))
    if kinds & {"http", "grpc"}:
        entries.append(LegendEntry("edge", ("HTTP / gRPC",), color=EDGE, penwidth=1.5))
    if "messaging" in kinds:
        entries.append(LegendEntry("edge", ("messaging",), color=MESSAGING_COLOUR, style=DASHED, penwidth=1.5))
    if kinds & {"cross-import", "shared-library", "shared-database"}:
        entries.append(LegendEntry("edge", ("coupling: a shared database,", "library or code"), color=RED, penwidth=2.5))
    return entries

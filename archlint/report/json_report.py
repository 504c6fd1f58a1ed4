"""The JSON report: the contract CI and other tools build on (docs/json-report.md).

Versioned by ``schema_version``; keys are only ever added within a version. Output is
deterministic: sorted keys, sorted lists, no timestamps, so one tree gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from archlint.model.analysis import Partition, Reason, SplitCandidate, Verdict
from archlint.model.calls import CallCoverage
from archlint.model.check import BaselineEntry, CheckOutcome
from archlint.model.findings import Finding, Location
from archlint.model.infrastructure import engines_of
from archlint.model.report import SCHEMA_VERSION, Cycle, Dependency, Report
from archlint.model.system import Database, DataUse, DeployUnit, Endpoint, Entrypoint, Link, Process, Service, safe_address
from archlint.report.jsontext import dumps


def location(loc: Location) -> dict[str, Any]:
    return {"path": loc.path, "line": loc.line, "note": loc.note}


def finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "fingerprint": f.fingerprint,
        "evidence": [location(e) for e in f.evidence],
    }


def cycle(c: Cycle, members: str) -> dict[str, Any]:
    return {members: list(c.members), "example": list(c.example), "evidence": [location(e) for e in c.evidence]}


def partition(p: Partition | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "modularity": p.modularity,
        "seed": p.seed,
        "resolution": p.resolution,
        "unclustered": list(p.unclustered),
        "excluded": list(p.excluded),
        "hubs": list(p.hubs),
        "clusters": [
            {
                "id": c.id,
                "name": c.name,
                "size": len(c.modules),
                "modules": list(c.modules),
                "cohesion": c.cohesion,
                "coupling": c.coupling,
                "internal_weight": c.internal_weight,
                "external_weight": c.external_weight,
                "packages": [{"package": name, "modules": n} for name, n in c.packages],
                "tables_owned": list(c.tables_owned),
                "tables_shared": [{"table": t, "clusters": list(ids)} for t, ids in c.tables_shared],
            }
            for c in p.clusters
        ],
        "packages": [
            {"package": f.package, "django_app": f.app, "modules": f.modules, "kept_whole": len(f.clusters) == 1,
             "clusters": [{"cluster": name, "modules": n} for name, n in f.clusters]}
            for f in p.packages
        ],
    }


def split(s: SplitCandidate) -> dict[str, Any]:
    return {
        "cluster": s.cluster,
        "name": s.name,
        "size": s.size,
        "modules": list(s.modules),
        "score": s.score,
        "score_parts": dict(s.score_parts),
        "cut": {
            "imports": s.cut_imports,
            "calls": s.cut_calls,
            "to_shared_core": {"imports": s.core_imports, "calls": s.core_calls},
            "heaviest": [
                {"source": e.source, "target": e.target, "imports": e.imports, "calls": e.calls, **location(e.where)}
                for e in s.heaviest
            ],
        },
        "tables_owned": list(s.tables_owned),
        "tables_shared": [{"table": t, "with": list(w)} for t, w in s.tables_shared],
        "cycles": [list(c) for c in s.cycles],
        "packages": s.packages,
    }


def reason(r: Reason) -> dict[str, Any]:
    return {"code": r.code, "message": r.message, "evidence": [location(e) for e in r.evidence]}


def verdict(v: Verdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "kind": v.kind,
        "confidence": v.confidence,
        "reasons": [reason(r) for r in v.reasons],
        "services": [
            {"service": s.service, "kind": s.kind, "reasons": [reason(r) for r in s.reasons]}
            for s in v.services
        ],
    }


def dependency(d: Dependency) -> dict[str, Any]:
    out: dict[str, Any] = {"source": d.source, "target": d.target, "kind": d.kind, "lines": list(d.lines)}
    if d.kind == "call":
        out["count"] = d.count
    return out


def call_coverage(c: CallCoverage) -> dict[str, Any]:
    return {
        "sites": c.sites,
        "internal": c.internal,
        "resolved": c.resolved,
        "unresolved": c.unresolved,
        "external": c.external,
        "opaque": c.opaque,
        "coverage": c.coverage,
    }


def to_dict(report: Report) -> dict[str, Any]:
    s = report.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "archlint", "version": report.tool_version},
        "root": report.root,
        "summary": {
            "files": s.files,
            "modules": s.modules,
            "packages": s.packages,
            "parse_errors": s.parse_errors,
            "imports": s.imports,
            "unresolved_imports": s.unresolved_imports,
            "calls": call_coverage(s.calls),
            "unresolved_connections": s.unresolved_connections,
        },
        "modules": [
            {
                "name": m.id,
                "import_name": m.name,
                "path": m.path,
                "root": m.root,
                "package": m.package,
                "is_package": m.is_package,
            }
            for m in sorted(report.modules, key=lambda m: m.id)
        ],
        "dependencies": [
            dependency(d) for d in sorted(report.dependencies, key=lambda d: (d.source, d.target, d.kind))
        ],
        "functions": [
            {"name": f.name, "kind": f.kind, "module": f.module, "path": f.path, "line": f.line}
            for f in sorted(report.functions, key=lambda f: f.name)
        ],
        "calls": [
            {"caller": c.caller, "callee": c.callee, "lines": list(c.lines), "count": c.count}
            for c in sorted(report.calls, key=lambda c: (c.caller, c.callee))
        ],
        "external": [
            {"name": e.name, "kind": e.kind, "imported_by": sorted(e.imported_by)}
            for e in sorted(report.external, key=lambda e: e.name)
        ],
        "unresolved": [
            {"source": u.source, "path": u.path, "line": u.line, "name": u.name} for u in report.unresolved
        ],
        "cycles": [cycle(c, "modules") for c in report.cycles],
        "findings": [finding(f) for f in sorted(report.findings, key=Finding.sort_key)],
        "package_depth": report.package_depth,
        "packages": [
            {
                "name": p.package,
                "modules": p.modules,
                "afferent": p.afferent,
                "efferent": p.efferent,
                "instability": p.instability,
            }
            for p in report.packages
        ],
        "package_cycles": [cycle(c, "packages") for c in report.package_cycles],
        "clusters": partition(report.partition),
        "split_candidates": [split(s) for s in report.split_candidates],
        "verdict": verdict(report.verdict),
        "contracts": [
            {
                "name": c.name,
                "type": c.type,
                "kept": c.kept,
                "violations": c.violations,
                "unused_ignores": list(c.unused_ignores),
            }
            for c in report.contracts
        ],
        "check": check(report.check),
        **deployment(report),
        "databases": [_database(d) for d in sorted(report.databases, key=lambda d: (d.id, d.engine))],
        **code_facts(report),
    }


def _process(p: Process) -> dict[str, Any]:
    return {"name": p.name, "command": p.command, "module": p.module, "module_id": p.module_id,
            "path": p.where.path, "line": p.where.line}


def _service(s: Service) -> dict[str, Any]:
    return {
        "name": s.name,
        "root": s.root,
        "declared_at": {"path": s.where.path, "line": s.where.line},
        "implicit": s.implicit,
        "units": sorted(s.units),
        "hosts": sorted(s.hosts),
        "processes": [_process(p) for p in s.processes],
        "modules": sorted(s.modules),
        "entrypoints": [{"module": e.module, "kind": e.kind, "name": e.name, "line": e.line}
                        for e in sorted(s.entrypoints, key=lambda e: (e.module, e.line, e.kind, e.name))],
    }


def _unit(u: DeployUnit) -> dict[str, Any]:
    return {
        "name": u.name,
        "kind": u.kind,
        "path": u.where.path,
        "line": u.where.line,
        "context": u.context,
        "root": u.root,
        "dockerfile": u.dockerfile,
        "image": u.image,
        "infrastructure": u.infrastructure,
        "engines": list(engines_of(u.infrastructure)),
        "processes": [_process(p) for p in u.processes],
        "environment": sorted(u.environment),
        "depends_on": sorted(u.depends_on),
        "hosts": sorted(u.hosts),
        "code": sorted(u.code),
        "copies_from": sorted(u.copies_from),
        "base_image": u.base_image,
        "group": u.group,
        "profiles": sorted(u.profiles),
        "events": sorted(u.events),
        "runtime": u.runtime,
    }


def _database(d: Database) -> dict[str, Any]:
    return {
        "id": d.id,
        "engine": d.engine,
        "instance": d.instance,
        "name": d.name,
        "tables": sorted(d.tables),
        "services": sorted(d.services),
        "modules": sorted(d.modules),
        "evidence": [location(e) for e in d.evidence],
    }


def _link(link: Link) -> dict[str, Any]:
    return {"source": link.source, "target": link.target, "protocol": link.protocol,
            "channel": link.channel, "evidence": [location(e) for e in link.evidence]}


def code_facts(report: Report) -> dict[str, Any]:
    """How the parts talk and what the code says about data, per module and line (URLs
    without user, password or query: they may hold secrets)."""
    path = {m.id: m.path for m in report.modules}

    def entrypoint(e: Entrypoint) -> dict[str, Any]:
        return {"module": e.module, "kind": e.kind, "name": e.name, "path": path.get(e.module, ""), "line": e.line}

    def data(u: DataUse) -> dict[str, Any]:
        return {"module": u.module, "path": path.get(u.module, ""), "line": u.line, "engine": u.engine,
                "access": u.access, "url": safe_address(u.url) if u.url else None,
                "database": u.database, "tables": sorted(u.tables)}

    def endpoint(e: Endpoint) -> dict[str, Any]:
        return {"module": e.module, "path": path.get(e.module, ""), "line": e.line, "role": e.role,
                "protocol": e.protocol, "channel": safe_address(e.channel),
                "address": safe_address(e.address) if e.address else None}

    return {
        "communication": [_link(link) for link in sorted(
            report.links, key=lambda k: (k.source, k.target, k.protocol, k.channel))],
        "entrypoints": [entrypoint(e) for e in sorted(
            report.entrypoints, key=lambda e: (e.module, e.line, e.kind, e.name))],
        "data_access": [data(u) for u in sorted(
            report.data_uses, key=lambda u: (u.module, u.line, u.access, u.engine, u.tables, u.url or ""))],
        "endpoints": [endpoint(e) for e in sorted(
            report.endpoints, key=lambda e: (e.module, e.line, e.role, e.protocol, e.channel))],
    }


def deployment(report: Report) -> dict[str, Any]:
    """What the repository deploys: services and the deploy units they come from
    (environment values are left out: they hold passwords)."""
    return {
        "services": [_service(s) for s in sorted(report.services, key=lambda s: s.name)],
        "deploy_units": [_unit(u) for u in sorted(report.deploy_units, key=lambda u: u.name)],
    }


def check(outcome: CheckOutcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "failed": outcome.failed,
        "fail_on": outcome.fail_on,
        "baseline": outcome.baseline,
        "new": sorted(outcome.new),
        "failing": sorted(outcome.failing),
        "baselined": outcome.baselined,
        "stale": [baseline_entry(e) for e in outcome.stale],
    }


def baseline_entry(entry: BaselineEntry) -> dict[str, Any]:
    return {"fingerprint": entry.fingerprint, "rule": entry.rule, "path": entry.path, "message": entry.message}


def render_json(report: Report) -> str:
    return dumps(to_dict(report))


def schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped inside the package."""
    from importlib import resources

    text = resources.files("archlint.report").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)

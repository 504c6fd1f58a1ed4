"""The JSON report: the contract CI and other tools build on (docs/json-report.md).

Versioned by ``schema_version``; keys are only ever added within a version. Output is
deterministic: sorted keys, sorted lists, no timestamps, so one tree gives the same bytes.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from archlint.model.findings import Finding, Location
from archlint.model.report import SCHEMA_VERSION, Report


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
            {"source": d.source, "target": d.target, "kind": d.kind, "lines": list(d.lines)}
            for d in sorted(report.dependencies, key=lambda d: (d.source, d.target, d.kind))
        ],
        "external": [
            {"name": e.name, "kind": e.kind, "imported_by": sorted(e.imported_by)}
            for e in sorted(report.external, key=lambda e: e.name)
        ],
        "cycles": [
            {
                "modules": list(c.members),
                "example": list(c.example),
                "evidence": [location(e) for e in c.evidence],
            }
            for c in report.cycles
        ],
        "findings": [finding(f) for f in sorted(report.findings, key=Finding.sort_key)],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped inside the package."""
    text = resources.files("archlint.report").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)

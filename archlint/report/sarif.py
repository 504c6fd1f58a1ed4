"""SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): the rule catalogue with
help text, one result per finding with its location, the evidence chain as related
locations and a code flow, and the finding's fingerprint, which survives line shifts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from archlint.model.findings import ERROR, INFO, WARNING, Finding, Location
from archlint.model.report import Report
from archlint.model.rules import RULES
from archlint.report.rule_docs import rule_page
from archlint.report.jsontext import dumps

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}
MAX_DESCRIPTION = 1024  # GitHub's limit for short and full descriptions
FINGERPRINT_KEY = "archlint/v1"


def render_sarif(report: Report, *, prefix: str = "") -> str:
    """``prefix`` is put before every path (the scanned directory relative to where the
    command runs), so that paths are relative to the repository root code scanning uses."""
    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    check = report.check
    new = set(check.new) if check and check.baseline else None
    results = [_result(f, index[f.rule], prefix, new, check.baseline if check else None) for f in report.findings]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "archlint",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": [_rule(code) for code in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(sarif)


def _rule(code: str) -> dict[str, Any]:
    rule = RULES[code]
    page = rule_page(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(f"{rule.summary} {rule.why}")},
        # the whole docs/rules/ page travels with the rule (archlint has no site to link to)
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["architecture", rule.name],
            "precision": "high",
            "problem.severity": "recommendation" if rule.severity == INFO else rule.severity,
        },
    }


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 3] + "..."


def _physical(loc: Location, prefix: str) -> dict[str, Any]:
    """A file and line; a finding about a whole file (line 0) is shown on its first line."""
    return {
        # a URI reference: a space, a bracket or a newline in a file name is percent-encoded
        "artifactLocation": {"uri": quote(prefix + loc.path, safe="/")},
        "region": {"startLine": max(1, loc.line)},
    }


def _result(f: Finding, rule_index: int, prefix: str, new: set[str] | None, baseline: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint, "primaryLocationLineHash": f.fingerprint},
    }
    if f.path:
        result["locations"] = [{"physicalLocation": _physical(Location(f.path, f.line), prefix)}]
    steps = [e for e in f.evidence if e.path]
    if steps:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(e, prefix), "message": {"text": e.note or e.path}}
            for i, e in enumerate(steps, 1)
        ]
    if len(steps) > 1:
        flow = [{"location": {"physicalLocation": _physical(e, prefix), "message": {"text": e.note or e.path}}} for e in steps]
        result["codeFlows"] = [{"threadFlows": [{"locations": flow}]}]
    if new is not None:
        if f.fingerprint in new:
            result["baselineState"] = "new"
        else:
            result["baselineState"] = "unchanged"
            result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f"in the baseline {baseline}"}]
    return result

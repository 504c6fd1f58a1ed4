"""Gates on the architecture itself (`require`, `max_shared_databases`) and the baseline:
what makes `archlint check` fail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from archlint.model.analysis import Verdict
from archlint.model.check import BaselineEntry, CheckOutcome, meets
from archlint.model.errors import ConfigError
from archlint.model.findings import Finding, Location, severity_rank
from archlint.model.rules import RULES
from archlint.model.settings import Settings
from archlint.model.system import Database

MAX_EVIDENCE = 10


def gate_findings(
    settings: Settings,
    verdict: Verdict | None,
    databases: Sequence[Database],
    where: dict[str, Location],
) -> list[Finding]:
    """AL401 / AL402 when the architecture misses what the configuration requires;
    ``where`` places each finding at its key in the configuration file."""
    out = []
    if settings.require:
        if verdict is None:
            raise ConfigError(settings.config_path, settings.key("require"), "not applicable: this scan decided no verdict")
        if not meets(verdict.kind, settings.require):
            reasons = [r for r in verdict.reasons if r.code != "confidence"]
            because = "; ".join(r.message for r in reasons[:3]) or "no reason recorded"
            evidence = list(dict.fromkeys(e for r in reasons for e in r.evidence))[:MAX_EVIDENCE]  # reasons share places
            message = (
                f"the architecture must be {settings.require}, but the verdict is {verdict.kind} "
                f"(confidence {verdict.confidence:.2f}): {because}"
            )
            out.append(_gate("AL401", message, f"require|{settings.require}", where["require"], evidence))
    if settings.max_shared_databases is not None:
        shared = sorted((db for db in databases if len(set(db.services)) >= 2), key=lambda d: d.id)
        if len(shared) > settings.max_shared_databases:
            names = ", ".join(f"{db.id} ({', '.join(sorted(set(db.services)))})" for db in shared)
            message = (
                f"{len(shared)} database(s) shared between services, at most "
                f"{settings.max_shared_databases} allowed: {names}"
            )
            evidence = list(dict.fromkeys(e for db in shared for e in db.evidence))[:MAX_EVIDENCE]
            out.append(_gate("AL402", message, "max_shared_databases", where["max_shared_databases"], evidence))
    return out


def _gate(code: str, message: str, key: str, at: Location, evidence: list[Location]) -> Finding:
    return Finding(code, RULES[code].severity, message, at.path, at.line, key, tuple(evidence))


def compare(
    findings: Sequence[Finding],
    baseline: Sequence[BaselineEntry] | None,
    baseline_name: str | None,
    fail_on: str,
) -> CheckOutcome:
    """New findings are those the baseline does not cover (each entry covers one finding
    with its fingerprint); the check fails when a new one is at or above ``fail_on``."""
    budget = Counter(e.fingerprint for e in baseline or ())
    new, baselined = [], 0
    for finding in findings:
        if budget[finding.fingerprint] > 0:
            budget[finding.fingerprint] -= 1
            baselined += 1
        else:
            new.append(finding)
    stale = []
    for entry in baseline or ():
        if budget[entry.fingerprint] > 0:
            budget[entry.fingerprint] -= 1
            stale.append(entry)
    threshold = severity_rank(fail_on)
    failing = [f for f in new if severity_rank(f.severity) >= threshold]
    return CheckOutcome(
        failed=bool(failing),
        fail_on=fail_on,
        baseline=baseline_name,
        new=tuple(f.fingerprint for f in new),
        failing=tuple(f.fingerprint for f in failing),
        baselined=baselined,
        stale=tuple(stale),
    )

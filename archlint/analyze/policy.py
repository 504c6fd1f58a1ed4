"""Which findings a project wants to see, and how loudly: `select` / `ignore` by code or
prefix (the most specific entry wins, as in ruff), `per_file_ignores`, inline
``# archlint: ignore[CODE]`` comments and `severity` overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from archlint.model.facts import FileFacts
from archlint.model.findings import Finding
from archlint.model.globs import path_matches
from archlint.model.settings import Settings


def enabled(code: str, settings: Settings) -> bool:
    """The longest `select` or `ignore` entry that prefixes ``code`` decides; on a tie,
    ignore wins."""
    best_select = max((len(p) for p in settings.select if code.startswith(p)), default=-1)
    best_ignore = max((len(p) for p in settings.ignore if code.startswith(p)), default=-1)
    return best_select >= 0 and best_select > best_ignore


def severity_of(finding: Finding, settings: Settings) -> str:
    matches = [(len(p), level) for p, level in settings.severity if finding.rule.startswith(p)]
    return max(matches)[1] if matches else finding.severity


def inline_ignored(finding: Finding, facts: Mapping[str, FileFacts]) -> bool:
    """An ``# archlint: ignore[CODE]`` comment on the finding's line, or on the line of any
    step of its evidence (the import in a chain or a cycle that is accepted)."""
    places = [(finding.path, finding.line), *((e.path, e.line) for e in finding.evidence)]
    for path, line in places:
        file_facts = facts.get(path)
        codes = file_facts.ignores.get(line, ()) if file_facts and line else ()
        if "*" in codes or any(finding.rule.startswith(c) for c in codes):
            return True
    return False


def apply_rules(findings: Iterable[Finding], settings: Settings, facts: Mapping[str, FileFacts]) -> list[Finding]:
    out = []
    for finding in findings:
        if not enabled(finding.rule, settings):
            continue
        if any(
            path_matches(finding.path, glob) and any(finding.rule.startswith(c) for c in codes)
            for glob, codes in settings.per_file_ignores
        ):
            continue
        if inline_ignored(finding, facts):
            continue
        level = severity_of(finding, settings)
        out.append(finding if level == finding.severity else replace(finding, severity=level))
    return out

"""GitHub Actions workflow commands: each finding becomes an annotation on the pull
request's diff (``::error file=...,line=...,title=...::message``)."""

from __future__ import annotations

from archlint.model.findings import ERROR, INFO, WARNING, Finding
from archlint.model.report import Report
from archlint.model.rules import RULES

COMMAND = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, prefix: str = "") -> str:
    props = []
    if f.path:
        props.append(f"file={_property(prefix + f.path)}")
        if f.line:
            props.append(f"line={f.line}")
    props.append(f"title={_property(f'{f.rule} {RULES[f.rule].name}')}")
    steps = "".join(f"\n  {e.path}:{e.line}  {e.note}" if e.line else f"\n  {e.path}  {e.note}" for e in f.evidence)
    return f"::{COMMAND[f.severity]} {','.join(props)}::{_data(f.message + steps)}"


def render_github(report: Report, *, prefix: str = "") -> str:
    """Annotations for every finding of a scan; for a check, only for new findings (those
    a baseline covers stay quiet), then one plain summary line."""
    check = report.check
    new = set(check.new) if check else None
    lines = [annotation(f, prefix) for f in report.findings if new is None or f.fingerprint in new]
    if check:
        verdict = "failed" if check.failed else "passed"
        lines.append(
            f"archlint check {verdict}: {len(check.failing)} new finding(s) at or above {check.fail_on}, "
            f"{len(check.new)} new in all, {check.baselined} baselined, {len(check.stale)} stale baseline entries"
        )
    return "".join(line + "\n" for line in lines)

"""The baseline file: today's findings, so that `archlint check --baseline` fails only on
new ones. Sorted and without line numbers, so it changes only when findings do."""

from __future__ import annotations

from collections.abc import Iterable

from archlint.model.check import BASELINE_VERSION
from archlint.model.findings import Finding
from archlint.report.jsontext import dumps


def render_baseline(findings: Iterable[Finding]) -> str:
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "message": f.message}
            for f in findings
        ),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"], e["message"]),
    )
    document = {"archlint_baseline": BASELINE_VERSION, "findings": entries}
    return dumps(document)

"""Snapshots of the DOT text: the same tree must give the same DOT, byte for byte, and a
change to what a diagram shows must be seen in review.

After an intended change, rewrite the expected files and read their diff:

    ARCHLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_diagram_snapshots.py
    git diff tests/snapshots/
"""

from __future__ import annotations

import os
from functools import lru_cache

import pytest

from conftest import FIXTURES, REPO
from diagram_systems import shop_system

from archlint.model.report import Report
from archlint.report.diagram.build import build_diagram, render
from archlint.report.diagram.options import DiagramOptions

SNAPSHOTS = REPO / "tests" / "snapshots"
UPDATE = os.environ.get("ARCHLINT_UPDATE_SNAPSHOTS") == "1"


@lru_cache(maxsize=None)
def monolith() -> Report:
    from archlint.pipeline import ScanOptions, scan

    return scan(ScanOptions(str(FIXTURES / "monolith-shop"), jobs=1)).report


CASES = {
    "monolith-shop.package.dot": (monolith, DiagramOptions(level="package"), "dot"),
    "monolith-shop.module.dot": (monolith, DiagramOptions(level="module"), "dot"),
    "monolith-shop.cluster.dot": (monolith, DiagramOptions(level="cluster"), "dot"),
    "monolith-shop.module-collapsed.dot": (monolith, DiagramOptions(level="module", max_nodes=8), "dot"),
    "shop-system.service.dot": (shop_system, DiagramOptions(level="service"), "dot"),
    "shop-system.service.mmd": (shop_system, DiagramOptions(level="service"), "mermaid"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name):
    report, options, fmt = CASES[name]
    text = render(build_diagram(report(), options), fmt).decode("utf-8")
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"no snapshot {path.name}: run with ARCHLINT_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if intended: ARCHLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_diagram_snapshots.py"
    )

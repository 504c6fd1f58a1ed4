"""The import graph of real third-party packages, checked against grimp (import-linter's
engine) as an independent oracle.

Deliberate, documented differences:
- dynamic imports: archlint records `importlib.import_module("literal")` and
  `__import__("literal")` (kind "dynamic"); grimp does not see them. They are left out of
  the comparison.
- namespace directories inside a regular package (a `tests/` folder without `__init__.py`
  inside networkx): Python can import them (PEP 420) and archlint names them; grimp only
  descends into directories with `__init__.py`. Modules under such directories are left out
  of the comparison, after checking that that is the only difference.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import grimp
import pytest

from conftest import scan_json

PACKAGES = ["rich", "networkx", "click"]


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def namespace_portions(root: Path) -> set[str]:
    """Posix paths (relative to root) of directories without __init__.py inside it."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        if "__init__.py" not in filenames and any(f.endswith(".py") for f in filenames):
            out.add(Path(dirpath).relative_to(root).as_posix())
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_import_graph_equals_grimp(package):
    root = package_dir(package)
    report = scan_json(root, "--jobs", "2")
    portions = namespace_portions(root)

    def in_portion(path: str) -> bool:
        return any(path.startswith(p + "/") for p in portions)

    ours_all = {m["name"]: m for m in report["modules"]}
    skipped = {name for name, m in ours_all.items() if in_portion(m["path"])}
    ours_modules = set(ours_all) - skipped

    graph = grimp.build_graph(package, cache_dir=None)
    assert ours_modules == set(graph.modules)

    ours_edges = {
        (d["source"], d["target"])
        for d in report["dependencies"]
        if d["kind"] not in ("dynamic", "call") and d["source"] not in skipped
    }
    dynamic_only = {
        (d["source"], d["target"]) for d in report["dependencies"] if d["kind"] == "dynamic"
    } - ours_edges
    grimp_edges = {
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
    }
    assert ours_edges == grimp_edges - dynamic_only

    # and the lines agree, for every edge
    lines: dict[tuple[str, str], set[int]] = {}
    for d in report["dependencies"]:
        if d["kind"] not in ("dynamic", "call"):
            lines.setdefault((d["source"], d["target"]), set()).update(d["lines"])
    for source, target in sorted(ours_edges):
        details = graph.get_import_details(importer=source, imported=target)
        assert lines[(source, target)] == {d["line_number"] for d in details}, (source, target)

"""The import graph of real third-party packages, checked against grimp (import-linter's
engine) as an independent oracle.

Deliberate, documented differences:
- dynamic imports: archlint records `importlib.import_module("literal")` and
  `__import__("literal")` (kind "dynamic"); grimp does not see them. They are left out of
  the comparison (rich's `__import__("pydoc")` is an external import only archlint sees).
- namespace directories inside a regular package (a `tests/` folder without `__init__.py`
  inside networkx): Python can import them (PEP 420) and archlint names them; grimp only
  descends into directories with `__init__.py`. Modules under such directories are left out
  of the comparison, after checking that that is the only difference.
- directories archlint never scans by default (`vendor`, `_vendor`, ... docs/configuration.md:
  hypothesis ships `hypothesis/vendor/`): grimp reads them. Their modules, and grimp's edges
  into and out of them, are left out; archlint counts the imports into them unresolved.
- an import of a module that does not exist: `import a.b.missing` is an edge to `a.b` in grimp
  (it falls back one level for every import, as it must for `from a.b import name`); archlint
  counts it unresolved, as it does `from a.b.missing import x`, which grimp also drops. None of
  the packages below has one; tests/test_imports.py pins archlint's side.

Beyond these packages the same comparison was run by hand on django, sqlalchemy, pydantic,
requests, flask, attrs (wheels from PyPI), libcst and pygments: equal modules, edges and
lines, apart from the namespace directories above (flask/sansio, libcst/tests/pyre).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
from pathlib import Path

import grimp
import pytest

from conftest import scan_json

from archlint.model.settings import DEFAULT_EXCLUDES

# installed with archlint and its test tools: rich's markdown_it, PyYAML's yaml (which imports
# its compiled yaml._yaml), hypothesis (which vendors hypothesis/vendor), pytest's _pytest,
# jsonschema, attrs' attr
PACKAGES = ["rich", "networkx", "click", "yaml", "hypothesis", "_pytest", "jsonschema", "markdown_it", "attr"]


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def default_excluded(module: str) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in module.split(".") for pattern in DEFAULT_EXCLUDES)


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
    theirs = {m for m in graph.modules if not default_excluded(m)}
    assert ours_modules == theirs

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
        for importer in theirs
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported in theirs
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

    # external imports by top-level name: the same, but for archlint's dynamic ones
    ours_external = {
        (importer, e["name"]) for e in report["external"] for importer in e["imported_by"] if importer not in skipped
    }
    # (a graph of its own: with external packages, grimp turns an import of a missing
    # internal module, yaml._yaml, into an import of the squashed external `yaml`)
    with_external = grimp.build_graph(package, cache_dir=None, include_external_packages=True)
    grimp_external = {
        (importer, imported)
        for importer in theirs
        for imported in with_external.find_modules_directly_imported_by(importer)
        if imported not in graph.modules
    }
    assert grimp_external <= ours_external
    for importer, name in ours_external - grimp_external:
        source = (root / ours_all[importer]["path"]).read_text(encoding="utf-8")
        assert f'__import__("{name}' in source or f'import_module("{name}' in source, (importer, name)

"""Shared test helpers: the CLI runs as a real subprocess, trees are real directories."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# Scans run by tests keep their facts cache here, not in the fixtures of this repository
# (tests of the cache itself set ARCHLINT_CACHE_DIR, or set it empty for the default place).
TEST_CACHE = tempfile.mkdtemp(prefix="archlint-test-cache-")
atexit.register(shutil.rmtree, TEST_CACHE, True)


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m archlint ARGS` in a subprocess, as a user would run it."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONPATH", str(REPO))
    full_env.setdefault("ARCHLINT_CACHE_DIR", TEST_CACHE)
    return subprocess.run(
        [sys.executable, "-m", "archlint", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def without_root_powers() -> list[str]:
    """A command prefix under which permissions apply: as root (CI), the capabilities that
    let root read anything are dropped with util-linux's setpriv."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def scan_json(path: str | os.PathLike[str], *args: str) -> dict[str, Any]:
    proc = run_cli("scan", str(path), "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` ({relative path: text or bytes}) under ``root``; text is dedented."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def edges(report: dict[str, Any], kind: str | None = None) -> set[tuple[str, str]]:
    """Module edges of ``kind``; by default every import kind (not "call")."""
    return {
        (d["source"], d["target"])
        for d in report["dependencies"]
        if (d["kind"] != "call" if kind is None else d["kind"] == kind)
    }


def module_names(report: dict[str, Any]) -> dict[str, str]:
    """{module id: path}"""
    return {m["name"]: m["path"] for m in report["modules"]}


@pytest.fixture(scope="session")
def fixture_reports() -> dict[str, dict[str, Any]]:
    """The JSON reports of the four fixture systems issues 3 and 4 are checked on, scanned once."""
    names = ("monolith-shop", "generic-services", "microservices", "serverless")
    return {name: scan_in_process(FIXTURES / name) for name in names}


@pytest.fixture
def tree(tmp_path: Path):
    """A function that writes files into a fresh directory and returns it."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path / "repo", files)

    return make


def scan_in_process(path: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """The JSON report of a scan run in this process (one job): fast, for the many tests
    that check what is found rather than how the command behaves."""
    from archlint.pipeline import ScanOptions, scan
    from archlint.report.json_report import to_dict

    options.setdefault("jobs", 1)
    return to_dict(scan(ScanOptions(str(path), **options)).report)


def discover(path: str | os.PathLike[str]) -> Any:
    """The deploy units of a tree, as the scan's discovery sees them (a DeployScan)."""
    from archlint.discover.deploy import discover_deploy
    from archlint.discover.files import list_tree
    from archlint.model.settings import Settings

    root = os.path.realpath(path)
    tree = list_tree(root, Settings())
    return discover_deploy(root, tree.files, [s.path for s in tree.python], Settings().max_file_size)


def units_by_name(scan: Any) -> dict[str, Any]:
    return {u.name: u for u in scan.units}
def call_edges(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(caller, callee) of every resolved call in a JSON report."""
    return {(c["caller"], c["callee"]) for c in report["calls"]}

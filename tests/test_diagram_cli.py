"""`archlint graph` and `archlint scan --graph` as a user runs them: a subprocess, real
files, real exit codes, and Graphviz's `dot` present or hidden from PATH."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from diagram_svg import parse_svg

SHOP = str(FIXTURES / "monolith-shop")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def path_without_dot() -> str:
    """PATH minus every directory that holds a `dot` program."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "dot").exists()]
    path = os.pathsep.join(keep)
    assert shutil.which("dot", path=path) is None
    return path


@needs_dot
def test_graph_writes_each_format_by_extension(tmp_path):
    for name, check in (
        ("arch.svg", lambda data: parse_svg(data).nodes),
        ("arch.png", lambda data: data.startswith(b"\x89PNG")),
        ("arch.pdf", lambda data: data.startswith(b"%PDF")),
        ("arch.dot", lambda data: data.startswith(b"digraph archlint {")),
        ("arch.mmd", lambda data: b"flowchart TB" in data),
        ("arch.json", lambda data: json.loads(data)["level"] == "package"),
    ):
        target = tmp_path / name
        proc = run_cli("graph", SHOP, "-o", str(target))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == ""
        assert check(target.read_bytes()), name


def test_graph_prints_dot_by_default_and_format_wins_over_extension(tmp_path):
    proc = run_cli("graph", SHOP, "--level", "module")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("digraph archlint {") and '"shop.orders.views"' in proc.stdout
    target = tmp_path / "arch.txt"
    proc = run_cli("graph", SHOP, "-f", "mermaid", "-o", str(target))
    assert proc.returncode == 0 and target.read_text().startswith("---\ntitle:")


@needs_dot
def test_scan_graph_is_a_shortcut(tmp_path):
    target = tmp_path / "arch.svg"
    proc = run_cli("scan", SHOP, "--graph", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "monolith-shop" in proc.stdout  # the report still goes to stdout
    picture = parse_svg(target.read_bytes())
    assert "shop.orders" in picture.nodes


def test_bad_choices_are_one_line_and_exit_2(tmp_path):
    for args, words in (
        (("scan", SHOP, "--graph", str(tmp_path / "arch.bmp")), "cannot tell the diagram format"),
        (("graph", SHOP, "-o", str(tmp_path / "arch.bmp")), "cannot tell the diagram format"),
        (("graph", SHOP, "--focus", "no.such.module"), "--focus no.such.module"),
        (("graph", SHOP, "--level", "function", "--focus", "shop.no_such"), "--focus shop.no_such"),
        (("graph", SHOP, "--level", "galaxy"), "galaxy"),
        (("graph", SHOP, "--max-nodes", "0"), "max-nodes"),
    ):
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "arch.bmp").exists()


def test_what_is_collapsed_is_said_on_stderr():
    proc = run_cli("graph", SHOP, "--level", "module", "--max-nodes", "6")
    assert proc.returncode == 0, proc.stderr
    assert "archlint: note: 20 modules exceed the node budget of 6" in proc.stderr
    assert "exceed the node budget of 6" in proc.stdout  # and in the diagram itself


def test_without_dot_images_fail_with_how_to_install_and_text_formats_work(tmp_path):
    env = {"PATH": path_without_dot()}
    for fmt in ("svg", "png", "pdf"):
        target = tmp_path / f"arch.{fmt}"
        proc = run_cli("graph", SHOP, "-o", str(target), env=env)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert "apt-get install graphviz" in lines[0] and "brew install graphviz" in lines[0]
        assert fmt.upper() in lines[0]
        assert not target.exists()
    proc = run_cli("scan", SHOP, "--graph", str(tmp_path / "arch.svg"), env=env)
    assert proc.returncode == 2 and "install graphviz" in proc.stderr
    assert proc.stdout == ""  # said before scanning, not after
    for fmt in ("dot", "mermaid", "json"):
        proc = run_cli("graph", SHOP, "-f", fmt, env=env)
        assert proc.returncode == 0, (fmt, proc.stderr)
        assert proc.stdout


def test_exclude_filters_modules_by_name():
    proc = run_cli("graph", SHOP, "--level", "module", "-f", "json", "--exclude", "shop.billing")
    assert proc.returncode == 0, proc.stderr
    ids = {n["id"] for n in json.loads(proc.stdout)["nodes"]}
    assert "shop.orders.views" in ids and not any(i.startswith("shop.billing") for i in ids)

"""The report memo (extract/memo.py): an unchanged tree is answered from it without
deriving anything, and every input of a scan, changed, makes it miss."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archlint.extract.cache import OUTPUT_FILE, REPORT_FILE
from archlint.extract.memo import inputs_key
from conftest import run_cli
from test_cache import DEFAULT_PLACE, SHOP, drive, scan

COMPOSE = """
services:
  web:
    build: .
    command: gunicorn shop.views:app
    environment:
      DATABASE_URL: postgresql://u:p@db/shop
  db:
    image: postgres:16
"""


def memo_file(root: Path) -> Path:
    return root / ".archlint_cache" / REPORT_FILE


def test_unchanged_tree_is_answered_from_the_memo(tree):
    root = tree(SHOP)
    cold = drive(root)
    assert memo_file(root).is_file()
    warm = drive(root)
    assert warm["report"] == cold["report"]
    # nothing was parsed, and nothing derived: no graph library, no parser
    assert "libcst" not in warm["loaded"] and "networkx" not in warm["loaded"]
    assert scan(root, "--no-cache") == cold["report"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: (root / "shop/empty.py").write_text("import shop.views\n"), id="python-content"),
        pytest.param(lambda root: (root / "shop/extra.py").write_text("import os\n"), id="python-added"),
        pytest.param(lambda root: (root / "shop/broken.py").unlink(), id="python-removed"),
        pytest.param(lambda root: (root / "docker-compose.yml").write_text(COMPOSE), id="deploy-file-added"),
        pytest.param(lambda root: (root / "pyproject.toml").write_text(
            '[tool.archlint]\nignore = ["AL001"]\n'), id="configuration"),
        pytest.param(lambda root: os.rename(root / "shop", root / "store"), id="renamed-package"),
    ],
)
def test_every_input_changed_is_a_miss(tree, change):
    root = tree(SHOP)
    scan(root, env=DEFAULT_PLACE)
    change(root)
    after = scan(root, env=DEFAULT_PLACE)
    assert after == scan(root, "--no-cache")
    assert after == scan(root, env=DEFAULT_PLACE)  # and the memo now holds the new report


def test_a_changed_deploy_file_and_a_comment_in_the_config_are_misses(tree):
    root = tree({**SHOP, "docker-compose.yml": COMPOSE,
                 "pyproject.toml": '[tool.archlint]\nrequire = "microservices"\n'})
    first = json.loads(scan(root, env=DEFAULT_PLACE))
    (root / "docker-compose.yml").write_text(COMPOSE.replace("command: gunicorn shop.views:app",
                                                             "command: python -m shop.models"))
    second = json.loads(scan(root, env=DEFAULT_PLACE))
    assert [p["command"] for s in second["services"] for p in s["processes"]] == ["python -m shop.models"]
    assert second != first
    # a comment moves the `require` key a line down: the gate's finding points at its new line
    (root / "pyproject.toml").write_text('# the gate\n[tool.archlint]\nrequire = "microservices"\n')
    third = json.loads(scan(root, env=DEFAULT_PLACE))
    [gate] = [f for f in third["findings"] if f["path"] == "pyproject.toml"]
    assert gate["line"] == 3 and third == json.loads(scan(root, "--no-cache"))


WITH_TESTS = {
    **SHOP,
    "shop/prices.py": 'def total(items):\n    """The total, with tax."""\n    return sum(i.price for i in items) * 1.2\n',
    "tests/__init__.py": "",
    "tests/test_views.py": "from shop import views\n\n\ndef test_show():\n    assert views\n",
}


@pytest.mark.parametrize(
    ("path", "edit"),
    [
        pytest.param("shop/views.py", lambda text: text + "# a comment at the end\n", id="comment"),
        pytest.param("shop/prices.py", lambda text: text.replace("1.2", "1.25"), id="within-a-line"),
        pytest.param("shop/prices.py", lambda text: text.replace("with tax", "tax included"), id="docstring"),
        pytest.param("tests/test_views.py", lambda text: text.replace("assert views", "assert views.show(None, pk=1)\n    helper()"),
                     id="test-body"),
    ],
)
def test_a_file_changed_without_changing_its_facts_is_answered_from_the_memo(tree, path, edit):
    """What a scan reads of the changed file is what it was: only that file is parsed, and
    nothing is derived (no graph library)."""
    root = tree(WITH_TESTS)
    drive(root)
    target = root / path
    target.write_text(edit(target.read_text()))
    warm = drive(root)
    assert "libcst" in warm["loaded"] and "networkx" not in warm["loaded"]
    assert warm["report"] == scan(root, "--no-cache")
    assert "libcst" not in drive(root)["loaded"]  # and the memo now stands for the new content


@pytest.mark.parametrize(
    ("path", "edit"),
    [
        pytest.param("shop/views.py", lambda text: "\n" + text, id="lines-moved"),
        pytest.param("shop/views.py", lambda text: text.replace("models.Order.objects.get", "models.Order.objects.filter"),
                     id="call-changed"),
        pytest.param("tests/test_views.py", lambda text: "import shop.models\n" + text, id="test-import"),
        pytest.param("shop/models.py", lambda text: text.replace("# archlint: ignore[AL101]", ""), id="inline-ignore"),
    ],
)
def test_a_change_to_the_facts_derives_the_report_again(tree, path, edit):
    root = tree(WITH_TESTS)
    drive(root)
    target = root / path
    target.write_text(edit(target.read_text()))
    warm = drive(root)
    assert "networkx" in warm["loaded"]
    assert warm["report"] == scan(root, "--no-cache")


@pytest.mark.parametrize("fixture", ["monolith-shop", "generic-services", "microservices", "serverless"])
def test_the_report_reads_neither_content_hashes_nor_line_counts(fixture):
    """What the early cutoff rests on: the facts digests leave out ``sha`` and ``lines``, so
    the report must not depend on them. Derived with both scrambled, it is the same."""
    from dataclasses import replace

    from archlint.derive import derive
    from archlint.pipeline import ScanOptions, _read_inputs
    from archlint.extract.files import extract_files
    from archlint.model.source import is_test_file
    from archlint.report.json_report import render_json
    from conftest import FIXTURES

    inputs = _read_inputs(ScanOptions(str(FIXTURES / fixture)))
    facts = extract_files(inputs.root, inputs.tree.python, max_size=inputs.settings.max_file_size, jobs=1,
                          sources=inputs.sources, brief=is_test_file)

    def report(of: dict) -> str:
        return render_json(derive(inputs.root, inputs.settings, inputs.tree, inputs.deploy, of)[0])

    scrambled = {path: replace(f, sha=f"{i:032x}", lines=f.lines * 7 + 3) for i, (path, f) in enumerate(facts.items())}
    assert scrambled != facts and report(scrambled) == report(facts)


def test_json_output_is_kept_whole_and_bound_to_the_memo(tree):
    """`--format json` of an unchanged tree is the output kept in output.json, given back as
    it was written; it is good only with the very memo it was rendered from."""
    root = tree(SHOP)
    reference = scan(root, env=DEFAULT_PLACE)
    kept = root / ".archlint_cache" / OUTPUT_FILE
    header, _, text = kept.read_bytes().partition(b"\n")
    assert json.loads(header)["as"] == "json" and text.decode() == reference
    assert scan(root, env=DEFAULT_PLACE) == reference
    # what is given back is the kept text itself: nothing is rendered again
    from archlint.pipeline import ScanOptions, scan_output

    def unused(report: object) -> str:
        raise AssertionError("the kept output should have been given back")

    assert scan_output(ScanOptions(str(root), cache=True), "json", unused) == reference
    # ... only whole and as written: a truncated or edited output is rendered again, and replaced
    good = kept.read_bytes()
    for damaged in (good[: len(good) // 2], good.replace(b"could not be analysed", b"could not be read", 1)):
        assert damaged != good
        kept.write_bytes(damaged)
        assert scan(root, env=DEFAULT_PLACE) == reference
        assert kept.read_bytes() == good
    # ... and only beside the memo it came from: a changed memo makes it stale
    memo = memo_file(root)
    memo.write_bytes(memo.read_bytes().replace(b'[5,5,', b'["5",5,', 1))
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert kept.read_bytes().partition(b"\n")[2].decode() == reference
    # the other formats render the memorised report
    text_out = run_cli("scan", str(root), env=DEFAULT_PLACE)
    assert text_out.returncode == 0 and text_out.stdout == run_cli("scan", str(root), "--no-cache").stdout


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data.split(b"\n")[0] + b"\n[1, 2, 3]\n", id="wrong-shape"),
        # a file count as a string: decoding checks every declared type
        pytest.param(lambda data: data.replace(b'[5,5,', b'["5",5,', 1), id="wrong-type"),
    ],
)
def test_damaged_memo_is_a_miss_and_is_replaced(tree, damage):
    root = tree(SHOP)
    reference = scan(root, env=DEFAULT_PLACE)
    path = memo_file(root)
    good = path.read_bytes()
    damaged = damage(good)
    assert damaged != good
    path.write_bytes(damaged)
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert path.read_bytes() == good


def test_a_lying_memo_for_another_tree_is_not_believed(tree, tmp_path):
    """A memo is keyed by the tree's content: one copied from another tree is never read."""
    root = tree(SHOP)
    other = tmp_path / "other"
    (other / "app").mkdir(parents=True)
    (other / "app/__init__.py").write_text("import os\n")
    cache = tmp_path / "shared-cache"
    scan(other, "--cache-dir", str(cache))
    lie = (cache / REPORT_FILE).read_bytes()
    reference = scan(root, "--no-cache")
    assert scan(root, "--cache-dir", str(cache)) == reference
    assert (cache / REPORT_FILE).read_bytes() != lie


def test_symlink_in_place_of_the_memo_is_never_followed(tree, tmp_path):
    root = tree(SHOP)
    reference = scan(root, env=DEFAULT_PLACE)
    secret = tmp_path / "secret"
    secret.write_text("keep me\n")
    memo_file(root).unlink()
    memo_file(root).symlink_to(secret)
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert secret.read_text() == "keep me\n"
    assert not memo_file(root).is_symlink()


def test_debug_derives_everything_again(tree):
    root = tree(SHOP)
    scan(root, env=DEFAULT_PLACE)
    proc = run_cli("scan", str(root), "--debug", env=DEFAULT_PLACE)
    assert proc.returncode == 0, proc.stderr
    assert "AL001" in proc.stdout


def test_key_covers_archlint_itself(monkeypatch):
    import archlint.extract.memo as memo

    parts = {"tree": ["a.py"]}
    base = inputs_key(parts)
    assert inputs_key(dict(parts)) == base
    assert inputs_key({"tree": ["b.py"]}) != base
    monkeypatch.setattr(memo, "_package_digest", lambda: "another archlint")
    assert inputs_key(parts) != base

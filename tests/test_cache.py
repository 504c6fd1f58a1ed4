"""The facts cache (docs/configuration.md, docs/security.md): hits and misses, what
invalidates it, what it refuses to trust, and what it never leaves behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from archlint.extract.cache import FACTS_FILE, OUTPUT_FILE, REPORT_FILE, FactsCache, cache_key, decode_entry, encode_entry, facts_digests
from archlint.extract.codec import Malformed, codec, shape
from archlint.extract.digest import content_hash
from archlint.extract.runner import extract_one
from archlint.model.facts import FileFacts
from conftest import REPO, run_cli, without_root_powers, write_tree

DEFAULT_PLACE = {"ARCHLINT_CACHE_DIR": ""}  # the default: PATH/.archlint_cache

SHOP = {
    "shop/__init__.py": "",
    "shop/models.py": """
        import os
        DATABASE_URL = os.environ["DATABASE_URL"]  # archlint: ignore[AL101]

        class Order:
            table = {"name": "orders", "columns": ["id", 1, 2.5, None, True]}
        """,
    "shop/views.py": """
        from shop.models import Order
        from . import models

        def show(request, *, pk: int):
            return models.Order.objects.get(pk=pk, extra=("a", ["b", {"c": 1}]))
        """,
    "shop/broken.py": "def f(:\n",
    "shop/empty.py": "",
}


def scan(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = run_cli("scan", str(root), "--format", "json", *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def cache_file(root: Path) -> Path:
    return root / ".archlint_cache" / FACTS_FILE


def forget_report(root: Path) -> None:
    """Remove the report memo, so that the next scan reads the facts cache (the memo would
    answer a scan of an unchanged tree without it)."""
    (root / ".archlint_cache" / REPORT_FILE).unlink()


def entries(path: Path) -> dict[str, bytes]:
    lines = path.read_bytes().split(b"\n")
    return {line[:32].decode(): line[33:] for line in lines[1:] if line}


def listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root with its mtime and size: what a scan must leave as it was."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(base, name)
            info = os.lstat(full)
            out[os.path.relpath(full, root)] = (info.st_mtime_ns, info.st_size)
    return out


DRIVER = """
import json, sys
from archlint.pipeline import ScanOptions, scan
from archlint.report.json_report import render_json
report = render_json(scan(ScanOptions(sys.argv[1], jobs=int(sys.argv[2]), cache=True)).report)
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"libcst", "networkx", "rich", "yaml"})
print(json.dumps({"loaded": heavy, "report": report}))
"""


def drive(root: Path, jobs: int = 1) -> dict[str, Any]:
    """A scan with the cache in a fresh interpreter, and which heavy libraries it loaded."""
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), str(jobs)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- hits, misses and what changes the key ---------------------------------------------------


def test_warm_scan_parses_nothing_and_reports_the_same(tree):
    root = tree(SHOP)
    cold = drive(root)
    assert "libcst" in cold["loaded"]
    assert cache_file(root).is_file()
    warm = drive(root)
    assert "libcst" not in warm["loaded"]  # no file parsed: libcst not even imported
    assert warm["report"] == cold["report"]
    assert scan(root, "--no-cache") == cold["report"]
    assert scan(root, "-j", "2", env=DEFAULT_PLACE) == cold["report"]


def test_cache_directory_ignores_itself(tree):
    root = tree(SHOP)
    scan(root, env=DEFAULT_PLACE)
    directory = root / ".archlint_cache"
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (directory / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert sorted(p.name for p in directory.iterdir()) == [".gitignore", "CACHEDIR.TAG", FACTS_FILE, OUTPUT_FILE, REPORT_FILE]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert ".archlint_cache" not in status and "shop/models.py" in status


def test_changed_file_is_parsed_again_and_its_old_entry_dropped(tree):
    root = tree(SHOP)
    scan(root, env=DEFAULT_PLACE)
    before = entries(cache_file(root))
    broken = content_hash((root / "shop/broken.py").read_bytes())
    (root / "shop/empty.py").write_text("import shop.views\n")
    (root / "shop/broken.py").unlink()
    after_report = json.loads(scan(root, env=DEFAULT_PLACE))
    assert ("shop.empty", "shop.views") in {(d["source"], d["target"]) for d in after_report["dependencies"]}
    after = entries(cache_file(root))
    assert set(after) - set(before) == {content_hash(b"import shop.views\n")}
    assert set(before) - set(after) == {broken}  # pruned with its file (the old empty.py lives on in __init__.py)
    assert json.loads(scan(root, "--no-cache")) == after_report


def test_identical_files_share_one_entry(tree):
    root = tree({"a/__init__.py": "import os\n", "b/__init__.py": "import os\n", "c/__init__.py": ""})
    report = json.loads(scan(root, env=DEFAULT_PLACE))
    assert len(entries(cache_file(root))) == 2
    warm = json.loads(scan(root, env=DEFAULT_PLACE))
    assert warm == report
    assert {m["path"] for m in warm["modules"]} == {"a/__init__.py", "b/__init__.py", "c/__init__.py"}


def test_key_covers_version_options_and_facts_shape(monkeypatch):
    import archlint.extract.cache as cache

    base = cache_key()
    assert cache_key() == base
    assert cache_key({"max_literal_items": 8}) != base
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert cache_key() != base
    monkeypatch.undo()
    monkeypatch.setattr(cache, "shape", lambda cls: "FileFacts(path:str)")
    assert cache_key() != base


def test_other_key_is_not_read_and_is_replaced(tmp_path):
    facts = extract_one("m.py", b"import os\n")
    old = FactsCache(str(tmp_path), "a" * 32)
    old.put(facts, encode_entry(facts))
    old.save()
    assert FactsCache(str(tmp_path), "a" * 32).get(facts.sha, "m.py") == facts
    other = FactsCache(str(tmp_path), "b" * 32)
    assert other.get(facts.sha, "m.py") is None
    other.save()  # nothing used: the file now holds the new key and no entries
    lines = (tmp_path / FACTS_FILE).read_bytes().split(b"\n")
    assert json.loads(lines[0])["key"] == "b" * 32 and lines[1:] == [b""]


def test_version_change_ignores_the_cache_end_to_end(tree):
    root = tree(SHOP)
    report = drive(root)["report"]
    first_key = json.loads(cache_file(root).read_bytes().split(b"\n")[0])["key"]
    driver = "import archlint, runpy, sys; archlint.__version__ = '99.0'; sys.argv = ['archlint', *sys.argv[1:]]; runpy.run_module('archlint', run_name='__main__')"
    proc = subprocess.run([sys.executable, "-c", driver, "scan", str(root), "--format", "json"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO), "ARCHLINT_CACHE_DIR": ""})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(cache_file(root).read_bytes().split(b"\n")[0])["key"] != first_key
    assert json.loads(proc.stdout)["tool"]["version"] == "99.0"
    assert json.loads(proc.stdout)["modules"] == json.loads(report)["modules"]
    assert "libcst" in drive(root)["loaded"]  # back on our version: the 99.0 cache is not read


# -- the codec: every field, generically, and nothing but valid data ---------------------------


RICH = b"""\
import os, sys as system
from .pkg import (a, b as c)
from . import *
if TYPE_CHECKING:
    import typing
try:
    import fast
except ImportError:
    fast = None
X = {"k": [1, 2.5, "s", ("t", None)], "env": os.environ["HOME"], 3: f"x{os.getenv('Y')}"}

@decorator(arg=[{"deep": {"er": [1]}}])
class K(Base, metaclass=Meta):
    field: int = 3
    async def m(self, a, /, b, *, c):
        importlib.import_module("plugins.x")
        return self.repo.get(b"bytes", "\\u00e9\\udc80", k=..., **kw)

if __name__ == "__main__":  # archlint: ignore[AL101, AL2]
    K()
"""


def test_codec_round_trips_every_fact_of_a_rich_file():
    facts = extract_one("pkg/rich.py", RICH)
    assert facts.error is None
    for name in ("imports", "definitions", "calls", "assignments", "ignores"):
        assert getattr(facts, name), name
    assert facts.main_guard
    assert decode_entry(encode_entry(facts), "pkg/rich.py") == facts
    broken = extract_one("pkg/broken.py", b"def f(:\n")
    assert broken.error is not None
    assert decode_entry(encode_entry(broken), "elsewhere.py").path == "elsewhere.py"


@dataclass(frozen=True, slots=True)
class _Binding:
    scope: str
    names: frozenset[str]
    ratio: float = 0.0


@dataclass(slots=True)
class _GrownFacts:
    """FileFacts as someone may grow it: new fields of new types, none known to the codec."""

    path: str
    bindings: list[_Binding] = field(default_factory=list)
    by_line: dict[int, tuple[str, ...]] = field(default_factory=dict)
    payload: Any = None
    origin: tuple[str, int] | None = None


def test_codec_serialises_new_fields_without_being_told():
    grown = _GrownFacts(
        "x.py",
        [_Binding("f", frozenset({"b", "a"}), 2)],
        {3: ("AL1",)},
        {"t": (1, [2, {"k": None}]), 4: "four"},
        ("m", 1),
    )
    encode, decode = codec(_GrownFacts)
    text = json.dumps(encode(grown))
    back = decode(json.loads(text))
    assert back == grown
    assert isinstance(back.bindings[0].ratio, float) and isinstance(back.payload["t"], tuple)
    assert shape(_GrownFacts) != shape(FileFacts)
    assert "bindings:list[" in shape(_GrownFacts)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e[:3],  # too short
        lambda e: [*e[:2], "88", *e[3:]],  # a line count as a string
        lambda e: [*e[:3], [["os", 0, [], None, "1", "import", ""]], *e[4:]],  # a line as a string
        lambda e: [*e[:3], [["os", True, [], None, 1, "import", ""]], *e[4:]],  # a bool for an int
        lambda e: [*e[:8], [["1", ["*"]]], e[9]],  # an ignore keyed by a string
        lambda e: [*e[:5], [["", "f", 1, [["str", {"x": 1}]], []]], *e[6:]],  # an unknown tag in a value
        lambda e: [*e[:9], ["AL001", "m", 1]],  # an error of three fields
        lambda e: {"path": ""},
    ],
)
def test_malformed_entries_are_refused(mangle):
    facts = extract_one("m.py", b"import os\nf('x')\n")
    good = json.loads(encode_entry(facts))
    with pytest.raises(Malformed):
        decode_entry(json.dumps(mangle(good)).encode(), "m.py")


def test_deeply_nested_entry_is_refused_not_crashing():
    with pytest.raises(Malformed):
        decode_entry(b"[" * 100_000 + b"]" * 100_000, "m.py")


# -- a cache that is broken or planted -------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated mid-entry
        lambda data: b"",
        lambda data: b"\x00\xff garbage \n" * 5,
        lambda data: data.replace(b'"import"', b'"import"]]]'),  # corrupt entries, valid header
        lambda data: data.split(b"\n")[0] + b"\nnot-a-hash {}\n",
    ],
)
def test_damaged_cache_is_discarded_and_rebuilt(tree, damage):
    root = tree(SHOP)
    reference = scan(root, env=DEFAULT_PLACE)
    path = cache_file(root)
    good = entries(path)
    path.write_bytes(damage(path.read_bytes()))
    forget_report(root)
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert entries(path) == good  # rebuilt whole


def test_lying_entry_with_wrong_types_is_not_trusted(tree):
    root = tree(SHOP)
    reference = scan(root, env=DEFAULT_PLACE)
    path = cache_file(root)
    # every entry's line count becomes a string: each is discarded, its file parsed again
    header, *lines = path.read_bytes().split(b"\n")
    forged = [re.sub(rb'^((?:[0-9a-f]{32} ){3}\["","[0-9a-f]{32}",)(\d+)', rb'\1"\2"', line) for line in lines]
    assert forged != lines
    path.write_bytes(b"\n".join([header, *forged]))
    forget_report(root)
    assert scan(root, env=DEFAULT_PLACE) == reference


def test_cache_committed_to_git_is_never_read(tree):
    """A pull request could commit a cache whose entries lie (a file's imports hidden): a
    cache directory holding files git tracks is neither read nor written."""
    root = tree({"app/__init__.py": "", "app/a.py": "import app.b\n", "app/b.py": "import app.a\n"})
    reference = json.loads(scan(root, env=DEFAULT_PLACE))
    assert reference["cycles"]
    path = cache_file(root)
    header, *lines = path.read_bytes().split(b"\n")
    forged = [header]  # every file's facts replaced by "no imports": the cycle would vanish
    for line in filter(None, lines):
        sha = line[:32].decode()
        lie = FileFacts(path="", sha=sha, lines=1)
        digests = facts_digests(lie, encode_entry(lie))
        forged.append(f"{sha} {digests.whole} {digests.brief} ".encode() + encode_entry(lie))
    path.write_bytes(b"\n".join(forged) + b"\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "add", "-f", ".archlint_cache"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "poisoned"], cwd=root, check=True)
    before = listing(root / ".archlint_cache")
    assert json.loads(scan(root, env=DEFAULT_PLACE))["cycles"] == reference["cycles"]
    assert listing(root / ".archlint_cache") == before  # nor written: it is tracked
    # the same forged cache, untracked, would be believed: which is why tracking matters
    subprocess.run([*git, "rm", "-rq", "--cached", ".archlint_cache"], cwd=root, check=True)
    assert json.loads(scan(root, env=DEFAULT_PLACE))["cycles"] == []


def test_cache_directory_symlinked_out_of_the_tree_is_not_used(tree, tmp_path):
    root = tree(SHOP)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".archlint_cache").symlink_to(outside, target_is_directory=True)
    reference = scan(root, "--no-cache")
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert list(outside.iterdir()) == []


def test_special_files_in_place_of_the_cache_are_not_read(tree, tmp_path):
    root = tree(SHOP)
    reference = scan(root, "--no-cache")
    directory = root / ".archlint_cache"
    directory.mkdir()
    os.mkfifo(directory / FACTS_FILE)  # reading it would block for ever
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert (directory / FACTS_FILE).is_file()  # replaced by a real cache
    secret = tmp_path / "secret"
    secret.write_text("keep me\n")
    (directory / FACTS_FILE).unlink()
    (directory / FACTS_FILE).symlink_to(secret)
    forget_report(root)
    assert scan(root, env=DEFAULT_PLACE) == reference
    assert secret.read_text() == "keep me\n"  # the link was replaced, never followed
    assert not (directory / FACTS_FILE).is_symlink()


# -- where it goes, and when nothing is written -------------------------------------------------


def test_cache_dir_option_and_environment(tree, tmp_path):
    root = tree(SHOP)
    reference = scan(root, "--no-cache")
    assert scan(root, "--cache-dir", str(tmp_path / "opt")) == reference
    assert (tmp_path / "opt" / FACTS_FILE).is_file()
    assert scan(root, env={"ARCHLINT_CACHE_DIR": str(tmp_path / "env")}) == reference
    assert (tmp_path / "env" / FACTS_FILE).is_file()
    assert not (root / ".archlint_cache").exists()
    for command in ("check", "baseline"):
        args = ["-o", str(tmp_path / "b.json")] if command == "baseline" else []
        proc = run_cli(command, str(root), "--cache-dir", str(tmp_path / command), *args)
        assert proc.returncode in (0, 1), proc.stderr
        assert (tmp_path / command / FACTS_FILE).is_file()


def test_no_cache_writes_nothing(tree):
    root = tree(SHOP)
    before = listing(root)
    scan(root, "--no-cache", env=DEFAULT_PLACE)
    run_cli("check", str(root), "--no-cache", env=DEFAULT_PLACE)
    assert listing(root) == before


def test_read_only_checkout_of_a_real_package(tmp_path):
    """A real installed package copied read-only (really so: as root, without the powers
    that override permissions): scans with and without a cache; with --no-cache not one
    byte or mtime changes."""
    import click

    root = tmp_path / "click"
    shutil.copytree(Path(click.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    for base, dirs, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(base, name), 0o444)
        os.chmod(base, 0o555)

    def scan_read_only(*args: str) -> str:
        proc = subprocess.run(
            [*without_root_powers(), sys.executable, "-m", "archlint", "scan", str(root), "--format", "json", *args],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(REPO), **DEFAULT_PLACE},
        )
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        return proc.stdout

    try:
        before = listing(root)
        reference = scan_read_only("--no-cache")
        assert listing(root) == before
        assert json.loads(reference)["summary"]["files"] > 10
        assert scan_read_only() == reference  # a cache it cannot write costs nothing
        assert listing(root) == before
    finally:
        for base, dirs, files in os.walk(root):
            os.chmod(base, 0o755)


def test_uncreatable_cache_directory_is_no_error(tree, tmp_path):
    root = tree(SHOP)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert scan(root, "--cache-dir", str(blocker / "cache")) == scan(root, "--no-cache")


# -- concurrency and interruption --------------------------------------------------------------


def _big_tree(root: Path, packages: int = 30, modules: int = 25) -> Path:
    files = {}
    for p in range(packages):
        files[f"pkg{p}/__init__.py"] = ""
        for m in range(modules):
            body = "\n".join(f"def f{i}(x):\n    return [x, {i}, 'v{i}', pkg{(p + 1) % packages}.m{m}.f{i}(x)]\n" for i in range(40))
            files[f"pkg{p}/m{m}.py"] = f"import os\nimport pkg{(p + 1) % packages}.m{m}\n{body}"
    return write_tree(root, files)


def test_two_concurrent_scans_both_finish_correctly(tmp_path):
    root = _big_tree(tmp_path / "big", packages=12, modules=12)
    reference = scan(root, "--no-cache")
    env = {**os.environ, "PYTHONPATH": str(REPO), "ARCHLINT_CACHE_DIR": ""}
    command = [sys.executable, "-m", "archlint", "scan", str(root), "--format", "json", "-j", "2"]
    for _ in range(2):  # cold, then warm: both times two scans at once
        procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
        outputs = [p.communicate(timeout=300) for p in procs]
        for proc, (out, err) in zip(procs, outputs):
            assert proc.returncode == 0, err
            assert out.decode() == reference
    directory = root / ".archlint_cache"
    assert sorted(p.name for p in directory.iterdir()) == [".gitignore", "CACHEDIR.TAG", FACTS_FILE, OUTPUT_FILE, REPORT_FILE]
    assert len(entries(directory / FACTS_FILE)) == len({p.read_bytes() for p in root.rglob("*.py")})


def test_ctrl_c_exits_130_without_traceback_or_partial_cache(tmp_path):
    root = _big_tree(tmp_path / "big")
    env = {**os.environ, "PYTHONPATH": str(REPO), "ARCHLINT_CACHE_DIR": ""}
    proc = subprocess.Popen([sys.executable, "-m", "archlint", "scan", str(root), "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    for _ in range(600):  # wait until the scan is parsing (its workers exist), then interrupt it
        if len(_children(proc.pid)) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"interrupted" in err
    directory = root / ".archlint_cache"
    leftovers = [p.name for p in directory.iterdir()] if directory.exists() else []
    assert not [n for n in leftovers if n.endswith(".tmp")]
    if (directory / FACTS_FILE).exists():  # interrupted after the write: it must be whole
        assert entries(directory / FACTS_FILE)
    assert _children(proc.pid) == []


INTERRUPTED_DRIVER = """
import runpy, sys
def ready(event, args):
    if event == "import" and args[0] == "archlint.cli":
        sys.stderr.write("READY\\n")
        sys.stderr.flush()
sys.addaudithook(ready)
sys.argv = ["archlint", *sys.argv[1:]]
runpy.run_module("archlint", run_name="__main__", alter_sys=True)
"""


def test_ctrl_c_at_any_moment_exits_130_without_traceback(tmp_path):
    """Interrupted while its libraries load (click, then libcst at the first parse), the
    command still exits 130 with one line: Python 3.11 would print a traceback, turn the
    interrupt into a RuntimeError inside a class being created, or end by SIGINT."""
    root = _big_tree(tmp_path / "big", packages=6, modules=10)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for step in range(16):
        proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED_DRIVER, "scan", str(root), "--no-cache", "-j", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        assert proc.stderr.readline() == b"READY\n"  # past the interpreter's own start-up
        time.sleep(0.04 * step)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        # (click starts a new line first, after the terminal's ^C)
        assert (proc.returncode, err.strip()) == (130, b"archlint: interrupted"), (0.04 * step, err.decode()[-500:])


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry))
    return out


# -- start-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["scan", "--help"], ["rules"]])
def test_version_and_help_load_no_heavy_library(args):
    driver = textwrap.dedent(
        f"""
        import sys
        from archlint.cli import run
        code = run({args!r})
        heavy = {{m.split(".")[0] for m in sys.modules}} & {{"libcst", "networkx", "rich", "yaml"}}
        print("HEAVY", sorted(heavy), code)
        """
    )
    proc = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "HEAVY [] 0"


# -- test files: decoded only as far as a scan reads them -------------------------------------

TEST_PATHS = [
    "test_top.py", "tests/test_a.py", "tests/helpers_test.py", "tests/conftest.py", "conftest.py",
    "src/pkg/tests/test_b.py", "src/pkg/sub/unit_tests.py", "pkg/test_c.py", "services/orders/app/test_d.py",
]
OTHER_PATHS = ["pkg/__init__.py", "pkg/testing.py", "pkg/contest.py", "tests/helpers.py", "src/pkg/__init__.py",
               "src/pkg/sub/__init__.py", "services/orders/app/__init__.py", "latest.py", "pkg/attest.py"]


def test_a_test_file_by_name_always_makes_a_test_module():
    """Brief facts are safe only where the module is peripheral (left out of calls and data)."""
    from archlint.discover.modules import name_modules
    from archlint.model.source import is_peripheral
    from archlint.model.source import is_test_file

    assert all(is_test_file(p) for p in TEST_PATHS)
    assert not any(is_test_file(p) for p in OTHER_PATHS)
    modules = {m.path: m for m in name_modules(TEST_PATHS + OTHER_PATHS, [], {})}
    assert all(is_peripheral(modules[p]) for p in TEST_PATHS), [modules[p].name for p in TEST_PATHS]


def test_brief_facts_keep_what_the_scan_reads_and_are_checked():
    from archlint.extract.cache import decode_entry
    from archlint.model.facts import BRIEF_FIELDS

    facts = extract_one("tests/test_x.py", RICH)
    brief = decode_entry(encode_entry(facts), "tests/test_x.py", brief=True)
    for name in FileFacts.__dataclass_fields__:
        assert getattr(brief, name) == (getattr(facts, name) if name in BRIEF_FIELDS else
                                        FileFacts.__dataclass_fields__[name].default_factory()), name
    assert brief.imports and brief.ignores and brief.main_guard and not brief.calls
    good = json.loads(encode_entry(facts))
    for mangled in (good[:-1], [*good[:3], [["os", "0", [], None, 1, "import", ""]], *good[4:]]):
        with pytest.raises(Malformed):
            decode_entry(json.dumps(mangled).encode(), "tests/test_x.py", brief=True)


TESTED_SHOP = {**SHOP, "tests/__init__.py": "", "tests/conftest.py": "import pytest\n", "tests/test_views.py": """
    import requests
    from flask import Flask
    import shop.views
    from shop.models import Order
    URL = "http://orders:8000/api"  # archlint: ignore[AL206]
    app = Flask(__name__)

    def test_show(client):
        requests.get(URL)
        assert shop.views.show(None, pk=1) == Order()

    if __name__ == "__main__":
        test_show(None)
    """}


@pytest.mark.parametrize("jobs", [1, 2])
def test_brief_facts_of_tests_change_nothing_in_the_report(tree, monkeypatch, jobs):
    """The report of a tree with tests is the same whether their facts are brief or whole,
    cold and warm."""
    import archlint.pipeline as pipeline
    from archlint.report.json_report import render_json

    root = tree(TESTED_SHOP)

    def report(cache: bool) -> str:
        return render_json(pipeline.scan(pipeline.ScanOptions(str(root), jobs=jobs, cache=cache)).report)

    brief = report(cache=True)  # cold: facts from the parser
    forget_report(root)
    assert report(cache=True) == brief  # warm: facts from the cache
    monkeypatch.setattr(pipeline, "is_test_file", lambda path: False)
    assert report(cache=False) == brief
    assert '"tests.test_views"' in brief


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_test_file_is_cached_briefly_and_a_copy_elsewhere_is_parsed_whole(tree, jobs):
    """A test file's entry holds only what a scan reads of it (its calls are not even
    encoded). The same content outside the tests needs every fact: it is parsed again, and
    its whole entry replaces the brief one."""
    from archlint.extract.cache import BRIEF_ONLY

    root = tree(TESTED_SHOP)
    scan(root, "-j", jobs, env=DEFAULT_PLACE)
    test_file = root / "tests/test_views.py"
    sha = extract_one("t.py", test_file.read_bytes()).sha
    line = entries(cache_file(root))[sha]
    assert line.startswith(BRIEF_ONLY.encode() + b" ")
    facts = decode_entry(line[66:], "tests/test_views.py")
    assert facts.imports and facts.main_guard and facts.ignores and not facts.calls and not facts.assignments
    (root / "shop/copied.py").write_bytes(test_file.read_bytes())
    copied = json.loads(scan(root, "-j", jobs, env=DEFAULT_PLACE))
    assert copied == json.loads(scan(root, "--no-cache"))
    assert any(u["module"] == "shop.copied" for u in copied["endpoints"])  # its calls were read
    line = entries(cache_file(root))[sha]
    assert not line.startswith(BRIEF_ONLY.encode()) and decode_entry(line[66:], "shop/copied.py").calls
    forget_report(root)
    assert scan(root, "-j", jobs, env=DEFAULT_PLACE) == scan(root, "--no-cache")

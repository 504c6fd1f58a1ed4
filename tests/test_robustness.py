"""Broken and hostile input: the scan finishes, each bad file is a finding, the rest of the
report is complete, and nothing in the scanned tree runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, edges, module_names, run_cli, scan_in_process, without_root_powers

GOOD = {
    "app/__init__.py": "",
    "app/good.py": "from app import other\n",
    "app/other.py": "VALUE = 1\n",
}


def findings_by_path(report):
    return {f["path"]: f for f in report["findings"]}


def assert_rest_is_complete(report):
    assert {"app", "app.good", "app.other"} <= set(module_names(report))
    assert ("app.good", "app.other") in edges(report)


@pytest.mark.parametrize("jobs", [1, 2])
def test_parser_crashes_cost_one_file_each(tree, jobs):
    root = tree(
        {
            **GOOD,
            "gen/deep_parens.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
            "gen/deep_lists.py": "x = " + "[" * 2000 + "]" * 2000 + "\n",
            "gen/deep_calls.py": "x = " + "f(" * 3000 + ")" * 3000 + "\n",
        }
    )
    report = scan_in_process(root, jobs=jobs)
    found = findings_by_path(report)
    for name in ("deep_parens", "deep_lists", "deep_calls"):
        finding = found[f"gen/{name}.py"]
        assert finding["rule"] == "AL001"
        assert "parser crashed" in finding["message"]
    assert_rest_is_complete(report)


def test_long_lines_chains_and_indentation(tree):
    root = tree(
        {
            **GOOD,
            "gen/long_line.py": "x = '" + "a" * 200_000 + "'\nimport app.other\n",
            "gen/plus_chain.py": "x = " + " + ".join(["a"] * 1500) + "\nimport app.good\n",
            "gen/attr_chain.py": "x = a" + ".b" * 1500 + "\n",
            "gen/deep_if.py": "".join("    " * i + "if x:\n" for i in range(101)) + "    " * 101 + "pass\n",
        }
    )
    # a subprocess with a deadline: a regression to quadratic behaviour fails instead of hanging
    proc = run_cli("scan", str(root), "--format", "json", timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    report = json.loads(proc.stdout)
    found = findings_by_path(report)
    assert "gen/long_line.py" not in found and "gen/plus_chain.py" not in found
    assert ("gen.long_line", "app.other") in edges(report)
    assert ("gen.plus_chain", "app.good") in edges(report)
    assert found["gen/deep_if.py"]["message"] == "syntax error: too many levels of indentation"
    assert_rest_is_complete(report)


def test_encodings_nul_bytes_empty_and_non_python(tree):
    root = tree(
        {
            **GOOD,
            "enc/latin.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nimport app.other\n".encode("latin-1"),
            "enc/cp1252.py": "# coding: cp1252\nquote = '\u201chi\u201d'\n".encode("cp1252"),
            "enc/invalid.py": b"name = '\xff\xfe\xfd'\n",
            "enc/bad_cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
            "enc/punycode.py": b"# -*- coding: punycode -*-\nx = '\xff'\n",
            "enc/nul.py": b"x = 1\n\0\0\0\n",
            "enc/empty.py": b"",
            "enc/html.py": "<html><body>not python</body></html>\n",
        }
    )
    report = scan_in_process(root)
    found = findings_by_path(report)
    assert "enc/latin.py" not in found and "enc/cp1252.py" not in found and "enc/empty.py" not in found
    assert ("enc.latin", "app.other") in edges(report)
    for path in ("enc/invalid.py", "enc/bad_cookie.py", "enc/punycode.py"):
        assert found[path]["rule"] == "AL002", path
    assert found["enc/nul.py"]["rule"] == "AL002" and found["enc/nul.py"]["line"] == 2
    assert found["enc/html.py"]["rule"] == "AL001"
    assert "enc.empty" in module_names(report)
    assert_rest_is_complete(report)


def test_large_files_are_skipped_with_a_finding(tree):
    root = tree(
        {
            **GOOD,
            "pyproject.toml": "[tool.archlint]\nmax_file_size = 50_000\n",
            "gen/big.py": "DATA = {\n" + "".join(f"    'k{i}': {i},\n" for i in range(10_000)) + "}\n",
        }
    )
    report = scan_in_process(root)
    found = findings_by_path(report)["gen/big.py"]
    assert found["rule"] == "AL003" and found["severity"] == "warning"
    assert "max_file_size" in found["message"]
    assert_rest_is_complete(report)


def test_links_fifos_and_directories_named_like_modules(tree, tmp_path):
    root = tree(GOOD)
    (root / "app" / "broken.py").symlink_to(root / "nowhere.py")
    (root / "app" / "loop.py").symlink_to(root / "app" / "loop.py")
    (root / "app" / "dir.py").mkdir()
    (root / "app" / "dir.py" / "inner.py").write_text("")
    os.mkfifo(root / "app" / "pipe.py")  # opening it would block forever
    (root / "linked").symlink_to(tmp_path, target_is_directory=True)
    # committed links into a tool's virtualenv (fastapi's template): not code, no error
    (root / ".agents").mkdir()
    (root / ".agents" / "skill").symlink_to("../.venv/lib/skills/fastapi")
    report = scan_in_process(root)
    found = findings_by_path(report)
    assert found["app/broken.py"]["rule"] == "AL002"
    assert found["app/loop.py"]["rule"] == "AL002"
    assert found["linked"]["rule"] == "AL005"
    assert (found[".agents/skill"]["rule"], found[".agents/skill"]["severity"]) == ("AL005", "info")
    assert "app.pipe" not in module_names(report)
    assert_rest_is_complete(report)


def test_unreadable_files_and_directories(tree):
    import json

    root = tree({**GOOD, "secret/x.py": "", "locked.py": ""})
    (root / "locked.py").chmod(0)
    (root / "secret").chmod(0)
    try:
        proc = subprocess.run(
            [*without_root_powers(), sys.executable, "-m", "archlint", "scan", str(root), "--format", "json", "-j1"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
    finally:
        (root / "secret").chmod(0o755)
        (root / "locked.py").chmod(0o644)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    found = findings_by_path(report)
    assert found["locked.py"]["rule"] == "AL002" and "Permission denied" in found["locked.py"]["message"]
    assert found["secret"]["rule"] == "AL002"
    assert_rest_is_complete(report)


def test_files_that_vanish_or_change_during_the_scan(tree):
    """Between listing and reading: a file is deleted, one grows past max_file_size (the
    limit holds for what is read, not for the size listed), one becomes a directory."""
    from archlint.extract.files import extract_files
    from archlint.model.source import SourceFile

    root = tree({**GOOD, "app/grew.py": "x = 1\n" * 1000})
    (root / "app" / "now_a_dir.py").mkdir()
    listed = [SourceFile(p, 10) for p in ("app/good.py", "app/gone.py", "app/grew.py", "app/now_a_dir.py")]
    facts = extract_files(str(root), listed, max_size=1000, jobs=1)
    assert facts["app/good.py"].error is None and [i.module for i in facts["app/good.py"].imports] == ["app"]
    assert facts["app/gone.py"].error.code == "AL002"
    assert "vanished" in facts["app/gone.py"].error.message
    assert facts["app/grew.py"].error.code == "AL003"
    assert facts["app/now_a_dir.py"].error.code == "AL002"


def test_an_internal_error_costs_one_file_and_debug_keeps_the_traceback():
    from archlint.extract.runner import extract_one

    # str instead of bytes breaks extraction from the inside, as a bug would
    facts = extract_one("app/x.py", "import os\n", debug=True)  # type: ignore[arg-type]
    assert facts.error.code == "AL004"
    assert "TypeError" in facts.error.message
    assert facts.error.detail.startswith("Traceback")
    assert extract_one("app/x.py", "import os\n").error.detail == ""  # type: ignore[arg-type]


def test_scanned_code_never_runs(tree, tmp_path):
    marker = tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    root = tree(
        {
            "setup.py": payload,
            "conftest.py": payload,
            "sitecustomize.py": payload,
            "evil/__init__.py": payload,
            "evil/__main__.py": payload,
            "evil/mod.py": "import importlib\nimportlib.import_module('evil')\n" + payload,
            "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'evil'\n",
            # `python -m archlint` run inside the checkout puts it first on sys.path:
            # these must not shadow the real libraries
            "click.py": payload,
            "rich.py": payload,
            "networkx.py": payload,
        }
    )
    proc = run_cli("scan", ".", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "evil.mod" in proc.stdout
    assert not marker.exists()


def test_hostile_git_config_runs_nothing(tree, tmp_path):
    marker = tmp_path / "fsmonitor-ran"
    root = tree(GOOD)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], cwd=root, check=True)
    report = scan_in_process(root)
    assert_rest_is_complete(report)
    assert not marker.exists()


def test_python_version_does_not_matter_to_parsing(tree):
    """Syntax newer than the running interpreter parses (libcst carries its own grammar)."""
    root = tree({**GOOD, "new.py": "type Point = tuple[float, float]\ndef f[T](x: T) -> T: return x\nimport app.good\n"})
    report = scan_in_process(root)
    assert "new.py" not in findings_by_path(report)
    assert ("new", "app.good") in edges(report)
    assert sys.version_info >= (3, 10)


def test_empty_plain_and_commitless_directories_scan_cleanly(tmp_path):
    import json

    empty = tmp_path / "empty"
    empty.mkdir()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=fresh, check=True)
    for root in (empty, fresh):
        proc = run_cli("scan", str(root), "--format", "json")
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        assert report["modules"] == [] and report["findings"] == []
        assert report["verdict"]["kind"] == "unknown"
        text = run_cli("scan", str(root))
        assert text.returncode == 0 and "Verdict: unknown" in text.stdout


def test_unreadable_config_is_a_one_line_error(tree):
    root = tree({**GOOD, "pyproject.toml": "[tool.archlint]\nexclude = []\n"})
    (root / "pyproject.toml").chmod(0)
    try:
        proc = subprocess.run(
            [*without_root_powers(), sys.executable, "-m", "archlint", "scan", str(root)],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120,
        )
    finally:
        (root / "pyproject.toml").chmod(0o644)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("pyproject.toml: cannot read: Permission denied")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_hostile_deploy_files_are_findings_and_the_rest_is_read(tree, tmp_path):
    """Deploy files from an untrusted pull request: each bad one is a finding with its path,
    none runs anything, and the good deploy files, services and code are all there."""
    import json

    marker = tmp_path / "pwned-yaml"
    laughs = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    root = tree(
        {
            **GOOD,
            "Dockerfile": 'FROM python:3.12\nCOPY app /srv/app\nCMD ["python", "-m", "app.good"]\n',
            "bomb/docker-compose.yml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + laughs + "services: {web: {command: [*i]}}\n",
            "deep/docker-compose.yml": "services: " + "[" * 100_000 + "]" * 100_000 + "\n",
            "evil/docker-compose.yml": f"services:\n  web:\n    image: !!python/object/apply:os.system ['touch {marker}']\n",
            "huge/docker-compose.yml": "services:\n" + "".join(f"  s{i}:\n    image: python\n" for i in range(60_000)),
            "deepjson/stack.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": ' + "[" * 50_000 + "]" * 50_000 + "}",
            "deeptoml/pyproject.toml": "[project]\nname = 'x'\nversion = " + "[" * 5000 + "]" * 5000 + "\n",
            "badtoml/pyproject.toml": "[project\nname =\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "chart/templates/deploy.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- range .Values.c }}\n- {{ . }}\n{{- end }}\n",
            # CloudFormation short forms are tags safe loading does not know: read, not refused
            "fn/template.yaml": (
                "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n"
                "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.main\n"
                "      CodeUri: .\n      Runtime: python3.12\n      Role: !GetAtt Role.Arn\n"
                "      Environment:\n        Variables:\n          TABLE: !Ref Table\n          URL: !Sub 'https://${Api}.example.com'\n"
            ),
            "fn/handler.py": "def main(event, context): ...\n",
        }
    )
    proc = run_cli("scan", str(root), "--format", "json", "--no-cache", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    found = {(f["rule"], f["path"]): f["message"] for f in report["findings"] if f["rule"] in ("AL006", "AL007")}
    assert set(found) == {
        ("AL006", "bomb/docker-compose.yml"),
        ("AL006", "deep/docker-compose.yml"),
        ("AL006", "evil/docker-compose.yml"),
        ("AL006", "huge/docker-compose.yml"),
        ("AL006", "deepjson/stack.json"),
        ("AL006", "deeptoml/pyproject.toml"),
        ("AL006", "badtoml/pyproject.toml"),
        ("AL007", "chart/Chart.yaml"),
    }
    assert "alias" in found[("AL006", "bomb/docker-compose.yml")]
    assert "python/object/apply" in found[("AL006", "evil/docker-compose.yml")]
    assert "larger than" in found[("AL006", "huge/docker-compose.yml")]
    assert not marker.exists()
    # the Dockerfile's app and the SAM function, whose !GetAtt / !Ref / !Sub were read
    assert sorted(s["name"] for s in report["services"]) == ["app", "fn"]
    assert {"Dockerfile", "Fn"} <= {u["name"] for u in report["deploy_units"]}
    assert module_names(report)["handler"] == "fn/handler.py"  # CodeUri: the function's import root
    assert_rest_is_complete(report)


@pytest.mark.parametrize("git", [False, True])
def test_file_names_that_are_not_utf8(tree, git):
    """A name with a byte that is not UTF-8 cannot be written in JSON or shown: a finding
    that spells it with escapes, and valid output (it was raw bytes in the JSON)."""
    import json

    root = tree({**GOOD, "app/caf\u00e9.py": "import app.other\n"})
    with open(os.path.join(os.fsencode(root), b"app", b"caf\xe9.py"), "wb") as handle:
        handle.write(b"import app.other\n")
    if git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "archlint", "scan", str(root), "--format", "json", "--no-cache"],
        capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.decode("utf-8"))  # strict: valid UTF-8
    found = findings_by_path(report)
    assert found["app/caf\\xe9.py"]["rule"] == "AL002"
    assert "not valid UTF-8" in found["app/caf\\xe9.py"]["message"]
    assert ("app.caf\u00e9", "app.other") in edges(report)  # the UTF-8 é is a name like any
    assert_rest_is_complete(report)


def test_a_file_name_with_a_newline_cannot_forge_an_annotation(tree):
    root = tree({**GOOD, "app/evil\n::error file=app/good.py,line=1::forged.py": "def f(:\n"})
    proc = run_cli("scan", ".", "--format", "github", "--no-cache", cwd=root)
    assert proc.returncode == 0, proc.stderr
    commands = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error file=app/evil%0A%3A%3Aerror file=app/good.py%2C")


def test_machine_formats_on_stdout_are_the_files_byte_for_byte(tree, tmp_path):
    """click strips what looks like a colour code from text it prints to a pipe: a file name
    holding one was cut short in an annotation on stdout, naming a file that does not exist."""
    root = tree({**GOOD, "app/esc\x1b[31mred.py": "def f(:\n"})
    for fmt in ("github", "sarif", "json"):
        target = tmp_path / f"out.{fmt}"
        piped = run_cli("scan", ".", "--format", fmt, "--no-cache", cwd=root)
        written = run_cli("scan", ".", "--format", fmt, "--no-cache", "-o", str(target), cwd=root)
        assert piped.returncode == written.returncode == 0, piped.stderr + written.stderr
        assert piped.stdout == target.read_text(encoding="utf-8"), fmt
        if fmt == "github":
            assert "::error file=app/esc\x1b[31mred.py,line=1," in piped.stdout, piped.stdout


def test_file_names_cannot_split_lines_or_drive_the_terminal(tree):
    """A newline, a terminal escape, rich markup or an emoji code in a file name is shown as
    written, escaped where it is not printable: one finding per line, nothing sent to the
    terminal but text."""
    root = tree({
        **GOOD,
        "app/new\nline.py": "def f(:\n",
        "app/esc\x1b[31mred.py": "def f(:\n",
        "app/[bold]loud.py": "def f(:\n",
        "app/:fire:.py": "def f(:\n",
    })
    for command in (["scan"], ["check"]):
        proc = run_cli(*command, ".", "--no-cache", cwd=root)
        assert proc.returncode in (0, 1), proc.stderr
        assert "\x1b" not in proc.stdout
        lines = [line.strip() for line in proc.stdout.splitlines() if "AL001" in line]
        assert sorted(line.partition(":1 ")[0] for line in lines) == [
            "app/:fire:.py", "app/[bold]loud.py", "app/esc\\x1b[31mred.py", "app/new\\nline.py"], proc.stdout


def test_names_made_from_directories_are_escaped_in_every_section(tree):
    """Module, package and cycle names carry their import root's directory name when two
    roots hold the same package: tables, cycles and services show it escaped too."""
    pair = {"app/__init__.py": "", "app/a.py": "import app.b\n", "app/b.py": "import app.a\n"}
    root = tree({f"{d}/{p}": c for d in ("svc1[bold]", "svc2\x1b[31mRED", "svc3\nNL") for p, c in pair.items()})
    proc = run_cli("scan", ".", "--no-cache", "--verbose", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    lines = proc.stdout.splitlines()
    for name in ("svc1[bold]:app.a", "svc2\\x1b[31mRED:app.a", "svc3\\nNL:app.a"):
        assert sum(name in line for line in lines) >= 3, (name, proc.stdout)  # the table, its cycle, evidence
    assert not any(line.startswith("NL") for line in lines), proc.stdout


def test_a_long_finding_is_one_line_on_a_narrow_terminal(tree):
    """As ruff does: the terminal folds a long finding, archlint does not break it, so its
    path:line and message copy out whole."""
    import re

    from archlint.pipeline import ScanOptions, check
    from archlint.report.check_text import render_check
    from archlint.report.text import render_text

    deep = "app/" + "/".join(f"level{i}" for i in range(8)) + "/broken.py"
    result = check(ScanOptions(str(tree({**GOOD, deep: "def f(:\n"})), jobs=1))
    for render in (render_text, render_check):
        shown = re.sub(r"\x1b\[[0-9;]*m", "", render(result.report, color=True, width=60))
        lines = [line for line in shown.splitlines() if "AL001" in line]
        assert len(lines) == 1 and lines[0].strip().startswith(f"{deep}:1 "), shown
        assert lines[0].rstrip().endswith("invalid syntax"), shown

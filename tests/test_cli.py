"""The command as a user runs it: a subprocess, real exit codes, real output."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import FIXTURES, REPO, run_cli, write_tree

EXAMPLE = FIXTURES / "monolith-shop"


def test_readme_main_command_scans_the_bundled_example():
    readme = (REPO / "README.md").read_text()
    assert "archlint scan fixtures/monolith-shop" in readme
    proc = run_cli("scan", "fixtures/monolith-shop", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "monolith-shop" in out
    assert "shop.db" in out  # the most depended-on module is listed
    assert "shop.billing.invoice -> shop.orders.service -> shop.billing.invoice" in out
    assert "\x1b[" not in out  # piped: plain text, no colour codes


def test_json_report_matches_the_schema_and_is_byte_identical(tmp_path):
    from archlint.report.json_report import schema

    first = run_cli("scan", str(EXAMPLE), "--format", "json")
    second = run_cli("scan", str(EXAMPLE), "--format", "json", "-j", "1")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    report = json.loads(first.stdout)
    jsonschema.Draft202012Validator(schema()).validate(report)
    assert report["schema_version"] == 1
    assert report["tool"]["name"] == "archlint"
    assert report["summary"]["modules"] == len(report["modules"]) > 10
    assert all(not m["path"].startswith("/") for m in report["modules"])


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    proc = run_cli("scan", str(EXAMPLE), "--format", "json", "-o", str(target))
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads(target.read_text())["root"] == "monolith-shop"


def test_python_dash_m_and_the_console_script_agree():
    import shutil
    import subprocess

    exe = shutil.which("archlint")
    if exe is None:
        pytest.skip("archlint is not installed as a console script in this environment")
    a = subprocess.run([exe, "scan", str(EXAMPLE), "--format", "json"], capture_output=True, text=True)
    b = run_cli("scan", str(EXAMPLE), "--format", "json")
    assert a.returncode == 0 and a.stdout == b.stdout


def test_version_and_help():
    from archlint import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout
    proc = run_cli("scan", "--help")
    assert proc.returncode == 0 and "--format" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "does/not/exist"], "path does not exist: does/not/exist"),
        (["scan", "README.md"], "not a directory: README.md"),
        (["scan", ".", "--no-such-option"], "No such option"),
        (["scan", ".", "--format", "xml"], "'xml' is not one of"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, message):
    proc = run_cli(*args, cwd=REPO)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_invalid_config_is_one_line_naming_file_and_key(tree):
    root = tree({"pyproject.toml": "[tool.archlint]\nexclude = 3\n", "a.py": ""})
    proc = run_cli("scan", str(root))
    assert proc.returncode == 2
    assert "pyproject.toml: tool.archlint.exclude: must be a list of strings, got 3" in proc.stderr
    root1 = tree({"pyproject.toml": '[tool.archlint]\ninclude = "src/build"\n', "a.py": ""})
    proc = run_cli("check", str(root1))
    assert proc.returncode == 2
    assert """tool.archlint.include: must be a list of strings, got the string 'src/build' (write ['src/build'])""" \
        in proc.stderr
    root2 = tree({"pyproject.toml": "[tool.archlint]\nexcludes = []\n"})
    proc = run_cli("scan", str(root2))
    assert proc.returncode == 2
    assert "tool.archlint.excludes: unknown key (did you mean 'exclude'?)" in proc.stderr


def test_broken_toml_is_a_config_error(tree):
    root = tree({"pyproject.toml": "[tool.archlint\nexclude = [\n", "a.py": ""})
    proc = run_cli("scan", str(root))
    assert proc.returncode == 2
    assert "pyproject.toml: not valid TOML" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_json_is_identical_whatever_the_hash_seed(tree):
    """String hashing differs from process to process; nothing in the report (clusters
    included) may depend on it. On saleor, set-ordered subgraph views once changed the
    clusters from run to run: this tree has the same shape, mostly isolated modules around
    a tangle with no clear communities, where the order of edges sways Louvain."""
    import random

    rng = random.Random(7)
    files = {"app/__init__.py": "", **{f"app/iso{i}.py": "" for i in range(120)}}
    for i in range(40):
        targets = rng.sample(range(40), 3)
        files[f"app/m{i}.py"] = "".join(f"import app.m{t}\n" for t in targets if t != i)
    root = tree(files)
    runs = [run_cli("scan", str(root), "--format", "json", env={"PYTHONHASHSEED": seed}) for seed in "12345"]
    assert all(r.returncode == 0 for r in runs)
    assert len({r.stdout for r in runs}) == 1
    assert json.loads(runs[0].stdout)["clusters"]["clusters"]


def test_piped_text_keeps_each_finding_and_evidence_on_one_line(tmp_path):
    """Piped output is read by grep and CI logs: a long path or message never wraps."""
    deep = "/".join(["a_rather_long_directory_name"] * 5)
    write_tree(tmp_path, {f"{deep}/broken_module_with_a_long_name.py": "def f(:\n"})
    rel = f"{deep}/broken_module_with_a_long_name.py"
    for command in ("scan", "check"):
        proc = run_cli(command, str(tmp_path), "--no-cache", env={"COLUMNS": "60"})
        lines = [line for line in proc.stdout.splitlines() if rel in line]
        assert lines and all("AL001" in line for line in lines), (command, proc.stdout)


def test_progress_bar_on_a_terminal_only(tmp_path):
    """stderr a terminal: a bar counts the files being parsed, and the JSON on stdout is
    untouched; stderr piped: not a byte of it."""
    import os
    import pty
    import subprocess
    import sys

    files = {"pkg/__init__.py": "", **{f"pkg/m{i}.py": f"import pkg.m{i % 7 + 1}\n" for i in range(1, 261)}}
    root = write_tree(tmp_path / "many", files)
    command = [sys.executable, "-m", "archlint", "scan", str(root), "--no-cache", "--format", "json", "-j", "1"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    master, slave = pty.openpty()
    with open(tmp_path / "report.json", "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=slave, env=env)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            err += chunk
        assert proc.wait(timeout=120) == 0
    os.close(master)
    assert b"parsing" in err and b"261/261" in err
    assert len(json.loads((tmp_path / "report.json").read_text())["modules"]) == 261
    piped = run_cli(*command[3:])
    assert piped.returncode == 0 and piped.stderr == ""


def test_every_shortened_section_says_how_much_it_left_out():
    """saleor's 18 split candidates showed as 3, with nothing to say that 15 were hidden."""
    short = run_cli("scan", str(EXAMPLE)).stdout
    verbose = run_cli("scan", str(EXAMPLE), "--verbose").stdout
    splits = short.split("Split candidates")[1].split("\n\n")[0]
    assert splits.count(": score ") == 3 and splits.rstrip().endswith("... and 1 more (--verbose)"), splits
    assert verbose.split("Split candidates")[1].split("\n\n")[0].count(": score ") == 4
    assert "modularity Q = 0.35 over 4 coupling clusters" in short


def test_counts_of_one_are_singular(tree):
    """fastapi-celery: 'modularity Q = 0.00 over 1 coupling clusters'."""
    root = tree({
        "app/__init__.py": "",
        "app/a.py": "import app.b\nif __name__ == '__main__':\n    app.b.f()\n",
        "app/b.py": "import app.a\ndef f(): pass\n",
        "Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["python", "-m", "app.a"]\n',
    })
    out = run_cli("scan", str(root), "--format", "json").stdout
    reasons = [r["message"] for r in json.loads(out)["verdict"]["reasons"]]
    assert "modularity Q = 0.00 over 1 coupling cluster (below the 0.4 threshold)" in reasons, reasons


def test_most_depended_on_modules_leave_tests_out(tree):
    root = tree({
        "app/__init__.py": "", "app/core.py": "", "app/web.py": "import app.core\n", "app/jobs.py": "import app.core\n",
        "app/tests/__init__.py": "", "app/tests/utils.py": "import app.web\n",
        **{f"app/tests/test_{i}.py": "import app.tests.utils\nimport app.core\n" for i in range(5)},
    })
    out = run_cli("scan", str(root)).stdout
    table = out.split("Most depended-on modules")[1].split("\n\n")[0]
    rows = [line.split() for line in table.splitlines()[2:]]
    assert rows == [["app.core", "2", "0"]], table  # app.web is imported by a test helper alone

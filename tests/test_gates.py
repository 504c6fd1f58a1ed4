"""Gates on the architecture itself: `require` against the verdict, `max_shared_databases`
against the databases the scan found; and archlint's own layers."""

from __future__ import annotations

import shutil

import pytest

from archlint.analyze.gates import gate_findings
from archlint.model.analysis import Reason, Verdict
from archlint.model.check import meets
from archlint.model.findings import Location
from archlint.model.settings import Settings
from archlint.model.system import Database
from conftest import FIXTURES, REPO, run_cli

WHERE = {"require": Location("pyproject.toml", 3), "max_shared_databases": Location("pyproject.toml", 4)}


@pytest.mark.parametrize(
    ("verdict", "required", "ok"),
    [
        ("microservices", "microservices", True),
        ("serverless", "microservices", True),
        ("microservices", "serverless", False),
        ("mixed", "microservices", False),
        ("generic-services", "modular-monolith", True),
        ("monolith", "modular-monolith", False),
        ("unknown", "modular-monolith", False),
    ],
)
def test_the_verdict_ladder(verdict, required, ok):
    assert meets(verdict, required) is ok


def test_require_reports_the_reasons_with_their_evidence():
    shared = Reason("AL202", "services orders, billing share the database db/shop", (Location("docker-compose.yml", 12, "db"),))
    verdict = Verdict("generic-services", 0.9, (shared, Reason("confidence", "confidence -0.10: x")))
    [finding] = gate_findings(Settings(require="microservices"), verdict, [], WHERE)
    assert finding.rule == "AL401" and (finding.path, finding.line) == ("pyproject.toml", 3)
    assert finding.message == (
        "the architecture must be microservices, but the verdict is generic-services (confidence 0.90): "
        "services orders, billing share the database db/shop"
    )
    assert finding.evidence == (Location("docker-compose.yml", 12, "db"),)
    assert gate_findings(Settings(require="generic-services"), verdict, [], WHERE) == []


def test_max_shared_databases():
    shared = Database("db/shop", "postgresql", "db", "shop", services=("orders", "billing"), evidence=(Location("docker-compose.yml", 7),))
    own = Database("db/audit", "postgresql", "db", "audit", services=("audit",))
    [finding] = gate_findings(Settings(max_shared_databases=0), None, [shared, own], WHERE)
    assert finding.rule == "AL402" and finding.line == 4
    assert finding.message == "1 database(s) shared between services, at most 0 allowed: db/shop (billing, orders)"
    assert gate_findings(Settings(max_shared_databases=1), None, [shared, own], WHERE) == []


def test_require_fails_the_check_at_the_configured_line(tree):
    root = tree({"lib/__init__.py": "", "pyproject.toml": '[project]\nname = "lib"\n\n[tool.archlint]\nrequire = "modular-monolith"\n'})
    proc = run_cli("check", str(root))
    assert proc.returncode == 1
    assert "pyproject.toml:5  AL401 [error] the architecture must be modular-monolith, but the verdict is unknown" in proc.stdout


def test_gates_on_the_bundled_systems(tmp_path):
    """The gates through the CLI, on systems nobody configured for them: the generic
    services fail both, each at its key's line, with the verdict's evidence once each; the
    microservices pass both."""
    config = tmp_path / "gates.toml"
    config.write_text('require = "microservices"\nmax_shared_databases = 0\n')
    proc = run_cli("check", str(FIXTURES / "generic-services"), "--config", str(config))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    require = next(i for i, line in enumerate(lines) if line.startswith(f"{config}:1  AL401 [error] "))
    assert "the architecture must be microservices, but the verdict is generic-services" in lines[require]
    assert "share the internal library shopcommon" in lines[require]
    shared = next(i for i, line in enumerate(lines) if line.startswith(f"{config}:2  AL402 [error] "))
    assert lines[shared].endswith("1 database(s) shared between services, at most 0 allowed: db/shop (orders, payments, shipping)")
    evidence = lines[require + 1 : shared]
    assert "    docker-compose.yml:15  compose service orders" in evidence
    assert "    orders/orders/api.py:4  orders.api -> shopcommon.db" in evidence
    assert len(evidence) == len(set(evidence))  # two reasons that name one service: one line
    assert "    docker-compose.yml:63  compose service db" in lines[shared + 1 :]
    proc = run_cli("check", str(FIXTURES / "microservices"), "--config", str(config))
    assert proc.returncode == 0, proc.stdout
    assert "AL401" not in proc.stdout and "AL402" not in proc.stdout


def test_archlint_passes_its_own_check():
    proc = run_cli("check", ".", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kept    pipeline layers (layers)" in proc.stdout


def test_archlint_own_contract_catches_a_stage_importing_another(tmp_path):
    copy = tmp_path / "archlint-copy"
    shutil.copytree(REPO / "archlint", copy / "archlint", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    cycles = copy / "archlint" / "analyze" / "cycles.py"
    cycles.write_text(cycles.read_text() + "\nfrom archlint.report.json_report import render_json  # a stage importing a stage\n")
    model = copy / "archlint" / "model" / "errors.py"
    model.write_text(model.read_text() + "\nimport archlint.pipeline\n")
    proc = run_cli("check", str(copy))
    assert proc.returncode == 1
    assert "archlint.analyze.cycles imports archlint.report.json_report (archlint.analyze and archlint.report are independent siblings)" in proc.stdout
    assert "archlint.model.errors imports archlint.pipeline (archlint.model is a lower layer than archlint.pipeline)" in proc.stdout

"""`archlint init` writes a starter [tool.archlint] and leaves every other byte of
pyproject.toml alone."""

from __future__ import annotations

import json
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from conftest import run_cli

PYPROJECT = """\
# Project metadata - hand formatted, keep as is.
[project]
name    = "shop"   # aligned on purpose
version = "1.0"
dependencies = [
  "flask",  # the web
]

[tool.ruff]
line-length = 99  # house style
"""
CODE = {
    "shop/__init__.py": "",
    "shop/web/__init__.py": "",
    "shop/web/views.py": "from shop.orders import service\n",
    "shop/orders/__init__.py": "",
    "shop/orders/service.py": "from shop.db import models\n",
    "shop/db/__init__.py": "",
    "shop/db/models.py": "import os\n",
}


def test_init_appends_and_preserves_everything_else(tree):
    root = tree({**CODE, "pyproject.toml": PYPROJECT})
    proc = run_cli("init", str(root))
    assert proc.returncode == 0, proc.stderr
    text = (root / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT)  # byte for byte
    table = text[len(PYPROJECT):]
    assert table.startswith("\n[tool.archlint]\n")
    config = tomllib.loads(text)["tool"]["archlint"]
    assert config["contracts"] == [
        {"name": "no cycles between the packages of shop", "type": "acyclic", "ancestors": ["shop"]}
    ]
    assert '# layers = ["shop.web", "shop.orders", "shop.db"]\n' in table  # the order the scan suggests
    check = run_cli("check", str(root))
    assert check.returncode == 0, check.stdout
    assert "kept    no cycles between the packages of shop (acyclic)" in check.stdout


def test_init_keeps_the_file_s_line_endings(tree):
    """A pyproject.toml written on Windows (CRLF) stays CRLF throughout, not mixed."""
    original = PYPROJECT.replace("\n", "\r\n").encode()
    root = tree({**CODE, "pyproject.toml": original})
    assert run_cli("init", str(root)).returncode == 0
    data = (root / "pyproject.toml").read_bytes()
    assert data.startswith(original) and b"[tool.archlint]\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_init_refuses_an_existing_table_and_force_replaces_only_it(tree):
    original = PYPROJECT + '\n[tool.archlint]\nexclude = ["legacy"]\n\n[[tool.archlint.contracts]]\nname = "old"\ntype = "acyclic"\nancestors = ["gone"]\n\n# trailing table\n[tool.black]\nline-length = 99\n'
    root = tree({**CODE, "pyproject.toml": original})
    proc = run_cli("init", str(root))
    assert proc.returncode == 2 and "already has [tool.archlint]; --force replaces it" in proc.stderr
    assert (root / "pyproject.toml").read_text() == original
    proc = run_cli("init", str(root), "--force")  # the old table names a missing module: no matter
    assert proc.returncode == 0, proc.stderr
    text = (root / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT + "\n[tool.archlint]\n")
    assert text.endswith("\n# trailing table\n[tool.black]\nline-length = 99\n")
    assert '"gone"' not in text and "legacy" not in text
    document = tomllib.loads(text)
    assert document["tool"]["black"] == {"line-length": 99} and document["project"]["name"] == "shop"


def test_init_with_a_baseline_accepts_todays_state(tree):
    files = {**CODE, "shop/db/models.py": "from shop.web import views\n", "pyproject.toml": PYPROJECT}
    root = tree(files)
    proc = run_cli("init", str(root))
    assert proc.returncode == 0 and "commented out, as broken today: no cycles between the packages of shop" in proc.stderr
    assert "wrote [tool.archlint] with 0 contract(s)" in proc.stderr
    text = (root / "pyproject.toml").read_text()
    assert "# Broken today (1 violation): uncomment it once fixed" in text
    assert '# name = "no cycles between the packages of shop"' in text
    assert "contracts" not in tomllib.loads(text)["tool"]["archlint"]
    assert run_cli("check", str(root)).returncode == 0  # saleor: 22 violations failed `check` right after `init`
    assert run_cli("init", str(root), "--force", "--baseline").returncode == 0
    assert tomllib.loads((root / "pyproject.toml").read_text())["tool"]["archlint"]["baseline"] == "archlint-baseline.json"
    entries = json.loads((root / "archlint-baseline.json").read_text())["findings"]
    assert "AL305" in {e["rule"] for e in entries}
    assert run_cli("check", str(root)).returncode == 0
    for name, other in (("a", "b"), ("b", "a")):
        (root / "shop" / name).mkdir()
        (root / "shop" / name / "__init__.py").write_text(f"from shop.{other} import x\n")
        (root / "shop" / name / "x.py").write_text("")
    proc = run_cli("check", str(root))
    assert proc.returncode == 1  # a new cycle is not in the baseline
    assert "AL305 [error] no cycles between the packages of shop: cycle among the children of shop: shop.a -> shop.b -> shop.a" in proc.stdout


def test_init_without_pyproject_and_next_to_archlint_toml(tree):
    root = tree(CODE)
    assert run_cli("init", str(root)).returncode == 0
    assert tomllib.loads((root / "pyproject.toml").read_text())["tool"]["archlint"]["fail_on"] == "error"
    (root / "archlint.toml").write_text("")
    proc = run_cli("init", str(root), "--force")
    assert proc.returncode == 2 and "archlint.toml exists" in proc.stderr


def test_starter_declares_discovered_services():
    from archlint.model.findings import Location
    from archlint.model.report import Report
    from archlint.model.source import Module
    from archlint.model.system import Service
    from archlint.report.starter import render_starter

    modules = [Module("orders", "orders", "orders/__init__.py", ".", True, None), Module("billing", "billing", "billing/__init__.py", ".", True, None)]
    services = [Service("orders", "orders", Location("docker-compose.yml", 3), modules=("orders",)),
                Service("billing", "billing", Location("docker-compose.yml", 9), modules=("billing",))]
    text = render_starter(Report("repo", "0", modules=modules, services=services))
    config = tomllib.loads(text)["tool"]["archlint"]
    assert {"name": "services are independent", "type": "service-independence"} in config["contracts"]
    assert {"name": "no cycles between the top-level packages", "type": "acyclic", "modules": ["billing", "orders"]} in config["contracts"]


def test_init_includes_a_package_a_default_exclude_hid(tree):
    """pypa/build's layout: its code is in src/build, which is excluded by default as build
    output; init includes it (AL008) and writes its contracts for it."""
    root = tree({
        "src/build/__init__.py": "",
        "src/build/env.py": "from build import util\n",
        "src/build/util.py": "",
        "tests/test_env.py": "import build.env\n",
        "pyproject.toml": "[project]\nname = 'build'\n",
    })
    proc = run_cli("init", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "included src/build: excluded by default, but imported by the code (AL008)" in proc.stderr
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["archlint"]
    assert config["include"] == ["src/build"]
    assert config["contracts"] == [{"name": "no cycles between the packages of build", "type": "acyclic",
                                    "ancestors": ["build"]}]
    report = json.loads(run_cli("scan", str(root), "--format", "json").stdout)
    assert not [f for f in report["findings"] if f["rule"] == "AL008"]
    assert {"build.env", "build.util"} <= {m["name"] for m in report["modules"]}


def test_include_on_the_command_line_adds_to_the_configured_one(tree):
    root = tree({
        "src/build/__init__.py": "", "app/venv/__init__.py": "", "app/__init__.py": "",
        "pyproject.toml": '[tool.archlint]\ninclude = ["src/build"]\n',
    })

    def modules(*args: str) -> set[str]:
        proc = run_cli("scan", str(root), "--format", "json", *args)
        assert proc.returncode == 0, proc.stderr
        return {m["name"] for m in json.loads(proc.stdout)["modules"]}

    assert modules() == {"app", "build"}
    assert modules("--include", "app/venv") == {"app", "app.venv", "build"}


def test_init_leaves_tests_and_tooling_out_of_its_contracts(tree):
    """fastapi-celery: the only contract init wrote was 'no cycles between the packages of
    tests', and its layers put tests on top."""
    root = tree({
        "app/__init__.py": "", "app/api/__init__.py": "", "app/api/routes.py": "from app.core import db\n",
        "app/core/__init__.py": "", "app/core/db.py": "",
        "tests/__init__.py": "", "tests/unit/__init__.py": "", "tests/unit/test_routes.py": "import app.api.routes\n",
        "setup.py": "import app\n",
    })
    assert run_cli("init", str(root)).returncode == 0
    text = (root / "pyproject.toml").read_text()
    assert tomllib.loads(text)["tool"]["archlint"]["contracts"] == [
        {"name": "no cycles between the packages of app", "type": "acyclic", "ancestors": ["app"]}]
    assert "tests" not in text and '"setup"' not in text, text

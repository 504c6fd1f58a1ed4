"""Module names and import roots for every common layout (the rule: docs/modules.md)."""

from __future__ import annotations

from conftest import edges, module_names, scan_in_process


def test_flat_layout_with_several_top_level_packages(tree):
    root = tree(
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "shop/__init__.py": "",
            "shop/__main__.py": "from shop.cli import main\nmain()\n",
            "shop/cli.py": "from billing import charge\ndef main(): charge()\n",
            "billing/__init__.py": "from billing.core import charge\n",
            "billing/core.py": "def charge(): ...\n",
            "manage.py": "import shop.cli\n",
        }
    )
    report = scan_in_process(root)
    names = module_names(report)
    assert names == {
        "billing": "billing/__init__.py",
        "billing.core": "billing/core.py",
        "manage": "manage.py",
        "shop": "shop/__init__.py",
        "shop.__main__": "shop/__main__.py",
        "shop.cli": "shop/cli.py",
    }
    by_name = {m["name"]: m for m in report["modules"]}
    assert by_name["shop"]["is_package"] and by_name["shop"]["package"] is None
    assert by_name["shop.cli"]["package"] == "shop" and not by_name["shop.cli"]["is_package"]
    assert edges(report) == {
        ("shop.__main__", "shop.cli"),
        ("shop.cli", "billing"),
        ("billing", "billing.core"),
        ("manage", "shop.cli"),
    }


def test_src_layout(tree):
    root = tree(
        {
            "pyproject.toml": "[project]\nname = 'mylib'\n",
            "src/mylib/__init__.py": "from mylib.core import run\n",
            "src/mylib/core.py": "from .util import helper\n",
            "src/mylib/util.py": "",
            "tests/test_core.py": "from mylib.core import run\n",
        }
    )
    report = scan_in_process(root)
    names = module_names(report)
    assert names["mylib.core"] == "src/mylib/core.py"
    assert {m["root"] for m in report["modules"] if m["name"].startswith("mylib")} == {"src"}
    # tests/ has no __init__.py and no project file: a namespace portion of the scanned root
    assert names["tests.test_core"] == "tests/test_core.py"
    assert ("tests.test_core", "mylib.core") in edges(report)
    assert ("mylib.core", "mylib.util") in edges(report)


def test_monorepo_two_services_each_with_an_app_package(tree):
    root = tree(
        {
            # orders is marked as a project by its Dockerfile ...
            "services/orders/Dockerfile": "FROM python:3.12\nCOPY app app\n",
            "services/orders/app/__init__.py": "",
            "services/orders/app/db.py": "ENGINE = 'postgresql://orders-db/orders'\n",
            "services/orders/app/main.py": "from app.db import ENGINE\nfrom app import routes\n",
            "services/orders/app/routes.py": "",
            # ... payments only by its code importing its own `app` by top-level name
            "services/payments/app/__init__.py": "",
            "services/payments/app/db.py": "",
            "services/payments/app/main.py": "import app.db\n",
            "services/payments/worker.py": "from app.main import *\n",
        }
    )
    report = scan_in_process(root)
    names = module_names(report)
    assert names["services/orders:app.db"] == "services/orders/app/db.py"
    assert names["services/payments:app.db"] == "services/payments/app/db.py"
    # worker is a top-level name in one root only, so it keeps its plain name
    assert names["worker"] == "services/payments/worker.py"
    assert "app.db" not in names  # never one module for two files
    assert edges(report) == {
        ("services/orders:app.main", "services/orders:app.db"),
        ("services/orders:app.main", "services/orders:app.routes"),
        ("services/payments:app.main", "services/payments:app.db"),
        ("worker", "services/payments:app.main"),
    }
    imports = {m["name"]: m["import_name"] for m in report["modules"]}
    assert imports["services/orders:app.db"] == "app.db"


def test_shared_library_imported_from_two_service_roots(tree):
    root = tree(
        {
            "libs/common/pyproject.toml": "[project]\nname = 'common'\n",
            "libs/common/common/__init__.py": "",
            "libs/common/common/models.py": "",
            "services/a/requirements.txt": "common\n",
            "services/a/main.py": "from common.models import *\n",
            "services/b/requirements.txt": "common\n",
            "services/b/main.py": "import common.models\n",
        }
    )
    report = scan_in_process(root)
    assert ("services/a:main", "common.models") in edges(report)
    assert ("services/b:main", "common.models") in edges(report)


def test_ambiguous_import_from_outside_both_roots_is_not_guessed(tree):
    root = tree(
        {
            "services/orders/Dockerfile": "FROM python\n",
            "services/orders/app/__init__.py": "",
            "services/payments/Dockerfile": "FROM python\n",
            "services/payments/app/__init__.py": "",
            "tools/check.py": "import app\n",
        }
    )
    report = scan_in_process(root)
    assert edges(report) == set()
    assert report["summary"]["unresolved_imports"] == 1
    assert not any(e["name"] == "app" for e in report["external"])


def test_pep420_namespace_packages(tree):
    root = tree(
        {
            "setup.cfg": "[metadata]\nname = acme\n",
            "src/acme/billing/__init__.py": "from acme.shipping.rates import rate\n",
            "src/acme/shipping/__init__.py": "",
            "src/acme/shipping/rates.py": "def rate(): ...\n",
            "src/acme/shipping/carriers/ups.py": "from ..rates import rate\n",
            "src/acme/audit.py": "from acme import shipping\n",
            "src/acme/ledger.py": "import acme.shipping.carriers\n",
        }
    )
    report = scan_in_process(root)
    names = module_names(report)
    assert set(names) == {
        "acme.billing",
        "acme.shipping",
        "acme.shipping.rates",
        "acme.shipping.carriers.ups",
        "acme.audit",
        "acme.ledger",
    }
    # `from acme import shipping` reaches acme.shipping though `acme` itself is no module;
    # `carriers` is a namespace portion in a regular package, no module either: unresolved
    assert edges(report) == {
        ("acme.billing", "acme.shipping.rates"),
        ("acme.shipping.carriers.ups", "acme.shipping.rates"),
        ("acme.audit", "acme.shipping"),
    }
    assert report["summary"]["unresolved_imports"] == 1


def test_scripts_outside_any_package(tree):
    root = tree(
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/models.py": "",
            "scripts/migrate.py": "import app.models\nfrom helpers import log\n",
            "scripts/helpers.py": "def log(): ...\n",
        }
    )
    report = scan_in_process(root)
    # scripts/ imports its own helpers by top-level name: it is an import root, as when
    # `python scripts/migrate.py` puts scripts/ first on sys.path.
    migrate = next(m for m in report["modules"] if m["path"] == "scripts/migrate.py")
    helpers = next(m for m in report["modules"] if m["path"] == "scripts/helpers.py")
    assert migrate["import_name"] == "migrate" and migrate["root"] == "scripts"
    assert edges(report) == {(migrate["name"], "app.models"), (migrate["name"], helpers["name"])}


def test_scanning_a_package_directory_keeps_real_names(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\nfrom . import c\n",
            "pkg/b.py": "",
            "pkg/c.py": "",
        }
    )
    report = scan_in_process(root / "pkg")
    assert set(module_names(report)) == {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    assert edges(report) == {("pkg.a", "pkg.b"), ("pkg.a", "pkg.c")}
    assert {m["path"] for m in report["modules"]} == {"__init__.py", "a.py", "b.py", "c.py"}


def test_configured_roots_override_the_heuristics(tree):
    root = tree(
        {
            "pyproject.toml": '[tool.archlint]\nroots = ["code"]\n',
            "code/lib/__init__.py": "",
            "code/lib/x.py": "from lib import y\n",
            "code/lib/y.py": "",
        }
    )
    report = scan_in_process(root)
    assert set(module_names(report)) == {"lib", "lib.x", "lib.y"}
    assert edges(report) == {("lib.x", "lib.y")}


def test_a_file_with_a_dotted_name_is_no_module(tree):
    # gunicorn reads ./gunicorn.conf.py by default; named `gunicorn.conf` it made every
    # `import gunicorn` internal and unresolved, and odd/foo.bar.py hid odd/foo/bar.py
    root = tree(
        {
            "pyproject.toml": "",
            "gunicorn.conf.py": "bind = '0.0.0.0:8000'\n",
            "app/__init__.py": "",
            "app/server.py": "import gunicorn\nfrom gunicorn.app.base import BaseApplication\nimport odd.foo.bar\n",
            "odd/foo.bar.py": "A = 1\n",
            "odd/foo/bar.py": "B = 1\n",
        }
    )
    report = scan_in_process(root)
    assert module_names(report) == {
        "app": "app/__init__.py",
        "app.server": "app/server.py",
        "odd.foo.bar": "odd/foo/bar.py",
    }
    assert report["summary"]["files"] == 5 and report["summary"]["unresolved_imports"] == 0
    assert {e["name"]: e["imported_by"] for e in report["external"]} == {"gunicorn": ["app.server"]}
    assert edges(report) == {("app.server", "odd.foo.bar")}


def test_a_namespace_folder_does_not_shadow_an_installed_package(tree):
    """nameko-examples keeps alembic's scripts in orders/alembic/ (no __init__.py): Python
    imports the installed alembic, as PEP 420 says, and archlint must not call
    `from alembic import context` missing own code, in the import graph or in the call
    graph. What the folder does hold still resolves."""
    root = tree({
        "orders/Dockerfile": "FROM python:3.12\n",
        "orders/orders/__init__.py": "",
        "orders/alembic/env.py": "from alembic import context\nimport alembic.op\n\ncontext.configure()\n",
        "orders/alembic/versions/v1.py": "from alembic import op\n",
        "orders/alembic/helpers.py": "",
        "orders/tools.py": "from alembic import helpers\nimport orders.missing\n",
    })
    report = scan_in_process(root)
    assert ("tools", "alembic.helpers") in edges(report)
    assert {e["name"]: e["imported_by"] for e in report["external"]}["alembic"] == [
        "alembic.env", "alembic.versions.v1"]
    assert [u["name"] for u in report["unresolved"]] == ["orders.missing"]
    assert (report["summary"]["calls"]["external"], report["summary"]["calls"]["unresolved"]) == (1, 0)

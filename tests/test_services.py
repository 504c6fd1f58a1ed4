"""Services assembled from deploy units: the fixtures' exact services and the grouping rules."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import FIXTURES, run_cli, scan_in_process

from archlint.report.json_report import schema


def services(report):
    return {s["name"]: s for s in report["services"]}


def processes(service):
    return [(p["name"], p["module_id"], f"{p['path']}:{p['line']}") for p in service["processes"]]


def units(report):
    return {u["name"]: u for u in report["deploy_units"]}


# --- the fixtures --------------------------------------------------------------------------


def test_monolith_shop_is_one_service_with_a_web_and_a_worker():
    report = scan_in_process(FIXTURES / "monolith-shop")
    (shop,) = report["services"]
    assert shop["name"] == "shop" and shop["root"] == "." and not shop["implicit"]
    assert shop["declared_at"] == {"path": "docker-compose.yml", "line": 2}
    assert shop["units"] == ["Dockerfile", "Procfile", "web", "worker"]
    assert processes(shop) == [("web", "shop.wsgi", "docker-compose.yml:4"), ("worker", "shop.tasks", "docker-compose.yml:13")]
    assert shop["modules"] == sorted(m["name"] for m in report["modules"])
    infra = {n: (u["infrastructure"], u["engines"]) for n, u in units(report).items() if u["infrastructure"]}
    assert infra == {"db": ("postgres", ["postgresql"]), "redis": ("redis", ["redis"])}


def test_generic_services_share_a_database_and_a_copied_library():
    report = scan_in_process(FIXTURES / "generic-services")
    found = services(report)
    assert sorted(found) == ["orders", "payments", "shipping"]
    assert {n: s["root"] for n, s in found.items()} == {"orders": "orders", "payments": "payments", "shipping": "shipping"}
    assert processes(found["orders"]) == [("orders", "orders.api", "docker-compose.override.yml:4")]
    assert processes(found["payments"]) == [("payments", "payments.app", "payments/Dockerfile:8")]
    assert processes(found["shipping"]) == [("shipping", "shipping.api", "shipping/Dockerfile:13"),
                                            ("shipping-worker", "shipping.dispatch", "docker-compose.yml:57")]
    assert found["shipping"]["units"] == ["shipping", "shipping-worker", "shipping/Dockerfile"]
    assert found["orders"]["modules"] == ["orders", "orders.api", "orders.payments_client", "orders.schemas"]
    assert found["payments"]["modules"] == ["payments", "payments.app", "payments.charges", "payments.gateway"]
    assert found["shipping"]["modules"] == ["shipping", "shipping.api", "shipping.carriers", "shipping.dispatch"]
    all_owned = {m for s in found.values() for m in s["modules"]}
    assert not {"shopcommon", "shopcommon.db", "shopcommon.models"} & all_owned  # the shared library is nobody's
    unit = units(report)
    assert unit["orders"]["copies_from"] == ["common"] and unit["shipping"]["copies_from"] == ["common"]
    assert unit["payments"]["base_image"] == "base/Dockerfile"
    assert unit["payments"]["copies_from"] == ["common"]  # through the base image
    assert unit["adminer"]["profiles"] == ["debug"]
    assert {n for n, u in unit.items() if u["infrastructure"]} == {"adminer", "db"}
    assert "base" not in found  # builds the base image, runs nothing


def test_microservices_each_service_and_its_kubernetes_twin():
    report = scan_in_process(FIXTURES / "microservices")
    found = services(report)
    assert sorted(found) == ["catalog", "orders", "payments", "shipping"]
    assert {n: s["root"] for n, s in found.items()} == {
        "catalog": "services/catalog", "orders": "services/orders",
        "payments": "services/payments", "shipping": "services/shipping",
    }
    assert processes(found["orders"]) == [("orders", "services/orders:app.main", "services/orders/Dockerfile:7")]
    assert processes(found["payments"]) == [
        ("payments", "services/payments:app.api", "services/payments/Dockerfile:12"),
        ("payments-consumer", "services/payments:app.consumer", "docker-compose.yml:27"),
    ]
    assert processes(found["shipping"]) == [("shipping", "shipping.worker", "services/shipping/Dockerfile:8")]
    assert processes(found["catalog"]) == [("catalog", "catalog.app", "services/catalog/Dockerfile:7")]
    assert found["payments"]["units"] == [
        "payments", "payments (k8s/base/payments.yaml)", "payments-consumer",
        "payments-consumer (k8s/base/payments.yaml)", "services/payments/Dockerfile",
    ]
    assert found["orders"]["modules"] == [f"services/orders:app{m}" for m in
                                          ("", ".catalog", ".config", ".db", ".events", ".main", ".models")]
    assert found["payments"]["modules"] == [f"services/payments:app{m}" for m in
                                            ("", ".api", ".consumer", ".db", ".kafka", ".models")]
    assert found["shipping"]["modules"] == ["shipping", "shipping.db", "shipping.worker"]
    assert found["catalog"]["hosts"] == ["catalog"]
    infra = {n: u["infrastructure"] for n, u in units(report).items() if u["infrastructure"]}
    assert infra == {
        "catalog-db": "mongo", "catalog-mongo": "mongo", "kafka": "kafka", "kafka (k8s/base/kafka.yaml)": "kafka",
        "postgres": "postgres", "postgres (k8s/base/postgres.yaml)": "postgres", "rabbitmq": "rabbitmq",
        "rabbitmq (k8s/base/rabbitmq.yaml)": "rabbitmq", "shipping-db": "mysql",
        "shipping-db (k8s/base/mysql.yaml)": "mysql", "zookeeper": "zookeeper",
    }
    assert units(report)["catalog-mongo"]["hosts"] == ["catalog-db", "catalog-mongo"]


def test_serverless_projects_are_services_of_functions():
    report = scan_in_process(FIXTURES / "serverless")
    found = services(report)
    assert sorted(found) == ["inventory", "orders-api"]
    assert found["orders-api"]["root"] == "." and found["inventory"]["root"] == "inventory/src"
    assert [(p["name"], p["module_id"]) for p in found["orders-api"]["processes"]] == [
        ("createOrder", "handlers.orders"), ("getOrder", "handlers.orders"), ("processPayment", "handlers.payments"),
        ("nightlyReport", "reports.nightly"), ("admin", "web.app"),
    ]
    assert [(p["name"], p["module_id"]) for p in found["inventory"]["processes"]] == [
        ("InventoryFunction", "app"), ("RestockFunction", "restock"),
    ]
    assert found["inventory"]["modules"] == ["app", "restock"]
    assert found["orders-api"]["modules"] == ["handlers", "handlers.common", "handlers.orders", "handlers.payments",
                                              "reports", "reports.nightly", "web", "web.app"]
    modules = {m["name"]: m["path"] for m in report["modules"]}
    assert modules["inventory_common.stock"] == "inventory/layers/common/python/inventory_common/stock.py"
    unit = units(report)
    assert unit["processPayment"]["events"] == ["sqs orders-api-payments-dev"]
    assert unit["RestockFunction"]["copies_from"] == ["inventory/layers/common"]
    assert {u["kind"] for u in unit.values()} == {"serverless", "sam"}


@pytest.mark.parametrize("fixture", ["monolith-shop", "generic-services", "microservices", "serverless"])
def test_fixture_reports_validate_against_the_schema(fixture):
    jsonschema.validate(scan_in_process(FIXTURES / fixture), schema())


def test_services_are_deterministic_across_runs_and_jobs():
    first = run_cli("scan", str(FIXTURES / "microservices"), "--format", "json", "-j", "2")
    assert first.returncode == 0, first.stderr
    second = json.loads(first.stdout)
    assert {k: second[k] for k in ("services", "deploy_units")} == {
        k: v for k, v in scan_in_process(FIXTURES / "microservices").items() if k in ("services", "deploy_units")
    }


def test_text_report_lists_services_with_their_processes():
    proc = run_cli("scan", str(FIXTURES / "generic-services"), env={"COLUMNS": "60"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = lines.index("Services")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Infrastructure"))
    heads = [line.split(":")[0].strip() for line in lines[start + 1:end] if not line.startswith("      ")]
    assert heads == ["orders", "payments", "shipping"]
    shipping = lines[start + 1:end][[line.strip().split(":")[0] for line in lines[start + 1:end]].index("shipping"):]
    assert shipping[0].startswith("  shipping: shipping, ") and "declared at docker-compose.yml:" in shipping[0]
    assert any(line.strip().startswith("shipping-worker: ") for line in shipping[1:])
    assert "Infrastructure: adminer (adminer), postgres (db)" in proc.stdout


# --- the grouping rules ----------------------------------------------------------------------


def test_two_top_level_packages_of_one_code_base_are_two_services(tree):
    root = tree({
        "core/__init__.py": "", "core/db.py": "",
        "api/__init__.py": "", "api/main.py": "import core.db\n",
        "worker/__init__.py": "", "worker/run.py": "import core.db\n",
        "Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD uvicorn api.main:app\n",
        "docker-compose.yml": "services:\n  api:\n    build: .\n  worker:\n    build: .\n    command: python -m worker.run\n",
    })
    report = scan_in_process(root)
    found = services(report)
    assert sorted(found) == ["api", "worker"]
    assert found["api"]["root"] == found["worker"]["root"] == "."
    assert found["api"]["modules"] == ["api", "api.main", "core", "core.db"]
    assert found["worker"]["modules"] == ["core", "core.db", "worker", "worker.run"]
    assert found["api"]["units"] == ["Dockerfile", "api"] and found["worker"]["units"] == ["Dockerfile", "worker"]
    # one code base at the repository root, two roles: generic services, not microservices
    verdict = report["verdict"]
    assert verdict["kind"] == "generic-services"
    assert [(r["code"], r["message"], [(e["path"], e["line"]) for e in r["evidence"]]) for r in verdict["reasons"][1:]] == [
        ("AL208", "services api, worker are one code base (.) started with different commands",
         [("docker-compose.yml", 2), ("docker-compose.yml", 4)]),
    ]


def test_a_worker_that_imports_the_web_package_is_the_same_service(tree):
    root = tree({
        "web/__init__.py": "", "web/app.py": "", "web/tasks.py": "",
        "jobs/__init__.py": "", "jobs/run.py": "from web.tasks import x\n",
        "Procfile": "web: gunicorn web.app:app\nclock: python -m jobs.run\n",
    })
    (service,) = scan_in_process(root)["services"]
    assert [p["name"] for p in service["processes"]] == ["web", "clock"]
    assert service["units"] == ["Procfile"] and service["declared_at"] == {"path": "Procfile", "line": 1}


def test_a_flat_layout_is_one_application(tree):
    root = tree({"app.py": "", "worker.py": "", "models.py": "",
                 "Procfile": "web: gunicorn app:app\nworker: python worker.py\n"})
    (service,) = scan_in_process(root)["services"]
    assert [(p["name"], p["module_id"]) for p in service["processes"]] == [("web", "app"), ("worker", "worker")]


def test_django_manage_py_runs_the_project_its_settings_name(tree):
    root = tree({
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
        "proj/__init__.py": "", "proj/settings.py": "", "proj/celery.py": "", "proj/wsgi.py": "",
        "shop/__init__.py": "", "shop/models.py": "",
        "docker-compose.yml": """\
            services:
              web:
                build: .
                command: sh -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"
              worker:
                build: .
                command: celery -A proj worker
        """,
        "Dockerfile": "FROM python:3.12\nWORKDIR /code\nCOPY . .\n",
    })
    (service,) = scan_in_process(root)["services"]
    assert [(p["name"], p["module_id"]) for p in service["processes"]] == [("web", "manage"), ("worker", "proj")]
    assert service["name"] == "proj" and service["root"] == "."


def test_nested_services_own_their_directories(tree):
    root = tree({
        "monolith/__init__.py": "", "monolith/app.py": "",
        "services/billing/billing/__init__.py": "", "services/billing/billing/api.py": "",
        "services/billing/Dockerfile": "FROM python:3.12\nCOPY billing /app/billing\nWORKDIR /app\nCMD uvicorn billing.api:app\n",
        "Procfile": "web: gunicorn monolith.app:app\n",
    })
    found = services(scan_in_process(root))
    assert sorted(found) == ["billing", "monolith"]
    assert found["billing"]["modules"] == ["billing", "billing.api"]
    assert found["monolith"]["modules"] == ["monolith", "monolith.app"]


def test_infrastructure_only_and_libraries_have_no_services(tree):
    root = tree({"lib/__init__.py": "", "lib/core.py": "",
                 "docker-compose.yml": "services:\n  db:\n    image: postgres\n  cache:\n    image: redis\n"})
    report = scan_in_process(root)
    assert report["services"] == [] and len(report["deploy_units"]) == 2


def test_a_runnable_code_base_without_deploy_files_is_one_implicit_service(tree):
    root = tree({"manage.py": "", "blog/__init__.py": "", "blog/wsgi.py": "", "blog/views.py": ""})
    (service,) = scan_in_process(root)["services"]
    assert service["implicit"] and service["root"] == "." and service["name"] == "blog"
    assert service["modules"] == ["blog", "blog.views", "blog.wsgi", "manage"]
    assert service["declared_at"]["path"] == "blog/wsgi.py"


def test_console_scripts_are_a_service_alone_and_a_tool_next_to_deployments(tree):
    alone = tree({
        "pyproject.toml": '[project]\nname = "tool"\n[project.scripts]\ntool = "tool.cli:main"\n',
        "tool/__init__.py": "", "tool/cli.py": "",
    })
    (service,) = scan_in_process(alone)["services"]
    assert (service["name"], [p["module_id"] for p in service["processes"]]) == ("tool", ["tool.cli"])


def test_console_scripts_attach_to_the_deployed_service(tmp_path):
    from conftest import write_tree

    root = write_tree(tmp_path / "r", {
        "pyproject.toml": '[project]\nname = "shop"\n[project.scripts]\nshop-admin = "shop.admin:main"\n',
        "shop/__init__.py": "", "shop/admin.py": "", "shop/wsgi.py": "",
        "Procfile": "web: gunicorn shop.wsgi:app\n",
    })
    (service,) = scan_in_process(root)["services"]
    assert [p["name"] for p in service["processes"]] == ["web", "shop-admin"]
    assert service["units"] == ["Procfile", "shop"]


def test_broken_deploy_file_leaves_the_rest_of_the_report_complete(tree):
    root = tree({
        "shop/__init__.py": "", "shop/wsgi.py": "",
        "docker-compose.yml": "services:\n  web: {build: .\n",
        "k8s/deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: &a [*a]\n",
        "Procfile": "web: gunicorn shop.wsgi:app\n",
    })
    proc = run_cli("scan", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("AL006", "docker-compose.yml"), ("AL006", "k8s/deploy.yaml")]
    assert [s["name"] for s in report["services"]] == ["shop"]
    assert report["verdict"]["kind"] == "monolith"
    jsonschema.validate(report, schema())


def test_build_images_and_code_less_test_containers_are_not_services(tree):
    root = tree({
        "api/app/__init__.py": "", "api/app/main.py": "",
        "api/Dockerfile": "FROM python:3.12\nWORKDIR /srv\nCOPY app app\nCMD uvicorn app.main:app\n",
        "Dockerfile.builder": "FROM python:3.12\nCOPY . /src\nRUN pip wheel /src\n",  # no CMD, used by nobody
        "e2e/Dockerfile": "FROM mcr.microsoft.com/playwright:v1.49\nCOPY . /tests\n",
        "e2e/package.json": "{}",
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n  e2e:\n    build: ./e2e\n    depends_on: [api]\n",
    })
    report = scan_in_process(root)
    assert [s["name"] for s in report["services"]] == ["api"]
    assert {"Dockerfile.builder", "e2e", "e2e/Dockerfile"} <= {u["name"] for u in report["deploy_units"]}


def test_a_client_to_an_address_with_no_value_is_said_not_hidden(tree):
    """aws-serverless-shopping-cart's cart service calls the product service at a URL from an
    SSM parameter: 'no link to another service found' claimed too much."""
    compose = ("services:\n  cart:\n    build: cart\n{env}  products:\n    build: products\n")
    code = {
        "cart/Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["python", "app.py"]\n',
        "cart/app.py": ("import os\n\nimport requests\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n"
                        "def price(product_id):\n"
                        "    return requests.get(f\"{os.environ['PRODUCTS_URL']}/products/{product_id}\").json()\n"),
        "products/Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["python", "app.py"]\n',
        "products/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
    }
    unknown = scan_in_process(tree({**code, "docker-compose.yml": compose.format(env="")}))
    assert unknown["summary"]["unresolved_connections"] == 1
    cart = next(s for s in unknown["verdict"]["services"] if s["service"] == "cart")
    network = next(r for r in cart["reasons"] if r["code"] == "network")
    assert network["message"] == "no link to another service found, but 1 client calls an address with no known value"
    assert [(e["path"], e["line"]) for e in network["evidence"]] == [("cart/app.py", 10)]
    known = scan_in_process(tree({**code, "docker-compose.yml": compose.format(
        env="    environment:\n      PRODUCTS_URL: http://products:8000\n")}))
    assert known["summary"]["unresolved_connections"] == 0
    assert [(c["source"], c["target"]) for c in known["communication"]] == [("cart", "products")]

"""Each fixture's verdict, its reasons and the evidence each reason points at, written out
by hand from the fixtures' code and deploy files: the most specific line, never the
declaration next to it (a COPY, not the FROM above it)."""

from __future__ import annotations

from typing import Any

from conftest import FIXTURES, run_cli, scan_in_process, write_tree


def reasons(verdict: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, int]]]]:
    return [(r["code"], r["message"], [(e["path"], e["line"]) for e in r["evidence"]]) for r in verdict["reasons"]]



def test_monolith_web_and_worker_one_unit(fixture_reports):
    r = fixture_reports["monolith-shop"]
    v = r["verdict"]
    assert (v["kind"], v["confidence"], v["services"]) == ("monolith", 0.8, [])
    assert reasons(v) == [
        ("one-unit", "one deployable unit: service shop runs web (gunicorn shop.wsgi:app --bind 0.0.0.0:8000), "
                     "worker (celery -A shop.tasks worker --loglevel=info)",
         # the service, then the command line of each process
         [("docker-compose.yml", 2), ("docker-compose.yml", 4), ("docker-compose.yml", 13)]),
        ("modularity", "modularity Q = 0.35 over 4 coupling clusters (below the 0.4 threshold)", []),
        ("AL102", "package cycle: shop.billing -> shop.orders -> shop.billing",
         [("shop/billing/invoice.py", 2), ("shop/orders/service.py", 1)]),
        ("confidence", "confidence -0.20: modularity is close to the threshold", []),
    ]
    assert v["reasons"][0]["evidence"][1]["note"] == "compose service web command"
    assert r["split_candidates"], "a monolith gets split candidates"


def test_generic_services_each_coupling_at_its_line(fixture_reports):
    r = fixture_reports["generic-services"]
    v = r["verdict"]
    assert (v["kind"], v["confidence"]) == ("generic-services", 1.0)
    shared_orders = [("common/shopcommon/models.py", 26), ("common/shopcommon/models.py", 41),  # orders: model, FK
                     ("payments/payments/charges.py", 14), ("payments/payments/charges.py", 19),  # payments: SQL
                     ("common/shopcommon/models.py", 60), ("shipping/shipping/dispatch.py", 12)]  # shipping
    assert reasons(v) == [
        ("services", "3 deployable services: 0 isolated, 3 coupled",
         [("docker-compose.yml", 15), ("docker-compose.yml", 30), ("docker-compose.yml", 41)]),
        ("AL205", "services orders, payments, shipping share the internal library shopcommon",
         [("orders/orders/api.py", 4), ("payments/payments/charges.py", 3), ("shipping/shipping/api.py", 5)]),
        # the COPY lines that bring common/ in (shipping's in its builder stage, payments' in
        # the base image it builds on), not FROM
        ("AL205", "services orders, payments, shipping copy common into their images",
         [("orders/Dockerfile", 4), ("base/Dockerfile", 5), ("shipping/Dockerfile", 3)]),
        ("AL202", "services orders, payments, shipping share the database db/shop",
         [("docker-compose.yml", 63), ("common/shopcommon/db.py", 8)]),
        ("AL203", "services orders, payments, shipping use the table orders", shared_orders),
        ("AL204", "payments has a foreign key to orders, owned by orders", [("common/shopcommon/models.py", 51)]),
        ("AL204", "shipping has a foreign key to orders, owned by orders", [("common/shopcommon/models.py", 60)]),
        ("AL203", "services payments, shipping use the table payments",
         [("common/shopcommon/models.py", 47), ("shipping/shipping/dispatch.py", 12)]),
    ]
    notes = [e["note"] for e in v["reasons"][4]["evidence"]]
    assert notes == ["orders: model", "orders: foreign key", "payments: SQL", "payments: SQL",
                     "shipping: foreign key", "shipping: SQL"]
    per_service = {s["service"]: (s["kind"], sorted({c["code"] for c in s["reasons"]})) for s in v["services"]}
    assert per_service == {
        "orders": ("generic-service", ["AL202", "AL203", "AL204", "AL205"]),
        "payments": ("generic-service", ["AL202", "AL203", "AL204", "AL205"]),
        "shipping": ("generic-service", ["AL202", "AL203", "AL204", "AL205"]),
    }
    finding = next(f for f in r["findings"] if f["message"] == "services orders, payments, shipping copy common into their images")
    assert (finding["path"], finding["line"]) == ("orders/Dockerfile", 4)
    assert finding["evidence"][1]["note"] == "COPY common/, the base image of payments/Dockerfile"
    assert r["split_candidates"], "generic services get split candidates"


def test_microservices_say_what_makes_each_isolated(fixture_reports):
    r = fixture_reports["microservices"]
    v = r["verdict"]
    assert (v["kind"], v["confidence"]) == ("microservices", 1.0)
    assert reasons(v) == [
        ("services", "4 deployable services: 4 isolated, 0 coupled",
         [("docker-compose.yml", 31), ("docker-compose.yml", 2), ("docker-compose.yml", 16), ("docker-compose.yml", 41)]),
    ]
    per_service = {s["service"]: (s["kind"], reasons(s)) for s in v["services"]}
    assert per_service["orders"] == ("microservice", [
        ("own-data", "own data: postgres/orders", [("services/orders/app/db.py", 6)]),
        ("network", "network only: catalog (http), payments (amqp), shipping (http)",
         # its own HTTP client and producer; shipping's client that calls it
         [("services/orders/app/catalog.py", 12), ("services/orders/app/events.py", 13),
          ("services/shipping/shipping/worker.py", 17)]),
    ])
    assert per_service["payments"][1][1] == (
        "network", "network only: orders (amqp), shipping (kafka)",
        [("services/payments/app/consumer.py", 31), ("services/payments/app/kafka.py", 15)])
    assert {name: kind for name, (kind, _) in per_service.items()} == dict.fromkeys(
        ("catalog", "orders", "payments", "shipping"), "microservice")
    assert r["split_candidates"] == [], "an isolated system needs no split advice"


def test_serverless_functions_and_the_wrapped_app(fixture_reports):
    v = fixture_reports["serverless"]["verdict"]
    assert (v["kind"], v["confidence"]) == ("serverless", 1.0)
    assert reasons(v) == [
        ("functions", "7 functions deployed as FaaS: InventoryFunction, RestockFunction, admin, createOrder, "
                      "getOrder, nightlyReport, processPayment",
         [("inventory/template.yaml", 22), ("inventory/template.yaml", 39), ("serverless.yml", 50),
          ("serverless.yml", 27), ("serverless.yml", 33), ("serverless.yml", 45), ("serverless.yml", 37)]),
        ("wrapped-app", "1 function(s) wrap a whole web application (a monolith inside a function): admin",
         [("serverless.yml", 51), ("web/app.py", 8)]),  # the function's handler, the Flask app it runs
    ]
    assert [(s["service"], s["kind"], [c["message"] for c in s["reasons"]]) for s in v["services"]] == [
        ("inventory", "microservice", ["own data: aws/inventory-dev", "no link to another service found, but 1 client calls an address with no known value"]),
        ("orders-api", "microservice", ["own data: aws/orders-api-orders-dev", "no link to another service found"]),
    ]


def test_one_line_per_service_and_verbose_shows_its_evidence():
    short = run_cli("scan", str(FIXTURES / "microservices"), "--no-cache").stdout
    full = run_cli("scan", str(FIXTURES / "microservices"), "--no-cache", "--verbose").stdout
    head = short.split("\nServices\n")[0].splitlines()
    assert "  orders    microservice  own data: postgres/orders; network only: catalog (http), payments (amqp), " \
           "shipping (http)" in head
    assert not any("services/orders/app/db.py:6" in line for line in head)
    verdict = full.split("\nServices\n")[0].splitlines()
    at = next(i for i, line in enumerate(verdict) if line.startswith("  orders    microservice"))
    assert verdict[at + 1:at + 3] == ["    - own data: postgres/orders", "      services/orders/app/db.py:6  postgres/orders"]
    coupled = run_cli("scan", str(FIXTURES / "generic-services"), "--no-cache").stdout
    # a coupled service's line names its couplings' rules; their evidence is in the reasons above
    assert ("  payments  generic-service  AL205 shared-internal-library, AL202 shared-database, "
            "AL203 shared-tables, AL204 cross-service-foreign-key") in coupled.splitlines()
    assert "  ... and 3 more reasons (--verbose)" in coupled.splitlines()


def test_clusters_compared_with_packages_and_django_apps(fixture_reports, tree):
    fit = fixture_reports["monolith-shop"]["clusters"]["packages"]
    assert [(f["package"], f["kept_whole"], [(c["cluster"], c["modules"]) for c in f["clusters"]]) for f in fit] == [
        ("shop.billing", True, [("billing", 2)]),
        ("shop.catalog", True, [("shop.models", 2)]),
        # shop/models/customer.py leans on the database helpers, the rest on the catalog
        ("shop.models", False, [("shop.models", 3), ("shop.config+shop.db", 1)]),
        ("shop.orders", True, [("billing", 2)]),
    ]
    app = {
        "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\n",
        "site_conf/__init__.py": "",
        "site_conf/settings.py": "INSTALLED_APPS = ['django.contrib.auth', 'orders', 'catalog.apps.CatalogConfig']\n",
        "catalog/__init__.py": "",
        "catalog/apps.py": "from django.apps import AppConfig\n\nclass CatalogConfig(AppConfig):\n"
                           "    name = 'catalog'\n    label = 'shop_catalog'\n",
        "catalog/models.py": "from django.db import models\n\nclass Product(models.Model):\n    sku = models.CharField(max_length=9)\n",
        "catalog/views.py": "from catalog.models import Product\n\ndef index():\n    return Product.objects.all()\n",
        "orders/__init__.py": "",
        "orders/models.py": "from django.db import models\n\nclass Order(models.Model):\n    total = models.IntegerField()\n",
        "orders/views.py": "from orders.models import Order\n\ndef index():\n    return Order.objects.all()\n",
    }
    fit = scan_in_process(tree(app))["clusters"]["packages"]
    assert [(f["package"], f["django_app"], f["kept_whole"]) for f in fit] == [
        ("catalog", "shop_catalog", True), ("orders", "orders", True),
    ]
    out = run_cli("scan", str(FIXTURES / "monolith-shop"), "--no-cache").stdout
    assert "  packages and Django apps: 3 kept whole (shop.billing, shop.catalog, shop.orders), " \
           "1 split (shop.models across 2)" in out.splitlines()


def test_package_cycles_are_said_with_the_module_cycles(tree):
    # app.core.db imports app.crud, app.crud imports app.core.security: no module cycle,
    # a package cycle (full-stack-fastapi-template printed "No import cycles." above it)
    root = tree({
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/db.py": "from app import crud\n",
        "app/core/security.py": "",
        "app/crud.py": "from app.core import security\n",
        "app/main.py": "from fastapi import FastAPI\nfrom app.core import db\napp = FastAPI()\n",
    })
    lines = run_cli("scan", str(root), "--no-cache").stdout.splitlines()
    at = lines.index("No import cycles between modules.")
    assert lines[at + 1:at + 3] == ["1 package cycle", "  app.core -> app.crud -> app.core"]
    assert lines[at + 3].split() == ["app/core/db.py:1", "app.core", "->", "app.crud", "(app.core.db", "->", "app.crud)"]


def test_separate_web_apps_without_deploy_files_lower_the_confidence(tree, tmp_path):
    # umermansoor/microservices: four Flask apps started by hand (a Makefile), each on its
    # own port; with no deploy file, one code base - but the verdict says it may be wrong
    app = "from flask import Flask\nfrom services import helpers\napp = Flask(__name__)\n"
    root = tree({"services/__init__.py": "", "services/helpers.py": "", "services/movies.py": app,
                 "services/bookings.py": app, "services/user.py": app})
    v = scan_in_process(root)["verdict"]
    assert (v["kind"], v["confidence"]) == ("monolith", 0.6)
    doubt = v["reasons"][-1]
    assert doubt["message"] == ("confidence -0.20: 3 web applications that do not import one another "
                                "(services.bookings, services.movies, services.user) may run as separate services")
    assert [(e["path"], e["line"]) for e in doubt["evidence"]] == [
        ("services/bookings.py", 3), ("services/movies.py", 3), ("services/user.py", 3)]
    # a web app and its worker are one code base: no such doubt
    root = write_tree(tmp_path / "shop", {"shop/__init__.py": "", "shop/app.py": "from flask import Flask\napp = Flask(__name__)\n",
                                          "shop/tasks.py": "from celery import Celery\ncelery = Celery('shop')\n"})
    v = scan_in_process(root)["verdict"]
    assert (v["kind"], v["confidence"]) == ("monolith", 0.8)


def test_split_cut_says_what_leans_on_the_shared_core_and_settings_are_no_candidate(tree):
    files = {"shop/__init__.py": "", "shop/core/__init__.py": "", "shop/core/db.py": "",
             "shop/settings/__init__.py": "", "shop/settings/base.py": "",
             "shop/settings/dev.py": "from shop.settings.base import *\n",
             "shop/settings/prod.py": "from shop.settings.base import *\n"}
    for domain in ("orders", "billing"):
        files[f"shop/{domain}/__init__.py"] = ""
        for i in range(1, 6):
            chain = f"from shop.{domain} import m{i + 1}\n" if i < 5 else ""
            files[f"shop/{domain}/m{i}.py"] = f"from shop.core import db\n{chain}"
    report = scan_in_process(tree(files))
    assert report["clusters"]["hubs"] == ["shop.core.db"]
    cuts = {s["name"]: s["cut"] for s in report["split_candidates"]}
    # each domain's only ties outside itself are its five imports of the shared core
    assert {name: (c["imports"], c["to_shared_core"]) for name, c in cuts.items()} == {
        "billing": (5, {"imports": 5, "calls": 0}), "orders": (5, {"imports": 5, "calls": 0})}
    settings = [c["modules"] for c in report["clusters"]["clusters"] if "shop.settings.base" in c["modules"]]
    assert settings == [["shop.settings.base", "shop.settings.dev", "shop.settings.prod"]]  # a cluster, not a candidate


def test_verbose_shows_the_package_metrics(fixture_reports):
    packages = {p["name"]: p for p in fixture_reports["monolith-shop"]["packages"]}
    lines = run_cli("scan", str(FIXTURES / "monolith-shop"), "--no-cache", "--verbose").stdout.splitlines()
    at = lines.index("Packages at depth 2")
    end = lines.index("", at)
    rows = {line.split()[0]: line.split()[1:] for line in lines[at + 2:end]}
    assert set(rows) == set(packages)
    orders = packages["shop.orders"]
    assert rows["shop.orders"] == [str(orders["modules"]), str(orders["afferent"]), str(orders["efferent"]),
                                   f"{orders['instability']:.2f}"]
    assert (orders["afferent"], orders["efferent"]) == (3, 4)  # app, billing, tasks import it; it imports four
    short = run_cli("scan", str(FIXTURES / "monolith-shop"), "--no-cache").stdout
    assert "Packages at depth" not in short

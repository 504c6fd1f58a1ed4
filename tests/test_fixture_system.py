"""Each fixture system's databases (with tables), communication edges, entrypoints and
verdict, exactly: the facts issue 3 asks for, written out by hand from the fixtures'
code and deploy files."""

from __future__ import annotations

from typing import Any

from conftest import FIXTURES, run_cli, scan_in_process


def _where(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["path"], e["line"]) for e in items]


def databases(report: dict[str, Any]) -> list[tuple]:
    return [(d["id"], d["engine"], tuple(d["services"]), tuple(d["tables"]), tuple(_where(d["evidence"])))
            for d in report["databases"]]


def links(report: dict[str, Any]) -> list[tuple]:
    return [(l["source"], l["target"], l["protocol"], l["channel"], tuple(_where(l["evidence"])))
            for l in report["communication"]]


def entrypoints(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["module"], e["kind"], e["name"]) for e in report["entrypoints"]]



def test_monolith_one_database_web_and_worker_of_one_code_base(fixture_reports):
    r = fixture_reports["monolith-shop"]
    assert databases(r) == [
        ("db/shop", "postgresql", ("shop",), ("customers", "order_lines", "orders", "products"),
         (("docker-compose.yml", 18), ("shop/db.py", 6))),
        # the Celery broker: a datastore the deployment runs, used by no code as a database
        ("redis", "redis", (), (), (("docker-compose.yml", 24),)),
    ]
    assert links(r) == [
        ("shop", "external:api.payments.example.com", "http", "https://api.payments.example.com/v1/charges",
         (("shop/billing/payments.py", 7),)),
    ]
    assert entrypoints(r) == [("shop.app", "flask", "app"), ("shop.tasks", "celery", "celery"), ("shop.wsgi", "main", "")]
    assert [s["name"] for s in r["services"]] == ["shop"]
    assert r["verdict"]["kind"] == "monolith"


def test_generic_services_share_one_database_and_a_models_package(fixture_reports):
    r = fixture_reports["generic-services"]
    assert databases(r) == [
        ("db/shop", "postgresql", ("orders", "payments", "shipping"),
         ("order_lines", "orders", "payments", "products", "shipments"),
         (("docker-compose.yml", 63), ("common/shopcommon/db.py", 8))),
    ]
    assert links(r) == [
        ("orders", "payments", "http", "http://payments:5000/charges", (("orders/orders/payments_client.py", 11),)),
        ("payments", "external:api.stripe.example.com", "http", "https://api.stripe.example.com/v1/charges",
         (("payments/payments/gateway.py", 11),)),
        ("shipping", "orders", "http", "http://orders:8000/orders/{}", (("shipping/shipping/api.py", 18),)),
    ]
    assert entrypoints(r) == [("orders.api", "fastapi", "app"), ("payments.app", "flask", "app"),
                              ("shipping.api", "fastapi", "app"), ("shipping.dispatch", "main", "")]
    assert {f["rule"] for f in r["findings"]} >= {"AL202", "AL203", "AL205"}
    assert r["verdict"]["kind"] == "generic-services"


def test_microservices_own_databases_http_and_queues(fixture_reports):
    r = fixture_reports["microservices"]
    assert databases(r) == [
        ("catalog-db/catalog", "mongodb", ("catalog",), ("products",),
         (("docker-compose.yml", 60), ("k8s/base/mongo.yaml", 4), ("services/catalog/catalog/repository.py", 11))),
        # one server, two databases: a shared server, not a shared database
        ("postgres/orders", "postgresql", ("orders",), ("order_items", "orders"),
         (("docker-compose.yml", 51), ("k8s/base/postgres.yaml", 15), ("services/orders/app/db.py", 6))),
        ("postgres/payments", "postgresql", ("payments",), ("payments", "refunds"),
         (("docker-compose.yml", 51), ("k8s/base/postgres.yaml", 15), ("services/payments/app/db.py", 6))),
        ("shipping-db/shipping", "mysql", ("shipping",), ("shipments",),
         (("docker-compose.yml", 65), ("k8s/base/mysql.yaml", 4), ("services/shipping/shipping/db.py", 5))),
    ]
    assert links(r) == [
        ("orders", "catalog", "http", "http://catalog:5000/products/{}", (("services/orders/app/catalog.py", 12),)),
        ("orders", "payments", "amqp", "shop.events/order.created",
         (("services/orders/app/events.py", 13), ("services/payments/app/consumer.py", 31))),
        ("payments", "shipping", "kafka", "payment-events",
         (("services/payments/app/kafka.py", 15), ("services/shipping/shipping/worker.py", 24))),
        ("shipping", "orders", "http", "http://orders:8000/orders/{}", (("services/shipping/shipping/worker.py", 17),)),
    ]
    # both services have a package called `app`: two modules each, never one
    assert ("services/orders:app.main", "fastapi", "app") in entrypoints(r)
    assert ("services/payments:app.api", "fastapi", "app") in entrypoints(r)
    assert [(f["rule"], f["message"]) for f in r["findings"]] == [
        ("AL209", "services orders, payments keep separate databases on one server postgres: "
                  "orders (orders), payments (payments)"),
    ]
    assert r["verdict"]["kind"] == "microservices"


def test_serverless_functions_tables_and_a_wrapped_web_app(fixture_reports):
    r = fixture_reports["serverless"]
    assert databases(r) == [
        ("aws/inventory-dev", "dynamodb", ("inventory",), ("inventory-dev",),
         (("inventory/layers/common/python/inventory_common/stock.py", 5),)),
        ("aws/orders-api-orders-dev", "dynamodb", ("orders-api",), ("orders-api-orders-dev",),
         (("handlers/common.py", 8), ("reports/nightly.py", 9), ("web/app.py", 9))),
    ]
    assert entrypoints(r) == [
        ("app", "lambda", "lambda_handler"), ("handlers.orders", "lambda", "create"),
        ("handlers.orders", "lambda", "get"), ("handlers.payments", "lambda", "process"),
        ("reports.nightly", "lambda", "handler"), ("restock", "lambda", "handler"),
        ("web.app", "flask", "app"), ("web.app", "wsgi-wrapper", "admin"), ("web.app", "main", ""),
    ]
    # two tables in one AWS account are not a shared database server
    assert not [f for f in r["findings"] if f["rule"] == "AL209"]
    assert r["verdict"]["kind"] == "serverless"


def test_text_report_shows_data_and_links():
    out = run_cli("scan", str(FIXTURES / "microservices"), "--no-cache", env={"COLUMNS": "80"}).stdout
    data = out[out.index("\nData\n"):out.index("\nLinks\n")].splitlines()
    assert "  postgres/orders (postgresql): orders; tables order_items, orders" in data
    links = out[out.index("\nLinks\n"):].splitlines()
    row = links.index("  payments -> shipping  kafka payment-events")
    # evidence under the row, whole even in a narrow terminal
    assert links[row + 1].split()[0] == "services/payments/app/kafka.py:15"
    assert links[row + 2].split()[0] == "services/shipping/shipping/worker.py:24"


def test_urls_in_the_report_carry_no_credentials():
    r = scan_in_process(FIXTURES / "microservices")
    text = str(r["data_access"]) + str(r["endpoints"]) + str(r["communication"])
    # services/shipping's compose file gives mysql+pymysql://shipping:shipping@shipping-db...
    assert "shipping:shipping@" not in text and "@" not in "".join(
        u["url"] or "" for u in r["data_access"])

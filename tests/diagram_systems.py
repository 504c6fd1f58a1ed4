"""Reports of deployed systems built by hand, for the service level: what the deploy and
semantics stages put in a Report, written out so that every service, database and link
the diagram must show is known."""

from __future__ import annotations

from archlint.model.analysis import ServiceVerdict, Verdict
from archlint.model.findings import Location
from archlint.model.report import Dependency, Report
from archlint.model.source import Module
from archlint.model.system import Database, DeployUnit, Link, Process, Service

COMPOSE = "docker-compose.yml"


def _module(mid: str, path: str) -> Module:
    return Module(mid, mid, path, ".", False, None)


def shop_system() -> Report:
    """Four compose services and one in Kubernetes: payments and shipping share the
    database postgres/shop; shipping imports orders' code; payments and shipping import an
    internal library; orders calls payments over HTTP and publishes order.created on Kafka
    to shipping and notifications; billing calls orders over gRPC; payments calls Stripe."""
    at = Location
    units = [DeployUnit(n, "compose", at(COMPOSE, 10 * i)) for i, n in enumerate(("orders", "payments", "shipping", "notifications"), 1)]
    units += [
        DeployUnit("postgres", "compose", at(COMPOSE, 60), infrastructure="postgres"),
        DeployUnit("kafka", "compose", at(COMPOSE, 70), infrastructure="kafka"),
        DeployUnit("billing", "kubernetes", at("k8s/billing.yaml", 1)),
    ]
    services = [
        Service("orders", "orders", at(COMPOSE, 10), units=("orders",), modules=("orders.api", "orders.models"),
                processes=(Process("web", "gunicorn orders.api:app", "orders.api", at(COMPOSE, 12)),)),
        Service("payments", "payments", at(COMPOSE, 20), units=("payments",), modules=("payments.app",)),
        Service("shipping", "shipping", at(COMPOSE, 30), units=("shipping",), modules=("shipping.dispatch",),
                processes=(Process("web", "uvicorn shipping.api:app", None, at(COMPOSE, 32)),
                           Process("worker", "celery -A shipping.dispatch worker", None, at(COMPOSE, 33)))),
        Service("notifications", "notifications", at(COMPOSE, 40), units=("notifications",)),
        Service("billing", "billing", at("k8s/billing.yaml", 1), units=("billing",)),
    ]
    databases = [
        Database("postgres/orders", "postgresql", "postgres", "orders", ("orders", "order_items"), ("orders",)),
        Database("postgres/shop", "postgresql", "postgres", "shop", ("payments", "shipments"), ("payments", "shipping")),
        Database("db.example.com/billing", "postgresql", "db.example.com", "billing", (), ("billing",)),
    ]
    links = [
        Link("orders", "payments", "http", "http://payments:8000/charges", (at("orders/orders/api.py", 12),)),
        Link("orders", "shipping", "kafka", "order.created", (at("orders/orders/api.py", 20),)),
        Link("orders", "notifications", "kafka", "order.created", (at("orders/orders/api.py", 20),)),
        Link("payments", "external:api.stripe.com", "https", "https://api.stripe.com/v1/charges", (at("payments/payments/app.py", 5),)),
        Link("billing", "orders", "grpc", "OrderService", (at("billing/client.py", 5),)),
    ]
    modules = [
        _module("orders.api", "orders/orders/api.py"),
        _module("orders.models", "orders/orders/models.py"),
        _module("payments.app", "payments/payments/app.py"),
        _module("shipping.dispatch", "shipping/shipping/dispatch.py"),
        _module("shopcommon.models", "common/shopcommon/models.py"),
    ]
    dependencies = [
        Dependency("orders.api", "orders.models", "import", (1,)),
        Dependency("payments.app", "shopcommon.models", "import", (2,)),
        Dependency("shipping.dispatch", "orders.models", "import", (3,)),
        Dependency("shipping.dispatch", "shopcommon.models", "import", (4,)),
    ]
    verdict = Verdict(
        "mixed",
        0.9,
        (),
        tuple(
            ServiceVerdict(name, kind, ())
            for name, kind in (
                ("billing", "microservice"),
                ("notifications", "microservice"),
                ("orders", "generic-service"),
                ("payments", "generic-service"),
                ("shipping", "generic-service"),
            )
        ),
    )
    return Report(
        root="shop-system", tool_version="test", modules=modules, dependencies=dependencies,
        deploy_units=units, services=services, databases=databases, links=links, verdict=verdict,
    )


HOSTILE = (
    'q"uote',
    "back\\slash\\N\\G\\L",
    "<b>bold</b>",
    "a&amp;b",
    "new\nline",
    "{curly|record}",
    "%3Cscript%3E",
    "%3Cother%3E",
    "tab\tand\x00nul",
    "port:name:ne",
    "]]>--><!--",
    "\udcff-undecodable",
)


def hostile_system() -> Report:
    """Every name a scanned repository could smuggle into a diagram: service, database,
    table, channel and host names with quotes, backslashes and DOT escapes, HTML, newlines,
    record braces, names Graphviz would read as its own ids (``%3...``), ports, control
    characters and an undecodable byte."""
    at = Location
    units = [DeployUnit(name, "compose", at(f"deploy/{name}.yml", 1)) for name in HOSTILE]
    services = [Service(name, name, at(f"deploy/{name}.yml", 1), units=(name,)) for name in HOSTILE]
    databases = [
        Database(f"{name}/{name}", "postgresql", name, name, (name, f"{name}.table"), (name, HOSTILE[(i + 1) % len(HOSTILE)]))
        for i, name in enumerate(HOSTILE)
    ]
    links = [
        Link(name, HOSTILE[(i + 1) % len(HOSTILE)], protocol, name, (at(name, 1),))
        for i, name in enumerate(HOSTILE)
        for protocol in ("http", "kafka")
    ] + [Link(HOSTILE[0], f"external:{name}", "http", f"https://{name}/x", ()) for name in HOSTILE]
    return Report(root='<root "&">', tool_version="test", deploy_units=units, services=services, databases=databases, links=links)

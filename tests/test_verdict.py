"""The verdict rules on small, fully specified systems (the fixtures' end-to-end verdicts
are tested in test_fixture_verdicts.py)."""

from __future__ import annotations

import networkx as nx

from archlint.analyze.verdict import SystemFacts, decide
from archlint.model.analysis import Cluster, Partition
from archlint.model.findings import Location
from archlint.model.report import Cycle
from archlint.model.source import Module
from archlint.model.system import Database, DataUse, DeployUnit, Entrypoint, Link, Process, Service


def mod(mid: str, path: str | None = None, root: str = ".") -> Module:
    name = mid.rpartition(":")[2]
    default = name.replace(".", "/") + ".py"
    return Module(mid, name, path or (default if root == "." else f"{root}/{default}"), root, False, None)


def graph(*edges: tuple[str, str]) -> nx.DiGraph:
    g = nx.DiGraph()
    for a, b in edges:
        g.add_edge(a, b, kinds={"import": [3]}, weight=1)
    return g


def partition(q: float, n: int) -> Partition:
    clusters = [Cluster(i, f"c{i}", (f"m{i}",), 1.0, 0, 1.0, 0.0, ((f"c{i}", 1),)) for i in range(n)]
    return Partition(q, clusters)


def service(name: str, modules: list[str], root: str | None = None, processes=()) -> Service:
    return Service(name, root or f"services/{name}", Location("docker-compose.yml", 1, name), (name,), tuple(processes), tuple(modules))


def test_no_code_is_unknown():
    verdict, _ = decide(SystemFacts(modules={}, imports=nx.DiGraph()))
    assert verdict.kind == "unknown"


def test_library_without_anything_deployable_is_unknown():
    modules = {m: mod(m) for m in ("lib", "lib.a")}
    verdict, _ = decide(SystemFacts(modules=modules, imports=graph(("lib", "lib.a"))))
    assert verdict.kind == "unknown"
    assert verdict.reasons[0].code == "nothing-deployable"


def test_services_that_hold_none_of_the_code_do_not_make_it_microservices():
    """CI images or a test fixture's console scripts are deployed services, but with none
    of the scanned code in them they say nothing of how it is split (pex, scikit-build-core
    were called microservices at 0.90); one service with code keeps them counted."""
    modules = {m: mod(m) for m in ("lib", "lib.a")}
    hollow = [service("cache", []), service("user", [])]
    verdict, _ = decide(SystemFacts(modules=modules, imports=graph(("lib", "lib.a")), services=hollow))
    assert verdict.kind == "unknown"
    assert [r.code for r in verdict.reasons[:2]] == ["services-without-code", "nothing-deployable"]
    assert verdict.reasons[0].evidence == tuple(s.where for s in hollow)
    assert "no deploy file runs this code" in verdict.reasons[1].message
    with_code = [service("cache", []), service("api", ["lib", "lib.a"])]
    verdict, _ = decide(SystemFacts(modules=modules, imports=graph(("lib", "lib.a")), services=with_code))
    assert verdict.kind == "microservices"


def test_web_and_worker_of_one_code_base_are_one_monolith():
    modules = {m: mod(m) for m in ("shop.wsgi", "shop.tasks", "shop.db")}
    web = Process("web", "gunicorn shop.wsgi:app", "shop.wsgi", Location("Procfile", 1))
    worker = Process("worker", "celery -A shop.tasks worker", "shop.tasks", Location("Procfile", 2))
    facts = SystemFacts(
        modules=modules,
        imports=graph(("shop.wsgi", "shop.db"), ("shop.tasks", "shop.db")),
        services=[service("shop", list(modules), ".", [web, worker])],
        partition=partition(0.1, 2),
    )
    verdict, _ = decide(facts)
    assert verdict.kind == "monolith"
    assert verdict.services == ()
    first = verdict.reasons[0]
    assert first.code == "one-unit" and "web (gunicorn shop.wsgi:app)" in first.message
    assert Location("Procfile", 2) in first.evidence


def test_modular_monolith_needs_separated_clusters_and_no_package_cycles():
    modules = {m: mod(m) for m in ("shop.a", "shop.b", "shop.c")}
    app = [Entrypoint("shop.a", "flask", "app", 3)]
    facts = SystemFacts(modules=modules, imports=graph(), entrypoints=app, partition=partition(0.55, 3))
    verdict, _ = decide(facts)
    assert verdict.kind == "modular-monolith"
    assert any(r.code == "confidence" and "no deploy files" in r.message for r in verdict.reasons)
    assert verdict.confidence == 0.8
    cycle = Cycle(("shop.a", "shop.b"), ("shop.a", "shop.b", "shop.a"), (Location("shop/a.py", 1), Location("shop/b.py", 2)))
    facts.package_cycles = [cycle]
    verdict, _ = decide(facts)
    assert verdict.kind == "monolith"
    assert any(r.code == "AL102" and r.evidence == cycle.evidence for r in verdict.reasons)


def micro_system() -> SystemFacts:
    ids = ["services/orders:app.main", "services/orders:app.db", "services/pay:app.main", "services/ship:main"]
    modules = {m: mod(m, root=m.split(":")[0]) for m in ids}
    services = [
        service("orders", ids[:2]),
        service("pay", [ids[2]]),
        service("ship", [ids[3]]),
    ]
    databases = [
        Database("orders-db/orders", "postgresql", "orders-db", "orders", ("orders",), ("orders",), ids[:2], (Location("docker-compose.yml", 30),)),
        # one server, two databases: a shared server, not a shared database
        Database("pg/pay", "postgresql", "pg", "pay", ("payments",), ("pay",), (ids[2],)),
        Database("pg/ship", "postgresql", "pg", "ship", ("shipments",), ("ship",), (ids[3],)),
    ]
    links = [
        Link("orders", "pay", "http", "http://pay:8000/charges", (Location("services/orders/app/main.py", 9),)),
        Link("pay", "ship", "amqp", "payments.done", (Location("services/pay/app/main.py", 4),)),
    ]
    return SystemFacts(modules=modules, imports=graph(("services/orders:app.main", "services/orders:app.db")),
                       services=services, databases=databases, links=links)


def test_isolated_services_are_microservices():
    verdict, findings = decide(micro_system())
    assert verdict.kind == "microservices"
    assert [(v.service, v.kind) for v in verdict.services] == [
        ("orders", "microservice"), ("pay", "microservice"), ("ship", "microservice")
    ]
    assert findings == []


def test_shared_database_and_library_make_generic_services():
    facts = micro_system()
    facts.databases = [Database("db/shop", "postgresql", "db", "shop", ("orders", "payments"), ("orders", "pay", "ship"), (), (Location("docker-compose.yml", 12),))]
    facts.modules = {**facts.modules, "common.models": mod("common.models", "libs/common/models.py", "libs")}
    facts.imports.add_edge("services/orders:app.main", "common.models", kinds={"import": [2]}, weight=1)
    facts.imports.add_edge("services/pay:app.main", "common.models", kinds={"import": [5]}, weight=1)
    verdict, _ = decide(facts)
    assert verdict.kind == "generic-services"
    by_service = {v.service: v for v in verdict.services}
    assert {r.code for r in by_service["orders"].reasons} == {"AL202", "AL205"}
    assert {r.code for r in by_service["ship"].reasons} == {"AL202"}
    lib = next(r for r in by_service["pay"].reasons if r.code == "AL205")
    assert lib.evidence == (Location("services/orders/app/main.py", 2, "services/orders:app.main -> common.models"),
                            Location("services/pay/app/main.py", 5, "services/pay:app.main -> common.models"))


def test_generated_stubs_are_contracts_not_shared_code():
    facts = micro_system()
    facts.modules = {**facts.modules, "protos.orders_pb2": mod("protos.orders_pb2", "protos/orders_pb2.py")}
    facts.imports.add_edge("services/orders:app.main", "protos.orders_pb2", kinds={"import": [2]}, weight=1)
    facts.imports.add_edge("services/pay:app.main", "protos.orders_pb2", kinds={"import": [2]}, weight=1)
    verdict, _ = decide(facts)
    assert verdict.kind == "microservices"


def test_some_coupled_some_isolated_is_mixed_and_cross_service_import_counts():
    facts = micro_system()
    facts.imports.add_edge("services/pay:app.main", "services/orders:app.db", kinds={"import": [7]}, weight=1)
    verdict, _ = decide(facts)
    assert verdict.kind == "mixed"
    kinds = {v.service: v.kind for v in verdict.services}
    assert kinds == {"orders": "generic-service", "pay": "generic-service", "ship": "microservice"}
    reason = next(r for r in verdict.reasons if r.code == "AL201")
    assert reason.evidence[0] == Location("services/pay/app/main.py", 7, "services/pay:app.main -> services/orders:app.db")


def test_foreign_key_and_shared_table_across_services():
    facts = micro_system()
    facts.data_uses = [
        DataUse("services/orders:app.db", "postgresql", "model", None, "orders", ("orders",), 5),
        DataUse("services/pay:app.main", "postgresql", "foreign_key", None, "pay", ("orders",), 12),
    ]
    verdict, _ = decide(facts)
    pay = next(v for v in verdict.services if v.service == "pay")
    assert [r.code for r in pay.reasons] == ["AL204"]
    assert pay.reasons[0].evidence == (Location("services/pay/app/main.py", 12, "foreign key to orders"),)


def test_one_code_base_under_two_service_names():
    facts = micro_system()
    both = ["services/orders:app.main", "services/orders:app.db"]
    facts.services = [service("api", both, "services/orders"),
                      service("worker", both, "services/orders"),
                      service("ship", ["services/ship:main"])]
    verdict, _ = decide(facts)
    kinds = {v.service: (v.kind, [r.code for r in v.reasons]) for v in verdict.services}
    assert kinds["api"] == ("generic-service", ["AL208"])
    assert kinds["ship"] == ("microservice", ["own-data", "network"])


def test_serverless_functions_and_a_wrapped_web_app():
    modules = {m: mod(m) for m in ("handlers.create", "handlers.get", "web.app")}
    units = [
        DeployUnit("create", "serverless", Location("serverless.yml", 8), processes=[Process("create", "handlers/create.handler", "handlers.create", Location("serverless.yml", 9))]),
        DeployUnit("get", "sam", Location("template.yaml", 20)),
    ]
    verdict, _ = decide(SystemFacts(modules=modules, imports=graph(), units=units))
    assert verdict.kind == "serverless"
    assert verdict.reasons[0].evidence == (Location("serverless.yml", 8), Location("template.yaml", 20))
    handler = Process("api", "wsgi_handler.handler", None, Location("serverless.yml", 6))
    wrapped_units = [DeployUnit("api", "serverless", Location("serverless.yml", 5), processes=[handler])]
    wrapped = [Entrypoint("web.app", "wsgi-wrapper", "api", 7)]
    verdict, _ = decide(SystemFacts(modules=modules, imports=graph(), units=wrapped_units, entrypoints=wrapped))
    assert verdict.kind == "monolith"
    assert verdict.reasons[0].code == "wrapped-app"
    # the function's handler line, then the web application it runs
    assert verdict.reasons[0].evidence == (Location("serverless.yml", 6), Location("web/app.py", 7, "the web app function api runs"))

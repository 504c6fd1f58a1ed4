"""Diagrams drawn by the real Graphviz `dot`: every level of every fixture, read back from
the SVG (which must parse as XML) and checked for the nodes, edges and styles it must show."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import FIXTURES
from diagram_svg import Picture, parse_svg
from diagram_systems import shop_system

from archlint.model.errors import UsageError
from archlint.model.findings import Location
from archlint.model.report import Report
from archlint.model.system import DeployUnit
from archlint.report.diagram.build import build_diagram, render
from archlint.report.diagram.escape import dot_id
from archlint.report.diagram.model import Diagram
from archlint.report.diagram.options import DEFAULT_MAX_NODES, DiagramOptions
from archlint.report.diagram.style import GREY, OUTLINED_SPLITS, RED, SPLIT, cluster_fill

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

FIXTURE_DIRS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
DRAWN_LEVELS = ("service", "cluster", "package", "module", "function")


@lru_cache(maxsize=None)
def scanned(name: str) -> Report:
    from archlint.pipeline import ScanOptions, scan

    return scan(ScanOptions(str(FIXTURES / name), jobs=1)).report


def draw(report: Report, **options: object) -> tuple[Diagram, Picture]:
    diagram = build_diagram(report, DiagramOptions(**options))  # type: ignore[arg-type]
    return diagram, parse_svg(render(diagram, "svg"))


def drawn_nodes(picture: Picture) -> set[str]:
    return {n for n in picture.nodes if not n.startswith("~legend")}


def drawn_edges(picture: Picture) -> set[tuple[str, str]]:
    return {e for e in picture.edges if not e[0].startswith("~legend")}


@pytest.mark.parametrize("fixture", FIXTURE_DIRS)
@pytest.mark.parametrize("level", DRAWN_LEVELS)
def test_every_level_of_every_fixture_is_drawn_as_it_was_built(fixture, level):
    diagram, picture = draw(scanned(fixture), level=level)
    assert drawn_nodes(picture) == {dot_id(n.id) for n in diagram.nodes}
    assert drawn_edges(picture) == {(dot_id(e.source), dot_id(e.target)) for e in diagram.edges}
    for node in diagram.nodes:
        shape = picture.nodes[dot_id(node.id)]
        assert shape.fill == node.fill, node.id
        assert shape.stroke == node.color, node.id
    for edge in diagram.edges:
        line = picture.edges[(dot_id(edge.source), dot_id(edge.target))]
        assert line.stroke == edge.color[:7], edge
        assert line.dashed == (edge.style in ("dashed", "dotted")), edge
    if diagram.nodes:
        assert "cluster_~legend" in picture.clusters
    assert diagram.title in picture.texts


@pytest.mark.parametrize("level", DRAWN_LEVELS)
def test_every_level_in_every_format(level):
    """Each format of each level of a system that has all of them (services, clusters,
    packages, calls) holds the diagram's nodes and edges, read back as that format reads."""
    import re
    import struct

    from archlint.report.diagram.options import FORMATS

    diagram = build_diagram(scanned("generic-services"), DiagramOptions(level=level))
    assert diagram.nodes and diagram.edges, level
    out = {fmt: render(diagram, fmt) for fmt in FORMATS}
    picture = parse_svg(out["svg"])
    assert drawn_nodes(picture) == {dot_id(n.id) for n in diagram.nodes}
    assert drawn_edges(picture) == {(dot_id(e.source), dot_id(e.target)) for e in diagram.edges}
    # the DOT text is what dot drew: the same SVG again
    again = subprocess.run(["dot", "-Tsvg"], input=out["dot"], capture_output=True, check=True).stdout
    assert drawn_nodes(parse_svg(again)) == drawn_nodes(picture)
    assert out["png"][:8] == b"\x89PNG\r\n\x1a\n" and min(struct.unpack(">II", out["png"][16:24])) > 100
    assert out["pdf"].startswith(b"%PDF-") and out["pdf"].rstrip().endswith(b"%%EOF")
    mermaid = out["mermaid"].decode()
    assert mermaid.splitlines()[3] == f"flowchart {diagram.direction}"
    assert len(re.findall(r'^  n\d+ (---|-->|-\.-|-\.->|===|==>)(\|"[^"]*"\|)? n\d+$', mermaid, re.M)) == len(diagram.edges)
    graph = json.loads(out["json"])
    assert graph["level"] == level and {n["id"] for n in graph["nodes"]} == {n.id for n in diagram.nodes}
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {(e.source, e.target) for e in diagram.edges}


def test_function_level_draws_resolved_calls_in_module_boxes():
    report = scanned("monolith-shop")
    diagram, picture = draw(report, level="function")
    calls = {(c.caller, c.callee) for c in report.calls if c.caller != c.callee}
    assert {(e.source, e.target) for e in diagram.edges} == calls
    assert ("shop.orders.service.place_order", "shop.billing.invoice.create_invoice") in calls
    assert ("shop.wsgi", "shop.app.create_app") in calls  # module-level code calls as the module
    place = picture.nodes[dot_id("shop.orders.service.place_order")]
    box = picture.clusters["cluster_" + dot_id("module:shop.orders.service")]
    assert place.inside(box) and "place_order" in place.texts
    # filled with its module's coupling cluster
    cluster = next(c for c in report.partition.clusters if "shop.orders.service" in c.modules)
    assert place.fill == cluster_fill(cluster.id)
    assert any("not drawn" in note for note in diagram.notes)


def test_function_level_focus_and_budget():
    report = scanned("monolith-shop")
    diagram, _ = draw(report, level="function", focus="shop.orders.service.place_order", depth=1)
    assert {n.id for n in diagram.nodes} == {
        "shop.orders.service.place_order", "shop.orders.views.create", "shop.billing.invoice.create_invoice",
        "shop.models.order.Order", "shop.models.order.OrderLine",
    }
    collapsed = build_diagram(report, DiagramOptions(level="function", max_nodes=5))
    assert collapsed.level == "module" and "drawn as modules" in collapsed.notes[0]


# --- the code levels, on the monolith ------------------------------------------------------


def test_packages_are_nested_boxes_and_modules_sit_in_their_package():
    diagram, picture = draw(scanned("monolith-shop"), level="module")
    groups = {g.id: g.parent for g in diagram.groups}
    assert groups["shop.orders"] == "shop" and groups["shop.billing"] == "shop"
    assert {"cluster_shop", "cluster_shop.orders", "cluster_shop.models"} <= set(picture.clusters)
    node = {n.id: n for n in diagram.nodes}
    assert node["shop.orders.views"].group == "shop.orders"
    assert node["shop.orders.views"].label[0] == "views"  # named within its box
    # drawn nested: the orders box inside the shop box, its modules inside the orders box
    assert picture.clusters["cluster_shop.orders"].inside(picture.clusters["cluster_shop"])
    assert picture.nodes["shop.orders.views"].inside(picture.clusters["cluster_shop.orders"])
    assert not picture.nodes["shop.orders.views"].inside(picture.clusters["cluster_shop.billing"])


def test_an_import_cycle_is_red_on_the_edge_that_closes_it():
    report = scanned("monolith-shop")
    for level, a, b in (
        ("module", "shop.billing.invoice", "shop.orders.service"),
        ("package", "shop.billing", "shop.orders"),
    ):
        _, picture = draw(report, level=level)
        forth, back = picture.edges[(a, b)], picture.edges[(b, a)]
        assert sorted([forth.stroke, back.stroke]) == sorted([RED, "#4d4d4d"]), level
    _, picture = draw(report, level="package")
    red = {e for e in drawn_edges(picture) if picture.edges[e].stroke == RED}
    assert red <= {("shop.billing", "shop.orders"), ("shop.orders", "shop.billing")}


def test_edge_width_grows_with_imports():
    diagram, picture = draw(scanned("monolith-shop"), level="package")
    widths = {(e.source, e.target): (e.data["imports"], picture.edges[(e.source, e.target)].width) for e in diagram.edges}
    heavy = max(widths.values())
    light = min(widths.values())
    assert heavy[0] > light[0] and heavy[1] > light[1]


def test_clusters_are_coloured_and_the_best_split_candidates_outlined():
    report = scanned("monolith-shop")
    assert report.partition is not None and report.split_candidates
    diagram, picture = draw(report, level="module")
    best = {s.cluster for s in report.split_candidates[:OUTLINED_SPLITS]}
    for cluster in report.partition.clusters:
        for module in cluster.modules:
            if dot_id(module) not in picture.nodes:
                continue
            shape = picture.nodes[dot_id(module)]
            assert shape.fill == cluster_fill(cluster.id)
            assert (shape.stroke == SPLIT and shape.width == 3) == (cluster.id in best), module
    legend = " ".join(picture.texts)
    assert f"cluster {report.partition.clusters[0].name}" in legend


def test_cluster_level_draws_clusters_with_their_split_rank():
    report = scanned("monolith-shop")
    diagram, picture = draw(report, level="cluster")
    assert drawn_nodes(picture) == {dot_id(c.name) for c in report.partition.clusters}
    first = report.split_candidates[0]
    shape = picture.nodes[dot_id(first.name)]
    assert shape.stroke == SPLIT
    assert f"split candidate #1, score {first.score:.2f}" in shape.texts


def test_type_checking_only_imports_are_dotted_and_grey(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import b\n",
            "app/b.py": "from app import c\n",
            "app/c.py": "x = 1\n",
        }
    )
    from archlint.pipeline import ScanOptions, scan

    _, picture = draw(scan(ScanOptions(str(root), jobs=1)).report, level="module")
    typing_only = picture.edges[("app.a", "app.b")]
    assert typing_only.dashed and typing_only.stroke == GREY
    assert not picture.edges[("app.b", "app.c")].dashed


# --- scale ----------------------------------------------------------------------------------


def big_tree(tree, packages: int = 12, modules: int = 30) -> Path:
    """A repository of packages x modules; each module imports the next one in its package
    and the first module of the next package."""
    files = {"big/__init__.py": ""}
    for p in range(packages):
        files[f"big/p{p:02d}/__init__.py"] = ""
        for m in range(modules):
            nxt = f"from big.p{p:02d} import m{m + 1:02d}\n" if m + 1 < modules else ""
            files[f"big/p{p:02d}/m{m:02d}.py"] = nxt + f"from big.p{(p + 1) % packages:02d} import m00\n"
    return tree(files)


def test_past_the_node_budget_modules_collapse_into_packages_and_it_says_so(tree):
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(big_tree(tree)), jobs=1)).report
    assert len(report.modules) > 360
    diagram, picture = draw(report, level="module", max_nodes=60)
    assert len(drawn_nodes(picture)) <= 60
    assert any("exceed the node budget of 60" in n for n in diagram.notes)
    assert any("exceed the node budget of 60" in t for t in picture.texts)
    kinds = {n.kind for n in diagram.nodes}
    assert "package" in kinds  # some packages closed, drawn as folders with their size
    closed = [n for n in diagram.nodes if n.kind == "package"]
    assert all(n.data["modules"] > 1 and n.label[-1] == f"{n.data['modules']} modules" for n in closed)
    # every module is drawn: as itself, or inside the closed package that holds it
    drawn = {n.id for n in diagram.nodes}
    for module in report.modules:
        if not module.is_package:
            assert any(module.id == n or module.id.startswith(n + ".") for n in drawn), module.id


def test_the_default_level_of_a_large_repository_stays_within_budget(tree):
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(big_tree(tree)), jobs=1)).report
    diagram, picture = draw(report)
    assert diagram.level == "package"
    assert len(drawn_nodes(picture)) <= 20
    assert len(drawn_edges(picture)) <= 3 * max(10, len(drawn_nodes(picture)))


def test_a_top_down_diagram_has_its_legend_below_it():
    """Beside the drawing, the legend widened its widest ranks (sqlalchemy, transformers)."""
    for level in ("package", "module", "cluster"):
        diagram, picture = draw(scanned("monolith-shop"), level=level)
        assert diagram.direction == "TB"
        legend_top = picture.clusters["cluster_~legend"].bbox[1]
        assert all(picture.nodes[n].bbox[3] < legend_top for n in drawn_nodes(picture)), level


def model_zoo(tree, models: int = 250) -> Path:
    """Shaped like transformers (2,900 modules): a few dozen top-level modules, shared
    utilities, and a `models` package of hundreds of model packages that all lean on them."""
    files = {"zoo/__init__.py": "", "zoo/utils/__init__.py": "", "zoo/models/__init__.py": ""}
    for u in range(20):
        files[f"zoo/utils/u{u:02d}.py"] = "import os\n"
    for c in range(30):
        files[f"zoo/core{c:02d}.py"] = f"from zoo.utils import u{c % 20:02d}\n" + (f"from zoo import core{c - 1:02d}\n" if c else "")
    for m in range(models):
        package = f"zoo/models/m{m:03d}"
        files[f"{package}/__init__.py"] = ""
        files[f"{package}/configuration.py"] = f"from zoo import core{m % 30:02d}\n"
        files[f"{package}/modeling.py"] = (
            f"from zoo.models.m{m:03d} import configuration\nfrom zoo import core00, core{(m + 7) % 30:02d}\nfrom zoo.utils import u01\n"
        )
        files[f"{package}/tokenization.py"] = "from zoo import core01\nfrom zoo.utils import u02\n"
    return tree(files)


def test_a_thousand_module_repository_is_readable_at_its_default_level(tree):
    """The default picture of 1,000+ modules fits a wall: within the node budget, no wider
    than an A0 sheet (at 1 pt = 1/72 inch), and not a long strip. The default budget of 150
    drew transformers' model packages in one row, 14,000 pixels wide."""
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(model_zoo(tree)), jobs=2)).report
    assert len(report.modules) > 1000
    diagram, picture = draw(report)
    width, height = picture.size
    assert len(drawn_nodes(picture)) <= DEFAULT_MAX_NODES
    assert width <= 3370 and width <= 4 * height, picture.size
    assert "zoo.models" in drawn_nodes(picture)  # the model packages as one node, with its size
    assert any("exceed the node budget" in n for n in diagram.notes)


def test_a_package_holding_most_of_the_code_is_opened(tree):
    """Like sympy's wheel: one big package and a few loose scripts beside it must not be
    drawn as a single box."""
    from archlint.pipeline import ScanOptions, scan

    root = big_tree(tree, packages=5, modules=4)
    for name in ("run_a", "run_b"):
        (root / f"{name}.py").write_text("import big.p00.m00\n")
    report = scan(ScanOptions(str(root), jobs=1)).report
    diagram, picture = draw(report, level="package")
    assert diagram.title.endswith("packages (depth 2)")
    assert {"big.p00", "big.p04", "run_a", "run_b"} <= drawn_nodes(picture)


def test_focus_draws_a_neighbourhood(tree):
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(big_tree(tree, packages=4, modules=6)), jobs=1)).report
    diagram, picture = draw(report, level="module", focus="big.p01.m02", depth=1)
    assert drawn_nodes(picture) == {"big.p01.m01", "big.p01.m02", "big.p01.m03", "big.p02.m00"}
    assert picture.nodes["big.p01.m02"].width == 3  # the focus is marked
    assert any("neighbourhood of big.p01.m02" in n for n in diagram.notes)
    _, picture = draw(report, level="package", focus="big.p01", depth=1)
    assert drawn_nodes(picture) >= {"big.p01", "big.p02", "big.p00"}
    with pytest.raises(UsageError, match="no module or package"):
        build_diagram(report, DiagramOptions(level="module", focus="nowhere.at.all"))


def test_exclude_leaves_out_modules_by_name(tree):
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(big_tree(tree, packages=3, modules=4)), jobs=1)).report
    diagram, picture = draw(report, level="module", exclude=("big.p01",))
    assert not any(n.startswith("big.p01") for n in drawn_nodes(picture))
    assert any(n.startswith("big.p02") for n in drawn_nodes(picture))
    assert any("left out by --exclude" in n for n in diagram.notes)


def test_a_real_package_collapses_readably():
    """rich (about 100 modules, code nobody here wrote) at a budget of 30 nodes."""
    import rich

    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(Path(rich.__file__).parent), jobs=2)).report
    diagram, picture = draw(report, level="module", max_nodes=30)
    assert 5 <= len(drawn_nodes(picture)) <= 30
    assert len(drawn_edges(picture)) <= 3 * 30
    assert any("node budget of 30" in n for n in diagram.notes)


# --- the service level ------------------------------------------------------------------------


def sid(name: str) -> str:
    return dot_id(f"service/{name}")


def test_service_level_shapes_colours_and_lines():
    diagram, picture = draw(shop_system(), level="service")
    shared = picture.nodes[dot_id("database/postgres/shop")]
    own = picture.nodes[dot_id("database/postgres/orders")]
    assert shared.stroke == RED and own.stroke != RED
    # the two services sharing a database: both lines to it are red
    for name in ("payments", "shipping"):
        assert picture.edges[(sid(name), dot_id("database/postgres/shop"))].stroke == RED
    assert picture.edges[(sid("orders"), dot_id("database/postgres/orders"))].stroke != RED
    # a cross-service import is a red line between the services
    assert picture.edges[(sid("shipping"), sid("orders"))].stroke == RED
    # HTTP and gRPC solid, messaging dashed through the topic
    http = picture.edges[(sid("orders"), sid("payments"))]
    assert not http.dashed and "HTTP /charges" in http.texts
    assert not picture.edges[(sid("billing"), sid("orders"))].dashed
    topic = dot_id("channel/kafka/order.created")
    assert picture.edges[(sid("orders"), topic)].dashed
    assert picture.edges[(topic, sid("shipping"))].dashed
    assert picture.edges[(topic, sid("notifications"))].dashed
    assert (sid("orders"), sid("shipping")) not in picture.edges
    # external systems grey; shared internal library red
    stripe = picture.nodes[dot_id("external/api.stripe.com")]
    assert stripe.stroke == GREY and stripe.dashed
    assert picture.nodes[dot_id("library/shopcommon")].stroke == RED
    # shapes
    node = {n.id: n for n in diagram.nodes}
    assert node["database/postgres/shop"].shape == "cylinder"
    assert node["channel/kafka/order.created"].shape == "cds"
    assert node["service/orders"].shape == "box"


def test_services_are_grouped_by_deployment():
    diagram, picture = draw(shop_system(), level="service")
    group = {n.id: n.group for n in diagram.nodes}
    compose = "deployment/compose/docker-compose.yml"
    assert {group[f"service/{s}"] for s in ("orders", "payments", "shipping", "notifications")} == {compose}
    assert group["service/billing"] == "deployment/kubernetes/k8s/"
    assert group["database/postgres/shop"] == compose  # the postgres container is in the compose file
    assert group["database/db.example.com/billing"] is None  # a server the repository does not deploy
    assert {"cluster_" + dot_id(compose), "cluster_" + dot_id("deployment/kubernetes/k8s/")} <= set(picture.clusters)
    assert any("docker compose: docker-compose.yml" in t for t in picture.texts)


def test_a_service_deployed_twice_is_drawn_where_most_services_are():
    """orders and payments are also in Kubernetes manifests; compose declares more of the
    system, so they stay with the others; billing, only in Kubernetes, stays there."""
    report = shop_system()
    extra = [DeployUnit(f"{n} (k8s)", "kubernetes", Location(f"k8s/{n}.yaml", 1)) for n in ("orders", "payments")]
    report.deploy_units += extra
    for service in report.services:
        if service.name in ("orders", "payments"):
            service.units += (f"{service.name} (k8s)",)
    group = {n.id: n.group for n in build_diagram(report, DiagramOptions(level="service")).nodes}
    assert group["service/orders"] == group["service/payments"] == "deployment/compose/docker-compose.yml"
    assert group["service/billing"] == "deployment/kubernetes/k8s/"


def test_service_legend_explains_what_is_drawn():
    _, picture = draw(shop_system(), level="service")
    legend = {t for name, node in picture.nodes.items() if name.startswith("~legend") for t in node.texts}
    legend |= {t for (a, _), edge in picture.edges.items() if a.startswith("~legend") for t in edge.texts}
    legend |= set(picture.clusters["cluster_~legend"].texts)
    assert {"Legend", "database", "shared database", "queue / topic", "external system", "HTTP / gRPC", "messaging"} <= legend
    assert {"microservice", "generic service"} <= legend


def test_service_focus_and_exclude():
    diagram, picture = draw(shop_system(), level="service", focus="billing", depth=1)
    assert drawn_nodes(picture) == {sid("billing"), sid("orders"), dot_id("database/db.example.com/billing")}
    diagram, picture = draw(shop_system(), level="service", exclude=("shipping",))
    assert sid("shipping") not in picture.nodes and sid("orders") in picture.nodes


@pytest.mark.parametrize("level", DRAWN_LEVELS)
def test_an_empty_tree_gives_an_empty_diagram_that_says_why(tmp_path, level):
    from archlint.pipeline import ScanOptions, scan

    report = scan(ScanOptions(str(tmp_path), jobs=1)).report
    diagram, picture = draw(report, level=level)
    assert not diagram.nodes and not drawn_nodes(picture)
    assert diagram.notes and diagram.notes[0] in picture.texts


def test_no_services_is_said_not_drawn_empty():
    report = scanned("monolith-shop")
    diagram = build_diagram(replace(report, services=[]), DiagramOptions(level="service"))
    assert not diagram.nodes and "no services found" in diagram.notes[0]


# --- determinism ---------------------------------------------------------------------------------


@pytest.mark.parametrize("level", DRAWN_LEVELS)
def test_the_same_facts_in_any_order_give_the_same_text(level):
    report = shop_system() if level == "service" else scanned("monolith-shop")
    rng = random.Random(7)
    shuffled = replace(report)
    for name in ("modules", "dependencies", "services", "databases", "links", "deploy_units"):
        items = list(getattr(report, name))
        rng.shuffle(items)
        setattr(shuffled, name, items)
    for fmt in ("dot", "mermaid", "json"):
        first = render(build_diagram(report, DiagramOptions(level=level)), fmt)
        assert first == render(build_diagram(shuffled, DiagramOptions(level=level)), fmt), fmt


def test_json_graph_holds_nodes_edges_and_attributes():
    diagram = build_diagram(shop_system(), DiagramOptions(level="service"))
    graph = json.loads(render(diagram, "json"))
    assert graph["level"] == "service"
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["database/postgres/shop"]["data"]["shared"] is True
    assert nodes["database/postgres/shop"]["data"]["services"] == ["payments", "shipping"]
    edges = {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    assert ("service/payments", "database/postgres/shop", "shared-database") in edges
    assert ("service/orders", "channel/kafka/order.created", "messaging") in edges
    assert {g["id"] for g in graph["groups"]} >= {"deployment/compose/docker-compose.yml"}


# --- the service level of the fixtures ---------------------------------------------------------


def test_fixture_services_are_drawn_in_their_deployments():
    expected = {
        "microservices": ({"catalog", "orders", "payments", "shipping"}, "deployment/compose/docker-compose.yml"),
        "generic-services": ({"orders", "payments", "shipping"}, "deployment/compose/docker-compose.yml"),
        "monolith-shop": ({"shop"}, "deployment/compose/docker-compose.yml"),
    }
    for fixture, (services, deployment) in expected.items():
        diagram, picture = draw(scanned(fixture), level="service")
        drawn = {n.data["service"] for n in diagram.nodes if n.kind == "service"}
        assert drawn == services, fixture
        assert {n.group for n in diagram.nodes if n.kind == "service"} == {deployment}, fixture
        assert "cluster_" + dot_id(deployment) in picture.clusters
    diagram, picture = draw(scanned("serverless"), level="service")
    group = {n.id: n.group for n in diagram.nodes}
    assert group["service/orders-api"] == "deployment/serverless/orders-api"
    assert group["service/inventory"] == "deployment/sam/inventory"
    node = {n.id: n for n in diagram.nodes}
    assert "createOrder" in node["service/orders-api"].label[1]  # its functions, as processes
    assert any(t.startswith("serverless app: orders-api") for t in picture.texts)


def test_generic_services_share_an_internal_library_in_red():
    _, picture = draw(scanned("generic-services"), level="service")
    library = dot_id("library/shopcommon")
    assert picture.nodes[library].stroke == RED
    for service in ("orders", "payments", "shipping"):
        assert picture.edges[(sid(service), library)].stroke == RED


def test_a_database_on_no_known_instance_is_labelled_by_its_engine():
    """saleor's mermaid diagram showed 'redis on ' for a redis whose host is not known."""
    from archlint.model.system import Database

    report = shop_system()
    report.databases = [*report.databases, Database("saleor?", "redis", "", "saleor?", services=("orders",))]
    diagram = build_diagram(report, DiagramOptions(level="service"))
    labels = [n.label for n in diagram.nodes if n.kind == "database"]
    assert ("saleor?", "redis") in [tuple(label[:2]) for label in labels], labels
    assert not any(line.endswith(" on ") for label in labels for line in label), labels

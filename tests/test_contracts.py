"""Every contract type, kept and broken, on real trees: the violation names the modules,
and its evidence is the import chain with file:line for each step."""

from __future__ import annotations

import textwrap

import pytest

from archlint.model.errors import ConfigError
from archlint.pipeline import ScanOptions, check

SHOP = {
    "shop/__init__.py": "",
    "shop/web/__init__.py": "",
    "shop/web/views.py": "from shop.orders import service\nimport flask\n",
    "shop/orders/__init__.py": "",
    "shop/orders/service.py": "from shop.db import models\n",
    "shop/billing/__init__.py": "",
    "shop/billing/invoice.py": "from shop.db import models\n",
    "shop/db/__init__.py": "",
    "shop/db/models.py": "import os\n",
    "shop/db/helpers.py": "from shop.db import models\n",
}


def run(tree, files: dict[str, str], contracts: str, **extra: str):
    """Check a tree whose pyproject.toml holds ``contracts``; the report."""
    config = "[tool.archlint]\n" + "".join(f"{k} = {v}\n" for k, v in extra.items()) + textwrap.dedent(contracts)
    root = tree({**files, "pyproject.toml": config})
    return check(ScanOptions(str(root), jobs=1)).report


def only(report, rule: str):
    return [f for f in report.findings if f.rule == rule]


LAYERS = """
[[tool.archlint.contracts]]
name = "shop layers"
type = "layers"
layers = ["shop.web", "shop.orders | shop.billing", "shop.db"]
"""


def test_layers_kept(tree):
    report = run(tree, SHOP, LAYERS)
    assert [(c.name, c.kept, c.violations) for c in report.contracts] == [("shop layers", True, 0)]
    assert not only(report, "AL301")
    assert not report.check.failed


def test_layers_upward_import_direct_and_indirect_with_the_chain(tree):
    files = {
        **SHOP,
        "shop/db/helpers.py": "from shop.db import models\nimport shop.util\n",
        "shop/util.py": "# helpers\n# for the db\nfrom shop.web import views\n",
        "shop/db/models.py": "from shop.web import views  # upwards\n",
    }
    report = run(tree, files, LAYERS)
    found = {(f.path, f.line): f for f in only(report, "AL301")}
    direct = found[("shop/db/models.py", 1)]
    assert "shop.db.models imports shop.web.views (shop.db is a lower layer than shop.web)" in direct.message
    indirect = found[("shop/db/helpers.py", 2)]
    assert "shop.db.helpers -> shop.util -> shop.web.views" in indirect.message
    assert [(e.path, e.line) for e in indirect.evidence] == [("shop/db/helpers.py", 2), ("shop/util.py", 3)]
    assert report.contracts[0].kept is False and report.check.failed


def test_layers_independent_siblings_and_colon_siblings(tree):
    files = {**SHOP, "shop/billing/invoice.py": "from shop.orders import service\n"}
    report = run(tree, files, LAYERS)
    [finding] = only(report, "AL301")
    assert "shop.orders and shop.billing" not in finding.message  # direction is billing -> orders
    assert "shop.billing and shop.orders are independent siblings" in finding.message
    relaxed = LAYERS.replace("shop.orders | shop.billing", "shop.orders : shop.billing")
    assert not only(run(tree, files, relaxed), "AL301")


def test_layers_with_containers_optional_layers_and_exhaustive(tree):
    files = {
        "svc/__init__.py": "",
        "svc/a/__init__.py": "",
        "svc/a/api.py": "from svc.a import domain\n",
        "svc/a/domain.py": "",
        "svc/a/extra.py": "",
        "svc/b/__init__.py": "",
        "svc/b/api.py": "",
        "svc/b/domain.py": "from svc.b import api\n",  # upwards, inside container b
    }
    contract = """
    [[tool.archlint.contracts]]
    name = "per service"
    type = "layers"
    containers = ["svc.*"]
    layers = ["api", "(infra)", "domain"]
    exhaustive = true
    exhaustive_ignores = ["__init__"]
    """
    report = run(tree, files, contract)
    messages = sorted(f.message for f in only(report, "AL301"))
    assert messages == [
        "per service: svc.a.extra is not one of the layers of svc.a (exhaustive)",
        "per service: svc.b.domain imports svc.b.api (svc.b.domain is a lower layer than svc.b.api)",
    ]


def test_a_missing_layer_is_a_config_error(tree):
    with pytest.raises(ConfigError) as err:
        run(tree, SHOP, LAYERS.replace("shop.db", "shop.dbx"))
    text = str(err.value)
    assert text.endswith(
        "pyproject.toml: tool.archlint.contracts[0] (shop layers).layers[2]: "
        "layer 'shop.dbx' matches no module of the scanned tree"
    )
    assert "'shop.dbx' matches no module" in text


FORBIDDEN = """
[[tool.archlint.contracts]]
name = "db knows nothing above"
type = "forbidden"
source_modules = ["shop.db"]
forbidden_modules = ["shop.web", "flask"]
"""


def test_forbidden_kept_and_broken_with_external_packages(tree):
    assert run(tree, SHOP, FORBIDDEN).contracts[0].kept
    files = {**SHOP, "shop/db/models.py": "import os\nfrom shop import glue\n", "shop/glue.py": "import flask.json\n"}
    report = run(tree, files, FORBIDDEN)
    [finding] = only(report, "AL302")
    assert finding.message == (
        "db knows nothing above: shop.db.models imports flask indirectly "
        "(shop.db may not import flask): shop.db.models -> shop.glue -> flask"
    )
    assert [(e.path, e.line) for e in finding.evidence] == [("shop/db/models.py", 2), ("shop/glue.py", 1)]


def test_forbidden_allow_indirect_imports_and_ignore_imports(tree):
    files = {**SHOP, "shop/db/models.py": "from shop import glue\nimport shop.web.views\n", "shop/glue.py": "import flask\n"}
    report = run(tree, files, FORBIDDEN)
    # views (direct), and one shortest chain to flask (through glue or through views)
    assert len(only(report, "AL302")) == 2
    relaxed = FORBIDDEN + 'allow_indirect_imports = true\nignore_imports = ["shop.db.models -> shop.web.views", "shop.db.* -> shop.orders"]\n'
    report = run(tree, files, relaxed)
    assert only(report, "AL302") == []
    assert report.contracts[0].unused_ignores == ("shop.db.* -> shop.orders",)


def test_independence(tree):
    contract = """
    [[tool.archlint.contracts]]
    name = "contexts"
    type = "independence"
    modules = ["shop.orders", "shop.billing"]
    """
    assert run(tree, SHOP, contract).contracts[0].kept
    files = {**SHOP, "shop/orders/service.py": "from shop.db import models\n", "shop/db/models.py": "from shop.billing import invoice\n"}
    report = run(tree, files, contract)
    [finding] = only(report, "AL303")
    assert "shop.orders.service -> shop.db.models -> shop.billing.invoice" in finding.message
    assert finding.path == "shop/orders/service.py" and finding.line == 1


def test_acyclic_among_siblings_at_depth(tree):
    files = {
        **SHOP,
        "shop/orders/a.py": "from shop.orders import b\n",
        "shop/orders/b.py": "from shop.orders import a\n",
    }
    contract = """
    [[tool.archlint.contracts]]
    name = "no cycles"
    type = "acyclic"
    ancestors = ["shop"]
    """
    report = run(tree, files, contract)
    [finding] = only(report, "AL305")
    assert finding.message == "no cycles: cycle among the children of shop.orders: shop.orders.a -> shop.orders.b -> shop.orders.a"
    assert [(e.path, e.line) for e in finding.evidence] == [("shop/orders/a.py", 1), ("shop/orders/b.py", 1)]
    shallow = contract + "depth = 0\n"
    assert run(tree, files, shallow).contracts[0].kept
    skipped = contract + 'skip_descendants = ["shop.orders"]\n'
    assert run(tree, files, skipped).contracts[0].kept


def test_acyclic_listed_modules(tree):
    files = {**SHOP, "shop/db/models.py": "from shop.web import views\n"}
    contract = """
    [[tool.archlint.contracts]]
    name = "tiers"
    type = "acyclic"
    modules = ["shop.web", "shop.orders", "shop.db"]
    """
    [finding] = only(run(tree, files, contract), "AL305")
    assert "cycle among the listed modules: shop.db -> shop.web -> shop.orders -> shop.db" in finding.message
    assert len(finding.evidence) == 3


SERVICES = {
    "services/orders/app/__init__.py": "",
    "services/orders/app/main.py": "import requests\n",
    "services/orders/Dockerfile": "FROM python\n",
    "services/billing/billing/__init__.py": "",
    "services/billing/billing/main.py": "import json\n",
    "services/billing/Dockerfile": "FROM python\n",
}
DECLARED = """
[[tool.archlint.contracts]]
name = "services"
type = "service-independence"
services = { orders = "services/orders", billing = ["services/billing/**"] }
"""


def test_service_independence_declared(tree):
    assert run(tree, SERVICES, DECLARED).contracts[0].kept
    files = {**SERVICES, "services/orders/app/main.py": "import requests\nfrom billing import main\n"}
    report = run(tree, files, DECLARED)
    [finding] = only(report, "AL304")
    assert finding.message == "services: app.main imports billing.main (services orders and billing must be independent)"
    assert (finding.path, finding.line) == ("services/orders/app/main.py", 2)


def test_service_independence_of_discovered_services_sharing_a_database(tmp_path):
    """Without a `services` table the contract checks the services the deploy files
    declare; a database they share breaks it, pointed at the deploy file."""
    from conftest import FIXTURES

    config = tmp_path / "archlint.toml"
    config.write_text('[[contracts]]\nname = "independent"\ntype = "service-independence"\n')
    generic = check(ScanOptions(str(FIXTURES / "generic-services"), config=str(config), jobs=1)).report
    [finding] = only(generic, "AL304")
    assert finding.message == "independent: services orders, payments, shipping share the database db/shop"
    assert (finding.path, finding.line) == ("docker-compose.yml", 63)
    assert ("common/shopcommon/db.py", 8) in [(e.path, e.line) for e in finding.evidence]
    assert not generic.contracts[0].kept
    micro = check(ScanOptions(str(FIXTURES / "microservices"), config=str(config), jobs=1)).report
    assert micro.contracts[0].kept and not only(micro, "AL304")


def test_service_independence_needs_services(tree):
    contract = '[[tool.archlint.contracts]]\nname = "s"\ntype = "service-independence"\n'
    with pytest.raises(ConfigError, match="no `services` table, and the scan discovered 0 service"):
        run(tree, SERVICES, contract)
    with pytest.raises(ConfigError, match=r"services.orders\[0\]: 'nowhere' matches no Python file"):
        run(tree, SERVICES, DECLARED.replace('"services/orders"', '"nowhere"'))


def test_globs_in_module_names_must_match(tree):
    contract = """
    [[tool.archlint.contracts]]
    name = "g"
    type = "independence"
    modules = ["shop.*.nothing", "shop.orders"]
    """
    with pytest.raises(ConfigError, match=r"modules\[0\]: 'shop.\*.nothing' matches no module"):
        run(tree, SHOP, contract)
    ok = contract.replace("shop.*.nothing", "shop.b*")
    assert run(tree, SHOP, ok).contracts[0].kept


def test_type_checking_imports_count_unless_excluded(tree):
    files = {**SHOP, "shop/db/models.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.web import views\n"}
    assert not run(tree, files, LAYERS).contracts[0].kept
    relaxed = LAYERS + "exclude_type_checking_imports = true\n"
    assert run(tree, files, relaxed).contracts[0].kept

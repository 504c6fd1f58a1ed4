"""The call graph in the report (JSON, schema, text) and as module weights for coupling."""

from __future__ import annotations

import json
import math

import jsonschema

from conftest import call_edges, run_cli, scan_in_process, write_tree

SHOP = {
    "shop/__init__.py": "from .orders.service import place\n",
    "shop/orders/__init__.py": "",
    "shop/orders/service.py": """
        from shop.billing import invoice

        def place():
            invoice.charge()
            invoice.charge()
            invoice.receipt()
    """,
    "shop/billing/__init__.py": "",
    "shop/billing/invoice.py": "def charge(): pass\ndef receipt(): pass\n",
    "web.py": """
        import shop

        def handler():
            shop.place()
    """,
}


def test_json_has_functions_calls_and_call_dependencies_with_counts(tree):
    report = scan_in_process(tree(SHOP))
    assert call_edges(report) == {
        ("shop.orders.service.place", "shop.billing.invoice.charge"),
        ("shop.orders.service.place", "shop.billing.invoice.receipt"),
        ("web.handler", "shop.orders.service.place"),
    }
    charge = next(c for c in report["calls"] if c["callee"] == "shop.billing.invoice.charge")
    assert charge == {
        "caller": "shop.orders.service.place",
        "callee": "shop.billing.invoice.charge",
        "lines": [4, 5],
        "count": 2,
    }
    calls = [d for d in report["dependencies"] if d["kind"] == "call"]
    assert calls == [
        {"source": "shop.orders.service", "target": "shop.billing.invoice", "kind": "call", "lines": [4, 5, 6], "count": 3},
        # through the re-export in shop/__init__.py: web imports shop, calls shop.orders.service
        {"source": "web", "target": "shop.orders.service", "kind": "call", "lines": [4], "count": 1},
    ]
    assert all("count" not in d for d in report["dependencies"] if d["kind"] != "call")
    assert report["summary"]["calls"] == {
        "sites": 4,
        "internal": 4,
        "resolved": 4,
        "unresolved": 0,
        "external": 0,
        "opaque": 0,
        "coverage": 1.0,
    }
    assert {f["name"] for f in report["functions"]} == {
        "shop.orders.service.place",
        "shop.billing.invoice.charge",
        "shop.billing.invoice.receipt",
        "web.handler",
    }


def test_cli_json_matches_the_schema_and_text_shows_the_coverage(tree, tmp_path):
    from archlint.report.json_report import schema

    root = tree({**SHOP, "extra.py": "import os\ndef f(x):\n    os.getcwd()\n    x.run()\n    shop_missing()\n"})
    proc = run_cli("scan", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(schema()).validate(report)
    assert report["summary"]["calls"]["coverage"] == 1.0  # os.getcwd, x.run, an undefined name
    text = run_cli("scan", str(root))
    assert "calls: 4 of 4 internal-looking resolved (100.0%), 1 external, 2 opaque" in text.stdout
    alone = write_tree(tmp_path / "alone", {"lone.py": "import os\nos.getcwd()\n"})
    assert "calls: none internal-looking, 1 external, 0 opaque" in run_cli("scan", str(alone)).stdout


def test_module_call_weights_feed_the_coupling_graph(tree):
    from archlint.analyze.cycles import runtime_edges
    from archlint.graph.calls import build_call_graph, with_call_weights
    from archlint.graph.coupling import coupling_graph
    from archlint.pipeline import ScanOptions, scan

    result = scan(ScanOptions(str(tree(SHOP)), jobs=1))
    imports = result.imports.graph
    calls = build_call_graph(result.imports.index, result.facts)
    weights = calls.module_weights()
    assert sorted(weights.edges(data=True)) == [
        ("shop.orders.service", "shop.billing.invoice", {"calls": 3, "call_line": 4}),
        ("web", "shop.orders.service", {"calls": 1, "call_line": 4}),
    ]
    weighted = with_call_weights(imports, weights)
    assert "calls" not in imports["shop.orders.service"]["shop.billing.invoice"]  # a copy
    both = weighted["shop.orders.service"]["shop.billing.invoice"]
    assert both["calls"] == 3 and both["kinds"] == {"import": [1]}
    call_only = weighted["web"]["shop.orders.service"]
    assert call_only == {"kinds": {}, "weight": 0, "calls": 1, "call_line": 4}
    assert not imports.has_edge("web", "shop.orders.service")
    assert not runtime_edges(weighted).has_edge("web", "shop.orders.service")  # not an import

    coupling = coupling_graph(weighted, result.imports.index.modules)
    assert coupling["shop.orders.service"]["shop.billing.invoice"]["weight"] == 1 + math.log2(1 + 3)
    assert coupling["web"]["shop.orders.service"]["weight"] == math.log2(1 + 1)

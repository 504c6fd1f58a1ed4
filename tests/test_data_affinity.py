"""Data affinity in coupling clusters (issue 4): modules touching the same tables pull
together, and each cluster reports the tables it owns alone and those it shares."""

from __future__ import annotations

from collections import defaultdict

from conftest import FIXTURES, scan_in_process, write_tree


def test_cluster_tables_agree_with_the_data_access_of_their_modules():
    for name in ("monolith-shop", "generic-services", "microservices"):
        report = scan_in_process(FIXTURES / name)
        users: dict[str, set[str]] = defaultdict(set)
        for use in report["data_access"]:
            if use["access"] in ("model", "sql", "collection", "table"):
                for table in use["tables"]:
                    users[table].add(use["module"])
        owned_somewhere = 0
        for cluster in report["clusters"]["clusters"]:
            members = set(cluster["modules"])
            for table in cluster["tables_owned"]:
                clustered = {m for m in users[table] if any(m in c["modules"] for c in report["clusters"]["clusters"])}
                assert clustered <= members, (name, table)
                owned_somewhere += 1
            for shared in cluster["tables_shared"]:
                assert users[shared["table"]] & members and users[shared["table"]] - members, (name, shared)
        assert owned_somewhere, name


def test_modules_on_one_table_pull_together(tmp_path):
    """Two groups of modules that import only within their group. A script importing
    nothing but querying billing's table joins billing's cluster (without data affinity
    it would be unclustered); crm.m0 queries it too but its imports keep it in crm, so the
    table is shared."""
    files = {}
    for group, table in (("billing", "invoices"), ("crm", "contacts")):
        files[f"{group}/__init__.py"] = ""
        files[f"{group}/models.py"] = (
            "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\n"
            f"class Row(Base):\n    __tablename__ = \"{table}\"\n"
        )
        for i in range(4):
            imports = "".join(f"from {group} import m{j}\n" for j in range(4) if j != i)
            files[f"{group}/m{i}.py"] = f"from {group} import models\n" + imports + f"def f{i}():\n    return {i}\n"
    files["crm/m0.py"] += "\n\ndef unpaid(conn):\n    return conn.execute(\"SELECT * FROM invoices WHERE paid = false\")\n"
    files["billing/overdue.py"] = "def overdue(conn):\n    return conn.execute(\"SELECT id FROM invoices WHERE due < now()\")\n"
    report = scan_in_process(write_tree(tmp_path, files))
    found = {c["name"]: (sorted(c["modules"]), c["tables_owned"], c["tables_shared"])
             for c in report["clusters"]["clusters"]}
    assert found == {
        "billing": (["billing.m0", "billing.m1", "billing.m2", "billing.m3", "billing.models", "billing.overdue"],
                    [], [{"clusters": [1], "table": "invoices"}]),
        "crm": (["crm.m0", "crm.m1", "crm.m2", "crm.m3", "crm.models"],
                ["contacts"], [{"clusters": [0], "table": "invoices"}]),
    }

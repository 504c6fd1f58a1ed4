"""Two services in one database: sharing it (AL202) unless each keeps to its own schema
(AL210, info: a step towards a database per service)."""

from __future__ import annotations

from pathlib import Path

from conftest import scan_in_process, write_tree

COMPOSE = """
services:
  orders:
    build: ./orders
    environment:
      DATABASE_URL: postgresql://app:secret@db:5432/shop
  billing:
    build: ./billing
    environment:
      DATABASE_URL: postgresql://app:secret@db:5432/shop
  db:
    image: postgres:16
"""


def system(root: Path, orders_args: str, billing_args: str) -> dict:
    return scan_in_process(write_tree(root, {
        "docker-compose.yml": COMPOSE,
        "orders/Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"-m\", \"orders.main\"]\n",
        "orders/orders/__init__.py": "",
        "orders/orders/main.py": f"""
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.orm import DeclarativeBase

            engine = create_engine(os.environ["DATABASE_URL"])

            class Base(DeclarativeBase):
                pass

            class Order(Base):
                __tablename__ = "orders"
                {orders_args}
            """,
        "billing/Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"-m\", \"billing.main\"]\n",
        "billing/billing/__init__.py": "",
        "billing/billing/main.py": f"""
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.orm import DeclarativeBase

            engine = create_engine(os.environ["DATABASE_URL"])

            class Base(DeclarativeBase):
                pass

            class Invoice(Base):
                __tablename__ = "invoices"
                {billing_args}
            """,
    }))


def rules(report: dict) -> list[tuple[str, str]]:
    return [(f["rule"], f["message"]) for f in report["findings"] if f["rule"].startswith("AL2")]


def test_a_schema_each_is_schema_per_service_not_a_shared_database(tmp_path):
    report = system(tmp_path, '__table_args__ = {"schema": "orders"}',
                    '__table_args__ = (Index("ix_invoice"), {"schema": "billing"})')
    assert [(d["id"], d["services"], d["tables"]) for d in report["databases"]] == [
        ("db/shop", ["billing", "orders"], ["billing.invoices", "orders.orders"]),
    ]
    assert rules(report) == [
        ("AL210", "services share the database db/shop, each in its own schema (billing: billing; orders: orders)"),
    ]
    assert report["verdict"]["kind"] == "microservices"


def test_one_schema_for_both_or_none_is_a_shared_database(tmp_path):
    for orders_args, billing_args in (('__table_args__ = {"schema": "shop"}', '__table_args__ = {"schema": "shop"}'),
                                      ("", "")):
        report = system(tmp_path / str(len(orders_args)), orders_args, billing_args)
        assert [code for code, _ in rules(report)] == ["AL202"], orders_args
        assert report["verdict"]["kind"] == "generic-services"

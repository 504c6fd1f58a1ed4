"""One realistic module per kind of construct issue 3 lists (ORMs, drivers, raw SQL, HTTP
clients, messaging, gRPC, web frameworks, workers, handlers), and exactly what archlint reads
from each: the expected facts were checked by hand against the sources below."""

from __future__ import annotations

import pytest

from conftest import scan_in_process, write_tree

SOURCES = {
    'app/catalog_pb2_grpc.py': 'class CatalogStub:\n    def __init__(self, channel):\n        self.channel = channel\n',
    'app/__init__.py': '',
    'app/drivers.py': 'import sqlite3\n\nimport asyncpg\nimport psycopg2\nimport pymysql\nimport redis\nimport boto3\nfrom pymongo import MongoClient\n\n\ndef run():\n    pg = psycopg2.connect("dbname=billing host=pg user=app")\n    cur = pg.cursor()\n    cur.execute("INSERT INTO invoices (id) VALUES (%s)", (1,))\n    my = pymysql.connect(host="mysql", database="legacy")\n    lite = sqlite3.connect("local.db")\n    lite.execute("UPDATE settings SET value = 1")\n    mongo = MongoClient("mongodb://mongo:27017")\n    catalog = mongo["catalog"]\n    catalog.products.find_one({})\n    r = redis.Redis(host="cache", port=6379, db=2)\n    table = boto3.resource("dynamodb").Table("sessions")\n    return pg, my, lite, r, table\n\n\nasync def arun():\n    return await asyncpg.connect("postgresql://app@pg/reports")\n',
    'app/grpc_client.py': 'import grpc\n\nimport app.catalog_pb2_grpc as pb\n\n\ndef stub():\n    channel = grpc.insecure_channel("catalog:50051")\n    return pb.CatalogStub(channel)\n',
    'app/http.py': 'import os\n\nimport httpx\nimport requests\nimport urllib.request\n\nBASE = os.environ.get("USERS_URL", "http://users:8000")\n\n\ndef calls(order_id):\n    requests.post("http://billing:5000/invoices", json={})\n    httpx.get(f"{BASE}/users/{order_id}")\n    urllib.request.urlopen("https://api.github.com/zen")\n',
    'app/messaging.py': 'import boto3\nimport pika\nfrom kafka import KafkaConsumer, KafkaProducer\nfrom celery import Celery\n\ncelery = Celery("app", broker="amqp://rabbit//")\n\n\ndef produce():\n    KafkaProducer(bootstrap_servers="kafka:9092").send("orders.created", b"{}")\n    channel = pika.BlockingConnection(pika.ConnectionParameters("rabbit")).channel()\n    channel.basic_publish(exchange="shop", routing_key="order.paid", body=b"")\n    boto3.client("sqs").send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/1/emails", MessageBody="x")\n    celery.send_task("billing.charge", args=[1])\n\n\ndef consume():\n    for message in KafkaConsumer("payments.done", bootstrap_servers="kafka:9092"):\n        print(message)\n',
    'app/orm_peewee.py': 'import peewee\n\ndb = peewee.PostgresqlDatabase("inventory", host="pg")\n\n\nclass Item(peewee.Model):\n    name = peewee.CharField()\n\n    class Meta:\n        database = db\n        table_name = "items"\n',
    'app/orm_sqla.py': 'from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, create_engine, text\nfrom sqlalchemy.ext.asyncio import create_async_engine\nfrom sqlalchemy.orm import DeclarativeBase\n\nengine = create_engine("postgresql+psycopg2://u:p@pg:5432/shop")\naengine = create_async_engine("postgresql+asyncpg://u:p@pg/shop")\nmeta = MetaData()\naudit = Table("audit_log", meta, Column("id", Integer))\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass Order(Base):\n    __tablename__ = "orders"\n    customer_id = Column(Integer, ForeignKey("customers.id"))\n\n\ndef totals(conn):\n    return conn.execute(text("SELECT o.id, SUM(l.qty) FROM orders o JOIN order_lines l ON l.order_id = o.id"))\n',
    'app/orm_sqlmodel.py': 'from sqlmodel import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n\n\nclass HeroBase(SQLModel):\n    name: str\n',
    'app/orm_tortoise.py': 'from tortoise import fields\nfrom tortoise.models import Model\n\n\nclass Tournament(Model):\n    name = fields.CharField(max_length=255)\n\n    class Meta:\n        table = "tournaments"\n',
    'proj/__init__.py': '',
    'proj/settings.py': 'INSTALLED_APPS = ["django.contrib.auth", "web"]\n',
    'proj/wsgi.py': 'import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\napplication = get_wsgi_application()\n',
    'web/__init__.py': '',
    'web/apps.py': 'import falcon\nimport tornado.web\nfrom aiohttp import web as aioweb\nfrom bottle import Bottle\nfrom fastapi import FastAPI\nfrom flask import Flask as F\nfrom quart import Quart\nfrom sanic import Sanic\nfrom starlette.applications import Starlette\n\napi = FastAPI()\nsite = F(__name__)\nquart_app = Quart(__name__)\nsanic_app = Sanic("shop")\naio = aioweb.Application()\ntornado_app = tornado.web.Application([])\nfalcon_app = falcon.App()\nbottle_app = Bottle()\nstar = Starlette()\n\n\n@api.get("/orders/{order_id}")\ndef get_order(order_id: int):\n    return {}\n\n\n@site.route("/health", methods=["GET", "POST"])\ndef health():\n    return "ok"\n',
    'web/workers.py': 'import dramatiq\nimport grpc\nfrom mangum import Mangum\nfrom nameko.rpc import rpc\nfrom rq import Worker\n\nfrom web.apps import api\n\nworker = Worker(["emails"])\nhandler = Mangum(api)\n\n\n@dramatiq.actor\ndef send(x):\n    return x\n\n\nclass Greeter:\n    name = "greeter"\n\n    @rpc\n    def hello(self, who):\n        return who\n\n\ndef serve(servicer):\n    server = grpc.server(None)\n    add_GreeterServicer_to_server(servicer, server)\n\n\ndef lambda_handler(event, context):\n    return {}\n\n\nif __name__ == "__main__":\n    serve(None)\n',
}

DATA = [
    ('app.drivers', 12, 'postgresql', 'connect', 'dbname=billing host=pg user=app', []),
    ('app.drivers', 14, 'sql', 'sql', None, ['invoices']),
    ('app.drivers', 15, 'mysql', 'connect', 'mysql://mysql/legacy', []),
    ('app.drivers', 16, 'sqlite', 'connect', 'sqlite:///local.db', []),
    ('app.drivers', 17, 'sql', 'sql', None, ['settings']),
    ('app.drivers', 18, 'mongodb', 'connect', 'mongodb://mongo:27017', []),
    ('app.drivers', 20, 'mongodb', 'collection', 'mongodb://mongo:27017', ['products']),
    ('app.drivers', 21, 'redis', 'connect', 'redis://cache:6379/2', []),
    ('app.drivers', 22, 'dynamodb', 'table', None, ['sessions']),
    ('app.drivers', 27, 'postgresql', 'connect', 'postgresql://pg/reports', []),
    ('app.orm_peewee', 3, 'postgresql', 'connect', 'postgresql://pg/inventory', []),
    ('app.orm_peewee', 6, 'sql', 'model', None, ['items']),
    ('app.orm_sqla', 5, 'postgresql', 'connect', 'postgresql+psycopg2://pg:5432/shop', []),
    ('app.orm_sqla', 6, 'postgresql', 'connect', 'postgresql+asyncpg://pg/shop', []),
    ('app.orm_sqla', 8, 'sql', 'model', None, ['audit_log']),
    ('app.orm_sqla', 15, 'sql', 'model', None, ['orders']),
    ('app.orm_sqla', 17, 'sql', 'foreign_key', None, ['customers']),
    ('app.orm_sqla', 21, 'sql', 'sql', None, ['order_lines', 'orders']),
    ('app.orm_sqlmodel', 4, 'sql', 'model', None, ['hero']),
    ('app.orm_tortoise', 5, 'sql', 'model', None, ['tournaments']),
]

ENDPOINTS = [
    ('app.grpc_client', 8, 'client', 'grpc', 'Catalog', 'catalog:50051'),
    ('app.http', 11, 'client', 'http', 'http://billing:5000/invoices', None),
    ('app.http', 12, 'client', 'http', '{env:USERS_URL:-http://users:8000}/users/{param:order_id}', None),
    ('app.http', 13, 'client', 'http', 'https://api.github.com/zen', None),
    ('app.messaging', 10, 'producer', 'kafka', 'orders.created', 'kafka:9092'),
    ('app.messaging', 12, 'producer', 'amqp', 'shop/order.paid', None),
    ('app.messaging', 13, 'producer', 'sqs', 'emails', None),
    ('app.messaging', 14, 'producer', 'celery', 'billing.charge', None),
    ('app.messaging', 18, 'consumer', 'kafka', 'payments.done', 'kafka:9092'),
    ('web.apps', 23, 'server', 'http', 'GET /orders/{order_id}', None),
    ('web.apps', 28, 'server', 'http', 'GET,POST /health', None),
    ('web.workers', 9, 'consumer', 'rq', 'emails', None),
    ('web.workers', 14, 'consumer', 'dramatiq', 'send', None),
    ('web.workers', 22, 'server', 'nameko-rpc', 'greeter', None),
    ('web.workers', 28, 'server', 'grpc', 'Greeter', None),
]

ENTRYPOINTS = [
    ('app.messaging', 'celery', 'celery'),
    ('proj.settings', 'django-app', 'web (web)'),
    ('proj.settings', 'django-settings', ''),
    ('proj.wsgi', 'django', 'application'),
    ('web.apps', 'fastapi', 'api'),
    ('web.apps', 'flask', 'site'),
    ('web.apps', 'quart', 'quart_app'),
    ('web.apps', 'sanic', 'sanic_app'),
    ('web.apps', 'aiohttp', 'aio'),
    ('web.apps', 'tornado', 'tornado_app'),
    ('web.apps', 'falcon', 'falcon_app'),
    ('web.apps', 'bottle', 'bottle_app'),
    ('web.apps', 'starlette', 'star'),
    ('web.workers', 'rq', 'worker'),
    ('web.workers', 'wsgi-wrapper', 'handler'),
    ('web.workers', 'dramatiq', 'send'),
    ('web.workers', 'nameko', 'greeter'),
    ('web.workers', 'grpc', 'Greeter'),
    ('web.workers', 'lambda', 'lambda_handler'),
    ('web.workers', 'main', ''),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return scan_in_process(write_tree(tmp_path_factory.mktemp("constructs"), SOURCES))


def test_data_access_of_every_orm_and_driver(report):
    assert [(d["module"], d["line"], d["engine"], d["access"], d["url"], d["tables"])
            for d in report["data_access"]] == DATA


def test_clients_producers_consumers_and_routes(report):
    assert [(e["module"], e["line"], e["role"], e["protocol"], e["channel"], e["address"])
            for e in report["endpoints"]] == ENDPOINTS


def test_entrypoints_of_every_framework(report):
    assert [(e["module"], e["kind"], e["name"]) for e in report["entrypoints"]] == ENTRYPOINTS


def test_addresses_written_into_code_are_hard_coded_endpoints(report):
    hosts = sorted({f["message"].split("'")[1] for f in report["findings"] if f["rule"] == "AL206"})
    # deployment-looking hosts; the public api.github.com and the environment's default are not
    assert hosts == ["billing", "cache", "catalog", "kafka", "mongo", "mysql", "pg"]


def test_nameko_events_link_the_dispatching_service_to_the_handling_one(tree):
    """nameko's own idiom (a dispatcher on the class, called through self) and the
    standalone dispatcher; nameko-examples' orders -> products link was missing."""
    root = tree({
        "docker-compose.yml": "services:\n  orders:\n    build: orders\n  products:\n    build: products\n"
                              "  rabbit:\n    image: rabbitmq:3\n",
        "orders/Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["nameko", "run", "service"]\n',
        "orders/service.py": (
            "from nameko.events import EventDispatcher\nfrom nameko.rpc import rpc\n"
            "from nameko.standalone.events import event_dispatcher\n\n\n"
            "class OrdersService:\n    name = 'orders'\n    event_dispatcher = EventDispatcher()\n\n"
            "    @rpc\n    def create(self, order):\n        self.event_dispatcher('order_created', {'order': order})\n\n\n"
            "def backfill(config):\n    dispatch = event_dispatcher(config)\n    dispatch('orders', 'order_backfilled', {})\n"
        ),
        "products/Dockerfile": 'FROM python:3.12\nCOPY . .\nCMD ["nameko", "run", "service"]\n',
        "products/service.py": (
            "from nameko.events import event_handler\n\n\nclass ProductsService:\n    name = 'products'\n\n"
            "    @event_handler('orders', 'order_created')\n    def on_created(self, payload):\n        pass\n\n"
            "    @event_handler('orders', 'order_backfilled')\n    def on_backfilled(self, payload):\n        pass\n"
        ),
    })
    report = scan_in_process(root)
    producers = [(e["module"], e["line"], e["channel"]) for e in report["endpoints"] if e["role"] == "producer"]
    assert producers == [("orders:service", 12, "orders.order_created"), ("orders:service", 17, "orders.order_backfilled")]
    links = {(c["source"], c["target"], c["protocol"], c["channel"]) for c in report["communication"]}
    assert {("orders", "products", "nameko-event", "orders.order_created"),
            ("orders", "products", "nameko-event", "orders.order_backfilled")} <= links, links

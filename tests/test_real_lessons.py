"""What real repositories taught about data and communication, as small hand-written
systems (the real code is not ours to commit): each test names the repository."""

from __future__ import annotations

from conftest import scan_in_process, write_tree


def databases(report: dict) -> list[tuple]:
    return [(d["id"], d["services"], d["tables"], [(e["path"], e["line"], e["note"]) for e in d["evidence"]])
            for d in report["databases"]]


NAMEKO_LIKE = {
    # nameko-examples: the database URL lives in a framework's config.yml
    # (`${DB_HOST:localhost}`) that archlint does not read; the deployment still says
    # where each service's data is.
    "docker-compose.yml": """
        services:
          postgres:
            image: postgres
            environment:
              POSTGRES_DB: "orders"
          redis:
            image: redis
          rabbit:
            image: rabbitmq:3.7-management
          orders:
            build: ./orders
            environment:
              DB_HOST: "postgres"
              DB_NAME: "orders"
              RABBIT_HOST: "rabbit"
          products:
            build: ./products
            environment:
              REDIS_HOST: "redis"
              RABBIT_HOST: "rabbit"
        """,
    "orders/Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"-m\", \"orders.service\"]\n",
    "orders/config.yml": "DB_URIS:\n  \"orders:Base\": postgresql://${DB_USER:postgres}@${DB_HOST:localhost}/${DB_NAME:orders}\n",
    "orders/orders/__init__.py": "",
    "orders/orders/service.py": """
        import yaml
        from sqlalchemy import create_engine
        from orders.models import Base

        def get_url():
            with open("config.yml") as f:
                return yaml.safe_load(f)["DB_URIS"]["orders:Base"]

        engine = create_engine(get_url())
        """,
    "orders/orders/models.py": """
        from sqlalchemy.orm import DeclarativeBase

        class Base(DeclarativeBase):
            pass

        class Order(Base):
            __tablename__ = "orders"
        """,
    "products/Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"-m\", \"products.service\"]\n",
    "products/products/__init__.py": "",
    "products/products/service.py": """
        import redis

        def client(config):
            return redis.StrictRedis.from_url(config.get("REDIS_URI"))
        """,
}


def test_nameko_examples_datastores_from_the_deployments_environment(tmp_path):
    report = scan_in_process(write_tree(tmp_path, NAMEKO_LIKE))
    assert databases(report) == [
        ("postgres/orders", ["orders"], ["orders"], [
            ("docker-compose.yml", 2, "compose service postgres"),
            ("orders/orders/service.py", 9, "connection"),
        ]),
        # the broker variable (RABBIT_HOST) is not a database
        ("redis", ["products"], [], [
            ("docker-compose.yml", 6, "compose service redis"),
            ("docker-compose.yml", 16, "products: REDIS_HOST=redis"),
        ]),
    ]
    assert not [r for r in report["verdict"]["reasons"] if "no deployed value" in r["message"]]
    assert report["verdict"]["kind"] == "microservices"


def test_two_services_configured_with_one_database_share_it(tmp_path):
    files = dict(NAMEKO_LIKE)
    files["docker-compose.yml"] = NAMEKO_LIKE["docker-compose.yml"].replace(
        'REDIS_HOST: "redis"', 'REDIS_HOST: "redis"\n              DATABASE_HOST: "postgres"\n              DB_NAME: "orders"')
    report = scan_in_process(write_tree(tmp_path, files))
    assert [d["services"] for d in report["databases"] if d["id"] == "postgres/orders"] == [["orders", "products"]]
    assert "AL202" in {f["rule"] for f in report["findings"]}
    assert report["verdict"]["kind"] == "generic-services"


SALEOR_LIKE = {
    # saleor: DATABASES keyed by constants, URLs from dj_database_url with a default, a
    # Redis client built from a parameter, and a test fixture connecting to localhost.
    "Dockerfile": "FROM python:3.12\nCOPY . /app\nCMD [\"uvicorn\", \"shop.asgi:application\"]\n",
    "shop/__init__.py": "",
    "shop/asgi.py": "from django.core.asgi import get_asgi_application\n\napplication = get_asgi_application()\n",
    "shop/settings.py": """
        import dj_database_url

        DEFAULT_DB = "default"
        REPLICA_DB = "replica"
        INSTALLED_APPS = ["shop.orders"]
        DATABASES = {
            DEFAULT_DB: dj_database_url.config(default="postgres://shop:shop@localhost:5432/shop", conn_max_age=60),
            REPLICA_DB: dj_database_url.config(env="DATABASE_URL_REPLICA", default="postgres://shop:shop@localhost:5432/shop"),
        }
        """,
    "shop/orders/__init__.py": "",
    "shop/orders/models.py": """
        from django.db import models

        class Order(models.Model):
            total = models.IntegerField()
        """,
    "shop/buffers.py": """
        import redis

        def buffer(url):
            return redis.Redis.from_url(url)
        """,
    "shop/tests/__init__.py": "",
    "shop/tests/conftest.py": """
        import redis

        client = redis.Redis(host="localhost", port=6379, db=0)
        """,
}


def test_saleor_django_databases_keyed_by_constants_and_tests_left_out(tmp_path):
    report = scan_in_process(write_tree(tmp_path, SALEOR_LIKE))
    assert databases(report) == [
        # both aliases reach one database; the Django tables are in it, never in Redis
        ("localhost/shop", ["shop"], ["orders_order"], [("shop/settings.py", 6, "connection")]),
        # a client whose address is a parameter: unresolved, and a test's localhost is no database
        ("unresolved:shop", ["shop"], [], [("shop/buffers.py", 4, "connection")]),
    ]
    assert [d["engine"] for d in report["databases"]] == ["postgresql", "redis"]


def test_bakerydemo_wagtail_pages_and_library_models_are_tables(tmp_path):
    """wagtail bakerydemo: most models subclass Wagtail's Page or Orderable, or
    modelcluster's ClusterableModel; abstract ones are no table."""
    report = scan_in_process(write_tree(tmp_path, {
        "site/__init__.py": "",
        "site/settings.py": 'INSTALLED_APPS = ["site.blog"]\nDATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "site", "HOST": "db"}}\n',
        "site/blog/__init__.py": "",
        "site/blog/models.py": """
            from django.db import models
            from modelcluster.models import ClusterableModel
            from wagtail.models import Orderable, Page

            class Hours(models.Model):
                class Meta:
                    abstract = True

            class BlogPage(Page):
                pass

            class BlogAuthor(Orderable, models.Model):
                pass

            class Settings(ClusterableModel):
                pass

            class LocationHours(Orderable, Hours):
                pass

            class NotAModel(SomethingElse):
                pass
            """,
    }))
    assert [(d["id"], d["tables"]) for d in report["databases"]] == [
        ("db/site", ["blog_blogauthor", "blog_blogpage", "blog_locationhours", "blog_settings"]),
    ]


def test_relax_places_build_args_and_two_compose_projects(tmp_path):
    """Liguha/Relax-Places: the api's DATABASE_URL is an ENV built from ARGs that compose's
    `build.args` set (with defaults); recsys gets it from `environment`; both reach one
    database: generic services. A second compose project's `postgres` is another server,
    and the Dockerfile `FROM postgres` that compose builds is no server of its own."""
    app = 'import os\nimport asyncpg\n\n\nasync def pool():\n    return await asyncpg.create_pool(os.environ["DATABASE_URL"])\n'
    report = scan_in_process(write_tree(tmp_path, {
        "product/docker-compose.yml": """
            services:
              postgres:
                build: ./postgres
                environment:
                  POSTGRES_DB: ${POSTGRES_DB:-appdb}
              api:
                build:
                  context: ./api
                  args:
                    DB_HOST: ${DB_HOST:-postgres}
                    DB_NAME: ${POSTGRES_DB:-appdb}
              recsys:
                build: ./recsys
                environment:
                  - DATABASE_URL=postgresql://u:p@${DB_HOST:-postgres}:5432/${POSTGRES_DB:-appdb}
            """,
        "product/postgres/Dockerfile": "FROM postgres:15-alpine\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "product/api/Dockerfile": (
            "FROM python:3.12-slim\nARG DB_HOST\nARG DB_NAME\n"
            'ENV DATABASE_URL="postgresql://u:p@${DB_HOST}:5432/${DB_NAME}"\n'
            'COPY . .\nCMD ["python", "app.py"]\n'),
        "product/api/app.py": app,
        "product/recsys/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n',
        "product/recsys/app.py": app,
        "bot/docker-compose.yml": """
            services:
              bot:
                build: ./bot
                environment:
                  DATABASE_URL: postgresql://u:p@postgres:5432/bot
              postgres:
                image: postgres:15-alpine
            """,
        "bot/bot/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "bot.py"]\n',
        "bot/bot/bot.py": app,
    }))
    by_services = {tuple(d["services"]): d for d in report["databases"]}
    assert set(by_services) == {("api", "recsys"), ("bot",)}
    shared, bot = by_services[("api", "recsys")], by_services[("bot",)]
    assert (shared["name"], shared["evidence"][0]["path"]) == ("appdb", "product/docker-compose.yml")
    assert (bot["name"], bot["evidence"][0]["path"]) == ("bot", "bot/docker-compose.yml")
    assert shared["instance"] != bot["instance"]  # one `postgres` per compose project
    # the Dockerfile compose builds for `postgres` is no server of its own
    assert not [d for d in report["databases"] if d["evidence"][0]["path"] == "product/postgres/Dockerfile"]
    assert {(r["service"], r["kind"]) for r in report["verdict"]["services"]} >= {
        ("api", "generic-service"), ("recsys", "generic-service")}


HEALTHCHECKS_LIKE = {
    # healthchecks: docker/Dockerfile built from the repository root copies all of it
    # (`COPY . /opt/hc/` in a builder stage) and one file of docker/; compose waits for the
    # database in a shell loop and starts uWSGI with an ini file of bare flags; the values
    # live in docker/.env.example (the user copies it to .env); settings pick SQLite, or
    # PostgreSQL / MySQL when DB says so.
    "docker/docker-compose.yml": """
        services:
          db:
            image: postgres:16
            environment:
              - POSTGRES_DB=$DB_NAME
          web:
            build:
              context: ..
              dockerfile: docker/Dockerfile
            env_file:
              - .env
            command: bash -c 'while !</dev/tcp/db/5432; do sleep 1; done; uwsgi /opt/hc/docker/uwsgi.ini'
        """,
    "docker/.env.example": "DB=postgres\nDB_HOST=db\nDB_NAME=hc\n",
    "docker/Dockerfile": """
        FROM python:3.12-slim AS builder
        COPY . /opt/hc/
        FROM python:3.12-slim
        WORKDIR /opt/hc
        COPY --from=builder /opt/hc/ /opt/hc/
        COPY docker/fetchstatus.py /opt/hc/
        CMD ["uwsgi", "/opt/hc/docker/uwsgi.ini"]
        """,
    "docker/fetchstatus.py": "import urllib.request\n",
    "docker/uwsgi.ini": "[uwsgi]\nstrict\nmaster\nif-env = LISTEN_IPV6\nhttp-socket = [::]:8000\nendif =\n"
                        "if-not-env = LISTEN_IPV6\nhttp-socket = :8000\nendif =\nchdir = /opt/hc\n"
                        "module = hc.wsgi:application\n",
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hc.settings')\n",
    "hc/__init__.py": "",
    "hc/wsgi.py": "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
    "hc/settings.py": """
        import os

        INSTALLED_APPS = ("django.contrib.auth", "hc.api")
        DATABASES = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.getenv("DB_NAME", "hc.sqlite")}
        }
        if os.getenv("DB") == "postgres":
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "HOST": os.getenv("DB_HOST", ""),
                    "NAME": os.getenv("DB_NAME", "hc"),
                }
            }
        if os.getenv("DB") in ["mysql", "mariadb"]:
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.mysql",
                    "HOST": os.getenv("DB_HOST", ""),
                    "NAME": os.getenv("DB_NAME", "hc"),
                }
            }
        """,
    "hc/api/__init__.py": "",
    "hc/api/models.py": "from django.db import models\n\nclass Check(models.Model):\n    name = models.CharField(max_length=100)\n",
    "hc/api/views.py": "from hc.api.models import Check\n",
}


def test_healthchecks_whole_repository_image_uwsgi_ini_and_the_deployed_database(tmp_path):
    report = scan_in_process(write_tree(tmp_path, HEALTHCHECKS_LIKE))
    [service] = report["services"]
    # the image holds the whole repository, not just docker/
    assert (service["name"], service["root"]) == ("web", ".")
    assert "hc.api.models" in service["modules"]
    # through `bash -c 'while ...; done; uwsgi <ini>'` and an ini of bare flags
    assert [p["module_id"] for p in service["processes"]] == ["hc.wsgi"]
    # .env is not committed: docker/.env.example gives both the compose file and env_file their values;
    # of the three settings of DATABASES["default"], the one on the deployed server counts
    assert databases(report) == [
        ("db/hc", ["web"], ["api_check"], [("docker/docker-compose.yml", 2, "compose service db"),
                                           ("hc/settings.py", 8, "connection")]),
    ]
    assert report["verdict"]["kind"] == "monolith"


OTEL_DEMO_LIKE = {
    # opentelemetry-demo: `environment: [- PRODUCT_CATALOG_ADDR]` takes its value from the
    # project's .env (as the shell would give it); the address is read through a helper;
    # the service it calls is written in Go: archlint reads none of its code, and says so.
    ".env": "PRODUCT_CATALOG_PORT=3550\nPRODUCT_CATALOG_ADDR=product-catalog:${PRODUCT_CATALOG_PORT}\n",
    "compose.yaml": """
        services:
          product-catalog:
            build:
              context: ./
              dockerfile: src/product-catalog/Dockerfile
            environment:
              - PRODUCT_CATALOG_PORT
          recommendation:
            build:
              context: ./
              dockerfile: src/recommendation/Dockerfile
            environment:
              - PRODUCT_CATALOG_ADDR
        """,
    "src/product-catalog/Dockerfile": "FROM golang:1.22 AS builder\nWORKDIR /src\nCOPY src/product-catalog/ .\n"
                                      "RUN go build -o product-catalog .\nFROM alpine\nCOPY --from=builder /src/product-catalog /\n"
                                      "ENTRYPOINT [\"./product-catalog\"]\n",
    "src/product-catalog/main.go": "package main\n",
    "src/recommendation/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\n"
                                     "COPY ./src/recommendation/demo_pb2_grpc.py demo_pb2_grpc.py\n"
                                     "COPY ./src/recommendation/recommendation_server.py recommendation_server.py\n"
                                     "ENTRYPOINT [\"python\", \"recommendation_server.py\"]\n",
    "src/recommendation/demo_pb2_grpc.py": "class ProductCatalogServiceStub:\n    def __init__(self, channel): ...\n",
    "src/recommendation/recommendation_server.py": """
        import os
        import grpc
        import demo_pb2_grpc

        def must_map_env(key: str):
            value = os.environ.get(key)
            if value is None:
                raise Exception(f"{key} environment variable must be set")
            return value

        if __name__ == "__main__":
            catalog_addr = must_map_env("PRODUCT_CATALOG_ADDR")
            channel = grpc.insecure_channel(catalog_addr)
            product_catalog_stub = demo_pb2_grpc.ProductCatalogServiceStub(channel)
        """,
}


def test_otel_demo_bare_environment_entries_and_a_service_in_another_language(tmp_path):
    report = scan_in_process(write_tree(tmp_path, OTEL_DEMO_LIKE))
    assert [(l["source"], l["target"], l["protocol"], l["channel"]) for l in report["communication"]] == [
        ("recommendation", "product-catalog", "grpc", "ProductCatalogService"),
    ]
    verdict = report["verdict"]
    assert verdict["reasons"][0]["message"] == "2 deployable services: 2 isolated (1 of them with no Python code to read), 0 coupled"
    per_service = {s["service"]: [r["message"] for r in s["reasons"]] for s in verdict["services"]}
    # what archlint cannot read it does not claim: no "no database found" for the Go service
    assert per_service == {
        "product-catalog": ["no Python code to read", "network only: recommendation (grpc)"],
        "recommendation": ["no database found", "network only: product-catalog (grpc)"],
    }


def _deployment(name: str, image: str, config: str) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n"
            f"    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
            f"    spec:\n      containers:\n        - name: {name}\n          image: {image}\n"
            f"          envFrom:\n            - configMapRef:\n                name: {config}\n")


BANK_OF_ANTHOS_LIKE = {
    # bank-of-anthos: Java services built by skaffold with jib (no Dockerfile) and pushed
    # under a registry path; they share ledger-db through a ConfigMap's jdbc: URL; the
    # database image is built FROM postgres in a skaffold profile; extras/ repeats the
    # manifests with a Cloud SQL variant.
    "src/ledger/balancereader/skaffold.yaml": "apiVersion: skaffold/v4beta1\nkind: Config\nbuild:\n  artifacts:\n"
                                              "  - image: balancereader\n    context: ../../../\n"
                                              "    jib: {project: src/ledger/balancereader, type: maven}\n",
    "src/ledger/balancereader/pom.xml": "<project/>\n",
    "src/ledger/ledgerwriter/skaffold.yaml": "apiVersion: skaffold/v4beta1\nkind: Config\nbuild:\n  artifacts:\n"
                                             "  - image: ledgerwriter\n    context: ../../../\n"
                                             "    jib: {project: src/ledger/ledgerwriter, type: maven}\n",
    "src/ledger/ledgerwriter/pom.xml": "<project/>\n",
    "src/ledger/ledger-db/skaffold.yaml": "apiVersion: skaffold/v4beta1\nkind: Config\nprofiles:\n- name: development\n"
                                          "  build:\n    artifacts:\n    - image: ledger-db\n      context: .\n",
    "src/ledger/ledger-db/Dockerfile": "FROM postgres:16-alpine\nCOPY initdb/ /docker-entrypoint-initdb.d/\n",
    "src/ledger/ledger-db/initdb/0-schema.sql": "CREATE TABLE transactions (id int);\n",
    "kubernetes-manifests/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ledger-db-config\ndata:\n"
                                        "  POSTGRES_DB: postgresdb\n"
                                        "  SPRING_DATASOURCE_URL: jdbc:postgresql://ledger-db:5432/postgresdb\n",
    "kubernetes-manifests/ledger-db.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: ledger-db\nspec:\n"
                                           "  selector: {app: ledger-db}\n---\napiVersion: apps/v1\nkind: StatefulSet\n"
                                           "metadata:\n  name: ledger-db\nspec:\n  selector:\n    matchLabels: {app: ledger-db}\n"
                                           "  template:\n    metadata:\n      labels: {app: ledger-db}\n    spec:\n"
                                           "      containers:\n        - name: postgres\n"
                                           "          image: us-docker.pkg.dev/boa-ci/boa/ledger-db:v0.6\n"
                                           "          envFrom:\n            - configMapRef:\n                name: ledger-db-config\n",
    "kubernetes-manifests/balance-reader.yaml": _deployment("balancereader", "us-docker.pkg.dev/boa-ci/boa/balancereader:v0.6", "ledger-db-config"),
    "kubernetes-manifests/ledger-writer.yaml": _deployment("ledgerwriter", "us-docker.pkg.dev/boa-ci/boa/ledgerwriter:v0.6", "ledger-db-config"),
    "extras/cloudsql/kubernetes-manifests/balance-reader.yaml": _deployment("balancereader", "us-docker.pkg.dev/boa-ci/boa/balancereader:v0.6", "cloud-sql-config"),
    "src/frontend/frontend.py": "from flask import Flask\napp = Flask(__name__)\n",
    "src/frontend/Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"frontend:app\"]\n",
    "kubernetes-manifests/frontend.yaml": _deployment("frontend", "us-docker.pkg.dev/boa-ci/boa/frontend:v0.6", "ledger-db-config")
                                          .replace("          envFrom:\n            - configMapRef:\n                name: ledger-db-config\n", ""),
}


def test_bank_of_anthos_jib_services_share_a_database_through_a_config_map(tmp_path):
    report = scan_in_process(write_tree(tmp_path, BANK_OF_ANTHOS_LIKE))
    # the jib-built Java services are services (no Python to read), declared where the main manifests are
    assert [(s["name"], s["root"], s["declared_at"]["path"]) for s in report["services"]] == [
        ("balancereader", "src/ledger/balancereader", "kubernetes-manifests/balance-reader.yaml"),
        ("frontend", "src/frontend", "kubernetes-manifests/frontend.yaml"),
        ("ledgerwriter", "src/ledger/ledgerwriter", "kubernetes-manifests/ledger-writer.yaml"),
    ]
    # one ledger-db: the Dockerfile FROM postgres is the StatefulSet's image, not a second server
    assert [(d["id"], d["services"]) for d in report["databases"]] == [
        ("ledger-db/postgresdb", ["balancereader", "ledgerwriter"]),
    ]
    verdict = report["verdict"]
    assert verdict["kind"] == "mixed"
    assert {s["service"]: s["kind"] for s in verdict["services"]} == {
        "balancereader": "generic-service", "frontend": "microservice", "ledgerwriter": "generic-service"}
    # the services with no Python code are counted among the isolated ones only
    assert verdict["reasons"][0]["message"] == "3 deployable services: 1 isolated, 2 coupled"

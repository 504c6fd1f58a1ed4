"""Third-party software in deploy files: which images are infrastructure, which of them
are datastores, and the database instances they make."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, scan_in_process

from archlint.graph.instances import infrastructure_databases
from archlint.model.findings import Location
from archlint.model.infrastructure import database_names, engines_of, identify, image_repository, protocols_of
from archlint.model.system import DeployUnit


@pytest.mark.parametrize(
    "image,repository,software",
    [
        ("postgres:16-alpine", "postgres", "postgres"),
        ("docker.io/library/postgres@sha256:abc", "postgres", "postgres"),
        ("postgis/postgis:16-3.4", "postgis/postgis", "postgres"),
        ("bitnami/postgresql:16", "bitnami/postgresql", "postgres"),
        ("mariadb:11", "mariadb", "mariadb"),
        ("mongo:7", "mongo", "mongo"),
        ("redis/redis-stack:latest", "redis/redis-stack", "redis"),
        ("valkey/valkey:8", "valkey/valkey", "redis"),
        ("rabbitmq:3.13-management", "rabbitmq", "rabbitmq"),
        ("confluentinc/cp-kafka:7.6.1", "confluentinc/cp-kafka", "kafka"),
        ("docker.redpanda.com/redpandadata/redpanda:v24", "redpandadata/redpanda", "kafka"),
        ("confluentinc/cp-zookeeper:7.6.1", "confluentinc/cp-zookeeper", "zookeeper"),
        ("nats:2.10", "nats", "nats"),
        ("docker.elastic.co/elasticsearch/elasticsearch:8.14.0", "elasticsearch/elasticsearch", "elasticsearch"),
        ("opensearchproject/opensearch:2", "opensearchproject/opensearch", "opensearch"),
        ("mcr.microsoft.com/mssql/server:2022-latest", "mssql/server", "mssql"),
        ("minio/minio", "minio/minio", "minio"),
        ("localstack/localstack:3", "localstack/localstack", "localstack"),
        ("jaegertracing/all-in-one:1.57", "jaegertracing/all-in-one", "jaeger"),
        ("prom/prometheus", "prom/prometheus", "prometheus"),
        ("grafana/grafana:11", "grafana/grafana", "grafana"),
        ("traefik:v3.0", "traefik", "traefik"),
        ("envoyproxy/envoy:v1.30", "envoyproxy/envoy", "envoy"),
        ("nginx:1.27-alpine", "nginx", "nginx"),
        ("memcached:1.6", "memcached", "memcached"),
        ("registry.example.com:5000/shop/orders:1.4", "shop/orders", None),
        ("python:3.12-slim", "python", None),
    ],
)
def test_identify(image, repository, software):
    assert image_repository(image) == repository
    found = identify(image)
    assert (found.name if found else None) == software


def test_engines_protocols_and_database_names():
    assert engines_of("postgres") == ("postgresql",) and engines_of("mariadb") == ("mysql",)
    assert engines_of("rabbitmq") == () and protocols_of("rabbitmq") == ("amqp",)
    assert engines_of(None) == () and engines_of("something-else") == ()
    where = Location("docker-compose.yml", 1)
    pg = DeployUnit("db", "compose", where, infrastructure="postgres", environment={"POSTGRES_USER": "shop"})
    assert database_names(pg) == ("shop",)
    pg.environment["POSTGRES_MULTIPLE_DATABASES"] = "orders, payments"
    assert database_names(pg) == ("orders", "payments")
    my = DeployUnit("m", "compose", where, infrastructure="mysql", environment={"MYSQL_DATABASE": "app"})
    assert database_names(my) == ("app",)
    assert database_names(DeployUnit("r", "compose", where, infrastructure="redis")) == ()


def test_instances_merge_twins_and_split_engines():
    def unit(name, software, kind="compose", hosts=(), **env):
        return DeployUnit(name, kind, Location(f"{kind}.yml", 3), infrastructure=software, hosts=hosts or (name,),
                          environment=env)

    units = [
        unit("db", "postgres", POSTGRES_DB="shop"),
        unit("db (k8s/db.yaml)", "postgres", "kubernetes", ("db", "db-headless"), POSTGRES_DB="shop"),
        unit("cache", "redis"),
        unit("aws", "localstack"),
        unit("proxy", "nginx"),
    ]
    found = [(d.id, d.engine, d.instance, d.name, len(d.evidence)) for d in infrastructure_databases(units)]
    assert found == [
        ("aws#dynamodb", "dynamodb", "aws", "", 1),
        ("aws#s3", "s3", "aws", "", 1),
        ("cache", "redis", "cache", "", 1),
        ("db/shop", "postgresql", "db", "shop", 2),
    ]


def test_fixture_database_instances():
    report = scan_in_process(FIXTURES / "generic-services")
    assert [(d["id"], d["engine"]) for d in report["databases"]] == [("db/shop", "postgresql")]
    # microservices: databases on the servers the deploy files run (tests/test_fixture_system.py)

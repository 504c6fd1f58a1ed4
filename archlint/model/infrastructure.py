"""Third-party software that deploy files run next to the code: databases, brokers,
proxies, observability. A container running one of these is infrastructure, not a service;
the datastores among them are database instances (docs/services.md lists them all).

Shared by discovery (which classifies images) and by the graph stage (which joins a
service's data access to the instance it points at), so it lives in the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from archlint.model.system import DeployUnit

DATABASE = "database"
CACHE = "cache"
BROKER = "broker"
PROXY = "proxy"
SEARCH = "search"
STORAGE = "storage"
CLOUD = "cloud-emulator"
OBSERVABILITY = "observability"
TOOL = "tool"


@dataclass(frozen=True, slots=True)
class Software:
    """``engines`` use the DataUse.engine spelling (postgresql, mysql, mongodb, redis, ...);
    ``protocols`` the Endpoint.protocol spelling (amqp, kafka, nats, sqs, ...)."""

    name: str
    role: str
    engines: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()


def _catalogue(*entries: tuple[Software, tuple[str, ...]]) -> MappingProxyType[str, Software]:
    table: dict[str, Software] = {}
    for software, images in entries:
        for image in (software.name, *images):
            table[image] = software
    return MappingProxyType(table)


def _each(role: str, *names: str) -> tuple[tuple[Software, tuple[str, ...]], ...]:
    return tuple((Software(name, role), ()) for name in names)


_PG = ("postgresql",)
# Image repository names (the last path component, or the whole path when the last one is
# too generic) -> the software they run.
IMAGES = _catalogue(
    (Software("postgres", DATABASE, _PG), ("postgresql", "postgis", "timescaledb", "timescaledb-ha",
                                           "pgvector", "postgresql-repmgr", "supabase/postgres", "pgbouncer")),
    (Software("cockroachdb", DATABASE, _PG), ("cockroach",)),
    (Software("mysql", DATABASE, ("mysql",)), ("mysql-server", "percona", "percona-server")),
    (Software("mariadb", DATABASE, ("mysql",)), ()),
    (Software("mongo", DATABASE, ("mongodb",)), ("mongodb", "mongodb-community-server")),
    (Software("mssql", DATABASE, ("mssql",)), ("mssql/server", "mssql-server-linux", "azure-sql-edge")),
    (Software("oracle", DATABASE, ("oracle",)), ("oracle-free", "oracle-xe", "database/enterprise")),
    (Software("cassandra", DATABASE, ("cassandra",)), ("scylla", "scylladb/scylla")),
    (Software("couchdb", DATABASE, ("couchdb",)), ("couchbase",)),
    (Software("neo4j", DATABASE, ("neo4j",)), ()),
    (Software("clickhouse", DATABASE, ("clickhouse",)), ("clickhouse-server",)),
    (Software("influxdb", DATABASE, ("influxdb",)), ()),
    (Software("dynamodb-local", DATABASE, ("dynamodb",)), ("amazon/dynamodb-local",)),
    (Software("qdrant", DATABASE, ("qdrant",)), ()),
    (Software("weaviate", DATABASE, ("weaviate",)), ()),
    (Software("milvus", DATABASE, ("milvus",)), ()),
    (Software("chroma", DATABASE, ("chroma",)), ()),
    (Software("redis", CACHE, ("redis",), ("redis",)), ("redis-stack", "redis-stack-server", "valkey", "keydb",
                                                         "dragonfly", "redis/redis-stack")),
    (Software("memcached", CACHE, ("memcached",)), ()),
    (Software("elasticsearch", SEARCH, ("elasticsearch",)), ()),
    (Software("opensearch", SEARCH, ("opensearch",)), ()),
    (Software("meilisearch", SEARCH, ("meilisearch",)), ()),
    (Software("solr", SEARCH, ("solr",)), ()),
    (Software("minio", STORAGE, ("s3",)), ()),
    (Software("azurite", STORAGE, ("azure-storage",), ("azure-queue",)), ()),
    (Software("localstack", CLOUD, ("dynamodb", "s3"), ("sqs", "sns", "kinesis", "eventbridge")), ()),
    (Software("rabbitmq", BROKER, (), ("amqp",)), ()),
    (Software("kafka", BROKER, (), ("kafka",)), ("cp-kafka", "cp-server", "kafka-native", "redpanda")),
    (Software("zookeeper", BROKER), ("cp-zookeeper",)),
    (Software("nats", BROKER, (), ("nats",)), ("nats-streaming",)),
    (Software("activemq", BROKER, (), ("amqp", "stomp")), ("activemq-artemis", "artemis")),
    (Software("mosquitto", BROKER, (), ("mqtt",)), ("eclipse-mosquitto", "emqx", "vernemq")),
    (Software("pulsar", BROKER, (), ("pulsar",)), ()),
    (Software("schema-registry", BROKER), ("cp-schema-registry",)),
    (Software("nginx", PROXY), ("openresty", "nginx-unprivileged")),
    (Software("traefik", PROXY), ()),
    (Software("envoy", PROXY), ("envoyproxy/envoy",)),
    (Software("haproxy", PROXY), ()),
    (Software("caddy", PROXY), ()),
    (Software("kong", PROXY), ()),
    (Software("varnish", PROXY), ()),
    (Software("jaeger", OBSERVABILITY), ("all-in-one", "jaegertracing/all-in-one")),
    (Software("prometheus", OBSERVABILITY), ("prom/prometheus",)),
    (Software("opentelemetry-collector", OBSERVABILITY), ("opentelemetry-collector-contrib",
                                                          "otel/opentelemetry-collector")),
    (Software("datadog-agent", OBSERVABILITY), ("datadog/agent",)),
    (Software("mailpit", TOOL), ("axllent/mailpit",)),
    (Software("selenium", TOOL), ("standalone-chrome", "standalone-firefox")),
    *_each(OBSERVABILITY, "zipkin", "grafana", "loki", "promtail", "tempo", "alertmanager", "node-exporter",
           "cadvisor", "pushgateway", "statsd-exporter", "kibana", "logstash", "filebeat", "apm-server",
           "fluentd", "fluent-bit", "sentry"),
    *_each(TOOL, "consul", "vault", "etcd", "keycloak", "mailhog", "mailcatcher", "adminer", "pgadmin4",
           "mongo-express", "redis-commander", "phpmyadmin", "kafka-ui", "kafdrop", "redisinsight", "flower",
           "wiremock", "mockserver"),
)

# Images that run whatever they are given: a container of one runs repository code only
# when code is mounted or built into it.
RUNTIME_IMAGES = frozenset(
    {"python", "pypy", "alpine", "debian", "ubuntu", "busybox", "buildpack-deps", "node", "golang",
     "openjdk", "eclipse-temurin", "ruby", "php", "bash", "centos", "fedora", "amazonlinux", "scratch",
     "distroless/python3", "python3", "miniconda3", "micromamba", "lambda/python"}
)

_DATABASE_ENV = {
    "postgres": ("POSTGRES_DB", "POSTGRESQL_DATABASE", "POSTGRES_MULTIPLE_DATABASES"),
    "cockroachdb": ("COCKROACH_DATABASE",),
    "mysql": ("MYSQL_DATABASE",),
    "mariadb": ("MARIADB_DATABASE", "MYSQL_DATABASE"),
    "mongo": ("MONGO_INITDB_DATABASE",),
}


def image_repository(image: str) -> str:
    """``registry.example.com:5000/shop/orders:1.4@sha256:...`` -> ``shop/orders``: the
    repository path without registry, tag or digest, lower case."""
    ref = image.strip().lower().partition("@")[0]
    head, sep, tail = ref.rpartition("/")
    if ":" in tail:
        tail = tail.partition(":")[0]
    ref = f"{head}{sep}{tail}"
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def identify(image: str) -> Software | None:
    """The third-party software an image runs, or None (repository code, or unknown)."""
    repo = image_repository(image)
    if not repo:
        return None
    last = repo.rpartition("/")[2]
    two = "/".join(repo.split("/")[-2:])
    return IMAGES.get(repo) or IMAGES.get(two) or IMAGES.get(last)


def is_runtime_image(image: str) -> bool:
    repo = image_repository(image)
    return repo in RUNTIME_IMAGES or repo.rpartition("/")[2] in RUNTIME_IMAGES


def engines_of(infrastructure: str | None) -> tuple[str, ...]:
    """The datastore engines an infrastructure unit provides (``postgres`` ->
    ``("postgresql",)``); () for brokers, proxies and unknown software."""
    software = IMAGES.get(infrastructure or "")
    return software.engines if software else ()


def protocols_of(infrastructure: str | None) -> tuple[str, ...]:
    """The messaging protocols it serves (``rabbitmq`` -> ``("amqp",)``)."""
    software = IMAGES.get(infrastructure or "")
    return software.protocols if software else ()


def database_names(unit: DeployUnit) -> tuple[str, ...]:
    """Databases an instance creates at start, from its image's conventional environment
    variables (POSTGRES_DB, MYSQL_DATABASE, MONGO_INITDB_DATABASE, ...); a PostgreSQL
    instance without POSTGRES_DB has the database named after POSTGRES_USER (or postgres)."""
    names: list[str] = []
    for key in _DATABASE_ENV.get(unit.infrastructure or "", ()):
        names += [n.strip() for n in unit.environment.get(key, "").split(",") if n.strip()]
    if unit.infrastructure == "postgres" and not names:
        names.append(unit.environment.get("POSTGRES_USER") or "postgres")
    return tuple(dict.fromkeys(names))

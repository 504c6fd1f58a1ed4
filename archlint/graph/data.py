"""Data access read from code: connections, ORM models and tables, raw SQL, foreign keys,
document collections, key-value tables (docs/data-and-communication.md lists each API).

Every use is a ``DataUse`` of one module and line. Values the environment gives stay
templates (``{env:DATABASE_URL:-sqlite://}``) until the assembled system resolves them
per service (graph/system.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from archlint.graph.names import Data, Ext, Internal, Names, Step, Sym, Text
from archlint.graph.sql import sql_tables
from archlint.model.facts import CallSite
from archlint.model.system import DataUse

SQL = "sql"  # a relational store whose engine the code does not tell

# URL scheme (before any "+driver") -> engine
SCHEMES = {
    "postgresql": "postgresql", "postgres": "postgresql", "postgis": "postgresql", "pgsql": "postgresql",
    "cockroachdb": "postgresql", "timescaledb": "postgresql", "mysql": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "mssql": "mssql", "sqlserver": "mssql", "oracle": "oracle", "mongodb": "mongodb",
    "mongodb+srv": "mongodb", "redis": "redis", "rediss": "redis", "unix": "redis", "valkey": "redis",
    "cassandra": "cassandra", "clickhouse": "clickhouse", "neo4j": "neo4j", "bolt": "neo4j", "couchdb": "couchdb",
    "elasticsearch": "elasticsearch", "snowflake": "snowflake", "bigquery": "bigquery", "duckdb": "duckdb",
}
RELATIONAL = frozenset({SQL, "postgresql", "mysql", "sqlite", "mssql", "oracle", "clickhouse", "snowflake",
                        "bigquery", "duckdb"})

_KEYED_TARGET = re.compile(r'.*\["(\w+)"\]')  # DATABASES["default"] = ...
_SQLALCHEMY_ENGINES = frozenset({
    "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine", "sqlmodel.create_engine", "databases.Database",
    "records.Database", "playhouse.db_url.connect", "dataset.connect",
})
_POSTGRES_DRIVERS = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
    "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool", "asyncpg.connect", "asyncpg.create_pool",
    "aiopg.connect", "aiopg.create_pool", "psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool",
    "pg8000.connect", "pg8000.native.Connection",
})
_MYSQL_DRIVERS = frozenset({
    "pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection", "MySQLdb.connect", "MySQLdb.Connect",
    "mysql.connector.connect", "aiomysql.connect", "aiomysql.create_pool", "asyncmy.connect", "asyncmy.create_pool",
})
_SQLITE_DRIVERS = frozenset({"sqlite3.connect", "aiosqlite.connect", "sqlite3.dbapi2.connect"})
_PEEWEE = {
    "peewee.PostgresqlDatabase": "postgresql", "playhouse.pool.PooledPostgresqlDatabase": "postgresql",
    "playhouse.postgres_ext.PostgresqlExtDatabase": "postgresql", "peewee.MySQLDatabase": "mysql",
    "playhouse.pool.PooledMySQLDatabase": "mysql", "peewee.SqliteDatabase": "sqlite",
    "playhouse.sqlite_ext.SqliteExtDatabase": "sqlite", "playhouse.pool.PooledSqliteDatabase": "sqlite",
}
_MONGO_CLIENTS = frozenset({
    "pymongo.MongoClient", "pymongo.mongo_client.MongoClient", "pymongo.AsyncMongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "motor.motor_tornado.MotorClient", "motor.MotorClient",
    "mongomock.MongoClient",
})
_MONGO_METHODS = frozenset({
    "find", "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "aggregate", "count_documents", "estimated_document_count", "distinct", "bulk_write",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "create_index", "create_indexes",
    "watch", "drop", "insert", "update", "remove", "save", "find_raw_batches",
})
REDIS_CLIENTS = frozenset({
    "redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis", "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis", "redis.asyncio.client.Redis", "aioredis.Redis", "aioredis.StrictRedis",
    "redis.cluster.RedisCluster", "redis.RedisCluster", "redis.asyncio.cluster.RedisCluster", "valkey.Valkey",
})
REDIS_FROM_URL = frozenset({
    "redis.from_url", "redis.Redis.from_url", "redis.StrictRedis.from_url", "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url", "aioredis.from_url", "aioredis.Redis.from_url", "aioredis.create_redis_pool",
    "aioredis.create_redis", "redis.ConnectionPool.from_url", "redis.asyncio.ConnectionPool.from_url",
    "redis.cluster.RedisCluster.from_url", "valkey.from_url",
})
_TEXT_SQL = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlmodel.text",
                       "pandas.read_sql", "pandas.read_sql_query", "polars.read_database"})
_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "fetch", "fetchrow",
                          "fetchval", "mogrify", "raw", "execute_values", "execute_batch", "copy_expert"})
_FOREIGN_KEYS = frozenset({"sqlalchemy.ForeignKey", "sqlalchemy.schema.ForeignKey", "sqlmodel.Field"})
_TABLES = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table", "sqlalchemy.sql.schema.Table"})
# Django's model bases, and those of libraries whose classes are Django models (a concrete
# subclass of any of them is a table): Wagtail pages and settings, django-modelcluster,
# taggit, django-model-utils, django-polymorphic, MPTT and treebeard trees.
_DJANGO_MODEL = re.compile(
    r"^(django\..*\.(Model|AbstractUser|AbstractBaseUser|PermissionsMixin)"
    r"|wagtail(\.\w+)*\.(Page|Orderable|Task|TaskState|AbstractForm|AbstractEmailForm|AbstractFormField"
    r"|BaseSiteSetting|BaseGenericSetting|BaseSetting|AbstractImage|AbstractDocument|AbstractRendition)"
    r"|modelcluster\.models\.ClusterableModel|taggit\.models\.(TaggedItemBase|TagBase|ItemBase|GenericTaggedItemBase)"
    r"|model_utils\.models\.\w+Model|polymorphic\.models\.PolymorphicModel|mptt\.models\.MPTTModel"
    r"|treebeard\.\w+\.(MP|AL|NS)_Node)$")
_DJANGO_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"})
_DJANGO_ENGINES = {"postgresql": "postgresql", "postgis": "postgresql", "psycopg2": "postgresql",
                   "cockroachdb": "postgresql", "mysql": "mysql", "sqlite3": "sqlite", "spatialite": "sqlite",
                   "oracle": "oracle", "mssql": "mssql", "sql_server": "mssql", "djongo": "mongodb"}
_PEEWEE_MODELS = frozenset({"peewee.Model", "playhouse.signals.Model", "playhouse.postgres_ext.Model"})
_TORTOISE_MODELS = frozenset({"tortoise.models.Model", "tortoise.Model"})
_MONGO_DOCUMENTS = frozenset({"mongoengine.Document", "mongoengine.document.Document", "mongoengine.DynamicDocument",
                              "beanie.Document", "odmantic.Model"})


def in_memory(url: str | None) -> bool:
    """``sqlite://``, ``sqlite:///:memory:``: a test database that lives in one process."""
    return bool(url) and (url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:", "sqlite+aiosqlite:") or ":memory:" in url)


def url_engine(url: str | None) -> str | None:
    """The engine a connection URL names by its scheme (``postgresql+asyncpg://`` ->
    postgresql); None when the scheme is unknown or templated."""
    if url and url.startswith("{env:") and ":-" in url.partition("}")[0]:
        url = url.partition(":-")[2]
    if not url or "://" not in url:
        return None
    scheme = url.partition("://")[0].lower().removeprefix("jdbc:")  # a Java service's jdbc:postgresql://
    return SCHEMES.get(scheme) or SCHEMES.get(scheme.partition("+")[0])


def snake(name: str) -> str:
    """``OrderLine`` -> ``order_line`` (Flask-SQLAlchemy's and mongoengine's default names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _text(sym: Sym) -> str | None:
    return sym.template if isinstance(sym, Text) else None


def _host_url(scheme: str, host: str | None, port: str | None, database: str | None) -> str:
    where = host or "localhost"
    if port:
        where = f"{where}:{port}"
    return f"{scheme}://{where}/{database or ''}"


@dataclass(slots=True)
class _Module:
    """What the recognisers need of one module while they run."""

    names: Names
    id: str
    out: list[DataUse]

    def use(self, engine: str, access: str, line: int, scope: str, *, url: str | None = None,
            database: str | None = None, tables: Iterable[str] = ()) -> None:
        if access == "connect" and in_memory(url):
            return
        self.out.append(DataUse(self.id, engine, access, url, database, tuple(sorted(set(tables))), line, scope))


class DataRecognizer:
    """Finds every DataUse of the repository's modules."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.model_tables: dict[tuple[str, str], tuple[str, str]] = {}  # (module, class) -> (engine, table)
        self.django_labels: dict[str, str] = {}  # app module name -> label

    def run(self) -> list[DataUse]:
        out: list[DataUse] = []
        modules = sorted(m for m in self.names.index.modules if self.names.table(m) is not None)
        self.django_labels = django_app_labels(self.names)
        for module_id in modules:
            self._models(_Module(self.names, module_id, out))
        for module_id in modules:
            m = _Module(self.names, module_id, out)
            self._calls(m)
            self._settings(m)
        bound: list[DataUse] = []
        for use in out:
            template = use.url if use.url and "{param:" in use.url else None
            callers = self.names.bind(use.module, use.scope, template) if template else []
            bound += [replace(use, module=mid, line=call.line, scope=call.scope, url=url,
                              engine=url_engine(url) or use.engine) for mid, call, url in callers] or [use]
        out = bound
        return sorted(set(out), key=lambda u: (u.module, u.line, u.access, u.engine, u.tables, u.url or "", u.database or ""))

    # -- calls ---------------------------------------------------------------------------
    def _calls(self, m: _Module) -> None:
        t = self.names.table(m.id)
        assert t is not None
        for call in t.facts.calls:
            sym = self.names.callee(m.id, call)
            if isinstance(sym, Ext):
                self._external(m, call, sym)
            last = call.func.rpartition(".")[2]
            if last in _SQL_METHODS and call.args and (sym is None or not isinstance(sym, Ext) or sym.root() not in _TEXT_SQL):
                self._sql(m, call, _text(self.names.arg(call, m.id, 0, "query", "sql", "operation")))

    def _external(self, m: _Module, call: CallSite, sym: Ext) -> None:
        root, rest, names = sym.root(), sym.rest(), self.names
        if not rest:
            if root in _SQLALCHEMY_ENGINES:
                url = names.arg_text(call, m.id, 0, "url", "database_url")
                m.use(url_engine(url) or SQL, "connect", call.line, call.scope, url=url)
            elif root in _POSTGRES_DRIVERS or root in _MYSQL_DRIVERS:
                self._driver(m, call, "postgresql" if root in _POSTGRES_DRIVERS else "mysql", root)
            elif root in _SQLITE_DRIVERS:
                path = names.arg_text(call, m.id, 0, "database")
                if path and path != ":memory:":
                    m.use("sqlite", "connect", call.line, call.scope, url=f"sqlite:///{path}", database=path)
            elif root in _PEEWEE:
                engine = _PEEWEE[root]
                name = names.arg_text(call, m.id, 0, "database")
                if engine == "sqlite":
                    if name and name != ":memory:":
                        m.use("sqlite", "connect", call.line, call.scope, url=f"sqlite:///{name}", database=name)
                else:
                    host = names.arg_text(call, m.id, None, "host")
                    port = names.arg_text(call, m.id, None, "port")
                    m.use(engine, "connect", call.line, call.scope, url=_host_url(engine, host, port, name), database=name)
            elif root in _MONGO_CLIENTS or root in ("mongoengine.connect", "mongoengine.register_connection"):
                self._mongo_client(m, call, root)
            elif root in REDIS_CLIENTS or root in REDIS_FROM_URL or root in ("redis.ConnectionPool", "redis.asyncio.ConnectionPool"):
                url = redis_url(names, call, m.id, root)
                if url is not None:
                    m.use("redis", "connect", call.line, call.scope, url=url)
            elif root in _TEXT_SQL:
                self._sql(m, call, names.arg_text(call, m.id, 0, "text", "sql"))
            elif root in _TABLES:
                name = names.arg_text(call, m.id, 0, "name")
                schema = names.arg_text(call, m.id, None, "schema")
                if name and "{" not in name:
                    m.use(SQL, "model", call.line, call.scope, tables=[f"{schema}.{name}" if schema else name])
            elif root in _FOREIGN_KEYS:
                target = names.arg_text(call, m.id, 0, "column") if root != "sqlmodel.Field" else names.arg_text(call, m.id, None, "foreign_key")
                table = fk_table(target)
                if table:
                    m.use(SQL, "foreign_key", call.line, call.scope, tables=[table])
            elif root.startswith("django.") and root.rpartition(".")[2] in _DJANGO_RELATIONS:
                self._django_relation(m, call)
            elif root in ("peewee.ForeignKeyField", "tortoise.fields.ForeignKeyField", "tortoise.fields.OneToOneField",
                          "tortoise.fields.relational.ForeignKeyField"):
                self._orm_relation(m, call)
            elif root in ("tortoise.Tortoise.init", "tortoise.contrib.fastapi.register_tortoise",
                          "tortoise.contrib.starlette.register_tortoise"):
                url = names.arg_text(call, m.id, None, "db_url")
                if url:
                    m.use(url_engine(url) or SQL, "connect", call.line, call.scope, url=url)
        if root in _MONGO_CLIENTS:
            self._mongo_collection(m, call, sym)
        elif (root.startswith(("boto3.", "aioboto3.")) or ".resource()" in sym.path or ".client()" in sym.path):
            self._dynamodb(m, call, sym)

    def _sql(self, m: _Module, call: CallSite, query: str | None) -> None:
        """Tables of a SQL string; a query passed in as a parameter is read at the
        function's callers."""
        if not query:
            return
        if query.startswith("{param:"):
            for mid, caller, text in self.names.bind(m.id, call.scope, query):
                tables = sql_tables(text)
                if tables:
                    _Module(self.names, mid, m.out).use(SQL, "sql", caller.line, caller.scope, tables=tables)
            return
        tables = sql_tables(query)
        if tables:
            m.use(SQL, "sql", call.line, call.scope, tables=tables)

    def _driver(self, m: _Module, call: CallSite, engine: str, root: str) -> None:
        names = self.names
        dsn = names.arg_text(call, m.id, 2 if root.startswith("psycopg2.pool") else 0, "dsn", "conninfo", "url")
        database = names.arg_text(call, m.id, None, "dbname", "database", "db")
        if dsn is not None and ("://" in dsn or "=" in dsn or dsn.startswith("{env:")):
            m.use(url_engine(dsn) or engine, "connect", call.line, call.scope, url=dsn, database=database)
            return
        if root.startswith("MySQLdb") and len(call.args) >= 4:
            database = database or names.arg_text(call, m.id, 3)
        host = names.arg_text(call, m.id, None, "host") or (dsn if root.startswith(("MySQLdb", "pymysql")) else None)
        port = names.arg_text(call, m.id, None, "port")
        m.use(engine, "connect", call.line, call.scope, url=_host_url(engine, host, port, database), database=database)

    def _mongo_client(self, m: _Module, call: CallSite, root: str) -> None:
        names = self.names
        if root.startswith("mongoengine"):
            database = names.arg_text(call, m.id, 0, "db", "name")
            host = names.arg_text(call, m.id, None, "host")
            url = host if host and "://" in host else _host_url("mongodb", host, names.arg_text(call, m.id, None, "port"), database)
            m.use("mongodb", "connect", call.line, call.scope, url=url, database=database)
            return
        host = names.arg_text(call, m.id, 0, "host")
        url = host if host and ("://" in host or host.startswith("{env:")) else _host_url(
            "mongodb", host, names.arg_text(call, m.id, 1, "port"), None)
        m.use("mongodb", "connect", call.line, call.scope, url=url)

    def _mongo_collection(self, m: _Module, call: CallSite, sym: Ext) -> None:
        """``client[db][coll].find()``, ``client.db.coll.insert_one()``,
        ``client.get_database(db).get_collection(coll).aggregate()``."""
        if sym.last() not in _MONGO_METHODS:
            return
        names = self.names
        path = sym.path[len(sym.root()) + 2:]  # after the client's "()"
        path = path[: -len(sym.last())].rstrip(".")
        steps = iter(sym.steps[1:])
        parts: list[str | None] = []
        for token in re.findall(r"\[\]|\.[A-Za-z_]\w*(?:\(\))?", path):
            if token == "[]":
                step = next(steps, None)
                parts.append(step.key.template if step is not None and step.key is not None else None)
            elif token.endswith("()"):
                step = next(steps, None)
                name = token[1:-2]
                if name in ("get_database", "get_collection", "get_default_database"):
                    value = names.arg_text(step, None, 0, "name") if step is not None and name != "get_default_database" else ""
                    parts.append(value)
                else:
                    return
            else:
                parts.append(token[1:])
        if len(parts) != 2 or parts[1] is None:
            return
        client = sym.steps[0] if sym.steps else None
        url = names.arg_text(client, None, 0, "host") if client is not None else None
        m.use("mongodb", "collection", call.line, call.scope, url=url, database=parts[0] or None, tables=[parts[1]])

    def _dynamodb(self, m: _Module, call: CallSite, sym: Ext) -> None:
        service = aws_service(self.names, sym)
        if service is None or service[0] != "dynamodb":
            return
        _, kind, endpoint = service
        names = self.names
        table = None
        if kind == "resource" and sym.path.endswith(".Table") and sym.path.count("()") == 1:
            table = names.arg_text(call, m.id, 0, "name")
        elif kind == "client":
            table = names.arg_text(call, m.id, None, "TableName")
        if table:
            m.use("dynamodb", "table", call.line, call.scope, url=endpoint, tables=[table])

    def _django_relation(self, m: _Module, call: CallSite) -> None:
        owner = call.scope
        target = self.names.arg(call, m.id, 0, "to")
        table = self._model_table(m.id, owner, target)
        if table:
            m.use(SQL, "foreign_key", call.line, call.scope, tables=[table])

    def _orm_relation(self, m: _Module, call: CallSite) -> None:
        target = self.names.arg(call, m.id, 0, "model", "model_name", "rel_model")
        table = self._model_table(m.id, call.scope, target)
        if table:
            m.use(SQL, "foreign_key", call.line, call.scope, tables=[table])

    def _model_table(self, module_id: str, owner: str, target: Sym) -> str | None:
        """The table of a model a relation points at: a class, ``"self"``,
        ``"app_label.Model"`` or ``"Model"`` (same app)."""
        if isinstance(target, Internal) and not target.instance and not target.rest:
            found = self.model_tables.get((target.module, target.qualname))
            return found[1] if found else None
        text = _text(target)
        if not text or "{" in text:
            return None
        if text == "self":
            found = self.model_tables.get((module_id, owner))
            return found[1] if found else None
        label, _, name = text.rpartition(".")
        own_label = self._label_of(module_id, owner)
        candidates = [(key, value) for key, value in self.model_tables.items() if key[1].rpartition(".")[2] == name]
        if label:
            candidates = [c for c in candidates if self._label_of(*c[0]) == label] or (
                candidates if label == "models" else [])  # tortoise: "models.Customer"
        elif own_label:
            candidates = [c for c in candidates if self._label_of(*c[0]) == own_label] or candidates
        if len(candidates) == 1:
            return candidates[0][1][1]
        same = [c for c in candidates if c[0][0] == module_id]
        return same[0][1][1] if len(same) == 1 else None

    def _label_of(self, module_id: str, qualname: str) -> str | None:
        t = self.names.table(module_id)
        if t is None:
            return None
        meta = _class_text(self.names, module_id, f"{qualname}.Meta", "app_label")
        if meta:
            return meta
        return django_label(t.module.name, self.django_labels)

    # -- model classes ------------------------------------------------------------------------
    def _models(self, m: _Module) -> None:
        names = self.names
        t = names.table(m.id)
        assert t is not None
        for qualname, definition in t.classes.items():
            if not definition.bases:
                continue
            own = _class_text(names, m.id, qualname, "__tablename__")
            abstract = _class_flag(names, m.id, qualname, "__abstract__")
            _, bases = names.ancestry(m.id, qualname)
            keywords = dict(definition.keywords)
            engine, table = SQL, None
            if any(_DJANGO_MODEL.match(b) for b in bases):
                if _class_flag(names, m.id, f"{qualname}.Meta", "abstract") or _class_flag(names, m.id, f"{qualname}.Meta", "proxy"):
                    continue
                table = _class_text(names, m.id, f"{qualname}.Meta", "db_table")
                if not table:
                    label = _class_text(names, m.id, f"{qualname}.Meta", "app_label") or django_label(t.module.name, self.django_labels)
                    table = f"{label}_{qualname.rpartition('.')[2].lower()}" if label else None
            elif own is not None:
                schema = _table_schema(names, m.id, qualname)
                table = None if abstract else f"{schema}.{own}" if schema else own
            elif "sqlmodel.SQLModel" in bases and keywords.get("table") == ("name", "True"):
                table = qualname.rpartition(".")[2].lower()
            elif any(b.endswith("SQLAlchemy().Model") or b.endswith("SQLAlchemy().Model()") for b in bases) and not abstract:
                table = snake(qualname.rpartition(".")[2])
            elif bases & (_PEEWEE_MODELS | _TORTOISE_MODELS) and _has_fields(names, m.id, qualname):
                meta = f"{qualname}.Meta"
                table = (_class_text(names, m.id, meta, "table_name") or _class_text(names, m.id, meta, "db_table")
                         or _class_text(names, m.id, meta, "table") or qualname.rpartition(".")[2].lower())
                if _class_flag(names, m.id, meta, "abstract"):
                    table = None
            elif bases & _MONGO_DOCUMENTS:
                collection = _document_collection(names, m.id, qualname)
                if collection:
                    self.model_tables[(m.id, qualname)] = ("mongodb", collection)
                    m.use("mongodb", "collection", definition.line, qualname, tables=[collection])
                continue
            if table and "{" not in table:
                self.model_tables[(m.id, qualname)] = (engine, table)
                m.use(engine, "model", definition.line, qualname, tables=[table])

    # -- settings ---------------------------------------------------------------------------
    def _settings(self, m: _Module) -> None:
        names = self.names
        t = names.table(m.id)
        assert t is not None
        for a in t.facts.assignments:
            last = a.target.rpartition(".")[2]
            key = _KEYED_TARGET.fullmatch(a.target) if a.target.endswith('"]') else None
            if key:
                last = key.group(1)
            if last == "SQLALCHEMY_DATABASE_URI":
                url = names.text(m.id, a.scope, a.value, a.line)
                if url:
                    m.use(url_engine(url) or SQL, "connect", a.line, a.scope, url=url)
            elif last == "SQLALCHEMY_BINDS" or (last == "DATABASES" and not a.scope) or a.target.startswith('DATABASES["'):
                value = names.value(m.id, a.scope, a.value, a.line)
                if a.target.startswith('DATABASES["'):
                    self._django_database(m, key.group(1) if key else "default", value, a.line)
                elif isinstance(value, Data) and value.value[0] == "dict":
                    aliases = {self._key(value, k, a.line): v for k, v in value.value[1].items()}
                    for alias, entry in sorted(aliases.items(), key=lambda kv: (kv[0] != "default", kv[0])):
                        found = names.value(value.module, value.scope, entry, a.line)
                        if last == "DATABASES":
                            self._django_database(m, alias, found, a.line)
                        elif isinstance(found, Text):
                            m.use(url_engine(found.template) or SQL, "connect", a.line, f"SQLALCHEMY_BINDS.{alias}", url=found.template)
        for call in t.facts.calls:
            if call.func.endswith(("config.update", "config.from_mapping")):
                url = names.arg_text(call, m.id, None, "SQLALCHEMY_DATABASE_URI")
                if url:
                    m.use(url_engine(url) or SQL, "connect", call.line, call.scope, url=url)

    def _key(self, data: Data, key: str, line: int) -> str:
        """A dict key written as a constant (``{DEFAULT_DB: ...}``), as its value."""
        if key.startswith("{") and key.endswith("}"):
            return self.names.text(data.module, data.scope, ("name", key[1:-1]), line) or key
        return key

    def _django_database(self, m: _Module, alias: str, value: Sym, line: int) -> None:
        scope = f"DATABASES.{alias}"
        if isinstance(value, Text):
            m.use(url_engine(value.template) or SQL, "connect", line, scope, url=value.template)
            return
        if not isinstance(value, Data) or value.value[0] != "dict":
            return
        entries = value.value[1]

        def get(key: str) -> str | None:
            found = self.names.value(value.module, value.scope, entries.get(key), line)
            return found.template if isinstance(found, Text) else None

        backend = (get("ENGINE") or "").rpartition(".")[2]
        engine = _DJANGO_ENGINES.get(backend) or next((e for k, e in _DJANGO_ENGINES.items() if k in backend), SQL)
        name = get("NAME")
        if engine == "sqlite":
            url = f"sqlite:///{name}" if name else "sqlite://"
        else:
            url = _host_url(engine if engine != SQL else "sql", get("HOST"), get("PORT"), name)
        m.use(engine, "connect", line, scope, url=url, database=name)


def redis_url(names: Names, call: CallSite | Step, module_id: str | None, root: str) -> str | None:
    """A Redis client's URL: its ``url`` argument, or one built from host / port / db."""
    if root in REDIS_FROM_URL:
        return names.arg_text(call, module_id, 0, "url", "address")
    given = dict((call.call if isinstance(call, Step) else call).keywords) if (call.call if isinstance(call, Step) else call) else {}
    if "connection_pool" in given:
        return None
    host = names.arg_text(call, module_id, 0, "host") or "localhost"
    if "://" in host:
        return host
    port = names.arg_text(call, module_id, 1, "port") or "6379"
    db = names.arg_text(call, module_id, 2, "db") or "0"
    return f"redis://{host}:{port}/{db}"


def aws_service(names: Names, sym: Ext) -> tuple[str, str, str | None] | None:
    """(service, "client" | "resource", endpoint URL) of a boto3 / aioboto3 object path."""
    for name, step in sym.calls():
        if name in ("client", "resource") and step.call is not None:
            service = names.arg_text(step, None, 0, "service_name")
            if service:
                return service, name, names.arg_text(step, None, None, "endpoint_url")
    return None


def fk_table(target: str | None) -> str | None:
    """``"orders.id"`` -> ``orders``; ``"shop.orders.id"`` -> ``shop.orders``."""
    if not target or "." not in target or "{" in target:
        return None
    return target.rpartition(".")[0]


def django_app_labels(names: Names) -> dict[str, str]:
    """Installed Django apps of the repository: app module name -> label (an AppConfig's
    ``label``, else the last part of its ``name``)."""
    labels: dict[str, str] = {}
    for app, label, _, _ in installed_apps(names):
        labels[app] = label
    return labels


def installed_apps(names: Names) -> list[tuple[str, str, str, int]]:
    """(app module name, label, settings module id, line) for every INSTALLED_APPS entry."""
    out: list[tuple[str, str, str, int]] = []
    for module_id in names.settings_modules():
        t = names.table(module_id)
        if t is None:
            continue
        for a in t.facts.assignments:
            if a.scope or a.target != "INSTALLED_APPS":
                continue
            value = names.value(module_id, "", a.value, a.line)
            if not isinstance(value, Data) or value.value[0] != "list":
                continue
            for item in value.value[1]:
                entry = names.value(value.module, value.scope, item)
                if not isinstance(entry, Text) or "{" in entry.template:
                    continue
                app, label = _app_config(names, module_id, entry.template)
                out.append((app, label, module_id, a.line))
    return out


def _app_config(names: Names, importer: str, entry: str) -> tuple[str, str]:
    """An INSTALLED_APPS entry: a module (``shop.orders``) or an AppConfig class path
    (``shop.orders.apps.OrdersConfig``), read for its ``name`` and ``label``."""
    module = names.index.modules[importer]
    head, _, last = entry.rpartition(".")
    if head and last[:1].isupper():
        _, found = names.index.absolute(module, head)
        if found is not None:
            name = _class_text(names, found.id, last, "name") or head.removesuffix(".apps")
            label = _class_text(names, found.id, last, "label") or name.rpartition(".")[2]
            return name, label
        return head.removesuffix(".apps"), head.removesuffix(".apps").rpartition(".")[2]
    return entry, entry.rpartition(".")[2]


def django_label(module_name: str, labels: dict[str, str]) -> str | None:
    """The app label of a models module: the installed app holding it, else the package
    above ``models``."""
    best = max((app for app in labels if module_name == app or module_name.startswith(app + ".")), key=len, default=None)
    if best is not None:
        return labels[best]
    parts = module_name.split(".")
    if "models" in parts:
        index = parts.index("models")
        return parts[index - 1] if index > 0 else None
    return parts[-2] if len(parts) > 1 else None


def _class_binder(names: Names, module_id: str, scope: str, name: str) -> Sym:
    t = names.table(module_id)
    if t is None:
        return None
    binders = t.binders.get(scope, {}).get(name)
    if not binders:
        return None
    kind, line, *rest = binders[-1]
    if kind != "value":
        return None
    return names.value(module_id, scope, rest[0], line)


def _class_text(names: Names, module_id: str, scope: str, name: str) -> str | None:
    found = _class_binder(names, module_id, scope, name)
    return found.template if isinstance(found, Text) else None


def _table_schema(names: Names, module_id: str, qualname: str) -> str | None:
    """SQLAlchemy's ``__table_args__ = {"schema": "orders"}`` (or a tuple ending in that
    dict): the schema a declarative model's table lives in."""
    t = names.table(module_id)
    binders = t.binders.get(qualname, {}).get("__table_args__") if t else None
    if not binders or binders[-1][0] != "value":
        return None
    value = binders[-1][2]
    if value[0] == "list" and value[1]:
        value = value[1][-1]
    schema = value[1].get("schema") if value[0] == "dict" else None
    return str(schema[1]) if schema and schema[0] == "str" else None


def _class_flag(names: Names, module_id: str, scope: str, name: str) -> bool:
    t = names.table(module_id)
    binders = t.binders.get(scope, {}).get(name) if t else None
    return bool(binders) and binders[-1][0] == "value" and binders[-1][2] == ("name", "True")


def _has_fields(names: Names, module_id: str, qualname: str) -> bool:
    t = names.table(module_id)
    if t is None:
        return False
    for binders in t.binders.get(qualname, {}).values():
        value = binders[-1][2] if binders[-1][0] == "value" else None
        if value and value[0] == "call" and re.search(r"(Field|Key)$", str(value[1])):
            return True
    return False


def _document_collection(names: Names, module_id: str, qualname: str) -> str | None:
    meta = _class_binder(names, module_id, qualname, "meta")
    if isinstance(meta, Data) and meta.value[0] == "dict":
        entries = meta.value[1]
        if entries.get("abstract") == ("name", "True"):
            return None
        found = names.value(meta.module, meta.scope, entries.get("collection"))
        if isinstance(found, Text):
            return found.template
    settings = _class_text(names, module_id, f"{qualname}.Settings", "name")
    return settings or snake(qualname.rpartition(".")[2])


__all__ = ["DataRecognizer", "RELATIONAL", "SQL", "url_engine", "redis_url", "aws_service", "installed_apps"]

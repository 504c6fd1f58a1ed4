"""The assembled system: the code's data access and communication resolved per service,
databases identified, producers and consumers joined into links
(docs/data-and-communication.md states the rules).

A service runs its own modules and the shared modules (libraries of no service) its code
imports. A use written in a shared module counts for a service when it is written at
module level, or in a class or function the service imports by name (a models library
whose ``Order`` the service imports gives it the ``orders`` table, not every table of the
library). Templates are resolved through the service's environment: ``{env:NAME}`` takes
the deployed value, else the default the code gives, else stays unknown.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from urllib.parse import unquote, urlsplit

from archlint.graph.comm import CLIENT, CONSUMER, PRODUCER, SERVER, CommRecognizer, queue_name
from archlint.graph.data import RELATIONAL, SQL, DataRecognizer, installed_apps, url_engine
from archlint.graph.entrypoints import APPS, WRAPPED_APP, find_entrypoints
from archlint.graph.names import Names
from archlint.graph.resolve import ModuleIndex, relative_base
from archlint.model.facts import DYNAMIC, TYPE_CHECKING, FileFacts
from archlint.model.findings import Finding, Location
from archlint.model.infrastructure import engines_of
from archlint.model.rules import RULES
from archlint.model.source import is_peripheral
from archlint.model.system import (
    FUNCTION_KINDS, Database, DataUse, DeployUnit, Endpoint, Entrypoint, Link, Process, Service, safe_address,
)

UNKNOWN = "\x00"  # stands for a part of a template that has no value
EXTERNAL = "external:"
_ENV = re.compile(r"\{env:([A-Za-z_][\w.-]*)(?::-([^{}]*))?\}")
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "::", "host.docker.internal", "ip6-localhost"})
_INTERNAL_SUFFIXES = (".internal", ".local", ".svc", ".cluster.local", ".lan", ".intranet", ".corp", ".localdomain")
_DEFAULT_NAMES = {"redis": "0"}
_EVENT_PROTOCOLS = frozenset({"sqs", "sns", "kafka", "amqp", "eventbridge", "nats", "pubsub", "kinesis"})
_SYNC = frozenset({"http", "grpc"})
_MAX_EVIDENCE = 8
_DB_NAME_VAR = re.compile(r"(^|_)(DB|DATABASE|DBNAME)(_?NAME)?$", re.I)
_BROKER_VAR = re.compile(r"BROKER|CELERY|QUEUE|RABBIT|AMQP|KAFKA|NATS|(^|_)RQ_|CACHE|SESSION", re.I)
_HOST_VALUE = re.compile(r"[A-Za-z][\w.-]*(:\d+)?")
# Stores with no server of their own to share: a cloud account's tables, a file on disk.
_NO_SERVER = frozenset({"dynamodb", "s3", "sqlite"})


@dataclass(slots=True)
class System:
    """What the assembly gives the report and the verdict."""

    databases: list[Database] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    data_uses: list[DataUse] = field(default_factory=list)  # resolved, one per (service, use)
    findings: list[Finding] = field(default_factory=list)
    unresolved_connections: int = 0  # datastore connections with no deployed address
    # service -> its HTTP / gRPC clients whose address has no value (an SSM parameter, a
    # config service): a link may be there that archlint cannot see
    unknown_clients: dict[str, tuple[Location, ...]] = field(default_factory=dict)


def substitute(template: str, env: Mapping[str, str]) -> str:
    """``{env:NAME}`` / ``{env:NAME:-default}`` replaced by the deployed value (exact name,
    else any case), else the default, else UNKNOWN; other ``{...}`` parts become UNKNOWN."""
    folded = {k.upper(): v for k, v in env.items()}

    def fill(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = env.get(name)
        if value is None:
            value = folded.get(name.upper())
        if value is None:
            value = default
        return UNKNOWN if value is None else value

    return re.sub(r"\{[^{}]*\}", UNKNOWN, _ENV.sub(fill, template))


@dataclass(frozen=True, slots=True)
class Address:
    """The parts of a connection string that identify where it goes."""

    scheme: str
    host: str | None  # None when unknown
    port: str | None
    path: str
    user: str | None


def parse_address(text: str) -> Address | None:
    """A URL (``postgresql+psycopg2://u:p@db:5432/shop``), a libpq keyword string
    (``host=db dbname=shop``) or a bare ``host:port``; the first host of a list."""
    text = text.strip()
    if text[:5].lower() == "jdbc:":  # jdbc:postgresql://ledger-db:5432/postgresdb (a Java service's)
        text = text[5:]
    if "://" not in text:
        if re.match(r"^\w+=", text):
            pairs = dict(p.split("=", 1) for p in text.split() if "=" in p)
            return Address("", _host(pairs.get("host")), _value(pairs.get("port")),
                           pairs.get("dbname") or pairs.get("database") or "", _value(pairs.get("user")))
        if not text or text.startswith(("/", UNKNOWN)):
            return None
        text = "tcp://" + text
    scheme, _, rest = text.partition("://")
    netloc, slash, path = rest.partition("/")
    netloc = netloc.split(",")[0]  # mongodb://a:27017,b:27017/db: the first host names the cluster
    try:
        parts = urlsplit(f"{scheme}://{netloc}{slash}{path}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    user = unquote(parts.username) if parts.username else None
    return Address(scheme.lower(), _host(host), str(port) if port else None, unquote(parts.path), _value(user))


def _value(value: str | None) -> str | None:
    return None if not value or UNKNOWN in value else value


def _host(value: str | None) -> str | None:
    found = _value(value)
    return found.lower() if found else None


def literal_host(template: str) -> str | None:
    """The host of an address written into the code itself (not read from the environment,
    not a default of an environment variable)."""
    if template.startswith("{"):
        return None
    address = parse_address(re.sub(r"\{[^{}]*\}", UNKNOWN, template))
    if address is None or address.scheme in ("sqlite", "file"):
        return None
    return address.host


def is_internal_host(host: str, deploy_hosts: set[str]) -> bool:
    """A host that names a machine of the deployment rather than a public service: one
    the deploy files declare, a private or public IP literal, a name without dots, or an
    intranet suffix. Loopback addresses are development defaults, not endpoints."""
    if host in _LOOPBACK or host.endswith(".localhost"):
        return False
    if host in deploy_hosts or host.split(".")[0] in deploy_hosts and ".svc" in host:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
        return not address.is_loopback and not address.is_unspecified
    except ValueError:
        pass
    return "." not in host or host.endswith(_INTERNAL_SUFFIXES)


def topic_match(protocol: str, channel: str, pattern: str) -> bool:
    """Does a produced channel reach a consumer's binding? AMQP topic patterns (``*`` one
    word, ``#`` any), NATS subjects (``*``, ``>``), Redis glob patterns; else equality."""
    if channel == pattern:
        return True
    if UNKNOWN in channel:
        if UNKNOWN in pattern or len(channel.replace(UNKNOWN, "")) < 3 or UNKNOWN in channel.rpartition("/")[0]:
            return False
        if any(c in pattern for c in "*#>?["):
            return topic_match(protocol, channel.replace(UNKNOWN, "x"), pattern)
        regex = "[^/]+".join(re.escape(part) for part in channel.split(UNKNOWN))
        return re.fullmatch(regex, pattern) is not None
    if protocol == "amqp":
        exchange, _, key = channel.rpartition("/")
        p_exchange, _, p_key = pattern.rpartition("/")
        if exchange != p_exchange or not ("*" in p_key or "#" in p_key):
            return False
        regex = re.escape(p_key).replace(r"\*", r"[^.]+").replace(r"\#", r".*").replace(r"\.\.\*", r"(\..*)?")
        return re.fullmatch(regex, key) is not None
    if protocol == "nats" and ("*" in pattern or ">" in pattern):
        words, p_words = channel.split("."), pattern.split(".")
        for i, p in enumerate(p_words):
            if p == ">":
                return len(words) > i
            if i >= len(words) or (p != "*" and p != words[i]):
                return False
        return len(words) == len(p_words)
    if protocol == "redis" and any(c in pattern for c in "*?["):
        return fnmatchcase(channel, pattern)
    return False


class _Reach:
    """Which modules a service runs, and which names of each shared module it imports."""

    def __init__(self, index: ModuleIndex, facts: Mapping[str, FileFacts], services: Sequence[Service]) -> None:
        self.index = index
        self.facts = facts
        self.owner: dict[str, str] = {}
        for service in services:
            for module in service.modules:
                self.owner.setdefault(module, service.name)
        self.runs: dict[str, dict[str, set[str] | None]] = {}
        for service in services:
            self.runs[service.name] = self._reach(service)

    def _targets(self, module_id: str) -> Iterable[tuple[str, str | None]]:
        """(module id, name or None for the whole module) per run-time import."""
        importer = self.index.modules[module_id]
        facts = self.facts.get(importer.path)
        for fact in facts.imports if facts else ():
            if fact.kind in (TYPE_CHECKING, DYNAMIC):
                continue
            if fact.level:
                base = relative_base(importer, fact.level)
                if base is None:
                    continue
                stem = f"{base}.{fact.module}" if fact.module else base
                module = self.index.by_name.get((importer.root, stem))
            else:
                _, module = self.index.absolute(importer, fact.module)
            if module is None:
                continue
            if not fact.names:
                yield module.id, None
            for name, _ in fact.names:
                sub = self.index.by_name.get((module.root, f"{module.name}.{name}"))
                if sub is not None:
                    yield sub.id, None
                else:
                    yield module.id, None if name == "*" else name

    def _reach(self, service: Service) -> dict[str, set[str] | None]:
        runs: dict[str, set[str] | None] = {m: None for m in service.modules if m in self.index.modules}
        todo = list(runs)
        while todo:
            module_id = todo.pop()
            for target, name in self._targets(module_id):
                if self.owner.get(target, service.name) != service.name:
                    continue  # another service's code: its uses are its own
                if target in runs and runs[target] is None:
                    continue
                first = target not in runs
                if name is None:
                    runs[target] = None
                else:
                    runs.setdefault(target, set())
                    names = runs[target]
                    if names is not None:
                        names.add(name)
                if first:
                    todo.append(target)
        return runs

    def counts(self, service: str, module: str, scope: str) -> bool:
        runs = self.runs.get(service, {})
        if module not in runs:
            return False
        names = runs[module]
        return names is None or not scope or scope.partition(".")[0] in names


@dataclass(slots=True)
class _Db:
    engine: str
    instance: str
    name: str
    infra: Database | None = None
    tables: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    evidence: list[Location] = field(default_factory=list)
    used: bool = False


class _Assembly:
    def __init__(self, services: Sequence[Service], units: Sequence[DeployUnit], infra: Sequence[Database],
                 index: ModuleIndex, facts: Mapping[str, FileFacts]) -> None:
        self.services = sorted(services, key=lambda s: s.name)
        self.units = units
        self.index = index
        self.reach = _Reach(index, facts, self.services)
        self.dbs: dict[tuple[str, str, str], _Db] = {}
        self.instance_of: dict[str, str] = {}  # host -> infra instance
        self.project_instance: dict[tuple[str, str], str] = {}  # (compose directory, host) -> instance
        self.infra_engines: dict[str, set[str]] = defaultdict(set)
        for db in infra:
            self.dbs[(db.instance, db.name, db.engine)] = _Db(db.engine, db.instance, db.name, db, evidence=list(db.evidence))
            self.infra_engines[db.instance].add(db.engine)
        for unit in units:
            if not engines_of(unit.infrastructure):
                continue
            for db in infra:
                if unit.where in db.evidence:
                    for host in (unit.name.split(" (")[0], *unit.hosts):
                        self.instance_of.setdefault(host.lower(), db.instance)
                        if unit.kind == "compose":  # on its project's network, the name is its own
                            self.project_instance[(_project(unit), host.lower())] = db.instance
        self.projects = {s.name: {_project(u) for u in units if u.name in s.units and u.kind == "compose"}
                         for s in self.services}
        self.service_hosts: dict[str, str] = {}
        for service in self.services:
            for host in service.hosts:
                self.service_hosts.setdefault(host.lower(), service.name)
        self.deploy_hosts = {h.lower() for u in units for h in (u.name, *u.hosts)}
        self.infra_hosts = {h.lower() for u in units if u.infrastructure for h in (u.name, *u.hosts)}
        self.unresolved = 0
        self.unknown_clients: dict[str, list[Location]] = defaultdict(list)

    def counts(self, service: Service, module: str, scope: str) -> bool:
        """Does a use in ``module`` count for ``service``? Tests and tooling never do: a
        test's fixture talking to localhost is not where the service keeps its data."""
        return not is_peripheral(self.index.modules[module]) and self.reach.counts(service.name, module, scope)

    def where(self, module: str, line: int, note: str = "") -> Location:
        return Location(self.index.modules[module].path, line, note)

    def instance(self, host: str, service: Service | None = None) -> str:
        host = host.lower()
        for project in sorted(self.projects.get(service.name, ())) if service else ():
            if (project, host) in self.project_instance:
                return self.project_instance[(project, host)]
        if host in self.instance_of:
            return self.instance_of[host]
        first = host.split(".")[0]
        if ".svc" in host and first in self.instance_of:
            return self.instance_of[first]
        return host

    # -- databases ---------------------------------------------------------------------------
    def database(self, service: Service, use: DataUse) -> _Db | None:
        """The database a connection or collection use reaches for ``service``; None when
        its address has no value."""
        env = service.environment
        url = substitute(use.url, env) if use.url else None
        engine = url_engine(url) or use.engine
        if engine == "sqlite" or (url and url.startswith("sqlite")):
            path = (url or "").partition(":///")[2] or (substitute(use.database, env) if use.database else "")
            return self.db("sqlite", f"sqlite@{service.name}", path if UNKNOWN not in path else "")
        if engine == "dynamodb":
            table = substitute(use.tables[0], env) if use.tables else UNKNOWN
            endpoint = parse_address(url) if url else None
            if UNKNOWN in table:
                return None
            return self.db("dynamodb", self.instance(endpoint.host, service) if endpoint and endpoint.host else "aws", table)
        address = parse_address(url) if url else None
        if address is None or address.host is None:
            return None
        name = substitute(use.database, env) if use.database else ""
        if UNKNOWN in name:
            name = ""
        if not name:
            name = address.path.strip("/").split("/")[0] if address.path else ""
        if not name and engine == "postgresql":
            name = address.user or "postgres"
        name = name or _DEFAULT_NAMES.get(engine, "")
        return self.db(engine if engine != SQL else "sql", self.instance(address.host, service), name)

    def db(self, engine: str, instance: str, name: str) -> _Db:
        key = (instance, name, engine)
        if key not in self.dbs:
            for (i, n, e), existing in self.dbs.items():
                if i == instance and n == name and (e == engine or (engine == SQL and e in RELATIONAL)):
                    return existing
            if engine in RELATIONAL and engine != SQL:
                placeholder = self.dbs.get((instance, name, SQL))
                if placeholder is not None:
                    return placeholder
            server = next((d.infra for (i, _, e), d in sorted(self.dbs.items())
                           if i == instance and d.infra is not None and (e == engine or engine == SQL)), None)
            self.dbs[key] = _Db(engine, instance, name, server)  # the server's deploy entry is evidence too
        return self.dbs[key]

    def resolve_data(self, uses: Sequence[DataUse]) -> list[DataUse]:
        resolved: list[DataUse] = []
        for service in self.services:
            configured = self.configured(service)
            mine = [u for u in uses if self.counts(service, u.module, u.scope)]
            relational: list[tuple[DataUse, _Db]] = []
            by_module: dict[str, _Db] = {}
            deployed = self.deployed_alternatives(service, mine)
            for use in sorted(mine, key=_connect_order):
                if use.access == "connect" or (use.access in ("collection", "table") and use.engine in ("mongodb", "dynamodb")):
                    if use.access == "connect" and use.engine == "mongodb" and any(
                            u.access == "collection" and u.module == use.module for u in mine):
                        continue  # the collections say which databases it reaches
                    if deployed.get((use.module, use.scope), use) is not use:
                        continue  # another setting of this Django database is the one deployed
                    found = self.database(service, use)
                    if found is None:
                        found = self.only(configured, use.engine)
                    if found is None:
                        if use.access == "connect":
                            self.unresolved += 1
                        found = self.db(use.engine, "", f"{service.name}?")
                    if use.access == "connect" and (found.engine in RELATIONAL or found.engine == "sql"):
                        relational.append((use, found))
                        by_module.setdefault(use.module, found)
                    self.attach(found, service, use)
                    resolved.append(self.copy(use, service, found))
            for use in sorted(mine, key=_connect_order):
                if use.access not in ("model", "sql", "foreign_key") or use.engine not in RELATIONAL:
                    continue
                found = by_module.get(use.module) or (relational[0][1] if relational else None)
                if found is None:
                    found = self.only(configured, SQL) or self.db(SQL, "", f"{service.name}?")
                self.attach(found, service, use)
                resolved.append(self.copy(use, service, found))
            for db, where in configured:
                if service.name not in db.services:  # configured, whatever the code says of it
                    db.used = True
                    db.services.add(service.name)
                    db.evidence.append(where)
        return resolved

    def deployed_alternatives(self, service: Service, uses: Sequence[DataUse]) -> dict[tuple[str, str], DataUse]:
        """Settings that give one Django database several values (SQLite by default,
        PostgreSQL or MySQL when an environment variable says so) are alternatives; the
        one that reaches a server this deployment runs, with that server's engine, is the
        one deployed. (module, alias) -> that setting, where exactly one does."""
        groups: dict[tuple[str, str], list[DataUse]] = defaultdict(list)
        for use in uses:
            if use.access == "connect" and use.scope.startswith("DATABASES."):
                groups[(use.module, use.scope)].append(use)
        out: dict[tuple[str, str], DataUse] = {}
        for key, alternatives in groups.items():
            if len(alternatives) < 2:
                continue
            reached = []
            for use in alternatives:
                found = self.database(service, use)
                if found is not None and found.infra is not None and found.engine == use.engine:
                    reached.append(use)
            if len(reached) == 1:
                out[key] = reached[0]
        return out

    def configured(self, service: Service) -> list[tuple[_Db, Location]]:
        """Datastores the service's own deployment points it at: an environment value that
        is a datastore's host (``DB_HOST=postgres``) or a URL on it, the database named by
        the URL or by a ``*_DB`` / ``*_NAME`` variable, else the only one the server
        creates. Code often reads these through a framework's config file archlint cannot
        follow; the deployment still says where the service's data lives."""
        env = service.environment
        names = [v for k, v in sorted(env.items()) if _DB_NAME_VAR.search(k) and v and "/" not in v]
        out: dict[tuple[str, str, str], tuple[_Db, Location]] = {}
        for key, value in sorted(env.items()):
            if not value or _BROKER_VAR.search(key):
                continue
            address = parse_address(value) if "://" in value or _HOST_VALUE.fullmatch(value) else None
            if address is None or address.host is None or address.host not in self.instance_of:
                continue
            instance = self.instance(address.host, service)
            for engine in sorted(self.infra_engines.get(instance, ())):
                if address.scheme and url_engine(value) not in (None, engine):
                    continue
                name = address.path.strip("/").split("/")[0] if "://" in value else ""
                declared = sorted({n for (i, n, e), d in self.dbs.items() if i == instance and e == engine and n and d.infra})
                if not name:
                    name = next((n for n in names if n in declared), None) or (declared[0] if len(declared) == 1 else "")
                    if not name and len(names) == 1:
                        name = names[0]
                db = self.db(engine, instance, name)
                out.setdefault((instance, db.name, engine), (db, Location(service.where.path, service.where.line,
                                                                          f"{service.name}: {key}={safe_address(value)}")))
        return [out[k] for k in sorted(out)]

    @staticmethod
    def only(configured: list[tuple[_Db, Location]], engine: str) -> _Db | None:
        """The one configured datastore a connection of ``engine`` can be, if there is one."""
        fits = [db for db, _ in configured if db.engine == engine or (engine == SQL and db.engine in RELATIONAL)]
        return fits[0] if len(fits) == 1 else None

    def attach(self, db: _Db, service: Service, use: DataUse) -> None:
        db.used = True
        db.services.add(service.name)
        db.modules.add(use.module)
        if use.access != "foreign_key":
            db.tables.update(t for t in (substitute(t, service.environment) for t in use.tables) if UNKNOWN not in t)
        if use.access in ("connect", "table") or (use.access == "collection" and not db.evidence):
            note = f"{use.engine} {use.access}" if use.access != "connect" else "connection"
            db.evidence.append(self.where(use.module, use.line, note))

    def copy(self, use: DataUse, service: Service, db: _Db) -> DataUse:
        tables = tuple(sorted({substitute(t, service.environment) for t in use.tables} - {UNKNOWN}))
        return replace(use, service=service.name, database=_db_id(db, self.engines_at(db.instance)),
                       tables=tuple(t for t in tables if UNKNOWN not in t))

    def engines_at(self, instance: str) -> set[str]:
        return {e for (i, _, e), db in self.dbs.items() if i == instance and (db.used or db.infra)}

    def databases(self) -> list[Database]:
        used_instances = {d.instance for d in self.dbs.values() if d.used}
        out = []
        for db in self.dbs.values():
            if not db.used and (db.instance in used_instances or db.infra is None):
                continue  # a database the server creates that no code uses, next to ones it does; a lookup's
            services = tuple(sorted(db.services))
            evidence = tuple(sorted(set(db.evidence), key=lambda e: (e.path, e.line, e.note)))
            if db.infra is not None:
                evidence = tuple(db.infra.evidence) + tuple(e for e in evidence if e not in db.infra.evidence)
            out.append(Database(
                id=_db_id(db, self.engines_at(db.instance)),
                engine=db.engine,
                instance=db.instance,
                name=db.name,
                tables=tuple(sorted(db.tables)),
                services=services,
                modules=tuple(sorted(db.modules)),
                evidence=evidence[:_MAX_EVIDENCE],
            ))
        return sorted(out, key=lambda d: (d.id, d.engine))

    # -- links -----------------------------------------------------------------------------
    def links(self, endpoints: Sequence[Endpoint]) -> list[Link]:
        found: dict[tuple[str, str, str, str], list[Location]] = defaultdict(list)
        producers: list[tuple[str, str, str, Location]] = []
        consumers: list[tuple[str, str, str, Location]] = []
        grpc_servers: dict[str, list[tuple[str, Location]]] = defaultdict(list)
        clients: list[tuple[Service, Endpoint]] = []
        for service in self.services:
            for e in endpoints:
                if not self.counts(service, e.module, e.scope):
                    continue
                channel = substitute(e.channel, service.environment)
                where = self.where(e.module, e.line, f"{e.protocol} {e.role} {safe_address(e.channel)}")
                if e.role == CLIENT and e.protocol in _SYNC:
                    clients.append((service, e))
                elif e.role == CLIENT:  # nameko RPC: a proxy names the service it calls
                    producers.append((service.name, e.protocol, channel, where))
                elif e.role == SERVER and e.protocol == "grpc":
                    grpc_servers[channel].append((service.name, where))
                elif e.role == SERVER and e.protocol == "nameko-rpc":
                    consumers.append((service.name, e.protocol, channel, where))
                elif e.role == PRODUCER or (e.role == CONSUMER and UNKNOWN not in channel):
                    if e.protocol in ("sqs", "sns"):
                        channel = queue_name(channel) or channel
                    (producers if e.role == PRODUCER else consumers).append((service.name, e.protocol, channel, where))
            consumers += self.deployed_consumers(service)
        for service, e in clients:
            target, channel = self.http_target(service, e)
            if target is None and e.protocol == "grpc":
                for server, where in grpc_servers.get(e.channel, []):
                    if server != service.name:
                        found[(service.name, server, "grpc", e.channel)].append(where)
                        found[(service.name, server, "grpc", e.channel)].append(self.where(e.module, e.line, f"grpc stub {e.channel}"))
                continue
            if target is not None and target != service.name:
                found[(service.name, target, e.protocol, channel)].append(
                    self.where(e.module, e.line, f"{e.protocol} client {safe_address(e.channel)}"))
            elif target is None and self.address_unknown(service, e):
                self.unknown_clients[service.name].append(
                    self.where(e.module, e.line, f"{e.protocol} client {safe_address(e.channel)}"))
        for source, protocol, channel, where in producers:
            for target, c_protocol, pattern, c_where in consumers:
                if source != target and protocol == c_protocol and topic_match(protocol, channel, pattern):
                    shown = channel if UNKNOWN not in channel else pattern if not any(c in pattern for c in "*#>?[") \
                        else channel.replace(UNKNOWN, "{}")
                    found[(source, target, protocol, shown)] += [where, c_where]
        return sorted(
            (Link(s, t, p, c, tuple(sorted(set(ev), key=lambda e: (e.path, e.line, e.note)))[:_MAX_EVIDENCE])
             for (s, t, p, c), ev in found.items()),
            key=lambda link: (link.source, link.target, link.protocol, link.channel),
        )

    def http_target(self, service: Service, e: Endpoint) -> tuple[str | None, str]:
        """(target service or ``external:host``, channel) of an HTTP / gRPC client; target
        None when the address has no value or points at the machine itself or at
        infrastructure."""
        resolved, address = self.client_address(service, e)
        if address is None or address.host is None or address.host in _LOOPBACK:
            return None, ""
        host = address.host
        target = self.service_hosts.get(host) or (self.service_hosts.get(host.split(".")[0]) if ".svc" in host else None)
        if e.protocol == "grpc":
            channel = e.channel
        else:
            channel = safe_address(resolved.replace(UNKNOWN, "{}"))
        if target is not None:
            return target, channel
        if host in self.infra_hosts or host.split(".")[0] in self.infra_hosts and ".svc" in host:
            return None, ""
        return EXTERNAL + host, channel

    @staticmethod
    def client_address(service: Service, e: Endpoint) -> tuple[str, Address | None]:
        """An HTTP / gRPC client's address where ``service`` runs: as text, and parsed."""
        resolved = substitute(e.address if e.protocol == "grpc" and e.address else e.channel, service.environment)
        return resolved, parse_address(resolved)

    def address_unknown(self, service: Service, e: Endpoint) -> bool:
        """Whether a client's address has no value where ``service`` runs (not a loopback
        or an infrastructure host, which http_target leaves out on purpose)."""
        address = self.client_address(service, e)[1]
        return address is None or address.host is None or UNKNOWN in address.host

    def deployed_consumers(self, service: Service) -> list[tuple[str, str, str, Location]]:
        """Consumers the deploy files declare: function events on queues and topics, RQ
        workers' queues."""
        out = []
        for unit in self.units:
            if unit.name not in service.units:
                continue
            for event in unit.events:
                protocol, _, channel = event.partition(" ")
                if protocol in _EVENT_PROTOCOLS and channel:
                    out.append((service.name, protocol, channel, Location(unit.where.path, unit.where.line, event)))
            for process in unit.processes:
                words = process.command.split()
                if len(words) >= 3 and words[0] == "rq" and words[1] == "worker":
                    for queue in (w for w in words[2:] if not w.startswith("-")):
                        out.append((service.name, "rq", queue, process.where))
        return out

    # -- findings --------------------------------------------------------------------------
    def hard_coded(self, uses: Sequence[DataUse], endpoints: Sequence[Endpoint]) -> list[Finding]:
        rule = RULES.get("AL206")
        if rule is None:
            return []
        seen: set[tuple[str, int, str]] = set()
        out = []
        candidates: list[tuple[str, int, str, str]] = []
        for use in uses:
            if use.access == "connect" and use.url:
                candidates.append((use.module, use.line, use.url, use.engine))
        for e in endpoints:
            if e.role == CLIENT and e.protocol in _SYNC:
                candidates.append((e.module, e.line, e.address if e.protocol == "grpc" and e.address else e.channel, e.protocol))
            elif e.address:
                candidates.append((e.module, e.line, e.address, e.protocol))
        for module, line, template, what in sorted(candidates):
            host = literal_host(template)
            if host is None or not is_internal_host(host, self.deploy_hosts) or (module, line, host) in seen:
                continue
            seen.add((module, line, host))
            path = self.index.modules[module].path
            message = f"{what} address with the host '{host}' written into the code: {safe_address(template)}"
            out.append(Finding(rule.code, rule.severity, message, path, line, f"{module}:{host}",
                               (Location(path, line, safe_address(template)),)))
        return out

    def shared_servers(self, databases: Sequence[Database]) -> list[Finding]:
        rule = RULES.get("AL209")
        if rule is None:
            return []
        by_instance: dict[str, list[Database]] = defaultdict(list)
        for db in databases:
            if db.services and db.instance and db.engine not in _NO_SERVER:
                by_instance[db.instance].append(db)
        out = []
        for instance, dbs in sorted(by_instance.items()):
            services = sorted({s for d in dbs for s in d.services})
            if len(dbs) < 2 or len(services) < 2 or any(len(d.services) == len(services) for d in dbs):
                continue
            names = ", ".join(f"{d.name} ({', '.join(d.services)})" for d in dbs)
            first = dbs[0].evidence[0] if dbs[0].evidence else Location("", 0)
            out.append(Finding(rule.code, rule.severity,
                               f"services {', '.join(services)} keep separate databases on one server {instance}: {names}",
                               first.path, first.line, instance, tuple(e for d in dbs for e in d.evidence[:1])))
        return out


def _project(unit: DeployUnit) -> str:
    """The compose project a unit belongs to: the directory of its compose file."""
    return unit.where.path.rpartition("/")[0]


def _connect_order(use: DataUse) -> tuple[int, str, int]:
    """Connections before tables; Django's ``default`` database first."""
    return (0 if use.scope == "DATABASES.default" else 1, use.module, use.line)


def _db_id(db: _Db, engines: set[str]) -> str:
    if not db.instance:
        return f"unresolved:{db.name.rstrip('?')}"
    base = f"{db.instance}/{db.name}" if db.name else db.instance
    return f"{base}#{db.engine}" if len(engines) > 1 else base


@dataclass(slots=True)
class CodeUses:
    """What the code says, per module, before services are known."""

    entrypoints: list[Entrypoint]
    data: list[DataUse]
    endpoints: list[Endpoint]
    django_apps: dict[str, str] = field(default_factory=dict)  # installed app's package id -> label


def read_code(index: ModuleIndex, facts: Mapping[str, FileFacts], units: Sequence[DeployUnit]) -> CodeUses:
    """Entrypoints (with the web apps deploy files wrap into one function), data access
    and communication endpoints of every module."""
    # Tests and tooling are not where services keep data or talk (and are most of the code
    # of some packages): their facts are left out before any name is resolved.
    paths = {m.path for m in index.modules.values() if is_peripheral(m)}
    names = Names(index, {path: f for path, f in facts.items() if path not in paths})
    found = set(find_entrypoints(names)) | set(deployed_handlers(units, names))
    entrypoints = sorted(found | set(wrapped_apps(units, sorted(found, key=_entry_order))), key=_entry_order)
    apps = {}
    for app, label, settings, _ in installed_apps(names):
        where, found = index.absolute(index.modules[settings], app)
        if where == "internal" and found is not None and found.name == app:
            apps[found.id] = label
    return CodeUses(entrypoints, DataRecognizer(names).run(), CommRecognizer(names).run(), dict(sorted(apps.items())))


def module_tables(uses: Sequence[DataUse], access: Iterable[str] = ("model", "sql", "collection", "table")
                  ) -> dict[str, set[str]]:
    """The tables each module touches (or, with ``access=("model",)``, defines): modules on
    one table belong together (coupling clusters), and a cluster's own tables make it a
    better split candidate."""
    kinds = set(access)
    out: dict[str, set[str]] = defaultdict(set)
    for use in uses:
        if use.access in kinds:
            out[use.module].update(t for t in use.tables if "{" not in t)
    return {module: tables for module, tables in out.items() if tables}


def wrapped_apps(units: Sequence[DeployUnit], entrypoints: Sequence[Entrypoint]) -> list[Entrypoint]:
    """A function whose handler is a web application module (serverless-wsgi's
    ``wsgi_handler.handler`` running ``custom.wsgi.app``): a whole app in one function."""
    apps = {e.module: e for e in entrypoints if e.kind in set(APPS.values())}
    lambdas = {(e.module, e.name) for e in entrypoints if e.kind == "lambda"}
    out = []
    for process, handler in _function_handlers(units):
        app = apps.get(process.module_id or "")
        if app is not None and (app.module, handler) not in lambdas:
            out.append(Entrypoint(app.module, WRAPPED_APP, process.name, app.line))
    return out


def deployed_handlers(units: Sequence[DeployUnit], names: Names) -> list[Entrypoint]:
    """The handler functions deploy files name (``Handler: list_cart.lambda_handler``),
    whatever their signature or decorators (powertools wraps most of them)."""
    out = []
    for process, handler in _function_handlers(units):
        t = names.table(process.module_id) if process.module_id else None
        definition = t.functions.get(handler) if t is not None else None
        if definition is not None and definition.kind == "function":
            out.append(Entrypoint(process.module_id, "lambda", handler, definition.line))
    return out


def _function_handlers(units: Sequence[DeployUnit]) -> Iterator[tuple[Process, str]]:
    """Each process of a function platform, with the name of the handler it runs."""
    for unit in units:
        if unit.kind in FUNCTION_KINDS:
            for process in unit.processes:
                yield process, process.command.rpartition(".")[2]


def _entry_order(e: Entrypoint) -> tuple[str, int, str, str]:
    return e.module, e.line, e.kind, e.name


def assemble_system(
    services: Sequence[Service],
    units: Sequence[DeployUnit],
    infrastructure: Sequence[Database],
    index: ModuleIndex,
    facts: Mapping[str, FileFacts],
    code: CodeUses,
) -> System:
    """Databases, links, resolved uses and the findings about them (AL206, AL209)."""
    assembly = _Assembly(services, units, infrastructure, index, facts)
    resolved = assembly.resolve_data(code.data)
    databases = assembly.databases()
    links = assembly.links(code.endpoints)  # which also gathers the clients of unknown address
    return System(
        databases=databases,
        links=links,
        data_uses=sorted(set(resolved), key=lambda u: (u.service or "", u.module, u.line, u.access, u.tables)),
        findings=assembly.hard_coded(code.data, code.endpoints) + assembly.shared_servers(databases),
        unresolved_connections=assembly.unresolved,
        unknown_clients={s: tuple(sorted(set(w), key=lambda e: (e.path, e.line, e.note)))
                         for s, w in sorted(assembly.unknown_clients.items())},
    )


__all__ = ["EXTERNAL", "CodeUses", "module_tables", "System", "assemble_system", "read_code", "wrapped_apps", "literal_host", "parse_address", "substitute", "topic_match"]

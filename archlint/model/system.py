"""What a repository deploys, where its data lives and how its parts talk.

Three layers, filled by three pieces of the pipeline:

- ``DeployUnit`` / ``Process``: read from deploy files (discover stage): compose services,
  Dockerfiles, Kubernetes workloads, Procfile entries, serverless functions.
- ``Entrypoint`` / ``DataUse`` / ``Endpoint``: read from the code's facts (graph stage),
  per module, before anyone knows which service a module belongs to. Values that come from
  the environment stay symbolic (``{env:DATABASE_URL}``) until a service's deployment
  gives them a value.
- ``Service`` / ``Database`` / ``Link``: the assembled system (graph stage): modules grouped
  into services, environment resolved through each service's deployment, databases
  identified by (instance, name), producers and consumers joined into links.

Every record carries where it was seen (``Location``): a deploy file entry or a file:line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archlint.model.findings import Location

# --- from deploy files -------------------------------------------------------------------

# DeployUnit.kind values, in the order their declarations take precedence (a compose
# service names a service before the Kubernetes workload running the same code does).
DEPLOY_KINDS = ("compose", "kubernetes", "procfile", "appengine", "serverless", "sam", "cloudformation", "chalice",
                "azure-functions", "gcp-functions", "console-scripts", "dockerfile")
FUNCTION_KINDS = frozenset({"serverless", "sam", "cloudformation", "chalice", "azure-functions", "gcp-functions"})


@dataclass(slots=True, unsafe_hash=True)
class Process:
    """One way a unit starts code: ``web: gunicorn shop.wsgi:app`` gives name "web",
    the command, and module "shop.wsgi" (the dotted module as written, when known)."""

    name: str
    command: str
    module: str | None
    where: Location
    script: str | None = None  # the file it runs (``python tools/sync.py``, a Lambda handler's file)
    module_id: str | None = None  # the module id ``module`` / ``script`` resolves to (set by assembly)


@dataclass(slots=True)
class DeployUnit:
    """A deployable thing declared in a deploy file. ``infrastructure`` names third-party
    software (postgres, redis, kafka, nginx, ...) for units that run no code of the
    repository; datastores among them become database instances."""

    name: str
    kind: str  # compose | dockerfile | kubernetes | procfile | serverless | sam | ...
    where: Location
    context: str | None = None  # build context / code directory, relative to the root
    dockerfile: str | None = None
    image: str | None = None
    processes: list[Process] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    infrastructure: str | None = None
    # paths COPYed from outside the unit's own directory -> where (the COPY line, a Layers entry)
    copies_from: dict[str, Location] = field(default_factory=dict)
    base_image: str | None = None  # an in-repo base image this unit builds FROM (its Dockerfile)
    base_where: Location | None = None  # the FROM line naming it
    root: str | None = None  # the directory of the unit's own code (a Dockerfile's, a Procfile's)
    code: tuple[str, ...] = ()  # directories / files holding the unit's own code, relative to the root
    hosts: tuple[str, ...] = ()  # names other containers reach it by (compose service, k8s Service)
    group: str | None = None  # the project that declares it (serverless `service:`, chalice app, ...)
    profiles: tuple[str, ...] = ()  # compose profiles: started only when asked for
    events: tuple[str, ...] = ()  # what triggers a function: "http GET /orders", "sqs orders-queue"
    runtime: str | None = None  # a function's runtime (python3.12, nodejs20.x)


# --- from code ---------------------------------------------------------------------------


@dataclass(slots=True, unsafe_hash=True)
class Entrypoint:
    """Where code starts: an app object, a worker, a handler, a script."""

    module: str  # module id
    kind: str  # fastapi | flask | django | celery | lambda | grpc | main | ...
    name: str  # the object or function (``app``, ``handler``), '' for a script
    line: int


@dataclass(slots=True, unsafe_hash=True)
class DataUse:
    """A module touching a datastore: a connection (``url`` as a literal or a template
    with ``{env:NAME}`` / ``{env:NAME:-default}``), a model or table (``tables``), raw SQL,
    a foreign key (``tables`` names the table it points at).

    Read from code, ``database`` is the database name as the code gives it (a template)
    and ``service`` is None. The assembled system resolves every use once per service
    that runs its module: those copies name the ``service`` and, in ``database``, the id
    of the Database they reached."""

    module: str
    engine: str  # postgresql | mysql | sqlite | mongodb | redis | dynamodb | ... | "sql" (relational, engine unknown)
    access: str  # connect | model | sql | foreign_key | collection | table
    url: str | None
    database: str | None
    tables: tuple[str, ...]
    line: int
    scope: str = ""  # the class or function it is written in ('' at module level)
    service: str | None = None


@dataclass(slots=True, unsafe_hash=True)
class Endpoint:
    """A module's side of communication: calling a URL, serving a route, producing to or
    consuming from a topic or queue, a gRPC stub or server."""

    module: str
    role: str  # client | server | producer | consumer
    protocol: str  # http | grpc | amqp | kafka | sqs | sns | eventbridge | kinesis | pubsub | nats | redis |
    #                celery | rq | dramatiq | nameko-rpc | nameko-event
    channel: str  # URL template, "GET /orders/{id}", topic, queue, "exchange/routing.key", gRPC service
    line: int
    scope: str = ""  # the class or function it is written in ('' at module level)
    address: str | None = None  # where it connects: a broker URL, a gRPC target (template)


# --- the assembled system ----------------------------------------------------------------


@dataclass(slots=True)
class Service:
    """Code of the repository deployed as one thing: deploy units that run one code base
    (docs/services.md). ``units`` are DeployUnit names; ``hosts`` the names other services
    reach it by; ``implicit`` when no deploy file declares it (one runnable code base)."""

    name: str
    root: str  # directory holding its code, relative to the scanned root
    where: Location  # where it is declared
    units: tuple[str, ...] = ()
    processes: tuple[Process, ...] = ()
    modules: tuple[str, ...] = ()
    entrypoints: tuple[Entrypoint, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()
    implicit: bool = False


@dataclass(slots=True)
class Database:
    """One database: an ``instance`` (the compose / k8s service or host it lives on) and a
    ``name``. Two services on one instance with different names share a server, not a
    database."""

    id: str  # "instance/name"
    engine: str
    instance: str
    name: str
    tables: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    evidence: tuple[Location, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Link:
    """Service ``source`` talks to ``target`` (a service, or ``external:host``)."""

    source: str
    target: str
    protocol: str
    channel: str
    evidence: tuple[Location, ...]


def safe_address(text: str) -> str:
    """An address fit to print: no user or password, no query string."""
    return re.sub(r"(://)[^/@\s]*@", r"\1", text).partition("?")[0]

"""The Report: one model that every output format renders."""

from __future__ import annotations

from dataclasses import dataclass, field

from archlint.model.analysis import PackageMetric, Partition, SplitCandidate, Verdict
from archlint.model.calls import Call, CallCoverage, Function
from archlint.model.check import CheckOutcome
from archlint.model.contracts import ContractResult
from archlint.model.findings import Finding, Location
from archlint.model.source import Module
from archlint.model.system import Database, DataUse, DeployUnit, Endpoint, Entrypoint, Link, Service

SCHEMA_VERSION = 1

STDLIB = "stdlib"
THIRD_PARTY = "third_party"


@dataclass(slots=True, unsafe_hash=True)
class Dependency:
    """Module ``source`` depends on module ``target`` (both internal ids) by ``kind``
    (an import kind from model.facts, or "call"), at ``lines`` of the source's file."""

    source: str
    target: str
    kind: str
    lines: tuple[int, ...]
    count: int = 0  # call sites, for kind "call" (two calls on one line count twice)


@dataclass(slots=True, unsafe_hash=True)
class ExternalImport:
    """A top-level distribution name imported from outside the repository."""

    name: str
    kind: str  # STDLIB | THIRD_PARTY
    imported_by: tuple[str, ...]


@dataclass(slots=True, unsafe_hash=True)
class UnresolvedImport:
    """An import that names the repository's own code but no module of the scan: an
    excluded directory, a compiled extension, a typo, or an ``app`` two roots hold."""

    source: str  # id of the importing module
    path: str
    line: int
    name: str  # the module as written, with a relative import's dots


@dataclass(slots=True, unsafe_hash=True)
class Cycle:
    """A strongly connected set of modules (or packages) and one shortest cycle through
    its first member, each step with the file and line of the import that makes it."""

    members: tuple[str, ...]
    example: tuple[str, ...]  # a -> b -> ... -> a, first element repeated at the end
    evidence: tuple[Location, ...]


@dataclass(slots=True)
class Summary:
    files: int = 0
    modules: int = 0
    packages: int = 0
    parse_errors: int = 0
    imports: int = 0
    unresolved_imports: int = 0
    calls: CallCoverage = field(default_factory=CallCoverage)
    # datastore connections and service clients whose address has no known value
    unresolved_connections: int = 0


@dataclass(slots=True)
class Report:
    root: str
    tool_version: str
    summary: Summary = field(default_factory=Summary)
    modules: list[Module] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    external: list[ExternalImport] = field(default_factory=list)
    unresolved: list[UnresolvedImport] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    package_depth: int = 1
    packages: list[PackageMetric] = field(default_factory=list)
    package_cycles: list[Cycle] = field(default_factory=list)
    partition: Partition | None = None
    split_candidates: list[SplitCandidate] = field(default_factory=list)
    verdict: Verdict | None = None
    services: list[Service] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)
    contracts: list[ContractResult] = field(default_factory=list)
    check: CheckOutcome | None = None  # set by `archlint check`
    deploy_units: list[DeployUnit] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    entrypoints: list[Entrypoint] = field(default_factory=list)
    data_uses: list[DataUse] = field(default_factory=list)  # per module, as the code gives them
    endpoints: list[Endpoint] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

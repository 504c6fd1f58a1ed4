"""Results of the analysis: coupling clusters, package metrics, split candidates and the
verdict. Every number a user sees is a field here, so nothing is a black box."""

from __future__ import annotations

from dataclasses import dataclass, field

from archlint.model.findings import Location

# --- coupling clusters -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of modules that lean on each other more than on the rest."""

    id: int
    name: str  # suggested: the package most of its modules live in
    modules: tuple[str, ...]
    cohesion: float  # internal edge density in [0, 1]
    coupling: int  # edges (either direction) between this cluster and the others
    internal_weight: float
    external_weight: float
    packages: tuple[tuple[str, int], ...]  # (package, modules of this cluster in it), largest first
    tables_owned: tuple[str, ...] = ()  # touched by this cluster only
    tables_shared: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (table, other clusters)


@dataclass(frozen=True, slots=True)
class PackageFit:
    """How the coupling clusters treat a package (or a Django app): kept whole when all
    its clustered modules fall in one cluster, split across clusters otherwise."""

    package: str
    app: str | None  # the Django app label, when the package is an installed app
    modules: int  # its modules in some cluster
    clusters: tuple[tuple[str, int], ...]  # (cluster name, its modules there), largest first


@dataclass(slots=True)
class Partition:
    """The community structure of the module graph (Louvain, fixed seed)."""

    modularity: float
    clusters: list[Cluster] = field(default_factory=list)
    unclustered: tuple[str, ...] = ()  # modules with no internal edges at all
    excluded: tuple[str, ...] = ()  # tests and the like, left out of clustering
    seed: int = 0
    resolution: float = 1.0
    hubs: tuple[str, ...] = ()  # the shared core: modules nearly everything depends on
    packages: tuple[PackageFit, ...] = ()  # top-level packages and Django apps against the clusters


# --- packages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageMetric:
    """Robert C. Martin's package metrics: afferent coupling Ca (packages depending on this
    one), efferent coupling Ce (packages it depends on), instability Ce / (Ca + Ce)."""

    package: str
    modules: int
    afferent: int
    efferent: int
    instability: float


# --- split candidates ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CutEdge:
    """A dependency that would cross the new service boundary: an import or calls from
    ``source`` to ``target`` with where they are."""

    source: str
    target: str
    imports: int
    calls: int
    where: Location


@dataclass(frozen=True, slots=True)
class SplitCandidate:
    cluster: int
    name: str
    modules: tuple[str, ...]
    size: int
    cut_imports: int  # import statements crossing the boundary (both directions)
    cut_calls: int  # resolved call sites crossing it
    heaviest: tuple[CutEdge, ...]
    tables_owned: tuple[str, ...]
    tables_shared: tuple[tuple[str, tuple[str, ...]], ...]  # (table, other candidates' names)
    cycles: tuple[tuple[str, ...], ...]  # module cycles this candidate is part of (members)
    score: float
    score_parts: tuple[tuple[str, float], ...]  # (name, value): the score is their product
    packages: str  # how the candidate relates to existing packages, in words
    core_imports: int = 0  # of the cut, imports to or from the shared core (hubs): separation leaves them out
    core_calls: int = 0


# --- the verdict ---------------------------------------------------------------------------

MONOLITH = "monolith"
MODULAR_MONOLITH = "modular-monolith"
GENERIC_SERVICES = "generic-services"
MICROSERVICES = "microservices"
SERVERLESS = "serverless"
MIXED = "mixed"
UNKNOWN = "unknown"
VERDICTS = (UNKNOWN, MONOLITH, MODULAR_MONOLITH, GENERIC_SERVICES, MIXED, MICROSERVICES, SERVERLESS)

MICROSERVICE = "microservice"
GENERIC_SERVICE = "generic-service"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a verdict, with evidence a user can open. ``code`` names the kind of
    reason (a rule code such as AL202 for a coupling, or a short word)."""

    code: str
    message: str
    evidence: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceVerdict:
    service: str
    kind: str  # MICROSERVICE | GENERIC_SERVICE
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # one of VERDICTS
    confidence: float
    reasons: tuple[Reason, ...]
    services: tuple[ServiceVerdict, ...] = ()

"""Contracts: boundaries a team writes down in `[[tool.archlint.contracts]]`, in the
validated form the analysis checks. Module names may be globs (``shop.*.models``); they are
matched against the scanned modules when the contract is checked, not when it is read.

The semantics follow import-linter where the two overlap (docs/contracts.md).
"""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = "layers"
FORBIDDEN = "forbidden"
INDEPENDENCE = "independence"
SERVICE_INDEPENDENCE = "service-independence"
ACYCLIC = "acyclic"
CONTRACT_TYPES = (LAYERS, FORBIDDEN, INDEPENDENCE, SERVICE_INDEPENDENCE, ACYCLIC)

RULE_OF = {
    LAYERS: "AL301",
    FORBIDDEN: "AL302",
    INDEPENDENCE: "AL303",
    SERVICE_INDEPENDENCE: "AL304",
    ACYCLIC: "AL305",
}


@dataclass(frozen=True, slots=True)
class IgnoredImport:
    """``importer -> imported`` (globs allowed): an import the contract accepts."""

    importer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contract:
    """What every contract has. ``where`` names it in messages
    (``pyproject.toml: tool.archlint.contracts[2]``)."""

    name: str
    type: str
    where: str
    ignore_imports: tuple[IgnoredImport, ...] = ()
    exclude_type_checking_imports: bool = False


@dataclass(frozen=True, slots=True)
class Layer:
    """One line of ``layers``: one module, or siblings separated by ``|`` (independent of
    each other) or ``:`` (free to import each other). ``optional`` layers, written in
    parentheses, may be missing from a container."""

    modules: tuple[str, ...]
    independent: bool = True
    optional: bool = False

    def __str__(self) -> str:
        text = (" | " if self.independent else " : ").join(self.modules)
        return f"({text})" if self.optional else text


@dataclass(frozen=True, slots=True, kw_only=True)
class LayersContract(Contract):
    layers: tuple[Layer, ...]
    containers: tuple[str, ...] = ()
    exhaustive: bool = False
    exhaustive_ignores: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ForbiddenContract(Contract):
    source_modules: tuple[str, ...]
    forbidden_modules: tuple[str, ...]
    allow_indirect_imports: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class IndependenceContract(Contract):
    modules: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceIndependenceContract(Contract):
    """``services``: (name, path globs) pairs; empty means the services the scan discovered."""

    services: tuple[tuple[str, tuple[str, ...]], ...] = ()
    allow_indirect_imports: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AcyclicContract(Contract):
    """No cycles among the children of each ``ancestors`` package, down ``depth``
    generations (0 = the children only), or among the listed ``modules``."""

    ancestors: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    depth: int = 10
    skip_descendants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContractResult:
    """How a contract fared: ``violations`` counts its findings left after rule selection,
    ignores and the like; ``unused_ignores`` are `ignore_imports` entries that matched no
    import (stale: remove them)."""

    name: str
    type: str
    kept: bool
    violations: int
    unused_ignores: tuple[str, ...] = ()

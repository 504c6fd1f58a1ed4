"""`[[tool.archlint.contracts]]`: each table checked for its shape (required keys, types,
unknown keys) into a model Contract. Whether the modules it names exist is checked against
the scan (archlint/analyze/contracts.py), since only the scan knows the modules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from archlint.model.contracts import (
    ACYCLIC,
    CONTRACT_TYPES,
    FORBIDDEN,
    INDEPENDENCE,
    LAYERS,
    SERVICE_INDEPENDENCE,
    AcyclicContract,
    Contract,
    ForbiddenContract,
    IgnoredImport,
    IndependenceContract,
    Layer,
    LayersContract,
    ServiceIndependenceContract,
)
from archlint.model.errors import ConfigError
from archlint.model.globs import is_glob

_MODULE = re.compile(r"^(?:[^:\s]+:)?[\w*?\[\]!]+(?:\.[\w*?\[\]!]+)*$")

Field = Callable[[Any, str], Any]  # (value, key for messages) -> checked value


class _Table:
    """One contract table being read: typed getters that raise ConfigError naming the
    file and the full key."""

    def __init__(self, raw: Mapping[str, Any], label: str, where: str) -> None:
        self.raw, self.label, self.where = raw, label, where
        self.used: set[str] = set()

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.label, f"{self.where}.{key}" if key else self.where, problem)

    def get(self, key: str, check: Field, default: Any = None, *, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if required:
                raise self.error(key, "missing (required for this contract type)")
            return default
        return check(self.raw[key], key)

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {_describe(value)}")
        return value.strip()

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {_describe(value)}")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(key, f"must be a list of non-empty strings, got {_describe(value)}")
        return tuple(v.strip() for v in value)

    def modules(self, value: Any, key: str) -> tuple[str, ...]:
        names = self.strings(value, key)
        for i, name in enumerate(names):
            if not _MODULE.match(name):
                raise self.error(f"{key}[{i}]", f"'{name}' is not a module name (dotted names and globs like shop.*.models)")
        if not names:
            raise self.error(key, "must name at least one module")
        return names

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            key = unknown[0]
            near = difflib.get_close_matches(key.replace("-", "_"), sorted(self.used), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise self.error(key, f"unknown key for a {self.raw.get('type')} contract{hint}")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def contracts(value: Any, label: str, key: str) -> tuple[Contract, ...]:
    """The `contracts` key: an array of tables."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(label, key, "must be an array of tables ([[tool.archlint.contracts]])")
    out: list[Contract] = []
    names: set[str] = set()
    for i, raw in enumerate(value):
        contract = _contract(raw, label, f"{key}[{i}]")
        if contract.name in names:
            raise ConfigError(label, f"{key}[{i}].name", f"another contract is already named '{contract.name}'")
        names.add(contract.name)
        out.append(contract)
    return tuple(out)


def _contract(raw: Mapping[str, Any], label: str, where: str) -> Contract:
    table = _Table(raw, label, where)
    name = table.get("name", table.string, required=True)
    table.where = f"{where} ({name})"
    kind = table.get("type", table.string, required=True)
    if kind not in CONTRACT_TYPES:
        near = difflib.get_close_matches(kind.replace("_", "-"), CONTRACT_TYPES, n=1, cutoff=0.5)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise table.error("type", f"unknown contract type '{kind}'{hint}; one of {', '.join(CONTRACT_TYPES)}")
    common: dict[str, Any] = {
        "name": name,
        "type": kind,
        "where": table.where,
        "ignore_imports": table.get("ignore_imports", lambda v, k: _ignores(table, v, k), ()),
        "exclude_type_checking_imports": table.get("exclude_type_checking_imports", table.boolean, False),
    }
    contract = _BUILDERS[kind](table, common)
    table.finish()
    return contract


def _ignores(table: _Table, value: Any, key: str) -> tuple[IgnoredImport, ...]:
    out = []
    for i, text in enumerate(table.strings(value, key)):
        importer, arrow, imported = text.partition("->")
        importer, imported = importer.strip(), imported.strip()
        if not arrow or not _MODULE.match(importer) or not _MODULE.match(imported):
            raise table.error(f"{key}[{i}]", f"'{text}' must have the form 'importer.module -> imported.module'")
        out.append(IgnoredImport(importer, imported))
    return tuple(out)


def _layers(table: _Table, common: dict[str, Any]) -> Contract:
    def parse(value: Any, key: str) -> tuple[Layer, ...]:
        lines = table.strings(value, key)
        if len(lines) < 2:
            raise table.error(key, "must list at least two layers, highest first")
        out = []
        for i, line in enumerate(lines):
            text = line.strip()
            optional = text.startswith("(") and text.endswith(")")
            text = text[1:-1].strip() if optional else text
            # ':' separates only with spaces around it: module ids may hold one (root:name)
            colon = re.search(r"\s:\s", text)
            if "|" in text and colon:
                raise table.error(f"{key}[{i}]", f"'{line}' mixes '|' and ':'; use one separator per layer")
            independent = not colon
            parts = tuple(p.strip() for p in re.split(r"\||\s:\s", text))
            for name in parts:
                if not _MODULE.match(name) or is_glob(name):
                    raise table.error(f"{key}[{i}]", f"'{name}' is not a module name (layers take no globs)")
            out.append(Layer(parts, independent, optional))
        return tuple(out)

    containers = table.get("containers", table.modules, ())
    exhaustive = table.get("exhaustive", table.boolean, False)
    if exhaustive and not containers:
        raise table.error("exhaustive", "needs `containers` (the packages whose children must all be layers)")
    return LayersContract(
        **common,
        layers=table.get("layers", parse, required=True),
        containers=containers,
        exhaustive=exhaustive,
        exhaustive_ignores=table.get("exhaustive_ignores", table.strings, ()),
    )


def _forbidden(table: _Table, common: dict[str, Any]) -> Contract:
    return ForbiddenContract(
        **common,
        source_modules=table.get("source_modules", table.modules, required=True),
        forbidden_modules=table.get("forbidden_modules", table.modules, required=True),
        allow_indirect_imports=table.get("allow_indirect_imports", table.boolean, False),
    )


def _independence(table: _Table, common: dict[str, Any]) -> Contract:
    modules = table.get("modules", table.modules, required=True)
    if len(modules) < 2:
        raise table.error("modules", "must list at least two modules")
    return IndependenceContract(**common, modules=modules)


def _service_independence(table: _Table, common: dict[str, Any]) -> Contract:
    def services(value: Any, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(value, dict):
            raise table.error(key, f"must be a table of service name = path glob(s), got {_describe(value)}")
        if len(value) < 2:
            raise table.error(key, "must declare at least two services")
        return tuple((name, table.strings(paths, f"{key}.{name}")) for name, paths in sorted(value.items()))

    return ServiceIndependenceContract(
        **common,
        services=table.get("services", services, ()),
        allow_indirect_imports=table.get("allow_indirect_imports", table.boolean, False),
    )


def _acyclic(table: _Table, common: dict[str, Any]) -> Contract:
    def depth(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise table.error(key, f"must be an integer >= 0, got {_describe(value)}")
        return value

    ancestors = table.get("ancestors", table.modules, ())
    modules = table.get("modules", table.modules, ())
    if bool(ancestors) == bool(modules):
        raise table.error("ancestors", "give either `ancestors` (check their children) or `modules` (check these), not both")
    if modules and len(modules) < 2:
        raise table.error("modules", "must list at least two modules")
    return AcyclicContract(
        **common,
        ancestors=ancestors,
        modules=modules,
        depth=table.get("depth", depth, 10),
        skip_descendants=table.get("skip_descendants", table.modules, ()),
    )


_BUILDERS: dict[str, Callable[[_Table, dict[str, Any]], Contract]] = {
    LAYERS: _layers,
    FORBIDDEN: _forbidden,
    INDEPENDENCE: _independence,
    SERVICE_INDEPENDENCE: _service_independence,
    ACYCLIC: _acyclic,
}

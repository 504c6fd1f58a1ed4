"""Resolving names as written in a file to the repository's modules.

An absolute import is looked up first under the importer's own import root, then under the
one other root that holds its top-level name; when several other roots hold it (two
services' ``app``) and the importer's root does not, the import is ambiguous and left
unresolved rather than guessed.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable

from archlint.model.facts import ImportFact
from archlint.model.report import STDLIB, THIRD_PARTY
from archlint.model.source import Module

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__", "__main__"}


class ModuleIndex:
    """Modules by (root, dotted name) and by path, plus which roots hold a top-level name."""

    def __init__(self, modules: Iterable[Module]) -> None:
        self.modules: dict[str, Module] = {}
        self.by_name: dict[tuple[str, str], Module] = {}
        self.by_path: dict[str, Module] = {}
        self.roots_of: dict[str, set[str]] = defaultdict(set)
        for module in modules:
            self.modules[module.id] = module
            self.by_name[(module.root, module.name)] = module
            self.by_path[module.path] = module
            self.roots_of[module.name.partition(".")[0]].add(module.root)

    def root_for(self, importer: Module, top: str) -> str | None:
        roots = self.roots_of.get(top)
        if not roots:
            return None
        if importer.root in roots:
            return importer.root
        if len(roots) == 1:
            return next(iter(roots))
        return None

    def longest(self, root: str, dotted: str) -> Module | None:
        """The module named ``dotted``, or the nearest enclosing one that exists."""
        name = dotted
        while name:
            found = self.by_name.get((root, name))
            if found is not None:
                return found
            name = name.rpartition(".")[0]
        return None

    def absolute(self, importer: Module, dotted: str) -> tuple[str, Module | None]:
        """("internal", module) | ("internal", None) when it cannot be told which module |
        ("external", None)."""
        top = dotted.partition(".")[0]
        if top not in self.roots_of:
            return "external", None
        root = self.root_for(importer, top)
        if root is None:
            return "internal", None
        return "internal", self.longest(root, dotted)


def relative_base(importer: Module, level: int) -> str | None:
    """The package a relative import with ``level`` dots starts from; None if it climbs
    above the top-level package."""
    parts = importer.name.split(".")
    if not importer.is_package:
        parts = parts[:-1]
    if level - 1 > len(parts) - 1 or not parts:
        return None
    return ".".join(parts[: len(parts) - (level - 1)])


def import_targets(
    index: ModuleIndex, importer: Module, fact: ImportFact
) -> tuple[list[Module], str | None, bool]:
    """Internal modules this import reaches, the external top-level name it reaches (if
    any), and whether some part of it could not be resolved."""
    if fact.level:
        base = relative_base(importer, fact.level)
        if base is None:
            return [], None, True
        stem = f"{base}.{fact.module}" if fact.module else base
        lookup = lambda name: index.longest(importer.root, name)  # noqa: E731
    else:
        stem = fact.module
        where, found = index.absolute(importer, stem)
        if where == "external":
            return [], stem.partition(".")[0], False
        if found is None:
            return [], None, True
        root = found.root
        lookup = lambda name: index.longest(root, name)  # noqa: E731
    if not fact.names:
        found = lookup(stem)
        return ([found] if found else []), None, found is None
    targets: list[Module] = []
    unresolved = False
    for name, _alias in fact.names:
        found = lookup(stem if name == "*" else f"{stem}.{name}")
        if found is None:
            unresolved = True
        elif found not in targets:
            targets.append(found)
    return targets, None, unresolved


def external_kind(top: str) -> str:
    return STDLIB if top in _STDLIB else THIRD_PARTY

"""Resolving names as written in a file to the repository's modules.

An absolute import is looked up first under the importer's own import root, then under the
one other root that holds its top-level name; when several other roots hold it (two
services' ``app``) and the importer's root does not, the import is ambiguous and left
unresolved rather than guessed.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping

from archlint.model.facts import ImportFact
from archlint.model.report import STDLIB, THIRD_PARTY
from archlint.model.source import Module

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__", "__main__"}


class ModuleIndex:
    """Modules by (root, dotted name) and by path, plus which roots hold a top-level name.

    Code running from one import root sees its own root first on sys.path; another root's
    code reaches it only when installed there, which is what shared libraries are: packages.
    So an import may cross into another root only for a top-level *package*: a loose
    ``django.py`` in some tooling folder (semgrep rule tests, say) must not turn every
    ``import django`` in the repository into an ambiguous internal import. A function's
    layers (``layers``: code root -> the layer roots it sees) are on its sys.path too."""

    def __init__(self, modules: Iterable[Module], layers: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.layers = layers or {}
        self.modules: dict[str, Module] = {}
        self.by_name: dict[tuple[str, str], Module] = {}
        self.by_path: dict[str, Module] = {}
        self.roots_of: dict[str, set[str]] = defaultdict(set)  # top name -> roots holding it
        self.shared_roots_of: dict[str, set[str]] = defaultdict(set)  # ... as a package
        self.packages: set[tuple[str, str]] = set()  # (root, dotted) of every package prefix
        for module in modules:
            self.modules[module.id] = module
            self.by_name[(module.root, module.name)] = module
            self.by_path[module.path] = module
            top, dot, _ = module.name.partition(".")
            self.roots_of[top].add(module.root)
            if dot or module.is_package:
                self.shared_roots_of[top].add(module.root)
            parts = module.name.split(".")
            for i in range(1, len(parts)):
                self.packages.add((module.root, ".".join(parts[:i])))

    def shadowed(self, root: str, dotted: str) -> bool:
        """Whether ``dotted`` goes to an installed package in place of a top-level
        namespace package of ``root`` (a directory with no __init__.py: alembic's script
        folder ``alembic/``): Python uses a namespace portion only when no regular package
        of its name is found (PEP 420), so a name that nothing of it answers (no module at,
        below or above ``dotted``) is taken to be the installed package's."""
        if "." not in dotted or (root, dotted) in self.by_name or (root, dotted) in self.packages:
            return False
        parts = dotted.split(".")
        return (root, parts[0]) not in self.by_name and not any(
            (root, ".".join(parts[:n])) in self.by_name for n in range(2, len(parts)))

    def root_for(self, importer: Module, top: str) -> str | None:
        holding = self.roots_of.get(top, ())
        if importer.root in holding:
            return importer.root
        for layer in self.layers.get(importer.root, ()):
            if layer in holding:
                return layer
        roots = self.shared_roots_of.get(top)
        if roots and len(roots) == 1:
            return next(iter(roots))
        return None

    def is_internal(self, importer: Module, top: str) -> bool:
        holding = self.roots_of.get(top, ())
        return (importer.root in holding or top in self.shared_roots_of
                or any(layer in holding for layer in self.layers.get(importer.root, ())))

    def absolute(self, importer: Module, dotted: str) -> tuple[str, Module | None]:
        """("internal", the module named ``dotted``) | ("internal", None) when no module has
        that name or it cannot be told which root's it is | ("external", None)."""
        top = dotted.partition(".")[0]
        if not self.is_internal(importer, top):
            return "external", None
        root = self.root_for(importer, top)
        if root is not None and self.shadowed(root, dotted):
            return "external", None
        return "internal", None if root is None else self.by_name.get((root, dotted))


def relative_base(importer: Module, level: int) -> str | None:
    """The package a relative import with ``level`` dots starts from; None if it climbs
    above the top-level package."""
    parts = importer.name.split(".")
    if not importer.is_package:
        parts = parts[:-1]
    if level - 1 > len(parts) - 1 or not parts:
        return None
    return ".".join(parts[: len(parts) - (level - 1)])


def relative_stem(importer: Module, fact: ImportFact) -> str | None:
    """The absolute dotted module an import statement names (``from ..a import b``: the
    package two levels up, then ``a``); None when a relative import climbs too far."""
    if not fact.level:
        return fact.module
    base = relative_base(importer, fact.level)
    if base is None:
        return None
    return f"{base}.{fact.module}" if fact.module else base


def import_targets(
    index: ModuleIndex, importer: Module, fact: ImportFact
) -> tuple[list[Module], str | None, bool]:
    """Internal modules this import reaches, the external top-level name it reaches (if
    any), and whether some part of it could not be resolved.

    A target is the module the statement names, never an enclosing package standing in for
    a missing one: `from a.b import c` is a.b.c when that is a module, else a.b when that
    is; `import a.b.c` is a.b.c. An import of a module the scan does not hold (an excluded
    directory, a compiled extension, a typo) is unresolved: importing it would run its
    packages' `__init__`, but so does every import of a submodule, and no such edge is
    drawn for those either."""
    if fact.level:
        relative = relative_stem(importer, fact)
        if relative is None:
            return [], None, True
        stem = relative
        root: str | None = importer.root
    else:
        stem = fact.module
        top = stem.partition(".")[0]
        if not index.is_internal(importer, top):
            return [], top, False
        root = index.root_for(importer, top)
        if root is None:
            return [], None, True

    def lookup(name: str) -> Module | None:
        return index.by_name.get((root, name))

    targets: list[Module] = []
    unresolved = False
    for name, _alias in fact.names or (("", ""),):
        found = lookup(stem) if name in ("", "*") else lookup(f"{stem}.{name}") or lookup(stem)
        if found is None:
            unresolved = True
        elif found not in targets:
            targets.append(found)
    if not targets and not fact.level and all(
            index.shadowed(root, f"{stem}.{name}" if name not in ("", "*") else stem)
            for name, _ in fact.names or (("", ""),)):
        return [], stem.partition(".")[0], False  # an installed package, not the namespace folder
    return targets, None, unresolved


def external_kind(top: str) -> str:
    return STDLIB if top in _STDLIB else THIRD_PARTY

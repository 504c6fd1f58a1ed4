"""Module names: which import name each Python file has, and under which import root.

The rule is written down for users in docs/modules.md; in short:

1. A directory holding ``__init__.py`` is a regular package. A file's package chain is the
   run of regular packages that hold it; the directory just above the chain (or the file's
   own directory, for a file in no package) is its candidate root.
2. The candidate is the import root when it is a *source root*: the scanned directory, a
   directory named ``src``, a directory with project files (pyproject.toml, setup.py,
   setup.cfg, requirements*.txt, Pipfile, Dockerfile, Procfile, manage.py), a directory
   listed in ``roots``, a directory whose name is not an identifier, or one whose code
   imports its children by their top-level name (``import app.db`` below services/orders/
   with services/orders/app/ present).
3. Otherwise the candidate is a PEP 420 namespace package: its name joins the module name
   and its parent becomes the candidate. Repeat.

Two roots may hold the same top-level name (two services, each with an ``app`` package):
those modules are told apart by their id, ``root:name``; modules of the scanned directory
itself keep their plain name.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from fnmatch import fnmatch

from archlint.model.source import Module

PROJECT_MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Procfile",
    "manage.py",
    "requirements*.txt",
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
)


def _parent(d: str) -> str:
    return d.rpartition("/")[0]


def _base(d: str) -> str:
    return d.rpartition("/")[2]


def name_modules(
    python_paths: Iterable[str],
    other_paths: Iterable[str],
    top_imports: Mapping[str, Iterable[str]],
    *,
    roots: Iterable[str] = (),
    root_prefix: tuple[str, ...] = (),
) -> list[Module]:
    """Name every Python file.

    ``top_imports`` maps a file path to the first components of its absolute imports (the
    evidence for rule 2). ``root_prefix`` is the package chain above the scanned directory
    when that directory is itself a package (scanning ``site-packages/rich`` names modules
    ``rich.*``).
    """
    py = sorted(python_paths)
    package_dirs = {_parent(p) for p in py if _base(p) == "__init__.py"}
    configured = {d.strip("/") for d in roots if d.strip("/") not in ("", ".")}
    markers = {""} | configured
    for path in other_paths:
        if any(fnmatch(_base(path), m) for m in PROJECT_MARKERS):
            markers.add(_parent(path))
    for path in py:
        if _base(path) == "manage.py" or _base(path) == "setup.py":
            markers.add(_parent(path))

    children: dict[str, set[str]] = defaultdict(set)  # dir -> importable child names
    for path in py:
        parts = path.split("/")
        for i in range(len(parts)):
            name = parts[i][:-3] if i == len(parts) - 1 else parts[i]
            children["/".join(parts[:i])].add(name)
    imported_below: dict[str, set[str]] = defaultdict(set)  # dir -> top names imported below
    for path, names in top_imports.items():
        names = set(names)
        d = _parent(path)
        while True:
            imported_below[d] |= names
            if not d:
                break
            d = _parent(d)

    root_cache: dict[str, bool] = {}

    def is_root(d: str) -> bool:
        hit = root_cache.get(d)
        if hit is None:
            base = _base(d)
            hit = (
                d in markers
                or base == "src"
                or not base.isidentifier()
                or bool(imported_below.get(d, set()) & children.get(d, set()))
            )
            root_cache[d] = hit
        return hit

    named: dict[tuple[str, str], tuple[str, bool]] = {}  # (root, name) -> (path, is_package)
    for path in py:
        stem = _base(path)[:-3]
        if "." in stem:
            # gunicorn.conf.py: no import can name it (as in Python and grimp); as a module
            # `gunicorn.conf` it would claim the top-level name of the library it configures
            continue
        chain: list[str] = []
        d = _parent(path)
        while True:
            if d in configured:
                break
            if d == "":
                if "" in package_dirs:
                    chain[:0] = root_prefix
                break
            if d in package_dirs and _base(d).isidentifier():
                chain.insert(0, _base(d))
            elif is_root(d):
                break
            else:  # a namespace package (PEP 420), inside a regular package or not
                chain.insert(0, _base(d))
            d = _parent(d)
        is_package = stem == "__init__"
        parts = chain if is_package else [*chain, stem]
        if not parts:
            continue  # an __init__.py directly in a root that is not a package
        key = (d or ".", ".".join(parts))
        if key in named and named[key][1] and not is_package:
            continue  # pkg/ and pkg.py side by side: the package wins, as in Python
        named[key] = (path, is_package)

    roots_of: dict[str, set[str]] = defaultdict(set)
    for root, name in named:
        roots_of[name.partition(".")[0]].add(root)

    def module_id(root: str, name: str) -> str:
        shared = len(roots_of[name.partition(".")[0]]) > 1
        return f"{root}:{name}" if shared and root != "." else name

    modules = []
    for (root, name), (path, is_package) in named.items():
        parent = name.rpartition(".")[0]
        modules.append(
            Module(
                id=module_id(root, name),
                name=name,
                path=path,
                root=root,
                is_package=is_package,
                package=module_id(root, parent) if parent else None,
            )
        )
    return sorted(modules, key=lambda m: m.id)


def package_prefix(root: str) -> tuple[str, ...]:
    """The package chain that holds the scanned directory itself (reads only __init__.py
    existence above it), so that scanning a package directory keeps real module names."""
    chain: list[str] = []
    d = os.path.realpath(root)
    while os.path.isfile(os.path.join(d, "__init__.py")):
        base = os.path.basename(d)
        if not base.isidentifier():
            break
        chain.insert(0, base)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return tuple(chain)

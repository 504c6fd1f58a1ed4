"""What discovery knows about the scanned tree: its files and its Python modules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# test_x.py, x_test.py, x_tests.py, conftest.py: the module such a file makes is always a
# test module (``is_peripheral``), wherever the file lies.
_TEST_FILE = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_tests?|conftest)\.py$")


def is_test_file(path: str) -> bool:
    """A file of tests by its name alone, before modules are named."""
    return _TEST_FILE.search(path) is not None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Python file to extract facts from; ``path`` is posix, relative to the scanned root."""

    path: str
    size: int


@dataclass(frozen=True, slots=True)
class Module:
    """An internal module.

    ``name`` is the dotted import name; ``id`` is unique in the repository: the name itself,
    or ``root:name`` when the same top-level package exists under several import roots (two
    services that each have an ``app`` package). ``root`` is the import root directory
    (posix, relative to the scanned root, '.' for the root itself).
    """

    id: str
    name: str
    path: str
    root: str
    is_package: bool
    package: str | None  # id of the package holding this module; None at top level

    def ancestor(self, depth: int) -> str:
        """The id of this module's package ``depth`` levels from the top (itself when
        shallower): ``shop.orders.views`` at depth 2 is ``shop.orders``."""
        prefix = self.id[: len(self.id) - len(self.name)]
        return prefix + ".".join(self.name.split(".")[:depth])


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path discovery passed over: ``lost`` when it may hold code the report now lacks
    (an unreadable directory), not when skipping is policy (a symlink out of the tree)."""

    path: str
    reason: str
    lost: bool


@dataclass(slots=True)
class Tree:
    """The files of a scanned tree after excludes: Python sources, every other file (deploy
    and project files are picked from these), and what was passed over and why."""

    root: str  # absolute path of the scanned directory
    python: list[SourceFile]
    files: list[str]
    skipped: list[Skipped]
    git: bool = False  # listed by `git ls-files` (so .gitignore was honoured)
    # default-excluded directories that are Python packages (an __init__.py of their own)
    # and not vendored code, with the number of Python files below them: code the scan may
    # be missing (AL008)
    hidden_packages: list[tuple[str, int]] = field(default_factory=list)


_TEST = re.compile(r"(^|[./:])(tests?|testing|conftest)($|\.)|(^|[./:])test_[^.]*$|_tests?$")
_TOOLING = frozenset({"setup", "noxfile", "fabfile", "conftest"})


def is_peripheral(module: Module) -> bool:
    """Tests, test helpers and packaging scripts: they import everything and would glue
    every cluster together, so clustering leaves them out (and so do the call graph, the
    reading of data and communication, and the contracts `archlint init` proposes)."""
    if _TEST.search(module.name) or module.path.startswith(("docs/", "doc/")):
        return True
    return module.name in _TOOLING

"""Which files a scan looks at: git's view of the tree when there is one, a walk otherwise."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator

from archlint.model.globs import is_glob, matched_prefixes, path_matches
from archlint.model.settings import DEFAULT_EXCLUDES, VENDORED, Settings
from archlint.model.source import Skipped, SourceFile, Tree

PYTHON_SUFFIXES = (".py",)

# Never let a scanned repository's git configuration run a program (core.fsmonitor is a
# command), whatever its .git/config says.
_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false")


def list_tree(root: str, settings: Settings) -> Tree:
    """Every file under ``root`` that is not excluded; ``root`` must be a directory."""
    root = os.path.realpath(root)
    listed = _git_files(root)
    if not listed:  # not a work tree, or a directory git ignores entirely: walk it
        listed = None
    git = listed is not None
    skipped: list[Skipped] = []
    pruned: set[str] = set()  # default-excluded directories, where they hold an __init__.py
    paths = listed if listed is not None else _walk(root, skipped, settings.include, pruned)
    python: list[SourceFile] = []
    files: list[str] = []
    venvs = {p.rpartition("/")[0] for p in paths if p.endswith("pyvenv.cfg")} - {""}
    for path in sorted(paths):
        if _excluded(path, settings.exclude, venvs, settings.include):
            directory = _default_excluded_directory(path) if path.endswith("/__init__.py") else None
            if directory is not None and path == f"{directory}/__init__.py" and _may_hide_code(directory):
                pruned.add(directory)
            continue
        if not _utf8(path):
            if path.endswith(PYTHON_SUFFIXES):
                printable = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                skipped.append(Skipped(printable, "file name is not valid UTF-8, so no report can name it: not read", True))
            continue
        info = _stat_inside(root, path, skipped)
        if info is None:
            continue
        if path.endswith(PYTHON_SUFFIXES):
            if not _hidden(path):
                python.append(SourceFile(path, info.st_size))
        else:
            files.append(path)
    hidden = [(d, _python_files(root, d, listed)) for d in sorted(pruned)
              if not any(path_matches(f"{d}/__init__.py", pat) for pat in settings.exclude)]
    return Tree(root, python, files, sorted(set(skipped), key=lambda s: s.path), git, hidden)


def _may_hide_code(directory: str) -> bool:
    """Whether a default-excluded package may be the project's own code (a package named
    ``build`` or ``venv``), not third-party code kept on purpose (``vendor``)."""
    return directory.rpartition("/")[2] not in VENDORED


def _default_excluded_directory(path: str) -> str | None:
    """The outermost directory of ``path`` that a default exclude hides, if one does."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if _default_excluded(part):
            return "/".join(parts[: i + 1])
    return None


def _python_files(root: str, directory: str, listed: list[str] | None) -> int:
    """How many Python files a hidden package holds: as git lists them, else on disk
    (symlinks not followed; a walk never entered it)."""
    if listed is not None:
        return sum(p.startswith(directory + "/") and p.endswith(PYTHON_SUFFIXES) for p in listed)
    return sum(name.endswith(PYTHON_SUFFIXES) for _, _, names in os.walk(os.path.join(root, directory)) for name in names)


def _utf8(path: str) -> bool:
    """Whether the name decodes as UTF-8 (undecodable bytes come back as lone surrogates,
    which JSON and terminals cannot carry)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hidden(path: str) -> bool:
    """Python files in dot-directories (.github, .semgrep, .devcontainer) are tooling, not
    the application; deploy files there (.chalice/config.json, CI workflows) are still read."""
    return any(part.startswith(".") for part in path.split("/")[:-1])


_DEFAULT_EXCLUDED = re.compile("|".join(fnmatch.translate(p) for p in DEFAULT_EXCLUDES))


@functools.lru_cache(maxsize=4096)
def _default_excluded(name: str) -> bool:
    """A directory name matching DEFAULT_EXCLUDES: one regex, asked once per name (this runs
    for every path of every scan, warm ones too)."""
    return _DEFAULT_EXCLUDED.match(name) is not None


def _excluded(path: str, patterns: Iterable[str], venvs: set[str], include: tuple[str, ...]) -> bool:
    """Whether ``path`` is left out: by a default exclude (unless ``include`` names that
    directory), or by a configured one (always: what a project excludes itself wins)."""
    lifted = _lifted(path, include) if include else set()
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if _default_excluded(part) and i not in lifted:
            return True
    if venvs and any(path.startswith(v + "/") and v.count("/") not in lifted for v in venvs):
        return True
    return any(path_matches(path, pat) for pat in patterns)


def _lifted(path: str, include: tuple[str, ...]) -> set[int]:
    """The components of ``path`` (by index) whose default exclude ``include`` lifts: those
    a pattern spells out, from its first named component to its last (``vendor/ours``
    lifts ``vendor`` and ``ours``; ``src/build/**`` and ``src/build`` lift ``src`` and
    ``build``, not a ``node_modules`` or a virtualenv below them; a bare ``build`` lifts
    only directories of that name, not a ``venv`` or a ``site-packages`` above one)."""
    out: set[int] = set()
    for pattern in include:
        pattern = pattern.strip().removeprefix("./").rstrip("/")
        while pattern.endswith("/**"):
            pattern = pattern[:-3]
        named = sum(1 for segment in pattern.split("/") if segment != "**")
        for n in matched_prefixes(path, pattern):
            out.update(range(max(0, n - named), n))
    return out


def _may_include(directory: str, include: tuple[str, ...]) -> bool:
    """Whether a walk must enter ``directory``, which a default exclude hides: whether an
    ``include`` pattern may lift that exclude for a path below it (it names the directory,
    spells a path through it, or has a wildcard before its last component)."""
    if directory.count("/") in _lifted(directory, include):
        return True
    for pattern in include:
        pattern = pattern.strip().removeprefix("./")
        if pattern.startswith(directory + "/"):
            return True
        if any(is_glob(segment) for segment in pattern.rstrip("/").split("/")[:-1]):
            return True
    return False


def _stat_inside(root: str, rel: str, skipped: list[Skipped]) -> os.stat_result | None:
    """The file's stat when it is a regular file inside ``root``; symlinks are followed only
    when they stay inside the scanned tree."""
    full = os.path.join(root, rel)
    try:
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(full)
            if os.path.commonpath([root, target]) != root:
                skipped.append(Skipped(rel, "symlink pointing outside the scanned tree, not followed", False))
                return None
            info = os.stat(full)
    except FileNotFoundError:
        if os.path.islink(full):
            # lost code when it names a Python file; else a note, as a link out of the tree is
            # (a committed link into a tool's virtualenv must not fail a gate)
            skipped.append(Skipped(rel, "broken or looping symlink", rel.endswith(PYTHON_SUFFIXES)))
        return None  # listed by git but deleted from the work tree
    except OSError as exc:
        skipped.append(Skipped(rel, f"cannot stat: {exc.strerror or exc}", True))
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info


def cache_dir_trusted(root: str, directory: str) -> bool:
    """Whether archlint may read and write its cache in ``directory``. Outside the scanned
    tree, yes. Inside it, the tree could have planted a cache that lies about its files (a
    pull request committing one) or a symlink that sends the writes elsewhere: so only a
    directory reached without symlinks, and holding nothing git tracks."""
    absolute = os.path.abspath(directory)
    real = os.path.realpath(directory)
    if not any(os.path.commonpath([root, p]) == root for p in (absolute, real)):
        return True
    if real != absolute:
        return False
    return not _git_tracks(root, os.path.relpath(real, root))


def _git_tracks(root: str, rel: str) -> bool:
    return bool(_git_ls(root, "--cached", "--", rel))


def _git_files(root: str) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, or None when ``root`` is not in a git
    work tree (or git is missing or refuses the repository)."""
    listed = _git_ls(root, "--cached", "--others", "--exclude-standard")
    return None if listed is None else sorted(set(listed))


def _git_ls(root: str, *args: str) -> list[str] | None:
    """``git ls-files ARGS`` run in ``root``: the paths inside it, None when git fails."""
    try:
        proc = subprocess.run(
            [*_GIT, "ls-files", "-z", *args],
            cwd=root,
            capture_output=True,
            timeout=120,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [n for n in names if n and not n.startswith("../")]


def _walk(root: str, skipped: list[Skipped], include: tuple[str, ...], pruned: set[str]) -> list[str]:
    return sorted(_walk_iter(root, "", skipped, include, pruned))


def _walk_iter(root: str, start: str, skipped: list[Skipped], include: tuple[str, ...],
               pruned: set[str]) -> Iterator[str]:
    """Every file below ``start``; default-excluded directories and virtualenvs are not
    entered, unless ``include`` may name something in them (``_excluded`` decides then).
    Those left out that hold an ``__init__.py`` are added to ``pruned``."""
    stack = [start]
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as it:
                entries = list(it)
        except OSError as exc:
            skipped.append(Skipped(rel or ".", f"cannot list directory: {exc.strerror or exc}", True))
            continue
        names = {e.name for e in entries}
        if rel and "pyvenv.cfg" in names and not (include and _may_include(rel, include)):
            continue
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if not _default_excluded(entry.name) or (include and _may_include(path, include)):
                    stack.append(path)
                elif _may_hide_code(path) and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                    pruned.add(path)
            elif entry.is_symlink() and _is_dir_link(entry.path):
                skipped.append(Skipped(path, "symlinked directory, not followed", False))
            else:
                yield path


def _is_dir_link(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except OSError:
        return False

"""Reading deploy files safely: a size cap, YAML through a safe constructor with a guard on
alias expansion and nesting, CloudFormation tags as plain data, line numbers kept.

A file that cannot be read or parsed becomes an AL006 finding (a Helm template an AL007
one); the caller gets None and goes on with the rest of the repository.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archlint.discover.deploy.parsed import MAX_DEPTH, MAX_NODES, DeployFileError, LineDict
from archlint.model.findings import Finding
from archlint.model.rules import RULES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

def items(value: Any) -> list[Any]:
    """A deploy file's list, or [] when the file has something else there."""
    return value if isinstance(value, list) else []


def mapping(value: Any) -> dict[Any, Any]:
    """A deploy file's mapping, or {} when the file has something else there."""
    return value if isinstance(value, dict) else {}


def line_of(value: Any, key: Any = None, default: int = 0) -> int:
    """The line of ``value`` (a mapping from a file) or of its ``key``; ``default`` else."""
    if isinstance(value, LineDict):
        found = value.line_of(key) if key is not None else value.line
        return found or default
    return default


# --- YAML ----------------------------------------------------------------------------------


def load_yaml(text: str) -> list[Any]:
    """Every document of a YAML stream, safely; raises DeployFileError. PyYAML is imported
    on the first YAML file (deploy/yamlsafe.py), so trees without any never pay for it."""
    from archlint.discover.deploy.yamlsafe import load_documents

    return load_documents(text)


# --- JSON / TOML ---------------------------------------------------------------------------


def _check_value(value: Any) -> None:
    stack = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    if count > MAX_NODES:
        raise DeployFileError(f"more than {MAX_NODES} values")


def load_json(text: str) -> Any:
    try:
        value = json.loads(text, object_hook=LineDict)
    except json.JSONDecodeError as exc:
        raise DeployFileError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_value(value)
    return value


def load_toml(text: str) -> dict[str, Any]:
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise DeployFileError(f"invalid TOML: {exc}", int(line.group(1)) if line else 0) from None
    except RecursionError:
        raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_value(value)
    return value


# --- the reading context -------------------------------------------------------------------


@dataclass(slots=True)
class Reader:
    """The repository as the deploy parsers see it: the file lists, cached reads with a
    size cap, and the findings about files that could not be used."""

    root: str
    files: list[str]  # every non-Python file (posix, relative)
    python: list[str]
    max_size: int
    findings: list[Finding] = field(default_factory=list)
    _texts: dict[str, str | None] = field(default_factory=dict)
    _dirs: set[str] | None = None
    _py_dirs: set[str] | None = None
    _all: set[str] | None = None

    def exists(self, path: str) -> bool:
        if self._all is None:
            self._all = set(self.files) | set(self.python)
        return path in self._all

    def is_dir(self, path: str) -> bool:
        """True when ``path`` ('' or '.' for the root) holds listed files."""
        if self._dirs is None:
            self._dirs = _ancestors(self.files) | _ancestors(self.python)
        return path in ("", ".") or path in self._dirs

    def has_python(self, path: str) -> bool:
        """True when ``path`` is a Python file or a directory with Python files below it."""
        if self._py_dirs is None:
            self._py_dirs = _ancestors(self.python)
        path = "" if path == "." else path
        return path == "" and bool(self.python) or path in self._py_dirs or path.endswith(".py") and self.exists(path)

    def read(self, path: str, *, required: bool = True, head: int = 0) -> str | None:
        """The file's text; None (with an AL006 finding when ``required``) when it is larger
        than the cap or unreadable. ``head`` > 0 reads at most that many bytes, uncached:
        enough to tell whether a YAML or JSON file is a deploy file at all."""
        if not head and path in self._texts:
            return self._texts[path]
        full = os.path.join(self.root, path)
        try:
            size = os.path.getsize(full)
            if size > self.max_size:
                if required:
                    self.error(path, 0, f"larger than {self.max_size} bytes, not read")
                text = None
            else:
                with open(full, "rb") as handle:
                    data = handle.read(head) if head else handle.read()
                text = data.decode("utf-8-sig", errors="replace")
        except OSError as exc:
            if required:
                self.error(path, 0, f"cannot read: {exc.strerror or exc}")
            text = None
        if not head:
            self._texts[path] = text
        return text

    def yaml(self, path: str, text: str | None = None) -> list[Any] | None:
        return self._load(path, load_yaml, text)

    def json(self, path: str) -> Any:
        return self._load(path, load_json)

    def toml(self, path: str) -> dict[str, Any] | None:
        return self._load(path, load_toml)

    def _load(self, path: str, load: Callable[[str], Any], text: str | None = None) -> Any:
        """The parsed file, or None with an AL006 finding."""
        text = self.read(path) if text is None else text
        if text is None:
            return None
        try:
            return load(text)
        except DeployFileError as exc:
            self.error(path, exc.line, str(exc))
            return None

    def error(self, path: str, line: int, message: str) -> None:
        rule = RULES["AL006"]
        # the finding's location names the file: the message says only what is wrong
        self.findings.append(Finding(rule.code, rule.severity, message, path, line, message))

    def internal_error(self, path: str, exc: Exception) -> None:
        rule = RULES["AL004"]
        message = f"internal error while reading this deploy file: {type(exc).__name__}: {exc}"
        self.findings.append(Finding(rule.code, rule.severity, message, path, 0, f"deploy {type(exc).__name__}"))

    def template_skipped(self, path: str, line: int, message: str) -> None:
        rule = RULES["AL007"]
        self.findings.append(Finding(rule.code, rule.severity, message, path, line, "template"))


def _ancestors(paths: list[str]) -> set[str]:
    out: set[str] = set()
    for path in paths:
        d = path.rpartition("/")[0]
        while d and d not in out:
            out.add(d)
            d = d.rpartition("/")[0]
    return out


def parent(path: str) -> str:
    """The directory of a posix path, '.' for the root."""
    return path.rpartition("/")[0] or "."


def join(base: str, rel: str) -> str | None:
    """``rel`` relative to directory ``base`` (both posix, '.' for the root), normalized;
    None when it leaves the repository or is absolute."""
    if rel.startswith("/") or re.match(r"^[a-zA-Z]+://", rel) or rel.startswith("git@"):
        return None
    parts: list[str] = [] if base in ("", ".") else base.split("/")
    for part in rel.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or "."


def within(path: str, directory: str) -> bool:
    """True when posix ``path`` is ``directory`` or below it ('.' holds everything)."""
    return directory in ("", ".") or path == directory or path.startswith(directory.rstrip("/") + "/")

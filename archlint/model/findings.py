"""Findings: what a rule or contract says about the code, with where to look."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (INFO, WARNING, ERROR)  # ascending


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def counted(n: int, word: str) -> str:
    """``3 imports``, ``1 import``: every count a message or the terminal prints."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def listed(names: list[str], limit: int) -> str:
    """The first ``limit`` names for a message, saying how many more there are."""
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


@dataclass(slots=True, unsafe_hash=True)
class Location:
    """A place a user can open: a file and line, or a deploy file's service entry."""

    path: str
    line: int = 0
    note: str = ""


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One problem found. ``key`` names the problem without line numbers (``a.b -> c.d``)
    so that its fingerprint survives edits elsewhere in the file."""

    rule: str
    severity: str
    message: str
    path: str
    line: int
    key: str
    evidence: tuple[Location, ...] = ()

    @property
    def fingerprint(self) -> str:
        raw = "\0".join((self.rule, self.path, self.key))
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.rule, self.key)

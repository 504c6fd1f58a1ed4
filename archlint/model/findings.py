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

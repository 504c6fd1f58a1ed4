"""The gate's outcome: which findings are new against the baseline, which baseline entries
are stale, and whether the check failed."""

from __future__ import annotations

from dataclasses import dataclass

from archlint.model.analysis import (
    GENERIC_SERVICES,
    MICROSERVICES,
    MIXED,
    MODULAR_MONOLITH,
    MONOLITH,
    SERVERLESS,
    UNKNOWN,
)

BASELINE_VERSION = 1

# `require = X` passes when the verdict is at least X on this ladder: each step is less
# coupled than the one before. Serverless is its own kind: only it meets "serverless", and
# it meets "microservices" (functions are deployed and scaled independently).
VERDICT_RANK = {
    UNKNOWN: 0,
    MONOLITH: 1,
    MODULAR_MONOLITH: 2,
    GENERIC_SERVICES: 3,
    MIXED: 4,
    MICROSERVICES: 5,
    SERVERLESS: 5,
}
REQUIRABLE = (MODULAR_MONOLITH, GENERIC_SERVICES, MICROSERVICES, SERVERLESS)


def meets(verdict: str, required: str) -> bool:
    if required == SERVERLESS:
        return verdict == SERVERLESS
    return VERDICT_RANK.get(verdict, 0) >= VERDICT_RANK[required]


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """A finding accepted when the baseline was written. Only ``fingerprint`` matters for
    matching (rule, path and what the finding is about, never its line); the rest is there
    so that a reviewer can read the file."""

    fingerprint: str
    rule: str
    path: str
    message: str


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """``new``: fingerprints of findings not covered by the baseline (every severity);
    ``failing``: those of them at or above ``fail_on``; ``baselined``: findings the
    baseline covers; ``stale``: baseline entries no finding matches any more."""

    failed: bool
    fail_on: str
    baseline: str | None
    new: tuple[str, ...]
    failing: tuple[str, ...]
    baselined: int
    stale: tuple[BaselineEntry, ...]

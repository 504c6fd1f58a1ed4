"""Reading a baseline file (written by `archlint baseline`, docs/ci.md)."""

from __future__ import annotations

import json

from archlint.model.check import BASELINE_VERSION, BaselineEntry
from archlint.model.errors import UsageError


def read_baseline(path: str, label: str) -> list[BaselineEntry]:
    """The entries of the baseline at ``path``; ``label`` is how messages name it."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise UsageError(f"{label}: baseline not found (write it with `archlint baseline -o {label}`)") from None
    except OSError as exc:
        raise UsageError(f"{label}: cannot read the baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{label}: not a baseline file: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("archlint_baseline") != BASELINE_VERSION:
        raise UsageError(f"{label}: not an archlint baseline (version {BASELINE_VERSION}): no \"archlint_baseline\": {BASELINE_VERSION} key")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise UsageError(f"{label}: findings: must be a list")
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise UsageError(f"{label}: findings[{i}]: needs a \"fingerprint\" string")
        out.append(
            BaselineEntry(
                entry["fingerprint"],
                str(entry.get("rule", "")),
                str(entry.get("path", "")),
                str(entry.get("message", "")),
            )
        )
    return out

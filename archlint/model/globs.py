"""Glob patterns for paths and module names, shared by discovery, rules and contracts.

Paths: ``*`` and ``?`` stay inside one path component, ``**`` spans components, and a
pattern without a slash matches any single component (like .gitignore), so ``tests``
excludes every ``tests`` directory and ``*_pb2.py`` every generated protobuf module.
A pattern matching a directory matches everything below it.

Module names: the same with dots as the separator (``shop.*.models``, ``shop.**``).
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, sep: str) -> re.Pattern[str]:
    s = re.escape(sep)
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith(sep, i):  # "**/" also matches zero components
                i += 1
                out.append(f"(?:.*{s})?")
            else:
                out.append(".*")
            continue
        if c == "*":
            out.append(f"[^{s}]*")
        elif c == "?":
            out.append(f"[^{s}]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(path: str, pattern: str) -> bool:
    """True when posix ``path`` (relative to the scanned root) or a directory above it
    matches ``pattern``."""
    return bool(matched_prefixes(path, pattern))


def matched_prefixes(path: str, pattern: str) -> list[int]:
    """The lengths (in components) of the prefixes of ``path`` that ``pattern`` matches
    itself: ``src/build`` matches 2 of ``src/build/x.py``, ``build`` every component so
    named. ``path_matches`` is true exactly when this is not empty."""
    pattern = pattern.strip().removeprefix("./").rstrip("/")
    if not pattern:
        return []
    parts = path.split("/")
    if "/" not in pattern:
        rx = _compile(pattern, "/")
        return [n for n, part in enumerate(parts, 1) if rx.match(part)]
    rx = _compile(pattern.lstrip("/"), "/")
    return [n for n in range(1, len(parts) + 1) if rx.match("/".join(parts[:n]))]


def module_matches(name: str, pattern: str) -> bool:
    """True when dotted ``name`` matches ``pattern`` exactly (``shop.*`` is one level,
    ``shop.**`` any depth below shop, ``shop`` only shop itself)."""
    return bool(_compile(pattern, ".").match(name))


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")

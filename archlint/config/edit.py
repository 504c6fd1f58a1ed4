"""Writing `[tool.archlint]` into a pyproject.toml without touching anything else: the
new table is appended as text (or replaces the old archlint tables in place), and the
result is parsed again to prove every other table is unchanged."""

from __future__ import annotations

import re
import sys
from typing import Any

from archlint.model.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_HEADER = re.compile(r"""^[ \t]*\[\[?[ \t]*([A-Za-z0-9_\-."' \t]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$""")


def _table_name(header: str) -> str:
    return re.sub(r"""[ \t"']""", "", header)


def has_archlint(text: str) -> bool:
    tool = _parse(text).get("tool", {})
    return isinstance(tool, dict) and "archlint" in tool


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"pyproject.toml is not valid TOML, not touching it: {exc}") from None


def set_archlint_table(text: str, table: str) -> str:
    """``text`` with ``table`` (a complete `[tool.archlint]` text) in place of its archlint
    tables, or appended when it has none. Raises UsageError when the archlint settings are
    written in a form that cannot be replaced line by line (inline or dotted keys)."""
    before = _parse(text)
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1] else "\n"  # the file's own line endings
    table = table.replace("\r\n", "\n").replace("\n", newline)
    lines = text.splitlines(keepends=True)
    spans = _archlint_spans(lines)
    if not spans and has_archlint(text):
        raise _unrewritable()
    if spans:
        start = spans[0][0]
        kept = [line for i, line in enumerate(lines) if not any(a <= i < b for a, b in spans)]
        gap = newline if kept[start:] and kept[start].strip() else ""
        result = "".join(kept[:start]) + table + gap + "".join(kept[start:])
    elif not text:
        result = table
    else:
        result = text + ("" if text.endswith("\n") else newline) + newline + table
    after = _parse(result)
    others = {k: v for k, v in before.items() if k != "tool"}, _tool_without_archlint(before)
    if others != ({k: v for k, v in after.items() if k != "tool"}, _tool_without_archlint(after)) or not has_archlint(result):
        raise _unrewritable()
    return result


def _unrewritable() -> UsageError:
    return UsageError(
        "cannot rewrite [tool.archlint] of pyproject.toml line by line (is it written as dotted keys or "
        "an inline table?); edit it by hand"
    )


def _tool_without_archlint(document: dict[str, Any]) -> dict[str, Any]:
    tool = document.get("tool", {})
    return {k: v for k, v in tool.items() if k != "archlint"} if isinstance(tool, dict) else {}


def _archlint_spans(lines: list[str]) -> list[tuple[int, int]]:
    """Line ranges [start, end) of `[tool.archlint]`, `[tool.archlint.*]` and
    `[[tool.archlint.*]]` tables; comments and blank lines just above the next table
    belong to that table and are left alone."""
    headers = []
    in_string = False
    for i, line in enumerate(lines):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            continue
        match = None if in_string else _HEADER.match(line)
        if match:
            headers.append((i, _table_name(match.group(1))))
    spans = []
    for n, (i, name) in enumerate(headers):
        if not _is_archlint(name):
            continue
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        if n + 1 < len(headers) and not _is_archlint(headers[n + 1][1]):
            while end > i + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
                end -= 1
        spans.append((i, end))
    return spans


def _is_archlint(table: str) -> bool:
    return table == "tool.archlint" or table.startswith("tool.archlint.")

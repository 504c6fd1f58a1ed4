"""Where a key of `[tool.archlint]` is written, so that a gate's finding points at the
line a user changes to adjust it."""

from __future__ import annotations

import os
import re

from archlint.model.findings import Location

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def key_location(config_file: str, root: str, key: str) -> Location:
    """The file (relative to ``root`` when inside it) and the line of ``key`` at the top
    of the archlint table; line 0 when the key is not found as written."""
    if not config_file:
        return Location("", 0, key)
    inside = os.path.commonpath([config_file, root]) == root
    path = os.path.relpath(config_file, root).replace(os.sep, "/") if inside else config_file
    in_pyproject = os.path.basename(config_file) == "pyproject.toml"
    table = "" if not in_pyproject else None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    try:
        with open(config_file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                header = _HEADER.match(line)
                if header:
                    table = header.group(1).replace(" ", "").replace('"', "")
                    continue
                if table in ("", "tool.archlint") and pattern.match(line):
                    return Location(path, number, key)
    except (OSError, UnicodeDecodeError):
        pass
    return Location(path, 0, key)

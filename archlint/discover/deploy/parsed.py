"""What a parsed deploy file is made of, for the loaders of every format: mappings that
know their lines, the error a file that cannot be used raises, and the limits on size and
nesting that keep hostile files harmless."""

from __future__ import annotations

from typing import Any

MAX_NODES = 200_000  # YAML nodes after alias expansion: a billion-laughs file stops here
MAX_DEPTH = 100  # nesting levels; deploy files need a dozen

class DeployFileError(Exception):
    """Why a deploy file cannot be used, with the line where known."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from a deploy file that remembers where it and each of its keys start."""

    __slots__ = ("line", "lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


__all__ = ["MAX_DEPTH", "MAX_NODES", "DeployFileError", "LineDict"]

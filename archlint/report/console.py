"""The rich console every terminal renderer writes into: colour only for a terminal, and
wrapped lines only there too (piped output keeps one fact per line, so logs stay greppable
and a long path never splits)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console


def make_console(out: TextIO, *, color: bool, width: int) -> Console:
    return Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        soft_wrap=not color,
    )


def counted(n: int, word: str) -> str:
    """``3 imports``, ``1 import``: every count the terminal prints."""
    return f"{n} {word}" + ("" if n == 1 else "s")

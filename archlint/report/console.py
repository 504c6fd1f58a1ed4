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
        markup=False,  # a path like `pkg/[bold]x.py` or `:fire:.py` is printed as it is
        emoji=False,
    )


def printable(text: str) -> str:
    """``text`` with every character that is not printable escaped as Python writes it: a
    file name may hold a newline (which would split a finding's line in two) or a
    terminal escape sequence (which a scanned repository must not send to the terminal)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def where(path: str, line: int = 0) -> str:
    """``path:line``, or ``path`` when the line is not known, as the terminal shows it."""
    return f"{printable(path)}:{line}" if line else printable(path)


def counted(n: int, word: str) -> str:
    """``3 imports``, ``1 import``: every count the terminal prints."""
    return f"{n} {word}" + ("" if n == 1 else "s")

"""The rich console every terminal renderer writes into: colour only for a terminal, and
wrapped lines only there too (piped output keeps one fact per line, so logs stay greppable
and a long path never splits). A finding is never wrapped: the terminal folds it, and it
copies out whole."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text


class _ShownConsole(Console):
    """A console that shows every character it is given: what is not printable (a newline
    or an escape sequence in a file or directory name, which a scanned repository chooses)
    is escaped (``printable``) in every string and Text printed, so no name can split a
    line, forge one or drive the terminal. Table cells are escaped where they are made,
    and paths by ``where`` (which also doubles their backslashes)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_shown(o) for o in objects), **kwargs)


def _shown(obj: Any) -> Any:
    if isinstance(obj, str):
        return printable(obj)
    if isinstance(obj, Text) and not obj.plain.isprintable():
        # escape character by character, moving each style span along with its text
        places, pieces, at = [], [], 0
        for c in obj.plain:
            places.append(at)
            pieces.append(printable(c))
            at += len(pieces[-1])
        places.append(at)
        out = Text("".join(pieces), style=obj.style)
        for span in obj.spans:
            out.stylize(span.style, places[span.start], places[span.end])
        return out
    return obj


def make_console(out: TextIO, *, color: bool, width: int) -> Console:
    return _ShownConsole(
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


def printable(text: str, backslash: bool = False) -> str:
    """``text`` with every character that is not printable escaped as Python writes it: a
    file name may hold a newline (which would split a finding's line in two) or a
    terminal escape sequence (which a scanned repository must not send to the terminal).
    With ``backslash``, a backslash is escaped too, so that an escaped name reads back to
    one name only (``a\\nb.py`` is not ``a<newline>b.py``), as ``ls -b`` does."""
    if text.isprintable() and not (backslash and "\\" in text):
        return text
    return "".join(c if c.isprintable() and not (backslash and c == "\\") else repr(c)[1:-1] for c in text)


def where(path: str, line: int = 0) -> str:
    """``path:line``, or ``path`` when the line is not known, as the terminal shows it."""
    shown = printable(path, backslash=True)
    return f"{shown}:{line}" if line else shown



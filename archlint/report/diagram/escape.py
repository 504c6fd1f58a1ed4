"""Escaping: names and strings from scanned code are data, never syntax, in any format.

- ``dot_id``: DOT node and subgraph names. Anything but letters, digits and ``_.-/``
  becomes ``~XX``, so no name can hold a quote, a backslash, a port separator (``:``),
  look like an HTML string (``<...>``) or start with ``%`` (Graphviz reads ``%3...`` as
  an internal id, and two such nodes would merge); two names never share an id.
- ``html_text`` / ``html_label``: DOT labels are HTML-like labels whose text is
  XML-escaped, so ``<``, ``&`` and quotes are text and the SVG Graphviz writes from them
  is well-formed.
- ``esc_string``: DOT escStrings (tooltips), quotes escaped by the graphviz package.
- ``mermaid_text``: Mermaid labels, with entity codes.

Graphviz expands ``\\N``, ``\\G``, ``\\L`` and ``\\\\`` in every label and tooltip, HTML-like or
not, even when the backslash is written ``&#92;``, and 2.43 does it twice in tooltips: no
escaping of a backslash survives every version. So in DOT a backslash is drawn as ``∖``
(U+2216, set minus), which looks the same and means nothing to Graphviz. Control
characters, lone surrogates (undecodable file names) and other unprintables are drawn as
U+FFFD: XML cannot hold them. The JSON graph keeps every name exactly.
"""

from __future__ import annotations

import unicodedata

import graphviz

BACKSLASH = "\u2216"  # drawn for "\\" in DOT: see the module docstring
REPLACEMENT = "\ufffd"
_UNPRINTABLE = frozenset({"Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"})
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")
_XML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\\": BACKSLASH}


def dot_id(name: str) -> str:
    """A node or subgraph name that is safe in any DOT position, unique per ``name``."""
    out = []
    for char in name:
        if char in _SAFE:
            out.append(char)
        else:
            out.extend(f"~{b:02X}" for b in char.encode("utf-8", "surrogatepass"))
    return "".join(out) or "~"


def printable(text: str) -> str:
    """Control characters (newlines too), lone surrogates and other unprintables as U+FFFD."""
    return "".join(c if c == " " or unicodedata.category(c) not in _UNPRINTABLE else REPLACEMENT for c in text)


def html_text(line: str) -> str:
    """One line of plain text as the content of an HTML-like label."""
    return "".join(_XML.get(c, c) for c in printable(line))


def html_label(lines: tuple[str, ...], *, bold_first: bool = False, size: float | None = None) -> str:
    """``<...>``: an HTML-like label the graphviz package passes through untouched; the
    first line optionally bold, the others optionally in a smaller font."""
    if not lines:
        return "<>"
    body = html_text(lines[0])
    if bold_first:
        body = f"<B>{body}</B>"
    if len(lines) > 1:
        rest = "<BR/>".join(html_text(line) for line in lines[1:])
        body += "<BR/>" + (f'<FONT POINT-SIZE="{size}">{rest}</FONT>' if size else rest)
    return f"<{body}>"


def esc_string(lines: tuple[str, ...]) -> str:
    """Lines of plain text as a DOT escString (tooltips): joined with ``\\n``, no other escape."""
    return graphviz.nohtml("\\n".join(printable(line).replace("\\", BACKSLASH) for line in lines))


_MERMAID = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "#": "#35;", "`": "#96;", "\\": "#92;"}


def mermaid_text(lines: tuple[str, ...]) -> str:
    """Lines of plain text inside a quoted Mermaid label."""
    return "<br/>".join("".join(_MERMAID.get(c, c) for c in printable(line)) for line in lines)

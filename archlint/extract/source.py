"""Extraction of one file: bytes in, FileFacts out. No I/O here, so any caller (a worker
process, the cache, a test) can feed it."""

from __future__ import annotations

import ast
import gc
import re
import warnings

import libcst as cst

from archlint.extract.collector import Collector
from archlint.extract.digest import content_hash
from archlint.model.facts import FileFacts, ParseError

_IGNORE = re.compile(rb"#\s*archlint:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?")


def extract_source(path: str, data: bytes) -> FileFacts:
    """Facts of one file. Syntax and decoding problems become ``facts.error``; any other
    exception propagates, for the caller to contain."""
    facts = FileFacts(path=path, sha=content_hash(data))
    facts.lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    facts.ignores = ignore_comments(data)
    if b"\0" in data:
        facts.error = ParseError("AL002", "file contains NUL bytes", 1 + data[: data.index(b"\0")].count(b"\n"))
        return facts
    # A syntax tree holds no reference cycles, yet its hundred thousand fresh objects make
    # the cyclic collector run again and again: pausing it saves about a tenth of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_and_collect(facts, data)
    finally:
        if paused:
            gc.enable()


def _no_validation(self: cst.CSTNode) -> None:
    pass


def parse_unvalidated(data: bytes) -> cst.Module:
    """``cst.parse_module`` without libcst's per-node validation. Every node's constructor
    checks its invariants (``CSTNode.__post_init__``), which guards trees built by hand; a
    tree from the parser holds them by construction, and the checks cost a sixth of the
    parse (measured on Django: 5.6 s instead of 6.8 s). libcst's own source notes that
    validation could move out of the parse. Not thread-safe; archlint parses in one thread."""
    validate = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(data)
    finally:
        cst.CSTNode.__post_init__ = validate  # type: ignore[method-assign]


def _parse_and_collect(facts: FileFacts, data: bytes) -> FileFacts:
    try:
        module = parse_unvalidated(data)
    except cst.ParserSyntaxError as exc:
        facts.error = _syntax_error(data, exc)
        return facts
    except (UnicodeError, LookupError, SyntaxError) as exc:
        # LookupError: an unknown `# coding:` cookie; SyntaxError: libcst's own decoding.
        facts.error = ParseError("AL002", f"cannot decode: {exc}", 1)
        return facts
    except RecursionError:
        facts.error = ParseError("AL001", "nesting too deep to parse", 1)
        return facts
    Collector(facts).run(module)
    return facts


def _syntax_error(data: bytes, exc: cst.ParserSyntaxError) -> ParseError:
    """libcst reports the furthest token its parser reached; CPython's own parser, asked
    only once a file has failed, usually names the exact line and a clearer reason
    ("Missing parentheses in call to 'print'" for Python 2)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the scanned code's warnings are not ours to print
            compile(data, "<scanned>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py_exc:
        if py_exc.lineno:
            return ParseError("AL001", f"syntax error: {py_exc.msg}", py_exc.lineno)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = exc.message.removeprefix("parser error: ")
    return ParseError("AL001", f"syntax error: {message}", max(1, exc.raw_line))


def ignore_comments(data: bytes) -> dict[int, tuple[str, ...]]:
    """``# archlint: ignore[AL101, AL201]`` (or bare ``# archlint: ignore``) by line."""
    if b"archlint" not in data:
        return {}
    out: dict[int, tuple[str, ...]] = {}
    for match in _IGNORE.finditer(data):
        line = data.count(b"\n", 0, match.start()) + 1
        codes = match.group(1)
        parsed = tuple(sorted(c.strip().decode().upper() for c in codes.split(b",") if c.strip())) if codes else ("*",)
        out[line] = parsed or ("*",)
    return out

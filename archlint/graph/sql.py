"""Tables named by a SQL statement: a small tokenizer, not a parser.

Only text that starts like a statement (SELECT, INSERT, UPDATE, DELETE, WITH, CREATE, ALTER,
DROP, TRUNCATE, MERGE, REPLACE, COPY) is read, so a string that merely contains the word
"from" is never taken for SQL. Tables are the names after FROM (and each comma-separated
item of its list), JOIN, INTO, UPDATE, TABLE, TRUNCATE, USING and COPY; names defined by a
WITH clause, functions in FROM (``generate_series(...)``), subqueries and FROM inside
function calls (``EXTRACT(YEAR FROM d)``, ``IS DISTINCT FROM``) are not tables. Unquoted
names are folded to lower case, as PostgreSQL does; a name with an unknown template part
(``{table}``) is skipped.
"""

from __future__ import annotations

import re

_STATEMENTS = frozenset({"select", "insert", "update", "delete", "with", "create", "alter", "drop", "truncate",
                         "merge", "replace", "copy", "upsert"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*|/\*.*?\*/)
    |(?P<string>'(?:[^']|'')*'|\$\$.*?\$\$)
    |(?P<quoted>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
    |(?P<param>%\(\w+\)s|%s|%d|\$\d+|:\w+|\?)
    |(?P<template>\{[^{}]*\})
    |(?P<word>[A-Za-z_][\w$]*)
    |(?P<number>\d+(?:\.\d*)?)
    |(?P<punct>.)
    """,
    re.S | re.X,
)
# Words after which a table list (FROM a, b) or a single table name ends.
_CLAUSES = frozenset({
    "where", "group", "order", "having", "limit", "offset", "join", "inner", "left", "right", "full", "cross",
    "natural", "outer", "on", "using", "union", "intersect", "except", "returning", "window", "for", "set",
    "values", "lateral", "fetch", "into", "when", "then", "select", "as", "default", "do", "partition",
    "tablesample", "with", "only", "if", "not", "exists", "asof", "straight_join", "qualify", "connect", "start",
    "and", "or", "is", "in", "like", "between", "case", "end", "else", "null", "true", "false", "from", "table",
    "update", "delete", "insert", "returns", "language", "cascade", "restrict", "temporary", "temp", "unlogged",
})
_TABLE_WORDS = frozenset({"from", "join", "into", "update", "table", "truncate", "using", "copy"})
_STREAMS = frozenset({"stdin", "stdout", "dual"})
_FUNCTION_FROM = frozenset({"extract", "substring", "trim", "position", "overlay", "substr"})


def _tokens(sql: str) -> list[tuple[str, str]]:
    out = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "punct"
        if kind == "space":
            continue
        text = match.group(0)
        if kind == "word":
            out.append(("word", text.lower()))
        elif kind == "quoted":
            out.append(("name", text[1:-1]))
        else:
            out.append((kind, text))
    return out


def looks_like_sql(text: str) -> bool:
    tokens = _tokens(text[:200])
    return bool(tokens) and tokens[0][0] == "word" and tokens[0][1] in _STATEMENTS and len(tokens) > 1


def sql_tables(text: str) -> tuple[str, ...]:
    """The tables a SQL statement (or several, separated by ``;``) names, sorted; () when
    the text does not start like SQL."""
    if not looks_like_sql(text):
        return ()
    tokens = _tokens(text)
    ctes = _cte_names(tokens)
    found: set[str] = set()
    parens: list[bool] = []  # per open parenthesis: is it a function call's?
    previous: tuple[str, str] | None = None
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "punct" and value == "(":
            parens.append(previous is not None and previous[0] == "word"
                          and (previous[1] in _FUNCTION_FROM or previous[1] not in _CLAUSES | _TABLE_WORDS))
        elif kind == "punct" and value == ")":
            if parens:
                parens.pop()
        elif kind == "word" and value in _TABLE_WORDS and not (parens and parens[-1]):
            if _opens_table(value, previous, tokens, i):
                i = _read_tables(tokens, i + 1, value, found, ctes)
                previous = tokens[i - 1] if i > 0 else None
                continue
        previous = (kind, value)
        i += 1
    return tuple(sorted(found))


def _opens_table(word: str, previous: tuple[str, str] | None, tokens: list[tuple[str, str]], i: int) -> bool:
    before = previous[1] if previous else None
    if word == "from":
        return before != "distinct"
    if word == "update":
        return before in (None, ";", ")")
    if word == "table":
        return before in ("create", "alter", "drop", "truncate", "lock", "temporary", "temp", "unlogged",
                          "global", "local", "only") or before is None
    if word in ("truncate", "copy"):
        return before in (None, ";")
    if word == "using":
        return not (i + 1 < len(tokens) and tokens[i + 1][1] == "(")
    return True


def _read_tables(tokens: list[tuple[str, str]], i: int, word: str, found: set[str], ctes: set[str]) -> int:
    many = word == "from"
    while i < len(tokens):
        while i < len(tokens) and tokens[i][0] == "word" and tokens[i][1] in ("only", "if", "not", "exists", "lateral", "table"):
            i += 1
        name, i = _name(tokens, i)
        if name is None:
            return i
        if word in ("from", "join", "using") and i < len(tokens) and tokens[i] == ("punct", "("):
            return i  # a function: generate_series(...)
        if name not in ctes and name not in _STREAMS:
            found.add(name)
        if not many:
            return i
        # an alias: [AS] name
        if i < len(tokens) and tokens[i] == ("word", "as"):
            i += 1
        if i < len(tokens) and tokens[i][0] in ("word", "name") and tokens[i][1] not in _CLAUSES:
            i += 1
        if i < len(tokens) and tokens[i] == ("punct", ","):
            i += 1
            continue
        return i
    return i


def _name(tokens: list[tuple[str, str]], i: int) -> tuple[str | None, int]:
    """A possibly dotted name starting at ``i``: ``schema.table``."""
    parts: list[str] = []
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "name" or (kind == "word" and (value not in _CLAUSES or parts)):
            parts.append(value)
            i += 1
            if i + 1 < len(tokens) and tokens[i] == ("punct", "."):
                i += 1
                continue
            break
        if kind == "template":
            return None, i + 1
        break
    return (".".join(parts) if parts else None), i


def _cte_names(tokens: list[tuple[str, str]]) -> set[str]:
    """Names a WITH clause defines: ``WITH a AS (...), b (x, y) AS (...)``."""
    names: set[str] = set()
    for i, token in enumerate(tokens):
        if token != ("word", "as") or i + 1 >= len(tokens) or tokens[i + 1] != ("punct", "("):
            continue
        j = i - 1
        if j >= 0 and tokens[j] == ("punct", ")"):  # a column list: skip back over it
            depth = 0
            while j >= 0:
                if tokens[j] == ("punct", ")"):
                    depth += 1
                elif tokens[j] == ("punct", "("):
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            j -= 1
        if j >= 0 and tokens[j][0] in ("word", "name"):
            before = tokens[j - 1] if j >= 1 else None
            if before in (("word", "with"), ("word", "recursive"), ("punct", ",")):
                names.add(tokens[j][1])
    return names


__all__ = ["looks_like_sql", "sql_tables"]

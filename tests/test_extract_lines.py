"""The lean walk's line numbers, checked against Python's own `ast` on real code nobody
here wrote: every import statement, call and definition must sit on the line ast says."""

from __future__ import annotations

import ast
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from archlint.extract.source import extract_source


def ast_lines(tree: ast.AST) -> tuple[Counter[int], Counter[int], Counter[int]]:
    imports: Counter[int] = Counter()
    calls: Counter[int] = Counter()
    defs: Counter[int] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports[node.lineno] += len(node.names)
        elif isinstance(node, ast.ImportFrom):
            imports[node.lineno] += 1
        elif isinstance(node, ast.Call):
            calls[node.lineno] += 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.lineno] += 1
            for dec in node.decorator_list:  # `@name` is a call archlint records too
                if isinstance(dec, (ast.Name, ast.Attribute)):
                    calls[dec.lineno] += 1
    return imports, calls, defs


def sources(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return sorted(Path(spec.origin).parent.rglob("*.py"))


@pytest.mark.parametrize("package", ["rich", "email", "asyncio", "json", "jsonschema"])
def test_lines_agree_with_ast(package):
    checked = 0
    for path in sources(package):
        data = path.read_bytes()
        try:
            tree = ast.parse(data)
        except SyntaxError:
            continue
        facts = extract_source(path.name, data)
        assert facts.error is None, (path, facts.error)
        imports, calls, defs = ast_lines(tree)
        assert Counter(i.line for i in facts.imports if i.kind != "dynamic") == imports, path
        assert Counter(c.line for c in facts.calls) == calls, path
        assert Counter(d.line for d in facts.definitions) == defs, path
        assert facts.lines == len(data.splitlines())
        checked += 1
    assert checked >= 5


def test_tricky_line_counting():
    src = r'''x = """a
b
c"""
y = (1 +\
 2)
z = [
  # a comment line

  f(),
]
if a: g()
h(f"{x}", """
"""); k()
@dec
class C(
    Base,
):
    def m(self): return (
        n())
'''
    facts = extract_source("t.py", src.encode())
    assert facts.error is None
    calls = sorted((c.func, c.line) for c in facts.calls)
    assert calls == sorted([("f", 9), ("g", 11), ("h", 12), ("k", 13), ("dec", 14), ("n", 19)])
    assert [(d.qualname, d.line) for d in facts.definitions] == [("C", 15), ("C.m", 18)]


def test_newlines_inside_tokens_and_parenthesized_names():
    """The walk counts a comma's, a dot's or an operator's newlines without visiting them,
    and visits a name only when it is parenthesized: every call after such a token still
    sits on ast's line."""
    src = '''t = (a
     ,
     (b
      )) ; first()
w = x \\
    . y \\
    . z()
v = (1
     +
     2) ; second()
u = (
    (
        name
    )
    .method()
)
k = [q for q in (
    r) if (q
    ) ] ; third()
'''
    facts = extract_source("t.py", src.encode())
    assert facts.error is None
    _, calls, _ = ast_lines(ast.parse(src))
    assert Counter(c.line for c in facts.calls) == calls
    assert len(facts.calls) == 5
    assert facts.lines == len(src.splitlines())

"""Property-based tests on generated Python programs (hypothesmith): extraction never
raises, and the imports archlint extracts agree with an independent `ast` extraction."""

from __future__ import annotations

import ast
import warnings
from collections import Counter

import hypothesmith
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archlint.extract.runner import extract_one
from archlint.extract.source import extract_source

# Generated programs are often odd on purpose (calling a tuple literal...): not our warnings.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


def parse(source: str) -> ast.AST:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def ast_imports(tree: ast.AST) -> Counter[tuple[str, int, tuple[tuple[str, str | None], ...], str | None, int]]:
    out: Counter = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[(alias.name, 0, (), alias.asname, node.lineno)] += 1
        elif isinstance(node, ast.ImportFrom):
            names = tuple((a.name, a.asname) for a in node.names)
            out[(node.module or "", node.level, names, None, node.lineno)] += 1
    return out


def libcst_rejects(source: str) -> bool:
    """libcst's own tokenizer is stricter than CPython's in corners (a file ending in a
    line continuation); there archlint reports a parse finding, which is right."""
    import libcst

    try:
        libcst.parse_module(source)
    except libcst.ParserSyntaxError:
        return True
    return False


def archlint_imports(source: str):
    facts = extract_source("generated.py", source.encode("utf-8", "surrogatepass"))
    if facts.error is not None:
        assert facts.error.code == "AL001" and libcst_rejects(source), facts.error
        return None
    return Counter(
        (i.module, i.level, i.names, i.alias, i.line) for i in facts.imports if i.kind != "dynamic"
    )


@SETTINGS
@given(hypothesmith.from_grammar())
@example(source="\n\\\r\n")  # CPython accepts a file ending in a continuation; libcst does not
def test_imports_agree_with_ast_on_generated_programs(source):
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # the generator also makes programs CPython rejects
    ours = archlint_imports(source)
    if ours is not None:
        assert ours == ast_imports(tree)


@settings(SETTINGS, max_examples=25)  # from_node builds whole syntax trees: slow to generate
@given(hypothesmith.from_node())
def test_extraction_never_raises_on_valid_modules(source):
    facts = extract_one("generated.py", source.encode("utf-8", "surrogatepass"))
    assert facts.error is None or facts.error.code != "AL004", facts.error


@SETTINGS
@given(st.binary(max_size=2000))
def test_extraction_never_raises_on_arbitrary_bytes(data):
    facts = extract_one("junk.py", data)
    assert facts.error is None or facts.error.code in ("AL001", "AL002"), facts.error


import_statement = st.builds(
    lambda level, parts, names: f"from {'.' * level}{'.'.join(parts)} import {', '.join(names)}"
    if level or parts
    else f"import {', '.join(names)}",
    st.integers(0, 3),
    st.lists(st.sampled_from(["a", "b", "pkg", "sub", "mod"]), max_size=3),
    st.lists(st.sampled_from(["x", "y as z", "mod", "w"]), min_size=1, max_size=3),
)


@SETTINGS
@given(st.lists(import_statement, min_size=1, max_size=8), st.sampled_from(["", "    ", "\t"]))
def test_imports_agree_with_ast_on_import_heavy_programs(statements, indent):
    body = "\n".join(f"{indent}{s}" if indent else s for s in statements)
    source = f"def f():\n{body}\n" if indent else body + "\n"
    try:
        tree = parse(source)
    except SyntaxError:
        return
    assert archlint_imports(source) == ast_imports(tree)


# -- import kinds: the rule of docs/modules.md, applied to ast, on nested blocks ---------------

BLOCKS = {
    # header lines (with {body} where the nested block goes); the body's context
    "type_checking": "if TYPE_CHECKING:\n{body}",
    "type_checking_attr": "if typing.TYPE_CHECKING:\n{body}",
    "type_checking_else": "if TYPE_CHECKING:\n    pass\nelse:\n{body}",
    "if": "if x:\n{body}",
    "elif": "if x:\n    pass\nelif y:\n{body}",
    "main": "if __name__ == '__main__':\n{body}",
    "try": "try:\n{body}\nexcept ImportError:\n    pass",
    "except": "try:\n    pass\nexcept ImportError:\n{body}",
    "finally": "try:\n    pass\nfinally:\n{body}",
    "suppress": "with suppress(ImportError):\n{body}",
    "with": "with open(f) as g:\n{body}",
    "for": "for x in y:\n{body}",
    "for_else": "for x in y:\n    pass\nelse:\n{body}",
    "while": "while x:\n{body}",
    "match": "match x:\n    case 1:\n{body}",
    "def": "def f():\n{body}",
    "async_def": "async def f():\n{body}",
    "class": "class C:\n{body}",
}

block = st.recursive(
    st.lists(import_statement, min_size=1, max_size=3),
    lambda inner: st.lists(
        st.one_of(import_statement, st.tuples(st.sampled_from(sorted(BLOCKS)), inner)), min_size=1, max_size=3
    ),
    max_leaves=10,
)


def render(statements, indent: str = "") -> str:
    out = []
    for s in statements:
        if isinstance(s, str):
            out.append(indent + s)
        else:
            body = render(s[1], "    " if s[0] != "match" else "        ")
            text = BLOCKS[s[0]].format(body=body)
            out.extend(indent + line for line in text.splitlines())
    return "\n".join(out)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def ast_kinds(tree: ast.Module) -> Counter:
    """(line, kind) of every import, by the documented rule: type_checking under the body of
    `if TYPE_CHECKING:`; else function inside a def; else conditional under if / try (not
    finally) / with suppress / a loop / a match case; else import."""
    out: Counter = Counter()

    def visit(body, type_checking: bool, function: bool, conditional: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                kind = ("type_checking" if type_checking else "function" if function
                        else "conditional" if conditional else "import")
                out[(node.lineno, kind)] += len(node.names) if isinstance(node, ast.Import) else 1
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, type_checking, True, conditional)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, type_checking, function, conditional)
            elif isinstance(node, ast.If):
                visit(node.body, type_checking or _is_type_checking(node.test), function, True)
                visit(node.orelse, type_checking, function, True)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse):
                    visit(part, type_checking, function, True)
                visit(node.finalbody, type_checking, function, conditional)
            elif isinstance(node, ast.With):
                suppressing = any(
                    isinstance(i.context_expr, ast.Call) and getattr(i.context_expr.func, "id", None) == "suppress"
                    for i in node.items
                )
                visit(node.body, type_checking, function, conditional or suppressing)
            elif isinstance(node, (ast.For, ast.While)):
                visit(node.body, type_checking, function, True)
                visit(node.orelse, type_checking, function, True)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    visit(case.body, type_checking, function, True)

    visit(tree.body, False, False, False)
    return out


@SETTINGS
@given(block)
def test_import_kinds_agree_with_the_documented_rule(statements):
    source = render(statements) + "\n"
    try:
        tree = parse(source)
    except SyntaxError:
        return  # `from x import *` inside a def, a relative import at top level...
    facts = extract_source("generated.py", source.encode())
    assert facts.error is None, facts.error
    assert Counter((i.line, i.kind) for i in facts.imports) == ast_kinds(tree), source

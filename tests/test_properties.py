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

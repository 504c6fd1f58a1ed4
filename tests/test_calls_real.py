"""The call graph of real third-party packages, checked with Python's own `ast` as an
independent oracle (never with archlint's facts):

- every callee exists at its qualified name: the module's file holds a def or class
  reached by that dotted path, through nested bodies and compound statements;
- every caller exists the same way (or is a module, for module-level code), and at every
  line of the edge ast sees a call (or a `@decorator`) lexically inside that caller;
- every reported function exists, with its kind and line.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import scan_json

PACKAGES = ["rich", "click", "networkx"]
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


class Scopes(ast.NodeVisitor):
    """Every def / class by qualname (name -> [(kind, line)]), and the scopes that make
    a call at each line, with the collector's rule: decorators, defaults, annotations and
    bases belong to the enclosing scope, only the body to the def itself."""

    def __init__(self) -> None:
        self.defs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.calls: dict[int, set[str]] = defaultdict(set)
        self.stack: list[str] = []

    def scope(self) -> str:
        return ".".join(self.stack)

    def _def(self, node: ast.AST, kind: str, outside: list[ast.AST]) -> None:
        for dec in node.decorator_list:  # type: ignore[attr-defined]
            if isinstance(dec, (ast.Name, ast.Attribute)):  # `@name` is a call too
                self.calls[dec.lineno].add(self.scope())
        for part in outside:
            self.visit(part)
        self.stack.append(node.name)  # type: ignore[attr-defined]
        self.defs[self.scope()].append((kind, node.lineno))
        for statement in node.body:  # type: ignore[attr-defined]
            self.visit(statement)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outside: list[ast.AST] = [*node.decorator_list, node.args]
        if node.returns is not None:
            outside.append(node.returns)
        self._def(node, "function", outside)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._def(node, "class", [*node.decorator_list, *node.bases, *node.keywords])

    def visit_Call(self, node: ast.Call) -> None:
        self.calls[node.lineno].add(self.scope())
        self.generic_visit(node)


def split_name(name: str, modules: dict[str, str]) -> tuple[str, str]:
    """(module id, qualname) of a fully qualified name: the longest module id prefix."""
    best = max((m for m in modules if name == m or name.startswith(m + ".")), key=len)
    return best, name[len(best) + 1 :]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_call_edge_exists_in_the_code(package):
    root = package_dir(package)
    report = scan_json(root, "--jobs", "2")
    modules = {m["name"]: m["path"] for m in report["modules"]}
    parsed: dict[str, Scopes] = {}

    def scopes(module: str) -> Scopes:
        if module not in parsed:
            visitor = Scopes()
            visitor.visit(ast.parse((root / modules[module]).read_bytes()))
            parsed[module] = visitor
        return parsed[module]

    for f in report["functions"]:
        module, qualname = split_name(f["name"], modules)
        found = scopes(module).defs.get(qualname)
        assert found, f
        assert f["kind"] == found[0][0] and f["line"] == min(line for _, line in found), f

    assert report["calls"], "a real package has resolved calls"
    for call in report["calls"]:
        module, qualname = split_name(call["callee"], modules)
        assert qualname and scopes(module).defs.get(qualname), f"callee does not exist: {call}"
        caller_module, caller = split_name(call["caller"], modules)
        assert caller == "" or scopes(caller_module).defs.get(caller), f"caller does not exist: {call}"
        for line in call["lines"]:
            assert caller in scopes(caller_module).calls[line], f"no call in {call['caller']} at {line}"
        assert call["count"] >= len(call["lines"])

    coverage = report["summary"]["calls"]
    assert coverage["resolved"] == sum(c["count"] for c in report["calls"])
    assert coverage["internal"] >= coverage["resolved"]

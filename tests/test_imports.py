"""Each import form, extracted and resolved to the right internal module with its kind and line."""

from __future__ import annotations

from conftest import run_cli, scan_in_process


def deps(report):
    return {(d["source"], d["target"], d["kind"]): d["lines"] for d in report["dependencies"]}


def test_import_forms(tree):
    root = tree(
        {
            "pkg/__init__.py": "from pkg.api import handler  # re-export\n",
            "pkg/api.py": '''
                import pkg.models as m
                from pkg.models import Order
                from pkg import util
                from . import helpers
                from .sub.deep import thing
                from pkg.sub import *
                import os.path
                import requests
            ''',
            "pkg/models.py": "class Order: ...\n",
            "pkg/util.py": "",
            "pkg/helpers.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/deep.py": '''
                from .. import util
                from ..models import Order
                def thing(): ...
            ''',
        }
    )
    report = scan_in_process(root)
    d = deps(report)
    assert d[("pkg.api", "pkg.models", "import")] == [1, 2]
    assert d[("pkg.api", "pkg.util", "import")] == [3]  # from pkg import util: the module
    assert d[("pkg.api", "pkg.helpers", "import")] == [4]
    assert d[("pkg.api", "pkg.sub.deep", "import")] == [5]
    assert d[("pkg.api", "pkg.sub", "import")] == [6]  # star import: the package
    assert d[("pkg.sub.deep", "pkg.util", "import")] == [1]  # from .. import util: a module
    assert d[("pkg.sub.deep", "pkg.models", "import")] == [2]
    assert d[("pkg", "pkg.api", "import")] == [1]
    external = {e["name"]: e for e in report["external"]}
    assert external["os"]["kind"] == "stdlib"
    assert external["requests"]["kind"] == "third_party"
    assert external["requests"]["imported_by"] == ["pkg.api"]


def test_relative_import_above_top_is_unresolved(tree):
    root = tree({"pkg/__init__.py": "", "pkg/a.py": "from ... import nothing\n"})
    report = scan_in_process(root)
    assert report["dependencies"] == []
    assert report["summary"]["unresolved_imports"] == 1


def test_import_kinds(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/core.py": '''
                from __future__ import annotations
                import importlib
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from app.typed import T

                try:
                    from app.fast import speedup
                except ImportError:
                    from app.slow import speedup

                def later():
                    from app.lazy_one import x
                    return importlib.import_module("app.plugins.alpha")

                class Thing:
                    import app.in_class

                plugin = __import__("app.plugins.beta")
                lazy import app.pep810
            ''',
            "app/typed.py": "",
            "app/fast.py": "",
            "app/slow.py": "",
            "app/lazy_one.py": "",
            "app/in_class.py": "",
            "app/pep810.py": "",
            "app/plugins/__init__.py": "",
            "app/plugins/alpha.py": "",
            "app/plugins/beta.py": "",
        }
    )
    d = deps(scan_in_process(root))
    assert d[("app.core", "app.typed", "type_checking")] == [6]
    assert d[("app.core", "app.fast", "conditional")] == [9]
    assert d[("app.core", "app.slow", "conditional")] == [11]
    assert d[("app.core", "app.lazy_one", "function")] == [14]
    assert d[("app.core", "app.plugins.alpha", "dynamic")] == [15]
    assert d[("app.core", "app.in_class", "import")] == [18]
    assert d[("app.core", "app.plugins.beta", "dynamic")] == [20]
    assert d[("app.core", "app.pep810", "lazy")] == [21]


def test_dynamic_import_of_a_variable_is_not_guessed(tree):
    root = tree(
        {
            "app/__init__.py": "",
            "app/loader.py": '''
                import importlib
                def load(name, package):
                    importlib.import_module(name)
                    importlib.import_module(".plugins", package)
                    return importlib.import_module(".plugins", __package__)
            ''',
            "app/plugins.py": "",
        }
    )
    d = deps(scan_in_process(root))
    assert set(d) == {("app.loader", "app.plugins", "dynamic")}
    assert d[("app.loader", "app.plugins", "dynamic")] == [5]


def test_newer_syntax_than_the_running_python(tree):
    # PEP 695 type statements and generics, PEP 701 f-strings, PEP 758 except without
    # parentheses: libcst reads them whatever Python runs archlint.
    root = tree(
        {
            "new/__init__.py": "",
            "new/types.py": '''
                from new.base import Base
                type Alias[T] = list[T]
                def first[T](xs: list[T]) -> T:
                    return xs[0]
                class Box[T](Base): ...
                greeting = f"{"nested"} quotes"
            ''',
            "new/base.py": "class Base: ...\n",
        }
    )
    report = scan_in_process(root)
    assert report["summary"]["parse_errors"] == 0
    assert ("new.types", "new.base", "import") in deps(report)


def test_from_import_of_a_name_that_is_not_a_module(tree):
    root = tree(
        {
            "lib/__init__.py": "VERSION = 1\n",
            "lib/x.py": "from lib import VERSION\nfrom lib.y import helper\n",
            "lib/y.py": "def helper(): ...\n",
        }
    )
    d = deps(scan_in_process(root))
    assert d[("lib.x", "lib", "import")] == [1]
    assert d[("lib.x", "lib.y", "import")] == [2]


def test_an_import_of_a_missing_module_is_unresolved_not_its_package(tree):
    # grimp (and Python) agree: `hypothesis.vendor` left out of a scan, or a compiled
    # `yaml._yaml`, is no edge to the package that holds it. An edge to `pkg` here would
    # also close a false cycle with pkg/__init__.py's import of pkg.m.
    root = tree(
        {
            "pkg/__init__.py": "from pkg import m\n",
            "pkg/sub/__init__.py": "",
            "pkg/m.py": '''
                import pkg.sub.missing
                import pkg.missing.deeper
                from pkg.sub.missing import thing
                from pkg.missing import deeper
                from .missing.deep import y
                from . import not_a_module
                from .sub import not_a_module_either
            ''',
        }
    )
    report = scan_in_process(root)
    d = deps(report)
    assert d == {
        ("pkg", "pkg.m", "import"): [1],
        ("pkg.m", "pkg", "import"): [6],  # a name defined in pkg/__init__.py
        ("pkg.m", "pkg.sub", "import"): [7],
    }
    assert report["summary"]["unresolved_imports"] == 5
    # and which they are, where
    assert [(u["source"], u["path"], u["line"], u["name"]) for u in report["unresolved"]] == [
        ("pkg.m", "pkg/m.py", 1, "pkg.sub.missing"),
        ("pkg.m", "pkg/m.py", 2, "pkg.missing.deeper"),
        ("pkg.m", "pkg/m.py", 3, "pkg.sub.missing"),
        ("pkg.m", "pkg/m.py", 4, "pkg.missing"),
        ("pkg.m", "pkg/m.py", 5, ".missing.deep"),
    ]
    text = run_cli("scan", str(root), "--no-cache").stdout
    assert "5 unresolved imports" in text and "pkg/m.py:5  .missing.deep" in text


def test_every_condition_an_import_can_sit_under(tree):
    names = "abcdefghij"
    root = tree(
        {
            "app/__init__.py": "",
            **{f"app/{n}.py": "" for n in names},
            "app/core.py": '''
                import typing
                from contextlib import suppress
                if typing.TYPE_CHECKING:
                    import app.a
                else:
                    import app.b
                if not typing.TYPE_CHECKING:
                    import app.c
                with suppress(ImportError):
                    import app.d
                with open(__file__) as f, suppress(Exception):
                    import app.e
                with open(__file__) as f:
                    import app.f
                for plugin in ():
                    import app.g
                while False:
                    import app.h
                match typing:
                    case 1:
                        import app.i
            ''',
        }
    )
    d = deps(scan_in_process(root))
    kinds = {target.rpartition(".")[2]: kind for (_, target, kind) in d}
    assert kinds == {
        "a": "type_checking",
        "b": "conditional",  # the else of TYPE_CHECKING is what runs
        "c": "conditional",
        "d": "conditional",  # the one-line form of try/except ImportError
        "e": "conditional",
        "f": "import",  # a with body runs
        "g": "conditional",  # a loop body may run no time
        "h": "conditional",
        "i": "conditional",
    }

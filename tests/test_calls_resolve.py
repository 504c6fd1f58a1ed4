"""Call resolution, one construct per test, each with the complete expected edge set written
by hand (docs/calls.md). A test that lists every edge also proves that nothing else was
guessed."""

from __future__ import annotations

from conftest import call_edges, scan_in_process


def calls_of(report, caller: str) -> dict[str, dict]:
    return {c["callee"]: c for c in report["calls"] if c["caller"] == caller}


def test_qualified_names_of_functions_methods_nested_functions_and_classes(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": """
                def func():
                    pass


                class Service:
                    def method(self):
                        func()


                def outer():
                    def inner():
                        func()
                    inner()
            """,
        }
    )
    report = scan_in_process(root)
    assert {(f["name"], f["kind"], f["line"], f["path"]) for f in report["functions"]} == {
        ("pkg.mod.func", "function", 1, "pkg/mod.py"),
        ("pkg.mod.Service", "class", 5, "pkg/mod.py"),
        ("pkg.mod.Service.method", "function", 6, "pkg/mod.py"),
        ("pkg.mod.outer", "function", 10, "pkg/mod.py"),
        ("pkg.mod.outer.inner", "function", 11, "pkg/mod.py"),
    }
    assert call_edges(report) == {
        ("pkg.mod.Service.method", "pkg.mod.func"),
        ("pkg.mod.outer.inner", "pkg.mod.func"),
        ("pkg.mod.outer", "pkg.mod.outer.inner"),
    }
    assert calls_of(report, "pkg.mod.outer")["pkg.mod.outer.inner"]["lines"] == [13]


def test_names_use_module_ids_in_a_monorepo(tree):
    root = tree(
        {
            "services/orders/pyproject.toml": "",
            "services/orders/app/__init__.py": "",
            "services/orders/app/db.py": "def connect(): pass\n",
            "services/orders/app/main.py": "from app.db import connect\nconnect()\n",
            "services/payments/pyproject.toml": "",
            "services/payments/app/__init__.py": "",
            "services/payments/app/db.py": "def connect(): pass\n",
            "services/payments/app/main.py": "from app import db\ndb.connect()\n",
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("services/orders:app.main", "services/orders:app.db.connect"),
        ("services/payments:app.main", "services/payments:app.db.connect"),
    }


def test_imports_aliases_relative_imports_and_reexports_through_init(tree):
    root = tree(
        {
            "shop/__init__.py": "from .orders.api import place_order\n",
            "shop/orders/__init__.py": "",
            "shop/orders/api.py": "from .service import place as place_order\n",
            "shop/orders/service.py": "def place(): pass\ndef cancel(): pass\n",
            "shop/util.py": "def helper(): pass\n",
            "shop/orders/relative.py": """
                from . import service
                from .. import util
                from ..util import helper
                def run():
                    service.cancel()
                    util.helper()
                    helper()
            """,
            "client.py": """
                import shop
                import shop.util as u
                from shop.orders import service as svc
                from shop.orders.service import cancel as stop
                shop.place_order()
                u.helper()
                svc.place()
                stop()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("client", "shop.orders.service.place"),
        ("client", "shop.util.helper"),
        ("client", "shop.orders.service.cancel"),
        ("shop.orders.relative.run", "shop.orders.service.cancel"),
        ("shop.orders.relative.run", "shop.util.helper"),
    }
    place = calls_of(report, "client")["shop.orders.service.place"]
    assert place["lines"] == [5, 7] and place["count"] == 2
    assert calls_of(report, "shop.orders.relative.run")["shop.util.helper"]["count"] == 2


def test_reexport_cycles_terminate_and_stay_unresolved(tree):
    root = tree(
        {
            "cyc/__init__.py": "from .a import f\nfrom .b import g\n",
            "cyc/a.py": "from .b import f\n",
            "cyc/b.py": "from .a import f\ndef g():\n    f()\n",
            "main.py": "from cyc import f, g\nf()\ng()\n",
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("main", "cyc.b.g")}
    calls = report["summary"]["calls"]
    assert (calls["resolved"], calls["unresolved"]) == (1, 2)  # both f() calls


def test_a_module_importing_its_own_name_does_not_hide_its_definition(tree):
    # `from .live import Live` inside live.py (rich does this under __main__)
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/live.py": """
                class Live:
                    pass
                if __name__ == "__main__":
                    from .live import Live
                    Live()
            """,
        }
    )
    assert call_edges(scan_in_process(root)) == {("pkg.live", "pkg.live.Live")}


def test_module_attributes(tree):
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": "def func(): pass\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/deep.py": "def run(): pass\n",
            "app.py": """
                import pkg.mod
                import pkg.sub.deep
                from pkg import mod
                pkg.mod.func()
                pkg.sub.deep.run()
                mod.func()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("app", "pkg.mod.func"), ("app", "pkg.sub.deep.run")}
    assert calls_of(report, "app")["pkg.mod.func"]["lines"] == [4, 6]


def test_class_instantiation_goes_to_the_init_that_runs_else_the_class(tree):
    root = tree(
        {
            "models.py": """
                from dataclasses import dataclass
                from external_lib import Base


                class WithInit:
                    def __init__(self):
                        pass


                class Inherits(WithInit):
                    pass


                class Plain:
                    pass


                class Child(Plain):
                    pass


                class FromExternal(Base):
                    pass


                class OwnInit(Base):
                    def __init__(self):
                        pass


                @dataclass
                class Generated(WithInit):
                    x: int = 0


                def make():
                    WithInit()
                    Inherits()
                    Plain()
                    Child()
                    FromExternal()
                    OwnInit()
                    Generated()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("models.make", "models.WithInit.__init__"),  # WithInit() and Inherits()
        ("models.make", "models.Plain"),
        ("models.make", "models.Child"),
        ("models.make", "models.FromExternal"),  # Base may define __init__: the class itself
        ("models.make", "models.OwnInit.__init__"),
        ("models.make", "models.Generated"),  # @dataclass writes an __init__
    }
    assert calls_of(report, "models.make")["models.WithInit.__init__"]["lines"] == [37, 38]


def test_methods_through_self_and_cls_follow_the_c3_mro(tree):
    root = tree(
        {
            "shapes.py": """
                class A(object):
                    def who(self): pass
                    def hello(self): pass

                class B(A):
                    def who(self): pass

                class C(A):
                    def who(self): pass
                    def hello(self): pass

                class D(B, C):
                    def run(self):
                        self.who()
                        self.hello()

                    @classmethod
                    def build(cls):
                        cls.hello(None)
                        return cls()

                class E(A):
                    helper = A()

                    def run(this):
                        this.hello()
                        this.helper.who()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("shapes.D.run", "shapes.B.who"),
        ("shapes.D.run", "shapes.C.hello"),  # C3: D, B, C, A (depth-first would say A)
        ("shapes.D.build", "shapes.C.hello"),
        ("shapes.D.build", "shapes.D"),  # no __init__ anywhere in the MRO
        ("shapes.E.run", "shapes.A.hello"),  # `self` is whatever the first parameter is called
        # a class attribute holding an instance: A's MRO is known (an explicit `object` base
        # ends it), so no __get__ can turn the attribute into something else
        ("shapes.E", "shapes.A"),
        ("shapes.E.run", "shapes.A.who"),
    }


def test_inherited_methods_stop_at_an_external_base(tree):
    root = tree(
        {
            "views.py": """
                from framework import Base

                class Mixin:
                    def helper(self): pass

                class View(Mixin, Base):
                    def get(self):
                        self.helper()
                        self.render()

                class Other(Base, Mixin):
                    def get(self):
                        self.helper()

                class Own(Base):
                    def helper(self): pass
                    def get(self):
                        self.helper()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("views.View.get", "views.Mixin.helper"),  # found before the unknown base
        ("views.Own.get", "views.Own.helper"),
    }
    # self.render() may come from Base; Other's helper: Base comes first and may define it
    assert report["summary"]["calls"]["unresolved"] == 2


def test_local_variable_assigned_once_from_a_constructor(tree):
    root = tree(
        {
            "svc.py": """
                class Repo:
                    def save(self): pass

                def once():
                    repo = Repo()
                    repo.save()

                def closure():
                    repo = Repo()
                    def inner():
                        repo.save()
                    inner()

                top = Repo()
                top.save()
            """,
        }
    )
    assert call_edges(scan_in_process(root)) == {
        ("svc.once", "svc.Repo"),
        ("svc.once", "svc.Repo.save"),
        ("svc.closure", "svc.Repo"),
        ("svc.closure.inner", "svc.Repo.save"),
        ("svc.closure", "svc.closure.inner"),
        ("svc", "svc.Repo"),
        ("svc", "svc.Repo.save"),
    }


def test_super_calls_the_next_class_in_the_mro(tree):
    root = tree(
        {
            "tree.py": """
                class Base:
                    def __init__(self): pass
                    def save(self): pass

                class Middle(Base):
                    pass

                class Leaf(Middle):
                    def __init__(self):
                        super().__init__()
                    def save(self):
                        super(Leaf, self).save()

                class A:
                    def m(self): pass

                class B(A):
                    def m(self):
                        super().m()

                class C(A):
                    def m(self):
                        super().m()

                class D(B, C):
                    def m(self):
                        super().m()
            """,
        }
    )
    assert call_edges(scan_in_process(root)) == {
        ("tree.Leaf.__init__", "tree.Base.__init__"),
        ("tree.Leaf.save", "tree.Base.save"),
        ("tree.B.m", "tree.A.m"),
        ("tree.C.m", "tree.A.m"),
        ("tree.D.m", "tree.B.m"),
    }


def test_super_into_an_external_base_is_external(tree):
    root = tree(
        {
            "th.py": """
                import threading

                class Worker(threading.Thread):
                    def __init__(self):
                        super().__init__()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    calls = report["summary"]["calls"]
    # `super` itself and Thread.__init__: both external, neither internal-looking
    assert (calls["external"], calls["internal"]) == (2, 0)


def test_decorators_are_calls_from_the_enclosing_scope(tree):
    root = tree(
        {
            "deco.py": """
                def register(f):
                    return f

                def route(path):
                    def wrap(f):
                        return f
                    return wrap

                class Tracer:
                    def __init__(self, f):
                        pass

                @register
                def a(): pass

                @route("/x")
                def b(): pass

                @Tracer
                def c(): pass

                class K:
                    @register
                    def m(self): pass

                    @staticmethod
                    def s(): pass
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("deco", "deco.register"),
        ("deco", "deco.route"),
        ("deco", "deco.Tracer.__init__"),
        ("deco.K", "deco.register"),  # a decorator in a class body: the class is the caller
    }
    assert calls_of(report, "deco")["deco.register"]["lines"] == [13]


def test_calls_at_module_level_have_the_module_as_caller(tree):
    root = tree(
        {
            "app.py": "def run(): pass\n",
            "main.py": """
                from app import run
                run()
                if __name__ == "__main__":
                    run()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("main", "app.run")}
    assert calls_of(report, "main")["app.run"] == {"caller": "main", "callee": "app.run", "lines": [2, 4], "count": 2}


def test_star_imports_follow_all(tree):
    root = tree(
        {
            "lib/__init__.py": "from .core import *\n",
            "lib/core.py": """
                __all__ = ["public"]
                def public(): pass
                def hidden(): pass
            """,
            "app.py": """
                from lib import *
                public()
                hidden()
            """,
            "local.py": """
                from lib import *
                def public(): pass
                public()
            """,
        }
    )
    assert call_edges(scan_in_process(root)) == {
        ("app", "lib.core.public"),
        ("local", "local.public"),  # a def after the star import overrides it
    }


def test_class_attributes_and_name_scopes(tree):
    root = tree(
        {
            "scope.py": """
                def helper(): pass

                class Handler:
                    def __init__(self, x): pass

                class K:
                    handler_class = Handler
                    def helper(self): pass
                    def m(self):
                        helper()
                        self.handler_class(1)

                def closure():
                    def inner():
                        helper()
                    inner()
            """,
        }
    )
    assert call_edges(scan_in_process(root)) == {
        ("scope.K.m", "scope.helper"),  # the class body is not an enclosing scope
        ("scope.K.m", "scope.Handler.__init__"),
        ("scope.closure.inner", "scope.helper"),
        ("scope.closure", "scope.closure.inner"),
    }


def test_private_names_are_mangled_per_class(tree):
    root = tree(
        {
            "priv.py": """
                class Base:
                    def __secret(self): pass
                    def run(self):
                        self.__secret()

                class Child(Base):
                    def go(self):
                        self.__secret()
            """,
        }
    )
    report = scan_in_process(root)
    # Child's self.__secret is self._Child__secret: an AttributeError, not Base's method
    assert call_edges(report) == {("priv.Base.run", "priv.Base.__secret")}

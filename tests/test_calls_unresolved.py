"""Calls that must stay unresolved: counted, never guessed (docs/calls.md). Each test gives
the complete expected edge set and the buckets the other call sites fall in."""

from __future__ import annotations

import pytest

from conftest import call_edges, scan_in_process


def buckets(report) -> tuple[int, int, int, int]:
    """(resolved, unresolved, external, opaque)"""
    c = report["summary"]["calls"]
    assert c["sites"] == c["resolved"] + c["unresolved"] + c["external"] + c["opaque"]
    assert c["internal"] == c["resolved"] + c["unresolved"]
    return c["resolved"], c["unresolved"], c["external"], c["opaque"]


def test_getattr_with_strings_and_calls_through_containers(tree):
    root = tree(
        {
            "svc.py": """
                class Service:
                    def save(self): pass

                    def go(self):
                        getattr(self, "save")()
                        handlers = {"save": self.save}
                        handlers["save"]()
                        [self.save][0]()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    # getattr: external; its result, the subscripts: opaque
    assert buckets(report) == (0, 0, 1, 3)


def test_monkey_patched_module_attributes(tree):
    root = tree(
        {
            "tools.py": "def helper(): pass\ndef patched(): pass\ndef set_later(): pass\n",
            "patch.py": """
                import tools
                def other(): pass
                tools.patched = other
                setattr(tools, "set_later", other)
            """,
            "user.py": """
                import tools
                from tools import patched
                tools.helper()
                tools.patched()
                patched()
                tools.set_later()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("user", "tools.helper")}
    assert buckets(report) == (1, 3, 1, 0)  # the setattr call itself is external


def test_monkey_patched_class_and_instance_attributes(tree):
    root = tree(
        {
            "models.py": """
                class Order:
                    def save(self): pass
                    def ship(self): pass
                    def pay(self): pass

                    def __init__(self, hook):
                        self.pay = hook

                    def run(self):
                        self.save()
                        self.ship()
                        self.pay()

                def replacement(self): pass
                Order.ship = replacement
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("models.Order.run", "models.Order.save")}
    assert buckets(report) == (1, 2, 0, 0)


def test_a_variable_assigned_two_classes(tree):
    root = tree(
        {
            "svc.py": """
                class Repo:
                    def save(self): pass

                class Cache:
                    def save(self): pass

                def twice(flag):
                    store = Repo()
                    if flag:
                        store = Cache()
                    store.save()

                def same_class_twice():
                    store = Repo()
                    store = Repo()
                    store.save()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {
        ("svc.twice", "svc.Repo"),
        ("svc.twice", "svc.Cache"),
        ("svc.same_class_twice", "svc.Repo"),
    }
    assert buckets(report) == (4, 2, 0, 0)


@pytest.mark.parametrize(
    "rebinding",
    [
        "for store in []: pass",
        "with open('x') as store: pass",
        "store, other = 1, 2",
        "store += 1",
        "del store",
        "store = lambda: None",
        "[store for store in ()]",
        "(store := None)",
    ],
)
def test_any_other_binding_makes_a_local_unresolvable(tree, rebinding):
    root = tree(
        {
            "svc.py": f"""
class Repo:
    def save(self): pass

def f():
    store = Repo()
    {rebinding}
    store.save()
""",
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == {("svc.f", "svc.Repo")}
    assert buckets(report)[1] == 1  # store.save()


def test_a_method_that_may_come_from_an_external_base(tree):
    root = tree(
        {
            "app.py": """
                from framework import View

                class Base(View):
                    pass

                class Page(Base):
                    def get(self):
                        self.render()
                        self.template()

                    @classmethod
                    def build(cls):
                        cls.configure()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    assert buckets(report) == (0, 3, 1, 0)  # the @classmethod decorator is external


def test_bases_that_are_not_plain_names_make_the_mro_unknown(tree):
    root = tree(
        {
            "kinds.py": """
                from typing import Generic, TypeVar
                T = TypeVar("T")

                def make_base():
                    class Made:
                        def hook(self): pass
                    return Made

                class Known:
                    def hook(self): pass

                class ViaCall(make_base(), Known):
                    def run(self):
                        self.hook()

                class ViaGeneric(Generic[T], Known):
                    def run(self):
                        self.hook()
            """,
        }
    )
    report = scan_in_process(root)
    assert ("kinds.ViaCall.run", "kinds.Known.hook") not in call_edges(report)
    assert ("kinds.ViaGeneric.run", "kinds.Known.hook") not in call_edges(report)
    assert call_edges(report) == {("kinds", "kinds.make_base")}


def test_names_bound_twice_under_try_except(tree):
    root = tree(
        {
            "fast.py": "def dump(): pass\n",
            "slow.py": "def dump(): pass\n",
            "use.py": """
                try:
                    from fast import dump
                except ImportError:
                    from slow import dump
                dump()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    assert buckets(report) == (0, 1, 0, 0)


def test_a_def_rebound_later_is_unresolved(tree):
    root = tree(
        {
            "mod.py": """
                import functools
                def work(): pass
                work = functools.lru_cache(work)
                work()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    assert buckets(report) == (0, 1, 1, 0)


def test_parameters_and_comprehension_variables_shadow_module_names(tree):
    root = tree(
        {
            "scope.py": """
                def helper(): pass

                def takes(helper):
                    helper()

                def comp(fs):
                    return [helper() for helper in fs]

                def star(*helper):
                    helper()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    assert buckets(report) == (0, 0, 0, 3)


def test_properties_are_values_not_calls_of_the_getter(tree):
    root = tree(
        {
            "p.py": """
                class Box:
                    @property
                    def handler(self):
                        return print

                    @handler.setter
                    def handler(self, value): pass

                    def run(self):
                        self.handler()
            """,
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    # @property and @handler.setter are external; self.handler() calls a value
    assert buckets(report) == (0, 0, 2, 1)


def test_files_that_do_not_parse_leave_calls_to_them_unresolved(tree):
    root = tree(
        {
            "broken.py": "def f(:\n",
            "user.py": "import broken\nbroken.f()\n",
        }
    )
    report = scan_in_process(root)
    assert call_edges(report) == set()
    assert buckets(report) == (0, 1, 0, 0)
    assert [f["rule"] for f in report["findings"] if f["path"] == "broken.py"] == ["AL001"]


def test_pathological_depth_is_counted_not_a_crash(tree):
    files = {"deep.py": "class C0:\n    def m(self): pass\n" + "".join(f"class C{i}(C{i - 1}): pass\n" for i in range(1, 3000))}
    files["deep.py"] += "C2999().m()\nC1().m()\n"
    report = scan_in_process(tree(files))
    # the short chain resolves; the one deeper than Python's recursion limit is counted
    assert call_edges(report) == {("deep", "deep.C1"), ("deep", "deep.C0.m")}
    assert buckets(report) == (2, 2, 0, 0)

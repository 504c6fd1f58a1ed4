"""The function-level call graph: every call site resolved where that can be done soundly,
counted where it cannot (docs/calls.md).

Precision first: an edge is reported only when the callee, as written, can be bound to
exactly one internal definition. A name bound several ways (two imports under try/except,
a def later rebound, a variable assigned twice), an attribute that something may patch,
a method that may come from a base class outside the scanned code: all stay unresolved.

Resolution works on facts alone (names as written, per scope) and the ModuleIndex; no
syntax tree is held. Values are described by ``Target`` tuples:

- ``("module", id)``, ``("ns", root, dotted)`` (a namespace package, PEP 420),
- ``("def", module id, qualname)``: a function or class defined at that qualified name,
- ``("instance", module id, class qualname)``: an instance of an internal class,
- ``EXTERNAL`` (builtins, stdlib, third-party, literals), ``UNKNOWN`` (parameters, call
  results, undefined names) and ``UNRESOLVED`` (internal-looking but not soundly known).
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx

from archlint.graph.resolve import ModuleIndex, relative_base
from archlint.model.calls import Call, CallCoverage, Function
from archlint.model.facts import DYNAMIC, TYPE_CHECKING, CallSite, Definition, FileFacts, ImportFact, Value
from archlint.model.report import Dependency
from archlint.model.source import Module

Target = tuple[Any, ...]
_T = TypeVar("_T")
EXTERNAL: Target = ("external",)
UNKNOWN: Target = ("unknown",)
UNRESOLVED: Target = ("unresolved",)
CYCLE: Target = ("cycle",)  # refers back to a name being resolved: adds nothing
_INTERNAL_KINDS = frozenset({"module", "ns", "def", "instance", "unresolved", "cycle"})

_BUILTINS = frozenset(dir(builtins))
_LITERALS = frozenset({"str", "fstr", "num", "dict", "list", "env"})
_DATA_DECORATORS = frozenset({"property", "cached_property", "setter", "getter", "deleter", "abstractproperty"})
_CLASS_FIRST = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})
_PATCHERS = frozenset({"setattr", "delattr"})
_ANY = "*"  # an attribute name patched dynamically: every attribute may be

Binder = tuple[Any, ...]
"""How one name is bound in one scope, its line last: ("def", qualname, line) |
("module", dotted, line) for ``import a.b`` / ``import a.b as x`` | ("from", ImportFact,
name, line) | ("param", function qualname, index, line) | ("value", Value, line) for an
Assignment | ("declared", line) for an annotation without a value | ("other", line) for a
Binding."""


@dataclass(slots=True)
class _Scopes:
    """One module's names, per scope, as the resolver needs them."""

    module: Module
    defs: dict[str, list[Definition]] = field(default_factory=lambda: defaultdict(list))
    binders: dict[str, dict[str, list[Binder]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    stars: list[ImportFact] = field(default_factory=list)  # module-level star imports
    attribute_targets: list[tuple[str, str]] = field(default_factory=list)  # (scope, "x.attr")
    calls: list[CallSite] = field(default_factory=list)
    dynamic_globals: bool = False  # globals() is called: names never bound may yet exist
    exports: frozenset[str] | None = None  # __all__ when it is a literal list of strings
    exports_known: bool = True  # False when __all__ is computed or changed
    kinds: dict[str, str] = field(default_factory=dict)  # qualname -> kind of its first definition
    declared: set[tuple[str, str]] = field(default_factory=set)  # (scope, name) with an `x: T` binder
    owners: dict[str, str] = field(default_factory=dict)  # scope -> class_name(scope), as asked

    def kind(self, qualname: str) -> str | None:
        return self.kinds.get(qualname)

    def class_name(self, scope: str) -> str:
        """The name of the innermost class whose body holds ``scope`` ('' outside any):
        the class that private names are mangled with."""
        found = self.owners.get(scope)
        if found is None:
            current = scope
            while current and self.kinds.get(current) != "class":
                current = _parent(current)
            found = self.owners[scope] = _last(current)
        return found


def _scopes(module: Module, facts: FileFacts) -> _Scopes:
    s = _Scopes(module)
    for d in facts.definitions:
        s.defs[d.qualname].append(d)
        s.kinds.setdefault(d.qualname, d.kind)
        parent, _, name = d.qualname.rpartition(".")
        s.binders[parent][name].append(("def", d.qualname, d.line))
        if d.kind == "function":
            for i, param in enumerate(d.params):
                s.binders[d.qualname][param].append(("param", d.qualname, i, d.line))
    for fact in facts.imports:
        if fact.kind in (TYPE_CHECKING, DYNAMIC):  # never binds at run time / binds nothing
            continue
        if not fact.names:
            name = fact.alias or fact.module.partition(".")[0]
            s.binders[fact.scope][name].append(("module", fact.module if fact.alias else name, fact.line))
        for name, alias in fact.names:
            if name == "*":
                if fact.scope == "":
                    s.stars.append(fact)
                else:  # not valid Python 3; bind nothing soundly
                    s.dynamic_globals = True
            else:
                s.binders[fact.scope][alias or name].append(("from", fact, name, fact.line))
    for a in facts.assignments:
        if a.annotation_only:
            if "." not in a.target:
                s.binders[a.scope][a.target].append(("declared", a.line))
                s.declared.add((a.scope, a.target))
        elif "." in a.target:
            s.attribute_targets.append((a.scope, a.target))
        else:
            s.binders[a.scope][a.target].append(("value", a.value, a.line))
    for b in facts.bindings:
        if "." in b.name:
            s.attribute_targets.append((b.scope, b.name))
        else:
            s.binders[b.scope][b.name].append(("other", b.line))
    s.calls = facts.calls
    for call in facts.calls:
        if call.func == "globals":
            s.dynamic_globals = True
        elif call.func.startswith("__all__.") and call.scope == "":
            s.exports_known = False
    _read_exports(s)
    return s


def _read_exports(s: _Scopes) -> None:
    binders = s.binders[""].get("__all__")
    if not binders:
        return
    value = binders[0][1] if len(binders) == 1 and binders[0][0] == "value" else None
    if value and value[0] == "list" and all(v[0] == "str" for v in value[1]):
        s.exports = frozenset(v[1] for v in value[1])
    else:
        s.exports_known = False


def _parent(qualname: str) -> str:
    return qualname.rpartition(".")[0]


def _combine(targets: list[Target]) -> Target:
    """One value for a name bound several ways: it, when every binding agrees (an
    instance only when bound once); else unresolved if any is internal. A binding that
    leads back to the name itself (``from .m import x`` inside m) adds nothing."""
    targets = [t for t in targets if t != CYCLE] or [CYCLE]
    first = targets[0]
    if len(targets) == 1 or (first[0] != "instance" and all(t == first for t in targets)):
        return first
    if any(t[0] in _INTERNAL_KINDS for t in targets):
        return UNRESOLVED
    if all(t == EXTERNAL for t in targets):
        return EXTERNAL
    return UNKNOWN


def _last(dotted: str) -> str:
    return dotted.rpartition(".")[2]


def _private(name: str) -> bool:
    """``__x`` (not ``__x__``): Python mangles it to ``_Class__x`` inside a class."""
    return name.startswith("__") and not name.endswith("__")


def _mangled(name: str, class_name: str) -> str:
    stripped = class_name.lstrip("_")
    return f"_{stripped}{name}" if stripped and _private(name) else name


def _body_names(class_qualname: str, name: str) -> tuple[str, ...]:
    """The names that bind the run-time attribute ``name`` in a class body: itself, and
    ``__x`` for ``_Class__x`` (a private name written in the body is mangled)."""
    stripped = _last(class_qualname).lstrip("_")
    if _private(name):
        return () if stripped else (name,)  # an unmangled private name never matches
    prefix = f"_{stripped}__"
    if stripped and name.startswith(prefix) and _private(name[len(prefix) - 2 :]):
        return (name, name[len(prefix) - 2 :])
    return (name,)


class _Resolver:
    """Name, attribute and MRO resolution over every module's scopes, memoised."""

    def __init__(self, index: ModuleIndex, scopes: dict[str, _Scopes]) -> None:
        self.index = index
        self.scopes = scopes
        # attributes assigned from outside a module's / class's own definitions
        self.module_patches: dict[str, set[str]] = defaultdict(set)
        self.class_patches: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.instance_attrs: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._reset()

    def _reset(self) -> None:
        self.memo_attr: dict[tuple[str, str], Target] = {}
        self.memo_scope: dict[tuple[str, str, str], Target | None] = {}
        self.memo_expr: dict[tuple[str, str, str], Target] = {}
        self.memo_mro: dict[tuple[str, str], tuple[list[Any], list[tuple[str, str]]]] = {}
        self.memo_owners: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self.active: set[Any] = set()
        self.cycles = 0  # cycles met so far: a result computed across one is not memoised

    # -- modules ------------------------------------------------------------------
    def module_at(self, root: str, dotted: str) -> Target | None:
        found = self.index.by_name.get((root, dotted))
        if found is not None:
            return ("module", found.id)
        if (root, dotted) in self.index.packages:
            return ("ns", root, dotted)
        return None

    def absolute(self, importer: Module, dotted: str) -> Target:
        top = dotted.partition(".")[0]
        if top not in self.index.roots_of:
            return EXTERNAL
        root = self.index.root_for(importer, top)
        found = self.module_at(root, dotted) if root is not None else None
        return found or UNRESOLVED

    def from_import(self, importer: Module, fact: ImportFact, name: str) -> Target:
        if fact.level:
            base = relative_base(importer, fact.level)
            if base is None:
                return UNRESOLVED
            stem = f"{base}.{fact.module}" if fact.module else base
            where = self.module_at(importer.root, stem) or UNRESOLVED
        else:
            where = self.absolute(importer, fact.module)
        return self.attribute(where, name)

    def module_attribute(self, module_id: str, name: str) -> Target:
        """``module.name``: a name bound in the module, or its submodule."""
        key = (module_id, name)
        found = self.memo_attr.get(key)
        if found is not None:
            return found
        if key in self.active:
            self.cycles += 1
            return CYCLE
        cycles = self.cycles
        self.active.add(key)
        module = self.index.modules[module_id]
        scopes = self.scopes.get(module.path)
        bound = self.scope_value(scopes, "", name) if scopes is not None else UNRESOLVED
        sub = self.module_at(module.root, f"{module.name}.{name}") if module.is_package else None
        if name in self.module_patches.get(module_id, ()) or _ANY in self.module_patches.get(module_id, ()):
            result = UNRESOLVED
        elif bound is None:
            result = sub or UNRESOLVED
        elif sub is None or sub == bound:
            result = bound
        else:
            result = UNRESOLVED
        self.active.discard(key)
        if cycles == self.cycles:
            self.memo_attr[key] = result
        return result

    def star_export(self, fact: ImportFact, importer: Module, name: str) -> Target | None:
        """What ``from X import *`` binds ``name`` to: None when X surely does not export
        it, UNRESOLVED / EXTERNAL when it may."""
        if fact.level:
            base = relative_base(importer, fact.level)
            stem = f"{base}.{fact.module}" if base and fact.module else base
            where = self.module_at(importer.root, stem) if stem else None
        else:
            where = self.absolute(importer, fact.module)
        if where is None or where[0] != "module":
            return EXTERNAL if where == EXTERNAL else UNRESOLVED
        module = self.index.modules[where[1]]
        scopes = self.scopes.get(module.path)
        if scopes is None or not scopes.exports_known:
            return UNRESOLVED
        if scopes.exports is not None:
            return self.module_attribute(module.id, name) if name in scopes.exports else None
        if name.startswith("_") or self.scope_value(scopes, "", name) is None:
            return None
        return self.module_attribute(module.id, name)

    # -- names --------------------------------------------------------------------
    def scope_value(self, s: _Scopes, scope: str, name: str) -> Target | None:
        """What ``name`` is bound to in exactly this scope; None when it is not bound here."""
        key = (s.module.id, scope, name)
        if key in self.memo_scope:
            return self.memo_scope[key]
        if key in self.active:
            self.cycles += 1
            return CYCLE
        binders = s.binders.get(scope, {}).get(name, ())
        if binders and (scope, name) in s.declared:
            # `x: T` binds nothing; alone it declares an instance attribute (in a class)
            # or an unbound local (in a function): data of unknown value either way
            binders = [b for b in binders if b[0] != "declared"]
            if not binders:
                return UNKNOWN
        stars = s.stars if scope == "" else ()
        if binders and stars:  # a star import before every explicit binding is overridden
            first = min(b[-1] for b in binders)
            stars = [f for f in stars if f.line > first]
        if not binders and not stars:
            return None
        cycles = self.cycles
        self.active.add(key)
        targets = [self.binder(s, scope, b) for b in binders]
        for fact in stars:
            exported = self.star_export(fact, s.module, name)
            if exported is not None:
                targets.append(exported)
        result = _combine(targets) if targets else None
        if result is not None and scope == "" and name in self.module_patches.get(s.module.id, ()):
            result = UNRESOLVED
        self.active.discard(key)
        if cycles == self.cycles:
            self.memo_scope[key] = result
        return result

    def binder(self, s: _Scopes, scope: str, b: Binder) -> Target:
        kind = b[0]
        if kind == "def":
            return ("def", s.module.id, b[1])
        if kind == "module":
            return self.absolute(s.module, b[1])
        if kind == "from":
            return self.from_import(s.module, b[1], b[2])
        if kind == "param":
            return self.parameter(s, b[1], b[2])
        if kind == "value":
            return self.value(s, scope, b[1])
        return UNKNOWN

    def parameter(self, s: _Scopes, function: str, position: int) -> Target:
        """``self`` / ``cls``: the first parameter of a method of an internal class."""
        owner = _parent(function)
        if position != 0 or s.kind(owner) != "class":
            return UNKNOWN
        decorators = {_last(d) for f in s.defs[function] for d in f.decorators}
        if "staticmethod" in decorators:
            return UNKNOWN
        if "classmethod" in decorators or _last(function) in _CLASS_FIRST:
            return ("def", s.module.id, owner)
        return ("instance", s.module.id, owner)

    def value(self, s: _Scopes, scope: str, value: Value) -> Target:
        kind, payload = value
        if kind == "call":
            return self.result_of(self.expression(s, scope, payload)) if payload else UNKNOWN
        if kind == "name":
            return self.expression(s, scope, payload) if payload else UNKNOWN
        return EXTERNAL if kind in _LITERALS else UNKNOWN

    def lookup(self, s: _Scopes, scope: str, name: str) -> Target:
        """A name read in ``scope``: local, then enclosing functions (class bodies are not
        enclosing scopes), then the module, then builtins."""
        current = scope
        while True:
            if current == scope or s.kind(current) != "class":
                found = self.scope_value(s, current, name)
                if found is not None:
                    return found
            if current == "":
                break
            current = _parent(current)
        if name in _BUILTINS:
            return EXTERNAL
        return UNRESOLVED if s.dynamic_globals else UNKNOWN

    # -- expressions --------------------------------------------------------------
    def expression(self, s: _Scopes, scope: str, text: str) -> Target:
        """The value of a dotted expression as the collector writes it: ``a.b().c``.
        Private attribute names are mangled with the class the code sits in. Memoised
        like ``scope_value``: not across a cycle."""
        key = (s.module.id, scope, text)
        found = self.memo_expr.get(key)
        if found is not None:
            return found
        cycles = self.cycles
        found = self._expression(s, scope, text)
        if cycles == self.cycles:
            self.memo_expr[key] = found
        return found

    def _expression(self, s: _Scopes, scope: str, text: str) -> Target:
        owner = s.class_name(scope)
        if text.startswith("super("):
            close = text.find(")")
            rest = text[close + 2 :] if close >= 0 and text[close + 1 : close + 2] == "." else ""
            if not rest:
                return UNKNOWN
            first, _, more = rest.partition(".")
            calls = first.count("()")
            name = _mangled(first[: len(first) - 2 * calls], owner)
            target = self.super_attribute(s, scope, text[6:close], name)
            return self.chain(target, more, calls, owner)
        head, _, rest = text.partition(".")
        name = head.partition("(")[0]
        if owner and _private(name):
            return UNRESOLVED  # a mangled bare name: rare enough not to model
        return self.chain(self.lookup(s, scope, name), rest, head.count("()"), owner)

    def chain(self, target: Target, rest: str, calls: int, owner: str) -> Target:
        for _ in range(calls):
            target = self.result_of(target)
        if rest:
            for part in rest.split("."):
                target = self.attribute(target, _mangled(part.partition("(")[0], owner))
                for _ in range(part.count("()")):
                    target = self.result_of(target)
        return target

    def result_of(self, target: Target) -> Target:
        """What calling ``target`` returns, as far as that is known: an instance for an
        internal class (unless it defines ``__new__``), else nothing."""
        if target[0] == "def":
            key = (target[1], target[2])
            if self.kind(key) != "class":
                return UNKNOWN
            new = self.class_member(key, "__new__")
            # an internal __new__ may return anything; an external base's is assumed to
            # return an instance (str, tuple, Enum do)
            return UNKNOWN if new is not None and new[0] == "def" else ("instance", *key)
        return UNKNOWN  # what a function or external code returns (getattr, type(self)) is unknown

    def attribute(self, target: Target, name: str) -> Target:
        kind = target[0]
        if kind == "module":
            return self.module_attribute(target[1], name)
        if kind == "ns":
            dotted = f"{target[2]}.{name}"
            return self.module_at(target[1], dotted) or (EXTERNAL if self.index.shadowed(target[1], dotted) else UNRESOLVED)
        if kind == "def":
            key = (target[1], target[2])
            if self.kind(key) != "class":
                # a property object (@x.setter), or an attribute of a function
                # (func.cache_clear, task.delay)
                return EXTERNAL if self._is_data(target) else UNRESOLVED
            found = self.class_member(key, name)
            return UNRESOLVED if found is None else found
        if kind == "instance":
            return self.instance_attribute((target[1], target[2]), name)
        return target

    # -- classes ------------------------------------------------------------------
    def kind(self, key: tuple[str, str]) -> str | None:
        module = self.index.modules.get(key[0])
        scopes = self.scopes.get(module.path) if module else None
        return scopes.kind(key[1]) if scopes else None

    def _scopes_of(self, key: tuple[str, str]) -> _Scopes:
        return self.scopes[self.index.modules[key[0]].path]

    def mro(self, key: tuple[str, str]) -> tuple[list[Any], list[tuple[str, str]]]:
        """The class's C3 linearisation, with an opaque marker for every base that is not
        an internal class, and its *safe prefix*: the classes that surely come, in this
        order, before anything unknown."""
        cached = self.memo_mro.get(key)
        if cached is not None:
            return cached
        if key in self.active:
            return [("?", key)], []
        self.active.add(key)
        s = self._scopes_of(key)
        defs = [d for d in s.defs[key[1]] if d.kind == "class"]
        written = {d.base_list if d.base_list is not None else d.bases for d in defs}
        linear: list[Any] | None = None
        owners: list[tuple[str, str]] = []  # classes with a base that may be internal
        if len(written) == 1:
            sequences: list[list[Any]] = []
            direct: list[Any] = []
            for base in next(iter(written)):
                resolved = self._base(s, key, base)
                if resolved is None:
                    continue
                if resolved[0] == "?":
                    owners.append(key)
                    sequence: list[Any] = [resolved]
                elif resolved[0] == "?ext":
                    sequence = [resolved]
                else:
                    sequence, _ = self.mro(resolved)
                    owners.extend(self.memo_owners.get(resolved, ()))
                sequences.append(sequence)
                direct.append(sequence[0])
            merged = _c3([*sequences, direct]) if sequences else []
            linear = None if merged is None else [key, *merged]
        if linear is None:  # conflicting definitions, or an MRO Python itself would refuse
            linear, owners = [key, ("?", key)], [key]
        safe: list[tuple[str, str]] = []
        for item in linear:
            if item[0] in ("?", "?ext"):
                break
            # a class that may sit in an unknown base's own ancestry could come later
            # at run time: only descendants of every such base's owner are safe.
            if item != key and any(o != item and o not in self.mro(item)[0] for o in owners):
                break
            safe.append(item)
        self.active.discard(key)
        self.memo_owners[key] = tuple(dict.fromkeys(owners))
        self.memo_mro[key] = (linear, safe)
        return linear, safe

    def _base(self, s: _Scopes, key: tuple[str, str], written: str) -> Any:
        """A base class as written, resolved in the scope enclosing the class statement:
        an internal class key, ("?ext", text) for an external one, ("?", text) otherwise;
        None for ``object``, which ends every MRO anyway."""
        name = written[:-2] if written.endswith("[]") else written
        if name == "?" or "(" in name:
            return ("?", key, written)
        target = self.expression(s, _parent(key[1]), name)
        if target[0] == "def" and self.kind((target[1], target[2])) == "class" and (target[1], target[2]) != key:
            return (target[1], target[2])
        if target == EXTERNAL:
            return None if name in ("object", "builtins.object") else ("?ext", name)
        return ("?", key, written)

    def class_member(self, key: tuple[str, str], name: str, start: int = 0, external: bool = False) -> Target | None:
        """``name`` looked up along the class's MRO from position ``start``: the first
        class body that binds it; None when no class binds it and the MRO is fully known
        (it is then an attribute of ``object`` or set dynamically); UNRESOLVED when an
        unknown base comes first or the attribute is patched, EXTERNAL instead when
        ``external`` and that base is an external class (for super(), which never sees
        instance attributes)."""
        linear, safe = self.mro(key)
        for owner in safe[start:]:
            patched = self.class_patches.get(owner, ())
            if name in patched or _ANY in patched:
                return UNRESOLVED
            found = self.body_value(owner, name)
            if found is None:
                continue
            if found[0] == "def" and self._is_data(found):
                return UNKNOWN  # a property: the attribute is its value
            if found[0] == "instance" and self.class_member((found[1], found[2]), "__get__") is not None:
                return UNRESOLVED  # a descriptor: the attribute is what its __get__ returns
            return found
        if len(safe) == len(linear):
            return None
        if external and linear[len(safe)][0] == "?ext" and not self.memo_owners.get(key):
            return EXTERNAL
        return UNRESOLVED

    def body_value(self, owner: tuple[str, str], name: str) -> Target | None:
        """What the class body of ``owner`` binds the run-time attribute ``name`` to."""
        s = self._scopes_of(owner)
        found = [t for t in (self.scope_value(s, owner[1], n) for n in _body_names(owner[1], name)) if t is not None]
        return _combine(found) if found else None

    def _is_data(self, target: Target) -> bool:
        s = self._scopes_of((target[1], target[2]))
        return any(_last(dec) in _DATA_DECORATORS for d in s.defs.get(target[2], ()) for dec in d.decorators)

    def instance_attribute(self, key: tuple[str, str], name: str) -> Target:
        _, safe = self.mro(key)
        shadowed = any(
            name in self.instance_attrs.get(c, ()) or _ANY in self.instance_attrs.get(c, ()) for c in safe
        )
        found = self.class_member(key, name)
        if shadowed:  # assigned on instances too: which one wins depends on the run
            return UNRESOLVED if found is not None and found[0] in _INTERNAL_KINDS else UNKNOWN
        # not on the class: set on instances dynamically, or by __getattr__
        return UNRESOLVED if found is None else found

    def super_attribute(self, s: _Scopes, scope: str, args: str, name: str) -> Target:
        """``super().name`` in method ``scope``: looked up after the method's class in the
        class's own MRO. ``super(C, self)`` counts only when C is that class."""
        owner = _parent(scope)
        if s.kind(scope) != "function" or s.kind(owner) != "class" or self.lookup(s, scope, "super") != EXTERNAL:
            return UNRESOLVED
        key = (s.module.id, owner)
        if args:
            first, _, second = args.partition(",")
            params = s.defs[scope][0].params
            if self.expression(s, scope, first) != ("def", *key) or not params or second != params[0]:
                return UNRESOLVED
        found = self.class_member(key, name, start=1, external=True)
        if found is None:
            return EXTERNAL if hasattr(object, name) else UNRESOLVED
        return found

    def instantiate(self, key: tuple[str, str]) -> tuple[str, str]:
        """The callee of ``Class()``: the ``__init__`` that runs when it is certain, else
        the class itself (always true: calling a class calls the class)."""
        new = self.class_member(key, "__new__")
        if new is not None and new[0] == "def":  # an internal __new__ may skip __init__
            return key
        _, safe = self.mro(key)
        for owner in safe:
            if "__init__" in self.class_patches.get(owner, ()):
                return key
            found = self.body_value(owner, "__init__")
            if found is not None:
                return (found[1], found[2]) if found[0] == "def" and self.kind((found[1], found[2])) == "function" else key
            if self._scopes_of(owner).defs[owner[1]][0].decorators:
                return key  # a class decorator (dataclass) may write __init__
        return key

    # -- call sites -------------------------------------------------------------
    def guarded(self, compute: Callable[[], _T], fallback: _T) -> _T:
        """``compute()``, or ``fallback`` (unresolved) on pathological depth: thousands of
        chained subclasses or re-exports exhaust Python's recursion limit."""
        try:
            return compute()
        except RecursionError:
            self.active.clear()
            return fallback

    def callee(self, s: _Scopes, call: CallSite) -> tuple[Target, tuple[str, str] | None]:
        """(what the callee is, the (module id, qualname) it resolves to, if it does)."""
        return self.guarded(lambda: self._callee(s, call), (UNRESOLVED, None))

    def _callee(self, s: _Scopes, call: CallSite) -> tuple[Target, tuple[str, str] | None]:
        if not call.func:
            return UNKNOWN, None
        target = self.expression(s, call.scope, call.func)
        kind = target[0]
        if kind == "def":
            key = (target[1], target[2])
            return target, self.instantiate(key) if self.kind(key) == "class" else key
        if kind == "instance":
            found = self.instance_attribute((target[1], target[2]), "__call__")
            if found[0] == "def" and self.kind((found[1], found[2])) == "function":
                return found, (found[1], found[2])
            return UNRESOLVED, None
        if kind in ("module", "ns"):
            return UNRESOLVED, None
        return target, None

    # -- patches --------------------------------------------------------------------
    def collect_patches(self) -> None:
        """Attributes assigned on modules, classes and instances (``mod.f = g``,
        ``Class.m = h``, ``self.save = ...``, ``setattr(obj, "name", v)``): a call that
        reaches such an attribute cannot be resolved soundly."""
        found: list[tuple[Target, str]] = []
        for s in self.scopes.values():
            for scope, dotted in s.attribute_targets:
                head, _, name = dotted.rpartition(".")
                value = self.guarded(lambda: self.expression(s, scope, head), UNRESOLVED)
                found.append((value, _mangled(name, s.class_name(scope))))
            for call in s.calls:
                if call.func in _PATCHERS and call.args and call.args[0][0] == "name":
                    if self.lookup(s, call.scope, call.func) != EXTERNAL:
                        continue
                    name = call.args[1][1] if len(call.args) > 1 and call.args[1][0] == "str" else _ANY
                    value = self.guarded(lambda: self.expression(s, call.scope, call.args[0][1]), UNRESOLVED)
                    found.append((value, name))
        for target, name in found:
            if target[0] == "module":
                self.module_patches[target[1]].add(name)
            elif target[0] == "def" and self.kind((target[1], target[2])) == "class":
                self.class_patches[(target[1], target[2])].add(name)
            elif target[0] == "instance":
                self.instance_attrs[(target[1], target[2])].add(name)
        self._reset()


def _c3(sequences: list[list[Any]]) -> list[Any] | None:
    """C3 merge; None when no consistent order exists."""
    sequences = [list(s) for s in sequences if s]
    out: list[Any] = []
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return None
        out.append(head)
        sequences = [[x for x in s if x != head] or [] for s in sequences]
        sequences = [s for s in sequences if s]
    return out


@dataclass(slots=True)
class CallGraph:
    """The resolved calls of a repository, and how many call sites were resolved."""

    functions: list[Function]
    calls: list[Call]
    coverage: CallCoverage

    def dependencies(self) -> list[Dependency]:
        """Module dependencies of kind "call": one per (source, target) pair of distinct
        modules, with the lines of its call sites and their count."""
        lines: dict[tuple[str, str], set[int]] = defaultdict(set)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for call in self.calls:
            if call.source != call.target:
                lines[(call.source, call.target)].update(call.lines)
                counts[(call.source, call.target)] += call.count
        return [
            Dependency(source, target, "call", tuple(sorted(lines[(source, target)])), counts[(source, target)])
            for source, target in sorted(lines)
        ]

    def module_weights(self) -> nx.DiGraph:
        """The module-level call-weight graph: an edge per pair of distinct modules with
        resolved calls between them, carrying ``calls`` (call sites) and ``call_line``
        (the first of them, for evidence)."""
        graph = nx.DiGraph()
        for dep in self.dependencies():
            graph.add_edge(dep.source, dep.target, calls=dep.count, call_line=dep.lines[0])
        return graph


def with_call_weights(imports: nx.DiGraph, weights: nx.DiGraph) -> nx.DiGraph:
    """A copy of the module import graph whose edges also carry ``calls`` and
    ``call_line``; pairs that only calls connect (through a re-export) get an edge with no
    import ``kinds`` and ``weight`` 0, which cycle detection and import counts ignore."""
    out = imports.copy()
    for source, target, data in sorted(weights.edges(data=True), key=lambda e: (e[0], e[1])):
        if not out.has_edge(source, target):
            out.add_edge(source, target, kinds={}, weight=0)
        out[source][target]["calls"] = data["calls"]
        out[source][target]["call_line"] = data["call_line"]
    return out


def build_call_graph(index: ModuleIndex, facts: Mapping[str, FileFacts]) -> CallGraph:
    """Resolve every call site of every internal module (docs/calls.md)."""
    scopes: dict[str, _Scopes] = {}
    for module in sorted(index.modules.values(), key=lambda m: m.id):
        file_facts = facts.get(module.path)
        if file_facts is not None and file_facts.error is None:
            scopes[module.path] = _scopes(module, file_facts)
    resolver = _Resolver(index, scopes)
    resolver.collect_patches()
    counts: dict[str, int] = defaultdict(int)
    found: dict[tuple[str, str], list[Any]] = {}
    functions = []
    for s in scopes.values():
        module = s.module
        functions.extend(_functions(module, s.defs))
        for call in s.calls:
            target, key = resolver.callee(s, call)
            if key is not None:
                counts["resolved"] += 1
                caller = f"{module.id}.{call.scope}" if call.scope else module.id
                entry = found.setdefault((caller, f"{key[0]}.{key[1]}"), [module.id, key[0], []])
                entry[2].append(call.line)
            elif target[0] in _INTERNAL_KINDS:
                counts["unresolved"] += 1
            elif target == EXTERNAL:
                counts["external"] += 1
            else:
                counts["opaque"] += 1
    calls = [
        Call(caller, callee, source, target, tuple(sorted(set(lines))), len(lines))
        for (caller, callee), (source, target, lines) in sorted(found.items())
    ]
    coverage = CallCoverage(sites=sum(counts.values()), **counts)
    return CallGraph(sorted(functions, key=lambda f: f.name), calls, coverage)


def _functions(module: Module, defs: Mapping[str, list[Definition]]) -> Iterable[Function]:
    for qualname, group in defs.items():
        yield Function(f"{module.id}.{qualname}", module.id, group[0].kind, module.path, min(d.line for d in group))

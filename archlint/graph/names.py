"""What a name written in a module denotes: the one resolver the recognisers share.

Facts spell names as written (``r.get``, ``ce(URL)``, ``self._client.post``, ``settings.db_url``).
``Names`` follows them through the module's imports, its assignments (module level, the
enclosing functions, ``with ... as``, ``self.x`` in a class's methods) and across modules of
the repository, to one of:

- ``Ext``: a third-party or stdlib object, as a path from the imported module with a ``()``
  for every call and a ``[]`` for every subscript on the way (``httpx.Client().get``,
  ``pymongo.MongoClient()[][]``); each call or key is kept as a ``Step`` so its arguments
  can be read (a client's ``base_url``, a database name);
- ``Internal``: a module, class or function of the repository, or an instance of one of its
  classes (a pydantic settings object);
- ``Text``: a string template, with ``{env:NAME}`` (or ``{env:NAME:-default}``) where an
  environment variable is read and ``{name}`` where a part is not known;
- ``Data``: a dict or list literal, read on demand.

This is recognition, not proof: a name bound several ways resolves to its last binding
that leads somewhere. Internal call resolution (the call graph) is a separate, sound
resolver; this one only needs to recognise third-party APIs and constants.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from archlint.graph.resolve import ModuleIndex, relative_base
from archlint.model.facts import DYNAMIC, TYPE_CHECKING, CallSite, Definition, FileFacts, ImportFact, Value
from archlint.model.source import Module

MAX_DEPTH = 24  # nested evaluations before giving up (chains of constants across modules)


@dataclass(slots=True, unsafe_hash=True)
class Text:
    """A string template: literal text, ``{env:NAME}`` / ``{env:NAME:-default}`` where the
    environment is read, ``{name}`` where a part is unknown."""

    template: str


@dataclass(slots=True, unsafe_hash=True)
class Step:
    """One call (``call``) or subscript (``key``) on the way to an object, with the module
    whose scope its arguments are read in."""

    module: str
    call: CallSite | None = None
    key: Text | None = None


@dataclass(slots=True, unsafe_hash=True)
class Ext:
    """A third-party / stdlib object: ``path`` from the imported module, ``()`` per call,
    ``[]`` per subscript; ``steps`` holds one Step per ``()`` and ``[]``, in order."""

    path: str
    steps: tuple[Step, ...] = ()

    def root(self) -> str:
        """The path up to the first call or subscript: ``httpx.Client`` of ``httpx.Client().get``."""
        return _root(self.path)

    def rest(self) -> str:
        return self.path[len(self.root()):]

    def calls(self) -> list[tuple[str, Step]]:
        """Each call or subscript on the way with the name called (``[]`` for a
        subscript): ``boto3.resource().Table`` -> [("resource", step)]."""
        out = []
        steps = iter(self.steps)
        for match in _MARKER.finditer(self.path):
            step = next(steps, None)
            if step is None:
                break
            name = "[]" if match.group(0) == "[]" else self.path[: match.start()].rpartition(".")[2].rstrip("()[]")
            out.append((name, step))
        return out

    def last(self) -> str:
        """The last attribute name: ``get`` of ``httpx.Client().get``."""
        return self.path.rpartition(".")[2].split("(")[0].split("[")[0]


@dataclass(slots=True, unsafe_hash=True)
class Internal:
    """A module (``qualname`` ''), class or function of the repository, or an instance of a
    class (``instance``); ``rest`` is what follows that could not be followed (``.delay``)."""

    module: str
    qualname: str
    instance: bool = False
    rest: str = ""
    steps: tuple[Step, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Data:
    """A dict or list literal and where it is written."""

    value: Value
    module: str
    scope: str


Sym = Text | Ext | Internal | Data | None

_ENV_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.__getitem__"})
_ENV_DEFAULT_CALLS = frozenset({"os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault"})
# Readers of the environment from configuration libraries: (path prefix, default variable)
_ENV_LIBRARIES = {
    "decouple.config": None,
    "decouple.AutoConfig()": None,
    "environs.Env()": None,
    "environ.Env()": None,
    "environ.FileAwareEnv()": None,
}
_ENV_METHODS = frozenset({"", "str", "int", "bool", "float", "url", "list", "json", "path", "dict", "tuple",
                          "db", "db_url", "dj_db_url", "cache", "cache_url", "email_url", "search_url"})
_DEFAULT_VARS = {"db": "DATABASE_URL", "db_url": "DATABASE_URL", "dj_db_url": "DATABASE_URL",
                 "cache": "CACHE_URL", "cache_url": "CACHE_URL", "email_url": "EMAIL_URL", "search_url": "SEARCH_URL"}
SETTINGS_BASES = frozenset({"pydantic.BaseSettings", "pydantic_settings.BaseSettings",
                            "pydantic.env_settings.BaseSettings", "pydantic_settings.main.BaseSettings"})
_PASS_THROUGH = frozenset({"str", "os.path.expandvars", "urllib.parse.quote_plus", "urllib.parse.quote"})
_MARKER = re.compile(r"\(\)|\[\]")
_KEYED = re.compile(r'([\w.]+)\["([^"]*)"\]')
_PARAM = re.compile(r"\{param:(\w+)\}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PART = re.compile(r"([^.()]+)((?:\(\))*)")
_DJANGO_SETTINGS_NAMES = ("INSTALLED_APPS", "DATABASES", "ROOT_URLCONF")


def param_placeholder(name: str) -> str:
    """A function's parameter in a template: its callers give it a value (``propagate``)."""
    return "{param:" + name + "}"


def env_placeholder(name: str, default: str | None = None) -> str:
    if default is not None and "{" not in default and "}" not in default:
        return "{env:" + name + ":-" + default + "}"
    return "{env:" + name + "}"


@dataclass(slots=True)
class _Table:
    """One module's bindings per scope, its calls by function text, its classes."""

    module: Module
    facts: FileFacts
    binders: dict[str, dict[str, list[tuple[Any, ...]]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    calls: dict[str, list[CallSite]] = field(default_factory=lambda: defaultdict(list))
    classes: dict[str, Definition] = field(default_factory=dict)
    functions: dict[str, Definition] = field(default_factory=dict)
    stars: list[ImportFact] = field(default_factory=list)
    env_defaults: dict[str, str] = field(default_factory=dict)
    returns: dict[str, list[tuple[int, Value]]] = field(default_factory=lambda: defaultdict(list))
    # per class: the scopes below it that bind ``self.x`` names, in binding order, with
    # those binders by ``x`` (asked on every member of an instance)
    instance_binders: dict[str, list[tuple[str, dict[str, list[tuple[Any, ...]]]]]] = field(
        default_factory=lambda: defaultdict(list))


def _table(module: Module, facts: FileFacts) -> _Table:
    t = _Table(module, facts)
    for d in facts.definitions:
        parent, _, name = d.qualname.rpartition(".")
        t.binders[parent][name].append(("def", d.line, d.qualname))
        (t.classes if d.kind == "class" else t.functions)[d.qualname] = d
    for fact in facts.imports:
        if fact.kind in (TYPE_CHECKING, DYNAMIC):
            continue
        if not fact.names:
            name = fact.alias or fact.module.partition(".")[0]
            t.binders[fact.scope][name].append(("module", fact.line, fact.module if fact.alias else name))
        for name, alias in fact.names:
            if name == "*":
                t.stars.append(fact)
            else:
                t.binders[fact.scope][alias or name].append(("from", fact.line, fact, name))
    for a in facts.assignments:
        t.binders[a.scope][a.target].append(("value", a.line, a.value))
    for a in facts.with_targets:
        t.binders[a.scope][a.target].append(("value", a.line, a.value))
    for r in facts.returns:
        t.returns[r.scope].append((r.line, r.value))
    for call in facts.calls:
        t.calls[call.func].append(call)
        if call.func in _ENV_DEFAULT_CALLS and len(call.args) >= 1 and call.args[0][0] == "str":
            default = call.args[1] if len(call.args) > 1 else dict(call.keywords).get("default")
            if default is not None and default[0] in ("str", "num"):
                t.env_defaults.setdefault(str(call.args[0][1]), str(default[1]))
    for binders in t.binders.values():
        for found in binders.values():
            if len(found) > 1:
                found.sort(key=_line)
    for scope, names in t.binders.items():
        own = {n[5:]: b for n, b in names.items() if n.startswith("self.")}
        parts = scope.split(".")
        for i in range(1, len(parts) if own else 0):
            if ".".join(parts[:i]) in t.classes:
                t.instance_binders[".".join(parts[:i])].append((scope, own))
    return t


def _line(binder: tuple[Any, ...]) -> int:
    return binder[1]


@functools.lru_cache(maxsize=65536)
def _parts(text: str) -> tuple[tuple[str, int], ...]:
    """``a.b().c`` -> (("a", 0), ("b", 1), ("c", 0)); () when it is not such a chain.
    Cached: a code base writes the same few thousand chains again and again."""
    out = []
    for piece in text.split("."):
        match = _PART.fullmatch(piece)
        if match is None:
            return ()
        out.append((match.group(1), len(match.group(2)) // 2))
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _root(path: str) -> str:
    cut = min((i for i in (path.find("()"), path.find("[]")) if i >= 0), default=len(path))
    return path[:cut]


@functools.lru_cache(maxsize=65536)
def _chain(scope: str) -> tuple[str, ...]:
    """A scope and those enclosing it, innermost first, to the module's (''). Cached: every
    lookup walks it, over a few thousand scopes."""
    out = [scope]
    while scope:
        scope = scope.rpartition(".")[0]
        out.append(scope)
    return tuple(out)


class Names:
    """Resolution of written names over the whole repository (see the module docstring)."""

    def __init__(self, index: ModuleIndex, facts: Mapping[str, FileFacts]) -> None:
        self.index = index
        self.facts = facts
        self._tables: dict[str, _Table | None] = {}
        self._memo: dict[tuple[str, str, str], Sym] = {}
        # Every recogniser asks what each call's function is: answer each call once.
        self._callees: dict[int, Sym] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._depth = 0
        self._settings: list[str] | None = None
        self._by_last: dict[str, list[tuple[str, CallSite]]] | None = None
        # calls of internal functions being evaluated: (module, function, {param: value in the caller})
        self._frames: list[tuple[str, str, dict[str, tuple[str, str, Value, int]]]] = []
        self._flask: dict[tuple[str, str], Sym] = {}
        # what a class's bases and ancestry resolve to (asked on every member of an
        # instance): computed once, outside calls being evaluated
        self._bases: dict[tuple[str, str], list[Sym]] = {}
        self._ancestry: dict[tuple[str, str], tuple[list[tuple[str, str]], set[str]]] = {}

    # -- tables ----------------------------------------------------------------------
    def table(self, module_id: str) -> _Table | None:
        if module_id not in self._tables:
            module = self.index.modules.get(module_id)
            facts = self.facts.get(module.path) if module else None
            self._tables[module_id] = _table(module, facts) if module and facts and not facts.error else None
        return self._tables[module_id]

    def call_at(self, module_id: str, func: str, line: int, scope: str | None = None) -> CallSite | None:
        """The call of ``func`` written at ``line`` (or the nearest one after it in the scope,
        for a call that starts on a continuation line)."""
        t = self.table(module_id)
        if t is None:
            return None
        best = None
        for call in t.calls.get(func, ()):
            if call.line < line or (scope is not None and call.scope != scope):
                continue
            if best is None or call.line < best.line:
                best = call
        return best

    # -- entry points ------------------------------------------------------------------
    def callee(self, module_id: str, call: CallSite) -> Sym:
        """What the function of ``call`` is."""
        if not call.func:
            return None
        if self._frames:
            return self.dotted(module_id, call.scope, call.func, call.line)
        key = id(call)  # the facts hold every CallSite for the whole scan: ids stay unique
        if key not in self._callees:
            self._callees[key] = self.dotted(module_id, call.scope, call.func, call.line)
        return self._callees[key]

    def value(self, module_id: str, scope: str, value: Value | None, line: int = 0) -> Sym:
        """What a value written in ``scope`` of a module is."""
        if value is None:
            return None
        kind, payload = value
        if kind in ("str", "num"):
            return Text(str(payload))
        if kind == "env":
            t = self.table(module_id)
            return Text(env_placeholder(str(payload), t.env_defaults.get(str(payload)) if t else None))
        if kind == "fstr":
            return Text(self.expand(module_id, scope, str(payload), line))
        if kind == "name":
            return self.dotted(module_id, scope, str(payload), line)
        if kind == "call":
            return self.dotted(module_id, scope, f"{payload}()", line) if payload else None
        if kind == "await":
            return self.value(module_id, scope, payload, line)
        if kind == "item":
            base, key = payload
            return self.item(self.value(module_id, scope, base, line), self.value(module_id, scope, key, line), module_id)
        if kind in ("dict", "list"):
            return Data(value, module_id, scope)
        return None

    def text(self, module_id: str, scope: str, value: Value | None, line: int = 0) -> str | None:
        """The template of a value, when it is a string (or a number)."""
        found = self.value(module_id, scope, value, line)
        return found.template if isinstance(found, Text) else None

    def arg(self, step: Step | CallSite, module_id: str | None, index: int | None, *keywords: str) -> Sym:
        """Argument ``index`` (or the first of ``keywords`` given) of a call, resolved."""
        call = step.call if isinstance(step, Step) else step
        module = step.module if isinstance(step, Step) else module_id
        if call is None or module is None:
            return None
        given = dict(call.keywords)
        for keyword in keywords:
            if keyword in given:
                return self.value(module, call.scope, given[keyword], call.line)
        if index is not None and index < len(call.args):
            return self.value(module, call.scope, call.args[index], call.line)
        return None

    def arg_text(self, step: Step | CallSite, module_id: str | None, index: int | None, *keywords: str) -> str | None:
        found = self.arg(step, module_id, index, *keywords)
        return found.template if isinstance(found, Text) else None

    def expand(self, module_id: str, scope: str, template: str, line: int = 0) -> str:
        """An f-string template with each ``{dotted.name}`` replaced by its value's template
        when that is a string."""

        def fill(match: re.Match[str]) -> str:
            inner = match.group(1)
            keyed = _KEYED.fullmatch(inner)
            if keyed:
                found = self.item(self.dotted(module_id, scope, keyed.group(1), line), Text(keyed.group(2)), module_id)
                return found.template if isinstance(found, Text) else match.group(0)
            if not inner or inner.startswith("env:") or not _parts(inner):
                return match.group(0)
            found = self.dotted(module_id, scope, inner, line)
            return found.template if isinstance(found, Text) else match.group(0)

        return _PLACEHOLDER.sub(fill, template)

    # -- evaluation --------------------------------------------------------------------
    def dotted(self, module_id: str, scope: str, text: str, line: int = 0) -> Sym:
        parts = _parts(text)
        if not parts:
            return None
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            name, calls = parts[0]
            sym = self.lookup(module_id, scope, name)
            if sym is None and name in ("self", "cls"):
                owner = self._enclosing_class(module_id, scope)
                if owner is not None:
                    sym = Internal(module_id, owner, instance=name == "self")
            if sym is None and name in _BUILTIN_CALLS and calls:
                sym = Ext(name)
            if sym is None and self._is_param(module_id, scope, name):
                sym = self._argument(module_id, scope, name)
            written = name
            for _ in range(calls):
                sym = self.called(sym, module_id, written, line, scope)
                written += "()"
            for name, calls in parts[1:]:
                sym = self.attribute(sym, name)
                written += "." + name
                for _ in range(calls):
                    sym = self.called(sym, module_id, written, line, scope)
                    written += "()"
            return sym
        finally:
            self._depth -= 1

    def lookup(self, module_id: str, scope: str, name: str) -> Sym:
        """What ``name`` is bound to as seen from ``scope``."""
        key = (module_id, scope, name)
        framed = bool(self._frames) and any(module_id == f[0] and f[1] in _chain(scope) for f in self._frames)
        if key in self._memo and not framed:
            return self._memo[key]
        if key in self._active or self._depth > MAX_DEPTH:
            return None
        self._active.add(key)
        self._depth += 1
        try:
            found = self._lookup(module_id, scope, name)
        finally:
            self._active.discard(key)
            self._depth -= 1
        if not self._frames:
            self._memo[key] = found
        return found

    def _lookup(self, module_id: str, scope: str, name: str) -> Sym:
        t = self.table(module_id)
        if t is None:
            return None
        for s in _chain(scope):
            if s != scope and s in t.classes:
                continue  # a class body is not visible from its methods
            binders = t.binders.get(s, {}).get(name)
            if not binders:
                continue
            for binder in reversed(binders):
                found = self._bound(t, s, binder)
                if found is not None:
                    return found
            return None
        for star in t.stars:
            target = self._import_module(t.module, star.module, star.level)
            if target is not None:
                found = self.lookup(target.id, "", name)
                if found is not None:
                    return found
        return None

    def _bound(self, t: _Table, scope: str, binder: tuple[Any, ...]) -> Sym:
        kind = binder[0]
        module_id = t.module.id
        if kind == "def":
            return Internal(module_id, binder[2])
        if kind == "module":
            return self._module_sym(t.module, binder[2])
        if kind == "from":
            fact, name = binder[2], binder[3]
            if fact.level == 0:  # the whole name: a namespace folder may not answer it (PEP 420)
                where, _ = self.index.absolute(t.module, f"{fact.module}.{name}")
                if where == "external":
                    return Ext(f"{fact.module}.{name}")
            base = self._import_module(t.module, fact.module, fact.level)
            if base is None:
                return None
            sub = self.index.by_name.get((base.root, f"{base.name}.{name}"))
            if sub is not None:
                return Internal(sub.id, "")
            return self.lookup(base.id, "", name) or Internal(base.id, name)
        if kind == "value":
            return self.value(module_id, scope, binder[2], binder[1])
        return None

    def _module_sym(self, importer: Module, dotted: str) -> Sym:
        where, found = self.index.absolute(importer, dotted)
        if where == "external":
            return Ext(dotted)
        if found is None:
            return None
        return Internal(found.id, "")

    def _import_module(self, importer: Module, module: str, level: int) -> Module | None:
        if level:
            base = relative_base(importer, level)
            if base is None:
                return None
            stem = f"{base}.{module}" if module else base
            return self.index.by_name.get((importer.root, stem))
        return self.index.absolute(importer, module)[1]

    def _is_param(self, module_id: str, scope: str, name: str) -> bool:
        t = self.table(module_id)
        if t is None:
            return False
        for s in _chain(scope):
            definition = t.functions.get(s)
            if definition is not None and name in definition.params:
                return True
        return False

    def _argument(self, module_id: str, scope: str, name: str) -> Sym:
        """A parameter: the caller's argument while a call is being evaluated, else a
        ``{param:name}`` placeholder."""
        if self._frames:
            module, function, given = self._frames[-1]
            if module == module_id and function in _chain(scope) and name in given:
                caller, caller_scope, value, line = given[name]
                frame = self._frames.pop()
                try:
                    return self.value(caller, caller_scope, value, line)
                finally:
                    self._frames.append(frame)
        return Text(param_placeholder(name))

    def _returned(self, sym: Internal, step: Step) -> Sym:
        """What an internal function returns for this call: a client object a factory
        makes, a value a wrapper of ``os.environ.get`` reads."""
        t = self.table(sym.module)
        if t is None:
            return None
        definition = t.functions[sym.qualname]
        parent = sym.qualname.rpartition(".")[0]
        offset = 1 if parent in t.classes and "staticmethod" not in definition.decorators else 0
        given: dict[str, tuple[str, str, Value, int]] = {}
        if step.call is not None:
            for i, value in enumerate(step.call.args):
                if i + offset < len(definition.params):
                    given[definition.params[i + offset]] = (step.module, step.call.scope, value, step.call.line)
            for keyword, value in step.call.keywords:
                given[keyword] = (step.module, step.call.scope, value, step.call.line)
        self._frames.append((sym.module, sym.qualname, given))
        try:
            for line, value in reversed(t.returns.get(sym.qualname, [])):
                found = self.value(sym.module, sym.qualname, value, line)
                if isinstance(found, (Ext, Internal)) or (isinstance(found, Text) and "{param:" not in found.template):
                    return found
        finally:
            self._frames.pop()
        return None

    def _field_default(self, step: Step) -> Sym:
        """``field(default=x)`` / ``Field(x)`` / ``field(default_factory=lambda: read())``: the
        value the field starts with (a lambda's body is the next call on its line)."""
        call = step.call
        if call is None:
            return None
        keywords = dict(call.keywords)
        if "default" in keywords or (call.args and call.func.rpartition(".")[2] == "Field"):
            return self.arg(step, None, 0, "default")
        if keywords.get("default_factory", ("", ""))[0] != "other":
            return None
        t = self.table(step.module)
        for other in t.facts.calls if t is not None else ():
            if other.line != call.line or other.scope != call.scope or other is call or not other.func:
                continue
            found = self.value(step.module, other.scope, ("call", other.func), other.line)
            if isinstance(found, (Text, Ext)):
                return found
        return None

    def flask_setting(self, module_id: str, key: str) -> Sym:
        """``current_app.config["KEY"]``: the value a configuration class of the same code
        base (not a test one) or an ``app.config["KEY"] = ...`` gives it."""
        module = self.index.modules.get(module_id)
        if module is None:
            return None
        cache = (module.root, key)
        if cache in self._flask:
            return self._flask[cache]
        self._flask[cache] = None
        found: Sym = None
        for other in sorted(m for m, mod in self.index.modules.items() if mod.root == module.root):
            t = self.table(other)
            if t is None:
                continue
            for scope, binders in sorted(t.binders.items()):
                owner = scope in t.classes and "test" not in scope.lower()
                if owner and key in binders:
                    found = self._bound(t, scope, binders[key][-1])
                else:
                    keyed = [b for n, bs in binders.items() if n.endswith(f'config["{key}"]') for b in bs]
                    found = self._bound(t, scope, keyed[-1]) if keyed else None
                if found is not None:
                    self._flask[cache] = found
                    return found
        return None

    def _enclosing_class(self, module_id: str, scope: str) -> str | None:
        t = self.table(module_id)
        if t is None:
            return None
        for s in _chain(scope):
            if s in t.classes:
                return s
        return None

    def attribute(self, sym: Sym, name: str) -> Sym:
        if isinstance(sym, Text):
            return sym if name in _STR_METHODS else None
        if isinstance(sym, Ext):
            if sym.path == "django.conf.settings":
                return self.django_setting(name)
            return Ext(f"{sym.path}.{name}", sym.steps)
        if not isinstance(sym, Internal):
            return None
        if sym.rest:
            return replace(sym, rest=f"{sym.rest}.{name}")
        t = self.table(sym.module)
        if t is None:
            return None
        if not sym.qualname:
            module = self.index.modules[sym.module]
            sub = self.index.by_name.get((module.root, f"{module.name}.{name}"))
            if sub is not None:
                return Internal(sub.id, "")
            return self.lookup(sym.module, "", name)
        if sym.qualname in t.classes:
            return self.member(sym, name)
        return replace(sym, rest=f".{name}")

    def member(self, sym: Internal, name: str) -> Sym:
        """An attribute of an internal class or of an instance of one: a pydantic settings
        field is the environment variable it reads; else the class body's assignment, an
        instance's ``self.name = ...`` in a method, a method, or a base class's."""
        seen: set[tuple[str, str]] = set()
        todo = [(sym.module, sym.qualname)]
        while todo:
            module_id, qualname = todo.pop(0)
            if (module_id, qualname) in seen or len(seen) > 16:
                continue
            seen.add((module_id, qualname))
            t = self.table(module_id)
            if t is None or qualname not in t.classes:
                continue
            if sym.instance and self.is_settings(module_id, qualname):
                return self._settings_field(module_id, qualname, name)
            binders = t.binders.get(qualname, {}).get(name)
            if binders:
                for binder in reversed(binders):
                    found = self._bound(t, qualname, binder)
                    if found is not None:
                        return found
            if sym.instance:
                for s, names in t.instance_binders.get(qualname, ()):
                    for binder in reversed(names.get(name, ())):
                        found = self._bound(t, s, binder)
                        if found is not None:
                            return found
            for base in self.bases(module_id, qualname):
                if isinstance(base, Internal) and base.qualname and not base.rest:
                    todo.append((base.module, base.qualname))
        return replace(sym, rest=f"{sym.rest}.{name}")

    def bases(self, module_id: str, qualname: str) -> list[Sym]:
        key = (module_id, qualname)
        if key in self._bases:
            return self._bases[key]
        t = self.table(module_id)
        if t is None or qualname not in t.classes:
            return []
        scope = qualname.rpartition(".")[0]
        found = [self.dotted(module_id, scope, base) for base in t.classes[qualname].bases]
        if not self._frames:
            self._bases[key] = found
        return found

    def ancestry(self, module_id: str, qualname: str) -> tuple[list[tuple[str, str]], set[str]]:
        """The internal classes a class derives from (itself first) and the external base
        paths reached on the way."""
        key = (module_id, qualname)
        if key in self._ancestry:
            return self._ancestry[key]
        found = self._ancestors(module_id, qualname)
        if not self._frames:
            self._ancestry[key] = found
        return found

    def _ancestors(self, module_id: str, qualname: str) -> tuple[list[tuple[str, str]], set[str]]:
        internal: list[tuple[str, str]] = []
        external: set[str] = set()
        todo = [(module_id, qualname)]
        while todo and len(internal) < 32:
            key = todo.pop(0)
            if key in internal:
                continue
            internal.append(key)
            for base in self.bases(*key):
                if isinstance(base, Ext):
                    external.add(base.path)
                elif isinstance(base, Internal) and base.qualname and not base.rest and not base.instance:
                    todo.append((base.module, base.qualname))
        return internal, external

    def is_settings(self, module_id: str, qualname: str) -> bool:
        return bool(self.ancestry(module_id, qualname)[1] & SETTINGS_BASES)

    def _settings_field(self, module_id: str, qualname: str, name: str) -> Sym:
        """A pydantic BaseSettings field: ``{env:PREFIX_NAME:-default}``."""
        prefix = ""
        default: str | None = None
        variable: str | None = None
        for owner_module, owner in self.ancestry(module_id, qualname)[0]:
            t = self.table(owner_module)
            if t is None:
                continue
            body = t.binders.get(owner, {})
            config = body.get("model_config") or []
            for binder in config:
                if binder[0] == "value" and binder[2][0] == "call":
                    call = self.call_at(owner_module, str(binder[2][1]), binder[1], owner)
                    if call is not None:
                        prefix = prefix or self.arg_text(call, owner_module, None, "env_prefix") or ""
            inner = t.binders.get(f"{owner}.Config", {}).get("env_prefix")
            if inner and inner[-1][0] == "value" and inner[-1][2][0] == "str":
                prefix = prefix or str(inner[-1][2][1])
            for binder in reversed(body.get(name, [])):
                if binder[0] != "value":
                    continue
                value = binder[2]
                if value[0] in ("str", "num"):
                    default = str(value[1])
                elif value[0] == "call":
                    call = self.call_at(owner_module, str(value[1]), binder[1], owner)
                    if call is not None and str(value[1]).rpartition(".")[2] == "Field":
                        variable = self.arg_text(call, owner_module, None, "env", "validation_alias", "alias")
                        default = self.arg_text(call, owner_module, 0, "default")
                elif value[0] == "env":
                    variable = str(value[1])
                break
            if default is not None or variable is not None:
                break
        return Text(env_placeholder(variable or (prefix + name).upper(), default))

    def called(self, sym: Sym, module_id: str, written: str, line: int, scope: str) -> Sym:
        """The result of calling ``sym`` (written as ``written`` at ``line``)."""
        call = self.call_at(module_id, written, line, scope) if line else None
        step = Step(module_id, call)
        if isinstance(sym, Ext):
            env = self._env_read(sym, step)
            if env is not None:
                return env
            if sym.path in _PASS_THROUGH and call is not None:
                return self.arg(step, None, 0)
            if sym.path in _FIELDS:
                return self._field_default(step)
            if sym.path.endswith(".config.get") and sym.path.startswith(("flask.", "quart.")):
                key = self.arg_text(step, None, 0, "key")
                return self.flask_setting(module_id, key) if key else None
            return Ext(f"{sym.path}()", sym.steps + (step,))
        if isinstance(sym, Internal):
            t = self.table(sym.module)
            if not sym.rest and not sym.instance and t is not None and sym.qualname in t.classes:
                return Internal(sym.module, sym.qualname, instance=True, steps=(step,))
            if not sym.rest and not sym.instance and t is not None and sym.qualname in t.functions:
                if len(self._frames) < 4:
                    found = self._returned(sym, step)
                    if found is not None:
                        return found
            return replace(sym, rest=f"{sym.rest}()")
        if isinstance(sym, Text):
            return sym  # a string method: the same text, near enough for an address
        return None

    def _env_read(self, sym: Ext, step: Step) -> Text | None:
        path = sym.path
        if path in _ENV_CALLS:
            name = self.arg_text(step, None, 0, "key")
            default = self.arg_text(step, None, 1, "default")
            return Text(env_placeholder(name, default)) if name and "{" not in name else None
        for prefix in _ENV_LIBRARIES:
            if path == prefix or (path.startswith(prefix + ".") and path[len(prefix) + 1:] in _ENV_METHODS):
                method = path[len(prefix) + 1:] if path != prefix else ""
                name = self.arg_text(step, None, 0, "var", "key") or _DEFAULT_VARS.get(method)
                default = self.arg_text(step, None, 1, "default")
                return Text(env_placeholder(name, default)) if name and "{" not in name else None
        if path in ("dj_database_url.config", "dj_database_url.parse", "dj_database_url.DBConfig"):
            if path.endswith("parse"):
                found = self.arg(step, None, 0, "url")
                return found if isinstance(found, Text) else None
            name = self.arg_text(step, None, None, "env") or "DATABASE_URL"
            return Text(env_placeholder(name, self.arg_text(step, None, None, "default")))
        return None

    def item(self, base: Sym, key: Sym, module_id: str) -> Sym:
        text = key if isinstance(key, Text) else None
        if isinstance(base, Ext) and text is not None and base.path.endswith(".config") and base.path.startswith(("flask.", "quart.")):
            return self.flask_setting(module_id, text.template)
        if isinstance(base, Ext):
            return Ext(f"{base.path}[]", base.steps + (Step(module_id, None, text),))
        if isinstance(base, Data) and base.value[0] == "dict" and text is not None:
            entry = base.value[1].get(text.template)
            return self.value(base.module, base.scope, entry) if entry is not None else None
        if isinstance(base, Internal):
            return replace(base, rest=f"{base.rest}[]")
        return None

    # -- parameters ------------------------------------------------------------------------
    def callers(self, module_id: str, qualname: str) -> list[tuple[str, CallSite, int]]:
        """Calls of an internal function anywhere in the repository: (module, call, how many
        leading parameters the call does not pass: 1 for a method's ``self``)."""
        if self._by_last is None:
            self._by_last = defaultdict(list)
            for mid in sorted(self.index.modules):
                t = self.table(mid)
                for call in t.facts.calls if t else ():
                    self._by_last[call.func.rpartition(".")[2]].append((mid, call))
        t = self.table(module_id)
        definition = t.functions.get(qualname) if t else None
        if definition is None:
            return []
        parent = qualname.rpartition(".")[0]
        offset = 1 if t is not None and parent in t.classes and "staticmethod" not in definition.decorators else 0
        out = []
        for mid, call in self._by_last.get(qualname.rpartition(".")[2], []):
            found = self.callee(mid, call)
            if isinstance(found, Internal) and found.module == module_id and found.qualname == qualname and not found.rest:
                out.append((mid, call, offset))
        return out

    def bind(self, module_id: str, scope: str, template: str, depth: int = 2) -> list[tuple[str, CallSite, str]]:
        """``{param:x}`` parts of a template filled from each caller of the function it is
        written in: (caller module, call, template); [] when no caller gives a value."""
        t = self.table(module_id)
        function = next((s for s in _chain(scope) if t is not None and s in t.functions), None)
        if function is None or t is None:
            return []
        params = t.functions[function].params
        out = []
        for mid, call, offset in self.callers(module_id, function):
            keywords = dict(call.keywords)

            def fill(match: re.Match[str], mid: str = mid, call: CallSite = call, keywords: dict = keywords, offset: int = offset) -> str:
                name = match.group(1)
                value = keywords.get(name)
                if value is None and name in params:
                    index = params.index(name) - offset
                    value = call.args[index] if 0 <= index < len(call.args) else None
                found = self.value(mid, call.scope, value, call.line) if value is not None else None
                return found.template if isinstance(found, Text) else match.group(0)

            filled = _PARAM.sub(fill, template)
            if filled == template:
                continue
            if "{param:" in filled and depth > 0:
                out += self.bind(mid, call.scope, filled, depth - 1) or [(mid, call, filled)]
            else:
                out.append((mid, call, filled))
        return out

    # -- Django settings -----------------------------------------------------------------
    def settings_modules(self) -> list[str]:
        """Modules that look like Django settings (they assign INSTALLED_APPS, DATABASES or
        ROOT_URLCONF at module level), most complete first."""
        if self._settings is None:
            found = []
            for module_id, module in self.index.modules.items():
                facts = self.facts.get(module.path)
                if facts is None:
                    continue
                names = {a.target for a in facts.assignments if not a.scope}
                score = sum(n in names for n in _DJANGO_SETTINGS_NAMES)
                if score:
                    found.append((-score, module_id))
            self._settings = [m for _, m in sorted(found)]
        return self._settings

    def django_setting(self, name: str) -> Sym:
        for module_id in self.settings_modules():
            found = self.lookup(module_id, "", name)
            if found is not None:
                return found
        return None


_BUILTIN_CALLS = frozenset({"str"})
_STR_METHODS = frozenset({"strip", "rstrip", "lstrip", "lower", "upper", "casefold", "removesuffix", "removeprefix"})
_FIELDS = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attrs.field", "attr.field", "pydantic.Field",
                     "pydantic.fields.Field", "sqlmodel.Field", "msgspec.field"})

"""Per-file facts: what one libcst pass over one file learns.

Facts are syntax, not meaning: names are written as the code spells them (``self.save``,
``requests.get``, ``from .models import Order``) and are resolved later, against the whole
repository. That keeps them independent of module naming, so they can be cached by the
file's content alone, and makes them cheap to ship between processes.

Values are encoded as ``Value`` pairs ``(kind, payload)`` where kind is one of VALUE_KINDS:
a string literal, an f-string template, a number, a dotted name, an environment variable
read, a call, a dict / list literal, or something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# An import's kind, from the most to the least certain at run time.
IMPORT = "import"  # module level, unconditional
FUNCTION = "function"  # inside a function or method body: runs when called
CONDITIONAL = "conditional"  # under if / try (ImportError fallbacks and the like)
TYPE_CHECKING = "type_checking"  # under `if TYPE_CHECKING:` - never at run time
DYNAMIC = "dynamic"  # importlib.import_module("literal") / __import__("literal")
LAZY = "lazy"  # PEP 810 `lazy import`
IMPORT_KINDS = (IMPORT, FUNCTION, CONDITIONAL, TYPE_CHECKING, DYNAMIC, LAZY)

VALUE_KINDS = ("str", "fstr", "num", "name", "env", "call", "dict", "list", "await", "item", "other")

Value = tuple[str, Any]
"""(kind, payload): ("str", "orders"), ("env", "DATABASE_URL"), ("name", "settings.DB"),
("fstr", "http://{env:HOST}/x"), ("call", "os.getcwd"), ("dict", {"k": Value}),
("list", [Value, ...]), ("num", "5432"), ("await", Value) for ``await <expr>``,
("item", (Value, Value)) for ``base[key]``, ("other", "").

Strings built with ``+``, ``%`` or ``"...".format(...)`` from literals and names are
"fstr" templates too (``BASE + "/x"`` is ``"{BASE}/x"``)."""


@dataclass(slots=True, unsafe_hash=True)
class ImportFact:
    """One imported module, as written. ``names`` are the (name, alias) pairs of a
    from-import (("*", None) for a star import); ``alias`` is the `as` name of a plain one."""

    module: str
    level: int
    names: tuple[tuple[str, str | None], ...]
    alias: str | None
    line: int
    kind: str
    scope: str


@dataclass(slots=True, unsafe_hash=True)
class Definition:
    """A function, method or class; ``qualname`` is relative to the module (Outer.inner)."""

    qualname: str
    kind: str  # "function" | "class"
    line: int
    bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    is_async: bool = False
    keywords: tuple[tuple[str, Value], ...] = ()  # a class's ``table=True``, ``metaclass=M``
    # None when ``bases`` lists every positional base. Otherwise every base in order, so
    # that a method resolution order can be built soundly: the dotted name, ``X[]`` for a
    # subscripted ``X[...]`` (Generic[T], Base[int]), ``?`` for anything else (*bases).
    base_list: tuple[str, ...] | None = None


@dataclass(slots=True, unsafe_hash=True)
class CallSite:
    """A call: ``func`` is the callee as written, dotted (``self.repo.get``,
    ``super().save``, ``Order``); '' when it is not a name (calls through subscripts,
    lambdas, ...). ``scope`` is the enclosing def or class qualname, '' at module level."""

    scope: str
    func: str
    line: int
    args: tuple[Value, ...] = ()
    keywords: tuple[tuple[str, Value], ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Assignment:
    """``target = value`` for a single dotted target (``x``, ``self.x``, ``__tablename__``), or
    a string key of one (``app.config["DATABASE_URI"]``, written with double quotes)."""

    scope: str
    target: str
    value: Value
    line: int
    # `x: T` without a value (in a class or function): ``value`` is then ("name", T), the
    # annotation, and nothing is bound.
    annotation_only: bool = False


@dataclass(slots=True, unsafe_hash=True)
class Binding:
    """A name (or dotted target, ``self.x``, ``mod.func``) bound in ``scope`` in a way that
    no Definition, ImportFact or Assignment records: an assignment of any other value, a
    tuple or augmented assignment, a for / with / except / match / comprehension target, a
    walrus, ``del``, a lambda parameter, ``*args`` / ``**kwargs``, and ``global`` /
    ``nonlocal`` declarations (recorded in the scopes they may rebind). Call resolution
    needs them to know when a name is bound exactly once."""

    scope: str
    name: str
    line: int


@dataclass(slots=True, unsafe_hash=True)
class ParseError:
    """Why a file could not be read or parsed; ``code`` selects the rule that reports it."""

    code: str
    message: str
    line: int = 1
    detail: str = ""  # a traceback, for --debug


@dataclass(slots=True)
class FileFacts:
    """Everything extraction learned about one file."""

    path: str
    sha: str = ""
    lines: int = 0
    imports: list[ImportFact] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    # ``with X as name`` / ``async with``: the context manager's value bound to ``name``
    with_targets: list[Assignment] = field(default_factory=list)
    # ``return X`` in a function: target '', scope the function (factories of clients)
    returns: list[Assignment] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    main_guard: int = 0  # line of `if __name__ == "__main__":`, 0 when absent
    ignores: dict[int, tuple[str, ...]] = field(default_factory=dict)  # line -> codes ('*' = all)
    error: ParseError | None = None

    def brief(self) -> FileFacts:
        """These facts with only BRIEF_FIELDS (what a scan reads of a test file)."""
        return FileFacts(**{name: getattr(self, name) for name in BRIEF_FIELDS})


BRIEF_FIELDS = frozenset({"path", "sha", "lines", "imports", "main_guard", "ignores", "error"})
"""What a scan uses of a test file's facts (model/source.py ``is_test_file``): tests are in
the import graph, but neither in the call graph nor read for data and communication, and
on some packages they are most of the code. Their facts are sent from the workers and
cached this far only (extract/cache.py)."""

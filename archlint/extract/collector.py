"""One pass over one file's syntax tree, collecting every fact archlint needs."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from archlint.extract.walker import Hook, walk
from archlint.model.facts import (
    CONDITIONAL,
    DYNAMIC,
    FUNCTION,
    IMPORT,
    LAZY,
    TYPE_CHECKING,
    Assignment,
    Binding,
    CallSite,
    Definition,
    FileFacts,
    ImportFact,
    Value,
)

MAX_STR = 400  # longest string literal kept in a fact
MAX_ITEMS = 64  # most elements kept of a dict / list literal
MAX_DEPTH = 6  # deepest nesting kept of a literal

_MAIN = "main"  # context: under `if __name__ == "__main__":`
_ALWAYS = "always"  # context: a `with` body, which runs as its statement does
_DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "import_module", "__import__"})
_ENV_READERS = frozenset(
    {"os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault"}
)
_ENV_MAPPINGS = frozenset({"os.environ", "environ"})
_KEPT_ASSIGNMENTS = frozenset({"call", "str", "fstr", "env", "dict", "list", "num", "name", "await", "item"})
_PERCENT = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcab]")
_FORMAT_FIELD = re.compile(r"\{([^{}]*)\}")


def dotted(node: Any) -> str | None:
    """``a.b.c`` for names and attribute chains; ``f().g`` through calls; None otherwise."""
    parts: list[str] = []
    while True:
        kind = node.__class__
        if kind is cst.Name:
            parts.append(node.value)
            break
        if kind is cst.Attribute:
            parts.append(node.attr.value)
            node = node.value
        elif kind is cst.Call:
            inner = node.func
            if inner.__class__ not in (cst.Name, cst.Attribute, cst.Call):
                return None
            parts.append("()")
            node = inner
        else:
            return None
    out = ""
    for part in reversed(parts):
        if part == "()":
            out += "()"
        else:
            out = f"{out}.{part}" if out else part
    return out


def _string(node: Any) -> str | None:
    kind = node.__class__
    if kind is cst.SimpleString:
        raw = node.value
        if "\\" not in raw and raw[0] in "'\"" and raw[-1] == raw[0]:  # no prefix, no escapes
            quote = 3 if raw[:3] in ('"""', "'''") and len(raw) >= 6 else 1
            return raw[quote:-quote][:MAX_STR]
        try:
            value = node.evaluated_value
        except Exception:  # an invalid escape: keep the raw text
            value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        return value[:MAX_STR]
    if kind is cst.ConcatenatedString:  # "a" "b" "c": right-nested, walked in a loop
        pieces = []
        while node.__class__ is cst.ConcatenatedString:
            pieces.append(node.left)
            node = node.right
        pieces.append(node)
        texts = [_string(p) if p.__class__ is not cst.ConcatenatedString else None for p in pieces]
        if all(t is not None for t in texts):
            return "".join(texts)[:MAX_STR]  # type: ignore[arg-type]
    return None


def value_of(node: Any, depth: int = 0) -> Value:
    """A compact description of an expression, enough to recognise connection strings,
    table names, topics, URLs and environment variables without keeping the tree."""
    kind = node.__class__
    text = _string(node)
    if text is not None:
        return ("str", text)
    if kind is cst.Integer or kind is cst.Float:
        return ("num", node.value)
    if kind is cst.Name or kind is cst.Attribute:
        return ("name", dotted(node) or "")
    if kind is cst.FormattedString:
        return ("fstr", _template(node))
    if kind is cst.ConcatenatedString:
        return ("fstr", _template(node))
    if kind is cst.Subscript:
        key = node.slice[0].slice if len(node.slice) == 1 else None
        if not isinstance(key, cst.Index):
            return ("other", "")
        if dotted(node.value) in _ENV_MAPPINGS:
            name = _string(key.value)
            if name is not None:
                return ("env", name)
        if depth >= MAX_DEPTH:
            return ("other", "")
        return ("item", (value_of(node.value, depth + 1), value_of(key.value, depth + 1)))
    if kind is cst.Call:
        func = dotted(node.func) or ""
        if func in _ENV_READERS and node.args:
            name = _string(node.args[0].value)
            if name is not None:
                return ("env", name)
        if not func and node.func.__class__ is cst.Attribute and node.func.attr.value == "format":
            text = _string(node.func.value)
            if text is not None:
                return ("fstr", _format_template(text, node.args))
        return ("call", func)
    if kind is cst.BinaryOperation:
        return _joined(node)
    if depth >= MAX_DEPTH:
        return ("other", "")
    if kind is cst.Await:
        return ("await", value_of(node.expression, depth + 1))
    if kind is cst.Dict:
        items: dict[str, Value] = {}
        for element in node.elements[:MAX_ITEMS]:
            if isinstance(element, cst.DictElement):
                key = _string(element.key)
                if key is None and element.key.__class__ in (cst.Name, cst.Attribute):
                    key = "{" + (dotted(element.key) or "") + "}"  # a constant, resolved later
                if key is not None and key != "{}":
                    items[key] = value_of(element.value, depth + 1)
        return ("dict", items)
    if kind in (cst.List, cst.Tuple, cst.Set):
        return (
            "list",
            [
                value_of(e.value, depth + 1)
                for e in node.elements[:MAX_ITEMS]
                if isinstance(e, cst.Element)
            ],
        )
    return ("other", "")


def _piece(node: Any) -> str | None:
    """One operand of a string built with ``+`` / ``%`` / ``format``, as template text."""
    value = value_of(node, MAX_DEPTH)
    kind = value[0]
    if kind == "str" or kind == "fstr":
        return str(value[1])
    if kind == "env":
        return "{env:" + str(value[1]) + "}"
    if kind == "name":
        return "{" + str(value[1]) + "}"
    return None


def _joined(node: cst.BinaryOperation) -> Value:
    """``a + "/x" + b`` and ``"%s/x" % a`` as an f-string template, when a string literal
    takes part (so ``n + 1`` stays unknown)."""
    if isinstance(node.operator, cst.Modulo):
        text = _string(node.left)
        if text is None:
            return ("other", "")
        right = node.right
        operands = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        pieces = iter(operands)

        def fill(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            operand = next(pieces, None)
            return (_piece(operand) if operand is not None else None) or "{}"

        return ("fstr", _PERCENT.sub(fill, text)[:MAX_STR])
    if not isinstance(node.operator, cst.Add):
        return ("other", "")
    operands = []
    while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        operands.append(node.right)
        node = node.left
    operands.append(node)
    operands.reverse()
    literal = any(
        _string(o) is not None or o.__class__ in (cst.FormattedString, cst.ConcatenatedString)
        for o in operands
    )
    if not literal:
        return ("other", "")
    return ("fstr", "".join(_piece(o) or "{}" for o in operands)[:MAX_STR])


def _format_template(text: str, args: Any) -> str:
    """``"{}/x/{name}".format(a, name=b)`` as a template."""
    positional = [a.value for a in args if a.keyword is None and not a.star]
    named = {a.keyword.value: a.value for a in args if a.keyword is not None}
    counter = iter(range(len(positional)))

    def fill(match: re.Match[str]) -> str:
        field = match.group(1).partition("!")[0].partition(":")[0]
        if field == "":
            index = next(counter, None)
            operand = positional[index] if index is not None else None
        elif field.isdigit():
            operand = positional[int(field)] if int(field) < len(positional) else None
        else:
            operand = named.get(field)
        return (_piece(operand) if operand is not None else None) or "{}"

    return _FORMAT_FIELD.sub(fill, text)[:MAX_STR]


def _template(node: Any) -> str:
    """An f-string as text with each expression shown as ``{env:NAME}``, ``{dotted.name}``
    or ``{}``."""
    if node.__class__ is cst.ConcatenatedString:
        pieces = []
        while node.__class__ is cst.ConcatenatedString:
            pieces.append(_template(node.left))
            node = node.right
        return ("".join(pieces) + _template(node))[:MAX_STR]
    if node.__class__ is not cst.FormattedString:
        return _string(node) or ""
    out = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            out.append(part.value)
        else:
            value = value_of(part.expression, MAX_DEPTH)
            if value[0] == "env":
                out.append("{env:" + value[1] + "}")
            elif value[0] in ("name", "str"):
                out.append("{" + str(value[1]) + "}")
            else:
                out.append("{" + (_keyed(part.expression) or "") + "}")
    return "".join(out)[:MAX_STR]


def _is_type_checking(test: Any) -> bool:
    name = dotted(test)
    return name is not None and (name == "TYPE_CHECKING" or name.endswith(".TYPE_CHECKING"))


def _is_main_guard(test: Any) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = {dotted(test.left), _string(test.left), dotted(target.comparator), _string(target.comparator)}
    return "__name__" in sides and "__main__" in sides


def _module_text(node: Any) -> str:
    return dotted(node) or "" if node is not None else ""


class Collector:
    """Turns one parsed module into FileFacts. Scope and import context are tracked with
    field hooks, so that a def's parameters and decorators belong to the enclosing scope and
    only its body to the def itself."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.scopes: list[str] = []
        self.function_depth = 0
        self.contexts: list[str] = []
        self.if_line = 0

    # -- scope and context ------------------------------------------------------------
    @property
    def scope(self) -> str:
        return self.scopes[-1] if self.scopes else ""

    def _qualify(self, name: str) -> str:
        return f"{self.scope}.{name}" if self.scopes else name

    def import_kind(self, lazy: bool = False) -> str:
        if TYPE_CHECKING in self.contexts:
            return TYPE_CHECKING
        if lazy:
            return LAZY
        if self.function_depth:
            return FUNCTION
        if any(c != _ALWAYS for c in self.contexts):
            return CONDITIONAL
        return IMPORT

    def _leave_scope(self, node: Any, line: int) -> None:
        self.scopes.pop()
        if isinstance(node, cst.FunctionDef):
            self.function_depth -= 1

    def _enter_function_body(self, node: cst.FunctionDef, line: int) -> None:
        self.scopes.append(self._qualify(node.name.value))
        self.function_depth += 1

    def _enter_class_body(self, node: cst.ClassDef, line: int) -> None:
        self.scopes.append(self._qualify(node.name.value))

    def _pop_context(self, node: Any, line: int) -> None:
        self.contexts.pop()

    def _if_body(self, node: cst.If, line: int) -> None:
        if _is_type_checking(node.test):
            self.contexts.append(TYPE_CHECKING)
        elif not self.scopes and _is_main_guard(node.test):
            self.facts.main_guard = self.facts.main_guard or self.if_line
            self.contexts.append(_MAIN)
        else:
            self.contexts.append(CONDITIONAL)

    def _if_test(self, node: cst.If, line: int) -> None:
        self.if_line = line

    def _conditional(self, node: Any, line: int) -> None:
        self.contexts.append(CONDITIONAL)

    def _with_body(self, node: cst.With, line: int) -> None:
        """`with suppress(ImportError):` is the try/except fallback in one line; any other
        `with` runs its body whatever happens (a neutral context, so leaving pops alike)."""
        suppressing = any(
            isinstance(item.item, cst.Call) and (dotted(item.item.func) or "").rpartition(".")[2] == "suppress"
            for item in node.items
        )
        self.contexts.append(CONDITIONAL if suppressing else _ALWAYS)

    # -- definitions ----------------------------------------------------------------
    def _function(self, node: cst.FunctionDef, line: int) -> None:
        params = node.params
        names = tuple(
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        )
        qualname = self._qualify(node.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.facts.bindings.append(Binding(qualname, star.name.value, line))
        self.facts.definitions.append(
            Definition(
                qualname=qualname,
                kind="function",
                line=line,
                decorators=tuple(d for d in map(_decorator_name, node.decorators) if d),
                params=names,
                is_async=node.asynchronous is not None,
            )
        )

    def _class(self, node: cst.ClassDef, line: int) -> None:
        self.facts.definitions.append(
            Definition(
                qualname=self._qualify(node.name.value),
                kind="class",
                line=line,
                bases=tuple(b for b in (dotted(a.value) for a in node.bases) if b),
                decorators=tuple(d for d in map(_decorator_name, node.decorators) if d),
                keywords=tuple((a.keyword.value, value_of(a.value)) for a in node.keywords if a.keyword),
                base_list=_base_list(node.bases),
            )
        )

    def _decorator(self, node: cst.Decorator, line: int) -> None:
        # `@name` calls name with the function; `@name(...)` is a Call the walk sees anyway.
        if not isinstance(node.decorator, cst.Call):
            func = dotted(node.decorator)
            if func:
                self.facts.calls.append(CallSite(self.scope, func, line))

    # -- imports ----------------------------------------------------------------------
    def _import(self, node: Any, line: int) -> None:
        kind = self.import_kind(lazy=isinstance(node, getattr(cst, "LazyImport", ())))
        for alias in node.names:
            module = _module_text(alias.name)
            if module:
                self.facts.imports.append(
                    ImportFact(module, 0, (), _asname(alias), line, kind, self.scope)
                )

    def _import_from(self, node: Any, line: int) -> None:
        kind = self.import_kind(lazy=isinstance(node, getattr(cst, "LazyImportFrom", ())))
        if isinstance(node.names, cst.ImportStar):
            names: tuple[tuple[str, str | None], ...] = (("*", None),)
        else:
            names = tuple(
                (_module_text(a.name), _asname(a)) for a in node.names if _module_text(a.name)
            )
        self.facts.imports.append(
            ImportFact(_module_text(node.module), len(node.relative), names, None, line, kind, self.scope)
        )

    # -- calls and assignments ------------------------------------------------------
    def _call(self, node: cst.Call, line: int) -> None:
        func = dotted(node.func) or ""
        if func.startswith("super()."):
            func = _super_with_args(node.func, func)
        args: list[Value] = []
        keywords: list[tuple[str, Value]] = []
        for arg in node.args:
            if arg.star:
                continue
            if arg.keyword is not None:
                keywords.append((arg.keyword.value, value_of(arg.value)))
            elif len(args) < 8:
                args.append(value_of(arg.value))
        self.facts.calls.append(CallSite(self.scope, func, line, tuple(args), tuple(keywords)))
        if func in _DYNAMIC_IMPORTERS and args and args[0][0] == "str":
            target = args[0][1]
            stripped = target.lstrip(".")
            level = len(target) - len(stripped)
            # import_module(".x", package) is relative to `package`: known only when it is
            # this module's own package.
            anchor = args[1] if len(args) > 1 else dict(keywords).get("package")
            if level and (anchor is None or anchor[1] not in ("__name__", "__package__")):
                return
            if stripped or level:
                self.facts.imports.append(
                    ImportFact(stripped, level, (), None, line, DYNAMIC, self.scope)
                )

    def _assign(self, node: cst.Assign, line: int) -> None:
        value = value_of(node.value)
        kept = value[0] in _KEPT_ASSIGNMENTS
        for target in node.targets:
            name = (dotted(target.target) or _keyed(target.target)) if kept else None
            if name:
                self.facts.assignments.append(Assignment(self.scope, name, value, line))
            else:
                self._bind(target.target, line)

    def _return(self, node: cst.Return, line: int) -> None:
        if node.value is not None and self.function_depth:
            value = value_of(node.value)
            if value[0] in _KEPT_ASSIGNMENTS:
                self.facts.returns.append(Assignment(self.scope, "", value, line))

    def _with_item(self, node: cst.WithItem, line: int) -> None:
        if node.asname is not None:
            name = dotted(node.asname.name)
            if name:
                self.facts.with_targets.append(Assignment(self.scope, name, value_of(node.item), line))
        self._bind_as(node, line)

    def _ann_assign(self, node: cst.AnnAssign, line: int) -> None:
        name = dotted(node.target)
        if not name:
            return
        value = value_of(node.value) if node.value is not None else ("other", "")
        if node.value is None and self.scopes:
            value = ("name", dotted(node.annotation.annotation) or "")
        if value[0] in _KEPT_ASSIGNMENTS:
            self.facts.assignments.append(Assignment(self.scope, name, value, line, node.value is None))
        elif node.value is not None:
            self.facts.bindings.append(Binding(self.scope, name, line))

    # -- other name bindings: only that they happen, for call resolution ---------------
    def _bind(self, target: Any, line: int) -> None:
        """Record the names a target expression binds (``a``, ``self.x``, ``a, *b``)."""
        kind = target.__class__
        if kind is cst.Name or kind is cst.Attribute:
            name = dotted(target)
            if name:
                self.facts.bindings.append(Binding(self.scope, name, line))
        elif kind is cst.Tuple or kind is cst.List:
            for element in target.elements:
                self._bind(element.value, line)
        elif kind is cst.StarredElement:
            self._bind(target.value, line)

    def _bind_target(self, node: Any, line: int) -> None:
        self._bind(node.target, line)

    def _bind_as(self, node: Any, line: int) -> None:
        # with ... as x, except E as x: an AsName; match's `as x` / `*x` / `**x`: a Name
        alias = getattr(node, "asname", None) or getattr(node, "name", None)
        if isinstance(alias, cst.AsName):
            alias = alias.name
        if alias is not None:
            self._bind(alias, line)

    def _bind_rest(self, node: cst.MatchMapping, line: int) -> None:
        if node.rest is not None:
            self._bind(node.rest, line)

    def _bind_lambda(self, node: cst.Lambda, line: int) -> None:
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self._bind(param.name, line)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._bind(star.name, line)

    def _bind_type_param(self, node: Any, line: int) -> None:
        self._bind(node.param.name, line)

    def _global(self, node: cst.Global, line: int) -> None:
        for item in node.names:
            self.facts.bindings.append(Binding("", item.name.value, line))
            self._bind(item.name, line)

    def _nonlocal(self, node: cst.Nonlocal, line: int) -> None:
        for item in node.names:
            for scope in self.scopes:
                self.facts.bindings.append(Binding(scope, item.name.value, line))

    # -- wiring -------------------------------------------------------------------------
    def run(self, module: cst.Module) -> int:
        on_node: dict[type, Hook] = {
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.Return: self._return,
            cst.AugAssign: self._bind_target,
            cst.For: self._bind_target,
            cst.CompFor: self._bind_target,
            cst.NamedExpr: self._bind_target,
            cst.Del: self._bind_target,
            cst.WithItem: self._with_item,
            cst.ExceptHandler: self._bind_as,
            cst.ExceptStarHandler: self._bind_as,
            cst.MatchAs: self._bind_as,
            cst.MatchStar: self._bind_as,
            cst.MatchMapping: self._bind_rest,
            cst.Lambda: self._bind_lambda,
            cst.TypeAlias: self._bind_as,
            cst.TypeParam: self._bind_type_param,
            cst.Global: self._global,
            cst.Nonlocal: self._nonlocal,
        }
        for lazy, handler in (("LazyImport", self._import), ("LazyImportFrom", self._import_from)):
            if hasattr(cst, lazy):
                on_node[getattr(cst, lazy)] = handler
        pop = self._pop_context
        on_field: dict[type, dict[str, tuple[Hook | None, Hook | None]]] = {
            cst.FunctionDef: {
                "asynchronous": (self._function, None),
                "body": (self._enter_function_body, self._leave_scope),
            },
            cst.ClassDef: {
                "whitespace_after_class": (self._class, None),
                "body": (self._enter_class_body, self._leave_scope),
            },
            cst.Decorator: {"decorator": (self._decorator, None)},
            cst.Call: {"func": (self._call, None)},
            cst.If: {
                "test": (self._if_test, None),
                "body": (self._if_body, pop),
                "orelse": (self._conditional, pop),
            },
            cst.Try: {"body": (self._conditional, None), "orelse": (None, pop)},
            # a loop body may run no time, a case only on a match
            cst.For: {"body": (self._conditional, pop), "orelse": (self._conditional, pop)},
            cst.While: {"body": (self._conditional, pop), "orelse": (self._conditional, pop)},
            cst.MatchCase: {"body": (self._conditional, pop)},
            cst.With: {"body": (self._with_body, pop)},
            cst.TryStar: {"body": (self._conditional, None), "orelse": (None, pop)},
        }
        return walk(module, on_node, on_field)


def _keyed(target: Any) -> str | None:
    """``app.config["KEY"]`` for an assignment to a string key of a dotted name."""
    if target.__class__ is not cst.Subscript or len(target.slice) != 1:
        return None
    key = target.slice[0].slice
    base = dotted(target.value)
    text = _string(key.value) if isinstance(key, cst.Index) else None
    if base is None or text is None or '"' in text:
        return None
    return f'{base}["{text}"]'


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    return dotted(alias.asname.name)


def _base_list(bases: Any) -> tuple[str, ...] | None:
    """Every positional base in order when some base is not a plain dotted name (see
    Definition.base_list); None when ``bases`` already says it all."""
    listed = []
    exact = True
    for arg in bases:
        name = dotted(arg.value) if not arg.star else None
        if name is None:
            exact = False
            inner = dotted(arg.value.value) if isinstance(arg.value, cst.Subscript) and not arg.star else None
            name = f"{inner}[]" if inner else "?"
        listed.append(name)
    return None if exact else tuple(listed)


def _super_with_args(func: Any, written: str) -> str:
    """``super(Base, self).save`` is not ``super().save``: keep the arguments, as written."""
    while isinstance(func, cst.Attribute):
        func = func.value
    if not isinstance(func, cst.Call) or not func.args:
        return written
    args = ",".join(dotted(a.value) or "?" for a in func.args)
    return f"super({args}){written[len('super()'):]}"


def _decorator_name(decorator: cst.Decorator) -> str | None:
    expr = decorator.decorator
    return dotted(expr.func if isinstance(expr, cst.Call) else expr)

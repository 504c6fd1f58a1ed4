"""A data-only JSON codec for the facts dataclasses, derived from their type hints.

The cache lives inside the scanned repository, which may be hostile (CI scans pull
requests), so what is loaded from it must be plain data whose loading cannot run code:
JSON, decoded by the types the dataclasses declare and checked on the way (a value of the
wrong type is ``Malformed``, never trusted). The codec is built from the dataclass fields,
so a field someone adds to the facts is cached without touching this module; ``shape()``
names every field and type, so a cache written for other shapes is never read.

JSON forms: a dataclass is an array of its field values in field order; tuples, lists and
sets are arrays; a dict is an array of [key, value] pairs (keys may be ints); ``X | None``
is null or X. ``Any`` (the payload of a ``Value``) keeps its Python types exactly: strings,
numbers, booleans and null as they are, a list as an array, a tuple as {"t": [...]}, a dict
as {"d": [[key, value], ...]}.

Decoding runs on every warm scan over some hundred thousand values, so the decoders are
generated as straight-line Python functions, one per type (measured on Django's facts: 0.12 s
where composed closures took 0.20 s); so are the encoders, one expression per dataclass
(encoding Django's facts: 0.06 s where closures took 0.17 s). Their source is made from the
dataclass declarations alone; loaded data is only ever an argument to them.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class Malformed(ValueError):
    """A loaded value does not have the type its field declares."""


def shape(cls: type) -> str:
    """Every dataclass reachable from ``cls`` with its fields and their types, as text:
    equal for equal shapes, different as soon as a field is added, removed or retyped."""
    seen: dict[str, str] = {}

    def visit(tp: Any) -> None:
        if _is_dataclass(tp):
            name = f"{tp.__module__}.{tp.__qualname__}"
            if name in seen:
                return
            hints = typing.get_type_hints(tp)
            seen[name] = ",".join(f"{f.name}:{_type_name(hints[f.name])}" for f in dataclasses.fields(tp))
            for f in dataclasses.fields(tp):
                visit(hints[f.name])
        for arg in typing.get_args(tp):
            visit(arg)

    visit(cls)
    return ";".join(f"{name}({fields})" for name, fields in sorted(seen.items()))


def codec(cls: type) -> tuple[Encoder, Decoder]:
    """(encode, decode) for instances of the dataclass ``cls``. Raises TypeError when a
    field has a type this codec does not know (a test round-trips every facts field)."""
    return _Encoders().build(cls), _Decoders().build(cls)


def projection(cls: type, keep: frozenset[str]) -> Decoder:
    """A decoder of ``cls`` that decodes only the fields named in ``keep`` and gives every
    other one its default (each must have one): the entry is still checked to be an array
    of the right length, its kept fields by their types."""
    return _Decoders(cls, keep).build(cls)


def _is_dataclass(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _type_name(tp: Any) -> str:
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _kind(tp: Any) -> tuple[str, tuple[Any, ...]]:
    """What a type is to the codec: ("any" | "scalar" | "optional" | "sequence" | "tuple" |
    "dict" | "dataclass", its parts)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return "any", ()
    if tp in _SCALARS:
        return "scalar", (tp,)
    if origin in (typing.Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            raise TypeError(f"the facts cache stores unions only as `X | None`, not {tp!r}")
        return "optional", (others[0],)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return "sequence", (tuple, args[0])
    if origin is tuple and args:
        return "tuple", args
    if origin in (list, set, frozenset) or tp in (list, set, frozenset):
        return "sequence", (origin or tp, args[0] if args else Any)
    if origin is dict:
        return "dict", args
    if _is_dataclass(tp):
        return "dataclass", (tp,)
    raise TypeError(f"the facts cache cannot store a field of type {tp!r}")


_SCALARS = (str, int, bool, float, type(None))

# -- encoding: generated functions, like the decoders (workers encode every parsed file's
# facts, the report memo a whole Report) ------------------------------------------------------


class _Encoders:
    """Writes one encoding function per dataclass and compiles them together: each returns
    the list of its fields' JSON forms, written out as one expression."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self.names: dict[Any, str] = {}
        self.env: dict[str, Any] = {"_encode_any": _encode_any, "sorted": sorted, "repr": repr, "list": list}

    def build(self, tp: Any) -> Encoder:
        self.output.append(f"def _encode(v):\n    return {self.value(tp, 'v', 0)}\n")
        exec(compile("\n".join(self.output), f"<archlint encoder for {_type_name(tp)}>", "exec"), self.env)  # noqa: S102
        return typing.cast(Encoder, self.env["_encode"])

    def value(self, tp: Any, var: str, depth: int) -> str:
        """An expression of the JSON form of ``var``, a ``tp`` (``depth`` names the loop
        variables of nested comprehensions apart)."""
        kind, parts = _kind(tp)
        if kind == "any":
            return f"_encode_any({var})"
        if kind == "scalar":
            return var
        if kind == "optional":
            inner = self.value(parts[0], var, depth)
            return var if inner == var else f"(None if {var} is None else {inner})"
        if kind == "sequence":
            maker, item = parts
            items = var if maker is tuple or maker is list else f"sorted({var}, key=repr)"
            x = f"x{depth}"
            each = self.value(item, x, depth + 1)
            return f"list({items})" if each == x else f"[{each} for {x} in {items}]"
        if kind == "tuple":
            return "[" + ", ".join(self.value(t, f"{var}[{i}]", depth) for i, t in enumerate(parts)) + "]"
        if kind == "dict":
            key, item = parts
            k, x = f"k{depth}", f"x{depth}"
            return f"[[{self.value(key, k, depth + 1)}, {self.value(item, x, depth + 1)}] for {k}, {x} in {var}.items()]"
        return f"{self.function(parts[0])}({var})"

    def function(self, cls: type) -> str:
        if cls in self.names:
            return self.names[cls]
        name = self.names[cls] = f"_encode{len(self.names)}"  # before the fields: a type may nest itself
        hints = typing.get_type_hints(cls)
        fields = ", ".join(self.value(hints[f.name], f"v.{f.name}", 0) for f in dataclasses.fields(cls))
        self.output.append(f"def {name}(v):\n    return [{fields}]\n")
        return name


_PLAIN = (str, int, float, bool, type(None))
# Decoded strings are interned: JSON gives each occurrence its own object, and facts repeat
# the same few names (scopes, callees, value kinds) thousands of times. Measured on pandas'
# facts: 230 MB instead of 370 MB, for a fifth more decoding time.
_intern = sys.intern


def _encode_any(value: Any) -> Any:
    kind = value.__class__
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_encode_any(v) for v in value]
    if kind is tuple:
        return {"t": [_encode_any(v) for v in value]}
    if kind is dict:
        return {"d": [[_encode_any(k), _encode_any(v)] for k, v in value.items()]}
    raise TypeError(f"the facts cache cannot store a value of type {kind.__name__}")


# -- decoding: generated functions --------------------------------------------------------


def _decode_any(value: Any) -> Any:
    kind = value.__class__
    if kind is str:
        return _intern(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_decode_any(v) for v in value]
    if kind is dict and len(value) == 1:
        if "t" in value and value["t"].__class__ is list:
            return tuple([_decode_any(v) for v in value["t"]])
        if "d" in value and value["d"].__class__ is list:
            out = {}
            for pair in value["d"]:
                if pair.__class__ is not list or len(pair) != 2:
                    raise Malformed("expected a [key, value] pair")
                key = _decode_any(pair[0])
                if key.__class__ not in _PLAIN:
                    raise Malformed("a dict key must be a plain value")
                out[key] = _decode_any(pair[1])
            return out
    raise Malformed(f"unexpected {kind.__name__} in a value")


def _decode_float(value: Any) -> float:
    if value.__class__ is not float and value.__class__ is not int:
        raise Malformed(f"expected a number, found {type(value).__name__}")
    return float(value)


class _Decoders:
    """Writes one decoding function per type and compiles them together."""

    def __init__(self, projected: type | None = None, keep: frozenset[str] = frozenset()) -> None:
        self.projected, self.keep = projected, keep  # the class decoded in part, and what of it
        self.lines: list[str] = []  # the function being written
        self.output: list[str] = []  # the functions written, each after those it calls
        self.names: dict[Any, str] = {}
        self.env: dict[str, Any] = {
            "Malformed": Malformed,
            "_decode_any": _decode_any,
            "_intern": _intern,
            "_decode_float": _decode_float,
            "str": str,
            "int": int,
            "bool": bool,
            "list": list,
            "len": len,
        }

    def build(self, tp: Any) -> Decoder:
        name = self.function(tp)
        exec(compile("\n".join(self.output), f"<archlint codec for {_type_name(tp)}>", "exec"), self.env)  # noqa: S102
        return typing.cast(Decoder, self.env[name])

    def _bind(self, value: Any) -> str:
        name = f"_k{len(self.env)}"
        self.env[name] = value
        return name

    def check(self, tp: Any, var: str) -> str | None:
        """A condition true when ``var`` is not a valid ``tp``, for types checked inline."""
        kind, parts = _kind(tp)
        if kind == "scalar" and parts[0] is type(None):
            return f"{var} is not None"
        if kind == "scalar" and parts[0] is not float:
            return f"{var}.__class__ is not {parts[0].__name__}"
        if kind == "optional":
            inner = self.check(parts[0], var)
            return f"({var} is not None and {inner})" if inner else None
        return None

    def value(self, tp: Any, var: str) -> str:
        """An expression decoding ``var`` as ``tp`` (after ``check`` passed, if any)."""
        kind, parts = _kind(tp)
        if tp is str:
            return f"_intern({var})"
        if kind == "optional" and parts[0] is str:
            return f"(None if {var} is None else _intern({var}))"
        if self.check(tp, var) is not None:
            return var
        if kind == "any":
            return f"_decode_any({var})"
        if kind == "scalar":  # float: ints are accepted and converted
            return f"_decode_float({var})"
        if kind == "optional":
            return f"(None if {var} is None else {self.value(parts[0], var)})"
        return f"{self.function(tp)}({var})"

    def checked(self, pairs: list[tuple[Any, str]], what: str, indent: str) -> None:
        tests = [c for c in (self.check(tp, var) for tp, var in pairs) if c]
        if tests:
            self.lines.append(f"{indent}if {' or '.join(tests)}: raise Malformed({what!r})")

    def function(self, tp: Any) -> str:
        if tp in self.names:
            return self.names[tp]
        name = self.names[tp] = f"_decode{len(self.names)}"
        kind, parts = _kind(tp)
        what = f"not a valid {_type_name(tp)}"
        outer, out = self.lines, []
        self.lines = out
        out.append(f"def {name}(v):")
        if kind == "dataclass":
            cls = parts[0]
            hints = typing.get_type_hints(cls)
            every = dataclasses.fields(cls)
            projected = cls is self.projected
            # a field left out of a projection is unpacked into `_` and keeps its default
            fields = [(hints[f.name], f"f{i}" if not projected or f.name in self.keep else "_")
                      for i, f in enumerate(every)]
            self._unpack(fields, what)
            args = ", ".join(f"{f.name}={self.value(t, var)}" if projected else self.value(t, var)
                             for (t, var), f in zip(fields, every) if var != "_")
            out.append(f"    return {self._bind(cls)}({args})")
        elif kind == "tuple":
            items = [(t, f"f{i}") for i, t in enumerate(parts)]
            self._unpack(items, what)
            out.append(f"    return ({', '.join(self.value(t, var) for t, var in items)},)")
        elif kind == "sequence":
            maker, item = parts
            out.append(f"    if v.__class__ is not list: raise Malformed({what!r})")
            build = self._bind(maker)
            if self.check(item, "x") is not None:
                out.append("    for x in v:")
                self.checked([(item, "x")], what, "        ")
                each = self.value(item, "x")
                out.append(f"    return {build}(v)" if each == "x" else f"    return {build}([{each} for x in v])")
            else:
                out.append(f"    return {build}([{self.value(item, 'x')} for x in v])")
        elif kind == "dict":
            key, item = parts
            out.append(f"    if v.__class__ is not list: raise Malformed({what!r})")
            out.append("    out = {}")
            out.append("    for p in v:")
            out.append(f"        if p.__class__ is not list or len(p) != 2: raise Malformed({what!r})")
            out.append("        k, x = p")
            self.checked([(key, "k"), (item, "x")], what, "        ")
            out.append(f"        out[{self.value(key, 'k')}] = {self.value(item, 'x')}")
            out.append("    return out")
        else:  # a scalar, optional or Any at the top: decoded by its expression
            out.append(f"    return {self.value(tp, 'v')}")
        out.append("")
        self.lines = outer
        self.output.extend(out)
        return name

    def _unpack(self, items: list[tuple[Any, str]], what: str) -> None:
        self.lines.append(f"    if v.__class__ is not list or len(v) != {len(items)}: raise Malformed({what!r})")
        if items:
            self.lines.append(f"    {', '.join(var for _, var in items)}, = v")
        self.checked([(tp, var) for tp, var in items if var != "_"], what, "    ")

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
"""

from __future__ import annotations

import dataclasses
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
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            name = f"{tp.__module__}.{tp.__qualname__}"
            if name in seen:
                return
            hints = _hints(tp)
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
    return _codec(cls, {})


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _type_name(tp: Any) -> str:
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _codec(tp: Any, memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    if tp in memo:
        return memo[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        found = (_encode_any, _decode_any)
    elif tp in _SCALARS:
        found = (_same, _SCALARS[tp])
    elif origin in (typing.Union, types.UnionType):
        found = _optional(tp, args, memo)
    elif origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        found = _sequence(args[0], tuple, memo)
    elif origin is tuple and args:
        found = _fixed_tuple(args, memo)
    elif origin in (list, set, frozenset):
        found = _sequence(args[0] if args else Any, origin, memo)
    elif origin is dict:
        found = _mapping(args[0], args[1], memo)
    elif dataclasses.is_dataclass(tp) and isinstance(tp, type):
        found = _dataclass(tp, memo)
    else:
        raise TypeError(f"the facts cache cannot store a field of type {tp!r}")
    memo[tp] = found
    return found


def _same(value: Any) -> Any:
    return value


def _checker(*kinds: type) -> Decoder:
    def decode(value: Any) -> Any:
        if value.__class__ not in kinds:
            raise Malformed(f"expected {kinds[0].__name__}, found {type(value).__name__}")
        return value

    return decode


def _decode_float(value: Any) -> float:
    if value.__class__ is not float and value.__class__ is not int:
        raise Malformed(f"expected float, found {type(value).__name__}")
    return float(value)


def _decode_none(value: Any) -> None:
    if value is not None:
        raise Malformed(f"expected null, found {type(value).__name__}")


_SCALARS: dict[Any, Decoder] = {
    str: _checker(str),
    int: _checker(int),  # exactly int: JSON's true / false decode to bool, and are refused
    bool: _checker(bool),
    float: _decode_float,
    type(None): _decode_none,
}


def _optional(tp: Any, args: tuple[Any, ...], memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    others = [a for a in args if a is not type(None)]
    if len(others) != 1 or len(args) != 2:
        raise TypeError(f"the facts cache stores unions only as `X | None`, not {tp!r}")
    encode, decode = _codec(others[0], memo)

    def encode_optional(value: Any) -> Any:
        return None if value is None else encode(value)

    def decode_optional(value: Any) -> Any:
        return None if value is None else decode(value)

    return encode_optional, decode_optional


def _sequence(item: Any, kind: type, memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    encode, decode = _codec(item, memo)
    ordered = kind is tuple or kind is list
    plain = encode is _same

    def encode_sequence(value: Any) -> Any:
        items = value if ordered else sorted(value, key=repr)
        return list(items) if plain else [encode(v) for v in items]

    def decode_sequence(value: Any) -> Any:
        if value.__class__ is not list:
            raise Malformed(f"expected an array, found {type(value).__name__}")
        return kind(map(decode, value))

    return encode_sequence, decode_sequence


def _fixed_tuple(args: tuple[Any, ...], memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    parts = [_codec(a, memo) for a in args]
    encoders = [p[0] for p in parts]
    decoders = [p[1] for p in parts]
    size = len(parts)

    def encode_tuple(value: Any) -> Any:
        return [e(v) for e, v in zip(encoders, value)]

    def decode_tuple(value: Any) -> Any:
        if value.__class__ is not list or len(value) != size:
            raise Malformed(f"expected an array of {size}")
        return tuple([d(v) for d, v in zip(decoders, value)])

    return encode_tuple, decode_tuple


def _mapping(key: Any, item: Any, memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    encode_key, decode_key = _codec(key, memo)
    encode_item, decode_item = _codec(item, memo)

    def encode_mapping(value: Any) -> Any:
        return [[encode_key(k), encode_item(v)] for k, v in value.items()]

    def decode_mapping(value: Any) -> Any:
        if value.__class__ is not list:
            raise Malformed(f"expected an array of pairs, found {type(value).__name__}")
        out = {}
        for pair in value:
            if pair.__class__ is not list or len(pair) != 2:
                raise Malformed("expected a [key, value] pair")
            out[decode_key(pair[0])] = decode_item(pair[1])
        return out

    return encode_mapping, decode_mapping


def _dataclass(cls: type, memo: dict[Any, tuple[Encoder, Decoder]]) -> tuple[Encoder, Decoder]:
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    size = len(fields)
    encoders: list[Encoder] = []
    decoders: list[Decoder] = []

    def encode_instance(value: Any) -> Any:
        return [e(getattr(value, n)) for e, n in zip(encoders, names)]

    def decode_instance(value: Any) -> Any:
        if value.__class__ is not list or len(value) != size:
            raise Malformed(f"expected {cls.__name__} as an array of {size}")
        return cls(*[d(v) for d, v in zip(decoders, value)])

    memo[cls] = (encode_instance, decode_instance)  # before the fields: a type may nest itself
    hints = _hints(cls)
    for name in names:
        encode, decode = _codec(hints[name], memo)
        encoders.append(encode)
        decoders.append(decode)
    return encode_instance, decode_instance


_PLAIN = (str, int, float, bool, type(None))


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


def _decode_any(value: Any) -> Any:
    kind = value.__class__
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

"""A lean, source-ordered walk over a libcst tree that knows the line of every node.

libcst nodes carry no positions; its PositionProvider re-generates the whole source to
compute them (measured: more than twice the cost of parsing). Instead this walk visits
children in source order and counts the newlines it passes: every newline in Python source
lives in exactly one of TrailingWhitespace, EmptyLine, ParenthesizedWhitespace, a
backslash continuation inside SimpleWhitespace, or a string literal's text. Whitespace
nodes are counted where they hang, never visited. The walk uses an explicit stack, so deep
nesting cannot exhaust Python's recursion limit.

The source order of each node type's fields is read once per type from libcst itself
(through the public ``on_visit_attribute`` hook), so new node types need no table here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import libcst as cst

Hook = Callable[[Any, int], None]
"""Called with (node, line) where ``line`` is the line of the next token."""

_SW = cst.SimpleWhitespace
_PW = cst.ParenthesizedWhitespace
_TW = cst.TrailingWhitespace
_EL = cst.EmptyLine
_WHITESPACE = frozenset({_SW, _PW, _TW, _EL, cst.Newline, cst.Comment})
_TEXT = frozenset(
    t
    for t in (
        cst.SimpleString,
        cst.FormattedStringText,
        getattr(cst, "TemplatedStringText", None),
    )
    if t is not None
)
_CST = cst.CSTNode


class _FieldRecorder(cst.CSTVisitor):
    """Records the order in which libcst visits the fields of one node."""

    def __init__(self) -> None:
        self.root: cst.CSTNode | None = None
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.root is None:
            self.root = node
            return True
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.root and attribute not in self.names:
            self.names.append(attribute)


_ORDER: dict[type, tuple[str, ...]] = {}


def _fields_reversed(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    names = _ORDER.get(kind)
    if names is None:
        recorder = _FieldRecorder()
        node.visit(recorder)
        names = _ORDER[kind] = tuple(reversed(recorder.names))
    return names


def _newlines(node: Any, kind: type) -> int:
    if kind is _TW or kind is _EL:
        return 1
    if kind is _SW:
        value = node.value
        return value.count("\n") if "\\" in value else 0
    if kind is _PW:
        last = node.last_line.value
        return 1 + len(node.empty_lines) + (last.count("\n") if "\\" in last else 0)
    return 0


_SKIP, _NODE, _SPACE, _LEAF, _TOKEN = 0, 1, 2, 3, 4
_CLASS: dict[type, int] = {}
_TOKEN_FIELDS: dict[type, tuple[str, ...]] = {}  # a token type's (whitespace) fields, from _classify
# Names and numbers: nothing in them but their parentheses (almost always none)
_LEAVES = frozenset({cst.Name, cst.Integer, cst.Float, cst.Imaginary})


def _classify(kind: type) -> int:
    """What a field value of this type is to the walk: a node to visit, whitespace to count,
    a leaf to visit only when it is parenthesized, a token (a comma, a dot, an operator:
    nothing but whitespace) whose newlines are counted without visiting it, or nothing
    (strings, None, sentinels). Leaves and tokens are a third of the nodes of a tree, so
    no hook can be set on them. Cached: isinstance on libcst's ABC is slow."""
    found = _CLASS.get(kind)
    if found is None:
        if kind in _WHITESPACE:
            found = _SPACE
        elif kind in _LEAVES:
            found = _LEAF
        elif issubclass(kind, _CST):
            names = tuple(f.name for f in dataclasses.fields(kind))
            found = _TOKEN if all(n.startswith("whitespace") for n in names) else _NODE
            if found == _TOKEN:
                _TOKEN_FIELDS[kind] = names
        else:
            found = _SKIP
        _CLASS[kind] = found
    return found


def _token_newlines(node: Any) -> int:
    """The newlines held by a token's whitespace fields (in any order: nothing is visited
    between them)."""
    n = 0
    for name in _TOKEN_FIELDS[node.__class__]:
        value = getattr(node, name)
        vkind = value.__class__
        if vkind is not _SW or "\\" in value.value:  # plain spaces hold no newline
            n += _newlines(value, vkind)
    return n


def walk(
    module: cst.Module,
    on_node: dict[type, Hook],
    on_field: dict[type, dict[str, tuple[Hook | None, Hook | None]]],
) -> int:
    """Visit ``module`` in source order. ``on_node[T]`` is called when a node of type T is
    reached (line = line of its first token, for nodes without leading lines or
    parentheses); ``on_field[T][name]`` = (before, after) hooks around one field, for exact
    lines and for scopes. Returns the number of lines."""
    line = 1
    # the stack holds nodes to visit, newline counts (int) and field hooks waiting for the
    # walk to reach their place ((hook, node) tuples: no node is a tuple)
    stack: list[Any] = [module]
    pop = stack.pop
    push = stack.append
    classes = _CLASS
    classify = _classify
    token_newlines = _token_newlines
    for kind in (*on_node, *on_field):
        if classify(kind) in (_LEAF, _TOKEN):
            raise ValueError(f"the walk does not visit {kind.__name__} nodes: no hook can be set on them")
    # per node type, once per walk: its hook, whether it is string text, and its fields in
    # reverse source order with the hooks around each
    plans: dict[type, tuple[Hook | None, bool, tuple[tuple[str, Hook | None, Hook | None], ...]]] = {}
    while stack:
        node = pop()
        kind = node.__class__
        if kind is int:
            line += node
            continue
        if kind is tuple:
            node[0](node[1], line)
            continue
        plan = plans.get(kind)
        if plan is None:
            around = on_field.get(kind, {})
            plan = plans[kind] = (
                on_node.get(kind),
                kind in _TEXT,
                tuple((name, *around.get(name, (None, None))) for name in _fields_reversed(node)),
            )
        hook, is_text, fields = plan
        if hook is not None:
            hook(node, line)
        if is_text:
            line += node.value.count("\n")
        for name, before, after in fields:
            if after is not None:
                push((after, node))
            value = getattr(node, name)
            vkind = value.__class__
            if vkind is tuple or vkind is list:
                for child in reversed(value):
                    ckind = child.__class__
                    what = classes.get(ckind)
                    if what is None:
                        what = classify(ckind)
                    if what == 1 or (what == 3 and (child.lpar or child.rpar)):
                        push(child)
                    elif what == 2:
                        n = _newlines(child, ckind)
                        if n:
                            push(n)
                    elif what == 4:
                        n = token_newlines(child)
                        if n:
                            push(n)
            else:
                what = classes.get(vkind)
                if what is None:
                    what = classify(vkind)
                if what == 1 or (what == 3 and (value.lpar or value.rpar)):
                    push(value)
                elif what == 2:
                    n = _newlines(value, vkind)
                    if n:
                        push(n)
                elif what == 4:
                    n = token_newlines(value)
                    if n:
                        push(n)
            if before is not None:
                push((before, node))
    return line

"""YAML for deploy files: PyYAML's safe loader (C where available) with a constructor that
builds LineDicts (each mapping knows its lines), CloudFormation short tags as their long
forms, and a guard on alias expansion and nesting before anything walks a document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from archlint.discover.deploy.parsed import MAX_DEPTH, MAX_NODES, DeployFileError, LineDict

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Constructor(yaml.constructor.SafeConstructor):
    """Safe construction (no Python objects) into LineDicts; CloudFormation short forms
    (``!Ref X``, ``!GetAtt A.B``, ``!Sub ...``) become their long forms."""


def _construct_map(constructor: _Constructor, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(constructor.construct_mapping(node))
    for key_node, _ in node.value:
        key = constructor.construct_object(key_node)
        try:
            data.lines.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:
            continue


def _construct_tag(constructor: _Constructor, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = constructor.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = constructor.construct_sequence(node, deep=True)
    else:
        value = constructor.construct_mapping(node, deep=True)
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    out = LineDict({key: value})
    out.line = node.start_mark.line + 1
    return out


_Constructor.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Constructor.add_multi_constructor("!", _construct_tag)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_tree(root: yaml.Node) -> None:
    """Without aliases a document is a tree: only its depth needs a bound."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
        stack.extend((kid, depth + 1) for kid in _children(node) if not isinstance(kid, yaml.ScalarNode))


def _check_nodes(root: yaml.Node) -> None:
    """Refuse alias bombs, recursive aliases and deep nesting before anything walks the
    document: size and depth are computed once per node (aliases share nodes)."""
    measured: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size = 1 + sum(measured[id(k)][0] for k in kids)
            depth = 1 + max((measured[id(k)][1] for k in kids), default=0)
            if size > MAX_NODES:
                raise DeployFileError(f"more than {MAX_NODES} values after expanding aliases (an alias bomb?)",
                                      node.start_mark.line + 1)
            if depth > MAX_DEPTH:
                raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
            measured[key] = (size, depth)
            visiting.discard(key)
            continue
        if key in measured:
            continue
        if key in visiting:
            raise DeployFileError("recursive alias: a value contains itself", node.start_mark.line + 1)
        visiting.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node))


def load_documents(text: str) -> list[Any]:
    """Every document of a YAML stream, safely; raises DeployFileError."""
    docs: list[Any] = []
    check = _check_nodes if "&" in text else _check_tree  # no anchor, no alias
    try:
        for node in yaml.compose_all(text, Loader=_Parser):
            if node is None:
                continue
            check(node)
            value = _Constructor().construct_document(node)
            if value is not None:
                docs.append(value)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise DeployFileError(f"invalid YAML: {problem}", mark.line + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise DeployFileError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DeployFileError(f"nested more than {MAX_DEPTH} levels deep") from None
    return docs

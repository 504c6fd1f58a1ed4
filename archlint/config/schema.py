"""The keys `[tool.archlint]` accepts and how each is checked. An unknown key is an error
(with a suggestion), never silently ignored."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from archlint.model.errors import ConfigError
from archlint.model.settings import Settings

Check = Callable[[Any, str, str], Any]


def string_list(value: Any, label: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(label, key, f"must be a list of strings, got {_describe(value)}")
    return tuple(value)


def positive_int(value: Any, label: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(label, key, f"must be a positive integer, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


KEYS: dict[str, Check] = {
    "exclude": string_list,
    "roots": string_list,
    "max_file_size": positive_int,
}


def validate(table: Mapping[str, Any], label: str, base: Settings) -> Settings:
    values: dict[str, Any] = {}
    in_pyproject = label.endswith("pyproject.toml")
    for key, raw in table.items():
        where = f"tool.archlint.{key}" if in_pyproject else key
        check = KEYS.get(key)
        if check is None:
            near = difflib.get_close_matches(key.replace("-", "_"), KEYS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ConfigError(label, where, f"unknown key{hint}")
        values[key] = check(raw, label, where)
    return replace(base, config_path=label, **values)

"""The keys `[tool.archlint]` accepts and how each is checked. An unknown key is an error
(with a suggestion), never silently ignored."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from archlint.config.contracts import contracts
from archlint.model.check import REQUIRABLE
from archlint.model.errors import ConfigError
from archlint.model.findings import SEVERITIES
from archlint.model.rules import RULES
from archlint.model.settings import Settings

Check = Callable[[Any, str, str], Any]


def string_list(value: Any, label: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):  # as ruff does: a list is a list, and the message says how
        raise ConfigError(label, key, f"must be a list of strings, got the string {value!r} (write [{value!r}])")
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


def rule_codes(value: Any, label: str, key: str) -> tuple[str, ...]:
    """Rule codes or prefixes of codes ("AL2" for every AL2xx rule)."""
    codes = string_list(value, label, key)
    for i, code in enumerate(codes):
        rule_code(code, label, f"{key}[{i}]")
    return tuple(c.strip().upper() for c in codes)


def rule_code(code: str, label: str, key: str) -> str:
    code = code.strip().upper()
    if not any(known.startswith(code) for known in RULES) or not code.startswith("AL"):
        near = difflib.get_close_matches(code, RULES, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise ConfigError(label, key, f"unknown rule code '{code}'{hint}; `archlint rules` lists them")
    return code


def per_file_ignores(value: Any, label: str, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(label, key, f'must be a table of path glob = [codes], got {_describe(value)}')
    return tuple((glob, rule_codes(codes, label, f'{key}."{glob}"')) for glob, codes in value.items())


def severity_overrides(value: Any, label: str, key: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(label, key, f'must be a table of code = "error" | "warning" | "info", got {_describe(value)}')
    out = []
    for code, level in value.items():
        out.append((rule_code(code, label, f"{key}.{code}"), severity(level, label, f"{key}.{code}")))
    return tuple(out)


def severity(value: Any, label: str, key: str) -> str:
    if value not in SEVERITIES:
        raise ConfigError(label, key, f"must be one of {', '.join(repr(s) for s in reversed(SEVERITIES))}, got {_describe(value)}")
    return str(value)


def requirement(value: Any, label: str, key: str) -> str:
    if value not in REQUIRABLE:
        raise ConfigError(label, key, f"must be one of {', '.join(repr(s) for s in REQUIRABLE)}, got {_describe(value)}")
    return str(value)


def non_negative_int(value: Any, label: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(label, key, f"must be an integer >= 0, got {_describe(value)}")
    return value


def path_string(value: Any, label: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(label, key, f"must be a path, got {_describe(value)}")
    return value.strip()


KEYS: dict[str, Check] = {
    "exclude": string_list,
    "include": string_list,
    "roots": string_list,
    "max_file_size": positive_int,
    "select": rule_codes,
    "ignore": rule_codes,
    "per_file_ignores": per_file_ignores,
    "severity": severity_overrides,
    "fail_on": severity,
    "baseline": path_string,
    "contracts": contracts,
    "require": requirement,
    "max_shared_databases": non_negative_int,
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

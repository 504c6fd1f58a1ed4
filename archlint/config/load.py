"""Reading `[tool.archlint]` (pyproject.toml) or archlint.toml, validated into Settings.

Only the scanned directory is looked at (or the file given with --config): a scan of a
sub-directory or a fixture never picks up a parent project's rules by surprise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from archlint.config.schema import validate
from archlint.model.errors import ConfigError
from archlint.model.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILES = ("archlint.toml", "pyproject.toml")


def find_config(root: str) -> str | None:
    """archlint.toml, else a pyproject.toml that has a [tool.archlint] table."""
    for name in CONFIG_FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        if name == "archlint.toml":
            return path
        try:
            with open(path, "rb") as handle:
                if b"tool.archlint" in handle.read():
                    return path
        except OSError:
            return path  # let load_settings report why it cannot be read
    return None


def read_table(path: str, label: str | None = None, required: bool = False) -> Mapping[str, Any]:
    """The archlint table of a config file; ``label`` is how messages name the file.
    ``required``: a pyproject.toml without one is an error (a file given with --config
    that configures nothing would pass every check in silence)."""
    label = label or path
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(label, "", "no such file") from None
    except OSError as exc:
        raise ConfigError(label, "", f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(label, "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(label, "", f"not valid UTF-8: {exc.reason}") from None
    if os.path.basename(path) == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("archlint") if isinstance(tool, dict) else None
        if table is None and required:
            raise ConfigError(label, "tool.archlint", "missing: this file has no [tool.archlint] table")
        if not isinstance(table, dict | None):
            raise ConfigError(label, "tool.archlint", "must be a table")
        return table or {}
    return document


def load_settings(root: str, config: str | None = None, **overrides: Any) -> Settings:
    """Settings for a scan of ``root``: the config file's values, then command-line
    ``overrides`` (None means 'not given'; an ``exclude`` or ``include`` given on the command
    line adds to the file's)."""
    path = config or find_config(root)
    settings = Settings()
    if path:
        label = os.path.relpath(path) if not os.path.isabs(config or "") else path
        settings = validate(read_table(path, label, required=bool(config)), label, settings)
        absolute = os.path.abspath(path)
        baseline = settings.baseline and os.path.join(os.path.dirname(absolute), settings.baseline)
        settings = replace(settings, config_file=absolute, baseline=baseline)
    exclude = settings.exclude + tuple(overrides.pop("exclude", None) or ())
    include = settings.include + tuple(overrides.pop("include", None) or ())
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(settings, exclude=exclude, include=include, **given)

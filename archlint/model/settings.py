"""Settings that steer a scan: the validated form of `[tool.archlint]` plus command-line options."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    "site-packages",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".archlint_cache",
    ".eggs",
    "*.egg-info",
    "vendor",
    "vendored",
    "_vendor",
    "third_party",
)
"""Directory names never scanned (fnmatch patterns on one path component). Any directory
holding a ``pyvenv.cfg`` is a virtualenv and skipped too, whatever its name."""

DEFAULT_MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    exclude: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    config_path: str = ""  # where the settings came from, '' for defaults

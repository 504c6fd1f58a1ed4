"""Settings that steer a scan: the validated form of `[tool.archlint]` plus command-line options."""

from __future__ import annotations

from dataclasses import dataclass

from archlint.model.contracts import Contract
from archlint.model.findings import ERROR

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
"""Directory names not scanned unless ``include`` names them (fnmatch patterns on one path
component). Any directory holding a ``pyvenv.cfg`` is a virtualenv and skipped too, whatever
its name."""

VENDORED = frozenset({"vendor", "vendored", "_vendor", "third_party", "site-packages", "node_modules"})
"""Default excludes that hold third-party code on purpose: a package there is not a loss
to report, so discovery does not look for one (AL008 names only packages hidden by a
guess, such as ``build``)."""

DEFAULT_MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # paths scanned although a default exclude matches them
    roots: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    config_path: str = ""  # where the settings came from, '' for defaults
    config_file: str = ""  # the same file as an absolute path, '' for defaults
    # rules (docs/configuration.md): codes or prefixes ("AL2"), the most specific wins
    select: tuple[str, ...] = ("AL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path glob, codes)
    severity: tuple[tuple[str, str], ...] = ()  # (code or prefix, severity)
    fail_on: str = ERROR
    baseline: str | None = None  # absolute path of the baseline file
    # the gate
    contracts: tuple[Contract, ...] = ()
    require: str | None = None  # a verdict kind the architecture must reach
    max_shared_databases: int | None = None

    def key(self, name: str) -> str:
        """How messages name a top-level key: ``tool.archlint.name`` in pyproject.toml."""
        return f"tool.archlint.{name}" if self.config_path.endswith("pyproject.toml") else name

"""Errors a user can act on: the CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class UsageError(Exception):
    """The command cannot run as asked: a missing path, a bad option value."""


class ConfigError(UsageError):
    """The configuration is invalid; the message names the file, the key and the problem."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")

"""One computation run beside the main process: a forked child works out one value while
the parent goes on with something else, then hands the value back through a pipe.

The derived stages of a scan are two long, independent resolutions (the call graph, and
names for entrypoints, data and communication); on two cores they take the time of the
longer instead of the sum. Only where ``fork`` is safe to use for this (Linux): the child
starts with everything the parent has, so nothing is sent to it, and it ends with
``os._exit`` (no exit handlers, no flushing of the parent's buffers). Anything that goes
wrong in the child (an exception, a crash, Ctrl-C) costs only time: the parent computes
the value itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

_T = TypeVar("_T")


class Background(Generic[_T]):
    """``func(*args)``, computed in a forked child when ``forked``, else on ``result()``."""

    def __init__(self, forked: bool, func: Callable[..., _T], *args: object) -> None:
        self.func, self.args = func, args
        self.pid = 0
        self.read = -1
        if forked and _can_fork():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without a trace
            os.close(read)
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
                data = pickle.dumps(self.func(*self.args), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self.read = pid, read

    def result(self) -> _T:
        if not self.pid:
            return self.func(*self.args)
        try:
            with os.fdopen(self.read, "rb") as source:
                data = source.read()
            _, status = os.waitpid(self.pid, 0)
        finally:
            self.pid = 0
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data:
            value: _T = pickle.loads(data)  # our own child's bytes, never from disk
            return value
        return self.func(*self.args)

    def cancel(self) -> None:
        """Stop the child, if it still runs (the parent is leaving early)."""
        if self.pid:
            with contextlib.suppress(OSError):  # it may have ended already
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self.read)
            self.pid = 0


def _can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux")


__all__ = ["Background"]

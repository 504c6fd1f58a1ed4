"""background.py: a value computed in a forked child is the value computed in-process, and
whatever goes wrong in the child only costs the time of computing it again."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from archlint.background import Background
from conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


def pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def test_the_value_comes_from_a_child():
    job = Background(True, pid_and_square, 7)
    forked = job.pid
    assert forked and forked != os.getpid()
    assert job.result() == (forked, 49)


def test_not_forked_computes_in_process():
    job = Background(False, pid_and_square, 3)
    assert job.pid == 0 and job.result() == (os.getpid(), 9)


def fails_in_child(parent: int) -> str:
    if os.getpid() != parent:
        raise RuntimeError("a bug in the child")
    return "computed by the parent"


def dies_in_child(parent: int) -> str:
    if os.getpid() != parent:
        os.kill(os.getpid(), 9)
    return "computed by the parent"


@pytest.mark.parametrize("func", [fails_in_child, dies_in_child])
def test_a_failing_child_costs_only_time(func):
    assert Background(True, func, os.getpid()).result() == "computed by the parent"


def sleeps(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_cancel_stops_the_child():
    job = Background(True, sleeps, 60)
    pid = job.pid
    start = time.monotonic()
    job.cancel()
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left


def test_the_child_never_flushes_the_parents_buffers():
    """Unflushed output of the parent would be written twice if the child flushed it."""
    script = ("import sys; from archlint.background import Background; "
              "sys.stdout.write('once'); print(Background(True, len, 'abc').result())")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    assert out == "once3\n"

"""Running extraction over many files: in worker processes, one file at a time per worker.

libcst's native parser can crash the process outright on pathological input (thousands of
nested brackets). A crash must cost one file, not the scan, so parsing runs in worker
processes that each hold exactly one file at a time: when a worker dies, the file it held
becomes a finding, a new worker takes its place, and that file is retried nowhere else.
With ``jobs=1`` extraction runs in-process, except for files that look deeply nested, which
still go to a worker of their own.
"""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from archlint.extract.cache import Malformed, decode_entry, encode_entry
from archlint.extract.digest import content_hash
from archlint.model.facts import FileFacts, ParseError

if TYPE_CHECKING:  # multiprocessing is imported where files are parsed: a warm scan never is
    import multiprocessing.context
    from multiprocessing.connection import Connection

Progress = Callable[[int], None]
Task = tuple[str, bytes]
Result = tuple[FileFacts, bytes | None]
"""A file's facts and, when extraction ran to its end, their cache entry (``encode_entry``):
only such facts are cached (a crash, a time-out or an internal error may not happen next
time)."""
Brief = Callable[[str], bool] | None  # paths whose facts may be brief (model/facts.py BRIEF_FIELDS)


def is_brief(brief: Brief, path: str) -> bool:
    return brief is not None and brief(path)

# 100 opening brackets in a row, each perhaps after a name: far beyond hand-written code,
# and the shape that makes the native parser overflow its stack. A match may only start
# where no name, dot or blank precedes it, so a long run of any of them is passed in
# linear time (an unanchored pattern took minutes on a 200 kB string literal).
_DEEP = re.compile(rb"(?<![\w.\s])(?:[\w.]*[ \t]*[(\[{][ \t\r\n]*){100}")


INTERNAL_ERROR = "AL004"
FILE_TIMEOUT = 60.0  # seconds one file may take in a worker (libcst is quadratic on long chains)


LARGE_FILE = 100_000  # bytes; the syntax tree of a file this large takes some 20 MB


def release_memory() -> None:
    """Give the memory of a large file's freed syntax tree back to the system. Python keeps
    freed memory for reuse, so a worker that once parsed a 700 kB file would hold 100 MB
    for the rest of the scan (measured on pandas' frame.py: 114 MB, 41 MB after this)."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc: nothing to do
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Callable[[int], int] | bool | None = None


def looks_deep(data: bytes) -> bool:
    return _DEEP.search(data) is not None


def extract_one(path: str, data: bytes, debug: bool = False) -> FileFacts:
    """Extraction of one file with every internal error contained as a finding."""
    from archlint.extract.source import extract_source  # libcst, only where a file is parsed

    try:
        return extract_source(path, data)
    except Exception as exc:  # noqa: BLE001 - a bug here must cost one file only
        facts = FileFacts(path=path, sha=content_hash(data) if isinstance(data, bytes) else "")
        name = type(exc).__name__
        facts.error = ParseError(
            INTERNAL_ERROR,
            f"internal error while extracting: {name}: {exc}"[:300],
            1,
            traceback.format_exc() if debug else "",
        )
        return facts


def _complete(facts: FileFacts) -> bool:
    return facts.error is None or facts.error.code != INTERNAL_ERROR


def _received(path: str, data: bytes, message: tuple[bytes, bool], brief: bool) -> Result:
    """A worker's answer: facts travel as their cache entry, which the cache needs anyway
    and which is quicker to decode than the dataclasses are to unpickle."""
    entry, complete = message
    try:
        facts = decode_entry(entry, path, brief)
    except Malformed as exc:  # a bug of ours: cost this file only
        facts = FileFacts(path=path, sha=content_hash(data))
        facts.error = ParseError(INTERNAL_ERROR, f"internal error while extracting: {exc}"[:300], 1)
        return facts, None
    return facts, entry if complete else None


def crashed(path: str, data: bytes, exitcode: int | None) -> Result:
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit {exitcode}"
    return _failed(path, data, f"the parser crashed on this file ({how}); deeply nested expressions are the usual cause")


def timed_out(path: str, data: bytes) -> Result:
    return _failed(path, data, f"parsing took longer than {FILE_TIMEOUT:.0f} s and was stopped; very long expressions are the usual cause")


def _failed(path: str, data: bytes, message: str) -> Result:
    facts = FileFacts(path=path, sha=content_hash(data))
    facts.error = ParseError("AL001", message, 1)
    return facts, None


def _worker_main(conn: Connection, debug: bool, brief: Brief) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    faulthandler.disable()  # a parser crash is a finding (AL001), not a dump on the terminal
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        path, data = task
        facts = extract_one(path, data, debug)
        complete = _complete(facts)
        # a test file's entry holds what a scan reads of it: on pandas, a fiftieth of its facts
        conn.send((encode_entry(facts.brief() if is_brief(brief, path) else facts), complete))
        if len(data) >= LARGE_FILE:
            release_memory()


class _Worker:
    """A worker process and the files sent to it: it parses the first while the next waits
    in its pipe, so that it never idles while the main process decodes a result."""

    __slots__ = ("process", "conn", "tasks", "started")

    def __init__(self, context: multiprocessing.context.BaseContext, debug: bool, brief: Brief) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, debug, brief), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.tasks: deque[Task] = deque()  # sent, no answer yet; the first is being parsed
        self.started = 0.0  # when the first began

    def wants(self, queue: deque[Task]) -> bool:
        """Whether to send the next queued file now: to an idle worker, always; as a second
        file, only one small enough to wait in the pipe's buffer (a larger one would block
        the main process until the worker is done with its first)."""
        if not queue or len(self.tasks) >= PREFETCH:
            return False
        return not self.tasks or len(queue[0][1]) <= PIPE_ROOM

    def give(self, task: Task) -> None:
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(task)
        self.conn.send(task)

    def done(self) -> Task:
        """The first file is answered; the next one (if any) has begun."""
        self.started = time.monotonic()
        return self.tasks.popleft()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.conn.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(1)
        self.conn.close()


PREFETCH = 2  # files in flight per worker
PIPE_ROOM = 32_000  # bytes a waiting file may take (pipes buffer 64 kB on Linux)


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds with libcst already imported; elsewhere spawn.
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def run_pool(tasks: Iterable[Task], jobs: int, debug: bool = False, brief: Brief = None) -> Iterator[Result]:
    """Facts for every task, in completion order, from up to ``jobs`` worker processes.
    Largest files first: no worker is left with a long file at the end while the others
    idle, and the largest syntax trees exist while the main process holds few facts yet."""
    queue = deque(sorted(tasks, key=lambda task: -len(task[1])))
    if not queue:
        return
    import archlint.extract.source  # noqa: F401 - imported once here, forked workers inherit it
    from multiprocessing.connection import wait

    context = _context()
    workers: list[_Worker] = []

    def feed(worker: _Worker) -> None:
        while worker.wants(queue):
            worker.give(queue.popleft())

    try:
        for _ in range(min(jobs, len(queue))):
            worker = _Worker(context, debug, brief)
            workers.append(worker)
            worker.give(queue.popleft())
        for worker in workers:
            feed(worker)
        while any(w.tasks for w in workers):
            busy = [w for w in workers if w.tasks]
            deadline = min(w.started for w in busy) + FILE_TIMEOUT
            ready = wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy],
                timeout=max(0.0, deadline - time.monotonic()),
            )
            now = time.monotonic()
            for worker in busy:
                task = worker.tasks[0]
                if worker.conn in ready or worker.process.sentinel in ready:
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(5)
                        result = crashed(task[0], task[1], worker.process.exitcode)
                    else:
                        worker.done()
                        feed(worker)  # before decoding: the worker is never left waiting
                        yield _received(task[0], task[1], message, is_brief(brief, task[0]))
                        continue
                elif now - worker.started >= FILE_TIMEOUT:
                    result = timed_out(task[0], task[1])
                else:
                    continue
                # the worker died or hangs: its first file is a finding, the files waiting
                # behind it go back to the queue, a fresh worker goes on
                worker.kill()
                workers.remove(worker)
                worker.tasks.popleft()
                queue.extendleft(reversed(worker.tasks))
                if queue:
                    worker = _Worker(context, debug, brief)
                    workers.append(worker)
                    feed(worker)
                yield result
    finally:
        for worker in workers:
            if worker.tasks:
                worker.kill()
            else:
                worker.stop()
        for worker in workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()


def extract_tasks(
    tasks: list[Task], jobs: int, progress: Progress | None = None, debug: bool = False, entries: bool = True,
    brief: Brief = None,
) -> Iterator[Result]:
    """Facts for every (path, bytes) task: in-process when ``jobs`` is 1 (but deeply
    nested files in a worker of their own), else in ``jobs`` worker processes. In-process,
    cache entries are made only when ``entries`` asks for them. Files for which
    ``brief(path)`` is true get only the facts in BRIEF_FIELDS, and so do their entries."""
    if jobs <= 1:
        risky = [t for t in tasks if looks_deep(t[1])]
        risky_paths = {t[0] for t in risky}
        for path, data in tasks:
            if path not in risky_paths:
                facts = extract_one(path, data, debug)
                if len(data) >= LARGE_FILE:
                    release_memory()
                if is_brief(brief, path):
                    facts = facts.brief()
                entry = encode_entry(facts) if entries and _complete(facts) else None
                yield facts, entry
                if progress:
                    progress(1)
        pool_tasks: list[Task] = risky
    else:
        pool_tasks = tasks
    for result in run_pool(pool_tasks, max(1, jobs), debug, brief):
        yield result
        if progress:
            progress(1)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)

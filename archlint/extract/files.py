"""Reading the scanned files and handing them to extraction; every file read gets facts,
even when that fact is only why it could not be read."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from archlint.extract.cache import FactsCache
from archlint.extract.digest import content_hash
from archlint.extract.runner import Brief, Progress, Task, extract_tasks, is_brief
from archlint.model.facts import FileFacts, ParseError
from archlint.model.source import SourceFile


def read_file(root: str, source: SourceFile, max_size: int) -> bytes | FileFacts:
    """The file's bytes, or facts that say why it is not analysed."""
    full = os.path.join(root, source.path)
    try:
        with open(full, "rb") as handle:
            data = handle.read(max_size + 1)
    except FileNotFoundError:
        return _failed(source.path, "AL002", "the file vanished during the scan")
    except IsADirectoryError:
        return _failed(source.path, "AL002", "a directory named like a Python file")
    except OSError as exc:
        return _failed(source.path, "AL002", f"cannot read: {exc.strerror or exc}")
    if len(data) > max_size:
        return _failed(
            source.path,
            "AL003",
            f"skipped: larger than max_file_size ({max_size:,} bytes); probably generated",
        )
    return data


def _failed(path: str, code: str, message: str) -> FileFacts:
    facts = FileFacts(path=path)
    facts.error = ParseError(code, message, 1)
    return facts


Read = tuple[str, bytes] | FileFacts
"""A file as read: (its content hash, its bytes), or facts that say why it is not analysed."""


def read_sources(root: str, files: Sequence[SourceFile], max_size: int) -> dict[str, Read]:
    """Every file read and hashed once: the hashes key the facts cache and the report memo."""
    out: dict[str, Read] = {}
    for source in files:
        data = read_file(root, source, max_size)
        out[source.path] = data if isinstance(data, FileFacts) else (content_hash(data), data)
    return out


def parse_new(
    files: Sequence[SourceFile],
    sources: Mapping[str, Read],
    *,
    jobs: int,
    progress: Callable[[int], Progress] | None = None,
    debug: bool = False,
    cache: FactsCache | None = None,
    brief: Brief = None,
) -> dict[str, FileFacts]:
    """Facts of the files ``cache`` holds none for (of every file, without a cache), parsed
    now and added to it. Files for which ``brief(path)`` is true may get only the facts in
    BRIEF_FIELDS. ``progress(n)`` is told how many files are to be parsed and returns the
    callback that counts them off."""
    tasks: list[Task] = []
    for source in files:
        read = sources[source.path]
        if isinstance(read, tuple) and (cache is None or cache.digest(read[0], is_brief(brief, source.path)) is None):
            tasks.append((source.path, read[1]))
    advance = progress(len(tasks)) if progress and tasks else None
    out: dict[str, FileFacts] = {}
    for facts, entry in extract_tasks(tasks, jobs, advance, debug, entries=cache is not None, brief=brief):
        out[facts.path] = facts
        if entry is not None and cache is not None:
            cache.put(facts, entry, is_brief(brief, facts.path))
    return out


def extract_files(
    root: str,
    files: Sequence[SourceFile],
    *,
    max_size: int,
    jobs: int,
    progress: Callable[[int], Progress] | None = None,
    debug: bool = False,
    cache: FactsCache | None = None,
    sources: Mapping[str, Read] | None = None,
    brief: Brief = None,
    parsed: Mapping[str, FileFacts] | None = None,
) -> dict[str, FileFacts]:
    """Facts of every file: ``parsed`` (``parse_new``) where given, else from ``cache``
    where it has them, else parsed now (and then added to it). ``sources`` are the files
    already read (``read_sources``), else they are read here. ``brief`` and ``progress``
    are as for ``parse_new``."""
    if sources is None:
        sources = read_sources(root, files, max_size)
    parsed = parsed or {}
    out: dict[str, FileFacts] = {}
    missing: list[SourceFile] = []
    for source in files:
        read = sources[source.path]
        if isinstance(read, FileFacts):
            out[source.path] = read
        elif source.path in parsed:
            out[source.path] = parsed[source.path]
        else:
            found = cache.get(read[0], source.path, is_brief(brief, source.path)) if cache is not None else None
            if found is not None:
                out[source.path] = found
            else:
                missing.append(source)
    out.update(parse_new(missing, sources, jobs=jobs, progress=progress, debug=debug, cache=cache, brief=brief))
    return {source.path: out[source.path] for source in files}

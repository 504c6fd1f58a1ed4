"""The facts cache: per-file facts by content hash, in one JSON file, read in one go and
replaced atomically.

Layout of a cache directory (docs/configuration.md):

- ``.gitignore`` holding ``*``, so git never sees the directory (it ignores itself too);
- ``CACHEDIR.TAG``, so backup tools skip it;
- ``facts.json``: {"archlint_cache": FORMAT, "key": KEY, "entries": {sha: facts}}.

KEY digests everything besides a file's bytes that decides its facts: archlint's version
and the source of its extraction code, libcst's and Python's versions, the shape of the
facts dataclasses, and any extraction options. A cache with another key is not read at all.

Every entry is decoded by the facts' declared types and must carry its own hash; an entry
that does not decode is dropped and its file parsed again. A cache that cannot be read or
written is no error: the scan goes on without it. Entries of files the scan did not see are
not written back, so the cache holds the files of the latest scan and no more.

Writes go to a temporary file in the same directory, renamed over ``facts.json``; two scans
writing at once each leave a whole file (the last one wins), and an interrupted write leaves
no partial file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from archlint import __version__
from archlint.extract.codec import Encoder, Decoder, Malformed, codec, shape
from archlint.model.facts import FileFacts

FORMAT = 1
FACTS_FILE = "facts.json"
DEFAULT_DIR = ".archlint_cache"
_GITIGNORE = "# written by archlint: ignore this whole directory\n*\n"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by archlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
_STALE_TEMP = 3600.0  # seconds after which a temporary file is taken as left by a killed scan


def cache_key(options: Mapping[str, Any] | None = None) -> str:
    """The digest a cache must carry to be read (see the module docstring)."""
    parts = {
        "archlint": __version__,
        "code": _code_digest(),
        "libcst": _libcst_version(),
        "python": list(sys.version_info[:2]),
        "facts": shape(FileFacts),
        "options": dict(sorted((options or {}).items())),
    }
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _code_digest() -> str:
    """The source of the extraction code and the facts model: a change to either (even
    without a new version number, as while developing archlint) gives new facts."""
    digest = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("*.py")) + [here.parent / "model" / "facts.py"]:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(path.name.encode() + b"\0?")
    return digest.hexdigest()


def _libcst_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("libcst")
    except PackageNotFoundError:  # pragma: no cover - libcst is a dependency
        return ""


class FactsCache:
    """Facts by content hash, loaded from ``directory`` if a valid cache is there.

    ``get`` and ``put`` record which entries this scan used; ``save`` writes exactly those
    back, when anything differs from what was loaded.
    """

    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, FACTS_FILE)
        self.key = key
        self._encode, self._decode = _facts_codec()
        self._dirty = False  # True when the file on disk should be rewritten
        self._used: dict[str, Any] = {}
        self._stored: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        data = _read_regular(self.path)
        if data is None:
            self._dirty = True
            return {}
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):  # truncated, corrupt, or absurdly nested
            self._dirty = True
            return {}
        if (
            document.__class__ is not dict
            or document.get("archlint_cache") != FORMAT
            or document.get("key") != self.key
            or document.get("entries").__class__ is not dict
        ):
            self._dirty = True
            return {}
        return document["entries"]

    def get(self, sha: str, path: str) -> FileFacts | None:
        """The cached facts of a file with content hash ``sha``, now at ``path``; None when
        there are none or they are malformed (then they are dropped)."""
        raw = self._stored.get(sha)
        if raw is None:
            return None
        try:
            facts = self._decode(raw)
        except (Malformed, TypeError, RecursionError):
            facts = None
        if facts is None or facts.sha != sha or facts.path:
            del self._stored[sha]
            self._dirty = True
            return None
        facts.path = path
        self._used[sha] = raw
        return facts

    def put(self, facts: FileFacts) -> None:
        """Remember the facts of a file just extracted."""
        if facts.sha and facts.sha not in self._used:
            self._used[facts.sha] = self._encode(replace(facts, path=""))
            self._dirty = True

    def save(self) -> None:
        """Write the entries this scan used, if they differ from the file's; a failure to
        write (a read-only checkout, a full disk) only means no cache next time."""
        if not (self._dirty or self._used.keys() != self._stored.keys()):
            return
        document = {"archlint_cache": FORMAT, "key": self.key, "entries": self._used}
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        try:
            _prepare_directory(self.directory)
            _write_atomically(self.path, text.encode("utf-8", "surrogatepass"))
        except OSError:
            return
        self._stored = dict(self._used)
        self._dirty = False


def _facts_codec() -> tuple[Encoder, Decoder]:
    global _CODEC
    if _CODEC is None:
        _CODEC = codec(FileFacts)
    return _CODEC


_CODEC: tuple[Encoder, Decoder] | None = None


def _read_regular(path: str) -> bytes | None:
    """The bytes of ``path`` when it is a regular file (not a symlink, FIFO or device that a
    hostile repository could put in the cache's place), else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _prepare_directory(directory: str) -> None:
    """Create the cache directory with its .gitignore and CACHEDIR.TAG; never overwrite or
    follow anything already there."""
    os.makedirs(directory, exist_ok=True)
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _TAG)):
        try:
            fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)


def _write_atomically(path: str, data: bytes) -> None:
    directory = os.path.dirname(path)
    temp = os.path.join(directory, f"{FACTS_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    replaced = False
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        replaced = True
    finally:  # also on Ctrl-C: never leave a partial file
        if not replaced:
            _unlink(temp)
    _remove_stale_temps(directory)


def _remove_stale_temps(directory: str) -> None:
    """Temporary files of scans that were killed (SIGKILL leaves no chance to clean up)."""
    now = time.time()
    for entry in _scandir(directory):
        if entry.name.startswith(FACTS_FILE + ".") and entry.name.endswith(".tmp"):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_TEMP:
                    _unlink(entry.path)
            except OSError:
                continue


def _scandir(directory: str) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            yield from it
    except OSError:
        return


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)

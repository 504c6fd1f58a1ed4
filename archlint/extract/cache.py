"""The facts cache: per-file facts by content hash, in one JSON file, read in one go and
replaced atomically.

Layout of a cache directory (docs/configuration.md):

- ``.gitignore`` holding ``*``, so git never sees the directory (it ignores itself too);
- ``CACHEDIR.TAG``, so backup tools skip it;
- ``facts.json``: a header line, ``{"archlint_cache": FORMAT, "key": KEY}``, then one line
  per file: its content hash, the two digests of its facts (``FactsDigests``), and its
  facts as JSON (``encode_entry``), separated by spaces. The entry of a test file holds only
  BRIEF_FIELDS, all a scan reads of one (its whole digest is then ``BRIEF_ONLY``); a file
  of the same content elsewhere is parsed again, and its whole entry takes the place.

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
import functools
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archlint import __version__
from archlint.extract.codec import Decoder, Encoder, Malformed, codec, projection, shape
from archlint.extract.digest import content_hash
from archlint.model.facts import BRIEF_FIELDS, FileFacts

FORMAT = 3
FACTS_FILE = "facts.json"
REPORT_FILE = "report.json"  # extract/memo.py
OUTPUT_FILE = "output.json"  # extract/memo.py: the report as `--format json` wrote it
_CACHE_FILES = (FACTS_FILE + ".", REPORT_FILE + ".", OUTPUT_FILE + ".")
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


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The source of the extraction code and the facts model: a change to either (even
    without a new version number, as while developing archlint) gives new facts."""
    here = Path(__file__).resolve().parent
    return source_digest(sorted(here.glob("*.py")) + [PACKAGE / "model" / "facts.py"])


PACKAGE = Path(__file__).resolve().parent.parent  # archlint's own source directory


def source_digest(paths: list[Path]) -> str:
    """One digest of the names and bytes of ``paths``, files of archlint's own source."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        name = path.relative_to(PACKAGE).as_posix().encode()
        try:
            digest.update(name + b"\0" + path.read_bytes())
        except OSError:
            digest.update(name + b"\0?")
    return digest.hexdigest()


def _libcst_version() -> str:
    """libcst's version, from its dist-info directory's name where it lies beside the
    package (importlib.metadata costs a warm scan 30 ms of imports), else its metadata."""
    import importlib.util

    spec = importlib.util.find_spec("libcst")  # found, not imported
    if spec is not None and spec.origin:
        site = os.path.dirname(os.path.dirname(spec.origin))
        found = sorted(n for n in _listdir(site) if n.startswith("libcst-") and n.endswith(".dist-info"))
        if len(found) == 1:
            return found[0][len("libcst-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("libcst")
    except PackageNotFoundError:  # pragma: no cover - libcst is a dependency
        return ""


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def encode_entry(facts: FileFacts) -> bytes:
    """One file's facts as a cache entry: JSON text, with the path left out (an entry
    belongs to content, wherever that content lies)."""
    encode, _ = _facts_codec()
    text = json.dumps(encode(replace(facts, path="")), separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def decode_entry(entry: bytes, path: str, brief: bool = False) -> FileFacts:
    """The facts an entry holds, placed at ``path``; Malformed when it is not valid. With
    ``brief``, only the fields in BRIEF_FIELDS are decoded (the others keep their defaults)."""
    decode = _brief_decoder() if brief else _facts_codec()[1]
    try:
        facts = decode(json.loads(entry))
    except (ValueError, TypeError, RecursionError) as exc:  # Malformed is a ValueError
        raise Malformed(str(exc)) from None
    if facts.path:
        raise Malformed("an entry has a path")
    facts.path = path
    return facts


BRIEF_ONLY = "0" * 32  # the whole digest of an entry that holds only BRIEF_FIELDS


@dataclass(frozen=True, slots=True)
class FactsDigests:
    """Digests of what a scan reads of one file's facts, all but its content hash and line
    count: ``whole`` of every field (BRIEF_ONLY when only the brief ones are known),
    ``brief`` of BRIEF_FIELDS alone (a test file). Two files with the same digests give the
    same report (the report memo keys on them too)."""

    whole: str
    brief: str

    def of(self, brief: bool) -> str | None:
        """The digest a scan that reads the file whole (or briefly) keys on, if known."""
        if brief:
            return self.brief
        return None if self.whole == BRIEF_ONLY else self.whole


def facts_digests(facts: FileFacts, entry: bytes, brief: bool = False) -> FactsDigests:
    """The digests of ``facts`` and of their entry, which holds only BRIEF_FIELDS when
    ``brief``."""
    encode, _ = _facts_codec()
    short = replace(facts.brief(), path="", sha="", lines=0)
    text = json.dumps(encode(short), separators=(",", ":"), ensure_ascii=False)
    whole = BRIEF_ONLY if brief else content_hash(_after_lines(entry))
    return FactsDigests(whole, content_hash(text.encode("utf-8", "surrogatepass")))


def _after_lines(entry: bytes) -> bytes:
    """An entry (``["", "<hash>", <lines>, ...``) without its content hash and line count."""
    cut = entry.find(b",", _SHA_LENGTH + 7) if entry.startswith(b'["","') else -1
    return entry[cut:] if cut > 0 else entry


class FactsCache:
    """Facts by content hash, loaded from ``directory`` if a valid cache is there.

    ``digest``, ``get`` and ``put`` record which entries this scan used; ``save`` writes exactly those
    back, when anything differs from what was loaded. Entries are kept as their JSON text
    (a line of the file), decoded only when asked for: the text of a large repository's
    facts is a tenth of the size of its parsed JSON.
    """

    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, FACTS_FILE)
        self.key = key
        self._dirty = False  # True when the file on disk should be rewritten
        self._used: dict[str, bytes] = {}
        self._stored: dict[str, bytes] = self._load()

    def _header(self) -> bytes:
        return json.dumps({"archlint_cache": FORMAT, "key": self.key}).encode()

    def _load(self) -> dict[str, bytes]:
        """The entries of the file: after a header line, one line per file: its content
        hash, its digests and its facts as JSON. Lines that do not look so are dropped."""
        data = read_regular(self.path)
        lines = data.split(b"\n") if data else []
        if not lines or lines[0] != self._header():  # none, another format, key or version
            self._dirty = True
            return {}
        entries = {}
        for line in lines[1:]:
            if _LINE.match(line):
                entries[line[:_SHA_LENGTH].decode()] = line[_SHA_LENGTH + 1 :]
            elif line:  # a truncated last line, or junk
                self._dirty = True
        return entries

    def digest(self, sha: str, brief: bool = False) -> str | None:
        """The digest of the facts cached for content ``sha`` that a scan reading them
        whole (or only BRIEF_FIELDS) keys on, without decoding them; None when the cache
        cannot give those facts. The entry counts as used."""
        stored = self._used.get(sha) or self._stored.get(sha)
        if stored is None:
            return None
        found = FactsDigests(stored[:_SHA_LENGTH].decode(), stored[_SHA_LENGTH + 1 : _DIGESTS].decode()).of(brief)
        if found is not None:
            self._used[sha] = stored
        return found

    def get(self, sha: str, path: str, brief: bool = False) -> FileFacts | None:
        """The cached facts of a file with content hash ``sha``, now at ``path`` (only
        BRIEF_FIELDS with ``brief``); None when there are none or they are malformed (then
        they are dropped)."""
        stored = self._used.get(sha) or self._stored.get(sha)
        if stored is None or (not brief and stored.startswith(_BRIEF_ONLY)):
            return None
        try:
            facts = decode_entry(stored[_DIGESTS + 1 :], path, brief)
        except Malformed:
            facts = None
        if facts is None or facts.sha != sha:
            self._stored.pop(sha, None)
            self._used.pop(sha, None)
            self._dirty = True
            return None
        self._used[sha] = stored
        return facts

    def put(self, facts: FileFacts, entry: bytes, brief: bool = False) -> None:
        """Remember the entry (``encode_entry``) of a file just extracted, with the digests
        of its ``facts``; ``brief`` when they are only BRIEF_FIELDS. A whole entry takes
        the place of a brief one."""
        held = self._used.get(facts.sha)
        if held is None or (not brief and held.startswith(_BRIEF_ONLY)):
            digests = facts_digests(facts, entry, brief)
            self._used[facts.sha] = f"{digests.whole} {digests.brief} ".encode() + entry
            self._dirty = True

    def save(self) -> None:
        """Write the entries this scan used, if they differ from the file's; a failure to
        write (a read-only checkout, a full disk) only means no cache next time."""
        if not (self._dirty or self._used.keys() != self._stored.keys()):
            return
        parts = [self._header()]
        parts.extend(sha.encode() + b" " + entry for sha, entry in sorted(self._used.items()))
        try:
            prepare_directory(self.directory)
            write_atomically(self.path, b"\n".join(parts) + b"\n")
        except OSError:
            return
        self._stored = dict(self._used)
        self._dirty = False


@functools.lru_cache(maxsize=1)
def _facts_codec() -> tuple[Encoder, Decoder]:
    return codec(FileFacts)


@functools.lru_cache(maxsize=1)
def _brief_decoder() -> Decoder:
    return projection(FileFacts, BRIEF_FIELDS)


_SHA_LENGTH = 32  # hex digits of digest.content_hash
_DIGESTS = 2 * _SHA_LENGTH + 1  # where the digests of a stored line's entry end
_BRIEF_ONLY = BRIEF_ONLY.encode()
_LINE = re.compile(rb"[0-9a-f]{32} [0-9a-f]{32} [0-9a-f]{32} .")


def read_regular(path: str) -> bytes | None:
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


def prepare_directory(directory: str) -> None:
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


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` (a file of the cache directory) with ``data`` through a temporary
    file beside it: readers see the old file or the new one, never a part."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f"{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
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
        if entry.name.startswith(_CACHE_FILES) and entry.name.endswith(".tmp"):
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

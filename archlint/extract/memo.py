"""The report memo: the last scan's whole Report, kept beside the facts cache and given back
when nothing the scan reads has changed.

A warm scan with every file's facts cached still rebuilds all that is derived from them
(import and call graphs, names resolved for data and communication, clusters, verdict):
seconds on a large repository, for the same answer. The Report is a function of what the
scan reads, so the memo is keyed by all of it (``inputs_key``): the tree's listing, every
Python file's content hash, what discovery made of the deploy files, the settings and the
configuration file's bytes, the scanned directory's name and package chain, and archlint's
whole source with the versions the facts key names. Any change, anywhere, is a miss, and
the scan runs in full (then the memo holds its report).

Files can change without changing their facts (a comment, a docstring, an edit within a
line, a test's body where only a test's imports are read): the memo is also keyed by the
same inputs with each file's facts digest (cache.py ``FactsDigests``) in place of its
content hash. A scan that misses on the first key parses the changed files, and when the
second key matches, the memo's Report is this scan's too: it costs that file's extraction.

``report.json`` is a header line ``{"archlint_report": FORMAT, "key": KEY, "facts":
FACTS_KEY}`` and one line of the Report in the facts codec's data-only JSON, decoded by
the Report's declared types: like the facts cache it may lie in a hostile tree, so nothing
in it is trusted unchecked.

``output.json`` keeps that Report as one renderer wrote it (``--format json``), under the
header ``{"archlint_output": FORMAT, "as": NAME, "report": HASH, "text": TEXT_HASH}``, HASH
being the hash of the memo's Report line and TEXT_HASH that of the output itself: an
unchanged tree's output is then given back without decoding the Report to encode it again
(two thirds of a warm scan's time on Django); it is good only as long as that very memo
is, and only whole and as written.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from typing import Any

from archlint.extract.cache import (
    OUTPUT_FILE,
    PACKAGE,
    REPORT_FILE,
    cache_key,
    prepare_directory,
    read_regular,
    source_digest,
    write_atomically,
)
from archlint.extract.codec import Decoder, Encoder, codec, shape
from archlint.extract.digest import content_hash
from archlint.model.report import Report

FORMAT = 2


def inputs_key(parts: Mapping[str, Any]) -> str:
    """The memo key of a scan whose inputs are ``parts`` (plain data and dataclasses),
    together with what decides archlint's own behaviour."""
    document = {
        "inputs": parts,
        "facts": cache_key(),
        "code": _package_digest(),
        "report": shape(Report),
    }
    text = json.dumps(document, sort_keys=True, default=_plain, ensure_ascii=False)
    return content_hash(text.encode("utf-8", "surrogatepass"))


def _plain(value: Any) -> Any:
    """Dataclasses by the codec (sets sorted: the same value gives the same text in every
    process, whatever its hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encoder(type(value))(value)
    raise TypeError(f"the report memo cannot key on a {type(value).__name__}")


@functools.lru_cache(maxsize=None)
def _encoder(cls: type) -> Encoder:
    return codec(cls)[0]


@functools.lru_cache(maxsize=1)
def _package_digest() -> str:
    """All of archlint's source: any change to the analysis changes the report."""
    return source_digest(sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.json")))


class ReportMemo:
    """The memo file of one cache directory, for one key."""

    def __init__(self, directory: str, key: str) -> None:
        self.path = os.path.join(directory, REPORT_FILE)
        self.output_path = os.path.join(directory, OUTPUT_FILE)
        self.directory = directory
        self.key = key
        self._known: bytes | None = None  # the Report line this memo holds for this key

    def _header(self, facts_key: str) -> bytes:
        return json.dumps({"archlint_report": FORMAT, "key": self.key, "facts": facts_key}).encode()

    @functools.cached_property
    def _file(self) -> tuple[dict[str, Any], bytes] | None:
        """The memo file's header and Report line, when it is one of this format (read
        once: a miss on the key asks it again for the facts key)."""
        data = read_regular(self.path)
        header, _, body = data.partition(b"\n") if data else (b"", b"", b"")
        try:
            fields = json.loads(header)
        except ValueError:
            return None
        if not isinstance(fields, dict) or fields.get("archlint_report") != FORMAT or not body:
            return None
        return fields, body

    def _body(self) -> bytes | None:
        """The Report line of the memo file, when it was written for this key."""
        if self._known is None:
            found = self._file
            if found is not None and found[0].get("key") == self.key:
                self._known = found[1]
        return self._known

    def holds(self) -> bool:
        """Whether the memo holds a Report for this key (not yet decoded)."""
        return self._body() is not None

    def load(self) -> Report | None:
        """The memorised Report when the file holds one for this key, else None (a missing,
        stale, truncated or malformed memo is only a miss)."""
        body = self._body()
        if body is None:
            return None
        _, decode = _report_codec()
        try:
            report = decode(json.loads(body))
        except (ValueError, TypeError, RecursionError):  # Malformed is a ValueError
            return None
        return report if isinstance(report, Report) else None

    def relink(self, facts_key: str) -> bool:
        """Whether the memorised Report was derived from facts with this key (files changed,
        but nothing a scan reads of them); then the memo is kept for this scan's key too."""
        found = self._file
        if found is None or found[0].get("facts") != facts_key:
            return False
        self._known = found[1]
        self._write(self.path, self._header(facts_key) + b"\n" + found[1])
        return True

    def save(self, report: Report, facts_key: str) -> None:
        """Keep ``report``, derived from facts with ``facts_key``, for the next scan."""
        encode, _ = _report_codec()
        body = json.dumps(encode(report), separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
        self._known = body + b"\n"
        self._write(self.path, self._header(facts_key) + b"\n" + self._known)

    @staticmethod
    def _output_header(renderer: str, body: bytes, text: bytes) -> bytes:
        # bound to the memo's very Report line (an output outlives no change to the memo),
        # and to its own bytes (a truncated or edited output is not given back)
        return json.dumps({"archlint_output": FORMAT, "as": renderer, "report": content_hash(body),
                           "text": content_hash(text)}).encode()

    def load_output(self, renderer: str) -> str | None:
        """What ``renderer`` wrote of the memorised Report, if that is what was kept."""
        body = self._body()
        data = read_regular(self.output_path) if body is not None else None
        if not data or body is None:
            return None
        header, _, text = data.partition(b"\n")
        if header != self._output_header(renderer, body, text):
            return None
        try:
            return text.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None

    def save_output(self, renderer: str, text: str) -> None:
        """Keep what ``renderer`` wrote of the memorised Report (saved or loaded before)."""
        body = self._body()
        if body is not None:
            data = text.encode("utf-8", "surrogatepass")
            self._write(self.output_path, self._output_header(renderer, body, data) + b"\n" + data)

    def _write(self, path: str, data: bytes) -> None:
        """A directory that cannot be written only means no memo."""
        try:
            prepare_directory(self.directory)
            write_atomically(path, data)
        except OSError:
            return


@functools.lru_cache(maxsize=1)
def _report_codec() -> tuple[Encoder, Decoder]:
    return codec(Report)


__all__ = ["FORMAT", "ReportMemo", "inputs_key"]

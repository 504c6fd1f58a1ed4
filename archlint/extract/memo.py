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

``report.json`` is a header line ``{"archlint_report": FORMAT, "key": KEY}`` and one line of
the Report in the facts codec's data-only JSON, decoded by the Report's declared types:
like the facts cache it may lie in a hostile tree, so nothing in it is trusted unchecked.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from typing import Any

from archlint.extract.cache import (
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

FORMAT = 1


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
        self.directory = directory
        self.key = key

    def _header(self) -> bytes:
        return json.dumps({"archlint_report": FORMAT, "key": self.key}).encode()

    def load(self) -> Report | None:
        """The memorised Report when the file holds one for this key, else None (a missing,
        stale, truncated or malformed memo is only a miss)."""
        data = read_regular(self.path)
        if not data:
            return None
        header, _, body = data.partition(b"\n")
        if header != self._header():
            return None
        _, decode = _report_codec()
        try:
            report = decode(json.loads(body))
        except (ValueError, TypeError, RecursionError):  # Malformed is a ValueError
            return None
        return report if isinstance(report, Report) else None

    def save(self, report: Report) -> None:
        """Keep ``report`` for the next scan; a directory that cannot be written only means
        no memo."""
        encode, _ = _report_codec()
        body = json.dumps(encode(report), separators=(",", ":"), ensure_ascii=False)
        try:
            prepare_directory(self.directory)
            write_atomically(self.path, self._header() + b"\n" + body.encode("utf-8", "surrogatepass") + b"\n")
        except OSError:
            return


@functools.lru_cache(maxsize=1)
def _report_codec() -> tuple[Encoder, Decoder]:
    return codec(Report)


__all__ = ["FORMAT", "ReportMemo", "inputs_key"]

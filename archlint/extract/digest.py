"""A file's content hash: the key of its facts in the cache. Apart from the parser, so that
hashing (done on every run, warm ones too) never imports libcst."""

from __future__ import annotations

import hashlib


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()

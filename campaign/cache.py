"""A content-addressed cache of what is expensive and pure: Markdown HTML, QR matrices, PNGs.

Entries live in `.cache/` beside `output/` (safe to delete, ignored by git). A key is the
SHA-256 of everything that shapes the result (the input bytes, the options, the versions of
the libraries and of this code), so a stale entry cannot be found. Each entry carries a
checksum of its own bytes: a corrupt or half-written entry is ignored and made again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from pathlib import Path

FORMAT = b"jnxcz-cache-1\n"


class Cache:
    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.hits: Counter = Counter()
        self.misses: Counter = Counter()

    def key(self, kind: str, *parts: bytes | str) -> str:
        digest = hashlib.sha256(FORMAT + kind.encode())
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def get(self, kind: str, key: str) -> bytes | None:
        data = self._read(kind, key)
        (self.hits if data is not None else self.misses)[kind] += 1
        return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        path = self._path(kind, key)
        entry = hashlib.sha256(data).digest() + data
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(entry)
            os.replace(temporary, path)
        except OSError:
            pass  # a cache only saves time; a build never fails because of it

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key[2:]

    def _read(self, kind: str, key: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            entry = self._path(kind, key).read_bytes()
        except OSError:
            return None
        checksum, data = entry[:32], entry[32:]
        if len(entry) < 32 or hashlib.sha256(data).digest() != checksum:
            return None
        return data


ACTIVE = Cache(None)


def use(folder: Path | None) -> Cache:
    """Make `folder` the cache for this process (None: no disk cache); returns it."""
    global ACTIVE
    ACTIVE = Cache(folder)
    return ACTIVE


def active() -> Cache:
    return ACTIVE

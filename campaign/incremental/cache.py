"""A content-addressed cache of what is expensive and pure: Markdown HTML, QR matrices, PNGs.

Entries live in one SQLite file in `.cache/` beside `output/` (safe to delete, ignored by
git): one file instead of thousands keeps a cold build from spending its time opening files.
A key is the SHA-256 of everything that shapes the result (the input bytes, the options, and the
fingerprint of this code and its libraries), so a stale entry cannot be found. Each entry
carries a checksum of its own bytes: a corrupt or truncated entry is ignored and made again,
and a database that cannot be read is set aside and started afresh.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

FORMAT = b"jnxcz-cache-1\n"
FILE = "cache.sqlite3"
BATCH = 500  # keys asked for in one query (SQLite allows 999 parameters)


class Cache:
    def __init__(self, folder: Path | None, fingerprint: str):
        self.folder = folder
        self.fingerprint = fingerprint.encode()
        self.hits: Counter[str] = Counter()  # by kind of entry
        self.misses: Counter[str] = Counter()
        self.pending: dict[tuple[str, str], bytes] = {}
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._broken = False

    def key(self, kind: str, *parts: bytes | str) -> str:
        digest = hashlib.sha256(FORMAT + self.fingerprint + kind.encode())
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def get(self, kind: str, key: str) -> bytes | None:
        data = self.pending.get((kind, key))
        if data is None:
            data = self._read(kind, key)
        (self.hits if data is not None else self.misses)[kind] += 1
        return data

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """The entries of `kind` found for `keys`, in one query per few hundred keys."""
        wanted = list(dict.fromkeys(keys))
        found = {key: self.pending[(kind, key)] for key in wanted if (kind, key) in self.pending}
        db = self._connect()
        rest = [key for key in wanted if key not in found]
        for start in range(0, len(rest) if db is not None else 0, BATCH):
            chunk = rest[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            try:
                rows = db.execute(  # type: ignore[union-attr]
                    f"SELECT key, value FROM entries WHERE kind = ? AND key IN ({marks})", (kind, *chunk)
                ).fetchall()
            except sqlite3.Error:
                break
            for key, value in rows:
                checksum, data = value[:32], value[32:]
                if len(value) >= 32 and hashlib.sha256(data).digest() == checksum:
                    found[key] = data
        self.hits[kind] += len(found)
        self.misses[kind] += len(wanted) - len(found)
        return found

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Kept in memory until `flush`, which writes all new entries in one transaction."""
        if self.folder is not None:
            self.pending[(kind, key)] = data

    def flush(self) -> None:
        db = self._connect()
        if db is None or not self.pending:
            self.pending.clear()
            return
        rows = [(kind, key, hashlib.sha256(data).digest() + data) for (kind, key), data in self.pending.items()]
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            pass  # a cache only saves time; a build never fails because of it
        self.pending.clear()

    def _read(self, kind: str, key: str) -> bytes | None:
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or len(row[0]) < 32:
            return None
        checksum, data = row[0][:32], row[0][32:]
        return data if hashlib.sha256(data).digest() == checksum else None

    def _connect(self) -> sqlite3.Connection | None:
        """One connection per process: a forked worker must not share its parent's."""
        if self.folder is None or self._broken:
            return None
        if self._db is not None and self._pid == os.getpid():
            return self._db
        path = self.folder / FILE
        for _attempt in (1, 2):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=10)
                db.execute(
                    "CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB,"
                    " PRIMARY KEY (kind, key)) WITHOUT ROWID"
                )
                self._db, self._pid = db, os.getpid()
                return db
            except sqlite3.DatabaseError:
                try:
                    path.unlink(missing_ok=True)  # not a database any more: start afresh
                except OSError:
                    break  # a folder or a locked file in its place: build without the cache
            except (sqlite3.Error, OSError):
                break
        self._broken = True
        return None

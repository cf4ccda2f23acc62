"""What the last build of an output folder was made from, so the next one renders only what changed.

Kept in one SQLite file beside the cache, `.cache/state.sqlite3` (safe to delete), for each
output folder the project was built into: the hash, size and dates of every file written and,
for each file of each edition, the digest of its plan and its record (what it read from the
model, which templates and assets it used), with the digest of the model's value at every key
read and of every template and asset. No copy of the model is kept: the next build digests its
own model the same way (`incremental.digest`) and compares.

A build's state is saved in one transaction, after its files are in place: a build killed at
any moment leaves the previous state or the new one. The state is trusted only when its key
matches (the generator's code fingerprint, the output folder, whether PDFs are linked) and the
files on disk are exactly the ones it recorded; otherwise everything is rendered again, which
gives the same bytes, only slower. A file that is not a database is started afresh.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from campaign.incremental.digest import Digester
from campaign.incremental.record import Digested, ReadDigests, ReadKey, Use, key_digest
from campaign.model.site import Site
from campaign.render.site import Record, Rendering
from campaign.ship.write import Files, Stored, Written, on_disk_as_recorded

FILE = "state.sqlite3"
FORMAT = 4  # of the tables below and of what they hold; a file of another format starts afresh
TABLES = {
    "written": "path TEXT, sha256 TEXT, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, PRIMARY KEY (folder, path)",
    "outputs": "edition TEXT, path TEXT, plan BLOB, record INTEGER, PRIMARY KEY (folder, edition, path)",
    "records": "edition TEXT, id INTEGER, reads TEXT, uses TEXT, PRIMARY KEY (folder, edition, id)",
    "reads": "edition TEXT, key TEXT, digest BLOB, PRIMARY KEY (folder, edition, key)",
    "uses": "edition TEXT, kind TEXT, name TEXT, digest TEXT, PRIMARY KEY (folder, edition, kind, name)",
}
# Where builds before this store kept their state: removed once the store holds the folder's.
LEGACY = ("pickle", "written.json")

Previous = dict[str, tuple[ReadDigests, Rendering]]  # edition folder -> what its files were made from


def state_key(fingerprint: str, out: Path, with_pdf: bool) -> str:
    return hashlib.sha256(repr((FORMAT, fingerprint, str(out.resolve()), with_pdf)).encode()).hexdigest()


@dataclass
class _Rows:
    """One edition's rows, as read: each output's plan digest and record, by path."""

    plans: dict[str, bytes | None]
    records: dict[str, Record]
    reads: dict[ReadKey, bytes | None]
    uses: dict[Use, str]


class BuildState:
    """The stored state of one output folder: read when made, saved after the build has written.

    `written` is what the last build recorded of the files it left in the folder ({} when the
    store has nothing for it); `known` whether a build of this tool wrote there.
    """

    def __init__(self, cache: Path, out: Path):
        self.cache, self.out = cache, out
        self.folder = str(out.resolve())
        self.digester = Digester()  # one build's: the comparisons and the save share its work
        self.written: Written = {}
        self._key: str | None = None
        self._editions: dict[str, _Rows] = {}
        self._trusted: str | None = None  # the key `previous` was given and trusted the state for
        try:
            self._read()
        except (sqlite3.Error, OSError, ValueError, TypeError, KeyError, IndexError):
            self.written, self._key, self._editions = {}, None, {}  # no state: render everything
        legacy = any(self._legacy(ending).is_file() for ending in LEGACY)
        self.known = bool(self.written) or legacy

    def previous(self, key: str) -> Previous | None:
        """The last build's {edition folder: (model digests, rendering)}, or None when it cannot be trusted."""
        if key != self._key or not self._editions or not on_disk_as_recorded(self.out, self.written):
            return None  # another code or folder, or files changed by hand: render everything again
        found: Previous = {}
        for name, edition in self._editions.items():
            prefix = name + "/"
            files: Files = {
                path[len(prefix) :]: Stored(str(entry[0]))
                for path, entry in self.written.items()
                if path.startswith(prefix)
            }
            outputs = {path: Digested(plan, self.digester) for path, plan in edition.plans.items()}
            rendering = Rendering(files, outputs, edition.records, edition.uses, frozenset())
            found[name] = ReadDigests(edition.reads, self.digester), rendering
        self._trusted = key
        return found

    def save(self, key: str, editions: dict[str, tuple[Site, Rendering]], written: Written) -> None:
        """Keep `editions` (each edition's site and rendering) and `written` (`write.recorded`).

        A build that rendered and wrote nothing leaves the state as it was: it is that state.
        """
        if (
            self._trusted == key
            and written == self.written
            and editions.keys() == self._editions.keys()
            and not any(rendering.rendered for _, rendering in editions.values())
        ):
            return
        try:
            with self._connection() as db:
                db.execute("BEGIN IMMEDIATE")
                folder = self._folder_id(db, key)
                for table in TABLES:
                    db.execute(f"DELETE FROM {table} WHERE folder = ?", (folder,))
                db.executemany(
                    "INSERT INTO written VALUES (?, ?, ?, ?, ?, ?)",
                    [(folder, path, *entry) for path, entry in written.items()],
                )
                for name, (site, rendering) in editions.items():
                    self._save_edition(db, folder, name, site, rendering)
                db.execute("COMMIT")
        except (sqlite3.Error, OSError):
            return  # the state only saves time: the next build renders everything
        for ending in LEGACY:
            self._legacy(ending).unlink(missing_ok=True)

    def _save_edition(self, db: sqlite3.Connection, folder: int, name: str, site: Site, rendering: Rendering) -> None:
        numbers: dict[Record, int] = {}
        rows = []
        for path, output in rendering.outputs.items():
            plan = output.digest if isinstance(output, Digested) else self.digester(output)
            number = numbers.setdefault(rendering.records[path], len(numbers))
            rows.append((folder, name, path, plan, number))
        db.executemany("INSERT INTO outputs VALUES (?, ?, ?, ?, ?)", rows)
        db.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
            [(folder, name, number, _keys(record.reads), _keys(record.uses)) for record, number in numbers.items()],
        )
        keys = {key for record in numbers for key in record.reads}
        db.executemany(
            "INSERT INTO reads VALUES (?, ?, ?, ?)",
            [(folder, name, _text(key), key_digest(site, key, self.digester)) for key in keys],
        )
        db.executemany(
            "INSERT INTO uses VALUES (?, ?, ?, ?, ?)",
            [(folder, name, *use, sha) for use, sha in rendering.uses.items()],
        )

    def _read(self) -> None:
        if not (self.cache / FILE).exists():
            return  # nothing built here yet: no empty store is made until there is a state to keep
        with self._connection() as db:
            found = db.execute("SELECT id, key FROM folders WHERE out = ?", (self.folder,)).fetchone()
            if found is None:
                return
            folder, key = found
            written = {
                path: [sha, size, mtime, ctime]
                for path, sha, size, mtime, ctime in db.execute(
                    "SELECT path, sha256, size, mtime_ns, ctime_ns FROM written WHERE folder = ?", (folder,)
                )
            }
            editions: dict[str, _Rows] = {}

            def edition(name: str) -> _Rows:
                return editions.setdefault(name, _Rows({}, {}, {}, {}))

            records = {
                (name, number): Record(
                    frozenset(_read_key(parts) for parts in json.loads(reads)),
                    frozenset((str(kind), str(used)) for kind, used in json.loads(uses)),
                )
                for name, number, reads, uses in db.execute(
                    "SELECT edition, id, reads, uses FROM records WHERE folder = ?", (folder,)
                )
            }
            for name, path, plan, number in db.execute(
                "SELECT edition, path, plan, record FROM outputs WHERE folder = ?", (folder,)
            ):
                edition(name).plans[path], edition(name).records[path] = plan, records[(name, number)]
            for name, text, sha in db.execute("SELECT edition, key, digest FROM reads WHERE folder = ?", (folder,)):
                edition(name).reads[_read_key(json.loads(text))] = sha
            for name, kind, used, sha in db.execute(
                "SELECT edition, kind, name, digest FROM uses WHERE folder = ?", (folder,)
            ):
                edition(name).uses[(kind, used)] = sha
        self.written, self._key, self._editions = written, key, editions

    def _folder_id(self, db: sqlite3.Connection, key: str) -> int:
        db.execute(
            "INSERT INTO folders (out, key) VALUES (?, ?) ON CONFLICT (out) DO UPDATE SET key = excluded.key",
            (self.folder, key),
        )
        number: int = db.execute("SELECT id FROM folders WHERE out = ?", (self.folder,)).fetchone()[0]
        return number

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The store, made when missing; one found damaged is removed, for the next build to start afresh."""
        try:
            with closing(_open(self.cache / FILE)) as db:
                yield db
        except sqlite3.DatabaseError as exc:
            if _damaged(exc):
                (self.cache / FILE).unlink(missing_ok=True)
            raise

    def _legacy(self, ending: str) -> Path:
        name = hashlib.sha256(self.folder.encode()).hexdigest()[:16]
        return self.cache / "state" / f"{name}.{ending}"


def _open(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (each transaction is begun and committed explicitly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            _prepare(db)
            return db
        except sqlite3.DatabaseError as exc:
            db.close()
            if attempt == 2 or not _damaged(exc):
                raise
            path.unlink(missing_ok=True)  # not a database: ours, so started afresh
    raise AssertionError("unreachable")


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether the file is not a database, or a damaged one (not merely locked by another build)."""
    return exc.sqlite_errorcode in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _prepare(db: sqlite3.Connection) -> None:
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version == FORMAT:
        return
    db.execute("BEGIN IMMEDIATE")
    for table in ("folders", *TABLES):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute("CREATE TABLE folders (id INTEGER PRIMARY KEY, out TEXT UNIQUE NOT NULL, key TEXT NOT NULL)")
    for table, columns in TABLES.items():
        db.execute(f"CREATE TABLE {table} (folder INTEGER, {columns}) WITHOUT ROWID")
    db.execute(f"PRAGMA user_version = {FORMAT}")
    db.execute("COMMIT")


def _text(key: ReadKey | Use) -> str:
    return json.dumps(key, ensure_ascii=False)


def _keys(keys: frozenset[ReadKey] | frozenset[Use]) -> str:
    return "[" + ",".join(sorted(_text(key) for key in keys)) + "]"


def _read_key(parts: list[str | int]) -> ReadKey:
    if len(parts) == 1:
        return (str(parts[0]),)
    name, item = parts
    return (str(name), item)

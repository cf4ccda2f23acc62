"""The site swapped out of `output/` last time, kept beside it so the next build changes only what differs.

A build swaps its new site in whole (`write`). The folder it swaps out is not thrown away: it is
kept, hidden, as `.output.old-standby/site/`, with a record of every file and folder in it (the
hash each file is known to hold, its size and dates; each folder's dates) in `record.json`
beside it. The next build brings that tree up to date with only the files that differ between
what the record says it holds and the new site, and swaps it in: an edit writes a handful of
files, not the thousands a full copy of the site would make.

The tree is trusted only while every file and folder in the record still has the size and dates
it had when recorded: a file changed, added or removed by hand changes them (the change time
cannot be put back), and the tree is then thrown away and the site made in full. The record is
removed before the tree is touched and written anew only after the swap, so a build killed in
between leaves no record and its half-updated tree is never used. A file of the tree may be a
hard link to the same file of `output/`: it is never written over in place, only replaced.

One build at a time uses the standby (a lock held on `lock` while it does); another build that
runs meanwhile makes its site in full, as if there were no standby.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1  # of record.json; a record of another format is not trusted
NAME = "old-standby"  # `.output.old-standby`: hidden, and ignored by git as `.*.old-*/`

Entry = list[str | int]  # a file: [sha256 or "" (not known), size, mtime_ns, ctime_ns]
Folder = list[int]  # a folder: [mtime_ns, ctime_ns]


def home_of(target: Path) -> Path:
    return target.parent / f".{target.name}.{NAME}"


@dataclass
class Record:
    """What the standby tree holds: every file (relative path -> Entry) and folder ("" is the tree itself)."""

    files: dict[str, Entry]
    folders: dict[str, Folder]


class Standby:
    """The standby of output folder `target`: `tree` and the `record` of what it holds."""

    def __init__(self, target: Path):
        self.home = home_of(target)
        self.tree = self.home / "site"
        self.record_file = self.home / "record.json"
        self.incoming = self.home / "incoming"  # a file being written, renamed into the tree once whole

    def trusted(self) -> Record | None:
        """The record, when every file and folder it lists is on disk exactly as recorded; else None."""
        try:
            found = json.loads(self.record_file.read_bytes())
            if found.get("format") != FORMAT:
                return None
            record = Record(found["files"], found["folders"])
            for path, entry in record.files.items():
                info = os.lstat(os.path.join(self.tree, path))
                if not stat.S_ISREG(info.st_mode) or [info.st_size, info.st_mtime_ns, info.st_ctime_ns] != entry[1:]:
                    return None
            for path, folder in record.folders.items():
                info = os.lstat(os.path.join(self.tree, path))
                if not stat.S_ISDIR(info.st_mode) or [info.st_mtime_ns, info.st_ctime_ns] != folder:
                    return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        return record

    def forget(self) -> None:
        """No record: from now until `keep`, the tree is not to be trusted."""
        self.record_file.unlink(missing_ok=True)

    def discard(self) -> None:
        self.forget()
        shutil.rmtree(self.tree, ignore_errors=True)

    def bring_up_to_date(self, wanted: dict[str, bytes | str], source: Path, record: Record) -> set[str]:
        """Make the tree hold `wanted`: path -> the bytes to write, or the sha256 of the file of the
        same path in `source` to link (it is unchanged there). Returns the paths written, linked or removed.

        `record` is the tree's, trusted; call `forget` first.
        """
        writes: dict[str, bytes] = {}
        links: dict[str, str] = {}
        for path, data in wanted.items():
            sha = data if isinstance(data, str) else digest(data)
            entry = record.files.get(path)
            if entry is not None and entry[0] == sha:
                continue
            if isinstance(data, str):
                links[path] = sha
            else:
                writes[path] = data
        folders = _folders_of(wanted)
        removed = record.files.keys() - wanted.keys()
        for path in removed:
            os.unlink(os.path.join(self.tree, path))
        for path in sorted(record.folders.keys() - folders, key=lambda p: p.count("/"), reverse=True):
            os.rmdir(os.path.join(self.tree, path))
        made = set(record.folders.keys() & folders)
        for path, data in writes.items():
            make_folders(self.tree, os.path.dirname(path), made)
            self.incoming.unlink(missing_ok=True)
            with open(self.incoming, "xb") as stream:
                stream.write(data)
            os.chmod(self.incoming, 0o644)
            os.replace(self.incoming, os.path.join(self.tree, path))
        for path in links:
            make_folders(self.tree, os.path.dirname(path), made)
            self.incoming.unlink(missing_ok=True)
            link(source / path, self.incoming)
            os.replace(self.incoming, os.path.join(self.tree, path))
        self.incoming.unlink(missing_ok=True)  # left when the file replaced was that very link
        return writes.keys() | links.keys() | removed

    def keep(self, same_as_output: dict[str, str], touched: set[str], known: dict[str, list[str | int]]) -> None:
        """Record what the tree (the site just swapped out) holds, from a listing of it.

        A file's hash is known when it is the very file now in `output/` (`same_as_output`: path ->
        sha256), or when it was left alone (not in `touched`) with the size and dates `known` (what
        the last build recorded of `output/`) gives. Any other file is recorded with no hash, so
        the next build replaces or removes it.
        """
        record = Record({}, {})
        pending = [("", str(self.tree))]
        while pending:
            relative, folder = pending.pop()
            info = os.lstat(folder)
            record.folders[relative] = [info.st_mtime_ns, info.st_ctime_ns]
            with os.scandir(folder) as entries:
                for item in entries:
                    path = relative + item.name
                    if item.is_dir(follow_symlinks=False):
                        pending.append((path + "/", item.path))
                        continue
                    info = item.stat(follow_symlinks=False)
                    stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns]
                    before = known.get(path)
                    sha: str = same_as_output.get(path, "")
                    if not sha and path not in touched and before is not None and before[1:] == stamp:
                        sha = str(before[0])
                    record.files[path] = [sha, *stamp]
        record.folders = {path.rstrip("/"): folder for path, folder in record.folders.items()}
        written = self.home / "record.json.new"
        written.write_text(json.dumps({"format": FORMAT, "files": record.files, "folders": record.folders}))
        os.replace(written, self.record_file)


@contextlib.contextmanager
def held(target: Path) -> Iterator[Standby | None]:
    """The standby of `target`, for this build alone; None while another build has it."""
    home = home_of(target)
    try:
        home.mkdir(mode=0o755, exist_ok=True)
        descriptor = os.open(home / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield None
        return
    try:
        if not _lock(descriptor):
            yield None
            return
        yield Standby(target)
    finally:
        os.close(descriptor)  # and the lock with it (as when the process dies)


def _lock(descriptor: int) -> bool:
    """Whether this process now holds the lock (released when `descriptor` is closed)."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def link(source: Path, path: Path | str) -> None:
    """A hard link to `source` at `path` (a copy, 0644, where the disk cannot link)."""
    try:
        os.link(source, path)
    except OSError:
        shutil.copyfile(source, path)
        os.chmod(path, 0o644)


def _folders_of(paths: dict[str, bytes | str]) -> set[str]:
    """Every folder the files at `paths` lie in, "" (the tree itself) included."""
    folders = {""}
    for path in paths:
        parent = os.path.dirname(path)
        while parent not in folders:
            folders.add(parent)
            parent = os.path.dirname(parent)
    return folders


def make_folders(folder: Path, parent: str, made: set[str]) -> None:
    """`parent` (a relative path) and the folders above it under `folder`, each new one 0755."""
    if not parent or parent in made:
        return
    make_folders(folder, os.path.dirname(parent), made)
    try:
        os.mkdir(folder / parent)
    except FileExistsError:
        if not (folder / parent).is_dir():
            raise
    else:
        os.chmod(folder / parent, 0o755)
    made.add(parent)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

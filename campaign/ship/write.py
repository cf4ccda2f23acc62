"""Putting a rendered site on disk without ever leaving a half-written `output/`.

A first build is written into a temporary folder beside `output/` and renamed into place. A
rebuild writes only the files whose bytes changed: all of them first into a temporary folder,
then each renamed over the old one (a rename cannot fail half-way), then vanished files are
removed. A failed build writes nothing, so the last good site stays exactly as it was; files
that did not change keep their dates, which is what makes republishing and caching cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from campaign.render.urls import is_safe

MANIFEST_FORMAT = 2


class UnsafeTarget(Exception):
    """The output folder given would replace something that is not a built site."""


@dataclass(frozen=True)
class Stored:
    """A file the previous build wrote and this one leaves as it is (see `incremental.state`)."""

    sha256: str


def check_target(target: Path, root: Path) -> None:
    """Refuse to write over a folder that holds the project or anything but a previous build."""
    target, root = target.resolve(), root.resolve()
    if target == root or target in root.parents or target == Path(target.anchor):
        raise UnsafeTarget(f"输出文件夹 {target} 包含网站项目本身，不能用作输出文件夹")
    looks_built = (
        (target / "index.html").exists() and not (target / "config.yaml").exists() and not (target / "content").exists()
    )
    if target.is_dir() and any(target.iterdir()) and not looks_built:
        raise UnsafeTarget(
            f"输出文件夹 {target} 里已有别的文件，看起来不是以前生成的网站；为免误删，请换一个空文件夹或删去它后再试"
        )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_site(files: dict, target: Path, record: Path | None = None) -> frozenset:
    """Make `target` hold exactly `files`; returns the paths written or removed.

    `record` is where the hash, size and date of every file written is kept, so the next
    build knows what is on disk without reading it back.
    """
    target = target.resolve()
    for path in files:
        if not is_safe(path):
            raise ValueError(f"unsafe output path {path!r}")
    if not target.exists() or not any(target.iterdir()):
        _write_fresh(files, target)
        touched = frozenset(files)
    else:
        touched = _update(files, target, read_record(record))
    if record is not None:
        _write_record(record, target, files)
    return touched


def _write_fresh(files: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    os.chmod(staging, 0o755)
    try:
        _write_all(staging, files)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _update(files: dict, target: Path, known: dict) -> frozenset:
    changed = [path for path, data in files.items() if not _same(target / path, data, known.get(path))]
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        _write_all(staging, {path: files[path] for path in changed})
        for path in changed:
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    removed = _remove_vanished(files, target, known)
    return frozenset(changed) | removed


def _same(path: Path, data, known) -> bool:
    """Whether `path` already holds `data`, trusting the record only while size and date match."""
    if isinstance(data, Stored):
        return True
    try:
        stat = path.stat()
    except OSError:
        return False
    if known and known[1:] == _stamp(stat) and known[0] == digest(data):
        return True
    if stat.st_size != len(data):
        return False
    return path.read_bytes() == data


def _remove_vanished(files: dict, target: Path, known: dict) -> frozenset:
    on_disk = (
        set(known)
        if known
        else {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file() or p.is_symlink()}
    )
    removed = set()
    for path in sorted(on_disk - files.keys()):
        if is_safe(path) and (target / path).is_file():
            (target / path).unlink()
            removed.add(path)
            _prune(target, (target / path).parent)
    return frozenset(removed)


def _prune(target: Path, folder: Path) -> None:
    while folder != target and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _write_all(folder: Path, files: dict) -> None:
    """Files readable by the web server (0644, folders 0755) whatever the user's umask."""
    made = set()
    old_mask = os.umask(0o022)
    try:
        for path, data in files.items():
            parent = os.path.dirname(path)
            if parent and parent not in made:
                os.makedirs(folder / parent, exist_ok=True)
                made.add(parent)
            with open(folder / path, "wb") as stream:
                stream.write(data)
    finally:
        os.umask(old_mask)


def _stamp(stat: os.stat_result) -> list[int]:
    """Size and dates of a file: a hand edit changes the change time even when the size and
    the modification time are put back (`os.utime` cannot set it)."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def on_disk_as_recorded(target: Path, record: dict) -> bool:
    """Whether every file in `record` is still on disk with the size and dates it was left with."""
    for path, entry in record.items():
        try:
            if _stamp((target / path).stat()) != entry[1:]:
                return False
        except OSError:
            return False
    return True


def read_record(record: Path | None) -> dict:
    if record is None:
        return {}
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        return saved["files"] if saved.get("format") == MANIFEST_FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no record: compare with the files themselves


def _write_record(record: Path, target: Path, files: dict) -> None:
    entries = {}
    for path, data in files.items():
        stat = (target / path).stat()
        sha = data.sha256 if isinstance(data, Stored) else digest(data)
        entries[path] = [sha, *_stamp(stat)]
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_name(record.name + ".tmp")
        temporary.write_text(json.dumps({"format": MANIFEST_FORMAT, "files": entries}), encoding="utf-8")
        temporary.replace(record)
    except OSError:
        pass

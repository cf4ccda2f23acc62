"""Putting a rendered site on disk: `output/` is at every instant the last complete site or the new one.

A build makes the new site as a whole folder beside `output/` and the two folders are then
exchanged in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames a moment
apart). The folder swapped out is kept as the standby (`standby`): the next build brings it up
to date with only the files that differ and swaps it in, so an edit writes a handful of files.
Without a standby to trust, the new folder is made in full: unchanged files are hard links to
the ones in `output/` (no copy), changed files are written anew. A build killed at any point
leaves `output/` as it was, and the next build removes what the killed one left beside it. A
build that changed nothing writes nothing, so files keep their dates, which is what makes
republishing and caching cheap.

Only folders this tool made are written over: each carries the mark `.jnxcz-site`. A folder
holding anything else (the project's `templates/`, a user's documents) is refused, never emptied.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from campaign.render.urls import is_safe
from campaign.ship import standby
from campaign.ship.standby import digest, link, make_folders

MARK = ".jnxcz-site"
MARK_TEXT = "本文件夹由 build.py 生成，下次生成时会整体更新；请不要在这里保存其他文件。\n".encode()
# A project's folders that hold sources: editions/ holds the archived editions' own content/
# and templates/, which every build reads (load.editions).
SOURCE_FOLDERS = ("content", "templates", "editions", "campaign", "tests", "deploy", "benchmarks", ".git")


class UnsafeTarget(Exception):
    """The output folder given would replace something that is not a built site."""


@dataclass(frozen=True)
class Stored:
    """A file the previous build wrote and this one leaves as it is (see `incremental.state`)."""

    sha256: str


Files = dict[str, bytes | Stored]  # output path -> its bytes, or a file left on disk as it was
# output path -> [sha256, size, mtime_ns, ctime_ns] of the file written, as the build state keeps it
Written = dict[str, list[str | int]]


def check_target(target: Path, root: Path, known: bool = False) -> None:
    """Refuse any output folder but a new or empty one, or one this tool made.

    `known`: the build state remembers writing there (a folder made before the mark existed).
    """
    target, root = target.resolve(), root.resolve()
    if target == root or target in root.parents or target == Path(target.anchor):
        raise UnsafeTarget(f"输出文件夹 {target} 包含网站项目本身，不能用作输出文件夹")
    if target.parent == root and target.name in ("config.yaml", "build.py", "README.md"):
        raise UnsafeTarget(
            f"「{target.name}」是网站项目自己的文件，不能用作输出文件夹；请写一个新的文件夹名，如 output"
        )
    for folder in SOURCE_FOLDERS:
        if target == root / folder or root / folder in target.parents:
            raise UnsafeTarget(
                f"输出文件夹 {target} 在项目的 {folder}/ 里，会和网站的源文件混在一起；"
                "请换一个文件夹，如项目下的 output"
            )
    found = source_folder(target)
    if found is not None:  # another project's, or an archived edition's own sources
        project, folder = found
        raise UnsafeTarget(
            f"输出文件夹 {target} 在网站项目 {project} 的 {folder}/ 里，会和网站的源文件混在一起；"
            "请换一个文件夹，如项目下的 output"
        )
    if target.exists() and not target.is_dir():
        raise UnsafeTarget(f"「{target}」是一个文件，不是文件夹；为免覆盖它，请换一个新的文件夹名")
    ours = (target / MARK).is_file() or (known and (target / "index.html").is_file())
    if target.is_dir() and any(target.iterdir()) and not ours:
        raise UnsafeTarget(
            f"输出文件夹 {target} 里已有别的文件，不是本工具生成的网站；为免误删，请换一个新的或空的文件夹"
        )


def source_folder(path: Path) -> tuple[Path, str] | None:
    """The project and its source folder (content/, templates/, ...) `path` lies in, if any.

    A project is recognised by its config.yaml beside content/ and templates/, so this holds
    for whichever project `--root` names, for an archived edition (editions/2024/ is one) and
    for any other copy, wherever the command is run from.
    """
    resolved = Path(path).resolve()
    for folder in [resolved, *resolved.parents]:
        root = folder.parent
        if (
            folder.name in SOURCE_FOLDERS
            and (root / "config.yaml").is_file()
            and (root / "content").is_dir()
            and (root / "templates").is_dir()
        ):
            return root, folder.name
    return None


def write_site(files: Files, target: Path, known: Written | None = None) -> frozenset[str]:
    """Make `target` hold exactly `files` (and the mark); returns the paths written or removed.

    `known` is what the last build recorded of the files it left (`recorded`), so this one
    knows what is on disk without reading it back; it is trusted only while sizes and dates match.
    """
    target = target.resolve()
    for path in files:
        if not is_safe(path) or path == MARK:
            raise ValueError(f"unsafe output path {path!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    known = known or {}
    if not target.exists() or not any(target.iterdir()):
        touched = frozenset(files)
        staging = _staging(target)
        try:
            _write_all(staging, {**files, MARK: MARK_TEXT})
            if target.exists():
                target.rmdir()
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    else:
        touched = _update(files, target, known)
    return touched


def _staging(target: Path) -> Path:
    """A new folder beside `target`, named after this process so a later run can tell it is stale."""
    staging = target.parent / f".{target.name}.new-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o755)
    os.chmod(staging, 0o755)
    return staging


LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:new|old)-(?:(?P<pid>\d+)-)?[0-9a-z_]+$")


def remove_leftovers(target: Path) -> None:
    """Remove the half-made folders an interrupted build left beside `target`."""
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        match = LEFTOVER.match(path.name)
        if path.name == standby.home_of(target).name:
            continue  # not a leftover: kept on purpose (`standby`)
        if match and match["name"] == target.name and path.is_dir() and not path.is_symlink():
            if match["pid"] and int(match["pid"]) != os.getpid() and _alive(int(match["pid"])):
                continue  # another build is writing right now
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _update(files: Files, target: Path, known: Written) -> frozenset[str]:
    changed = [path for path, data in files.items() if not _same(target / path, data, known.get(path))]
    on_disk = _files_on_disk(target, known)
    removed = frozenset(path for path in on_disk - files.keys() if path != MARK)
    if not changed and not removed and (target / MARK).is_file():
        return frozenset()
    with standby.held(target) as spare:
        record = spare.trusted() if spare is not None else None
        if spare is None or record is None or not _from_standby(files, target, known, spare, record):
            _in_full(files, target, set(changed), spare)
    return frozenset(changed) | removed


def _from_standby(files: Files, target: Path, known: Written, spare: standby.Standby, record: standby.Record) -> bool:
    """The standby brought up to date with `files` and swapped in; False when it could not be."""
    spare.forget()
    wanted: dict[str, bytes | str] = {
        path: data.sha256 if isinstance(data, Stored) else data for path, data in files.items()
    }
    wanted[MARK] = MARK_TEXT
    try:
        changed = spare.bring_up_to_date(wanted, target, record)
    except OSError:  # a file of the standby in the way (the disk full: the full build says so)
        spare.discard()
        return False
    mark = _mark(target)  # the old site's, soon the standby's
    _exchange(spare.tree, target)  # from here on `output/` is the new site, whole
    linked = {path: sha for path in changed if isinstance(sha := wanted.get(path), str)}
    spare.keep(linked, changed, {**known, **({MARK: [mark[0], *mark[1]]} if mark else {})})
    return True


def _in_full(files: Files, target: Path, changed: set[str], spare: standby.Standby | None) -> None:
    """A new folder with every file of `files`, swapped in; the old one kept as the standby."""
    staging = _staging(target)
    try:
        unchanged = [path for path in files if path not in changed]
        marked = (target / MARK).is_file()
        _link_all(target, staging, unchanged + ([MARK] if marked else []))
        _write_all(staging, {path: files[path] for path in changed} | ({} if marked else {MARK: MARK_TEXT}))
        _exchange(staging, target)  # from here on `output/` is the new site, whole
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if spare is None:  # another build has the standby
        shutil.rmtree(staging, ignore_errors=True)  # now the old site
        return
    spare.discard()
    os.rename(staging, spare.tree)
    # the files linked are the very files now in `output/`
    linked = {path: _sha(files[path]) for path in unchanged}
    mark = _mark(spare.tree) if marked else None
    spare.keep(linked | ({MARK: mark[0]} if mark else {}), set(), {})


def _sha(data: bytes | Stored) -> str:
    return data.sha256 if isinstance(data, Stored) else digest(data)


def _mark(folder: Path) -> tuple[str, list[int]] | None:
    """The hash, size and dates of the mark in `folder`, if it has one."""
    try:
        with open(folder / MARK, "rb") as stream:
            return digest(stream.read()), _stamp(os.fstat(stream.fileno()))
    except OSError:
        return None


def _files_on_disk(target: Path, known: Written) -> set[str]:
    if known:
        return set(known)
    return {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file() or p.is_symlink()}


def _link_all(source: Path, folder: Path, paths: list[str]) -> None:
    """Hard links to the unchanged files (a copy where the disk cannot link)."""
    made: set[str] = set()
    for path in paths:
        make_folders(folder, os.path.dirname(path), made)
        link(source / path, folder / path)


def _exchange(new: Path, target: Path) -> None:
    """Swap the two folders' names: atomically where the system can, else in two renames."""
    if sys.platform.startswith("linux") and _renameat2(new, target):
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)


def _renameat2(a: Path, b: Path) -> bool:
    RENAME_EXCHANGE, AT_FDCWD = 2, -100
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if call(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without it: two renames instead
    raise OSError(code, os.strerror(code), str(b))


def _same(path: Path, data: bytes | Stored, known: list[str | int] | None) -> bool:
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


def _write_all(folder: Path, files: Files) -> None:
    """Files readable by the web server (0644, folders 0755) whatever the user's umask.

    The modes are set on each file and folder made (here and in `_link_all`), never through the
    umask, which belongs to the whole process (the preview's other threads write too).
    """
    made: set[str] = set()
    for path, data in files.items():
        if isinstance(data, Stored):  # only an unchanged file is left on disk, and it is linked
            raise ValueError(f"{path!r} was left on disk, it cannot be written anew")
        make_folders(folder, os.path.dirname(path), made)
        with open(folder / path, "wb") as stream:
            stream.write(data)
        os.chmod(folder / path, 0o644)


def _stamp(stat: os.stat_result) -> list[int]:
    """Size and dates of a file: a hand edit changes the change time even when the size and
    the modification time are put back (`os.utime` cannot set it)."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def on_disk_as_recorded(target: Path, record: Written) -> bool:
    """Whether every file in `record` is still on disk with the size and dates it was left with."""
    for path, entry in record.items():
        try:
            if _stamp((target / path).stat()) != entry[1:]:
                return False
        except OSError:
            return False
    return True


def recorded(target: Path, files: Files) -> Written:
    """The hash, size and dates of every file of `files` as `write_site` left it in `target`."""
    entries: Written = {}
    for path, data in files.items():
        stat = (target / path).stat()
        sha = data.sha256 if isinstance(data, Stored) else digest(data)
        entries[path] = [sha, *_stamp(stat)]
    return entries

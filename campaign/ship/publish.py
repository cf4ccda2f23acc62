"""Installing a built site on a web server folder, and packing it for a CMS upload.

Layout of a server folder DEST (nginx serves DEST/current/):

    DEST/releases/<id>/      one complete build each, with its MANIFEST.sha256
    DEST/current -> releases/<id>

A new release is copied in under a hidden name, checked byte for byte against its manifest and
only then given its id; `current` is switched with one rename of a symlink, so a visitor is
served either the whole old site or the whole new one, never a mix and never a missing page.
Old releases stay on disk (up to `keep`) so `rollback` is one more rename.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import secrets
import shutil
import zipfile
from pathlib import Path

from campaign.ship.write import MARK

MANIFEST = "MANIFEST.sha256"
CURRENT = "current"
RELEASES = "releases"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class PublishError(Exception):
    """A mistake the user can fix (wrong folder, damaged copy); `str()` is the Chinese message."""


_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一项是文件而不是文件夹",
    errno.EEXIST: "同名文件已存在",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "磁盘是只读的",
    errno.EISDIR: "同名文件夹已存在",
}


def _reason(exc: OSError) -> str:
    """The OS error in words a clerk can act on (the English text is kept for IT staff)."""
    words = _REASONS.get(exc.errno, "写入出错")
    return f"{words}（{exc.strerror or exc}）"


# --- manifest -------------------------------------------------------------------------------


def _site_files(folder: Path) -> list[str]:
    """Relative posix paths of the files to ship, sorted; refuses what a build never makes."""
    if not folder.is_dir():
        raise PublishError(f"找不到生成好的网站文件夹 {folder}，请先运行 python build.py 生成网站")
    paths = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise PublishError(f"网站文件夹里有快捷方式（符号链接）{relative}，不能发布")
        if path.is_file() and relative not in (MANIFEST, MARK):  # the mark stays with its folder
            if "\n" in relative or "\\" in relative:
                raise PublishError(f"文件名 {relative!r} 含有不能使用的字符")
            paths.append(relative)
    if "index.html" not in paths:
        raise PublishError(f"{folder} 里没有 index.html，看起来不是生成好的网站")
    return sorted(paths)


def site_files(source) -> dict[str, bytes]:
    """The files to ship: a rendered site (path -> bytes) as it is, or a built folder read in."""
    if isinstance(source, dict):
        if "index.html" not in source:
            raise PublishError("要发布的网站里没有 index.html，看起来不是生成好的网站")
        return dict(sorted(source.items()))
    folder = Path(source)
    return {relative: (folder / relative).read_bytes() for relative in _site_files(folder)}


def manifest_text(source, note: str = "") -> str:
    """sha256sum-format lines for every file of `source` (the manifest itself excluded).

    `note` (e.g. an overridden inspection) goes first as `# ` comment lines: they travel with
    the release it concerns, and `sha256sum -c` as well as `verify` skip them.
    """
    lines = [f"# {line}\n" for line in note.replace("\r", "").split("\n") if line.strip()]
    for relative, data in site_files(source).items():
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {relative}\n")
    return "".join(lines)


def _parse_manifest(text: str, where: Path) -> dict[str, str]:
    entries = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            continue  # a note such as "# inspection overridden: ..."
        digest, sep, relative = line.partition("  ")
        if not sep or len(digest) != 64 or not relative:
            raise PublishError(f"{where} 第 {number} 行格式不对，校验文件已损坏")
        entries[relative] = digest
    return entries


def verify(release: Path) -> None:
    """Re-read every file of `release` and compare with its MANIFEST.sha256.

    Why re-read rather than trust the copy: a full disk or a flaky network share can leave
    a short or damaged file without any error from the copy itself.
    """
    manifest = release / MANIFEST
    if not manifest.is_file():
        raise PublishError(f"{release} 里没有校验文件 {MANIFEST}，无法确认文件完整")
    expected = _parse_manifest(manifest.read_text(encoding="utf-8"), manifest)
    try:
        actual = _site_files(release)
    except PublishError:
        actual = sorted(
            p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file() and p.name != MANIFEST
        )
    missing = sorted(expected.keys() - set(actual))
    extra = sorted(set(actual) - expected.keys())
    changed = [
        path
        for path in sorted(expected.keys() & set(actual))
        if hashlib.sha256((release / path).read_bytes()).hexdigest() != expected[path]
    ]
    if missing or extra or changed:
        parts = []
        if missing:
            parts.append("缺少 " + "、".join(missing[:5]))
        if changed:
            parts.append("内容不一致 " + "、".join(changed[:5]))
        if extra:
            parts.append("多出 " + "、".join(extra[:5]))
        raise PublishError(f"{release} 与校验文件不符（{'；'.join(parts)}），文件可能已损坏")


# --- publish and rollback -------------------------------------------------------------------


def _release_ids(dest: Path) -> list[str]:
    folder = dest / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_id(dest: Path) -> str | None:
    """The release `current` points to, or None before the first publish."""
    link = dest / CURRENT
    if not link.is_symlink():
        if link.exists():
            raise PublishError(f"{link} 是普通文件夹而不是指向发布版本的链接；为免误删，请先把它改名或移走，再发布")
        return None
    target = Path(os.readlink(link))
    return target.name


def _switch(dest: Path, release_id: str) -> None:
    """Point `current` at `releases/<id>` with one rename, so no request sees it missing."""
    temporary = dest / f".current.tmp-{secrets.token_hex(4)}"
    os.symlink(f"{RELEASES}/{release_id}", temporary)
    try:
        os.replace(temporary, dest / CURRENT)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _new_id(dest: Path, manifest: str) -> str:
    short = hashlib.sha256(manifest.encode("utf-8")).hexdigest()[:10]
    while True:
        now = dt.datetime.now(dt.UTC)
        release_id = f"{now:%Y%m%dT%H%M%S.%fZ}-{short}"
        if not (dest / RELEASES / release_id).exists():
            return release_id


def _write_tree(files: dict[str, bytes], target: Path) -> None:
    target.mkdir(mode=0o755)
    for relative, data in files.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        os.chmod(destination, 0o644)
    for folder in [target, *target.rglob("*")]:
        if folder.is_dir():
            os.chmod(folder, 0o755)


def publish(source, dest: Path, keep: int = 5, note: str = "") -> str:
    """Install a site (path -> bytes, or a built folder) as a new release of `dest`, switch to it.

    `note` is recorded at the top of the release's manifest (see `manifest_text`).
    """
    if keep < 1:
        raise PublishError("--keep 至少为 1")
    dest = Path(dest)
    files = site_files(source)
    manifest = manifest_text(files, note)
    try:
        current_id(dest)  # refuse early if `current` is a real folder
        (dest / RELEASES).mkdir(parents=True, exist_ok=True)
        release_id = _new_id(dest, manifest)
        incoming = dest / RELEASES / f".incoming-{release_id}"
        try:
            _write_tree(files, incoming)
            (incoming / MANIFEST).write_text(manifest, encoding="utf-8", newline="\n")
            os.chmod(incoming / MANIFEST, 0o644)
            verify(incoming)
            incoming.rename(dest / RELEASES / release_id)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        _switch(dest, release_id)
        _prune(dest, keep)
    except PublishError:
        raise
    except OSError as exc:
        raise PublishError(f"无法写入发布文件夹 {dest}：{_reason(exc)}。请检查文件夹路径、写入权限和磁盘空间") from None
    return release_id


def _prune(dest: Path, keep: int) -> None:
    """Delete releases beyond the newest `keep`, but never the current one or the one before."""
    ids = _release_ids(dest)
    current = current_id(dest)
    protected = set(ids[-keep:])
    if current in ids:
        protected.add(current)
        index = ids.index(current)
        if index > 0:
            protected.add(ids[index - 1])
    for old in ids:
        if old not in protected:
            shutil.rmtree(dest / RELEASES / old)


def rollback(dest: Path) -> str:
    """Switch `current` back to the release before it, after checking that one is intact."""
    dest = Path(dest)
    current = current_id(dest)
    if current is None:
        raise PublishError(f"{dest} 还没有发布过网站，无法退回")
    earlier = [release for release in _release_ids(dest) if release < current]
    if not earlier:
        raise PublishError(f"{dest} 里没有比当前版本（{current}）更早的版本，无法退回")
    previous = earlier[-1]
    verify(dest / RELEASES / previous)
    try:
        _switch(dest, previous)
    except OSError as exc:
        raise PublishError(f"无法写入发布文件夹 {dest}：{_reason(exc)}") from None
    return previous


# --- package --------------------------------------------------------------------------------


def package(source, zip_path: Path, note: str = "") -> None:
    """A zip of the site for upload through a CMS; the same build always gives the same bytes.

    Why deterministic: two people can compare a zip with one checksum, and re-uploading an
    unchanged site is visibly a no-op.
    """
    zip_path = Path(zip_path)
    files = site_files(source)
    manifest = manifest_text(files, note).encode("utf-8")
    entries = sorted([*files.items(), (MANIFEST, manifest)])
    try:
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = zip_path.with_name(f".{zip_path.name}.tmp-{secrets.token_hex(4)}")
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in entries:
                    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.create_system = 3
                    info.external_attr = 0o100644 << 16
                    archive.writestr(info, data)
            os.replace(temporary, zip_path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PublishError(f"无法写入压缩包 {zip_path}：{_reason(exc)}。请检查文件夹路径和写入权限") from None

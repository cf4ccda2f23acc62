"""Installing a built site on a web server folder, and packing it for a CMS upload.

Layout of a server folder DEST (nginx serves DEST/current/ at the campaign's address, /jnxcz/,
with each edition in its own folder: current/2024/, current/2025/):

    DEST/releases/<id>/      one complete build each, with its MANIFEST.sha256
    DEST/current -> releases/<id>
    DEST/history             the releases made live, oldest first, one id a line

A new release is copied in under a hidden name, checked byte for byte against its manifest and
only then given its id; `current` is switched with one rename of a symlink, so a visitor is
served either the whole old site or the whole new one, never a mix and never a missing page.

A page fetched a moment before a switch asks for its style sheet and scripts a moment after it,
from the new release. So a release also holds the hashed assets (`2024/assets/style.<hash>.css`)
of the release that was live before it, listed in its manifest with a `# carried over from <id>:`
line; a rollback likewise gives the release it returns to the assets of the one it leaves.

`rollback` follows `history`, not the order of the names: after publish v1, v2, rollback (to
v1), publish v3, a rollback returns to v1, never to the v2 that was taken down. Pruning keeps
the newest `keep` releases and the last `keep` that were live (at least the current one and
the one a rollback returns to); the history only ever names releases still on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import shutil
import time
import zipfile
from collections.abc import Container, Iterator, Mapping
from pathlib import Path

from campaign.errors import machine_trouble
from campaign.ship.write import MARK, source_folder

# What can be shipped: a rendered site (path -> bytes), or the folder a build wrote it into.
SiteSource = Mapping[str, bytes] | Path | str

MANIFEST = "MANIFEST.sha256"
CURRENT = "current"
RELEASES = "releases"
HISTORY = "history"
ASSETS = "assets"  # each edition's folder of hashed style sheets and scripts (2024/assets/...)
CARRIED = "carried over from "  # a manifest comment: "# carried over from <id>: assets/x.css"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
LOCK_WAIT = 30.0  # seconds a publish waits for another one on the same folder


class PublishError(Exception):
    """A mistake the user can fix (wrong folder, damaged copy); `str()` is the Chinese message."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def site_files(source: SiteSource) -> dict[str, bytes]:
    """The files to ship: a rendered site (path -> bytes) as it is, or a built folder read in."""
    if isinstance(source, Mapping):
        if "index.html" not in source:
            raise PublishError("要发布的网站里没有 index.html，看起来不是生成好的网站")
        return dict(sorted(source.items()))
    folder = Path(source)
    return {relative: (folder / relative).read_bytes() for relative in _site_files(folder)}


def manifest_text(source: SiteSource, note: str = "") -> str:
    """sha256sum-format lines for every file of `source` (the manifest itself excluded).

    `note` (e.g. an overridden inspection) goes first as `# ` comment lines: they travel with
    the release it concerns, and `sha256sum -c` as well as `verify` skip them.
    """
    lines = [f"# {line}\n" for line in note.replace("\r", "").split("\n") if line.strip()]
    for relative, data in site_files(source).items():
        lines.append(f"{_sha256(data)}  {relative}\n")
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


def _carried_paths(text: str) -> set[str]:
    """The files a manifest marks as carried over from another release (not this build's own)."""
    marker = "# " + CARRIED
    return {line.split(": ", 1)[1] for line in text.splitlines() if line.startswith(marker) and ": " in line}


def verify(release: Path, leftovers: dict[str, str] | None = None) -> None:
    """Re-read every file of `release` and compare with its MANIFEST.sha256.

    Why re-read rather than trust the copy: a full disk or a flaky network share can leave
    a short or damaged file without any error from the copy itself. `leftovers` (path ->
    sha256) are files not listed yet that may be there with exactly that content: what a
    rollback interrupted half-way had already added (see `_adopt_assets`).
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
    extra = [
        path
        for path in sorted(set(actual) - expected.keys())
        if not (leftovers and path in leftovers and _sha256((release / path).read_bytes()) == leftovers[path])
    ]
    changed = [
        path
        for path in sorted(expected.keys() & set(actual))
        if _sha256((release / path).read_bytes()) != expected[path]
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


# --- where we may write ---------------------------------------------------------------------


def _source_folder(path: Path) -> str | None:
    """The project folder (content/, templates/, ...) `path` lies in, if it lies in one."""
    found = source_folder(path)
    return found[1] if found else None


def check_publish_target(dest: Path) -> None:
    """Refuse a server folder this tool would mix its releases into: only a new or empty folder,
    or one it has published to (it holds `releases/` or the `current` link), is written to.
    Cheap: the command line may call it before rendering the site."""
    dest = Path(dest)
    folder = _source_folder(dest)
    if folder:
        raise PublishError(
            f"发布文件夹 {dest} 在网站项目的 {folder}/ 文件夹里，会和网站的源文件混在一起；"
            "请换一个项目以外的文件夹，如 /srv/jnxcz"
        )
    current_id(dest)  # a real folder named `current` has its own message
    _refuse_links(dest)
    ours = (dest / RELEASES).is_dir() or (dest / CURRENT).is_symlink()
    if dest.is_dir() and not ours and any(dest.iterdir()):
        raise PublishError(
            f"{dest} 里已有别的文件，不是本工具发布网站用的文件夹（里面没有 releases 和 current）；"
            "为免弄乱这些文件，请换一个新的或空的文件夹，如 /srv/jnxcz"
        )


def _refuse_links(dest: Path) -> None:
    """Refuse a server folder where a symbolic link stands in a place this tool writes or prunes.

    Why: pruning deletes whole folders under releases/; through a link planted there (releases/
    itself, or a release) it would delete whatever the link points to, outside DEST. The only
    links this tool makes are `current` and its hidden temporaries, and `current` points at
    `releases/<id>`, nowhere else.
    """
    for name in (RELEASES, HISTORY):
        if (dest / name).is_symlink():
            raise PublishError(
                f"{dest / name} 是快捷方式（符号链接），不是本工具建的；为免改动或删除它所指的别处文件，"
                "没有发布，请把它移走后再运行"
            )
    link = dest / CURRENT
    if link.is_symlink():
        target = os.readlink(link)
        folder, _, name = target.partition("/")
        if folder != RELEASES or not name or "/" in name or name in (".", ".."):
            raise PublishError(
                f"{link} 指向 {target}，不是本工具发布的版本（releases/ 里的一个文件夹）；"
                "为免改动别处的文件，没有发布，请把它移走后再运行"
            )
    releases = dest / RELEASES
    if releases.is_dir():
        for entry in sorted(releases.iterdir()):
            if entry.is_symlink() and not entry.name.startswith("."):  # hidden ones are never pruned
                raise PublishError(
                    f"{entry} 是快捷方式（符号链接），不是本工具发布的版本；为免删除它所指的别处文件，"
                    "没有发布，请把它移走后再运行"
                )


def _is_our_zip(path: Path) -> bool:
    """A zip `package` made: a MANIFEST.sha256 in our format at its root, listing index.html."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                return False
            entries = _parse_manifest(archive.read(MANIFEST).decode("utf-8"), path)
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, PublishError, ValueError):
        return False
    return "index.html" in entries and entries.keys() <= names


def check_package_target(zip_path: Path) -> None:
    """Refuse to write a zip over anything but a zip this tool made, or into the project's sources."""
    zip_path = Path(zip_path)
    folder = _source_folder(zip_path)
    if folder:
        raise PublishError(
            f"压缩包 {zip_path} 在网站项目的 {folder}/ 文件夹里，会覆盖或混入网站的源文件；"
            "请换一个位置和新的文件名，如项目外的 jnxcz.zip"
        )
    if zip_path.is_dir():
        raise PublishError(f"{zip_path} 是一个文件夹；请写压缩包的文件名，如 jnxcz.zip")
    if (zip_path.exists() or zip_path.is_symlink()) and not _is_our_zip(zip_path):
        raise PublishError(
            f"{zip_path} 已经存在，而且不是本工具生成的网站压缩包；为免覆盖它，请换一个新的文件名，如 jnxcz.zip"
        )


# --- releases and the history of what was live ---------------------------------------------


def _release_ids(dest: Path) -> list[str]:
    folder = dest / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def current_id(dest: Path) -> str | None:
    """The release `current` points to, or None before the first publish."""
    link = dest / CURRENT
    if not link.is_symlink():
        if link.exists():
            raise PublishError(f"{link} 是普通文件夹而不是指向发布版本的链接；为免误删，请先把它改名或移走，再发布")
        return None
    target = Path(os.readlink(link))
    return target.name


def _history(dest: Path, live: str | None) -> list[str]:
    """The releases made live, oldest first, ending with `live`; only releases still on disk.

    The file is rewritten after each switch; should that be lost (a crash, a full disk), the
    link tells the truth: a `live` missing from the history was just published (appended),
    one found in it was returned to (what came after it is dropped). A folder published to
    before the history existed gets the old rule: the releases up to `live`, by name.
    """
    ids = _release_ids(dest)
    try:
        text = (dest / HISTORY).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        history = ids[: ids.index(live) + 1] if live in ids else []
    else:
        known = set(ids)
        history = [line.strip() for line in text.splitlines() if line.strip() in known]
    if live is not None:
        if live in history:
            history = history[: len(history) - history[::-1].index(live)]
        else:
            history.append(live)
    return history


def _write_history(dest: Path, history: list[str]) -> None:
    """Replace DEST/history in one rename. A failure is not fatal: `_history` recovers from the link."""
    temporary = dest / f".{HISTORY}.tmp-{secrets.token_hex(4)}"
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as out:
            out.write("".join(f"{release}\n" for release in history))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, dest / HISTORY)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


@contextlib.contextmanager
def _locked(dest: Path) -> Iterator[None]:
    """One publish or rollback at a time per server folder (the history is read, then rewritten)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock (a server folder there is published to by one person)
        yield
        return
    descriptor = os.open(dest / RELEASES, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(
                        f"{dest} 正在由另一次发布或退回使用，等了 {LOCK_WAIT:.0f} 秒还没结束；请稍后再运行"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(descriptor)


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


# --- assets kept across a switch ------------------------------------------------------------


def _own_assets(release: Path, lacking: Container[str]) -> dict[str, bytes]:
    """The hashed assets `release`'s own pages link (not those it carries) that are not in
    `lacking`, as listed in its manifest; a file that no longer matches it is left behind."""
    manifest = release / MANIFEST
    try:
        text = manifest.read_text(encoding="utf-8")
        entries = _parse_manifest(text, manifest)
    except (OSError, UnicodeDecodeError, PublishError):
        return {}
    carried = _carried_paths(text)
    found = {}
    for path, digest in entries.items():
        parts = path.split("/")
        if not _is_asset(parts) or path in lacking or path in carried or ".." in parts or "" in parts:
            continue
        if _linked_part(release, path) is not None:
            continue  # a link planted in a release: what it points to is no asset of ours
        try:
            data = (release / path).read_bytes()
        except OSError:
            continue
        if _sha256(data) == digest:
            found[path] = data
    return found


def _linked_part(release: Path, path: str) -> Path | None:
    """The first of `path`'s folders or file under `release` that is a symbolic link, if any."""
    place = release
    for part in path.split("/"):
        place = place / part
        if place.is_symlink():
            return place
    return None


def _is_asset(parts: list[str]) -> bool:
    """A hashed asset: in an edition's assets/ folder (or a release's own, from before editions)."""
    return len(parts) > 1 and (parts[0] == ASSETS or len(parts) > 2 and parts[1] == ASSETS)


def _adopt_assets(dest: Path, release: Path, source_id: str, assets: dict[str, bytes]) -> None:
    """Add `assets` (from release `source_id`) to the not-yet-live `release` and to its manifest.

    Each file and then the manifest is put in place by one rename. Interrupted, it leaves
    unlisted files that `verify(..., leftovers=)` accepts and the next attempt lists.
    """
    if not assets:
        return
    manifest = release / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    entries = _parse_manifest(text, manifest)
    for path, data in sorted(assets.items()):
        destination = release / path
        linked = _linked_part(release, path)
        if linked is not None:  # writing through it would put the file outside DEST
            raise PublishError(
                f"{linked} 是快捷方式（符号链接），不是本工具发布的文件；为免写到别处，没有退回，请把它移走后再运行"
            )
        digest = _sha256(data)
        if not (destination.is_file() and _sha256(destination.read_bytes()) == digest):
            destination.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            os.chmod(destination.parent, 0o755)  # the web server reads it whatever the umask
            _put(dest, destination, data)
        entries[path] = digest
        comments.append(f"# {CARRIED}{source_id}: {path}")
    lines = [f"{line}\n" for line in comments] + [f"{entries[path]}  {path}\n" for path in sorted(entries)]
    _put(dest, manifest, "".join(lines).encode("utf-8"))


def _put(dest: Path, destination: Path, data: bytes) -> None:
    """Write `data` under a hidden name in releases/ (never taken for a release), then rename it in."""
    temporary = dest / RELEASES / f".put-{secrets.token_hex(4)}"
    try:
        temporary.write_bytes(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# --- publish and rollback -------------------------------------------------------------------


def _remove_incoming(dest: Path) -> None:
    for leftover in (dest / RELEASES).glob(".incoming-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in dest.glob(".current.tmp-*"):
        if leftover.is_symlink():
            leftover.unlink(missing_ok=True)
    # what `_write_history` and `_put` were writing when killed: plain files, only ever ours
    for leftover in [*dest.glob(f".{HISTORY}.tmp-*"), *(dest / RELEASES).glob(".put-*")]:
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


def publish(source: SiteSource, dest: Path, keep: int = 5, note: str = "") -> str:
    """Install a site (path -> bytes, or a built folder) as a new release of `dest`, switch to it.

    `note` is recorded at the top of the release's manifest (see `manifest_text`). The assets of
    the release live until now come along (see the module's docstring).
    """
    if keep < 1:
        raise PublishError("--keep 至少为 1")
    dest = Path(dest)
    check_publish_target(dest)
    files = site_files(source)
    try:
        (dest / RELEASES).mkdir(parents=True, exist_ok=True)
        with _locked(dest):
            _remove_incoming(dest)  # what a publish killed half-way left: no other one is running
            live = current_id(dest)
            history = _history(dest, live)
            carried = _own_assets(dest / RELEASES / live, files) if live else {}
            notes = [note, *(f"{CARRIED}{live}: {path}" for path in carried)]
            shipped = dict(sorted({**carried, **files}.items()))
            manifest = manifest_text(shipped, "\n".join(line for line in notes if line))
            release_id = _new_id(dest, manifest)
            incoming = dest / RELEASES / f".incoming-{release_id}"
            try:
                _write_tree(shipped, incoming)
                (incoming / MANIFEST).write_text(manifest, encoding="utf-8", newline="\n")
                os.chmod(incoming / MANIFEST, 0o644)
                verify(incoming)
                incoming.rename(dest / RELEASES / release_id)
            except BaseException:
                shutil.rmtree(incoming, ignore_errors=True)
                raise
            _switch(dest, release_id)
            _write_history(dest, [*history, release_id])
            _prune(dest, keep)
    except PublishError:
        raise
    except OSError as exc:
        raise PublishError(
            f"无法写入发布文件夹 {dest}：{machine_trouble(exc, named=False)}。请检查文件夹路径、写入权限和磁盘空间"
        ) from None
    return release_id


def _prune(dest: Path, keep: int) -> None:
    """Delete releases but the newest `keep` and the last `keep` made live (at least two: the
    current one and the one a rollback returns to), so no rollback ever lands on a deleted one."""
    ids = _release_ids(dest)
    live = current_id(dest)
    history = _history(dest, live)
    protected = set(ids[-keep:]) | set(history[-max(keep, 2) :])
    if live is not None:
        protected.add(live)
    for old in ids:
        if old not in protected and not (dest / RELEASES / old).is_symlink():  # `_release_ids` skips links
            shutil.rmtree(dest / RELEASES / old)
    _write_history(dest, [release for release in history if release in protected])


def rollback(dest: Path) -> str:
    """Switch `current` back to the release that was live before it, after checking it is intact.

    That release first gets the hashed assets of the one being left, so a page fetched just
    before the switch still finds its style sheet.
    """
    dest = Path(dest)
    live = current_id(dest)
    _refuse_links(dest)
    if live is None or not (dest / RELEASES).is_dir():
        raise PublishError(f"{dest} 还没有发布过网站，无法退回")
    try:
        with _locked(dest):
            live = current_id(dest)
            if live is None:  # `current` removed by hand while this rollback waited for the lock
                raise PublishError(f"{dest} 还没有发布过网站，无法退回")
            history = _history(dest, live)
            earlier = [release for release in history[:-1] if release != live]
            if not earlier:
                raise PublishError(f"{dest} 里没有比当前版本（{live}）更早的版本，无法退回")
            previous = earlier[-1]
            target = dest / RELEASES / previous
            manifest = target / MANIFEST
            listed = _parse_manifest(manifest.read_text(encoding="utf-8"), manifest) if manifest.is_file() else {}
            assets = _own_assets(dest / RELEASES / live, listed) if listed else {}
            verify(target, leftovers={path: _sha256(data) for path, data in assets.items()})
            _adopt_assets(dest, target, live, assets)
            verify(target)
            _switch(dest, previous)
            _write_history(dest, history[: len(history) - history[::-1].index(previous)])
    except PublishError:
        raise
    except OSError as exc:
        raise PublishError(f"无法写入发布文件夹 {dest}：{machine_trouble(exc, named=False)}") from None
    return previous


# --- package --------------------------------------------------------------------------------


def package(source: SiteSource, zip_path: Path, note: str = "") -> None:
    """A zip of the site for upload through a CMS; the same build always gives the same bytes.

    Why deterministic: two people can compare a zip with one checksum, and re-uploading an
    unchanged site is visibly a no-op. Only a new file or a zip this tool made is written over.
    """
    zip_path = Path(zip_path)
    check_package_target(zip_path)
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
        raise PublishError(
            f"无法写入压缩包 {zip_path}：{machine_trouble(exc, named=False)}。请检查文件夹路径和写入权限"
        ) from None

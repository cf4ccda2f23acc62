"""Putting a rendered site on disk without ever leaving a half-written `output/`.

The new site is written into a temporary folder beside `output/` and swapped in with renames,
so a failed build, or one stopped half-way, leaves the last good site exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .urls import is_safe


class UnsafeTarget(Exception):
    """The output folder given would replace something that is not a built site."""


def check_target(target: Path, root: Path) -> None:
    """Refuse to swap away a folder that holds the project or anything but a previous build."""
    target, root = target.resolve(), root.resolve()
    if target == root or target in root.parents or target == Path(target.anchor):
        raise UnsafeTarget(f"输出文件夹 {target} 包含网站项目本身，不能用作输出文件夹")
    if target.is_dir() and any(target.iterdir()):
        if (target / "config.yaml").exists() or (target / "content").exists() \
                or not (target / "index.html").exists():
            raise UnsafeTarget(f"输出文件夹 {target} 里已有别的文件，看起来不是以前生成的网站；"
                               "为免误删，请换一个空文件夹或删去它后再试")


def write_site(files: dict[str, bytes], target: Path) -> None:
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for path, data in files.items():
            if not is_safe(path):
                raise ValueError(f"unsafe output path {path!r}")
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            os.chmod(destination, 0o644)
        for folder in [staging, *staging.rglob("*")]:
            if folder.is_dir():
                os.chmod(folder, 0o755)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def update_site(previous: dict[str, bytes], files: dict[str, bytes], target: Path) -> frozenset:
    """Bring `target` from `previous` to `files`, touching only what differs.

    Used by the live preview, where a save must show at once: each changed file is replaced
    by a rename, so a browser never reads a half-written page. Returns the paths touched.
    """
    touched = set()
    for path, data in files.items():
        if previous.get(path) == data:
            continue
        if not is_safe(path):
            raise ValueError(f"unsafe output path {path!r}")
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.new")
        temporary.write_bytes(data)
        os.chmod(temporary, 0o644)
        temporary.replace(destination)
        touched.add(path)
    for path in previous.keys() - files.keys():
        (target / path).unlink(missing_ok=True)
        touched.add(path)
    return frozenset(touched)

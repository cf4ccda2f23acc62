"""Writing a source file so that nothing is lost: conflicts refused, each version kept, no half file.

A form carries the SHA-256 of the file as it was when the form was made; a save finds the file
changed since (saved in Notepad, in another tab) and refuses, so the other change is never
overwritten unseen. Before a file is replaced, its bytes are kept in `.history/` at the
project's top (a hidden folder: never a source, never published, never watched), one file per
save, so 「撤销」 can put the last one back. The new bytes go to a temporary file in the same
folder first and replace the old with one `os.replace`: a save cut short by a crash or a full
disk leaves the old file whole.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

HISTORY = ".history"


class Conflict(Exception):
    """The file changed on disk since the form was made; `current` is what it holds now."""

    def __init__(self, current: bytes):
        super().__init__("changed on disk")
        self.current = current


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_whole(path: Path, data: bytes) -> None:
    """Replace `path` with `data` at once (a temporary file beside it, then a rename)."""
    temporary = path.with_name(f".{path.name}.saving-{secrets.token_hex(4)}")
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Store:
    """The project's source files as the editor reads and writes them (`file` is project-relative)."""

    def __init__(self, root: Path):
        self.root = root

    def read(self, file: str) -> bytes:
        return (self.root / file).read_bytes()

    def _history(self, file: str) -> Path:
        return self.root / HISTORY / file

    def versions(self, file: str) -> list[Path]:
        """The kept versions of `file`, oldest first."""
        folder = self._history(file)
        return sorted(folder.glob("*.bak")) if folder.is_dir() else []

    def save(self, file: str, expected: str, data: bytes) -> None:
        """Write `data` if the file still has the digest `expected`; the old bytes kept first."""
        old = self.read(file)
        if digest(old) != expected:
            raise Conflict(old)
        if old == data:
            return
        self._keep(file, old)
        write_whole(self.root / file, data)

    def undo(self, file: str, expected: str) -> bool:
        """Put back the version kept by the last save, if the file is still what that save wrote;
        False when there is none."""
        versions = self.versions(file)
        if not versions:
            return False
        current = self.read(file)
        if digest(current) != expected:
            raise Conflict(current)
        write_whole(self.root / file, versions[-1].read_bytes())
        versions[-1].unlink()
        return True

    def _keep(self, file: str, data: bytes) -> None:
        folder = self._history(file)
        folder.mkdir(parents=True, exist_ok=True)
        # a name that sorts in saving order: the time, then a counter for two saves in one tick
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
        write_whole(folder / f"{stamp}.bak", data)

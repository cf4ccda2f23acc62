"""Knowing at once that a file was saved: Linux inotify through ctypes, else nothing.

Polling thousands of files several times a second costs a core and still adds a poll
interval to every reload; inotify tells the live preview the moment an editor closes a file.
Where it is not available (macOS, Windows, no libc), `open_watch` returns None and the
preview polls as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from pathlib import Path

IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO = 0x2, 0x8, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_NONBLOCK, IN_CLOEXEC = 0x100, 0x200, 0x400, 0o4000, 0o2000000
MASK = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF
EVENT = struct.Struct("iIII")


class Watch:
    """An inotify descriptor on the content folders, and on the project folder for config.yaml."""

    def __init__(self, libc, fd: int, root: Path):
        self.libc, self.fd, self.root = libc, fd, root
        self.folders: dict[int, Path] = {}

    def add(self, folder: Path) -> None:
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(folder), MASK)
        if wd >= 0:
            self.folders[wd] = folder

    def fileno(self) -> int:
        return self.fd

    def drain(self) -> bool:
        """Read every pending event; True when one concerns the site's sources."""
        relevant = False
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return relevant
            offset = 0
            while offset + EVENT.size <= len(data):
                wd, mask, _, length = EVENT.unpack_from(data, offset)
                name = data[offset + EVENT.size: offset + EVENT.size + length].rstrip(b"\0").decode(
                    "utf-8", "replace")
                offset += EVENT.size + length
                folder = self.folders.get(wd)
                if folder is None or name.startswith("."):
                    continue
                if folder == self.root and name != "config.yaml":
                    continue  # output/, .cache/ and staging folders live here too
                relevant = True
                if mask & IN_CREATE and (folder / name).is_dir():
                    self.add(folder / name)

    def close(self) -> None:
        os.close(self.fd)


def open_watch(root: Path, folders: list[Path]) -> Watch | None:
    if os.environ.get("JNXCZ_POLL"):  # e.g. sources on a network drive, where inotify is blind
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
    except (OSError, AttributeError):
        return None
    if fd < 0:
        return None
    watch = Watch(libc, fd, root)
    watch.add(root)
    for top in folders:
        for folder, dirs, _ in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            watch.add(Path(folder))
    return watch

"""Knowing at once that a source file was saved, on Linux, macOS and Windows alike (watchfiles).

watchfiles asks the operating system (inotify, FSEvents, ReadDirectoryChangesW) to report
changes, so a clerk's save reaches the live preview within a few milliseconds, without stat-ing
thousands of files several times a second.

Only the site's sources count: `config.yaml`, `content/` and `templates/`. Not `output/`,
`.cache/` or `reports/` (the build writes those), not the names no build reads
(`load.source.ignored_name`: hidden files, editors' temporary files, Office's `~$name`).

Two watches run, each in a background thread, until `stop`:
- the project folder itself, not recursively, for `config.yaml` (watching the file alone would
  lose it the first time an editor saves by writing a new file and renaming it over the old
  one) and for `content/` or `templates/` appearing, vanishing or being replaced;
- `content/` and `templates/`, recursively, started again when either is replaced.

Sources on a network drive are not reported by the operating system: with JNXCZ_POLL=1 (or
when the system refuses to watch, e.g. too many folders) one thread compares every source's
size, modification time (to the nanosecond) and file id every POLL_MS instead. That is not
watchfiles' `force_polling`: its poller compares modification times in whole seconds only, so
a second save within the same second (a clerk fixing a typo) would go unseen.

Each batch of changes, a set of (watchfiles.Change, absolute path) pairs, goes to
`hand_over(on_change, changes, complete)`, which must pass it on to the thread that acts on it
(for the preview, the tornado IOLoop's `add_callback`). `complete` says the batch can be taken
as every save since the last one, so that a rebuild may leave the other files unlooked at: true
only for the system's own reports, and not for a batch of many changes (a system's queue of
events that overflowed loses some), nor in the moment a watched folder is replaced and its watch
started again. Polling's batches are never complete: a rebuild looks at every file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from campaign.load.source import ignored_name

if TYPE_CHECKING:
    from watchfiles import Change

    Changes = set[tuple[Change, str]]  # a batch of (what happened, absolute path)

CONFIG = "config.yaml"
FOLDERS = ("content", "templates")
STEP_MS = 20  # a batch is handed over once no change has come for this long (an editor's writes)
DEBOUNCE_MS = 1600  # ... or once changes have kept coming for this long
POLL_MS = 100  # polling: how often the sources are compared
STOP_S = 5.0  # how long `stop` waits for each thread (they notice the stop within STEP_MS)
MANY = 200  # a batch of this many changes is not taken as complete (see the module's docstring)
UNSURE_S = 1.0  # nor is any batch for this long after a watched folder was replaced
Stamps = dict[str, tuple[int, int, int]]  # polling: path -> (mtime_ns, size, file id)


def polling_wanted() -> bool:
    """JNXCZ_POLL=1: the sources are on a drive the operating system cannot report changes on."""
    return os.environ.get("JNXCZ_POLL", "").strip() not in ("", "0")


def relevant(root: Path, path: str, change: Change | None = None) -> bool:
    """True for a change to a site source: config.yaml, a file in content/ or templates/, or
    either folder appearing or vanishing (`change` None: any change)."""
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive (Windows)
        return False
    parts = Path(relative).parts
    if not parts or parts[0] == os.pardir:
        return False
    if len(parts) == 1:  # Windows reports a folder "modified" whenever a file in it is saved
        return parts[0] == CONFIG or (parts[0] in FOLDERS and _added_or_deleted(change))
    if parts[0] not in FOLDERS:
        return False
    return not any(ignored_name(part) for part in parts[1:])


def _added_or_deleted(change: Change | None) -> bool:
    from watchfiles import Change

    return change is None or change in (Change.added, Change.deleted)


class _Either:
    """A watchfiles `stop_event`: set when any of the events is."""

    def __init__(self, *events: threading.Event):
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class SourceWatch:
    """Watches a project's sources in background threads until `stop`.

    `on_change` is never called from a watching thread: `hand_over(on_change, batch)` is.
    """

    def __init__(
        self,
        root: Path,
        on_change: Callable[[Changes, bool], None],
        hand_over: Callable[..., None],
        poll: bool | None = None,
    ):
        self.root = Path(root).resolve()
        self.on_change, self.hand_over = on_change, hand_over
        self.poll = polling_wanted() if poll is None else poll
        self.stopping = threading.Event()
        self.replaced = threading.Event()  # content/ or templates/ appeared, vanished or was replaced
        self.native_failed = threading.Event()  # the system would not watch: polling took over
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._unsure_until = 0.0  # monotonic time: batches before it are not complete

    def start(self) -> None:
        if self.poll:
            self._thread(self._poll, "jnxcz-poll")
        else:
            self._thread(self._watch_project, "jnxcz-watch-project")
            self._thread(self._watch_folders, "jnxcz-watch-folders")

    def stop(self, timeout: float = STOP_S) -> bool:
        """Stop watching; True when every watching thread has ended."""
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in list(self.threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self.threads)

    def _thread(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        with self._lock:
            self.threads.append(thread)
        thread.start()

    def _give(self, changes: Changes, complete: bool = False) -> None:
        try:
            self.hand_over(self.on_change, changes, complete)
        except RuntimeError:  # the event loop is closed: the preview has stopped
            self.stopping.set()

    # -- the operating system reports changes (watchfiles)

    def _watch_project(self) -> None:
        while not (self.stopping.is_set() or self.native_failed.is_set()):
            self._run([self.root], recursive=False, stop=_Either(self.stopping, self.native_failed))

    def _watch_folders(self) -> None:
        while not (self.stopping.is_set() or self.native_failed.is_set()):
            self.replaced.clear()
            folders = [self.root / name for name in FOLDERS if (self.root / name).is_dir()]
            if folders:
                self._run(folders, recursive=True, stop=_Either(self.stopping, self.native_failed, self.replaced))
            else:  # nothing to watch yet: the project watch tells when a folder appears
                _wait(_Either(self.replaced, self.stopping, self.native_failed))

    def _run(self, paths: list[Path], recursive: bool, stop: _Either) -> None:
        """One watch of `paths` until `stop` is set (or a watched folder vanishes)."""
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=lambda change, path: relevant(self.root, path, change),
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=stop,
                raise_interrupt=False,
                force_polling=False,
                recursive=recursive,
                ignore_permission_denied=True,
            ):
                if any(
                    Path(path).parent == self.root and Path(path).name in FOLDERS for _, path in changes
                ):  # only appearing or vanishing ones get through
                    self._unsure_until = time.monotonic() + UNSURE_S
                    self.replaced.set()
                complete = len(changes) < MANY and time.monotonic() >= self._unsure_until
                self._give(changes, complete and not self.native_failed.is_set())
        except FileNotFoundError:  # a folder vanished as the watch began; watch what is left
            _wait(_Either(self.replaced, self.stopping), STEP_MS / 1000)
        except OSError:  # the system refused (e.g. more folders than inotify allows): poll
            with self._lock:
                first = not self.native_failed.is_set()
                self.native_failed.set()
            if first:
                self.poll = True
                self._poll()

    # -- polling: every source's size, modification time and file id

    def _poll(self) -> None:
        stamps = self._scan()
        while not self.stopping.wait(POLL_MS / 1000):
            now = self._scan()
            if now == stamps:
                continue
            started = time.monotonic()  # let the editor finish writing, as watchfiles does
            while time.monotonic() - started < DEBOUNCE_MS / 1000:
                if self.stopping.wait(STEP_MS / 1000):
                    return
                later = self._scan()
                if later == now:
                    break
                now = later
            changes = _differences(stamps, now)
            stamps = now
            if changes:
                self._give(changes)

    def _scan(self) -> Stamps:
        stamps: Stamps = {}
        config = self.root / CONFIG
        _stamp(stamps, str(config))
        for name in FOLDERS:
            for folder, dirs, files in os.walk(self.root / name):
                dirs[:] = [d for d in dirs if not ignored_name(d)]
                for file in files:
                    if not ignored_name(file):
                        _stamp(stamps, os.path.join(folder, file))
        return stamps


def _stamp(stamps: Stamps, path: str) -> None:
    try:
        stat = os.stat(path)
    except OSError:
        return
    stamps[path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _differences(before: Stamps, after: Stamps) -> Changes:
    from watchfiles import Change

    changes = {(Change.added, path) for path in after.keys() - before.keys()}
    changes |= {(Change.deleted, path) for path in before.keys() - after.keys()}
    changes |= {(Change.modified, path) for path in after.keys() & before.keys() if after[path] != before[path]}
    return changes


def _wait(event: _Either, most: float | None = None) -> None:
    """Until `event` is set (anything with `is_set`), or `most` seconds have passed."""
    started = time.monotonic()
    while not event.is_set() and (most is None or time.monotonic() - started < most):
        time.sleep(STEP_MS / 1000)

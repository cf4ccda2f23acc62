"""The state of a live preview: the last good site in memory, the current error, rebuilds.

Kept apart from the web server so it can be driven and tested without one. Every rebuild loads
and checks the whole campaign (`pipeline.load_project`) and renders every edition, the archived
ones (`editions/`) at their own sub-paths beside the current one. The preview never
writes to disk: `output/` is what the last `build` made, for publishing, and a preview must not
put its local addresses (http://127.0.0.1:8000/...) there. Each rebuild goes through the same
pipeline as a build, given the previous rendering, so only what changed is rendered again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from campaign import pipeline
from campaign.context import BuildContext, default_moment, make_context
from campaign.errors import ContentError
from campaign.model.site import Site
from campaign.render.templates import Templates
from campaign.ship.write import Files, Stored

if TYPE_CHECKING:
    from campaign.preview.watch import Changes

Stamps = tuple[tuple[str, int, int, int], ...]  # a folder's files: (path, size, mtime_ns, inode), by path


class KeptTemplates:
    """Each edition's templates, read again only once a file of its `templates/` changed.

    Reading them means resolving every file (no shortcut out of the project) and hashing the
    static assets: most of a no-op rebuild, and done for every edition on every save. The files'
    own stamps (lstat: a file replaced by a shortcut changes them too) say when to read again.
    """

    def __init__(self) -> None:
        self.found: dict[Path, tuple[Stamps, Templates]] = {}

    def __call__(self, ctx: BuildContext) -> Templates:
        folder = ctx.root / "templates"
        known = self.found.get(folder)
        saved = ctx.memo.saved.get(ctx.root)
        if known is not None and saved is not None and not any(_under("templates", name) for name in saved):
            return known[1]  # the watcher reported every save, none of them here
        stamps = _stamps(folder)
        if known is None or known[0] != stamps:
            known = (stamps, pipeline.templates_of(ctx))
            self.found[folder] = known
        return known[1]


def _stamps(folder: Path) -> Stamps:
    found = []
    for where, folders, files in os.walk(folder):
        folders.sort()
        for name in files:
            path = os.path.join(where, name)
            try:
                stat = os.lstat(path)
            except OSError:  # gone while looking: read again, reading says what is wrong
                continue
            found.append((path, stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return tuple(sorted(found))


def _under(folder: str, name: str) -> bool:
    return name == folder or name.startswith(folder + "/")


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did, for the terminal and for tests."""

    rendered: frozenset[str]  # the current edition's output paths rendered again
    written: frozenset[str]  # ... whose bytes changed (or that vanished) since the last good site
    seconds: float
    error: ContentError | None = None


class Preview:
    """`origin` is where the preview is served, e.g. http://127.0.0.1:8000 (no path)."""

    def __init__(self, root: Path, origin: str):
        self.root, self.origin = root, origin.rstrip("/")
        self.ctx = make_context(root, keep=True)  # parsed files are kept between saves
        self.error: ContentError | None = None
        self.built: list[pipeline.Edition[bytes | Stored]] = []  # the last good site, oldest edition first
        self.templates = KeptTemplates()
        self.watched = Path(os.path.realpath(root))  # where the watcher reports saves
        self.saved: set[str] | None = None  # saves reported since the last rebuild; None: not all known
        self.incomplete = False  # a report since the last rebuild was not complete

    @property
    def site(self) -> Site | None:
        """The current edition's last good site (None until a build succeeds)."""
        return self.built[-1].site if self.built else None

    @property
    def files(self) -> Files:
        """The current edition's last good files: output path -> bytes (empty until a build succeeds)."""
        return self.built[-1].files if self.built else {}

    @property
    def archived(self) -> dict[str, Files] | None:
        """Every archived edition's files by its sub-path on this preview (None until a build succeeds)."""
        if not self.built:
            return None
        return {b.site.config.base_path: b.files for b in self.built[:-1]}

    @property
    def base_path(self) -> str:
        """The site's sub-path, e.g. /jnxcz/2024/ ("/" until config.yaml has loaded once)."""
        site = self.site
        return site.config.base_path if site is not None else "/"

    def heard(self, changes: Changes, complete: bool) -> None:
        """The watcher's report of saves, before the rebuild that follows it.

        While every report since the last rebuild was `complete`, the rebuild looks only at the
        files named (and at those in folders named); any other report, or a rebuild without
        one, has every file looked at (its size, times and inode)."""
        if not complete or (self.saved is None and not self.built):
            self.saved = None
            self.incomplete = True
            return
        if self.incomplete:
            return
        names = self.saved if self.saved is not None else set()
        for _, path in changes:
            try:
                names.add(Path(os.path.relpath(path, self.watched)).as_posix())
            except ValueError:  # another drive (Windows)
                self.incomplete = True
                return
        self.saved = names

    def rebuild(self) -> Outcome:
        """Every edition loaded, checked and rendered again, as `build` does, at this preview's address."""
        started = time.perf_counter()
        self.ctx.clock = default_moment()
        saved, self.saved, self.incomplete = self.saved, None, False
        self.ctx.memo.saved = {} if saved is None else {self.root: frozenset(saved)}
        try:
            project = pipeline.load_project(self.ctx)
            project = project.at(self.origin + project.site.config.base_path)
            previous = {b.folder: (b.site, b.made) for b in self.built}
            built = pipeline.rerender(project, previous, self.templates)
        except ContentError as exc:
            self.error = exc
            return Outcome(frozenset(), frozenset(), time.perf_counter() - started, exc)
        finally:
            self.ctx.memo.saved = {}
        before, after = self.files, built[-1].files
        written = frozenset(path for path, data in after.items() if before.get(path) != data)
        written |= frozenset(before.keys() - after.keys())
        self.built, self.error = built, None
        return Outcome(built[-1].made.rendered, written, time.perf_counter() - started)

"""The build context: everything a build carries besides its sources, passed down explicitly.

A command makes one `BuildContext` and hands it to the pipeline; the loaders, the renderer and
the writers take what they need from it (the cache, the worker processes, the clock, what a
live preview keeps between saves). Nothing of this lives in module globals, so two builds in
one process (a test, the preview) never see each other's state.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from campaign.incremental.cache import Cache
from campaign.incremental.fingerprint import code_fingerprint
from campaign.load.markup import Markdown
from campaign.load.yamltext import Node
from campaign.model.timeline import BEIJING, now
from campaign.render.qr import QrCodes
from campaign.render.templates import Filters, RecordingEnvironment, Templates
from campaign.ship.printing import Fonts
from campaign.workers import Workers, count_cores

Key = TypeVar("Key")
Value = TypeVar("Value")
NameText = tuple[str, str]  # a file's project-relative name and its text
# a page's checked front matter, its Markdown body, its front matter node and the body's first line
FrontPage = tuple[dict[str, Any], str, Node, int]


@dataclass
class Memo:
    """What a live preview keeps between saves so that an unchanged file is not read again.

    `keep` is False for a one-off build: then nothing is kept beyond the moment it is used.
    """

    keep: bool = False
    # path -> ((size, mtime), (name, text))
    stamps: dict[Path | str, tuple[tuple[int, int], NameText]] = field(default_factory=dict)
    yaml: dict[NameText, Node] = field(default_factory=dict)  # (name, text) -> parsed node
    front: dict[NameText, FrontPage] = field(default_factory=dict)  # (name, text) -> checked front matter
    # a report's path -> ((size, mtime, ctime, inode), the key of its name and bytes)
    sources: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    front_by_key: dict[str, FrontPage] = field(default_factory=dict)  # that key -> checked front matter
    # an edition's root -> its sources (project-relative names) saved since the last rebuild, as
    # the watcher reported them; a root not here has every file looked at
    saved: dict[Path, frozenset[str]] = field(default_factory=dict)
    # templates -> Jinja environment (compiled)
    environments: dict[tuple[tuple[str, str], ...], RecordingEnvironment] = field(default_factory=dict)
    # a page's searchable words, folded -> their bigrams (`render.search`): an edit makes its own again
    grams: dict[str, frozenset[str]] = field(default_factory=dict)
    # Markdown pages found to reference no file: (html, folder, output folder, prefix) -> True
    plain_pages: dict[tuple[str, Path | None, str, str], bool] = field(default_factory=dict)

    def environment(
        self, templates: Templates, make: Callable[[Templates, Filters], RecordingEnvironment], filters: Filters
    ) -> RecordingEnvironment:
        """The Jinja environment for `templates`, compiled once while they stay the same."""
        key = tuple(sorted(templates.sources.items()))
        found = self.environments.get(key)
        if found is None:
            found = make(templates, filters)
            # a few kept, not one: the preview renders every edition, each with its own templates
            while len(self.environments) >= 4:
                del self.environments[next(iter(self.environments))]  # the oldest: an edited set's
            self.remember(self.environments, key, found)
        return found

    def remember(self, table: dict[Key, Value], key: Key, value: Value) -> None:
        if self.keep:
            if len(table) > 50000:
                table.clear()
            table[key] = value


def _quiet(message: str) -> None:
    pass


@dataclass
class BuildContext:
    root: Path
    clock: dt.datetime  # the moment schedules and checks are shown for (Beijing time)
    cache: Cache
    workers: Workers
    markdown: Markdown
    qr: QrCodes
    memo: Memo
    fingerprint: str  # of the generator's own code and libraries: part of every key
    store: Path  # the project's .cache/ (build state, printed posters), whichever edition is built
    progress: Callable[[str], None] = _quiet  # stage names, for a terminal
    say: Callable[[str], None] = print  # advice for the user (e.g. how to get Chromium)
    fonts: Fonts = field(default_factory=Fonts)  # the installed fonts, asked once a build prints posters
    bleed: bool = False  # poster PDFs for a print shop: 3 mm bleed and crop marks (--bleed)


def default_moment() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set: the reproducible-builds convention for a fixed clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), BEIJING)
    return now()


def make_context(
    root: Path,
    as_of: dt.datetime | None = None,
    *,
    disk_cache: bool = True,
    keep: bool = False,
    progress: Callable[[str], None] = _quiet,
    say: Callable[[str], None] = print,
    bleed: bool = False,
) -> BuildContext:
    """A context for one command; `keep` for a live preview that rebuilds many times."""
    fingerprint = code_fingerprint()
    store = root / ".cache"
    cache = Cache(store if disk_cache else None, fingerprint)
    workers = Workers(count_cores(), cache)
    return BuildContext(
        root=root,
        clock=as_of or default_moment(),
        cache=cache,
        workers=workers,
        markdown=Markdown(cache, workers, keep),
        qr=QrCodes(cache),
        memo=Memo(keep),
        fingerprint=fingerprint,
        store=store,
        progress=progress,
        say=say,
        bleed=bleed,
    )

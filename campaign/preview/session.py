"""The state of a live preview: the last good site, the current error, and incremental rebuilds.

Kept apart from the web server so it can be driven and tested without one. A rebuild reloads
the content (files whose text did not change are not parsed again), compares the new model
with the last good one, re-renders only the pages that show what changed, and writes only
the files whose bytes differ.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from campaign import pipeline as builder
from campaign.incremental import cache
from campaign.load import content
from campaign.incremental.changes import changed_parts
from campaign.errors import ContentError
from campaign.model.site import Site
from campaign.ship.write import check_target, update_site, write_site
from campaign.render.pages import Rendering, render_changes
from campaign.render.templates import Theme, load_theme


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did, for the terminal and for tests."""

    rendered: frozenset  # output paths rendered again
    written: frozenset  # output paths whose bytes changed on disk (or were removed)
    seconds: float
    error: ContentError | None = None


class Preview:
    def __init__(self, root: Path, out: Path, site_url: str):
        self.root, self.out, self.site_url = root, out, site_url
        self.site: Site | None = None
        self.theme: Theme | None = None
        self.rendering: Rendering | None = None
        self.error: ContentError | None = None
        cache.use(root / ".cache")
        content.REMEMBER = True  # keep parsed files between saves

    def rebuild(self) -> Outcome:
        started = time.perf_counter()
        try:
            site = builder.load(self.root, self.site_url)
            theme = load_theme(self.root / "templates")
            changed = None
            if self.site is not None and theme == self.theme:
                changed = changed_parts(self.site, site)
            rendering = render_changes(site, theme, False, self.rendering, changed)
        except ContentError as exc:
            self.error = exc
            return Outcome(frozenset(), frozenset(), time.perf_counter() - started, exc)
        if self.rendering is None:
            check_target(self.out, self.root)
            write_site(rendering.files, self.out)
            written = frozenset(rendering.files)
        else:
            written = update_site(self.rendering.files, rendering.files, self.out)
        cache.active().flush()
        self.site, self.theme, self.rendering, self.error = site, theme, rendering, None
        return Outcome(rendering.rendered, written, time.perf_counter() - started)

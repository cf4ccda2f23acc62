"""The state of a live preview: the last good site in memory, the current error, rebuilds.

Kept apart from the web server so it can be driven and tested without one. The archived
editions (`editions/`) are rendered once, at their own sub-paths beside the current one. The preview never
writes to disk: `output/` is what the last `build` made, for publishing, and a preview must not
put its local addresses (http://127.0.0.1:8000/...) there. Each rebuild goes through the same
pipeline as a build, given the previous rendering, so only what changed is rendered again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from campaign import pipeline
from campaign.context import default_moment, make_context
from campaign.errors import ContentError
from campaign.model.site import Site
from campaign.render.site import Rendering
from campaign.ship.write import Files


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did, for the terminal and for tests."""

    rendered: frozenset[str]  # output paths rendered again
    written: frozenset[str]  # output paths whose bytes changed (or that vanished) since the last good site
    seconds: float
    error: ContentError | None = None


class Preview:
    """`origin` is where the preview is served, e.g. http://127.0.0.1:8000 (no path)."""

    def __init__(self, root: Path, origin: str):
        self.root, self.origin = root, origin.rstrip("/")
        self.ctx = make_context(root, keep=True)  # parsed files are kept between saves
        self.site: Site | None = None
        self.rendering: Rendering | None = None
        self.error: ContentError | None = None
        # the archived editions, each by its sub-path: rendered once, at the first good build
        self.archived: dict[str, Files] | None = None

    @property
    def files(self) -> Files:
        """The last good site: output path -> bytes (empty until a build succeeds)."""
        return self.rendering.files if self.rendering is not None else {}

    @property
    def base_path(self) -> str:
        """The site's sub-path, e.g. /jnxcz/2024/ ("/" until config.yaml has loaded once)."""
        return self.site.config.base_path if self.site is not None else "/"

    def rebuild(self) -> Outcome:
        started = time.perf_counter()
        self.ctx.clock = default_moment()
        try:
            if self.archived is None:  # the first build: every edition, the archived ones rendered once
                *archived, current = pipeline.load_editions(self.ctx)
                self.archived = self._archived(archived)
                site = current.site
            else:
                site = pipeline.load(self.ctx)
                site = pipeline.in_campaign(site, site)  # the current edition is the newest
            site = pipeline.with_address(site, self.origin + site.config.base_path)
            previous = (self.site, self.rendering) if self.site is not None and self.rendering is not None else None
            rendering = pipeline.rerender(self.ctx, site, previous)
        except ContentError as exc:
            self.error = exc
            return Outcome(frozenset(), frozenset(), time.perf_counter() - started, exc)
        before = self.files
        written = frozenset(path for path, data in rendering.files.items() if before.get(path) != data)
        written |= frozenset(before.keys() - rendering.files.keys())
        self.site, self.rendering, self.error = site, rendering, None
        return Outcome(rendering.rendered, written, time.perf_counter() - started)

    def _archived(self, editions: list[pipeline.EditionSite]) -> dict[str, Files]:
        """Every archived edition's files at its own sub-path on this preview."""
        found = {}
        for edition in editions:
            site = pipeline.with_address(edition.site, self.origin + edition.site.config.base_path)
            found[site.config.base_path] = pipeline.rerender(edition.ctx, site, None).files
        return found

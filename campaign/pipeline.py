"""The build as one call: load and check, render, write. Used by the command line and tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from campaign.incremental import cache
from campaign.incremental import state as incremental
from campaign.load import markup
from campaign.ship import printing
from campaign.incremental.changes import changed_parts
from campaign.load.content import load_site
from campaign.model.site import Site
from campaign.ship.write import Stored, check_target, read_record, write_site
from campaign.render.pages import render_changes, render_site
from campaign.render.templates import load_theme
from campaign.model.timeline import BEIJING
from campaign.model.timeline import now as timeline_now


def load(root: Path, base_url: str | None = None, as_of: dt.datetime | None = None,
         offline: bool = False) -> Site:
    """The checked site model; `as_of` is the moment schedules show (default: now)."""
    site = dataclasses.replace(load_site(root), as_of=as_of or default_moment())
    if offline:
        site = dataclasses.replace(site, config=dataclasses.replace(site.config, offline=True))
    if base_url:
        url = base_url if base_url.endswith("/") else base_url + "/"
        config = dataclasses.replace(site.config, site_url=url, base_path=urlsplit(url).path or "/")
        site = dataclasses.replace(site, config=config)
    return site


def render(root: Path, site: Site, with_pdf: bool = False) -> dict[str, bytes]:
    return render_site(site, load_theme(root / "templates"), with_pdf)


def default_moment() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set: the reproducible-builds convention for a fixed clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), BEIJING)
    return timeline_now()


@dataclass(frozen=True)
class Built:
    files: dict  # output path -> bytes (or output.Stored for a file left as it was)
    rendered: frozenset  # paths rendered by this build
    written: frozenset  # paths whose bytes changed on disk, or that were removed


def _quiet(stage: str) -> None:
    pass


def build(root: Path, out: Path, base_url: str | None = None, pdf: bool = True,
          say=print, as_of: dt.datetime | None = None, offline: bool = False,
          progress=_quiet) -> Built:
    """Build the site into `out`, rendering only what changed since the last build there.

    On any ContentError `out` is left as it was. Poster PDFs need Chromium: without it
    everything else is still built, and `say` tells the user how to get it.
    """
    check_target(out, root)
    store = root / ".cache"
    cache.use(store)
    progress("读取并检查内容")
    site = load(root, base_url, as_of, offline)
    markup.forget()  # the HTML is in the model now; a second copy would only cost memory
    theme = load_theme(root / "templates")
    chromium = printing.find_chromium() if pdf and site.posters else None
    if pdf and site.posters and chromium is None:
        say(printing.INSTALL_HINT)
    key = incremental.state_key(theme, out, chromium is not None)
    record = incremental.record_file(store, out)
    state = incremental.load(store, out, key, read_record(record))
    progress(f"生成页面和二维码（共 {len(site.news) + len(site.events) + 20} 页左右，"
             f"{'只生成有变化的页面' if state else '全部生成'}）")
    rendering = render_changes(site, theme, chromium is not None,
                               incremental.previous_rendering(state) if state else None,
                               changed_parts(state.site, site) if state else None)
    files = dict(rendering.files)
    if chromium:
        progress(f"打印海报 PDF（{len(site.posters)} 张）")
        printable = {path: (out / path).read_bytes() if isinstance(data, Stored) else data
                     for path, data in files.items()
                     if path.startswith(("posters/", "assets/"))}
        files.update(printing.print_posters(site, printable, chromium, store))
    files = dict(sorted(files.items()))
    progress(f"写入 {out.name}/")
    written = write_site(files, out, record)
    cache.active().flush()
    incremental.save(store, out, key, site, read_record(record))
    return Built(files, rendering.rendered, written)

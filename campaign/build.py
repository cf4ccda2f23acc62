"""The build as one call: load and check, render, write. Used by the command line and tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

from . import printing
from .content import load_site
from .model import Site
from .output import check_target, write_site
from .render import render_site
from .theme import load_theme
from .timeline import BEIJING
from .timeline import now as timeline_now


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


def build(root: Path, out: Path, base_url: str | None = None, pdf: bool = True,
          say=print, as_of: dt.datetime | None = None, offline: bool = False) -> dict[str, bytes]:
    """Build the site into `out`; on any ContentError `out` is left as it was.

    Poster PDFs need Chromium: without it everything else is still built, and `say` tells
    the user how to get it.
    """
    check_target(out, root)
    site = load(root, base_url, as_of, offline)
    chromium = printing.find_chromium() if pdf and site.posters else None
    if pdf and site.posters and chromium is None:
        say(printing.INSTALL_HINT)
    files = render(root, site, with_pdf=chromium is not None)
    if chromium:
        files.update(printing.print_posters(site, files, chromium, root / ".cache"))
    write_site(dict(sorted(files.items())), out)
    return files

"""The build as one call: load and check, render, write. Used by the command line and tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

from .content import load_site
from .model import Site
from .output import check_target, write_site
from .render import render_site
from .theme import load_theme


def load(root: Path, base_url: str | None = None) -> Site:
    site = load_site(root)
    if base_url:
        url = base_url if base_url.endswith("/") else base_url + "/"
        config = dataclasses.replace(site.config, base_url=url, base_path=urlsplit(url).path or "/")
        site = dataclasses.replace(site, config=config)
    return site


def render(root: Path, site: Site) -> dict[str, bytes]:
    return render_site(site, load_theme(root / "templates"))


def build(root: Path, out: Path, base_url: str | None = None) -> dict[str, bytes]:
    """Build the site into `out`; on any ContentError `out` is left as it was."""
    check_target(out, root)
    site = load(root, base_url)
    files = render(root, site)
    write_site(files, out)
    return files

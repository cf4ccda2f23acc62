"""The one pipeline every command uses: load → render → (print posters) → inspect → write.

`build` renders given the previous build of the same folder and writes only what changed;
`make_site` renders a whole site in memory for `check`, `publish` and `package`, which inspect
exactly the bytes they ship and leave no state behind. The preview drives the same stages
with its previous rendering in memory (`preview.session`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from campaign.context import BuildContext
from campaign.incremental import state as build_state
from campaign.load.content import load_site
from campaign.model.site import Site
from campaign.render.site import Rendering, render
from campaign.render.templates import Templates, load_templates
from campaign.ship import printing
from campaign.ship.write import Stored, check_target, read_record, write_site


def load(ctx: BuildContext, base_url: str | None = None, offline: bool = False) -> Site:
    """The checked site model, as of the context's clock, with a command's overrides."""
    site = hold_back_future_reports(dataclasses.replace(load_site(ctx), as_of=ctx.clock))
    ctx.markdown.forget()  # the HTML is in the model now; a second copy would only cost memory
    if offline:
        site = dataclasses.replace(site, config=dataclasses.replace(site.config, offline=True))
    return with_address(site, base_url) if base_url else site


def hold_back_future_reports(site: Site) -> Site:
    """Reports dated after the build's day wait for a build on or after that day (as Hugo does)."""
    today = site.as_of.date()
    if all(item.date <= today for item in site.news):
        return site
    published = tuple(item for item in site.news if item.date <= today)
    waiting = tuple(item for item in site.news if item.date > today)
    return dataclasses.replace(site, news=published, held_back=waiting)


def with_address(site: Site, url: str) -> Site:
    """The site served at `url` (staging, preview); QR codes keep the production address."""
    url = url if url.endswith("/") else url + "/"
    config = dataclasses.replace(site.config, site_url=url, base_path=urlsplit(url).path or "/")
    return dataclasses.replace(site, config=config)


def templates_of(ctx: BuildContext) -> Templates:
    return load_templates(ctx.root / "templates")


@dataclass(frozen=True)
class Built:
    site: Site
    files: dict  # output path -> bytes (or write.Stored for a file left as it was)
    rendered: frozenset  # paths rendered by this build
    written: frozenset  # paths whose bytes changed on disk, or that were removed


def _chromium(ctx: BuildContext, site: Site, pdf: bool) -> str | None:
    """Chromium's path when poster PDFs are wanted and it is there; says how to get it if not."""
    if not pdf or not site.posters:
        return None
    chromium = printing.find_chromium()
    if chromium is None:
        ctx.say(printing.install_hint())
    return chromium


def _with_pdfs(ctx: BuildContext, site: Site, files: dict, chromium: str | None, out: Path | None) -> dict:
    if chromium is None:
        return files
    ctx.progress(f"打印海报 PDF（{len(site.posters)} 张）")
    printable = {
        path: (out / path).read_bytes() if isinstance(data, Stored) else data
        for path, data in files.items()
        if path.startswith(("posters/", "assets/"))
    }
    printed = printing.print_posters(site, printable, chromium, ctx.root / ".cache", ctx.fingerprint)
    return dict(sorted({**files, **printed}.items()))


def build(ctx: BuildContext, out: Path, base_url: str | None = None, pdf: bool = True, offline: bool = False) -> Built:
    """Build the site into `out`, rendering only what changed since the last build there.

    On any ContentError `out` is left as it was. Poster PDFs need Chromium: without it
    everything else is still built, and `ctx.say` tells the user how to get it.
    """
    store = ctx.root / ".cache"
    record = build_state.record_file(store, out)
    check_target(out, ctx.root, known=record.is_file())
    ctx.progress("读取并检查内容")
    site = load(ctx, base_url, offline)
    templates = templates_of(ctx)
    chromium = _chromium(ctx, site, pdf)
    key = build_state.state_key(ctx.fingerprint, out, chromium is not None)
    previous = build_state.load(store, out, key, read_record(record))
    ctx.progress(f"生成页面和二维码（{'只生成有变化的文件' if previous else '全部生成'}）")
    rendering = render(site, templates, ctx, chromium is not None, previous)
    files = _with_pdfs(ctx, site, rendering.files, chromium, out)
    ctx.progress(f"写入 {out.name}/")
    written = write_site(files, out, record)
    ctx.cache.flush()
    build_state.save(store, out, key, site, rendering, read_record(record))
    return Built(site, files, rendering.rendered, written)


def make_site(ctx: BuildContext, base_url: str | None = None, pdf: bool = True, offline: bool = False) -> Built:
    """The whole site in memory, PDFs included, for commands that inspect and ship it."""
    site = load(ctx, base_url, offline)
    chromium = _chromium(ctx, site, pdf)
    rendering = render(site, templates_of(ctx), ctx, chromium is not None)
    files = _with_pdfs(ctx, site, rendering.files, chromium, None)
    ctx.cache.flush()
    return Built(site, files, rendering.rendered, frozenset())


def rerender(ctx: BuildContext, site: Site, previous: tuple[Site, Rendering] | None) -> Rendering:
    """The preview's step: render given the last good site and rendering held in memory."""
    rendering = render(site, templates_of(ctx), ctx, False, previous)
    ctx.cache.flush()
    return rendering

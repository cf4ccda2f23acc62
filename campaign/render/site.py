"""The rendering pass: every file of the site from the model, in memory, each with what it read.

`outputs` lists every file the site has (pages, feeds, calendars, print files, each photo's
sizes and each attachment) with its plan; `render` fills them in through the strict Jinja
environment, over all cores. A photo's or attachment's plan holds the hash of its source, so a
replaced photo renders exactly its own files again (`render.photos` makes them, cached by content). Each file is
rendered against a `RecordingSite`, so the pass returns, beside the bytes, what every file
read from the model and which templates and static files it used. Given the previous
rendering, a file is rendered again only when its plan, something it read, something it used,
or the generator's own code changed; otherwise its previous bytes stand (see `incremental`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from campaign.errors import ContentError, ContentProblem
from campaign.incremental.cache import Cache
from campaign.incremental.record import (
    Digested,
    ReadDigests,
    ReadKey,
    Use,
    changed_keys,
    record_use,
    recorded,
    recording,
    unchanged,
)
from campaign.model.sections import shown
from campaign.model.site import PLACEHOLDER_PREFIX, Asset, Attachment, Config, Event, Poster, Site
from campaign.render import attachments, dates, ics, photos, search, share
from campaign.render.pages import PagePlan, plan_pages
from campaign.render.posters import PRINT_FILES, print_file
from campaign.render.qr import QrCodes
from campaign.render.templates import (
    Filters,
    RecordingEnvironment,
    Templates,
    in_template,
    make_environment,
    template_error,
)
from campaign.render.urls import Linker, is_safe, output_file

if TYPE_CHECKING:
    from campaign.context import BuildContext
    from campaign.ship.write import Files

FEED_SIZE = 50  # feed readers want the latest reports, not the archive of every year
FEEDS = ("feed.xml", "sitemap.xml", "robots.txt")
PHOTOS_IN_PARALLEL = 2  # a photo size takes 0.05–0.3 s to make: from two, worker processes pay


@dataclass(frozen=True)
class Output:
    """One file of the site and everything specific to it that its renderer is given."""

    path: str
    kind: str  # "page", "feed", "calendar", "print", "share", "photo", "attachment" or "search" (an index part)
    plan: Plan  # compared whole with the previous build's plan for the same path


@dataclass(frozen=True)
class AttachmentPlan:
    """A file offered for download, without its hidden data (`render.attachments`): a new hash makes it again."""

    source: str  # project-relative path
    sha256: str


@dataclass(frozen=True)
class PrintPlan:
    """A poster's code as a file for print shops."""

    poster: Poster
    name: str  # one of PRINT_FILES


# What an output's renderer is given, by kind: a page's plan, the pages a feed lists (None: it
# lists none), an event (None: the week's calendar), a print file, the share image, one size of a
# photo, an attachment.
Plan = (
    PagePlan
    | tuple[PagePlan, ...]
    | search.Part
    | Event
    | PrintPlan
    | share.SharePlan
    | photos.PhotoPlan
    | AttachmentPlan
    | None
)


@dataclass(frozen=True)
class Record:
    """What rendering one file read from the model and which templates and assets it used."""

    reads: frozenset[ReadKey]  # keys of `incremental.record`, e.g. ("contact",), ("events", 0)
    uses: frozenset[Use]  # ("template", name) and ("asset", name)


NOTHING = Record(frozenset(), frozenset())  # a photo or attachment reads nothing from the model


@dataclass
class Rendering:
    """The whole site: bytes (or `Stored` for a file left on disk as it was) and its records."""

    files: Files  # output path -> bytes | Stored
    outputs: Mapping[str, Output | Digested]  # output path -> Output (a previous build's: its digest)
    records: dict[str, Record]  # output path -> Record
    uses: dict[Use, str]  # ("template" | "asset", name) -> digest, of the templates rendered with
    rendered: frozenset[str]  # output paths rendered this time


def outputs(site: Site, codes: QrCodes, searchable: bool = False) -> list[Output]:
    """Every file the site has besides static assets, in a stable order; with `searchable` (its
    templates have a search page), the search page and the parts of its index (`render.search`)."""
    plans = plan_pages(site, codes)
    found = [Output(output_file(plan.url), "page", plan) for plan in plans]
    if searchable:
        found.append(Output(output_file(search.PAGE), "page", search.page_plan(site.notice.published)))
        found += [Output(part.path, "search", part) for part in search.parts(search.indexed(plans))]
    for event in site.events:
        found.append(Output(event.calendar, "calendar", event))
    found.append(Output("calendar/week.ics", "calendar", None))
    for poster in site.posters:
        found += [Output(f"posters/{poster.id}/{name}", "print", PrintPlan(poster, name)) for name in PRINT_FILES]
    for name in FEEDS:
        if name == "feed.xml" and site.news_hidden:
            continue
        # the sitemap lists every page with its date, not what the pages show
        listed = tuple(_listed(plan) for plan in plans) if name == "sitemap.xml" else None
        found.append(Output(name, "feed", listed))
    found.append(Output(share.SHARE_IMAGE, "share", share.SharePlan()))
    found += _asset_outputs(site)
    return found


def assets(site: Site) -> list[Asset]:
    """Every photo and attachment the site shows: reports (not those held back), notice, contact, quiz."""
    found = [asset for item in site.news for asset in item.assets]
    found += [*site.notice.assets, *site.contact.assets]
    if site.quiz.image is not None:
        found.append(site.quiz.image)
    return found


def _asset_outputs(site: Site) -> list[Output]:
    """Each photo's sizes and each attachment, in the folder of the page that shows it."""
    found = []
    for asset in assets(site):
        if isinstance(asset, Attachment):
            found.append(Output(asset.path, "attachment", AttachmentPlan(asset.source, asset.sha256)))
            continue
        sizes = {size.path: size for size in (*asset.sizes, *([asset.cover] if asset.cover else []))}
        for size in sizes.values():
            plan = photos.PhotoPlan(asset.source, asset.sha256, size.width, size.height, asset.format)
            found.append(Output(size.path, "photo", plan))
    return found


def _listed(plan: PagePlan) -> PagePlan:
    """A page as the sitemap lists it: without what it shows."""
    return PagePlan(plan.url, plan.template, plan.title, {}, plan.section, plan.updated, plan.sitemap, plan.anywhere)


def render(
    site: Site,
    templates: Templates,
    ctx: BuildContext,
    with_pdf: bool,
    previous: tuple[Site | ReadDigests, Rendering] | None = None,
) -> Rendering:
    """Render the site; given the previous (site or its digests, rendering), only what changed.

    `with_pdf` says whether poster PDFs will be printed, so pages link to them or not.
    """
    job = _Job(
        site,
        templates,
        with_pdf,
        ctx.qr,
        ctx.memo.environment(templates, make_environment, filters()),
        ctx.root,
        ctx.cache,
        search.Memo(known=ctx.memo.grams if ctx.memo.keep else {}),
    )
    files: Files = dict(templates.static)
    records: dict[str, Record] = {}
    listed: dict[str, Output] = {}
    for output in outputs(site, ctx.qr, search.TEMPLATE in templates.sources):
        if not is_safe(output.path):
            raise ContentError.at("content", 0, f"生成的文件路径「{output.path}」不安全，已拒绝写出")
        if output.path in listed or output.path in files:
            raise ContentError.at(
                "content", 0, f"两个页面要写到同一个文件「{output.path}」；请修改其中一个的 id 或文件名"
            )
        listed[output.path] = output
    uses = templates.digests()
    todo = list(listed.values())
    if previous is not None:
        old_site, old = previous
        todo = _stale(todo, old, old_site, site, uses)
        for path in listed.keys() - {output.path for output in todo}:
            files[path], records[path] = old.files[path], old.records[path]
    _render_photos(job, ctx, [output for output in todo if output.kind == "photo"], files, records)
    rest = [output for output in todo if output.kind != "photo"]
    interned: dict[Record, Record] = {}
    for output, (data, record) in zip(rest, ctx.workers.map(job.render, rest)):
        files[output.path] = data
        records[output.path] = interned.setdefault(record, record)  # 4,000 pages, a few shapes
    return Rendering(dict(sorted(files.items())), listed, records, uses, frozenset(output.path for output in todo))


def _render_photos(job: _Job, ctx: BuildContext, todo: list[Output], files: Files, records: dict[str, Record]) -> None:
    """The photos first, those not in the cache over all cores; every bad photo is reported at once."""
    work = []
    for output in todo:
        plan = output.plan
        data = photos.cached(ctx.cache, plan) if isinstance(plan, photos.PhotoPlan) else None
        if data is None:
            work.append(output)
        else:
            files[output.path], records[output.path] = data, NOTHING
    problems: list[ContentProblem] = []
    for output, result in zip(work, ctx.workers.map(job.attempt, work, min_items=PHOTOS_IN_PARALLEL)):
        if isinstance(result, ContentError):
            problems += result.problems
        else:
            files[output.path], records[output.path] = result
    if problems:
        raise ContentError(problems)


def _stale(
    todo: list[Output], previous: Rendering, old_site: Site | ReadDigests, new_site: Site, uses: dict[Use, str]
) -> list[Output]:
    """The outputs whose plan, reads or uses differ from the previous rendering's."""
    changed_uses = {key for key in uses.keys() | previous.uses.keys() if uses.get(key) != previous.uses.get(key)}
    keys: set[ReadKey] = set()
    for kept in set(previous.records.values()):
        keys |= kept.reads
    changed_reads = changed_keys(old_site, new_site, keys)
    stale = []
    for output in todo:
        record = previous.records.get(output.path)
        old = previous.outputs.get(output.path)
        if (
            record is None
            or old is None
            or output.path not in previous.files
            or not unchanged(old, output)
            or record.reads & changed_reads
            or record.uses & changed_uses
        ):
            stale.append(output)
    return stale


@dataclass
class _Job:
    """What every file's renderer shares; forked into the worker processes as it is."""

    site: Site
    templates: Templates
    with_pdf: bool
    codes: QrCodes
    env: RecordingEnvironment
    root: Path  # where photos and attachments are read from
    cache: Cache  # made photos, cleaned attachments
    search: search.Memo = field(default_factory=search.Memo)  # the pages' text, made once a pass

    def attempt(self, output: Output) -> tuple[bytes, Record] | ContentError:
        """`render`, with a content mistake handed back rather than raised (to report them all)."""
        try:
            return self.render(output)
        except ContentError as exc:
            return exc

    def render(self, output: Output) -> tuple[bytes, Record]:
        if output.kind in ("photo", "attachment"):
            return self.file(output), NOTHING
        site = recorded(self.site)
        with recording() as recorder:
            data = self.recorded(site, output)
        return data, Record(frozenset(recorder.reads), frozenset(recorder.uses))

    def recorded(self, site: Site, output: Output) -> bytes:
        """An output's bytes, rendered from `site` (a `RecordingSite`) inside `recording()`."""
        try:
            match output.kind, output.plan:
                case "page", PagePlan() as plan:
                    data = self.page(site, plan).encode()
                case "feed", (tuple() | None) as pages:
                    data = self.feed(site, output.path, pages).encode()
                case "search", search.Part() as part:
                    data = search.part_file(site, part, self.search)
                case "calendar", Event() as event:
                    data = ics.event_file(site, event)
                case "calendar", None:
                    data = ics.week_file(site)
                case "print", PrintPlan() as printed:
                    data = print_file(site, printed.poster, printed.name, self.codes)
                case "share", share.SharePlan() as drawn:
                    record_use(("asset", "style.css"))  # its colours are style.css's
                    data = share.share_image(drawn, self.templates.static[self.templates.assets["style.css"]])
                case _:
                    raise ValueError(f"no renderer for {output.kind} {output.path}")
        except jinja2.TemplateError as exc:
            raise template_error(exc) from None
        except Exception as exc:
            if not in_template(exc):
                raise
            raise template_error(exc) from None  # a template's own expression failed at its line
        return data

    def file(self, output: Output) -> bytes:
        """A photo's delivered size, or an attachment as delivered."""
        plan = output.plan
        if not isinstance(plan, photos.PhotoPlan | AttachmentPlan):
            raise ValueError(f"{output.path} is not a photo or an attachment")
        try:
            if isinstance(plan, photos.PhotoPlan):
                return photos.photo_file(plan, self.root, self.cache)
            return self.attachment(plan)
        except (photos.PhotoTrouble, attachments.Refused) as exc:
            raise ContentError.at(*self.where(plan.source), str(exc)) from None

    def attachment(self, plan: AttachmentPlan) -> bytes:
        """Cleaned when it was loaded, so from the cache; else cleaned again, or copied as it is."""
        extension = Path(plan.source).suffix
        if not attachments.cleanable(extension):
            return photos.read_source(self.root, plan.source, plan.sha256)
        key = attachments.cache_key(self.cache, plan.sha256, extension)
        found = self.cache.get("attachment", key)
        if found is not None:
            return found
        data = photos.read_source(self.root, plan.source, plan.sha256)
        made = attachments.clean(data, extension, Path(plan.source).name)
        self.cache.put("attachment", key, made)
        return made

    def where(self, source: str) -> tuple[str, int]:
        """The Markdown file and line that show the photo or attachment `source`."""
        for asset in assets(self.site):
            if asset.source == source:
                return asset.file, asset.line
        return source, 0

    def page(self, site: Site, plan: PagePlan) -> str:
        cfg = site.config
        link = Linker(plan.url, cfg.base_path, cfg.base_url, absolute=plan.anywhere, offline=cfg.offline)
        full_url = page_address(cfg, plan)
        label = f"二维码：用手机扫码打开本页 {full_url}"
        page = {
            "title": plan.title,
            "url": plan.url,
            "full_url": full_url,
            "updated": plan.updated,
            # a page served at any address has none of its own to offer as a code
            "qr": None if plan.anywhere else Markup(self.codes.svg(full_url, label, cfg.qr.error_correction)),
            "with_pdf": self.with_pdf,
            "description": plan.description,
            "image": cfg.base_url + share.SHARE_IMAGE,
            "image_size": (share.SharePlan().width, share.SharePlan().height),
        }
        nav = [
            {"label": section.menu, "href": link(section.url), "current": section.url == plan.section}
            for section in shown(site)
        ]
        assets = {
            variable: AssetLink(name, self.templates.assets, link)
            for variable, name in (
                ("css", "style.css"),
                ("poster_css", "poster.css"),
                ("status_js", "status.js"),
                ("reader_js", "reader.js"),
                ("large_css", "large.css"),
                ("search_js", "search.js"),
            )
        }
        html = self.env.get_template(plan.template).render(
            site=site,
            cfg=cfg,
            page=page,
            nav=nav,
            url=link,
            qr_for=self.qr_for(cfg),
            emblem=share.emblem_svg,
            **assets,
            **plan.data,
        )
        return offline_links(html) if cfg.offline else html

    def feed(self, site: Site, name: str, pages: tuple[PagePlan, ...] | None) -> str:
        latest = site.news[:FEED_SIZE] if name == "feed.xml" else ()  # read only where shown
        return self.env.get_template(name).render(site=site, pages=pages or (), cfg=site.config, feed_items=latest)

    def qr_for(self, cfg: Config) -> Callable[[str, str], Markup]:
        level = cfg.qr.error_correction

        def qr_for(address: str, label: str) -> Markup:
            return Markup(self.codes.svg(address, label, level))

        return qr_for


class AssetLink:
    """A static file's address as seen from a page, noted as used only when a template shows it."""

    __slots__ = ("name", "assets", "link")

    def __init__(self, name: str, assets: dict[str, str], link: Linker):
        self.name, self.assets, self.link = name, assets, link

    def __str__(self) -> str:
        record_use(("asset", self.name))
        return self.link(self.assets[self.name])

    def __html__(self) -> str:
        return str(escape(str(self)))


def page_address(cfg: Config, plan: PagePlan) -> str:
    """A page's production address (the 404 page, served anywhere, gives the home page's)."""
    return cfg.base_url + (plan.url if not plan.anywhere else "")


def placeholder(value: str) -> Markup:
    """Show a value the office has not filled in yet as a visible, labelled gap."""
    if value.startswith(PLACEHOLDER_PREFIX):
        return Markup('<span class="placeholder">{}</span>').format(value)
    return escape(value)


def _shown_as_placeholder(write: Callable[..., str]) -> Callable[..., str | Markup]:
    """A date filter that shows a date not filled in yet as a visible, labelled gap."""

    def show(day: dt.date, *args: Any, **kwargs: Any) -> str | Markup:
        text = write(day, *args, **kwargs)
        return placeholder(text) if text.startswith(PLACEHOLDER_PREFIX) else text

    return show


def filters() -> Filters:
    return dict(
        cn_date=_shown_as_placeholder(dates.cn_date),
        cn_span=_shown_as_placeholder(dates.cn_span),
        cn_time=dates.cn_time,
        cn_datetime=dates.cn_datetime,
        month_day=_shown_as_placeholder(dates.cn_month_day),
        placeholder=placeholder,
    )


def offline_links(html: str) -> str:
    """Opened from disk a folder does not open its index.html, so links must name it."""
    return RELATIVE_FOLDER_LINK.sub(r'\1="\2index.html"', html)


RELATIVE_FOLDER_LINK = re.compile(r'(href|src)="((?![a-z][a-z0-9+.-]*:|/|#)[^"]*/)"')

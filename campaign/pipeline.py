"""The one pipeline every command uses: load → render → (print posters) → inspect → write.

A project builds every edition of its campaign (`load.editions`): this year's and the archived
ones, each into its own folder of one tree (`2024/…`, `2025/…`) with the campaign's own address
at the top, leading to the newest edition. Every command starts from one `Project` loaded by
`load_project`: every edition, checked alone and against the others, as of the command's clock.
`build` renders it given the previous build of the same folder and writes only what changed;
`make_site` renders the whole tree in memory for `check`, `publish` and `package`, which inspect
exactly the bytes they ship and leave no state behind. The preview loads and renders the same
`Project` on every save, with its previous renderings in memory (`rerender`, `preview.session`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from campaign.context import BuildContext
from campaign.errors import ContentError, ContentProblem
from campaign.incremental import state as build_state
from campaign.incremental.record import ReadDigests
from campaign.inspection.checks import Inspection, archived_links, inspect
from campaign.load import editions as sources
from campaign.load.content import load_site
from campaign.model.site import EditionPlace, Placeholder, Site, is_pending
from campaign.model.timeline import BEIJING
from campaign.render.campaign import campaign_home
from campaign.render.site import Rendering, render
from campaign.render.templates import Templates, load_templates
from campaign.render.urls import campaign_path, edition_folder
from campaign.ship import printing
from campaign.ship.write import Files, Stored, check_target, recorded, write_site


def load(ctx: BuildContext, base_url: str | None = None, offline: bool = False) -> Site:
    """The checked site model of the edition at `ctx.root`, as of the context's clock."""
    site = as_of(load_site(ctx), ctx.clock)
    ctx.markdown.forget()  # the HTML is in the model now; a second copy would only cost memory
    if offline:
        site = dataclasses.replace(site, config=dataclasses.replace(site.config, offline=True))
    return with_address(site, base_url) if base_url else site


def as_of(site: Site, moment: dt.datetime) -> Site:
    """The site shown as of `moment`: reports dated after its day wait for a later build."""
    return hold_back_future_reports(dataclasses.replace(site, as_of=moment, news=site.held_back + site.news))


def hold_back_future_reports(site: Site) -> Site:
    """Reports dated after the build's day wait for a build on or after that day (as Hugo does)."""
    today = site.as_of.date()
    if all(item.date <= today for item in site.news):
        return dataclasses.replace(site, held_back=())
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


# A file of a build: its bytes, or (`build` only) `Stored` for one left on disk as it was.
# A site made in memory (`make_site`) has the bytes of every file.
FileData = TypeVar("FileData", bytes, bytes | Stored)
Made = TypeVar("Made", bytes, bytes | Stored)


@dataclass(frozen=True)
class Edition(Generic[FileData]):
    """One year's campaign as the pipeline carries it from stage to stage: where its sources
    are, its own context (sources, clock) and model; once rendered, its files and their records.

    Loaded (`load_project`) it has no files yet; `rendered` gives the same edition with them.
    """

    root: Path  # where its config.yaml, content/ and templates/ are (`load.editions`)
    archived: bool
    ctx: BuildContext
    site: Site
    files: dict[str, FileData] = field(default_factory=dict)  # by path under its own folder
    rendering: Rendering | None = None  # None until rendered

    @property
    def folder(self) -> str:
        return self.site.edition.folder

    def shown(self, name: str, project: Path) -> str:
        """A file of this edition as the clerk finds it from the project, e.g. editions/2024/content/x.md."""
        return sources.shown(self.root, name, project)

    def with_site(self, site: Site) -> Edition[FileData]:
        return dataclasses.replace(self, site=site)

    def rendered(self, files: dict[str, Made], rendering: Rendering) -> Edition[Made]:
        return Edition(self.root, self.archived, self.ctx, self.site, files, rendering)

    @property
    def made(self) -> Rendering:
        """Its rendering; only a rendered edition (`rendered`) has one."""
        if self.rendering is None:
            raise ValueError(f"edition {self.folder} has not been rendered")
        return self.rendering


@dataclass(frozen=True)
class Built(Generic[FileData]):
    site: Site  # the current edition's
    files: dict[str, FileData]  # the whole tree: <folder>/<path> for every edition, and the campaign's own page
    rendered: frozenset[str]  # paths in the tree rendered by this build
    written: frozenset[str]  # paths whose bytes changed on disk, or that were removed
    editions: tuple[Edition[FileData], ...] = ()  # oldest first, rendered; the last is the current edition
    unfilled: tuple[Placeholder, ...] = ()  # while any, the current edition is a draft (`Project.draft`)

    @property
    def draft(self) -> str | None:
        """The folder of the current edition while it is a draft."""
        return self.editions[-1].folder if self.unfilled and self.editions else None

    def without_draft(self) -> Built[FileData]:
        """What ships while the current edition is a draft: the editions before it and the
        campaign's page, which already leads to the live one; itself when there is no draft."""
        if self.draft is None:
            return self
        prefix = f"{self.draft}/"
        files = {path: data for path, data in self.files.items() if not path.startswith(prefix)}
        editions = self.editions[:-1]
        return Built(editions[-1].site, files, self.rendered, self.written, editions)


def _finished(site: Site) -> dt.datetime:
    """The first moment after an edition's last day (its themes' and events' dates)."""
    days = [day for theme in site.campaign.themes for day in (theme.start, theme.end) if not is_pending(day)]
    days += [event.end_date or event.date for event in site.events]
    last = max(days, default=site.as_of.date())
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), BEIJING)


def _within(error: ContentError, root: Path, project: Path) -> ContentError:
    """An archived edition's mistakes named by their path from the project (editions/2024/...)."""
    return ContentError(
        [ContentProblem(sources.shown(root, p.file, project), p.line, p.message) for p in error.problems]
    )


@dataclass(frozen=True)
class Project:
    """The campaign as one project folder holds it: every edition, loaded and checked, as of one clock.

    The one value every command starts from (`load_project`): `build`, `check`, `publish` and
    `package` render all of it, the preview renders all of it again on every save, `stats` counts
    the current edition among the others and `new-edition` archives the current one. (Not
    `model.site.Campaign`, which is one edition's campaign.yaml.)
    """

    editions: tuple[Edition[bytes], ...]  # oldest first, loaded (no files yet); the last is the current edition
    clock: dt.datetime  # the command's; an archived edition is shown at its own (`load_project`)
    unfilled: tuple[Placeholder, ...] = ()  # what makes the current edition a draft (`drafted`)

    @property
    def draft(self) -> Edition[bytes] | None:
        """The current edition while it is a draft: begun by `new-edition`, with facts the live
        edition had that are still 待填写. It builds at its own address, but the campaign's
        address keeps leading to the live edition, and `publish` leaves it out until it is ready."""
        return self.current if self.unfilled else None

    @property
    def current(self) -> Edition[bytes]:
        return self.editions[-1]

    @property
    def archived(self) -> tuple[Edition[bytes], ...]:
        return self.editions[:-1]

    @property
    def site(self) -> Site:
        return self.current.site

    @property
    def week(self) -> tuple[dt.date | None, dt.date | None]:
        """The current edition's first and last day; None for one still 待填写, as `new-edition` leaves them."""
        themes = self.site.campaign.themes
        first = min((theme.start for theme in themes), default=None)
        last = max((theme.end for theme in themes), default=None)
        return (None if is_pending(first) else first, None if is_pending(last) else last)

    def at(self, base_url: str) -> Project:
        """The whole campaign moved (staging, preview): the current edition at `base_url`, the
        archived ones beside it, each in its own folder under the new address."""
        url = base_url if base_url.endswith("/") else base_url + "/"
        if any(edition.folder == edition_folder(url) for edition in self.archived):
            raise ContentError.at("--base-url", 0, f"「{url}」的最后一段与往届活动的文件夹相同，请换一个")
        beside = campaign_path(url)
        moved = [with_address(e.site, beside + e.folder + "/" if e.archived else url) for e in self.editions]
        editions = tuple(e.with_site(in_campaign(site, moved[-1])) for e, site in zip(self.editions, moved))
        return Project(editions, self.clock, self.unfilled)

    def check_places(self) -> None:
        """Every edition in a folder of its own under the campaign's address; ContentError if not."""
        folders: dict[str, Edition[bytes]] = {}
        for edition in self.editions:
            _check_place(edition, self.site, folders, self.current.ctx.root)


def load_project(
    ctx: BuildContext, base_url: str | None = None, offline: bool = False, *, placed: bool = True
) -> Project:
    """Every edition's model, oldest first, each knowing which is the newest, as of `ctx.clock`.

    An archived edition is shown as of the moment after its last day at the earliest (every
    status 已结束, its home page a 活动回顾). Every edition must sit in a folder of its own under
    the campaign's address (`Project.check_places`; `placed=False` leaves that to the caller:
    `new-edition` first refuses a year already archived, which would read as two editions at one
    address). `base_url` (staging) moves the whole campaign (`Project.at`).
    """
    loaded: list[Edition[bytes]] = []
    for root in sources.edition_roots(ctx.root):
        archived = root != ctx.root
        ectx = dataclasses.replace(ctx, root=root) if archived else ctx
        try:
            site = load(ectx, None, offline)
        except ContentError as exc:
            raise _within(exc, root, ctx.root) from None
        if archived and _finished(site) > ctx.clock:
            ectx = dataclasses.replace(ectx, clock=_finished(site))
            site = as_of(site, ectx.clock)
        loaded.append(Edition(root, archived, ectx, site))
    current = loaded[-1].site
    unfilled = drafted(current, loaded[-2].site) if len(loaded) > 1 else ()
    live = loaded[-2].site if unfilled else current
    editions = tuple(e.with_site(in_campaign(e.site, current if e.site is current else live)) for e in loaded)
    project = Project(editions, ctx.clock, unfilled)
    if placed:
        project.check_places()
    return project.at(base_url) if base_url else project


def drafted(current: Site, last: Site) -> tuple[Placeholder, ...]:
    """The current edition's values still 待填写 that last year's edition had filled in: what the
    new notice gives. A value left 待填写 in both (the ICP number, a sample address) is not one."""
    before = {(placeholder.file, placeholder.key) for placeholder in last.placeholders}
    return tuple(p for p in current.placeholders if (p.file, p.key) not in before)


def in_campaign(site: Site, newest: Site) -> Site:
    """`site` as one edition of the campaign whose newest edition is `newest` (maybe itself)."""
    edition = EditionPlace(
        edition_folder(site.config.base_path), edition_folder(newest.config.base_path), newest.config.title
    )
    return dataclasses.replace(site, edition=edition)


def _check_place(edition: Edition[bytes], current: Site, folders: dict[str, Edition[bytes]], project: Path) -> None:
    """Every edition in a folder of its own under the same campaign address."""
    site = edition.site
    base = site.config.base_url
    where = edition.shown("config.yaml", project)
    folder = edition_folder(site.config.base_path)

    if not folder:
        raise ContentError.at(
            where,
            site.config.where.of("base_url"),
            f"正式网址「{base}」应以本届活动所在的文件夹结尾，如 https://www.example.gov.cn/jnxcz/2024/"
            "（每年的活动各占一个文件夹，往届的网站和二维码才能一直有效）",
        )
    ours = campaign_path(current.config.base_url)
    if campaign_path(base) != ours:
        raise ContentError.at(
            where,
            site.config.where.of("base_url"),
            f"往届网站的网址「{base}」与本届（config.yaml）不在同一个活动网址「{ours}」下；"
            "往届的网址是印在海报上的，请保持它当年的样子，并让本届的网址与它只差最后的年份",
        )
    if folder in folders:
        other = folders[folder].shown("config.yaml", project)
        raise ContentError.at(
            where,
            site.config.where.of("base_url"),
            f"正式网址「{base}」与 {other} 的相同：两届活动不能用同一个网址（{campaign_path(site.config.base_path)}"
            f"{folder}/）；本届请改成新的年份",
        )
    folders[folder] = edition


def _chromium(ctx: BuildContext, project: Project, pdf: bool) -> str | None:
    """Chromium's path when poster PDFs are wanted and it is there; says how to get it if not."""
    if not pdf or not any(edition.site.posters for edition in project.editions):
        return None
    chromium = printing.find_chromium()
    if chromium is None:
        ctx.say(printing.install_hint())
    return chromium


def _read_back(data: bytes | Stored, folder: Path | None, path: str) -> bytes:
    """A file's bytes; one left on disk as it was (only in a build into `folder`) is read from there."""
    if not isinstance(data, Stored):
        return data
    if folder is None:
        raise ValueError(f"{path} was left on disk, but no folder was given to read it from")
    return (folder / path).read_bytes()


def _with_pdfs(ctx: BuildContext, site: Site, files: Files, chromium: str | None, out: Path | None) -> Files:
    if chromium is None or not site.posters:
        return files
    ctx.progress(f"打印海报 PDF（{len(site.posters)} 张）")
    printable = {
        path: _read_back(data, out, path) for path, data in files.items() if path.startswith(("posters/", "assets/"))
    }
    printed = printing.print_posters(site, printable, chromium, ctx.store, ctx.fingerprint, ctx.fonts, ctx.bleed)
    if any(printing.type3_fonts(data) for data in printed.values()):
        ctx.say(printing.font_hint())
    return dict(sorted({**files, **printed}.items()))


def _tree(built: list[Edition[FileData]], out: Path | None, project: Project) -> dict[str, FileData]:
    """The campaign's whole tree: each edition in its folder, the campaign's own page at the top,
    leading to the live edition (a draft is in its folder, not on the campaign's page)."""
    tree: dict[str, FileData] = {}
    for edition in built:
        tree.update({f"{edition.folder}/{path}": data for path, data in edition.files.items()})
    shown = built[:-1] if project.draft else built
    live = shown[-1]
    tree.update(campaign_home([edition.site for edition in shown]))
    page = live.files.get("404.html")
    if page is not None and not live.site.config.offline:  # the server's error page
        tree["404.html"] = _read_back(page, out / live.folder if out is not None else None, "404.html")
    return dict(sorted(tree.items()))


def _render_all(
    project: Project,
    chromium: str | None,
    previous: Mapping[str, tuple[Site | ReadDigests, Rendering]] | None,
    out: Path | None,
    templates: Callable[[BuildContext], Templates] = templates_of,
) -> list[Edition[bytes | Stored]]:
    """Every edition rendered, each given its previous rendering (by folder) when there is one."""
    built = []
    for edition in project.editions:
        before = (previous or {}).get(edition.folder)
        rendering = render(edition.site, templates(edition.ctx), edition.ctx, chromium is not None, before)
        folder = out / edition.folder if out is not None else None
        files = _with_pdfs(edition.ctx, edition.site, rendering.files, chromium, folder)
        built.append(edition.rendered(files, rendering))
    return built


def _rendered(built: list[Edition[FileData]]) -> frozenset[str]:
    return frozenset(f"{b.folder}/{path}" for b in built for path in b.made.rendered)


def build(
    ctx: BuildContext, out: Path, base_url: str | None = None, pdf: bool = True, offline: bool = False
) -> Built[bytes | Stored]:
    """Build every edition into `out`, rendering only what changed since the last build there.

    On any ContentError `out` is left as it was. Poster PDFs need Chromium: without it
    everything else is still built, and `ctx.say` tells the user how to get it.
    """
    state = build_state.BuildState(ctx.store, out)
    check_target(out, ctx.root, known=state.known)
    ctx.progress("读取并检查内容")
    project = load_project(ctx, base_url, offline)
    chromium = _chromium(ctx, project, pdf)
    key = build_state.state_key(ctx.fingerprint, out, chromium is not None)
    previous = state.previous(key)
    ctx.progress(f"生成页面和二维码（{'只生成有变化的文件' if previous else '全部生成'}）")
    built = _render_all(project, chromium, previous, out)
    files = _tree(built, out, project)
    ctx.progress(f"写入 {out.name}/")
    written = write_site(files, out, state.written)
    ctx.cache.flush()
    states = {b.folder: (b.site, b.made) for b in built}
    state.save(key, states, recorded(out, files))
    return Built(built[-1].site, files, _rendered(built), written, tuple(built), project.unfilled)


def make_site(ctx: BuildContext, base_url: str | None = None, pdf: bool = True, offline: bool = False) -> Built[bytes]:
    """The whole tree in memory, PDFs included, for commands that inspect and ship it."""
    project = load_project(ctx, base_url, offline)
    chromium = _chromium(ctx, project, pdf)
    built = [  # rendered without a previous build: nothing is left on disk
        b.rendered({path: _read_back(data, None, path) for path, data in b.files.items()}, b.made)
        for b in _render_all(project, chromium, None, None)
    ]
    ctx.cache.flush()
    tree = _tree(built, None, project)
    return Built(built[-1].site, tree, _rendered(built), frozenset(), tuple(built), project.unfilled)


def inspect_site(built: Built[bytes], online: bool = False) -> Inspection:
    """The inspection of what ships: the current edition in full, the archived ones' links.

    Freshness, due dates and placeholders concern this year's campaign only; an archived
    edition must still have no broken link, its 往届 note to the newest edition included.
    """
    *archived, current = built.editions
    result = inspect(current.ctx, current.site, current.files, online=online, tree=built.files)
    root = current.ctx.root
    for edition in archived:
        result.findings += archived_links(
            edition.ctx, edition.site, edition.files, built.files, partial(edition.shown, project=root)
        )
    result.findings.sort()
    return result


def rerender(
    project: Project,
    previous: dict[str, tuple[Site, Rendering]],
    templates: Callable[[BuildContext], Templates] = templates_of,
) -> list[Edition[bytes | Stored]]:
    """The preview's step: every edition rendered given its last good site and rendering in memory.

    The same stages as `build` (posters aside), so a save shows exactly what a build would, the
    archived editions' notes to the newest included. `templates` is each edition's templates
    (the preview keeps them while their files stay the same).
    """
    built = _render_all(project, None, previous, None, templates)
    project.current.ctx.cache.flush()
    return built

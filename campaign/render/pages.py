"""From the site model to a mapping of output path -> bytes, touching no disk.

`plan_pages` decides which pages exist (Pelican's generators); `render_site` fills each one
through a strict Jinja environment: autoescape on, undefined variables an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup, escape

from campaign.render import ics
from campaign.render import dates
from campaign import parallel
from campaign.render import qr
from campaign.model import timeline
from campaign.errors import ContentError
from campaign.model.site import PLACEHOLDER_PREFIX, Site
from campaign.render.posters import poster_facts, print_files, print_files_names, redirect_target
from campaign.render.templates import Theme, ThemeLoader, template_error
from campaign.render.urls import Linker, is_safe, output_file

NAV = (("首页", ""), ("活动日程", "schedule/"), ("直播收看", "livestreams/"),
       ("低碳日倡议", "pledges/"), ("知识竞赛", "quiz/"), ("活动动态", "news/"),
       ("活动通知", "notice/"), ("联系报送", "contact/"))


@dataclass(frozen=True)
class PagePlan:
    url: str  # url path under the base, "" for the home page
    template: str
    title: str
    data: dict = field(default_factory=dict)
    section: str = ""  # the nav entry it belongs to
    updated: dt.date | None = None  # shown as 发布时间 / 更新时间 and used in the sitemap
    sitemap: bool = True
    # Parts of the model the page shows (see `changes`); config and templates go without saying.
    depends: frozenset = frozenset()


def _deps(*keys: str) -> frozenset:
    return frozenset(("notice",) + keys)  # every page shows the notice's date as 发布时间


def plan_pages(site: Site) -> list[PagePlan]:
    cfg = site.config
    published = site.notice.published
    timing = event_timing(site)
    latest = tuple(f"news:{item.slug}" for item in site.news[:5])
    pages = [
        PagePlan("", "index.html", cfg.title, {"timing": timing, "now": _now_summary(site, timing)},
                 "", published, depends=_deps("campaign", "schedule", "pledges", "quiz",
                                              "news-order", "clock", *latest)),
        PagePlan("schedule/", "schedule.html", "活动日程",
                 {"days": _schedule_days(site), "spanning": [e for e in site.events if e.end_date],
                  "timing": timing}, "schedule/", published,
                 depends=_deps("campaign", "schedule", "clock")),
        PagePlan("livestreams/", "livestreams.html", "直播收看与资料下载", {}, "livestreams/",
                 published, depends=_deps("livestreams")),
        PagePlan("pledges/", "pledges.html", site.pledge_day.title, {}, "pledges/", published,
                 depends=_deps("pledges")),
        PagePlan("quiz/", "quiz.html", site.quiz.title, {}, "quiz/", published,
                 depends=_deps("quiz")),
        PagePlan("notice/", "notice.html", "活动通知", {}, "notice/", published, depends=_deps()),
        PagePlan("contact/", "contact.html", site.contact.title, {}, "contact/", published,
                 depends=_deps("contact")),
    ]
    for event in site.events:
        pages.append(PagePlan(f"events/{event.id}/", "event.html", event.title,
                              {"event": event, "timing": timing}, "schedule/", published,
                              depends=_deps("schedule", "livestreams", "clock")))
    pages.extend(_news_pages(site))
    pages.extend(_poster_pages(site))
    pages.append(PagePlan("404.html", "404.html", "页面未找到", sitemap=False))
    return pages


POSTER_DEPS = _deps("posters", "livestreams", "schedule", "campaign")


def _poster_pages(site: Site) -> list[PagePlan]:
    pages = []
    for link in site.links:
        target = redirect_target(site, link)
        if site.config.offline and link.page is not None:
            target = Linker(link.path, "", "", offline=True)(link.page)
        pages.append(PagePlan(link.path, "go.html", link.label, {"link": link, "target": target}, "",
                              site.notice.published, sitemap=False, depends=POSTER_DEPS))
    if site.posters:
        posters = [poster_facts(site, poster) for poster in site.posters]
        pages.append(PagePlan("posters/", "posters.html", "宣传海报", {"posters": posters}, "",
                              site.notice.published, depends=POSTER_DEPS))
        for facts in posters:
            pages.append(PagePlan(facts["folder"], "poster.html", facts["poster"].headline,
                                  facts, "", site.notice.published, depends=POSTER_DEPS))
    return pages


def event_timing(site: Site) -> dict:
    """Per event: its status as of the build and the instants the page script checks."""
    result = {}
    for event in site.events:
        start, end, all_day = timeline.window(event)
        state = timeline.status(event, site.as_of) if site.as_of else "upcoming"
        result[event.id] = {"status": state, "label": timeline.STATUS_LABELS[state],
                            "start": start.isoformat(), "end": end.isoformat(),
                            "all_day": "1" if all_day else "0"}
    return result


def _now_summary(site: Site, timing: dict) -> dict:
    """What the home page leads with: before, during or after the campaign week."""
    first = min(t.start for t in site.campaign.themes)
    last = max(t.end for t in site.campaign.themes)
    today = site.as_of.date() if site.as_of else first
    phase = "before" if today < first else "after" if today > last else "during"
    current = [e for e in site.events if timing[e.id]["status"] in ("live", "today")]
    upcoming = [e for e in site.events if timing[e.id]["status"] == "upcoming"][:3]
    return {"phase": phase, "current": current, "next": upcoming,
            "updated": site.as_of, "done": [e for e in site.events
                                            if timing[e.id]["status"] == "ended"]}


def _schedule_days(site: Site) -> list[dict]:
    start = min(t.start for t in site.campaign.themes)
    end = max(t.end for t in site.campaign.themes)
    single = [e for e in site.events if not e.end_date]
    days = sorted({start + dt.timedelta(n) for n in range((end - start).days + 1)}
                  | {e.date for e in single})
    return [{"date": day, "events": [e for e in single if e.date == day]} for day in days]


def _news_pages(site: Site) -> list[PagePlan]:
    if site.news_hidden:
        return []
    per_page = site.config.news_per_page
    items = site.news
    count = max(1, -(-len(items) // per_page))
    pages = []
    for number in range(1, count + 1):
        url = "news/" if number == 1 else f"news/page/{number}/"
        chunk = items[(number - 1) * per_page: number * per_page]
        pager = {"number": number, "count": count,
                 "prev": None if number == 1 else ("news/" if number == 2 else f"news/page/{number - 1}/"),
                 "next": None if number == count else f"news/page/{number + 1}/"}
        title = "活动动态" if number == 1 else f"活动动态（第 {number} 页）"
        shown = tuple(f"news:{item.slug}" for item in chunk)
        pages.append(PagePlan(url, "news_list.html", title, {"items": chunk, "pager": pager},
                              "news/", chunk[0].date if chunk else None,
                              depends=frozenset(("news-order",) + shown)))
    for item in items:
        pages.append(PagePlan(f"news/{item.slug}/", "news_item.html", item.title,
                              {"item": item}, "news/", item.date,
                              depends=frozenset((f"news:{item.slug}",))))
    return pages


def placeholder(value: str) -> Markup:
    """Show a value the office has not filled in yet as a visible, labelled gap."""
    if value.startswith(PLACEHOLDER_PREFIX):
        return Markup('<span class="placeholder">{}</span>').format(value)
    return escape(value)


def make_environment(theme: Theme) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=ThemeLoader(theme.templates),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    env.filters.update(cn_date=dates.cn_date, cn_span=dates.cn_span, cn_time=dates.cn_time,
                       cn_datetime=dates.cn_datetime,
                       month_day=dates.cn_month_day, placeholder=placeholder)
    return env


FEED_SIZE = 50  # feed readers want the latest reports, not the archive of every year
# The sitemap lists every page with its date: what adds or removes pages, or moves a date.
SITEMAP_DEPENDS = frozenset(("news-order", "news-dates", "schedule", "posters", "notice"))
FEEDS = {"feed.xml": frozenset(("news-order", "notice")), "sitemap.xml": SITEMAP_DEPENDS,
         "robots.txt": frozenset()}
CALENDAR_DEPENDS = frozenset(("schedule", "notice"))


@dataclass(frozen=True)
class Rendering:
    files: dict  # output path -> bytes, the whole site
    rendered: frozenset  # output paths rendered this time (the rest came from the previous one)


def render_site(site: Site, theme: Theme, with_pdf: bool = True) -> dict[str, bytes]:
    """`with_pdf` says whether poster PDFs will be printed, so pages link to them or not."""
    return render_changes(site, theme, with_pdf).files


def render_changes(site: Site, theme: Theme, with_pdf: bool, previous: Rendering | None = None,
                   changed: frozenset | None = None) -> Rendering:
    """Render what `changed` (keys from `changes.changed_parts`) touches; reuse the rest.

    Without a previous rendering, or when config or templates changed, everything is rendered.
    """
    everything = previous is None or changed is None or "config" in changed
    job = _Job(site, theme, with_pdf, make_environment(theme), {} if everything else previous.files,
               None if everything else changed)
    job.files.update(theme.static)
    job.add_print_files()
    job.add_calendars()
    plans = plan_pages(site)
    job.add_pages(plans)
    job.add_feeds(plans)
    return Rendering(dict(sorted(job.files.items())), frozenset(job.rendered))


@dataclass
class _Job:
    """One rendering pass: what is rendered anew, and what is taken over from the last one."""

    site: Site
    theme: Theme
    with_pdf: bool
    env: jinja2.Environment
    reuse: dict
    changed: frozenset | None  # None: render everything
    files: dict = field(default_factory=dict)
    rendered: set = field(default_factory=set)

    def needed(self, path: str, depends) -> bool:
        if self.changed is None or path not in self.reuse or depends is None or depends & self.changed:
            self.rendered.add(path)
            return True
        self.files[path] = self.reuse[path]
        return False

    def add_print_files(self) -> None:
        names = print_files_names(self.site)
        if self.changed is None or "posters" in self.changed or not all(p in self.reuse for p in names):
            self.files.update(print_files(self.site))
        else:
            self.files.update({path: self.reuse[path] for path in names})

    def add_calendars(self) -> None:
        for event in self.site.events:
            path = f"calendar/{event.id}.ics"
            if self.needed(path, CALENDAR_DEPENDS):
                self.files[path] = ics.event_file(self.site, event)
        if self.needed("calendar/week.ics", CALENDAR_DEPENDS):
            self.files["calendar/week.ics"] = ics.week_file(self.site)

    def add_pages(self, plans: list[PagePlan]) -> None:
        todo = []
        for plan in plans:
            path = output_file(plan.url)
            if path in self.files:
                raise ContentError.at("content", 0, f"两个页面要写到同一个文件「{path}」；请修改其中一个的 id 或文件名")
            if self.needed(path, plan.depends):
                self.files[path] = b""  # claimed; filled below
                todo.append(plan)
        for plan, data in zip(todo, parallel.map_ordered(self.render_page, todo)):
            _add(self.files, output_file(plan.url), data)

    def render_page(self, plan: PagePlan) -> bytes:
        try:
            return _render_page(self.env, self.site, self.theme, plan, self.with_pdf).encode()
        except jinja2.TemplateError as exc:
            raise template_error(exc) from None

    def add_feeds(self, plans: list[PagePlan]) -> None:
        latest = self.site.news[:FEED_SIZE]
        for name, depends in FEEDS.items():
            if name == "feed.xml" and self.site.news_hidden:
                continue
            if name == "feed.xml":
                depends = depends | {f"news:{item.slug}" for item in latest}
            if self.needed(name, depends):
                try:
                    text = self.env.get_template(name).render(
                        site=self.site, pages=plans, cfg=self.site.config, feed_items=latest)
                except jinja2.TemplateError as exc:
                    raise template_error(exc) from None
                _add(self.files, name, text.encode())


def _add(files: dict[str, bytes], path: str, data: bytes) -> None:
    if not is_safe(path):
        raise ContentError.at("content", 0, f"生成的文件路径「{path}」不安全，已拒绝写出")
    if files.get(path):
        raise ContentError.at("content", 0, f"两个页面要写到同一个文件「{path}」；请修改其中一个的 id 或文件名")
    files[path] = data


RELATIVE_FOLDER_LINK = re.compile(r'(href|src)="((?![a-z][a-z0-9+.-]*:|/|#)[^"]*/)"')


def offline_links(html: str) -> str:
    """Opened from disk a folder does not open its index.html, so links must name it."""
    return RELATIVE_FOLDER_LINK.sub(r'\1="\2index.html"', html)


def _page_address(cfg, plan: PagePlan) -> str:
    """The production address a page's own QR code leads to (the 404 page: the home page)."""
    return cfg.base_url + (plan.url if plan.url != "404.html" else "")


def _render_page(env: jinja2.Environment, site: Site, theme: Theme, plan: PagePlan,
                 with_pdf: bool) -> str:
    cfg = site.config
    link = Linker(plan.url, cfg.base_path, cfg.base_url, absolute=plan.url == "404.html",
                  offline=cfg.offline)
    full_url = _page_address(cfg, plan)
    page = {
        "title": plan.title, "url": plan.url, "full_url": full_url, "updated": plan.updated,
        "qr": Markup(qr.svg(full_url, f"二维码：用手机扫码打开本页 {full_url}",
                            cfg.qr.error_correction)),
        "with_pdf": with_pdf,
    }
    nav = [{"label": label, "href": link(target), "current": target == plan.section}
           for label, target in NAV if not (target == "news/" and site.news_hidden)]
    html = env.get_template(plan.template).render(
        site=site, cfg=cfg, page=page, nav=nav, url=link,
        css=link(theme.assets["style.css"]), poster_css=link(theme.assets["poster.css"]),
        status_js=link(theme.assets["status.js"]), reader_js=link(theme.assets["reader.js"]),
        large_css=link(theme.assets["large.css"]),
        qr_for=_qr_for(cfg), **plan.data)
    return offline_links(html) if cfg.offline else html


def _qr_for(cfg):
    def qr_for(address: str, label: str) -> Markup:
        return Markup(qr.svg(address, label, cfg.qr.error_correction))
    return qr_for

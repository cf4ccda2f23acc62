"""Which pages the site has, and what each one is given: the plans the renderer fills in.

`plan_pages` decides which pages exist (Pelican's generators) from the model and the table
of sections; each plan carries everything specific to its page (the event, the report, the
statuses as of the build). A plan is plain data, compared whole with the previous build's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from campaign.model import timeline
from campaign.model.sections import BY_KEY, SECTIONS
from campaign.model.site import Site, is_pending
from campaign.render.posters import poster_facts, redirect_target
from campaign.render.qr import QrCodes
from campaign.render.urls import Linker


@dataclass(frozen=True)
class PagePlan:
    """One page: everything specific to it that its template is given (compared between builds)."""

    url: str  # url path under the base, "" for the home page
    template: str
    title: str
    data: Mapping[str, Any] = field(default_factory=dict)  # the template's own variables
    section: str | None = None  # the address of the section it belongs to (its menu entry), if any
    updated: dt.date | None = None  # shown as 发布时间 / 更新时间 and used in the sitemap
    sitemap: bool = True
    # served at whatever address was asked for (the 404 page): its links are absolute and it has
    # no code of its own to scan
    anywhere: bool = False


class EventTiming(TypedDict):
    """An event's status as of the build, and the instants (ISO) the page script checks."""

    status: str
    label: str
    start: str
    end: str
    all_day: str  # "1" or "0"


def plan_pages(site: Site, codes: QrCodes) -> list[PagePlan]:
    """Every page of the site, in sitemap order; `codes` draws the posters' QR codes."""
    cfg = site.config
    published = site.notice.published
    timing = event_timing(site)
    titles = {
        "home": cfg.title,
        "pledges": site.pledge_day.title,
        "quiz": site.quiz.title,
        "contact": site.contact.title,
    }
    data: dict[str, dict[str, Any]] = {
        "home": {"timing": timing, "now": _now_summary(site, timing)},
        "schedule": {
            "days": _schedule_days(site),
            "spanning": [e for e in site.events if e.end_date],
            "timing": timing,
        },
    }
    pages = [
        PagePlan(s.url, s.template, titles.get(s.key, s.title), data.get(s.key, {}), s.url, published)
        for s in SECTIONS
        if s.key != "news"
    ]
    schedule = BY_KEY["schedule"].url
    for event in site.events:
        pages.append(
            PagePlan(
                event.page,
                "event.html",
                event.title,
                {"event": event, "timing": timing},
                schedule,
                published,
            )
        )
    pages.extend(_news_pages(site))
    pages.extend(_poster_pages(site, codes))
    pages.append(PagePlan("404.html", "404.html", "页面未找到", sitemap=False, anywhere=True))
    return pages


def _poster_pages(site: Site, codes: QrCodes) -> list[PagePlan]:
    pages = []
    for link in site.links:
        target = redirect_target(site, link)
        if site.config.offline and link.page is not None:
            target = Linker(link.path, "", "", offline=True)(link.page)
        pages.append(
            PagePlan(
                link.path,
                "go.html",
                link.label,
                {"link": link, "target": target},
                None,
                site.notice.published,
                sitemap=False,
            )
        )
    if site.posters:
        posters = [poster_facts(site, poster, codes) for poster in site.posters]
        pages.append(
            PagePlan("posters/", "posters.html", "宣传海报", {"posters": posters}, None, site.notice.published)
        )
        for facts in posters:
            pages.append(
                PagePlan(facts["folder"], "poster.html", facts["poster"].headline, facts, None, site.notice.published)
            )
    return pages


def event_timing(site: Site) -> dict[str, EventTiming]:
    """Per event: its status as of the build and the instants the page script checks."""
    result: dict[str, EventTiming] = {}
    for event in site.events:
        start, end, all_day = timeline.window(event)
        state = timeline.status(event, site.as_of)
        result[event.id] = {
            "status": state,
            "label": timeline.STATUS_LABELS[state],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "all_day": "1" if all_day else "0",
        }
    return result


def _now_summary(site: Site, timing: dict[str, EventTiming]) -> dict[str, Any]:
    """What the home page leads with: before, during or after the campaign week."""
    first = min(t.start for t in site.campaign.themes)
    last = max(t.end for t in site.campaign.themes)
    today = site.as_of.date()
    phase = "before" if today < first else "after" if today > last else "during"
    current = [e for e in site.events if timing[e.id]["status"] in ("live", "today")]
    upcoming = [e for e in site.events if timing[e.id]["status"] == "upcoming"][:3]
    return {
        "first": first,
        "last": last,
        "phase": phase,
        "current": current,
        "next": upcoming,
        "updated": site.as_of,
        "done": [e for e in site.events if timing[e.id]["status"] == "ended"],
    }


def _schedule_days(site: Site) -> list[dict[str, Any]]:
    start = min(t.start for t in site.campaign.themes)
    end = max(t.end for t in site.campaign.themes)
    single = [e for e in site.events if not e.end_date]
    week: set[dt.date] = (
        set()
        if is_pending(start) or is_pending(end)
        else {start + dt.timedelta(n) for n in range((end - start).days + 1)}
    )
    days = sorted(week | {e.date for e in single})
    return [{"date": day, "events": [e for e in single if e.date == day]} for day in days]


def _news_pages(site: Site) -> list[PagePlan]:
    if site.news_hidden:
        return []
    section = BY_KEY["news"]
    per_page = site.config.news_per_page
    items = site.news
    count = max(1, -(-len(items) // per_page))
    pages = []
    for number in range(1, count + 1):
        url = section.url if number == 1 else f"{section.url}page/{number}/"
        chunk = items[(number - 1) * per_page : number * per_page]
        pager = {
            "number": number,
            "count": count,
            "prev": None if number == 1 else (section.url if number == 2 else f"{section.url}page/{number - 1}/"),
            "next": None if number == count else f"{section.url}page/{number + 1}/",
        }
        title = section.title if number == 1 else f"{section.title}（第 {number} 页）"
        pages.append(
            PagePlan(
                url,
                section.template,
                title,
                {"items": chunk, "pager": pager},
                section.url,
                chunk[0].date if chunk else None,
            )
        )
    for item in items:
        pages.append(
            PagePlan(f"{section.url}{item.slug}/", "news_item.html", item.title, {"item": item}, section.url, item.date)
        )
    return pages

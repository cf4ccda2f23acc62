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
from campaign.render import dates
from campaign.render.posters import poster_facts, redirect_target
from campaign.render.qr import QrCodes
from campaign.render.share import describe, first_paragraph
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
    description: str = ""  # what the page says of itself when shared (`render.share`)


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
    described = _section_descriptions(site)
    pages = [
        PagePlan(
            s.url,
            s.template,
            titles.get(s.key, s.title),
            data.get(s.key, {}),
            s.url,
            published,
            description=described[s.key],
        )
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
                description=describe(event.summary),
            )
        )
    pages.extend(_news_pages(site))
    pages.extend(_poster_pages(site, codes))
    missing = "您要找的页面不存在，可能是网址输入有误，或页面已经调整。"
    pages.append(PagePlan("404.html", "404.html", "页面未找到", sitemap=False, anywhere=True, description=missing))
    return pages


def _section_descriptions(site: Site) -> dict[str, str]:
    """What each section's page says of itself when shared, from its own text."""
    themes = site.campaign.themes
    first, last = min(t.start for t in themes), max(t.end for t in themes)
    when = "" if is_pending(first) or is_pending(last) else dates.cn_span(first, last)
    announced = site.livestreams + site.downloads
    return {
        "home": site.config.description,
        "schedule": describe(f"{when}的活动日程：", "、".join(e.title for e in site.events)),
        "livestreams": describe("直播收看与资料下载：", "；".join(f"{a.title}（{a.platform}）" for a in announced)),
        "pledges": describe(first_paragraph(site.pledge_day.intro_html) or site.pledge_day.title),
        "quiz": describe(f"{site.quiz.title}：", site.quiz.how),
        "news": "",  # each page of the list says which reports it lists (`_news_pages`)
        "notice": site.notice.title,
        "contact": describe(
            f"{site.contact.title}：",
            f"联系人{'、'.join(site.contact.people)}，电话{site.contact.phone}，",
            f"报送邮箱{site.contact.email}，{dates.cn_date(site.contact.deadline, False)}前报送。",
        ),
    }


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
                description=f"扫码后打开：{link.label}",
            )
        )
    if site.posters:
        posters = [poster_facts(site, poster, codes) for poster in site.posters]
        headlines = "、".join(facts["poster"].headline for facts in posters)
        pages.append(
            PagePlan(
                "posters/",
                "posters.html",
                "宣传海报",
                {"posters": posters},
                None,
                site.notice.published,
                description=describe("供各单位打印张贴的宣传海报：", headlines),
            )
        )
        for facts in posters:
            poster = facts["poster"]
            pages.append(
                PagePlan(
                    facts["folder"],
                    "poster.html",
                    poster.headline,
                    facts,
                    None,
                    site.notice.published,
                    description=describe(poster.text),
                )
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
        "lines": _today_lines(site),
        "today_key": today.isoformat() if phase == "during" else phase,
    }


def _today_lines(site: Site) -> list[tuple[str, str]]:
    """The home page's line for each day of the week, and for before and after it: (key, words).

    The key is the day (ISO) or "before" / "after"; the page shows the line of the build's day,
    and status.js the line of the reader's day (Beijing time). None while a date is pending.
    """
    themes = site.campaign.themes
    if any(is_pending(t.start) or is_pending(t.end) for t in themes):
        return []
    first, last = min(t.start for t in themes), max(t.end for t in themes)
    week = max(themes, key=lambda t: (t.end - t.start).days)
    lines = [("before", f"即将开始：{week.name}{dates.cn_month_day(first)}开幕")]
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(n)
        named = [t.name for t in themes if t.start == t.end == day]
        parts = [f"{dates.cn_month_day(day)} 星期{dates.WEEKDAYS[day.weekday()]}", *named, f"{week.name}第{n + 1}天"]
        lines.append((day.isoformat(), "今天：" + " · ".join(parts)))
    lines.append(("after", f"{week.name}已于{dates.cn_month_day(last)}结束，欢迎回顾"))
    return lines


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
        listed = "；".join(item.title for item in chunk) or "暂无活动动态。"
        pages.append(
            PagePlan(
                url,
                section.template,
                title,
                {"items": chunk, "pager": pager},
                section.url,
                chunk[0].date if chunk else None,
                description=describe(f"{title}：", listed),
            )
        )
    for item in items:
        pages.append(
            PagePlan(
                f"{section.url}{item.slug}/",
                "news_item.html",
                item.title,
                {"item": item},
                section.url,
                item.date,
                description=describe(item.summary or first_paragraph(item.body_html) or item.title),
            )
        )
    return pages

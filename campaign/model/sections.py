"""The sections of the site, in one table: menu title, address, template, sources, emptiness.

Everything that lists sections reads this table: the menu on every page, the pages a poster's
`page:<key>` may lead to, the empty-section check of the inspection, the files the preview
watches. Adding a section is one row here plus its template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from campaign.model.site import Site


@dataclass(frozen=True)
class Section:
    key: str  # the name used in content/posters.yaml (page:<key>)
    menu: str  # the menu entry
    title: str  # the section's full name, e.g. on a stable address's page
    url: str  # address under the site's base, "" for the home page
    template: str
    source: str  # the file (or folder) its content comes from
    content: Callable[[Site], object] | None = None  # site -> what the section shows; falsy means empty

    def is_empty(self, site: Site) -> bool:
        return self.content is not None and not self.content(site)


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>|\s", "", html)


SECTIONS = (
    Section("home", "首页", "网站首页", "", "index.html", "content/campaign.yaml"),
    Section(
        "schedule",
        "活动日程",
        "活动日程",
        "schedule/",
        "schedule.html",
        "content/schedule.yaml",
        lambda site: site.events,
    ),
    Section(
        "livestreams",
        "直播收看",
        "直播收看与资料下载",
        "livestreams/",
        "livestreams.html",
        "content/livestreams.yaml",
        lambda site: site.livestreams + site.downloads,
    ),
    Section(
        "pledges",
        "低碳日倡议",
        "低碳日倡议",
        "pledges/",
        "pledges.html",
        "content/pledges.yaml",
        lambda site: site.pledge_day.pledges,
    ),
    Section("quiz", "知识竞赛", "节能知识竞赛", "quiz/", "quiz.html", "content/quiz.yaml"),
    Section("news", "活动动态", "活动动态", "news/", "news_list.html", "content/news/", lambda site: site.news),
    Section(
        "notice",
        "活动通知",
        "活动通知",
        "notice/",
        "notice.html",
        "content/notice.md",
        lambda site: _visible_text(site.notice.body_html),
    ),
    Section("contact", "联系报送", "联系与报送", "contact/", "contact.html", "content/contact.md"),
)
BY_KEY = {section.key: section for section in SECTIONS}
# What the site is made from, besides templates/: what the preview watches.
SOURCES = ("config.yaml", "content")


def shown(site: Site) -> tuple[Section, ...]:
    """The sections on the site: an empty 活动动态 is left out when the content asks for it."""
    return tuple(s for s in SECTIONS if not (s.key == "news" and site.news_hidden))

"""The site's own search: the 站内搜索 page and its index, a script file of character bigrams.

Chinese has no spaces between words, so the index is not of words but of every pair of
neighbouring characters (bigrams) in what each page shows: a query of two or more characters
is found through its bigrams, then checked as a whole in the page's text, so 「节约用电」 finds
exactly the pages that say 节约用电. The index is a script that assigns one global
(`window.JNXCZ_SEARCH`): a page loads it with `<script src>`, which works under the site's
Content-Security-Policy (script-src 'self') and opened from disk, where a browser refuses
`fetch`. `templates/static/search.js` reads it; both sides fold text the same way (`fold`:
full-width letters, digits and signs as half-width, so 「５月１５日」 is 「5月15日」, and ASCII
in lower case), one character for one, so a match found in folded text marks the same
characters in the text as shown.

The index is one output of the rendering pass (`render.site`), rendered against the recording
site like any page: it depends on exactly the parts of the model it read, and its plan lists
the pages it indexes, so a new report makes it again.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from campaign.model.sections import SECTIONS
from campaign.model.site import Asset, Attachment, Event, NewsItem, Poster, Site, is_pending
from campaign.render.dates import cn_date, cn_span
from campaign.render.pages import PagePlan
from campaign.render.urls import Linker

PAGE = "search/"  # the search page's address under the site's base
INDEX = "search/index.js"  # its index, beside it
TEMPLATE = "search.html"
TITLE = "站内搜索"
GLOBAL = "JNXCZ_SEARCH"  # the global the index assigns and search.js reads
# What of a page's plan the index needs: the report, event or poster it shows (not the
# statuses as of the build, which change every day and are not searched).
SHOWN = ("item", "event", "poster")
BLOCK_TAG = re.compile(
    r"</?(?:p|li|ul|ol|h[1-6]|tr|td|th|table|thead|tbody|br|div|figure|figcaption|blockquote|pre|hr|dd|dt|dl)\b[^>]*>",
    re.I,
)
ANY_TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"\s+")
# U+FF01..U+FF5E are the full-width forms of ! to ~ (Ａ is A, then a); the ideographic space is a space
_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FULL_WIDTH = {code: ascii + 32 if 0x41 <= ascii <= 0x5A else ascii for code, ascii in _ASCII.items()}
HAS_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# A-Z to a-z on the UTF-8 bytes: every other character's bytes are 0x80 and above, untouched
ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def shown_text(text: str) -> str:
    """Text as the index stores it: every run of spaces and line breaks as one space."""
    return SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Full-width ASCII as half-width, A-Z as a-z: one character for one (search.js's `fold`)."""
    if HAS_FULL_WIDTH.search(text):
        text = text.translate(FULL_WIDTH)
    return text.encode().translate(ASCII_LOWER).decode()


def normalise(text: str) -> str:
    """Text as it is searched, and a query as search.js reads it: spaces as one, then folded."""
    return fold(shown_text(text))


def bigrams(text: str) -> set[str]:
    """Every pair of neighbouring characters within a run without spaces, of normalised text."""
    found: set[str] = set()
    for run in text.split(" "):
        found.update(map(operator.add, run, run[1:]))
    return found


def plain(body_html: str) -> str:
    """The visible text of sanitised HTML: a block ends a run of text, inline markup does not
    (<strong>节约</strong>用电 is still 节约用电)."""
    return html.unescape(ANY_TAG.sub("", BLOCK_TAG.sub(" ", body_html)))


def page_plan(updated: dt.date | None) -> PagePlan:
    """The search page: not in the sitemap (it shows nothing until asked)."""
    said = "在本站搜索活动日程、直播、倡议、通知和活动动态，输入两三个字即可找到。"
    return PagePlan(PAGE, TEMPLATE, TITLE, {}, None, updated, sitemap=False, description=said)


def indexed(plans: Iterable[PagePlan]) -> tuple[PagePlan, ...]:
    """The pages the index lists, each with only what the index reads of its plan: every page of
    the sitemap except the later pages of the 活动动态 list (the reports have their own)."""
    return tuple(
        PagePlan(p.url, p.template, p.title, {k: p.data[k] for k in SHOWN if k in p.data}, p.section, p.updated)
        for p in plans
        if p.sitemap and not (p.template == "news_list.html" and p.url != p.section)
    )


def index_file(site: Site, pages: Sequence[PagePlan]) -> bytes:
    """The index script: the pages (address as seen from the search page, title, section, date,
    text) and, per bigram, the numbers of the pages having it (each the difference from the
    one before, in base 36), bigrams sorted, so the same site gives the same bytes."""
    cfg = site.config
    link = Linker(PAGE, cfg.base_path, cfg.base_url, offline=cfg.offline)
    sections = {s.url: s.menu for s in SECTIONS}
    listing_title = next((p.title for p in pages if p.template == "posters.html"), "")
    rows = []
    postings: defaultdict[str, list[int]] = defaultdict(list)
    memo: dict[str, str] = {}
    for number, plan in enumerate(pages):
        section = sections.get(plan.section, "") if plan.section is not None else listing_title
        day = _day(plan)
        text = shown_text(" ".join(part for part in TEXTS.get(plan.template, _nothing)(site, plan) if part))
        rows.append([link(plan.url), plan.title, section, day, text])
        for gram in _folded(bigrams(f"{shown_text(plan.title)} {day} {text}"), memo):
            postings[gram].append(number)
    written = [_base36(number) for number in range(len(pages) + 1)]  # every difference there can be
    grams = {gram: _deltas(numbers, written) for gram, numbers in sorted(postings.items())}
    data = json.dumps({"pages": rows, "grams": grams}, ensure_ascii=False, separators=(",", ":"))
    # the object is written as script, which a browser reads faster than the same text given to
    # JSON.parse (measured: about half the time); two line separators are escaped for old readers
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"/* 站内搜索索引，由 build.py 生成，请勿手工修改 */\nwindow.{GLOBAL}={data};\n".encode()


def _folded(grams: set[str], memo: dict[str, str]) -> set[str]:
    """The bigrams of the folded text: folding is one character for one and the text has no
    ideographic space left (`shown_text`), so these are the bigrams folded, each folded once a
    build (a site has far fewer distinct bigrams than characters)."""
    found = set()
    for gram in grams:
        folded = memo.get(gram)
        if folded is None:
            folded = memo[gram] = fold(gram)
        found.add(folded)
    return found


def _deltas(numbers: list[int], written: list[str]) -> str:
    """Increasing page numbers as the differences between neighbours, each `written` in base 36."""
    return ",".join([written[numbers[0]], *map(written.__getitem__, map(operator.sub, numbers[1:], numbers))])


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _day(plan: PagePlan) -> str:
    """The date a result shows: a report's, an event's (its span), else the page's 发布时间."""
    item, event = plan.data.get("item"), plan.data.get("event")
    if isinstance(item, NewsItem):
        return cn_date(item.date, weekday=False)
    if isinstance(event, Event):
        return cn_span(event.date, event.end_date).split(" ")[0]
    if plan.updated is None or is_pending(plan.updated):
        return ""
    return cn_date(plan.updated, weekday=False)


# What each template shows, as text to search, from the (recording) site and the page's plan.
Texts = Callable[[Site, PagePlan], list[str]]


def _nothing(site: Site, plan: PagePlan) -> list[str]:
    return []


def _assets(assets: Iterable[Asset]) -> list[str]:
    """An attachment's name and a photo's description are found like the text around them."""
    return [a.name if isinstance(a, Attachment) else a.alt for a in assets]


def _home(site: Site, plan: PagePlan) -> list[str]:
    c = site.campaign
    themes = [f"{t.name} {t.slogan} {cn_span(t.start, t.end)}" for t in c.themes]
    return [c.title, c.organiser, plain(c.intro_html), *themes, plain(c.focus_html), *c.ongoing]


def _schedule(site: Site, plan: PagePlan) -> list[str]:
    return [f"{e.title} {e.place} {e.summary}" for e in site.events]


def _event(site: Site, plan: PagePlan) -> list[str]:
    e = plan.data["event"]
    live = e.livestream
    return [
        e.kind_label,
        e.time_note,
        e.place,
        *e.hosts,
        e.summary,
        plain(e.body_html),
        *([live.title, live.platform, live.announce_where] if live else []),
    ]


def _livestreams(site: Site, plan: PagePlan) -> list[str]:
    return [f"{a.title} {a.platform} {a.announce_where} {a.note}" for a in (*site.livestreams, *site.downloads)]


def _pledges(site: Site, plan: PagePlan) -> list[str]:
    day = site.pledge_day
    return [cn_date(day.date), plain(day.intro_html), *(f"{p.title} {p.text}" for p in day.pledges)]


def _quiz(site: Site, plan: PagePlan) -> list[str]:
    q = site.quiz
    return [q.organiser, q.period, q.how, q.prize, plain(q.body_html)]


def _notice(site: Site, plan: PagePlan) -> list[str]:
    n = site.notice
    facts = [n.title, n.index_no, n.doc_no, n.issuer_full, n.addressed_to]
    return [*facts, plain(n.body_html), *_assets(n.assets)]


def _contact(site: Site, plan: PagePlan) -> list[str]:
    c = site.contact
    return [*c.people, c.phone, c.email, plain(c.body_html), *_assets(c.assets)]


def _report(site: Site, plan: PagePlan) -> list[str]:
    item = plan.data["item"]
    return [item.source, item.summary, plain(item.body_html), *_assets(item.assets)]


def _posters(site: Site, plan: PagePlan) -> list[str]:
    return [poster.headline for poster in site.posters]


def _poster(site: Site, plan: PagePlan) -> list[str]:
    poster: Poster = plan.data["poster"]
    return [poster.text, poster.placement]


TEXTS: dict[str, Texts] = {
    "index.html": _home,
    "schedule.html": _schedule,
    "event.html": _event,
    "livestreams.html": _livestreams,
    "pledges.html": _pledges,
    "quiz.html": _quiz,
    "notice.html": _notice,
    "contact.html": _contact,
    "news_item.html": _report,
    "posters.html": _posters,
    "poster.html": _poster,
}

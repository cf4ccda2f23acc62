"""The site's own search: the 站内搜索 page and its index, script files of character bigrams.

Chinese has no spaces between words, so the index is not of words but of every pair of
neighbouring characters (bigrams) in what each page shows: a query of two or more characters
is found through its bigrams, then checked as a whole in the page's text, so 「节约用电」 finds
exactly the pages that say 节约用电. Every part of the index is a script that assigns a global:
a page loads it with `<script src>`, which works under the site's Content-Security-Policy
(script-src 'self') and opened from disk, where a browser refuses `fetch`.
`templates/static/search.js` reads them; both sides fold text the same way (`fold`: full-width
letters, digits and signs as half-width, so 「５月１５日」 is 「5月15日」, and ASCII in lower
case), one character for one, so a match found in folded text marks the same characters in
the text as shown.

The index is split so that a query loads only what it needs, however big the site grows:
- `search/pages.js`, the documents: every page's address, title, section and date, and how the
  rest is split (it assigns `window.JNXCZ_SEARCH`);
- `search/grams-NN.js`, the bigrams: each bigram's pages are in the part given by a hash of
  the bigram (`part_of`, FNV-1a, the same in search.js), one part per `DOCS_PER_GRAMS` pages;
- `search/texts-NNN.js`, the pages' text, `TEXTS_PER_PART` pages a part: loaded for the pages
  a query is checked in and shown (their snippets), not the whole site's text.
Each part is one output of the rendering pass (`render.site`), rendered against the recording
site like any page, so it depends on exactly what it read, and written only when its bytes
changed: an edited report rewrites its text part and the bigram parts its bigrams fall in.
The text of each page is made once a rendering pass (`Memo`), whichever part asks first, and
the other parts note the same reads.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from campaign.incremental.record import Recorder, record_read, record_use, recording
from campaign.model.sections import SECTIONS
from campaign.model.site import Asset, Attachment, Event, NewsItem, Poster, Site, is_pending
from campaign.render.dates import cn_date, cn_span
from campaign.render.pages import PagePlan
from campaign.render.urls import Linker

PAGE = "search/"  # the search page's address under the site's base
INDEX = "search/pages.js"  # the documents of its index, beside it; the other parts beside that
TEMPLATE = "search.html"
TITLE = "站内搜索"
GLOBAL = "JNXCZ_SEARCH"  # the global the documents assign and search.js reads
PARTS = "JNXCZ_SEARCH_PARTS"  # the global each bigram or text part adds itself to, by its name
DOCS_PER_GRAMS = 128  # pages per bigram part (rounded to a power of two): ~25 KB gzip each
TEXTS_PER_PART = 8  # pages per text part: a query shows 20 pages, often from as many parts
HEADER = "/* 站内搜索索引，由 build.py 生成，请勿手工修改 */\n"
# What of a page's plan the index needs: the report, event or poster it shows (not the
# statuses as of the build, which change every day and are not searched).
SHOWN = ("item", "event", "poster")
BLOCK_TAG = re.compile(
    r"</?(?:p|li|ul|ol|h[1-6]|tr|td|th|table|thead|tbody|br|div|figure|figcaption|blockquote|pre|hr|dd|dt|dl)\b[^>]*>",
    re.I,
)
ANY_TAG = re.compile(r"<[^>]*>")
# U+FF01..U+FF5E are the full-width forms of ! to ~ (Ａ is A, then a); the ideographic space is a space
_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FULL_WIDTH = {code: ascii + 32 if 0x41 <= ascii <= 0x5A else ascii for code, ascii in _ASCII.items()}
HALF_WIDTH = {chr(code): chr(half) for code, half in FULL_WIDTH.items()}
HAS_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
# A-Z to a-z on the UTF-8 bytes: every other character's bytes are 0x80 and above, untouched
ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def shown_text(text: str) -> str:
    """Text as the index stores it: every run of spaces and line breaks as one space (str.split
    splits at the characters `\\s` matches, three times faster than the expression, measured)."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """Full-width ASCII as half-width, A-Z as a-z: one character for one (search.js's `fold`)."""
    # each full-width sign the text has, replaced at once: a text has few kinds (，：（）), and
    # str.translate with a table looks up every character (four times slower, measured)
    for sign in set(HAS_FULL_WIDTH.findall(text)):
        text = text.replace(sign, HALF_WIDTH[sign])
    return text.encode().translate(ASCII_LOWER).decode()


def normalise(text: str) -> str:
    """Text as it is searched, and a query as search.js reads it: spaces as one, then folded."""
    return fold(shown_text(text))


def bigrams(text: str) -> set[str]:
    """Every pair of neighbouring characters within a run without spaces, of normalised text."""
    found: set[str] = set()
    for run in set(text.split(" ")):  # each word of English or number once (most of the runs)
        found.update(map(operator.add, run, run[1:]))
    return found


def part_of(gram: str, parts: int) -> int:
    """The bigram part a bigram is in: FNV-1a of its code points (search.js's `partOf`)."""
    number = 2166136261
    for char in gram:
        number = ((number ^ ord(char)) * 16777619) & 0xFFFFFFFF
    return number % parts


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


@dataclass(frozen=True)
class Indexed:
    """Pages the index lists: all of them, shared by the bigram parts and the documents (digested
    once), or those of one text part."""

    pages: tuple[PagePlan, ...]


@dataclass(frozen=True)
class Part:
    """One file of the index: the documents, a bigram part or a text part (`number` counts from 0)."""

    kind: str  # "pages", "grams" or "texts"
    number: int
    indexed: Indexed

    @property
    def path(self) -> str:
        return INDEX if self.kind == "pages" else f"search/{self.name}.js"

    @property
    def name(self) -> str:
        return f"grams-{self.number:02d}" if self.kind == "grams" else f"{self.kind}-{self.number:03d}"


def gram_parts(pages: int) -> int:
    """How many bigram parts a site of `pages` pages has: a power of two, one per DOCS_PER_GRAMS."""
    parts = 1
    while pages > parts * DOCS_PER_GRAMS:
        parts *= 2
    return parts


def parts(pages: Sequence[PagePlan]) -> list[Part]:
    """Every file of the index, the documents first."""
    shared = Indexed(tuple(pages))
    texts = -(-len(pages) // TEXTS_PER_PART)
    return [
        Part("pages", 0, shared),
        *(Part("grams", number, shared) for number in range(gram_parts(len(pages)))),
        # a text part's plan is its own pages: an edited report makes its part again, not the others
        *(Part("texts", n, Indexed(shared.pages[n * TEXTS_PER_PART : (n + 1) * TEXTS_PER_PART])) for n in range(texts)),
    ]


KNOWN_PAGES = 50_000  # pages' bigrams the preview keeps from save to save, every edition's


@dataclass
class Memo:
    """What one rendering pass has made of the pages' text, for every part that needs it: each
    page's text and what making it read; the bigram postings, with what making them read (the
    same for every bigram part: noted again in each, not read again)."""

    texts: dict[int, tuple[PagePlan, str, Recorder]] = field(default_factory=dict)
    # a page's folded words -> their bigrams, kept from pass to pass by the preview (`context.Memo`)
    known: dict[str, frozenset[str]] = field(default_factory=dict)
    postings: dict[int, tuple[Indexed, list[dict[str, list[int]]], Recorder]] = field(default_factory=dict)
    base36: list[str] = field(default_factory=list)  # 0, 1, … z, 10, … as far as asked

    def text(self, site: Site, plan: PagePlan) -> str:
        """A page's searchable text, made once; what making it read is noted again."""
        found = self.texts.get(id(plan))
        if found is None or found[0] is not plan:
            with recording() as read:
                text = shown_text(" ".join(part for part in TEXTS.get(plan.template, _nothing)(site, plan) if part))
            found = self.texts[id(plan)] = (plan, text, read)
        _note(found[2])
        return found[1]

    def grams(self, site: Site, indexed: Indexed) -> list[dict[str, list[int]]]:
        """Per bigram part, each bigram's page numbers, increasing (a page's bigrams are not
        kept: 4,000 pages' sets would cost more to keep than to make)."""
        found = self.postings.get(id(indexed))
        if found is None or found[0] is not indexed:
            postings: defaultdict[str, list[int]] = defaultdict(list)
            with recording() as read:
                known = self.known
                if len(known) > KNOWN_PAGES:  # each save adds the edited page's new words
                    known.clear()
                for number, plan in enumerate(indexed.pages):
                    words = fold(f"{shown_text(plan.title)} {_day(plan)} {self.text(site, plan)}")
                    grams = known.get(words)
                    if grams is None:
                        grams = known[words] = frozenset(bigrams(words))
                    for gram in grams:
                        postings[gram].append(number)
            count = gram_parts(len(indexed.pages))
            split: list[dict[str, list[int]]] = [{} for _ in range(count)]
            for gram, numbers in postings.items():
                split[part_of(gram, count)][gram] = numbers
            found = self.postings[id(indexed)] = (indexed, split, read)
        _note(found[2])
        return found[1]

    def written(self, largest: int) -> list[str]:
        """Every number up to `largest` in base 36, made once a pass."""
        for number in range(len(self.base36), largest + 1):
            self.base36.append(_base36(number))
        return self.base36


def _note(read: Recorder) -> None:
    """Note again in the current recording what `read` recorded."""
    for key in read.reads:
        record_read(key)
    for use in read.uses:
        record_use(use)


def part_file(site: Site, part: Part, memo: Memo) -> bytes:
    """One file of the index, the same bytes for the same site."""
    pages = part.indexed.pages
    if part.kind == "pages":
        return _script(f"window.{GLOBAL}=", _documents(site, pages))
    if part.kind == "grams":
        numbers = memo.grams(site, part.indexed)[part.number]
        written = memo.written(len(pages))  # every difference there can be
        data: object = {gram: _deltas(numbers[gram], written) for gram in sorted(numbers)}
    else:
        data = [memo.text(site, plan) for plan in pages]
    return _script(f"(window.{PARTS}=window.{PARTS}||{{}})[{json.dumps(part.name)}]=", data)


def _documents(site: Site, pages: Sequence[PagePlan]) -> dict[str, object]:
    """The pages (address as seen from the search page, title, section, date) and how the index is split."""
    cfg = site.config
    link = Linker(PAGE, cfg.base_path, cfg.base_url, offline=cfg.offline)
    sections = {s.url: s.menu for s in SECTIONS}
    listing_title = next((p.title for p in pages if p.template == "posters.html"), "")
    rows = []
    for plan in pages:
        section = sections.get(plan.section, "") if plan.section is not None else listing_title
        rows.append([link(plan.url), plan.title, section, _day(plan)])
    return {"grams": gram_parts(len(pages)), "texts": TEXTS_PER_PART, "pages": rows}


def _script(head: str, data: object) -> bytes:
    """`data` written as a script's object: a browser reads it faster than the same text given
    to JSON.parse (measured: about half the time); two line separators are escaped for old readers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"{HEADER}{head}{text};\n".encode()


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

"""The site as plain, frozen data: what `content.load_site` returns and `render` reads.

Nothing here touches the disk. Markdown is already turned into sanitised HTML, dates are real
dates, and every value a clerk left as a placeholder (`待填写…`) is listed in `placeholders`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Self, TypeGuard
from urllib.parse import quote

PLACEHOLDER_PREFIX = "待填写"


class PendingDate(dt.date):
    """A date the office has not filled in yet (a 待填写 text in a date field, as in a new edition).

    It shows as its text wherever a date is shown (`render.dates`), offers no ISO form to
    scripts, feeds or sitemaps (`isoformat()` is empty) and counts as false, so a template's
    `{% if page.updated %}` leaves it out. It sorts after every real date and is never "due":
    nothing is announced, started or late on a day nobody knows yet.
    """

    text: str

    def __new__(cls, text: str) -> Self:
        pending = super().__new__(cls, 9999, 12, 31)
        pending.text = text
        return pending

    def __reduce__(self) -> tuple[type[PendingDate], tuple[str]]:
        return (PendingDate, (self.text,))

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PendingDate) and other.text == self.text

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(("pending", self.text))

    def isoformat(self) -> str:
        return ""

    def __format__(self, spec: str) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"PendingDate({self.text!r})"


def is_pending(day: object) -> TypeGuard[PendingDate]:
    return isinstance(day, PendingDate)


@dataclass(frozen=True)
class Edition:
    """Which year's campaign a site is, among the editions one project builds.

    `folder` is the edition's folder under the campaign's address (/jnxcz/2024/ -> "2024");
    an archived edition's pages point readers to the newest one (往届活动).
    """

    folder: str
    newest: str  # the newest edition's folder
    newest_title: str

    @property
    def archived(self) -> bool:
        return self.folder != self.newest


@dataclass(frozen=True)
class Placeholder:
    """A value not known yet, kept visible on the site and reported by `build.py check`."""

    file: str
    line: int
    key: str
    text: str


@dataclass(frozen=True)
class Footer:
    organiser: str
    contact: str
    site_code: str
    icp: str
    police: str


@dataclass(frozen=True)
class QrSettings:
    error_correction: str  # M, Q or H: lower levels do not survive a smudged print
    poster_error_correction: str  # Q or H: a printed code cannot be corrected


@dataclass(frozen=True)
class Config:
    title: str
    short_title: str
    description: str
    base_url: str  # absolute production address, always ending in "/": QR codes, canonical
    site_url: str  # where this build is served: base_url, or a staging server's address
    base_path: str  # site_url's path part, e.g. "/jnxcz/2024/"
    language: str
    timezone: str
    organiser: str
    footer: Footer
    qr: QrSettings
    news_per_page: int
    offline: bool = False  # a copy to open from disk: links name index.html files
    hide_empty_sections: bool = False  # leave an empty section out rather than report it


@dataclass(frozen=True)
class Theme:
    name: str  # e.g. 全国节能宣传周
    slogan: str  # the official theme, quoted exactly
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Campaign:
    title: str
    organiser: str
    themes: tuple[Theme, ...]
    focus_html: str
    intro_html: str
    ongoing: tuple[str, ...]


@dataclass(frozen=True)
class Announced:
    """A livestream or download whose address may only be announced later."""

    id: str
    kind: str  # "livestream" or "download"
    title: str
    platform: str
    url: str | None
    announce_on: dt.date
    announce_where: str
    note: str

    @property
    def is_known(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    kind: str  # key of EVENT_KINDS
    kind_label: str
    date: dt.date
    end_date: dt.date | None
    start: dt.time | None
    end: dt.time | None
    time_note: str
    place: str
    hosts: tuple[str, ...]
    livestream: Announced | None
    summary: str
    body_html: str

    @property
    def days(self) -> tuple[dt.date, ...]:
        last = self.end_date or self.date
        return tuple(self.date + dt.timedelta(n) for n in range((last - self.date).days + 1))

    @property
    def page(self) -> str:
        """The address of its page under the site's, e.g. events/launch/."""
        return f"events/{self.id}/"

    @property
    def calendar(self) -> str:
        """The address of its calendar file under the site's, e.g. calendar/launch.ics."""
        return f"calendar/{self.id}.ics"


@dataclass(frozen=True)
class PhotoSize:
    """One delivered size of a photo: its output path and its pixels."""

    path: str  # output path, e.g. news/2024-05-15-qixing/ride-800.jpg
    width: int
    height: int

    @property
    def url(self) -> str:
        """The path as it goes into an address: spaces and Chinese characters percent-encoded."""
        return quote(self.path, safe="/")


@dataclass(frozen=True)
class Asset:
    """A photo or an attachment a page shows, read from beside its Markdown file.

    What a page shows of it (names, sizes, alt text) compares; the hash of the source bytes,
    its byte count and where it is referenced do not: they go into the plan of its own output
    files (`render.site.outputs`), so a photo replaced by another of the same size renders
    exactly that photo's files again, not every page that shows it.
    """

    kind: str  # "photo" or "attachment"
    source: str  # project-relative path of the file, e.g. content/news/2024-05-15-qixing/ride.jpg
    alt: str  # a photo's text for readers who cannot see it; an attachment's name as listed
    path: str = ""  # an attachment's output path, e.g. news/2024-05-15-qixing/summary.pdf
    label: str = ""  # an attachment's type and size as listed, e.g. "PDF，147 KB"
    format: str = ""  # a photo's delivered format: "jpeg" or "png"
    sizes: tuple[PhotoSize, ...] = ()  # a photo's delivered sizes, smallest first
    cover: PhotoSize | None = None  # the small size a news list shows, for a report's first photo
    sha256: str = field(default="", compare=False)
    size: int = field(default=0, compare=False)  # bytes of the source file
    file: str = field(default="", compare=False)  # where it is first referenced
    line: int = field(default=0, compare=False)

    @property
    def url(self) -> str:
        return quote(self.path, safe="/")

    @property
    def srcset(self) -> str:
        return ", ".join(f"{size.url} {size.width}w" for size in self.sizes)


@dataclass(frozen=True)
class Pledge:
    title: str
    text: str


@dataclass(frozen=True)
class PledgeDay:
    title: str
    date: dt.date
    intro_html: str
    pledges: tuple[Pledge, ...]


@dataclass(frozen=True)
class Quiz:
    title: str
    organiser: str
    period: str
    url: str | None
    how: str
    prize: str
    body_html: str
    image: Asset | None = None  # the questionnaire's own QR code picture, when there is one


@dataclass(frozen=True)
class Notice:
    title: str
    index_no: str
    doc_no: str
    topic: str
    genre: str
    issuer: str
    issuer_full: str
    written: dt.date
    published: dt.date
    addressed_to: str
    source_url: str | None
    body_html: str
    assets: tuple[Asset, ...] = ()


@dataclass(frozen=True)
class Contact:
    title: str
    people: tuple[str, ...]
    phone: str
    email: str
    deadline: dt.date
    body_html: str
    assets: tuple[Asset, ...] = ()


@dataclass(frozen=True)
class NewsItem:
    slug: str
    title: str
    date: dt.date
    source: str
    summary: str
    body_html: str
    file: str
    assets: tuple[Asset, ...] = ()  # photos and attachments of a report that is a folder

    @property
    def cover(self) -> Asset | None:
        """The report's first photo, shown small in the list of reports."""
        return next((asset for asset in self.assets if asset.cover is not None), None)


@dataclass(frozen=True)
class StableLink:
    """A short address on our own site (go/<id>/) that printed QR codes encode.

    Its page sends the visitor on to `url`; while `url` is None (a livestream not announced
    yet) the page says when and where the address will be announced.
    """

    id: str
    label: str  # what is there, in words
    url: str | None  # an outside http(s) address, None until announced or for our own pages
    page: str | None  # or a page of our own site, as a path under the base URL
    pending: Announced | None  # the announcement still awaited, if any

    @property
    def path(self) -> str:
        return f"go/{self.id}/"


@dataclass(frozen=True)
class PaperSize:
    name: str
    width_mm: int
    height_mm: int


@dataclass(frozen=True)
class Poster:
    id: str
    headline: str
    text: str
    link: StableLink
    paper: PaperSize
    placement: str  # where it hangs, e.g. 电梯门
    distance_m: float  # how far away people scan it
    qr_mm: float  # printed size of the code itself, quiet zone excluded


@dataclass(frozen=True)
class Site:
    config: Config
    campaign: Campaign
    events: tuple[Event, ...]
    livestreams: tuple[Announced, ...]
    downloads: tuple[Announced, ...]
    pledge_day: PledgeDay
    quiz: Quiz
    notice: Notice
    contact: Contact
    news: tuple[NewsItem, ...]  # newest first
    placeholders: tuple[Placeholder, ...]
    as_of: dt.datetime  # the moment statuses are shown for (Beijing time)
    # on its own a site is the newest edition of its campaign; the pipeline, which knows every
    # edition, places it among the others (`pipeline.in_campaign`)
    edition: Edition
    links: tuple[StableLink, ...] = ()
    posters: tuple[Poster, ...] = ()
    held_back: tuple[NewsItem, ...] = ()  # reports dated after `as_of`: published on their day

    @property
    def archived(self) -> bool:
        """A past edition's site: its pages say so and lead to the newest."""
        return self.edition.archived

    @property
    def news_hidden(self) -> bool:
        """An empty 活动动态 the content asked to leave out, with its nav entry and feed."""
        return self.config.hide_empty_sections and not self.news

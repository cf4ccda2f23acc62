"""Counting what people did: crawlers and probes left out, scans per poster, views per section and page, visitors.

Every edition of the campaign is counted: last year's posters stay on the walls, their codes
lead to last year's addresses, and the report says which edition each row is of.

Two passes over the same lines, one line at a time (nothing is kept per request): the first
learns which clients behave like programs (fetched robots.txt, sent only HEAD requests, probed
for server files), the second counts what everyone else did. A client is an address and a
browser on one day, known here only as a keyed hash: the key is random, made for each day in
this run and dropped at its end, so a hash cannot be traced to an address, nor linked across
days or runs; neither hashes nor addresses are ever written anywhere. Memory grows with the
distinct clients of a day (some 100 bytes each), never with the number of requests; the tallies
of names that visitors choose (referrers, missing addresses) are bounded, and each line costs
them the same on average, however the log was made.

What visitors choose never brings an address into the report: a referring page is shown as its
site's public host name only (an intranet page or an IP address as one fixed word, INTRANET),
and an IP address inside a missing address is masked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from campaign.model.sections import BY_KEY, SECTIONS, shown
from campaign.model.site import Site
from campaign.render.pages import PagePlan
from campaign.stats.logs import Request

# Programs by what they call themselves: crawlers, monitoring, command-line tools, libraries.
ROBOT_AGENTS = re.compile(
    r"bot|spider|crawl|slurp|archiver|curl|wget|python|go-http-client|java/|okhttp|libwww|httpclient|"
    r"http-client|axios|node-fetch|scrapy|headless|phantomjs|uptime|monitor|pingdom|statuscake|"
    r"site24x7|nagios|zabbix|check_http|prometheus|lighthouse|pagespeed|scan|nmap|nikto|zgrab|"
    r"masscan|facebookexternalhit|preview|fetcher",
    re.IGNORECASE,
)
BROWSERS = ("Mozilla/", "Opera/")  # every browser's user agent starts so, WeChat's too
PHONES = re.compile(r"iPhone|iPod|Android.*Mobile|Mobile.*Android|Windows Phone|\(Phone;|HarmonyOS.*Mobile")
WECHAT = "MicroMessenger"
# Addresses only vulnerability scanners ask for: this site has no PHP, no .git, no WordPress.
PROBES = re.compile(
    r"\.(php\d?|aspx?|jsp|cgi|env|ini|sql|bak|cfg)$|/\.(git|env|svn|hg|aws|ht)|wp-(admin|login|content|includes)|"
    r"/cgi-bin/|phpmyadmin|/actuator",
    re.IGNORECASE,
)
# Asked for by browsers on their own, not through a link: a 404 of these is nothing to fix.
AUTOMATIC = re.compile(r"/(favicon\.ico|apple-touch-icon[^/]*\.png|browserconfig\.xml)$")
OTHER = "other"  # pages outside every section of the table (the posters' pages)
OTHER_MENU = "其他页面"
TALLY_LIMIT = 20_000
INTRANET = "内网或 IP 地址"  # a referring page on an intranet or at an address: never shown as such
UNKNOWN_SOURCE = "（无法识别的来源）"  # a Referer that is no web address
NO_SOURCE = "（没有来源页：手输、书签或扫码）"
# Names only a private network resolves: one label (oa, localhost) or a suffix kept for them.
PRIVATE_SUFFIXES = (
    ".local",
    ".localhost",
    ".localdomain",
    ".lan",
    ".home",
    ".internal",
    ".intranet",
    ".intra",
    ".corp",
    ".private",
    ".test",
    ".invalid",
)
HOST_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# An IPv4 address (dotted, or hidden in a name such as 10-0-0-1.example.com), or an IPv6 one.
ADDRESS_LIKE = re.compile(
    r"(?<![\d])\d{1,3}([.-])\d{1,3}\1\d{1,3}\1\d{1,3}(?![\d])|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?"
)
MASK = "（IP 地址）"

# What the first pass learns of a client (and the second adds): bits of one int per client.
PROGRAM = 1  # calls itself a crawler or a tool
BROWSED = 2  # sent something other than HEAD
ROBOTS = 4  # fetched robots.txt
PROBED = 8  # asked for server files
VISITED = 16  # opened a page or scanned a poster (counted as a visitor)
ON_WECHAT = 32
ON_PHONE = 64


@dataclass(frozen=True)
class Link:
    """A stable address go/<id>/, with the headlines of the posters that print it."""

    id: str
    label: str  # what it leads to
    headlines: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"go/{self.id}/"

    @property
    def name(self) -> str:
        """How the report names it: its posters' headlines, or what it leads to."""
        return "、".join(self.headlines) if self.headlines else f"{self.label}（没有海报）"


@dataclass(frozen=True)
class Page:
    title: str
    section: str  # a section key, or OTHER


@dataclass(frozen=True)
class Layout:
    """What one edition's site has, from its model: the report's rows and how addresses map to them."""

    base_path: str  # e.g. /jnxcz/2024/
    hosts: frozenset[str]  # the site's own host names: a referrer there is a link on the site
    links: tuple[Link, ...]  # posters' addresses first, in posters.yaml order
    pages: dict[str, Page]  # address under the base ("" for the home page) -> page
    sections: tuple[tuple[str, str, str], ...]  # (key, menu entry, address), OTHER last
    label: str = ""  # how the report names the edition, e.g. 2024年

    @property
    def folder(self) -> str:
        return self.base_path.rstrip("/").rsplit("/", 1)[-1]


def layout(site: Site, plans: list[PagePlan]) -> Layout:
    """The layout of `site`, whose pages `plans` are (render.pages.plan_pages)."""
    headlines: dict[str, list[str]] = {}
    for poster in site.posters:
        headlines.setdefault(poster.link.id, []).append(poster.headline)
    links = sorted(site.links, key=lambda link: link.id not in headlines)  # stable: keeps the file's order
    by_url = {section.url: section.key for section in SECTIONS}
    pages: dict[str, Page] = {}
    for plan in plans:
        if plan.url.startswith("go/") or plan.anywhere:
            continue
        # the page's menu entry; pages in no section (posters) count as other pages
        pages[plan.url] = Page(plan.title, OTHER if plan.section is None else by_url.get(plan.section, OTHER))
    for item in site.held_back:  # reports published after the site was loaded, in case
        pages.setdefault(f"{BY_KEY['news'].url}{item.slug}/", Page(item.title, "news"))
    hosts = {urlsplit(site.config.base_url).hostname, urlsplit(site.config.site_url).hostname}
    return Layout(
        base_path=site.config.base_path,
        hosts=frozenset(h for h in hosts if h),
        links=tuple(Link(link.id, link.label, tuple(headlines.get(link.id, ()))) for link in links),
        pages=pages,
        sections=(*((s.key, s.menu, s.url) for s in shown(site)), (OTHER, OTHER_MENU, "")),
        label=edition_label(site.edition.folder),
    )


def edition_label(folder: str) -> str:
    """An edition as the report names it: its year (the folder /jnxcz/2024/ is named after it)."""
    return f"{folder}年" if re.fullmatch(r"\d{4}", folder) else folder or "本届"


Name = TypeVar("Name")


class Tally(dict[Name, int]):
    """Counts by name, for names visitors choose; past `limit` names the rarer half is dropped.

    Half at once, not the rarest few at each new name: a log with a new name on every line
    then costs one sort of `limit` names every `limit // 2` lines, not a scan of them per line.
    """

    def __init__(self, limit: int = TALLY_LIMIT):
        super().__init__()
        self.limit = limit
        self.pruned = False

    def add(self, key: Name, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count
        if len(self) > self.limit:
            kept = sorted(self.items(), key=lambda item: -item[1])[: self.limit // 2]  # stable: first seen first
            self.clear()
            self.update(kept)
            self.pruned = True


def source(referrer: str) -> str:
    """How the report names a referring page from another site: its host name, or a fixed word.

    Never the page's address: it may hold a name or an intranet's layout. A host that is an IP
    address, looks like one, or is a private network's name becomes INTRANET.
    """
    try:
        host = urlsplit(referrer).hostname
    except ValueError:  # "http://[x" and the like
        return UNKNOWN_SOURCE
    if not host:
        return UNKNOWN_SOURCE
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
        return INTRANET
    except ValueError:
        pass
    if ADDRESS_LIKE.search(host) or host.replace(".", "").isdigit() or host.startswith("0x"):
        return INTRANET
    if not HOST_NAME.fullmatch(host):  # one label (oa, localhost), or what no name can be
        return INTRANET if re.fullmatch(r"[\w-]+", host) else UNKNOWN_SOURCE
    return INTRANET if host.endswith(PRIVATE_SUFFIXES) else host


def masked(address: str) -> str:
    """An address of the site as the report shows it, an IP address in it masked."""
    return ADDRESS_LIKE.sub(MASK, address)


@dataclass(frozen=True)
class Row:
    name: str
    address: str
    per_day: tuple[int, ...]
    edition: str = ""  # the edition's label

    @property
    def total(self) -> int:
        return sum(self.per_day)


@dataclass(frozen=True)
class Day:
    day: dt.date
    visitors: int
    views: int
    scans: int
    wechat: int  # visitors in WeChat's own browser
    phones: int  # visitors on a phone


@dataclass(frozen=True)
class Summary:
    """Everything the report shows, in the order shown; no address or hash in it."""

    start: dt.date
    end: dt.date
    files: int
    lines: int
    malformed: int
    out_of_range: int
    posters: tuple[Row, ...]  # scans per stable address, per day
    sections: tuple[Row, ...]  # views per section, per day
    pages: tuple[tuple[str, str, str, str, int], ...]  # (edition, address, title, section menu entry, views)
    days: tuple[Day, ...]
    referrers: tuple[tuple[str, int], ...]  # top 10 other sites
    missing: tuple[tuple[str, str, int], ...]  # top 20 (address, linked from, count)
    programs: int  # clients left out as crawlers or probes
    by_agent: int  # requests left out by user agent
    by_behaviour: int  # requests left out by behaviour
    pruned: bool  # too many distinct referrers or missing addresses: only the frequent ones
    warnings: tuple[str, ...]
    editions: tuple[str, ...] = ()  # every edition's label, oldest first
    formats: tuple[tuple[str, str], ...] = ()  # (log file, the name of the format it was read as)

    @property
    def by_edition(self) -> bool:
        """Whether the rows are labelled with their edition (a campaign of more than one)."""
        return len(self.editions) > 1

    @property
    def in_range(self) -> int:
        return self.lines - self.malformed - self.out_of_range

    @property
    def day_list(self) -> tuple[dt.date, ...]:
        return tuple(day.day for day in self.days)


class Counts:
    """Both passes: `learn` every line, then `count` every line again, then `summary`."""

    def __init__(self, editions: Sequence[Layout], start: dt.date, end: dt.date, counted: int = -1):
        """`editions` oldest first; `counted` is the index of the edition whose week it is, shown in full
        (every poster and section, scanned or not): by default the current one, the last."""
        self.editions = tuple(editions)
        self.counted = counted % len(self.editions)
        # an address belongs to the edition whose path it starts with, the longest first
        self._bases = sorted(range(len(self.editions)), key=lambda n: -len(self.editions[n].base_path))
        self._hosts = frozenset(host for edition in self.editions for host in edition.hosts)
        self.start, self.end = start, end
        self.dates = tuple(start + dt.timedelta(n) for n in range((end - start).days + 1))
        self.index = {day: n for n, day in enumerate(self.dates)}
        self._salts: dict[dt.date, bytes] = {}
        self._recent: dict[
            tuple[dt.date, str, str | None], int
        ] = {}  # the last clients' hashes, by (day, address, agent)
        self._referrers: dict[str, str | None] = {}  # referrer -> its source, None for the site's own pages
        self._clients: dict[dt.date, dict[int, int]] = {day: {} for day in self.dates}
        self._agents: dict[str, int] = {}
        self.lines = self.malformed = self.out_of_range = 0
        self.by_agent = self.by_behaviour = 0
        self.scans: Tally[tuple[int, str, int]] = Tally()  # (edition, link id, day index) -> scans
        self.views: Tally[tuple[int, str, int]] = Tally()  # (edition, section key, day index) -> views
        self.pages: Tally[tuple[int, str]] = Tally()  # (edition, address under its base) -> views
        self.referrers: Tally[str] = Tally()  # source (never a page's address) -> views
        self.missing: Tally[tuple[str, str]] = Tally()  # (path, linked from) -> count
        self.warnings: list[str] = []

    # --- who is who: the first pass -------------------------------------------------------

    def _client(self, request: Request) -> int:
        """The client's keyed hash; the last few are remembered (a page and its files come together)."""
        recent = (request.day, request.address, request.agent)
        key = self._recent.get(recent)
        if key is None:
            salt = self._salts.get(request.day)
            if salt is None:
                salt = self._salts[request.day] = secrets.token_bytes(16)
            text = f"{request.address}\n{request.agent or ''}".encode("utf-8", "surrogatepass")
            key = int.from_bytes(hashlib.blake2b(text, key=salt, digest_size=8).digest(), "big")
            if len(self._recent) >= 1024:
                self._recent.clear()
            self._recent[recent] = key
        return key

    def _agent(self, agent: str | None) -> int:
        if agent is None:  # a format without the browser: only behaviour tells programs apart
            return 0
        bits = self._agents.get(agent)
        if bits is None:
            bits = 0
            if not agent.startswith(BROWSERS) or ROBOT_AGENTS.search(agent):
                bits |= PROGRAM
            if WECHAT in agent:
                bits |= ON_WECHAT
            if PHONES.search(agent):
                bits |= ON_PHONE
            if len(self._agents) < 50_000:
                self._agents[agent] = bits
        return bits

    def learn(self, request: Request | None) -> None:
        """First pass: every line, parsed (None when malformed)."""
        self.lines += 1
        if request is None:
            self.malformed += 1
            return
        clients = self._clients.get(request.day)
        if clients is None:
            self.out_of_range += 1
            return
        bits = self._agent(request.agent)
        if request.method != "HEAD":
            bits |= BROWSED
        if request.path.endswith("/robots.txt"):
            bits |= ROBOTS
        if PROBES.search(request.path):
            bits |= PROBED
        key = self._client(request)
        clients[key] = clients.get(key, 0) | bits

    # --- what people did: the second pass -------------------------------------------------

    def count(self, request: Request | None) -> None:
        """Second pass: the same lines again."""
        if request is None or request.day not in self.index:
            return
        clients = self._clients[request.day]
        key = self._client(request)
        bits = clients.get(key)
        if bits is None:  # a line the first pass did not see whole (the log was being written)
            return
        if bits & PROGRAM:
            self.by_agent += 1
            return
        if not bits & BROWSED or bits & (ROBOTS | PROBED):
            self.by_behaviour += 1
            return
        if request.method != "GET":
            return
        day = self.index[request.day]
        if request.status in (200, 304):
            if self._counted(request, day):
                clients[key] = bits | VISITED
        elif request.status == 404:
            self._missing(request)

    def _counted(self, request: Request, day: int) -> bool:
        """A page view or a scan, counted; False for anything else (files, clicks on go/ links)."""
        place = self._place(request.path)
        if place is None:
            return False
        edition, address = place
        internal = self._source(request.referrer) is None
        if address.startswith("go/"):
            link = address[3:].rstrip("/")
            if internal or not link or "/" in link:
                return False  # a click on the site's own link to a go/ address is no scan
            self.scans.add((edition, link, day))
        elif address == "" or address.endswith("/") or (address.endswith(".html") and address != "404.html"):
            self.pages.add((edition, address))
            self.views.add((edition, self._section(edition, address), day))
        else:
            return False  # a style sheet, a script, a picture, a calendar file
        if request.referrer and not internal:
            self.referrers.add(self._source(request.referrer) or "")
        return True

    def _place(self, path: str) -> tuple[int, str] | None:
        """The edition and the address under its base path, as pages are known ("x/" for "x/index.html")."""
        if "//" in path:
            path = re.sub("/{2,}", "/", path)
        for edition in self._bases:
            base = self.editions[edition].base_path
            if path.startswith(base):
                address = path[len(base) :]
                return edition, address[: -len("index.html")] if address.endswith("index.html") else address
            if path + "/" == base:
                return edition, ""
        return None

    def _section(self, edition: int, address: str) -> str:
        """The section of a page; for an address the site does not have now (a report since removed), by its path."""
        site = self.editions[edition]
        page = site.pages.get(address)
        if page is not None:
            return page.section
        for key, _, url in site.sections:
            if url and address.startswith(url):
                return key
        return "home" if address == "" else OTHER

    def _source(self, referrer: str) -> str | None:
        """None for one of the site's own pages, else the referring site as the report names it
        (`source`); remembered, as referrers repeat."""
        if not referrer:
            return NO_SOURCE
        if referrer in self._referrers:
            return self._referrers[referrer]
        try:
            parts = urlsplit(referrer)
            host = parts.hostname
        except ValueError:  # "http://[x" and the like
            host, parts = None, None
        internal = parts is not None and (
            host in self._hosts or any(e.base_path != "/" and parts.path.startswith(e.base_path) for e in self.editions)
        )
        known = None if internal else source(referrer)
        if len(self._referrers) >= 4096:
            self._referrers.clear()
        self._referrers[referrer] = known
        return known

    def _missing(self, request: Request) -> None:
        inside = self._place(request.path) is not None
        where = self._source(request.referrer)
        if AUTOMATIC.search(request.path) or not (inside or where is None):
            return
        if where is None:
            place = self._place(urlsplit(request.referrer).path)
            where = self._shown_page(*place) if place is not None else source(request.referrer)
        self.missing.add((masked(request.path), where))

    def _shown_page(self, edition: int, address: str) -> str:
        """A page of the site as the 404 table names it: 本站页面 news/ (2024/news/ among editions)."""
        if len(self.editions) > 1:
            return f"本站页面 {self.editions[edition].folder}/{address}"
        return f"本站页面 {address or '首页'}"

    # --- the result -----------------------------------------------------------------------

    def _scanned(self, edition: int, link: str) -> bool:
        return any(self.scans.get((edition, link, n)) for n in range(len(self.dates)))

    def _posters(self, edition: int) -> list[Row]:
        """An edition's posters' rows: the counted edition's every poster, another one's scanned ones."""
        site, days_n = self.editions[edition], len(self.dates)
        counted = edition == self.counted
        known = {link.id for link in site.links}
        extra = sorted({link for e, link, _ in self.scans if e == edition and link not in known})
        names = [
            (link.id, link.name)
            for link in site.links
            if (link.headlines and counted) or self._scanned(edition, link.id)
        ]
        names += [(link, "（content/posters.yaml 里已没有这个短地址）") for link in extra]
        return [
            Row(
                name,
                masked(f"go/{link}/"),
                tuple(self.scans.get((edition, link, n), 0) for n in range(days_n)),
                site.label,
            )
            for link, name in names
        ]

    def _sections(self, edition: int) -> list[Row]:
        """An edition's sections' rows: all of the counted edition's, another one's visited ones."""
        site, days_n = self.editions[edition], len(self.dates)
        counted = edition == self.counted
        rows = [
            Row(menu, _shown_address(key, url), tuple(self.views.get((edition, key, n), 0) for n in range(days_n)))
            for key, menu, url in site.sections
        ]
        return [dataclasses.replace(row, edition=site.label) for row in rows if counted or row.total]

    def summary(self, files: int, formats: Sequence[tuple[str, str]] = ()) -> Summary:
        """The counts, sorted; the day keys and the clients' hashes are thrown away here."""
        self._salts.clear()
        self._recent.clear()
        days_n = len(self.dates)
        visitors = [0] * days_n
        wechat = [0] * days_n
        phones = [0] * days_n
        programs = 0
        for n, day in enumerate(self.dates):
            for bits in self._clients[day].values():
                if bits & PROGRAM or not bits & BROWSED or bits & (ROBOTS | PROBED):
                    programs += 1
                elif bits & VISITED:
                    visitors[n] += 1
                    wechat[n] += bool(bits & ON_WECHAT)
                    phones[n] += bool(bits & ON_PHONE)
            self._clients[day].clear()
        editions = range(len(self.editions))
        posters = tuple(row for edition in editions for row in self._posters(edition))
        sections = tuple(row for edition in editions for row in self._sections(edition))
        pages = []
        for (edition, address), views in self.pages.items():
            site = self.editions[edition]
            page = site.pages.get(address)
            menus = {key: menu for key, menu, _ in site.sections}
            menu = menus.get(self._section(edition, address), OTHER_MENU)
            pages.append((edition, site.label, masked(address), page.title if page else "", menu, views))
        days = tuple(
            Day(
                day,
                visitors[n],
                sum(row.per_day[n] for row in sections),
                sum(row.per_day[n] for row in posters),
                wechat[n],
                phones[n],
            )
            for n, day in enumerate(self.dates)
        )
        return Summary(
            start=self.start,
            end=self.end,
            files=files,
            lines=self.lines,
            malformed=self.malformed,
            out_of_range=self.out_of_range,
            posters=posters,
            sections=sections,
            pages=tuple(page[1:] for page in sorted(pages, key=lambda p: (p[0], -p[5], p[2]))),
            days=days,
            referrers=_top(self.referrers.items(), 10),
            missing=tuple((path, where, n) for (path, where), n in _top(self.missing.items(), 20)),
            programs=programs,
            by_agent=self.by_agent,
            by_behaviour=self.by_behaviour,
            pruned=self.referrers.pruned or self.missing.pruned or self.pages.pruned or self.scans.pruned,
            warnings=tuple(self.warnings),
            editions=tuple(edition.label for edition in self.editions),
            formats=tuple(formats),
        )


def _shown_address(key: str, url: str) -> str:
    return "（海报页等）" if key == OTHER else url or "（首页）"


def _top(items: Iterable[tuple[Name, int]], count: int) -> tuple[tuple[Name, int], ...]:
    return tuple(sorted(items, key=lambda item: (-item[1], item[0]))[:count])

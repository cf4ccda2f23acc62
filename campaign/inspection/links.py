"""Links in the rendered site: internal ones must land on a page and anchor; outside ones listed.

Photos count as links: every size in an `<img srcset>` must be a file of the site, and so must
every attachment a page offers for download.

The rendered site in memory is crawled rather than the sources, because only the output shows
where a link really goes (templates build addresses with `url()`, Markdown writes them by hand).
A broken link is then traced back to the line that wrote it, so the clerk knows what to edit.
Outside addresses are only tried with `--online`, each in a daemon thread with a deadline, so a
machine without network gets a clear answer in bounded time instead of a hang.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from campaign.errors import ContentProblem
from campaign.load.source import read_text
from campaign.model.site import Site
from campaign.render.urls import campaign_path, output_file

LINK_ATTRS = {
    ("a", "href"),
    ("link", "href"),
    ("area", "href"),
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("form", "action"),
    ("source", "src"),
}
SRCSET_ATTRS = {("img", "srcset"), ("source", "srcset")}
IGNORED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:")
XML_LINK = re.compile(r'<loc>([^<]+)</loc>|href="([^"]+)"')
REFRESH_URL = re.compile(r"url=(.+)$", re.IGNORECASE)
TextLine = tuple[str, int, str]  # (project file, line, its text)


class _PageLinks(HTMLParser):
    """Collects the links (with output line) and the ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if ident := values.get("id"):
            self.ids.add(ident)
        if tag == "a" and (anchor := values.get("name")):
            self.ids.add(anchor)
        for name, value in attrs:
            if (tag, name) in LINK_ATTRS and value:
                self.links.append(value.strip())
            elif (tag, name) in SRCSET_ATTRS and value:  # each photo size: "ride-800.jpg 800w, …"
                self.links += [part.split()[0] for part in value.split(",") if part.strip()]
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            match = REFRESH_URL.search(values.get("content") or "")
            if match:
                self.links.append(match.group(1).strip().strip("'\""))


def crawl(files: dict[str, bytes]) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Links per output file, and the ids each HTML page offers as anchors."""
    links: dict[str, list[str]] = {}
    ids: dict[str, set[str]] = {}
    for path, data in sorted(files.items()):
        if path.endswith(".html"):
            parser = _PageLinks()
            parser.feed(data.decode("utf-8", "replace"))
            links[path], ids[path] = parser.links, parser.ids
        elif path.endswith(".xml"):
            text = data.decode("utf-8", "replace")
            links[path] = [a or b for a, b in XML_LINK.findall(text)]
    return links, ids


CAMPAIGN = "\x00campaign:"  # a target under the campaign's address, looked up in the whole tree


def _internal_target(site: Site, page: str, href: str) -> tuple[str, str] | None:
    """(output path, fragment) for a link into this site; None for an outside address."""
    if href.lower().startswith(IGNORED_SCHEMES):
        return None
    cfg = site.config
    absolute = urljoin(cfg.site_url + page, href)
    for prefix in (cfg.site_url, cfg.base_url):
        if absolute.startswith(prefix):
            rest, fragment = urldefrag(absolute[len(prefix) :])
            rest = unquote(rest.split("?", 1)[0])
            return (rest + "index.html" if rest == "" or rest.endswith("/") else rest), fragment
    campaign = campaign_path(cfg.site_url)
    if absolute.startswith(campaign):  # another edition of the campaign, or the campaign's own page
        rest, fragment = urldefrag(absolute[len(campaign) :])
        return CAMPAIGN + output_file(unquote(rest.split("?", 1)[0])), fragment
    here, there = urlsplit(cfg.site_url), urlsplit(absolute)
    if (there.scheme, there.netloc) == (here.scheme, here.netloc):
        return "\x00outside", ""  # our own host, but outside the campaign's folder
    return None


def check_links(
    site: Site, files: dict[str, bytes], sources: list[TextLine], tree: dict[str, bytes] | None = None
) -> tuple[list[ContentProblem], dict[str, list[str]]]:
    """Broken internal links (traced to their source line) and outside addresses by host.

    `tree`: every edition's files by their path under the campaign's address, for links from
    one edition to another (an archived edition's 往届 note leads to the newest).
    """
    links, ids = crawl(files)
    broken: dict[tuple[str, str, str], list[str]] = {}  # (href, target, problem) -> pages
    outside: dict[str, set[str]] = {}
    for page, hrefs in links.items():
        for href in hrefs:
            target = _internal_target(site, page, href)
            if target is None:
                if urlsplit(href).scheme in ("http", "https"):
                    outside.setdefault(urlsplit(href).netloc.lower(), set()).add(href)
                continue
            if target[0].startswith(CAMPAIGN):
                found = tree is not None and target[0][len(CAMPAIGN) :] in tree
                problem = "" if found else "指向的页面不存在"
            else:
                problem = _problem(target, files, ids)
            if problem:
                broken.setdefault((href, target[0], problem), []).append(page)
    findings = [_trace(href, path, problem, pages, sources) for (href, path, problem), pages in sorted(broken.items())]
    return sorted(set(findings), key=lambda f: (f.file, f.line, f.message)), {
        host: sorted(urls) for host, urls in sorted(outside.items())
    }


def _problem(target: tuple[str, str], files: dict[str, bytes], ids: dict[str, set[str]]) -> str:
    path, fragment = target
    if path not in files:
        return "指向的页面不存在" if path.endswith(".html") else "指向的文件不存在"
    if fragment and path in ids and fragment not in ids[path]:
        return f"指向的页面上没有「#{fragment}」这个位置"
    return ""


def _trace(href: str, path: str, problem: str, pages: list[str], sources: list[TextLine]) -> ContentProblem:
    """Find the source line that wrote `href`: content first, then templates, else the page."""
    where = "、".join(_page_name(p) for p in pages[:3]) + (f" 等 {len(pages)} 个页面" if len(pages) > 3 else "")
    message = f"链接「{href}」{problem}（出现在 {where}）"
    wanted = path[: -len("index.html")] if path.endswith("index.html") else path
    for file, line, text in sources:
        if file.startswith("templates/"):
            if f'"{href}"' in text or (wanted and (f"'{wanted}'" in text or f'"{wanted}"' in text)):
                return ContentProblem(file, line, message)
        elif href in text:
            return ContentProblem(file, line, message)
    return ContentProblem(f"output:{pages[0]}", 0, message)


def _page_name(path: str) -> str:
    if path == "index.html":
        return "首页"
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def source_lines(root: Path, files: list[str]) -> list[TextLine]:
    """Every non-comment line of the given project files, content before templates."""
    lines = []
    for name in sorted(files, key=lambda n: (n.startswith("templates/"), n)):
        _, text = read_text(root / name, root)
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.lstrip().startswith("#") or name.endswith(".md"):
                lines.append((name, number, line))
    return lines


# --- outside addresses, only with --online ----------------------------------------------------


@dataclass(frozen=True)
class Probe:
    url: str
    status: int  # HTTP status, 0 when no answer
    error: str  # why there was no answer, in Chinese


def probe_all(urls: list[str], timeout: float) -> list[Probe]:
    """Try every address at once; whatever has not answered after `timeout` + 1 s is a timeout."""
    results: dict[str, Probe] = {}
    threads = []
    for url in urls:
        thread = threading.Thread(target=lambda u=url: results.__setitem__(u, _probe(u, timeout)), daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout + 1
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return [results.get(url) or Probe(url, 0, f"超过 {timeout:g} 秒没有回应") for url in urls]


def _probe(url: str, timeout: float) -> Probe:
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "jnxcz-linkcheck/1.0"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Probe(url, response.status, "")
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue  # some servers refuse HEAD only
            return Probe(url, exc.code, "")
        except (urllib.error.URLError, OSError) as exc:
            return Probe(url, 0, _network_reason(exc))
    return Probe(url, 0, "无法访问")


def _network_reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, socket.gaierror):
        return "找不到这个网站（域名无法解析，可能本机没有联网）"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "等待超时"
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝（对方服务器没有开放）"
    return f"无法连接（{reason}）"

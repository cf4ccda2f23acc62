"""The published site as production serves it: deploy/nginx.conf in Debian's nginx, real Chromium.

The site is installed with the real `python build.py publish DEST`; every page reachable from
the home page is opened over HTTPS (a self-signed certificate made for the test), IPv4 and
IPv6; plain HTTP only redirects there. The whole build goes through the Nu Html Checker, and
every page through axe-core.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import socket
import ssl
import subprocess
import warnings
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
import yaml
from conftest import REPO, run_build
from nginxserver import SITE_PATH, TLS, connection, get, running_nginx
from sitecopy import DECIDED_ORIGIN, EDITION, SAMPLE_ORIGIN, decided_copy

PRODUCTION = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))["base_url"].replace(
    SAMPLE_ORIGIN, DECIDED_ORIGIN
)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HSTS = "max-age=31536000"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def served():
    """nginx serving a fresh publish of the shipped project."""
    with running_nginx() as server:
        result = run_build("publish", str(server.dest), "--root", str(decided_copy()))
        assert result.returncode == 0, result.stderr
        assert "已发布" in result.stdout
        yield server


@pytest.fixture(scope="module")
def release(served) -> Path:
    """The shipped edition's folder in the live release (what /jnxcz/2024/ serves)."""
    return served.dest / "current" / EDITION


def html_files(release: Path) -> list[str]:
    return sorted(p.relative_to(release).as_posix() for p in release.rglob("*.html"))


def page_path(file: str) -> str:
    """ "news/index.html" -> "news/" (the address a link uses)."""
    return re.sub(r"(^|/)index\.html$", r"\1", file)


def is_redirect_page(path: str) -> bool:
    """go/<id>/ pages forward to the production address by design (printed QR codes)."""
    return path.startswith("go/")


# --- crawling in Chromium ------------------------------------------------------------------


class Crawl:
    """What one crawl saw: every response, console error, foreign request and link."""

    def __init__(self, base: str):
        self.base = base
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        self.responses: dict[str, int] = {}
        self.console: list[str] = []
        self.foreign: list[str] = []
        self.ids: dict[str, set[str]] = {}
        self.links: list[tuple[str, str]] = []  # (page, absolute link)
        self.overflow: dict[str, int] = {}

    def local(self, url: str) -> str | None:
        """The local address of a link to this site (production links mapped), else None."""
        if url.startswith(PRODUCTION):
            return self.base + url[len(PRODUCTION) :]
        return url if url.startswith(self.origin + "/") else None

    def path(self, url: str) -> str:
        assert url.startswith(self.base), f"{url} is outside {self.base}"
        return urldefrag(url)[0][len(self.base) :]


def crawl(browser, base: str) -> Crawl:
    seen = Crawl(base)
    # The certificate is self-signed for the test: Chromium is told to accept it.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, ignore_https_errors=True)

    def route(route):
        if route.request.url.startswith(seen.origin + "/"):
            route.continue_()
        else:
            seen.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("response", lambda r: seen.responses.__setitem__(r.url, r.status))
    tab.on("console", lambda m: seen.console.append(f"{tab.url}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: seen.console.append(f"{tab.url}: {e}"))
    queue, queued = deque([base]), {base}
    others = set()
    while queue:
        url = queue.popleft()
        response = tab.goto(url, wait_until="load")
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        path = seen.path(url)
        seen.overflow[path] = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        seen.ids[path] = set(
            tab.evaluate("Array.from(document.querySelectorAll('[id],a[name]')).map(e => e.id || e.name)")
        )
        hrefs = tab.evaluate(  # a form's action too: the header's search box is how 站内搜索 is reached
            "Array.from(document.querySelectorAll('a[href],link[href],script[src],img[src],form[action]'))"
            ".map(e => e.href || e.src || e.action)"
        )
        for href in hrefs:
            if href.startswith(("mailto:", "tel:", "data:")):
                continue
            target = seen.local(href)
            if target is None:
                continue  # a real outside address (a live stream), not ours to check
            seen.links.append((path, target))
            document = urldefrag(target)[0]
            if not document.startswith(base):
                pytest.fail(f"{path}: link {href} leaves {SITE_PATH}")
            if is_redirect_page(seen.path(document)) or document.endswith((".css", ".js")):
                others.add(document)
            elif document not in queued and re.search(r"(/|\.html)$", document):
                queued.add(document)
                queue.append(document)
            else:
                others.add(document)
    for url in sorted(others - queued):  # files and go/ pages: fetched, not navigated
        response = context.request.get(url, max_redirects=0)
        seen.responses[url] = response.status
    context.close()
    return seen


@pytest.fixture(scope="module", params=["ipv4", "ipv6"])
def crawled(request, served, browser) -> Crawl:
    return crawl(browser, served.url4 if request.param == "ipv4" else served.url6)


def test_every_page_reachable_from_home_is_crawled(crawled, release):
    expected = {page_path(f) for f in html_files(release) if f != "404.html" and not is_redirect_page(f)}
    missing = expected - crawled.ids.keys()
    assert not missing, f"pages no link leads to: {sorted(missing)}"


def test_every_page_and_asset_answers_200(crawled):
    bad = {url: status for url, status in crawled.responses.items() if status != 200}
    assert not bad, bad
    assert any("/assets/style." in url for url in crawled.responses)


def test_every_internal_link_and_anchor_lands(crawled):
    problems = []
    for page, target in crawled.links:
        document, fragment = urldefrag(target)
        if document not in crawled.responses:
            problems.append(f"{page or '首页'}: {target} was never fetched")
        elif crawled.responses[document] != 200:
            problems.append(f"{page or '首页'}: {target} answered {crawled.responses[document]}")
        if fragment:
            ids = crawled.ids.get(crawled.path(document))
            if ids is None or fragment not in ids:
                problems.append(f"{page or '首页'}: {target}: no element with id {fragment!r}")
    assert not problems, "\n".join(problems)
    assert len(crawled.links) > 100


def test_no_request_to_another_host(crawled):
    assert crawled.foreign == []


def test_no_console_error(crawled):
    assert crawled.console == []


def test_no_horizontal_scrolling_on_a_phone(crawled):
    wide = {path: px for path, px in crawled.overflow.items() if px > 0}
    assert not wide, f"pages scrolling sideways at 390px: {wide}"


def test_redirect_pages_forward_to_existing_pages(served, release):
    """go/<id>/ pages are not navigated (they leave for the production host); check targets."""
    for file in html_files(release):
        if not is_redirect_page(file):
            continue
        status, _, body = get(served.url4 + page_path(file))
        assert status == 200, file
        match = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', body.decode())
        if not match:
            continue  # a live stream not announced yet: the page says so itself
        target = html.unescape(match.group(1))
        if target.startswith(PRODUCTION):
            status, _, _ = get(served.url4 + target[len(PRODUCTION) :])
            assert status == 200, f"{file} forwards to {target}, which is missing"


# --- errors and headers --------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["no-such-page/", "a/b/c/deep.html", "assets/gone.css"])
def test_missing_page_gets_the_site_404_page_with_its_stylesheet(served, browser, missing):
    context = browser.new_context(ignore_https_errors=True)
    tab = context.new_page()
    styles = []
    tab.on("response", lambda r: styles.append(r.status) if "/assets/style." in r.url else None)
    response = tab.goto(served.url4 + missing)
    assert response.status == 404
    assert "页面未找到" in tab.title()
    assert styles == [200]
    rules = tab.evaluate("Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)")
    assert rules > 10
    context.close()


def security_headers_of(headers, what: str) -> None:
    assert headers["Content-Security-Policy"] == CSP, what
    assert headers["X-Content-Type-Options"] == "nosniff", what
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", what
    assert headers["X-Frame-Options"] == "SAMEORIGIN", what
    assert "Server" not in headers or "/" not in headers["Server"], f"{what}: nginx version shown"


def raw(url: str, path: str):
    """One request, redirects not followed: (status, headers as a message, body)."""
    link = connection(url)
    try:
        link.request("GET", path)
        response = link.getresponse()
        return response.status, response.headers, response.read()
    finally:
        link.close()


def test_security_headers_and_hsts_on_every_kind_of_response(served, release):
    css = next((release / "assets").glob("style.*.css")).name
    kinds = {
        "": 200,
        "schedule/": 200,
        "assets/" + css: 200,
        "feed.xml": 200,
        "calendar/" + next((release / "calendar").glob("*.ics")).name: 200,
        "no-such-page/": 404,
        "assets/gone.css": 404,
        "MANIFEST.sha256": 404,
        "assets/": 403,  # a folder: no listing
        "news": 301,  # a folder without its slash
    }
    for path, expected in kinds.items():
        status, headers, _ = raw(served.url4, SITE_PATH + path)
        assert status == expected, path
        security_headers_of(headers, path)
        assert headers["Strict-Transport-Security"] == HSTS, path
    for path, expected in [(SITE_PATH.rstrip("/"), 301), ("/", 404), ("/favicon.ico", 404)]:
        status, headers, body = raw(served.url6, path)
        assert status == expected, path
        security_headers_of(headers, path)
        assert headers["Strict-Transport-Security"] == HSTS, path
        if status == 404:
            assert "页面未找到".encode() in body, "not the site's 404 page (nginx's welcome page?)"


@pytest.mark.parametrize("http", ["http_url4", "http_url6"])
def test_plain_http_only_redirects_to_the_same_address_over_https(served, http):
    base = getattr(served, http)
    https = served.url4 if http == "http_url4" else served.url6
    host = f"https://localhost:{served.port}"  # the server's name (the first of server_name), whatever was asked
    for path in [SITE_PATH, SITE_PATH + "news/?from=poster", SITE_PATH.rstrip("/"), SITE_PATH + "no-such-page/", "/"]:
        status, headers, _ = raw(base, path)
        assert status == 301, path
        assert headers["Location"] == host + path, path
        security_headers_of(headers, "http " + path)
        assert "Strict-Transport-Security" not in headers, "HSTS is for HTTPS responses only"
    # Followed, the redirect lands on the page itself, over HTTPS.
    status, _, body = get(base + "schedule/")
    assert status == 200 and body == get(https + "schedule/")[2]


def ask_as(url: str, host: str | None, target: str = SITE_PATH, version: str = "HTTP/1.1") -> str:
    """The status line nginx answers a request naming `host` (None: no Host header), or how it refused."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as plain:
        link = TLS.wrap_socket(plain, server_hostname=parts.hostname) if parts.scheme == "https" else plain
        with link:
            header = f"Host: {host}\r\n" if host is not None else ""
            link.sendall(f"GET {target} {version}\r\n{header}Connection: close\r\n\r\n".encode())
            answer = b""
            try:
                while chunk := link.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
    if not answer:
        return "closed without an answer"
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    location = [line for line in head if line.lower().startswith("location:")]
    return " ".join([head[0], *location])


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_host_the_site_does_not_have_is_refused(served, scheme):
    """A forged Host header is never reflected into a redirect, nor answered with the site."""
    refused = "closed without an answer"  # nginx's 444
    for url in (served.http_url4, served.http_url6) if scheme == "http" else (served.url4, served.url6):
        for host in ["evil.example", "evil.example:443", "www.example.gov.cn.evil.example", "127.0.0.2", "[::2]"]:
            assert ask_as(url, host) == refused, (url, host)
        assert ask_as(url, None, version="HTTP/1.0") == refused, url  # no name at all: an IP scan
        assert ask_as(url, "localhost", target="http://evil.example" + SITE_PATH) == refused, url
        # the names the server has: the site, or over HTTP the redirect to its own name
        for host in ["localhost", f"localhost:{urlsplit(url).port}", "LOCALHOST", "127.0.0.1", "[::1]"]:
            if scheme == "http":
                answer = f"HTTP/1.1 301 Moved Permanently Location: https://localhost:{served.port}{SITE_PATH}"
            else:
                answer = "HTTP/1.1 200 OK"
            assert ask_as(url, host) == answer, (url, host)


def test_only_tls_1_2_and_later_are_accepted(served):
    def handshake(version: ssl.TLSVersion) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers("ALL:@SECLEVEL=0")  # let the client offer the old versions at all
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = version
        try:
            with (
                socket.create_connection(("127.0.0.1", served.port), timeout=10) as plain,
                context.wrap_socket(plain) as secure,
            ):
                return secure.version()
        except ssl.SSLError as error:
            return error.reason

    assert handshake(ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert handshake(ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1]
    for version in old:
        assert handshake(version) == "TLSV1_ALERT_PROTOCOL_VERSION", version  # the server's refusal


def test_calendars_are_served_as_calendars(served, release):
    for file in sorted((release / "calendar").glob("*.ics")):
        status, headers, body = get(served.url4 + "calendar/" + file.name)
        assert status == 200, file.name
        assert headers["Content-Type"] == "text/calendar; charset=utf-8", file.name
        assert headers["Content-Security-Policy"] == CSP
        assert body == file.read_bytes()


def test_cache_headers(served, release):
    for asset in (release / "assets").iterdir():
        status, headers, _ = get(served.url4 + "assets/" + asset.name)
        assert status == 200
        assert headers["Cache-Control"] == IMMUTABLE, asset.name
    for path in ["", "news/", "404.html"]:
        _, headers, _ = get(served.url4 + path)
        assert headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize("path, expected", [("assets/style.0000000000.css", 404), ("assets/", 403)])
def test_an_error_under_assets_is_never_cached_for_a_year(served, path, expected):
    """A stylesheet missing for a moment must not stay missing in browsers for a year."""
    status, headers, body = get(served.url4 + path)
    assert status == expected
    assert headers.get_all("Cache-Control") == ["no-cache"], headers.get_all("Cache-Control")
    assert "页面未找到".encode() in body


def test_gzip_only_when_asked(served, release):
    css = next((release / "assets").glob("style.*.css")).name
    for path, file in [("", "index.html"), ("assets/" + css, "assets/" + css), ("feed.xml", "feed.xml")]:
        status, headers, body = get(served.url4 + path, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(body) == (release / file).read_bytes(), path
        status, headers, body = get(served.url4 + path)
        assert "Content-Encoding" not in headers and body == (release / file).read_bytes()


def test_site_root_without_slash_redirects_and_manifest_is_hidden(served):
    status, headers, _ = raw(served.url4, SITE_PATH.rstrip("/"))
    assert status == 301 and headers["Location"] == SITE_PATH
    security_headers_of(headers, "301")
    assert headers["Strict-Transport-Security"] == HSTS
    status, _, body = get(served.url4 + "MANIFEST.sha256")
    assert status == 404 and "页面未找到".encode() in body
    assert (served.dest / "current" / "MANIFEST.sha256").is_file()  # at the top of the release
    status, _, body = get(served.url4.replace(SITE_PATH, "/jnxcz/MANIFEST.sha256"))
    assert status == 404 and "页面未找到".encode() in body


# --- validators ----------------------------------------------------------------------------


def _tool(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing: run `npm ci` in {REPO} (tests/run.sh does)")
    return path


def test_every_page_is_valid_html(release):
    files = [str(release / f) for f in html_files(release)]
    result = subprocess.run(
        ["java", "-jar", str(_tool(VNU)), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    readable = [
        f"{m.get('url', '').split('/current/')[-1]}:{m.get('lastLine', '?')}: "
        f"{m['type']}: {m['message']}\n    {m.get('extract', '').strip()}"
        for m in messages
    ]
    assert not messages, "\n".join(readable)
    assert len(files) >= 15


def test_every_page_passes_axe(served, release, browser):
    """axe is injected as a script, which the served CSP rightly forbids: bypass it here only."""
    axe = _tool(AXE)
    context = browser.new_context(bypass_csp=True, ignore_https_errors=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(served.url4) else r.abort())
    tab = context.new_page()
    problems = []
    for file in html_files(release):
        if b'http-equiv="refresh"' in (release / file).read_bytes():
            continue  # it leaves for the production host at once; checked by the validator
        tab.goto(served.url4 + (file if file == "404.html" else page_path(file)))
        tab.add_script_tag(path=str(axe))
        violations = tab.evaluate(
            """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
            .then(r => r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' '))})))""",
            AXE_TAGS,
        )
        for v in violations:
            problems.append(f"{file}: {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]))
    context.close()
    assert not problems, "\n".join(problems)


def test_current_symlink_is_followed_but_foreign_symlinks_are_not(served, release):
    """disable_symlinks if_not_owner: `current` (same owner as its release) works; a link
    planted by another user (here: owned by nobody, to /etc/hostname) is refused."""
    planted = release / "planted.txt"
    os.symlink("/etc/hostname", planted)
    try:
        os.lchown(planted, 65534, 65534)
        assert get(served.url4)[0] == 200
        status, headers, body = get(served.url4 + "planted.txt")
        assert status == 403 and "页面未找到".encode() in body  # the site's error page, not the file
        security_headers_of(headers, "403")
        assert headers["Cache-Control"] == "no-cache"
    finally:
        planted.unlink()

"""Every page of the shipped site in headless Chromium: its QR codes decode to the right address."""

from __future__ import annotations

import re

import yaml
from conftest import REPO
from qrdecode import decode_png

BASE_URL = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))["base_url"]
POSTER_LINKS = {
    p["id"]: p["link"] for p in yaml.safe_load((REPO / "content/posters.yaml").read_text(encoding="utf-8"))["posters"]
}


def html_pages(out):
    """Every page a reader stays on (stable-address pages forward at once, so not those)."""
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*.html")
        if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")
    )


def page_url(path: str) -> str:
    """The production address of an output file ("news/index.html" -> base + "news/")."""
    return BASE_URL + re.sub(r"(^|/)index\.html$", r"\1", path)


def test_every_page_qr_decodes_to_its_production_address(built_site, site_server, browser):
    pages = html_pages(built_site)
    assert len(pages) >= 15
    context = browser.new_context(viewport={"width": 1000, "height": 800}, device_scale_factor=2)
    tab = context.new_page()
    for path in pages:
        tab.goto(site_server + path)
        codes = tab.locator("svg.qr")
        expected = []
        for index in range(codes.count()):
            label = codes.nth(index).get_attribute("aria-label")
            expected.append(label.rsplit(" ", 1)[-1])
        decoded = []
        for index in range(codes.count()):
            decoded += decode_png(codes.nth(index).screenshot())
        assert decoded == expected, path
        sheet = re.fullmatch(r"posters/([a-z0-9-]+)/index\.html", path)
        if sheet:  # a poster sheet carries only its printed code, to its stable address
            assert decoded == [BASE_URL + f"go/{POSTER_LINKS[sheet.group(1)]}/"], path
        elif path == "404.html":  # served at any wrong address: it has no address of its own to offer
            assert tab.get_by_text("扫一扫在手机打开当前页").count() == 0
        else:
            assert page_url(path) in decoded, f"{path}: the page's own QR code does not lead to it"
    context.close()


def test_page_qr_is_readable_in_a_full_phone_screenshot(built_site, site_server, browser):
    """A whole phone screen, as someone photographs it: the page's code is still found."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True)
    tab = context.new_page()
    tab.goto(site_server + "schedule/")
    tab.locator(".page-qr svg").scroll_into_view_if_needed()
    assert BASE_URL + "schedule/" in decode_png(tab.screenshot())
    context.close()


def test_pages_have_no_horizontal_scroll_on_a_phone(built_site, site_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    for path in html_pages(built_site):
        tab.goto(site_server + path)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390px"
    context.close()


def test_no_request_leaves_the_site(built_site, site_server, browser):
    context = browser.new_context()
    tab = context.new_page()
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site_server) else None)
    for path in html_pages(built_site):
        tab.goto(site_server + path)
    assert outside == []
    context.close()


# What the menu marks as the page you are on: a section's own pages mark it; pages of no section
# (posters, stable addresses, the 404 page) mark nothing.
MENU_OF = [
    (r"index\.html", "首页"),
    (r"schedule/index\.html|events/.+", "活动日程"),
    (r"news/.+", "活动动态"),
    (r"posters/.*|go/.*|404\.html|search/index\.html", None),
]


def test_the_menu_marks_the_page_you_are_on_or_nothing(built_site):
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    seen = set()
    for path in pages:
        html = (built_site / path).read_text(encoding="utf-8")
        nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
        if nav is None:
            # a stable address forwards at once; a poster sheet is the printed page alone
            assert re.fullmatch(r"go/.*|posters/[^/]+/index\.html", path), f"{path} has no menu"
            continue
        marked = re.findall(r'aria-current="page">([^<]+)</a>', nav.group(0))
        wanted = next((label for pattern, label in MENU_OF if re.fullmatch(pattern, path)), "")
        if wanted == "":
            assert len(marked) == 1, path  # every other page is a section's own page
            continue
        assert marked == ([wanted] if wanted else []), path
        seen.add(wanted)
    assert seen == {"首页", "活动日程", "活动动态", None}

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
    if path == "404.html":
        return BASE_URL
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

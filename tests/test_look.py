"""The site looks like the campaign: the first screen on a phone and a laptop, the menu, share
cards, print, and the emblem on every page.

On 15 May (the reader's clock, Beijing time) the home page's first screen names the campaign once,
shows both themes in large type with their dates, the day's line and the three big buttons; each
menu label stays on one line; every page carries its own description and a share image the build
drew; a report with three photos and three paragraphs prints on at most two A4 pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import io
import re
import threading
import unicodedata
import urllib.request

import pytest
from conftest import _QuietHandler
from PIL import Image
from pypdf import PdfReader
from sitecopy import EDITION, copy_site, run_build, snapshot, write
from test_accessibility import AXE, _axe

from campaign.model.timeline import BEIJING

BASE_URL = "https://www.example.gov.cn/jnxcz/2024/"  # config.yaml's production address
TITLE = "江北区公共机构2024年全国节能宣传周和全国低碳日活动"
ON_LOW_CARBON_DAY = dt.datetime(2024, 5, 15, 9, 0, tzinfo=BEIJING)
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
BUTTONS = [("观看直播", "livestreams/"), ("参与答题", "quiz/"), ("低碳日倡议", "pledges/")]
REPORT = "news/2024-05-15-sanzhang/"

# What a reader sees of an element: its box, and whether all of it is inside the first screen.
BOX = """(el) => { const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
          inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 0}; }"""

# The visible places on the first screen where the campaign's full title is written.
TITLE_SHOWN = """(title) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let found = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.includes(title)) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.height > 0 && r.bottom > 0 && r.top < innerHeight) found++;
  }
  return found;
}"""

# Lines each menu label takes: one box per line of its text.
LABEL_LINES = """() => [...document.querySelectorAll('.site-nav a')].map((a) => {
  const range = document.createRange(); range.selectNodeContents(a);
  return [a.textContent.trim(), range.getClientRects().length];
})"""


def open_home(browser, url: str, size: str, large: bool = False):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id="Europe/Berlin")
    page = context.new_page()
    page.clock.install(time=ON_LOW_CARBON_DAY)
    page.goto(url + ("?mode=large" if large else ""))
    return context, page


@pytest.mark.parametrize("size", SIZES)
def test_the_first_screen_says_the_campaign(site_server, browser, size):
    context, page = open_home(browser, site_server, size)
    shown = {
        "title": page.locator("#hero-title").evaluate(BOX),
        "titles": page.evaluate(TITLE_SHOWN, TITLE),
        "today": page.locator("[data-today-line]:visible").all_inner_texts(),
        "today_box": page.locator("[data-today-line]:visible").evaluate(BOX),
        "body_px": float(page.evaluate("getComputedStyle(document.body).fontSize")[:-2]),
    }
    themes = {}
    for item in page.locator(".hero .themes li").all():
        name = item.locator(".theme-name").inner_text()
        slogan = item.locator(".theme-slogan")
        themes[name] = {
            "slogan": slogan.inner_text(),
            "dates": item.locator(".theme-dates").inner_text(),
            "box": item.evaluate(BOX),
            "px": float(slogan.evaluate("(el) => getComputedStyle(el).fontSize")[:-2]),
        }
    buttons = [
        (a.inner_text(), a.get_attribute("href"), a.evaluate(BOX)) for a in page.locator(".hero .actions a").all()
    ]
    search = page.locator(".site-header form[role=search] input").evaluate(BOX)
    context.close()
    assert shown["title"]["inside"] and page.url.endswith("/")
    assert shown["titles"] == 1, "the campaign's title is written once on the first screen"
    assert themes["全国节能宣传周"]["slogan"] == "“绿色转型，节能攻坚”"
    assert themes["全国节能宣传周"]["dates"] == "2024年5月13日至19日"
    assert themes["全国低碳日"]["slogan"] == "“绿色低碳，美丽中国”"
    assert themes["全国低碳日"]["dates"] == "2024年5月15日 星期三"
    for name in ("全国节能宣传周", "全国低碳日"):
        assert themes[name]["box"]["inside"], f"{name} is not on the first screen: {themes[name]['box']}"
        assert themes[name]["px"] >= 1.4 * shown["body_px"], f"{name}'s theme is not in large type"
    assert shown["today"] == ["今天：5月15日 星期三 · 全国低碳日 · 全国节能宣传周第3天"]
    assert shown["today_box"]["inside"]
    assert [(text, href) for text, href, _ in buttons] == BUTTONS
    for text, _, box in buttons:
        assert box["inside"] and box["height"] >= 48, f"{text}: {box}"
    assert search["inside"], f"the header's search box is not on the first screen: {search}"


def test_the_home_page_does_not_repeat_the_schedule(built_site):
    """The schedule is the schedule page's: the home page shows each event only in its 今天 / 接下来 part."""
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="h-schedule">' not in home and 'id="h-themes"' not in home
    for event in re.findall(r'data-event="([^"]+)" data-start=', home):
        assert home.count(f'data-event="{event}" data-start=') == 2, event  # its 今天 and 接下来 cards


@pytest.mark.parametrize(("size", "large"), [("phone", False), ("phone", True), ("desktop", False)])
def test_every_menu_label_is_on_one_line(site_server, browser, size, large):
    context, page = open_home(browser, site_server, size, large)
    lines = page.evaluate(LABEL_LINES)
    rows = page.evaluate("new Set([...document.querySelectorAll('.site-nav li')].map((li) => li.offsetTop)).size")
    sideways = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    context.close()
    assert [label for label, _ in lines] == [
        "首页", "活动日程", "直播收看", "低碳日倡议", "知识竞赛", "活动动态", "活动通知", "联系报送"
    ]  # fmt: skip
    assert all(count == 1 for _, count in lines), lines
    assert rows == 1, "the menu is one row"
    assert sideways <= 0, "the page itself never scrolls sideways (the menu row does)"


def _meta(text: str, attribute: str, name: str) -> list[str]:
    return [html.unescape(value) for value in re.findall(rf'<meta {attribute}="{name}" content="([^"]*)">', text)]


def test_every_page_has_its_own_description_and_share_card(built_site):
    seen: dict[str, str] = {}
    for path in sorted(built_site.rglob("*.html")):
        relative = path.relative_to(built_site).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.fullmatch(r"posters/[^/]+/index\.html", relative):  # a printable poster sheet, not a page
            continue
        [description] = _meta(text, "name", "description")
        assert description and description not in seen, f"{relative} says what {seen.get(description)} says"
        seen[description] = relative
        title = html.unescape(re.search(r"<title>([^<]+)</title>", text).group(1))
        [og_title] = _meta(text, "property", "og:title")
        assert title.startswith(og_title), relative
        assert _meta(text, "property", "og:description") == [description], relative
        assert _meta(text, "property", "og:image") == [BASE_URL + "share.png"], relative
        canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', text) or [BASE_URL]  # 404: the home page
        assert _meta(text, "property", "og:url") == canonical, relative
        assert 'style="' not in text and "<style" not in text, f"{relative}: inline style (CSP: style-src 'self')"
    assert len(seen) > 20
    home = {relative: description for description, relative in seen.items()}
    assert home["index.html"] == (
        "重庆市江北区机关事务管理局发布的2024年全国节能宣传周和全国低碳日活动安排，"
        "包括活动主题、日程、直播收看、低碳日倡议、节能知识问答和报送要求。"
    )
    assert home["404.html"] == "您要找的页面不存在，可能是网址输入有误，或页面已经调整。"
    assert home["notice/index.html"].startswith("重庆市江北区机关事务管理局关于江北区公共机构开展2024年")


def test_the_share_image_is_on_the_site(built_site, site_server):
    with urllib.request.urlopen(site_server + "share.png", timeout=30) as response:
        assert response.status == 200
        data = response.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and min(image.size) >= 300, image.size
    assert image.getpixel((5, 5)) == (0x17, 0x63, 0x3A)  # the campaign's green, from style.css
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:image:width" content="{image.width}">' in home
    assert f'<meta property="og:image:height" content="{image.height}">' in home


def _photo(width: int, height: int, shade: int) -> bytes:
    image = Image.new("RGB", (width, height), (shade, 140, 90))
    for y in range(0, height, 40):
        image.paste((255 - shade, 200, 120), (0, y, width, y + 12))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


PARAGRAPH = (
    "5月15日全国低碳日，区机关事务局组织干部职工开展低碳体验活动：{}。大家少开一天车，乘坐公共交通或步行上班，"
    "办公区域空调照明非必要不开，六楼以下停开电梯，减少一次性用品，降低待机能耗，以实际行动践行绿色低碳的工作方式。"
)


@pytest.fixture(scope="module")
def report_site(tmp_path_factory):
    """A copy with a report of three photos (one portrait) and three paragraphs, built, and the
    same copy built again from clean and for opening from disk; yields (project, output folder)."""
    root = copy_site(tmp_path_factory.mktemp("look") / "project")
    folder = root / "content" / REPORT
    folder.mkdir(parents=True)
    for number, (width, height) in enumerate([(2400, 1800), (1800, 2400), (2400, 1600)], start=1):
        (folder / f"photo-{number}.jpg").write_bytes(_photo(width, height, 40 * number))
    body = [
        PARAGRAPH.format("骑行和步行上班"),
        "![干部职工骑行上班](photo-1.jpg)",
        PARAGRAPH.format("关闭不必要的照明") + "详见[重庆市公共机构节能网](https://www.cqjgjn.gov.test/)。",
        "![志愿者在楼梯口提示步行上楼](photo-2.jpg)",
        PARAGRAPH.format("清理待机设备"),
        "![办公室里关闭待机的电脑和打印机](photo-3.jpg)",
    ]
    write(
        root,
        f"content/{REPORT}index.md",
        "---\ntitle: 区机关事务局开展全国低碳日体验活动\ndate: 2024-05-15\nsource: 江北区机关事务管理局\n---\n"
        + "\n\n".join(body)
        + "\n",
    )
    out = root / "output"
    result = run_build(root, "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    offline = run_build(root, "--no-pdf", "--offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    return root, out / EDITION


@pytest.fixture(scope="module")
def report_server(report_site):
    _, site = report_site
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_a_report_with_three_photos_prints_on_two_pages(report_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(report_server + REPORT)
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    for hidden in (".site-nav", ".reader-tools", ".skip-link", ".page-qr"):
        assert not page.locator(hidden).is_visible(), hidden
    footer = page.locator(".site-footer .print-only").inner_text()
    assert footer == f"本页网址：{BASE_URL}{REPORT} · 本页日期：2024年5月15日 星期三"
    link = page.locator('main a[href^="http"]').first
    after = link.evaluate("(a) => getComputedStyle(a, '::after').content")
    assert after == '"（" "https://www.cqjgjn.gov.test/" "）"' or "https://www.cqjgjn.gov.test/" in after
    photos = page.locator("main .photo").all()
    assert len(photos) == 3
    for photo in photos:
        assert photo.evaluate("(f) => getComputedStyle(f).breakInside") == "avoid"
        # at most 7.5 cm high (283 CSS px), the portrait photo too
        assert photo.locator("img").evaluate("(i) => i.getBoundingClientRect().height") <= 284
    pdf = page.pdf(format="A4", print_background=True)
    context.close()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) <= 2, f"the report prints on {len(reader.pages)} A4 pages"
    # the PDF's text may name some characters by their radicals (⽇ for 日): read as the reader reads
    printed = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages)).replace(" ", "")
    for caption in ("干部职工骑行上班", "志愿者在楼梯口提示步行上楼", "办公室里关闭待机的电脑和打印机"):
        assert caption in printed


def test_a_portrait_photo_fits_a_laptop_screen(report_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(report_server + REPORT)
    heights = [img.evaluate("(i) => i.getBoundingClientRect().height") for img in page.locator(".photo img").all()]
    context.close()
    assert len(heights) == 3 and max(heights) <= 800 * 0.8 + 1, heights


def test_the_share_image_is_the_same_from_clean_and_in_the_shared_build(report_site, built_site):
    root, site = report_site
    again = run_build(root, "--no-pdf", "--out", str(root / "clean"))
    assert again.returncode == 0, again.stderr
    assert (root / "clean" / EDITION / "share.png").read_bytes() == (site / "share.png").read_bytes()
    assert (site / "share.png").read_bytes() == (built_site / "share.png").read_bytes()


def test_the_emblem_is_on_the_404_page_and_the_offline_copy(report_site, built_site):
    root, _ = report_site
    offline = snapshot(root / "output-offline" / EDITION)
    for name, text in [
        ("404.html", (built_site / "404.html").read_text(encoding="utf-8")),
        ("offline index.html", offline["index.html"].decode()),
        ("offline 404.html", offline["404.html"].decode()),
    ]:
        assert text.count('<svg class="emblem" viewBox="0 0 64 64" aria-hidden="true"') == 1, name
        assert '<svg class="hero-emblem" viewBox="0 0 64 64"' in text, name
        assert "http" not in re.sub(r'(content|href)="https?://[^"]*"|https?://[^\s<"]*', "", text.split("<body>")[1])


@pytest.mark.parametrize("size", SIZES)
def test_the_home_page_is_accessible_and_light(site_server, browser, size):
    assert AXE.exists(), "npm ci installs axe-core (tests/run.sh does it)"
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.clock.install(time=ON_LOW_CARBON_DAY)
    loaded: list[int] = []
    page.on("requestfinished", lambda request: loaded.append(len(request.response().body())))
    page.goto(site_server)
    page.wait_for_load_state("networkidle")
    weight = sum(loaded)
    problems = _axe(page)
    context.close()
    assert problems == []
    assert weight < 100 * 1024, f"the home page loads {weight} bytes"

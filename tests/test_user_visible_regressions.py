"""Five mistakes that once passed every test, each pinned by what a visitor would see.

Twenty realistic bugs were planted one at a time; these five got through. Each test
here builds a throw-away copy of the project in this process (`campaign.pipeline`, as the
command line does) and looks at the delivered files and pages:

1. a photo stored turned or mirrored (EXIF orientations 1–8) is delivered at exactly the width
   and height its page promises, in every size its `srcset` names, upright;
2. no delivered photo carries the phone's EXIF, GPS, XMP, colour profile or comment, whatever
   its size (below, at or above a delivered width) and whether it was under the byte budget;
3. the schedule has a heading for every day of the campaign week, 星期日 included;
4. a livestream appended at the end of content/livestreams.yaml is on the rebuilt page, and the
   rebuild equals a clean build;
5. a normal build after a `--no-pdf` one links every poster's PDF (下载 PDF（送印）).

Besides, for what mutation testing of those modules found unguarded (pyproject.toml's
[tool.mutmut]): each page's title and menu entry, the stable go/ addresses online and from
disk, the sitemap and the 404 page, and that an unchanged rebuild renders nothing.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from sitecopy import EDITION, REPO, copy_site, read, snapshot, write
from test_photo_reports import BUDGET, BUNDLE, INDEX, REPORT, SLUG, phone_jpeg

from campaign import pipeline
from campaign.context import make_context
from campaign.model.timeline import parse_moment
from campaign.ship import printing

AS_OF = "2024-05-15T10:00"
RED = (255, 0, 0)

# How each EXIF orientation is undone by a viewer (the inverse of how the phone stored it).
STORED_AS = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_90,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_270,),
}


def oriented_jpeg(upright: tuple[int, int], orientation: int, quality: int = 75, seed: int = 0) -> bytes:
    """`phone_jpeg`'s photo (red top-left corner upright, GPS, ICC, XMP, comment) stored as
    `orientation` says, at `quality` (which decides whether it is under the byte budget)."""
    with Image.open(io.BytesIO(phone_jpeg(upright, 1, seed))) as source:
        source.load()
        exif = source.getexif()
        info = dict(source.info)
    stored = source
    for turn in STORED_AS[orientation]:
        stored = stored.transpose(turn)
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(
        out,
        "JPEG",
        quality=quality,
        exif=exif,
        icc_profile=info["icc_profile"],
        comment=info["comment"],
        xmp=info["xmp"],
    )
    return out.getvalue()


# name -> (upright size, orientation, JPEG quality of the source); delivered widths are 800
# and 1600, never wider than the photo, so these are below, at and above each of them.
PHOTOS = {
    **{f"wide-{o}.jpg": ((1200, 900), o, 75) for o in range(1, 9)},  # above 800: 800 and its own 1200
    **{f"tall-{o}.jpg": ((600, 800), o, 75) for o in range(1, 9)},  # below 800: its own 600 only
    "at-800.jpg": ((800, 600), 1, 90),  # exactly 800 wide, upright, under the budget
    "at-800-heavy.jpg": ((800, 1067), 1, 95),  # exactly 800 wide, over the budget
    "at-1600-light.jpg": ((1600, 1200), 1, 50),  # exactly 1600 wide, under the budget
    "at-1600-heavy.jpg": ((1600, 1200), 1, 75),  # exactly 1600 wide, over the budget
}
SOURCE_BUDGET = {  # what the cases above stand for: the source is under (True) or over the budget
    "at-800.jpg": True,
    "at-800-heavy.jpg": False,
    "at-1600-light.jpg": True,
    "at-1600-heavy.jpg": False,
}


def expected_sizes(upright: tuple[int, int]) -> list[tuple[int, int]]:
    """The (width, height) files a photo of this upright size is delivered in (800 and 1600 wide)."""
    width, height = upright
    return [(w, round(height * w / width)) for w in sorted({min(800, width), min(1600, width)})]


class Images(HTMLParser):
    """Every <img> of a page: its src, srcset and width/height attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def images_of(html: str) -> list[dict]:
    parser = Images()
    parser.feed(html)
    return parser.found


def site_copy(dest: Path, source: Path = REPO) -> Path:
    """A copy of the project's sources with no cache: every build here is in process, and the
    PDF test must print for itself (not take the run's printed posters, `sitecopy.PRINTED`)."""
    return copy_site(dest, source=source, printed=False)


def build(root: Path, out: Path | None = None, pdf: bool = False, offline: bool = False) -> pipeline.Built:
    """The pipeline `build.py` runs, in this process and its thread only (JNXCZ_WORKERS=1: the
    bytes are the same over several, see test_photo_reports; mutmut sees what runs here)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JNXCZ_WORKERS", "1")
        ctx = make_context(root, parse_moment(AS_OF), say=lambda _: None)
        return pipeline.build(ctx, out or root / "output", pdf=pdf, offline=offline)


def clean_build(root: Path, scratch: Path, pdf: bool = False) -> dict[str, bytes]:
    """What a clean build of `root`'s sources writes: into a new output folder, so with no
    previous state; without PDFs from a fresh copy with no cache, with them beside `root`'s
    (its `.cache/pdf/` has them printed already)."""
    if not pdf:
        root = site_copy(scratch / "clean", source=root)
    build(root, scratch / "clean-output", pdf=pdf)
    return snapshot(scratch / "clean-output")


# --------------------------------------------------------------------------- 1 and 2: photos


# Built for each test, not once per module: mutmut runs for a mutant only the tests that called
# the mutated function, and a shared fixture's build would count for the first test alone.
@pytest.fixture
def photo_report(tmp_path) -> Path:
    """A report with every orientation and size case, built: its folder in the output."""
    root = site_copy(tmp_path / "photos")
    head = REPORT[: REPORT.index("![")]  # test_photo_reports' report, with these photos instead
    write(root, INDEX, head + "\n\n".join(f"![照片 {name}]({name})" for name in PHOTOS) + "\n")
    for name, (upright, orientation, quality) in PHOTOS.items():
        (root / BUNDLE / name).write_bytes(oriented_jpeg(upright, orientation, quality))
    build(root)
    return root / "output" / EDITION


def test_the_budget_cases_are_under_and_over_the_budget():
    """The byte budget cases really are under and over it (else test 2 would prove less)."""
    for name, under in SOURCE_BUDGET.items():
        upright, orientation, quality = PHOTOS[name]
        assert (len(oriented_jpeg(upright, orientation, quality)) <= BUDGET) is under, name


def test_every_photo_file_is_the_size_its_page_promises(photo_report):
    """All eight orientations: <img width/height> and each srcset width are the file's real size."""
    folder = photo_report / "news" / SLUG
    page = (folder / "index.html").read_text(encoding="utf-8")
    shown = {}
    for img in images_of(page):
        if img["src"].startswith("../"):
            continue  # not a photo of the report
        name = unquote(img["src"]).rsplit("-", 1)[0] + ".jpg"
        srcset = [entry.split(" ") for entry in img.get("srcset", f"{img['src']} {img['width']}w").split(", ")]
        shown[name] = {
            "page": (int(img["width"]), int(img["height"])),
            "srcset": [(unquote(url), int(w[:-1])) for url, w in srcset],
        }
    cases = {name: upright for name, (upright, _, _) in PHOTOS.items()}
    stem = {name: name.rsplit(".", 1)[0] for name in cases}
    assert shown == {
        name: {
            "page": expected_sizes(upright)[0],
            "srcset": [(f"{stem[name]}-{w}.jpg", w) for w, _ in expected_sizes(upright)],
        }
        for name, upright in cases.items()
    }, "the page's width/height or srcset is not the photo's upright size"
    # what the browser gets: each file named in a srcset is exactly as wide as it says there,
    # and as tall as the photo upright at that width; upright (the red corner at the top left)
    delivered, corners = {}, {}
    for look in shown.values():
        for url, _ in look["srcset"]:
            with Image.open(folder / url) as image:
                delivered[url] = image.size
                corners[url] = image.convert("RGB").getpixel((3, 3))
    assert delivered == {
        f"{stem[name]}-{w}.jpg": (w, h) for name, upright in cases.items() for w, h in expected_sizes(upright)
    }, "a delivered file is not the size its srcset and the photo upright say"
    upside_down = {url: corner for url, corner in corners.items() if not is_red(corner)}
    assert upside_down == {}, "these files are turned or mirrored: their top-left corner is not red"


def is_red(pixel: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel, RED))


def test_the_news_list_cover_is_the_size_it_promises(photo_report):
    """The first photo of a report is the list's cover: its small file matches its attributes."""
    page = (photo_report / "news" / "index.html").read_text(encoding="utf-8")
    [cover] = [img for img in images_of(page) if SLUG in img["src"]]
    with Image.open(photo_report / "news" / unquote(cover["src"])) as image:
        assert image.size == (int(cover["width"]), int(cover["height"])) == (400, 300)  # wide-1.jpg, 1200×900


def test_no_delivered_photo_keeps_the_phones_metadata(photo_report):
    """Below, at or above a delivered width, under or over the byte budget, any orientation:
    every file is made anew from the pixels, with no EXIF, GPS, XMP, colour profile or comment."""
    files = sorted(p for p in (photo_report / "news" / SLUG).iterdir() if p.suffix in (".jpg", ".png"))
    assert {p.name.rsplit("-", 1)[0] + ".jpg" for p in files} == PHOTOS.keys()
    kept = {}
    for path in files:
        data = path.read_bytes()
        with Image.open(path) as image:
            found = sorted(
                {"exif", "icc_profile", "xmp", "comment", "photoshop"} & image.info.keys()
                | ({"EXIF tags"} if image.getexif() else set())
                | ({"GPS"} if image.getexif().get_ifd(0x8825) else set())
                | {
                    word.decode()
                    for word in (b"Exif", b"iPhone", b"xmpmeta", b"secret", b"ICC_PROFILE")
                    if word in data
                }
            )
        if found:
            kept[path.name] = found
        assert len(data) <= BUDGET, (path.name, len(data))
    assert kept == {}, "these delivered photos still carry the phone's metadata (GPS, model, ...)"


# --------------------------------------------------------------------------- 3: the week


SITE_TITLE = "江北区公共机构2024年全国节能宣传周和全国低碳日活动"


@pytest.fixture
def shipped(tmp_path) -> Path:
    """The shipped site built (for each test, as `photo_report`), its contact page retitled by
    the clerk, and its copy for opening from disk: the edition's folder."""
    root = site_copy(tmp_path / "shipped")
    contact = read(root, "content/contact.md")
    assert contact.count("\ntitle: 联系与报送\n") == 1
    write(root, "content/contact.md", contact.replace("\ntitle: 联系与报送\n", "\ntitle: 联系我们\n"))
    build(root)
    build(root, root / "output-offline", offline=True)
    return root / "output" / EDITION


def test_each_section_page_has_its_title_and_its_menu_entry_marked(shipped):
    """Titles written in content (campaign, pledges, quiz, contact) win over the menu's words."""
    found = {}
    pages = ("", "schedule/", "livestreams/", "pledges/", "quiz/", "news/", "notice/", "contact/")
    for page in (*pages, "events/chuanyu-launch-ceremony/"):
        html = (shipped / page / "index.html").read_text(encoding="utf-8")
        found[page] = (
            re.findall(r"<title>([^<]*)</title>", html),
            re.findall(r"<h1[^>]*>([^<]*)</h1>", html),
            re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', html),
        )
    launch = "2024年川渝地区公共机构节能宣传周活动启动仪式"  # an event's page: in the schedule's section
    notice = "重庆市江北区机关事务管理局关于江北区公共机构开展2024年全国节能宣传周和全国低碳日活动安排的通知"
    assert found == {
        "": ([SITE_TITLE], [SITE_TITLE], ["首页"]),
        "schedule/": ([f"活动日程 - {SITE_TITLE}"], ["活动日程"], ["活动日程"]),
        "livestreams/": ([f"直播收看与资料下载 - {SITE_TITLE}"], ["直播收看与资料下载"], ["直播收看"]),
        "pledges/": ([f"全国低碳日绿色低碳倡议 - {SITE_TITLE}"], ["全国低碳日绿色低碳倡议"], ["低碳日倡议"]),
        "quiz/": ([f"节能宣传周线上节能知识问答 - {SITE_TITLE}"], ["节能宣传周线上节能知识问答"], ["知识竞赛"]),
        "news/": ([f"活动动态 - {SITE_TITLE}"], ["活动动态"], ["活动动态"]),
        "notice/": ([f"活动通知 - {SITE_TITLE}"], [notice], ["活动通知"]),
        "contact/": ([f"联系我们 - {SITE_TITLE}"], ["联系我们"], ["联系报送"]),
        "events/chuanyu-launch-ceremony/": ([f"{launch} - {SITE_TITLE}"], [launch], ["活动日程"]),
    }
    # the posters' pages, outside the menu: titled by their headline
    posters = {}
    for page in ("posters/", "posters/chuanyu-live/"):
        html = (shipped / page / "index.html").read_text(encoding="utf-8")
        posters[page] = re.findall(r"<title>([^<]*) - " + SITE_TITLE + "</title>", html)
    assert posters == {
        "posters/": ["宣传海报"],
        "posters/chuanyu-live/": ["扫码收看川渝地区公共机构节能宣传周启动仪式直播 - 宣传海报"],
    }


def test_stable_addresses_open_their_page_online_and_from_disk(shipped):
    """go/<id>/, the address a poster's QR code carries: titled, and leading to its page (a
    livestream or download whose address is not announced yet says so instead)."""
    found = {}
    for copy in (shipped, shipped.parents[1] / "output-offline" / EDITION):
        for page in sorted((copy / "go").glob("*/index.html")):
            html = page.read_text(encoding="utf-8")
            title = re.findall(r"<title>([^<]*) - " + SITE_TITLE + "</title>", html)
            h1 = re.findall(r"<h1>([^<]*)</h1>", html)
            goes = re.findall(r'<meta http-equiv="refresh" content="0; url=([^"]*)">', html)
            found[copy.parent.name, page.parent.name] = (*title, *h1, *goes)
    site = "https://www.example.gov.cn/jnxcz/2024/"
    pending = {
        "chuanyu-live": "2024年川渝地区公共机构节能宣传周活动启动仪式直播",
        "demo-cases": "2023—2024年度重庆市公共机构能源资源节约示范案例",
        "summer-saving": "2024公共机构迎峰度夏节约用电倡议",
        "xinhua-live": "2024年全国节能宣传周公共机构节能降碳专题宣传活动直播",
    }
    pages = {"pledges": "低碳日倡议", "quiz": "节能知识竞赛", "schedule": "活动日程"}
    expected = {}
    for out, target in (("output", f"{site}{{}}/"), ("output-offline", "../../{}/index.html")):
        expected |= {(out, name): (label, label) for name, label in pending.items()}
        expected |= {(out, name): (label, label, target.format(name)) for name, label in pages.items()}
    assert found == expected


def test_the_sitemap_lists_the_pages_and_the_error_page_is_in_place(shipped):
    """No stable address (a redirect) or error page in the sitemap; the server's 404 page exists."""
    sitemap = (shipped / "sitemap.xml").read_text(encoding="utf-8")
    listed = [
        loc.removeprefix("https://www.example.gov.cn/jnxcz/2024/") for loc in re.findall("<loc>([^<]*)</loc>", sitemap)
    ]
    events = ["address-announcement", "chongqing-publications", "energy-quiz", "chuanyu-launch-ceremony"]
    events += ["low-carbon-day", "national-special-event", "report-deadline"]
    assert listed == [
        "",
        "schedule/",
        "livestreams/",
        "pledges/",
        "quiz/",
        "notice/",
        "contact/",
        *[f"events/{event}/" for event in events],
        "news/",
        "news/2024-05-09-huodong-anpai/",
        "posters/",
        *[f"posters/{poster}/" for poster in ("chuanyu-live", "xinhua-live", "schedule", "pledges")],
    ]
    for page in (shipped / "404.html", shipped.parent / "404.html"):
        html = page.read_text(encoding="utf-8")
        assert re.findall(r"<title>([^<]*)</title>|<h1>([^<]*)</h1>", html) == [
            (f"页面未找到 - {SITE_TITLE}", ""),
            ("", "页面未找到"),
        ], page


def test_the_schedule_has_a_heading_for_every_day_of_the_week(shipped):
    page = (shipped / "schedule" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="d-([0-9-]+)">([^<]+?) <span class="today-mark"', page)
    week = [
        ("2024-05-13", "2024年5月13日 星期一"),
        ("2024-05-14", "2024年5月14日 星期二"),
        ("2024-05-15", "2024年5月15日 星期三"),
        ("2024-05-16", "2024年5月16日 星期四"),
        ("2024-05-17", "2024年5月17日 星期五"),
        ("2024-05-18", "2024年5月18日 星期六"),
        ("2024-05-19", "2024年5月19日 星期日"),
    ]
    missing = [text for day in week if day not in headings for text in day[1:]]
    assert headings == week, f"the schedule has no heading for {missing}"
    # under each heading that day's events; those of several days once, before the days
    listed = {}
    for part in re.split(r"(?=<section )", page):
        found = re.match(r'<section (?:class="day[^"]*" data-day="([0-9-]+)"|aria-labelledby="(h-week)")', part)
        if found:
            listed[found.group(1) or found.group(2)] = re.findall(r'data-event="([a-z0-9-]+)"', part)
    assert listed == {
        "h-week": ["chongqing-publications", "energy-quiz"],
        "2024-05-13": ["address-announcement"],
        "2024-05-14": ["chuanyu-launch-ceremony"],
        "2024-05-15": ["low-carbon-day"],
        "2024-05-16": ["national-special-event"],
        "2024-05-17": ["report-deadline"],
        "2024-05-18": [],
        "2024-05-19": [],
    }


# --------------------------------------------------------------------------- 4: a list grown at its end

STREAMS = "content/livestreams.yaml"
NEW_STREAM = """\
  # —— 第三场：江北区节能知识讲座直播 ——
  - id: jiangbei-lecture
    title: 江北区公共机构节能知识讲座直播
    platform: 江北区融媒体中心
    url: https://live.example.com/2024/jiangbei-lecture
    announce_on: 2024-05-13
    announce_where: 江北区机关事务管理局网站
"""


def test_a_livestream_appended_at_the_end_reaches_its_page(tmp_path):
    """Renders exactly the page that shows the list, and gives a clean build's bytes."""
    root = site_copy(tmp_path / "site")
    build(root)
    unchanged = build(root)
    assert unchanged.rendered == unchanged.written == frozenset(), "a rebuild with nothing changed rendered again"
    text = read(root, STREAMS)
    assert text.count("\n# 资料下载") == 1
    write(root, STREAMS, text.replace("\n# 资料下载", "\n" + NEW_STREAM + "\n# 资料下载"))
    rebuilt = build(root)
    page = read(root, f"output/{EDITION}/livestreams/index.html")
    titles = re.findall(r'<h3 id="a-([a-z0-9-]+)">([^<]+)</h3>', page)
    assert titles[:3] == [
        ("chuanyu-launch", "2024年川渝地区公共机构节能宣传周活动启动仪式直播"),
        ("xinhua-live", "2024年全国节能宣传周公共机构节能降碳专题宣传活动直播"),
        ("jiangbei-lecture", "江北区公共机构节能知识讲座直播"),
    ], "the livestream appended to content/livestreams.yaml is not on the rebuilt page"
    assert '<a class="button" href="https://live.example.com/2024/jiangbei-lecture">打开直播</a>' in page
    # the page, and the search index's parts that find it by its title
    assert (
        rebuilt.rendered
        == rebuilt.written
        == {
            f"{EDITION}/livestreams/index.html",
            f"{EDITION}/search/texts-000.js",
            f"{EDITION}/search/grams-00.js",
        }
    )
    assert snapshot(root / "output") == clean_build(root, tmp_path)
    # a build into another folder (a staging copy) leaves output/'s next build incremental
    build(root, root / "staging")
    again = build(root)
    assert again.rendered == again.written == frozenset(), "output/ was rendered again after a build elsewhere"


# --------------------------------------------------------------------------- 5: PDFs after --no-pdf


def test_a_pdf_build_after_a_no_pdf_one_links_every_poster_pdf(tmp_path):
    assert printing.find_chromium(), "poster PDFs need Chromium: apt-get install chromium"
    root = site_copy(tmp_path / "site")
    out = root / "output" / EDITION
    build(root, pdf=False)
    assert "下载 PDF（送印）" not in (out / "posters" / "index.html").read_text(encoding="utf-8")
    build(root, pdf=True)
    page = (out / "posters" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'<section class="announced" aria-labelledby="p-([a-z0-9-]+)">', page)
    assert ids == ["chuanyu-live", "xinhua-live", "schedule", "pledges"]  # content/posters.yaml
    links = re.findall(r'<a href="([^"]+)">下载 PDF（送印）</a>', page)
    assert links == [f"../posters/{poster}/poster.pdf" for poster in ids], "the posters page does not link the PDFs"
    for poster in ids:
        assert (out / "posters" / poster / "poster.pdf").read_bytes().startswith(b"%PDF-")
    assert snapshot(root / "output") == clean_build(root, tmp_path, pdf=True)

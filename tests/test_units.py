"""Fast checks of the pure pieces: dates, links, QR matrices, Markdown sanitising."""

from __future__ import annotations

import datetime as dt

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign.incremental.cache import Cache
from campaign.load.markup import Markdown
from campaign.render import dates
from campaign.render.qr import QrCodes
from campaign.render.urls import Linker, is_safe, output_file
from campaign.workers import Workers

NO_CACHE = Cache(None, "unit tests")


def test_chinese_dates():
    assert dates.cn_date(dt.date(2024, 5, 13)) == "2024年5月13日 星期一"
    assert dates.cn_date(dt.date(2024, 5, 19)) == "2024年5月19日 星期日"
    assert dates.cn_span(dt.date(2024, 5, 13), dt.date(2024, 5, 19)) == "2024年5月13日至19日"
    assert dates.cn_span(dt.date(2024, 5, 31), dt.date(2024, 6, 2)) == "2024年5月31日至6月2日"


@pytest.mark.parametrize(
    "page, target, expected",
    [
        ("", "schedule/", "schedule/"),
        ("", "", "./"),
        ("events/a/", "", "../../"),
        ("news/page/2/", "news/x/", "../../../news/x/"),
        ("feed.xml", "news/", "news/"),
    ],
)
def test_relative_links(page, target, expected):
    assert Linker(page, "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/")(target) == expected


def test_404_links_from_the_base_path():
    assert Linker("404.html", "/jnxcz/2024/", "", absolute=True)("schedule/") == "/jnxcz/2024/schedule/"


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../b", "a\\b", "", "a//b", "./a"])
def test_unsafe_output_paths(path):
    assert not is_safe(path)


def test_output_file_names():
    assert output_file("") == "index.html"
    assert output_file("news/") == "news/index.html"
    assert output_file("feed.xml") == "feed.xml"


def _raster(rows, scale=4) -> Image.Image:
    size = len(rows)
    image = Image.new("L", (size * scale, size * scale), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


@pytest.mark.parametrize("level", ["M", "Q", "H"])
def test_qr_matrix_decodes_with_quiet_zone(level):
    text = "https://www.example.gov.cn/jnxcz/2024/events/低碳日/"
    rows = QrCodes(NO_CACHE).matrix(text, level)
    assert not any(rows[0]) and not any(rows[3]) and not any(row[3] for row in rows)
    assert any(rows[4])
    results = zxingcpp.read_barcodes(_raster(rows))
    assert [r.text for r in results] == [text]
    assert results[0].ec_level == level


def test_qr_svg_scales_and_has_no_ids():
    svg = QrCodes(NO_CACHE).svg("https://a.gov.cn/", 'x" onload="alert(1)')
    opening = svg.split(">")[0]
    assert "viewBox" in opening and "width=" not in opening
    assert " id=" not in svg
    assert 'onload="' not in svg


def test_markdown_raw_html_is_shown_as_text():
    html = Markdown(NO_CACHE, Workers(1, NO_CACHE)).to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html


MARKDOWN_PIECES = [
    "节能",
    "word",
    " ",
    "  \n",
    "\n",
    "\n\n",
    "\t",
    "*",
    "**",
    "_",
    "__",
    "`",
    "```\n",
    "[",
    "]",
    "(",
    ")",
    "![",
    "<",
    ">",
    "&",
    "&amp;",
    ";",
    "\\",
    "#",
    "- ",
    "1. ",
    "|",
    "---",
    "http://a.b/",
    "a@b.cn",
    ":",
    '"',
    "'",
    "~~~\n",
    "    ",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=40).map("".join))
def test_markdown_engines_without_unused_patterns_give_the_same_html(text):
    from campaign.load import markup

    full = markup._markdown_engine()
    lean = markup.Engines().for_text(text)
    full.reset()
    lean.reset()
    assert lean.convert(text) == full.convert(text)


@pytest.mark.parametrize(
    "name, ignored",
    [
        (".hidden", True),  # hidden files and folders
        (".git", True),
        (".DS_Store", True),  # macOS's Finder
        ("._ride.jpg", True),  # macOS's resource fork on a USB stick
        (".index.md.swp", True),  # vim
        ("~$活动通知.docx", True),  # Office's lock file
        ("~WRL0001.tmp", True),  # Word's temporary file
        ("index.md~", True),  # an editor's backup
        ("#index.md#", True),  # Emacs's auto-save
        ("Thumbs.db", True),  # Windows's thumbnails
        ("thumbs.db", True),
        ("desktop.ini", True),  # Windows's folder settings
        ("Desktop.INI", True),
        ("index.md", False),
        ("ride.jpg", False),
        ("队伍 合影.jpg", False),
        ("2024-05-15-qixing", False),
        ("a~b.md", False),
        ("#1.jpg", False),
        ("#", False),
        ("thumbs.db.jpg", False),
    ],
)
def test_names_no_build_reads_and_no_preview_watches(tmp_path, name, ignored):
    from campaign.load.source import ignored_name
    from campaign.preview.watch import relevant

    assert ignored_name(name) is ignored
    assert relevant(tmp_path, str(tmp_path / "content" / "news" / name)) is not ignored
    assert relevant(tmp_path, str(tmp_path / "content" / name / "index.md")) is not ignored

"""Posters a notice board would hang: their fonts, the schedule on its poster, the print shop's
copy (--bleed: 3 mm bleed, crop marks, TrimBox and BleedBox) and the posters page's thumbnails."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
import yaml
import zxingcpp
from conftest import REPO
from PIL import Image
from pypdf import PdfReader
from sitecopy import DECIDED_ORIGIN, EDITION, SAMPLE_ORIGIN, copy_site, decided_build, read, run_build, write

POSTERS = yaml.safe_load((REPO / "content/posters.yaml").read_text(encoding="utf-8"))["posters"]
EVENTS = yaml.safe_load((REPO / "content/schedule.yaml").read_text(encoding="utf-8"))["events"]
BASE_URL = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))["base_url"]
DECIDED_URL = BASE_URL.replace(SAMPLE_ORIGIN, DECIDED_ORIGIN)
PAPER_MM = {"A5": (148, 210), "A4": (210, 297), "A3": (297, 420)}
PT_PER_MM = 72 / 25.4
DPI = 150


def fonts_of(pdf) -> list[tuple[str, str, str]]:
    """pdffonts' rows: (type, encoding, embedded) of each font."""
    listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    rows = []
    for line in listed.splitlines()[2:]:
        kind = re.search(r"\s(Type 3|Type 1C?|CID TrueType|CID Type 0C?|TrueType|Type 1)\s+(\S+)\s+(yes|no)\s", line)
        assert kind, line
        rows.append(kind.groups())
    return rows


def text_of(pdf) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    return text.replace("\n", "")  # wrapped where a line of the sheet ends


def rasterise(pdf, dpi: int = DPI) -> Image.Image:
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf)], capture_output=True, check=True, timeout=120
    ).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def dark_pixels(image: Image.Image, x0: float, x1: float, y0: float, y1: float) -> list[tuple[int, int]]:
    """The dark pixels (a crop mark's black) between two columns and two rows, given either way round."""
    left, right, top, bottom = int(min(x0, x1)), int(max(x0, x1)), int(min(y0, y1)), int(max(y0, y1))
    found = []
    for y in range(max(top + 1, 0), min(bottom, image.height)):
        for x in range(max(left + 1, 0), min(right, image.width)):
            if image.getpixel((x, y)) < 128:
                found.append((x, y))
    return found


@pytest.mark.parametrize("poster", POSTERS, ids=[p["id"] for p in POSTERS])
def test_every_font_is_embedded_and_none_is_type_3(poster):
    pdf = decided_build() / EDITION / "posters" / poster["id"] / "poster.pdf"
    rows = fonts_of(pdf)
    assert rows, "the poster's words are text, not pictures"
    assert [row for row in rows if row[0] == "Type 3"] == []
    assert {row[2] for row in rows} == {"yes"}, "every font embedded"
    assert {row[0] for row in rows} == {"CID TrueType"}


def test_the_schedule_poster_shows_the_weeks_schedule():
    posters = decided_build() / EDITION / "posters"
    text = text_of(posters / "schedule" / "poster.pdf")
    for event in EVENTS:
        assert event["title"] in text, event["title"]
    days = [f"{d.month}月{d.day}日" for d in sorted({e["date"] for e in EVENTS if not e.get("end_date")})]
    assert days == ["5月13日", "5月14日", "5月15日", "5月16日", "5月17日"]
    positions = [text.index(f"{day} 星期") for day in days]
    assert positions == sorted(positions), "the days in order"
    assert "宣传周期间" in text  # the events of the whole week, after the days
    # both themes in large type, the headline, the unit, on every poster; the schedule only on its own
    for poster in POSTERS:
        words = text_of(posters / poster["id"] / "poster.pdf")
        for shown in ("绿色转型，节能攻坚", "绿色低碳，美丽中国", poster["headline"], "重庆市江北区机关事务管理局"):
            assert shown in words, (poster["id"], shown)
        if poster["id"] != "schedule":
            assert "报送活动总结材料截止" not in words, poster["id"]


def test_the_print_shops_copy_has_3_mm_of_bleed_and_crop_marks(tmp_path, built_site):
    root = copy_site(tmp_path / "site")  # starts with the run's PDFs, without bleed
    result = run_build(root, "--bleed")
    assert result.returncode == 0, result.stderr
    out = root / "output" / EDITION / "posters"
    for poster in POSTERS:
        pdf = out / poster["id"] / "poster.pdf"
        page = PdfReader(pdf).pages[0]
        trim = [float(v) for v in page.trimbox]
        bleed = [float(v) for v in page.bleedbox]
        media = [float(v) for v in page.mediabox]
        width, height = PAPER_MM[poster["paper"]]
        assert trim[2] - trim[0] == pytest.approx(width * PT_PER_MM, abs=0.01)
        assert trim[3] - trim[1] == pytest.approx(height * PT_PER_MM, abs=0.01)
        assert [b - t for b, t in zip(bleed, trim)] == pytest.approx([-8.504, -8.504, 8.504, 8.504], abs=0.01)
        assert media[0] < bleed[0] and media[1] < bleed[1] and media[2] > bleed[2] and media[3] > bleed[3]
        assert [row for row in fonts_of(pdf) if row[0] == "Type 3"] == []

        image = rasterise(pdf)
        px = DPI / 72  # pixels per point; the raster's rows run from the top
        left, right = trim[0] * px, trim[2] * px
        top, bottom = (media[3] - trim[3]) * px, (media[3] - trim[1]) * px
        out_px = 3 * DPI / 25.4 + 2  # the bleed, in pixels, and two more: where the slug starts
        for x, y, out_x, out_y in (
            (left, top, -1, -1),
            (right, top, 1, -1),
            (left, bottom, -1, 1),
            (right, bottom, 1, 1),
        ):
            corner = f"{poster['id']} at {x:.0f},{y:.0f}"
            # beyond the bleed, along the trim's top or bottom edge: a mark on that line, and nothing else
            along = dark_pixels(
                image, x + out_x * out_px, x + out_x * (out_px + 8 * DPI / 25.4), y - out_px, y + out_px
            )
            assert len(along) >= 5 * DPI / 25.4, f"{corner}: no crop mark beside the corner"
            assert all(abs(py - y) <= 2 for _, py in along), corner
            # and along its left or right edge
            along = dark_pixels(
                image, x - out_px, x + out_px, y + out_y * out_px, y + out_y * (out_px + 8 * DPI / 25.4)
            )
            assert len(along) >= 5 * DPI / 25.4, f"{corner}: no crop mark above or below the corner"
            assert all(abs(px_x - x) <= 2 for px_x, _ in along), corner
            # the corner itself, beyond the bleed both ways, is blank paper
            assert (
                dark_pixels(
                    image,
                    x + out_x * out_px,
                    x + out_x * 9 * DPI / 25.4,
                    y + out_y * out_px,
                    y + out_y * 9 * DPI / 25.4,
                )
                == []
            )
        # the sheet's green reaches into the bleed, beyond the trim on every side
        middle = int((top + bottom) / 2)
        for x, y in ((left - out_px / 2, middle), (right + out_px / 2, middle), ((left + right) / 2, top - out_px / 2)):
            assert image.getpixel((int(x), int(y))) < 140, f"{poster['id']}: no bleed at {x:.0f},{y:.0f}"
        assert image.getpixel((int((left + right) / 2), int(bottom + out_px / 2))) < 140
        # and its code still decodes, the size its placement needs
        [code] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert code.text == BASE_URL + f"go/{poster['link']}/"
    # the copy without bleed is a PDF of its own: printed before (the run's), not the bleed one
    assert run_build(root).returncode == 0
    for poster in POSTERS:
        name = f"{poster['id']}/poster.pdf"
        assert (out / name).read_bytes() == (built_site / "posters" / name).read_bytes()
        assert "/TrimBox" not in PdfReader(out / name).pages[0]


def test_a_changed_event_prints_the_schedule_poster_again_and_no_other(tmp_path, built_site):
    root = copy_site(tmp_path / "site")
    schedule = read(root, "content/schedule.yaml")
    write(root, "content/schedule.yaml", schedule.replace("title: 报送活动总结材料截止", "title: 报送活动总结截止"))
    assert run_build(root).returncode == 0
    out = root / "output" / EDITION / "posters"
    assert "报送活动总结截止" in text_of(out / "schedule" / "poster.pdf")
    for poster in POSTERS:
        if poster["id"] != "schedule":
            name = f"{poster['id']}/poster.pdf"
            assert (out / name).read_bytes() == (built_site / "posters" / name).read_bytes(), name


def test_posters_page_shows_each_posters_thumbnail_and_its_address(built_site, site_server, browser):
    tab = browser.new_page()
    tab.goto(site_server + "posters/")
    sections = tab.locator("section.announced")
    assert sections.count() == len(POSTERS)
    for index, poster in enumerate(POSTERS):
        section = sections.nth(index)
        image = section.locator("img")
        assert image.count() == 1
        assert image.get_attribute("src") == f"../posters/{poster['id']}/thumb.svg"
        assert image.get_attribute("alt") == f"海报缩略图：{poster['headline']}（点击查看海报）"
        image.scroll_into_view_if_needed()
        loaded = image.evaluate("img => img.complete && img.naturalWidth > 0 ? [img.width, img.height] : null")
        width, height = PAPER_MM[poster["paper"]]
        assert loaded == [160, round(160 * height / width)], poster["id"]
        link = section.locator("dd a")
        assert link.inner_text() == BASE_URL + f"go/{poster['link']}/"
        # a sample address: said at every poster, as on the sheet itself
        assert section.locator(".sample-note").inner_text() == (
            f"样稿（网址未定）：二维码指向示例地址 {BASE_URL}，正式网址确定前请勿送印"
        )
    tab.close()
    decided = (decided_build() / EDITION / "posters" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<dd><a href="\.\./go/([a-z-]+)/">([^<]+)</a></dd>', decided)
    assert links == [(poster["link"], DECIDED_URL + f"go/{poster['link']}/") for poster in POSTERS]
    assert "sample-note" not in decided and "样稿" not in decided


def test_a_thumbnail_is_the_poster_in_miniature():
    folder = decided_build() / EDITION / "posters"
    for poster in POSTERS:
        svg = (folder / poster["id"] / "thumb.svg").read_text(encoding="utf-8")
        width, height = PAPER_MM[poster["paper"]]
        assert svg.startswith(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"')
        words = re.sub(r"<[^>]+>", "", svg)
        for shown in ("绿色转型，节能攻坚", "绿色低碳，美丽中国", "重庆市江北区机关事务管理局"):
            assert shown in words, (poster["id"], shown)
        assert "样稿" not in svg
        assert "<image" not in svg and "href" not in svg, "drawn, nothing loaded"


def test_text_printed_as_type_3_is_told_to_the_clerk(tmp_path, monkeypatch):
    """Why posters used to carry Type 3 fonts, and what the build says if one ever does again:
    Chromium's PDF draws glyphs of a PostScript-outline font (Noto Sans CJK) and a bold the font
    lacks as Type 3 shapes; a regular TrueType font is embedded as it is."""
    from campaign import pipeline
    from campaign.context import make_context
    from campaign.model.timeline import parse_moment
    from campaign.ship import printing

    def printed(style: str) -> bytes:
        page = f'<!DOCTYPE html><meta charset="utf-8"><p style="{style}">绿色转型，节能攻坚</p>'
        return printing._print("chromium", "page.html", {"page.html": page.encode()}, b"D:20240509000000+08'00'")

    outlines = printed("font-family: 'Noto Sans CJK SC'")
    assert printing.type3_fonts(outlines) > 0
    assert printing.type3_fonts(printed("font-family: 'WenQuanYi Micro Hei'; font-weight: 700")) > 0  # a drawn bold
    assert printing.type3_fonts(printed("font-family: 'WenQuanYi Micro Hei'")) == 0

    monkeypatch.setattr(printing, "_print", lambda *args, **kwargs: outlines)
    root = copy_site(tmp_path / "site", printed=False)
    said: list[str] = []
    ctx = make_context(root, parse_moment("2024-05-14T09:00"), say=said.append)
    pipeline.build(ctx, root / "output")
    assert said.count(printing.font_hint()) == 1
    assert printing.font_hint("linux") == (
        "注意：海报 PDF 里的文字被存成了图形（Type 3 字体），印刷厂可能不收。这台电脑缺少 TrueType 格式的中文字体："
        "安装方法（Debian/统信/麒麟等）：sudo apt-get install fonts-wqy-microhei，装好后重新生成"
    )

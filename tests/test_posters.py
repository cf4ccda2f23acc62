"""Printed posters: every code decodes from the PDF, leads to our own stable address, is big
enough for where it hangs, and stays the same when the livestream address is filled in."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import pytest
import yaml
import zxingcpp
from conftest import REPO, run_build
from PIL import Image, ImageFilter
from sitecopy import DECIDED_ORIGIN, EDITION, SAMPLE_ORIGIN, copy_site, decided_build, snapshot

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
POSTERS = yaml.safe_load((REPO / "content/posters.yaml").read_text(encoding="utf-8"))["posters"]
LINKS = yaml.safe_load((REPO / "content/posters.yaml").read_text(encoding="utf-8"))["links"]
LINK_TARGETS = {link["id"]: link["target"] for link in LINKS}
_ANNOUNCED = yaml.safe_load((REPO / "content/livestreams.yaml").read_text(encoding="utf-8"))
ANNOUNCED = {
    "livestream": {item["id"]: item for item in _ANNOUNCED["livestreams"]},
    "download": {item["id"]: item for item in _ANNOUNCED["downloads"]},
}
BASE_URL = CONFIG["base_url"]
DECIDED_URL = BASE_URL.replace(SAMPLE_ORIGIN, DECIDED_ORIGIN)
# How far away people scan, by where the poster hangs (the rule: code >= distance / 10, >= 2 cm).
DISTANCE_M = {"桌牌": 0.5, "电梯门": 1.0, "宣传栏": 1.5, "走廊墙面": 2.0}
DPI = 150


def rasterise(pdf) -> Image.Image:
    """pdftoppm, as a print shop's RIP would: the PDF at 150 dpi."""
    png = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(pdf)], capture_output=True, check=True, timeout=120
    ).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def read_codes(image: Image.Image):
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def symbol_width_px(result) -> float:
    p = result.position
    return ((p.top_right.x - p.top_left.x) + (p.bottom_right.x - p.bottom_left.x)) / 2


@pytest.mark.parametrize("poster", POSTERS, ids=[p["id"] for p in POSTERS])
def test_printed_code_decodes_to_our_stable_address_at_the_right_size(poster):
    """The poster as it goes to print once the address is decided (a sample's is marked across)."""
    built_site = decided_build() / EDITION
    pdf = built_site / "posters" / poster["id"] / "poster.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=120).stdout
    assert re.search(r"Pages:\s+1\n", info), "a poster prints on exactly one sheet"
    assert f"({poster['paper']})" in info
    image = rasterise(pdf)
    results = read_codes(image)
    assert [r.text for r in results] == [DECIDED_URL + f"go/{poster['link']}/"]
    code = results[0]
    assert code.ec_level in ("Q", "H")
    assert (built_site / "go" / poster["link"] / "index.html").is_file()
    width_mm = symbol_width_px(code) / DPI * 25.4
    minimum = max(20, DISTANCE_M[poster["placement"]] * 1000 / 10)
    # measured on the 150 dpi raster, so to within one of its pixels (0.17 mm)
    assert width_mm >= minimum - 25.4 / DPI, f"code is {width_mm:.2f} mm, needs {minimum} mm"
    # the 4-module quiet zone around it is blank paper
    modules = 17 + 4 * int(code.extra["Version"])
    module_px = symbol_width_px(code) / modules
    left, top = code.position.top_left.x, code.position.top_left.y
    band = image.crop(
        (int(left - 4 * module_px) + 1, int(top - 4 * module_px) + 1, int(left) - 2, int(top + symbol_width_px(code)))
    )
    assert min(band.getdata()) > 200, "the quiet zone must be blank"


@pytest.mark.parametrize("poster", POSTERS, ids=[p["id"] for p in POSTERS])
def test_printed_code_survives_a_phone_camera(built_site, poster):
    image = rasterise(built_site / "posters" / poster["id"] / "poster.pdf")
    worse = image.resize((image.width // 2, image.height // 2), Image.BILINEAR)
    worse = worse.filter(ImageFilter.GaussianBlur(1.2))
    assert [r.text for r in read_codes(worse)] == [BASE_URL + f"go/{poster['link']}/"]


def test_print_shop_files_are_the_right_size():
    """The code itself (not the image with its quiet zone) is at least the size the placement needs,
    in the files a print shop gets once the address is decided."""
    for poster in POSTERS:
        folder = decided_build() / EDITION / "posters" / poster["id"]
        image = Image.open(folder / "qr-300dpi.png")
        dpi = image.info["dpi"][0]
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        minimum = max(20, DISTANCE_M[poster["placement"]] * 100)
        [code] = read_codes(image.convert("L"))
        assert code.text == DECIDED_URL + f"go/{poster['link']}/"
        symbol = 17 + 4 * int(code.extra["Version"])  # modules across, quiet zone excluded
        width_px = symbol_width_px(code)
        module_px = width_px / symbol
        assert module_px == int(module_px), "whole pixels per module"
        assert width_px / dpi * 25.4 >= minimum, f"{poster['id']}: code {width_px / dpi * 25.4:.2f} mm < {minimum} mm"
        assert (module_px - 1) * symbol / dpi * 25.4 < minimum, "no more pixels per module than needed"
        assert image.width == width_px + 8 * module_px, "a 4-module quiet zone on each side"
        # the SVG states its width, quiet zone included, to the hundredth of a millimetre
        svg = (folder / "qr.svg").read_text(encoding="utf-8")
        width = re.search(r'<svg[^>]* width="([\d.]+)mm" height="([\d.]+)mm" viewBox="0 0 (\d+) \d+"', svg)
        assert int(width.group(3)) == symbol + 8
        assert width.group(1) == width.group(2) == f"{minimum * (symbol + 8) / symbol:.2f}"


def test_stable_address_pages_work_without_script(built_site):
    pages = sorted((built_site / "go").glob("*/index.html"))
    assert sorted(page.parent.name for page in pages) == sorted(link["id"] for link in LINKS)
    pending = []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), "no inline script"
        # the redirect is a meta refresh, which needs no script
        refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
        if refresh:
            assert re.match(r"https?://", refresh.group(1))
            kind, _, ref = LINK_TARGETS[page.parent.name].partition(":")
            if kind == "page":  # our own section, at its production address
                assert refresh.group(1) == BASE_URL + ("" if ref == "home" else f"{ref}/")
            assert f'href="{refresh.group(1)}"' in html, "a visible link as well as the refresh"
        else:
            pending.append(page.parent.name)
            # whatever the link leads to is announced later: the page says what, when and where
            target = LINK_TARGETS[page.parent.name]
            kind, _, ref = target.partition(":")
            item = ANNOUNCED[kind][ref]
            what = "直播网址" if kind == "livestream" else "下载网址"
            where = item["announce_where"]
            assert item["announce_on"] == dt.date(2024, 5, 13)
            # built today, long after the day the address was due: the page says it is late
            paragraphs = [
                (" hidden" in attributes, re.sub(r"<[^>]+>", "", body))
                for attributes, body in re.findall(r'<p class="pending"([^>]*)>(.*?)</p>', html)
            ]
            assert paragraphs == [
                (
                    True,
                    f"{what}尚未公布。将于2024年5月13日 星期一在{where}公布；公布后，扫描同一个二维码即可直接打开。",
                ),
                (False, f"{what}应于5月13日公布，本站正在更新。请稍后再扫描同一个二维码，或到{where}查看。"),
            ]
    assert sorted(pending) == sorted(
        link["id"] for link in LINKS if link["target"].split(":")[0] in ("livestream", "download")
    )


def _copy_project(tmp_path):
    return copy_site(tmp_path / "project")


def test_filling_in_the_livestream_address_changes_the_page_not_the_poster(tmp_path):
    site = _copy_project(tmp_path)
    assert run_build("--root", str(site)).returncode == 0
    before = snapshot(site / "output" / EDITION)
    go_before = before["go/xinhua-live/index.html"].decode()
    assert "将于2024年5月13日" in go_before and "http-equiv" not in go_before

    streams = site / "content" / "livestreams.yaml"
    text = streams.read_text(encoding="utf-8")
    stream_url = "https://live.example.com/2024/jieneng"
    text = re.sub(r"(- id: xinhua-live\n(?:.*\n)*?\s+url:)[^\n]*", rf"\1 {stream_url}", text, count=1)
    streams.write_text(text, encoding="utf-8")
    result = run_build("--root", str(site))
    assert result.returncode == 0, result.stderr
    after = snapshot(site / "output" / EDITION)

    poster_files = [name for name in before if name.startswith("posters/xinhua-live/")]
    assert {"posters/xinhua-live/poster.pdf", "posters/xinhua-live/qr.svg", "posters/xinhua-live/qr-300dpi.png"} <= set(
        poster_files
    )
    for name in poster_files:
        assert after[name] == before[name], f"{name} changed: the printed poster would be wrong"
    go_after = after["go/xinhua-live/index.html"].decode()
    assert f'<meta http-equiv="refresh" content="0; url={stream_url}">' in go_after
    assert "尚未公布" not in go_after


def test_poster_files_are_identical_between_builds(tmp_path, built_site):
    """Printed again from nothing (no printed poster in the copy's cache), byte for byte."""
    root = copy_site(tmp_path / "site", printed=False)
    again = tmp_path / "again" / "output"
    assert run_build("--root", str(root), "--out", str(again)).returncode == 0
    again = again / EDITION
    for poster in POSTERS:
        for name in ("poster.pdf", "qr.svg", "qr-300dpi.png", "thumb.svg", "index.html"):
            path = f"posters/{poster['id']}/{name}"
            assert (again / path).read_bytes() == (built_site / path).read_bytes(), path


def test_a_code_too_big_for_the_paper_is_refused(tmp_path):
    site = _copy_project(tmp_path)
    posters = site / "content" / "posters.yaml"
    text = posters.read_text(encoding="utf-8").replace(
        "paper: A3\n    placement: 走廊墙面", "paper: A4\n    placement: 走廊墙面"
    )
    posters.write_text(text, encoding="utf-8")
    result = run_build("--root", str(site), "--no-pdf")
    assert result.returncode == 1
    line = text.split("\n").index("  - id: xinhua-live", text.split("\n").index("posters:")) + 1
    assert result.stderr == (
        "构建失败：发现 1 处问题，请按提示修改后重新运行。\n"
        f"content/posters.yaml:{line}: 海报「扫码收看全国公共机构节能降碳专题宣传活动直播」贴在走廊墙面，"
        "人们约在 2 米外扫码，二维码至少要 200 毫米见方，A4 纸放不下；请改用 A3 纸\n"
        "（output/ 文件夹保持上次成功构建的内容，没有改动。）\n"
    )


def test_without_chromium_everything_but_the_pdfs_is_built(tmp_path):
    site = _copy_project(tmp_path)
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(empty)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "未找到 Chromium" in result.stdout and "apt-get install chromium" in result.stdout
    out = site / "output" / EDITION
    assert (out / "posters/xinhua-live/qr.svg").exists()
    assert not list(out.rglob("*.pdf"))
    assert "poster.pdf" not in (out / "posters/index.html").read_text(encoding="utf-8")


def test_a_font_installed_or_updated_prints_the_posters_again(tmp_path, monkeypatch):
    """The fonts are part of every PDF's key: the same page prints with other glyphs."""
    from campaign import pipeline
    from campaign.context import make_context
    from campaign.model.timeline import parse_moment
    from campaign.ship import printing

    printed: list[str] = []
    fonts = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc|131334|20000000|1700000000"]
    asked: list[int] = []

    def listing() -> list[str]:
        asked.append(1)
        return list(fonts)

    def fake_print(chromium: str, page: str, needed: dict[str, bytes], stamp: bytes, bleed: bool = False) -> bytes:
        printed.append(page)
        return f"%PDF-1.4\n% {page} {fonts}\n%%EOF\n".encode()

    # no Chromium needed: what is under test is when a poster is printed, not how
    monkeypatch.setattr(printing, "find_chromium", lambda: "chromium")
    monkeypatch.setattr(printing, "chromium_version", lambda chromium: "Chromium 120.0")
    monkeypatch.setattr(printing, "_print", fake_print)
    root = copy_site(tmp_path / "site", printed=False)

    def build() -> tuple[list[str], int]:
        ctx = make_context(root, parse_moment("2024-05-14T09:00"), say=lambda _: None)
        ctx.fonts = printing.Fonts(listing)
        printed.clear()
        asked.clear()
        pipeline.build(ctx, root / "output")
        return sorted(printed), len(asked)

    pages = sorted(f"posters/{poster['id']}/index.html" for poster in POSTERS)
    assert build() == (pages, 1)  # every poster printed; the fonts asked once for all of them
    assert build() == ([], 1)  # the same fonts: every PDF from the cache
    fonts[0] = fonts[0].replace("|131334|", "|131335|")  # the font updated
    assert build() == (pages, 1)
    pdf = root / "output" / EDITION / "posters" / POSTERS[0]["id"] / "poster.pdf"
    assert b"131335" in pdf.read_bytes()
    fonts.append("/usr/local/share/fonts/fangsong.ttf|1.0|4000000|1700000001")  # a font installed
    assert build() == (pages, 1)
    assert build() == ([], 1)


def test_the_fonts_fingerprint_ignores_their_order_and_sees_each_change():
    from campaign.ship import printing

    # each font file with its version (fontconfig's) and its size and date, when the file is there
    assert all(line.count("|") >= 1 for line in printing.installed_fonts())
    assert printing.Fonts(lambda: ["b|1", "a|2"]).fingerprint() == printing.Fonts(lambda: ["a|2", "b|1"]).fingerprint()
    assert printing.Fonts(lambda: ["a|2"]).fingerprint() != printing.Fonts(lambda: ["a|3"]).fingerprint()

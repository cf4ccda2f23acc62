"""Printed posters: every code decodes from the PDF, leads to our own stable address, is big
enough for where it hangs, and stays the same when the livestream address is filled in."""

from __future__ import annotations

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
from sitecopy import copy_site, snapshot

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
POSTERS = yaml.safe_load((REPO / "content/posters.yaml").read_text(encoding="utf-8"))["posters"]
BASE_URL = CONFIG["base_url"]
# How far away people scan, by where the poster hangs (the rule: code >= distance / 10, >= 2 cm).
DISTANCE_M = {"桌牌": 0.5, "电梯门": 1.0, "宣传栏": 1.5, "走廊墙面": 2.0}
DPI = 150


def rasterise(pdf) -> Image.Image:
    """pdftoppm, as a print shop's RIP would: the PDF at 150 dpi."""
    png = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(pdf)], capture_output=True, check=True
    ).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def read_codes(image: Image.Image):
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def symbol_width_px(result) -> float:
    p = result.position
    return ((p.top_right.x - p.top_left.x) + (p.bottom_right.x - p.bottom_left.x)) / 2


@pytest.mark.parametrize("poster", POSTERS, ids=[p["id"] for p in POSTERS])
def test_printed_code_decodes_to_our_stable_address_at_the_right_size(built_site, poster):
    pdf = built_site / "posters" / poster["id"] / "poster.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info), "a poster prints on exactly one sheet"
    assert f"({poster['paper']})" in info
    image = rasterise(pdf)
    results = read_codes(image)
    assert [r.text for r in results] == [BASE_URL + f"go/{poster['link']}/"]
    code = results[0]
    assert code.ec_level in ("Q", "H")
    assert (built_site / "go" / poster["link"] / "index.html").is_file()
    width_mm = symbol_width_px(code) / DPI * 25.4
    minimum = max(20, DISTANCE_M[poster["placement"]] * 1000 / 10)
    assert width_mm >= minimum - 1.0, f"code is {width_mm:.1f} mm, needs {minimum} mm"
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


def test_print_shop_files_are_the_right_size(built_site):
    for poster in POSTERS:
        folder = built_site / "posters" / poster["id"]
        image = Image.open(folder / "qr-300dpi.png")
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        minimum = max(20, DISTANCE_M[poster["placement"]] * 100)
        assert image.width / 300 * 25.4 >= minimum
        assert [r.text for r in read_codes(image.convert("L"))] == [BASE_URL + f"go/{poster['link']}/"]
        svg = (folder / "qr.svg").read_text(encoding="utf-8")
        width = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
        assert width >= minimum


def test_stable_address_pages_work_without_script(built_site):
    pages = sorted((built_site / "go").glob("*/index.html"))
    assert len(pages) >= 4
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), "no inline script"
        # the redirect is a meta refresh, which needs no script
        refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html)
        if refresh:
            assert re.match(r"https?://", refresh.group(1))
            assert f'href="{refresh.group(1)}"' in html, "a visible link as well as the refresh"
        else:
            assert "尚未公布" in html and "公布" in html


def _copy_project(tmp_path):
    return copy_site(tmp_path / "project")


def test_filling_in_the_livestream_address_changes_the_page_not_the_poster(tmp_path):
    site = _copy_project(tmp_path)
    assert run_build("--root", str(site)).returncode == 0
    before = snapshot(site / "output")
    go_before = before["go/xinhua-live/index.html"].decode()
    assert "将于2024年5月13日" in go_before and "http-equiv" not in go_before

    streams = site / "content" / "livestreams.yaml"
    text = streams.read_text(encoding="utf-8")
    stream_url = "https://live.example.com/2024/jieneng"
    text = re.sub(r"(- id: xinhua-live\n(?:.*\n)*?\s+url:)[^\n]*", rf"\1 {stream_url}", text, count=1)
    streams.write_text(text, encoding="utf-8")
    result = run_build("--root", str(site))
    assert result.returncode == 0, result.stderr
    after = snapshot(site / "output")

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
    again = tmp_path / "again" / "output"
    assert run_build("--out", str(again)).returncode == 0
    for poster in POSTERS:
        for name in ("poster.pdf", "qr.svg", "qr-300dpi.png", "index.html"):
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
    assert f"content/posters.yaml:{line}: 海报「扫码收看全国公共机构节能降碳专题宣传活动直播」" in result.stderr
    assert "A4 纸放不下；请改用 A3 纸" in result.stderr


def test_without_chromium_everything_but_the_pdfs_is_built(tmp_path):
    site = _copy_project(tmp_path)
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(empty)},
    )
    assert result.returncode == 0, result.stderr
    assert "未找到 Chromium" in result.stdout and "apt-get install chromium" in result.stdout
    out = site / "output"
    assert (out / "posters/xinhua-live/qr.svg").exists()
    assert not list(out.rglob("*.pdf"))
    assert "poster.pdf" not in (out / "posters/index.html").read_text(encoding="utf-8")

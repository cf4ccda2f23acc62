"""A poster made before its address is decided is a sample (样稿), never mistaken for the print.

The shipped config.yaml's production address is the example one (www.example.gov.cn): a code
printed from it can never be corrected. So the build says so at base_url's line, every poster
PDF carries 「样稿（网址未定）」 across the sheet, the print-shop PNG and SVG are framed in red,
and publish and package refuse. The same holds for a poster whose target is still 待填写.
"""

from __future__ import annotations

import subprocess
import tempfile

import pytest
import zxingcpp
from conftest import REPO
from PIL import Image
from sitecopy import (
    EDITION,
    copy_site,
    decide_address,
    decided_build,
    key_line,
    read,
    run_cli,
    shared_build,
    write,
)

SAMPLE = "https://www.example.gov.cn/jnxcz/2024/"
MARK = "样稿（网址未定）"
BASE_LINE = key_line(read(REPO, "config.yaml"), "base_url:")
MOMENT = "2024-05-14T09:00"


def red_pixels(image: Image.Image) -> int:
    """Pixels of the mark's red (196, 18, 18), or its half-transparent tint on white paper."""
    rgb = image.convert("RGB")
    return sum(1 for r, g, b in rgb.getdata() if r > 180 and g < 170 and b < 170 and r - g > 60)


def rasterise(pdf) -> Image.Image:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", str(pdf), f"{folder}/sheet"], check=True)
        with Image.open(f"{folder}/sheet.png") as image:
            return image.convert("RGB")


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_build_says_at_base_url_that_its_posters_are_samples(tmp_path):
    root = copy_site(tmp_path / "site")
    result = run_cli(root, "--no-pdf", "--as-of", MOMENT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        f"注意：config.yaml:{BASE_LINE}: 正式网址「{SAMPLE}」还是示例地址："
        "海报和二维码文件都标着「样稿（网址未定）」，不能送印；改好这一行再生成"
    ]


@pytest.mark.parametrize("command", ["publish", "package"])
def test_publish_and_package_refuse_the_sample_address_at_its_line(tmp_path, command):
    root = copy_site(tmp_path / "site")
    target = tmp_path / ("srv" if command == "publish" else "site.zip")
    result = run_cli(root, command, str(target), "--no-pdf", "--as-of", MOMENT)
    verb = "发布" if command == "publish" else "打包"
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "构建失败：发现 1 处问题，请按提示修改后重新运行。",
        f"config.yaml:{BASE_LINE}: 正式网址「{SAMPLE}」还是示例地址："
        f"这时不能{verb}（公开的网址和印出的二维码都改不了）；改好这一行后重新运行",
    ]
    assert not target.exists()


def test_a_sample_poster_pdf_is_marked_across_the_sheet_and_a_decided_one_is_not():
    for poster in sorted((shared_build() / EDITION / "posters").glob("*/poster.pdf")):
        decided = decided_build() / EDITION / "posters" / poster.parent.name / "poster.pdf"
        # the band at the top says why; the big slanted mark across the sheet is seen in red below
        text = pdf_text(poster).replace("\n", "")  # wrapped where the paper's width ends
        assert text.startswith(f"{MARK}：二维码指向示例地址 {SAMPLE}，正式网址确定前请勿送印"), poster
        assert MARK not in pdf_text(decided)
        sheet = rasterise(poster)
        below_the_band = sheet.crop((0, sheet.height // 5, sheet.width, sheet.height // 2))
        assert red_pixels(below_the_band) > below_the_band.width * below_the_band.height // 50, "the slanted mark"
        assert red_pixels(rasterise(decided)) == 0


def test_a_sample_print_file_is_framed_in_red_and_still_decodes():
    folder = shared_build() / EDITION / "posters" / "pledges"
    image = Image.open(folder / "qr-300dpi.png")
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == f"{SAMPLE}go/pledges/"
    corner = image.convert("RGB").crop((0, 0, 10, 10))
    assert (196, 18, 18) in set(corner.getdata())
    decided = Image.open(decided_build() / EDITION / "posters" / "pledges" / "qr-300dpi.png")
    assert red_pixels(decided) == 0
    svg = (folder / "qr.svg").read_text(encoding="utf-8")
    assert svg.count(f">{MARK}</text>") == 2 and 'fill="#c41212"' in svg
    assert MARK not in (decided_build() / EDITION / "posters" / "pledges" / "qr.svg").read_text(encoding="utf-8")


def test_a_poster_whose_target_is_still_to_fill_in_is_a_sample_too(tmp_path):
    root = decide_address(copy_site(tmp_path / "site"))
    posters = read(root, "content/posters.yaml")
    write(root, "content/posters.yaml", posters.replace("target: page:pledges", "target: 待填写（倡议页面）", 1))
    line = key_line(read(root, "content/posters.yaml"), "    target: 待填写")
    built = run_cli(root, "--no-pdf", "--as-of", MOMENT)
    assert built.returncode == 0, built.stderr
    said = "海报「全国低碳日，从我做起」的短网址「pledges」还没有 target（待填写（倡议页面））："
    assert built.stdout.splitlines()[1:] == [
        f"注意：content/posters.yaml:{line}: {said}海报和二维码文件都标着「样稿（网址未定）」，不能送印；改好这一行再生成"
    ]
    page = (root / "output" / EDITION / "posters" / "pledges" / "index.html").read_text(encoding="utf-8")
    assert (
        "样稿（网址未定）：这张海报要去的地方（posters.yaml 里短网址「pledges」的 target）还是待填写，填好前请勿送印"
        in page
    )
    other = (root / "output" / EDITION / "posters" / "schedule" / "index.html").read_text(encoding="utf-8")
    assert MARK not in other
    refused = run_cli(root, "publish", str(tmp_path / "srv"), "--no-pdf", "--as-of", MOMENT)
    assert refused.returncode == 1 and f"content/posters.yaml:{line}: {said}这时不能发布" in refused.stderr
    assert not (tmp_path / "srv").exists()

"""Reports with phone photos and documents beside them (content/news/<slug>/index.md).

The photos are made here with Pillow the way a phone delivers them: 12 megapixels, several MB,
stored sideways with EXIF orientation 6, with GPS, a colour profile, XMP and a comment. Each test
works on a throw-away copy of the project and runs the real command line (or, where it counts
what was rendered, the pipeline in this process).
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import random
import shutil
import threading
import zipfile
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageDraw
from pypdf import PdfReader, PdfWriter
from sitecopy import EDITION, FIXED_EPOCH, copy_site, decide_address, run_build, snapshot, write

SLUG = "2024-05-15-qixing"
BUNDLE = f"content/news/{SLUG}"
INDEX = f"{BUNDLE}/index.md"
BASE = "/jnxcz/2024/"
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'"
AS_OF = "2024-05-15T10:00"
BUDGET = 450 * 1024  # render.photos.BUDGET: "well under 600 KB"
PDF_SIZE = 147 * 1024  # listed as 147 KB
RED = (255, 0, 0)

REPORT = """---
title: 区机关事务局开展绿色出行活动
date: 2024-05-15
source: 区机关事务局
summary: 干部职工骑行上班，践行绿色出行。
---
5月15日，区机关事务局干部职工骑行上班，践行绿色出行。

![干部职工骑行上班](ride.jpg)

![骑行队伍在观音桥合影](队伍 合影.jpg)

活动结束后形成了[活动总结](summary.pdf)。

附件：[活动总结](summary.pdf)
"""


# --------------------------------------------------------------------------- phone-like files


@functools.lru_cache(maxsize=8)
def phone_jpeg(upright: tuple[int, int] = (3024, 4032), orientation: int = 6, seed: int = 0) -> bytes:
    """A JPEG as a phone writes it. Upright (as the photo is meant to be seen) its top-left
    corner is red; stored turned as the EXIF orientation says, with GPS, ICC, XMP and a comment."""
    width, height = upright
    noise = Image.effect_noise((width, height), 28)
    ramp = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (ramp, noise, ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, width // 6, height // 6), fill=RED)
    draw.ellipse((width // 3, height // 3, width // 3 + 300 + 40 * seed, height // 3 + 300), fill=(0, 0, 255))
    turns = {1: (), 3: (Image.Transpose.ROTATE_180,), 6: (Image.Transpose.ROTATE_90,)}  # undone by the viewer
    stored = picture
    for turn in turns[orientation]:
        stored = stored.transpose(turn)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 13"
    exif[0x8825] = {1: "N", 2: (29.0, 34.0, 12.5), 3: "E", 4: (106.0, 33.0, 10.2)}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    stored.save(
        out, "JPEG", quality=90, exif=exif, icc_profile=icc, comment=b"secret", xmp=b"<x:xmpmeta>gps</x:xmpmeta>"
    )
    return out.getvalue()


def pdf_bytes(size: int = PDF_SIZE, seed: int = 1) -> bytes:
    """A real PDF of `size` bytes (a page and a file of noise attached to it), with an author."""
    filler = size
    for _attempt in range(4):
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.add_attachment("data.bin", random.Random(seed).randbytes(max(1, filler)))
        writer.add_metadata({"/Author": "李晓红"})
        out = io.BytesIO()
        writer.write(out)
        if len(out.getvalue()) == size:
            break
        filler -= len(out.getvalue()) - size
    return out.getvalue()


def heic_bytes(upright: tuple[int, int] = (1200, 1600), orientation: int = 6) -> bytes:
    """An iPhone HEIC, made with pillow-heif: stored turned as its EXIF orientation says, with GPS.
    Upright its top-left corner is red."""
    pillow_heif.register_heif_opener()
    picture = Image.new("RGB", upright, (30, 90, 200))
    ImageDraw.Draw(picture).rectangle((0, 0, upright[0] // 6, upright[1] // 6), fill=RED)
    turns = {1: (), 6: (Image.Transpose.ROTATE_90,)}  # undone by the viewer
    stored = picture
    for turn in turns[orientation]:
        stored = stored.transpose(turn)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "iPhone 15"
    exif[0x8825] = {1: "N", 2: (29.0, 34.0, 12.5), 3: "E", 4: (106.0, 33.0, 10.2)}  # GPS
    out = io.BytesIO()
    stored.save(out, format="HEIF", quality=80, exif=exif.tobytes())
    return out.getvalue()


def bomb_jpeg(side: int = 20000) -> bytes:
    """A 16×16 JPEG whose header claims side×side pixels: a few hundred bytes that would take 1.2 GB."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), RED).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
    return bytes(data)


def add_report(root: Path, text: str = REPORT, files: dict | None = None) -> None:
    folder = root / BUNDLE
    folder.mkdir(parents=True, exist_ok=True)
    write(root, INDEX, text)
    files = {
        "ride.jpg": phone_jpeg(),
        "队伍 合影.jpg": phone_jpeg((4032, 3024), 1, seed=1),
        "summary.pdf": pdf_bytes(),
    } | (files or {})
    for name, data in files.items():
        (folder / name).write_bytes(data)


def project(folder: Path) -> Path:
    root = copy_site(folder)
    add_report(root)
    return root


def build(root: Path, out: Path | None = None, *args: str):
    out = out or root / "output"
    result = run_build(root, "--out", str(out), "--no-pdf", "--as-of", AS_OF, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return out / EDITION, result


def line(text: str, needle: str) -> int:
    return next(n for n, t in enumerate(text.split("\n"), 1) if needle in t)


# --------------------------------------------------------------------------- in a phone's browser


class _SubPath(http.server.SimpleHTTPRequestHandler):
    """The built folder at the production sub-path, with the production Content-Security-Policy."""

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        if not path.startswith(BASE):
            return "/nonexistent"
        return super().translate_path("/" + path[len(BASE) :])

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def built_report(tmp_path_factory):
    root = project(tmp_path_factory.mktemp("report") / "site")
    out, _ = build(root)
    return root, out


@pytest.fixture(scope="module")
def served(built_report):
    _, out = built_report
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_SubPath, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{BASE}"
    server.shutdown()


LOADED = "img => img.complete && img.naturalWidth > 0"
LOOK = """img => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const draw = canvas.getContext('2d');
  draw.drawImage(img, 0, 0);
  const corner = Array.from(draw.getImageData(4, 4, 1, 1).data.slice(0, 3));
  return {natural: [img.naturalWidth, img.naturalHeight], shown: [img.width, img.height],
          attrs: [+img.getAttribute('width'), +img.getAttribute('height')], alt: img.alt,
          src: img.currentSrc, corner, caption: img.closest('figure')?.querySelector('figcaption')?.textContent};
}"""


def test_photos_upright_small_and_clean_on_a_phone(built_report, served, browser):
    root, out = built_report
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, accept_downloads=True
    )
    tab = context.new_page()
    blocked = []
    tab.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    tab.goto(served + f"news/{SLUG}/")
    photos = tab.locator("figure.photo img")
    assert photos.count() == 2
    seen = []
    for index in range(2):
        img = photos.nth(index)
        img.scroll_into_view_if_needed()
        tab.wait_for_function(LOADED, arg=img.element_handle(), timeout=20_000)
        seen.append(img.evaluate(LOOK))
    ride, team = seen
    # portrait, stored sideways: shown upright (taller than wide, the red corner at the top left),
    # the 1600 px file for a 3× screen. `naturalWidth` is that file's width over its density in
    # the srcset, so the proportions are what the browser tells; the pixels are checked on disk.
    assert ride["src"].endswith(f"news/{SLUG}/ride-1600.jpg") and ride["attrs"] == [800, 1067], ride
    assert ride["natural"][1] / ride["natural"][0] == pytest.approx(2133 / 1600, rel=0.01), ride
    assert team["src"].endswith(f"news/{SLUG}/%E9%98%9F%E4%BC%8D%20%E5%90%88%E5%BD%B1-1600.jpg"), team
    assert team["attrs"] == [800, 600] and team["natural"][1] / team["natural"][0] == pytest.approx(0.75, rel=0.01)
    with Image.open(out / "news" / SLUG / "ride-1600.jpg") as image:
        assert image.size == (1600, 2133)
    with Image.open(out / "news" / SLUG / "队伍 合影-1600.jpg") as image:
        assert image.size == (1600, 1200)
    for look in seen:
        assert all(abs(a - b) < 40 for a, b in zip(look["corner"], RED)), look
        assert look["shown"][0] <= 390 - 16 and look["shown"][0] / look["shown"][1] == pytest.approx(
            look["natural"][0] / look["natural"][1], rel=0.01
        )
    assert (ride["alt"], ride["caption"]) == ("干部职工骑行上班", "干部职工骑行上班")
    assert (team["alt"], team["caption"]) == ("骑行队伍在观音桥合影", "骑行队伍在观音桥合影")
    for element in tab.locator("figure.photo img").all():
        assert element.get_attribute("loading") == "lazy" and element.get_attribute("decoding") == "async"

    listing = tab.locator("p.attachments")
    assert listing.inner_text() == "附件：活动总结.pdf（PDF，147 KB）"
    with tab.expect_download() as download:
        listing.locator("a").click()
    assert download.value.suggested_filename == "活动总结.pdf"
    assert Path(download.value.path()).read_bytes() == (out / "news" / SLUG / "summary.pdf").read_bytes()

    tab.goto(served + "news/")
    cover = tab.locator(".news-list img.cover")
    assert cover.count() == 1
    tab.wait_for_function(LOADED, arg=cover.element_handle(), timeout=20_000)
    assert cover.get_attribute("alt") == "干部职工骑行上班"
    assert not blocked, blocked
    context.close()

    # every delivered file: re-encoded from pixels, nothing of the phone's metadata left, small
    delivered = sorted((out / "news" / SLUG).glob("*.jpg"))
    assert [p.name for p in delivered] == [
        "ride-1600.jpg",
        "ride-400.jpg",
        "ride-800.jpg",
        "队伍 合影-1600.jpg",
        "队伍 合影-800.jpg",
    ]
    for path in delivered:
        data = path.read_bytes()
        assert len(data) <= BUDGET, (path.name, len(data))
        assert b"Exif" not in data and b"xmpmeta" not in data and b"secret" not in data and b"ICC_PROFILE" not in data
        with Image.open(path) as image:
            assert not image.getexif(), path.name
            assert not {"exif", "icc_profile", "xmp", "comment"} & image.info.keys(), image.info.keys()
            assert image.getpixel((3, 3))[0] > 200 and image.getpixel((3, 3))[1] < 60  # red: upright
    assert PdfReader(out / "news" / SLUG / "summary.pdf").metadata is None  # no author: cleaned
    assert not (out / "news" / SLUG / "ride.jpg").exists()  # never the original with its GPS


def test_offline_copy_shows_the_photos_from_disk(built_report, tmp_path, browser):
    root, _ = built_report
    out, _ = build(root, tmp_path / "offline", "--offline")
    tab = browser.new_page(viewport={"width": 390, "height": 844})
    tab.goto((out / "news" / SLUG / "index.html").as_uri())
    for img in tab.locator("figure.photo img").all():
        img.scroll_into_view_if_needed()
        tab.wait_for_function(LOADED, arg=img.element_handle(), timeout=20_000)
    assert tab.locator("p.attachments a").get_attribute("href") == "summary.pdf"
    assert (out / "news" / SLUG / "summary.pdf").is_file()
    tab.close()


# --------------------------------------------------------------------------- bad files


@pytest.fixture(scope="module")
def good_report(tmp_path_factory) -> Path:
    """The project with the report, built once: each bad-file test breaks a copy of it."""
    root = project(tmp_path_factory.mktemp("good") / "site")
    build(root)
    return root


@pytest.fixture
def copy(good_report, tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(good_report, root)
    return root


def refused(root: Path, *expected: str) -> str:
    """The build fails with exactly these `file:line: message` lines and output/ is untouched."""
    before = snapshot(root / "output")
    result = run_build(root, "--no-pdf", "--as-of", AS_OF)
    both = result.stdout + result.stderr
    assert result.returncode == 1, both
    assert "Traceback" not in both, both
    lines = result.stderr.splitlines()
    for wanted in expected:
        assert wanted in lines, f"not printed: {wanted}\n{result.stderr}"
    assert snapshot(root / "output") == before, "output/ changed after a failed build"
    return result.stderr


def with_body(extra: str, root: Path) -> int:
    """Append `extra` to the report; returns the line it starts on."""
    text = (root / INDEX).read_text(encoding="utf-8") + "\n" + extra + "\n"
    write(root, INDEX, text)
    return line(text, extra.split("\n")[0])


def test_missing_photo(copy):
    at = with_body("![活动现场](xianchang.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 找不到文件 {BUNDLE}/xianchang.jpg：请确认文件和 index.md 在同一个文件夹里，"
        "文件名（包括 .jpg、.pdf 这样的扩展名）一字不差；"
        "Windows 默认隐藏扩展名，可在文件夹窗口的「查看」里勾选「文件扩展名」后核对",
    )


def test_name_with_hidden_double_extension(copy):
    (copy / BUNDLE / "xianchang.jpg.jpg").write_bytes(phone_jpeg())
    at = with_body("![活动现场](xianchang.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 找不到文件 {BUNDLE}/xianchang.jpg：文件夹里有「xianchang.jpg.jpg」："
        "Windows 隐藏了扩展名，实际文件名多了一节；请把它改名为「xianchang.jpg」",
    )


def test_name_in_other_case(copy):
    (copy / BUNDLE / "Xianchang.JPG").write_bytes(phone_jpeg())
    at = with_body("![活动现场](xianchang.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 找不到文件 {BUNDLE}/xianchang.jpg：文件夹里有「Xianchang.JPG」，大小写不同；"
        "文件名的大小写要和这里写的完全一致",
    )


def test_heic_photo_is_delivered_upright_as_jpeg_without_metadata(copy):
    (copy / BUNDLE / "IMG_0001.HEIC").write_bytes(heic_bytes())  # stored 1600×1200, orientation 6
    (copy / BUNDLE / "IMG_0002.jpg").write_bytes(heic_bytes((1600, 1200), 1))  # renamed, still HEIC inside
    with_body("![会场](IMG_0001.HEIC)\n\n![讲座](IMG_0002.jpg)", copy)
    out, _ = build(copy)
    folder = out / "news" / SLUG
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert 'src="IMG_0001-800.jpg"' in page and 'width="800" height="1067"' in page
    for name, size in (
        ("IMG_0001-800.jpg", (800, 1067)),
        ("IMG_0001-1200.jpg", (1200, 1600)),
        ("IMG_0002-800.jpg", (800, 600)),
    ):
        data = (folder / name).read_bytes()
        assert b"Exif" not in data and b"iPhone" not in data
        with Image.open(folder / name) as image:
            assert image.format == "JPEG" and image.size == size
            assert not image.getexif() and not {"exif", "xmp", "icc_profile"} & image.info.keys()
            assert image.getpixel((3, 3))[0] > 200 and image.getpixel((3, 3))[2] < 80  # red: upright
    assert not list(folder.glob("IMG_000*.HEIC")) and not (folder / "IMG_0002.jpg").exists()


def test_avif_photo_stays_refused(copy):
    (copy / BUNDLE / "cover.avif").write_bytes(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(100))
    at = with_body("![封面](cover.avif)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 「cover.avif」是 AVIF 图片，网站只显示 JPG 和 PNG；请用画图软件打开它，「另存为」JPEG 图片后再放",
    )


def test_truncated_jpeg(copy):
    whole = phone_jpeg((3024, 4032), 6, seed=3)
    (copy / BUNDLE / "cut.jpg").write_bytes(whole[: len(whole) * 6 // 10])
    at = with_body("![讲座现场](cut.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 照片「cut.jpg」不完整（只有前面一部分，可能是拷贝或传输时中断了）；"
        "请从手机或原始位置重新拷贝一次",
    )


def test_decompression_bomb(copy):
    (copy / BUNDLE / "bomb.jpg").write_bytes(bomb_jpeg())
    at = with_body("![节能展板](bomb.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 照片「bomb.jpg」的像素多得异常（40000 万像素，最多 8947 万像素）："
        "可能是损坏或特意制作的文件，处理它会耗尽电脑内存；"
        "如确是照片，请用画图等软件把它缩小（如宽 4000 像素）后另存为 JPG",
    )


def test_a_photo_just_above_the_limit_is_refused_in_one_sentence(copy):
    """Pillow only warns between its limit and twice it: the clerk sees our sentence, not its warning."""
    (copy / BUNDLE / "bomb.jpg").write_bytes(bomb_jpeg(10000))
    at = with_body("![节能展板](bomb.jpg)", copy)
    printed = refused(
        copy,
        f"{INDEX}:{at}: 照片「bomb.jpg」的像素多得异常（10000 万像素，最多 8947 万像素）："
        + (
            "可能是损坏或特意制作的文件，处理它会耗尽电脑内存；"
            "如确是照片，请用画图等软件把它缩小（如宽 4000 像素）后另存为 JPG"
        ),
    )
    assert "Warning" not in printed, printed


def test_photo_without_alt_text(copy):
    text = (copy / INDEX).read_text(encoding="utf-8").replace("![干部职工骑行上班](ride.jpg)", "![](ride.jpg)")
    write(copy, INDEX, text)
    refused(
        copy,
        f"{INDEX}:{line(text, '![](ride.jpg)')}: 图片缺少文字说明：请写成 ![骑行上班的干部职工](ride.jpg)，"
        "方括号里写清照片内容，供看不见图片的读者使用",
    )


def test_vague_alt_text(copy):
    text = (copy / INDEX).read_text(encoding="utf-8").replace("![干部职工骑行上班](ride.jpg)", "![照片](ride.jpg)")
    write(copy, INDEX, text)
    refused(
        copy,
        f"{INDEX}:{line(text, '![照片](ride.jpg)')}: 图片的文字说明「照片」没有说出照片的内容："
        "请写成 ![骑行上班的干部职工](ride.jpg) 这样，方括号里写清照片上是什么，供看不见图片的读者使用",
    )


@pytest.mark.parametrize(
    "name, reference, message",
    [
        ("setup.exe", "[安装程序](setup.exe)", "「setup.exe」是可执行程序，为安全起见不能放到网站上供下载"),
        (
            "page.html",
            "[网页](page.html)",
            "「page.html」是网页或脚本文件，里面可能带有脚本，不能作为附件；请另存为 PDF 后再放",
        ),
        (
            "tool.js",
            "[脚本](tool.js)",
            "「tool.js」是网页或脚本文件，里面可能带有脚本，不能作为附件；请另存为 PDF 后再放",
        ),
        (
            "logo.svg",
            "![区机关事务局标志](logo.svg)",
            "「logo.svg」是 SVG 图片，里面可能带有脚本，为安全起见不能使用；请另存为 PNG 后再放",
        ),
        (
            "slides.pptx",
            "[讲座课件](slides.pptx)",
            "不认识「slides.pptx」这种文件，不能作为附件；网站可以提供下载的附件有：PDF（.pdf）、"
            "Word（.doc、.docx）、Excel（.xls、.xlsx）、WPS（.wps、.et）和 .zip 压缩包；请另存为其中一种",
        ),
        (
            "fake.pdf",
            "[通知](fake.pdf)",
            "附件「fake.pdf」的内容其实是一个程序（只是改了扩展名），为安全起见不能放到网站上",
        ),
        (
            "ride2.jpg",
            "[原图](ride2.jpg)",
            "「ride2.jpg」是照片：要显示照片，请在前面加「!」，写成 ![照片内容](ride2.jpg)；"
            "为保护隐私（原图里有拍摄地点等信息），网站不提供原图下载",
        ),
    ],
)
def test_refused_types(copy, name, reference, message):
    (copy / BUNDLE / name).write_bytes(b"MZ\x90\x00" + bytes(100) if name != "logo.svg" else b"<svg/>")
    at = with_body(reference, copy)
    refused(copy, f"{INDEX}:{at}: {message}")


def test_picture_from_another_site(copy):
    at = with_body("![外网图片](https://www.example.com/a.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 图片「https://www.example.com/a.jpg」不在本站：网站的安全设置只允许显示本站自己的图片，"
        "别的网站的图片显示不出来；请把照片下载下来，和 index.md 放在同一个文件夹，写成 ![照片内容](照片.jpg)",
    )


def test_photo_beside_a_single_file_report(copy):
    (copy / "content/news/ride.jpg").write_bytes(phone_jpeg())
    refused(
        copy,
        "content/news/ride.jpg: 照片和附件不能直接放在 content/news/ 里（活动动态文件夹里只能放以 .md 结尾的文章文件，"
        "或每篇文章一个文件夹）：请为文章新建一个文件夹，如 content/news/2024-05-15-qixing/，"
        "把文章移进去并改名为 index.md，照片和附件放在它旁边",
    )


def test_single_file_report_that_refers_to_a_photo(copy):
    name = next(p.name for p in (copy / "content/news").glob("*.md"))
    path = copy / "content/news" / name
    text = path.read_text(encoding="utf-8") + "\n![会场](huichang.jpg)\n"
    write(copy, f"content/news/{name}", text)
    slug = name[:-3]
    refused(
        copy,
        f"content/news/{name}:{line(text, '![会场]')}: 要在文章里放照片或附件，请把这篇文章改成一个文件夹："
        f"新建文件夹 content/news/{slug}/，把 {name} 移进去并改名为 index.md，再把「huichang.jpg」放在它旁边",
    )


def test_folder_without_index(copy):
    (copy / "content/news/2024-05-16-jieshui").mkdir()
    (copy / "content/news/2024-05-16-jieshui/index.md.txt").write_text("---\n", encoding="utf-8")
    refused(
        copy,
        "content/news/2024-05-16-jieshui/index.md: 文件名实际是「index.md.txt」（Windows 隐藏了扩展名）："
        "请用记事本打开它，「另存为」时「保存类型」选「所有文件」，文件名写 index.md",
    )


def test_shortcut_to_a_file_outside_the_project(copy, tmp_path):
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(phone_jpeg())
    (copy / BUNDLE / "link.jpg").symlink_to(outside)
    at = with_body("![会场全景](link.jpg)", copy)
    refused(
        copy,
        f"{INDEX}:{at}: 「link.jpg」：这是指向项目文件夹以外的快捷方式（符号链接），为免把别处的文件发布出去，"
        "不能使用；请把文件本身复制到这里",
    )


def test_every_bad_photo_is_reported_in_one_build(copy):
    whole = phone_jpeg((3024, 4032), 6, seed=3)
    (copy / BUNDLE / "cut1.jpg").write_bytes(whole[: len(whole) // 2])
    (copy / BUNDLE / "cut2.jpg").write_bytes(whole[: len(whole) // 3])
    first = with_body("![讲座一](cut1.jpg)", copy)
    second = with_body("![讲座二](cut2.jpg)", copy)
    stderr = refused(copy)
    assert (
        f"{INDEX}:{first}: 照片「cut1.jpg」不完整" in stderr and f"{INDEX}:{second}: 照片「cut2.jpg」不完整" in stderr
    )


def test_big_attachment_is_published_with_a_warning_and_spare_files_are_named(copy):
    (copy / BUNDLE / "video.zip").write_bytes(b"PK\x03\x04" + bytes(21 * 1024 * 1024))
    (copy / BUNDLE / "spare.jpg").write_bytes(phone_jpeg())
    at = with_body("[活动视频](video.zip)", copy)
    _, result = build(copy)
    assert (
        f"{INDEX}:{at}: 注意：附件「video.zip」有 21.0 MB（超过 20.0 MB），用手机流量下载会很慢；"
        "可以的话请压缩后再放（这次照常发布）"
    ) in result.stdout
    assert (
        f"{BUNDLE}/spare.jpg: 提示：这个文件没有在 index.md 里用到，不会放到网站上；"
        "要显示这张照片，请在正文里写 ![照片内容](spare.jpg)"
    ) in result.stdout
    page = (copy / "output" / EDITION / "news" / SLUG / "index.html").read_text(encoding="utf-8")
    assert (
        '<p class="attachments">附件：<a href="video.zip" download="活动视频.zip">活动视频.zip</a>（ZIP，21.0 MB）'
        in page
    )
    assert not (copy / "output" / EDITION / "news" / SLUG / "spare-800.jpg").exists()


def test_what_windows_macos_and_editors_leave_beside_the_sources_is_passed_over(copy):
    """No reminder to use them, no refusal of a report's backup: they are not the clerk's files."""
    leftovers = ["Thumbs.db", "desktop.ini", ".DS_Store", "~$index.md", "ride.jpg~", "#index.md#"]
    for name in leftovers:
        (copy / BUNDLE / name).write_bytes(b"x")
    (copy / "content/files").mkdir()
    (copy / "content/files/Thumbs.db").write_bytes(b"x")
    (copy / f"{BUNDLE}.md~").write_bytes((copy / INDEX).read_bytes())  # an editor's backup
    _, result = build(copy)
    for name in [*leftovers, f"{SLUG}.md~"]:
        assert name not in result.stdout + result.stderr


def test_notice_and_quiz_take_files_from_content_files(copy):
    (copy / "content/files").mkdir()
    (copy / "content/files/通知 原文.pdf").write_bytes(pdf_bytes(5000, seed=4))
    qr = Image.new("1", (300, 300), 1)
    ImageDraw.Draw(qr).rectangle((20, 20, 100, 100), fill=0)
    qr.save(copy / "content/files/wenjuan.png")
    notice = (copy / "content/notice.md").read_text(encoding="utf-8") + "\n附件：[通知原文](files/通知 原文.pdf)\n"
    write(copy, "content/notice.md", notice)
    quiz = (
        (copy / "content/quiz.yaml")
        .read_text(encoding="utf-8")
        .replace("\nurl:\n", "\nurl:\nimage: files/wenjuan.png\n")
    )
    write(copy, "content/quiz.yaml", quiz)
    (copy / "content/files/旧照片.jpg").write_bytes(phone_jpeg())
    _, result = build(copy)
    assert (
        "content/files/旧照片.jpg: 提示：这个文件没有在 通知、联系页或知识竞赛 里用到，不会放到网站上；"
        "要显示这张照片，请在正文里写 ![照片内容](files/旧照片.jpg)"
    ) in result.stdout
    out = copy / "output" / EDITION
    page = (out / "notice/index.html").read_text(encoding="utf-8")
    assert (
        '<p class="attachments">附件：<a href="files/%E9%80%9A%E7%9F%A5%20%E5%8E%9F%E6%96%87.pdf" '
        'download="通知原文.pdf">通知原文.pdf</a>（PDF，5 KB）</p>'
    ) in page
    assert PdfReader(out / "notice/files/通知 原文.pdf").metadata is None  # delivered cleaned, as a report's
    quiz_page = (out / "quiz/index.html").read_text(encoding="utf-8")
    assert 'src="../quiz/files/wenjuan-300.png" width="300" height="300"' in quiz_page
    with Image.open(out / "quiz/files/wenjuan-300.png") as image:
        assert image.format == "PNG" and image.size == (300, 300) and image.getpixel((50, 50)) == 0

    write(copy, "content/notice.md", notice.replace("files/通知 原文.pdf", "通知 原文.pdf"))
    refused(
        copy,
        f"content/notice.md:{line(notice, '附件：[通知原文]')}: 通知和联系页里的照片、附件请放在 content/files/ 文件夹里，"
        "写成 ![照片内容](files/通知 原文.pdf) 或 [文件名称](files/通知 原文.pdf)",
    )


# --------------------------------------------------------------------------- the same bytes, rebuilt exactly


def test_byte_identical_across_builds_and_worker_counts(tmp_path, monkeypatch):
    root = project(tmp_path / "site")
    monkeypatch.setenv("JNXCZ_WORKERS", "1")
    one, _ = build(root, tmp_path / "one")
    first = snapshot(one)
    shutil.rmtree(root / ".cache")
    monkeypatch.setenv("JNXCZ_WORKERS", "2")
    two, _ = build(root, tmp_path / "two")
    assert snapshot(two) == first
    again, _ = build(root, tmp_path / "again")  # every photo from the cache
    assert snapshot(again) == first
    assert {f"news/{SLUG}/ride-800.jpg", f"news/{SLUG}/summary.pdf"} <= first.keys()


def _api_build(root: Path):
    from campaign.context import make_context
    from campaign.model.timeline import parse_moment
    from campaign.pipeline import build as api_build

    return api_build(make_context(root, parse_moment(AS_OF), say=lambda _: None), root / "output", pdf=False)


def test_replacing_one_photo_renders_exactly_its_files(tmp_path):
    root = project(tmp_path / "site")
    _api_build(root)
    assert _api_build(root).rendered == frozenset()
    here = f"{EDITION}/news/{SLUG}"

    (root / BUNDLE / "ride.jpg").write_bytes(phone_jpeg((3024, 4032), 6, seed=5))  # same size, other photo
    built = _api_build(root)
    ride = {f"{here}/ride-{w}.jpg" for w in (400, 800, 1600)}
    assert built.rendered == ride
    assert built.written == ride

    (root / BUNDLE / "summary.pdf").write_bytes(pdf_bytes(seed=7))  # same size, other bytes
    built = _api_build(root)
    assert built.rendered == built.written == {f"{here}/summary.pdf"}

    (root / BUNDLE / "ride.jpg").write_bytes(phone_jpeg((4032, 3024), 1, seed=6))  # now landscape
    built = _api_build(root)
    assert ride | {f"{here}/index.html", f"{EDITION}/news/index.html", f"{EDITION}/feed.xml"} <= built.rendered

    fresh = copy_site(tmp_path / "clean", source=root, parts=("config.yaml", "content", "templates"))
    clean, _ = build(fresh)
    assert snapshot(root / "output" / EDITION) == snapshot(clean)


def test_preview_notices_a_saved_photo(tmp_path, monkeypatch):
    from campaign.preview.session import Preview

    # one clock for both rebuilds: a minute passing between them would change every page's time
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)

    root = project(tmp_path / "site")
    preview = Preview(root, "http://127.0.0.1:8000")
    assert preview.rebuild().error is None
    before = preview.files[f"news/{SLUG}/ride-800.jpg"]
    (root / BUNDLE / "ride.jpg").write_bytes(phone_jpeg((3024, 4032), 6, seed=8))
    outcome = preview.rebuild()
    assert outcome.error is None
    assert outcome.written == {f"news/{SLUG}/ride-{w}.jpg" for w in (400, 800, 1600)}
    assert preview.files[f"news/{SLUG}/ride-800.jpg"] != before


def test_preview_shows_a_photo_written_into_a_report_that_had_none(tmp_path, monkeypatch):
    """A report first saved without photos, then with one: the photo is on the next rebuild."""
    from campaign.preview.session import Preview

    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    root = project(tmp_path / "site")
    index = root / BUNDLE / "index.md"
    head = REPORT[: REPORT.index("![")]
    plain = head + "详见[活动日程](../../schedule/)。\n"  # no photo, no attachment: links to pages only
    index.write_text(plain, encoding="utf-8")
    preview = Preview(root, "http://127.0.0.1:8000")
    assert preview.rebuild().error is None
    assert f"news/{SLUG}/ride-800.jpg" not in preview.files
    assert preview.rebuild().error is None  # the same text again
    index.write_text(
        plain.replace("详见[活动日程](../../schedule/)。", "![干部职工骑行上班](ride.jpg)"), encoding="utf-8"
    )
    outcome = preview.rebuild()
    assert outcome.error is None
    assert {f"news/{SLUG}/ride-{w}.jpg" for w in (400, 800, 1600)} <= outcome.written
    assert 'alt="干部职工骑行上班"' in preview.files[f"news/{SLUG}/index.html"].decode("utf-8")
    (root / BUNDLE / "ride.jpg").unlink()  # and a photo gone is said at once, not remembered as fine
    outcome = preview.rebuild()
    assert outcome.error is not None and "ride.jpg" in str(outcome.error)


# --------------------------------------------------------------------------- shipping


def test_link_check_follows_every_photo_size(built_report):
    from campaign.context import make_context
    from campaign.inspection.links import check_links
    from campaign.model.timeline import parse_moment
    from campaign.pipeline import make_site

    root, _ = built_report
    built = make_site(make_context(root, parse_moment(AS_OF), say=lambda _: None), pdf=False)
    edition = built.editions[-1].files  # the edition's own files, by their path in its folder
    assert check_links(built.site, edition, [])[0] == []
    files = dict(edition)
    del files[f"news/{SLUG}/ride-1600.jpg"]
    broken = check_links(built.site, files, [])[0]
    assert [p.message for p in broken] == [f"链接「ride-1600.jpg」指向的文件不存在（出现在 news/{SLUG}/）"]


def test_package_carries_photos_and_attachments(built_report, tmp_path):
    root = decide_address(copy_site(tmp_path / "decided", source=built_report[0]))
    out = built_report[1]  # photos and attachments are the same whatever the address
    target = tmp_path / "site.zip"
    result = run_build(root, "package", str(target), "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        for name in (f"news/{SLUG}/ride-1600.jpg", f"news/{SLUG}/队伍 合影-800.jpg", f"news/{SLUG}/summary.pdf"):
            assert f"{EDITION}/{name}" in names, sorted(names)
            assert archive.read(f"{EDITION}/{name}") == (out / name).read_bytes()
    assert os.path.getsize(target) > 0

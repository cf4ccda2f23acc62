"""Attachments are published without what they hide (`render.attachments`).

The files are made here as an office makes them: a Word report written with python-docx
(Chinese text, the author 李晓红, her comment 「内部初稿，请勿外传」, a phone photo with GPS
pasted in), a PDF with an author in its Info dictionary and XMP. The site is built by the
command line on a throw-away copy of the project, and every byte of output/ is searched, the
Word files unzipped and every photo's EXIF read.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.shared import Inches
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from sitecopy import EDITION, copy_site, run_cli, snapshot, write

from campaign.load import media
from campaign.render import attachments

SLUG = "2024-05-16-zongjie"
BUNDLE = f"content/news/{SLUG}"
INDEX = f"{BUNDLE}/index.md"
AS_OF = "2024-05-16T10:00"
AUTHOR = "李晓红"
COMMENT = "内部初稿，请勿外传"
TEXT = "节能宣传周期间，全区公共机构开展绿色出行、节约用电活动。"
GPS = 0x8825
# What must appear nowhere in output/: as UTF-8 (XML, HTML), as a PDF's UTF-16 text, the camera.
SECRETS = [AUTHOR.encode(), AUTHOR.encode("utf-16-be"), COMMENT.encode(), COMMENT.encode("utf-16-be"), b"iPhone 15"]

REPORT = """---
title: 区机关事务局节能宣传周活动总结
date: 2024-05-16
source: 区机关事务局
summary: 节能宣传周活动总结。
---
节能宣传周期间，区机关事务局开展了系列活动。

![干部职工骑行上班](ride.jpg)

附件：[活动总结](总结.docx)、[通知原文](通知.pdf)
"""


def phone_photo(size: tuple[int, int] = (320, 240), orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: camera, GPS and orientation in its EXIF, no JFIF header."""
    exif = Image.Exif()
    exif[0x0110] = "iPhone 15"
    exif[0x0112] = orientation
    exif[GPS] = {1: "N", 2: (29.0, 34.0, 12.5), 3: "E", 4: (106.0, 33.0, 10.2)}
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 60)).save(out, "JPEG", quality=90, exif=exif)
    data = out.getvalue()
    jfif = int.from_bytes(data[4:6], "big") if data[2:4] == b"\xff\xe0" else 0
    return data[:2] + data[4 + jfif :] if jfif else data  # a phone writes EXIF only: no resolution given


def word_report(tracked: bool = False) -> bytes:
    """A Word file by 李晓红 with her comment and a pasted photo; `tracked`: with a tracked insertion."""
    document = docx.Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = AUTHOR
    properties.comments = f"{AUTHOR}的说明"
    properties.keywords = "内部"
    paragraph = document.add_paragraph(TEXT)
    document.add_comment(paragraph.runs, text=COMMENT, author=AUTHOR, initials="LXH")
    document.add_picture(io.BytesIO(phone_photo()), width=Inches(2))
    if tracked:
        paragraph._p.append(
            parse_xml(
                '<w:ins xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                f'w:id="9" w:author="{AUTHOR}" w:date="2024-05-10T09:00:00Z"><w:r><w:t>（待定）</w:t></w:r></w:ins>'
            )
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_report() -> bytes:
    """A one-page PDF with 李晓红 as its author in the Info dictionary and in XMP."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Author": AUTHOR, "/Title": "通知原文"})
    xmp = DecodedStreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>'.encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def project(folder: Path, report: str = REPORT, files: dict[str, bytes] | None = None) -> Path:
    root = copy_site(folder)
    (root / BUNDLE).mkdir(parents=True)
    write(root, INDEX, report)
    files = {"ride.jpg": phone_photo((1600, 1200)), "总结.docx": word_report(), "通知.pdf": pdf_report()} | (
        files or {}
    )
    for name, data in files.items():
        (root / BUNDLE / name).write_bytes(data)
    return root


def build(root: Path, out: Path) -> Path:
    result = run_cli(root, "--out", str(out), "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / EDITION


def line(text: str, needle: str) -> int:
    return next(n for n, t in enumerate(text.split("\n"), 1) if needle in t)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = project(tmp_path_factory.mktemp("attachments") / "site")
    return root, build(root, root / "output")


def _photos_in(path: Path) -> dict[str, bytes]:
    """Every JPEG and PNG of a delivered file: itself, or those inside a Word or Excel file."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            return {
                f"{path.name}/{n}": archive.read(n) for n in archive.namelist() if n.endswith((".jpg", ".jpeg", ".png"))
            }
    return {path.name: path.read_bytes()} if path.suffix in (".jpg", ".png") else {}


# --------------------------------------------------------------------------- what is published


def test_nothing_hidden_is_published(built):
    root, out = built
    delivered = snapshot(root / "output")
    word = out / "news" / SLUG / "总结.docx"
    assert f"{EDITION}/news/{SLUG}/总结.docx" in delivered
    for name, data in delivered.items():
        for secret in SECRETS:
            assert secret not in data, (name, secret)
    with zipfile.ZipFile(word) as archive:
        names = archive.namelist()
        assert not [n for n in names if "comment" in n.lower() or n == "word/people.xml"], names
        for name in names:
            part = archive.read(name)
            for secret in (*SECRETS, b"LXH", b"commentRangeStart", b"commentReference"):
                assert secret not in part, (name, secret)
        _whole(archive)
        core = archive.read("docProps/core.xml").decode()
        assert "<dc:creator></dc:creator>" in core and "<cp:lastModifiedBy></cp:lastModifiedBy>" in core
    assert TEXT in [p.text for p in docx.Document(str(word)).paragraphs]  # still a Word file, text intact

    photos = {}
    for path in (out / "news" / SLUG).iterdir():
        photos |= _photos_in(path)
    assert any(".docx/word/media/" in name for name in photos) and "ride-800.jpg" in photos, sorted(photos)
    for name, data in photos.items():
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            assert not exif.get_ifd(GPS) and 0x0110 not in exif, name
            assert "xmp" not in image.info, name
    with Image.open(io.BytesIO(photos[next(n for n in photos if ".docx/" in n)])) as pasted:
        assert pasted.size == (320, 240) and pasted.getpixel((5, 5)) == pytest.approx((20, 160, 60), abs=6)

    pdf = PdfReader(out / "news" / SLUG / "通知.pdf")
    assert pdf.metadata is None and "/Metadata" not in pdf.trailer["/Root"] and len(pdf.pages) == 1


def test_the_size_listed_is_that_of_the_file_delivered(built):
    root, out = built
    page = (out / "news" / SLUG / "index.html").read_text(encoding="utf-8")
    for name, extension in (("总结.docx", ".docx"), ("通知.pdf", ".pdf")):
        size = (out / "news" / SLUG / name).stat().st_size
        assert size != (root / BUNDLE / name).stat().st_size  # cleaned, so not the source's
        assert f"（{media.attachment_label(extension, size)}）" in page


def test_two_clean_builds_give_the_same_attachments(built, tmp_path):
    root, out = built
    again = tmp_path / "site"
    shutil.copytree(root, again, ignore=shutil.ignore_patterns(".cache", "output"))
    second = build(again, again / "output")
    for name in ("总结.docx", "通知.pdf"):
        assert (second / "news" / SLUG / name).read_bytes() == (out / "news" / SLUG / name).read_bytes(), name
    with zipfile.ZipFile(second / "news" / SLUG / "总结.docx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


def test_an_unchanged_attachment_is_not_cleaned_again(built, tmp_path):
    from campaign.context import make_context
    from campaign.model.timeline import parse_moment
    from campaign.pipeline import build as api_build

    root, _ = built
    again = tmp_path / "site"
    shutil.copytree(root, again, ignore=shutil.ignore_patterns("output"))
    ctx = make_context(again, parse_moment(AS_OF), say=lambda _: None)
    api_build(ctx, again / "output", pdf=False)
    assert not ctx.cache.misses["attachment-head"] and not ctx.cache.misses["attachment"], ctx.cache.misses
    assert ctx.cache.hits["attachment"] == 2  # the Word file and the PDF, as cleaned by the first build


# --------------------------------------------------------------------------- refused, or named


def test_a_word_file_with_tracked_changes_is_refused_at_its_line(tmp_path):
    report = REPORT + "\n另见[修订稿](修订稿.docx)。\n"
    root = project(tmp_path / "site", report, {"修订稿.docx": word_report(tracked=True)})
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 1, result.stdout + result.stderr
    at = line(report, "修订稿.docx")
    assert (
        f"{INDEX}:{at}: 「修订稿.docx」里有修订记录（修订痕迹）：请在 Word 里「审阅」→「接受所有修订」后另存，再放进来"
    ) in result.stderr.splitlines(), result.stderr
    assert not (root / "output").exists()


def test_check_names_attachments_that_cannot_be_cleaned(tmp_path):
    report = REPORT.replace("、[通知原文](通知.pdf)", "、[通知原文](通知.pdf)、[统计表](统计.xls)、[说明](说明.wps)")
    root = project(tmp_path / "site", report, {"统计.xls": b"\xd0\xcf\x11\xe0" + bytes(600), "说明.wps": bytes(700)})
    result = run_cli(root, "check", "--no-pdf", "--as-of", AS_OF)
    assert "Traceback" not in result.stderr
    at = line(report, "统计.xls")
    lines = result.stdout.splitlines()
    assert "可能带有隐藏信息的附件：2 个（照常发布；作者、批注、修订记录等网站无法去掉）" in lines, result.stdout
    for name in ("统计表.xls", "说明.wps"):
        assert (
            f"  - {INDEX}:{at}: 「{name}」：请用 Word/WPS 另存为 .docx 或 PDF 后换上，"
            "网站会自动去掉其中的作者、批注和照片里的拍摄地点"
        ) in lines, result.stdout


# --------------------------------------------------------------------------- the cleaning alone


def _office_file(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _whole(archive: zipfile.ZipFile) -> None:
    """Nothing in the package names a part that is not there: no relationship, no content type."""
    names = set(archive.namelist())
    types = archive.read("[Content_Types].xml").decode()
    assert {name.lstrip("/") for name in re.findall(r'PartName="([^"]+)"', types)} <= names
    for rels in (name for name in names if name.endswith(".rels")):
        base = posixpath.dirname(posixpath.dirname(rels))
        for target, mode in re.findall(r'Target="([^"]+)"(?: TargetMode="(\w+)")?', archive.read(rels).decode()):
            if mode != "External":
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                )
                assert path in names, (rels, target)


SHEET_RELS = """<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" \
Target="../comments1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing" \
Target="../drawings/vmlDrawing1.vml"/>\
<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" \
Target="../threadedComments/threadedComment1.xml"/></Relationships>"""


def test_an_excel_file_loses_its_notes_and_who_wrote_them():
    types = (
        '<Types><Override PartName="/xl/worksheets/sheet1.xml" ContentType="s"/>'
        '<Override PartName="/xl/comments1.xml" ContentType="c"/>'
        '<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="t"/>'
        '<Override PartName="/xl/persons/person.xml" ContentType="p"/></Types>'
    )
    source = _office_file(
        {
            "[Content_Types].xml": types.encode(),
            "xl/worksheets/sheet1.xml": b'<worksheet><sheetData/><legacyDrawing r:id="rId2"/></worksheet>',
            "xl/worksheets/_rels/sheet1.xml.rels": SHEET_RELS.encode(),
            "xl/comments1.xml": f"<comments><authors><author>{AUTHOR}</author></authors>{COMMENT}</comments>".encode(),
            "xl/threadedComments/threadedComment1.xml": f"<ThreadedComments>{COMMENT}</ThreadedComments>".encode(),
            "xl/persons/person.xml": f'<personList><person displayName="{AUTHOR}"/></personList>'.encode(),
            "xl/drawings/vmlDrawing1.vml": b'<xml><v:shape><x:ClientData ObjectType="Note"/></v:shape></xml>',
        }
    )
    with zipfile.ZipFile(io.BytesIO(attachments.clean(source, ".xlsx", "统计.xlsx"))) as archive:
        _whole(archive)
        assert archive.namelist() == [
            "[Content_Types].xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/_rels/sheet1.xml.rels",
        ]
        assert archive.read("xl/worksheets/sheet1.xml") == b"<worksheet><sheetData/></worksheet>"
        assert b"Relationship " not in archive.read("xl/worksheets/_rels/sheet1.xml.rels")


def test_an_excel_file_loses_its_author_company_and_photo_metadata():
    core = (
        '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>李晓红</dc:creator>'
        "<cp:lastModifiedBy>李晓红</cp:lastModifiedBy><dc:title>统计表</dc:title></cp:coreProperties>"
    )
    app = (
        "<Properties><Application>WPS 表格</Application><Company>某某局</Company><Manager>王主任</Manager></Properties>"
    )
    source = _office_file(
        {
            "[Content_Types].xml": b"<Types/>",
            "docProps/core.xml": core.encode(),
            "docProps/app.xml": app.encode(),
            "xl/workbook.xml": "<workbook>用电量</workbook>".encode(),
            "xl/media/image1.jpeg": phone_photo(),
            "xl/media/image2.jpeg": phone_photo(orientation=6),
        }
    )
    cleaned = attachments.clean(source, ".xlsx", "统计.xlsx")
    assert cleaned == attachments.clean(source, ".xlsx", "统计.xlsx")
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        assert archive.read("docProps/core.xml").decode() == (
            '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator></dc:creator>'
            "<cp:lastModifiedBy></cp:lastModifiedBy><dc:title>统计表</dc:title></cp:coreProperties>"
        )
        assert (
            archive.read("docProps/app.xml").decode() == "<Properties><Application>WPS 表格</Application></Properties>"
        )
        assert archive.read("xl/workbook.xml").decode() == "<workbook>用电量</workbook>"
        with Image.open(io.BytesIO(archive.read("xl/media/image1.jpeg"))) as image:
            assert not image.getexif() and image.size == (320, 240)
        with Image.open(io.BytesIO(archive.read("xl/media/image2.jpeg"))) as image:
            assert dict(image.getexif()) == {0x0112: 6}  # how the sheet shows it, and nothing else


@pytest.mark.parametrize(
    "extension, data, message",
    [
        (
            ".docx",
            b"PK\x03\x04 not really a zip",
            "「x.docx」打不开（可能已经损坏、设置了打开密码，或是别的文件改了扩展名）；"
            "请用 Word 或 WPS 打开它，去掉密码后另存，再放进来",
        ),
        (
            ".pdf",
            b"%PDF-1.4\n" + bytes(300),
            "「x.pdf」已损坏，无法读取（只拷贝了一部分，或不是真正的 PDF）；请重新导出或重新拷贝一次",
        ),
    ],
)
def test_a_file_that_cannot_be_read_cannot_be_cleaned(extension, data, message):
    with pytest.raises(attachments.Refused) as refused:
        attachments.clean(data, extension, "x" + extension)
    assert str(refused.value) == message


def test_what_cannot_be_cleaned_is_delivered_as_it_is():
    assert attachments.clean(b"\xd0\xcf\x11\xe0old word", ".doc", "旧.doc") == b"\xd0\xcf\x11\xe0old word"
    assert not attachments.cleanable(".wps") and attachments.cleanable(".DOCX")

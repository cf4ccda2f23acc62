"""`build.py import`: a unit's Word report becomes a news report folder that builds like any other.

The documents are made here as a unit writes them, with python-docx: Chinese text under a
heading, a date line, paragraphs indented with full-width spaces, a manual line break, a list, a
table, two phone photos (GPS and camera in their EXIF) each followed by its 「图为…」 line, the
author 李晓红 in the document's properties and her comment on a paragraph. The exact index.md
is asserted, the site is built and the page opened in Chromium; output/ is searched for what the
document hid.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import pytest
from docx.shared import Inches
from PIL import Image
from sitecopy import EDITION, copy_site, run_cli, snapshot

from campaign.importing import folder_name
from campaign.load import byline, word

AUTHOR = "李晓红"
COMMENT = "内部初稿，请勿外传"
GPS = 0x8825
SLUG = "2024-05-15-qjwkzjnxczzthd"
FOLDER = f"content/news/{SLUG}"
NAME = "区教委-节能宣传周总结.docx"
TODAY = dt.date(2024, 5, 15)


def phone_photo(size: tuple[int, int], colour: tuple[int, int, int], orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: camera, GPS and orientation in its EXIF."""
    exif = Image.Exif()
    exif[0x0110] = "iPhone 15"
    exif[0x0112] = orientation
    exif[GPS] = {1: "N", 2: (29.0, 34.0, 12.5), 3: "E", 4: (106.0, 33.0, 10.2)}
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


PHOTOS = [phone_photo((1600, 1200), (20, 160, 60)), phone_photo((1200, 900), (200, 120, 30), orientation=6)]


def word_report(captions: bool = True) -> bytes:
    document = docx.Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = AUTHOR
    properties.comments = f"{AUTHOR}的说明"
    document.add_paragraph("报送单位：重庆市江北区教育委员会")
    document.add_heading("区教委开展节能宣传周主题活动", level=1)
    document.add_paragraph("2024年5月15日")
    first = document.add_paragraph(
        "\u3000\u3000为落实节能宣传周活动安排，区教委组织全区中小学开展节能宣传。活动 内容 丰富。"
    )
    document.add_comment(first.runs, text=COMMENT, author=AUTHOR, initials="LXH")
    broken = document.add_paragraph("\u3000\u3000活动期间，各校组织师生")
    broken.add_run().add_break()
    broken.add_run("参观节能展览，共 1200 名 师生参加。")
    document.add_heading("一、主要做法", level=2)
    document.add_paragraph("开展节能知识讲座", style="List Bullet")
    document.add_paragraph("组织绿色出行体验", style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    for row, cells in enumerate([("学校", "参加人数"), ("区实验小学", "600"), ("区第一中学", "580")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    document.add_picture(io.BytesIO(PHOTOS[0]), width=Inches(3))
    if captions:
        document.add_paragraph("图为师生参观节能展览")
    document.add_picture(io.BytesIO(PHOTOS[1]), width=Inches(3))
    if captions:
        document.add_paragraph("图为学生绿色出行")
    document.add_paragraph("\u3000\u3000下一步，区教委将持续推进节能工作。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


INDEX = f"""\
---
# ================================================================
# 活动动态文章（{FOLDER}/index.md）
# 由 Word 文档导入：{NAME}
# 标题、日期、来源和摘要是从文档里找出来的，请核对；照片说明写在
#   正文里照片的方括号 ![ ] 中。
# 编辑须知：用记事本打开，保存为 UTF-8；冒号用英文半角“:”，
#   冒号后空一格；缩进只能用空格；以“#”开头的行是说明。
# ================================================================
# 文章标题：最多 80 个字
title: 区教委开展节能宣传周主题活动
# 发布日期：格式 2024-05-09
date: 2024-05-15
# 来源：发布单位
source: 重庆市江北区教育委员会
# 摘要：显示在文章列表中的一两句话（可不填）
summary: 为落实节能宣传周活动安排，区教委组织全区中小学开展节能宣传。
---
为落实节能宣传周活动安排，区教委组织全区中小学开展节能宣传。活动内容丰富。

活动期间，各校组织师生参观节能展览，共 1200 名师生参加。

## 一、主要做法

- 开展节能知识讲座
- 组织绿色出行体验

| 学校 | 参加人数 |
| --- | --- |
| 区实验小学 | 600 |
| 区第一中学 | 580 |

![图为师生参观节能展览](photo-1.jpg)

![图为学生绿色出行](photo-2.jpg)

下一步，区教委将持续推进节能工作。
"""

SAID = f"""\
{{path}} → {FOLDER}/
  标题：区教委开展节能宣传周主题活动（取自 Word 的标题样式）
  日期：2024-05-15（取自文中的日期「2024年5月15日」）
  来源：重庆市江北区教育委员会（取自「报送单位：重庆市江北区教育委员会」一行）
  摘要：为落实节能宣传周活动安排，区教委组织全区中小学开展节能宣传。
  照片 photo-1.jpg：图为师生参观节能展览
  照片 photo-2.jpg：图为学生绿色出行

已导入 1 篇。请打开 index.md 核对上面的标题、日期、来源和照片说明，再运行 python build.py 生成网站。
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the site with the report imported and built: (project, the document)."""
    folder = tmp_path_factory.mktemp("import")
    root = copy_site(folder / "site")
    document = folder / NAME
    document.write_bytes(word_report())
    result = run_cli(root, "import", str(document))
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert result.stdout == SAID.format(path=document)
    built = run_cli(root, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    return root, document


def test_the_report_folder_holds_the_report_and_its_photos_as_sent(imported):
    root, _ = imported
    assert sorted(path.name for path in (root / FOLDER).iterdir()) == ["index.md", "photo-1.jpg", "photo-2.jpg"]
    assert (root / FOLDER / "index.md").read_text(encoding="utf-8") == INDEX
    assert [(root / FOLDER / f"photo-{n}.jpg").read_bytes() for n in (1, 2)] == PHOTOS
    assert [path.name for path in (root / "content/news").iterdir() if path.name.startswith(".")] == []


def test_the_imported_report_reads_in_a_browser_as_written(imported, browser):
    root, _ = imported
    page = root / "output" / EDITION / "news" / SLUG / "index.html"
    assert page.is_file()
    tab = browser.new_page()
    try:
        tab.goto(page.as_uri())
        assert tab.inner_text("article h1") == "区教委开展节能宣传周主题活动"
        assert "来源：重庆市江北区教育委员会" in tab.inner_text("article .meta")
        assert tab.locator(".prose > p").all_inner_texts() == [
            "为落实节能宣传周活动安排，区教委组织全区中小学开展节能宣传。活动内容丰富。",
            "活动期间，各校组织师生参观节能展览，共 1200 名师生参加。",
            "下一步，区教委将持续推进节能工作。",
        ]
        assert tab.locator(".prose h2").all_inner_texts() == ["一、主要做法"]
        assert tab.locator(".prose li").all_inner_texts() == ["开展节能知识讲座", "组织绿色出行体验"]
        assert tab.locator(".prose td").all_inner_texts() == ["区实验小学", "600", "区第一中学", "580"]
        assert tab.locator("figure.photo figcaption").all_inner_texts() == ["图为师生参观节能展览", "图为学生绿色出行"]
        widths = tab.eval_on_selector_all("figure.photo img", "images => images.map(i => i.naturalWidth)")
        assert widths == [800, 800]  # loaded, and the sideways phone photo turned upright: 900 tall → 800 wide
    finally:
        tab.close()


def test_nothing_the_document_hid_reaches_the_site(imported):
    root, _ = imported
    hidden = [AUTHOR.encode(), COMMENT.encode(), b"iPhone 15"]
    for name, data in snapshot(root / "output").items():
        assert not any(secret in data for secret in hidden), name
        if name.endswith(".jpg") and SLUG in name:
            with Image.open(io.BytesIO(data)) as image:
                exif = image.getexif()
                assert not exif.get_ifd(GPS) and 0x0110 not in exif, name
    assert AUTHOR not in (root / FOLDER / "index.md").read_text(encoding="utf-8")


def test_importing_again_keeps_the_first(imported):
    root, document = imported
    before = snapshot(root / "content")
    result = run_cli(root, "import", str(document))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == (
        f"{document}: 已经导入过：content/news/{SLUG} 已经存在，保留原来的，没有改动"
        "（如果这是另一篇日期和标题都相同的报道，请在 Word 里把标题改得不同，再导入）\n"
    )
    assert snapshot(root / "content") == before


def test_a_folder_written_by_hand_is_never_overwritten(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    (root / FOLDER).mkdir(parents=True)
    (root / FOLDER / "index.md").write_text("手写的报道\n", encoding="utf-8")
    document = tmp_path / NAME
    document.write_bytes(word_report())
    result = run_cli(root, "import", str(tmp_path))  # a folder of documents
    assert result.returncode == 0
    assert "已经导入过" in result.stdout
    assert sorted(p.name for p in (root / FOLDER).iterdir()) == ["index.md"]
    assert (root / FOLDER / "index.md").read_text(encoding="utf-8") == "手写的报道\n"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("旧报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old word", "是旧版 Word 文件（.doc），无法导入；"),
        ("报告.wps", b"any bytes", "是 WPS 文字文件（.wps），无法导入；"),
        (
            "加密.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1EncryptedPackage",
            "设置了打开密码，或其实是旧版 Word 文件（.doc）改了扩展名，无法导入；请用 Word 或 WPS 打开它，"
            "去掉密码后「另存为」Word 文档（.docx），再导入",
        ),
        ("损坏.docx", b"PK\x03\x04 not really a zip", word.BROKEN),
        ("损坏.docx", word_report()[:2000], word.BROKEN),
    ],
    # named by what they are: a Word file made now carries the time in its zip headers, and the
    # test processes must collect the same names
    ids=["old-doc", "wps", "encrypted", "not-a-zip", "cut-short"],
)
def test_a_document_that_cannot_be_imported_is_said_in_one_sentence(tmp_path, name, data, message):
    root = copy_site(tmp_path / "site", printed=False)
    before = snapshot(root)
    document = tmp_path / name
    document.write_bytes(data)
    result = run_cli(root, "import", str(document))
    assert result.returncode == 8 and result.stdout == ""
    if not message.endswith("再导入"):
        message += "请用 Word 或 WPS 打开它，「另存为」Word 文档（.docx），再导入"
    assert result.stderr == f"{document}: {message}\n"
    assert snapshot(root) == before


def test_a_photo_without_its_caption_line_is_a_placeholder_that_check_and_build_name(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    document = tmp_path / NAME
    document.write_bytes(word_report(captions=False))
    result = run_cli(root, "import", str(document))
    assert result.returncode == 0, result.stderr
    assert "  照片 photo-1.jpg：待填写：照片说明（照片下面没有「图为……」一行，请在 index.md 里写上）\n" in result.stdout
    index = (root / FOLDER / "index.md").read_text(encoding="utf-8")
    assert "\n\n![待填写：照片说明](photo-1.jpg)\n\n![待填写：照片说明](photo-2.jpg)\n\n" in index
    lines = index.split("\n")
    at = [lines.index(f"![待填写：照片说明](photo-{n}.jpg)") + 1 for n in (1, 2)]
    check = run_cli(root, "check", "--no-pdf")
    for n, line in zip((1, 2), at):
        assert f"  - {FOLDER}/index.md:{line}: photo-{n}.jpg：待填写：照片说明\n" in check.stdout
    built = run_cli(root, "build", "--no-pdf")
    assert built.returncode == 0, built.stderr
    assert (
        f"{FOLDER}/index.md:{at[0]}: 注意：照片「photo-1.jpg」的说明还没有写（待填写：照片说明）；"
        "请在 ![ 和 ] 之间写清照片上是什么\n"
    ) in built.stdout


def test_no_document_named_is_said():
    result = run_cli(Path("/nonexistent"), "import")
    assert result.returncode == 2
    assert (
        result.stderr == "请在 import 后面写上要导入的 Word 文档或文件夹，如：python build.py import 区教委-总结.docx\n"
    )


# --- the parts, in process ----------------------------------------------------------------------


def test_a_date_without_its_year_takes_the_campaigns_and_no_date_the_documents():
    lines = [byline.Line("text", "5月15日，区教委组织师生参观节能展览。")]
    found = byline.find(lines, "区教委-参观展览.docx", 2024)
    assert (found.date, found.date_origin) == (
        dt.date(2024, 5, 15),
        "取自正文里的「5月15日」，年份按本届活动的 2024 年",
    )
    assert found.source == byline.Found("区教委", "取自文件名")
    assert found.title == byline.Found("参观展览", "取自文件名（文中没有找到标题）")
    document = docx.Document()
    document.core_properties.modified = dt.datetime(2024, 5, 16, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 17th in Beijing
    document.add_paragraph("区机关事务局组织干部职工绿色出行。")
    out = io.BytesIO()
    document.save(out)
    report = word.read_report(out.getvalue(), "总结.docx", 2024, TODAY)
    assert (report.date, report.date_origin) == (
        dt.date(2024, 5, 17),
        "文中没有写日期，取自 Word 文档属性里的最后修改时间，请核对",
    )
    assert report.source.value == "待填写：报送单位"


def test_a_signature_gives_unit_and_date_and_leaves_the_body():
    lines = [
        byline.Line("heading", "绿色出行活动", title_style=True),
        byline.Line("text", "活动期间，干部职工绿色出行。"),
        byline.Line("text", "区机关事务局"),
        byline.Line("text", "二〇二四年五月十六日"),
    ]
    found = byline.find(lines, "x.docx", 2024)
    assert found.source == byline.Found("区机关事务局", "取自落款「区机关事务局」")
    assert (found.date, found.used) == (dt.date(2024, 5, 16), frozenset({0, 2, 3}))


def test_folder_names_pass_the_slug_rule():
    assert folder_name(dt.date(2024, 5, 15), "区教委开展节能宣传周主题活动") == SLUG
    assert folder_name(dt.date(2024, 5, 15), "“绿色出行”2024 Week活动") == "2024-05-15-lscx-2024-week-hd"
    assert folder_name(dt.date(2024, 5, 15), "！！") == "2024-05-15-baodao"


def test_ten_pages_with_eight_photos_import_every_photo(tmp_path):
    """The size of report the issue times (benchmarks/reports_speed.py gives the seconds)."""
    document = docx.Document()
    document.add_heading("区机关事务局节能宣传周活动总结", level=1)
    document.add_paragraph("2024年5月15日")
    for n in range(8):
        for _ in range(8):  # about ten pages of text in all
            document.add_paragraph("\u3000\u3000" + "节能宣传周期间，全区公共机构开展绿色出行、节约用电等活动。" * 6)
        photo = io.BytesIO()  # a phone photo's size; each its own (Word keeps one copy of the same picture)
        Image.effect_noise((4000, 3000), 40 + n).convert("RGB").save(photo, "JPEG", quality=85)
        document.add_picture(photo, width=Inches(5))
        document.add_paragraph(f"图为第 {n + 1} 项活动现场")
    path = tmp_path / "总结.docx"
    document.save(str(path))
    root = copy_site(tmp_path / "site", printed=False)
    result = run_cli(root, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert len(list((root / "content/news").glob("*/photo-*.jpg"))) == 8


def test_what_a_feed_cannot_carry_is_dropped_from_an_imported_paragraph():
    """Copied from a phone, a number arrives wrapped in direction marks; the build would refuse them."""
    document = docx.Document()
    document.add_heading("区机关事务局开展节能宣传", level=1)
    document.add_paragraph("2024年5月15日")
    document.add_paragraph("咨询电话\u202a67875049\u202c，欢迎来电\u2067。\u2069")
    out = io.BytesIO()
    document.save(out)
    report = word.read_report(out.getvalue(), "总结.docx", 2024, TODAY)
    assert "咨询电话67875049，欢迎来电。" in report.body

"""The editor's forms for the reports and the posters: an existing report opened with its text and
saved with only what changed, a new report from a Word document or with attachments, the
posters' short addresses; every form on a tablet and a laptop screen.

In Chromium against the real `build.py serve` on a throw-away copy, as tests/test_editor.py, plus
in-process tests of how a report's body is shown and written back.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image
from sitecopy import copy_site, run_cli
from test_accessibility import AXE, _axe
from test_editor import _changed_lines, _open_editor
from test_serve import WAIT_MS, Serving, free_port

from campaign.edit import article, forms
from campaign.edit.store import HISTORY

REPORT = "content/news/2024-05-09-huodong-anpai.md"
FOLDER = "content/news/2024-05-12-qixing"
FOLDER_INDEX = """\
---
# 文章标题：最多 80 个字
title: 区机关事务局组织干部职工骑行上班
# 发布日期：格式 2024-05-09
date: 2024-05-12
# 来源：发布单位
source: 重庆市江北区机关事务管理局
---
5月12日，区机关事务局干部职工骑行上班。

![干部职工骑行上班](ride.jpg)

## 下一步

- 每周五绿色出行

![志愿者在停车点讲解](park.jpg)
"""


# --------------------------------------------------------------------------- in process


def test_a_plain_body_is_shown_as_typed_and_a_caption_changed_alone_changes_its_line():
    body = "第一段。\n\n\\- 不是列表\n\n![干部职工骑行上班](ride.jpg)\n\n第二段。\n"
    read = article.read_body(body)
    assert (read.text, read.plain) == ("第一段。\n\n- 不是列表\n\n第二段。", True)
    assert [(p.name, p.caption, p.after) for p in read.photos] == [("ride.jpg", "干部职工骑行上班", 2)]
    assert article.written_body(body, read.text, ["干部职工骑行上班"]) is None
    assert article.written_body(body, read.text, ["骑行_上班"]) == body.replace("![干部职工骑行上班]", "![骑行\\_上班]")
    # a paragraph added at the end: the photo stays after the second paragraph
    assert article.written_body(body, read.text + "\n\n# 第三段", ["干部职工骑行上班"]) == (
        "第一段。\n\n\\- 不是列表\n\n![干部职工骑行上班](ride.jpg)\n\n第二段。\n\n\\# 第三段\n"
    )


def test_a_markdown_body_is_kept_as_written():
    read = article.read_body(FOLDER_INDEX.split("---\n", 2)[2])
    assert not read.plain
    assert read.text == "5月12日，区机关事务局干部职工骑行上班。\n\n## 下一步\n\n- 每周五绿色出行"
    assert [p.caption for p in read.photos] == ["干部职工骑行上班", "志愿者在停车点讲解"]


# --------------------------------------------------------------------------- the real preview


@pytest.fixture
def serving(tmp_path):
    root = copy_site(tmp_path / "project", printed=False)
    folder = root / FOLDER
    folder.mkdir()
    (folder / "index.md").write_text(FOLDER_INDEX, encoding="utf-8")
    for name, colour in (("ride.jpg", "green"), ("park.jpg", "blue")):
        Image.new("RGB", (640, 480), colour).save(folder / name, "JPEG")
    server = Serving(root, free_port())
    yield server
    if server.process.poll() is None:
        server.stop()


def test_an_existing_report_opens_with_its_text_and_saves_only_what_changed(serving, browser):
    file = serving.root / REPORT
    before = file.read_text(encoding="utf-8")
    tab = _open_editor(browser, serving, "news/2024-05-09-huodong-anpai/")
    assert tab.locator("h1").inner_text() == "编辑活动动态"
    assert tab.locator("#f-title").input_value() == "区机关事务局印发2024年全国节能宣传周和全国低碳日活动安排"
    assert tab.locator("#f-date").get_attribute("type") == "date"
    assert tab.locator("#f-date").input_value() == "2024-05-09"
    text = tab.locator("#f-body").input_value()
    assert text.startswith("2024年5月9日，重庆市江北区机关事务管理局发布") and text.count("\n\n") == 3
    assert tab.locator("#markdown-note").count() == 0
    tab.locator("#f-summary").fill("区机关事务局对全区公共机构参加节能宣传周活动作出安排。")
    tab.locator("#f-body").fill(text + "\n\n- 各单位请按时报送")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "news/2024-05-09-huodong-anpai/", timeout=WAIT_MS)
    after = file.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [
        "-summary: 江北区机关事务管理局发布通知，对全区公共机构参加2024年全国节能宣传周和全国低碳日活动作出安排。",
        "+summary: 区机关事务局对全区公共机构参加节能宣传周活动作出安排。",
        "+",
        "+\\- 各单位请按时报送",
    ]
    assert tab.get_by_text("- 各单位请按时报送", exact=True).count() == 1  # as typed, no list
    assert (serving.root / HISTORY / REPORT).is_dir()

    tab.get_by_role("link", name="编辑本页").click()
    tab.get_by_role("button", name="撤销").click()
    tab.wait_for_selector("[role=status]", timeout=WAIT_MS)
    assert file.read_text(encoding="utf-8") == before
    tab.close()


def test_a_report_folder_shows_its_photos_captions_and_its_markdown_as_written(serving, browser):
    file = serving.root / FOLDER / "index.md"
    tab = _open_editor(browser, serving, "news/2024-05-12-qixing/")
    assert tab.locator("#markdown-note").inner_text().startswith("这篇报道的正文用了 Markdown 格式")
    assert (
        tab.locator("#f-body").input_value()
        == "5月12日，区机关事务局干部职工骑行上班。\n\n## 下一步\n\n- 每周五绿色出行"
    )
    assert tab.locator("label[for='f-caption-2']").inner_text() == "照片 park.jpg 的说明"
    tab.locator("#f-caption-2").fill("")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-caption-2-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text().startswith("图片缺少文字说明：请写成 ![骑行上班的干部职工](park.jpg)")
    assert file.read_text(encoding="utf-8") == FOLDER_INDEX, "nothing written"
    tab.locator("#f-caption-2").fill("志愿者在共享单车停车点讲解")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "news/2024-05-12-qixing/", timeout=WAIT_MS)
    assert _changed_lines(FOLDER_INDEX, file.read_text(encoding="utf-8")) == [
        "-![志愿者在停车点讲解](park.jpg)",
        "+![志愿者在共享单车停车点讲解](park.jpg)",
    ]
    assert "志愿者在共享单车停车点讲解" in tab.locator("figcaption").all_inner_texts()
    tab.close()


def test_a_report_changed_on_disk_meanwhile_is_a_conflict(serving, browser):
    file = serving.root / REPORT
    tab = _open_editor(browser, serving, "news/2024-05-09-huodong-anpai/")
    theirs = file.read_text(encoding="utf-8").replace("source: 重庆市江北区机关事务管理局", "source: 江北区机关事务局")
    file.write_text(theirs, encoding="utf-8")
    tab.locator("#f-source").fill("江北区机关事务管理局")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_selector("#conflict", timeout=WAIT_MS)
    rows = tab.locator("#conflict tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children).map(c => c.innerText))"
    )
    assert rows == [["来源", "江北区机关事务局", "江北区机关事务管理局"]]
    assert file.read_text(encoding="utf-8") == theirs
    tab.close()


def test_a_posters_short_address_and_a_poster_are_edited_from_the_posters_page(serving, browser):
    file = serving.root / "content/posters.yaml"
    before = file.read_text(encoding="utf-8")
    tab = _open_editor(browser, serving, "posters/")
    assert tab.locator("h1").inner_text() == "编辑：宣传海报和短地址"
    assert tab.get_by_role("button", name="删除").count() == 0  # a printed code must go on working
    links = tab.locator("input[name^='links.'][name$='.id']").evaluate_all("els => els.map(e => e.value)")
    schedule = links.index("schedule")
    tab.locator(f"#f-links-{schedule}-target").fill("page:home")
    legends = tab.locator("fieldset > legend").all_inner_texts()
    assert "全国低碳日，从我做起" in legends
    ids = tab.locator("input[name^='posters.'][name$='.id']").evaluate_all("els => els.map(e => e.value)")
    pledges = ids.index("pledges")
    assert tab.locator(f"#f-posters-{pledges}-paper").evaluate("e => Array.from(e.options).map(o => o.value)") == [
        "A5",
        "A4",
        "A3",
    ]
    tab.locator(f"#f-posters-{pledges}-paper").select_option("A4")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "posters/", timeout=WAIT_MS)
    assert _changed_lines(before, file.read_text(encoding="utf-8")) == [
        "-    target: page:schedule",
        "+    target: page:home",
        "-    paper: A5",
        "+    paper: A4",
    ]
    assert run_cli(serving.root, "check").returncode == 0
    tab.close()


def test_a_bad_short_address_target_shows_the_builds_message(serving, browser):
    file = serving.root / "content/posters.yaml"
    before = file.read_bytes()
    tab = _open_editor(browser, serving, "posters/")
    tab.locator("#f-links-0-target").fill("livestream:no-such-live")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-links-0-target-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == (
        "target「livestream:no-such-live」指向的 id「no-such-live」在 content/livestreams.yaml 里不存在；"
        "已有的：chuanyu-launch、xinhua-live"
    )
    assert file.read_bytes() == before
    tab.close()


# --------------------------------------------------------------------------- a new report from Word, with attachments


def test_a_word_document_chosen_on_the_new_report_form_is_imported_and_opened_for_checking(serving, browser, tmp_path):
    from test_import import FOLDER as IMPORTED
    from test_import import INDEX, NAME, SAID, word_report

    document = tmp_path / NAME
    document.write_bytes(word_report())
    tab = _open_editor(browser, serving, "news/")
    tab.locator("#f-word").set_input_files(str(document))
    tab.get_by_role("button", name="导入").click()
    tab.wait_for_selector("#imported", timeout=WAIT_MS)
    # what `build.py import` prints, the document's name in place of its path
    assert tab.locator("#imported pre").inner_text() == SAID.format(path=NAME).split("\n\n已导入")[0]
    folder = serving.root / IMPORTED
    assert sorted(p.name for p in folder.iterdir()) == ["index.md", "photo-1.jpg", "photo-2.jpg"]
    assert (folder / "index.md").read_text(encoding="utf-8") == INDEX
    assert tab.locator("#f-title").input_value() == "区教委开展节能宣传周主题活动"
    assert tab.locator("#f-caption-2").input_value() == "图为学生绿色出行"
    assert tab.locator("#markdown-note").count() == 1  # its list and table are Markdown
    tab.locator("#f-caption-2").fill("学生绿色出行")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "news/2024-05-15-qjwkzjnxczzthd/", timeout=WAIT_MS)
    assert _changed_lines(INDEX, (folder / "index.md").read_text(encoding="utf-8")) == [
        "-![图为学生绿色出行](photo-2.jpg)",
        "+![学生绿色出行](photo-2.jpg)",
    ]
    # the same document again: kept as it is
    tab = _open_editor(browser, serving, "news/")
    tab.locator("#f-word").set_input_files(str(document))
    tab.get_by_role("button", name="导入").click()
    message = tab.locator("#f-word-message")
    message.wait_for(timeout=WAIT_MS)
    assert (
        message.inner_text()
        == f"「{NAME}」已经导入过：content/news/2024-05-15-qjwkzjnxczzthd 已经存在，保留原来的，没有改动"
    )
    tab.close()


def test_a_new_reports_attachments_are_size_limited_named_by_the_tool_and_listed(serving, browser, tmp_path):
    from pypdf import PdfWriter

    pdf = tmp_path / "江北区 活动总结（终稿）.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": "李晓红"})
    with open(pdf, "wb") as out:
        writer.write(out)
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + bytes(100))
    big = tmp_path / "报名表.xlsx"
    with open(big, "wb") as out:
        out.truncate(20 * 1024 * 1024 + 1)
    news = serving.root / "content/news"
    before = sorted(p.name for p in news.iterdir())
    tab = _open_editor(browser, serving, "news/")
    tab.locator("#f-title").fill("区机关事务局总结节能宣传周活动")
    tab.locator("#f-date").fill("2024-05-19")
    tab.locator("#f-source").fill("江北区机关事务管理局")
    tab.locator("#f-text").fill("5月19日，节能宣传周活动结束。")
    tab.locator("#f-attachment-1").set_input_files(str(pdf))
    tab.locator("#f-attachment-2").set_input_files(str(program))
    tab.locator("#f-attachment-3").set_input_files(str(big))
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-attachment-2-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == (
        "「setup.exe」不能作为附件：只能选 .pdf、.doc、.docx、.xls、.xlsx、.wps、.et、.zip 文件（PPT 请另存为 PDF）"
    )
    assert tab.locator("#f-attachment-3-message").inner_text().startswith("附件「报名表.xlsx」超过 20 MB")
    assert sorted(p.name for p in news.iterdir()) == before, "nothing written"
    tab.locator("#f-attachment-1").set_input_files(str(pdf))
    tab.locator("#f-attachment-title-1").fill("活动总结")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(re.compile(r".*/news/2024-05-19-[a-z0-9-]+/$"), timeout=WAIT_MS)
    slug = tab.url.rstrip("/").rsplit("/", 1)[-1]
    folder = news / slug
    assert sorted(p.name for p in folder.iterdir()) == ["attachment-1.pdf", "index.md"]
    assert (folder / "attachment-1.pdf").read_bytes() == pdf.read_bytes()
    assert (
        (folder / "index.md")
        .read_text(encoding="utf-8")
        .endswith("5月19日，节能宣传周活动结束。\n\n附件：[活动总结](attachment-1.pdf)\n")
    )
    link = tab.locator("main a[href$='.pdf']")
    assert link.get_attribute("download") == "活动总结.pdf"
    assert re.fullmatch(
        r"附件：\s*活动总结\.pdf（PDF，\d+ KB）",
        link.locator("xpath=ancestor::*[self::p or self::ul or self::div][1]").inner_text().strip(),
    )
    assert run_cli(serving.root, "check").returncode == 0
    tab.close()


# --------------------------------------------------------------------------- screens


@pytest.mark.parametrize("size", [(768, 1024), (1366, 768)], ids=["tablet", "laptop"])
def test_every_form_fits_the_screen_with_no_horizontal_scroll_and_passes_axe(serving, browser, size):
    assert AXE.exists(), "npm ci installs axe-core (tests/run.sh does it)"
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    tab = context.new_page()
    pages = [f"{form}?page=/jnxcz/2024/" for form in forms.FORMS]
    pages += ["news?page=/jnxcz/2024/news/", "news/2024-05-12-qixing?page=/jnxcz/2024/news/2024-05-12-qixing/"]
    outside, problems = {}, {}
    for page in pages:
        tab.goto(f"{serving.origin}/_edit/{page}")
        assert tab.locator("form").count() >= 1
        found = tab.evaluate(
            """width => {
                const out = [];
                if (document.documentElement.scrollWidth > width) out.push('scroll ' + document.documentElement.scrollWidth);
                for (const e of document.querySelectorAll('label, input:not([type=hidden]), select, textarea, button')) {
                    if (e.getAttribute('aria-hidden') === 'true') continue;
                    const r = e.getBoundingClientRect();
                    if (r.left < 0 || r.right > width) out.push((e.id || e.getAttribute('for') || e.innerText) + ' ' + r.right);
                }
                return out;
            }""",
            width,
        )
        if found:
            outside[page] = found
        assert tab.get_by_role("button", name="保存", exact=True).last.is_visible()
        said = _axe(tab)
        if said:
            problems[page] = said
    assert outside == {}
    assert problems == {}
    context.close()

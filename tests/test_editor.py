"""The editor in the preview: forms made from the field declarations, saved through the build's
own checks and written back as found, nothing lost (conflicts, history, 撤销), and nothing taken
from another site (token, origin).

In Chromium against the real `build.py serve` on a throw-away copy, plus in-process tests of
the forms, the round-trip write and the store.
"""

from __future__ import annotations

import difflib
import http.client
import io
import os
import re
import urllib.parse

import pytest
from sitecopy import copy_site, run_cli
from test_accessibility import AXE, _axe
from test_serve import WAIT_MS, Serving, eventually, free_port

from campaign.edit import check, forms
from campaign.edit.page import EditorPages
from campaign.edit.store import HISTORY, Conflict, Store, digest, write_whole
from campaign.errors import Problems
from campaign.load.content import SCHEDULE
from campaign.load.roundtrip import round_trip
from campaign.load.yamltext import parse_yaml
from campaign.model.fields import read_document

LIVESTREAMS = "content/livestreams.yaml"
XINHUA_URL = "https://www.news.cn/live/2024-05-16/"


def _document(root, file):
    return round_trip().load((root / file).read_text(encoding="utf-8"))


def _inputs(form_id, document):
    return {item.name: item for group in forms.groups(forms.FORMS[form_id], document) for item in group.inputs()}


def _dumped(document) -> str:
    out = io.StringIO()
    round_trip().dump(document, out)
    return out.getvalue()


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --------------------------------------------------------------------------- in process


@pytest.fixture
def project(tmp_path):
    return copy_site(tmp_path / "project", printed=False)


def test_a_form_is_made_from_the_declarations(project):
    document = _document(project, LIVESTREAMS)
    inputs = _inputs("livestreams", document)
    xinhua = next(name for name, item in inputs.items() if name.endswith(".id") and item.value == "xinhua-live")
    url = inputs[xinhua.replace(".id", ".url")]
    assert (url.declared.label, url.type, url.required, url.value) == ("网址", "url", False, "")
    assert url.declared.help == "公布后填写，以 https:// 开头；未知时留空"
    announced = inputs[xinhua.replace(".id", ".announce_on")]
    assert (announced.type, announced.value, announced.required) == ("date", "2024-05-13", True)
    events = _inputs("schedule", _document(project, "content/schedule.yaml"))
    assert events["events.0.kind"].kind == "select"
    assert events["events.0.kind"].options == ("发布", "直播", "活动", "截止", "竞赛", "宣传")
    assert events["events.0.start"].type == "time"
    assert events["events.0.hosts"].kind == "lines"
    settings = _inputs("config", _document(project, "config.yaml"))
    assert settings["footer.icp"].pending and settings["footer.icp"].value == "待填写：渝ICP备XXXXXXXX号"
    assert not settings["footer.organiser"].pending

    html = EditorPages().form(
        form=forms.FORMS["config"],
        groups=forms.groups(forms.FORMS["config"], _document(project, "config.yaml")),
        sha256="0" * 64,
        token="t",
        page="/jnxcz/2024/",
        back="/jnxcz/2024/",
        toggle_large="",
        action="/_edit/config",
        undo_action="/_edit/config/undo",
    )
    assert (
        '<label for="f-footer-icp">ICP 备案号 <span class="required">（必填）</span> <span class="pending">待填写</span></label>'
        in html
    )
    assert (
        '<span class="help" id="f-footer-icp-help">格式如“渝ICP备XXXXXXXX号”；尚未取得，暂用“待填写”占位</span>' in html
    )
    assert '<input id="f-base_url" name="base_url" type="url" value="https://www.example.gov.cn/jnxcz/2024/"' in html
    assert re.search(r'<option value="H" selected>H</option>', html)
    assert html.count("<fieldset") == 3  # the settings, the footer, the QR settings


def test_a_pending_date_is_a_text_input_showing_its_placeholder():
    item = forms.Input("start", None, "待填写：开始日期", "date")  # type: ignore[arg-type]
    assert item.pending and item.type == "text"


def test_a_changed_address_changes_its_own_line_only(project):
    before = (project / LIVESTREAMS).read_text(encoding="utf-8")
    document = round_trip().load(before)
    inputs = list(_inputs("livestreams", document).values())
    values = {item.name: item.value for item in inputs} | {"livestreams.1.url": XINHUA_URL}
    assert forms.apply(document, inputs, values) == ["livestreams.1.url"]
    after = _dumped(document)
    assert _changed_lines(before, after) == ["-    url:", f"+    url: {XINHUA_URL}"]


def test_a_key_the_file_leaves_out_is_added_with_its_comment_and_reads_back(project):
    before = (project / "content/schedule.yaml").read_text(encoding="utf-8")
    document = round_trip().load(before)
    inputs = list(_inputs("schedule", document).values())
    values = {"events.0.start": "09:30", "events.0.date": "2024-05-12", "events.1.hosts": "重庆市机关事务管理局\r\n"}
    assert forms.apply(document, inputs, values) == ["events.0.date", "events.0.start", "events.1.hosts"]
    after = _dumped(document)
    assert _changed_lines(before, after) == [
        "-    date: 2024-05-13",
        "+    date: 2024-05-12",
        "+    # 开始时间：24 小时制北京时间，格式 09:30（可不填）",
        "+    start: 09:30",
        "-      - 四川省机关事务管理局",
    ]
    problems = Problems()
    read = read_document(parse_yaml(after, "content/schedule.yaml"), SCHEDULE, problems)
    assert not problems.items
    first = read["events"][0]
    assert (first["date"].isoformat(), first["start"].strftime("%H:%M")) == ("2024-05-12", "09:30")
    assert read["events"][1]["hosts"] == ("重庆市机关事务管理局",)


def test_the_check_says_what_the_build_says(project):
    text = (project / LIVESTREAMS).read_text(encoding="utf-8")
    broken = text.replace(
        "platform: 新华网\n    # 在线收看网址：公布后填写，以 https:// 开头；未知时留空\n    url:",
        "platform: 新华网\n    # 在线收看网址：公布后填写，以 https:// 开头；未知时留空\n    url: www.news.cn/live",
        1,
    )
    assert broken != text
    from campaign.context import make_context

    found = check.problems_with(make_context(project), LIVESTREAMS, broken.encode())
    line = broken.split("\n").index("    url: www.news.cn/live") + 1
    message = "「url」应是以 http:// 或 https:// 开头的网址，这里写的是「www.news.cn/live」"
    assert [(p.file, p.line, p.message) for p in found] == [(LIVESTREAMS, line, message)]
    assert (project / LIVESTREAMS).read_text(encoding="utf-8") == text, "the check writes nothing"
    assert not [p for p in project.iterdir() if p.name.startswith(".edit-check-")]
    (project / LIVESTREAMS).write_text(broken, encoding="utf-8")
    result = run_cli(project)
    assert f"{LIVESTREAMS}:{line}: {message}" in result.stdout + result.stderr


def test_the_store_keeps_each_version_refuses_a_conflict_and_undoes(project):
    store = Store(project)
    original = store.read(LIVESTREAMS)
    store.save(LIVESTREAMS, digest(original), original + b"# one\n")
    store.save(LIVESTREAMS, digest(original + b"# one\n"), original + b"# two\n")
    assert [p.read_bytes() for p in store.versions(LIVESTREAMS)] == [original, original + b"# one\n"]
    assert store.versions(LIVESTREAMS)[0].parent == project / HISTORY / LIVESTREAMS
    with pytest.raises(Conflict) as refused:
        store.save(LIVESTREAMS, digest(original), b"stale")
    assert refused.value.current == original + b"# two\n"
    assert store.undo(LIVESTREAMS, digest(original + b"# two\n"))
    assert store.read(LIVESTREAMS) == original + b"# one\n"
    assert store.undo(LIVESTREAMS, digest(original + b"# one\n"))
    assert store.read(LIVESTREAMS) == original
    assert not store.undo(LIVESTREAMS, digest(original))


def test_an_interrupted_save_leaves_the_old_file_whole(project, monkeypatch):
    path = project / LIVESTREAMS
    original = path.read_bytes()

    def cut(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", cut)
    with pytest.raises(OSError):
        write_whole(path, b"half")
    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_history_is_not_a_source_and_is_ignored_by_git():
    from conftest import REPO

    from campaign.load.source import ignored_name

    assert ignored_name(HISTORY)
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split("\n")
    assert ".history/" in ignored and ".edit-check-*/" in ignored  # what a killed check leaves


# --------------------------------------------------------------------------- the real preview


@pytest.fixture
def serving(tmp_path):
    root = copy_site(tmp_path / "project", printed=False)
    server = Serving(root, free_port())
    yield server
    if server.process.poll() is None:
        server.stop()


def _xinhua_url_field(tab):
    return tab.locator("input[name$='.url']").nth(_xinhua_index(tab))


def _xinhua_index(tab) -> int:
    ids = tab.locator("input[name$='.id']").evaluate_all("els => els.map(e => e.value)")
    return ids.index("xinhua-live")


def _open_editor(browser, serving, page="livestreams/"):
    tab = browser.new_page()
    tab.goto(serving.url + page)
    tab.get_by_role("link", name="编辑本页").click()
    tab.wait_for_selector("form button[type=submit]", timeout=WAIT_MS)
    return tab


def test_the_xinhua_address_filled_in_and_saved_changes_one_line_and_shows(serving, browser):
    file = serving.root / LIVESTREAMS
    before = file.read_text(encoding="utf-8")
    tab = _open_editor(browser, serving)
    assert tab.locator("h1").inner_text() == "编辑：直播收看与资料下载"
    field = _xinhua_url_field(tab)
    assert field.get_attribute("type") == "url"
    field.fill(XINHUA_URL)
    tab.get_by_role("button", name="保存").click()
    tab.wait_for_url(serving.url + "livestreams/", timeout=WAIT_MS)
    after = file.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["-    url:", f"+    url: {XINHUA_URL}"]
    comments = [line for line in before.split("\n") if line.lstrip().startswith("#")]
    assert comments == [line for line in after.split("\n") if line.lstrip().startswith("#")]
    assert tab.locator(f"a[href='{XINHUA_URL}']").count() >= 1
    tab.close()


def test_a_bad_address_shows_the_builds_message_beside_the_field_and_writes_nothing(serving, browser):
    file = serving.root / LIVESTREAMS
    before = file.read_bytes()
    tab = _open_editor(browser, serving)
    field = _xinhua_url_field(tab)
    field.fill("www.news.cn/live")
    tab.get_by_role("button", name="保存").click()
    message = tab.locator(f"#{field.get_attribute('id')}-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == "「url」应是以 http:// 或 https:// 开头的网址，这里写的是「www.news.cn/live」"
    assert _xinhua_url_field(tab).input_value() == "www.news.cn/live"  # what was typed stays
    assert _xinhua_url_field(tab).get_attribute("aria-invalid") == "true"
    assert tab.locator("#problems h2").inner_text() == "发现 1 处问题，没有保存"
    assert file.read_bytes() == before
    assert not (serving.root / HISTORY).exists()
    tab.close()


def test_a_change_made_on_disk_meanwhile_is_a_conflict_never_overwritten(serving, browser):
    file = serving.root / LIVESTREAMS
    tab = _open_editor(browser, serving)
    text = file.read_text(encoding="utf-8")
    theirs = text.replace("platform: 新华网", "platform: 新华网客户端", 1)
    file.write_text(theirs, encoding="utf-8")  # Notepad, while the form is open
    _xinhua_url_field(tab).fill(XINHUA_URL)
    tab.get_by_role("button", name="保存").click()
    tab.wait_for_selector("#conflict", timeout=WAIT_MS)
    assert file.read_text(encoding="utf-8") == theirs
    rows = tab.locator("#conflict tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children).map(c => c.innerText))"
    )
    index = _xinhua_index(tab)
    assert [f"平台（livestreams.{index}.platform）", "新华网客户端", "新华网"] in rows
    assert [f"网址（livestreams.{index}.url）", "", XINHUA_URL] in rows
    # the form now holds the disk's version with the clerk's values: saved again on purpose,
    # it writes the clerk's values over the file as it is now
    assert _xinhua_url_field(tab).input_value() == XINHUA_URL
    tab.get_by_role("button", name="保存").click()
    tab.wait_for_url(serving.url + "livestreams/", timeout=WAIT_MS)
    assert f"url: {XINHUA_URL}" in file.read_text(encoding="utf-8")
    tab.close()


def test_undo_puts_back_the_previous_bytes(serving, browser):
    file = serving.root / LIVESTREAMS
    before = file.read_bytes()
    tab = _open_editor(browser, serving)
    _xinhua_url_field(tab).fill(XINHUA_URL)
    tab.get_by_role("button", name="保存").click()
    tab.wait_for_url(serving.url + "livestreams/", timeout=WAIT_MS)
    assert file.read_bytes() != before
    tab.get_by_role("link", name="编辑本页").click()
    tab.get_by_role("button", name="撤销").click()
    tab.wait_for_selector("[role=status]", timeout=WAIT_MS)
    assert tab.locator("[role=status]").inner_text() == f"已撤销：{LIVESTREAMS} 恢复为上一次保存前的样子。"
    assert file.read_bytes() == before
    assert _xinhua_url_field(tab).input_value() == ""
    eventually(lambda: tab.goto(serving.url + "livestreams/") and tab.locator(f"a[href='{XINHUA_URL}']").count() == 0)
    tab.close()


def _post(serving, fields: dict[str, str], headers: dict[str, str]):
    connection = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=30)
    try:
        body = urllib.parse.urlencode(fields)
        connection.request(
            "POST",
            "/_edit/livestreams",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_post_without_the_token_or_from_another_origin_is_refused_and_writes_nothing(serving, browser):
    file = serving.root / LIVESTREAMS
    before = file.read_bytes()
    tab = _open_editor(browser, serving)
    token = tab.locator("input[name=_token]").input_value()
    fields = {
        "_sha256": digest(before),
        "_page": "/jnxcz/2024/livestreams/",
        f"livestreams.{_xinhua_index(tab)}.url": XINHUA_URL,
    }
    tab.close()
    own = {"Origin": serving.origin}
    assert _post(serving, fields, own)[0] == 403  # no token
    assert _post(serving, {**fields, "_token": token + "x"}, own)[0] == 403
    assert _post(serving, {**fields, "_token": token}, {"Origin": "http://evil.example"})[0] == 403
    assert _post(serving, {**fields, "_token": token}, {"Referer": "http://evil.example/page"})[0] == 403
    assert _post(serving, {**fields, "_token": token}, {})[0] == 403  # neither Origin nor Referer
    assert _post(serving, {**fields, "_token": token}, {**own, "Host": "evil.example"})[0] == 403
    assert file.read_bytes() == before
    assert not (serving.root / HISTORY).exists()
    # the same request from the preview's own page is accepted
    assert _post(serving, {**fields, "_token": token}, own)[0] == 303
    assert f"url: {XINHUA_URL}" in file.read_text(encoding="utf-8")


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_the_forms_pass_axe_and_work_with_the_keyboard(serving, browser, large):
    assert AXE.exists(), "npm ci installs axe-core (tests/run.sh does it)"
    tab = browser.new_page(bypass_csp=True)  # axe is injected as a script, which the editor forbids
    problems = {}
    for form in [*forms.FORMS, "news"]:  # and the new report's
        tab.goto(f"{serving.origin}/_edit/{form}?page=/jnxcz/2024/" + ("&large=1" if large else ""))
        assert tab.evaluate("document.documentElement.classList.contains('large-text')") == large
        found = _axe(tab)
        if found:
            problems[form] = found
    assert problems == {}
    tab.close()
    # from the page, by keyboard only: the link, then field after field, then Enter
    tab = browser.new_page()
    tab.goto(serving.url + "livestreams/" + ("?mode=large" if large else ""))
    tab.get_by_role("link", name="编辑本页").focus()
    tab.keyboard.press("Enter")
    tab.wait_for_selector("form button[type=submit]", timeout=WAIT_MS)
    assert tab.evaluate("document.documentElement.classList.contains('large-text')") == large  # as the page was
    target = _xinhua_url_field(tab).get_attribute("id")
    for _ in range(200):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.id") == target:
            break
    assert tab.evaluate("document.activeElement.id") == target
    tab.keyboard.type(XINHUA_URL)
    tab.keyboard.press("Enter")
    tab.wait_for_url(serving.url + "livestreams/", timeout=WAIT_MS)
    assert f"url: {XINHUA_URL}" in (serving.root / LIVESTREAMS).read_text(encoding="utf-8")
    tab.close()


# --------------------------------------------------------------------------- the schedule's entries


def test_an_entry_moved_keeps_its_heading_and_moved_back_is_the_file_again(project):
    from campaign.edit.lists import rearrange

    before = (project / "content/schedule.yaml").read_text(encoding="utf-8")
    document = round_trip().load(before)
    count = len(document["events"])
    rearrange(document, "events", [1, 0, *range(2, count)], [])
    moved = _dumped(document)
    lines = moved.split("\n")
    at = lines.index("  - id: chuanyu-launch-ceremony")
    assert lines[at - 3 : at] == ["events:", "  # —— 5月14日：川渝启动仪式 ——", "  # id：短名称，不能重复"]
    at = lines.index("  - id: address-announcement")
    assert lines[at - 3 : at] == [
        "",
        "  # —— 5月13日：公布网址 ——",
        "  # 短名称：只用小写英文字母、数字和连字符“-”，不能重复",
    ]
    document = round_trip().load(moved)
    rearrange(document, "events", [1, 0, *range(2, count)], [])
    assert _dumped(document) == before
    rearrange(document, "events", list(range(count - 1)), [])
    removed = _dumped(document)
    assert "report-deadline" not in removed and removed.endswith("- 重庆市公共机构节能网\n") is False
    problems = Problems()
    read_document(parse_yaml(removed, "content/schedule.yaml"), SCHEDULE, problems)
    assert (
        not problems.items and len(read_document(parse_yaml(removed, "x"), SCHEDULE, problems)["events"]) == count - 1
    )


def _schedule_ids(root):
    return [item["id"] for item in _document(root, "content/schedule.yaml")["events"]]


def test_a_schedule_entry_is_added_checked_moved_and_removed(serving, browser):
    file = serving.root / "content/schedule.yaml"
    ids = _schedule_ids(serving.root)
    tab = _open_editor(browser, serving, "schedule/")
    tab.get_by_role("link", name="添加一项日程").click()
    new = len(ids)
    tab.locator(f"#f-events-{new}-id").fill("energy-talk")
    tab.locator(f"#f-events-{new}-title").fill("节能知识讲座")
    tab.locator(f"#f-events-{new}-kind").select_option("活动")
    tab.locator(f"#f-events-{new}-date").fill("2024-05-17")
    tab.locator(f"#f-events-{new}-start").fill("09:30")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator(f"#f-events-{new}-summary-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == "缺少「summary」，这一项必须填写"
    assert _schedule_ids(serving.root) == ids, "nothing written"
    tab.locator(f"#f-events-{new}-summary").fill("区机关事务局举办节能知识讲座。")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "schedule/", timeout=WAIT_MS)
    assert _schedule_ids(serving.root) == [*ids, "energy-talk"]
    text = file.read_text(encoding="utf-8")
    assert text.endswith(
        "\n\n  # —— 节能知识讲座 ——\n  # 短名称：只用小写英文字母、数字和连字符“-”，不能重复\n  - id: energy-talk\n"
        "    # 标题：活动的名称\n    title: 节能知识讲座\n"
        "    # 类别：发布、直播、活动、截止、竞赛、宣传 之一\n    kind: 活动\n"
        "    # 日期：格式 2024-05-13；跨多天的写第一天\n    date: 2024-05-17\n"
        "    # 开始时间：24 小时制北京时间，格式 09:30（可不填）\n    start: 09:30\n"
        "    # 摘要：一句话说明这项活动\n    summary: 区机关事务局举办节能知识讲座。\n"
    )
    assert tab.get_by_role("link", name="节能知识讲座").count() >= 1
    tab.goto(serving.url + "events/energy-talk/")
    assert tab.locator("h1").inner_text() == "节能知识讲座"

    tab = _open_editor(browser, serving, "schedule/")
    tab.get_by_role("button", name="上移「节能知识讲座」").click()
    tab.wait_for_selector("[role=status]", timeout=WAIT_MS)
    assert _schedule_ids(serving.root) == [*ids[:-1], "energy-talk", ids[-1]]
    tab.get_by_role("button", name="删除「节能知识讲座」").click()
    tab.wait_for_selector("[role=status]", timeout=WAIT_MS)
    assert _schedule_ids(serving.root) == ids
    tab.close()


def test_a_page_with_front_matter_is_edited_its_body_too(serving, browser):
    file = serving.root / "content/contact.md"
    before = file.read_text(encoding="utf-8")
    tab = _open_editor(browser, serving, "contact/")
    assert tab.locator("h1").inner_text() == "编辑：联系与报送"
    assert tab.locator("#f-phone").input_value() == "67875049"
    assert tab.locator("label[for='f-body']").inner_text() == "正文 （必填）"
    tab.locator("#f-email").fill("jgswj@")
    tab.locator("#f-phone").fill("67875050")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-email-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == "「email」应是电子邮箱地址，如 name@example.com，这里写的是「jgswj@」"
    assert file.read_text(encoding="utf-8") == before
    tab.locator("#f-email").fill("jgswj@example.com")
    body = tab.locator("#f-body")
    body.fill(body.input_value() + "\n\n报送后请电话确认。")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(serving.url + "contact/", timeout=WAIT_MS)
    after = file.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [
        '-phone: "67875049"',
        '+phone: "67875050"',  # its quotes kept
        "-email: 375917720@qq.com",
        "+email: jgswj@example.com",
        "+",
        "+报送后请电话确认。",
    ]
    assert tab.get_by_text("报送后请电话确认。").count() == 1
    tab.close()


# --------------------------------------------------------------------------- a new report


def _photo(path, colour):
    from PIL import Image

    Image.new("RGB", (640, 480), colour).save(path, "JPEG")
    return path


def test_a_new_report_with_two_photos_and_captions_becomes_a_folder_that_builds(serving, browser, tmp_path):
    first, second = _photo(tmp_path / "IMG_0001.JPG", "green"), _photo(tmp_path / "微信图片 2.jpg", "blue")
    tab = _open_editor(browser, serving, "news/")
    assert tab.locator("h1").inner_text() == "新建一篇活动动态"
    tab.locator("#f-title").fill("区教委开展节能宣传周活动")
    tab.locator("#f-date").fill("2024-05-14")
    tab.locator("#f-source").fill("江北区教育委员会")
    tab.locator("#f-text").fill("5月14日，区教委开展节能宣传活动。\n\n- 这一行不是列表\n# 也不是标题")
    tab.locator("#f-photo-1").set_input_files(str(first))
    tab.locator("#f-photo-2").set_input_files(str(second))
    tab.locator("#f-caption-1").fill("干部职工观看节能宣传展板")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-caption-2-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text().startswith("图片缺少文字说明：请写成 ![骑行上班的干部职工](photo-2.jpg)")
    news = serving.root / "content/news"
    before = sorted(p.name for p in news.iterdir())
    tab.locator("#f-photo-1").set_input_files(str(first))  # chosen again: a browser keeps no file
    tab.locator("#f-photo-2").set_input_files(str(second))
    tab.locator("#f-caption-2").fill("志愿者讲解节能知识")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    tab.wait_for_url(re.compile(r".*/news/2024-05-14-[a-z0-9-]+/$"), timeout=WAIT_MS)
    slug = tab.url.rstrip("/").rsplit("/", 1)[-1]
    assert sorted(p.name for p in news.iterdir()) == sorted([*before, slug])
    folder = news / slug
    assert sorted(p.name for p in folder.iterdir()) == ["index.md", "photo-1.jpg", "photo-2.jpg"]
    assert (folder / "photo-2.jpg").read_bytes() == second.read_bytes()
    index = (folder / "index.md").read_text(encoding="utf-8")
    assert index.endswith(
        "5月14日，区教委开展节能宣传活动。\n\n\\- 这一行不是列表\n\\# 也不是标题\n\n"
        "![干部职工观看节能宣传展板](photo-1.jpg)\n\n![志愿者讲解节能知识](photo-2.jpg)\n"
    )
    assert tab.locator("h1").inner_text() == "区教委开展节能宣传周活动"
    assert tab.locator("figure:has(img[src*='photo-']) figcaption").all_inner_texts() == [
        "干部职工观看节能宣传展板",
        "志愿者讲解节能知识",
    ]
    assert "- 这一行不是列表" in tab.locator("main").inner_text()
    result = run_cli(serving.root, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    tab.close()


def test_a_file_that_is_no_photo_is_refused_and_nothing_is_written(serving, browser, tmp_path):
    page = tmp_path / "页面.html"
    page.write_text("<script>alert(1)</script>", encoding="utf-8")
    news = serving.root / "content/news"
    before = sorted(p.name for p in news.iterdir())
    tab = _open_editor(browser, serving, "news/")
    tab.locator("#f-title").fill("一篇报道")
    tab.locator("#f-date").fill("2024-05-14")
    tab.locator("#f-source").fill("江北区机关事务管理局")
    tab.locator("#f-text").fill("正文。")
    tab.locator("#f-photo-1").set_input_files(str(page))
    tab.locator("#f-caption-1").fill("说明")
    tab.get_by_role("button", name="保存", exact=True).last.click()
    message = tab.locator("#f-photo-1-message")
    message.wait_for(timeout=WAIT_MS)
    assert message.inner_text() == "「页面.html」不是照片：只能选 .jpg、.jpeg、.png、.webp、.heic、.heif、.hif 文件"
    assert sorted(p.name for p in news.iterdir()) == before
    tab.close()


def test_the_built_site_has_no_editor(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert pages
    assert [
        p for p in pages if "编辑本页" in p.read_text(encoding="utf-8") or "/_edit/" in p.read_text(encoding="utf-8")
    ] == []

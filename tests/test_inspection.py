"""The government website inspection in `build.py check`, and its gate on publish and package.

One fixture per rule: copy the real project, break one thing, run the command line (in this
process, `sitecopy.run_cli`; publishing's refusal in a real one, for its exit code) and assert
the exact finding, file and line (computed from the text the test changed). Outside
addresses are only ever tried on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.server
import re
import socket
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
from sitecopy import (
    copy_site,
    decide_address,
    insert_after,
    key_line,
    line_of,
    read,
    replace_line,
    run_build,
    run_cli,
    write,
)

from campaign.ship.publish import verify

AS_OF = "2024-05-14T09:00"
RULES = "content/inspection.yaml"
NEWS = "content/news/2024-05-09-huodong-anpai.md"
VETO_EXIT = 5


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_site(tmp_path_factory.mktemp("pristine") / "site")


@pytest.fixture
def root(tmp_path) -> Path:
    return copy_site(tmp_path / "site")


def check(root: Path, *args: str, as_of: str = AS_OF):
    result = run_cli(root, "check", "--as-of", as_of, *args)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def last_line(text: str) -> int:
    return len(text.split("\n")) - (1 if text.endswith("\n") else 0)


def append_to_news(root: Path, line: str) -> int:
    """Add a paragraph to the shipped news article; returns its line number."""
    text = read(root, NEWS).rstrip("\n") + "\n\n" + line + "\n"
    write(root, NEWS, text)
    return last_line(text)


def section(stdout: str, title: str) -> str:
    """The report's block for one rule, found by its title."""
    for block in stdout.split("\n\n"):
        if title in block.split("\n", 1)[0]:
            return block
    raise AssertionError(f"no section {title!r} in:\n{stdout}")


# --- the shipped site --------------------------------------------------------------------------


def test_shipped_content_passes_and_lists_footer_placeholders(pristine):
    result = check(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "政府网站检查：未发现会单项否决或扣分的问题。" in result.stdout
    assert result.stdout.rstrip("\n").split("\n")[-1] == "检查结论：合格。"
    config = read(pristine, "config.yaml")
    for key, label in (("site_code", "网站标识码"), ("icp", "ICP备案号"), ("police", "公安机关备案号")):
        line = key_line(config, f"  {key}:")
        assert f"config.yaml:{line}: {label}尚未填写（待填写" in result.stdout, key
    assert "待填写（不影响本次检查结果，正式上线前须补齐）：3 处" in result.stdout


def test_html_report_is_kept_outside_the_site_deterministic_and_escaped(root):
    append_to_news(root, "全国低炭日。")
    text = read(root, "content/notice.md")
    line = key_line(text, "doc_no:")
    write(root, "content/notice.md", replace_line(text, line, "doc_no: 工作通知<script>2024</script>11号"))
    check(root)
    report = root / "reports" / "inspection-2024-05-14.html"
    first = report.read_bytes()
    check(root)
    assert report.read_bytes() == first
    page = first.decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "「低炭日」应为「低碳日」" in page and "【单项否决】严重表述错误、严重错别字" in page
    assert not (root / "output").exists()


# --- wording -----------------------------------------------------------------------------------


def test_wrong_form_in_markdown_is_a_veto(root):
    line = append_to_news(root, "各单位积极参与全国低炭日活动。")
    result = check(root)
    assert result.returncode == VETO_EXIT
    assert f"{NEWS}:{line}: 「低炭日」应为「低碳日」" in result.stdout
    assert "【单项否决】严重表述错误、严重错别字：发现 1 处问题" in result.stdout
    # the verdict is the last line, and nothing before it says the check passed
    assert result.stdout.rstrip("\n").split("\n")[-1] == "检查结论：不合格：1 处单项否决，不能发布。"
    assert "通过" not in result.stdout
    page = (root / "reports" / "inspection-2024-05-14.html").read_text(encoding="utf-8")
    assert "通过" not in page
    verdicts = re.findall(r"<p><strong>(检查结论：[^<]*)</strong></p>", page)
    assert verdicts == ["检查结论：不合格：1 处单项否决，不能发布。"] * 2  # at the top and as the last word
    assert page.rstrip().endswith(
        "<p><strong>检查结论：不合格：1 处单项否决，不能发布。</strong></p>\n</body>\n</html>"
    )


def test_wrong_forms_in_yaml_values_and_templates_but_not_comments_or_keys(root):
    name = "content/campaign.yaml"
    text = read(root, name)
    ongoing = key_line(text, "  - 开展绿色出行活动")
    text = replace_line(text, ongoing, "  - 开展绿色出行活动，推动碳达锋和公共机购节能。")
    intro = key_line(text, "  2024年5月13日至19日")
    text = insert_after(text, intro, "\n  区机关事物管理局倡议绿色低炭生活。")
    text = insert_after(text, 1, "# 说明里的低炭日不显示在网站上")
    write(root, name, text)
    template = "templates/quiz.html"
    page = read(root, template)
    facts = line_of(page, '<dl class="facts">')
    write(root, template, insert_after(page, facts, "  <p>碳中合知识问答</p>"))
    out = check(root).stdout
    edited = read(root, name)
    first = line_of(edited, "碳达锋")
    second = line_of(edited, "机关事物管理局", start=3)
    assert f"{name}:{first}: 「碳达锋」应为「碳达峰」" in out
    assert f"{name}:{first}: 「公共机购」应为「公共机构」" in out
    assert f"{name}:{second}: 「机关事物管理局」应为「机关事务管理局」" in out
    assert f"{name}:{second}: 「低炭」应为「低碳」" in out
    assert f"{template}:{facts + 1}: 「碳中合」应为「碳中和」" in out
    assert f"{name}:2:" not in out


def test_half_width_punctuation_between_chinese_costs_points(root):
    name = "content/campaign.yaml"
    text = read(root, name)
    line = key_line(text, "    slogan: 绿色转型，节能攻坚", 1)
    write(root, name, replace_line(text, line, "    slogan: 绿色转型,节能攻坚"))
    news_line = append_to_news(root, "活动很成功!请大家参与(自愿)。")
    result = check(root, "--no-pdf")  # the slogan is on every poster: no need to print them again
    assert result.returncode == 0, "punctuation costs points, it does not fail the check"
    assert f"{name}:{line}: 「,」应为全角「，」" in result.stdout
    assert f"{NEWS}:{news_line}: 「!」应为全角「！」" in result.stdout
    assert f"{NEWS}:{news_line}: 「(」应为全角「（」" in result.stdout
    assert f"{NEWS}:{news_line}: 「)」应为全角「）」" not in result.stdout  # 「)。」: not between
    assert "【扣分】中文标点误用半角：发现 3 处问题" in result.stdout


def test_new_wrong_form_added_to_content_is_reported(root):
    rules = read(root, RULES)
    write(root, RULES, rules.rstrip("\n") + "\n  - wrong: 节能宣传日\n    right: 节能宣传周\n")
    line = append_to_news(root, "本次节能宣传日活动圆满结束。")
    result = check(root)
    assert f"{NEWS}:{line}: 「节能宣传日」应为「节能宣传周」" in result.stdout
    assert result.returncode == VETO_EXIT


def test_rule_title_and_category_come_from_content(root):
    rules = read(root, RULES)
    title = key_line(rules, "    title: 严重表述错误、严重错别字")
    rules = replace_line(rules, title, "    title: 错别字（测试改名）")
    write(root, RULES, rules.replace("    category: 单项否决", "    category: 扣分", 1))
    append_to_news(root, "全国低炭日。")
    result = check(root)
    assert "【扣分】错别字（测试改名）：发现 1 处问题" in result.stdout
    assert result.returncode == 0, "no longer a 单项否决, so the check passes"


def test_a_mistake_in_the_rules_file_points_at_its_line(root):
    rules = read(root, RULES)
    line = key_line(rules, "    category: 扣分")
    write(root, RULES, replace_line(rules, line, "    category: 扣一分"))
    result = check(root)
    assert result.returncode == 1
    assert f"{RULES}:{line}: 「category」只能写" in result.stderr


# --- links -------------------------------------------------------------------------------------


def test_broken_markdown_link_and_anchor_point_at_their_lines(root):
    page = "news/2024-05-09-huodong-anpai/"
    bad = append_to_news(root, "[查看日程](../../schedul/)")
    anchor = append_to_news(root, "[直播](../../livestreams/#h-nope)")
    good = append_to_news(root, "[资料下载](../../livestreams/#h-downloads)")
    result = check(root)
    assert result.returncode == VETO_EXIT
    assert f"{NEWS}:{bad}: 链接「../../schedul/」指向的页面不存在（出现在 {page}）" in result.stdout
    assert (
        f"{NEWS}:{anchor}: 链接「../../livestreams/#h-nope」指向的页面上没有「#h-nope」这个位置（出现在 {page}）"
    ) in result.stdout
    assert f"{NEWS}:{good}:" not in result.stdout


def test_broken_link_in_a_yaml_text_block(root):
    name = "content/campaign.yaml"
    text = read(root, name)
    line = key_line(text, "  2024年5月13日至19日") + 2
    write(root, name, insert_after(text, line - 2, "\n  [完整日程](schedule/) 和 [旧日程](old-schedule/)"))
    result = check(root)
    assert f"{name}:{line}: 链接「old-schedule/」指向的页面不存在（出现在 首页）" in result.stdout
    assert "「schedule/」" not in result.stdout


def test_broken_template_link_points_at_the_template_line(root):
    template = "templates/contact.html"
    page = read(root, template)
    line = line_of(page, "<h1>") + 1
    write(root, template, insert_after(page, line - 1, "<p><a href=\"{{ url('contcat/') }}\">联系</a></p>"))
    result = check(root)
    assert result.returncode == VETO_EXIT
    assert f"{template}:{line}: 链接「../contcat/」指向的页面不存在（出现在 contact/）" in result.stdout


# --- dates, empty sections, freshness ------------------------------------------------------------


def test_page_without_publication_date(root):
    template = "templates/pledges.html"
    page = read(root, template)
    write(root, template, page.replace('<p class="updated">发布时间：{{ page.updated | cn_date }}</p>\n', ""))
    result = check(root)
    assert result.returncode == 0, "a missing date costs points only"
    assert f"{template}: 页面「全国低碳日绿色低碳倡议」（pledges/）没有显示发布时间" in result.stdout
    assert "【扣分】信息未标注发布时间：发现 1 处问题" in result.stdout


def test_empty_news_section_is_an_error(root):
    (root / NEWS).unlink()
    result = check(root)
    assert result.returncode == VETO_EXIT
    assert (
        "content/news/: 「活动动态」栏目没有任何内容（共 1 个空白栏目，达到 5 个即单项否决）；请补上内容后再发布"
    ) in result.stdout


def test_empty_section_threshold_comes_from_content(root):
    rules = read(root, RULES)
    write(root, RULES, rules.replace("    threshold: 5", "    threshold: 1"))
    (root / NEWS).unlink()
    result = check(root)
    assert "（共 1 个空白栏目，已达到 1 个，网站将被直接判定为不合格）" in result.stdout
    assert result.stdout.rstrip("\n").split("\n")[-1] == "检查结论：不合格：1 处单项否决，不能发布。"


def test_an_empty_section_below_the_threshold_is_one_rule_one_threshold(root):
    """Below the threshold an empty section is no 单项否决, and nothing says it is; it must still be filled."""
    (root / NEWS).unlink()
    result = check(root)
    assert result.returncode == VETO_EXIT  # not publishable as it is
    assert "政府网站检查：0 处会导致单项否决（网站直接不合格），1 处须在发布前改正，1 处会被扣分。" in result.stdout
    assert "处会导致单项否决" not in result.stdout.replace("0 处会导致单项否决", "")
    assert result.stdout.rstrip("\n").split("\n")[-1] == "检查结论：暂不能发布：1 处须在发布前改正（见上面各条）。"


def test_stale_news_during_the_campaign(root):
    text = read(root, NEWS)
    line = key_line(text, "date:")
    write(root, NEWS, replace_line(text, line, "date: 2024-05-01"))
    result = check(root, as_of="2024-05-19T09:00")
    assert result.returncode == VETO_EXIT
    assert (
        f"{NEWS}:{line}: 「活动动态」最新一条信息发布于 2024年5月1日，到检查日 2024年5月19日 已 18 天，超过 14 天未更新"
    ) in result.stdout
    assert "「首页」最新一条" not in result.stdout  # the notice of 5月9日 is newer than 14 days
    assert "首页栏目信息超过 2 周未更新" in section(result.stdout, "首页栏目长期未更新")
    after = check(root, as_of="2024-06-30")
    assert "「活动动态」最新一条" not in after.stdout, "only during the campaign"


def test_freshness_title_and_threshold_come_from_content(root):
    rules = read(root, RULES)
    rules = rules.replace("    title: 首页栏目长期未更新", "    title: 首页更新（测试）")
    write(root, RULES, rules.replace("    threshold: 14", "    threshold: 3"))
    result = check(root)
    notice_line = key_line(read(root, "content/notice.md"), "published:")
    assert "【单项否决】首页更新（测试）：发现 2 处问题" in result.stdout
    assert (
        f"content/notice.md:{notice_line}: 「首页」最新一条信息发布于 2024年5月9日，到检查日 "
        "2024年5月14日 已 5 天，超过 3 天未更新"
    ) in result.stdout


# --- document metadata and footer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc_no", ["工作通知[2024]11号", "工作通知(2024)11号", "工作通知【2024】11号", "工作通知〔24〕11号"]
)
def test_document_number_needs_hexagonal_brackets_and_full_year(root, doc_no):
    name = "content/notice.md"
    text = read(root, name)
    line = key_line(text, "doc_no:")
    write(root, name, replace_line(text, line, f"doc_no: {doc_no}"))
    result = check(root)
    assert f"{name}:{line}: 发文字号「{doc_no}」不规范：年份应写全四位、用六角括号〔〕括入" in result.stdout


def test_index_number_and_dates(root):
    name = "content/notice.md"
    text = read(root, name)
    index = key_line(text, "index_no:")
    text = replace_line(text, index, "index_no: 11500105747493800/2024-4")
    written = key_line(text, "written:")
    write(root, name, replace_line(text, written, "written: 2024-05-10"))
    out = check(root).stdout
    assert f"{name}:{index}: 索引号「11500105747493800/2024-4」格式不对" in out
    assert f"{name}:{written}: 成文日期（2024年5月10日）晚于发布日期（2024年5月9日），请核对" in out


def test_footer_numbers_checked_once_filled_in(root):
    text = read(root, "config.yaml")
    values = {"site_code": "5001050001", "icp": "渝ICP备1234号", "police": "渝公网安备 50010502000123号"}
    lines = {}
    for key, value in values.items():
        lines[key] = key_line(text, f"  {key}:")
        text = replace_line(text, lines[key], f"  {key}: {value}")
    write(root, "config.yaml", text)
    out = check(root).stdout
    assert f"config.yaml:{lines['icp']}: ICP备案号「渝ICP备1234号」格式不对，应写成「渝ICP备12345678号」这样" in out
    assert f"config.yaml:{lines['site_code']}:" not in out.split("政府网站检查（")[1]
    assert f"config.yaml:{lines['police']}:" not in out.split("政府网站检查（")[1]
    assert "尚未填写" not in out


# --- publish and package -------------------------------------------------------------------------


def test_publish_refuses_a_site_with_a_typo_and_records_an_override(root, tmp_path):
    decide_address(root)
    line = append_to_news(root, "全国低炭日。")
    dest = tmp_path / "srv"
    refused = run_build(root, "publish", str(dest), "--no-pdf", "--as-of", AS_OF)
    assert refused.returncode == 4
    assert f"{NEWS}:{line}: 「低炭日」应为「低碳日」" in refused.stderr
    assert "--ignore-inspection" in refused.stderr and not (dest / "current").exists()
    done = run_cli(root, "publish", str(dest), "--no-pdf", "--as-of", AS_OF, "--ignore-inspection")
    assert done.returncode == 0, done.stderr
    release = dest / "current"
    manifest = (release / "MANIFEST.sha256").read_text(encoding="utf-8").split("\n")
    assert manifest[0] == "# inspection overridden (--ignore-inspection): 1 处问题"
    assert manifest[1] == f"# {NEWS}:{line}: 「低炭日」应为「低碳日」"
    verify(release.resolve())
    subprocess.run(
        ["sha256sum", "--check", "--quiet", "--strict", "MANIFEST.sha256"], cwd=release, check=True, timeout=120
    )


def test_package_refuses_and_overrides(root, tmp_path):
    decide_address(root)
    (root / NEWS).unlink()
    archive = tmp_path / "site.zip"
    refused = run_cli(root, "package", str(archive), "--no-pdf", "--as-of", AS_OF)
    assert refused.returncode == 4 and "空白栏目" in refused.stderr and not archive.exists()
    done = run_cli(root, "package", str(archive), "--no-pdf", "--as-of", AS_OF, "--ignore-inspection")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(archive) as z:
        manifest = z.read("MANIFEST.sha256").decode("utf-8").split("\n")
        assert manifest[0].startswith("# inspection overridden")
        for entry in manifest[2:]:
            if entry:
                digest, name = entry.split("  ", 1)
                assert hashlib.sha256(z.read(name)).hexdigest() == digest


def test_clean_site_publishes_without_a_note(pristine, tmp_path):
    dest = tmp_path / "srv"
    decided = decide_address(copy_site(tmp_path / "site", source=pristine))
    done = run_cli(decided, "publish", str(dest), "--no-pdf", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert not (dest / "current" / "MANIFEST.sha256").read_text(encoding="utf-8").startswith("#")


# --- outside addresses, tried only on 127.0.0.1 ---------------------------------------------------


class _OkOr404(http.server.BaseHTTPRequestHandler):
    def _answer(self, body: bool) -> None:
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OkOr404)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """A proxy set in the environment must not see requests meant for 127.0.0.1."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


def test_outside_addresses_listed_by_host_and_tried_online(root, local_server):
    host = local_server.removeprefix("http://")
    append_to_news(root, f"[正常]({local_server}/ok) [失效]({local_server}/missing)")
    offline = check(root)
    assert offline.returncode == 0
    assert f"  {host}\n    - {local_server}/missing\n    - {local_server}/ok" in offline.stdout
    assert "未实际访问；加 --online 可逐个试打开" in offline.stdout
    online = check(root, "--online")
    assert f"    - {local_server}/ok：可以打开（HTTP 200）" in online.stdout
    assert f"    - {local_server}/missing：打不开（HTTP 404）" in online.stdout
    assert f"外部网址: 「{local_server}/missing」打不开（HTTP 404）" in online.stdout
    assert online.returncode == VETO_EXIT


def test_online_without_network_is_a_clear_bounded_report(root):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused = f"http://127.0.0.1:{closed.getsockname()[1]}/live"
    closed.close()
    silent = socket.socket()  # accepts connections, never answers: a hanging server
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    hanging = f"http://127.0.0.1:{silent.getsockname()[1]}/slow"
    rules = read(root, RULES)
    write(root, RULES, re.sub(r"online_timeout_seconds: \d+", "online_timeout_seconds: 1", rules))
    append_to_news(root, f"[直播]({refused}) [资料]({hanging})")
    started = time.monotonic()
    try:
        result = check(root, "--online")
    finally:
        silent.close()
    assert time.monotonic() - started < 60
    assert f"    - {refused}：未能检查（连接被拒绝（对方服务器没有开放））" in result.stdout
    assert re.search(re.escape(hanging) + r"：未能检查（(等待超时|超过 1 秒没有回应)", result.stdout)
    assert "全部外部网址都没能连上：本机可能没有联网（或需要代理）" in result.stdout
    assert result.returncode == 0, "an unreachable address is not a finding"


def test_an_empty_news_section_can_be_left_out_of_the_site(tmp_path):
    """With hide_empty_sections: 是, an empty 活动动态 is neither a finding nor a page or menu entry."""
    import subprocess
    import sys

    from conftest import REPO
    from sitecopy import copy_site

    root = copy_site(tmp_path / "site")
    for news in (root / "content/news").glob("*.md"):
        news.unlink()

    def run(*args):
        return subprocess.run(
            [sys.executable, str(REPO / "build.py"), *args, "--root", str(root), "--as-of", "2024-05-14T09:00"],
            capture_output=True,
            text=True,
            timeout=300,
        )

    shown = run("check", "--no-pdf")
    assert shown.returncode == VETO_EXIT, shown.stdout + shown.stderr
    assert "Traceback" not in shown.stderr
    assert (
        "  - content/news/: 「活动动态」栏目没有任何内容（共 1 个空白栏目，达到 5 个即单项否决）；请补上内容后再发布\n"
    ) in shown.stdout
    config = root / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("hide_empty_sections: 否", "hide_empty_sections: 是"),
        encoding="utf-8",
    )
    hidden = run("check", "--no-pdf")
    assert hidden.returncode == 0, hidden.stdout + hidden.stderr
    assert "活动动态」栏目没有任何内容" not in hidden.stdout
    assert run("--no-pdf").returncode == 0
    out = root / "output"
    assert not (out / "news").exists() and not (out / "feed.xml").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "活动动态" not in home and "feed.xml" not in home

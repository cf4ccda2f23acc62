"""The wording and punctuation checks judge what ships, and still name the line to change.

A report dated after the build's day is not on the site (`pipeline.hold_back_future_reports`),
a template branch not taken and a YAML comment are not either: a slip there must not fail today's
`check` nor stop `package`. On the report's day, or once the branch is shown, the same slip is
named at its file and line. The command line runs in this process (`sitecopy.run_cli`) on a copy
of the real project; the shipped-text lookups are tested alone at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sitecopy import copy_site, decide_address, exact_line, insert_after, key_line, read, run_cli, write

from campaign.inspection.shipped import Quote, ShippedText

AS_OF = "2024-05-14T09:00"
ITS_DAY = "2024-05-20T09:00"
NEWS = "content/news/2024-05-09-huodong-anpai.md"
LATER = "content/news/2024-05-20-huigu.md"
SLIPS = "各单位积极参与全国低炭日活动,效果良好。"
REPORT = f"---\ntitle: 全国低炭日活动回顾\ndate: 2024-05-20\nsource: 江北区机关事务管理局\n---\n{SLIPS}\n"
REPORT_TITLE, REPORT_BODY = 2, 6
WORDING = "【单项否决】严重表述错误、严重错别字"
PUNCTUATION = "【扣分】中文标点误用半角"
VETO_EXIT = 5


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> str:
    """What `check` says of the untouched project: the inspection part of its report."""
    return inspection(check(copy_site(tmp_path_factory.mktemp("clean") / "site", printed=False)).stdout)


@pytest.fixture
def root(tmp_path) -> Path:
    return copy_site(tmp_path / "site", printed=False)


def check(root: Path, as_of: str = AS_OF):
    result = run_cli(root, "check", "--no-pdf", "--as-of", as_of)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def inspection(stdout: str) -> str:
    """The government website inspection, without the path the HTML report was saved to."""
    return stdout.split("\n政府网站检查（", 1)[1].split("\n检查报告已保存到", 1)[0]


def findings(stdout: str, heading: str) -> list[str]:
    """The findings listed under one rule, as the clerk reads them."""
    block = next(block for block in stdout.split("\n\n") if block.startswith(heading))
    return [line for line in block.split("\n") if line.startswith("  - ")]


def append_to_news(root: Path, line: str) -> int:
    text = read(root, NEWS).rstrip("\n") + "\n\n" + line + "\n"
    write(root, NEWS, text)
    return len(text.split("\n")) - 1


# --- a report dated after the build's day --------------------------------------------------------


def test_a_slip_in_a_report_held_back_for_a_later_day_fails_nothing_today(root, clean):
    write(root, LATER, REPORT)
    result = check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert inspection(result.stdout) == clean
    assert f"  - {LATER}:3: 「全国低炭日活动回顾」的日期是 2024年5月20日 星期一" in result.stdout


def test_the_same_report_on_its_day_is_named_at_its_lines(root):
    write(root, LATER, REPORT)
    result = check(root, ITS_DAY)
    assert result.returncode == VETO_EXIT
    assert findings(result.stdout, WORDING) == [
        f"  - {LATER}:{REPORT_TITLE}: 「低炭日」应为「低碳日」",
        f"  - {LATER}:{REPORT_BODY}: 「低炭日」应为「低碳日」",
    ]
    assert findings(result.stdout, PUNCTUATION) == [f"  - {LATER}:{REPORT_BODY}: 「,」应为全角「，」"]


def test_a_held_back_report_is_not_read_even_when_a_shipped_one_says_the_same(root):
    """The slip ships, in today's report: only that report's line is named."""
    write(root, LATER, REPORT)
    line = append_to_news(root, SLIPS)
    result = check(root)
    assert result.returncode == VETO_EXIT
    assert findings(result.stdout, WORDING) == [f"  - {NEWS}:{line}: 「低炭日」应为「低碳日」"]
    assert findings(result.stdout, PUNCTUATION) == [f"  - {NEWS}:{line}: 「,」应为全角「，」"]


def test_package_ships_a_site_whose_only_slip_waits_for_its_day(root, tmp_path):
    decide_address(root)
    write(root, LATER, REPORT)
    archive = tmp_path / "site.zip"
    done = run_cli(root, "package", str(archive), "--no-pdf", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert archive.is_file()
    refused = run_cli(root, "package", str(tmp_path / "later.zip"), "--no-pdf", "--as-of", ITS_DAY)
    assert refused.returncode == 4
    assert f"{LATER}:{REPORT_TITLE}: 「低炭日」应为「低碳日」" in refused.stderr


# --- text no page shows --------------------------------------------------------------------------


def test_a_slip_in_a_yaml_comment_is_not_a_finding(root, clean):
    name = "content/campaign.yaml"
    text = read(root, name)
    write(root, name, insert_after(text, key_line(text, "intro:") - 1, "# 说明：全国低炭日,写法见通知"))
    news = read(root, NEWS)
    write(root, NEWS, insert_after(news, key_line(news, "title:") - 1, "# 全国低炭日,不显示在网站上"))
    result = check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert inspection(result.stdout) == clean


def test_a_slip_in_a_template_branch_not_shown_is_named_only_once_it_shows(root):
    template = "templates/news_list.html"
    line = exact_line(read(root, template), "<p>暂无活动动态。</p>")
    write(root, template, read(root, template).replace("<p>暂无活动动态。</p>", "<p>暂无低炭日活动动态,敬请期待。</p>"))
    shipped = append_to_news(root, "全国低炭日。")  # the same slip on a page that ships
    shown = check(root)
    assert findings(shown.stdout, WORDING) == [f"  - {NEWS}:{shipped}: 「低炭日」应为「低碳日」"]
    assert findings(shown.stdout, PUNCTUATION) == []
    (root / NEWS).unlink()  # no report: the list says 暂无…
    empty = check(root)
    assert findings(empty.stdout, WORDING) == [f"  - {template}:{line}: 「低炭日」应为「低碳日」"]
    assert findings(empty.stdout, PUNCTUATION) == [f"  - {template}:{line}: 「,」应为全角「，」"]


# --- the shipped text, alone ---------------------------------------------------------------------


def test_a_quote_holds_the_running_text_around_its_slip():
    text = "见[通知](a.md)：各单位积极参与全国低炭日活动,效果良好"
    start = text.index("低炭日")
    assert Quote.within(text, start, start + 3) == Quote("参与全国", "低炭日", "活动")
    comma = text.index(",")
    assert Quote.within(text, comma, comma + 1) == Quote("炭日活动", ",", "效果良好")
    link = text.index("通知")  # a run ends at anything ASCII: Markdown's brackets, a space
    assert Quote.within(text, link, link + 2) == Quote("", "通知", "")
    assert Quote.within("低炭 日", 0, 2) == Quote("", "低炭", "")


def test_shipped_text_holds_a_quote_only_with_its_own_context():
    shipped = ShippedText(
        {
            "news/a/index.html": "<p>主题：<strong>全国低炭日</strong>活动</p>".encode(),
            "calendar/week.ics": "SUMMARY:节能宣传周,开幕\r\n".encode(),
            "assets/site.css": "/* 暂无低炭日 */".encode(),
        }
    )
    assert shipped.holds(Quote("全国", "低炭日", ""))
    assert shipped.holds(Quote("", "低炭日", ""))
    assert shipped.holds(Quote("", "低炭", "日"))
    assert not shipped.holds(Quote("暂无", "低炭日", ""))  # only in a stylesheet, which no one reads
    # a tag between: no source line writes this run on that page
    assert not shipped.holds(Quote("全国", "低炭日", "活动"))
    assert shipped.holds(Quote("宣传周", ",", "开幕"))
    assert not shipped.holds(Quote("", "碳中合", ""))

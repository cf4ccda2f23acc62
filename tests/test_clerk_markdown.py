"""Markdown written the way a clerk writes it, text pasted from Word: what a reader gets.

A photo's line glued to the text above and below, paragraphs indented with spaces, a tab or
full-width spaces, line breaks in the middle of Chinese sentences. Each is built in this process
from a throw-away copy of the project and asserted as the exact HTML on the page.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sitecopy import EDITION, copy_site, line_of, read, run_cli, write

SLUG = "2024-05-15-qixing"
INDEX = f"content/news/{SLUG}/index.md"
SCHEDULE = "content/schedule.yaml"
AS_OF = "2024-05-15T10:00"

REPORT = """---
title: 区机关事务局开展绿色出行活动
date: 2024-05-15
source: 区机关事务局
summary: 干部职工骑行上班，践行绿色出行。
---
5月15日，区机关事务局干部职工骑行上班，践行
绿色出行。
![图为干部职工骑行上班](ride.jpg)
活动结束后，大家在**节能
宣传周**展板前合影。

    四个空格缩进的一段：节能降碳，
    人人有责。

　　全角空格缩进的一段：绿色低碳，美丽中国。

\tTab 缩进的一段。

The energy
saving week.

- 第一项：收看
  直播
- 第二项：绿色出行
"""


def photo(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 60)).save(out, "JPEG", quality=80)
    return out.getvalue()


def build(root: Path) -> str:
    """The build's stderr; it must succeed."""
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    """The report's page, built from the report above."""
    root = copy_site(tmp_path_factory.mktemp("clerk") / "site", printed=False)
    write(root, INDEX, REPORT)
    (root / INDEX).with_name("ride.jpg").write_bytes(photo())
    build(root)
    return read(root, f"output/{EDITION}/news/{SLUG}/index.html")


def test_a_photo_glued_to_the_text_above_and_below_is_a_captioned_figure(page):
    assert (
        "<p>5月15日，区机关事务局干部职工骑行上班，践行绿色出行。</p>\n"
        '<figure class="photo"><img src="ride-800.jpg" width="800" height="600" alt="图为干部职工骑行上班" '
        'loading="lazy" decoding="async"><figcaption>图为干部职工骑行上班</figcaption></figure>\n'
        "<p>活动结束后，大家在<strong>节能宣传周</strong>展板前合影。</p>\n"
    ) in page


def test_indented_paragraphs_are_paragraphs_not_code(page):
    assert "<p>四个空格缩进的一段：节能降碳，人人有责。</p>\n" in page
    assert "<p>全角空格缩进的一段：绿色低碳，美丽中国。</p>\n" in page
    assert "<p>Tab 缩进的一段。</p>\n" in page
    assert "<pre" not in page and "<code" not in page


def test_a_line_break_between_chinese_characters_is_no_space_between_latin_words_it_is(page):
    assert "<p>The energy\nsaving week.</p>" in page
    assert "<ul>\n<li>第一项：收看直播</li>\n<li>第二项：绿色出行</li>\n</ul>" in page


def test_messages_point_at_the_line_as_written(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    text = REPORT.replace("![图为干部职工骑行上班](ride.jpg)", "![图为干部职工骑行上班](xianchang.jpg)")
    write(root, INDEX, text)
    (root / INDEX).with_name("ride.jpg").write_bytes(photo())
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 1
    at = line_of(text, "xianchang.jpg")
    assert f"{INDEX}:{at}: 找不到文件 content/news/{SLUG}/xianchang.jpg：" in result.stderr


def test_a_yaml_markdown_field_is_read_the_same_way(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    text = read(root, SCHEDULE)
    written = "      当天公布以下网址：\n"
    assert written in text
    write(root, SCHEDULE, text.replace(written, "      　　当天公布\n      以下网址：\n", 1))
    build(root)
    event = read(root, f"output/{EDITION}/events/address-announcement/index.html")
    assert "<p>当天公布以下网址：</p>" in event


@pytest.mark.parametrize(
    "text, html",
    [
        ("“节能”\n“宣传”", "<p>“节能”“宣传”</p>"),  # quotes on both sides, Chinese beyond them
        ("“energy”\n“saving”", "<p>“energy”\n“saving”</p>"),
        ("节能  \n宣传", "<p>节能<br>\n宣传</p>"),  # two spaces at the end: a line break, kept
        ("节能\n2024年", "<p>节能\n2024年</p>"),
        ("![骑行](1.jpg)\n![合影](2.jpg)", '<p><img alt="骑行" src="1.jpg">\n<img alt="合影" src="2.jpg"></p>'),
        ("上文\n![骑行](IMG (1).jpg)\n下文", '<p>上文</p>\n<p><img alt="骑行" src="IMG (1).jpg"></p>\n<p>下文</p>'),
        ("照片 ![骑行](1.jpg) 在句中", '<p>照片 <img alt="骑行" src="1.jpg"> 在句中</p>'),
        ("    - 缩进的列表\n        - 子项", "<ul>\n<li>缩进的列表<ul>\n<li>子项</li>\n</ul>\n</li>\n</ul>"),
        ("　　- 全角缩进的列表\n　　- 第二项", "<ul>\n<li>全角缩进的列表</li>\n<li>第二项</li>\n</ul>"),
        ("```\n<script>x</script>\n```", "<p><code>&lt;script&gt;x&lt;/script&gt;</code></p>"),
    ],
)
def test_the_engine_reads_what_a_clerk_means(text, html):
    from campaign.load.markup import Engines

    assert Engines().convert(text) == html

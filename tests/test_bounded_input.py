"""Input that must be refused at its line in seconds, never crash or stall a build (issue 27).

Three kinds, each generated here: nesting and numbers too big for the parsers (YAML nested
40,000 deep overflowed libyaml's stack and killed the process; 5,000 digits were a traceback),
Markdown whose conversion time grows with the square or cube of a run (emphasis, escapes,
entities, autolinks, rules, tiny paragraphs, tables), and characters a feed or a file system
cannot carry (surrogates, noncharacters, controls, bidirectional controls), written directly,
as YAML escapes or as Markdown character references.

Builds and checks run in this process (`run_cli`), one copy of the project per module; only
the nesting that used to kill the process runs as a real process. Times are measured only as a
guard against the quadratic blow-up: each bound is generous, far above what a refusal takes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sitecopy import copy_site, key_line, line_of, read, run_build, run_cli, write

from campaign.errors import ContentError
from campaign.load.markup import Engines
from campaign.load.source import paragraph_limit
from campaign.load.yamltext import parse_yaml

NEWS = "content/news/2024-05-14-bounds.md"
REPORT = "---\ntitle: {title}\ndate: 2024-05-14\nsource: 江北区机关事务管理局\n---\n{body}\n"
BODY_LINE = 6  # the line of REPORT its body starts on
SECONDS = 5.0  # a refusal takes well under a second; the inputs below took 20 s to minutes
MEGABYTE = 990_000  # just under the 1 MB a content file may have


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_site(tmp_path_factory.mktemp("bounds") / "project", printed=False)


@pytest.fixture
def fresh(site: Path):
    """The module's copy, with the files a test changes put back afterwards."""
    kept = {name: read(site, name) for name in ("config.yaml", "content/pledges.yaml", "content/schedule.yaml")}
    yield site
    for name, text in kept.items():
        write(site, name, text)
    (site / NEWS).unlink(missing_ok=True)


def refusal(root: Path, *args: str) -> tuple[str, float]:
    """(stderr, seconds) of a command that must refuse the content: exit code 1, no traceback."""
    started = time.monotonic()
    result = run_cli(root, *args)
    took = time.monotonic() - started
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr, took


def assert_refused(root: Path, where: str, message: str, *commands: tuple[str, ...]) -> None:
    for command in commands or (("build", "--no-pdf"),):
        stderr, took = refusal(root, *command)
        assert f"{where}: {message}" in stderr.splitlines(), stderr
        assert took < SECONDS, f"{command} took {took:.1f} s"


def report(root: Path, body: str, title: str = "报道") -> None:
    (root / NEWS).write_bytes(REPORT.format(title=title, body=body).encode("utf-8"))


def filled(unit: str) -> str:
    """`unit` repeated to just under a megabyte."""
    return unit * (MEGABYTE // len(unit.encode("utf-8")))


# --- item 3: nesting and numbers ------------------------------------------------------------------

DEPTH = "内容嵌套的层次太多（列表或缩进套了超过 50 层），不像是要写的内容；请检查是否误粘贴了大量「[」「-」或空格"


def test_forty_thousand_brackets_are_refused_by_a_real_build_not_a_crash(tmp_path):
    root = copy_site(tmp_path / "project", printed=False)
    pledges = read(root, "content/pledges.yaml")
    write(root, "content/pledges.yaml", pledges + "deep: " + "[" * 40_000 + "\n")
    started = time.monotonic()
    result = run_build(root, "--no-pdf")
    assert time.monotonic() - started < 30  # a real process: Python's start-up included
    assert result.returncode == 1, (result.returncode, result.stderr)  # it was -11 (SIGSEGV, 139 in a shell)
    assert "Traceback" not in result.stderr
    assert f"content/pledges.yaml:{pledges.count(chr(10)) + 1}: {DEPTH}" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: " + "[" * 40_000, 2),
        ("a: 1\nb: " + "{x: " * 40_000, 2),
        ("a:\n" + "".join(" " * depth + "- \n" for depth in range(0, 120, 2)), 51),  # the 51st level
        ('a: "\\uD800"\nb: ' + "[" * 40_000, 2),  # libyaml refuses the escape; Python's parser reads on
    ],
    ids=["brackets", "braces", "indentation", "after-an-escape-libyaml-refuses"],
)
def test_yaml_nested_past_fifty_is_refused_at_the_line_it_gets_there(text, line):
    started = time.monotonic()
    with pytest.raises(ContentError) as error:
        parse_yaml(text, "content/x.yaml")
    assert time.monotonic() - started < SECONDS
    assert str(error.value) == f"content/x.yaml:{line}: {DEPTH}"


def test_fifty_levels_are_still_read():
    node = parse_yaml("a: " + "[" * 49 + "x" + "]" * 49 + "\n", "content/x.yaml")
    assert node.mapping["a"].is_list


def test_a_number_of_five_thousand_digits_is_refused_with_the_range(fresh):
    config = read(fresh, "config.yaml")
    line = key_line(config, "news_per_page:")
    lines = config.split("\n")
    lines[line - 1] = "news_per_page: " + "9" * 5000
    write(fresh, "config.yaml", "\n".join(lines))
    message = "「news_per_page」应是 1 到 100 之间的整数，这里写的数有 5000 位，太大了"
    assert_refused(fresh, f"config.yaml:{line}", message, ("build", "--no-pdf"), ("check",))


def test_leading_zeros_do_not_make_a_number_too_big(fresh):
    config = read(fresh, "config.yaml")
    line = key_line(config, "news_per_page:")
    lines = config.split("\n")
    lines[line - 1] = "news_per_page: " + "0" * 5000 + "101"
    write(fresh, "config.yaml", "\n".join(lines))
    message = f"「news_per_page」应是 1 到 100 之间的整数，这里写的是「{'0' * 5000}101」"
    assert_refused(fresh, f"config.yaml:{line}", message)


# --- item 4: Markdown that took minutes -----------------------------------------------------------


def paragraph_message(char: str, limit: int) -> str:
    return (
        f"这一段里的「{char}」太多（超过 {limit} 个），网站生成会非常慢；请检查是否误粘贴了大量符号，或把这一段拆成几段"
    )


def file_message(char: str, count: int, limit: int) -> str:
    return f"这里的「{char}」太多（{count} 个，最多 {limit} 个），网站生成会非常慢；请检查是否误粘贴了大量符号"


BREAKS = "这一段里的标题或分隔线太多（超过 50 个，中间没有空行），网站生成会非常慢；请在每个标题、分隔线的前后各空一行"
PARAGRAPHS = "正文的段落太多（超过 10000 段），网站生成会非常慢；请检查是否误粘贴了大量空行，或把文章分成几篇"


def _counted(unit: str, char: str, limit: int) -> tuple[str, int, str]:
    body = filled(unit)
    return body, BODY_LINE, file_message(char, body.count(char), limit)


def _table(body: str) -> tuple[str, int, str]:
    return (
        body,
        BODY_LINE,
        (
            f"这里的表格太大（「|」共 {body.count('|')} 个，最多 20000 个），网站生成会非常慢；"
            "请把表格拆成几个小表，或作为附件（Excel 或 PDF）发布"
        ),
    )


SLOW_BODIES = {
    # the issue's own cases, each a megabyte (126 KB of the first took 20 s, growing with the square)
    "nested-emphasis": lambda: _counted("*a **b ", "*", 5000),
    "nested-underscores": lambda: _counted("_a __b ", "_", 2000),
    "backslashes": lambda: _counted("\\", "\\", 2000),
    "ampersands": lambda: _counted("&", "&", 5000),
    "entities": lambda: _counted("&#x41;", "&", 5000),
    "autolinks": lambda: _counted("<https://www.ggj.gov.cn/> ", "<", 2000),
    "mail-autolinks": lambda: _counted("<a@b.cd> ", "<", 2000),
    # a paragraph at a time, under the file's limits
    "emphasis-in-one-paragraph": lambda: ("节能。\n\n" + "*a **b " * 334, BODY_LINE + 2, paragraph_message("*", 1000)),
    "underscores-in-one-paragraph": lambda: ("节能。\n\n" + "_a __b " * 67, BODY_LINE + 2, paragraph_message("_", 200)),
    "backslashes-in-one-paragraph": lambda: ("节能。\n\n" + "\\*" * 201, BODY_LINE + 2, paragraph_message("\\", 200)),
    "entities-in-one-paragraph": lambda: (
        "节能。\n\n" + "&#x41;\n" * 501,
        BODY_LINE + 502,
        paragraph_message("&", 500),
    ),
    "autolinks-in-one-paragraph": lambda: (
        "节能。\n\n" + "<a@b.cd>\n" * 201,
        BODY_LINE + 202,
        paragraph_message("<", 200),
    ),
    # the block parser: rules, headings, underlined headings without blank lines, tiny paragraphs
    "rules": lambda: ("---\n" * 1000, BODY_LINE + 50, BREAKS),
    "underlined-headings": lambda: ("a\n---\n" * 1000, BODY_LINE + 101, BREAKS),
    "headings": lambda: ("# a\n" * 1000, BODY_LINE + 50, BREAKS),
    "tiny-paragraphs": lambda: (filled("a\n\n"), BODY_LINE + 20000, PARAGRAPHS),
    "mixed-line-ends": lambda: (filled("a\r\n\r"), BODY_LINE + 20000, PARAGRAPHS),
    "big-table": lambda: _table("|甲|乙|\n|-|-|\n" + filled("|节能|降碳|\n")),
    "list-nested-too-deep": lambda: (
        "".join("    " * depth + "- 一项\n" for depth in range(60)),
        BODY_LINE + 51,
        "这一行前面的空格太多（204 个，最多 200 个），列表套的层次太深；请删去行首多余的空格",
    ),
}


@pytest.mark.parametrize("case", SLOW_BODIES, ids=list(SLOW_BODIES))
def test_markdown_that_stalled_a_build_is_refused_at_its_line_in_seconds(fresh, case):
    body, line, message = SLOW_BODIES[case]()
    (fresh / NEWS).write_bytes(REPORT.format(title="报道", body=body).encode("utf-8"))  # CR kept as written
    assert_refused(fresh, f"{NEWS}:{line}", message)


def test_a_paragraph_too_costly_inside_a_yaml_text_is_refused_at_its_line():
    text = "a: 1\nb: |\n  正文\n\n  " + "_a __b " * 67 + "\n"
    with pytest.raises(ContentError) as error:
        parse_yaml(text, "content/x.yaml")
    assert str(error.value) == f"content/x.yaml:5: {paragraph_message('_', 200)}"


FILLER = "节能降碳绿色发展，"
WITHIN_LIMITS = {
    # as costly as each limit lets a megabyte be: all must convert in about a second
    "underscores": "\n\n".join(["_a __b " * 66] * 9 + [FILLER * 10] * (MEGABYTE // 280)),
    "emphasis": "\n\n".join(["*a **b " * 333] * 5 + [FILLER * 10] * (MEGABYTE // 280)),
    "escapes-in-one-long-paragraph": ("\\*" + FILLER * 150) * 199,
    "entities-in-one-long-paragraph": ("&#x41;" + FILLER * 70) * 499,
    "rules-and-headings": "\n\n".join(["# 标题\n段落\n---"] * 666 + [FILLER * 10] * (MEGABYTE // 300)),
    "paragraphs": "\n\n".join([FILLER] * 10_000),
    "table": "|甲|乙|\n|-|-|\n" + "|节能|降碳|\n" * 6_600 + "\n" + "\n\n".join([FILLER * 10] * (MEGABYTE // 300)),
}


@pytest.mark.parametrize("case", WITHIN_LIMITS, ids=list(WITHIN_LIMITS))
def test_markdown_within_the_limits_converts_fast(case):
    text = WITHIN_LIMITS[case]
    assert len(text.encode("utf-8")) < 1_000_000 * 1.1
    started = time.monotonic()
    assert paragraph_limit(text) is None
    Engines().convert(text)
    assert time.monotonic() - started < SECONDS


# --- item 5: characters a feed or a file system cannot carry --------------------------------------

ESCAPED = "这里的引号里用反斜杠写出了{kind}；请删去这个「\\」转义"
DIRECT = "这一行有{kind}，多半是从别的软件复制时带进来的；请删去这一行里多余的空白后重新输入，再保存"
SURROGATE = "半个字符的编码（U+D800），不是完整的字，网页和订阅都无法保存"
NONCHARACTER = "不是文字的特殊编码（U+{code}），网页和订阅（feed.xml）都无法容纳"
BIDI = "看不见的文字方向控制符（U+{code}），会让标题、名称或链接文字显示的顺序与所写的不同"


@pytest.mark.parametrize(
    ("escape", "kind"),
    [
        ("\\uFFFE", NONCHARACTER.format(code="FFFE")),
        ("\\uFFFF", NONCHARACTER.format(code="FFFF")),
        ("\\uFDD0", NONCHARACTER.format(code="FDD0")),
        ("\\U0001FFFE", NONCHARACTER.format(code="1FFFE")),
        ("\\uD800", SURROGATE),
        ("\\u202E", BIDI.format(code="202E")),
        ("\\u2066", BIDI.format(code="2066")),
        ("\\e", "看不见的控制字符（U+001B）"),
    ],
    ids=["fffe", "ffff", "fdd0", "plane-1", "surrogate", "rlo", "lri", "escape-char"],
)
def test_an_escaped_character_in_a_news_title_is_refused_by_build_and_check(fresh, escape, kind):
    report(fresh, "正文。", title=f'"标题{escape}尾"')
    message = ESCAPED.format(kind=kind)
    assert_refused(fresh, f"{NEWS}:2", message, ("build", "--no-pdf"), ("check",))


def test_a_surrogate_in_the_site_title_is_a_message_not_a_traceback(fresh):
    config = read(fresh, "config.yaml")
    line = key_line(config, "title:")
    lines = config.split("\n")
    lines[line - 1] = 'title: "江北区\\uD800节能宣传周"'
    write(fresh, "config.yaml", "\n".join(lines))
    assert_refused(fresh, f"config.yaml:{line}", ESCAPED.format(kind=SURROGATE), ("build", "--no-pdf"), ("check",))


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\ufffe", NONCHARACTER.format(code="FFFE")),
        ("\U0010ffff", NONCHARACTER.format(code="10FFFF")),
        ("\u202a", BIDI.format(code="202A")),
        ("\u202e", BIDI.format(code="202E")),
        ("\u2069", BIDI.format(code="2069")),
    ],
    ids=["fffe", "plane-16", "lre", "rlo", "pdi"],
)
def test_a_character_written_directly_is_refused_at_its_line(fresh, char, kind):
    schedule = read(fresh, "content/schedule.yaml")
    title = "title: 2024年川渝地区公共机构节能宣传周活动启动仪式"
    line = line_of(schedule, title)
    write(fresh, "content/schedule.yaml", schedule.replace(title, title.replace("启动", f"启动{char}"), 1))
    assert_refused(fresh, f"content/schedule.yaml:{line}", DIRECT.format(kind=kind))


def test_a_character_in_a_markdown_body_is_refused_at_its_line(fresh):
    report(fresh, "第一段。\n\n第二段，电话\u202a67875049\u202c。")
    assert_refused(fresh, f"{NEWS}:{BODY_LINE + 2}", DIRECT.format(kind=BIDI.format(code="202A")))


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("&#xFFFE;", NONCHARACTER.format(code="FFFE")),
        ("&#65535;", NONCHARACTER.format(code="FFFF")),
        ("&#1;", "看不见的控制字符（U+0001）"),
        ("&#x202E;", BIDI.format(code="202E")),
    ],
    ids=["hex", "decimal", "control", "bidi"],
)
def test_a_character_reference_in_a_markdown_body_is_refused_at_its_line(fresh, reference, kind):
    report(fresh, f"第一段。\n\n第二段{reference}。")
    assert_refused(fresh, f"{NEWS}:{BODY_LINE + 2}", f"「{reference}」写出的是{kind}；请删去它")


def test_ordinary_references_and_characters_still_build(fresh):
    report(fresh, "节能&amp;降碳&#x41;&#8212;，阿拉伯文\u200f不受影响。", title='"标题\\u00A0尾"')
    result = run_cli(fresh, "build", "--no-pdf")
    assert result.returncode == 0, result.stderr

"""What `new-edition` writes into the sources: the clerk's files as they were, but for what resets.

Every comment (top-level, indented, in lists) stays above the same key; every line of a value
that does not reset stays byte for byte; a file saved by Notepad with a BOM and CRLF keeps both;
and the new edition builds, `check` listing its placeholders. The pages it makes are
test_editions.py's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sitecopy import copy_site, line_of, read, run_cli

LATER = "2025-03-01T10:00"  # before the 2025 week, the 2024 one long over
ARCHIVED = "editions/2024"
# Every YAML text of the shipped sources; of a Markdown file, its front matter.
SOURCES = (
    "config.yaml",
    "content/campaign.yaml",
    "content/schedule.yaml",
    "content/livestreams.yaml",
    "content/pledges.yaml",
    "content/quiz.yaml",
    "content/posters.yaml",
    "content/inspection.yaml",
    "content/notice.md",
    "content/contact.md",
)
# What is to change, as paths ("themes[0].slogan"): a value reset, or a list's items (with their
# comments) replaced; a path stands for everything below it. All else must stay byte for byte.
RESET = {
    "config.yaml": r"title|short_title|description|base_url|footer\.contact",
    "content/campaign.yaml": r"title|intro|themes\[\d\]\.(slogan|start|end)|focus|ongoing\[\d\]",
    "content/schedule.yaml": r"events",
    "content/livestreams.yaml": r"(livestreams|downloads)\[\d\]\.(title|platform|url|announce_on|announce_where)",
    "content/pledges.yaml": r"date|intro|pledges\[0\]\.(title|text)|pledges\[[1-9]\]",  # the first: an example
    "content/quiz.yaml": r"period|url|how|prize|description|image",
    "content/posters.yaml": r"posters\[\d\]\.(headline|text)",
    "content/inspection.yaml": r"(?!)",  # the inspection rules carry over whole
    "content/notice.md": r"title|index_no|doc_no|written|published|source_url",
    "content/contact.md": r"people\[\d\]|phone|email|deadline",
}
# What new-edition adds below the emptied schedule: how to fill it in.
NOTE = (
    "\n"
    f"# 2025年的日程还没有填写：照 {ARCHIVED}/content/schedule.yaml 的写法，\n"
    "# 把上面的“events: []”改成“events:”，在下面逐项写明通知里的每项活动。\n"
)


KEY = re.compile(r"^( *)(- )?([A-Za-z_][A-Za-z0-9_]*):(?: |$)")
ITEM = re.compile(r"^( *)- ")


def _yaml_of(name: str, text: str) -> str:
    if not name.endswith(".md"):
        return text
    lines = text.split("\n")
    assert lines[0] == "---"
    return "\n".join(lines[1 : lines.index("---", 1)]) + "\n"


def _owned_lines(text: str) -> list[tuple[str, str, str]]:
    """Each line with the path of the value it belongs to and, for a comment or a blank line, the
    path of the item it is in and the line it sits above ("key:" with its indent and "- ")."""
    lines = text.split("\n")
    stack: list[tuple[int, str]] = []  # (column, path) of the keys and items that hold the line
    counts: dict[tuple[str, int], int] = {}
    paths: list[str | None] = []
    block = -1  # the column of the key whose "|" text the lines below are, if any
    texts = set()  # the lines of such text
    for number, line in enumerate(lines):
        column = len(line) - len(line.lstrip(" "))
        if line.strip() and 0 <= block < column:  # the text of a "|" block: its key's
            paths.append(stack[-1][1])
            texts.add(number)
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            paths.append(None)
            continue
        block = -1
        key, item = KEY.match(line), ITEM.match(line)
        assert key or item, line
        while stack and stack[-1][0] >= column:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        if item is not None:
            index = counts.get((parent, column), 0)
            counts[(parent, column)] = index + 1
            stack.append((column, f"{parent}[{index}]"))
            column += 2
            parent = stack[-1][1]
        if key is not None:
            stack.append((column, f"{parent}.{key.group(3)}" if parent else key.group(3)))
            if re.search(r":\s+[|>][-+]?\s*(#.*)?$", line):
                block = column
        paths.append(stack[-1][1])
    owned = []
    for number, line in enumerate(lines):
        path = paths[number]
        if path is None:  # a comment or blank line: of the item, and above the line, that follow it
            below = next((n for n in range(number + 1, len(lines)) if paths[n] is not None), None)
            if below is None:
                owned.append(("", line, ""))
                continue
            if below in texts:  # a blank line inside a "|" block
                owned.append((paths[below] or "", line, ""))
                continue
            anchor = KEY.match(lines[below]) or ITEM.match(lines[below])
            assert anchor is not None, lines[below]
            following = paths[below] or ""
            path = following[: following.rindex("]") + 1] if "]" in following else ""
            owned.append((path, line, anchor.group(0).rstrip()))
            continue
        owned.append((path, line, ""))
    return owned


def _reset(name: str, path: str) -> bool:
    return bool(path) and re.match(rf"(?:{RESET[name]})(?:$|[.\[])", path) is not None


@pytest.fixture(scope="module")
def turned(tmp_path_factory) -> Path:
    """The shipped sources made 2025's by new-edition, in this process."""
    root = copy_site(tmp_path_factory.mktemp("turned") / "site", printed=False)
    result = run_cli(root, "new-edition", "2025")
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("name", SOURCES)
def test_every_comment_stays_above_the_same_line(turned, name):
    """Top-level and indented comments, and those in lists, all of them; only the comments of a
    2024 item that goes go with it (the 2024 events, the pledges after the first)."""

    def comments(text: str) -> list[tuple[str, str]]:
        return [
            (line, above)
            for path, line, above in _owned_lines(_yaml_of(name, text))
            if line.lstrip().startswith("#") and not _reset(name, path)
        ]

    old = comments(read(turned, f"{ARCHIVED}/{name}"))
    new = comments(_without_note(name, read(turned, name)))
    assert len(old) > 3
    assert new == old


def _without_note(name: str, text: str) -> str:
    if name != "content/schedule.yaml":
        return text
    assert text.endswith("events: []\n" + NOTE)
    return text.removesuffix(NOTE)


@pytest.mark.parametrize("name", SOURCES)
def test_only_the_lines_of_what_resets_change(turned, name):
    """Line by line: with the lines of reset values (and the added note) left out, the old file and
    the new one are the same lines, byte for byte, blank lines included."""

    def kept(text: str) -> list[str]:
        return [line for path, line, _ in _owned_lines(_yaml_of(name, text)) if not _reset(name, path)]

    old_text, new_text = read(turned, f"{ARCHIVED}/{name}"), read(turned, name)
    assert kept(_without_note(name, new_text)) == kept(old_text)
    changed = [path for path, line, _ in _owned_lines(_yaml_of(name, new_text)) if _reset(name, path)]
    assert changed or name == "content/inspection.yaml"  # the reset values are there, on their lines
    if name.endswith(".md"):  # the body: a placeholder, below the front matter's closing line
        assert re.search(r"\n---\n\n待填写：[^\n]+\n\Z", new_text), new_text[-200:]


def test_a_reset_value_takes_one_line_and_keeps_the_comment_above(turned):
    campaign = read(turned, "content/campaign.yaml")
    assert (
        "# 活动简介：首页开头的一段话，Markdown 格式\n"
        "intro: 待填写：2025年活动简介（通知下发后，按通知写明时间、主题和安排）\n"
        "\n"
        "# 活动主题：每项主题以“- ”开头，下面四个键依次为名称、口号、开始日期、结束日期\n"
    ) in campaign
    assert (
        "    # 口号：官方主题原文，一字不改（引号为中文全角“”）\n"
        "    slogan: 待填写：2025年的主题（照通知原文填写）\n"
        "    # 开始日期，格式 2024-05-13\n"
        "    start: 待填写：开始日期\n"
    ) in campaign
    pledges = read(turned, "content/pledges.yaml")
    assert pledges.endswith(
        "pledges:\n  # 第一条\n  # 小标题：倡议的要点，几个字\n  - title: 待填写：倡议标题\n    # 具体内容：这条倡议的完整文字\n    text: 待填写：倡议内容\n"
    )
    contact = read(turned, "content/contact.md")
    assert (
        "people:\n  - 待填写：联系人\n# 联系电话：按通知原样填写（重庆本地号码），用英文引号括起来\nphone: 待填写：联系电话\n"
        in contact
    )
    assert read(turned, "content/schedule.yaml").endswith("\nevents: []\n" + NOTE)


def test_a_notepad_file_keeps_its_bom_and_crlf(turned, tmp_path):
    """Saved by Notepad (BOM, CRLF): the same new edition, in the same bytes but for the two."""
    root = copy_site(tmp_path / "site", printed=False)
    for name in SOURCES:
        path = root / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli(root, "new-edition", "2025").returncode == 0
    for name in SOURCES:
        data = (root / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") == data.count(b"\r\n"), name
        assert data[3:].replace(b"\r\n", b"\n") == (turned / name).read_bytes(), name


def test_the_new_edition_builds_and_check_lists_its_placeholders(turned):
    built = run_cli(turned, "build", "--no-pdf", "--as-of", LATER)
    assert built.returncode == 0, built.stderr
    check = run_cli(turned, "check", "--no-pdf", "--as-of", LATER)
    assert re.search(r"待填写的内容：\d+ 处", check.stdout), check.stdout
    pledges = read(turned, "content/pledges.yaml")
    quiz = read(turned, "content/quiz.yaml")
    for line in (
        f"content/pledges.yaml:{line_of(pledges, '  - title:')}: title：待填写：倡议标题",
        f"content/pledges.yaml:{line_of(pledges, '    text:')}: text：待填写：倡议内容",
        f"content/quiz.yaml:{line_of(quiz, 'description:')}: description：待填写：2025年知识竞赛的说明",
    ):
        assert f"  - {line}\n" in check.stdout, check.stdout


# Shapes the shipped files do not have: quotes, an end-of-line comment, a comment right below a
# "|" text, a list emptied or refilled with more keys after it, a list written on one line.
CLERKS_FILE = """# 说明
title: "2024年活动"  # 行尾的说明
base_url: 'https://www.example.gov.cn/jnxcz/2024/'
intro: |
  2024年的简介。
# 紧跟在正文下面的说明
focus: |
  2024年的重点。

  第二段。

footer:
  # 联系方式
  contact: 张三
  # 主办单位
  organiser: '某局'
events:
  # 第一项
  - id: a
    date: 2024-05-13
  # 第二项
  - id: b
    hosts:
      - 甲
      - 乙

# 日程后面的说明
pledges:
  # 第一条
  - title: 一
    # 内容
    text: |
      一的内容
  # 第二条
  - title: 二
    text: 二的内容
# 倡议后面的说明
ongoing: [甲, 乙]  # 行尾
start: 10:30
code: "500105"
kept: 2024-05-13
"""


def test_a_clerks_file_keeps_its_quotes_and_every_comment_around_what_resets():
    from campaign.new_edition import Becomes, Emptied, Todo, _edited, _Years

    resets = {
        "title": Becomes.NEXT_YEAR,
        "base_url": Becomes.NEW_ADDRESS,
        "intro": Todo("{year}年简介"),
        "focus": Todo("重点"),
        "footer.contact": Todo("联系人"),
        "events": Emptied(("照写法填写 {archive}",)),
        "pledges": [{"title": Todo("标题"), "text": Todo("内容")}],
        "ongoing": [Todo("工作")],
    }
    years = _Years("2024", "2025", "https://www.example.gov.cn/jnxcz/2025/")
    assert _edited(CLERKS_FILE, resets, years, "x.yaml") == (
        "# 说明\n"
        'title: "2025年活动"  # 行尾的说明\n'
        "base_url: 'https://www.example.gov.cn/jnxcz/2025/'\n"
        "intro: 待填写：2025年简介\n"
        "# 紧跟在正文下面的说明\n"
        "focus: 待填写：重点\n"
        "\n"
        "footer:\n"
        "  # 联系方式\n"
        "  contact: 待填写：联系人\n"
        "  # 主办单位\n"
        "  organiser: '某局'\n"
        "events: []\n"
        "\n"
        "# 照写法填写 editions/2024\n"
        "\n"
        "# 日程后面的说明\n"
        "pledges:\n"
        "  # 第一条\n"
        "  - title: 待填写：标题\n"
        "    # 内容\n"
        "    text: 待填写：内容\n"
        "# 倡议后面的说明\n"
        "ongoing:\n"
        "  - 待填写：工作       # 行尾\n"
        "start: 10:30\n"
        'code: "500105"\n'
        "kept: 2024-05-13\n"
    )


@pytest.mark.parametrize(
    "year", ["20２５", "２０２５", "٢٠٢٥", "2025²"], ids=["full-width", "all-full-width", "arabic", "superscript"]
)
def test_a_year_in_other_digits_is_refused_before_anything_is_read(tmp_path, year):
    """20２５ (an input method left in full width) would be taken for 2025 and make output/20２５/."""
    root = tmp_path / "site"
    root.mkdir()  # no site at all: refused as the command's other wrong words are
    result = run_cli(root, "new-edition", year)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("用法：build.py new-edition")
    assert result.stderr.splitlines()[-1] == (
        f"build.py new-edition：错误：YEAR（新一届的年份）要用半角数字书写，如 2025；这里是「{year}」"
    )
    assert sorted(root.iterdir()) == []


def test_the_plan_takes_only_ascii_digits_for_either_year():
    from campaign.new_edition import EditionRefused, plan_edition

    with pytest.raises(EditionRefused, match="new-edition 后面要写新一届的年份，如 2025；这里是「20２５」"):
        plan_edition(Path("."), "20２５", "https://www.example.gov.cn/jnxcz/2024/", "2024")
    with pytest.raises(EditionRefused, match="不是以年份结尾"):
        plan_edition(Path("."), "2025", "https://www.example.gov.cn/jnxcz/２０２４/", "２０２４")

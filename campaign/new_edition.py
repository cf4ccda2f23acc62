"""Next year's campaign from this year's: `python build.py new-edition 2025`.

This year's sources (`config.yaml`, `content/`, `templates/`) are kept as they are in
`editions/<folder>/`, where the build goes on rendering them at their own address, so every
printed code keeps working. `config.yaml` and `content/` then become the new edition: what is
the campaign's shape carries over (sections, poster ids and paper, pledge and quiz structure,
the inspection rules, the site's registration numbers, the templates), while every date,
address, number, theme slogan, document number and report of the old year becomes a 待填写
placeholder or is left out, so nothing of last year is shown as if it were this year's. The
files are edited line by line, so the clerk's comments above every key stay where they were.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from campaign.load.editions import ARCHIVE
from campaign.load.source import read_text

SOURCES = ("config.yaml", "content", "templates")  # what an archived edition keeps


class EditionRefused(Exception):
    """new-edition cannot start: said in one sentence, nothing changed."""


def _todo(what: str) -> str:
    return f"待填写：{what}"


@dataclass(frozen=True)
class EditionPlan:
    """What `start_edition` will do, worked out (and refused) before anything is touched."""

    old: str  # this year's folder, e.g. "2024"
    year: str
    base_url: str  # this year's
    new_base_url: str
    archive: Path  # editions/<old>/


def plan_edition(project: Path, year: str, base_url: str, old: str) -> EditionPlan:
    """Check the year against the loaded current edition (its `base_url` and folder `old`);
    raises EditionRefused with the reason, changes nothing."""
    if not re.fullmatch(r"20\d\d", year):
        raise EditionRefused(f"new-edition 后面要写新一届的年份，如 2025；这里是「{year}」")
    if not re.fullmatch(r"20\d\d", old or ""):
        raise EditionRefused(
            f"config.yaml 里的正式网址「{base_url}」不是以年份结尾（如 …/jnxcz/2024/），"
            "看不出本届是哪一年；请先把网址改成以年份结尾再运行 new-edition"
        )
    if int(year) <= int(old):
        raise EditionRefused(f"新一届的年份（{year}）应在本届（{old}）之后")
    archive = project / ARCHIVE / old
    if archive.exists():
        raise EditionRefused(f"{ARCHIVE}/{old}/ 已经存在：{old} 年的活动已经存档过，没有改动任何文件")
    new_base = base_url[: len(base_url.rstrip("/")) - len(old)] + year + "/"
    return EditionPlan(old, year, base_url, new_base, archive)


def start_edition(project: Path, plan: EditionPlan) -> None:
    """Archive the current edition and turn the sources into the plan's year's."""
    staging = project / ARCHIVE / f".{plan.old}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in SOURCES:
        source = project / name
        if source.is_dir():
            shutil.copytree(source, staging / name)
        elif source.is_file():
            shutil.copy2(source, staging / name)
    staging.rename(plan.archive)  # the old edition is whole before anything of it is changed
    try:
        _rewrite_sources(project, plan.old, plan.year, plan.new_base_url)
    except BaseException:  # a full disk, Ctrl+C: this year's sources back as they were
        undo_edition(project, plan.archive)
        raise


def undo_edition(project: Path, archive: Path) -> None:
    """Put the archived sources back as the current ones (the new edition did not load)."""
    for name in ("config.yaml", "content"):
        target = project / name
        if target.is_dir():
            shutil.rmtree(target)
        source = archive / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    shutil.rmtree(archive)


# --------------------------------------------------------------------------- line editing


def _column(line: str) -> int:
    """Where the line's key starts: after its indent and the "- " of a list item."""
    return len(line) - len(line.replace("- ", "  ", 1).lstrip(" "))


def _block_end(lines: list[str], start: int) -> int:
    """The index after the value of the key on `lines[start]` (nested lines, block text)."""
    own = _column(lines[start])
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() == "":
            end += 1
            continue
        if _column(line) <= own:
            break
        end += 1
        last = end
    return last


def _set(lines: list[str], index: int, value: str | None, items: list[str] | None = None) -> None:
    """Give the key on `lines[index]` a new one-line value (or a list of items), dropping the old one."""
    line = lines[index]
    match = re.match(r"^(\s*(?:- )?[A-Za-z_][A-Za-z0-9_]*:)", line)
    if match is None:  # not reached: `_edit` passes only lines that start with the key
        raise ValueError(f"no key on line {index + 1}: {line!r}")
    end = _block_end(lines, index)
    new = [match.group(1) + (f" {value}" if value else "")]
    if items is not None:
        pad = " " * (_column(line) + 2)
        new += [f"{pad}- {item}" for item in items]
    lines[index:end] = new


def _edit(
    lines: list[str], within: str | None, key: str, value: str | None = None, items: list[str] | None = None
) -> None:
    """Set `key` at the top level (within=None) or in every item of the top-level list `within`."""
    index = 0
    inside = within is None
    while index < len(lines):
        line = lines[index]
        if within is not None and re.match(r"^[A-Za-z_][A-Za-z0-9_]*:", line):
            inside = line.startswith(f"{within}:")
        pattern = rf"^{key}:" if within is None else rf"^\s+(?:- )?{key}:"
        if inside and re.match(pattern, line):
            _set(lines, index, value, items)
        index += 1


def _year_replaced(text: str, old: str, new: str) -> str:
    return text.replace(old, new)


def _edit_line_value(lines: list[str], key: str, change: Callable[[str], str]) -> None:
    for index, line in enumerate(lines):
        if line.startswith(f"{key}:"):
            lines[index] = f"{key}: " + change(line[len(key) + 1 :].strip())


def _front_and_body(text: str) -> tuple[list[str], list[str]]:
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        return lines[: end + 1], lines[end + 1 :]
    return [], lines


def _load(path: Path, project: Path) -> list[str]:
    return read_text(path, project)[1].split("\n")


def _save(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8", newline="\n")


def _rewrite_sources(project: Path, old: str, new: str, base_url: str) -> None:
    content = project / "content"
    y = new

    lines = _load(project / "config.yaml", project)
    _edit_line_value(lines, "base_url", lambda _: base_url)
    for key in ("title", "short_title", "description"):
        _edit_line_value(lines, key, lambda text: _year_replaced(text, old, new))
    _edit(lines, "footer", "contact", _todo(f"{y}年的联系人和联系电话"))
    _save(project / "config.yaml", lines)

    path = content / "campaign.yaml"
    lines = _load(path, project)
    _edit_line_value(lines, "title", lambda text: _year_replaced(text, old, new))
    _edit(lines, None, "intro", _todo(f"{y}年活动简介（通知下发后，按通知写明时间、主题和安排）"))
    _edit(lines, "themes", "slogan", _todo(f"{y}年的主题（照通知原文填写）"))
    _edit(lines, "themes", "start", _todo("开始日期"))
    _edit(lines, "themes", "end", _todo("结束日期"))
    _edit(lines, None, "focus", _todo(f"{y}年的宣传重点"))
    _edit(lines, None, "ongoing", None, items=[_todo("宣传周期间持续开展的工作")])
    _save(path, lines)

    path = content / "schedule.yaml"
    lines = _load(path, project)
    _edit(lines, None, "events", "[]")
    lines[-1:] = [
        lines[-1],
        f"# {y}年的日程还没有填写：照 {ARCHIVE}/{old}/content/schedule.yaml 的写法，",
        "# 把上面的“events: []”改成“events:”，在下面逐项写明通知里的每项活动。",
        "",
    ]
    _save(path, lines)

    path = content / "livestreams.yaml"
    lines = _load(path, project)
    for section in ("livestreams", "downloads"):
        _edit(lines, section, "title", _todo("名称（照通知原文填写）"))
        _edit(lines, section, "platform", _todo("直播或发布的平台"))
        _edit(lines, section, "url", "")
        _edit(lines, section, "announce_on", _todo("公布网址的日期"))
        _edit(lines, section, "announce_where", _todo("在哪里公布网址"))
    _save(path, lines)

    path = content / "pledges.yaml"
    lines = _load(path, project)
    _edit(lines, None, "date", _todo("全国低碳日的日期"))
    _edit(lines, None, "intro", _todo(f"{y}年全国低碳日的主题和倡议说明"))
    _edit(lines, None, "pledges", None, items=[])
    index = next(i for i, line in enumerate(lines) if line.startswith("pledges:"))
    lines[index + 1 : index + 1] = ["  - title: " + _todo("倡议标题"), "    text: " + _todo("倡议内容")]
    _save(path, lines)

    path = content / "quiz.yaml"
    lines = _load(path, project)
    _edit(lines, None, "period", _todo("答题时间"))
    _edit(lines, None, "url", "")
    _edit(lines, None, "how", _todo("参加办法"))
    _edit(lines, None, "prize", _todo("奖励办法"))
    _edit(lines, None, "description", _todo(f"{y}年知识竞赛的说明"))
    _edit(lines, None, "image", "")
    _save(path, lines)

    path = content / "notice.md"
    front, _ = _front_and_body(read_text(path, project)[1])
    for key, what in (
        ("title", "通知标题（照通知原文填写）"),
        ("index_no", "索引号"),
        ("doc_no", "发文字号"),
        ("written", "成文日期"),
        ("published", "发布日期"),
    ):
        _edit(front, None, key, _todo(what))
    _edit(front, None, "source_url", "")
    _save(path, [*front, "", _todo(f"{y}年活动通知的正文（通知下发后，把正文粘贴在这里）"), ""])

    path = content / "contact.md"
    front, _ = _front_and_body(read_text(path, project)[1])
    _edit(front, None, "people", None, items=[_todo("联系人")])
    _edit(front, None, "phone", _todo("联系电话"))
    _edit(front, None, "email", _todo("报送邮箱"))
    _edit(front, None, "deadline", _todo("报送截止日期"))
    _save(path, [*front, "", _todo(f"{y}年的报送要求（报送什么、怎样报送、截止时间）"), ""])

    path = content / "posters.yaml"
    lines = _load(path, project)
    for index, line in enumerate(lines):
        if re.match(r"^\s+headline:", line):
            lines[index] = _year_replaced(line, old, new)
    _edit(lines, "posters", "text", _todo("海报上的说明文字"))
    _save(path, lines)

    for name in ("news", "files"):  # last year's reports and their photos stay in the archive
        folder = content / name
        if folder.is_dir():
            shutil.rmtree(folder)
    (content / "news").mkdir()

"""Where a unit's report says what it is called, who sent it and when, as Chinese reports write it.

`find` reads a report's lines (text only, in order) and picks its title, its source (the unit)
and its date, each with where it was found in the clerk's words, and which lines they were
taken from, so those do not show again in the body:

- a 「报送单位：…」 / 「供稿：…」 line anywhere is the source;
- at the top, before the first paragraph of text: the title (Word's Title style, else the first
  short line), a line that names a unit (ends in 局, 委, 中心, 学校, 医院…) and a date line
  (2024年5月15日, 2024-05-15, 二〇二四年五月十五日, 5月15日 in the campaign's year);
- at the end, the signature: the unit and the date;
- else the first date written in the text, and the unit or title from the file's name
  (「区教委-节能宣传周总结.docx」).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field

from campaign.model.fields import PLACEHOLDER_PREFIX

SOURCE_PLACEHOLDER = f"{PLACEHOLDER_PREFIX}：报送单位"
TITLE_LIMIT = 80  # NewsItem's title: at most 80 characters
TOP = 6  # lines looked at for the title, unit and date before the text starts
SIGNATURE = 3  # lines at the end that may be the signature

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
CN_DATE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
SHORT_DATE = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_LINE = re.compile(r"[（(]?(?:(?:报送|发布|撰稿)?(?:日期|时间)\s*[：:]\s*)?(?P<date>[^（）()]+?)[）)]?")
SOURCE_LABEL = re.compile(
    r"[（(【\[]?\s*(?:报送单位|供稿单位|来稿单位|撰稿单位|信息来源|稿件来源|来源|供稿|报送|单位)\s*[：:]\s*"
    r"(?P<unit>.+?)\s*[）)】\]]?"
)
OTHER_LABEL = re.compile(r"\s+(?:撰稿|作者|审核|摄影|编辑|联系人|电话)")  # 供稿：区教委 撰稿：… ends the unit
UNITS = (
    *("局", "委", "委员会", "中心", "学校", "小学", "中学", "大学", "学院", "幼儿园", "医院", "卫生院"),
    *("办公室", "政府", "街道", "办事处", "管委会", "法院", "检察院", "研究所", "图书馆", "公司"),
)
SENTENCE_END = re.compile(r"[。！？!?]")
FILE_NAME_PARTS = re.compile(r"\s*[-_－—–　 ]+\s*")


@dataclass(frozen=True)
class Found:
    """A value taken from the document, and where it was found, in the clerk's words."""

    value: str
    origin: str


@dataclass(frozen=True)
class Line:
    """One paragraph of a report, as text: "text", "heading" or another kind (a list item…)."""

    kind: str
    text: str
    title_style: bool = False  # in Word's Title style


@dataclass(frozen=True)
class Byline:
    title: Found
    source: Found
    date: dt.date | None  # None: no date written anywhere (the caller falls back on the document's)
    date_origin: str
    used: frozenset[int]  # the lines read for them, which leave the body


@dataclass
class _Search:
    lines: list[Line]
    year: int
    title: Found | None = None
    source: Found | None = None
    date: tuple[dt.date, str] | None = None  # from a line that is only a date
    used: set[int] = field(default_factory=set)  # the lines read so far


def find(lines: list[Line], file_name: str, year: int) -> Byline:
    """The report's title, source and date; `year` completes a date written without one (5月15日)."""
    search = _Search(lines, year)
    used = search.used
    for index, line in enumerate(lines):  # a labeled 报送单位 line may be anywhere
        unit = _labeled_source(line.text) if line.kind == "text" else None
        if unit is not None:
            used.add(index)
            search.source = search.source or Found(unit, f"取自「{line.text}」一行")
    texts = [i for i, line in enumerate(lines) if line.kind in ("text", "heading") and i not in used]
    styled = next((i for i in texts if lines[i].title_style), None)
    _top(search, texts[:TOP], styled)
    _signature(search, texts[-SIGNATURE:])
    if search.title is None and styled is not None:
        search.title = Found(lines[styled].text, "取自 Word 的标题样式")
        used.add(styled)
    unit, named = _from_file_name(file_name)
    if search.source is None:
        search.source = Found(unit, "取自文件名") if unit else Found(SOURCE_PLACEHOLDER, "文中没有找到报送单位")
    title = search.title or Found(named, "取自文件名（文中没有找到标题）")
    day, origin = _date_of(search)
    return Byline(title, search.source, day, origin, frozenset(used))


def _top(search: _Search, indices: list[int], styled: int | None) -> None:
    """The title, a unit and a date, in any order, until the first line that is none of them."""
    used = search.used
    for index in indices:
        line = search.lines[index]
        day = _date_line(line.text, search.year) if line.kind == "text" else None
        if day is not None:
            search.date = search.date or day
        elif line.kind == "text" and _unit_line(line.text) and search.source is None:
            search.source = Found(line.text, f"取自开头的「{line.text}」一行")
        elif search.title is None and (index == styled or (styled is None and _title_like(line.text))):
            how = "取自 Word 的标题样式" if line.kind == "heading" else "取自文档的第一行"
            search.title = Found(line.text, how)
        else:
            return
        used.add(index)


def _signature(search: _Search, indices: list[int]) -> None:
    """The unit and the date a report ends with."""
    used = search.used
    for index in reversed(indices):
        line = search.lines[index]
        if index in used or line.kind != "text":
            return
        day = _date_line(line.text, search.year)
        if day is not None:
            search.date = search.date or day
        elif _unit_line(line.text):
            search.source = search.source or Found(line.text, f"取自落款「{line.text}」")
        else:
            return
        used.add(index)


def _date_of(search: _Search) -> tuple[dt.date | None, str]:
    if search.date is not None:
        return search.date[0], f"取自文中的日期「{search.date[1]}」"
    for index, line in enumerate(search.lines):
        if index in search.used:
            continue
        found = date_in(line.text, search.year)
        if found is not None:
            whole = "年" in found[1] or "-" in found[1]
            return found[0], f"取自正文里的「{found[1]}」" + ("" if whole else f"，年份按本届活动的 {search.year} 年")
    return None, ""


def date_in(text: str, year: int) -> tuple[dt.date, str] | None:
    """The first date written in `text`, and how it was written."""
    found: list[tuple[int, dt.date, str]] = []
    for match in FULL_DATE.finditer(text):
        parts = [int(g) for g in match.groups() if g is not None]
        _add_date(found, match, parts[0], parts[1], parts[2])
    for match in CN_DATE.finditer(text):
        y = int("".join(str(CN_DIGITS[c]) for c in match.group(1)))
        _add_date(found, match, y, _cn_number(match.group(2)), _cn_number(match.group(3)))
    for match in SHORT_DATE.finditer(text):
        _add_date(found, match, year, int(match.group(1)), int(match.group(2)))
    if not found:
        return None
    _, day, written = min(found, key=lambda item: item[0])
    return day, written


def _add_date(found: list[tuple[int, dt.date, str]], match: re.Match[str], y: int, m: int, d: int) -> None:
    with contextlib.suppress(ValueError):  # 2月30日 is no date
        found.append((match.start(), dt.date(y, m, d), match.group(0)))


def _cn_number(text: str) -> int:
    """一 … 三十一 as a number."""
    if "十" not in text:
        return CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)


def _date_line(line: str, year: int) -> tuple[dt.date, str] | None:
    """The date of a line that holds nothing but a date (2024年5月15日, 日期：2024-05-15, （5月15日））."""
    match = DATE_LINE.fullmatch(line)
    if match is None:
        return None
    found = date_in(match.group("date"), year)
    return found if found is not None and found[1] == match.group("date").strip() else None


def _labeled_source(line: str) -> str | None:
    match = SOURCE_LABEL.fullmatch(line)
    if match is None or len(line) > 60:
        return None
    unit = OTHER_LABEL.split(match.group("unit"))[0].strip()
    return unit or None


def _unit_line(line: str) -> bool:
    return len(line) <= 30 and not re.search("[，。；：:,;、]", line) and line.endswith(UNITS)


def _title_like(text: str) -> bool:
    return len(text) <= TITLE_LIMIT and not SENTENCE_END.search(text[-1:])


def _from_file_name(file_name: str) -> tuple[str, str]:
    """(unit, title) from a name like 「区教委-节能宣传周总结.docx」; the unit may be ""."""
    stem = file_name.rsplit(".", 1)[0].strip()
    parts = [part for part in FILE_NAME_PARTS.split(stem) if part]
    if len(parts) >= 2 and parts[0].endswith(UNITS):
        return parts[0], "".join(parts[1:]) or stem
    return "", stem

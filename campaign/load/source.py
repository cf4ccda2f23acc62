"""Turning the bytes of a content file into text, the way Windows Notepad leaves them.

Notepad may add a UTF-8 byte-order mark and CRLF line ends: both are accepted. A file saved as
GBK (Notepad's "ANSI" on a Chinese Windows) is refused with a message that says how to re-save
it, since guessing the encoding would silently corrupt text on the site.

Which names in the source folders are not sources at all (`ignored_name`) is decided here too,
once for the build and the preview alike.
"""

from __future__ import annotations

import re
from pathlib import Path

from campaign.errors import ContentError

BOM = "\ufeff"


def decode_text(data: bytes, file: str) -> str:
    """Return `data` as text with a BOM dropped and every line end as a plain newline."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError.at(file, line, _encoding_message(data)) from None
    if text.startswith(BOM):
        text = text[1:]
    if "\x00" in text:
        raise ContentError.at(file, 0, "文件里有空字符，不是文本文件，请确认选对了文件")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Word's manual line break and page break, pasted into a report: a space, as a browser shows them
    text = text.replace("\x0b", " ").replace("\x0c", " ")
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise ContentError.at(file, line, control_message(found.group()))
    return text


# Characters no page, feed or calendar may carry (XML 1.0 forbids them; in .ics a CR is a line end).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Limits that keep one file from stalling a build or the preview (the README names them).
# Python-Markdown slows down with the square or cube of some runs: 2,000 backticks in one
# paragraph take 25 s, 4,000 opening brackets 5 s. No real report comes near these numbers.
MAX_FILE_BYTES = 1_000_000  # about 300,000 Chinese characters
PARAGRAPH_LIMITS = {"`": 200, "[": 500}
FILE_LIMITS = {"`": 2000, "[": 5000}


def paragraph_limit(text: str) -> tuple[int, str] | None:
    """(0-based line, message) of the first paragraph with too many of a costly character."""
    for char, limit in FILE_LIMITS.items():
        if text.count(char) > limit:
            return 0, (
                f"这里的「{char}」太多（{text.count(char)} 个，最多 {limit} 个），网站生成会非常慢；"
                "请检查是否误粘贴了大量符号"
            )
    counts = dict.fromkeys(PARAGRAPH_LIMITS, 0)
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            counts = dict.fromkeys(PARAGRAPH_LIMITS, 0)
            continue
        for char, limit in PARAGRAPH_LIMITS.items():
            counts[char] += line.count(char)
            if counts[char] > limit:
                return number, (
                    f"这一段里的「{char}」太多（超过 {limit} 个），网站生成会非常慢；"
                    "请检查是否误粘贴了大量符号，或把这一段拆成几段"
                )
    return None


def control_message(char: str) -> str:
    return (
        f"这一行有看不见的控制字符（U+{ord(char):04X}），多半是从别的软件复制时带进来的；"
        "请删去这一行里多余的空白后重新输入，再保存"
    )


def _encoding_message(data: bytes) -> str:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "文件不是 UTF-8 编码，无法读取；请用记事本打开，「另存为」时把「编码」选为 UTF-8"
    return (
        "文件是按 GBK（记事本里叫 ANSI）编码保存的，不是 UTF-8；"
        "请用记事本打开，「另存为」时把「编码」选为 UTF-8 后再保存"
    )


def read_text(path: Path, root: Path) -> tuple[str, str]:
    """Read a content file; returns (project-relative name for messages, text)."""
    name = display_name(path, root)
    refuse_outside(path, root, name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if path.with_name(path.name + ".txt").is_file():
            raise ContentError.at(name, 0, hidden_txt_message(path.name)) from None
        raise ContentError.at(name, 0, "找不到这个文件；请确认文件名和位置没有改动") from None
    except OSError as exc:
        raise ContentError.at(name, 0, f"无法读取这个文件（{exc.strerror}）") from None
    if len(data) > MAX_FILE_BYTES:
        raise ContentError.at(
            name,
            0,
            f"文件太大（{len(data) / 1_000_000:.1f} MB），每个内容文件最多 1 MB"
            "（约 30 万字）；请删去多余的内容，或分成几篇",
        )
    return name, decode_text(data, name)


def hidden_txt_message(name: str) -> str:
    """For a file `name` that Notepad saved as `name.txt`: Windows hides the `.txt` it added."""
    return (
        f"文件名实际是「{name}.txt」（Windows 隐藏了扩展名）：请用记事本打开它，「另存为」时"
        f"「保存类型」选「所有文件」，文件名写 {name}"
    )


def refuse_outside(path: Path, root: Path, name: str) -> None:
    """A shortcut (symbolic link) to a file outside the project is never read into the site."""
    try:
        real, project = path.resolve(), root.resolve()
    except OSError:
        return  # reading it will say what is wrong
    if real != project and project not in real.parents:
        raise ContentError.at(
            name,
            0,
            "这是指向项目文件夹以外的快捷方式（符号链接），为免把别处的文件发布出去，不能使用；请把文件本身复制到这里",
        )


# What Windows and macOS leave in folders of photos (thumbnails, folder settings, Finder's notes).
SYSTEM_FILES = frozenset(("thumbs.db", "desktop.ini", ".ds_store"))


def ignored_name(name: str) -> bool:
    """A file or folder no build reads and no preview watches, wherever it lies in the sources.

    Hidden ones (`.name`: also vim's swap files and macOS's `._name`), Office's lock and
    temporary files (`~$name`, `~WRL0001.tmp`), editors' backups (`name~`) and auto-saves
    (`#name#`), and what Windows and macOS leave in folders of photos.
    """
    return (
        name.startswith((".", "~"))
        or name.endswith("~")
        or (len(name) > 1 and name.startswith("#") and name.endswith("#"))
        or name.lower() in SYSTEM_FILES
    )


def display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()

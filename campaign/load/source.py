"""Turning the bytes of a content file into text, the way Windows Notepad leaves them.

Notepad may add a UTF-8 byte-order mark and CRLF line ends: both are accepted. A file saved as
GBK (Notepad's "ANSI" on a Chinese Windows) is refused with a message that says how to re-save
it, since guessing the encoding would silently corrupt text on the site.

Which names in the source folders are not sources at all (`ignored_name`) is decided here too,
once for the build and the preview alike.
"""

from __future__ import annotations

import os
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
    found = UNCARRIED.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise ContentError.at(file, line, uncarried_message(found.group()))
    return text


# Characters no page, feed or calendar may carry (XML 1.0 forbids them; in .ics a CR is a line end).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Besides those, what a feed or a file name cannot carry either: surrogates (half of a character,
# only a YAML escape such as "\uD800" makes one) and the noncharacters (U+FFFE, U+FFFF, U+FDD0 to
# U+FDEF and the last two of every plane), and the bidirectional controls, invisible, that show a
# title or a name in another order than it is written.
SURROGATES = "\ud800-\udfff"
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
UNCARRIED = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{SURROGATES}{NONCHARACTERS}{BIDI_CONTROLS}]")
# A numeric character reference in Markdown (`&#xFFFE;`, `&#1;`): the page would carry the character.
CHARACTER_REFERENCE = re.compile(r"&#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}));")


def uncarried_kind(char: str) -> str:
    """What a character `UNCARRIED` matches is, in the clerk's words."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"半个字符的编码（U+{code:04X}），不是完整的字，网页和订阅都无法保存"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"看不见的文字方向控制符（U+{code:04X}），会让标题、名称或链接文字显示的顺序与所写的不同"
    if code >= 0xFDD0:
        return f"不是文字的特殊编码（U+{code:04X}），网页和订阅（feed.xml）都无法容纳"
    return f"看不见的控制字符（U+{code:04X}）"


def uncarried_message(char: str) -> str:
    """For a character written directly in a file (`UNCARRIED`): where it came from and what to do."""
    if CONTROL.match(char):
        return control_message(char)
    return f"这一行有{uncarried_kind(char)}，多半是从别的软件复制时带进来的；请删去这一行里多余的空白后重新输入，再保存"


# Limits that keep one file from stalling a build or the preview (the README names them).
# Python-Markdown slows down with the square or cube of some runs: it copies a paragraph's text
# again for each backtick, bracket, emphasis mark, escape, entity or autolink it finds there, and
# its list of blocks again for each paragraph, and a paragraph again for each heading or rule
# in it. 2,000 backticks in one paragraph took 25 s, 1,200 underscores 2 s, 10,000 rules
# without blank lines 3 s, 330,000 tiny paragraphs 30 s. Kept under these numbers, a
# megabyte of any text converts in a few seconds. No real report comes near them.
MAX_FILE_BYTES = 1_000_000  # about 300,000 Chinese characters
PARAGRAPH_LIMITS = {"`": 200, "[": 500, "*": 1000, "_": 200, "\\": 200, "&": 500, "<": 200}
FILE_LIMITS = {"`": 2000, "[": 5000, "*": 5000, "_": 2000, "\\": 2000, "&": 5000, "<": 2000}
MAX_TABLE_BARS = 20_000  # the `|` of a file's tables: some thousands of cells
MAX_PARAGRAPHS = 10_000
MAX_BREAKS = 50  # headings and rules in one paragraph (no blank line between them)
MAX_FILE_BREAKS = 2000  # and in a whole text: each one moves all the blocks after it
MAX_INDENT = 200  # spaces before a line: a list nested some fifty deep; deeper overflows the engine
# A line that ends one block and starts another inside a paragraph: `# 标题`, `---`, `***`, `===`.
BREAK_LINE = re.compile(r"^ {0,3}(?:#|(?:[-*_] *){3,}$|[=-]+ *$)", re.MULTILINE)
DEEP_INDENT = re.compile(f"^[ \\t]{{{MAX_INDENT // 4 + 1},}}", re.MULTILINE)  # a tab counts four


def paragraph_limit(text: str) -> tuple[int, str] | None:
    """(0-based line, message) of the first paragraph too costly to convert, or of a character
    reference to a character no page can carry."""
    for char, limit in FILE_LIMITS.items():
        if text.count(char) > limit:
            return 0, (
                f"这里的「{char}」太多（{text.count(char)} 个，最多 {limit} 个），网站生成会非常慢；"
                "请检查是否误粘贴了大量符号"
            )
    if text.count("|") > MAX_TABLE_BARS:
        return 0, (
            f"这里的表格太大（「|」共 {text.count('|')} 个，最多 {MAX_TABLE_BARS} 个），网站生成会非常慢；"
            "请把表格拆成几个小表，或作为附件（Excel 或 PDF）发布"
        )
    breaks = len(BREAK_LINE.findall(text))
    if breaks > MAX_FILE_BREAKS:
        return 0, (
            f"这里的标题和分隔线太多（{breaks} 个，最多 {MAX_FILE_BREAKS} 个），网站生成会非常慢；"
            "请检查是否误粘贴了大量「#」「-」「=」，或把文章分成几篇"
        )
    found = _paragraph_walk(text) if breaks > MAX_BREAKS or _worth_a_walk(text) else None
    for reference in CHARACTER_REFERENCE.finditer(text):
        decimal, hexadecimal = reference.groups()
        char = chr(min(int(decimal) if decimal else int(hexadecimal, 16), 0x10FFFF))
        number = text.count("\n", 0, reference.start())
        if UNCARRIED.match(char) and (found is None or number < found[0]):
            return number, f"「{reference.group()}」写出的是{uncarried_kind(char)}；请删去它"
    return found


def _worth_a_walk(text: str) -> bool:
    """Whether a paragraph of `text` could pass a limit: most texts are seen not to at C speed."""
    return (
        any(text.count(char) > limit for char, limit in PARAGRAPH_LIMITS.items())
        or text.count("\n") > MAX_PARAGRAPHS
        or DEEP_INDENT.search(text) is not None
    )


def _paragraph_walk(text: str) -> tuple[int, str] | None:
    counts = dict.fromkeys(PARAGRAPH_LIMITS, 0)
    paragraphs = breaks = 0
    blank_before = True
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            counts = dict.fromkeys(PARAGRAPH_LIMITS, 0)
            breaks, blank_before = 0, True
            continue
        paragraphs += blank_before
        blank_before = False
        for char, limit in PARAGRAPH_LIMITS.items():
            counts[char] += line.count(char)
            if counts[char] > limit:
                return number, (
                    f"这一段里的「{char}」太多（超过 {limit} 个），网站生成会非常慢；"
                    "请检查是否误粘贴了大量符号，或把这一段拆成几段"
                )
        breaks += BREAK_LINE.match(line) is not None
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if breaks > MAX_BREAKS:
            return number, (
                f"这一段里的标题或分隔线太多（超过 {MAX_BREAKS} 个，中间没有空行），网站生成会非常慢；"
                "请在每个标题、分隔线的前后各空一行"
            )
        if indent > MAX_INDENT:
            return number, (
                f"这一行前面的空格太多（{indent} 个，最多 {MAX_INDENT} 个），列表套的层次太深；请删去行首多余的空格"
            )
        if paragraphs > MAX_PARAGRAPHS:
            return number, (
                f"正文的段落太多（超过 {MAX_PARAGRAPHS} 段），网站生成会非常慢；"
                "请检查是否误粘贴了大量空行，或把文章分成几篇"
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
    return name, decode_text(read_source(path, root, name), name)


def read_source(path: Path, root: Path, name: str, folders: Folders | None = None) -> bytes:
    """A content file's bytes, refused when it is a shortcut out of the project or too big.

    `folders` keeps the real place of each folder between calls (`refuse_outside`)."""
    refuse_outside(path, root, name, folders)
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
    return data


def hidden_txt_message(name: str) -> str:
    """For a file `name` that Notepad saved as `name.txt`: Windows hides the `.txt` it added."""
    return (
        f"文件名实际是「{name}.txt」（Windows 隐藏了扩展名）：请用记事本打开它，「另存为」时"
        f"「保存类型」选「所有文件」，文件名写 {name}"
    )


def shortcut_refused(what: str = "文件") -> str:
    """Why a shortcut (symbolic link) inside the project is never published, whatever it points
    at: it would put another of the project's files (config.yaml, last year's sources) on the
    site under a new name. Said after the shortcut's name, or after 「这」."""
    return (
        f"是快捷方式（符号链接），不是{what}本身；为免把项目里别的文件（如设置文件）发布出去，不能使用；"
        f"请把{what}本身复制到这里"
    )


def points_inside(path: Path, root: Path) -> bool:
    """A shortcut's target is inside the project (a loop of links counts: it is refused as one);
    one to outside is refused by `refuse_outside`, in the words for that."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return True


Folders = dict[str, str]  # a folder -> its real place (shortcuts followed), for one load


def real_place(path: Path, folders: Folders | None = None) -> str:
    """`os.path.realpath(path)`; with `folders`, a file that is no shortcut itself is placed in
    its folder's real place, found once for all its files (thousands of reports in one folder)."""
    text = os.fspath(path)
    if folders is None or os.path.islink(text):
        return os.path.realpath(text)
    parent, name = os.path.split(text)
    real = folders.get(parent)
    if real is None:
        real = folders[parent] = os.path.realpath(parent)
    return os.path.join(real, name)


def refuse_outside(path: Path, root: Path, name: str, folders: Folders | None = None) -> None:
    """A shortcut (symbolic link) to a file outside the project is never read into the site."""
    try:
        real, project = (os.path.normcase(real_place(where, folders)) for where in (path, root))
    except OSError:
        return  # reading it will say what is wrong
    if real != project and not real.startswith(os.path.join(project, "")):
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

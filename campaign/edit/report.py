"""A new report from the form: its folder's files, named by the tool, as `build.py import` makes them.

Attachments (PDF, Word, Excel, WPS, .zip: the build's `media.ATTACHMENT_TYPES`) are named
attachment-1.pdf … and listed in one line under the text, 「附件：[活动总结](attachment-1.pdf)」,
the name the clerk gave (or the file's own) being what the reader downloads it as. A Word
document goes through the import itself (`load.word.read_report`, `importing.index_text`).

The clerk writes plain paragraphs; they become Markdown that shows exactly what was typed (a line
starting with 「-」 or 「#」 stays text). Photos are named photo-1.jpg, photo-2.png … in the order
chosen, whatever they were called on the clerk's computer, each placed under the text with its
caption, which the build requires. The folder's name is the date and the title's pinyin
initials (`importing.folder_name`), its index.md commented from the declarations
(`importing.index_text`), and it is written whole or not at all (`importing.write_folder`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from campaign.importing import NEWS, folder_files, folder_name, index_text, write_folder
from campaign.load.byline import Found
from campaign.load.media import ATTACHMENT_TYPES, MAX_PHOTO_BYTES, PHOTO_EXTENSIONS, WARN_ATTACHMENT_BYTES
from campaign.load.word import Picture, WordReport, read_report
from campaign.model.fields import Date, Invalid

PHOTO_SLOTS = 6  # photo inputs on the form: a report rarely has more
ATTACHMENT_SLOTS = 3
# Larger files are published with a warning (slow on a phone) and would make one form's upload
# too big for the preview (tornado takes up to 100 MB a request): they go in by hand.
MAX_ATTACHMENT_BYTES = WARN_ATTACHMENT_BYTES
MAX_WORD_BYTES = 50 * 1024 * 1024
_UNSHOWN = re.compile("[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HEADER = """\
# ================================================================
# 活动动态文章（{file}）
# 在预览里用「新建一篇活动动态」表单写成{document}
# 编辑须知：用记事本打开，保存为 UTF-8；冒号用英文半角“:”，
#   冒号后空一格；缩进只能用空格；以“#”开头的行是说明。
# ================================================================
"""
ORIGIN = "（在预览里用表单填写）"
MARKUP = re.compile(r"([\\`*_\[\]<>#|!~])")  # what Markdown would read as markup: shown as written


@dataclass(frozen=True)
class Photo:
    """A chosen photo: its file's extension (lower case), bytes and caption."""

    extension: str
    data: bytes
    caption: str


@dataclass(frozen=True)
class Attachment:
    """A chosen attachment: its file's extension (lower case), bytes and the name it is shown by."""

    extension: str
    data: bytes
    title: str


def shown_name(filename: str) -> str:
    """A chosen file's name as it may be shown (no folder, no line end or direction mark)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSHOWN.sub("", name).strip()[:100]


def attachment_refused(filename: str, size: int) -> str:
    """Why a chosen file cannot be an attachment ("" when it can)."""
    extension = Path(filename).suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        allowed = "、".join(ATTACHMENT_TYPES)
        return f"「{shown_name(filename)}」不能作为附件：只能选 {allowed} 文件（PPT 请另存为 PDF）"
    if size > MAX_ATTACHMENT_BYTES:
        limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        return (
            f"附件「{shown_name(filename)}」超过 {limit} MB：请压缩或拆成几个文件；"
            "一定要放的，请直接拷进报道的文件夹（见 README「在活动动态里放照片和附件」）"
        )
    return ""


def word_refused(filename: str, size: int) -> str:
    """Why a chosen file cannot be imported before it is read ("" when it may be)."""
    if Path(filename).suffix.lower() != ".docx":
        return f"「{shown_name(filename)}」不是 Word 文档（.docx）：请用 Word 或 WPS「另存为」Word 文档后再选"
    if size > MAX_WORD_BYTES:
        return f"Word 文档「{shown_name(filename)}」超过 {MAX_WORD_BYTES // (1024 * 1024)} MB 的上限"
    return ""


def photo_refused(filename: str, size: int) -> str:
    """Why a chosen file cannot be a photo ("" when it can), in the build's words."""
    extension = Path(filename).suffix.lower()
    if extension not in PHOTO_EXTENSIONS:
        allowed = "、".join(PHOTO_EXTENSIONS)
        return f"「{filename}」不是照片：只能选 {allowed} 文件"
    if size > MAX_PHOTO_BYTES:
        return f"照片「{filename}」超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB 的上限，请先缩小"
    return ""


def plain(text: str) -> str:
    """Paragraphs as typed (a blank line between two), as Markdown that shows them as written."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    shown = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        escaped = [MARKUP.sub(r"\\\1", line) for line in lines]
        # a line that Markdown would take for a list item or a heading: its mark escaped
        escaped = [re.sub(r"^(\d+)([.)])", r"\1\\\2", line) for line in escaped]
        escaped = [("\\" + line if line[:1] in "-+=" else line) for line in escaped]
        if escaped:
            shown.append("\n".join(escaped))
    return "\n\n".join(shown)


def date_message(text: str) -> str:
    """The build's words for a date that is not one ("" when it is)."""
    try:
        Date().parse(text.strip())
    except Invalid as exc:
        return f"「date」{exc}"
    return ""


def report_files(
    title: str,
    day: dt.date,
    source: str,
    summary: str,
    text: str,
    photos: list[Photo],
    attachments: tuple[Attachment, ...] = (),
) -> tuple[str, dict[str, bytes], WordReport]:
    """(the folder's name, its files by project-relative path, the report as `importing` writes it)."""
    slug = folder_name(day, title)
    pictures = tuple(
        Picture(f"photo-{number}{photo.extension.replace('.jpeg', '.jpg')}", photo.data, photo.caption)
        for number, photo in enumerate(photos, 1)
    )
    body = plain(text)
    for picture in pictures:
        caption = MARKUP.sub(r"\\\1", picture.caption)
        body += f"\n\n![{caption}]({picture.name})"
    named = [(f"attachment-{number}{item.extension}", item) for number, item in enumerate(attachments, 1)]
    if named:
        links = [(MARKUP.sub(r"\\\1", item.title), name) for name, item in named]
        body += "\n\n附件：" + "、".join(f"[{title}]({name})" for title, name in links)
    report = WordReport(
        title=Found(title, ORIGIN),
        date=day,
        date_origin=ORIGIN,
        source=Found(source, ORIGIN),
        summary=summary,
        body=body.strip("\n") + "\n",
        pictures=pictures,
        notes=(),
    )
    index = index_text(report, slug, "", HEADER)
    folder = f"{NEWS}/{slug}"
    files = {f"{folder}/index.md": index.encode("utf-8")}
    files |= {f"{folder}/{picture.name}": picture.data for picture in pictures}
    files |= {f"{folder}/{name}": item.data for name, item in named}
    return slug, files, report


def word_files(data: bytes, filename: str, year: int, today: dt.date) -> tuple[str, dict[str, bytes], WordReport]:
    """A Word document's report folder as `build.py import` writes it (raises `word.Unreadable`)."""
    name = shown_name(filename)
    report = read_report(data, name, year, today)
    slug = folder_name(report.date, report.title.value)
    files = folder_files(index_text(report, slug, name), report)
    return slug, {f"{NEWS}/{slug}/{file}": data for file, data in files.items()}, report


def write(root: Path, slug: str, files: dict[str, bytes]) -> None:
    """The folder (`report_files`) written whole beside its place, then renamed in;
    FileExistsError if it exists."""
    news = root / NEWS
    news.mkdir(parents=True, exist_ok=True)
    inside = f"{NEWS}/{slug}/"
    write_folder(news, slug, {path.removeprefix(inside): data for path, data in files.items()})

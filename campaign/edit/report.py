"""A new report from the form: its folder's files, named by the tool, as `build.py import` makes them.

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

from campaign.importing import NEWS, folder_name, index_text, write_folder
from campaign.load.byline import Found
from campaign.load.media import MAX_PHOTO_BYTES, PHOTO_EXTENSIONS
from campaign.load.word import Picture, WordReport
from campaign.model.fields import Date, Invalid

PHOTO_SLOTS = 6  # photo inputs on the form: a report rarely has more
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
    title: str, day: dt.date, source: str, summary: str, text: str, photos: list[Photo]
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
    return slug, files, report


def write(root: Path, slug: str, files: dict[str, bytes]) -> None:
    """The folder (`report_files`) written whole beside its place, then renamed in;
    FileExistsError if it exists."""
    news = root / NEWS
    news.mkdir(parents=True, exist_ok=True)
    inside = f"{NEWS}/{slug}/"
    write_folder(news, slug, {path.removeprefix(inside): data for path, data in files.items()})

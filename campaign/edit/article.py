"""An existing report's text as its form shows it, and the text written back with only what changed.

A report's body is Markdown. The form shows it as the clerk wrote it, without its photo lines
(`![说明](photo-1.jpg)`, each a line of its own), whose captions have inputs of their own. A body
of plain paragraphs (as the new-report form and most clerks write it) is shown as plain text,
the marks that keep 「- 」 or 「# 」 text unescaped, and written back the same way
(`report.plain`); a body that uses Markdown beyond paragraphs (a heading, a list, a link, an
attachment) is shown and written as Markdown, and the form says so. Each photo stays after the
paragraph it followed. Nothing changed: the body is left byte for byte; a caption changed alone:
its own line only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from campaign.edit.report import MARKUP, plain

PHOTO_LINE = re.compile(r"!\[(.*)\]\(([^()\s]+)\)\s*")
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>#|!~.)+=-])")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class BodyPhoto:
    """A photo line of the body: the file it names, its caption as shown, where it is."""

    name: str
    caption: str
    line: int  # its line in the body (0-based)
    after: int  # how many paragraphs of the text come before it
    written: str  # the line as it is in the file


@dataclass(frozen=True)
class Body:
    text: str  # what the form's text area shows
    plain: bool  # plain paragraphs (else Markdown, kept as written)
    photos: tuple[BodyPhoto, ...]


def unescaped(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in _PARAGRAPHS.split(text.strip("\n")) if p.strip()]


def read_body(body: str) -> Body:
    """The body as the form shows it."""
    lines = body.split("\n")
    kept: list[str] = []
    photos = []
    for number, line in enumerate(lines):
        found = PHOTO_LINE.fullmatch(line)
        if found is None:
            kept.append(line)
            continue
        after = len(_paragraphs("\n".join(kept)))
        photos.append(BodyPhoto(found.group(2), unescaped(found.group(1)), number, after, line))
    paragraphs = _paragraphs("\n".join(kept))
    shown = [unescaped(p) for p in paragraphs]
    is_plain = all(plain(text) == paragraph for text, paragraph in zip(shown, paragraphs, strict=True))
    text = "\n\n".join(shown) if is_plain else "\n\n".join(paragraphs)
    return Body(text, is_plain, tuple(photos))


def _photo_line(photo: BodyPhoto, caption: str | None) -> str:
    """The photo's line with `caption` (None: as it is written)."""
    if caption is None:
        return photo.written
    escaped = MARKUP.sub(r"\\\1", caption)
    return f"![{escaped}]({photo.name})"


def written_body(body: str, text: str, captions: list[str]) -> str | None:
    """The body with the form's `text` and photo `captions` (in the body's order); None when
    nothing differs from `body`."""
    read = read_body(body)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    changed = [
        (photo, caption.strip())
        for photo, caption in zip(read.photos, captions, strict=True)
        if caption.strip() != photo.caption
    ]
    if text == read.text:
        if not changed:
            return None
        lines = body.split("\n")
        for photo, caption in changed:
            lines[photo.line] = _photo_line(photo, caption)
        return "\n".join(lines)
    new_captions = {photo.line: caption for photo, caption in changed}
    if read.plain:
        paragraphs = [p for p in plain(text).split("\n\n") if p]
    else:
        paragraphs = _paragraphs(text)
    if not read.photos:
        return "\n\n".join(paragraphs) + "\n"
    blocks: list[str] = []
    waiting = list(read.photos)
    for number, paragraph in enumerate(paragraphs):
        while waiting and waiting[0].after <= number:
            photo = waiting.pop(0)
            blocks.append(_photo_line(photo, new_captions.get(photo.line)))
        blocks.append(paragraph)
    blocks += [_photo_line(photo, new_captions.get(photo.line)) for photo in waiting]
    return "\n\n".join(blocks) + "\n"

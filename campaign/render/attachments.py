"""An attachment made fit for publishing: the document as written, without what it hides.

A Word or Excel file (Office Open XML, a zip of XML parts) keeps its author and last editor,
its company, manager, description and keywords, its comments and the people who wrote them,
and the EXIF (with GPS) of every photo pasted into it. A PDF keeps an Info dictionary (author,
the program, the title as typed) and XMP metadata. `clean` returns the file without all of
that; a Word file with tracked changes is refused instead, since publishing a draft's deleted
sentences is worse than asking the clerk to accept them first. What cannot be opened here
(.doc, .xls, .wps, .et, .zip) is delivered as it is and named by `build.py check`; of a .zip
the names of its entries are checked like attachments' (`check_zip`).

The result depends only on the source bytes and this code, and is the same bytes every time
(fixed zip entry times, order and compression), so it is cached by the source's hash like a
photo. `load.media` cleans a file when it first reads it: the size a page lists is that of
the cleaned file, and a refusal reaches the clerk at the line that refers to the file.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from campaign.incremental.cache import Cache

OFFICE = (".docx", ".xlsx", ".pptx")
CLEANED = (".pdf", *OFFICE)
MAX_UNPACKED = 400 * 1024 * 1024  # a 100 MB document inflating past this is a zip bomb, not a report
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build's clock in the file
ORIENTATION = 0x0112

# word/comments.xml, commentsExtended.xml, commentsIds.xml, commentsExtensible.xml, their
# relationships, and people.xml (the names of those who commented or changed the text)
DROPPED = re.compile(r"^word/(?:_rels/)?(?:comments\w*|people)\.xml(?:\.rels)?$")
# Excel's notes and threaded comments with the names of those who wrote them; the drawings that
# show the notes' boxes go too, unless they also hold a form control (a check box) that must stay.
SHEET_DROPPED = re.compile(r"^xl/(?:comments\d*\.xml|threadedComments/[^/]+\.xml|persons/[^/]+\.xml)$")
NOTE_DRAWING = re.compile(r"^xl/drawings/vmlDrawing\d*\.vml$")
SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
OBJECT_TYPE = re.compile(rb'ObjectType="(\w+)"')
EMPTIED = ("creator", "lastModifiedBy", "description", "keywords")  # of docProps/core.xml
REMOVED = ("Company", "Manager")  # of docProps/app.xml
COMMENT_MARKS = re.compile(r"<(\w+:)?(commentRangeStart|commentRangeEnd|commentReference)\b[^>]*?(?:/>|>\s*</\1\2>)")
# The parts that show the document's text, where a tracked change would be published: body,
# headers, footers, notes.
SHOWN_TEXT = re.compile(r"^word/(?:document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
# A tracked insertion, deletion or move, or a tracked change of formatting (w:rPrChange, …).
REVISION = re.compile(rb"<\w+:(?:ins|del|moveFrom|moveTo|\w+Change)[\s/>]")
# pasted pictures, and the picture of the first page some programs save
MEDIA = re.compile(r"^(?:(?:word|xl|ppt)/media/[^/]+|docProps/thumbnail)\.(?:jpe?g|png)$", re.I)
RELATIONSHIP = re.compile(r"<Relationship\b[^>]*?(?:/>|>\s*</Relationship>)")
OVERRIDE = re.compile(r"<Override\b[^>]*?(?:/>|>\s*</Override>)")
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


class Refused(Exception):
    """The attachment cannot be published as it is; `str()` is the sentence for the clerk."""


def cleanable(extension: str) -> bool:
    return extension.lower() in CLEANED


def cache_key(cache: Cache, sha256: str, extension: str) -> str:
    """Where the cleaned file of the source with this hash is kept (our code is in every key)."""
    return cache.key("attachment", sha256, extension.lower())


def clean(data: bytes, extension: str, name: str) -> bytes:
    """The file without its hidden data, or Refused with what is wrong and how to fix it."""
    extension = extension.lower()
    if extension == ".pdf":
        return _pdf(data, name)
    if extension in OFFICE:
        return _office(data, name)
    return data


def check_zip(data: bytes, name: str, programs: tuple[str, ...]) -> None:
    """Refuse a .zip that holds a program (by `programs`, the extensions no attachment may have)
    or an entry that unpacks outside the folder it is unpacked in (/etc/x, C:\\x, ../x).

    A zip that cannot be read here is delivered as it is, as a .doc is: `build.py check` names it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError):
        return
    for entry in entries:
        parts = entry.replace("\\", "/").split("/")
        if entry.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", entry) or ".." in parts:
            raise Refused(
                f"压缩包「{name}」里的「{entry}」会解压到压缩包以外的位置（别的文件夹里），为安全起见不能放到网站上；"
                "请把要放的文件放进一个新文件夹，选中它们点右键 →「发送到」→「压缩(zipped)文件夹」，重新压缩"
            )
        if not entry.endswith("/") and posixpath.splitext(parts[-1])[1].lower() in programs:
            raise Refused(
                f"压缩包「{name}」里有可执行程序「{entry}」，为安全起见不能放到网站上供下载；"
                "请把它从压缩包里删去后重新压缩"
            )


def revisions_message(name: str) -> str:
    return f"「{name}」里有修订记录（修订痕迹）：请在 Word 里「审阅」→「接受所有修订」后另存，再放进来"


# --- Office Open XML ------------------------------------------------------------------------


def _office(data: bytes, name: str) -> bytes:
    damaged = Refused(
        f"「{name}」打不开（可能已经损坏、设置了打开密码，或是别的文件改了扩展名）；"
        "请用 Word 或 WPS 打开它，去掉密码后另存，再放进来"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
            if sum(info.file_size for info in entries) > MAX_UNPACKED:
                raise damaged
            parts = {info.filename: archive.read(info) for info in entries}
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError):
        raise damaged from None
    if any(SHOWN_TEXT.match(part) and REVISION.search(body) for part, body in parts.items()):
        raise Refused(revisions_message(name))
    dropped = {part for part, body in parts.items() if _dropped(part, body)}
    try:
        cleaned = {}
        for part, body in parts.items():
            if part in dropped:
                continue
            cleaned[part] = _part(part, body, dropped, name)
            gone = _gone_ids(part, parts, dropped) if SHEET.match(part) else set()
            if gone:
                cleaned[part] = _edit(cleaned[part], functools.partial(_unlinked, gone=gone))
    except UnicodeDecodeError:  # a part that is not the UTF-8 XML Word and WPS write
        raise damaged from None
    return _zip(cleaned)


def _dropped(part: str, body: bytes) -> bool:
    if DROPPED.match(part) or SHEET_DROPPED.match(part):
        return True
    shown = set(OBJECT_TYPE.findall(body)) if NOTE_DRAWING.match(part) else set()
    return bool(shown) and shown <= {b"Note"}


def _gone_ids(part: str, parts: dict[str, bytes], dropped: set[str]) -> set[str]:
    """The relationship ids by which `part` referred to parts now dropped (a sheet: its notes' drawing)."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in parts:
        return set()
    base = posixpath.dirname(part)
    gone = set()
    for match in RELATIONSHIP.finditer(parts[rels].decode("utf-8-sig")):
        if not _unless_part(match, "Target", base, dropped):
            gone.add(dict(ATTRIBUTE.findall(match.group(0))).get("Id", ""))
    return gone


def _unlinked(text: str, gone: set[str]) -> str:
    """A sheet without the empty elements (<legacyDrawing r:id="…"/>) that name a dropped part."""
    for rel in gone:
        text = re.sub(rf'<[\w:]+\s[^>]*?\b\w+:id="{re.escape(rel)}"[^>]*/>', "", text)
    return text


def _part(part: str, body: bytes, dropped: set[str], name: str) -> bytes:
    if MEDIA.match(part):
        return _image(body, part, name)
    if part == "docProps/core.xml":
        return _edit(body, _empty_properties)
    if part == "docProps/app.xml":
        return _edit(body, _remove_properties)
    if part == "[Content_Types].xml":
        return _edit(body, lambda text: OVERRIDE.sub(lambda m: _unless_part(m, "PartName", "/", dropped), text))
    if part.endswith(".rels"):
        base = posixpath.dirname(posixpath.dirname(part))  # word/_rels/document.xml.rels -> word
        return _edit(body, lambda text: RELATIONSHIP.sub(lambda m: _unless_part(m, "Target", base, dropped), text))
    if part == "word/document.xml":
        return _edit(body, lambda text: COMMENT_MARKS.sub("", text))
    return body


def _edit(body: bytes, change: Callable[[str], str]) -> bytes:
    """A part's text changed in place, so everything else in it (prefixes, order) stays as Word wrote it."""
    return change(body.decode("utf-8-sig")).encode("utf-8")


def _empty_properties(text: str) -> str:
    for element in EMPTIED:
        text = re.sub(rf"<((?:\w+:)?{element})\b([^>]*?)(?:/>|>.*?</\1>)", r"<\1\2></\1>", text, flags=re.S)
    return text


def _remove_properties(text: str) -> str:
    for element in REMOVED:
        text = re.sub(rf"<((?:\w+:)?{element})\b[^>]*?(?:/>|>.*?</\1>)", "", text, flags=re.S)
    return text


def _unless_part(match: re.Match[str], attribute: str, base: str, dropped: set[str]) -> str:
    """The element, or nothing when it names a dropped part (relative to `base`, or absolute)."""
    attributes = dict(ATTRIBUTE.findall(match.group(0)))
    if attributes.get("TargetMode") == "External":
        return match.group(0)
    target = attributes.get(attribute, "")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
    return "" if path in dropped else match.group(0)


def _image(body: bytes, part: str, name: str) -> bytes:
    """A pasted photo's pixels, without EXIF (GPS, camera), XMP or comments; its orientation stays."""
    damaged = Refused(
        f"「{name}」里的图片「{posixpath.basename(part)}」已损坏，无法去掉其中的拍摄地点等隐藏信息；"
        "请在文档里删掉这张图片，重新插入后另存，再放进来"
    )
    try:
        image = Image.open(io.BytesIO(body))
        image.load()
    except Exception:  # damaged, or a decompression bomb: either way it cannot be cleaned
        raise damaged from None
    with image:
        if image.format not in ("JPEG", "MPO", "PNG"):
            return body  # a picture under another extension: no EXIF of a camera to carry
        kept = {key: image.info[key] for key in ("icc_profile", "dpi") if key in image.info}  # colours, print size
        out = io.BytesIO()
        try:
            if image.format == "PNG":
                image.save(out, format="PNG", **kept)  # lossless: the same pixels, none of the text chunks
            else:
                turn = _orientation(image)
                exif = Image.Exif()
                if turn != 1:  # how the document shows the photo depends on it: kept, alone
                    exif[ORIENTATION] = turn
                own = image.format == "JPEG"  # Pillow keeps a JPEG's own quantisation, not an MPO's
                image.save(
                    out,
                    format="JPEG",
                    quality="keep" if own else 95,
                    subsampling="keep" if own else 0,
                    progressive=bool(image.info.get("progressive")),
                    exif=exif.tobytes() if turn != 1 else b"",
                    **kept,
                )
        except (OSError, ValueError):
            raise damaged from None
    return out.getvalue()


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ORIENTATION, 1))
    except Exception:  # a damaged EXIF block: shown as stored
        return 1
    return value if 1 <= value <= 8 else 1


def _zip(parts: dict[str, bytes]) -> bytes:
    """The parts as a zip that is the same bytes every time: [Content_Types].xml first, then as found."""
    order = sorted(parts, key=lambda part: part != "[Content_Types].xml")  # stable: the rest as found
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in order:
            info = zipfile.ZipInfo(part, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # otherwise it says which system built the site
            info.external_attr = 0
            archive.writestr(info, parts[part], compresslevel=6)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------


def _pdf(data: bytes, name: str) -> bytes:
    damaged = Refused(f"「{name}」已损坏，无法读取（只拷贝了一部分，或不是真正的 PDF）；请重新导出或重新拷贝一次")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        locked = reader.is_encrypted and not reader.decrypt("")
        writer = None if locked else PdfWriter(clone_from=reader)
    except Exception:  # pypdf's many ways of saying a file is broken
        raise damaged from None
    if writer is None:
        raise Refused(
            f"「{name}」设置了打开密码，读者打不开，网站也无法去掉其中的作者等隐藏信息；"
            "请另存一份不带密码的 PDF 后再放进来"
        )
    writer.metadata = None  # the Info dictionary: author, creator program, title, dates
    for holder in (writer.root_object, *writer.pages):
        if "/Metadata" in holder:  # XMP, of the document and of single pages
            del holder[NameObject("/Metadata")]
    # a removed object stays in the file until what nothing refers to is dropped
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    try:
        writer.write(out)
    except Exception:
        raise damaged from None
    return out.getvalue()

"""Photos and attachments as files on disk: which types are allowed, their size, hash and upright size.

An iPhone's HEIC photo is opened as any other (with pillow-heif's opener, registered the first
time one is met) and delivered as JPEG. An attachment is cleaned of its hidden data when it is
first read (`render.attachments`), so the size listed is that of the file delivered and a Word
file with tracked changes is refused at its reference.

A file is read once per change: its SHA-256 is remembered in the build cache under its size,
modification and change times and file id, so an unchanged folder of 200 photos costs 200
`stat` calls, not 1 GB of reading (a replaced photo gets a new change time, so it is read and
hashed again). Of a photo only the header is looked at here (format, pixel size, EXIF
orientation): decoding the pixels is the renderer's work (`render.photos`), done once per
changed photo. Files that changed are read over a few threads, since reading and hashing let go
of Python's lock.

Every refusal is a sentence for the clerk, naming the file; the caller adds where it is referenced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from PIL import Image, UnidentifiedImageError

from campaign.errors import ContentError
from campaign.load.source import refuse_outside
from campaign.render import attachments

if TYPE_CHECKING:
    from campaign.context import BuildContext

# What may be shown as a photo (by the name's extension; the content decides the format).
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".hif")
# What may be offered for download, with the type as the listing shows it: 附件：x.pdf（PDF，147 KB）.
ATTACHMENT_TYPES = {
    ".pdf": "PDF",
    ".doc": "DOC",
    ".docx": "DOCX",
    ".xls": "XLS",
    ".xlsx": "XLSX",
    ".wps": "WPS",
    ".et": "ET",
    ".zip": "ZIP",
}
OTHER_PICTURES = {".gif": "GIF", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF", ".jfif": "JFIF", ".avif": "AVIF"}
SCRIPT_TYPES = (".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".js", ".mjs", ".css", ".xml", ".php", ".swf")
PROGRAM_TYPES = (".exe", ".com", ".bat", ".cmd", ".msi", ".scr", ".vbs", ".ps1", ".jar", ".apk", ".dll", ".sh", ".lnk")
ARCHIVES = (".rar", ".7z", ".tar", ".gz", ".tgz")

MAX_PHOTO_BYTES = 50 * 1024 * 1024  # a phone photo is 3–15 MB
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024  # refused above: the build holds each file in memory
WARN_ATTACHMENT_BYTES = 20 * 1024 * 1024  # published, with a warning: slow on a phone's data plan
# Pillow's own limit (about 89 million pixels, twice a 48-megapixel phone photo): above it a
# file is a decompression bomb, a few KB that would take gigabytes to decode. (Pillow's None,
# the check switched off, never happens here: nothing switches it off.)
MAX_PIXELS: int = Image.MAX_IMAGE_PIXELS or 0
ORIENTATION = 0x0112  # the EXIF tag
SIDEWAYS = (5, 6, 7, 8)  # orientations stored turned by 90°
# A program under another name is refused whatever it is called (Windows, Linux, macOS).
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
# What an iPhone's photo starts with, whatever its name (AVIF, a cousin pillow-heif does not read, is not here).
HEIF_BRANDS = re.compile(rb"^....ftyp(heic|heix|hevc|hevx|heim|heis|mif1|msf1)")


NAME = "\x00"  # stands for the file's name in a message remembered by content


class Unusable(Exception):
    """A file that cannot go on the site; `str()` is the sentence for the clerk."""


@dataclass(frozen=True)
class PhotoHead:
    """What a photo's header says: the format it is delivered in and its upright pixel size."""

    format: str  # "jpeg" or "png"
    width: int
    height: int


class AttachmentRecord(TypedDict, total=False):
    """A cleaned attachment as the cache keeps it (JSON): its size as delivered, or why it is refused."""

    size: int
    error: str  # the sentence for the clerk, with the file's name as NAME


class HeadRecord(TypedDict, total=False):
    """A photo's header as the cache keeps it (JSON): what `PhotoHead` holds, or why it is unusable."""

    format: str
    width: int
    height: int
    error: str  # the sentence for the clerk, with the photo's name as NAME


@dataclass(frozen=True)
class Facts:
    size: int  # bytes as delivered: an attachment's after cleaning, a photo's source
    sha256: str  # of the source
    photo: PhotoHead | None = None


def attachment_label(extension: str, size: int) -> str:
    """ "PDF，147 KB": what a government site writes after an attachment's name."""
    kind = ATTACHMENT_TYPES[extension.lower()]
    if size < 1024 * 1024:
        shown = f"{max(1, (size + 512) // 1024)} KB"
    else:
        shown = f"{size / (1024 * 1024):.1f} MB"
    return f"{kind}，{shown}"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def gather(ctx: BuildContext, wanted: dict[Path, str]) -> dict[Path, Facts | str]:
    """Facts for every file in `wanted` (path -> "photo" or "attachment"), or why it cannot be used."""
    found: dict[Path, Facts | str] = {}
    todo = []
    for path, kind in sorted(wanted.items()):
        try:
            known = _known(ctx, path, kind)
        except Unusable as exc:
            found[path] = str(exc)
            continue
        if known is None:
            todo.append((path, kind))
        else:
            found[path] = known
    # Pillow warns (on the console) between its pixel limit and twice it, and raises above; the
    # limit is checked here for every photo, with a message, so the warning would only say it
    # twice. Silenced here, around all the reading, by the thread that starts the readers:
    # `catch_warnings` swaps the process's filters, so the readers must not enter it themselves.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        if len(todo) > 1 and ctx.workers.count > 1:
            with ThreadPoolExecutor(max_workers=min(8, 2 * ctx.workers.count)) as pool:
                results = list(pool.map(lambda item: _read(ctx, *item), todo))
        else:
            results = [_read(ctx, path, kind) for path, kind in todo]
    for (path, _), result in zip(todo, results):
        found[path] = result
    return found


def _stamp_key(ctx: BuildContext, path: Path, stat: os.stat_result) -> str:
    name = path.relative_to(ctx.root).as_posix() if path.is_relative_to(ctx.root) else str(path)
    return ctx.cache.key("stamp", name, repr((stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)))


def _known(ctx: BuildContext, path: Path, kind: str) -> Facts | None:
    """The facts of a file unchanged since it was last read (None: read it)."""
    name = path.name
    try:
        refuse_outside(path, ctx.root, name)
    except ContentError as exc:
        raise Unusable(f"「{name}」：" + exc.problems[0].message) from None
    try:
        stat = path.stat()
    except OSError:
        return None  # reading it will say what is wrong
    _check_size(name, stat.st_size, kind)
    sha = ctx.cache.get("stamp", _stamp_key(ctx, path, stat))
    if sha is None:
        return None
    sha256 = sha.decode("ascii")
    if kind != "photo":
        if not attachments.cleanable(path.suffix):
            return Facts(stat.st_size, sha256)
        cleaned = ctx.cache.get("attachment-head", _cleaned_key(ctx, sha256, path.suffix))
        if cleaned is None:
            return None
        return _attachment_facts(name, sha256, json.loads(cleaned))
    head = ctx.cache.get("photo-head", ctx.cache.key("photo-head", sha256))
    if head is None:
        return None
    return _head_facts(name, stat.st_size, sha256, json.loads(head))


def _attachment_facts(name: str, sha256: str, cleaned: AttachmentRecord) -> Facts:
    if "error" in cleaned:
        raise Unusable(cleaned["error"].replace(NAME, name))
    return Facts(cleaned["size"], sha256)


def _cleaned_key(ctx: BuildContext, sha256: str, extension: str) -> str:
    return ctx.cache.key("attachment-head", sha256, extension.lower())


def _clean(ctx: BuildContext, data: bytes, sha256: str, extension: str) -> AttachmentRecord:
    """Clean an attachment once: the file for the renderer, its size (or refusal) for the next build."""
    try:
        cleaned = attachments.clean(data, extension, NAME)
    except attachments.Refused as exc:
        # kept without the file's name, as a photo's refusal is
        record = AttachmentRecord(error=str(exc))
    else:
        ctx.cache.put("attachment", attachments.cache_key(ctx.cache, sha256, extension), cleaned)
        record = AttachmentRecord(size=len(cleaned))
    ctx.cache.put("attachment-head", _cleaned_key(ctx, sha256, extension), json.dumps(record).encode())
    return record


def _head_facts(name: str, size: int, sha256: str, head: HeadRecord) -> Facts:
    if "error" in head:
        raise Unusable(head["error"].replace(NAME, name))
    return Facts(size, sha256, PhotoHead(head["format"], head["width"], head["height"]))


def _read(ctx: BuildContext, path: Path, kind: str) -> Facts | str:
    """Read, hash and (a photo) look at one file; remembered for the next build."""
    name = path.name
    try:
        try:
            refuse_outside(path, ctx.root, name)
        except ContentError as exc:
            raise Unusable(f"「{name}」：" + exc.problems[0].message) from None
        stat = path.stat()
        _check_size(name, stat.st_size, kind)
        data = path.read_bytes()
    except Unusable as exc:
        return str(exc)
    except OSError as exc:
        return f"无法读取「{name}」（{exc.strerror or exc}）；请确认文件没有被别的程序占用"
    sha256 = hashlib.sha256(data).hexdigest()
    if kind != "photo":
        try:
            _check_attachment(name, data, path.suffix)
        except Unusable as exc:
            return str(exc)  # not remembered: read and refused again next time
        ctx.cache.put("stamp", _stamp_key(ctx, path, stat), sha256.encode("ascii"))
        if not attachments.cleanable(path.suffix):
            return Facts(len(data), sha256)
        try:
            return _attachment_facts(name, sha256, _clean(ctx, data, sha256, path.suffix))
        except Unusable as exc:
            return str(exc)
    ctx.cache.put("stamp", _stamp_key(ctx, path, stat), sha256.encode("ascii"))
    try:
        head = photo_head(data, NAME)
    except Unusable as exc:
        # kept without the file's name, so a copy of the photo under another name says its own
        head = HeadRecord(error=str(exc))
    ctx.cache.put("photo-head", ctx.cache.key("photo-head", sha256), json.dumps(head).encode())
    try:
        return _head_facts(name, len(data), sha256, head)
    except Unusable as exc:
        return str(exc)


def _check_size(name: str, size: int, kind: str) -> None:
    if kind == "photo" and size > MAX_PHOTO_BYTES:
        raise Unusable(
            f"照片「{name}」有 {megabytes(size)}，超过 {megabytes(MAX_PHOTO_BYTES)} 的上限；"
            "请用手机或画图软件另存为较小的 JPG 后再放"
        )
    if kind != "photo" and size > MAX_ATTACHMENT_BYTES:
        raise Unusable(
            f"附件「{name}」有 {megabytes(size)}，超过 {megabytes(MAX_ATTACHMENT_BYTES)} 的上限，"
            "网站放不下；请压缩或拆成几个文件后再放"
        )
    if size == 0:
        what = "照片" if kind == "photo" else "附件"
        raise Unusable(f"{what}「{name}」是空文件（0 字节），可能没有拷贝完整；请重新拷贝一次")


def _check_attachment(name: str, data: bytes, extension: str) -> None:
    if data.startswith(PROGRAM_MAGIC):
        raise Unusable(f"附件「{name}」的内容其实是一个程序（只是改了扩展名），为安全起见不能放到网站上")
    if extension.lower() == ".zip":
        try:
            attachments.check_zip(data, name, PROGRAM_TYPES)
        except attachments.Refused as exc:
            raise Unusable(str(exc)) from None


def orientation(image: Image.Image) -> int:
    """The EXIF orientation (1–8; 1 when there is none or it is damaged), read from the header only.

    The renderer turns the pixels by the same value, read the same way before decoding, so
    the size promised here is the size delivered.
    """
    try:
        if image.format == "PNG":  # a PNG's EXIF may follow the pixels: only the part before them
            raw = image.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = image.getexif()
        value = int(exif.get(ORIENTATION, 1))
    except Exception:  # a damaged EXIF block is not worth refusing a photo for
        return 1
    return value if 1 <= value <= 8 else 1


def delivered_format(image: Image.Image) -> str:
    """JPEG for photographs; PNG for drawings (QR codes, charts) saved in few colours or grey."""
    if image.format == "PNG" and image.mode in ("1", "L", "LA", "P", "PA", "I", "I;16"):
        return "png"
    return "jpeg"


def open_photo(data: bytes, name: str) -> Image.Image:
    """The photo opened (header only), or Unusable with what is wrong and how to fix it."""
    if HEIF_BRANDS.match(data[:16]):
        _read_heif()
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # more than twice the limit
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise Unusable(bomb_message(name, int(found.group(1)) if found else 0)) from None
    except UnidentifiedImageError:
        raise Unusable(
            f"「{name}」不是能识别的图片（可能已经损坏，或是别的文件改了扩展名）；请用看图软件打开确认，再另存为 JPG"
        ) from None
    except Exception:
        raise Unusable(f"照片「{name}」已损坏，无法读取；请从手机或原始位置重新拷贝一次") from None
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise Unusable(bomb_message(name, image.width * image.height))
    if image.format not in ("JPEG", "MPO", "PNG", "WEBP", "HEIF"):
        kind = OTHER_PICTURES.get("." + (image.format or "").lower(), image.format or "未知")
        image.close()
        raise Unusable(other_picture_message(name, kind))
    return image


@cache
def _read_heif() -> None:
    """Teach Pillow HEIC, once per process, when the first iPhone photo arrives.

    pillow-heif turns the pixels upright as it decodes them (the HEIF's own rotation) and then
    says orientation 1, so `orientation` and the renderer never turn them a second time.
    """
    from pillow_heif import register_heif_opener

    register_heif_opener()


def photo_head(data: bytes, name: str = "照片") -> HeadRecord:
    image = open_photo(data, name)
    with image:
        width, height = image.size
        if orientation(image) in SIDEWAYS:
            width, height = height, width
        return HeadRecord(format=delivered_format(image), width=width, height=height)


def bomb_message(name: str, pixels: int) -> str:
    counted = f"{pixels // 10000} 万像素，" if pixels else ""
    return (
        f"照片「{name}」的像素多得异常（{counted}最多 {MAX_PIXELS // 10000} 万像素）："
        "可能是损坏或特意制作的文件，处理它会耗尽电脑内存；"
        "如确是照片，请用画图等软件把它缩小（如宽 4000 像素）后另存为 JPG"
    )


def other_picture_message(name: str, kind: str) -> str:
    return f"「{name}」是 {kind} 图片，网站只显示 JPG 和 PNG；请用画图软件打开它，「另存为」JPEG 图片后再放"


def truncated_message(name: str) -> str:
    return f"照片「{name}」不完整（只有前面一部分，可能是拷贝或传输时中断了）；请从手机或原始位置重新拷贝一次"

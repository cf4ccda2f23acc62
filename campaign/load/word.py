"""A unit's Word report (.docx), read into what a news report is made of.

`read_report` takes the document's bytes (never a path) and gives back a `WordReport`: the
title, date, source and summary found in it (`byline` finds them), each with where it was found
so the clerk can check it in one look, the body as Markdown and the photos it embeds, in their original bytes.

What becomes what: headings, and short unstyled 「一、…」 / 「（一）…」 lines, are `##` headings; Word's numbered and
bulleted paragraphs are Markdown lists; a table is a Markdown table, or its cells' paragraphs
when it only lays out photos or has one row or column; each embedded picture is a photo on its
own line, captioned by the 「图为…」 / 「图1 …」 line under it (or a Caption-styled one). Word's
full-width first-line indents and manual line breaks go, and so does any space between two
Chinese characters. Deleted tracked text, comments, text boxes and document properties are
never read into the report.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from PIL import Image

from campaign.load import byline
from campaign.load.source import UNCARRIED
from campaign.model.fields import PLACEHOLDER_PREFIX
from campaign.model.timeline import BEIJING

if TYPE_CHECKING:
    from docx.document import Document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
V = "{urn:schemas-microsoft-com:vml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

CAPTION_PLACEHOLDER = f"{PLACEHOLDER_PREFIX}：照片说明"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .doc, or a .docx Word encrypted with a password

# Not read into the report: deleted tracked text, text boxes, the VML copy of a drawing Word
# keeps for old readers (it would show every picture twice), field codes.
SKIPPED = {W + "del", W + "moveFrom", W + "txbxContent", MC + "Fallback", W + "instrText", W + "pPr", W + "rPr"}
# A CJK character or CJK punctuation, but not a space: what a space between two of is stray.
CJK = "[\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
SPACES = "[ \t\u00a0\u2002-\u200a\u3000]"
STRAY_SPACE = re.compile(f"(?<={CJK}){SPACES}+(?={CJK})")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
INDENTED = re.compile(f"^{SPACES}{{2,}}")  # a line Word indents: a new paragraph after a manual break

CAPTION = re.compile(r"[▲△↑（(]?\s*图\s*(?:为|片为|[0-9０-９]+|[一二三四五六七八九十]+)")
CN_HEADINGS = (re.compile(r"[一二三四五六七八九十]{1,3}、"), re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]"))


class Unreadable(Exception):
    """A document that cannot be imported; `str()` is the one sentence for the clerk."""


@dataclass(frozen=True)
class Picture:
    name: str  # written beside index.md: photo-1.jpg
    data: bytes
    caption: str  # the 「图为…」 line under it, or the placeholder


@dataclass(frozen=True)
class WordReport:
    title: byline.Found
    date: dt.date
    date_origin: str
    source: byline.Found
    summary: str
    body: str  # Markdown
    pictures: tuple[Picture, ...]
    notes: tuple[str, ...]  # what the clerk should know: pictures that could not be taken


# --- the document as blocks ---------------------------------------------------------------------


@dataclass
class _Block:
    kind: str  # "text", "heading", "list", "caption", "photo", "table"
    lines: list[str] = field(default_factory=list)  # a paragraph's lines, split at manual breaks
    level: int = 0  # a heading's level; a list item's depth
    ordered: bool = False
    title: bool = False  # in Word's Title style
    rows: list[list[str]] = field(default_factory=list)
    picture: int = -1  # index into the pictures read

    @property
    def text(self) -> str:
        return _joined(self.lines)


@dataclass
class _Reader:
    document: Document
    styles: dict[str, Any]
    pictures: list[tuple[str, bytes]] = field(default_factory=list)  # (extension, bytes)
    by_part: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: int = 0


def open_document(data: bytes) -> Document:
    """The parsed document; `Unreadable` for an old .doc, a password or a broken file."""
    if data.startswith(CFB_MAGIC):
        raise Unreadable(
            "设置了打开密码，或其实是旧版 Word 文件（.doc）改了扩展名，无法导入；请用 Word 或 WPS 打开它，"
            "去掉密码后「另存为」Word 文档（.docx），再导入"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Unreadable(BROKEN)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception:  # a broken package fails anywhere inside python-docx and lxml
        raise Unreadable(BROKEN) from None


BROKEN = (
    "打不开（文件已损坏、没有拷贝完整，或不是 Word 文档）；请用 Word 或 WPS 打开它，"
    "「另存为」Word 文档（.docx）后再导入"
)


def read_report(data: bytes, file_name: str, year: int, today: dt.date) -> WordReport:
    """The report in `data`, a .docx named `file_name`; `year` completes a date like 5月15日."""
    document = open_document(data)
    try:
        return _report(document, file_name, year, today)
    except Unreadable:
        raise
    except Exception:  # a document python-docx opened but whose parts are not what Word writes
        raise Unreadable(BROKEN) from None


def _report(document: Document, file_name: str, year: int, today: dt.date) -> WordReport:
    reader = _Reader(document, {style.style_id: style for style in document.styles})
    blocks: list[_Block] = []
    for element in _block_elements(document.element.body):
        blocks += _read_block(reader, element)
    blocks = [block for block in blocks if block.kind in ("photo", "table") or block.text]
    lines = [byline.Line(block.kind, block.text if block.kind != "photo" else "", block.title) for block in blocks]
    found = byline.find(lines, file_name, year)
    blocks = [block for index, block in enumerate(blocks) if index not in found.used]
    date, date_origin = found.date, found.date_origin
    if date is None:
        date, date_origin = _property_date(document, today)
    captions = _pair_captions(blocks)
    names = [f"photo-{n}.{extension}" for n, (extension, _) in enumerate(reader.pictures, 1)]
    body = _markdown(blocks, names, captions)
    pictures = tuple(
        Picture(name, data, captions.get(index, CAPTION_PLACEHOLDER))
        for index, (name, (_, data)) in enumerate(zip(names, reader.pictures))
    )
    first = next((b.text for b in blocks if b.kind == "text" and not _heading_level(b)), found.title.value)
    return WordReport(
        found.title, date, date_origin, found.source, _summary(first), body, pictures, tuple(reader.notes)
    )


def _block_elements(container: Any) -> list[Any]:
    """The paragraphs and tables of a body or cell, content controls opened."""
    found = []
    for child in container:
        if child.tag in (W + "p", W + "tbl"):
            found.append(child)
        elif child.tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins"):
            found += _block_elements(child)
    return found


def _read_block(reader: _Reader, element: Any) -> list[_Block]:
    if element.tag == W + "tbl":
        return _table(reader, element)
    kind, level, ordered, title = _paragraph_kind(reader, element)
    blocks: list[_Block] = []
    lines = [""]
    for piece in _pieces(reader, element):
        if isinstance(piece, int):
            blocks.append(_Block(kind, lines, level, ordered, title))
            blocks.append(_Block("photo", picture=piece))
            lines = [""]
        elif piece == "\n":
            lines.append("")
        else:
            lines[-1] += piece
    blocks.append(_Block(kind, lines, level, ordered, title))
    split: list[_Block] = []
    for block in blocks:  # a line Word indents after a manual break starts a paragraph of its own
        if block.kind == "text" and any(INDENTED.match(line) for line in block.lines[1:]):
            start = 0
            for at in range(1, len(block.lines) + 1):
                if at == len(block.lines) or INDENTED.match(block.lines[at]):
                    split.append(_Block("text", block.lines[start:at]))
                    start = at
        else:
            split.append(block)
    return split


def _pieces(reader: _Reader, element: Any) -> list[str | int]:
    """A paragraph's text, "\n" for each manual break and the index of each picture, in order."""
    out: list[str | int] = []

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIPPED:
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag == W + "tab":
                out.append(" ")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag in (W + "drawing", W + "pict", W + "object"):
                out.extend(_pictures(reader, child))
            else:
                walk(child)

    walk(element)
    return out


def _pictures(reader: _Reader, drawing: Any) -> list[int]:
    found = []
    for node in drawing.iter(A + "blip", V + "imagedata"):
        rid = node.get(R + "embed") or node.get(R + "id")
        if not rid:
            if node.get(R + "link"):
                reader.skipped += 1
                reader.notes.append(
                    "文档里有一张图片是链接到电脑上的文件，没有放进文档里，无法导入；请把照片直接放进文章文件夹"
                )
            continue
        part = reader.document.part.related_parts.get(rid)
        if part is None:
            continue
        key = str(part.partname)
        if key not in reader.by_part:
            picture = _picture_bytes(part.blob)
            if picture is None:
                reader.notes.append(
                    f"文档里的图片 {key.rsplit('/', 1)[-1]} 不是照片（多半是 Word 里画的图形或图表），网站显示不了，"
                    "没有导入；需要的话请截图另存为 JPG 放进文章文件夹"
                )
                reader.by_part[key] = -1
                continue
            reader.by_part[key] = len(reader.pictures)
            reader.pictures.append(picture)
        if reader.by_part[key] >= 0:
            found.append(reader.by_part[key])
    return found


def _picture_bytes(blob: bytes) -> tuple[str, bytes] | None:
    """(extension, bytes) of an embedded picture: a photo as it is, a GIF, BMP or TIFF as PNG."""
    if blob.startswith(b"\xff\xd8"):
        return "jpg", blob
    if blob.startswith(b"\x89PNG"):
        return "png", blob
    if blob[:4] == b"RIFF" and blob[8:12] == b"WEBP":
        return "webp", blob
    try:
        with Image.open(io.BytesIO(blob)) as image:
            if image.format not in ("GIF", "BMP", "TIFF"):
                return None
            out = io.BytesIO()
            image.convert("RGBA").save(out, "PNG")  # the site shows JPEG and PNG; nothing is lost
            return "png", out.getvalue()
    except Exception:  # EMF, WMF, SVG: what Pillow cannot open is no photo
        return None


def _style_chain(reader: _Reader, style_id: str | None) -> list[Any]:
    chain: list[Any] = []
    style = reader.styles.get(style_id or "") or reader.document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    while style is not None and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def _paragraph_kind(reader: _Reader, p: Any) -> tuple[str, int, bool, bool]:
    """(kind, level, ordered, may be the title) of a paragraph, from its style and numbering."""
    chain = _style_chain(reader, p.style)
    names = [(style.name or "").lower() for style in chain]
    if names and names[0] in ("caption", "题注"):
        return "caption", 0, False, False
    for name in names:
        if name in ("title", "标题"):
            return "heading", 1, False, True
        match = re.fullmatch(r"(?:heading|标题)\s*(\d)", name)
        if match:
            return "heading", int(match.group(1)), False, False
    properties = [p.pPr] + [style.element.pPr for style in chain]
    for pPr in properties:
        outline = pPr.find(W + "outlineLvl") if pPr is not None else None
        if outline is not None and (outline.get(W + "val") or "9").isdigit() and int(outline.get(W + "val")) < 9:
            return "heading", int(outline.get(W + "val")) + 1, False, False
    for pPr in properties:
        numbering = pPr.find(W + "numPr") if pPr is not None else None
        if numbering is not None:
            number = numbering.find(W + "numId")
            depth = numbering.find(W + "ilvl")
            num_id = number.get(W + "val") if number is not None else "0"
            ilvl = depth.get(W + "val") if depth is not None else "0"
            if num_id == "0":
                break
            form = _number_format(reader, num_id or "0", ilvl or "0")
            if form == "none":
                break
            return "list", int(ilvl or "0"), form != "bullet", False
    return "text", 0, False, False


def _number_format(reader: _Reader, num_id: str, ilvl: str) -> str:
    try:
        numbering = reader.document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return "bullet"
    abstract = numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
    if not abstract:
        return "bullet"
    forms = numbering.xpath(
        f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{ilvl}"]/w:numFmt/@w:val'
    )
    return str(forms[0]) if forms else "decimal"


def _table(reader: _Reader, table: Any) -> list[_Block]:
    """A table of text as one block; a table that lays out photos, or a box, as its paragraphs."""
    rows: list[list[str]] = []
    inner: list[_Block] = []
    for tr in table.findall(W + "tr"):
        row: list[str] = []
        for tc in tr.findall(W + "tc"):
            cell: list[_Block] = []
            for element in _block_elements(tc):
                cell += _read_block(reader, element)
            inner += cell
            merged = tc.find(f"{W}tcPr/{W}vMerge")
            continued = merged is not None and merged.get(W + "val") != "restart"
            text = "" if continued else " ".join(b.text for b in cell if b.kind not in ("photo", "table") and b.text)
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            width = int(span.get(W + "val") or 1) if span is not None else 1
            row += [text] + [""] * (width - 1)
        rows.append(row)
    columns = max((len(row) for row in rows), default=0)
    if any(block.kind in ("photo", "table") for block in inner) or len(rows) < 2 or columns < 2:
        return inner
    return [_Block("table", rows=[row + [""] * (columns - len(row)) for row in rows])]


# --- text ---------------------------------------------------------------------------------------


def _clean(line: str) -> str:
    """One line as it reads: no control characters (nor what a feed cannot carry: bidi controls, noncharacters), no indent, no space between Chinese characters."""
    line = INVISIBLE.sub("", UNCARRIED.sub("", line.replace("\u2028", " ").replace("\u2029", " ")))
    line = STRAY_SPACE.sub("", line)
    return re.sub(f"{SPACES}+", " ", line).strip()


def _joined(lines: list[str]) -> str:
    """A paragraph's lines as one: a manual break is nothing, or a space between two Latin words."""
    text = ""
    for line in (_clean(line) for line in lines):
        if not line:
            continue
        if text and re.match(r"[A-Za-z0-9]", line) and re.search(r"[A-Za-z0-9,.;:]$", text):
            text += " "
        text += line
    return text


def _summary(paragraph: str) -> str:
    """The first sentence of the first paragraph, at most about 100 characters."""
    match = byline.SENTENCE_END.search(paragraph)
    sentence = paragraph[: match.end()] if match else paragraph
    return sentence if len(sentence) <= 120 else sentence[:100] + "……"


def _property_date(document: Document, today: dt.date) -> tuple[dt.date, str]:
    properties = document.core_properties
    for moment, what in ((properties.modified, "最后修改时间"), (properties.created, "创建时间")):
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(BEIJING).date(), f"文中没有写日期，取自 Word 文档属性里的{what}，请核对"
    return today, "文中和 Word 文档属性里都没有日期，暂用今天，请核对"


# --- photos and Markdown ------------------------------------------------------------------------


def _is_caption(block: _Block) -> bool:
    text = block.text
    return block.kind == "caption" or (block.kind == "text" and bool(CAPTION.match(text)) and len(text) <= 150)


def _pair_captions(blocks: list[_Block]) -> dict[int, str]:
    """Picture index -> its caption; a run of photos takes the run of caption lines under it,
    in order (a photo under a photo, or two side by side in a table with their captions below)."""
    captions: dict[int, str] = {}
    index = 0
    while index < len(blocks):
        if blocks[index].kind != "photo":
            index += 1
            continue
        photos = []
        while index < len(blocks) and blocks[index].kind == "photo":
            photos.append(blocks[index])
            index += 1
        lines: list[str] = []
        while index < len(blocks) and len(lines) < len(photos) and _is_caption(blocks[index]):
            lines.append(blocks.pop(index).text)
        for photo, caption in zip(photos, lines):
            captions.setdefault(photo.picture, caption)
    return captions


def _escape(text: str) -> str:
    """Text that Markdown shows as it is written."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"^([#>+-])", r"\\\1", text)
    return re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)


def _markdown(blocks: list[_Block], names: list[str], captions: dict[int, str]) -> str:
    levels = sorted({_heading_level(block) for block in blocks if _heading_level(block)})
    parts: list[str] = []
    listing = False  # the block before was a list item: the items of one list stay together
    for block in blocks:
        level = _heading_level(block)
        if block.kind == "list":
            item = "    " * block.level + ("1. " if block.ordered else "- ") + _escape(block.text)
            parts[-1:] = [parts[-1] + "\n" + item] if listing else [*parts[-1:], item]
            listing = True
            continue
        listing = False
        if block.kind == "photo":
            caption = captions.get(block.picture, CAPTION_PLACEHOLDER)
            parts.append(f"![{_escape(caption)}]({names[block.picture]})")
        elif block.kind == "table":
            parts.append(_table_markdown(block.rows))
        elif level:
            parts.append("#" * min(levels.index(level) + 2, 4) + " " + _escape(block.text))
        else:
            parts.append(_escape(block.text))
    return "\n\n".join(parts) + "\n"


def _heading_level(block: _Block) -> int:
    """A heading's level: Word's own, then 「一、」 and 「（一）」 lines below every styled one."""
    if block.kind == "heading":
        return block.level
    text = block.text
    if block.kind == "text" and len(text) <= 30 and not re.search(r"[。；;，,：:！？]$", text):
        for depth, pattern in enumerate(CN_HEADINGS):
            if pattern.match(text):
                return 10 + depth
    return 0


def _table_markdown(rows: list[list[str]]) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(_escape(cell).replace("|", "\\|") for cell in cells) + " |"

    lines = [row(rows[0]), "| " + " | ".join("---" for _ in rows[0]) + " |"]
    return "\n".join(lines + [row(cells) for cells in rows[1:]])

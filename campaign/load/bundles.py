"""Photos and attachments a Markdown page refers to by plain names, as Hugo's and Zola's page bundles.

A report may be a folder, `content/news/<slug>/index.md`, with its photos and documents beside
it: `![干部职工骑行上班](ride.jpg)`, `[活动总结](summary.pdf)`. The notice and the contact page
refer to files in `content/files/` the same way (`files/ride.jpg`). The references are read
from the page's sanitised HTML, which is what Markdown really made of the text, and traced
back to their line for messages. Each file goes out into the page's own folder under its own
relative name, so the relative references in the HTML keep working (a photo as its sizes,
`ride-800.jpg` and `ride-1600.jpg`).

What `attach` gives back per page: the HTML with every photo as a figure (sizes in `srcset`,
`width` and `height`, lazy loading, its alt text as caption) and every attachment listed as a
government site does (附件：活动总结.pdf（PDF，147 KB）), and the `Asset`s the renderer turns
into files. A missing file, a photo without alt text, a program or web page as an
attachment, a picture from another site (which our own Content-Security-Policy would block)
are each refused at the line that refers to it; so are a shortcut (symbolic link) in place of
the file, and a name a reader's disk cannot hold or that reads other than it is (two differing
only in case, a Windows device name, a direction mark, one too long).
"""

from __future__ import annotations

import html as htmlmod
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from campaign.errors import Problems
from campaign.load import media
from campaign.load.source import display_name, ignored_name, points_inside, shortcut_refused
from campaign.model.site import PLACEHOLDER_PREFIX, Asset, Attachment, Photo, PhotoSize

if TYPE_CHECKING:
    from campaign.context import BuildContext

SIZES = (800, 1600)  # delivered widths, never more than the photo's own
COVER = 400  # the small size of a report's first photo in the list of reports
# what the browser is told about the width a photo takes: up to its 800 px, less on a phone
SIZES_ATTR = "(min-width: 52rem) 800px, calc(100vw - 2rem)"
FILES = "files/"  # the folder (under content/) the notice and the contact page take files from
VAGUE_ALT = {"图", "图片", "照片", "相片", "图像", "image", "photo", "picture", "img", "pic", "图1", "照片1"}

TAG = re.compile(r"<(img|a)\s([^>]*)>")
ATTR = re.compile(r'([a-zA-Z:-]+)="([^"]*)"')
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# a paragraph holding nothing but images (one a line); `markup` makes a photo's own line one,
# blank lines around it or not
ONLY_IMAGES = re.compile(r"<p>((?:\s*<img\s[^>]*>\s*(?:<br\s*/?>)?)+)\s*</p>")
LINK = re.compile(r"<a\s([^>]*)>(.*?)</a>", re.S)
BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.S)
# what may stand beside attachment links in a paragraph that only lists them: 附件：1. …、2. …
LISTING_WORDS = re.compile(r"附件|[\s:：、，,;；.．。()（）\d]")
# Invisible marks that turn the text after them around: 「通知\u202efdp.exe.zip」 reads 「通知piz.exe.pdf」.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Names Windows keeps for its devices, whatever the extension (aux.pdf, CON.jpg): no file there can have one.
WINDOWS_DEVICES = frozenset(
    ("CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10)))
)
# A file name's length in UTF-8 bytes: Linux holds 255, a photo's sizes add "-1600" to it and a
# Windows path is 260 characters in all. The message asks for 60 Chinese characters or 180
# letters (3 bytes or 1 each), leaving room for the extension.
MAX_NAME_BYTES = 190


@dataclass(frozen=True)
class Source:
    """One Markdown page: where its text is, where its files are and where its page goes."""

    file: str  # the Markdown file, project-relative, for messages
    body: str  # its Markdown body, to find the line of each reference
    body_line: int  # the file's line where the body starts
    html: str  # the body as sanitised HTML
    folder: Path | None  # where its references point: a report's folder, content/; None: a single-file report
    out: str  # its page's output folder, e.g. "news/2024-05-15-qixing/"
    prefix: str = ""  # the folder references must start with ("files/" for the notice)
    cover: bool = False  # its first photo gets the small cover size (a report)


@dataclass
class _Ref:
    kind: str  # "photo" or "attachment"
    target: str  # relative to the source's folder, as a POSIX path, percent-decoded, NFC
    text: str  # alt text or link text
    line: int
    path: Path | None = None  # the file found on disk
    asset: Asset | None = None


@dataclass
class _Page:
    source: Source
    refs: dict[str, _Ref] = field(default_factory=dict)  # HTML attribute value -> _Ref
    ok: bool = True


def attach(ctx: BuildContext, sources: list[Source], problems: Problems) -> list[tuple[str, tuple[Asset, ...]]]:
    """(HTML, assets) per source, in order; every mistake goes into `problems` at its line."""
    pages = [_Page(source) for source in sources]
    found = Problems()
    for page in pages:
        _find(ctx, page, found)
    wanted = {ref.path: ref.kind for page in pages for ref in page.refs.values() if ref.path is not None}
    facts = media.gather(ctx, wanted) if wanted else {}
    warnings: list[str] = []
    results: list[tuple[str, tuple[Asset, ...]]] = []
    for page in pages:
        _make_assets(ctx, page, facts, found, warnings)
        if any(p.file == page.source.file for p in found.items):
            results.append((page.source.html, ()))
            continue
        assets = tuple({id(ref.asset): ref.asset for ref in page.refs.values() if ref.asset}.values())
        results.append((_rewrite(page), assets))
        warnings += _unreferenced(ctx, page)
    if not found:
        warnings += _unused_shared_files(ctx, pages)
    problems.items.extend(found.items)
    for warning in sorted(set(warnings)):
        ctx.say(warning)
    return results


# --- finding the references -------------------------------------------------------------------


def _attrs(text: str) -> dict[str, str]:
    return {name: htmlmod.unescape(value) for name, value in ATTR.findall(text)}


def _find(ctx: BuildContext, page: _Page, problems: Problems) -> None:
    source = page.source
    if "<img" not in source.html and "<a" not in source.html:
        return
    key = (source.html, source.folder, source.out, source.prefix)
    if key in ctx.memo.plain_pages:
        return  # a preview saw this very page before: links to pages and sites only, no file
    before = len(problems.items)
    cursor = 0
    for tag, rest in TAG.findall(source.html):
        attrs = _attrs(rest)
        url = attrs.get("src" if tag == "img" else "href", "")
        if not url or (tag == "a" and not _may_be_file(url)):
            continue  # a link to another site or to a page: the link check looks at those
        cursor = _index_of(source.body, url, cursor)
        line = source.body_line + cursor
        if tag == "img":
            ref = _photo_ref(url, " ".join(attrs.get("alt", "").split()), line, source, problems)
        else:
            ref = _attachment_ref(url, line, source, problems)
        if ref is None:
            continue
        known = page.refs.get(url)
        if known is not None and known.kind == ref.kind:
            continue  # the same file again: one asset, each place with its own alt text
        if not _locate(ctx, ref, source, problems) or (tag == "a" and _bidi_link_text(source, url, line, problems)):
            page.ok = False
            continue
        page.refs[url] = ref
    if not page.refs and page.ok and len(problems.items) == before:
        ctx.memo.remember(ctx.memo.plain_pages, key, True)


def _bidi_link_text(source: Source, url: str, line: int, problems: Problems) -> bool:
    """Whether a link to `url` has words with a direction mark (said at its line), which would
    make the listed name read other than the file is (see BIDI)."""
    for attrs, inner in LINK.findall(source.html):
        found = BIDI.search(htmlmod.unescape(inner))
        if found and _attrs(attrs).get("href") == url:
            problems.add(
                source.file,
                line,
                f"链接文字里有看不见的文字方向控制符（U+{ord(found.group()):04X}），会让显示的文件名和实际的不同；"
                "请删去这段链接文字（方括号里的字）重新输入",
            )
            return True
    return False


def _shown(name: str) -> str:
    """`name` with its direction marks written out, so the message reads as the name really is."""
    return BIDI.sub(lambda found: f"<U+{ord(found.group()):04X}>", name)


def _name_problem(part: str) -> str | None:
    """What keeps a file or folder name from going on the site and onto every reader's disk."""
    found = BIDI.search(part)
    if found:
        return (
            f"文件名「{_shown(part)}」里有看不见的文字方向控制符（U+{ord(found.group()):04X}），"
            "会让文件名显示得和实际不同（如把 .exe 显示成 .pdf）；请把文件和这里写的名字都重新输入一遍，不要复制粘贴"
        )
    stem, dot, extension = part.partition(".")
    if stem.rstrip(" ").upper() in WINDOWS_DEVICES:
        return (
            f"文件名「{part}」在 Windows 里不能使用（{stem.rstrip(' ').upper()} 是 Windows 保留的设备名，"
            f"加什么扩展名都一样），读者下载后存不下；请把文件和这里写的名字都改一下，如「{stem}-1{dot}{extension}」"
        )
    if len(part.encode("utf-8")) > MAX_NAME_BYTES:
        return (
            f"文件名「{part}」太长（{len(part)} 个字），有的电脑和服务器存不下这么长的文件名；"
            "请把文件和这里写的名字都改短到 60 个汉字（或 180 个字母、数字）以内"
        )
    return None


def _may_be_file(url: str) -> bool:
    path = _local(url)
    return path is not None and not path.endswith("/") and bool(_extension(path))


def _index_of(body: str, url: str, cursor: int) -> int:
    """0-based line of the body that holds `url`, the first from `cursor` on (else from the top)."""
    lines = body.split("\n")
    needles = [url, unquote(url), posixpath.basename(unquote(url)), posixpath.splitext(unquote(url))[0]]
    for needle in needles:
        if not needle:
            continue
        for start in (cursor, 0):
            for index in range(start, len(lines)):
                if needle in lines[index]:
                    return index
    return cursor


def _local(url: str) -> str | None:
    """The path of a reference to a file beside the page, else None (another site, an anchor)."""
    if url.startswith(("#", "/", "?")) or SCHEME.match(url):
        return None
    path = unquote(url.split("#", 1)[0].split("?", 1)[0])
    return unicodedata.normalize("NFC", path) if path else None


def _extension(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def _photo_ref(url: str, alt: str, line: int, source: Source, problems: Problems) -> _Ref | None:
    file = source.file
    path = _local(url)
    if path is None:
        problems.add(
            file,
            line,
            f"图片「{url}」不在本站：网站的安全设置只允许显示本站自己的图片，别的网站的图片显示不出来；"
            f"请把照片下载下来，和 {posixpath.basename(file)} 放在同一个文件夹，写成 ![照片内容](照片.jpg)",
        )
        return None
    if not alt:
        problems.add(
            file,
            line,
            f"图片缺少文字说明：请写成 ![骑行上班的干部职工]({url})，方括号里写清照片内容，供看不见图片的读者使用",
        )
    elif alt.lower() in VAGUE_ALT or alt.lower() in (path.lower(), posixpath.splitext(path)[0].lower()):
        problems.add(
            file,
            line,
            f"图片的文字说明「{alt}」没有说出照片的内容：请写成 ![骑行上班的干部职工]({url}) 这样，"
            "方括号里写清照片上是什么，供看不见图片的读者使用",
        )
    extension = _extension(path)
    name = posixpath.basename(path)
    if extension in media.PHOTO_EXTENSIONS:
        return _Ref("photo", path, alt, line)
    if extension in media.OTHER_PICTURES:
        problems.add(file, line, media.other_picture_message(name, media.OTHER_PICTURES[extension]))
    elif extension in (".svg", ".svgz"):
        problems.add(file, line, f"「{name}」是 SVG 图片，里面可能带有脚本，为安全起见不能使用；请另存为 PNG 后再放")
    elif extension in media.ATTACHMENT_TYPES:
        problems.add(
            file,
            line,
            f"「{name}」不是图片，不能用 ![…](…) 显示；要让读者下载它，请去掉前面的「!」，写成 [文件名称]({url})",
        )
    else:
        problems.add(file, line, f"「{name}」不是网站能显示的照片；照片请用 JPG 或 PNG 格式（扩展名 .jpg 或 .png）")
    return None


def _attachment_ref(url: str, line: int, source: Source, problems: Problems) -> _Ref | None:
    file = source.file
    path = _local(url)
    if path is None:  # not reached: `_find` passes only references to files (`_may_be_file`)
        return None
    extension = _extension(path)
    name = posixpath.basename(path)
    if extension in media.ATTACHMENT_TYPES:
        return _Ref("attachment", path, "", line)
    if extension in media.PHOTO_EXTENSIONS + tuple(media.OTHER_PICTURES):
        problems.add(
            file,
            line,
            f"「{name}」是照片：要显示照片，请在前面加「!」，写成 ![照片内容]({url})；"
            "为保护隐私（原图里有拍摄地点等信息），网站不提供原图下载",
        )
    elif extension in media.PROGRAM_TYPES:
        problems.add(file, line, f"「{name}」是可执行程序，为安全起见不能放到网站上供下载")
    elif extension in media.ARCHIVES:
        problems.add(
            file,
            line,
            f"「{name}」这种压缩包不能作为附件；请改用 .zip："
            "选中要压缩的文件，点右键 →「发送到」→「压缩(zipped)文件夹」",
        )
    elif source.folder is not None and _exists(source.folder, path):
        if extension in media.SCRIPT_TYPES:
            problems.add(file, line, f"「{name}」是网页或脚本文件，里面可能带有脚本，不能作为附件；请另存为 PDF 后再放")
        else:
            problems.add(file, line, f"不认识「{name}」这种文件，不能作为附件；{ALLOWED}")
    return None


ALLOWED = (
    "网站可以提供下载的附件有：PDF（.pdf）、Word（.doc、.docx）、Excel（.xls、.xlsx）、"
    "WPS（.wps、.et）和 .zip 压缩包；请另存为其中一种"
)


def _exists(folder: Path, path: str) -> bool:
    try:
        return (folder / path).is_file()
    except (OSError, ValueError):
        return False


def _locate(ctx: BuildContext, ref: _Ref, source: Source, problems: Problems) -> bool:
    """Find the file `ref` names, spelled exactly as on disk; say what is wrong otherwise."""
    file, name = source.file, posixpath.basename(ref.target)
    parts = ref.target.split("/")
    if source.folder is None:
        wanted = posixpath.dirname(file) + "/" + posixpath.basename(file)[: -len(".md")]
        problems.add(
            file,
            ref.line,
            f"要在文章里放照片或附件，请把这篇文章改成一个文件夹：新建文件夹 {wanted}/，"
            f"把 {posixpath.basename(file)} 移进去并改名为 index.md，再把「{name}」放在它旁边",
        )
        return False
    if "\\" in ref.target or any(part in ("", ".", "..") for part in parts) or ref.target.startswith("/"):
        where = f"{display_name(source.folder, ctx.root)}/{source.prefix}"
        problems.add(
            file,
            ref.line,
            f"「{ref.target}」指向了别的文件夹；照片和附件请放在 {where} 里，只写文件名，如 ({source.prefix}{name})",
        )
        return False
    if source.prefix and not ref.target.startswith(source.prefix):
        problems.add(
            file,
            ref.line,
            f"通知和联系页里的照片、附件请放在 content/{source.prefix} 文件夹里，"
            f"写成 ![照片内容]({source.prefix}{name}) 或 [文件名称]({source.prefix}{name})",
        )
        return False
    for part in parts:
        problem = _name_problem(part)
        if problem is not None:
            problems.add(file, ref.line, problem)
            return False
    folder = source.folder.joinpath(*parts[:-1])
    try:
        names = [entry for entry in os.listdir(folder) if (folder / entry).is_file()]
    except OSError:
        names = []
    exact = [entry for entry in names if unicodedata.normalize("NFC", entry) == name]
    if exact:
        ref.path = folder / exact[0]
        linked = _linked_part(source.folder, [*parts[:-1], exact[0]])
        if linked is not None and points_inside(linked, ctx.root):  # one to outside: `media` says so
            problems.add(file, ref.line, f"「{display_name(linked, ctx.root)}」{shortcut_refused()}")
            return False
        return True
    shown = f"{display_name(source.folder, ctx.root)}/{ref.target}"
    similar = [entry for entry in names if unicodedata.normalize("NFC", entry).lower() == name.lower()]
    if similar:
        problems.add(
            file,
            ref.line,
            f"找不到文件 {shown}：文件夹里有「{similar[0]}」，大小写不同；文件名的大小写要和这里写的完全一致",
        )
        return False
    doubled = [entry for entry in names if entry.startswith(name + ".")]
    hint = (
        f"文件夹里有「{doubled[0]}」：Windows 隐藏了扩展名，实际文件名多了一节；请把它改名为「{name}」"
        if doubled
        else "请确认文件和 "
        + posixpath.basename(file)
        + " 在同一个文件夹里，文件名（包括 .jpg、.pdf 这样的扩展名）一字不差；"
        "Windows 默认隐藏扩展名，可在文件夹窗口的「查看」里勾选「文件扩展名」后核对"
    )
    problems.add(file, ref.line, f"找不到文件 {shown}：{hint}")
    return False


def _linked_part(folder: Path, parts: list[str]) -> Path | None:
    """The first of the folders and the file `parts` names under `folder` that is a symbolic link."""
    place = folder
    for part in parts:
        place = place / part
        if place.is_symlink():
            return place
    return None


# --- assets ---------------------------------------------------------------------------------


def _make_assets(
    ctx: BuildContext, page: _Page, facts: dict[Path, media.Facts | str], problems: Problems, warnings: list[str]
) -> None:
    source = page.source
    outputs: dict[str, tuple[str, str]] = {}  # output path casefolded -> the reference making it, the path
    first_photo = True
    made: dict[Path, Asset] = {}
    for url, ref in page.refs.items():
        known = facts.get(ref.path) if ref.path is not None else None
        if isinstance(known, str):
            problems.add(source.file, ref.line, known)
            continue
        if known is None or ref.path is None:
            continue
        if ref.path in made:
            ref.asset = made[ref.path]
            continue
        name = display_name(ref.path, ctx.root)
        asset: Asset
        if ref.kind == "photo":
            photo = asset = _photo(source, ref, name, known, cover=source.cover and first_photo)
            first_photo = False
            if ref.text.startswith(PLACEHOLDER_PREFIX):  # published as it is; `check` lists it too
                warnings.append(
                    f"{source.file}:{ref.line}: 注意：照片「{posixpath.basename(ref.target)}」的说明还没有写"
                    f"（{ref.text}）；请在 ![ 和 ] 之间写清照片上是什么"
                )
            covers = [photo.cover.path] if photo.cover is not None else []
            paths = list(dict.fromkeys([size.path for size in photo.sizes] + covers))
        else:
            attachment = asset = _attachment(source, ref, name, known, _link_text(source.html, url))
            paths = [attachment.path]
            if known.size > media.WARN_ATTACHMENT_BYTES:
                warnings.append(
                    f"{source.file}:{ref.line}: 注意：附件「{posixpath.basename(ref.target)}」有 "
                    f"{media.megabytes(known.size)}（超过 {media.megabytes(media.WARN_ATTACHMENT_BYTES)}），"
                    "用手机流量下载会很慢；可以的话请压缩后再放（这次照常发布）"
                )
        # keyed ignoring case: on Windows and macOS A.jpg and a.jpg are one file
        clash = next((path for path in paths if path.casefold() in outputs), None)
        if clash is not None:
            made_by, other = outputs[clash.casefold()]
            if other == clash:
                problems.add(
                    source.file,
                    ref.line,
                    f"「{ref.target}」和「{made_by}」会生成同名文件「{posixpath.basename(clash)}」；"
                    "请把其中一个文件改个名字",
                )
            else:
                problems.add(
                    source.file,
                    ref.line,
                    f"「{ref.target}」和「{made_by}」的文件名只有字母大小写不同，在 Windows 和苹果电脑上是同一个文件，"
                    "会互相覆盖；请把其中一个文件改个名字",
                )
            continue
        outputs.update({path.casefold(): (ref.target, path) for path in paths})
        ref.asset = made[ref.path] = asset


def sizes_for(width: int, height: int) -> list[tuple[int, int]]:
    """The (width, height) a photo is delivered in: 800 and 1600 wide, never wider than itself."""
    widths = sorted({min(wanted, width) for wanted in SIZES})
    return [(w, _height(width, height, w)) for w in widths]


def _height(width: int, height: int, new_width: int) -> int:
    return max(1, (height * new_width + width // 2) // width)


def _photo(source: Source, ref: _Ref, name: str, facts: media.Facts, cover: bool) -> Photo:
    head = facts.photo
    assert head is not None, "media.gather reads the header of every file referred to as a photo"
    stem = posixpath.splitext(ref.target)[0]
    extension = "jpg" if head.format == "jpeg" else "png"
    sizes = tuple(PhotoSize(f"{source.out}{stem}-{w}.{extension}", w, h) for w, h in sizes_for(head.width, head.height))
    small = None
    if cover:
        w = min(COVER, head.width)
        small = PhotoSize(f"{source.out}{stem}-{w}.{extension}", w, _height(head.width, head.height, w))
    return Photo(
        source=name,
        alt=ref.text,
        format=head.format,
        sizes=sizes,
        cover=small,
        sha256=facts.sha256,
        size=facts.size,
        file=source.file,
        line=ref.line,
    )


def _attachment(source: Source, ref: _Ref, name: str, facts: media.Facts, text: str) -> Attachment:
    file_name = posixpath.basename(ref.target)
    extension = posixpath.splitext(file_name)[1]
    if not text or text in (ref.target, file_name) or "/" in text or SCHEME.match(text):
        shown = file_name
    elif text.lower().endswith(extension.lower()):
        shown = text
    else:
        shown = text + extension.lower()
    return Attachment(
        source=name,
        name=shown,
        path=f"{source.out}{ref.target}",
        label=media.attachment_label(extension, facts.size),
        sha256=facts.sha256,
        size=facts.size,
        file=source.file,
        line=ref.line,
    )


def _link_text(html: str, url: str) -> str:
    """The words of the first link to `url`, without markup."""
    for attrs, inner in LINK.findall(html):
        if _attrs(attrs).get("href") == url:
            return " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", "", inner)).split())
    return ""


def _unreferenced(ctx: BuildContext, page: _Page) -> list[str]:
    """A reminder for each file left in a report's folder that the report does not use."""
    source = page.source
    if source.folder is None or source.prefix or not page.ok:
        return []
    used = {ref.path.name for ref in page.refs.values() if ref.path is not None and ref.path.parent == source.folder}
    found = []
    try:
        entries = sorted(os.scandir(source.folder), key=lambda entry: entry.name)
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if name == "index.md" or name in used or ignored_name(name):
            continue
        if not entry.is_file():
            continue
        found.append(_unused(Path(entry.path), name, ctx, "index.md"))
    return found


def _unused(path: Path, reference: str, ctx: BuildContext, where: str) -> str:
    shown = display_name(path, ctx.root)
    if path.is_symlink():  # refused where it is referenced: no point in asking for a reference
        return f"{shown}: 提示：这是快捷方式（符号链接），不是文件本身，不会放到网站上；要用这个文件，请把文件本身复制到这里"
    extension = _extension(path.name)
    if extension in media.PHOTO_EXTENSIONS:
        how = f"要显示这张照片，请在正文里写 ![照片内容]({reference})"
    elif extension in media.ATTACHMENT_TYPES:
        how = f"要提供下载，请在正文里写 [文件名称]({reference})"
    else:
        how = "网站用不到这种文件，可以把它移走"
    return f"{shown}: 提示：这个文件没有在 {where} 里用到，不会放到网站上；{how}"


def _unused_shared_files(ctx: BuildContext, pages: list[_Page]) -> list[str]:
    """A reminder for each file in content/files/ that no page refers to."""
    folder = ctx.root / "content" / FILES
    if not folder.is_dir():
        return []
    used = {ref.path for page in pages if page.source.prefix for ref in page.refs.values()}
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path in used or not path.is_file() or any(ignored_name(part) for part in relative.parts):
            continue
        found.append(_unused(path, FILES + relative.as_posix(), ctx, "通知、联系页或知识竞赛"))
    return found


# --- the HTML ---------------------------------------------------------------------------------


def _rewrite(page: _Page) -> str:
    source, refs = page.source, page.refs
    if not refs:
        return source.html
    html = ONLY_IMAGES.sub(lambda match: _figures(match, source, refs), source.html)
    html = TAG.sub(lambda match: _inline(match, source, refs), html)
    listed: list[Attachment] = []
    html = BLOCK.sub(lambda match: _listing_block(match, source, refs, listed), html)
    html = LINK.sub(lambda match: _download_link(match, source, refs), html)
    rest = [ref.asset for ref in refs.values() if isinstance(ref.asset, Attachment) and ref.asset not in listed]
    rest = list(dict.fromkeys(rest))
    if rest:
        html = html.rstrip("\n") + "\n" + _listing(rest, source) + "\n"
    return html


def _photo_of(attrs: dict[str, str], refs: dict[str, _Ref]) -> Photo | None:
    """The photo an `<img>` shows, when it is one of ours."""
    ref = refs.get(attrs.get("src", ""))
    return ref.asset if ref is not None and isinstance(ref.asset, Photo) else None


def _relative(path: str, source: Source) -> str:
    return quote(path[len(source.out) :], safe="/")


def _img(asset: Photo, alt: str, source: Source) -> str:
    first = asset.sizes[0]
    parts = [f'src="{_relative(first.path, source)}"']
    if len(asset.sizes) > 1:
        srcset = ", ".join(f"{_relative(size.path, source)} {size.width}w" for size in asset.sizes)
        parts += [f'srcset="{srcset}"', f'sizes="{SIZES_ATTR}"']
    parts += [
        f'width="{first.width}"',
        f'height="{first.height}"',
        f'alt="{htmlmod.escape(alt)}"',
        'loading="lazy"',
        'decoding="async"',
    ]
    return "<img " + " ".join(parts) + ">"


def _figures(match: re.Match[str], source: Source, refs: dict[str, _Ref]) -> str:
    tags = re.findall(r"<img\s[^>]*>", match.group(1))
    figures = []
    for tag in tags:
        attrs = _attrs(tag[4:])
        photo = _photo_of(attrs, refs)
        if photo is None:  # not all of them ours: the paragraph stays as it is
            return match.group(0)
        alt = " ".join(attrs.get("alt", "").split())
        figures.append(
            f'<figure class="photo">{_img(photo, alt, source)}<figcaption>{htmlmod.escape(alt)}</figcaption></figure>'
        )
    return "\n".join(figures)


def _inline(match: re.Match[str], source: Source, refs: dict[str, _Ref]) -> str:
    if match.group(1) != "img":
        return match.group(0)
    attrs = _attrs(match.group(2))
    photo = _photo_of(attrs, refs)
    if photo is None or "loading=" in match.group(2):  # not ours, or already a figure's
        return match.group(0)
    return _img(photo, " ".join(attrs.get("alt", "").split()), source)


def _attachment_of(attrs: str, refs: dict[str, _Ref]) -> Attachment | None:
    ref = refs.get(_attrs(attrs).get("href", ""))
    return ref.asset if ref is not None and isinstance(ref.asset, Attachment) else None


def _download_name(asset: Attachment) -> str:
    return re.sub(r'[\\/:*?"<>|]', "_", asset.name)


def _entry(asset: Attachment, source: Source) -> str:
    href = _relative(asset.path, source)
    name = htmlmod.escape(asset.name)
    return f'<a href="{href}" download="{htmlmod.escape(_download_name(asset))}">{name}</a>（{asset.label}）'


def _listing(assets: list[Attachment], source: Source) -> str:
    """附件：活动总结.pdf（PDF，147 KB）, or a numbered list after 附件： for several."""
    if len(assets) == 1:
        return f'<p class="attachments">附件：{_entry(assets[0], source)}</p>'
    items = "\n".join(f"<li>{_entry(asset, source)}</li>" for asset in assets)
    return f'<div class="attachments">\n<p>附件：</p>\n<ol>\n{items}\n</ol>\n</div>'


def _listing_block(match: re.Match[str], source: Source, refs: dict[str, _Ref], listed: list[Attachment]) -> str:
    """A paragraph or list item that holds nothing but attachment links becomes their listing."""
    tag, inner = match.group(1), match.group(2)
    links = LINK.findall(inner)
    if not links:
        return match.group(0)
    assets = [asset for attrs, _ in links if (asset := _attachment_of(attrs, refs)) is not None]
    if len(assets) < len(links):  # a link that is not one of our attachments
        return match.group(0)
    words = htmlmod.unescape(re.sub(r"<[^>]+>", "", LINK.sub("", inner)))
    if LISTING_WORDS.sub("", words):
        return match.group(0)  # a sentence that mentions a file: the link stays in it
    assets = list(dict.fromkeys(assets))
    listed.extend(assets)
    if tag == "li":
        return '<li class="attachment">' + "<br>".join(_entry(asset, source) for asset in assets) + "</li>"
    return _listing(assets, source)


def _download_link(match: re.Match[str], source: Source, refs: dict[str, _Ref]) -> str:
    attrs, inner = match.group(1), match.group(2)
    asset = _attachment_of(attrs, refs)
    if asset is None or "download=" in attrs:
        return match.group(0)
    href = _relative(asset.path, source)
    return f'<a href="{href}" download="{htmlmod.escape(_download_name(asset))}">{inner}</a>'


def refuse_pictures(html: str, file: str, line: int, problems: Problems) -> None:
    """Markdown in a YAML file (a schedule's description…) shows no pictures: said at its line."""
    for tag, rest in TAG.findall(html):
        if tag != "img":
            continue
        url = _attrs(rest).get("src", "")
        if not url:
            continue
        if _local(url) is None:
            problems.add(
                file,
                line,
                f"图片「{url}」不在本站：网站的安全设置只允许显示本站自己的图片，别的网站的图片显示不出来",
            )
        else:
            problems.add(
                file,
                line,
                f"这里不能放图片「{url}」：照片请放在活动动态文章的文件夹里（content/news/文章名/），"
                "或放在 content/files/ 里由通知、联系页引用",
            )

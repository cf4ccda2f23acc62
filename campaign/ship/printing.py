"""Poster PDFs, printed by headless Chromium from the rendered poster pages.

Chromium prints exactly what the browser shows, @page size included. It also stamps the time
of printing into the PDF, which would make every build differ: those dates are replaced, byte
for byte at the same length so the PDF's cross-reference offsets stay right, by a date that
comes from the content; so are the numbers a tagged PDF gives the page's nodes (a table's
header cells), which count every node Chromium made before. Printed PDFs are kept in a cache
keyed by everything that shapes them: the poster page and its assets, the date, our code,
Chromium's version and the fonts installed (a font added or updated changes the glyphs the
same page prints with).

For a print shop (`--bleed`) the same page is printed at #bleed, where its stylesheet adds 3 mm
of bleed and crop marks around the sheet; the PDF's TrimBox and BleedBox then say where the
paper is cut and how far its background reaches (set with pypdf, which writes the same bytes for
the same input). A PDF whose text came out as Type 3 glyph drawings (a font with PostScript
outlines, or a bold drawn by the browser) is noticed, so the clerk can install a TrueType font.
"""

from __future__ import annotations

import hashlib
import io
import ntpath
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject

from campaign.model.site import PaperSize, Site, is_pending
from campaign.render.posters import BLEED_MM, PDF_NAME, SLUG_MM

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
]
PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \((D:[^)]*)\)")
NODE_ID = re.compile(rb"\(node(\d+)\)")
FORMAT = b"poster-pdf\n"  # a namespace; what shapes a PDF is in its key
POINTS_PER_MM = 72 / 25.4


class PrintingFailed(Exception):
    """Chromium was there but did not print; the message says which poster."""


# Where Chromium-family browsers install (every Windows PC has Edge, which prints the same way).
INSTALLED = {
    "win32": [
        ("ProgramFiles(x86)", r"Microsoft\Edge\Application\msedge.exe"),
        ("ProgramFiles", r"Microsoft\Edge\Application\msedge.exe"),
        ("ProgramFiles", r"Google\Chrome\Application\chrome.exe"),
        ("ProgramFiles(x86)", r"Google\Chrome\Application\chrome.exe"),
        ("LocalAppData", r"Google\Chrome\Application\chrome.exe"),
    ],
    "darwin": [
        ("", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
        ("", "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"),
        ("", "/Applications/Chromium.app/Contents/MacOS/Chromium"),
    ],
}


def find_chromium(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    exists: Callable[[str], bool] = os.path.isfile,
) -> str | None:
    """A Chromium-family browser: on PATH, or where Edge and Chrome install on Windows and macOS."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    for name in (*CHROMIUM_NAMES, "msedge", "chrome"):
        path = which(name)
        if path:
            return path
    for variable, relative in INSTALLED.get(platform, ()):
        base = environ.get(variable, "") if variable else ""
        if variable and not base:
            continue
        path = ntpath.join(base, relative) if platform == "win32" else relative
        if exists(path):
            return path
    return None


def install_hint(platform: str | None = None) -> str:
    platform = platform or sys.platform
    how = {
        "win32": "请安装 Microsoft Edge 或 Google Chrome（Windows 一般已自带 Edge）",
        "darwin": "请安装 Google Chrome 或 Microsoft Edge",
    }.get(platform, "安装方法（Debian/统信/麒麟等）：sudo apt-get install chromium")
    return f"未找到 Chromium 内核的浏览器，海报 PDF 没有生成（其余文件已正常生成）。{how}"


def chromium_version(chromium: str) -> str:
    result = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=60)
    return result.stdout.strip()


# Where fonts are installed when there is no fontconfig to ask (Windows, macOS, a bare Linux).
FONT_FOLDERS = {
    "win32": [("WINDIR", "Fonts"), ("LOCALAPPDATA", r"Microsoft\Windows\Fonts")],
    "darwin": [("", "/System/Library/Fonts"), ("", "/Library/Fonts"), ("HOME", "Library/Fonts")],
    "linux": [
        ("", "/usr/share/fonts"),
        ("", "/usr/local/share/fonts"),
        ("HOME", ".local/share/fonts"),
        ("HOME", ".fonts"),
    ],
}


class Fonts:
    """The installed fonts as one fingerprint, part of every PDF's key; looked up once, when first asked.

    A build context holds one, so a build asks fontconfig once however many posters and editions
    it prints. `listing` gives one line per font (tests pass their own).
    """

    def __init__(self, listing: Callable[[], list[str]] | None = None):
        self._listing = listing or installed_fonts
        self._fingerprint: str | None = None

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            lines = sorted(set(self._listing()))
            self._fingerprint = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
        return self._fingerprint


def installed_fonts() -> list[str]:
    """Each font file with its version, size and date: fontconfig's list, else the font folders' files."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run(
                [fc_list, "--format", "%{file}|%{fontversion}\n"], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.SubprocessError):
            listed = None
        if listed is not None and listed.returncode == 0:
            return [f"{line}|{_stamp(line.split('|')[0])}" for line in listed.stdout.splitlines() if line]
    return [f"{path}|{_stamp(path)}" for path in _font_files()]


def _font_files(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Iterator[str]:
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    for variable, relative in FONT_FOLDERS.get(platform, FONT_FOLDERS["linux"]):
        base = environ.get(variable, "") if variable else ""
        if variable and not base:
            continue
        for folder, _, names in os.walk(os.path.join(base, relative)):
            yield from (os.path.join(folder, name) for name in names)


def _stamp(path: str) -> str:
    """A font file's size and date: a font updated in place under the same version still reprints."""
    try:
        stat = os.stat(path)
    except OSError:
        return "-"
    return f"{stat.st_size}|{stat.st_mtime_ns}"


def print_posters(
    site: Site,
    files: dict[str, bytes],
    chromium: str,
    cache: Path,
    fingerprint: str,
    fonts: Fonts,
    bleed: bool = False,
) -> dict[str, bytes]:
    """Return {posters/<id>/poster.pdf: bytes} for every poster, printing only what changed;
    with `bleed`, the print shop's copies (3 mm bleed, crop marks, TrimBox and BleedBox)."""
    version = chromium_version(chromium).encode() + fingerprint.encode() + fonts.fingerprint().encode()
    version += b"bleed\n" if bleed else b"trim\n"
    published = site.notice.published  # while it is still 待填写, the day the site is built for
    day = site.as_of.date() if is_pending(published) else published
    stamp = day.strftime("D:%Y%m%d000000+08'00'").encode()
    papers = {f"posters/{poster.id}/{PDF_NAME}": poster.paper for poster in site.posters}
    jobs: dict[str, tuple[str, dict[str, bytes], str]] = {}  # PDF -> (page, files it needs, cache key)
    for poster in site.posters:
        page = f"posters/{poster.id}/index.html"
        needed = _files_for(files, page)
        key = hashlib.sha256(
            FORMAT
            + version
            + stamp
            + b"".join(name.encode() + b"\0" + hashlib.sha256(data).digest() for name, data in sorted(needed.items()))
        ).hexdigest()
        jobs[f"posters/{poster.id}/{PDF_NAME}"] = (page, needed, key)
    results: dict[str, bytes] = {}
    missing: dict[str, tuple[str, dict[str, bytes], str]] = {}
    for target, (page, needed, key) in jobs.items():
        cached = _read_cache(cache, key)
        if cached is not None:
            results[target] = cached
        else:
            missing[target] = (page, needed, key)
    with ThreadPoolExecutor(max_workers=2) as pool:
        printed = pool.map(
            lambda item: (item[0], _print(chromium, item[1][0], item[1][1], stamp, bleed)), missing.items()
        )
        for target, data in printed:
            if bleed:
                data = with_bleed_boxes(data, papers[target])
            results[target] = data
            _write_cache(cache, missing[target][2], data)
    return dict(sorted(results.items()))


def _files_for(files: dict[str, bytes], page: str) -> dict[str, bytes]:
    """The poster page and the assets it loads: all that the printed PDF depends on."""
    return {name: data for name, data in files.items() if name == page or name.startswith("assets/")}


def _print(chromium: str, page: str, needed: dict[str, bytes], stamp: bytes, bleed: bool = False) -> bytes:
    with tempfile.TemporaryDirectory(prefix="poster-") as folder:
        root = Path(folder)
        for name, data in needed.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        pdf = root / "out.pdf"
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={root / 'profile'}",
            f"--print-to-pdf={pdf}",
            (root / page).as_uri() + ("#bleed" if bleed else ""),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise PrintingFailed(f"打印海报 {page} 超时（Chromium 两分钟没有完成）") from None
        if not pdf.exists() or pdf.stat().st_size == 0:
            raise PrintingFailed(f"Chromium 没能把 {page} 打印成 PDF")
        return fix_node_ids(fix_dates(pdf.read_bytes(), stamp))


def fix_dates(pdf: bytes, stamp: bytes) -> bytes:
    """Put `stamp` in place of the printing time, keeping every byte offset where it was."""

    def same_length(match: re.Match[bytes]) -> bytes:
        old = match.group(2)
        new = stamp[: len(old)].ljust(len(old), b" ")
        return b"/" + match.group(1) + b" (" + new + b")"

    return PDF_DATE.sub(same_length, pdf)


def with_bleed_boxes(pdf: bytes, paper: PaperSize) -> bytes:
    """The print shop's PDF with its TrimBox (the paper, SLUG_MM in from the sheet's top left
    corner, where the page lays it) and BleedBox (BLEED_MM more on every side)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        top = float(page.mediabox.top)
        left = SLUG_MM * POINTS_PER_MM
        trim = (left, top - left - paper.height_mm * POINTS_PER_MM, left + paper.width_mm * POINTS_PER_MM, top - left)
        bleed = BLEED_MM * POINTS_PER_MM
        boxes = {"/TrimBox": trim, "/BleedBox": (trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed)}
        for name, box in boxes.items():
            page[NameObject(name)] = ArrayObject(FloatObject(round(value, 3)) for value in box)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def type3_fonts(pdf: bytes) -> int:
    """How many of a PDF's fonts are Type 3 (glyphs drawn as shapes, which print shops refuse)."""
    found = 0
    try:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            resources = page.get("/Resources")
            fonts = resources.get_object().get("/Font") if resources is not None else None
            if fonts is not None:
                found += sum(1 for font in fonts.get_object().values() if font.get_object().get("/Subtype") == "/Type3")
    except Exception:  # pypdf's many ways of saying a file is broken: nothing to tell about its fonts
        return 0
    return found


def font_hint(platform: str | None = None) -> str:
    """What to say when a printed poster's text came out as Type 3."""
    platform = platform or sys.platform
    how = {
        "win32": "请确认电脑上有“微软雅黑”字体",
        "darwin": "请确认电脑上有“苹方”字体",
    }.get(platform, "安装方法（Debian/统信/麒麟等）：sudo apt-get install fonts-wqy-microhei")
    return (
        "注意：海报 PDF 里的文字被存成了图形（Type 3 字体），印刷厂可能不收。"
        f"这台电脑缺少 TrueType 格式的中文字体：{how}，装好后重新生成"
    )


def fix_node_ids(pdf: bytes) -> bytes:
    """Number the document nodes a tagged PDF names (a table's header cells) in the order they
    appear, at the same length: Chromium uses its own running count of nodes, which differs
    from one printing to the next."""
    numbers: dict[bytes, bytes] = {}

    def renumbered(match: re.Match[bytes]) -> bytes:
        old = match.group(1)
        new = numbers.setdefault(old, str(len(numbers) + 1).zfill(len(old)).encode())
        return b"(node" + (new if len(new) == len(old) else old) + b")"

    return NODE_ID.sub(renumbered, pdf)


def _read_cache(cache: Path, key: str) -> bytes | None:
    path = cache / "pdf" / f"{key}.pdf"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    # A half-written entry is ignored and printed again.
    return data if data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") else None


def _write_cache(cache: Path, key: str, data: bytes) -> None:
    folder = cache / "pdf"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{key}.tmp"
        temporary.write_bytes(data)
        temporary.replace(folder / f"{key}.pdf")
    except OSError:
        pass  # the cache only saves time; a build never fails because of it

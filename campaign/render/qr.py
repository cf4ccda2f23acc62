"""QR codes drawn as one SVG path from the module matrix (qrcode's, computed by `qrfast`).

qrcode's own SVG factories misbehave inlined in HTML (one renders blank in Chromium, another
hard-codes an element id that repeats when two codes share a page), and they set a fixed size.
Ours has a viewBox and no size, so CSS scales it, no ids, and a 4-module quiet zone.
"""

from __future__ import annotations

import io
import math
import re
from html import escape

from campaign.incremental.cache import Cache
from campaign.render import qrfast
from campaign.render.qrfast import Matrix

QUIET_ZONE = 4
_RUN = re.compile("1+")


class QrCodes:
    """A build's QR codes: matrices from the disk cache or encoded anew, each drawn once."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.matrices: dict[tuple[str, str], Matrix] = {}  # (data, level) -> matrix
        self.svgs: dict[tuple[str, str, str, float], str] = {}  # (data, label, level, width_mm) -> SVG

    def matrix(self, data: str, level: str = "M") -> Matrix:
        """Module matrix including the quiet zone; True is a dark module."""
        found = self.matrices.get((data, level))
        if found is not None:
            return found
        key = self.cache.key("qr", level, data)
        packed = self.cache.get("qr", key)
        rows = _unpack(packed) if packed is not None else None
        if rows is None:
            rows = qrfast.encode(data, level)  # exactly qrcode's modules, ~40x faster
            self.cache.put("qr", key, _pack(rows))
        if len(self.matrices) > 20000:
            self.matrices.clear()
        self.matrices[(data, level)] = rows
        return rows

    def svg(self, data: str, label: str, level: str = "M", width_mm: float = 0) -> str:
        """Inline SVG of a code for `data`; `label` says in words where it leads.

        Without `width_mm` it has no size of its own, so CSS scales it; with it, it prints at
        exactly that width, quiet zone included.
        """
        key = (data, label, level, width_mm)
        found = self.svgs.get(key)
        if found is None:
            found = draw_svg(self.matrix(data, level), label, width_mm)
            if len(self.svgs) > 20000:
                self.svgs.clear()
            self.svgs[key] = found
        return found

    def png(self, data: str, level: str, width_mm: float, dpi: int = 300) -> bytes:
        """A PNG for print shops: whole pixels per module, at least `width_mm` wide at `dpi`."""
        key = self.cache.key("png", level, data, f"{width_mm:.4f}", str(dpi))
        found = self.cache.get("png", key)
        if found is not None and found.startswith(b"\x89PNG"):
            return found
        data_png = draw_png(self.matrix(data, level), width_mm, dpi)
        self.cache.put("png", key, data_png)
        return data_png


_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _text(row: tuple[bool, ...]) -> str:
    """ "0" and "1" for light and dark, done in C: drawing 4,000 codes is mostly this."""
    return bytes(row).translate(_BITS).decode("ascii")


def _pack(rows: Matrix) -> bytes:
    size = len(rows)
    bits = int("".join(_text(row) for row in rows) or "0", 2)
    return size.to_bytes(2, "big") + bits.to_bytes((size * size + 7) // 8, "big")


def _unpack(packed: bytes) -> Matrix | None:
    size = int.from_bytes(packed[:2], "big")
    if len(packed) != 2 + (size * size + 7) // 8:
        return None
    text = format(int.from_bytes(packed[2:], "big"), f"0{size * size}b")
    return tuple(tuple(ch == "1" for ch in text[y * size : (y + 1) * size]) for y in range(size))


def svg_path(rows: Matrix) -> str:
    """Path data: one horizontal run of dark modules per sub-path."""
    parts = []
    for y, row in enumerate(rows):
        for run in _RUN.finditer(_text(row)):
            width = run.end() - run.start()
            parts.append(f"M{run.start()} {y}h{width}v1h-{width}z")
    return "".join(parts)


def draw_svg(rows: Matrix, label: str, width_mm: float = 0, mark: str = "") -> str:
    """The code as SVG; with `mark` (a sample, 样稿) a red band around it, outside the quiet
    zone, says `mark` above and below the code."""
    size = len(rows)
    if not mark:
        sized = f'width="{width_mm:.2f}mm" height="{width_mm:.2f}mm" ' if width_mm else ""
        return (
            f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" {sized}viewBox="0 0 {size} {size}" '
            f'role="img" aria-label="{escape(label, quote=True)}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{svg_path(rows)}"/></svg>'
        )
    band = SAMPLE_BAND
    side = size + 2 * band
    framed_mm = width_mm * side / size
    sized = f'width="{framed_mm:.2f}mm" height="{framed_mm:.2f}mm" ' if width_mm else ""
    red = "#c41212"
    words = escape(mark)
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" {sized}viewBox="{-band} {-band} {side} {side}" '
        f'role="img" aria-label="{escape(mark + "：" + label, quote=True)}" shape-rendering="crispEdges">'
        f'<rect x="{-band}" y="{-band}" width="{side}" height="{side}" fill="{red}"/>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{svg_path(rows)}"/>'
        f'<text x="{size / 2:g}" y="{-band / 2:g}" font-size="{band * 0.6:g}" fill="#fff" text-anchor="middle" '
        f'dominant-baseline="central">{words}</text>'
        f'<text x="{size / 2:g}" y="{size + band / 2:g}" font-size="{band * 0.6:g}" fill="#fff" '
        f'text-anchor="middle" dominant-baseline="central">{words}</text></svg>'
    )


SAMPLE_RED = (196, 18, 18)
SAMPLE_BAND = 6  # modules of red hatching around a sample's code, outside its quiet zone


def draw_png(rows: Matrix, width_mm: float, dpi: int, marked: bool = False) -> bytes:
    """The code as a PNG; `marked` (a sample, 样稿) puts a band of red hatching around it, outside
    the quiet zone, so no print shop takes it for the final code."""
    from PIL import Image, ImageDraw  # only posters need Pillow

    target_px = width_mm / 25.4 * dpi
    scale = max(1, math.ceil(target_px / len(rows)))  # whole pixels, rounded up: never under the size
    small = Image.new("1", (len(rows), len(rows)), 1)
    small.putdata([0 if dark else 1 for row in rows for dark in row])
    image = small.resize((len(rows) * scale, len(rows) * scale), Image.Resampling.NEAREST)
    if marked:  # in a palette of three: RGB would take ten times as long to encode
        band = SAMPLE_BAND * scale
        side = image.width + 2 * band
        framed = Image.new("P", (side, side), 2)
        draw = ImageDraw.Draw(framed)
        for start in range(-side, side, 2 * scale):  # white diagonal stripes: hatching, not a dark frame
            draw.line([(start, side), (start + side, 0)], fill=0, width=max(1, scale // 2))
        framed.paste(image.point(lambda light: 0 if light else 1, "P"), (band, band))
        framed.putpalette([255, 255, 255, 0, 0, 0, *SAMPLE_RED])
        image = framed
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()

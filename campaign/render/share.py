"""Share cards: each page's own description, and the campaign's emblem as SVG and as share image.

A page shared in WeChat or a browser shows its title, a description and an image. The
description is made from the page's own text (a report's summary or first paragraph, an
event's summary, …), cut at a sentence's end, so every page says something of its own and the
same content always gives the same words. The emblem (a leaf under the sun) is drawn from one
list of shapes: as inline SVG for the pages (coloured by classes in style.css) and as a PNG with
Pillow for `og:image`, in the colours style.css declares, no font and no outside picture. The
same colours and code give the same bytes.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

from markupsafe import Markup
from PIL import Image, ImageDraw

from campaign.errors import ContentError

SHARE_IMAGE = "share.png"  # under the edition's folder; og:image gives its production address
LIMIT = 110  # characters of a description: what WeChat and search results show of it
STYLE = "templates/static/style.css"
# The colours the emblem is painted in: custom properties of style.css's :root (written once there).
COLOURS = ("--green", "--green-dark", "--leaf", "--sun", "--sky")

# The emblem in a 64 × 64 box: (kind, colour, numbers). A path is a start point and cubic
# Bézier segments (three points each), closed.
Shape = tuple[str, str, tuple[float, ...]]
EMBLEM: tuple[Shape, ...] = (
    ("circle", "--sky", (32, 32, 31)),
    ("circle", "--sun", (19, 19, 9)),
    ("path", "--leaf", (12, 54, 10, 32, 26, 14, 54, 11, 56, 36, 40, 54, 12, 54)),
    ("path", "--green", (12, 54, 26, 44, 36, 32, 46, 20, 38, 34, 28, 46, 12, 54)),
)


@dataclass(frozen=True)
class SharePlan:
    """The share image, at its size in pixels (compared with the previous build's)."""

    width: int = 1200
    height: int = 630


def plain(markup: str) -> str:
    """The text of some HTML, as a reader sees it: tags out, entities read, spaces collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(
        r"(?<=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef])", "", text
    )


def describe(*parts: str) -> str:
    """A description from the page's own words: the first parts given, cut to `LIMIT`."""
    text = "".join(part.strip() for part in parts if part and part.strip())
    if len(text) <= LIMIT:
        return text
    end = max(text.rfind(mark, 0, LIMIT) for mark in "。；！？")
    return text[: end + 1] if end >= LIMIT // 2 else text[: LIMIT - 1] + "…"


def first_paragraph(markup: str) -> str:
    """The text of the first paragraph of some HTML (or all of it, when it has none)."""
    found = re.search(r"<p[ >].*?</p>", markup, re.S)
    return plain(found.group(0) if found else markup)


def emblem_svg(css_class: str, label: str = "") -> Markup:
    """The emblem as inline SVG: decorative (hidden from screen readers) unless given a label."""
    named = f' role="img" aria-label="{html.escape(label)}"' if label else ' aria-hidden="true" focusable="false"'
    shapes = []
    for kind, colour, numbers in EMBLEM:
        cls = "m" + colour[1:]
        if kind == "circle":
            cx, cy, r = numbers
            shapes.append(f'<circle class="{cls}" cx="{cx:g}" cy="{cy:g}" r="{r:g}"/>')
        else:
            head = f"M{numbers[0]:g} {numbers[1]:g}"
            rest = numbers[2:]
            curves = " ".join("C" + " ".join(f"{value:g}" for value in rest[i : i + 6]) for i in range(0, len(rest), 6))
            shapes.append(f'<path class="{cls}" d="{head} {curves}Z"/>')
    return Markup(f'<svg class="{css_class}" viewBox="0 0 64 64"{named}>{"".join(shapes)}</svg>')


def colours(style_css: bytes) -> dict[str, str]:
    """The emblem's colours as style.css declares them (`--leaf: #7cc38b;`)."""
    text = style_css.decode("utf-8")
    found = {}
    for name in COLOURS:
        match = re.search(rf"{re.escape(name)}\s*:\s*(#[0-9a-fA-F]{{6}})\s*;", text)
        if match is None:
            line = text.count("\n", 0, text.find(":root")) + 1 if ":root" in text else 0
            raise ContentError.at(STYLE, line, f"缺少颜色「{name}」（写成 {name}: #17633a;），分享图片要用它")
        found[name] = match.group(1)
    return found


def _bezier(points: tuple[float, ...], steps: int = 24) -> list[tuple[float, float]]:
    """A closed path of cubic Bézier segments as a polygon."""
    x, y = points[0], points[1]
    polygon = [(x, y)]
    rest = points[2:]
    for i in range(0, len(rest), 6):
        x1, y1, x2, y2, x3, y3 = rest[i : i + 6]
        for step in range(1, steps + 1):
            t = step / steps
            u = 1 - t
            polygon.append(
                (
                    u**3 * x + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                    u**3 * y + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                )
            )
        x, y = x3, y3
    return polygon


def share_image(plan: SharePlan, style_css: bytes) -> bytes:
    """The share image: the emblem on the campaign's green, with a band of hills below."""
    paint = colours(style_css)
    scale = 2  # drawn twice as large, then reduced: smooth edges, the same bytes every time
    width, height = plan.width * scale, plan.height * scale
    image = Image.new("RGB", (width, height), paint["--green-dark"])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height * 0.72), fill=paint["--green"])
    draw.ellipse((-width * 0.2, height * 0.62, width * 0.7, height * 1.4), fill=paint["--leaf"])
    draw.ellipse((width * 0.45, height * 0.68, width * 1.3, height * 1.5), fill=paint["--sky"])
    side = height * 0.7
    left, top = (width - side) / 2, height * 0.08
    unit = side / 64
    for kind, colour, numbers in EMBLEM:
        if kind == "circle":
            cx, cy, r = (value * unit for value in numbers)
            draw.ellipse((left + cx - r, top + cy - r, left + cx + r, top + cy + r), fill=paint[colour])
        else:
            polygon = [(left + x * unit, top + y * unit) for x, y in _bezier(numbers)]
            draw.polygon(polygon, fill=paint[colour])
    image = image.resize((plan.width, plan.height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()

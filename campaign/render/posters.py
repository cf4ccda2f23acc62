"""What the posters add to the site: stable-address pages, poster pages, print files, thumbnails.

Pure like the rest of rendering: returns plans and bytes, and the PDFs are printed later from
the rendered poster pages (see `printing`). A poster is a composed sheet: the campaign's motif
and themes in a band at the top, the headline (and, on the schedule's poster, the week's
schedule) on a white card, the code with its short address, the organising unit. Its thumbnail
on the posters page is an SVG drawn here from the same facts, never a picture from elsewhere.
"""

from __future__ import annotations

from html import escape
from typing import Any, TypedDict

from markupsafe import Markup

from campaign.load.posters import printed_width_mm
from campaign.model.sections import BY_KEY
from campaign.model.site import Event, PaperSize, Poster, Site, StableLink, is_pending
from campaign.render import dates, qr

PDF_NAME = "poster.pdf"
THUMB_NAME = "thumb.svg"
THUMB_PX = 160  # the thumbnail's width on the posters page
# The print shop's copy (--bleed): the sheet with 3 mm of its background beyond the trim on every
# side, and crop marks in a slug around that. templates/static/poster.css lays the page out with
# the same two sizes (@page a4-bleed etc.: the paper plus twice SLUG_MM).
BLEED_MM = 3
SLUG_MM = 10
MARK_MM = 6  # each crop mark's length, from the bleed's edge outwards
LONG_SLOGAN = 12  # characters: a longer theme is set smaller, on the sheet and in the thumbnail
GREEN, DARK, PALE, SUN = "#17633a", "#0e4427", "#e8f3ec", "#ffd54a"  # style.css's colours


class PosterFacts(TypedDict):
    """What a poster's page and the poster list show of it (the page's template variables)."""

    poster: Poster
    address: str  # the production address its code leads to
    short: Markup  # the short address in words, to be broken only after a slash
    width_mm: float  # the code's printed width, quiet zone included
    modules: int
    level: str
    folder: str
    svg_file: str
    png_file: str
    pdf_file: str
    qr: Markup
    sample: str | None  # why this poster is a sample (样稿) and must not be printed, or None
    thumb_file: str
    thumb_width: int  # px on the posters page, in the paper's proportions
    thumb_height: int
    themes: list[dict[str, Any]]  # name, slogan, long (set smaller)
    schedule: list[dict[str, Any]] | None  # on the poster that leads to the schedule: its days
    motif: Markup
    crop_marks: Markup


SAMPLE_MARK = "样稿（网址未定）"


def sample_reason(site: Site, poster: Poster) -> str | None:
    """Why a poster made now must not go to print: its code would lead somewhere not decided."""
    if site.config.sample_address:
        return f"二维码指向示例地址 {site.config.base_url}，正式网址确定前请勿送印"
    if not poster.link.decided:
        return f"这张海报要去的地方（posters.yaml 里短网址「{poster.link.id}」的 target）还是待填写，填好前请勿送印"
    return None


def short_address(site: Site, link: StableLink) -> str:
    """The address printed in words under a code, without the scheme people never type."""
    address = site.config.base_url + link.path
    return address.split("://", 1)[1]


def redirect_target(site: Site, link: StableLink) -> str | None:
    if link.url:
        return link.url
    if link.page is not None:
        return site.config.site_url + link.page  # absolute: a redirect is resolved from go/<id>/
    return None


def poster_facts(site: Site, poster: Poster, codes: qr.QrCodes) -> PosterFacts:
    """Everything a poster page or the poster list shows, computed once."""
    cfg = site.config
    address = cfg.base_url + poster.link.path
    level = cfg.qr.poster_error_correction
    modules = len(codes.matrix(address, level))
    width = printed_width_mm(poster, modules)
    folder = f"posters/{poster.id}/"
    return {
        "poster": poster,
        "address": address,
        "short": Markup("/<wbr>").join(short_address(site, poster.link).split("/")),  # broken only after a slash
        "width_mm": width,
        "modules": modules - 2 * qr.QUIET_ZONE,
        "level": level,
        "folder": folder,
        "svg_file": folder + "qr.svg",
        "png_file": folder + "qr-300dpi.png",
        "pdf_file": folder + PDF_NAME,
        "qr": Markup(codes.svg(address, f"二维码：扫码打开 {address}", level, width)),
        "sample": sample_reason(site, poster),
        "thumb_file": folder + THUMB_NAME,
        "thumb_width": THUMB_PX,
        "thumb_height": round(THUMB_PX * poster.paper.height_mm / poster.paper.width_mm),
        "themes": [
            {"name": theme.name, "slogan": theme.slogan, "long": len(theme.slogan) > LONG_SLOGAN}
            for theme in site.campaign.themes
        ],
        # the poster whose code leads to the schedule shows it (read only there)
        "schedule": schedule_rows(site) if poster.link.page == BY_KEY["schedule"].url else None,
        "motif": Markup(motif('class="motif"')),
        "crop_marks": Markup(crop_marks(poster.paper)),
    }


def schedule_rows(site: Site) -> list[dict[str, Any]]:
    """The week's schedule as a poster shows it: each day that has an event of its own, with
    its events, then the events that run all week."""
    single = [event for event in site.events if not event.end_date]
    rows = []
    for day in sorted({event.date for event in single}):
        events = [_shown(event, event.time_note or dates.cn_time(event.start)) for event in single if event.date == day]
        weekday = "" if is_pending(day) else f"星期{dates.WEEKDAYS[day.weekday()]}"
        rows.append({"day": dates.cn_month_day(day), "weekday": weekday, "events": events})
    spanning = [_shown(event, "") for event in site.events if event.end_date]
    if spanning:
        rows.append({"day": "宣传周期间", "weekday": "", "events": spanning})
    return rows


def _shown(event: Event, when: str) -> dict[str, str]:
    return {"kind": event.kind_label, "title": event.title, "when": when}


def motif(placed: str) -> str:
    """The campaign's motif, drawn here in its colours: a rising sun over green hills, and a leaf.
    It fills the band at the top of a poster, scaled to cover it; `placed` says where it goes."""
    return (
        f'<svg {placed} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" '
        'preserveAspectRatio="xMidYMax slice" aria-hidden="true" focusable="false">'
        f'<rect width="200" height="100" fill="{GREEN}"/>'
        f'<circle cx="158" cy="62" r="30" fill="{SUN}" fill-opacity="0.22"/>'
        f'<circle cx="158" cy="62" r="19" fill="{SUN}" fill-opacity="0.35"/>'
        f'<path d="M0 78C40 62 80 66 118 80S180 92 200 84V100H0Z" fill="{DARK}" fill-opacity="0.55"/>'
        f'<path d="M0 90C50 80 96 84 140 94S188 98 200 96V100H0Z" fill="{DARK}"/>'
        f'<path d="M20 40C30 18 54 12 70 14C68 34 52 50 24 48Z" fill="{PALE}" fill-opacity="0.16"/>'
        f'<path d="M24 47C36 36 48 28 66 17" stroke="{PALE}" stroke-opacity="0.3" stroke-width="1.2" fill="none"/>'
        "</svg>"
    )


def crop_marks(paper: PaperSize) -> str:
    """Eight marks at the trim's corners, in the slug beyond the bleed: shown only on the print
    shop's copy (the page printed at #bleed), the size of that page."""
    width, height = paper.width_mm + 2 * SLUG_MM, paper.height_mm + 2 * SLUG_MM
    lines = []
    for x, out_x in ((SLUG_MM, -1), (SLUG_MM + paper.width_mm, 1)):
        for y, out_y in ((SLUG_MM, -1), (SLUG_MM + paper.height_mm, 1)):
            lines.append(f"M{x + out_x * BLEED_MM:g} {y:g}h{out_x * MARK_MM:g}")  # along the top or bottom edge
            lines.append(f"M{x:g} {y + out_y * BLEED_MM:g}v{out_y * MARK_MM:g}")  # along the left or right edge
    return (
        f'<svg class="crop-marks" xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false">'
        f'<path d="{"".join(lines)}" stroke="#000" stroke-width="0.25" fill="none"/></svg>'
    )


def thumbnail(facts: PosterFacts, organiser: str, rows: qr.Matrix) -> str:
    """The poster in miniature for the posters page, as an SVG on the paper's own proportions:
    the band with the motif and themes, the card with the headline (and schedule), the code."""
    width, height = facts["poster"].paper.width_mm, facts["poster"].paper.height_mm
    size = width * 0.022  # the sheet's type size (poster.css: 3.6, 4.6 and 6.2 mm)
    room = width - 24  # within the sheet's margins, as the code's room is measured (load/posters.py)
    texts: list[tuple[float, float, str, str]] = []  # (baseline, size, colour, words)
    y = size * 1.2
    for theme in sorted(facts["themes"], key=lambda theme: bool(theme["long"])):  # the short themes first
        big = 1.2 * size if theme["long"] else 2.2 * size
        texts.append((y + 0.75 * size, 0.75 * size, PALE, theme["name"]))
        y += 0.9 * size
        for line in _wrapped(theme["slogan"], room, big):
            y += big * 1.15
            texts.append((y, big, "#fff" if theme["long"] else SUN, line))
        y += size * 0.8
    band = y + size * 0.6
    y = band + 5
    for line in _wrapped(facts["poster"].headline, room, 1.9 * size):
        y += 1.9 * size * 1.25
        texts.append((y, 1.9 * size, DARK, line))
    for row in facts["schedule"] or ():
        for event in row["events"]:
            y += size * 1.6
            texts.append((y, size, "#1d1d1d", f"{row['day']}　{event['title']}"))
    code = facts["width_mm"]
    bottom = height - 2.4 * size  # the card's bottom edge; the organiser below it, on the green
    texts.append((height - 0.9 * size, 0.8 * size, "#fff", organiser))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}mm" '
        f'height="{height}mm" font-family="Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, sans-serif">',
        f'<rect width="{width}" height="{height}" fill="{GREEN}"/>',
        motif(f'x="0" y="0" width="{width}" height="{band:.1f}"'),
        f'<rect x="7" y="{band:.1f}" width="{width - 14}" height="{bottom - band:.1f}" rx="3" fill="#fff"/>',
        f'<svg x="{(width - code) / 2:.1f}" y="{bottom - 5 - code:.1f}" width="{code:.1f}" height="{code:.1f}" '
        f'viewBox="0 0 {len(rows)} {len(rows)}" shape-rendering="crispEdges"><path d="{qr.svg_path(rows)}"/></svg>',
    ]
    for at, font, colour, words in texts:
        parts.append(
            f'<text x="{width / 2:g}" y="{at:.1f}" font-size="{font:.2f}" fill="{colour}" '
            f'text-anchor="middle">{escape(words)}</text>'
        )
    if facts["sample"]:  # marked across, as the sheet is
        middle = height * 0.3
        parts.append(
            f'<g transform="rotate(-20 {width / 2:g} {middle:.1f})"><rect x="{-width * 0.2:.1f}" '
            f'y="{middle - 2.2 * size:.1f}" width="{width * 1.4:.1f}" height="{4.4 * size:.1f}" fill="#c41212"/>'
            f'<text x="{width / 2:g}" y="{middle + size:.1f}" font-size="{2.8 * size:.1f}" fill="#fff" '
            f'text-anchor="middle">{SAMPLE_MARK}</text></g>'
        )
    return "".join(parts) + "</svg>\n"


def _wrapped(words: str, room_mm: float, size_mm: float) -> list[str]:
    """`words` cut into lines of as many full-width characters as fit in `room_mm`."""
    per_line = max(1, int(room_mm / size_mm))
    return [words[start : start + per_line] for start in range(0, len(words), per_line)]


PRINT_FILES = ("qr.svg", "qr-300dpi.png", THUMB_NAME)  # beside each poster's page


def print_file(site: Site, poster: Poster, name: str, codes: qr.QrCodes) -> bytes:
    """The code of a poster for print shops, a sized SVG or a 300 dpi PNG, or the poster's
    thumbnail for the posters page (`name` in PRINT_FILES)."""
    facts = poster_facts(site, poster, codes)
    if name == THUMB_NAME:
        return thumbnail(facts, site.campaign.organiser, codes.matrix(facts["address"], facts["level"])).encode()
    marked = facts["sample"] is not None  # a sample's code is framed in red, outside its quiet zone
    if name == "qr.svg":
        label = f"二维码：{facts['address']}"
        if marked:
            svg = qr.draw_svg(codes.matrix(facts["address"], facts["level"]), label, facts["width_mm"], SAMPLE_MARK)
        else:
            svg = codes.svg(facts["address"], label, facts["level"], facts["width_mm"])
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n").encode()
    if marked:
        return qr.draw_png(codes.matrix(facts["address"], facts["level"]), facts["width_mm"], 300, marked=True)
    return codes.png(facts["address"], facts["level"], facts["width_mm"])

"""What the posters add to the site: stable-address pages, poster pages and print files.

Pure like the rest of rendering: returns plans and bytes, and the PDFs are printed later from
the rendered poster pages (see `printing`).
"""

from __future__ import annotations

from typing import TypedDict

from markupsafe import Markup

from campaign.load.posters import printed_width_mm
from campaign.model.site import Poster, Site, StableLink
from campaign.render import qr

PDF_NAME = "poster.pdf"


class PosterFacts(TypedDict):
    """What a poster's page and the poster list show of it (the page's template variables)."""

    poster: Poster
    address: str  # the production address its code leads to
    short: str
    width_mm: float  # the code's printed width, quiet zone included
    modules: int
    level: str
    folder: str
    svg_file: str
    png_file: str
    pdf_file: str
    qr: Markup
    sample: str | None  # why this poster is a sample (样稿) and must not be printed, or None


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
        "short": short_address(site, poster.link),
        "width_mm": width,
        "modules": modules - 2 * qr.QUIET_ZONE,
        "level": level,
        "folder": folder,
        "svg_file": folder + "qr.svg",
        "png_file": folder + "qr-300dpi.png",
        "pdf_file": folder + PDF_NAME,
        "qr": Markup(codes.svg(address, f"二维码：扫码打开 {address}", level, width)),
        "sample": sample_reason(site, poster),
    }


PRINT_FILES = ("qr.svg", "qr-300dpi.png")


def print_file(site: Site, poster: Poster, name: str, codes: qr.QrCodes) -> bytes:
    """The code of a poster for print shops: a sized SVG or a 300 dpi PNG (`name` in PRINT_FILES)."""
    facts = poster_facts(site, poster, codes)
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

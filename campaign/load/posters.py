"""Stable addresses and posters, read from `content/posters.yaml`.

A printed QR code can never be corrected, so it never encodes a third-party address: it
encodes go/<id>/ on our own site, whose page is rebuilt when the real address is announced.
Posters are checked here against physics as well as spelling: the code must be at least a
tenth of the scanning distance (and 2 cm), and must fit on the paper chosen.
"""

from __future__ import annotations

from campaign.errors import Problems
from campaign.model.fields import ListOf, Parsed, Record, build, schema
from campaign.model.sections import BY_KEY
from campaign.model.site import PAPERS, PLACEHOLDER_PREFIX, PLACEMENTS, Poster, Site, StableLink
from campaign.render.qr import QUIET_ZONE, QrCodes

MARGIN_MM = 12
MIN_QR_MM = 20
POSTERS = Record({"links": ListOf(schema(StableLink)), "posters": ListOf(schema(Poster), required=False)})


def resolve(
    doc: Parsed, site: Site, problems: Problems, qr: QrCodes
) -> tuple[tuple[StableLink, ...], tuple[Poster, ...]]:
    """Turn the declared links and posters into model objects, checking every reference."""
    links: dict[str, StableLink] = {}
    first_line: dict[str, int] = {}
    for record in doc["links"]:
        if record["id"] in links:
            problems.add(
                record["_file"],
                record["_line"],
                f"短地址 id「{record['id']}」重复了（第 {first_line[record['id']]} 行已用过）；每个短地址只能声明一次",
            )
            continue
        link = _link(record, site, problems)
        if link is not None:
            links[link.id] = link
            first_line[link.id] = record["_line"]
    posters = []
    seen: set[str] = set()
    for record in doc["posters"] or ():
        where = (record["_file"], record["_line"])
        if record["id"] in seen:
            problems.add(*where, f"海报 id「{record['id']}」重复了；每张海报的 id 只能用一次")
            continue
        seen.add(record["id"])
        link = links.get(record["link"])
        if link is None:
            known = "、".join(links) or "（无）"
            problems.add(
                *where,
                f"海报「{record['headline']}」的 link 写的是「{record['link']}」，"
                f"但 links 里没有这个短地址；已有的：{known}",
            )
            continue
        poster = _poster(record, link)
        modules = len(qr.matrix(site.config.base_url + link.path, site.config.qr.poster_error_correction))
        _check_fits(poster, modules, where, problems)
        posters.append(poster)
    return tuple(links.values()), tuple(posters)


def _link(record: Parsed, site: Site, problems: Problems) -> StableLink | None:
    if record["target"].startswith(PLACEHOLDER_PREFIX):  # not decided yet (a new edition): listed by check
        return build(StableLink, record, label=record["target"], url=None, page=None, pending=None)
    kind, _, ref = record["target"].partition(":")
    kind, ref = kind.strip(), ref.strip()
    announced = (
        {a.id: a for a in site.livestreams}
        if kind == "livestream"
        else {a.id: a for a in site.downloads}
        if kind == "download"
        else None
    )
    if announced is not None:
        item = announced.get(ref)
        if item is None:
            problems.add(
                record["_file"],
                record["_line"],
                f"target「{record['target']}」指向的 id"
                f"「{ref}」在 content/livestreams.yaml 里不存在；已有的：{'、'.join(announced)}",
            )
            return None
        pending = None if item.is_known else item
        return build(StableLink, record, label=item.title, url=item.url, page=None, pending=pending)
    if kind == "page" and ref == "news" and site.news_hidden:
        problems.add(
            record["_file"],
            record["_line"],
            "target「page:news」指向的“活动动态”栏目现在是空的，"
            "并按 config.yaml 的 hide_empty_sections 不在网站上出现；请先添加活动动态，或换一个目标",
        )
        return None
    if kind == "page" and ref in BY_KEY:
        return build(StableLink, record, label=BY_KEY[ref].title, url=None, page=BY_KEY[ref].url, pending=None)
    if kind == "event" and ref in {e.id for e in site.events}:
        event = next(e for e in site.events if e.id == ref)
        return build(StableLink, record, label=event.title, url=None, page=event.page, pending=None)
    pages = "、".join(f"page:{name}" for name in BY_KEY)
    problems.add(
        record["_file"],
        record["_line"],
        f"target「{record['target']}」看不懂；应写成 livestream:直播id、download:下载id、event:日程id，或 {pages} 之一",
    )
    return None


def _poster(record: Parsed, link: StableLink) -> Poster:
    distance = PLACEMENTS[record["placement"]]
    return build(Poster, record, link=link, distance_m=distance, qr_mm=max(MIN_QR_MM, distance * 1000 / 10))


def printed_width_mm(poster: Poster, modules: int) -> float:
    """The code's printed width with its quiet zone; `modules` counts the quiet zone too."""
    return poster.qr_mm * modules / (modules - 2 * QUIET_ZONE)


def _check_fits(poster: Poster, modules: int, where: tuple[str, int], problems: Problems) -> None:
    needed = printed_width_mm(poster, modules)
    room_w = poster.paper.width_mm - 2 * MARGIN_MM
    room_h = (poster.paper.height_mm - 2 * MARGIN_MM) * 0.62
    if needed > min(room_w, room_h):
        bigger = [
            p.name
            for p in PAPERS.values()
            if needed <= min(p.width_mm - 2 * MARGIN_MM, (p.height_mm - 2 * MARGIN_MM) * 0.62)
        ]
        hint = f"请改用 {bigger[0]} 纸" if bigger else "请换一个扫码距离更近的位置"
        problems.add(
            *where,
            f"海报「{poster.headline}」贴在{poster.placement}，"
            f"人们约在 {poster.distance_m:g} 米外扫码，二维码至少要 {poster.qr_mm:g} 毫米见方，"
            f"{poster.paper.name} 纸放不下；{hint}",
        )


def pending_links(links: tuple[StableLink, ...]) -> list[StableLink]:
    return [link for link in links if link.pending is not None]

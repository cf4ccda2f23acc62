"""Reading `config.yaml` and `content/` into one validated `Site`.

The schema of every file lives here, in one place. Reading goes file by file and collects every
problem; only when all files read cleanly are cross-references checked (an event naming a
livestream that does not exist, two events with one id), so each message is about a real cause.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
import posixpath
from collections.abc import Callable
from functools import partial
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from campaign.errors import ContentError, ContentProblem, Problems
from campaign.load import bundles, posters
from campaign.load.markup import split_front_matter, unfinished_links
from campaign.load.source import (
    Folders,
    decode_text,
    display_name,
    hidden_txt_message,
    ignored_name,
    paragraph_limit,
    points_inside,
    read_source,
    read_text,
    shortcut_refused,
)
from campaign.load.yamltext import Node, parse_yaml
from campaign.model import site as m
from campaign.model.fields import (
    Declared,
    Ident,
    ListOf,
    Parsed,
    Record,
    ToHtml,
    build,
    declared_paths,
    read_document,
    schema,
)
from campaign.model.sections import BY_KEY
from campaign.render.urls import edition_folder

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from campaign.context import BuildContext, FrontPage, NameText

Read = TypeVar("Read")
# a Markdown page read: (checked front matter, sanitised body HTML, front matter node, body, body's first line, name)
PageRead = tuple[Parsed, str, Node, str, int, str]
# and with its photos and attachments: (checked front matter, HTML, front matter node, assets)
PageDone = tuple[Parsed, str, Node, tuple[m.Asset, ...]]

RESERVED_EVENT_IDS = ("week",)  # calendar/week.ics is the whole week's calendar

# Each file's schema, from the model's declarations (`model.site`); a file that holds lists
# of records is a mapping of its lists.
CONFIG = schema(m.Config)
CAMPAIGN = schema(m.Campaign)
ANNOUNCED = schema(m.Announced)
LIVESTREAMS = Record({"livestreams": ListOf(ANNOUNCED), "downloads": ListOf(ANNOUNCED, required=False)})
EVENT = schema(m.Event)
# An empty schedule (a new edition before its notice) builds; `check` reports the empty section.
SCHEDULE = Record({"events": ListOf(EVENT, required=False)})
PLEDGES = schema(m.PledgeDay)
QUIZ = schema(m.Quiz)
NOTICE = schema(m.Notice)
CONTACT = schema(m.Contact)
NEWS = schema(m.NewsItem)
# Each source file and the model its top level declares; a file of lists names each list's model.
DECLARED_FILES: dict[str, type[DataclassInstance] | dict[str, type[DataclassInstance]]] = {
    "config.yaml": m.Config,
    "content/campaign.yaml": m.Campaign,
    "content/schedule.yaml": {"events": m.Event},
    "content/livestreams.yaml": {"livestreams": m.Announced, "downloads": m.Announced},
    "content/pledges.yaml": m.PledgeDay,
    "content/quiz.yaml": m.Quiz,
    "content/posters.yaml": {"links": m.StableLink, "posters": m.Poster},
    "content/notice.md": m.Notice,
    "content/contact.md": m.Contact,
}


def declared_keys(name: str) -> dict[str, Declared]:
    """Every declared key of a source file (see `DECLARED_FILES`), as a dotted path."""
    shape = DECLARED_FILES[name]
    if isinstance(shape, dict):
        return {f"{key}.{path}": d for key, model in shape.items() for path, d in declared_paths(model).items()}
    return declared_paths(shape)


def load_site(ctx: BuildContext) -> m.Site:
    """Read and check everything under `ctx.root`; raises ContentError listing every problem."""
    root = ctx.root
    problems = Problems()
    docs: dict[str, Parsed] = {}
    yaml_files = {
        "config": ("config.yaml", CONFIG),
        "campaign": ("content/campaign.yaml", CAMPAIGN),
        "schedule": ("content/schedule.yaml", SCHEDULE),
        "livestreams": ("content/livestreams.yaml", LIVESTREAMS),
        "pledges": ("content/pledges.yaml", PLEDGES),
        "quiz": ("content/quiz.yaml", QUIZ),
        "posters": ("content/posters.yaml", posters.POSTERS),
    }
    nodes: list[Node] = []
    named: dict[str, Node] = {}
    for name, (path, record) in yaml_files.items():
        node = _guarded(problems, partial(_read_yaml, ctx, root / path))
        if node is not None:
            nodes.append(node)
            named[name] = node
            docs[name] = read_document(node, record, problems)
    pages: dict[str, PageRead] = {}
    for name, path, record in (("notice", "content/notice.md", NOTICE), ("contact", "content/contact.md", CONTACT)):
        page = _guarded(problems, partial(_read_page, ctx, root / path, record, problems))
        if page is not None:
            nodes.append(page[2])
            pages[name] = page
    news = _read_news(ctx, problems, nodes)
    done, items, quiz_image = _with_files(ctx, pages, news, docs.get("quiz"), named.get("quiz"), problems)
    problems.raise_if_any()
    return _assemble(ctx, docs, done, items, nodes, quiz_image)


def _with_files(
    ctx: BuildContext,
    pages: dict[str, PageRead],
    news: list[_NewsText],
    quiz: Parsed | None,
    quiz_node: Node | None,
    problems: Problems,
) -> tuple[dict[str, PageDone], list[m.NewsItem], m.Asset | None]:
    """The photos and attachments of every Markdown page (and the quiz's picture), in one pass."""
    content = ctx.root / "content"
    sources = []
    for name, (_, html, _, body, body_line, file) in pages.items():
        sources.append(bundles.Source(file, body, body_line, html, content, BY_KEY[name].url, bundles.FILES))
    for text in news:
        out = f"{BY_KEY['news'].url}{text.slug}/"
        sources.append(bundles.Source(text.file, text.body, text.body_line, text.html, text.folder, out, cover=True))
    image = quiz["image"] if quiz else ""
    if quiz and image:
        line = quiz_node.mapping["image"].line if quiz_node is not None and quiz_node.is_mapping else 0
        alt = f"{quiz['title'] or '知识竞赛'}的问卷二维码"
        tag = f'<img alt="{html_escape(alt)}" src="{html_escape(image)}">'
        sources.append(bundles.Source(QUIZ_FILE, "", line, tag, content, BY_KEY["quiz"].url, bundles.FILES))
    attached = bundles.attach(ctx, sources, problems)
    done: dict[str, PageDone] = {}
    for (name, page), (html, assets) in zip(pages.items(), attached):
        done[name] = (page[0], html, page[2], assets)
    items = [
        build(m.NewsItem, text.front, slug=text.slug, body_html=html, assets=assets)
        for text, (html, assets) in zip(news, attached[len(pages) :])
    ]
    quiz_assets = attached[-1][1] if image else ()
    return done, items, (quiz_assets[0] if quiz_assets else None)


QUIZ_FILE = "content/quiz.yaml"


@dataclasses.dataclass(frozen=True)
class _NewsText:
    """A report read and converted, before its photos and attachments are looked at."""

    slug: str
    file: str
    front: Parsed
    body: str
    body_line: int
    html: str
    folder: Path | None  # the report's own folder, None for a single .md file


def _guarded(problems: Problems, read: Callable[[], Read]) -> Read | None:
    try:
        return read()
    except ContentError as exc:
        problems.extend(exc)
        return None


def _read_yaml(ctx: BuildContext, path: Path) -> Node:
    name_text = _read_unless_unchanged(ctx, path)
    node = ctx.memo.yaml.get(name_text)
    if node is None:
        node = parse_yaml(name_text[1], name_text[0])
        ctx.memo.remember(ctx.memo.yaml, name_text, node)
    return node


def _read_page(ctx: BuildContext, path: Path, record: Record, problems: Problems) -> PageRead:
    """(checked front matter, sanitised body HTML, front matter node, body, body's first line, name)."""
    name_text = _read_unless_unchanged(ctx, path)
    page = ctx.memo.front.get(name_text)
    if page is None:
        page, found = _front_of(name_text, record)
        problems.items.extend(found)
        if not found:
            ctx.memo.remember(ctx.memo.front, name_text, page)
    front, body, node, body_line = page
    return front, ctx.markdown.to_html(body), node, body, body_line, name_text[0]


def _front_of(name_text: NameText, record: Record) -> tuple[FrontPage, list[ContentProblem]]:
    """((checked front matter, Markdown body, front matter node, body's first line), problems found)."""
    found = Problems()
    front, body, body_line = split_front_matter(name_text[1], name_text[0])
    checked = read_document(front, record, found) | {"_body_line": body_line}
    too_hard = paragraph_limit(body)
    if too_hard is not None:  # not worth converting: said at its line, with the other problems
        found.add(name_text[0], body_line + too_hard[0], too_hard[1])
        raise ContentError(found.items)
    for number, message in unfinished_links(body):
        found.add(name_text[0], body_line + number, message)
    return (checked, body, front, body_line), found.items


def _parse_news(name_data: tuple[str, bytes]) -> tuple[FrontPage | None, list[ContentProblem]]:
    """One news file decoded and its front matter checked (in a worker process when there are
    many): the page and the problems found."""
    name, data = name_data
    try:
        return _front_of((name, decode_text(data, name)), NEWS)
    except ContentError as exc:
        return None, exc.problems


def _read_unless_unchanged(ctx: BuildContext, path: Path | str, stat: os.stat_result | None = None) -> NameText:
    """(name, text); a live preview's rebuild reads only the files saved since the last one."""
    try:
        stat = stat or os.stat(path)
        stamp = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        return read_text(Path(path), ctx.root)
    known = ctx.memo.stamps.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    name_text = read_text(Path(path), ctx.root)
    ctx.memo.remember(ctx.memo.stamps, path, (stamp, name_text))
    return name_text


def _read_news(ctx: BuildContext, problems: Problems, nodes: list[Node]) -> list[_NewsText]:
    """Every report: `<slug>.md`, or a folder `<slug>/` with `index.md` and its photos and files."""
    root = ctx.root
    folder = root / "content" / "news"
    items: list[_NewsText] = []
    listed: list[tuple[str, str, str, Path | None]] = []  # (slug, name, Markdown file, own folder)
    if not folder.is_dir():
        return items
    prefix = display_name(folder, root) + "/"
    with os.scandir(folder) as listing:
        entries = sorted((entry for entry in listing if not ignored_name(entry.name)), key=lambda entry: entry.name)
    slugs: dict[str, str] = {}
    for entry in entries:
        name = prefix + entry.name
        found = _news_entry(entry, name, root, problems)
        if found is None:
            continue
        slug, path, own = found
        if slug in slugs:
            problems.add(
                name,
                0,
                f"「{slugs[slug]}」和「{entry.name}」是同一篇文章的两种写法（单个文件和文件夹），只能留一个；"
                "有照片或附件的，请留文件夹",
            )
            continue
        slugs[slug] = entry.name
        listed.append((slug, name if own is None else f"{name}/index.md", path, own))
    pages = _news_pages(ctx, listed, problems)
    ctx.markdown.warm([page[1] for _, _, page, _ in pages])  # those kept in memory by a preview
    for name, slug, (front, body, node, body_line), own in pages:
        nodes.append(node)
        html = ctx.markdown.to_html(body)
        if not html.strip():
            problems.add(name, 0, "这篇活动动态没有正文；请在第二个「---」下面写内容")
        items.append(_NewsText(slug, name, front, body, body_line, html, own))
    return items


def _news_pages(
    ctx: BuildContext, listed: list[tuple[str, str, str, Path | None]], problems: Problems
) -> list[tuple[str, str, FrontPage, Path | None]]:
    """(name, slug, checked front matter and body, own folder) of each report that reads cleanly.

    A report is known by the digest of its name and bytes (with the code's fingerprint, as every
    cache key): what the last build parsed of those very bytes, when it found no problem in
    them, is taken from the cache (or, in a preview, from memory) as it was; any other report
    is decoded and checked in full, over all cores when there are many. A preview takes a file
    as unchanged without looking at it only when the watcher reported no save of it
    (`Memo.saved`); otherwise its size, times and inode say whether to read it again.
    """
    folders: Folders = {}
    memo = ctx.memo
    saved = memo.saved.get(ctx.root)
    keyed: list[tuple[str, str, str, Path | None]] = []  # (slug, name, key, own)
    fresh: dict[str, tuple[str, bytes]] = {}  # key -> (name, bytes) of the files read
    stamps: dict[str, tuple[tuple[int, ...], str]] = {}  # path -> (stamp, key) of the files read
    for slug, name, path, own in listed:
        known = memo.sources.get(path) if memo.keep else None
        if known is not None and known[1] not in memo.front_by_key:
            known = None
        stamp = None
        if known is None or saved is None or _saved(name, saved):
            stamp = _stamp(path) if memo.keep else None
            if stamp is None or known is None or known[0] != stamp:
                known = None
        if known is not None:
            keyed.append((slug, name, known[1], own))
            continue
        data = _guarded(problems, partial(read_source, Path(path), ctx.root, name, folders))
        if data is None:
            continue
        key = ctx.cache.key("news-source", name, data)
        fresh[key] = (name, data)
        if stamp is not None:
            stamps[path] = (stamp, key)
        keyed.append((slug, name, key, own))
    wanted = [key for key in fresh if key not in memo.front_by_key]
    pages = {key: memo.front_by_key[key] for key in fresh.keys() - set(wanted)}
    for key, data in ctx.cache.get_many("news-source", wanted).items():
        pages[key], html = pickle.loads(data)
        ctx.markdown.known(pages[key][1], html)
    parse = [key for key in fresh if key not in pages]
    parsed = {}
    for key, (page, trouble) in zip(parse, ctx.workers.map(_parse_news, [fresh[key] for key in parse])):
        problems.items.extend(trouble)
        if page is not None and not trouble:  # a file with a problem is checked again next time
            pages[key] = parsed[key] = page
    ctx.markdown.warm([page[1] for page in parsed.values()])  # all at once, over all cores
    for key, page in parsed.items():
        entry = (page, ctx.markdown.to_html(page[1]))
        ctx.cache.put("news-source", key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
    found = []
    for slug, name, key, own in keyed:
        page = pages.get(key) or memo.front_by_key.get(key)
        if page is not None:
            memo.remember(memo.front_by_key, key, page)
            found.append((name, slug, page, own))
    for path, (stamp, key) in stamps.items():
        if key in pages:
            memo.remember(memo.sources, path, (stamp, key))
    return found


def _stamp(path: str) -> tuple[int, ...] | None:
    """A file's size, modification and change times and inode: a save changes one of them (a
    date put back by hand still changes the change time)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _saved(name: str, saved: frozenset[str]) -> bool:
    """Whether the watcher reported a save of `name` or of a folder it is in."""
    while name:
        if name in saved:
            return True
        name = name.rpartition("/")[0]
    return False


SLUG_HINT = "请只用小写英文字母、数字和连字符，如 2024-05-15-didi-tiyan"


def _news_entry(
    entry: os.DirEntry[str], name: str, root: Path, problems: Problems
) -> tuple[str, str, Path | None] | None:
    """(slug, Markdown file, the report's folder or None) of one entry of content/news/."""
    if entry.is_symlink() and points_inside(Path(entry.path), root):
        # one outside the project is refused where it is read, in the words for that
        problems.add(name, 0, "这" + shortcut_refused("文件夹" if entry.is_dir() else "文件"))
        return None
    if entry.is_dir():
        slug, folder = entry.name, Path(entry.path)
        if not _valid_slug(slug):
            problems.add(name, 0, f"文件夹名「{slug}」不能用作网址；{SLUG_HINT}")
            return None
        index = folder / "index.md"
        if not index.is_file():
            problems.add(f"{name}/index.md", 0, _missing_index(folder, slug))
            return None
        return slug, str(index), folder
    if entry.name.endswith(".md.txt") and entry.is_file():
        # what the clerk sees in Explorer is the name without the .txt Notepad added
        problems.add(name[: -len(".txt")], 0, hidden_txt_message(entry.name[: -len(".txt")]))
        return None
    if not entry.name.endswith(".md") or not entry.is_file():
        if entry.name.lower().endswith(bundles.media.PHOTO_EXTENSIONS + tuple(bundles.media.ATTACHMENT_TYPES)):
            message = (
                "照片和附件不能直接放在 content/news/ 里（活动动态文件夹里只能放以 .md 结尾的文章文件，"
                "或每篇文章一个文件夹）：请为文章新建一个文件夹，如 content/news/2024-05-15-qixing/，"
                "把文章移进去并改名为 index.md，照片和附件放在它旁边"
            )
        else:
            message = (
                "活动动态文件夹里只能放以 .md 结尾的文章文件，或每篇文章一个文件夹（里面是 index.md 和它的照片、附件）"
            )
        problems.add(name, 0, message)
        return None
    slug = entry.name[:-3]
    if not _valid_slug(slug):
        problems.add(name, 0, f"文件名「{entry.name}」不能用作网址；{SLUG_HINT}.md")
        return None
    return slug, entry.path, None


def _valid_slug(slug: str) -> bool:
    try:
        Ident().parse(slug)
    except Exception:
        return False
    return True


def _missing_index(folder: Path, slug: str) -> str:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    if "index.md.txt" in names:
        return hidden_txt_message("index.md")
    markdown = [name for name in names if name.endswith(".md")]
    if markdown:
        return f"文章文件夹里的文章要叫 index.md：请把「{markdown[0]}」改名为 index.md"
    return (
        f"文章文件夹 {slug}/ 里没有 index.md：请把这篇文章（.md 文件）放进这个文件夹并改名为 index.md，"
        "照片和附件放在它旁边"
    )


def _assemble(
    ctx: BuildContext,
    docs: dict[str, Parsed],
    pages: dict[str, PageDone],
    news: list[m.NewsItem],
    nodes: list[Node],
    quiz_image: m.Asset | None,
) -> m.Site:
    problems = Problems()
    to_html = _yaml_markdown(ctx, problems)
    config = _config(docs["config"])
    listed = docs["livestreams"]
    livestreams = tuple(build(m.Announced, r, kind=m.AnnouncedKind.LIVESTREAM) for r in listed["livestreams"])
    downloads = tuple(build(m.Announced, r, kind=m.AnnouncedKind.DOWNLOAD) for r in listed["downloads"] or ())
    _unique(problems, [*listed["livestreams"], *(listed["downloads"] or ())], "直播或下载")
    _unique(problems, docs["schedule"]["events"], "日程")
    by_id = {item.id: item for item in livestreams + downloads}
    events = tuple(
        sorted(
            (_event(r, by_id, problems, to_html) for r in docs["schedule"]["events"]),
            key=lambda e: (e.date, e.start or dt.time(0), e.id),
        )
    )
    campaign = _campaign(docs["campaign"], problems, to_html)
    shown = [asset for item in news for asset in item.assets] + [a for page in pages.values() for a in page[3]]
    placeholders = tuple(_placeholders(nodes, config, shown))
    problems.raise_if_any()
    notice, notice_html, _, notice_assets = pages["notice"]
    contact, contact_html, _, contact_assets = pages["contact"]
    site = m.Site(
        config=config,
        campaign=campaign,
        events=events,
        livestreams=livestreams,
        downloads=downloads,
        pledge_day=build(m.PledgeDay, docs["pledges"], to_html),
        quiz=build(m.Quiz, docs["quiz"], to_html, image=quiz_image),
        notice=build(m.Notice, notice, body_html=notice_html, assets=notice_assets),
        contact=build(m.Contact, contact, body_html=contact_html, assets=contact_assets),
        news=tuple(sorted(news, key=lambda n: (n.date, n.slug), reverse=True)),
        placeholders=placeholders,
        as_of=ctx.clock,
        edition=m.EditionPlace(edition_folder(config.base_path), edition_folder(config.base_path), config.title),
    )
    links, poster_list = posters.resolve(docs["posters"], site, problems, ctx.qr)
    problems.raise_if_any()
    return dataclasses.replace(site, links=links, posters=poster_list)


def _yaml_markdown(ctx: BuildContext, problems: Problems) -> ToHtml:
    """Markdown to HTML for a YAML file's text, where a picture is refused at its line."""

    def to_html(text: str, file: str, line: int) -> str:
        html = ctx.markdown.to_html(text)
        if "<img" in html:
            lines = text.split("\n")
            at = next((n for n, written in enumerate(lines) if "![" in written), 0)
            # a text of several lines is a block (`key: |`): its first line is below the key
            bundles.refuse_pictures(html, file, line + at + (len(lines) > 1), problems)
        return html

    return to_html


def _config(r: Parsed) -> m.Config:
    base_url = r["base_url"] if r["base_url"].endswith("/") else r["base_url"] + "/"
    return build(m.Config, r, base_url=base_url, site_url=base_url, base_path=urlsplit(base_url).path or "/")


def _campaign(r: Parsed, problems: Problems, to_html: ToHtml) -> m.Campaign:
    for t in r["themes"]:
        if t["end"] < t["start"]:
            problems.add(t["_file"], t["_line"], f"「{t['name']}」的结束日期 {t['end']} 早于开始日期 {t['start']}")
    return build(m.Campaign, r, to_html)


def _event(r: Parsed, by_id: dict[str, m.Announced], problems: Problems, to_html: ToHtml) -> m.Event:
    where = (r["_file"], r["_line"])
    if r["id"] in RESERVED_EVENT_IDS:
        problems.add(
            *where, f"日程的 id 不能用「{r['id']}」：它已留作全周日历 calendar/{r['id']}.ics 的文件名；请换一个"
        )
    if r["end_date"] and r["end_date"] < r["date"]:
        problems.add(
            *where, f"日程「{r['title']}」的结束日期 end_date（{r['end_date']}）早于开始日期 date（{r['date']}）"
        )
    if r["end"] and not r["start"]:
        problems.add(*where, f"日程「{r['title']}」写了结束时间 end，却没有开始时间 start")
    if r["start"] and r["end"] and not r["end_date"] and r["end"] <= r["start"]:
        problems.add(
            *where, f"日程「{r['title']}」的结束时间 end（{r['end']:%H:%M}）不晚于开始时间 start（{r['start']:%H:%M}）"
        )
    livestream = None
    if r["livestream"]:
        livestream = by_id.get(r["livestream"])
        if livestream is None:
            known = "、".join(by_id) or "（无）"
            problems.add(
                *where,
                f"日程「{r['title']}」的 livestream 写的是「{r['livestream']}」，"
                f"但 content/livestreams.yaml 里没有这个 id；已有的 id：{known}",
            )
    return build(m.Event, r, to_html, livestream=livestream)


def _unique(problems: Problems, records: list[Parsed], what: str) -> None:
    seen: dict[str, Parsed] = {}
    for r in records:
        if r["id"] in seen:
            first = seen[r["id"]]
            problems.add(
                r["_file"],
                r["_line"],
                f"{what}的 id「{r['id']}」重复了（{first['_file']} 第 {first['_line']} 行已用过）；每个 id 只能用一次",
            )
        else:
            seen[r["id"]] = r


def _placeholders(nodes: list[Node], config: m.Config, assets: list[m.Asset]) -> list[m.Placeholder]:
    """Every value that starts with 待填写, plus a production address still on example.*.

    A photo's caption is body text, no YAML node: one still 待填写 (an imported Word report's
    photo without a 「图为…」 line) is listed at the line that shows it, under the photo's name.
    """
    found = [
        m.Placeholder(asset.file, asset.line, posixpath.basename(asset.source), asset.alt)
        for asset in assets
        if isinstance(asset, m.Photo) and asset.alt.startswith(m.PLACEHOLDER_PREFIX)
    ]

    def walk(node: Node, key: str) -> None:
        if isinstance(node.value, dict):
            for child_key, child in node.value.items():
                walk(child, child_key)
        elif isinstance(node.value, list):
            for child in node.value:
                walk(child, key)
        elif isinstance(node.value, str) and node.value.strip().startswith(m.PLACEHOLDER_PREFIX):
            found.append(m.Placeholder(node.file, node.line, key, node.value.strip()))
        elif key == "base_url" and isinstance(node.value, str) and m.is_sample_address(node.value.strip()):
            found.append(
                m.Placeholder(node.file, node.line, key, f"正式网址尚未确定（现为示例地址 {config.base_url}）")
            )

    for node in nodes:
        walk(node, "")
    return sorted(found, key=lambda p: (p.file, p.line))

"""Next year's campaign from this year's: `python build.py new-edition 2025`.

This year's sources (`config.yaml`, `content/`, `templates/`) are kept as they are in
`editions/<folder>/`, where the build goes on rendering them at their own address, so every
printed code keeps working. `config.yaml` and `content/` then become the new edition: what is
the campaign's shape carries over (sections, poster ids and paper, pledge and quiz structure,
the inspection rules, the site's registration numbers, the templates), while every date,
address, number, theme slogan, document number and report of the old year becomes a 待填写
placeholder or is left out, so nothing of last year is shown as if it were this year's: the
table `YEARLY` says which. The files are written back with a round-trip YAML parser (`load.roundtrip`; a
Markdown file's front matter alike, its body byte for byte unless the table resets it), so a
changed value changes its own line only and the clerk's comments, blank lines, quotes and
Notepad's BOM and CRLF stay as they were. Next year's sources are written and loaded beside this
year's, then switched in at once (`edition_journal`), so a kill leaves the project wholly one
year's or the other's.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import PlainScalarString
from ruamel.yaml.tokens import CommentToken

from campaign import pipeline
from campaign.context import BuildContext
from campaign.edition_journal import Switch
from campaign.errors import ContentError
from campaign.load.content import DECLARED_FILES, declared_keys
from campaign.load.editions import ARCHIVE
from campaign.load.roundtrip import front_matter, nested, put_tail, replace, round_trip, take_tail
from campaign.load.source import BOM, read_text
from campaign.model.fields import Declared, ListOf, Record, declarations
from campaign.model.site import Site
from campaign.pipeline import Edition, Project


class EditionRefused(Exception):
    """new-edition cannot start: said in one sentence, nothing changed."""


def _todo(what: str) -> str:
    return f"待填写：{what}"


@dataclass(frozen=True)
class NextYear:
    """What `start_edition` will do, worked out (and refused) before anything is touched."""

    old: str  # this year's folder, e.g. "2024"
    year: str
    base_url: str  # this year's
    new_base_url: str
    archive: Path  # editions/<old>/


def plan_edition(project: Path, year: str, base_url: str, old: str) -> NextYear:
    """Check the year against the loaded current edition (its `base_url` and folder `old`);
    raises EditionRefused with the reason, changes nothing."""
    if not re.fullmatch(r"20[0-9]{2}", year):  # ASCII digits: 20２５ would make output/20２５/
        raise EditionRefused(f"new-edition 后面要写新一届的年份，如 2025；这里是「{year}」")
    if not re.fullmatch(r"20[0-9]{2}", old or ""):
        raise EditionRefused(
            f"config.yaml 里的正式网址「{base_url}」不是以年份结尾（如 …/jnxcz/2024/），"
            "看不出本届是哪一年；请先把网址改成以年份结尾再运行 new-edition"
        )
    if int(year) <= int(old):
        raise EditionRefused(f"新一届的年份（{year}）应在本届（{old}）之后")
    archive = project / ARCHIVE / old
    if archive.exists():
        raise EditionRefused(f"{ARCHIVE}/{old}/ 已经存在：{old} 年的活动已经存档过，没有改动任何文件")
    new_base = base_url[: len(base_url.rstrip("/")) - len(old)] + year + "/"
    return NextYear(old, year, base_url, new_base, archive)


def start_edition(loaded: Project, plan: NextYear, ctx: BuildContext) -> Site:
    """Archive the current edition and turn the sources into the plan's year's; returns the new
    edition as the next command will load it. `loaded` is the project as it is, `ctx` the command's.

    Next year's sources are prepared and loaded beside this year's first (`edition_journal`): a
    rewrite that would not load leaves the project untouched. Only then are they switched in.
    """
    project = ctx.root
    switch = Switch(project, plan.old, plan.year)
    switch.begin()
    try:
        if (project / "templates").is_dir():
            shutil.copytree(project / "templates", switch.archive / "templates")
        switch.step()
        shutil.copy2(project / "config.yaml", switch.sources / "config.yaml")
        left = {project / name for name in LEFT_IN_THE_ARCHIVE}  # copying them would only cost time
        shutil.copytree(
            project / "content",
            switch.sources / "content",
            ignore=lambda folder, names: [name for name in names if Path(folder) / name in left],
        )
        switch.step()
        _rewrite_sources(switch.sources, plan.old, plan.year, plan.new_base_url)
        switch.step()
        site = _placed(loaded, plan, ctx, switch.sources)
        switch.step()
        switch.seal()
    except (Exception, KeyboardInterrupt):  # a rewrite that does not load, a full disk, Ctrl+C
        switch.discard()
        raise
    switch.run()
    return site


def _placed(loaded: Project, plan: NextYear, ctx: BuildContext, sources: Path) -> Site:
    """The new edition in `sources`, loaded and checked among the others as they will be once it
    is switched in (this year's in `plan.archive`); ContentError, naming the files as they will be
    named then, if it would not load."""
    site = pipeline.load(dataclasses.replace(ctx, root=sources))
    current = loaded.current
    archived = (*loaded.archived, Edition(plan.archive, True, current.ctx, current.site))
    editions = (*sorted(archived, key=lambda edition: edition.root.name), Edition(ctx.root, False, ctx, site))
    Project(editions, loaded.clock).check_places()
    return site


# --------------------------------------------------------------------------- what next year resets


class Becomes(Enum):
    """A value that next year is worked out from this year's rather than to be written anew."""

    EMPTY = "empty"  # left empty (`url:`), as when nothing was known yet
    NEXT_YEAR = "next year"  # this year's number in the text becomes the new year's
    NEW_ADDRESS = "new address"  # the new edition's base_url


@dataclass(frozen=True)
class Todo:
    """The value becomes the placeholder 「待填写：<what>」; `{year}` is the new edition's year."""

    what: str


@dataclass(frozen=True)
class Emptied:
    """The list becomes `[]`, with the comment lines of `note` below it (`{year}`, `{archive}` filled in)."""

    note: tuple[str, ...] = ()


# A list of Todos (or of mappings of keys to Todos): the list becomes these items, the first old
# item's comments staying with its keys as the example to copy.
Yearly = Todo | Becomes | Emptied | list[Todo] | list[dict[str, Todo]]

BODY = "(body)"  # the text of a Markdown file below its front matter


def _declared_reset(declared: Declared) -> Yearly | None:
    """What a field's declaration says next year's edition writes in its place."""
    yearly = declared.yearly
    if yearly is None:
        return None
    if yearly.new_address:
        return Becomes.NEW_ADDRESS
    if yearly.new_year:
        return Becomes.NEXT_YEAR
    if yearly.one_item and isinstance(declared.check, ListOf) and isinstance(declared.check.item, Record):
        item = declared.check.item
        assert item.model is not None, "a list of records with one item left declares its model"
        todos = {d.key: Todo(d.yearly.todo) for d in declarations(item.model).values() if d.yearly is not None}
        return [todos]
    if yearly.todo:
        return [Todo(yearly.todo)] if isinstance(declared.check, ListOf) else Todo(yearly.todo)
    return Becomes.EMPTY


def _declared_resets() -> dict[str, dict[str, Yearly]]:
    """Every declared field that next year's notice changes, file by file (`model.site`)."""
    table: dict[str, dict[str, Yearly]] = {}
    for name in DECLARED_FILES:
        resets: dict[str, Yearly] = {}
        renewed_whole: list[str] = []  # a list left with one renewed item: its items' keys are done
        for path, declared in declared_keys(name).items():
            if any(path.startswith(whole + ".") for whole in renewed_whole):
                continue
            reset = _declared_reset(declared)
            if reset is not None:
                resets[path] = reset
                if declared.yearly is not None and declared.yearly.one_item:
                    renewed_whole.append(path)
        table[name] = resets
    return table


# Every value of this year's sources that is not next year's, file by file: what each field's
# declaration says (`model.site`), and what no field declares: a Markdown page's body, the
# schedule emptied with a note on how to fill it, and the posters' words. A key "a.b" is `b` of
# the mapping `a`, or of every item of the list `a`; a key a file does not have stays out of it.
# Whatever is not named here carries over as it is.
YEARLY: dict[str, dict[str, Yearly]] = _declared_resets()
YEARLY["content/schedule.yaml"] |= {
    "events": Emptied(
        (
            "{year}年的日程还没有填写：照 {archive}/content/schedule.yaml 的写法，",
            "把上面的“events: []”改成“events:”，在下面逐项写明通知里的每项活动。",
        )
    ),
}
YEARLY["content/notice.md"][BODY] = Todo("{year}年活动通知的正文（通知下发后，把正文粘贴在这里）")
YEARLY["content/contact.md"][BODY] = Todo("{year}年的报送要求（报送什么、怎样报送、截止时间）")
YEARLY["content/posters.yaml"] = {
    "posters.headline": Becomes.NEXT_YEAR,
    "posters.text": Todo("海报上的说明文字"),
}
POSTERS_FILE = "content/posters.yaml"
# What a short address can point at that next year's notice gives anew: last year's event is
# gone with the schedule; a livestream or download keeps its id, but what it is comes anew.
RENEWED_TARGETS = ("livestream:", "download:", "event:")
GONE_TARGET = Todo("扫码后去哪里（写法见上面的说明；上一届的日程已不在本届）")
RENEWED_HEADLINE = Todo("海报大标题（照{year}年的直播、资料或活动填写）")


def _renew_last_years_links(document: CommentedMap, years: _Years) -> None:
    """A short address that pointed at last year's event points nowhere yet (待填写), and a poster
    whose code leads to one of last year's livestreams, downloads or events gets its headline anew."""
    renewed = set()
    links = document.get("links")
    for link in links if isinstance(links, CommentedSeq) else ():
        target = str(link.get("target", "")).strip() if isinstance(link, CommentedMap) else ""
        if target.startswith("event:"):
            replace(link, "target", PlainScalarString(years.todo(GONE_TARGET)))
        if target.startswith(RENEWED_TARGETS):
            renewed.add(str(link.get("id", "")))
    posters = document.get("posters")
    for poster in posters if isinstance(posters, CommentedSeq) else ():
        if isinstance(poster, CommentedMap) and str(poster.get("link", "")) in renewed and "headline" in poster:
            replace(poster, "headline", PlainScalarString(years.todo(RENEWED_HEADLINE)))


LEFT_IN_THE_ARCHIVE = ("content/news", "content/files")  # last year's reports and their photos
STARTED_EMPTY = ("content/news",)


@dataclass(frozen=True)
class _Years:
    """What the table's entries are filled in with."""

    old: str
    new: str
    base_url: str

    def todo(self, todo: Todo) -> str:
        return _todo(todo.what.format(year=self.new))


def _rewrite_sources(project: Path, old: str, new: str, base_url: str) -> None:
    years = _Years(old, new, base_url)
    for name, resets in YEARLY.items():
        _rewrite(project, name, resets, years)
    for name in LEFT_IN_THE_ARCHIVE:
        folder = project / name
        if folder.is_dir():
            shutil.rmtree(folder)
    for name in STARTED_EMPTY:
        (project / name).mkdir()


# --------------------------------------------------------------------------- writing back as found


def _rewrite(project: Path, name: str, resets: dict[str, Yearly], years: _Years) -> None:
    """Apply `resets` to one file, keeping its BOM and line ends (Notepad's) and all it does not reset."""
    path = project / name
    text = read_text(path, project)[1]
    raw = path.read_bytes()
    if name.endswith(".md"):
        head, front, rest = front_matter(text)
        front = _edited(front, resets, years, name, first_line=2)
        body = resets.get(BODY)
        if isinstance(body, Todo):
            closing = rest.split("\n", 1)[0] + "\n" if head else ""
            rest = closing + "\n" + years.todo(body) + "\n"
        text = head + front + rest
    else:
        text = _edited(text, resets, years, name)
    newline = "\r\n" if b"\r\n" in raw else "\n"
    bom = BOM if raw.startswith(BOM.encode()) else ""
    path.write_bytes((bom + text.replace("\n", newline)).encode("utf-8"))


def _edited(text: str, resets: dict[str, Yearly], years: _Years, name: str, first_line: int = 1) -> str:
    """`text` with the values `resets` names set, every other line as it was."""
    yaml = round_trip()
    try:
        document = yaml.load(text)
    except YAMLError as exc:  # not expected: the sources loaded before new-edition started
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else 0
        raise ContentError.at(
            name, line, "这个文件无法自动改为新一届的内容；请检查这一行的写法后重新运行 new-edition"
        ) from None
    if not isinstance(document, CommentedMap):
        return text
    for dotted, becomes in resets.items():
        if dotted == BODY:
            continue
        *within, key = dotted.split(".")
        for mapping in _mappings(document, within):
            if key in mapping:
                _reset(mapping, key, becomes, years)
    if name == POSTERS_FILE:
        _renew_last_years_links(document, years)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _mappings(node: CommentedMap, within: list[str]) -> Iterator[CommentedMap]:
    """The mappings a dotted key's last part is looked up in: `within` followed, lists item by item."""
    if not within:
        yield node
        return
    value = node.get(within[0])
    for item in value if isinstance(value, CommentedSeq) else [value]:
        if isinstance(item, CommentedMap):
            yield from _mappings(item, within[1:])


def _reset(mapping: CommentedMap, key: str, becomes: Yearly, years: _Years) -> None:
    value = mapping[key]
    if becomes is Becomes.NEXT_YEAR:
        if isinstance(value, str):
            mapping[key] = value.replace(years.old, years.new)  # in the value's own style (quotes, "|")
    elif becomes is Becomes.NEW_ADDRESS:
        mapping[key] = years.base_url
    elif becomes is Becomes.EMPTY:
        replace(mapping, key, None)
    elif isinstance(becomes, Todo):
        replace(mapping, key, PlainScalarString(years.todo(becomes)))
    elif isinstance(becomes, Emptied):
        _empty(mapping, key, becomes, years)
    else:
        _refill(mapping, key, becomes, years)


def _empty(mapping: CommentedMap, key: str, emptied: Emptied, years: _Years) -> None:
    """The list at `key` becomes `[]`: its items go with their comments, a note how to fill it in below."""
    token, after_block = take_tail(mapping, key)
    if key in mapping.ca.items:
        mapping.ca.items[key][3] = None
    mapping[key] = CommentedSeq()
    below = token.value if token is not None else ""
    if below.startswith("\n") and not after_block:
        below = below[1:]  # the line end of the last item's last line, which goes
    archive = f"{ARCHIVE}/{years.old}"
    note = "".join("# " + line.format(year=years.new, archive=archive) + "\n" for line in emptied.note)
    if note or below:
        mapping.ca.items.setdefault(key, [None, None, None, None])[2] = CommentToken(
            "\n" + ("\n" + note if note else "") + below, CommentMark(0)
        )


def _refill(mapping: CommentedMap, key: str, items: list[Todo] | list[dict[str, Todo]], years: _Years) -> None:
    """The list at `key` becomes `items`; a first old item that is a mapping keeps its comments."""
    tail = take_tail(mapping, key)
    seq = mapping[key] if nested(mapping[key]) is not None else CommentedSeq()
    first = seq[0] if seq and isinstance(seq[0], CommentedMap) else None
    if first is not None:
        take_tail(seq, 0)  # the comments above the second item, which goes
    seq.clear()
    seq.ca.items.clear()
    for item in items:
        if isinstance(item, Todo):
            seq.append(PlainScalarString(years.todo(item)))
            continue
        kept = first if first is not None and not seq else CommentedMap()
        for old_key in [k for k in kept if k not in item]:
            del kept[old_key]
        for item_key, todo in item.items():
            if item_key in kept:
                replace(kept, item_key, PlainScalarString(years.todo(todo)))
            else:
                kept[item_key] = PlainScalarString(years.todo(todo))
        seq.append(kept)
    mapping[key] = seq
    put_tail(mapping, key, tail)

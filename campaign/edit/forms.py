"""Which forms there are, and each form's inputs read from and written into a file's YAML.

A form is one source file (`load.content.DECLARED_FILES`: the file and the model its top level,
or each of its lists, declares). Its inputs come from the models' declarations: the label and
help the clerk reads above each key, the check that says which input fits (a date picker for a
`Date`, a list for a `Choice`), whether it must be filled in. Values are read from the file's
round-trip YAML document, not from the built model, so the form shows what the file says; a
submitted value is put back into that document only where it differs, so every other line,
comment and quote stays as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString

from campaign.load.content import DECLARED_FILES
from campaign.load.roundtrip import put_tail, replace, take_tail
from campaign.model.fields import (
    PLACEHOLDER_PREFIX,
    Choice,
    Date,
    Declared,
    Email,
    Integer,
    ListOf,
    Markdown,
    Record,
    Time,
    Url,
    declarations,
)
from campaign.model.sections import SECTIONS

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

CONFIG_FILE = "config.yaml"
CONFIG_TITLE = "网站设置和页脚"
POSTERS_FILE = "content/posters.yaml"
POSTERS_TITLE = "宣传海报和短地址"
POSTER_PAGES = ("posters/", "go/")  # the posters page, each poster's page, each short address


@dataclass(frozen=True)
class Form:
    """One source file's form: `id` is its address under the editor (/_edit/<id>)."""

    id: str
    file: str
    title: str


def _form_id(file: str) -> str:
    return file.rsplit("/", 1)[-1].split(".", 1)[0]


def _title(file: str) -> str:
    if file == CONFIG_FILE:
        return CONFIG_TITLE
    if file == POSTERS_FILE:
        return POSTERS_TITLE
    return next((s.title for s in SECTIONS if s.source == file), file)


# Every source file declared field by field (the reports have forms of their own: `edit.article`).
FORMS: Mapping[str, Form] = {_form_id(file): Form(_form_id(file), file, _title(file)) for file in DECLARED_FILES}
BODY_NAME = "@body"  # a Markdown page's body: no key of its front matter (apply leaves it alone)
BODY = Declared(
    Markdown(),
    "正文",
    "Markdown 格式：空一行表示另起一段；「## 」开头的行是小标题；「- 」开头的行是列表的一项；"
    "照片写成 ![照片内容](files/照片.jpg)，附件写成 [附件名称](files/附件.pdf)",
    None,
    BODY_NAME,
)


def forms_for(page: str) -> list[Form]:
    """The forms for what a page shows (`page` under the site's base: "", "livestreams/",
    "events/launch/"), the page's own first, the site settings last."""
    found = [s.source for s in SECTIONS if s.url and page.startswith(s.url)]
    if page.startswith("events/"):
        found.append("content/schedule.yaml")
    if page.startswith(POSTER_PAGES):
        found.append(POSTERS_FILE)
    if not page or page == "index.html":
        found += ["content/campaign.yaml", "content/schedule.yaml"]
    wanted = [f for f in dict.fromkeys(found) if _form_id(f) in FORMS and f != CONFIG_FILE]
    return [FORMS[_form_id(f)] for f in wanted] + [FORMS[_form_id(CONFIG_FILE)]]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Input:
    """One input of a form: `name` is the value's place in the document ("livestreams.1.url")."""

    name: str
    declared: Declared
    value: str  # as it is written in the file (or was submitted)
    kind: str  # text, textarea, lines, date, time, url, email, number, select
    options: tuple[str, ...] = ()
    message: str = ""  # what the build says about it, in its words

    @property
    def required(self) -> bool:
        return self.declared.check.required

    @property
    def pending(self) -> bool:
        """A 待填写 value: shown as such, with the field left for the clerk to fill in."""
        return self.value.strip().startswith(PLACEHOLDER_PREFIX)

    @property
    def type(self) -> str:
        """The HTML input type; a pending date is a text (a picker cannot hold 待填写…)."""
        if self.kind in ("date", "time") and self.pending:
            return "text"
        return {"date": "date", "time": "time", "url": "url", "email": "email", "number": "number"}.get(
            self.kind, "text"
        )

    @property
    def html_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("@", "")


@dataclass(frozen=True)
class Group:
    """A record of the file: its own inputs and nested records (a theme, a pledge, the footer)."""

    name: str
    title: str
    help: str
    items: tuple[Input | Group, ...]
    place: tuple[str, int, int] | None = None  # an item of a file's list: (its key, index, how many)

    @property
    def html_id(self) -> str:
        return "g-" + self.name.replace(".", "-") if self.name else "g-top"

    def inputs(self) -> Iterator[Input]:
        for item in self.items:
            if isinstance(item, Group):
                yield from item.inputs()
            else:
                yield item


def _kind(check: Any) -> str:
    if isinstance(check, ListOf):
        return "lines"
    if isinstance(check, Markdown):
        return "textarea"
    for cls, kind in ((Date, "date"), (Time, "time"), (Url, "url"), (Email, "email"), (Integer, "number")):
        if isinstance(check, cls):
            return kind
    return "select" if isinstance(check, Choice) else "text"


def text_of(value: Any) -> str:
    """A YAML value as the form shows it: a date as 2024-05-15, a list one item a line, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "\n".join(text_of(item) for item in value)
    return str(value)


# What one item of each list of a file is called, for 「添加一项…」: the lists whose items the clerk
# adds, moves and removes. A short address or a poster is neither added nor removed here: a code
# printed for it must go on working (the file's own comment says so).
ITEM_NAMES = {"events": "日程", "livestreams": "直播", "downloads": "资料下载"}
NEW_TITLE = "新增的一项"


def lists_of(form: Form) -> dict[str, type[DataclassInstance]]:
    """The lists of records a form's file is made of (none for a file that is one record)."""
    shape = DECLARED_FILES[form.file]
    return dict(shape) if isinstance(shape, dict) else {}


def changeable_lists(form: Form) -> list[str]:
    """The lists of a form's file whose items are added, moved and removed (`ITEM_NAMES`)."""
    return [key for key in lists_of(form) if key in ITEM_NAMES]


def groups(form: Form, document: Any, adding: str = "", body: str | None = None) -> list[Group]:
    """The form's records as they are in `document` (the file's round-trip YAML); with `adding`
    (one of its lists), an empty record at that list's end; a Markdown page's `body` last."""
    shape = DECLARED_FILES[form.file]
    doc = document if isinstance(document, CommentedMap) else CommentedMap()
    if not isinstance(shape, dict):
        found = [_group(shape, doc, "", form.title, "")]
        if body is not None:
            found.append(Group("@", BODY.label, "", (Input(BODY_NAME, BODY, body, "textarea"),)))
        return found
    found = []
    for key, model in shape.items():
        items = doc.get(key)
        listed = [item for item in (items if isinstance(items, CommentedSeq) else []) if isinstance(item, CommentedMap)]
        for number, item in enumerate(listed):
            title = str(item.get("title") or item.get("headline") or item.get("id") or f"第 {number + 1} 项")
            group = _group(model, item, f"{key}.{number}", title, "")
            if key in ITEM_NAMES:
                group = dataclasses.replace(group, place=(key, number, len(listed)))
            found.append(group)
        if key == adding:
            found.append(_group(model, CommentedMap(), f"{key}.{len(listed)}", NEW_TITLE, ""))
    return found


def record(model: type[DataclassInstance], document: Any, title: str) -> Group:
    """The inputs of a file that is one record of `model` (a report's front matter)."""
    return _group(model, document if isinstance(document, CommentedMap) else CommentedMap(), "", title, "")


def _group(model: type[DataclassInstance], mapping: CommentedMap, name: str, title: str, help: str) -> Group:
    items: list[Input | Group] = []
    for declared in declarations(model).values():
        path = f"{name}.{declared.key}" if name else declared.key
        check = declared.check
        value = mapping.get(declared.key)
        if isinstance(check, Record) and check.model is not None:
            inner = value if isinstance(value, CommentedMap) else CommentedMap()
            items.append(_group(check.model, inner, path, declared.label, declared.help))
        elif isinstance(check, ListOf) and isinstance(check.item, Record) and check.item.model is not None:
            for number, item in enumerate(value if isinstance(value, CommentedSeq) else []):
                if isinstance(item, CommentedMap):
                    label = f"{declared.label}（第 {number + 1} 项）"
                    items.append(_group(check.item.model, item, f"{path}.{number}", label, declared.help))
        else:
            options = tuple(check.options) if isinstance(check, Choice) else ()
            items.append(Input(path, declared, text_of(value), _kind(check), options))
    return Group(name, title, help, tuple(items))


def with_values(group: Group, values: Mapping[str, str], messages: Mapping[str, str]) -> Group:
    """The group showing submitted values and the build's message beside each input."""
    items: list[Input | Group] = []
    for item in group.items:
        if isinstance(item, Group):
            items.append(with_values(item, values, messages))
        else:
            value = values.get(item.name, item.value)
            items.append(dataclasses.replace(item, value=value, message=messages.get(item.name, "")))
    return dataclasses.replace(group, items=tuple(items))


# --------------------------------------------------------------------------- writing values back


def submitted(text: str) -> str:
    """A browser's value as the file would hold it: a textarea's CRLF as LF, no trailing spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def apply(document: CommentedMap, inputs: list[Input], values: Mapping[str, str]) -> list[str]:
    """Put each submitted value that differs from the file's into `document`; the names changed."""
    changed = []
    for item in inputs:
        if item.name not in values or item.name == BODY_NAME:
            continue
        new = submitted(values[item.name])
        if new == submitted(item.value):
            continue
        *within, key = item.name.split(".")
        mapping = _at(document, within)
        if mapping is None:
            continue
        _set(mapping, key, _yaml_value(item, new, mapping.get(key)), item.declared)
        changed.append(item.name)
    return changed


def _at(document: CommentedMap, path: list[str]) -> CommentedMap | None:
    node: Any = document
    for part in path:
        if isinstance(node, CommentedSeq) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, CommentedMap) and part in node:
            node = node[part]
        else:
            return None
    return node if isinstance(node, CommentedMap) else None


def _yaml_value(item: Input, new: str, old: Any) -> Any:
    """The value to write: a real date for a date (written plain, as the clerk writes it), a list
    for a list, the old value's quoting kept; what does not parse is written as text, for the
    build's own check to name."""
    if new == "":
        return None
    if item.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", new):
        try:
            return dt.date.fromisoformat(new)
        except ValueError:
            return new
    if item.kind == "number" and re.fullmatch(r"\d{1,9}", new):
        return int(new)
    if item.kind == "lines":
        return CommentedSeq(line.strip() for line in new.split("\n") if line.strip())
    if "\n" in new or isinstance(old, LiteralScalarString):
        return LiteralScalarString(new + "\n")
    if isinstance(old, ScalarString):  # quoted in the file: quoted the same way
        return type(old)(new)
    return new


def _set(mapping: CommentedMap, key: str, value: Any, declared: Declared) -> None:
    if key in mapping:
        replace(mapping, key, value)
        return
    if value is None:
        return
    # a key the file leaves out goes after the last one present, its comment above it
    last = next(reversed(mapping)) if mapping else None
    tail = take_tail(mapping, last) if last is not None else (None, False)
    mapping[key] = value
    put_tail(mapping, key, tail)
    column = mapping.lc.col if mapping.lc.col is not None else 0
    mapping.yaml_set_comment_before_after_key(key, before=declared.comment, indent=column)


def new_item(group: Group, values: Mapping[str, str], column: int) -> tuple[CommentedMap, str] | None:
    """The record an empty group was filled in as (None if left empty), and the comment lines above
    it, written as the clerks' files are: a heading, then each key's label and help above it."""
    mapping = CommentedMap()
    first = ""
    for item in group.inputs():
        new = submitted(values.get(item.name, ""))
        if not new:
            continue
        key = item.name.rsplit(".", 1)[-1]
        mapping[key] = _yaml_value(item, new, None)
        if len(mapping) == 1:
            first = item.declared.comment
        else:
            mapping.yaml_set_comment_before_after_key(key, before=item.declared.comment, indent=column)
    if not mapping:
        return None
    title = submitted(values.get(f"{group.name}.title", "")) or submitted(values.get(f"{group.name}.id", ""))
    indent = " " * max(column - 2, 0)
    heading = f"\n{indent}# —— {title} ——\n" + "".join(f"{indent}# {line}\n" for line in first.split("\n"))
    return mapping, heading


def key_lines(document: Any, first_line: int = 1) -> dict[str, int]:
    """The line each value's key is written on (1-based), by input name, and each record's own line
    under its name."""
    lines: dict[str, int] = {}

    def walk(node: Any, name: str) -> None:
        if isinstance(node, CommentedMap):
            if name:
                lines.setdefault(name, node.lc.line + first_line)
            for key in node:
                path = f"{name}.{key}" if name else str(key)
                line, _ = node.lc.key(key)
                lines[path] = line + first_line
                walk(node[key], path)
        elif isinstance(node, CommentedSeq):
            for number, item in enumerate(node):
                walk(item, f"{name}.{number}")

    walk(document, "")
    return lines

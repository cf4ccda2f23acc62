"""Each field of the sources declared once: how it is written, checked, labelled and renewed.

Modelled on MkDocs' config options: each check is a small class that validates itself and says
in Chinese what was expected. A model dataclass declares its fields with `declare`: the check,
the Chinese label and help the clerk reads above the key, and what `new-edition` writes in its
place next year. From that one declaration come the schema a file is read with (`Record.of`),
the model's values (`build`), their source positions (`Where`) and next year's reset. A
`Record` rejects unknown keys (suggesting the nearest known one) and reports every bad value it
finds, not only the first, each at its own line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeGuard, TypeVar
from urllib.parse import urlsplit

from campaign.errors import Problems

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from campaign.load.yamltext import Node

PLACEHOLDER_PREFIX = "待填写"


class PendingDate(dt.date):
    """A date the office has not filled in yet (a 待填写 text in a date field, as in a new edition).

    It shows as its text wherever a date is shown (`render.dates`), offers no ISO form to
    scripts, feeds or sitemaps (`isoformat()` is empty) and counts as false, so a template's
    `{% if page.updated %}` leaves it out. It sorts after every real date and is never "due":
    nothing is announced, started or late on a day nobody knows yet.
    """

    text: str

    def __new__(cls, text: str) -> Self:
        pending = super().__new__(cls, 9999, 12, 31)
        pending.text = text
        return pending

    def __reduce__(self) -> tuple[type[PendingDate], tuple[str]]:
        return (PendingDate, (self.text,))

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PendingDate) and other.text == self.text

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(("pending", self.text))

    def isoformat(self) -> str:
        return ""

    def __format__(self, spec: str) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"PendingDate({self.text!r})"


def is_pending(day: object) -> TypeGuard[PendingDate]:
    return isinstance(day, PendingDate)


# What a `Record` read: each key's parsed value (its field's default when left out), plus the
# record's own "_line" and "_file", and "_lines", the line of each key written.
Parsed = dict[str, Any]
Chosen = TypeVar("Chosen")


class Invalid(Exception):
    """A value is wrong; the record adds the file, the line and the key's name."""


class Field:
    """A value under a key. `required` fields must be present and not empty."""

    expected = "一个值"

    def __init__(self, *, required: bool = True, default: Any = None):
        self.required = required
        self.default = default

    def read(self, node: Node, problems: Problems) -> Any:
        if not isinstance(node.value, str):  # a mapping or a list: an empty value never reaches a field
            raise Invalid(f"应是{self.expected}，这里却写成了多层内容；请检查缩进")
        return self.parse(node.value.strip())

    def parse(self, text: str) -> Any:
        return text


class Text(Field):
    expected = "一段文字"

    def __init__(self, *, required: bool = True, default: Any = None, max_length: int = 0):
        super().__init__(required=required, default=default)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        if self.max_length and len(text) > self.max_length:
            raise Invalid(f"太长了（{len(text)} 个字），最多 {self.max_length} 个字")
        return text


class Date(Field):
    """A date; with `pending`, also a 待填写 text for a date not known yet (a new edition's)."""

    expected = "日期，写成 2024-05-13 这样的格式"

    def __init__(self, *, required: bool = True, default: Any = None, pending: bool = False):
        super().__init__(required=required, default=default)
        self.pending = pending

    def parse(self, text: str) -> dt.date:
        if self.pending and text.startswith(PLACEHOLDER_PREFIX):
            return PendingDate(text)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if not match:
            raise Invalid(f"应是{self.expected}，这里写的是「{text}」")
        year = int(match.group(1))
        if not 2000 <= year <= 2099:
            raise Invalid(f"日期「{text}」的年份不对：应在 2000 到 2099 年之间")
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise Invalid(f"日期「{text}」不存在，请核对年、月、日") from None


class Time(Field):
    expected = "时间，写成 09:30 这样的 24 小时制格式（北京时间）"

    def parse(self, text: str) -> dt.time:
        match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", text)
        if not match:
            raise Invalid(f"应是{self.expected}，这里写的是「{text}」")
        hour, minute = (int(part) for part in match.groups())
        if hour > 23 or minute > 59:
            raise Invalid(f"时间「{text}」不存在，小时应在 0–23，分钟应在 0–59")
        return dt.time(hour, minute)


class Url(Field):
    """An http(s) address; short enough that its QR code can be drawn (limit under QR's own)."""

    expected = "以 http:// 或 https:// 开头的网址"

    def __init__(self, *, required: bool = True, default: Any = None, max_length: int = 1000):
        super().__init__(required=required, default=default)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise Invalid(
                f"网址太长（{len(text)} 个字符），最多 {self.max_length} 个字符；请确认复制完整且没有多余内容"
            )
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            raise Invalid(f"网址「{text}」格式不对，请重新复制完整的网址") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise Invalid(f"应是{self.expected}，这里写的是「{text}」")
        if any(ch.isspace() for ch in text) or any(ch in text for ch in "<>\"'`"):
            raise Invalid(f"网址「{text}」里有空格或引号等不能出现在网址中的字符")
        return text


class Email(Field):
    expected = "电子邮箱地址，如 name@example.com"

    def __init__(self, *, required: bool = True, default: Any = None, pending: bool = False):
        super().__init__(required=required, default=default)
        self.pending = pending

    def parse(self, text: str) -> str:
        if self.pending and text.startswith(PLACEHOLDER_PREFIX):
            return text
        if not re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", text):
            raise Invalid(f"应是{self.expected}，这里写的是「{text}」")
        return text


class Ident(Field):
    """A short name used in addresses: lowercase letters, digits and hyphens only."""

    expected = "由小写英文字母、数字和连字符「-」组成的短名称，如 xinhua-live"

    def parse(self, text: str) -> str:
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", text):
            raise Invalid(f"应是{self.expected}，这里写的是「{text}」")
        return text


class Choice(Field, Generic[Chosen]):
    """One of a few words; `options` maps what the clerk writes to what the code uses."""

    def __init__(self, options: dict[str, Chosen], **kwargs: Any):
        super().__init__(**kwargs)
        self.options = options

    def parse(self, text: str) -> Chosen:
        if text not in self.options:
            allowed = "、".join(f"「{o}」" for o in self.options)
            raise Invalid(f"只能写 {allowed} 之一，这里写的是「{text}」")
        return self.options[text]


class Integer(Field):
    def __init__(self, low: int, high: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def parse(self, text: str) -> int:
        expected = f"应是 {self.low} 到 {self.high} 之间的整数"
        digits = text.lstrip("0") or "0"
        # more digits than the largest allowed has: said without asking Python to read them (past
        # 4,300 digits it refuses with a traceback), nor quoting them all
        if re.fullmatch(r"\d+", text) and len(digits) > len(str(self.high)):
            raise Invalid(f"{expected}，这里写的数有 {len(digits)} 位，太大了")
        if not re.fullmatch(r"\d+", text) or not self.low <= int(digits) <= self.high:
            raise Invalid(f"{expected}，这里写的是「{text}」")
        return int(digits)


class ListOf(Field):
    expected = "一个列表（每项一行，以「- 」开头）"

    def __init__(self, item: Field, *, required: bool = True, default: Any = ()):
        super().__init__(required=required, default=default)
        self.item = item

    def read(self, node: Node, problems: Problems) -> Any:
        if not isinstance(node.value, list):
            raise Invalid(f"应是{self.expected}")
        values = []
        for child in node.value:
            if child.value is None:
                problems.add(child.file, child.line, "列表里有一个空项，请删去这一行或填上内容")
                continue
            try:
                values.append(self.item.read(child, problems))
            except Invalid as exc:
                problems.add(child.file, child.line, f"这一项{exc}")
        return tuple(values)


class Record(Field):
    """A mapping with known keys; returns a dict of parsed values plus `_line`."""

    expected = "一组「键: 值」"

    def __init__(self, fields: dict[str, Field], **kwargs: Any):
        super().__init__(**kwargs)
        self.fields = fields
        self.model: type[DataclassInstance] | None = None  # the dataclass it declares (`schema`)

    def read(self, node: Node, problems: Problems) -> Parsed:
        if not isinstance(node.value, dict):
            if isinstance(node.value, str) and "：" in node.value:
                key = node.value.split("：", 1)[0].strip()
                problems.add(
                    node.file,
                    node.value_line or node.line,
                    f"「{key}」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格",
                )
                return _unread(node, self)
            raise Invalid(f"应是{self.expected}，请检查缩进和冒号")
        result: Parsed = {"_line": node.line, "_file": node.file, "_lines": {k: c.line for k, c in node.value.items()}}
        misspelt: set[str] = set()  # a key written wrong is one problem, at its line, not two
        for key, child in node.value.items():
            if key not in self.fields:
                problems.add(node.file, child.line, unknown_key_message(key, self.fields))
                misspelt.update(nearest_key(key, self.fields))
        for key, field in self.fields.items():
            found = node.value.get(key)
            if found is None or found.value is None or found.value == "" or found.value == []:
                if field.required and not (found is None and key in misspelt):
                    line = found.line if found is not None else node.line
                    problems.add(node.file, line, f"缺少「{key}」，这一项必须填写")
                result[key] = field.default
                continue
            try:
                result[key] = field.read(found, problems)
            except Invalid as exc:
                problems.add(found.file, found.line, f"「{key}」{exc}")
                result[key] = field.default
        return result


def nearest_key(key: str, fields: dict[str, Field]) -> list[str]:
    return difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)


def unknown_key_message(key: str, fields: dict[str, Field]) -> str:
    guess = nearest_key(key, fields)
    hint = f"是不是想写「{guess[0]}」？" if guess else ""
    known = "、".join(fields)
    return f"不认识的键「{key}」。{hint}这里可以写的键有：{known}"


def read_document(node: Node, record: Record, problems: Problems) -> Parsed:
    """Read a whole file's top level; a file that is not a mapping is one clear problem."""
    try:
        return record.read(node, problems)
    except Invalid as exc:
        problems.add(node.file, node.line, f"整个文件{exc}")
        return _unread(node, record)


def _unread(node: Node, record: Record) -> Parsed:
    """What a record that could not be read stands for: its defaults, at the node's place."""
    return {key: field.default for key, field in record.fields.items()} | {
        "_line": node.line,
        "_file": node.file,
        "_lines": {},
    }


class Markdown(Text):
    """A Markdown text written in a YAML file; the model keeps it as sanitised HTML (`build`)."""


# --------------------------------------------------------------------------- declarations

DECLARED = "campaign.declared"  # the dataclass field metadata key a declaration is kept under
Model = TypeVar("Model", bound="DataclassInstance")
ToHtml = Callable[[str, str, int], str]  # (Markdown text, file, line of its key) -> HTML


@dataclass(frozen=True)
class Yearly:
    """What `new-edition` writes in place of last year's value of a field.

    `todo` is a 待填写 text ("{year}" stands for the new year); with none the value is left
    empty, or, for a list, the list is emptied. `new_year` keeps the text with last year's
    number changed to the new year's (a title). `one_item` keeps the first item of a list of
    records, each of its fields renewed by its own declaration.
    """

    todo: str = ""
    new_year: bool = False
    one_item: bool = False
    new_address: bool = False  # the production address: the new edition's folder in it

    def placeholder(self, year: str) -> str:
        return f"{PLACEHOLDER_PREFIX}：{self.todo.format(year=year)}" if self.todo else ""


NEW_YEAR = Yearly(new_year=True)
CLEARED = Yearly()
ONE_ITEM = Yearly(one_item=True)
NEW_ADDRESS = Yearly(new_address=True)


def renew(todo: str) -> Yearly:
    """A value next year's notice gives: a 待填写 placeholder until then."""
    return Yearly(todo=todo)


@dataclass(frozen=True)
class Declared:
    """One field of a source file: how it is checked, what the clerk reads about it, next year."""

    check: Field
    label: str  # what the field is, in the clerk's words: the comment above the key starts with it
    help: str  # what to write, after the label and a full-width colon; may span lines
    yearly: Yearly | None  # None: carried over to next year's edition as it is
    key: str  # the key it is written under in the file

    @property
    def comment(self) -> str:
        """The comment the clerk reads above the key, without its "# "s."""
        return f"{self.label}：{self.help}" if self.help else self.label


def declare(check: Field, label: str, help: str = "", *, yearly: Yearly | None = None, key: str = "") -> Any:
    """A model dataclass field read from a source file (the key is the field's name unless `key`)."""
    meta = {DECLARED: Declared(check, label, help, yearly, key)}
    if check.required:
        return dataclasses.field(metadata=meta)
    default = tuple(check.default) if isinstance(check.default, list) else check.default
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Where:
    """Where a record was written: its file, its own line and the line of each key in it."""

    file: str = ""
    line: int = 0
    lines: tuple[tuple[str, int], ...] = ()
    body: int = 0  # a Markdown page's: the line its body starts on

    def of(self, key: str) -> int:
        """The line of `key`, or the record's own line when the key was left out."""
        return dict(self.lines).get(key, self.line)


NOWHERE = Where()


def where() -> Any:
    """The field a declared record keeps its position in; it never makes two records differ."""
    return dataclasses.field(default=NOWHERE, compare=False, repr=False)


@functools.cache
def declarations(model: type[DataclassInstance]) -> Mapping[str, Declared]:
    """The declared fields of a model dataclass, by field name, each with its key filled in.

    Worked out once per model: `build` asks for every report of a large site.
    """
    found = {}
    for item in dataclasses.fields(model):
        declared = item.metadata.get(DECLARED)
        if isinstance(declared, Declared):
            found[item.name] = dataclasses.replace(declared, key=declared.key or item.name)
    return types.MappingProxyType(found)


@functools.cache
def _keeps_its_place(model: type[DataclassInstance]) -> bool:
    return "where" in {item.name for item in dataclasses.fields(model)}


def declared_paths(model: type[DataclassInstance], prefix: str = "") -> dict[str, Declared]:
    """Every declared key of a model as a dotted path ("footer.contact", "themes.slogan": a key of
    a nested record, or of every item of a list of records)."""
    paths = {}
    for declared in declarations(model).values():
        path = prefix + declared.key
        paths[path] = declared
        inner = declared.check.item if isinstance(declared.check, ListOf) else declared.check
        if isinstance(inner, Record) and inner.model is not None:
            paths |= declared_paths(inner.model, path + ".")
    return paths


def schema(model: type[DataclassInstance], **kwargs: Any) -> Record:
    """The record a model's declared fields are read with."""
    record = Record({d.key: d.check for d in declarations(model).values()}, **kwargs)
    record.model = model
    return record


def build(model: type[Model], parsed: Parsed, to_html: ToHtml | None = None, **given: Any) -> Model:
    """The model value of a record read with `schema(model)`; `given` are the fields not read from it."""
    values = dict(given)
    for name, declared in declarations(model).items():
        if name not in values:
            value = _value(declared.check, parsed[declared.key], to_html)
            if isinstance(declared.check, Markdown):
                if to_html is None:
                    raise TypeError(f"{model.__name__}.{name} is Markdown: build it with to_html")
                value = to_html(value or "", parsed["_file"], parsed["_lines"].get(declared.key, parsed["_line"]))
            values[name] = value
    if _keeps_its_place(model):
        lines = tuple(sorted(parsed["_lines"].items()))
        values["where"] = Where(parsed["_file"], parsed["_line"], lines, parsed.get("_body_line", 0))
    return model(**values)


def _value(check: Field, value: Any, to_html: ToHtml | None) -> Any:
    if isinstance(check, ListOf) and value is not None:
        return tuple(_value(check.item, item, to_html) for item in value)
    if isinstance(check, Record) and check.model is not None and isinstance(value, dict):
        return build(check.model, value, to_html)
    return value

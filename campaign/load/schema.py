"""Typed fields that read a YAML node, check it and say in Chinese what was expected.

Modelled on MkDocs' config options: each field is a small class that validates itself. A
`Record` rejects unknown keys (suggesting the nearest known one) and reports every bad value it
finds, not only the first, each at its own line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from campaign.errors import Problems
from campaign.load.yamltext import Node
from campaign.model.site import PLACEHOLDER_PREFIX, PendingDate

# What a `Record` read: each key's parsed value (its field's default when left out), plus the
# record's own "_line" and "_file".
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
        if not re.fullmatch(r"\d+", text) or not self.low <= int(text) <= self.high:
            raise Invalid(f"应是 {self.low} 到 {self.high} 之间的整数，这里写的是「{text}」")
        return int(text)


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

    def read(self, node: Node, problems: Problems) -> Parsed:
        if not isinstance(node.value, dict):
            if isinstance(node.value, str) and "：" in node.value:
                key = node.value.split("：", 1)[0].strip()
                problems.add(
                    node.file,
                    node.value_line or node.line,
                    f"「{key}」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格",
                )
                return {"_line": node.line, "_file": node.file} | {k: f.default for k, f in self.fields.items()}
            raise Invalid(f"应是{self.expected}，请检查缩进和冒号")
        result: Parsed = {"_line": node.line, "_file": node.file}
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
        return {key: field.default for key, field in record.fields.items()} | {"_line": node.line, "_file": node.file}

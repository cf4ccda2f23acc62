"""A stable digest of a value of the model or of a plan: equal in every process for equal data.

The build state keeps, instead of the model itself, the digest of each part a file read and of
each file's plan; the next build compares digests. So the digest must not depend on anything a
process chooses: not on `id()` (no default `repr`), not on string hashing (a set or a mapping
is written in sorted order), not on which equal strings happen to be one object (pickle's memo
would). It follows `==` where the model relies on it: a dataclass field declared
`compare=False` (a photo's hash, where it is referenced) is left out, as equality leaves it
out. A value of a type it does not know has no digest (`None`), which reads as "changed":
slower, never wrong.

A dataclass is written as its name and its fields (a long one as the hash of that), once per
`Digester`: the report that a list page, the feed and its own page all hold is written once,
not once per page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import cast

# Types whose repr is their whole value, the same in every process (a subclass such as
# PendingDate or Markup is written with its own repr, which names it).
PLAIN = (str, int, float, complex, bytes, type(None), dt.date, dt.time, dt.timedelta, dt.timezone, PurePath)
SCALARS = frozenset((int, bool, float, type(None)))
TEXT, REPR, INSTANCE, SEQUENCE, OTHER = range(5)  # how a type is written (`_how`)
SHORT = 160  # characters: a dataclass written longer than this is written as its hash


class Unstable(Exception):
    """A value whose type gives no stable way to write it."""


class Digester:
    """Digests values; each dataclass instance is digested once while the digester lives.

    It keeps every instance it has digested, so no `id` it remembers can be reused by another
    object; it is meant for one build's comparisons and the save after them.
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[object, str]] = {}
        self._fields: dict[type, tuple[str, ...]] = {}
        self._how: dict[type, int] = {}  # how each type met so far is written

    def __call__(self, value: object) -> bytes | None:
        """SHA-256 of `value` written canonically, or None when it cannot be."""
        parts: list[str] = []
        try:
            self._write(value, parts)
        except Unstable:
            return None
        return _sha256("".join(parts))

    def _write(self, value: object, parts: list[str]) -> None:
        kind = type(value)
        how = self._how.get(kind)
        if how is None:
            how = self._how[kind] = _how(kind)
        if how == TEXT:  # its length first: no text passes for the end of another
            text = cast("str", value)
            parts += ("'", str(len(text)), ":", text)
        elif how == REPR:
            parts.append(repr(value))
        elif how == INSTANCE:
            parts.append(self._instance(value))
        elif how == SEQUENCE:
            parts.append("(" if kind is tuple else "[")
            for item in cast("tuple[object, ...] | list[object]", value):
                self._write(item, parts)
                parts.append(",")
            parts.append(")")
        elif isinstance(value, Mapping):
            self._unordered(kind, ((self._written(key), self._written(item)) for key, item in value.items()), parts)
        elif isinstance(value, set | frozenset):
            self._unordered(kind, ((self._written(item), "") for item in value), parts)
        elif isinstance(value, enum.Enum):
            parts.append(f"{kind.__qualname__}.{value.name}")
        elif isinstance(value, tuple):  # a named tuple
            parts.append(kind.__qualname__)
            self._write(tuple(value), parts)
        else:
            raise Unstable(kind.__qualname__)

    def _instance(self, value: object) -> str:
        known = self._known.get(id(value))
        if known is not None:
            return known[1]
        kind = type(value)
        parts = [kind.__qualname__, "("]
        for name in self._compared(kind):  # by position: the names are our code's, in its fingerprint
            self._write(getattr(value, name), parts)
            parts.append(",")
        parts.append(")")
        written = "".join(parts)
        if len(written) > SHORT:  # stands for it in whatever holds it, so it is hashed only once
            written = f"{kind.__qualname__}#{_sha256(written).hex()}"
        self._known[id(value)] = (value, written)
        return written

    def _compared(self, kind: type) -> tuple[str, ...]:
        """A dataclass's fields that take part in `==`."""
        names = self._fields.get(kind)
        if names is None:
            names = self._fields[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.compare)
        return names

    def _written(self, value: object) -> str:
        parts: list[str] = []
        self._write(value, parts)
        return "".join(parts)

    def _unordered(self, kind: type, entries: Iterable[tuple[str, str]], parts: list[str]) -> None:
        """A mapping or a set: its entries in sorted order, whatever order they were made in."""
        parts.append(kind.__qualname__ + "{")
        for key, item in sorted(entries):
            parts.append(f"{key}:{item},")
        parts.append("}")


def _how(kind: type) -> int:
    """How values of `kind` are written: decided once per type, the test is not cheap."""
    if kind is str:
        return TEXT
    if kind in SCALARS or (issubclass(kind, PLAIN) and not issubclass(kind, tuple)):
        return REPR
    if dataclasses.is_dataclass(kind):
        return INSTANCE
    if kind is tuple or kind is list:
        return SEQUENCE
    return OTHER


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

"""What an output read while it rendered: parts of the site model, down to the item, and the
templates and static files it used.

Lektor's idea (`Context.record_dependency` on its `_ctx_stack`), applied to our model: each
output is rendered inside `recording()`, which makes a `Recorder` the current one (a context
variable, so nothing is handed down and nothing is kept between outputs). A page is given a
`RecordingSite` in place of the `Site`: every top-level attribute it reads is noted as a key
such as ``("contact",)``; a list of items (events, reports, livestreams...) is noted item by
item, ``("events", 0)``, plus ``("events", LENGTH)`` when its length matters (a loop, `if`,
`|length`, a slice). The template environment and the static files note what they were used
for in the same recorder (`record_use`). Nobody declares what a page shows: a template that
starts showing another section's data starts depending on it, on its next rendering.

`changed_keys` answers, for a rebuild, which of the recorded keys read differently in the new
model than in the old one. The old model is the `Site` itself where it is still in memory (the
live preview), or, after a build, the digest of the value at each recorded key (`ReadDigests`,
from the build state): no copy of the model is kept on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from campaign.incremental.digest import Digester

if TYPE_CHECKING:
    from campaign.model.site import Site

LENGTH = "#length"
MISSING = object()
GONE = b"missing"  # the digest of an item that is not there (no digest is this short)
# ("contact",) for a whole attribute; ("events", 0) for an item, ("events", LENGTH) for a length
ReadKey = tuple[str] | tuple[str, int | str]
Item = TypeVar("Item")
# The model's sequences of items, recorded item by item; any other attribute is one key.
ITEM_LISTS = frozenset(("events", "livestreams", "downloads", "news", "links", "posters", "placeholders"))
Use = tuple[str, str]  # what a rendering used: ("template", name) or ("asset", name)


@dataclass
class Recorder:
    """What one output's rendering has read of the model and used of the templates, so far."""

    reads: set[ReadKey] = field(default_factory=set)
    uses: set[Use] = field(default_factory=set)


# The recorder of the output being rendered in this thread, if any (Lektor's `_ctx_stack`).
_CURRENT: ContextVar[Recorder | None] = ContextVar("campaign.recorder", default=None)


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record what is read and used inside the block (one output's rendering), in a new `Recorder`."""
    recorder = Recorder()
    token = _CURRENT.set(recorder)
    try:
        yield recorder
    finally:
        _CURRENT.reset(token)


def record_read(key: ReadKey) -> None:
    """Note that the output being rendered read `key` of the model (outside a rendering: nothing)."""
    recorder = _CURRENT.get()
    if recorder is not None:
        recorder.reads.add(key)


def record_use(use: Use) -> None:
    """Note that the output being rendered used a template or static file (outside one: nothing)."""
    recorder = _CURRENT.get()
    if recorder is not None:
        recorder.uses.add(use)


class RecordingSite:
    """A read-only stand-in for a `Site` that notes every key read in the current `Recorder`."""

    __slots__ = ("_site",)
    _site: Site

    def __init__(self, site: Site):
        object.__setattr__(self, "_site", site)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if name in ITEM_LISTS:
            return RecordingItems(value, name)
        record_read((name,))
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("the site model is read-only while rendering")


def recorded(site: Site) -> Site:
    """`site` as a renderer is given it: a `RecordingSite`, read exactly like the `Site` it stands for."""
    return cast("Site", RecordingSite(site))  # a stand-in, not a subclass: Site is frozen data


class RecordingItems(Generic[Item]):
    """A tuple of model items whose reads are noted per item (and its length when it matters)."""

    __slots__ = ("_items", "_name")

    def __init__(self, items: tuple[Item, ...], name: str):
        self._items, self._name = items, name

    def _length(self) -> int:
        record_read((self._name, LENGTH))
        return len(self._items)

    def __len__(self) -> int:
        return self._length()

    def __bool__(self) -> bool:
        return self._length() > 0

    def __iter__(self) -> Iterator[Item]:
        for index in range(self._length()):
            record_read((self._name, index))
            yield self._items[index]

    def __reversed__(self) -> Iterator[Item]:
        for index in reversed(range(self._length())):
            record_read((self._name, index))
            yield self._items[index]

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Item, ...]: ...
    def __getitem__(self, index: object) -> Item | tuple[Item, ...]:  # a template may pass anything
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._length())))
        if not isinstance(index, int):
            raise TypeError(f"{self._name} is indexed by position, not by {index!r}")
        if not -len(self._items) <= index < len(self._items):
            self._length()  # the error depends on how many there are
            raise IndexError(index)
        record_read((self._name, index))
        return self._items[index]

    def _whole(self) -> tuple[Item, ...]:
        return tuple(self)

    def __contains__(self, item: object) -> bool:
        return item in self._whole()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordingItems):
            other = other._whole()
        return self._whole() == other

    def __hash__(self) -> int:
        return hash(self._whole())

    def __add__(self, other: Iterable[Item]) -> tuple[Item, ...]:
        return self._whole() + tuple(other)

    def __radd__(self, other: Iterable[Item]) -> tuple[Item, ...]:
        return tuple(other) + self._whole()

    def index(self, item: Item) -> int:
        return self._whole().index(item)

    def count(self, item: Item) -> int:
        return self._whole().count(item)

    def __repr__(self) -> str:
        return f"RecordingItems({self._name})"


def read_key(site: object, key: ReadKey) -> object:
    """The value `key` stands for in `site` (MISSING for an item that is not there)."""
    value: Any = getattr(site, key[0], MISSING)  # any of the model's attributes
    if len(key) == 1 or value is MISSING:
        return value
    if key[1] == LENGTH:
        return len(value)
    try:
        return value[key[1]]
    except IndexError:
        return MISSING


@dataclass(frozen=True)
class ReadDigests:
    """A previous model as the build state knows it: the digest of its value at each recorded key.

    A key it has no digest for (a value of a type `incremental.digest` cannot write) reads as
    changed. `digester` digests the new model's values, each shared item once.
    """

    digests: Mapping[ReadKey, bytes | None]
    digester: Digester


@dataclass(frozen=True)
class Digested:
    """A value of a previous build known by its digest only (a file's plan, in the build state)."""

    digest: bytes | None
    digester: Digester


def key_digest(site: object, key: ReadKey, digester: Digester) -> bytes | None:
    value = read_key(site, key)
    return GONE if value is MISSING else digester(value)


def changed_keys(old_site: object, new_site: object, keys: Iterable[ReadKey]) -> frozenset[ReadKey]:
    """Those of `keys` that read differently in `new_site` than in `old_site` (or its `ReadDigests`)."""
    if isinstance(old_site, ReadDigests):
        old, digester = old_site.digests, old_site.digester
        return frozenset(
            key for key in keys if old.get(key) is None or old.get(key) != key_digest(new_site, key, digester)
        )
    return frozenset(key for key in keys if read_key(old_site, key) != read_key(new_site, key))


def unchanged(old: object, new: object) -> bool:
    """Whether `new` equals `old`, which may be known by its digest only (`Digested`)."""
    if isinstance(old, Digested):
        return old.digest is not None and old.digest == old.digester(new)
    return old == new

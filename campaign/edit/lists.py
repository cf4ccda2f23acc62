"""A file's list of records rearranged: items moved, removed or added, each with its comments.

In ruamel's round trip the comment lines above an item (「# —— 5月14日：川渝启动仪式 ——」 and
the first key's note) are kept below the item before it, on its last value; those above the
first item, on the key that holds the list. So an item moved alone would leave its heading
behind. Here every item's heading is taken off first, as text, and put back above the same
item in its new place; what follows the last item stays at the end.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from campaign.load.roundtrip import put_tail, take_tail


def _tail_text(tail: tuple[CommentToken | None, bool]) -> str:
    """The lines below a value, as they read (a value's own line end not counted)."""
    token, after_block = tail
    if token is None:
        return ""
    value = token.value
    return value if after_block or not value.startswith("\n") else value[1:]


def _first_heading(parent: CommentedMap, key: str) -> str:
    tokens = (parent.ca.items.get(key) or [None, None, None, None])[3] or []
    return "".join(" " * token.column + token.value for token in tokens)


def _set_first_heading(parent: CommentedMap, seq: CommentedSeq, key: str, text: str) -> None:
    tokens = [
        CommentToken(line.lstrip() + "\n", CommentMark(len(line) - len(line.lstrip())))
        for line in text.split("\n")
        if line.strip()
    ]
    parent.ca.items.setdefault(key, [None, None, None, None])[3] = tokens or None
    seq.ca.comment = [None, tokens] if tokens else None


def rearrange(parent: CommentedMap, key: str, order: list[int], added: list[tuple[CommentedMap, str]]) -> None:
    """`parent[key]` becomes its items in `order` (old indices; one left out is removed), then the
    `added` items, each (mapping, the comment lines above it, indented as in the file)."""
    seq = parent[key]
    count = len(seq)
    tails = [take_tail(seq, number) for number in range(count)]
    headings = [_first_heading(parent, key)] + [_tail_text(tail) for tail in tails[:-1]]
    end = tails[-1] if tails else (None, False)
    items = [(seq[number], headings[number]) for number in order] + added
    seq.clear()
    for number, (item, heading) in enumerate(items):
        seq.append(item)
        if number == 0:
            _set_first_heading(parent, seq, key, heading.lstrip("\n"))
        else:
            text = heading if heading.startswith("\n") else "\n" + heading
            put_tail(seq, number - 1, (CommentToken(text, CommentMark(0)), True))
    if seq:
        put_tail(seq, len(seq) - 1, end)

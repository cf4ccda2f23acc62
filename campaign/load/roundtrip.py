"""YAML and front matter written back through ruamel.yaml's round trip: a changed value, its own line.

`round_trip()` is the one configuration every writer of the clerk's files uses (comments, blank
lines, key order and quotes kept; long Chinese lines never folded; the clerks' indentation).
ruamel keeps the comment lines below a value (the blank line and the comment of the next key)
on the value's last leaf: deep in a list's last item for a list. A value replaced or an item
dropped would take them along, so `take_tail` takes them off first and `put_tail` puts them back
on whatever ends there. After a literal block ("|"), whose text ends with its own line end, they
start one newline short. `front_matter` splits a Markdown file into its front matter and body.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

Tail = tuple[CommentToken | None, bool]  # the comment lines below a value; whether a literal block ended there


def round_trip() -> YAML:
    yaml = YAML()  # round-trip: comments, blank lines, key order and quotes are kept
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long line of Chinese text
    yaml.indent(mapping=2, sequence=4, offset=2)  # the clerks' files: "key:" then "  - item"
    return yaml


def front_matter(text: str) -> tuple[str, str, str]:
    """(the opening "---" line, the YAML between, the closing "---" line and the body); no front
    matter: ("", "", text)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return "", "", text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:  # not a page the build loads: left as it is
        return "", "", text
    return lines[0] + "\n", "".join(line + "\n" for line in lines[1:end]), "\n".join(lines[end:])


def _slot(node: CommentedMap | CommentedSeq) -> int:
    return 2 if isinstance(node, CommentedMap) else 0  # where ruamel keeps a key's or an item's comment


def _block(value: object) -> bool:
    return isinstance(value, LiteralScalarString | FoldedScalarString)


def nested(value: object) -> CommentedMap | CommentedSeq | None:
    """A block-style mapping or list with something in it: what follows is kept on its last leaf."""
    if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        return value
    return None


def _last(node: CommentedMap | CommentedSeq) -> Any:
    return next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1


def take_tail(node: CommentedMap | CommentedSeq, key: Any) -> Tail:
    """Detach the comment lines below `node[key]`; with whether they followed a literal block."""
    inner = nested(node[key])
    if inner is not None:
        return take_tail(inner, _last(inner))
    slot = node.ca.items.get(key)
    if slot is None or slot[_slot(node)] is None:
        return None, False
    token: CommentToken = slot[_slot(node)]
    slot[_slot(node)] = None
    return token, _block(node[key])


def put_tail(node: CommentedMap | CommentedSeq, key: Any, tail: Tail) -> None:
    """Put the comment lines `take_tail` took below `node[key]` (on its last leaf)."""
    token, after_block = tail
    if token is None:
        return
    inner = nested(node[key])
    if inner is not None:
        put_tail(inner, _last(inner), tail)
        return
    if after_block and not _block(node[key]):
        token.value = "\n" + token.value
    elif _block(node[key]) and not after_block and token.value.startswith("\n"):
        token.value = token.value[1:]
    node.ca.items.setdefault(key, [None, None, None, None])[_slot(node)] = token


def replace(mapping: CommentedMap, key: str, value: object) -> None:
    """Give `key` a new value, the comments below the old one staying below the new."""
    tail = take_tail(mapping, key)
    if isinstance(mapping[key], CommentedSeq) and key in mapping.ca.items:
        mapping.ca.items[key][3] = None  # the comments above a list's first item go with the list
    mapping[key] = value
    put_tail(mapping, key, tail)

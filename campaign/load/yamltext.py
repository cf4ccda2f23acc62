"""YAML read safely into plain nodes that remember their line.

PyYAML's own loader drops line numbers, keeps the last of two duplicate keys without a word,
and turns `10:30` into the integer 630. So the document is only *composed* here, and every
scalar stays a string: the schema decides what it means and can say on which line it is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from campaign.errors import ContentError, Problems
from campaign.load.source import UNCARRIED, paragraph_limit, uncarried_kind

# libyaml composes the same nodes about ten times faster; without it, the same parser in Python.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Deeper than this, libyaml's composer (C, with no limit of its own) overflows the stack and kills
# the process; no file of ours nests more than five levels.
MAX_DEPTH = 50
DEPTH_MESSAGE = (
    f"内容嵌套的层次太多（列表或缩进套了超过 {MAX_DEPTH} 层），不像是要写的内容；请检查是否误粘贴了大量「[」「-」或空格"
)
# What opens a level of nesting: each one needs one of these characters.
NESTING = "[{-:?"
NULLS = {"", "~", "null", "Null", "NULL"}
FULLWIDTH_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*：")
LEADING_TAB = re.compile(r"^ *\t")
# `source:重庆市…`: Notepad's commonest slip, a key and its value with no space after the colon
# (an address's `https:` and a time's `10:30` are not keys: a key is an English word)
BLOCK_START = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][A-Za-z0-9_]*:\s+[|>][-+]?\s*(?:#.*)?$")
NO_SPACE_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):(?![\s/]|$)(.*)$")


@dataclass(frozen=True)
class Node:
    """A YAML value and the line (1-based) of the key or item that holds it."""

    value: str | None | dict[str, Node] | list[Node]
    line: int
    file: str
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)
    value_line: int = 0  # where the value itself starts, when it is not on the key's line

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def mapping(self) -> dict[str, Node]:
        """The keys of a mapping and their values; none for a text, a list or an empty value."""
        return self.value if isinstance(self.value, dict) else {}


def parse_yaml(text: str, file: str, first_line: int = 1) -> Node:
    """Parse one YAML document; `first_line` shifts lines for front matter inside Markdown."""
    _check_depth(text, file, first_line)
    try:
        try:
            root = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)  # its messages are the ones we explain
    except yaml.MarkedYAMLError as exc:
        _check_typing_slips(text, file, first_line)
        mark = exc.problem_mark or exc.context_mark
        opened = "end of stream" in (exc.problem or "") or (exc.context or "").startswith("while parsing a flow")
        if opened and exc.context_mark is not None:
            mark = exc.context_mark  # an unclosed quote or bracket: point where it was opened
        line = (mark.line + first_line) if mark else first_line
        raise ContentError.at(file, line, _syntax_message(exc)) from None
    except yaml.YAMLError as exc:
        raise ContentError.at(file, first_line, f"YAML 格式有误：{exc}") from None
    if root is None:
        return Node({}, first_line, file)
    problems = Problems()
    node = _convert(root, file, first_line - 1, problems, set())
    problems.raise_if_any()
    return node


def _check_depth(text: str, file: str, first_line: int) -> None:
    """Refuse nesting deeper than `MAX_DEPTH` at the line where it gets there, before composing.

    The parser's events come from a loop, not a recursion: counting them is safe at any depth.
    A text with few nesting characters cannot go deep and is not parsed twice.
    """
    if sum(text.count(char) for char in NESTING) <= MAX_DEPTH:
        return
    for loader in dict.fromkeys((FAST_LOADER, yaml.SafeLoader)):
        depth = 0
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        line = event.start_mark.line if event.start_mark else 0
                        raise ContentError.at(file, first_line + line, DEPTH_MESSAGE)
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
            return
        except yaml.YAMLError:
            continue  # composing falls back to the Python parser, which may read further ("\uD800")


def _check_typing_slips(text: str, file: str, first_line: int) -> None:
    """When YAML fails, look for the two slips that usually cause it and name them instead.

    Only after a failure: inside a text block `QQ：123` is fine and must not be flagged.
    """
    problems = Problems()
    block = -1  # the indent of the key whose `|` or `>` text block the lines are in, or -1
    for number, line in enumerate(text.split("\n"), start=first_line):
        indent = len(line) - len(line.lstrip(" "))
        if block >= 0 and (indent > block or not line.strip()):
            continue  # a line of a text block: `QQ:123` there is text, not a key
        block = indent if BLOCK_START.search(line) else -1
        if LEADING_TAB.match(line):
            problems.add(file, number, "行首用了 Tab 键缩进；YAML 只能用空格缩进，请把 Tab 换成空格")
        match = FULLWIDTH_KEY.match(line)
        if match:
            problems.add(
                file,
                number,
                f"「{match.group(1)}」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格",
            )
        match = NO_SPACE_KEY.match(line)
        if match:
            key, value = match.groups()
            problems.add(
                file,
                number,
                f"「{key}:」后面少了一个空格：英文冒号和内容之间要空一格，请写成「{key}: {value.strip()}」",
            )
    problems.raise_if_any()


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or "").strip()
    context = exc.context or ""
    if context.startswith("while parsing a flow sequence"):
        return "YAML 格式有误：这一行的「[」没有配对的「]」；同一行的列表要用「]」结束，如 [甲单位, 乙单位]"
    if context.startswith("while parsing a flow mapping"):
        return "YAML 格式有误：这一行的「{」没有配对的「}」；如不需要，请删去「{」"
    if context.startswith("while scanning a quoted scalar"):
        return "YAML 格式有误：这一行开头的引号没有配对：开头有引号，结尾却没有"
    hints = {
        "mapping values are not allowed": "这一行的冒号位置不对：每行只能有一个「键: 值」，"
        "值里如有英文冒号，请把整个值用英文引号括起来",
        "could not find expected ':'": "这一行缺少英文冒号「:」，应写成「键: 值」",
        "found duplicate anchor": "重复使用了 & 标记",
        "found character '\\t'": "用了 Tab 键；YAML 只能用空格",
        "did not find expected key": "这一行的缩进和上下文对不齐；同一层的项目要用相同数量的空格缩进",
        "did not find expected '-'": "列表项的缩进不一致；每个「- 」要对齐",
        "found unexpected end of stream": "引号没有配对：开头有引号，结尾却没有",
        "found undefined alias": "用了未定义的 * 引用",
    }
    for key, hint in hints.items():
        if key in problem:
            return f"YAML 格式有误：{hint}"
    return f"YAML 格式有误（{problem or exc}）；请检查这一行和上一行的缩进、冒号和引号"


def _convert(node: yaml.Node, file: str, offset: int, problems: Problems, seen: set[int]) -> Node:
    line = node.start_mark.line + 1 + offset
    if id(node) in seen:
        problems.add(file, line, "不支持用 & 和 * 引用重复的内容，请直接写出来")
        return Node(None, line, file)
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        value = node.value
        too_hard = paragraph_limit(value)
        if too_hard is not None:
            block = node.style in ("|", ">")  # its text starts on the line below the `|`
            problems.add(file, line + block + too_hard[0], too_hard[1])
            return Node(None, line, file)
        found = UNCARRIED.search(value)  # a quoted "\e", "\0", "\r", "\uFFFE" or "\uD800" makes one
        if found:
            problems.add(file, line, f"这里的引号里用反斜杠写出了{uncarried_kind(found.group())}；请删去这个「\\」转义")
            return Node(None, line, file)
        if not node.style and value in NULLS:  # plain, not quoted (libyaml says "", PyYAML None)
            return Node(None, line, file)
        return Node(value, line, file)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, file, offset, problems, seen) for item in node.value], line, file)
    mapping: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1 + offset
        if not isinstance(key_node, yaml.ScalarNode):
            problems.add(file, key_line, "这里的键不是一个简单的名字，请写成「键: 值」")
            continue
        key = key_node.value
        if key in mapping:
            problems.add(
                file,
                key_line,
                f"「{key}」重复出现（第 {key_lines[key]} 行已经写过）；同一处只能写一次，请删去多余的一个",
            )
            continue
        child = _convert(value_node, file, offset, problems, seen)
        mapping[key] = Node(child.value, key_line, file, child.key_lines, child.line)
        key_lines[key] = key_line
    return Node(mapping, line, file, key_lines)

"""Markdown files: front matter split off, body turned into HTML that is safe to show.

Raw HTML typed into Markdown is shown as text, never passed through, and the result is then
cleaned by nh3 (an allow-list sanitiser), so neither a `<script>` nor a `javascript:` link nor an
`on*` attribute can reach a page, whatever a content file says.

The Markdown is read as a clerk writes it, pasted from Word: a photo alone on its line is a
paragraph of its own (which `bundles` makes a captioned figure) even with text right above or
below it; an indented paragraph (four spaces, a tab, full-width spaces) is a paragraph, never a
code block; a line break between two Chinese characters joins them without a space.
"""

from __future__ import annotations

import re

import markdown
import nh3
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from campaign.errors import ContentError
from campaign.incremental.cache import Cache
from campaign.load.yamltext import Node, parse_yaml
from campaign.workers import Workers

EXTENSIONS = ["tables", "sane_lists"]  # no fenced code: content has no code blocks
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def split_front_matter(text: str, file: str) -> tuple[Node, str, int]:
    """Return (front matter node, Markdown body, line number where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError.at(
            file, 1, "文件开头缺少「---」：第一行应是三个英文减号，下面写标题、日期等信息，再用一行「---」结束"
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return parse_yaml(front, file, first_line=2), body, index + 2
    raise ContentError.at(file, 1, "开头的「---」没有配对：标题、日期等信息写完后，要另起一行写「---」，再写正文")


UNOPENED_LINK = re.compile(r"\[[^\[\]]*\((?:https?://|mailto:)")  # [text(https://… : no ]
CODE_SPAN = re.compile(r"`+[^`]*`+")


def unfinished_links(body: str) -> list[tuple[int, str]]:
    """(0-based line, message) for each link left half-written, which would show its brackets."""
    found, fenced = [], False
    for number, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue
        text = CODE_SPAN.sub("", line)
        if UNOPENED_LINK.search(text):
            found.append((number, "这一行的链接没有写完整：「[」后面缺少「]」；应写成 [文字](网址)"))
            continue
        start = text.find("](")
        while start != -1:
            depth, end = 0, start + 2
            while end < len(text) and not (text[end] == ")" and depth == 0):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            if end >= len(text):
                found.append((number, "这一行的链接没有写完整：网址后面缺少「)」；应写成 [文字](网址)"))
                break
            start = text.find("](", end)
    return found


# --- Markdown as a clerk writes it -------------------------------------------------------------

# Leading whitespace holding a full-width space (「　　」, Word's first-line indent): never structure.
FULL_WIDTH_INDENT = re.compile(r"^[ \u3000]*\u3000[ \u3000]*")
# A line holding nothing but photos, from its first column: ![文字](ride.jpg), a name may hold (1).
PHOTO_LINE = re.compile(r"(?:!\[[^\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)[ ]*)+")
# Characters written without spaces between them: Han, kana, CJK and full-width punctuation.
CJK = (
    "\u2e80-\u2fff"  # radicals
    "\u3000-\u303f"  # CJK punctuation: 、。「」《》【】〔〕 and the full-width space
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # Han
    "\ufe30-\ufe4f"  # vertical forms
    "\uff00-\uff60\uffe0-\uffe6"  # full-width forms: ，：；！？（）
)
# Punctuation Chinese text shares with Western text (“ ” ‘ ’ — … ·): joined only in Chinese text.
SHARED = "\u00b7\u2014\u2018\u2019\u201c\u201d\u2026"
CJK_CHAR = re.compile(f"[{CJK}]")
INLINE_TAGS = r"(?:</?(?:a|abbr|b|code|del|em|i|strong|sub|sup)\b[^>]*>)*"  # what a line may end or start in
CJK_BREAK = re.compile(rf"([{CJK}{SHARED}])({INLINE_TAGS})[ \t]*\n[ \t]*(?={INLINE_TAGS}([{CJK}{SHARED}]))")


class _ClerkLines(Preprocessor):
    """Full-width indents taken off every line; a photo's line set apart from the text around it.

    Runs inside the engine on its own copy of the lines: the body the messages count lines in is
    left as written.
    """

    def run(self, lines: list[str]) -> list[str]:
        lines = [FULL_WIDTH_INDENT.sub("", line) for line in lines]
        photo = [PHOTO_LINE.fullmatch(line) is not None for line in lines]
        out: list[str] = []
        for index, line in enumerate(lines):
            # a blank line between a photo's line and a line of text: the photo is a paragraph alone
            if index and line.strip() and lines[index - 1].strip() and photo[index] != photo[index - 1]:
                out.append("")
            out.append(line)
        return out


class _IndentedParagraph(BlockProcessor):
    """A block indented outside a list (Word's indent, a tab): read as if it were not indented.

    It takes the place of Python-Markdown's indented code block. An indented block under a list
    item is still that item's (the `indent` processor, tried first, takes it).
    """

    def test(self, parent: object, block: str) -> bool:
        return block.startswith(" " * self.tab_length)

    def run(self, parent: object, blocks: list[str]) -> bool | None:
        first, *rest = blocks.pop(0).split("\n")
        indent = len(first) - len(first.lstrip(" "))
        # the lines below lose as much as the first (a list's nesting stays), never more than they have
        rest = [line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in rest]
        blocks.insert(0, "\n".join([first.lstrip(" "), *rest]))
        return None


class _CjkLineJoin(Postprocessor):
    """A line break between two Chinese characters goes: the browser would show it as a space."""

    def run(self, text: str) -> str:
        return CJK_BREAK.sub(_join, text)


def _join(match: re.Match[str]) -> str:
    text, left, right = match.string, match.start(1), match.start(3)
    # shared punctuation on both sides (”\n“): Chinese when a character beyond it is
    beside = text[max(0, left - 1) : left + 1] + text[right : right + 2]
    if CJK_CHAR.search(beside):
        return match.group(1) + match.group(2)
    return match.group(0)  # “quoted”\n“quoted” in Western text: the space stays


class ClerkMarkdown(Extension):
    """Markdown as a clerk writes it (see the module's docstring)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_ClerkLines(md), "clerk_lines", 25)  # after tabs are expanded
        md.parser.blockprocessors.deregister("code")
        md.parser.blockprocessors.register(_IndentedParagraph(md.parser), "indented_paragraph", 80)
        md.postprocessors.register(_CjkLineJoin(md), "cjk_line_join", 10)  # on the finished HTML


def _markdown_engine() -> markdown.Markdown:
    engine = markdown.Markdown(extensions=[*EXTENSIONS, ClerkMarkdown()], output_format="html")
    engine.preprocessors.deregister("html_block")
    engine.inlinePatterns.deregister("html")
    return engine


# What each inline pattern needs in the text to match at all. Python-Markdown tries every
# pattern on every run of text, and most of a report has no `, <, &, \\ or _: an engine without
# the patterns that cannot match gives the same HTML in about half the time.
INLINE_TRIGGERS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n", "\t"),  # a tab is expanded to spaces before inline patterns run
    "entity": ("&",),
    "not_strong": ("*", "_"),
    "em_strong": ("*",),
    "em_strong2": ("_",),
}
EngineKey = tuple[tuple[str, ...], frozenset[str]]  # (extensions, inline patterns left out)


class Engines:
    """Python-Markdown engines, one per set of inline patterns left out, each made once and reused.

    A handful per build; a worker process uses the copy it was forked with and makes its own.
    """

    def __init__(self) -> None:
        self.made: dict[EngineKey, markdown.Markdown] = {}

    def for_text(self, text: str) -> markdown.Markdown:
        """An engine without the inline patterns that cannot match in `text`."""
        unused = frozenset(
            name for name, triggers in INLINE_TRIGGERS.items() if not any(trigger in text for trigger in triggers)
        )
        key = (tuple(EXTENSIONS), unused)
        engine = self.made.get(key)
        if engine is None:
            engine = self.made[key] = _markdown_engine()
            for name in unused:
                if name in engine.inlinePatterns:
                    engine.inlinePatterns.deregister(name)
        return engine

    def convert(self, text: str) -> str:
        """One text's HTML, as `Markdown.to_html` gives it."""
        engine = self.for_text(text)
        engine.reset()
        html = _demote_h1(engine.convert(text))
        return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None)


def _options() -> str:
    """Everything besides the text and our code that shapes the HTML: part of every cache key."""
    return repr(
        (
            EXTENSIONS,
            sorted(ALLOWED_TAGS),
            sorted((k, sorted(v)) for k, v in ALLOWED_ATTRIBUTES.items()),
            sorted(URL_SCHEMES),
        )
    )


class Markdown:
    """A build's Markdown conversions: from the disk cache where it has them, else over all cores.

    `keep` (a live preview) remembers each text's HTML between rebuilds; otherwise `forget`
    drops them once the model holds the HTML.
    """

    def __init__(self, cache: Cache, workers: Workers, keep: bool = False):
        self.cache, self.workers, self.keep = cache, workers, keep
        self.engines = Engines()
        self.done: dict[str, str] = {}

    def to_html(self, text: str) -> str:
        """Markdown to sanitised HTML; headings start at h2 because the page title is the h1."""
        if text not in self.done:
            self.warm([text])
        return self.done[text]

    def known(self, text: str, html: str) -> None:
        """`text`'s HTML, found by the caller in an entry of its own (a report read before)."""
        self.done[text] = html

    def warm(self, texts: list[str]) -> None:
        """Convert many texts at once, so the ones not in the cache go over all cores."""
        options = _options()
        wanted = [t for t in dict.fromkeys(texts) if t not in self.done]
        keys = {t: self.cache.key("markdown", options, t) for t in wanted}
        found = self.cache.get_many("markdown", keys.values())
        missing = []
        for text in wanted:
            data = found.get(keys[text])
            if data is None:
                missing.append(text)
            else:
                self.done[text] = data.decode("utf-8")
        for text, html in zip(missing, self.workers.map(self.engines.convert, missing)):
            self.cache.put("markdown", keys[text], html.encode("utf-8"))
            self.done[text] = html

    def forget(self) -> None:
        """Drop the converted texts unless they are kept for the next rebuild."""
        if not self.keep or len(self.done) > 50000:
            self.done.clear()


def _demote_h1(html: str) -> str:
    return html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")

"""Markdown files: front matter split off, body turned into HTML that is safe to show.

Raw HTML typed into Markdown is shown as text, never passed through, and the result is then
cleaned by nh3 (an allow-list sanitiser), so neither a `<script>` nor a `javascript:` link nor an
`on*` attribute can reach a page, whatever a content file says.
"""

from __future__ import annotations

import re

import markdown
import nh3

from campaign.errors import ContentError
from campaign.incremental.cache import Cache
from campaign.load.yamltext import Node, parse_yaml
from campaign.workers import Workers

EXTENSIONS = ["tables", "sane_lists", "fenced_code"]
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
    "pre",
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


def _markdown_engine() -> markdown.Markdown:
    engine = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
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

    def warm(self, texts: list[str]) -> None:
        """Convert many texts at once, so the ones not in the cache go over all cores."""
        options = _options()
        wanted = [t for t in dict.fromkeys(texts) if t not in self.done]
        keys = {t: self.cache.key("markdown", options, t) for t in wanted}
        missing = []
        for text in wanted:
            found = self.cache.get("markdown", keys[text])
            if found is None:
                missing.append(text)
            else:
                self.done[text] = found.decode("utf-8")
        for text, html in zip(missing, self.workers.map(self.engines.convert, missing)):
            self.cache.put("markdown", keys[text], html.encode("utf-8"))
            self.done[text] = html

    def forget(self) -> None:
        """Drop the converted texts unless they are kept for the next rebuild."""
        if not self.keep or len(self.done) > 50000:
            self.done.clear()


def _demote_h1(html: str) -> str:
    return html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")

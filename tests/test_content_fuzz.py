"""Hypothesis: near-valid content must either build safely or be refused with a ContentError.

Each test works on one private copy of the real project. Every example rewrites one thing in
real content (a scalar in content/schedule.yaml or content/quiz.yaml, a news file's front
matter, name or Markdown body), calls the Python API (`pipeline.make_site`: load, then render) and puts the
file back. Whatever the text:

* loading raises nothing but `ContentError` (and so does rendering);
* every output path is a safe relative path that stays inside the output folder;
* no page has a `<script>` that the theme did not put there, an `on*=` attribute, or a
  `javascript:` address in an href/src.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import posixpath
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sitecopy import EDITION, FIXED_EPOCH, copy_site, exact_line, key_line, run_build, shipped_copy, snapshot

from campaign.context import make_context
from campaign.errors import ContentError
from campaign.load.source import ignored_name
from campaign.pipeline import make_site

# How many examples, the deadline and the health checks: the run's profile (tests/conftest.py),
# 10 examples by default, 300 with --thorough.

SCHEDULE = "content/schedule.yaml"
QUIZ = "content/quiz.yaml"
NEWS_DIR = "content/news"

# --------------------------------------------------------------------------- strategies

DANGEROUS_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a]( javascript:alert(1) )",
    "[a](java\tscript:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[y][x]",
    '<a href="JaVaScRiPt:x">x</a>',
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">x</div>',
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" onmouseover=alert(1) x="',
    '<a href="x" onclick="alert(1)">x</a>',
    "<style>body{}</style>",
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    '<https://example.com/" onmouseover="alert(1)>',
    "<javascript:alert(1)>",
    '[a](https://example.com/"onmouseover="alert(1))',
    "| a | b |\n|---|---|\n| <script>x</script> | [x](javascript:y) |",
]
YAML_BITS = [
    ":",
    ": ",
    "：",
    " ：",
    "'",
    '"',
    "#",
    " # ",
    "- ",
    "---",
    "...",
    "\t",
    "\n",
    "\n  ",
    "\n- ",
    "|",
    ">",
    "&a",
    "*a",
    "!!str",
    "!",
    "%",
    "@",
    "`",
    "{",
    "}",
    "[",
    "]",
    ",",
    "?",
    "~",
    "null",
    "yes",
    "no",
    "0x1F",
    "1e3",
    "2024-05-13",
    "10:30",
    "待填写",
    "\u3000",
    "\u200b",
    "\ufeff",
    "中文内容",
    "😀",
    "\\",
    "&amp;",
    "&lt;script&gt;",
    "javascript:",
    "javascript:alert(1)",
    "<script>",
    "</script>",
    '" onmouseover=',
    "' onmouseover=",
    "<b>",
    "**粗体**",
    "[链接](https://example.com)",
    "\r",
    "\r\n",
    "\x85",
    "\u2028",
]
CHARS = st.characters(blacklist_categories=("Cs",))
TEXT = st.lists(
    st.one_of(st.text(CHARS, max_size=12), st.sampled_from(YAML_BITS), st.sampled_from(DANGEROUS_HTML)), max_size=6
).map("".join)

DATE_TEXT = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.tuples(st.integers(-5, 12000), st.integers(-1, 40), st.integers(-1, 40)).map(lambda t: f"{t[0]}-{t[1]}-{t[2]}"),
    st.text(st.sampled_from("0123456789-/.: 年月日：T０２４"), max_size=16),
    st.sampled_from(
        [
            "2024-02-29",
            "2023-02-29",
            "2024-02-30",
            "0000-01-01",
            "9999-12-31",
            "2024-5-13",
            "２０２４-０５-１３",
            "2024-05-13T10:00",
            "2024-05-13 ",
            "13/05/2024",
            "2024年5月13日",
            "",
            "~",
            "null",
            "'2024-05-13'",
        ]
    ),
)
TIME_TEXT = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.tuples(st.integers(-1, 99), st.integers(-1, 99)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    st.text(st.sampled_from("0123456789:：. 点时分ampAMP"), max_size=8),
    st.sampled_from(
        ["24:00", "23:59", "00:00", "9:30", "09:5", "09：30", "9.30", "上午", "10:30:00", "1030", "'10:30'"]
    ),
)

STYLES = ["raw", "double", "single", "block"]


def yaml_value(key: str, value: str, style: str, indent: str) -> str:
    """`key: value` as one or more YAML lines, the value written in the given style."""
    if style == "double":
        return f"{indent}{key}: {json.dumps(value, ensure_ascii=False)}"
    if style == "single":
        return f"{indent}{key}: '" + value.replace("'", "''") + "'"
    if style == "block":
        body = "\n".join(f"{indent}  {line}" for line in value.split("\n"))
        return f"{indent}{key}: |\n{body}"
    return f"{indent}{key}: {value}"


# --------------------------------------------------------------------------- checks

ON_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_ADDRESS = re.compile(r"(href|src)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc", "background"}


class Audit(HTMLParser):
    """Tags and attributes as a browser's tokenizer sees them (entities decoded).

    The two regular expressions are applied to the source of each real start tag with its
    quoted attribute values blanked out: escaped text such as `&lt;img src="javascript:…"&gt;`
    is harmless words on the page, and so is `onmouseover=` inside a quoted title or
    aria-label. What a browser would run is checked on the parsed attributes as well.
    """

    def __init__(self, path: str, files: dict[str, bytes]) -> None:
        super().__init__(convert_charrefs=True)
        self.path, self.files = path, files
        self.bad: list[str] = []
        self.own_scripts = 0

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        bare = re.sub(r"=\s*(\"[^\"]*\"|'[^']*')", '=""', raw)
        if ON_ATTRIBUTE.search(bare) or JS_ADDRESS.search(bare):
            self.bad.append(raw)
        if tag == "script":
            if self._own_script(raw):
                self.own_scripts += 1
            else:
                self.bad.append(raw)
        if tag in ("iframe", "object", "embed", "frame", "base") or (tag == "form" and not self._own_search(attrs)):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and value:
                # as the WHATWG URL parser does: trim C0 controls and spaces, drop tab/CR/LF
                plain = re.sub(
                    r"[\t\r\n]",
                    "",
                    value.strip(
                        "\x00\x01\x02\x03\x04\x05"
                        "\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"
                        "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
                    ),
                ).lower()
                if plain.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.bad.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    @staticmethod
    def _own_search(attrs) -> bool:
        """The site's own search form: a GET to its search page (relative, or from the site's root
        on the 404 page, which is served at any address), nothing else."""
        found = dict(attrs)
        action = found.get("action") or ""
        return (
            found.get("method") == "get"
            and found.get("role") == "search"
            and re.fullmatch(r"((\.\./)*|/[a-z0-9/]*/)search/(index\.html)?", action) is not None
        )

    def _own_script(self, raw: str) -> bool:
        """The theme's own `<script src=… defer>` for one of its hashed assets or its search index."""
        match = re.fullmatch(
            r'<script src="(?P<src>[^"<>]*)"(?:\s+(?:defer|async|type="module"|id="[a-z-]+"))*\s*>', raw
        )
        if not match:
            return False
        src = match.group("src")
        if src.startswith("/"):
            return any(src.endswith("/" + name) for name in self.files if name.endswith(".js"))
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), src))
        # an edition's own assets folder, e.g. 2024/assets/status.<hash>.js, or its search index
        return bool(re.fullmatch(r"[^/]+/(assets|search)/[^/]+\.js", target)) and target in self.files


def check_html(path: str, html: str, files: dict[str, bytes]) -> None:
    audit = Audit(path, files)
    audit.feed(html)
    audit.close()
    assert not audit.bad, f"{path}: {audit.bad}"
    scripts = len(re.findall(r"<script\b", html, flags=re.IGNORECASE))
    assert scripts == audit.own_scripts, f"{path}: a <script> the theme did not add"


OUT = Path(tempfile.gettempdir()) / "campaign-fuzz-output"


def check_files(files: dict[str, bytes]) -> None:
    out = OUT.resolve()
    assert files
    for path, data in files.items():
        assert isinstance(path, str) and path, path
        assert isinstance(data, bytes), path
        assert not path.startswith("/") and not PurePosixPath(path).is_absolute(), path
        assert "\\" not in path and "\x00" not in path, path
        assert not re.match(r"^[A-Za-z]:", path), path
        parts = path.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts, path
        assert (out / path).resolve().is_relative_to(out), path
        if path.endswith(".html"):
            check_html(path, data.decode("utf-8"), files)


MOMENT = dt.datetime.fromtimestamp(int(FIXED_EPOCH), dt.timezone(dt.timedelta(hours=8)))


def build_or_refuse(root: Path, moment: dt.datetime | None = None) -> dict[str, bytes] | None:
    """Load and render; a ContentError is a fine answer, any other exception fails the test."""
    try:
        files = make_site(make_context(root, moment or MOMENT, disk_cache=False), pdf=False).files
    except ContentError as exc:
        assert exc.problems and all(p.file and p.message for p in exc.problems)
        return None
    check_files(files)
    return files


@contextlib.contextmanager
def edited(root: Path, changes: dict[str, str | bytes]):
    """Write `changes` (path -> new text or bytes) and put every file back afterwards."""
    saved: dict[Path, bytes | None] = {}
    try:
        for name, data in changes.items():
            path = root / name
            saved[path] = path.read_bytes() if path.exists() else None
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        yield
    finally:
        for path, data in saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("fuzz") / "site")
    files = build_or_refuse(root)
    assert files is not None, "the real project must build"
    return root


def text_of(root: Path, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


def event_ids(text: str) -> list[str]:
    return re.findall(r"^  - id: (\S+)$", text, flags=re.MULTILINE)


def with_event_value(text: str, event_id: str, key: str, new_lines: str) -> str:
    """Replace `key:` of one event (with the block lines under it), or add it after `- id:`."""
    lines = text.split("\n")
    start = exact_line(text, f"  - id: {event_id}")
    if key == "id":
        lines[start - 1] = new_lines.replace("    id:", "  - id:", 1)
        return "\n".join(lines)
    end = start
    while end < len(lines) and not lines[end].startswith("  - "):
        end += 1
    for index in range(start, end):
        if lines[index].startswith(f"    {key}:"):
            stop = index + 1
            while stop < end and (lines[stop].startswith("      ") or lines[stop].strip() == ""):
                stop += 1
            lines[index:stop] = new_lines.split("\n")
            return "\n".join(lines)
    lines[start:start] = new_lines.split("\n")
    return "\n".join(lines)


def news_file(root: Path) -> str:
    names = sorted(p.name for p in (root / NEWS_DIR).glob("*.md"))
    assert names
    return f"{NEWS_DIR}/{names[0]}"


def split_news(text: str) -> tuple[str, str]:
    """(front matter block with both `---` lines, body)."""
    lines = text.split("\n")
    assert lines[0] == "---"
    close = lines.index("---", 1)
    return "\n".join(lines[: close + 1]), "\n".join(lines[close + 1 :])


# --------------------------------------------------------------------------- scalars

SCHEDULE_KEYS = [
    "title",
    "summary",
    "place",
    "time_note",
    "description",
    "kind",
    "id",
    "livestream",
    "date",
    "end_date",
    "start",
    "end",
    "hosts",
]


@given(data=st.data(), key=st.sampled_from(SCHEDULE_KEYS), style=st.sampled_from(STYLES), value=TEXT)
def test_schedule_scalar(project: Path, data, key: str, style: str, value: str) -> None:
    text = text_of(project, SCHEDULE)
    event = data.draw(st.sampled_from(event_ids(text)), label="event")
    changed = with_event_value(text, event, key, yaml_value(key, value, style, "    "))
    with edited(project, {SCHEDULE: changed}):
        build_or_refuse(project)


@given(
    data=st.data(),
    key=st.sampled_from(["date", "end_date", "start", "end"]),
    style=st.sampled_from(["raw", "double", "single"]),
)
def test_schedule_dates_and_times(project: Path, data, key: str, style: str) -> None:
    text = text_of(project, SCHEDULE)
    event = data.draw(st.sampled_from(event_ids(text)), label="event")
    value = data.draw(DATE_TEXT if "date" in key else TIME_TEXT, label="value")
    changed = with_event_value(text, event, key, yaml_value(key, value, style, "    "))
    with edited(project, {SCHEDULE: changed}):
        files = build_or_refuse(project)
    if files is not None and key in ("date", "end_date") and style == "raw":
        assert f"{EDITION}/events/{event}/index.html" in files


QUIZ_KEYS = ["title", "organiser", "period", "how", "prize", "description"]


@given(key=st.sampled_from(QUIZ_KEYS), style=st.sampled_from(STYLES), value=TEXT)
def test_quiz_scalar(project: Path, key: str, style: str, value: str) -> None:
    text = text_of(project, QUIZ)
    lines = text.split("\n")
    start = key_line(text, f"{key}:") - 1
    stop = start + 1
    while stop < len(lines) and (lines[stop].startswith("  ") or lines[stop].strip() == ""):
        stop += 1
    lines[start:stop] = yaml_value(key, value, style, "").split("\n")
    with edited(project, {QUIZ: "\n".join(lines)}):
        files = build_or_refuse(project)
    if files is not None:
        assert f"{EDITION}/quiz/index.html" in files


URL_TEXT = st.one_of(
    TEXT,
    st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(
            [
                "http://",
                "https://",
                "HTTPS://",
                "//",
                "javascript:",
                "JaVaScRiPt:",
                "java\tscript:",
                " javascript:",
                "data:",
                "ftp://",
                "mailto:",
                "https:",
                "http:/",
            ]
        ),
        TEXT,
    ),
)


# Regression examples: these three used to raise ValueError instead of ContentError.
@example(key="url", value="https://www.example.com／live", style="raw")
@example(key="url", value="http://[::1", style="raw")
@example(key="url", value="https://example.com/" + "a" * 3000, style="raw")
@given(key=st.just("url"), value=URL_TEXT, style=st.sampled_from(STYLES))
def test_quiz_address(project: Path, key: str, value: str, style: str) -> None:
    text = text_of(project, QUIZ)
    number = key_line(text, "url:")
    lines = text.split("\n")
    lines[number - 1 : number] = yaml_value(key, value, style, "").split("\n")
    with edited(project, {QUIZ: "\n".join(lines)}):
        build_or_refuse(project)


@pytest.mark.parametrize("key", ["date", "end_date"])
def test_last_possible_date(project: Path, key: str) -> None:
    """The day after the last day a date can name once crashed the calendar code."""
    text = text_of(project, SCHEDULE)
    changed = with_event_value(text, "report-deadline", key, f"    {key}: 9999-12-31")
    with edited(project, {SCHEDULE: changed}):
        build_or_refuse(project)


# --------------------------------------------------------------------------- news files

NEWS_KEYS = ["title", "date", "source", "summary"]


@given(key=st.sampled_from(NEWS_KEYS), style=st.sampled_from(STYLES), value=st.one_of(TEXT, DATE_TEXT))
def test_news_front_matter(project: Path, key: str, style: str, value: str) -> None:
    name = news_file(project)
    text = text_of(project, name)
    number = key_line(text, f"{key}:")
    lines = text.split("\n")
    lines[number - 1 : number] = yaml_value(key, value, style, "").split("\n")
    with edited(project, {name: "\n".join(lines)}):
        build_or_refuse(project)


FILE_NAME = st.one_of(
    st.text(CHARS.filter(lambda c: c not in "/\x00"), min_size=1, max_size=30),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,70}", fullmatch=True),
    st.sampled_from(
        [
            "2024-05-10-ok",
            "page",
            "index",
            "feed",
            "-x",
            "x-",
            "a--b",
            "UPPER",
            "中文",
            "a b",
            "a_b",
            "..",
            "...",
            ".hidden",
            "a.b",
            "con",
            "nul",
            "a" * 64,
            "a" * 65,
            "%2e%2e",
            "..%2f",
            "news",
            "assets",
        ]
    ),
)


@given(stem=FILE_NAME, suffix=st.sampled_from([".md", ".md", ".md", ".MD", ".markdown", "", ".txt", ".md~", ".md.md"]))
def test_news_file_names(project: Path, stem: str, suffix: str) -> None:
    filename = stem + suffix
    if len(filename.encode("utf-8")) > 200 or filename in (".", ".."):
        return
    source = news_file(project)
    if filename == source.rsplit("/", 1)[1]:
        return
    with edited(project, {f"{NEWS_DIR}/{filename}": text_of(project, source)}):
        files = build_or_refuse(project)
    if files is not None and not ignored_name(filename):
        path = PurePosixPath(filename)
        assert path.suffix == ".md"
        assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", path.stem)
        assert f"{EDITION}/news/{path.stem}/index.html" in files


@given(
    stem=st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    slug_like=st.sampled_from(["title", "summary"]),
    value=TEXT,
)
def test_news_slug_and_text_together(project: Path, stem: str, slug_like: str, value: str) -> None:
    source = news_file(project)
    text = text_of(project, source)
    number = key_line(text, f"{slug_like}:")
    lines = text.split("\n")
    lines[number - 1] = yaml_value(slug_like, value, "double", "")
    with edited(project, {f"{NEWS_DIR}/{stem}.md": "\n".join(lines)}):
        files = build_or_refuse(project)
    if files is not None:
        assert f"{EDITION}/news/{stem}/index.html" in files


# --------------------------------------------------------------------------- Markdown bodies

BODY = st.lists(
    st.one_of(
        st.text(CHARS, max_size=30),
        st.sampled_from(DANGEROUS_HTML),
        st.sampled_from(YAML_BITS),
        st.sampled_from(
            [
                "# 标题",
                "## 小标题",
                "- 列表",
                "1. 第一",
                "> 引用",
                "    缩进代码",
                "```",
                "***",
                "---",
                "| a | b |",
                "|---|---|",
                "[ref]: https://x.example",
                "<https://example.com>",
                "![图](https://x.example/a.png)",
            ]
        ),
    ),
    min_size=1,
    max_size=12,
)


@given(parts=BODY, joiner=st.sampled_from(["\n", "\n\n", " ", ""]))
def test_news_markdown_body(project: Path, parts: list[str], joiner: str) -> None:
    name = news_file(project)
    front, _ = split_news(text_of(project, name))
    body = joiner.join(parts)
    with edited(project, {name: front + "\n" + body + "\n"}):
        files = build_or_refuse(project)
    if files is not None:
        slug = name.rsplit("/", 1)[1][:-3]
        assert f"{EDITION}/news/{slug}/index.html" in files


@given(data=st.data(), parts=BODY, joiner=st.sampled_from(["\n", "\n\n", " "]))
def test_schedule_markdown_description(project: Path, data, parts: list[str], joiner: str) -> None:
    text = text_of(project, SCHEDULE)
    event = data.draw(st.sampled_from(event_ids(text)), label="event")
    value = joiner.join(parts)
    changed = with_event_value(text, event, "description", yaml_value("description", value, "block", "    "))
    with edited(project, {SCHEDULE: changed}):
        build_or_refuse(project)


@pytest.mark.parametrize("snippet", DANGEROUS_HTML)
def test_each_dangerous_snippet_in_a_news_body(project: Path, snippet: str) -> None:
    name = news_file(project)
    front, body = split_news(text_of(project, name))
    with edited(project, {name: f"{front}\n{snippet}\n\n{body}"}):
        files = build_or_refuse(project)
    assert files is not None, "a news body with raw HTML should still build"


# --------------------------------------------------------------------------- determinism


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = run_build(shipped_copy(), "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    a, b = snapshot(first), snapshot(second)
    assert a and sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], name

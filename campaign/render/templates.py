"""The look of the site, read from `templates/`: Jinja templates, static files, the environment.

Read once into memory, so rendering touches no disk, and static files get a content hash in
their name, so a republished stylesheet is never served stale from a browser's cache. The
environment is strict (autoescape, undefined variables an error) and notes every template a
rendering loads, so a page depends on exactly the templates it used.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from campaign.errors import ContentError
from campaign.incremental.record import Use, record_use
from campaign.load.source import decode_text, ignored_name, refuse_outside, shortcut_refused

STATIC = "static"
Filters = dict[str, Callable[..., Any]]  # Jinja filters by name


@dataclass(frozen=True)
class Templates:
    sources: dict[str, str]  # template name -> source text
    static: dict[str, bytes]  # output path (hashed) -> bytes
    assets: dict[str, str]  # plain name ("style.css") -> hashed output path ("assets/style.1a2b3c4d.css")

    def digests(self) -> dict[Use, str]:
        """What a rendering can use, each with what identifies its content."""
        found = {("template", name): hashlib.sha256(text.encode()).hexdigest() for name, text in self.sources.items()}
        found.update({("asset", name): hashed for name, hashed in self.assets.items()})
        return found


def load_templates(folder: Path) -> Templates:
    templates: dict[str, str] = {}
    static: dict[str, bytes] = {}
    assets: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if any(ignored_name(p) for p in path.relative_to(folder).parts):
            continue
        name = path.relative_to(folder).as_posix()
        refuse_outside(path, folder.parent, f"templates/{name}")
        if path.is_symlink():  # a linked folder comes before its files (sorted): refused at once
            raise ContentError.at(f"templates/{name}", 0, "这" + shortcut_refused())
        if not path.is_file():
            continue
        data = path.read_bytes()
        if name.startswith(STATIC + "/"):
            plain = name[len(STATIC) + 1 :]
            stem, ext = posixpath.splitext(plain)
            hashed = f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:10]}{ext}"
            static[hashed] = data
            assets[plain] = hashed
        else:
            templates[name] = decode_text(data, f"templates/{name}")
    return Templates(templates, static, assets)


class RecordingEnvironment(jinja2.Environment):
    """Notes every template a rendering loads (extends, include and import too) in its recorder."""

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> jinja2.Template:
        record_use(("template", name))
        return super()._load_template(name, globals)


def make_environment(templates: Templates, filters: Filters) -> RecordingEnvironment:
    env = RecordingEnvironment(
        loader=MemoryLoader(templates.sources),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters)
    return env


class MemoryLoader(jinja2.BaseLoader):
    """Serves templates from memory under their real file names, so errors point at them."""

    def __init__(self, templates: dict[str, str]):
        self.templates = templates

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.templates:
            raise jinja2.TemplateNotFound(template)
        return self.templates[template], f"templates/{template}", lambda: True


def template_error(exc: Exception) -> ContentError:
    """Name the template file and line of a Jinja error instead of a traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or f"templates/{exc.name}"
        return ContentError.at(name, exc.lineno or 0, f"模板语法有误：{exc.message}")
    frame = _template_frame(exc)
    if isinstance(exc, jinja2.UndefinedError):
        message = f"模板用到了不存在的变量：{exc.message}"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"模板出错：{exc}"
    else:
        message = (
            f"模板这一行在生成页面时出错（{type(exc).__name__}: {exc}）；请检查这一行的写法，例如文字和数字不能直接相加"
        )
    return ContentError.at(frame[0], frame[1], message)


def in_template(exc: Exception) -> bool:
    """Whether an error was raised by a template's own code (a frame of templates/…)."""
    return _template_frame(exc)[1] > 0


def _template_frame(exc: Exception) -> tuple[str, int]:
    import traceback

    found = ("templates", 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("templates/"):
            found = (frame.filename, frame.lineno or 0)
    return found

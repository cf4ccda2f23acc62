"""The look of the site, read from `templates/`: Jinja templates and static files.

Read once into memory, so rendering touches no disk, and static files get a content hash in
their name, so a republished stylesheet is never served stale from a browser's cache.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from pathlib import Path

import jinja2

from campaign.errors import ContentError
from campaign.load.source import decode_text

STATIC = "static"


@dataclass(frozen=True)
class Theme:
    templates: dict  # template name -> source text
    static: dict  # output path (hashed) -> bytes
    assets: dict  # plain name ("style.css") -> hashed output path ("assets/style.1a2b3c4d.css")


def load_theme(folder: Path) -> Theme:
    templates, static, assets = {}, {}, {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(folder).parts):
            continue
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if name.startswith(STATIC + "/"):
            plain = name[len(STATIC) + 1:]
            stem, ext = posixpath.splitext(plain)
            hashed = f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:10]}{ext}"
            static[hashed] = data
            assets[plain] = hashed
        else:
            templates[name] = decode_text(data, f"templates/{name}")
    return Theme(templates, static, assets)


class ThemeLoader(jinja2.BaseLoader):
    """Serves templates from memory under their real file names, so errors point at them."""

    def __init__(self, templates: dict):
        self.templates = templates

    def get_source(self, environment, template):
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
    else:
        message = f"模板出错：{exc}"
    return ContentError.at(frame[0], frame[1], message)


def _template_frame(exc: Exception) -> tuple[str, int]:
    import traceback

    found = ("templates", 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("templates/"):
            found = (frame.filename, frame.lineno or 0)
    return found

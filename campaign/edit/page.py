"""The editor's own page (a form, its messages, a conflict, 撤销), from its template in this package.

These pages are the tool's, not the site's: they never go into `output/` and do not use the
site's `templates/`, so editing those cannot break the editor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).parent / "templates"
# what a page shows only sometimes: nothing unless told
OUTCOMES: dict[str, Any] = {
    "conflict": None,
    "problems": [],
    "loose": [],
    "undone": False,
    "nothing": False,
    "moved": False,
    "adding": "",
    "adders": [],
    "others": [],
    "can_undo": False,
    "large": False,
    "had_photos": False,
    "imported": [],
}


class EditorPages:
    """The compiled template, made once per preview."""

    def __init__(self) -> None:
        self.environment = Environment(
            loader=FileSystemLoader(HERE), autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
        )

    def form(self, **values: Any) -> str:
        return self.environment.get_template("form.html").render(**(OUTCOMES | values))

    def report(self, **values: Any) -> str:
        """The form for a new report (`edit.report`)."""
        return self.environment.get_template("report.html").render(**(OUTCOMES | values))

    def article(self, **values: Any) -> str:
        """The form for an existing report (`edit.article`)."""
        return self.environment.get_template("article.html").render(**(OUTCOMES | values))

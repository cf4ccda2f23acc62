"""/_edit/news: the form for a new report, with its photos, in the preview (`edit.report`).

Guarded as every save of the editor is (`editor.EditHandler`: this machine, the token, the
preview's own origin). The files are named by the tool and written only inside content/news/,
in a new folder of their own; one that exists is never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from tornado import web

from campaign.edit import check, report
from campaign.edit.forms import Input
from campaign.errors import ContentProblem
from campaign.importing import NEWS
from campaign.model.fields import Declared, Markdown, Text, declarations
from campaign.model.site import NewsItem
from campaign.model.timeline import now
from campaign.preview.editor import NEW_REPORT, EditHandler

PATH = NEW_REPORT
TEXT = Declared(
    Markdown(), "正文", "直接写文字，不需要任何格式符号；空一行表示另起一段。照片在下面选，会排在正文后面", None, "text"
)
CAPTION = Declared(
    Text(required=False),
    "照片说明",
    "选了照片就必须写：写清照片上是什么（如“干部职工骑行上班”），显示在照片下方，也读给看不见图片的读者听",
    None,
    "caption",
)
FRONT = ("title", "date", "source", "summary")  # the keys of index.md the form fills in


class NewReportHandler(EditHandler):
    def get(self) -> None:  # type: ignore[override]
        page = self._page(self.get_query_argument("page", ""))
        self._show_report(page, {}, {})

    def post(self) -> None:  # type: ignore[override]
        self._refuse_foreign()
        page = self._page(self.get_body_argument("_page", ""))
        values = {name: self.get_body_argument(name, "").strip() for name in (*FRONT, "text")}
        values |= {f"caption-{n}": self.get_body_argument(f"caption-{n}", "").strip() for n in _slots()}
        messages: dict[str, str] = {}
        photos = []
        for number in _slots():
            chosen = self.request.files.get(f"photo-{number}") or []
            if not chosen or not chosen[0].filename:
                continue
            upload = chosen[0]
            refused = report.photo_refused(upload.filename, len(upload.body))
            if refused:
                messages[f"photo-{number}"] = refused
                continue
            extension = upload.filename[upload.filename.rfind(".") :].lower()
            photos.append((number, report.Photo(extension, upload.body, values[f"caption-{number}"])))
        said = report.date_message(values["date"])
        if said:
            messages["date"] = said
        if messages:
            return self._show_report(page, values, messages, had_photos=bool(photos))
        day = dt.date.fromisoformat(values["date"])
        chosen_photos = [photo for _, photo in photos]
        slug, files, written = report.report_files(
            values["title"], day, values["source"], values["summary"], values["text"], chosen_photos
        )
        if (self.editor.store.root / NEWS / slug).exists():
            messages["title"] = (
                f"已经有一篇这一天、这个标题的活动动态（{NEWS}/{slug}/）；请改一下标题，或直接修改那一篇"
            )
            return self._show_report(page, values, messages, had_photos=bool(photos))
        problems = check.problems_with_files(self.editor.preview.ctx, files)
        if problems:
            index = files[f"{NEWS}/{slug}/index.md"].decode("utf-8")
            loose = _placed(problems, f"{NEWS}/{slug}/index.md", index, [n for n, _ in photos], messages)
            return self._show_report(page, values, messages, problems=problems, loose=loose, had_photos=bool(photos))
        try:
            report.write(self.editor.store.root, slug, files, written)
        except FileExistsError:
            messages["title"] = f"已经有一篇这一天、这个标题的活动动态（{NEWS}/{slug}/）；请改一下标题"
            return self._show_report(page, values, messages, had_photos=bool(photos))
        self.editor.after_save()
        base = self.editor.preview.base_path
        shown = now().date() >= day  # a report dated later waits for its day (`pipeline.as_of`)
        self.redirect(base + (f"news/{slug}/" if shown else "news/"), status=303)

    def _show_report(self, page: str, values: dict[str, str], messages: dict[str, str], **flags: Any) -> None:
        declared = declarations(NewsItem)
        items = [
            Input(d.key, d, values.get(d.key, ""), _kind(d.key), message=messages.get(d.key, ""))
            for d in declared.values()
        ]
        text = Input("text", TEXT, values.get("text", ""), "textarea", message=messages.get("text", ""))
        photos = [
            {
                "number": number,
                "file_message": messages.get(f"photo-{number}", ""),
                "caption": Input(
                    f"caption-{number}",
                    CAPTION,
                    values.get(f"caption-{number}", ""),
                    "text",
                    message=messages.get(f"caption-{number}", ""),
                ),
            }
            for number in _slots()
        ]
        large = self._large()
        query = "?page=" + quote(page, safe="/")
        html = self.editor.pages.report(
            items=items,
            text=text,
            photos=photos,
            token=self.editor.token,
            page=page,
            large=large,
            back=self._site_page(page),
            toggle_large=PATH + query + ("" if large else "&large=1"),
            action=PATH,
            **flags,
        )
        if messages:
            self.set_status(422)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)


def _slots() -> range:
    return range(1, report.PHOTO_SLOTS + 1)


def _kind(key: str) -> str:
    return "date" if key == "date" else "text"


def _placed(
    problems: list[ContentProblem], file: str, index: str, numbers: list[int], messages: dict[str, str]
) -> list[dict[str, str]]:
    """Each problem of the new index.md beside its input (a key's line, a photo's line); the rest."""
    fields: dict[int, str] = {}
    photo = 0
    lines = index.split("\n")
    body_line = next((n for n, line in enumerate(lines[1:], 2) if line.strip() == "---"), 0) + 1
    for line_number, line in enumerate(lines, 1):
        key = re.match(r"(title|date|source|summary):", line)
        if key:
            fields[line_number] = key.group(1)
        elif line.startswith("![") and photo < len(numbers):
            fields[line_number] = f"caption-{numbers[photo]}"
            photo += 1
    loose = []
    for problem in problems:
        name = fields.get(problem.line) if problem.file == file else None
        if name is None and problem.file == file and problem.line >= body_line:
            name = "text"
        elif name is None and problem.file == file:  # a key left out: said at the front matter's line
            name = next((key for key in FRONT if f"「{key}」" in problem.message), None)
        if name is None:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            loose.append({"where": where, "message": problem.message})
        else:
            messages[name] = (messages[name] + "；" if name in messages else "") + problem.message
    return loose


def handlers(**options: Any) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    return [(PATH, NewReportHandler, options)]

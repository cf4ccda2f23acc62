"""The reports' forms in the preview: /_edit/news a new one (`edit.report`), with its photos and
attachments or from a Word document (/_edit/news/_word, through the import); /_edit/news/<slug>
an existing one, opened with its text (`edit.article`).

Guarded as every save of the editor is (`editor.EditHandler`: this machine, the token, the
preview's own origin). Each chosen file is size-limited; a new report's files are named by the
tool and written only inside content/news/, in a new folder of their own, one that exists never
touched; an existing report's file is the one the build found under the name in the address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from typing import Any
from urllib.parse import quote

from ruamel.yaml.comments import CommentedMap
from tornado import web

from campaign import importing
from campaign.edit import article, check, forms, report
from campaign.edit.forms import Input
from campaign.edit.source import SourceText
from campaign.edit.store import Conflict, digest
from campaign.errors import ContentProblem
from campaign.importing import NEWS
from campaign.load.media import ATTACHMENT_TYPES
from campaign.load.roundtrip import round_trip
from campaign.load.word import Unreadable
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
ATTACHMENT_TITLE = Declared(
    Text(required=False),
    "附件名称",
    "读者下载时看到的文件名，如“活动总结”；不写就用原来的文件名",
    None,
    "attachment-title",
)
ATTACHMENTS = "@attachments"  # the attachments' line of a new index.md
WORD = PATH + "/_word"  # a Word document imported (never a report's name: those have no "_")


class NewReportHandler(EditHandler):
    def get(self) -> None:  # type: ignore[override]
        page = self._page(self.get_query_argument("page", ""))
        self._show_report(page, {}, {})

    def post(self) -> None:  # type: ignore[override]
        self._refuse_foreign()
        page = self._page(self.get_body_argument("_page", ""))
        values = {name: self.get_body_argument(name, "").strip() for name in (*FRONT, "text")}
        values |= {f"caption-{n}": self.get_body_argument(f"caption-{n}", "").strip() for n in _slots()}
        values |= {
            f"attachment-title-{n}": self.get_body_argument(f"attachment-title-{n}", "").strip() for n in _files()
        }
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
        attachments = []
        for number in _files():
            upload = self._chosen(f"attachment-{number}")
            if upload is None:
                continue
            refused = report.attachment_refused(upload.filename, len(upload.body))
            if refused:
                messages[f"attachment-{number}"] = refused
                continue
            title = values[f"attachment-title-{number}"] or report.shown_name(upload.filename).rsplit(".", 1)[0]
            extension = upload.filename[upload.filename.rfind(".") :].lower()
            attachments.append(report.Attachment(extension, upload.body, title))
        said = report.date_message(values["date"])
        if said:
            messages["date"] = said
        if messages:
            return self._show_report(page, values, messages, had_photos=bool(photos or attachments))
        day = dt.date.fromisoformat(values["date"])
        chosen_photos = [photo for _, photo in photos]
        slug, files, _ = report.report_files(
            values["title"], day, values["source"], values["summary"], values["text"], chosen_photos, tuple(attachments)
        )
        if (self.editor.store.root / NEWS / slug).exists():
            messages["title"] = (
                f"已经有一篇这一天、这个标题的活动动态（{NEWS}/{slug}/）；请改一下标题，或直接修改那一篇"
            )
            return self._show_report(page, values, messages, had_photos=bool(photos or attachments))
        problems = check.problems_with_files(self.editor.preview.ctx, files)
        if problems:
            index = files[f"{NEWS}/{slug}/index.md"].decode("utf-8")
            loose = _placed(problems, f"{NEWS}/{slug}/index.md", index, [n for n, _ in photos], messages)
            return self._show_report(
                page, values, messages, problems=problems, loose=loose, had_photos=bool(photos or attachments)
            )
        try:
            report.write(self.editor.store.root, slug, files)
        except FileExistsError:
            messages["title"] = f"已经有一篇这一天、这个标题的活动动态（{NEWS}/{slug}/）；请改一下标题"
            return self._show_report(page, values, messages, had_photos=bool(photos or attachments))
        self.editor.after_save()
        base = self.editor.preview.base_path
        shown = now().date() >= day  # a report dated later waits for its day (`pipeline.as_of`)
        self.redirect(base + (f"news/{slug}/" if shown else "news/"), status=303)

    def _chosen(self, name: str) -> Any:
        chosen = self.request.files.get(name) or []
        return chosen[0] if chosen and chosen[0].filename else None

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
        attachments = [
            {
                "number": number,
                "file_message": messages.get(f"attachment-{number}", ""),
                "title": Input(
                    f"attachment-title-{number}",
                    ATTACHMENT_TITLE,
                    values.get(f"attachment-title-{number}", ""),
                    "text",
                ),
            }
            for number in _files()
        ]
        large = self._large()
        query = "?page=" + quote(page, safe="/")
        html = self.editor.pages.report(
            items=items,
            text=text,
            photos=photos,
            attachments=attachments,
            word_message=messages.get("word", ""),
            word_limit=report.MAX_WORD_BYTES // (1024 * 1024),
            attachment_limit=report.MAX_ATTACHMENT_BYTES // (1024 * 1024),
            attachment_types=",".join(ATTACHMENT_TYPES),
            word_action=WORD,
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


def _files() -> range:
    return range(1, report.ATTACHMENT_SLOTS + 1)


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
        elif line.startswith("附件：["):  # what is wrong with an attachment (tracked changes …) is said here
            fields[line_number] = ATTACHMENTS
    loose = []
    for problem in problems:
        name = fields.get(problem.line) if problem.file == file else None
        if name is None and problem.file == file and problem.line >= body_line:
            name = "text"
        elif name is None and problem.file == file:  # a key left out: said at the front matter's line
            name = next((key for key in FRONT if f"「{key}」" in problem.message), None)
        if name == ATTACHMENTS:
            named = [n for n in range(1, report.ATTACHMENT_SLOTS + 1) if f"attachment-{n}." in problem.message]
            name = f"attachment-{named[0] if named else 1}"
        if name is None:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            loose.append({"where": where, "message": problem.message})
        else:
            messages[name] = (messages[name] + "；" if name in messages else "") + problem.message
    return loose


# --------------------------------------------------------------------------- an existing report

ARTICLE = PATH + r"/([a-z0-9]+(?:-[a-z0-9]+)*)(/undo)?"  # the build's own rule for a report's name
BODY = Declared(Markdown(), "正文", "空一行表示另起一段。照片的说明在下面填写，照片排在原来的位置", None, "@body")
MARKDOWN_NOTE = (
    "这篇报道的正文用了 Markdown 格式（小标题、列表、链接或附件等），这里按原样显示：「## 」「- 」「[ ](…)」"
    "等符号请保留，写法见 README「添加一篇活动动态」"
)


class ArticleHandler(EditHandler):
    """/_edit/news/<slug>: an existing report (`<slug>.md` or `<slug>/index.md`) opened with its text."""

    def get(self, slug: str, undo: str | None) -> None:  # type: ignore[override]
        if undo:
            raise web.HTTPError(405)
        page = self._page(self.get_query_argument("page", ""))
        file = self._file(slug)
        done = self.get_query_argument("done", "")
        data = self.editor.store.read(file)
        self._show_article(slug, file, page, data, {}, {}, undone=done == "undo", nothing=done == "nothing")

    def post(self, slug: str, undo: str | None) -> None:  # type: ignore[override]
        self._refuse_foreign()
        page = self._page(self.get_body_argument("_page", ""))
        file = self._file(slug)
        expected = self.get_body_argument("_sha256", "")
        if undo:
            return self._undo_article(slug, file, page, expected)
        data = self.editor.store.read(file)
        parsed = self._article(file, data)
        if parsed is None:
            return
        source, document, body = parsed
        values = {name: self.get_body_argument(name, "") for name in self.request.body_arguments if name[:1] != "_"}
        if digest(data) != expected:
            return self._show_article(slug, file, page, data, values, {}, conflict=True, sha=digest(data))
        inputs = list(forms.record(NewsItem, document, "").inputs())
        changed = forms.apply(document, inputs, values)
        captions = [values.get(f"@caption-{n}", photo.caption) for n, photo in enumerate(body.photos, 1)]
        new_body = article.written_body(source.body, values.get(BODY.key, body.text), captions)
        if not changed and new_body is None:
            return self._redirect_article(slug, page, "nothing")
        yaml, out = round_trip(), io.StringIO()
        yaml.dump(document, out)
        new = source.encode(out.getvalue(), new_body)
        problems = check.problems_with(self.editor.preview.ctx, file, new)
        if problems:
            messages, loose = _article_messages(problems, file, new, source.first_line, len(body.photos))
            return self._show_article(
                slug, file, page, data, values, messages, problems=problems, loose=loose, sha=expected
            )
        try:
            self.editor.store.save(file, expected, new)
        except Conflict as conflict:
            return self._show_article(slug, file, page, conflict.current, values, {}, conflict=True)
        self.editor.after_save()
        written = forms.submitted(values.get("date", ""))
        later = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", written)) and written > now().date().isoformat()
        base = self.editor.preview.base_path
        self.redirect(base + ("news/" if later else f"news/{slug}/"), status=303)

    def _file(self, slug: str) -> str:
        """The report's file, as the last good build found it, or as the build would look for it
        (one dated later is not in the site yet); `slug` has only the letters of a report's name."""
        site = self.editor.preview.site
        found = next((item.file for item in site.news if item.slug == slug), None) if site is not None else None
        for file in [found] if found else [f"{NEWS}/{slug}.md", f"{NEWS}/{slug}/index.md"]:
            path = self.editor.store.root / file
            if path.is_file() and not path.is_symlink():
                return file
        raise web.HTTPError(404)

    def _article(self, file: str, data: bytes) -> tuple[SourceText, CommentedMap, article.Body] | None:
        form = forms.Form("news", file, file)
        source, document = self._parsed(form, data)
        if source is None:
            return None
        return source, document, article.read_body(source.body)

    def _undo_article(self, slug: str, file: str, page: str, expected: str) -> None:
        try:
            undone = self.editor.store.undo(file, expected)
        except Conflict as conflict:
            return self._show_article(slug, file, page, conflict.current, {}, {}, conflict=True)
        if undone:
            self.editor.after_save()
        self._redirect_article(slug, page, "undo" if undone else "nothing")

    def _redirect_article(self, slug: str, page: str, done: str) -> None:
        large = "&large=1" if self._large() else ""
        self.redirect(f"{PATH}/{slug}?page={quote(page, safe='/')}&done={done}{large}", status=303)

    def _show_article(
        self,
        slug: str,
        file: str,
        page: str,
        data: bytes,
        values: dict[str, str],
        messages: dict[str, str],
        conflict: bool = False,
        sha: str = "",
        **flags: Any,
    ) -> None:
        parsed = self._article(file, data)
        if parsed is None:
            return
        source, document, body = parsed
        front = forms.record(NewsItem, document, "文章")
        text = forms.Input(BODY.key, BODY, body.text, "textarea")
        photos = [
            forms.Input(
                f"@caption-{n}", dataclasses.replace(CAPTION, label=f"照片 {photo.name} 的说明"), photo.caption, "text"
            )
            for n, photo in enumerate(body.photos, 1)
        ]
        disk = {item.name: item.value for item in [*front.inputs(), text, *photos]}
        front = forms.with_values(front, values, messages)
        text, *photos = [
            dataclasses.replace(item, value=values.get(item.name, item.value), message=messages.get(item.name, ""))
            for item in [text, *photos]
        ]
        rows = [
            {"label": item.declared.label, "disk": disk[item.name], "yours": item.value}
            for item in [*front.inputs(), text, *photos]
            if forms.submitted(item.value) != forms.submitted(disk[item.name])
        ]
        large = self._large()
        query = "?page=" + quote(page, safe="/")
        own = f"{PATH}/{slug}"
        html = self.editor.pages.article(
            file=file,
            front=front,
            text=text,
            photos=photos,
            markdown_note="" if body.plain else MARKDOWN_NOTE,
            sha256=sha or digest(data),
            token=self.editor.token,
            page=page,
            large=large,
            back=self._site_page(page),
            toggle_large=own + query + ("" if large else "&large=1"),
            action=own,
            undo_action=own + "/undo",
            can_undo=bool(self.editor.store.versions(file)),
            conflict=(rows or [{"label": "（全部内容）", "disk": "", "yours": ""}]) if conflict else None,
            **flags,
        )
        if conflict:
            self.set_status(409)
        elif messages:
            self.set_status(422)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)


def _article_messages(
    problems: list[ContentProblem], file: str, new: bytes, first_line: int, photos: int
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Each problem of the changed report beside its input (a key's line, a photo's line, the text)."""
    text = new.decode("utf-8-sig").replace("\r\n", "\n")
    source = SourceText(new, file)
    lines = {line: name for name, line in forms.key_lines(round_trip().load(source.yaml), first_line).items()}
    body_line = first_line + source.yaml.count("\n") + 1
    photo_lines: dict[int, str] = {}
    for number, line in enumerate(text.split("\n")[body_line - 1 :], body_line):
        if article.PHOTO_LINE.fullmatch(line) and len(photo_lines) < photos:
            photo_lines[number] = f"@caption-{len(photo_lines) + 1}"
    messages: dict[str, str] = {}
    loose = []
    for problem in problems:
        name = None
        if problem.file == file:
            name = lines.get(problem.line) or photo_lines.get(problem.line)
            if name is None and problem.line >= body_line:
                name = BODY.key
            elif name is None:  # a key left out: said at the front matter's line
                name = next((key for key in FRONT if f"「{key}」" in problem.message), None)
        if name is None:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            loose.append({"where": where, "message": problem.message})
        else:
            messages[name] = (messages[name] + "；" if name in messages else "") + problem.message
    return messages, loose


class WordHandler(NewReportHandler, ArticleHandler):
    """/_edit/news/_word: a chosen Word document imported as `build.py import` does, checked by the
    build first; then the new report's own form, with what the import chose, for the clerk to check."""

    def get(self) -> None:  # type: ignore[override]
        raise web.HTTPError(405)

    def post(self) -> None:  # type: ignore[override]
        self._refuse_foreign()
        page = self._page(self.get_body_argument("_page", ""))
        upload = self._chosen("word")
        if upload is None:
            return self._word_refused(page, "请先选择要导入的 Word 文档（.docx）")
        refused = report.word_refused(upload.filename, len(upload.body))
        if refused:
            return self._word_refused(page, refused)
        root = self.editor.store.root
        today = now().date()
        try:
            slug, files, written = report.word_files(
                upload.body, upload.filename, importing.campaign_year(root, today), today
            )
        except Unreadable as exc:
            return self._word_refused(page, str(exc))
        name = report.shown_name(upload.filename)
        for existing in (root / NEWS / slug, root / NEWS / f"{slug}.md"):
            if existing.exists():
                return self._word_refused(
                    page, f"「{name}」已经导入过：{NEWS}/{existing.name} 已经存在，保留原来的，没有改动"
                )
        problems = check.problems_with_files(self.editor.preview.ctx, files)
        if problems:
            where = [f"{p.file}:{p.line} {p.message}" if p.line else f"{p.file} {p.message}" for p in problems]
            return self._word_refused(page, "导入后无法生成网站，没有导入：" + "；".join(where))
        try:
            report.write(root, slug, files)
        except FileExistsError:
            return self._word_refused(page, f"「{name}」已经导入过：{NEWS}/{slug}/ 已经存在")
        self.editor.after_save()
        outcome = importing.Outcome(name, folder=f"{NEWS}/{slug}/", report=written)
        file = f"{NEWS}/{slug}/index.md"
        own = self.editor.preview.base_path + f"news/{slug}/"
        data = self.editor.store.read(file)
        self._show_article(slug, file, own, data, {}, {}, imported=importing.said(outcome).split("\n"))

    def _word_refused(self, page: str, message: str) -> None:
        self._show_report(page, {}, {"word": message})


def handlers(**options: Any) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    return [(PATH, NewReportHandler, options), (WORD, WordHandler, options), (ARTICLE, ArticleHandler, options)]

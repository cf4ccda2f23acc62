"""The editor in the preview: /_edit/<form> shows a form for a source file, saves it, undoes it.

Only `build.py serve` has it, never `output/`. A request comes through the preview's own guard
(this machine's names only, `server.allowed_hosts`); a save or an undo must besides carry the
token made when this preview started (`Editor.token`, held in the server's context) and come from
a page of the preview itself (its Origin, or its Referer when a browser sends no Origin), else it
is refused with 403 and nothing is written. A page of another site open in the same browser can
therefore not change the sources. File names are the tool's own (`edit.forms.FORMS`); nothing in
a request names a file.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from tornado import web

from campaign.edit import check, forms, lists
from campaign.edit.page import EditorPages
from campaign.edit.source import SourceText
from campaign.edit.store import Conflict, Store, digest
from campaign.errors import ContentError, ContentProblem
from campaign.load.roundtrip import round_trip
from campaign.preview.session import Preview

Allowed = Callable[[web.RequestHandler, frozenset[str] | None], bool]  # the preview's Host check
PREFIX = "/_edit/"  # outside every site's sub-path: no page of the site has this address
PATTERN = r"/_edit/(?:([a-z]+)(/undo)?)?"
NEW_REPORT = PREFIX + "news"  # the new report's form; a report's own: /_edit/news/<slug> (`new_report`)
NEWS_PAGES = "news/"  # the pages of the reports: the list's form is a new report's


class Editor:
    """What the editor keeps while a preview runs: the token, the project's files, the pages."""

    def __init__(self, preview: Preview):
        self.preview = preview
        self.token = secrets.token_urlsafe(32)
        self.store = Store(preview.root)
        self.pages = EditorPages()
        self.after_save: Callable[[], None] = lambda: None  # the preview's rebuild, once it runs


def edit_link(page: str) -> bytes:
    """The 「编辑本页」 link put into every page the preview serves (never into `output/`)."""
    href = PREFIX + "?page=" + quote(page, safe="/")
    return (
        '<p style="position:fixed;right:1rem;bottom:1rem;margin:0;z-index:1000;">'
        f'<a href="{href}" style="display:inline-block;padding:0.5em 1em;background:#0b4f8a;color:#fff;'
        'border-radius:4px;font-weight:bold;">编辑本页</a></p>'
        # a page read in 大字模式 (reader.js's class) opens the form in large text too
        "<script>document.currentScript.previousElementSibling.firstChild.addEventListener('click',"
        "function(){if(document.documentElement.classList.contains('large-text'))this.search+='&large=1';});</script>"
    ).encode()


def with_edit_link(data: bytes, page: str) -> bytes:
    return data.replace(b"</body>", edit_link(page) + b"</body>", 1) if b"</body>" in data else data


class EditHandler(web.RequestHandler):
    def initialize(self, editor: Editor, allowed: Allowed, names: frozenset[str] | None = None) -> None:
        self.editor, self.allowed, self.names = editor, allowed, names

    def prepare(self) -> None:
        if self.names is None or not self.allowed(self, self.names):  # shared with others: no editing
            raise web.HTTPError(403)
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        # the page's own style only: no script (livereload's included: a reload would lose what
        # the clerk typed), forms sent only here, never shown in a frame
        self.set_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        )

    def check_xsrf_cookie(self) -> None:
        pass  # the token is checked in `_refuse_foreign`, against the preview's own

    # ------------------------------------------------------------------ requests

    def get(self, form_id: str | None, undo: str | None) -> None:
        page = self._page(self.get_query_argument("page", ""))
        form = self._form(form_id, page)
        if undo:
            raise web.HTTPError(405)
        done = self.get_query_argument("done", "")
        adding = self.get_query_argument("add", "")
        adding = adding if adding in forms.changeable_lists(form) else ""
        self._show(form, page, adding, undone=done == "undo", nothing=done == "nothing", moved=done == "moved")

    def post(self, form_id: str | None, undo: str | None) -> None:
        self._refuse_foreign()
        page = self._page(self.get_body_argument("_page", ""))
        form = self._form(form_id, page)
        expected = self.get_body_argument("_sha256", "")
        if undo:
            return self._undo(form, page, expected)
        values = {name: self.get_body_argument(name) for name in self.request.body_arguments if name[:1] != "_"}
        data = self.editor.store.read(form.file)
        if digest(data) != expected:
            return self._conflict(form, page, data, values)
        source, document = self._parsed(form, data)
        if source is None:
            return
        adding = self.get_body_argument("_add", "")
        adding = adding if adding in forms.changeable_lists(form) else ""
        shown = _groups(form, source, document, adding)
        inputs = [item for group in shown for item in group.inputs()]
        changed = forms.apply(document, inputs, values)
        body = _changed_body(source, values)
        move = self.get_body_argument("_move", "")
        rearranged = _rearrange(form, document, shown, values, adding, move)
        if not changed and not rearranged and body is None:
            return self._redirect_form(form, page, "nothing")
        yaml, out = round_trip(), io.StringIO()
        yaml.dump(document, out)
        new = source.encode(out.getvalue(), body)
        problems = check.problems_with(self.editor.preview.ctx, form.file, new)
        if problems:
            return self._invalid(form, page, out.getvalue(), values, problems, expected, adding)
        try:
            self.editor.store.save(form.file, expected, new)
        except Conflict as conflict:
            return self._conflict(form, page, conflict.current, values)
        self.editor.after_save()
        if move:
            return self._redirect_form(form, page, "moved")
        self.redirect(self._site_page(page), status=303)

    # ------------------------------------------------------------------ outcomes

    def _undo(self, form: forms.Form, page: str, expected: str) -> None:
        try:
            undone = self.editor.store.undo(form.file, expected)
        except Conflict as conflict:
            return self._conflict(form, page, conflict.current, {})
        if undone:
            self.editor.after_save()
        self._redirect_form(form, page, "undo" if undone else "nothing")

    def _conflict(self, form: forms.Form, page: str, data: bytes, values: dict[str, str]) -> None:
        source, document = self._parsed(form, data)
        if source is None:
            return
        shown = [forms.with_values(g, values, {}) for g in _groups(form, source, document)]
        disk = {item.name: item.value for g in _groups(form, source, document) for item in g.inputs()}
        rows = [
            {"label": item.declared.label + "（" + item.name + "）", "disk": disk[item.name], "yours": item.value}
            for g in shown
            for item in g.inputs()
            if forms.submitted(item.value) != forms.submitted(disk[item.name])
        ]
        self.set_status(409)
        self._render(
            form, page, shown, digest(data), conflict=rows or [{"label": "（全部内容）", "disk": "", "yours": ""}]
        )

    def _invalid(
        self,
        form: forms.Form,
        page: str,
        text: str,
        values: dict[str, str],
        problems: list[ContentProblem],
        expected: str,
        adding: str,
    ) -> None:
        written = round_trip().load(text)
        data = self.editor.store.read(form.file)
        source, document = self._parsed(form, data)
        if source is None:
            return
        lines = forms.key_lines(written, source.first_line)
        by_line: dict[int, list[str]] = {}
        for name, line in lines.items():
            by_line.setdefault(line, []).append(name)
        messages: dict[str, str] = {}
        loose = []
        body_line = source.first_line + text.count("\n") + 1 if source.page else 0
        # the inputs as in the changed text (an item moved or added is where the check found it)
        known = {item.name for g in _groups(form, source, written) for item in g.inputs()}
        for problem in problems:
            field = _field_of(problem, form.file, by_line, known)
            if field is None and body_line and problem.file == form.file and problem.line >= body_line:
                field = forms.BODY_NAME
            if field is None:
                loose.append(problem)
            else:
                messages[field] = (messages[field] + "；" if field in messages else "") + problem.message
        shown = [forms.with_values(g, values, messages) for g in _groups(form, source, document, adding)]
        self.set_status(422)
        self._render(form, page, shown, expected, problems=problems, loose=[_where(p) for p in loose], adding=adding)

    def _show(self, form: forms.Form, page: str, adding: str, **flags: Any) -> None:
        data = self.editor.store.read(form.file)
        source, document = self._parsed(form, data)
        if source is not None:
            self._render(form, page, _groups(form, source, document, adding), digest(data), adding=adding, **flags)

    def _parsed(self, form: forms.Form, data: bytes) -> tuple[SourceText | None, CommentedMap]:
        """The file's text and round-trip document; (None, {}) after saying why it cannot be edited."""
        try:
            source = SourceText(data, form.file)
            document = round_trip().load(source.yaml)
        except (ContentError, YAMLError) as exc:
            self.set_status(409)
            said = str(exc) if isinstance(exc, ContentError) else f"{form.file}：文件里有写法错误"
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(
                '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>无法编辑</title></head>'
                f"<body><main><h1>现在无法用表单编辑 {form.file}</h1><p>{web.escape.xhtml_escape(said)}</p>"
                "<p>请先用记事本按提示改好这个文件（预览里会显示哪一行有问题），再打开表单。</p></main></body></html>"
            )
            return None, CommentedMap()
        return source, document if isinstance(document, CommentedMap) else CommentedMap()

    def _render(self, form: forms.Form, page: str, groups: list[forms.Group], sha: str, **flags: Any) -> None:
        large = self._large()
        query = "?page=" + quote(page, safe="/") + ("&large=1" if large else "")
        others = [
            {"href": PREFIX + other.id + query, "title": other.title}
            for other in forms.forms_for(self._under_base(page))
            if other != form
        ]
        if self._under_base(page).startswith(NEWS_PAGES):
            others.insert(0, {"href": NEW_REPORT + query, "title": "新建一篇活动动态"})
        toggle = PREFIX + form.id + "?page=" + quote(page, safe="/") + ("" if large else "&large=1")
        adders = [
            {
                "href": f"{PREFIX}{form.id}{query}&add={key}#g-{key}-{sum(g.place is not None and g.place[0] == key for g in groups)}",
                "text": "添加一项" + name,
            }
            for key, name in forms.ITEM_NAMES.items()
            if key in forms.changeable_lists(form)
        ]
        html = self.editor.pages.form(
            form=form,
            groups=groups,
            sha256=sha,
            token=self.editor.token,
            page=page,
            large=large,
            back=self._site_page(page),
            toggle_large=toggle,
            others=others,
            action=PREFIX + form.id,
            undo_action=PREFIX + form.id + "/undo",
            can_undo=bool(self.editor.store.versions(form.file)),
            adders=adders,
            **flags,
        )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)

    def _redirect_form(self, form: forms.Form, page: str, done: str) -> None:
        large = "&large=1" if self._large() else ""
        self.redirect(f"{PREFIX}{form.id}?page={quote(page, safe='/')}&done={done}{large}", status=303)

    # ------------------------------------------------------------------ guards and addresses

    def _refuse_foreign(self) -> None:
        """403 unless the request carries this preview's token and comes from its own pages."""
        token = self.get_body_argument("_token", "")
        if not secrets.compare_digest(token.encode(), self.editor.token.encode()):
            raise web.HTTPError(403)
        host = self.request.headers.get("Host", "")
        origin = self.request.headers.get("Origin")
        if origin is None:
            referer = urlsplit(self.request.headers.get("Referer", ""))
            origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
        if origin != f"http://{host}":
            raise web.HTTPError(403)

    def _form(self, form_id: str | None, page: str) -> forms.Form:
        if form_id is None and self._under_base(page).startswith(NEWS_PAGES):
            # a report's own page: its form (`new_report.ArticleHandler`); the list: a new report's
            slug = self._under_base(page)[len(NEWS_PAGES) :].strip("/")
            site = self.editor.preview.site
            known = site is not None and any(item.slug == slug for item in site.news)
            large = "&large=1" if self._large() else ""
            self.redirect(NEW_REPORT + (f"/{slug}" if known else "") + "?page=" + quote(page, safe="/") + large)
            raise web.Finish
        if form_id is None:
            return forms.forms_for(self._under_base(page))[0]
        found = forms.FORMS.get(form_id)
        if found is None:
            raise web.HTTPError(404)
        return found

    def _page(self, page: str) -> str:
        """The page the editor was opened from: a path on this preview, or the site's home."""
        if not page.startswith("/") or page.startswith("//") or "\\" in page:
            return self.editor.preview.base_path
        return page

    def _under_base(self, page: str) -> str:
        base = self.editor.preview.base_path
        return page[len(base) :] if page.startswith(base) else ""

    def _site_page(self, page: str) -> str:
        return quote(page, safe="/%")

    def _large(self) -> bool:
        return self.get_argument("large", "") == "1" or self.get_argument("_large", "") == "1"


def _groups(form: forms.Form, source: SourceText, document: CommentedMap, adding: str = "") -> list[forms.Group]:
    return forms.groups(form, document, adding, source.body if source.page else None)


def _changed_body(source: SourceText, values: dict[str, str]) -> str | None:
    """A page's body as submitted, when it differs from the file's (None: left as it is)."""
    if not source.page or forms.BODY_NAME not in values:
        return None
    new = forms.submitted(values[forms.BODY_NAME])
    return None if new == forms.submitted(source.body) else new + "\n"


def _rearrange(
    form: forms.Form, document: CommentedMap, shown: list[forms.Group], values: dict[str, str], adding: str, move: str
) -> bool:
    """The item a 上移/下移/删除 button names moved or removed, the record being added appended;
    whether anything changed."""
    key, _, rest = move.partition(":")
    number_text, _, what = rest.partition(":")
    done = False
    for name in forms.changeable_lists(form):
        seq = document.get(name)
        if not isinstance(seq, CommentedSeq):
            continue
        order = list(range(len(seq)))
        if key == name and number_text.isdigit() and int(number_text) < len(seq):
            number = int(number_text)
            if what == "up" and number > 0:
                order[number - 1], order[number] = number, number - 1
            elif what == "down" and number < len(seq) - 1:
                order[number], order[number + 1] = number + 1, number
            elif what == "remove":
                order.remove(number)
        added = []
        if adding == name:
            empty = next(g for g in shown if g.name == f"{name}.{len(seq)}")
            first = seq[0] if seq and isinstance(seq[0], CommentedMap) else None
            item = forms.new_item(empty, values, first.lc.col if first is not None else 4)
            if item is not None:
                added.append(item)
        if order != list(range(len(seq))) or added:
            lists.rearrange(document, name, order, added)
            done = True
    return done


def _field_of(problem: ContentProblem, file: str, by_line: dict[int, list[str]], known: set[str]) -> str | None:
    """The input a problem of the build is about: the one whose key is on its line; for a problem
    at a record's line (a key missing, an id used twice) the key it quotes, or the record's first."""
    if problem.file != file:
        return None
    names = by_line.get(problem.line, [])
    records = [name for name in names if _record(name, known)]
    for record in records:
        for key in [problem.message.split("「", 1)[0], *_quoted(problem.message)]:
            if f"{record}.{key}" in known:  # the key it names: 「target「…」指向的…」, 「缺少「summary」」
                return f"{record}.{key}"
    for name in names:
        if name in known:
            return name
    for record in records:
        return next((item for item in sorted(known) if item.startswith(record + ".")), None)
    return None


def _record(name: str, known: set[str]) -> bool:
    return any(item.startswith(name + ".") for item in known)


def _quoted(message: str) -> list[str]:
    return [part.split("」", 1)[0] for part in message.split("「")[1:]]


def _where(problem: ContentProblem) -> dict[str, str]:
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    return {"where": where, "message": problem.message}


def handlers(editor: Editor, allowed: Allowed) -> list[tuple[str, type, dict[str, Any]]]:
    """The editor's routes, for the preview's web application (before the site's catch-all)."""
    from campaign.preview import new_report  # it builds on this module's handler

    options = {"editor": editor, "allowed": allowed}
    return [*new_report.handlers(**options), (PATTERN, EditHandler, options)]

"""`build.py serve`: the site at its production sub-path on 127.0.0.1, rebuilt on every save.

The preview serves the last good site from memory (`Preview.files`) and never reads or writes
`output/`: that folder is what `build` made for publishing, and must not get the preview's
127.0.0.1 addresses. A request path is only ever looked up in that dict, so `..`, encoded
traversal or a file someone put in `output/` can never reach the disk.

livereload supplies the browser side (a WebSocket and livereload.js, injected into every HTML
page). Saves are heard by `watch.SourceWatch` (watchfiles) in background threads, handed to
the tornado IOLoop, rebuilt there, and the browsers told to reload through livereload's
`LiveReloadHandler.reload_waiters`, the call behind its own /forcereload. livereload's polling
watcher (`Server.watch`, `LiveReloadHandler.start_tasks`) is not used: it stats every file
every 800 ms and drops a reload that comes within 3 s of the previous one, and a clerk fixing a
typo saves twice in a row.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import html
import logging
import mimetypes
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from livereload.watcher import Watcher
from tornado import escape, ioloop, web

from campaign.errors import ContentError
from campaign.preview import editor as editing
from campaign.preview.session import Outcome, Preview
from campaign.preview.watch import SourceWatch
from campaign.render.urls import campaign_path
from campaign.ship.write import Files, Stored

if TYPE_CHECKING:
    from campaign.preview.watch import Changes

WSAEADDRINUSE = 10048  # the port is in use, as Windows says it
ASSETS_CACHE = "max-age=31536000, immutable"  # hashed names: a changed asset gets a new name
TYPES = {  # the site's text types with their charset; anything else as `mimetypes` says
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


def run(root: Path, out: Path, host: str, port: int, say: Callable[[str], None] = print) -> int:
    """Serve until Ctrl+C (exit 0); 2 when the port is in use. `out` is not used: see above."""
    # livereload and tornado use calls newer Pythons deprecate: warnings on the clerk's console
    # about nothing they can change. Silenced while serving, and put back when the preview stops.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _serve(root, host, port, say)


def _serve(root: Path, host: str, port: int, say: Callable[[str], None]) -> int:
    for name in ("livereload", "tornado.access", "tornado.application", "tornado.general"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    watch = None
    try:
        origin = f"http://{_url_host(host)}:{port}"
        preview = Preview(root, origin)
        # the editor only where the preview answers this machine alone (see `allowed_hosts`)
        editor = editing.Editor(preview) if allowed_hosts(host, port) is not None else None
        server = PreviewServer(preview, editor)
        try:
            server.application(port, host, live_css=False)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, WSAEADDRINUSE):
                say(f"端口 {port} 已被占用：可能已经开着一个预览。请先关闭它，或换一个端口，如 --port {port + 1}")
                return 2
            raise
        loop = ioloop.IOLoop.current()
        rebuilds = Rebuilds(preview, say, loop, on_base_path=server.seen_base)
        if editor is not None:
            editor.after_save = rebuilds.rebuild  # a saved form shows at once, before the watcher hears it
        watch = SourceWatch(root, rebuilds.heard, loop.add_callback)
        watch.start()  # before the first build, so a save made during it is not missed
        first = preview.rebuild()
        server.seen_base(preview.base_path)
        say(f"预览地址：{origin}{preview.base_path}（按 Ctrl+C 停止）")
        for base in preview.archived or ():
            say(f"往届活动：{origin}{base}")
        if first.error is not None:
            _report(say, first)  # serve anyway: the page shows the error until it is fixed
        if sys.platform == "win32":
            # Windows' select() does not return for Ctrl+C, so the loop would only notice it
            # at the next request; a tick twice a second lets Python raise KeyboardInterrupt.
            ioloop.PeriodicCallback(lambda: None, 500).start()
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        if watch is not None:
            # Ctrl+C pressed twice: they are daemon threads, the process may end now
            with contextlib.suppress(KeyboardInterrupt):
                watch.stop()  # the watching threads notice within 50 ms
    say("已停止预览。")
    # The interpreter's last garbage collection would walk every object the preview kept (the
    # site, its pages, the parsed sources, the compiled templates): seconds on a busy machine
    # before the clerk's window is free again, for memory the process gives back anyway.
    gc.freeze()
    return 0


class Rebuilds:
    """Rebuilds once per batch of saves, in the IOLoop, and has the browsers reload."""

    def __init__(
        self,
        preview: Preview,
        say: Callable[[str], None],
        loop: ioloop.IOLoop,
        on_base_path: Callable[[str], None] | None = None,
        reload: Callable[[str], None] | None = None,
    ):
        self.preview, self.say, self.loop = preview, say, loop
        self.on_base_path = on_base_path  # told the site's sub-path after each rebuild shown
        self.reload = reload or LiveReloadHandler.reload_waiters
        self.scheduled = False

    def heard(self, changes: Changes, complete: bool = False) -> None:
        """A batch of saves (in the IOLoop): batches queued before the rebuild share it."""
        self.preview.heard(changes, complete)
        if not self.scheduled:
            self.scheduled = True
            self.loop.add_callback(self.rebuild)

    def rebuild(self) -> None:
        self.scheduled = False
        before = self.preview.error
        outcome = self.preview.rebuild()
        if outcome.error is None and before is None and not outcome.written:
            return  # an editor's second write of the same save: nothing to show
        if outcome.error is not None and before is not None and outcome.error.problems == before.problems:
            return  # the same mistake, already on screen and in the terminal
        if self.on_base_path is not None:
            self.on_base_path(self.preview.base_path)
        _report(self.say, outcome)
        self.reload("*")


class PreviewServer(Server):
    """livereload's server with the site, from memory, as its only web handler."""

    def __init__(self, preview: Preview, editor: editing.Editor | None = None):
        # livereload's own watcher is never started (see the module's docstring)
        super().__init__(watcher=Watcher())
        self.preview, self.editor = preview, editor
        self.old_bases: set[str] = set()
        self.current_base = preview.base_path

    def seen_base(self, base: str) -> None:
        """After a config edit moved the site, pages open at the old sub-path follow it."""
        if base != self.current_base and self.current_base != "/":
            self.old_bases.add(self.current_base)
        self.old_bases.discard(base)
        self.current_base = base

    def get_web_handlers(self, script):
        edit = editing.handlers(self.editor, _host_allowed) if self.editor is not None else []
        return [*edit, (r".*", SiteHandler, {"server": self})]

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        """livereload's application, with every request's Host and the WebSocket's Origin checked.

        A web page elsewhere can point its own name at 127.0.0.1 (DNS rebinding) and then read
        the preview, unpublished drafts included; only our own names are answered.
        """
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css
        names = allowed_hosts(host, port)
        guard = {"names": names}
        script = escape.utf8(LIVE_SCRIPT)

        class Transform(LiveScriptInjector):
            pass

        Transform.script = script
        handlers = [
            (r"/livereload", GuardedLiveReload, guard),
            (r"/livereload\.js", GuardedLiveReloadJS, guard),
            *[(pattern, handler, {**options, **guard}) for pattern, handler, options in self.get_web_handlers(script)],
        ]
        web.Application(handlers=handlers, transforms=[Transform]).listen(port, address=host)


# livereload's own snippet for a page served on the same port (see livereload.server)
LIVE_SCRIPT = (
    '<script type="text/javascript">(function(){var s=document.createElement("script");'
    "var port=(window.location.port || (window.location.protocol == 'https:' ? 443: 80));"
    's.src="//"+window.location.hostname+":"+port+ "/livereload.js?port=" + port;'
    "document.head.appendChild(s);})();</script>"
)


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host headers the preview answers: this machine's own names (None: any, when bound
    to an address others can reach, where the user chose to share it)."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return None
    return frozenset(f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]"))


def _host_allowed(handler: web.RequestHandler, names: frozenset[str] | None) -> bool:
    return names is None or handler.request.headers.get("Host", "") in names


class GuardedLiveReload(LiveReloadHandler):
    def initialize(self, names=None):
        self.names = names

    def prepare(self):
        if not _host_allowed(self, self.names):
            raise web.HTTPError(403)

    def check_origin(self, origin):
        host = urlsplit(origin).netloc
        return self.names is None and host == self.request.headers.get("Host") or host in (self.names or ())


class GuardedLiveReloadJS(LiveReloadJSHandler):
    def initialize(self, names=None):
        self.names = names

    def prepare(self):
        if not _host_allowed(self, self.names):
            raise web.HTTPError(403)


class SiteHandler(web.RequestHandler):
    """Every request but livereload's own: `/` to the site, the site under its sub-path, 404 else."""

    def initialize(self, server: PreviewServer, names: frozenset[str] | None = None) -> None:
        self.server, self.preview, self.names = server, server.preview, names

    def prepare(self):
        if not _host_allowed(self, self.names):
            raise web.HTTPError(403)

    def compute_etag(self):
        return None  # pages are never cached; assets are cached by name

    def head(self):
        self.get()  # tornado sends the headers only

    def get(self):
        raw = self.request.path  # still percent-encoded
        base = self.preview.base_path
        top = campaign_path(base)  # the campaign's own address leads to the current edition
        if base != "/" and (raw == "/" or raw in (top, top.rstrip("/"))) or raw + "/" == base:
            return self._redirect(base)
        editions = self.preview.archived or {}
        archived = next((b for b in editions if raw.startswith(b) or raw + "/" == b), None)
        if archived is not None:
            return self._serve(raw, archived, editions[archived])
        if not raw.startswith(base):
            old = next(
                (
                    b
                    for b in sorted(self.server.old_bases, key=len, reverse=True)
                    if raw.startswith(b) or raw + "/" == b
                ),
                None,
            )
            if old is not None:
                return self._redirect(base + raw[len(old) :])
            raise web.HTTPError(404)
        if self.preview.error is not None and _is_page(raw):
            self.set_status(500)
            return self._send("index.html", error_page(self.preview.error).encode("utf-8"))
        self._serve(raw, base, self.preview.files)

    def _serve(self, raw: str, base: str, files: Files) -> None:
        """The file at `raw` (still percent-encoded) of the edition served at `base`."""
        if raw + "/" == base:
            return self._redirect(base)
        try:
            path = unquote(raw[len(base) :], encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise web.HTTPError(404) from None
        if not _safe(path):
            raise web.HTTPError(403)
        name = path + "index.html" if path == "" or path.endswith("/") else path
        data = files.get(name)
        if data is None:
            if files.get(path + "/index.html") is not None:  # a folder without its slash
                return self._redirect(raw + "/")
            raise web.HTTPError(404)
        if isinstance(data, Stored):  # not reached: a preview renders in memory, it leaves no file on disk
            raise web.HTTPError(500)
        if self.server.editor is not None and base == self.preview.base_path and name.endswith(".html"):
            data = editing.with_edit_link(data, raw)  # the preview's pages only: output/ never has it
        self._send(name, data)

    def _send(self, name: str, data: bytes) -> None:
        self.set_header("Content-Type", _content_type(name))
        self.set_header("Cache-Control", ASSETS_CACHE if name.startswith("assets/") else "no-store")
        self.finish(data)

    def _redirect(self, url: str) -> None:
        self.set_header("Cache-Control", "no-store")  # the sub-path can change with config.yaml
        self.redirect(url)

    def write_error(self, status_code, **kwargs):
        page = self.preview.files.get("404.html") if status_code == 404 else None
        if not isinstance(page, bytes):  # none (or, never in a preview, one left on disk)
            page = (
                f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>{status_code}</title></head><body><h1>{status_code}</h1></body></html>"
            ).encode()
        self._send("404.html", page)


def _safe(path: str) -> bool:
    """No `..` or `.` segment, no backslash (a Windows separator) and no NUL, once decoded."""
    return not ("\\" in path or "\0" in path or any(part in (".", "..") for part in path.split("/")))


def _is_page(path: str) -> bool:
    return path == "" or path.endswith("/") or path.endswith(".html")


def _content_type(name: str) -> str:
    suffix = name[name.rfind(".") :].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _report(say: Callable[[str], None], outcome: Outcome) -> None:
    if outcome.error is not None:
        say(f"构建失败：发现 {len(outcome.error.problems)} 处问题（浏览器里显示同样的内容）：")
        say(str(outcome.error))
    else:
        say(
            f"已更新：重新生成 {len(outcome.rendered)} 个文件，{len(outcome.written)} 个文件有变化"
            f"（用时 {outcome.seconds:.2f} 秒）"
        )


_QUOTED = re.compile("「([^「」]*)」")
# In most fonts 「：」 and 「:」 look alike; quoted source text names which is which.
_COLONS = {"：": "：<sup>（全角）</sup>", ":": ":<sup>（半角）</sup>"}


def _shown(message: str) -> str:
    """A message as HTML: what it quotes from the file in <code>, each colon there named 全角 or 半角."""
    parts = _QUOTED.split(message)  # text, quoted, text, quoted, ..., text
    shown = []
    for number, part in enumerate(parts):
        if number % 2:
            shown.append("「<code>" + "".join(_COLONS.get(ch, html.escape(ch)) for ch in part) + "</code>」")
        else:
            shown.append(html.escape(part))
    return "".join(shown)


def error_page(error: ContentError) -> str:
    """The build error, as the terminal shows it, in a page that reloads once it is fixed."""
    items = "".join(
        f"<li><code>{html.escape(p.file)}{':' + str(p.line) if p.line else ''}</code> {_shown(p.message)}</li>"
        for p in error.problems
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>构建失败</title></head><body style="font: 18px/1.7 sans-serif; margin: 2rem;">'
        f"<h1>构建失败：发现 {len(error.problems)} 处问题</h1>"
        "<p>请按提示修改文件并保存，本页会自动刷新。</p>"
        f'<ol class="build-errors">{items}</ol></body></html>'
    )

"""`build.py serve`: the site at its production sub-path on 127.0.0.1, rebuilt on every save.

livereload supplies the browser side (a WebSocket and livereload.js); the rest is ours:
serving only `output/` (no `..`, no symlink out of it), showing a build error in the page
instead of a stale site, and reloading on every save (livereload ignores a change that comes
within 3 s of the last reload, and a clerk fixing a typo saves twice in a row).
"""

from __future__ import annotations

import errno
import html
import logging
import os

import warnings
from pathlib import Path

from campaign.preview.session import Outcome, Preview
from campaign.preview.watch import open_watch

WATCHED = ("config.yaml", "content", "templates")
POLL_MS = 100  # without inotify
SAFETY_POLL_MS = 2000  # with inotify: only for what it cannot see (e.g. network drives)
SETTLE_S = 0.02


def run(root: Path, out: Path, host: str, port: int, say=print) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado import ioloop, web

    for name in ("livereload", "tornado.access", "tornado.application", "tornado.general"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0  # every save reloads, however soon after the last

    base_path = _base_path(root)
    site_url = f"http://{_url_host(host)}:{port}{base_path}"
    preview = Preview(root, out, site_url)
    first = preview.rebuild()
    if first.error is not None:
        _report(say, first)  # serve anyway: the page shows the error until it is fixed
    watcher = _Watcher(root, preview, say)
    handler = _site_handler(web, preview, out)

    class _Server(Server):
        def get_web_handlers(self, script):
            return [(r"/", web.RedirectHandler, {"url": base_path}),
                    (rf"{base_path}(.*)", handler, {"path": str(out)}),
                    (r"/(.*)", handler, {"path": None})]

    server = _Server(watcher=watcher)
    try:
        server.application(port, host, live_css=False)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            say(f"端口 {port} 已被占用：可能已经开着一个预览。请先关闭它，或换一个端口，如 --port {port + 1}")
            return 2
        raise
    say(f"预览地址：{site_url}（按 Ctrl+C 停止）")
    LiveReloadHandler.start_tasks()
    loop = ioloop.IOLoop.current()
    try:
        loop.start()
    except KeyboardInterrupt:
        say("已停止预览。")
    return 0


def _base_path(root: Path) -> str:
    from campaign.pipeline import load
    from campaign.errors import ContentError
    try:
        return load(root).config.base_path
    except ContentError:
        return "/"  # the page will show the error; the path is right once config.yaml loads


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _report(say, outcome: Outcome) -> None:
    if outcome.error is not None:
        say(f"构建失败：发现 {len(outcome.error.problems)} 处问题（浏览器里显示同样的内容）：")
        say(str(outcome.error))
    else:
        say(f"已更新：重新生成 {len(outcome.rendered)} 个文件，写入 {len(outcome.written)} 个"
            f"（用时 {outcome.seconds:.2f} 秒）")


class _Watcher:
    """Polls the content for saves and rebuilds once per save (stat only, so it stays cheap)."""

    def __init__(self, root: Path, preview: Preview, say):
        self.root, self.preview, self.say = root, preview, say
        self.filepath = None
        self._tasks = {"content": True}  # livereload only checks that something is watched
        self._changes: list = []
        self.heard = False  # inotify reported a save not yet rebuilt
        self.stamps = self._scan()

    def _restamp(self) -> None:
        self.stamps = self._scan()

    def _scan(self) -> dict:
        stamps = {}
        for name in WATCHED:
            top = self.root / name
            if top.is_file():
                stat = top.stat()
                stamps[name] = (stat.st_mtime_ns, stat.st_size)
                continue
            for folder, dirs, files in os.walk(top):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for file in files:
                    if not file.startswith(".") and not file.endswith("~"):
                        path = os.path.join(folder, file)
                        try:
                            stat = os.stat(path)
                        except OSError:
                            continue
                        stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def start(self, callback) -> bool:
        """Rebuild as soon as inotify reports a save; poll as well, slowly, as a safety net."""
        from tornado import ioloop
        loop = ioloop.IOLoop.current()
        watch = open_watch(self.root, [self.root / "content", self.root / "templates"])
        if watch is None:
            ioloop.PeriodicCallback(callback, POLL_MS).start()
            return True

        def on_event(fd, events):
            if watch.drain() and not self.heard:
                self.heard = True
                loop.call_later(SETTLE_S, callback)  # let the editor finish writing the file

        loop.add_handler(watch.fileno(), on_event, ioloop.IOLoop.READ)
        ioloop.PeriodicCallback(callback, SAFETY_POLL_MS).start()
        return True

    def watch(self, *args, **kwargs) -> None:
        pass

    def examine(self):
        """A save inotify reported rebuilds at once; otherwise compare every file's stamp."""
        if self.heard:
            self.heard = False
            from tornado import ioloop
            # the stamps are brought up to date after the browser has its reload
            ioloop.IOLoop.current().call_later(0.5, self._restamp)
        else:
            stamps = self._scan()
            if stamps == self.stamps:
                return None, None
            self.stamps = stamps
        before = self.preview.error
        outcome = self.preview.rebuild()
        if not outcome.written and (outcome.error or before) is None:
            return None, None  # an editor's second write of the same save: nothing to show
        if outcome.error is not None and before is not None and outcome.error.problems == before.problems:
            return None, None  # the same mistake, already on screen and in the terminal
        _report(self.say, outcome)
        self.filepath = "*"
        return "*", None


def _site_handler(web, preview: Preview, out: Path):
    class SiteHandler(web.StaticFileHandler):
        """Static files from `output/` only, never cached, with the build error in their place."""

        def initialize(self, path):
            super().initialize(path=path or str(out), default_filename="index.html")
            self.outside_base = path is None

        async def get(self, path, include_body=True):
            if self.outside_base:
                raise web.HTTPError(404)
            if preview.error is not None and _is_page(path):
                self.set_status(500)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(error_page(preview.error))
                return
            await super().get(path, include_body)

        def validate_absolute_path(self, root, absolute_path):
            real_root = os.path.realpath(root)
            real = os.path.realpath(absolute_path)
            if real != real_root and not real.startswith(real_root + os.sep):
                raise web.HTTPError(403)
            return super().validate_absolute_path(root, absolute_path)

        def should_return_304(self):
            return False

        def set_extra_headers(self, path):
            # pages never stale; hashed assets change name when they change, so a reload
            # after a save fetches only the page
            immutable = path.startswith("assets/")
            self.set_header("Cache-Control", "max-age=31536000, immutable" if immutable else "no-store")

        def write_error(self, status_code, **kwargs):
            page = out / "404.html"
            if status_code == 404 and page.is_file():
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(page.read_bytes())
            else:
                self.finish(f"<!DOCTYPE html><html lang=\"zh-CN\"><head><title>{status_code}</title>"
                            f"</head><body><h1>{status_code}</h1></body></html>")

    return SiteHandler


def _is_page(path: str) -> bool:
    return path == "" or path.endswith("/") or path.endswith(".html")


def error_page(error) -> str:
    """The build error, as the terminal shows it, in a page that reloads once it is fixed."""
    items = "".join(f"<li><code>{html.escape(p.file)}{':' + str(p.line) if p.line else ''}</code> "
                    f"{html.escape(p.message)}</li>" for p in error.problems)
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>构建失败</title></head><body style=\"font: 18px/1.7 sans-serif; margin: 2rem;\">"
            f"<h1>构建失败：发现 {len(error.problems)} 处问题</h1>"
            "<p>请按提示修改文件并保存，本页会自动刷新。</p>"
            f"<ol class=\"build-errors\">{items}</ol></body></html>")




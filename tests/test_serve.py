"""The live preview: a real browser sees every save, errors in the page, the site served from
memory only (never from or into output/), and a save re-renders only what shows the changed
content. Every test works on a throw-away copy of the project."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import REPO
from sitecopy import copy_site, run_build

BASE = "/jnxcz/2024/"
WAIT_MS = 30_000  # for the browser: generous, a loaded 2-core machine runs several builds at once
WAIT_S = WAIT_MS / 1000
STOP_S = 5  # Ctrl+C stops the preview within a second when idle, within this on a loaded machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_project(folder):
    return copy_site(folder)


class Serving:
    """`build.py serve` on a project copy; what it prints is collected as it comes."""

    def __init__(self, root, port, env=None):
        self.root, self.port = root, port
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--root", str(root), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            cwd=str(root.parent),
            env={**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})},
        )
        self.lines: list[str] = []
        line = self.process.stdout.readline()
        self.lines.append(line)
        assert "预览地址" in line, line
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.origin = f"http://127.0.0.1:{port}"
        self.url = self.origin + BASE

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def stop(self) -> str:
        """Ctrl+C; everything the preview printed. It must end by itself, with exit code 0,
        within STOP_S; if not, the test fails with the stack of each of its threads."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack
            self.process.wait(timeout=60)
            self.reader.join(timeout=10)
            raise AssertionError(
                f"the preview did not stop within {STOP_S} s of Ctrl+C:\n" + "".join(self.lines)
            ) from None
        self.reader.join(timeout=STOP_S)
        output = "".join(self.lines)
        assert self.process.returncode == 0, output
        return output


@pytest.fixture(params=["native", "polling"])
def serving(tmp_path, request):
    root = copy_project(tmp_path / "project")
    server = Serving(root, free_port(), {"JNXCZ_POLL": "1"} if request.param == "polling" else {})
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=60)


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_by_replacing(path, old, new):
    """Save as many editors do: write a new file beside it, then rename it over the old one."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    temporary = path.with_name(path.name + ".tmp~")
    temporary.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(temporary, path)


def open_page(browser, url):
    tab = browser.new_page()
    tab.goto(url)
    connected(tab)
    return tab


def connected(tab) -> None:
    """Until the page's livereload.js has connected. A save before that is not shown: a page
    (re)loaded just then misses the reload. A person is never that quick; a test is."""
    tab.wait_for_function(
        "window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 7", timeout=WAIT_MS
    )


def get(port: int, raw_path: str):
    """(status, headers, body) for `raw_path` sent exactly as written (no normalising)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def eventually(check, timeout=WAIT_S):
    """Wait until `check()` is true (the preview hears a save in milliseconds; this is slack)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the preview did not show the save in time"
        time.sleep(0.05)


def test_a_saved_edit_shows_in_the_open_page(serving, browser):
    tab = open_page(browser, serving.url + "pledges/")
    title = tab.locator("h1")
    before = title.inner_text()
    pledges = serving.root / "content" / "pledges.yaml"
    edit(pledges, f"title: {before}", "title: 低碳日倡议（已修改）")
    tab.wait_for_function("document.querySelector('h1').innerText.includes('已修改')", timeout=WAIT_MS)
    connected(tab)
    # and a second save right after the first is shown too (livereload would ignore it)
    edit(pledges, "title: 低碳日倡议（已修改）", "title: 低碳日倡议（再次修改）")
    tab.wait_for_function("document.querySelector('h1').innerText.includes('再次修改')", timeout=WAIT_MS)
    tab.close()


def test_a_broken_edit_shows_the_error_then_recovers(serving, browser):
    tab = open_page(browser, serving.url + "quiz/")
    good = tab.locator("h1").inner_text()
    quiz = serving.root / "content" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.split("\n"), 1) if t.startswith("title:"))
    edit(quiz, "title:", "title：")
    tab.wait_for_selector(".build-errors", timeout=WAIT_MS)
    shown = tab.locator(".build-errors").inner_text()
    assert f"content/quiz.yaml:{line}" in shown
    # the two colons look alike in most fonts: the page names which is which
    assert "「title」后面的冒号是中文全角「：（全角）」，请改为英文半角冒号「:（半角）」，冒号后再加一个空格" in shown
    connected(tab)
    quiz.write_text(text, encoding="utf-8")
    tab.wait_for_function(
        f"document.querySelector('h1') && document.querySelector('h1').innerText === {good!r}", timeout=WAIT_MS
    )
    tab.close()
    output = serving.stop()
    assert output.count(f"content/quiz.yaml:{line}") == 1, "the terminal says it once per save"
    assert "已停止预览" in output
    assert "Traceback" not in output and "Warning" not in output


def test_a_preview_started_on_a_broken_site_shows_the_error_then_the_site(tmp_path):
    """Before config.yaml has ever loaded, the site's sub-path is unknown: the preview starts
    at `/`, shows the error there (500), and moves to the sub-path once the error is fixed."""
    root = copy_project(tmp_path / "project")
    quiz = root / "content" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    edit(quiz, "title:", "title：")
    serving = Serving(root, free_port())
    try:
        assert serving.lines[0].startswith(f"预览地址：{serving.origin}/（按 Ctrl+C 停止）")
        status, headers, body = get(serving.port, "/")
        assert status == 500 and headers["Cache-Control"] == "no-store"
        assert b"build-errors" in body and "content/quiz.yaml" in body.decode("utf-8")
        quiz.write_text(text, encoding="utf-8")
        eventually(lambda: get(serving.port, BASE + "quiz/")[0] == 200)
        assert get(serving.port, "/")[1]["Location"] == BASE
        output = serving.stop()
        assert "构建失败" in output and "已更新" in output and "Traceback" not in output
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
            serving.process.wait(timeout=60)


def test_config_saved_by_replacing_the_file_moves_the_site_every_time(serving):
    """An editor that renames a new file over config.yaml is heard on every save, and the
    preview follows the site's sub-path: `/` and the old sub-path lead to the new one."""
    config = serving.root / "config.yaml"
    edit_by_replacing(config, "/jnxcz/2024/", "/jnxcz/2025/")
    eventually(lambda: get(serving.port, "/jnxcz/2025/quiz/")[0] == 200)
    status, headers, _ = get(serving.port, "/")
    assert status == 302 and headers["Location"] == "/jnxcz/2025/"
    status, headers, _ = get(serving.port, BASE + "quiz/")
    assert status == 302 and headers["Location"] == "/jnxcz/2025/quiz/"
    edit_by_replacing(config, "/jnxcz/2025/", "/jnxcz/2026/")  # the second save by rename too
    eventually(lambda: get(serving.port, "/jnxcz/2026/")[0] == 200)
    assert get(serving.port, "/jnxcz/2025/")[1]["Location"] == "/jnxcz/2026/"
    assert "已停止预览" in serving.stop()


@pytest.mark.parametrize(
    "raw",
    [
        BASE + "../../etc/passwd",
        BASE + "%2e%2e/%2e%2e/etc/passwd",
        BASE + "..%2f..%2fetc%2fpasswd",
        BASE + "%2E%2E/config.yaml",
        "/../config.yaml",
        BASE + "..%5c..%5cconfig.yaml",
        BASE + "../config.yaml",
        BASE + "%2e%2e/config.yaml",
        BASE + "assets/..%2f..%2fconfig.yaml",
        BASE + "%2e%2e%2fcontent%2fquiz.yaml",
        BASE + "%00index.html",
        BASE + "%ff",
    ],
)
def test_paths_out_of_the_site_are_refused(serving, raw):
    status, _, body = get(serving.port, raw)
    assert status in (400, 403, 404)
    assert b"base_url" not in body and b"root:" not in body
    assert get(serving.port, BASE)[0] == 200


def test_files_in_output_are_never_served(serving):
    """The preview serves its own rendering from memory: what anyone puts in output/ (a page, a
    secret, a link out of the project) is not seen, not even at the path of a real page."""
    out = serving.root / "output"
    (out / "quiz").mkdir(parents=True)
    (out / "secret.txt").write_text("内部资料", encoding="utf-8")
    (out / "quiz" / "index.html").write_text("<html><head></head><body>陈旧页面</body></html>", encoding="utf-8")
    os.symlink(serving.root / "config.yaml", out / "leak.txt")
    os.symlink(serving.root, out / "leakdir")
    assert get(serving.port, BASE + "secret.txt")[0] == 404
    assert get(serving.port, BASE + "leak.txt")[0] == 404
    assert get(serving.port, BASE + "leakdir/config.yaml")[0] == 404
    status, _, body = get(serving.port, BASE + "quiz/")
    assert status == 200 and "陈旧页面" not in body.decode("utf-8")


def test_the_preview_never_writes_output(serving):
    """A preview session with a save leaves no output/: that folder is for publishing, and must
    not get the preview's 127.0.0.1 addresses."""
    pledges = serving.root / "content" / "pledges.yaml"
    edit(pledges, "title: ", "title: 预览测试")
    eventually(lambda: "预览测试" in get(serving.port, BASE + "pledges/")[2].decode("utf-8"))
    output = serving.stop()
    assert "已停止预览" in output and "Traceback" not in output
    assert not (serving.root / "output").exists()
    assert {p.name for p in serving.root.iterdir()} - {".cache"} == {"config.yaml", "content", "templates"}


def test_pages_headers_and_the_go_redirect_are_the_previews(serving):
    """Pages are never cached, hashed assets are, the 404 page is the site's own, and a poster's
    go/ address leads to the page in this preview (not to the production server)."""
    status, headers, body = get(serving.port, BASE)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"].startswith("text/html") and b"livereload.js" in body
    css = re.search(r'href="(assets/style\.[0-9a-f]+\.css)"', body.decode("utf-8")).group(1)
    status, headers, _ = get(serving.port, BASE + css)
    assert status == 200 and headers["Cache-Control"] == "max-age=31536000, immutable"
    assert headers["Content-Type"].startswith("text/css")
    status, headers, body = get(serving.port, BASE + "no-such-page/")
    assert status == 404 and headers["Cache-Control"] == "no-store" and "</html>" in body.decode("utf-8")
    status, headers, _ = get(serving.port, "/")
    assert status == 302 and headers["Location"] == BASE
    status, _, body = get(serving.port, BASE + "go/quiz/")
    assert status == 200
    assert f'url={serving.url}quiz/"' in body.decode("utf-8")


def test_a_port_in_use_gets_a_clear_message(serving):
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "serve", "--root", str(serving.root), "--port", str(serving.port)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 2
    assert f"端口 {serving.port} 已被占用" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_editing_one_news_page_rerenders_only_what_shows_it(tmp_path, monkeypatch):
    from campaign.preview.session import Preview

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1715738400")  # a fixed clock: only the edit changes
    root = copy_project(tmp_path / "project")
    news = root / "content" / "news"
    for n in range(1, 13):  # enough reports for two list pages
        (news / f"2024-05-{n:02d}-report-{n}.md").write_text(
            f"---\ntitle: 第{n}篇报道\ndate: 2024-05-{n:02d}\nsource: 某单位\n---\n正文{n}。\n", encoding="utf-8"
        )
    preview = Preview(root, "http://127.0.0.1:8000")
    first = preview.rebuild()
    assert first.error is None and len(first.rendered) > 30
    assert preview.base_path == BASE
    assert preview.rebuild().rendered == frozenset()  # nothing changed, nothing rendered

    edit(news / "2024-05-02-report-2.md", "正文2。", "正文2，补充了一句。")
    outcome = preview.rebuild()
    assert outcome.error is None
    # the search index: its list of pages (rendered, unchanged: the title is the same), the part
    # with the report's text and the one part of words a small site has
    index = {"search/texts-003.js", "search/grams-00.js"}
    listed = {"news/2024-05-02-report-2/index.html", "news/page/2/index.html", "feed.xml", "search/pages.js"}
    assert outcome.rendered == listed | index
    assert outcome.written == {"news/2024-05-02-report-2/index.html", "feed.xml", *index}
    page = preview.files["news/2024-05-02-report-2/index.html"].decode("utf-8")
    assert "补充了一句" in page

    edit(news / "2024-05-12-report-12.md", "title: 第12篇报道", "title: 第12篇报道（更正）")
    outcome = preview.rebuild()
    assert {"index.html", "news/index.html", "news/2024-05-12-report-12/index.html"} <= outcome.rendered
    assert not any(p.startswith("events/") or p.startswith("schedule/") for p in outcome.rendered)
    assert "第12篇报道（更正）" in preview.files["index.html"].decode("utf-8")
    assert not (root / "output").exists()


def test_incremental_preview_matches_a_full_build(tmp_path, monkeypatch):
    """After a series of edits, the preview's site equals a clean build of the same content."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1715738400")  # one clock for both builds
    from campaign import pipeline
    from campaign.context import make_context
    from campaign.preview.session import Preview

    root = copy_project(tmp_path / "project")
    preview = Preview(root, "http://127.0.0.1:8000")
    preview.rebuild()
    edits = [
        ("content/schedule.yaml", "place: 重庆市荣昌区", "place: 重庆市荣昌区（主会场）"),
        ("content/livestreams.yaml", "platform: 新华网", "platform: 新华网客户端"),
        ("content/campaign.yaml", "ongoing:", "ongoing:\n  - 新增的一项持续工作"),
        ("config.yaml", "news_per_page: 10", "news_per_page: 5"),
        ("config.yaml", "hide_empty_sections: 否", "hide_empty_sections: 是"),
    ]
    for name, old, new in edits:
        edit(root / name, old, new)
        assert preview.rebuild().error is None
    for news in (root / "content/news").glob("*.md"):  # the last report goes: 活动动态 leaves the menu
        news.unlink()
    assert preview.rebuild().error is None
    assert "活动动态" not in preview.files["schedule/index.html"].decode("utf-8")
    full = pipeline.make_site(make_context(root, disk_cache=False), "http://127.0.0.1:8000" + BASE, pdf=False)
    assert preview.files == full.editions[-1].files
    assert not (root / "output").exists()


def _request(port: int, path: str, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


WEBSOCKET = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def test_only_this_machines_names_are_answered(serving):
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) reads nothing."""
    port = serving.port
    for name in ("127.0.0.1", "localhost", "[::1]"):
        assert _request(port, BASE, {"Host": f"{name}:{port}"}) == 200
    for path in (BASE, BASE + "news/", "/livereload.js", "/"):
        assert _request(port, path, {"Host": f"rebind.example:{port}"}) == 403
    own = {"Host": f"127.0.0.1:{port}", **WEBSOCKET}
    assert _request(port, "/livereload", {**own, "Origin": f"http://rebind.example:{port}"}) == 403
    assert _request(port, "/livereload", {**own, "Origin": f"http://localhost:{port}"}) == 101


def test_the_preview_serves_every_edition_at_its_production_path(tmp_path):
    """After `new-edition`, the real preview server: /jnxcz/ to this year's, last year's beside it."""
    root = copy_project(tmp_path / "project")
    assert run_build(root, "new-edition", "2025").returncode == 0
    serving = Serving(root, free_port())
    try:
        assert serving.lines[0].startswith(f"预览地址：{serving.origin}/jnxcz/2025/（按 Ctrl+C 停止）")
        for raw in ("/", "/jnxcz/", "/jnxcz"):
            status, headers, _ = get(serving.port, raw)
            assert (status, headers["Location"]) == (302, "/jnxcz/2025/"), raw
        status, _, body = get(serving.port, "/jnxcz/2024/go/schedule/")
        page = body.decode("utf-8")
        assert status == 200 and f'content="0; url={serving.origin}/jnxcz/2024/schedule/"' in page
        assert '<a href="../../../2025/">江北区公共机构2025年全国节能宣传周和全国低碳日活动</a>' in page
        status, headers, _ = get(serving.port, "/jnxcz/2024")
        assert (status, headers["Location"]) == (302, "/jnxcz/2024/")
        assert get(serving.port, "/jnxcz/2025/")[0] == 200
        assert get(serving.port, "/jnxcz/2023/")[0] == 404
        assert f"往届活动：{serving.origin}/jnxcz/2024/\n" in serving.stop()
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
            serving.process.wait(timeout=60)


def test_the_error_page_names_each_quoted_colon_and_escapes_the_rest():
    from campaign.errors import ContentError, ContentProblem
    from campaign.preview.server import error_page

    message = "「source:重庆市」后面少了一个空格：请写成「source: 重庆市<b>」"
    page = error_page(ContentError([ContentProblem("content/news/a.md", 3, message)]))
    assert (
        "<li><code>content/news/a.md:3</code> 「<code>source:<sup>（半角）</sup>重庆市</code>」后面少了一个空格："
        "请写成「<code>source:<sup>（半角）</sup> 重庆市&lt;b&gt;</code>」</li>"
    ) in page

"""The live preview: a real browser sees every save, errors in the page, nothing served from
outside output/, and a save re-renders only what shows the changed content."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys

import pytest

from conftest import REPO
from sitecopy import copy_site

BASE = "/jnxcz/2024/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_project(folder):
    return copy_site(folder)


class Serving:
    def __init__(self, root, port, env=None):
        self.root, self.port = root, port
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--root", str(root), "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
            env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        line = self.process.stdout.readline()
        self.lines.append(line)
        assert "预览地址" in line, line
        self.url = f"http://127.0.0.1:{port}{BASE}"

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=15)
        return "".join(self.lines) + rest


@pytest.fixture(params=["inotify", "polling"])
def serving(tmp_path, request):
    root = copy_project(tmp_path / "project")
    server = Serving(root, free_port(), {"JNXCZ_POLL": "1"} if request.param == "polling" else {})
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_edit_shows_in_the_open_page(serving, browser):
    tab = browser.new_page()
    tab.goto(serving.url + "pledges/")
    title = tab.locator("h1")
    before = title.inner_text()
    tab.evaluate("window.__not_reloaded_by_the_test = true")
    pledges = serving.root / "content" / "pledges.yaml"
    edit(pledges, f"title: {before}", "title: 低碳日倡议（已修改）")
    tab.wait_for_function("document.querySelector('h1').innerText.includes('已修改')", timeout=15000)
    # and a second save right after the first is shown too (livereload would ignore it)
    edit(pledges, "title: 低碳日倡议（已修改）", "title: 低碳日倡议（再次修改）")
    tab.wait_for_function("document.querySelector('h1').innerText.includes('再次修改')", timeout=15000)
    tab.close()


def test_a_broken_edit_shows_the_error_then_recovers(serving, browser):
    tab = browser.new_page()
    tab.goto(serving.url + "quiz/")
    good = tab.locator("h1").inner_text()
    quiz = serving.root / "content" / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.split("\n"), 1) if t.startswith("title:"))
    edit(quiz, "title:", "title：")
    tab.wait_for_selector(".build-errors", timeout=15000)
    shown = tab.locator(".build-errors").inner_text()
    assert f"content/quiz.yaml:{line}" in shown and "全角" in shown
    quiz.write_text(text, encoding="utf-8")
    tab.wait_for_function(f"document.querySelector('h1') && document.querySelector('h1').innerText === {good!r}",
                          timeout=15000)
    output = serving.stop()
    assert output.count(f"content/quiz.yaml:{line}") == 1, "the terminal says it once per save"
    assert "已停止预览" in output
    assert "Traceback" not in output and "Warning" not in output
    tab.close()


def _status(port: int, raw_path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", raw_path, skip_accept_encoding=True)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize("raw", [
    BASE + "../../etc/passwd", BASE + "%2e%2e/%2e%2e/etc/passwd", BASE + "..%2f..%2fetc%2fpasswd",
    BASE + "%2E%2E/config.yaml", "/../config.yaml", BASE + "..%5c..%5cconfig.yaml",
])
def test_paths_out_of_the_site_are_refused(serving, raw):
    assert _status(serving.port, raw) in (400, 403, 404)
    assert _status(serving.port, BASE) == 200


def test_a_symlink_out_of_the_site_is_refused(serving):
    secret = serving.root / "secret.txt"
    secret.write_text("内部资料", encoding="utf-8")
    os.symlink(secret, serving.root / "output" / "leak.txt")
    os.symlink(serving.root, serving.root / "output" / "leakdir")
    assert _status(serving.port, BASE + "leak.txt") == 403
    assert _status(serving.port, BASE + "leakdir/config.yaml") == 403


def test_a_port_in_use_gets_a_clear_message(serving):
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root",
                             str(serving.root), "--port", str(serving.port)],
                            capture_output=True, text=True, encoding="utf-8", timeout=30)
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
            f"---\ntitle: 第{n}篇报道\ndate: 2024-05-{n:02d}\nsource: 某单位\n---\n正文{n}。\n",
            encoding="utf-8")
    preview = Preview(root, root / "output", "http://127.0.0.1:8000" + BASE)
    first = preview.rebuild()
    assert first.error is None and len(first.rendered) > 30
    assert preview.rebuild().rendered == frozenset()  # nothing changed, nothing rendered

    edit(news / "2024-05-02-report-2.md", "正文2。", "正文2，补充了一句。")
    outcome = preview.rebuild()
    assert outcome.error is None
    assert outcome.rendered == {"news/2024-05-02-report-2/index.html", "news/page/2/index.html",
                                "feed.xml"}
    assert outcome.written == {"news/2024-05-02-report-2/index.html", "feed.xml"}
    page = (root / "output/news/2024-05-02-report-2/index.html").read_text(encoding="utf-8")
    assert "补充了一句" in page

    edit(news / "2024-05-12-report-12.md", "title: 第12篇报道", "title: 第12篇报道（更正）")
    outcome = preview.rebuild()
    assert {"index.html", "news/index.html", "news/2024-05-12-report-12/index.html"} <= outcome.rendered
    assert not any(p.startswith("events/") or p.startswith("schedule/") for p in outcome.rendered)
    assert "第12篇报道（更正）" in (root / "output/index.html").read_text(encoding="utf-8")


def test_incremental_preview_matches_a_full_build(tmp_path, monkeypatch):
    """After a series of edits, the preview's output equals a clean build of the same content."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1715738400")  # one clock for both builds
    from campaign.pipeline import load, render
    from campaign.preview.session import Preview
    root = copy_project(tmp_path / "project")
    url = "http://127.0.0.1:8000" + BASE
    preview = Preview(root, root / "output", url)
    preview.rebuild()
    edits = [("content/schedule.yaml", "place: 重庆市荣昌区", "place: 重庆市荣昌区（主会场）"),
             ("content/livestreams.yaml", "platform: 新华网", "platform: 新华网客户端"),
             ("content/campaign.yaml", "ongoing:", "ongoing:\n  - 新增的一项持续工作"),
             ("config.yaml", "news_per_page: 10", "news_per_page: 5"),
             ("config.yaml", "hide_empty_sections: 否", "hide_empty_sections: 是")]
    for name, old, new in edits:
        edit(root / name, old, new)
        assert preview.rebuild().error is None
    for news in (root / "content/news").glob("*.md"):  # the last report goes: 活动动态 leaves the menu
        news.unlink()
    assert preview.rebuild().error is None
    assert "活动动态" not in (root / "output/schedule/index.html").read_text(encoding="utf-8")
    full = render(root, load(root, url))
    on_disk = {p.relative_to(root / "output").as_posix(): p.read_bytes()
               for p in (root / "output").rglob("*") if p.is_file()}
    assert on_disk == full

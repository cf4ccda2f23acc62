"""A rebuild reads again only the reports whose bytes changed, and still checks those in full.

What the last build parsed of a report is kept by the digest of its name and bytes
(`load.content._news_pages`); a live preview also trusts the watcher's complete reports of saves
(`preview.session.Preview.heard`) and looks at every file when a report is not complete.
"""

from __future__ import annotations

import os

from sitecopy import copy_site, line_of, read, run_cli, write

NEWS = "content/news/2024-05-09-huodong-anpai.md"
PAGE = "output/2024/news/2024-05-09-huodong-anpai/index.html"
FIRST = "2024年5月9日，重庆市江北区机关事务管理局发布"


def test_a_mistake_put_into_a_report_the_last_build_parsed_is_reported_at_its_line(tmp_path):
    root = copy_site(tmp_path / "site")
    assert run_cli(root, "--no-pdf").returncode == 0
    text = read(root, NEWS)
    # a link left half-written in the body, and a date that is no date in the front matter
    text = text.replace(FIRST, "[通知(https://example.org/tongzhi " + FIRST, 1)
    text = text.replace("date: 2024-05-09", "date: 2024-05-32", 1)
    write(root, NEWS, text)
    result = run_cli(root, "--no-pdf")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"{NEWS}:{line_of(text, 'date: 2024-05-32')}:" in output
    assert f"{NEWS}:{line_of(text, '[通知(https://')}: 这一行的链接没有写完整：「[」后面缺少「]」" in output
    assert "Traceback" not in output

    # put right again: the build goes through and the page shows the report as written now
    write(root, NEWS, text.replace("[通知(https://example.org/tongzhi ", "", 1).replace("05-32", "05-09", 1))
    assert run_cli(root, "--no-pdf").returncode == 0
    assert FIRST in read(root, PAGE)


def test_a_report_changed_with_its_size_and_dates_put_back_is_built_again(tmp_path):
    """Reports are known by their bytes, not by their dates: an edit of the same length whose
    modification time was put back (`touch -d`) shows all the same."""
    root = copy_site(tmp_path / "site")
    assert run_cli(root, "--no-pdf").returncode == 0
    path = root / NEWS
    before = path.stat()
    data = path.read_bytes()
    changed = data.replace("通知要求".encode(), "通知强调".encode(), 1)
    assert changed != data and len(changed) == len(data)
    path.write_bytes(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert run_cli(root, "--no-pdf").returncode == 0
    page = read(root, PAGE)
    assert "通知强调各公共机构" in page and "通知要求各公共机构" not in page


def _preview(root):
    from campaign.preview.session import Preview

    preview = Preview(root, "http://127.0.0.1:8000")
    assert preview.rebuild().error is None
    return preview


def _page(preview) -> str:
    return preview.files["news/2024-05-09-huodong-anpai/index.html"].decode("utf-8")


def test_the_preview_follows_a_save_the_watcher_did_not_report_when_polling(tmp_path, monkeypatch):
    from watchfiles import Change

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1715738400")
    root = copy_site(tmp_path / "site")
    preview = _preview(root)
    other = root / "content" / "contact.md"
    # the report is saved with its size and modification time put back, and the poller's batch
    # names another file only: not complete, so every file is looked at (its change time moved)
    path = root / NEWS
    before = path.stat()
    path.write_bytes(path.read_bytes().replace("通知要求".encode(), "通知强调".encode(), 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    preview.heard({(Change.modified, str(other))}, False)
    outcome = preview.rebuild()
    assert outcome.error is None
    assert "news/2024-05-09-huodong-anpai/index.html" in outcome.written
    assert "通知强调各公共机构" in _page(preview)


def test_the_preview_follows_a_save_the_watcher_reported(tmp_path, monkeypatch):
    from watchfiles import Change

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1715738400")
    root = copy_site(tmp_path / "site")
    preview = _preview(root)
    path = root / NEWS
    write(root, NEWS, read(root, NEWS).replace("通知要求", "通知强调", 1))
    preview.heard({(Change.modified, os.path.realpath(path))}, True)
    outcome = preview.rebuild()
    assert outcome.error is None and "通知强调各公共机构" in _page(preview)
    # a mistake saved and reported is said at its line, as a build says it
    text = read(root, NEWS).replace("date: 2024-05-09", "date: 2024-05-32", 1)
    write(root, NEWS, text)
    preview.heard({(Change.modified, os.path.realpath(path))}, True)
    outcome = preview.rebuild()
    assert outcome.error is not None
    assert (NEWS, line_of(text, "date: 2024-05-32")) in {(p.file, p.line) for p in outcome.error.problems}


def test_polling_never_reports_a_batch_as_complete(tmp_path):
    import threading

    from campaign.preview.watch import SourceWatch

    root = copy_site(tmp_path / "site")
    heard: list[tuple[set, bool]] = []
    done = threading.Event()

    def hand_over(on_change, changes, complete):
        heard.append((changes, complete))
        done.set()

    watch = SourceWatch(root, lambda changes, complete: None, hand_over, poll=True)
    watch.start()
    try:
        threading.Event().wait(0.3)  # its first scan
        write(root, NEWS, read(root, NEWS) + "\n补充一句。\n")
        assert done.wait(20)
    finally:
        assert watch.stop()
    assert heard and all(complete is False for _, complete in heard)
    assert any(path.endswith("2024-05-09-huodong-anpai.md") for changes, _ in heard for _, path in changes)

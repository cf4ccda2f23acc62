"""Caches, incremental rebuilds and parallel rendering never change a byte of the output."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from conftest import REPO
from sitecopy import EDITION, copy_site, snapshot

AS_OF = "2024-05-14T09:00"


def project(folder, news: int = 0):
    copy_site(folder)
    for n in range(news):
        (folder / "content/news" / f"2024-04-{1 + n % 28:02d}-report-{n:04d}.md").write_text(
            f"---\ntitle: 第{n}篇报道\ndate: 2024-04-{1 + n % 28:02d}\nsource: 单位{n % 7}\n---\n"
            f"## 小标题\n\n正文{n}，节能降碳。\n\n- 要点一\n- 要点二\n\n| 项目 | 数值 |\n|---|---|\n| 用电 | {n} |\n",
            encoding="utf-8",
        )
    return folder


def build(root, out=None, workers: str | None = None):
    env = {**os.environ, "JNXCZ_WORKERS": workers} if workers else dict(os.environ)
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "--no-pdf", "--as-of", AS_OF]
        + (["--out", str(out)] if out else []),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return out or root / "output"


def test_cache_states_give_identical_output(tmp_path):
    root = project(tmp_path / "site", news=30)
    reference = snapshot(build(root, tmp_path / "cold"))  # empty cache
    assert snapshot(build(root, tmp_path / "warm")) == reference  # every entry from the cache
    db = sqlite3.connect(root / ".cache" / "cache.sqlite3")
    with db:
        count = db.execute("SELECT count(*) FROM entries").fetchone()[0]
        assert count > 40
        db.execute("DELETE FROM entries WHERE substr(key, 1, 1) < '8'")  # about half the entries
        db.execute("UPDATE entries SET value = substr(value, 1, 40) WHERE substr(key, 1, 1) = 'f'")
        db.execute("UPDATE entries SET value = substr(value, 1, 20) WHERE substr(key, 1, 1) = 'e'")
    db.close()
    assert snapshot(build(root, tmp_path / "damaged")) == reference
    (root / ".cache" / "cache.sqlite3").write_bytes(b"not a database at all")
    assert snapshot(build(root, tmp_path / "garbage")) == reference


def test_parallel_and_single_process_builds_are_identical(tmp_path):
    root = project(tmp_path / "site", news=260)  # enough pages for the work to be spread
    single = snapshot(build(root, tmp_path / "one", workers="1"))
    shutil.rmtree(root / ".cache")
    parallel = snapshot(build(root, tmp_path / "two", workers="2"))
    assert parallel == single
    assert len(single) > 280


_LAST = {}


def _api_build(root, monkeypatch):
    """A build in this process with a context of its own: nothing remembered but the disk cache."""
    from campaign.context import make_context
    from campaign.model.timeline import parse_moment
    from campaign.pipeline import build as api_build

    ctx = make_context(root, parse_moment(AS_OF))
    _LAST["cache"] = ctx.cache
    return api_build(ctx, root / "output", pdf=False)


def _stats():
    return _LAST["cache"]


def test_what_each_change_invalidates(tmp_path, monkeypatch):
    from campaign.load import markup

    root = project(tmp_path / "site", news=12)
    _api_build(root, monkeypatch)
    shutil.rmtree(root / "output")  # render everything again, from the cache
    _api_build(root, monkeypatch)
    assert _stats().misses["markdown"] == 0 and _stats().misses["qr"] == 0

    # a Markdown option: every Markdown entry again, no QR code
    monkeypatch.setattr(markup, "EXTENSIONS", markup.EXTENSIONS + ["abbr"])
    built = _api_build(root, monkeypatch)
    assert _stats().misses["markdown"] >= 13 and _stats().hits["markdown"] == 0
    assert _stats().misses["qr"] == 0
    assert built.written == set()  # abbr changes nothing in this text: same bytes, nothing written

    # base.html: every page that extends it rendered again, nothing from the Markdown or QR caches
    base = root / "templates/base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("本站时间均为北京时间。", "本站时间均为北京时间（UTC+8）。"),
        encoding="utf-8",
    )
    built = _api_build(root, monkeypatch)
    assert _stats().misses["markdown"] == 0 and _stats().misses["qr"] == 0
    pages = {p for p in built.files if p.endswith(".html") and p.startswith(f"{EDITION}/")}
    sheets = {p for p in pages if p.startswith(f"{EDITION}/posters/") and p != f"{EDITION}/posters/index.html"}
    assert {p for p in built.rendered if p.endswith(".html")} == pages - sheets  # sheets: own template
    # and the server's error page at the campaign's address, the newest edition's 404 page
    assert {p for p in built.written if p.endswith(".html")} == pages - sheets | {"404.html"}

    # the QR settings: new codes (and the pages that carry them), Markdown untouched
    config = root / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("error_correction: M", "error_correction: Q"), encoding="utf-8"
    )
    built = _api_build(root, monkeypatch)
    assert _stats().misses["qr"] >= len(pages - sheets) - 1 and _stats().misses["markdown"] == 0
    # posters stay H; the 404 pages carry no code of their own
    assert {p for p in built.written if p.endswith(".html")} == pages - sheets - {f"{EDITION}/404.html"}


def test_editing_one_news_page_writes_only_what_shows_it(tmp_path):
    root = project(tmp_path / "site", news=25)
    out = build(root)
    before = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    news = root / "content/news/2024-04-03-report-0002.md"
    news.write_text(news.read_text(encoding="utf-8").replace("正文2，", "正文2（已更正），"), encoding="utf-8")
    build(root)
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {
        f"{EDITION}/news/2024-04-03-report-0002/index.html",
        f"{EDITION}/feed.xml",
        # the search index's part with the report's text, and its one part of words (a small site)
        f"{EDITION}/search/texts-004.js",
        f"{EDITION}/search/grams-00.js",
    }
    assert "已更正" in (out / EDITION / "news/2024-04-03-report-0002/index.html").read_text(encoding="utf-8")


def test_a_file_changed_by_hand_in_output_is_put_right(tmp_path):
    root = project(tmp_path / "site")
    out = build(root)
    reference = snapshot(out)
    (out / EDITION / "notice/index.html").write_text("被改动了", encoding="utf-8")
    (out / EDITION / "quiz/index.html").unlink()
    build(root)
    assert snapshot(out) == reference


# --- the build state: digests of the model, not a copy of it ------------------------------------

DIGESTED = """
import datetime as dt
from markupsafe import Markup
from campaign.incremental.digest import Digester
from campaign.model.site import PendingDate, Photo, PhotoSize
photo = Photo("content/news/a/ride.jpg", "骑行", format="jpeg", sizes=(PhotoSize("news/a/ride-800.jpg", 800, 600),))
value = {
    "tags": {"节能", "降碳", "低碳日", "公交", "骑行"},
    "week": frozenset(dt.date(2024, 5, day) for day in range(13, 20)),
    "photos": (photo, photo),
    "pending": PendingDate("待填写：发布日期"),
    "html": Markup("<p>节能</p>"),
}
print(Digester()(value).hex())
"""


def test_a_digest_is_the_same_in_every_process():
    """No id(), no string hashing: a set or a mapping is written in sorted order."""
    found = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", DIGESTED],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        found.add(result.stdout.strip())
    assert len(found) == 1


def test_a_digest_follows_equality():
    import datetime as dt

    from campaign.incremental.digest import Digester
    from campaign.incremental.record import Digested, ReadDigests, changed_keys, unchanged
    from campaign.model.site import Photo

    digest = Digester()
    photo = Photo("content/news/a/ride.jpg", "骑行", "jpeg", (), sha256="1" * 64, size=1000, file="a.md", line=3)
    same = Photo("content/news/a/ride.jpg", "骑行", "jpeg", (), sha256="2" * 64, size=2000, file="b.md", line=9)
    assert photo == same and digest(photo) == digest(same)  # a replaced photo: its own files, not the pages
    assert digest(Photo("content/news/a/ride.jpg", "骑车", "jpeg", ())) != digest(photo)
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest((1, 2)) != digest([1, 2]) and digest("12") != digest(12) and digest(("1", "2")) != digest(("12",))
    assert digest(dt.date(2024, 5, 13)) != digest(dt.datetime(2024, 5, 13))
    assert digest(object()) is None  # a value with no stable form: no digest ...
    assert not unchanged(Digested(None, digest), object())  # ... and it reads as changed
    assert unchanged(Digested(digest((1, "a")), digest), (1, "a"))

    class Model:
        title = "节能宣传周"
        events = ("启动仪式",)

    old = ReadDigests({("title",): digest("节能宣传周"), ("events", 0): None, ("events", 1): b"missing"}, digest)
    keys = [("title",), ("events", 0), ("events", 1)]
    assert changed_keys(old, Model(), keys) == {("events", 0)}  # no digest: changed; gone then and now: not


def test_the_state_of_an_earlier_version_is_removed_not_read(tmp_path):
    import hashlib

    root = project(tmp_path / "site")
    out = root / "output"
    legacy = root / ".cache" / "state"
    name = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    legacy.mkdir(parents=True)
    (legacy / f"{name}.pickle").write_bytes(b"\x80\x05 not to be unpickled")
    (legacy / f"{name}.written.json").write_text('{"format": 2, "files": {}}', encoding="utf-8")
    build(root)
    assert not list(legacy.iterdir())
    assert (root / ".cache" / "state.sqlite3").is_file()

"""Faults and hostile input against the real command line: nothing lost, nothing half-done.

Each test reproduces what a user or the machine can do (a wrong --out, a kill in the middle of a
rebuild, a paste from Word, a pathological report, a full disk) and asserts the promise the
README makes: the message at the line to change, a non-zero exit, the old site untouched.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sitecopy import EDITION, FIXED_EPOCH, REPO, copy_site, read, run_build, snapshot, write

AS_OF = "2024-05-15T10:00"


def build(root: Path, *args: str):
    return run_build(root, "--no-pdf", "--as-of", AS_OF, *args)


def refused(result, code: int) -> str:
    """The one message a refusal prints (stderr), after checking it is a refusal, not a crash."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr.strip()


# --- writing only where the tool may ---------------------------------------------------------


def test_out_never_empties_the_projects_own_folders(tmp_path):
    root = copy_site(tmp_path / "project")
    templates = snapshot(root / "templates")
    message = refused(build(root, "--out", str(root / "templates")), 2)
    assert message == (
        f"构建失败：输出文件夹 {root / 'templates'} 在项目的 templates/ 里，会和网站的源文件混在一起；"
        "请换一个文件夹，如项目下的 output"
    )
    assert snapshot(root / "templates") == templates
    message = refused(build(root, "--out", str(root / "config.yaml")), 2)
    assert (
        message == "构建失败：「config.yaml」是网站项目自己的文件，不能用作输出文件夹；请写一个新的文件夹名，如 output"
    )
    assert read(root, "config.yaml").startswith("#")


def test_out_refuses_a_folder_the_tool_did_not_make(tmp_path):
    root = copy_site(tmp_path / "project")
    documents = tmp_path / "documents"
    write(documents, "总结.txt", "本单位的材料")
    write(documents, "index.html", "<p>别的网站</p>")
    message = refused(build(root, "--out", str(documents)), 2)
    assert message == (
        f"构建失败：输出文件夹 {documents} 里已有别的文件，不是本工具生成的网站；为免误删，请换一个新的或空的文件夹"
    )
    assert read(documents, "总结.txt") == "本单位的材料"
    out = tmp_path / "site"
    assert build(root, "--out", str(out)).returncode == 0  # a new folder: made and marked
    assert (out / ".jnxcz-site").is_file()
    assert build(root, "--out", str(out)).returncode == 0  # and accepted again


# --- output/ is the old site or the new one at every instant -----------------------------------


def _project_with_reports(folder: Path, count: int) -> Path:
    root = copy_site(folder)
    for n in range(count):
        write(
            root,
            f"content/news/2024-04-{1 + n % 28:02d}-r{n:04d}.md",
            f"---\ntitle: 第{n}篇报道\ndate: 2024-04-{1 + n % 28:02d}\nsource: 单位{n % 7}\n---\n正文{n}，节能降碳。\n",
        )
    return root


def _version(root: Path, word: str) -> None:
    """Every page changes: the footer says `word`."""
    base = read(root, "templates/base.html")
    marker = "本站时间均为北京时间"
    start = base.index(marker)
    end = base.index("。", start)
    write(root, "templates/base.html", base[:start] + f"{marker}（{word}）" + base[end:])


def test_a_killed_rebuild_leaves_the_old_site_or_the_new_one(tmp_path, thorough):
    root = _project_with_reports(tmp_path / "project", 300)
    sites = {}
    for word in ("甲", "乙"):  # the two complete sites, built cleanly elsewhere
        _version(root, word)
        clean = tmp_path / f"clean-{word}"
        assert build(root, "--out", str(clean)).returncode == 0
        sites[word] = snapshot(clean)
    assert sites["甲"] != sites["乙"]
    out = root / "output"
    _version(root, "甲")
    assert build(root).returncode == 0
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    rng = random.Random(20240513)
    current, seen = "甲", set()
    for _ in range(12 if thorough else 3):  # three kill timings of the twelve; --thorough: all
        new = "乙" if current == "甲" else "甲"
        _version(root, new)
        process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "--root", str(root), "--no-pdf", "--as-of", AS_OF],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.05, 1.2))
        process.send_signal(signal.SIGKILL if rng.random() < 0.7 else signal.SIGINT)
        process.wait(timeout=60)
        now = snapshot(out)
        assert now in (sites[current], sites[new]), "output/ holds a mix of two builds"
        seen.add("new" if now == sites[new] else "old")
        assert build(root).returncode == 0  # the next build finishes the job and cleans up
        assert snapshot(out) == sites[new]
        assert [p.name for p in root.iterdir() if p.name.startswith(".output.")] == [".output.old-standby"]
        current = new
    assert "old" in seen  # some kills did land in the middle of a build


# --- what a clerk pastes ------------------------------------------------------------------------

REPORT = "---\ntitle: {title}\ndate: 2024-05-14\nsource: 江北区机关事务管理局\n---\n{body}\n"


def test_a_word_line_break_is_harmless_and_the_feed_stays_well_formed(tmp_path):
    root = copy_site(tmp_path / "project")
    write(
        root, "content/news/2024-05-14-word.md", REPORT.format(title="从Word粘贴的报道", body="第一行\x0b第二行\x0c完")
    )
    out = tmp_path / "out"
    result = build(root, "--out", str(out))
    assert result.returncode == 0, result.stderr
    out = out / EDITION
    ET.fromstring((out / "feed.xml").read_bytes())  # well-formed XML
    assert "第一行 第二行 完" in (out / "news/2024-05-14-word/index.html").read_text(encoding="utf-8")
    assert not any(ch in (out / "feed.xml").read_text(encoding="utf-8") for ch in "\x0b\x0c")


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("---\ntitle: 报道\ndate: 2024-05-14\nsource: 某单位\n---\n正文\n\x1b[31m红字\n", 7, "U+001B"),
        ('---\ntitle: "标题\\0里有空字符"\ndate: 2024-05-14\nsource: 某单位\n---\n正文\n', 2, "U+0000"),
        ('---\ntitle: "换页\\f标题"\ndate: 2024-05-14\nsource: 某单位\n---\n正文\n', 2, "U+000C"),
    ],
    ids=["escape-sequence", "quoted-nul", "quoted-form-feed"],
)
def test_control_characters_are_refused_at_their_line(tmp_path, text, line, code):
    root = copy_site(tmp_path / "project")
    write(root, "content/news/2024-05-14-ctl.md", text)
    message = refused(build(root), 1)
    assert f"content/news/2024-05-14-ctl.md:{line}: " in message and code in message


def test_a_carriage_return_never_reaches_a_calendar(tmp_path):
    root = copy_site(tmp_path / "project")
    schedule = read(root, "content/schedule.yaml")
    title = "2024年川渝地区公共机构节能宣传周活动启动仪式"
    line = schedule[: schedule.index(title)].count("\n") + 1
    write(root, "content/schedule.yaml", schedule.replace(title, '"启动仪式\\rDTSTART:20990101T000000Z"', 1))
    message = refused(build(root), 1)
    assert f"content/schedule.yaml:{line}: 这里的引号里用反斜杠写出了看不见的控制字符（U+000D）" in message


def test_an_event_cannot_take_the_weeks_calendar(tmp_path):
    root = copy_site(tmp_path / "project")
    schedule = read(root, "content/schedule.yaml")
    write(root, "content/schedule.yaml", schedule.replace("- id: report-deadline", "- id: week", 1))
    line = read(root, "content/schedule.yaml").split("\n").index("  - id: week") + 1
    message = refused(build(root), 1)
    assert (
        f"content/schedule.yaml:{line}: 日程的 id 不能用「week」：它已留作全周日历 calendar/week.ics 的文件名；请换一个"
        in message
    )


def test_a_link_to_a_file_outside_the_project_is_not_published(tmp_path):
    root = copy_site(tmp_path / "project")
    secret = tmp_path / "secret.md"
    secret.write_text(REPORT.format(title="内部资料", body="不应公开"), encoding="utf-8")
    os.symlink(secret, root / "content/news/2024-05-14-leak.md")
    message = refused(build(root), 1)
    assert "content/news/2024-05-14-leak.md: 这是指向项目文件夹以外的快捷方式（符号链接）" in message


# --- what would stall a build -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("第一段。\n\n" + "`" * 2001, "这里的「`」太多（2001 个，最多 2000 个）"),
        ("第一段。\n\n" + "`" * 201, "这一段里的「`」太多（超过 200 个）"),
        ("第一段。\n\n" + "![图" * 501, "这一段里的「[」太多（超过 500 个）"),
    ],
    ids=["backticks-in-a-file", "backticks-in-a-paragraph", "image-brackets"],
)
def test_pathological_markdown_is_refused_in_seconds(tmp_path, body, message):
    root = copy_site(tmp_path / "project")
    write(root, "content/news/2024-05-14-slow.md", REPORT.format(title="报道", body=body))
    started = time.monotonic()
    result = build(root)
    assert time.monotonic() - started < 20
    text = refused(result, 1)
    line = 6 if "文件" in message or "这里" in message else 8
    assert f"content/news/2024-05-14-slow.md:{line}: {message}" in text


def test_a_report_within_the_limits_builds(tmp_path):
    root = copy_site(tmp_path / "project")
    body = "\n\n".join("段落`代码` [链接](https://www.ggj.gov.cn/) " * 40 for _ in range(20))  # 80 ` and 40 [ each
    write(root, "content/news/2024-05-14-ok.md", REPORT.format(title="报道", body=body))
    assert build(root).returncode == 0


def test_a_file_over_a_megabyte_is_refused(tmp_path):
    root = copy_site(tmp_path / "project")
    write(root, "content/news/2024-05-14-big.md", REPORT.format(title="报道", body="节能" * 200_000))
    message = refused(build(root), 1)
    assert "content/news/2024-05-14-big.md: 文件太大（1.2 MB），每个内容文件最多 1 MB（约 30 万字）" in message


def test_a_yaml_list_three_thousand_deep_is_a_message(tmp_path):
    root = copy_site(tmp_path / "project")
    pledges = read(root, "content/pledges.yaml")
    write(root, "content/pledges.yaml", pledges + "deep: " + "[" * 3000 + "]" * 3000 + "\n")
    line = pledges.count("\n") + 1
    message = refused(build(root), 1)
    assert f"content/pledges.yaml:{line}: 内容嵌套的层次太多" in message


# --- the machine ---------------------------------------------------------------------------------


def test_a_cache_that_is_a_folder_does_not_stop_the_build(tmp_path):
    root = copy_site(tmp_path / "project")
    (root / ".cache/cache.sqlite3").mkdir(parents=True)
    result = build(root)
    assert result.returncode == 0, result.stderr
    assert (root / "output/index.html").is_file()


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(folder)], capture_output=True, timeout=120
    )
    if mounted.returncode != 0:
        pytest.skip("this machine does not let the test mount a small tmpfs")
    yield folder
    subprocess.run(["umount", str(folder)], check=False, timeout=120)


def test_a_full_disk_is_one_sentence_and_leaves_nothing_behind(tmp_path, small_disk):
    root = copy_site(tmp_path / "project")
    message = refused(build(root, "--out", str(small_disk / "site")), 6)
    assert message.startswith("失败：磁盘已满")
    assert message.endswith("网站文件夹保持上次的样子，没有改动。")
    assert list(small_disk.iterdir()) == []

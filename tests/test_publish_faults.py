"""Publishing faults, through the real command line (`python build.py publish|package`) and nginx.

- A page fetched a moment before a switch asks for its style sheet a moment after it: the
  release switched to must still serve it (under load, with a changed stylesheet each time,
  and across a rollback).
- A rollback returns to what was live before, not to the release with the previous name:
  never to a release that was itself taken down, and pruning never deletes its target.
- `package` and `publish` never write over files this tool did not make.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from nginxserver import SITE_PATH, connection, get, running_nginx
from sitecopy import EDITION, REPO, copy_site, decide_address, read, run_build, run_cli, write
from test_publish import check_manifest

from campaign.ship import publish as shipping

MOMENT = "2024-05-14T09:00"
STYLE = "templates/static/style.css"
INTRO = "content/campaign.yaml"
INTRO_START = "intro: |\n  "
PAGES = ["", "schedule/", "news/"]
ASSET_LINK = re.compile(r'(?:href|src)="([^"]*assets/[^"]+)"')


def releases(dest: Path) -> list[str]:
    return sorted(p.name for p in (dest / "releases").iterdir() if not p.name.startswith("."))


def live_id(dest: Path) -> str:
    return os.readlink(dest / "current").removeprefix("releases/")


def history(dest: Path) -> list[str]:
    return (dest / "history").read_text(encoding="utf-8").split()


def own_styles(release: Path) -> set[str]:
    """The style sheets the release's own home page (of the shipped edition) links."""
    home = (release / EDITION / "index.html").read_text(encoding="utf-8")
    return set(re.findall(r"assets/(style\.[0-9a-f]+\.css)", home))


class Project:
    """A copy of the project whose stylesheet and home page text say which version it is.

    Published and rolled back in this process (`run_cli`): the releases, the history and the
    messages are the point; the tests of concurrent and killed publishes start real processes."""

    def __init__(self, root: Path, dest: Path):
        self.root, self.dest = root, dest
        self.style, self.intro = read(root, STYLE), read(root, INTRO)
        assert INTRO_START in self.intro

    def version(self, number: int) -> None:
        write(self.root, STYLE, self.style + f"\n/* 第{number}版 */\n")
        write(self.root, INTRO, self.intro.replace(INTRO_START, f"{INTRO_START}（第{number}版）", 1))

    def publish(self, number: int, *options: str) -> str:
        self.version(number)
        result = run_cli(self.root, "publish", str(self.dest), "--no-pdf", "--as-of", MOMENT, *options)
        assert result.returncode == 0, result.stderr
        assert "已发布" in result.stdout
        return live_id(self.dest)

    def rollback(self) -> subprocess.CompletedProcess:
        return run_cli(self.root, "publish", str(self.dest), "--rollback")

    def live(self) -> int:
        """The version the live home page shows."""
        page = (self.dest / "current" / EDITION / "index.html").read_text(encoding="utf-8")
        return int(re.search(r"（第(\d+)版）", page).group(1))


@pytest.fixture(scope="module")
def server():
    with running_nginx() as nginx:
        yield nginx


@pytest.fixture()
def project(tmp_path) -> Project:
    return Project(decide_address(copy_site(tmp_path / "project")), tmp_path / "srv")


# --- the assets of the page a visitor already has ------------------------------------------


class Visitors(threading.Thread):
    """A bounded loop of page views: the page, a browser's moment to read it, then its assets."""

    def __init__(self, server, limit: int = 10000, seconds: float = 60):
        super().__init__(daemon=True)
        self.server, self.limit, self.deadline = server, limit, time.monotonic() + seconds
        self.stop = threading.Event()
        self.results: list[tuple[str, int]] = []  # (path, status), in order
        self.straddled: list[str] = []  # assets asked for after `current` had moved on
        self.styles: set[str] = set()
        self.random = random.Random(2024)
        self.link = None

    def fetch(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection may have been closed by nginx
            try:
                if self.link is None:
                    self.link = connection(self.server.url4, timeout=10)
                self.link.request("GET", path)
                response = self.link.getresponse()
                return response.status, response.read()
            except OSError as error:
                if self.link is not None:
                    self.link.close()
                self.link = None
                if attempt == 2:
                    return -1, str(error).encode()
        raise AssertionError("unreachable")

    def run(self) -> None:
        while not self.stop.is_set() and len(self.results) < self.limit and time.monotonic() < self.deadline:
            for page in PAGES:
                path = SITE_PATH + page
                status, body = self.fetch(path)
                self.results.append((path, status))
                if status != 200:
                    continue
                served_by = live_id(self.server.dest)
                assets = sorted({urllib.parse.urljoin(path, href) for href in ASSET_LINK.findall(body.decode())})
                self.styles.update(a.rsplit("/", 1)[1] for a in assets if "/style." in a)
                time.sleep(self.random.uniform(0.002, 0.012))  # the browser reads the page
                for asset in assets:
                    self.results.append((asset, self.fetch(asset)[0]))
                if live_id(self.server.dest) != served_by:
                    self.straddled.append(path)
        if self.link is not None:
            self.link.close()

    def after(self, count: int) -> None:
        """Wait until `count` more requests were made (or the load ended)."""
        target = len(self.results) + count
        while len(self.results) < target and self.is_alive():
            time.sleep(0.005)


def test_no_page_loses_its_style_sheet_while_releases_switch(server, tmp_path):
    """Publishes with a new stylesheet each time, and a rollback, under a steady load: no 404."""
    site = Project(decide_address(copy_site(tmp_path / "project")), server.dest)
    shipped = [site.publish(1, "--keep", "10")]
    visitors = Visitors(server)
    visitors.start()
    try:
        for step in (2, 3, 4, "rollback", 5):
            visitors.after(300)
            if step == "rollback":
                result = site.rollback()
                assert result.returncode == 0, result.stderr
                assert site.live() == 3
            else:
                shipped.append(site.publish(step, "--keep", "10"))
                assert site.live() == step
        visitors.after(300)
    finally:
        visitors.stop.set()
        visitors.join()
    failed = [(path, status) for path, status in visitors.results if status >= 400 or status < 0]
    assets = sum("/assets/" in path for path, _ in visitors.results)
    print(
        f"\n{len(visitors.results)} requests ({assets} for assets), {len(failed)} failed, "
        f"{len(visitors.straddled)} page views had their assets asked for across a switch"
    )
    assert not failed, f"{len(failed)} of {len(visitors.results)} requests failed: {failed[:10]}"
    assert len(visitors.results) >= 2000 and assets > len(visitors.results) / 2
    assert len(visitors.styles) == 5, "the load did not see every version"
    for release in releases(server.dest):
        check_manifest(server.dest / "releases" / release)


def test_a_page_fetched_before_a_switch_finds_its_assets_after_it(server, tmp_path):
    """The race of the load test, made certain: the page, the switch, then the style sheet."""
    site = Project(decide_address(copy_site(tmp_path / "project")), server.dest)
    first = site.publish(1)
    old_page = get(server.url4)[2].decode()
    old_assets = sorted(set(ASSET_LINK.findall(old_page)))
    assert len(old_assets) >= 3 and any("style." in a for a in old_assets)
    second = site.publish(2)
    assert own_styles(server.dest / "releases" / second) != own_styles(server.dest / "releases" / first)
    for asset in old_assets:
        status, headers, _ = get(server.url4 + asset)
        assert status == 200, asset
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Listed in the new release's manifest, marked as carried over, so `verify` passes.
    manifest = (server.dest / "releases" / second / "MANIFEST.sha256").read_text(encoding="utf-8")
    for style in own_styles(server.dest / "releases" / first):
        assert f"# carried over from {first}: {EDITION}/assets/{style}\n" in manifest
    check_manifest(server.dest / "releases" / second)
    shipping.verify(server.dest / "releases" / second)

    # A rollback: the page of the release being left still gets its assets.
    new_page = get(server.url4)[2].decode()
    new_assets = sorted(set(ASSET_LINK.findall(new_page)) - set(old_assets))
    assert new_assets
    result = site.rollback()
    assert result.returncode == 0, result.stderr
    assert live_id(server.dest) == first and get(server.url4)[2].decode() == old_page
    for asset in new_assets:
        assert get(server.url4 + asset)[0] == 200, asset
    check_manifest(server.dest / "releases" / first)

    # Carried over one release only: the live release holds its own style and the previous one's.
    third = site.publish(3)
    fourth = site.publish(4)
    styles = {p.name for p in (server.dest / "releases" / fourth / EDITION / "assets").glob("style.*.css")}
    assert styles == own_styles(server.dest / "releases" / fourth) | own_styles(server.dest / "releases" / third)


# --- rollback follows what was live --------------------------------------------------------


def test_rollback_never_returns_to_the_release_it_took_down(project):
    """v1, v2 (bad), rollback -> v1, v3, rollback -> v1 (not v2); --keep 2 keeps v1 meanwhile."""
    v1 = project.publish(1, "--keep", "2")
    v2 = project.publish(2, "--keep", "2")
    assert project.live() == 2
    result = project.rollback()
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"已退回到上一个版本 {v1}（{project.dest}）\n"
    assert project.live() == 1 and history(project.dest) == [v1]

    v3 = project.publish(3, "--keep", "2")
    assert v1 in releases(project.dest), "--keep 2 pruned the release a rollback returns to"
    assert history(project.dest) == [v1, v3]
    result = project.rollback()
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"已退回到上一个版本 {v1}（{project.dest}）\n"
    assert project.live() == 1, "the rollback landed on the release taken down before"
    assert live_id(project.dest) == v1 and v2 != v1

    result = project.rollback()
    assert result.returncode == 4
    assert result.stderr == f"发布失败：{project.dest} 里没有比当前版本（{v1}）更早的版本，无法退回\n"
    assert project.live() == 1
    for release in releases(project.dest):
        check_manifest(project.dest / "releases" / release)


def test_keep_prunes_only_what_no_rollback_returns_to(project):
    v1 = project.publish(1, "--keep", "2")
    v2 = project.publish(2, "--keep", "2")
    assert project.rollback().returncode == 0
    v3 = project.publish(3, "--keep", "2")
    assert releases(project.dest) == [v1, v2, v3]  # the newest two, and the two last live
    v4 = project.publish(4, "--keep", "2")
    assert releases(project.dest) == [v3, v4] and history(project.dest) == [v3, v4]
    assert project.rollback().returncode == 0
    assert project.live() == 3
    result = project.rollback()
    assert result.returncode == 4 and "更早的版本" in result.stderr
    # --keep 1 still leaves the release a rollback returns to.
    v5 = project.publish(5, "--keep", "1")
    assert releases(project.dest) == [v3, v5] and history(project.dest) == [v3, v5]
    assert project.rollback().returncode == 0 and project.live() == 3


def test_a_folder_published_to_before_the_history_existed_rolls_back_by_name(project):
    made = [project.publish(n) for n in (1, 2, 3)]
    (project.dest / "history").unlink()
    for back_to in (2, 1):
        result = project.rollback()
        assert result.returncode == 0, result.stderr
        assert project.live() == back_to and live_id(project.dest) == made[back_to - 1]
    assert history(project.dest) == [made[0]]
    result = project.rollback()
    assert result.returncode == 4
    assert result.stderr == f"发布失败：{project.dest} 里没有比当前版本（{made[0]}）更早的版本，无法退回\n"
    fourth = project.publish(4)
    assert history(project.dest) == [made[0], fourth]
    assert project.rollback().returncode == 0 and project.live() == 1


def test_a_history_not_rewritten_after_a_switch_is_put_right_by_the_link(project):
    """A crash between the switch and the rewrite of `history`: `current` is the truth."""
    v1, v2 = project.publish(1), project.publish(2)
    # The publish of v2 switched, then died before writing the history.
    (project.dest / "history").write_text(f"{v1}\n", encoding="utf-8")
    result = project.rollback()
    assert result.returncode == 0, result.stderr
    assert project.live() == 1
    # The rollback to v1 switched, then died before writing the history.
    (project.dest / "history").write_text(f"{v1}\n{v2}\n", encoding="utf-8")
    v3 = project.publish(3)
    assert history(project.dest) == [v1, v3]
    assert project.rollback().returncode == 0 and project.live() == 1
    # Garbage and names of deleted releases are ignored.
    (project.dest / "history").write_text(f"../../etc\n\n{v2}x\n{v1}\n{v3}\n", encoding="utf-8")
    assert project.rollback().returncode == 4  # current is v1: nothing before it


def test_two_publishes_at_once_take_turns(project, tmp_path):
    """The history is read, then rewritten: a second publish waits for the first one's lock."""
    first = project.publish(1)
    project.version(2)
    command = [sys.executable, str(REPO / "build.py"), "--root", str(project.root), "publish", str(project.dest)]
    holder = os.open(project.dest / "releases", os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as a publish in progress holds it
        waiting = subprocess.Popen([*command, "--no-pdf"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.5)  # the build takes under a second; then it waits
        assert waiting.poll() is None and live_id(project.dest) == first
    finally:
        os.close(holder)
    output = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, output
    assert project.live() == 2 and history(project.dest) == [first, live_id(project.dest)]

    second = Project(decide_address(copy_site(tmp_path / "second")), project.dest)
    project.version(3)
    second.version(4)
    running = [
        subprocess.Popen([*command[:3], str(p.root), *command[4:], "--no-pdf"], stdout=subprocess.PIPE, text=True)
        for p in (project, second)
    ]
    for process in running:
        process.communicate(timeout=120)
    assert [p.returncode for p in running] == [0, 0]
    assert len(history(project.dest)) == 4 and history(project.dest)[-1] == live_id(project.dest)
    assert set(history(project.dest)) == set(releases(project.dest))


def test_a_publish_waits_for_the_lock_only_so_long(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    shipping.publish({"index.html": b"1"}, dest)
    holder = os.open(dest / "releases", os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        monkeypatch.setattr(shipping, "LOCK_WAIT", 0.3)
        for attempt in (lambda: shipping.publish({"index.html": b"2"}, dest), lambda: shipping.rollback(dest)):
            with pytest.raises(shipping.PublishError) as error:
                attempt()
            assert str(error.value) == f"{dest} 正在由另一次发布或退回使用，等了 0 秒还没结束；请稍后再运行"
    finally:
        os.close(holder)
    assert len(releases(dest)) == 1 and not [p for p in (dest / "releases").iterdir() if p.name.startswith(".")]


def test_an_interrupted_rollback_is_finished_by_the_next_one(tmp_path):
    """A rollback adds the assets of the release it leaves to the one it returns to: stopped
    after a file but before the manifest, the next rollback lists it and goes ahead."""
    dest = tmp_path / "srv"
    first = shipping.publish({"index.html": b"1", "assets/a.1.css": b"a1"}, dest)
    second = shipping.publish({"index.html": b"2", "assets/a.2.css": b"a2"}, dest)
    assert (dest / "releases" / second / "assets" / "a.1.css").read_bytes() == b"a1"  # carried over
    (dest / "releases" / first / "assets" / "a.2.css").write_bytes(b"a2")  # the interrupted rollback
    assert shipping.rollback(dest) == first
    assert (dest / "current" / "assets" / "a.2.css").read_bytes() == b"a2"
    manifest = (dest / "current" / "MANIFEST.sha256").read_text(encoding="utf-8")
    assert manifest.startswith(f"# carried over from {second}: assets/a.2.css\n")
    shipping.verify(dest / "current")
    # A damaged file is no leftover: the rollback is refused, nothing switched.
    third = shipping.publish({"index.html": b"3", "assets/a.3.css": b"a3"}, dest)
    assert shipping.rollback(dest) == first
    fourth = shipping.publish({"index.html": b"4", "assets/a.4.css": b"a4"}, dest)
    (dest / "releases" / first / "assets" / "a.4.css").write_bytes(b"damaged")
    with pytest.raises(shipping.PublishError, match="多出 assets/a.4.css"):
        shipping.rollback(dest)
    assert live_id(dest) == fourth and third not in history(dest)


def test_a_damaged_asset_is_not_carried_over(tmp_path):
    dest = tmp_path / "srv"
    first = shipping.publish({"index.html": b"1", "assets/a.1.css": b"a1", "assets/b.1.js": b"b1"}, dest)
    (dest / "releases" / first / "assets" / "b.1.js").write_bytes(b"damaged")
    second = shipping.publish({"index.html": b"2"}, dest)
    assert sorted(p.name for p in (dest / "releases" / second / "assets").iterdir()) == ["a.1.css"]
    shipping.verify(dest / "releases" / second)


# --- never writing over what this tool did not make ----------------------------------------


def test_package_refuses_to_overwrite_what_it_did_not_make(tmp_path):
    root = decide_address(copy_site(tmp_path / "project"))
    notice = read(root, "content/notice.md")

    def package(target: Path) -> subprocess.CompletedProcess:
        return run_build(root, "package", str(target), "--no-pdf", "--as-of", MOMENT)

    result = package(root / "content" / "notice.md")
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：压缩包 {root / 'content' / 'notice.md'} 在网站项目的 content/ 文件夹里，"
        "会覆盖或混入网站的源文件；请换一个位置和新的文件名，如项目外的 jnxcz.zip\n"
    )
    assert read(root, "content/notice.md") == notice
    result = package(root / "templates" / "site.zip")
    assert result.returncode == 4 and "templates/ 文件夹里" in result.stderr
    assert not (root / "templates" / "site.zip").exists()

    letter = tmp_path / "letter.docx"
    letter.write_bytes(b"a document")
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("photo.jpg", b"jpeg")
    for target in (letter, foreign):
        before = target.read_bytes()
        result = package(target)
        assert result.returncode == 4
        assert result.stderr == (
            f"发布失败：{target} 已经存在，而且不是本工具生成的网站压缩包；为免覆盖它，请换一个新的文件名，如 jnxcz.zip\n"
        )
        assert target.read_bytes() == before
    (tmp_path / "folder.zip").mkdir()
    result = package(tmp_path / "folder.zip")
    assert result.returncode == 4 and "是一个文件夹" in result.stderr

    ours = tmp_path / "jnxcz.zip"
    assert package(ours).returncode == 0
    write(root, "content/notice.md", notice.replace("节能", "节约能源", 1))
    result = package(ours)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(ours) as archive:
        assert "MANIFEST.sha256" in archive.namelist()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left"


def test_publish_refuses_a_folder_it_did_not_make(tmp_path):
    root = decide_address(copy_site(tmp_path / "project"))
    documents = tmp_path / "documents"
    write(documents, "工作总结.txt", "不要动我")

    def publish(dest: Path) -> subprocess.CompletedProcess:
        return run_build(root, "publish", str(dest), "--no-pdf", "--as-of", MOMENT)

    result = publish(documents)
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{documents} 里已有别的文件，不是本工具发布网站用的文件夹（里面没有 releases 和 current）；"
        "为免弄乱这些文件，请换一个新的或空的文件夹，如 /srv/jnxcz\n"
    )
    assert sorted(p.name for p in documents.iterdir()) == ["工作总结.txt"]
    for inside in (root / "content" / "srv", root / "templates"):
        result = publish(inside)
        assert result.returncode == 4
        assert f"在网站项目的 {inside.relative_to(root).parts[0]}/ 文件夹里" in result.stderr
    assert not (root / "content" / "srv").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    assert publish(empty).returncode == 0
    result = publish(empty)  # published to before: ours
    assert result.returncode == 0, result.stderr
    assert len(releases(empty)) == 2


# --- never following a link it did not make ------------------------------------------------


def someone_elses(folder: Path) -> dict[str, bytes]:
    """A folder of a user's own, with sub-folders a prune would take for releases."""
    for name in ("2023-年报", "照片"):
        write(folder, f"{name}/说明.txt", f"{name}：不要动我")
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_link_planted_at_releases_is_refused(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    before = someone_elses(elsewhere)
    project.dest.mkdir()
    (project.dest / "releases").symlink_to(elsewhere)
    result = run_cli(project.root, "publish", str(project.dest), "--no-pdf", "--as-of", MOMENT, "--keep", "1")
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{project.dest / 'releases'} 是快捷方式（符号链接），不是本工具建的；"
        "为免改动或删除它所指的别处文件，没有发布，请把它移走后再运行\n"
    )
    assert files_in(elsewhere) == before and sorted(p.name for p in elsewhere.iterdir()) == ["2023-年报", "照片"]
    assert not (project.dest / "current").exists()
    result = project.rollback()
    assert result.returncode == 4 and "是快捷方式（符号链接）" in result.stderr


def test_a_link_planted_among_the_releases_is_refused_before_anything_changes(project, tmp_path):
    first = project.publish(1, "--keep", "1")
    elsewhere = tmp_path / "elsewhere"
    before = someone_elses(elsewhere)
    planted = project.dest / "releases" / "00000000T000000.000000Z-planted"
    planted.symlink_to(elsewhere)
    project.version(2)
    result = run_cli(project.root, "publish", str(project.dest), "--no-pdf", "--as-of", MOMENT, "--keep", "1")
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{planted} 是快捷方式（符号链接），不是本工具发布的版本；为免删除它所指的别处文件，"
        "没有发布，请把它移走后再运行\n"
    )
    assert live_id(project.dest) == first and project.live() == 1, "current was switched all the same"
    assert files_in(elsewhere) == before
    assert project.rollback().returncode == 4
    planted.unlink()  # the clerk moves it away: publishing works again
    second = project.publish(2, "--keep", "1")
    assert releases(project.dest) == [first, second] and files_in(elsewhere) == before


def test_a_current_link_pointing_elsewhere_is_refused(project, tmp_path):
    project.publish(1)
    (project.dest / "current").unlink()
    (project.dest / "current").symlink_to(tmp_path)
    result = run_cli(project.root, "publish", str(project.dest), "--no-pdf", "--as-of", MOMENT)
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{project.dest / 'current'} 指向 {tmp_path}，不是本工具发布的版本（releases/ 里的一个文件夹）；"
        "为免改动别处的文件，没有发布，请把它移走后再运行\n"
    )


def test_a_link_inside_a_release_is_not_written_through_by_a_rollback(tmp_path):
    """The release returned to gets the assets of the one left: never through a planted link."""
    dest = tmp_path / "srv"
    first = shipping.publish({"index.html": b"1"}, dest)
    shipping.publish({"index.html": b"2", "assets/a.2.css": b"a2"}, dest)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = dest / "releases" / first / "assets"
    planted.symlink_to(elsewhere)
    with pytest.raises(shipping.PublishError) as error:
        shipping.rollback(dest)
    assert str(error.value) == (
        f"{planted} 是快捷方式（符号链接），不是本工具发布的文件；为免写到别处，没有退回，请把它移走后再运行"
    )
    assert list(elsewhere.iterdir()) == []


def test_what_a_publish_killed_while_writing_the_history_left_is_removed(project):
    project.publish(1)
    leftovers = [project.dest / ".history.tmp-3f9a0c1d", project.dest / "releases" / ".put-5e2b7a90"]
    for leftover in leftovers:
        leftover.write_text("v1\n", encoding="utf-8")
    not_ours = project.dest / ".history.tmp-link"
    not_ours.symlink_to(project.root / "config.yaml")
    project.publish(2)
    assert not any(leftover.exists() for leftover in leftovers)
    assert not_ours.is_symlink() and (project.root / "config.yaml").is_file()
    assert sorted(p.name for p in project.dest.iterdir()) == [".history.tmp-link", "current", "history", "releases"]


def test_a_history_file_that_is_a_link_is_refused(project, tmp_path):
    project.publish(1)
    kept = tmp_path / "kept.txt"
    kept.write_text("别人的记录\n", encoding="utf-8")
    (project.dest / "history").unlink()
    (project.dest / "history").symlink_to(kept)
    result = run_cli(project.root, "publish", str(project.dest), "--no-pdf", "--as-of", MOMENT)
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{project.dest / 'history'} 是快捷方式（符号链接），不是本工具建的；"
        "为免改动或删除它所指的别处文件，没有发布，请把它移走后再运行\n"
    )
    assert kept.read_text(encoding="utf-8") == "别人的记录\n"

"""Publishing: a new release switches in while nginx is serving, rollback, pruning, the CMS zip.

Everything goes through the real command line (`python build.py publish|package`), except the
error cases that need a damaged folder, which call `campaign.publish` directly.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest
from nginxserver import get, running_nginx
from sitecopy import EDITION, copy_site, decide_address, decided_copy, read, run_build, snapshot, write

from campaign.ship.publish import PublishError, publish, rollback

MOMENT = "2024-05-13T12:00"
PAGES = ["", "schedule/", "news/"]


def releases(dest: Path) -> list[str]:
    return sorted(p.name for p in (dest / "releases").iterdir())


def current(dest: Path) -> str:
    return os.readlink(dest / "current")


def check_manifest(release: Path) -> None:
    """Independent of campaign.publish: every file listed with its sha256, and nothing else.

    `# ` lines are notes (an overridden inspection, assets carried over), as `sha256sum -c` reads them.
    """
    lines = (release / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines()
    listed = [line.split("  ", 1) for line in lines if not line.startswith("#")]
    assert [path for _, path in listed] == sorted(path for _, path in listed)
    files = sorted(
        p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file() and p.name != "MANIFEST.sha256"
    )
    assert [path for _, path in listed] == files
    for digest, path in listed:
        assert hashlib.sha256((release / path).read_bytes()).hexdigest() == digest, path


@pytest.fixture(scope="module")
def server():
    with running_nginx() as nginx:
        yield nginx


@pytest.fixture()
def second_project(tmp_path) -> Path:
    """A copy of the project whose site title differs, so every page's bytes differ."""
    root = decide_address(copy_site(tmp_path / "project"))
    text = read(root, "config.yaml")
    assert "\ntitle: 江北区" in text
    write(root, "config.yaml", text.replace("\ntitle: 江北区", "\ntitle: 新版江北区", 1))
    return root


def test_publish_under_load_then_rollback(server, second_project):
    dest = server.dest
    result = run_build(decided_copy(), "publish", str(dest), "--no-pdf", "--as-of", MOMENT)
    assert result.returncode == 0, result.stderr
    old = {page: get(server.url4 + page)[2] for page in PAGES}
    assert all(old.values())

    seen: list[tuple[str, int, bytes]] = []
    stop = threading.Event()

    def load():
        deadline = time.monotonic() + 20
        while not stop.is_set() and len(seen) < 2000 and time.monotonic() < deadline:
            for page in PAGES:
                try:
                    status, _, body = get(server.url4 + page, timeout=5)
                except OSError as error:
                    status, body = -1, str(error).encode()
                seen.append((page, status, body))
            time.sleep(0.005)  # paced, so the bounded load outlasts the build and the switch

    thread = threading.Thread(target=load)
    thread.start()
    while len(seen) < 30:
        time.sleep(0.01)
    result = run_build(second_project, "publish", str(dest), "--no-pdf", "--as-of", MOMENT)
    published_at = len(seen)
    while len(seen) < published_at + 60 and thread.is_alive():
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert result.returncode == 0, result.stderr
    assert len(seen) > published_at, "the load ended before the publish finished"
    assert "已发布" in result.stdout

    new = {page: (dest / "current" / EDITION / page / "index.html").read_bytes() for page in PAGES}
    assert all(new[page] != old[page] for page in PAGES)
    assert "新版江北区".encode() in new[""]
    failed = [(page, status) for page, status, _ in seen if status != 200]
    assert not failed, failed[:10]
    mixed = [page for page, _, body in seen if body not in (old[page], new[page])]
    assert not mixed, f"{len(mixed)} responses were neither the old nor the new page: {mixed[:5]}"
    assert any(body == old[""] for page, _, body in seen if page == "")
    assert any(body == new[""] for page, _, body in seen if page == "")

    ids = releases(dest)
    assert len(ids) == 2 and current(dest) == f"releases/{ids[1]}"
    for release in ids:
        check_manifest(dest / "releases" / release)

    result = run_build(second_project, "publish", str(dest), "--rollback")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"已退回到上一个版本 {ids[0]}（{dest}）\n"
    assert current(dest) == f"releases/{ids[0]}"
    for page in PAGES:
        status, _, body = get(server.url4 + page)
        assert status == 200 and body == old[page], page
    for release in releases(dest):
        check_manifest(dest / "releases" / release)


def test_rollback_without_an_earlier_release_is_explained(tmp_path):
    dest = tmp_path / "srv"
    result = run_build(decided_copy(), "publish", str(dest), "--rollback")
    assert result.returncode == 4
    assert result.stderr == f"发布失败：{dest} 还没有发布过网站，无法退回\n"
    site = tmp_path / "site"
    write(site, "index.html", "<!DOCTYPE html><title>x</title>")
    publish(site, dest)
    with pytest.raises(PublishError, match="没有比当前版本"):
        rollback(dest)


def test_old_releases_beyond_keep_are_removed(tmp_path):
    site, dest = tmp_path / "site", tmp_path / "srv"
    made = []
    for number in range(4):
        write(site, "index.html", f"<!DOCTYPE html><title>{number}</title>")
        made.append(publish(site, dest, keep=2))
    assert releases(dest) == made[-2:]
    assert current(dest) == f"releases/{made[-1]}"
    assert (dest / "current" / "index.html").read_text() == "<!DOCTYPE html><title>3</title>"
    # keep=1 still leaves the release live before the new one, so --rollback always has a
    # target: here made[2], returned to; made[3], taken down by the rollback, goes.
    rollback(dest)
    write(site, "index.html", "<!DOCTYPE html><title>4</title>")
    made.append(publish(site, dest, keep=1))
    assert releases(dest) == [made[2], made[4]]
    assert (dest / "history").read_text() == f"{made[2]}\n{made[4]}\n"
    assert rollback(dest) == made[2]
    assert not [p for p in dest.iterdir() if p.name.startswith(".")], "temporary files left"


def test_cli_keep_option_prunes(tmp_path, second_project):
    dest = tmp_path / "srv"
    for _ in range(3):
        result = run_build(second_project, "publish", str(dest), "--keep", "2", "--no-pdf")
        assert result.returncode == 0, result.stderr
    assert len(releases(dest)) == 2
    assert current(dest) == f"releases/{releases(dest)[-1]}"


def test_damaged_release_is_not_rolled_back_to(tmp_path):
    site, dest = tmp_path / "site", tmp_path / "srv"
    write(site, "index.html", "<!DOCTYPE html><title>a</title>")
    first = publish(site, dest)
    write(site, "index.html", "<!DOCTYPE html><title>b</title>")
    second = publish(site, dest)
    (dest / "releases" / first / "index.html").write_text("tampered")
    with pytest.raises(PublishError, match="与校验文件不符.*内容不一致 index.html"):
        rollback(dest)
    assert current(dest) == f"releases/{second}"


def test_user_mistakes_are_explained_without_a_traceback(tmp_path):
    with pytest.raises(PublishError, match="找不到生成好的网站文件夹"):
        publish(tmp_path / "output", tmp_path / "srv")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = run_build(decided_copy(), "publish", str(not_a_folder), "--no-pdf")
    assert result.returncode == 4, result.stderr
    assert "发布失败：无法写入发布文件夹" in result.stderr and "Traceback" not in result.stderr
    result = run_build(decided_copy(), "publish")
    assert result.returncode == 2 and result.stderr == "请在 publish 后面写上发布到的服务器文件夹，如 /srv/jnxcz\n"
    real_folder = tmp_path / "srv2"
    (real_folder / "current").mkdir(parents=True)
    result = run_build(decided_copy(), "publish", str(real_folder), "--no-pdf")
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：{real_folder / 'current'} 是普通文件夹而不是指向发布版本的链接；"
        "为免误删，请先把它改名或移走，再发布\n"
    )
    assert list((real_folder / "current").iterdir()) == []


def test_package_holds_the_build_and_is_byte_identical(tmp_path):
    project = decided_copy()
    for name in ("one.zip", "two.zip"):
        result = run_build(project, "package", str(tmp_path / name), "--as-of", MOMENT)
        assert result.returncode == 0, result.stderr
        assert "打包为" in result.stdout
    first, second = (tmp_path / "one.zip").read_bytes(), (tmp_path / "two.zip").read_bytes()
    assert first == second
    result = run_build(project, "--out", str(tmp_path / "output"), "--as-of", MOMENT)
    assert result.returncode == 0, result.stderr
    files = snapshot(tmp_path / "output")
    assert files.pop(".jnxcz-site").startswith("本文件夹由 build.py 生成".encode())  # the output folder's own mark
    assert any(name.endswith(".pdf") for name in files)
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert set(names) == set(files) | {"MANIFEST.sha256"}
        for info in infos:
            assert info.date_time == (2024, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.external_attr >> 16 == 0o100644
            if info.filename != "MANIFEST.sha256":
                assert archive.read(info) == files[info.filename], info.filename
        archive.extractall(tmp_path / "unzipped")
    check_manifest(tmp_path / "unzipped")

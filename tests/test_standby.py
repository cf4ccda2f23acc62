"""The standby (`ship/standby.py`): the site swapped out last time, brought up to date and swapped in.

An edit writes only what changed into the standby tree; `output/` is the old site or the new one
throughout; a build killed between bringing the standby up to date and the swap, and a hand edit
in the standby tree or in `output/`, never reach a later build's output, which equals a clean
build of the same sources. Each case is run with the system's one-step exchange and with the two
renames used where there is none (Windows), forced here.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sitecopy import EDITION, copy_site, run_cli, snapshot

from campaign.ship import standby, write

AS_OF = "2024-05-14T09:00"
REPORT = "content/news/2024-04-03-report-0002.md"
PAGE = f"{EDITION}/news/2024-04-03-report-0002/index.html"


class Killed(BaseException):
    """The process gone: no handler of the command sees it."""


@pytest.fixture(params=["exchange", "two renames"])
def swap(request, monkeypatch) -> str:
    if request.param == "two renames":
        monkeypatch.setattr(write, "_renameat2", lambda a, b: False)
    return request.param


def project(folder: Path) -> Path:
    root = copy_site(folder)
    for n in range(6):
        (root / "content/news" / f"2024-04-{1 + n:02d}-report-{n:04d}.md").write_text(
            f"---\ntitle: 第{n}篇报道\ndate: 2024-04-{1 + n:02d}\nsource: 单位{n}\n---\n正文{n}，节能降碳。\n",
            encoding="utf-8",
        )
    return root


def build(root: Path, out: Path | None = None) -> Path:
    out = out or root / "output"
    result = run_cli(root, "--out", str(out), "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return out


def edit(root: Path, words: str) -> None:
    """The report's body says `words` (and no longer what an earlier edit made it say)."""
    path = root / REPORT
    text = re.sub(r"正文2(（.*?）)?，", f"正文2（{words}），", path.read_text(encoding="utf-8"))
    assert words in text
    path.write_text(text, encoding="utf-8")


def clean(root: Path, scratch: Path) -> dict[str, bytes]:
    """The same sources built in a fresh folder, with no cache and no standby."""
    fresh = copy_site(scratch / f"clean-{len(list(scratch.glob('clean-*')))}", source=root, printed=False)
    return snapshot(build(fresh))


def with_standby(tmp_path: Path) -> Path:
    """A project built three times, the last two after an edit: its standby is trusted."""
    root = project(tmp_path / "site")
    build(root)
    for words in ("一改", "二改"):
        edit(root, words)
        build(root)
    assert standby.Standby(root / "output").trusted() is not None
    return root


def tree(root: Path) -> Path:
    return root / ".output.old-standby" / "site"


def test_an_edit_writes_only_what_changed(tmp_path, swap, monkeypatch):
    root = with_standby(tmp_path)
    out = root / "output"
    before = {path: os.stat(out / path).st_ino for path in snapshot(out)}
    changed: list[set[str]] = []
    bring = standby.Standby.bring_up_to_date

    def spied(self, wanted, source, record):
        changed.append(bring(self, wanted, source, record))
        return changed[-1]

    monkeypatch.setattr(standby.Standby, "bring_up_to_date", spied)
    monkeypatch.setattr(write, "_in_full", lambda *args: pytest.fail("the site was made in full"))
    edit(root, "三改")
    build(root)
    # the standby held the site of two builds ago: what changed since then is put right in it
    # the report's page, the feed that lists it and the search index's parts that hold its words
    search = {f"{EDITION}/search/texts-002.js", f"{EDITION}/search/grams-00.js"}
    assert changed == [{PAGE, f"{EDITION}/feed.xml", *search}]
    after = {path: os.stat(out / path).st_ino for path in snapshot(out)}
    assert after.keys() == before.keys()
    assert {path for path in after if after[path] != before[path]} == {PAGE, f"{EDITION}/feed.xml", *search}
    assert "三改" in (out / PAGE).read_text(encoding="utf-8")
    assert snapshot(out) == clean(root, tmp_path)


def test_a_build_that_changed_nothing_leaves_the_standby_alone(tmp_path, swap):
    root = with_standby(tmp_path)
    record = (root / ".output.old-standby/record.json").read_bytes()
    output = os.stat(root / "output").st_ino
    build(root)
    assert (root / ".output.old-standby/record.json").read_bytes() == record
    assert os.stat(root / "output").st_ino == output


def test_a_kill_between_bringing_the_standby_up_to_date_and_the_swap(tmp_path, swap, monkeypatch):
    root = with_standby(tmp_path)
    out = root / "output"
    old = snapshot(out)

    def killed(new: Path, target: Path) -> None:
        assert new == tree(root) and "三改" in (new / PAGE).read_text(encoding="utf-8")  # brought up to date
        assert snapshot(target) == old
        raise Killed

    edit(root, "三改")
    with monkeypatch.context() as patch:
        patch.setattr(write, "_exchange", killed)
        with pytest.raises(Killed):
            build(root)
    assert snapshot(out) == old  # the old site, whole
    assert not (root / ".output.old-standby/record.json").exists()  # the half-made tree is not trusted
    build(root)
    assert snapshot(out) == clean(root, tmp_path)
    edit(root, "四改")  # and the tree the kill left is not what the next swap brings in
    build(root)
    assert snapshot(out) == clean(root, tmp_path)


HAND_EDITS = ["same size and date", "a file added", "a file removed", "a folder added"]


@pytest.mark.parametrize("how", HAND_EDITS)
def test_a_hand_edit_in_the_standby_never_reaches_output(tmp_path, swap, how):
    root = with_standby(tmp_path)
    contact = tree(root) / EDITION / "contact/index.html"
    if how == "same size and date":
        info = contact.stat()
        good = contact.read_bytes()
        spot = good.index(b"67875049")
        contact.write_bytes(good[:spot] + b"9" + good[spot + 1 :])
        os.utime(contact, ns=(info.st_atime_ns, info.st_mtime_ns))
    elif how == "a file added":
        (contact.parent / "说明.txt").write_text("手工放进来的", encoding="utf-8")
    elif how == "a file removed":
        contact.unlink()
    else:
        (contact.parent / "草稿").mkdir()
    assert standby.Standby(root / "output").trusted() is None
    edit(root, "三改")
    build(root)
    assert snapshot(root / "output") == clean(root, tmp_path)
    edit(root, "四改")
    build(root)
    assert snapshot(root / "output") == clean(root, tmp_path)


def test_a_hand_edit_in_output_is_put_right_and_stays_right(tmp_path, swap):
    """The old site, hand edit and all, becomes the standby: the build after next must not bring it back."""
    root = with_standby(tmp_path)
    page = root / "output" / EDITION / "contact/index.html"
    good = page.read_bytes()
    info = page.stat()
    spot = good.index(b"67875049")
    page.write_bytes(good[:spot] + b"9" + good[spot + 1 :])  # one digit: same size
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the date it had
    build(root)
    assert page.read_bytes() == good
    for words in ("三改", "四改"):
        edit(root, words)
        build(root)
        assert snapshot(root / "output") == clean(root, tmp_path)
        assert page.read_bytes() == good


def test_a_standby_whose_record_is_of_another_format_is_not_trusted(tmp_path):
    root = with_standby(tmp_path)
    record = root / ".output.old-standby/record.json"
    record.write_text(record.read_text(encoding="utf-8").replace('"format": 1', '"format": 0'), encoding="utf-8")
    assert standby.Standby(root / "output").trusted() is None
    record.write_text("{", encoding="utf-8")
    assert standby.Standby(root / "output").trusted() is None


def test_another_build_holding_the_standby_means_a_build_in_full(tmp_path, swap):
    root = with_standby(tmp_path)
    with standby.held(root / "output") as mine:
        assert mine is not None
        with standby.held(root / "output") as theirs:
            assert theirs is None
        edit(root, "三改")
        record = (root / ".output.old-standby/record.json").read_bytes()
        build(root)  # in this process: the lock is per open file, so this build is refused it too
        assert (root / ".output.old-standby/record.json").read_bytes() == record
    assert snapshot(root / "output") == clean(root, tmp_path)
    assert [p.name for p in root.iterdir() if p.name.startswith(".output.")] == [".output.old-standby"]


def test_the_standby_is_not_a_leftover_and_a_folder_deleted_by_hand_is_made_again(tmp_path, swap):
    root = with_standby(tmp_path)
    shutil.rmtree(root / "output")
    build(root)
    assert snapshot(root / "output") == clean(root, tmp_path)
    edit(root, "三改")
    build(root)
    assert snapshot(root / "output") == clean(root, tmp_path)
    assert (root / ".output.old-standby").is_dir()

"""`new-edition` killed at any step (kill -9, a power cut): the next command, whichever it is, finds
the project wholly this year's or wholly next year's, says which in one line, and builds.

The process is stopped after each step in turn (`CAMPAIGN_STOP_AT_STEP`, read by
`campaign.edition_journal`): in this process, `os._exit` replaced by an exception no handler of
the command catches, so nothing after the step runs, as after a kill; once for real.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sitecopy import copy_site, read, run_build, run_cli, snapshot, write

from campaign.edition_journal import KILLED, STOP_AT

LATER = "2025-03-01T10:00"  # before the 2025 week, the 2024 one long over
STEPS = 13  # every step of a new-edition, the last one just before it says what it did
JOURNALED = 6  # the step that writes the journal: stopped before it, the switch is undone; after, finished
UNDONE = "上次的 new-edition 2025 被中断，已经撤销，项目仍是 2024 届"
FINISHED = (
    "上次的 new-edition 2025 被中断，已经完成：2024 年的活动原样保存在 editions/2024/，"
    "config.yaml 和 content/ 已改为 2025 年的，下一步运行 python build.py check 逐项填写「待填写」"
)
TOOLS_OWN = (".cache/", "output/", "reports/")  # what a command writes that is not the project's sources


class Killed(BaseException):
    """The process gone at a step: no `except Exception` (nor Ctrl+C's handler) sees it."""


def _sources(root: Path) -> dict[str, bytes]:
    """Every file of the project but the tool's own output, hidden leftovers included."""
    return {path: data for path, data in snapshot(root).items() if not path.startswith(TOOLS_OWN)}


@pytest.fixture(scope="module")
def years(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The shipped sources as they are (2024) and after a new-edition 2025 that was not interrupted."""
    root = copy_site(tmp_path_factory.mktemp("reference") / "site", printed=False)
    before = _sources(root)
    started = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert started.returncode == 0, started.stderr
    return {"2024": before, "2025": _sources(root)}


def _stopped(root: Path, step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`new-edition 2025` run until `step`, where the process dies."""

    def die(code: int) -> None:
        raise Killed(code)

    with monkeypatch.context() as patch:
        patch.setenv(STOP_AT, str(step))
        patch.setattr(os, "_exit", die)
        with pytest.raises(Killed):
            run_cli(root, "new-edition", "2025", "--as-of", LATER)


def _assert_wholly(root: Path, year: str, years: dict[str, dict[str, bytes]]) -> None:
    assert f"base_url: https://www.example.gov.cn/jnxcz/{year}/" in read(root, "config.yaml")
    schedule = read(root, "content/schedule.yaml")
    assert ("\nevents: []\n" in schedule) == (year == "2025")
    assert (root / "editions").exists() == (year == "2025")
    assert _sources(root) == years[year]  # every other file as well, and nothing half-made beside them


@pytest.mark.parametrize("step", range(1, STEPS + 1))
def test_a_new_edition_stopped_at_any_step_is_undone_or_finished_by_the_next_build(tmp_path, monkeypatch, years, step):
    root = copy_site(tmp_path / "site", printed=False)
    _stopped(root, step, monkeypatch)
    built = run_cli(root, "build", "--no-pdf", "--as-of", LATER)
    assert built.returncode == 0, built.stderr
    said = UNDONE if step < JOURNALED else FINISHED if step < STEPS else None
    assert built.stderr == (f"{said}\n" if said else "")
    year = "2024" if step < JOURNALED else "2025"
    _assert_wholly(root, year, years)
    assert (root / "output" / "2025" / "index.html").exists() == (year == "2025")
    assert (root / "output" / "2024" / "index.html").exists()
    again = run_cli(root, "build", "--no-pdf", "--as-of", LATER)
    assert again.returncode == 0 and again.stderr == ""  # said once


def test_every_step_is_one_a_test_stops_at(tmp_path, monkeypatch, years):
    root = copy_site(tmp_path / "site", printed=False)
    monkeypatch.setenv(STOP_AT, str(STEPS + 1))
    started = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert started.returncode == 0 and started.stdout.startswith("已开始 2025 年的活动：")
    _assert_wholly(root, "2025", years)


@pytest.mark.parametrize(
    "words",
    [("check", "--no-pdf"), ("publish",), ("stats", "missing.log"), ("new-edition",), ("import", "nothing.docx")],
    ids=lambda words: words[0],
)
def test_every_command_first_finishes_the_switch(tmp_path, monkeypatch, years, words):
    """Whatever the command goes on to do or refuse, the switch is finished first and said first."""
    root = copy_site(tmp_path / "site", printed=False)
    _stopped(root, JOURNALED + 2, monkeypatch)  # content/ is in editions/2024/, config.yaml not yet
    result = run_cli(root, *words)
    assert result.stderr.startswith(f"{FINISHED}\n"), result.stderr
    _assert_wholly(root, "2025", years)


def test_a_new_edition_undone_can_be_run_again(tmp_path, monkeypatch, years):
    root = copy_site(tmp_path / "site", printed=False)
    _stopped(root, JOURNALED - 1, monkeypatch)
    started = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert started.returncode == 0, started.stderr
    assert started.stderr == f"{UNDONE}\n" and started.stdout.startswith("已开始 2025 年的活动：")
    _assert_wholly(root, "2025", years)


def test_a_new_edition_finished_is_not_started_twice(tmp_path, monkeypatch):
    root = copy_site(tmp_path / "site", printed=False)
    _stopped(root, JOURNALED, monkeypatch)
    again = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert (again.returncode, again.stderr) == (
        2,
        f"{FINISHED}\n没有开始新一届：新一届的年份（2025）应在本届（2025）之后\n",
    )


def test_a_file_put_in_the_way_is_never_overwritten(tmp_path, monkeypatch):
    """config.yaml written anew by hand after the kill, where 2024's had moved: the switch is not
    finished over it; both files are kept and the command says which one is in the way."""
    root = copy_site(tmp_path / "site", printed=False)
    _stopped(root, JOURNALED + 3, monkeypatch)  # this year's config.yaml moved into editions/2024/
    archived = read(root, "editions/2024/config.yaml")
    write(root, "config.yaml", "title: 手写的\n")
    result = run_cli(root, "build", "--no-pdf")
    assert result.returncode == 1
    assert (
        "editions/2024/config.yaml: 上次的 new-edition 2025 被中断，没能自动完成：这里已经有了 "
        "editions/2024/config.yaml，本该是 config.yaml 移来的；请把它放回原处或把多出的那个移出项目文件夹，再重新运行\n"
        in result.stderr
    )
    assert read(root, "config.yaml") == "title: 手写的\n"
    assert read(root, "editions/2024/config.yaml") == archived


def test_a_failed_rename_puts_back_what_had_moved(tmp_path, monkeypatch, years):
    """A rename refused half-way (a folder open in Windows Explorer, a full disk): the project is
    this year's again at once, the reason said."""
    root = copy_site(tmp_path / "site", printed=False)
    rename, count = os.rename, []

    def refused_fourth(source, target):
        count.append(source)
        if len(count) == 4:
            raise PermissionError(13, "Permission denied", str(source))
        rename(source, target)

    monkeypatch.setattr(os, "rename", refused_fourth)
    result = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert result.returncode == 6
    assert result.stderr.startswith("失败：没有写入权限：")
    _assert_wholly(root, "2024", years)


def test_a_real_kill_mid_switch_is_finished_by_the_next_build(tmp_path, monkeypatch, years):
    root = copy_site(tmp_path / "site", printed=False)
    monkeypatch.setenv(STOP_AT, str(JOURNALED + 2))
    killed = run_build(root, "new-edition", "2025", "--as-of", LATER)
    assert (killed.returncode, killed.stdout) == (KILLED, "")
    monkeypatch.delenv(STOP_AT)
    built = run_build(root, "build", "--no-pdf", "--as-of", LATER)
    assert (built.returncode, built.stderr) == (0, f"{FINISHED}\n")
    _assert_wholly(root, "2025", years)


def test_what_the_clerk_put_in_a_folder_of_the_tools_is_kept(tmp_path, years):
    """A retired switch folder left with a file in it (found by someone, a note dropped there):
    the file stays, and the next new-edition tidies its own folder beside it."""
    root = copy_site(tmp_path / "site", printed=False)
    write(root, ".edition-2024.old-2025/说明.txt", "别删\n")
    started = run_cli(root, "new-edition", "2025", "--as-of", LATER)
    assert started.returncode == 0 and started.stderr == ""
    assert read(root, ".edition-2024.old-2025/说明.txt") == "别删\n"
    assert not (root / ".edition-2024.old-2025-1").exists()
    assert {k: v for k, v in _sources(root).items() if not k.startswith(".edition-")} == years["2025"]

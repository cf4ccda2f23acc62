"""The switch of a project from this year's sources to next year's (`new-edition`): whole, even when killed.

Next year's edition is first prepared beside the sources, in the project's hidden folder
`.edition-2024.new-2025/` (no build reads it, no preview watches it, git ignores `.*.new-*/`):
`archive/` is to become `editions/2024/`, `next/` holds next year's `config.yaml` and `content/`.
Only when all of it is written and synced does the journal go in beside them (`journal.json`,
synced too), naming the five renames that switch the sources: the archive folder into
`editions/`, this year's `content/` and `config.yaml` into it (the clerk's own files, moved,
never copied), next year's into their place. Then the renames run.

Killed anywhere (kill -9, a power cut), the project holds either no journal (the sources are
untouched, the preparation is removed) or a journal (the renames are finished from it). The next
command, whichever it is, calls `resume` first, and so finds the project wholly this year's or
wholly next year's, and says in one line which.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
from pathlib import Path

from campaign.errors import ContentError
from campaign.load.editions import ARCHIVE

STOP_AT = "CAMPAIGN_STOP_AT_STEP"  # tests: the process dies after this step, as if killed
KILLED = 137  # the exit code a shell reports for a process killed with -9
JOURNAL = "journal.json"
PREPARED = re.compile(r"\.edition-(20[0-9]{2})\.new-(20[0-9]{2})")
RETIRED = re.compile(r"\.edition-(20[0-9]{2})\.old-(20[0-9]{2})(?:-[0-9]+)?")  # a switch done, its folder being tidied


class Switch:
    """One new-edition's folders and renames, from this year's folder `old` to `year`'s."""

    def __init__(self, project: Path, old: str, year: str):
        self.project, self.old, self.year = project, old, year
        self.staging = project / f".edition-{old}.new-{year}"
        self.archive = self.staging / "archive"  # becomes editions/<old>/: this year's templates, copied
        self.sources = self.staging / "next"  # next year's config.yaml and content/
        self.journal = self.staging / JOURNAL
        self.made = False  # editions/ made by this run: removed again should the switch be undone
        self.steps = 0

    def renames(self) -> list[tuple[str, str]]:
        """(from, to), relative to the project, in the order they run; undone in the reverse."""
        staged, archived = self.staging.name, f"{ARCHIVE}/{self.old}"
        return [
            (f"{staged}/archive", archived),
            ("content", f"{archived}/content"),
            ("config.yaml", f"{archived}/config.yaml"),
            (f"{staged}/next/content", "content"),
            (f"{staged}/next/config.yaml", "config.yaml"),
        ]

    def step(self) -> None:
        """One more step done; a test stops the process here, as a kill would: no handler runs."""
        self.steps += 1
        if os.environ.get(STOP_AT) == str(self.steps):
            os._exit(KILLED)

    # ----------------------------------------------------------------------- preparing

    def begin(self) -> None:
        if self.staging.exists():  # ours by its name, and holding only copies (`resume` removes it first)
            shutil.rmtree(self.staging)
        self.archive.mkdir(parents=True)
        self.sources.mkdir()
        self.step()

    def discard(self) -> None:
        """Remove the preparation: before the journal, the staging folder holds only what new-edition made."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def seal(self) -> None:
        """Sync every prepared file, then write the journal: from here on the switch is finished, not undone."""
        for folder, _, files in os.walk(self.staging):
            for name in files:
                _sync(Path(folder) / name)
            _sync_folder(Path(folder))
        written = self.staging / (JOURNAL + ".tmp")
        record = {"new-edition": self.year, "from": self.old, "renames": self.renames()}
        written.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _sync(written)
        os.replace(written, self.journal)  # whole or not there, even after a power cut
        _sync_folder(self.staging)
        self.step()

    # ----------------------------------------------------------------------- switching

    def run(self) -> None:
        """The renames, then the staging folder tidied away; a failure (a full disk, a folder open in
        Explorer, Ctrl+C) puts back what had moved, and the journal stays if even that fails."""
        done = 0
        try:
            self.made = not (self.project / ARCHIVE).is_dir()
            (self.project / ARCHIVE).mkdir(exist_ok=True)
            for source, target in self.renames():
                self._move(source, target)
                done += 1
                self.step()
        except (Exception, KeyboardInterrupt):
            self._undo(done)
            raise
        self._retire()

    def finish(self) -> None:
        """The renames an interrupted run left undone, from its journal."""
        renames = self._recorded()
        (self.project / ARCHIVE).mkdir(exist_ok=True)
        for source, target in renames[self._done(renames) :]:
            self._move(source, target, resumed=True)
        self._retire()

    def _recorded(self) -> list[tuple[str, str]]:
        try:
            record = json.loads(self.journal.read_text(encoding="utf-8"))
            renames = [(str(source), str(target)) for source, target in record["renames"]]
        except (ValueError, KeyError, TypeError):
            renames = []
        if renames != self.renames():  # never rename what new-edition does not
            raise ContentError.at(
                self._shown(self.journal),
                0,
                f"上次的 new-edition {self.year} 被中断，这份记录无法读懂，没有改动任何文件；"
                f"请把 {self.staging.name}/ 整个移出项目文件夹，再对照 {ARCHIVE}/ 检查 config.yaml 和 content/",
            )
        return renames

    def _done(self, renames: list[tuple[str, str]]) -> int:
        """How many renames had run: each leaves its target there and its source gone until a later
        one takes the target on or puts a new source in its place, so the last that looks done is."""
        for count in range(len(renames), 0, -1):
            source, target = renames[count - 1]
            if _there(self.project / target) and not _there(self.project / source):
                return count
        return 0

    def _move(self, source: str, target: str, resumed: bool = False) -> None:
        start, end = self.project / source, self.project / target
        # a rename would silently replace a file where one has appeared since, or find nothing to move
        if _there(end) or not _there(start):
            if not resumed:
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(end))
            where, what = (target, f"这里已经有了 {target}，本该是 {source} 移来的")
            if not _there(start):
                where, what = (source, f"找不到 {source}（它本该移到 {target}）")
            raise ContentError.at(
                where,
                0,
                f"上次的 new-edition {self.year} 被中断，没能自动完成：{what}；"
                "请把它放回原处或把多出的那个移出项目文件夹，再重新运行",
            )
        os.rename(start, end)
        _sync_folder(end.parent)
        if start.parent != end.parent:
            _sync_folder(start.parent)

    def _undo(self, done: int) -> None:
        for source, target in reversed(self.renames()[:done]):
            os.rename(self.project / target, self.project / source)
            _sync_folder((self.project / source).parent)
        self.journal.unlink(missing_ok=True)
        _sync_folder(self.staging)
        self.discard()
        if self.made:
            with contextlib.suppress(OSError):  # something put there meanwhile: kept
                (self.project / ARCHIVE).rmdir()

    def _retire(self) -> None:
        """The staging folder, empty but for the journal, renamed out of the way (the journal with
        it, at once), then removed piece by piece: nothing new-edition did not put there."""
        retired = self._retired()
        try:
            os.rename(self.staging, retired)
            _sync_folder(self.project)
        except OSError:  # the switch is done: the journal left behind only has the next command tidy up
            return
        self.step()
        _tidy(retired)
        self.step()

    def _retired(self) -> Path:
        """A free name for the retired staging folder: one an earlier switch left is tidied first,
        and kept, under its name, if the clerk put something in it."""
        name = f".edition-{self.old}.old-{self.year}"
        count = 0
        while True:
            retired = self.project / (f"{name}-{count}" if count else name)
            _tidy(retired)
            if not _there(retired):
                return retired
            count += 1

    def _shown(self, path: Path) -> str:
        return path.relative_to(self.project).as_posix()


def resume(project: Path) -> str | None:
    """Finish or undo a new-edition that was interrupted; what was done, in one line (None: nothing was)."""
    try:
        found = sorted(path for path in project.iterdir() if path.is_dir() and not path.is_symlink())
    except OSError:  # no project there: the command itself says so
        return None
    said = []
    for path in found:
        retired, prepared = RETIRED.fullmatch(path.name), PREPARED.fullmatch(path.name)
        if retired is not None:  # switched and its journal retired: killed while tidying up
            if (path / JOURNAL).is_file():
                said.append(_finished(retired[1], retired[2]))
            _tidy(path)
        elif prepared is not None:
            switch = Switch(project, prepared[1], prepared[2])
            if switch.journal.is_file():
                switch.finish()
                said.append(_finished(switch.old, switch.year))
            else:
                switch.discard()
                said.append(f"上次的 new-edition {switch.year} 被中断，已经撤销，项目仍是 {switch.old} 届")
    return "\n".join(said) or None


def _finished(old: str, year: str) -> str:
    return (
        f"上次的 new-edition {year} 被中断，已经完成：{old} 年的活动原样保存在 {ARCHIVE}/{old}/，"
        f"config.yaml 和 content/ 已改为 {year} 年的，下一步运行 python build.py check 逐项填写「待填写」"
    )


def _tidy(retired: Path) -> None:
    (retired / JOURNAL).unlink(missing_ok=True)
    for folder in ("next", ""):
        with contextlib.suppress(OSError):  # not there, or holding what new-edition did not put there: kept
            (retired / folder).rmdir()


def _there(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _sync(path: Path) -> None:
    """A file's bytes on the disk, not only in memory, so a power cut cannot leave it empty."""
    handle = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows syncs writable handles only
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sync_folder(path: Path) -> None:
    """A folder's entries on the disk (a rename survives a power cut); Windows has no such call."""
    if os.name != "nt":
        _sync(path)

"""Shared helpers for tests that work on a throw-away copy of the real project.

The copy holds the real `config.yaml`, `content/` and `templates/`, so a test breaks exactly one
thing in real content and sees what a clerk would see.

No test builds or checks the repository itself: a build writes `.cache/` (and `output/`,
`reports/`) into the project it is given, so tests that only need the shipped project as it is
build `shipped_copy()`, one throw-away copy per test session.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SITE_PARTS = ("config.yaml", "content", "templates")
# The shipped edition's folder in a build (the last segment of base_url): output/2024/index.html.
# output/ itself is the campaign's address (/jnxcz/): its index.html leads to the newest edition.
EDITION = "2024"
# The whole project, the generator's own code included: for tests that change the code.
PROJECT_PARTS = ("build.py", "campaign") + SITE_PARTS

# Pages show event status "as of" the build moment; a fixed clock (the reproducible-builds
# SOURCE_DATE_EPOCH convention the build honours) makes two builds comparable byte for byte.
# 1715738400 is 2024-05-15 10:00 Beijing time, the middle of the campaign week.
FIXED_EPOCH = "1715738400"


# Set by conftest for the whole test run (every xdist worker inherits it): the folder holding
# what the run shares, above all the one build of the shipped site with its poster PDFs.
RUN_FOLDER = "JNXCZ_TEST_RUN"
PRINTED = ".cache/pdf"  # where a build keeps the poster PDFs it printed (ship/printing.py)


def copy_site(dest: Path, source: Path = REPO, parts: tuple[str, ...] = SITE_PARTS, printed: bool = True) -> Path:
    """Copy the project's content and templates into `dest` (created if needed).

    `source` is another project folder to copy from (default: the repository); `parts` may be
    `PROJECT_PARTS` to copy the generator's code as well. With `printed`, the copy starts with
    the poster PDFs the run's shared build printed in its `.cache/pdf/`: a build of the copy
    prints again only the posters whose page, assets, clock or code differ (the cache's key), so
    the PDFs are printed once per test run, not once per test. `printed=False` for a copy whose
    build must print for itself (a test of printing or of a clean build's PDFs).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for part in parts:
        origin = source / part
        if origin.is_dir():
            shutil.copytree(origin, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, dest / part)
    if printed and not (dest / PRINTED).exists():
        shutil.copytree(shared_build().parent / "site" / PRINTED, dest / PRINTED)
    return dest


def run_folder() -> Path:
    """The folder this test run shares between its processes (one per process outside pytest)."""
    named = os.environ.get(RUN_FOLDER)
    if not named:
        named = tempfile.mkdtemp(prefix="jnxcz-run-")
        atexit.register(shutil.rmtree, named, ignore_errors=True)
        os.environ[RUN_FOLDER] = named
    return Path(named)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held by one process of the run at a time (xdist workers wait for each other here)."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _built_once(name: str, decided: bool) -> Path:
    """The shipped project (with its address decided, or not) built once per test run, poster
    PDFs included, with the real command line and the reader's real clock: `output/` of a copy
    in the run's folder. The processes of the run wait for each other here."""
    folder = run_folder() / name
    out = folder / "output"
    folder.mkdir(exist_ok=True)
    with _locked(run_folder() / f"{name}.lock"):
        if not (folder / "built").exists():
            shutil.rmtree(out, ignore_errors=True)
            root = copy_site(folder / "site", printed=False)
            if decided:
                decide_address(root)
            result = run_build(root, "--out", str(out), epoch=None)
            assert result.returncode == 0, result.stdout + result.stderr
            assert sorted(root.glob(f"{PRINTED}/*.pdf")), "the build printed no poster"
            (folder / "built").touch()
    return out


def shared_build() -> Path:
    """The shipped project built once per test run (`_built_once`). Every process of the run reads
    the same files; no test may change them."""
    return _built_once("shipped", decided=False)


# The shipped config.yaml's production address is a sample (example.gov.cn): publish and package
# refuse it and posters made with it are marked 样稿. Tests that publish decide an address first.
SAMPLE_ORIGIN = "https://www.example.gov.cn"
DECIDED_ORIGIN = "https://www.jgswj.gov.test"  # as long as the sample's: codes of the same size


def decide_address(root: Path) -> Path:
    """Give a copy its production address, as the clerk does once it is known: every edition's
    config.yaml with `DECIDED_ORIGIN` in place of the sample's origin."""
    for config in [root / "config.yaml", *sorted(root.glob("editions/*/config.yaml"))]:
        write(
            root,
            config.relative_to(root).as_posix(),
            read(root, config.relative_to(root).as_posix()).replace(SAMPLE_ORIGIN, DECIDED_ORIGIN),
        )
    return root


def decided_build() -> Path:
    """The shipped project with its address decided (`decide_address`), built once per test run
    with poster PDFs: what goes to the print shop once the address is known. Read only."""
    return _built_once("decided", decided=True)


_SHIPPED: Path | None = None
_DECIDED: Path | None = None


def decided_copy() -> Path:
    """Like `shipped_copy`, with the production address decided (`decide_address`): for tests
    that publish or package the shipped content as it is. Never edit its sources."""
    global _DECIDED
    if _DECIDED is None:
        holder = Path(tempfile.mkdtemp(prefix="jnxcz-decided-"))
        atexit.register(shutil.rmtree, holder, ignore_errors=True)
        _DECIDED = decide_address(copy_site(holder / "site"))
    return _DECIDED


def shipped_copy() -> Path:
    """A copy of the shipped project, made once per test session and removed when it ends.

    For tests that build or check the project as it is shipped, instead of the repository
    (whose `.cache/`, `output/` and `reports/` a build would write). Never edit its sources:
    other tests build it too. It starts with the run's printed posters (see `copy_site`).
    """
    global _SHIPPED
    if _SHIPPED is None:
        holder = Path(tempfile.mkdtemp(prefix="jnxcz-shipped-"))
        atexit.register(shutil.rmtree, holder, ignore_errors=True)
        _SHIPPED = copy_site(holder / "site")
    return _SHIPPED


def run_build(
    root: Path, *args: str, cwd: Path | None = None, epoch: str | None = FIXED_EPOCH, program: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the real command line, `python build.py --root <root>`, as a clerk would.

    The clock is fixed with SOURCE_DATE_EPOCH unless `epoch` is None. `program` is another
    `build.py` to run (a copy of the project with changed code); by default the repository's.
    """
    env = dict(os.environ)
    if program is not None:
        env.pop("PYTHONPATH", None)  # the `campaign` package must be the one beside `program`
    if epoch is None:
        env.pop("SOURCE_DATE_EPOCH", None)
    else:
        env["SOURCE_DATE_EPOCH"] = epoch
    return subprocess.run(
        [sys.executable, str(program or REPO / "build.py"), "--root", str(root), *args],
        cwd=str(cwd or root.parent),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        env=env,
    )


def run_cli(root: Path, *args: str, epoch: str | None = FIXED_EPOCH) -> subprocess.CompletedProcess:
    """The command line run in this process, `build.py --root <root> ARGS`: the same words on
    stdout and stderr and the same exit code as `run_build`, without starting Python again.

    For the many tests whose point is a message and its line; `run_build` stays for what only a
    real process shows (exit codes of one test per command, kills, signals, the environment).
    A traceback is not turned into a message here: it fails the test with its stack.
    """
    from campaign.cli import main

    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = epoch
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["--root", str(root), *args])
            except SystemExit as exc:  # argparse refusing an option
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return subprocess.CompletedProcess(["build.py", "--root", str(root), *args], code, out.getvalue(), err.getvalue())


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` as relative posix path -> bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def read(root: Path, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def line_of(text: str, needle: str, nth: int = 1, start: int = 1) -> int:
    """1-based number of the line holding the nth occurrence of `needle` (from line `start`)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= start and needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} (occurrence {nth}) not found")


def replace_line(text: str, number: int, new: str) -> str:
    """Replace line `number` (1-based) by `new` (which may hold several lines)."""
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def insert_after(text: str, number: int, new: str) -> str:
    """Insert `new` as line(s) after line `number`."""
    lines = text.split("\n")
    lines[number:number] = new.split("\n")
    return "\n".join(lines)


def delete_line(text: str, number: int) -> str:
    lines = text.split("\n")
    del lines[number - 1]
    return "\n".join(lines)


def key_line(text: str, prefix: str, nth: int = 1, start: int = 1) -> int:
    """Like `line_of`, but the line must *start* with `prefix` (so comments never match)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= start and line.startswith(prefix):
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"no line starts with {prefix!r} (occurrence {nth})")


def exact_line(text: str, wanted: str) -> int:
    """The only line equal to `wanted` (trailing spaces ignored)."""
    found = [n for n, line in enumerate(text.split("\n"), start=1) if line.rstrip() == wanted]
    assert len(found) == 1, f"{wanted!r} found on lines {found}"
    return found[0]


# What a clerk fills in from next year's notice, by key (dates inside the 2025 week).
FILLED_IN = {
    "start": "2025-05-12",
    "end": "2025-05-18",
    "date": "2025-05-15",
    "announce_on": "2025-05-12",
    "deadline": "2025-05-16",
    "written": "2025-05-06",
    "published": "2025-05-08",
    "email": "jnxcz2025@jgswj.gov.test",
    "phone": '"67870000"',
}


def fill_in_new_edition(root: Path) -> Path:
    """Fill in, at its line, every value `new-edition` left 待填写 that makes the edition a draft,
    as a clerk does from the new notice: the edition becomes the live one."""
    from campaign import pipeline
    from campaign.context import make_context

    project = pipeline.load_project(make_context(root, None))
    for placeholder in project.unfilled:
        lines = read(root, placeholder.file).split("\n")
        line = lines[placeholder.line - 1]
        value = FILLED_IN.get(placeholder.key, f"2025年的{placeholder.key}（已按通知填写）")
        keyed = f"{placeholder.key}:"
        head = line[: line.index(keyed) + len(keyed)] if keyed in line else line[: line.index("- ") + 1]  # a list item
        lines[placeholder.line - 1] = f"{head} {value}"
        write(root, placeholder.file, "\n".join(lines))
    return root

"""Ctrl+C during a build: the real command, interrupted at moments spread over a build.

The signal goes to the build's whole process group, as a terminal sends it, so the workers
that render in parallel get it too. Every run must end within a second of it with exit 130,
one line in Chinese and no traceback, no process of it left behind, and the output folder as
it was before (absent if there was none). A Ctrl+C that comes after the new site was swapped
in (the last moments of a build) must say so, with the new site whole; the run is then
repeated with an earlier Ctrl+C, so that every moment asked for is tested before the swap.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from sitecopy import FIXED_EPOCH, copy_site, snapshot

AS_OF = "2024-05-14T09:00"
NEWS = 1500  # enough pages for the rendering to be spread over the workers (MIN_ITEMS)
SAID = "已中断，网站没有改动。\n"
FRACTIONS = (0.15, 0.3, 0.45, 0.6, 0.7)  # of an uninterrupted build's time: loading, rendering, writing


def add_news(root: Path, count: int, heading: str) -> None:
    paragraph = "各单位开展节能降碳宣传，倡导绿色低碳的工作和生活方式。" * 6
    for n in range(count):
        day = f"2024-04-{1 + n % 28:02d}"
        body = "".join(f"## 第{part}部分\n\n{paragraph}{n}\n\n- 要点一\n- 要点二\n\n" for part in range(12))
        (root / "content/news" / f"{day}-report-{n:04d}.md").write_text(
            f"---\ntitle: {heading}第{n}篇报道\ndate: {day}\nsource: 单位{n % 7}\n---\n{body}"
            f"| 项目 | 数值 |\n|---|---|\n| 用电 | {n} |\n",
            encoding="utf-8",
        )


def start(root: Path, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "JNXCZ_WORKERS": "2", "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "--out", str(out), "--no-pdf", "--as-of", AS_OF],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        start_new_session=True,  # its own process group, which Ctrl+C in a terminal signals as a whole
    )


def gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, float, dict[str, bytes]]:
    """A project of 1,500 reports built once into output/, then changed; a build's time; and the
    site the changed project makes."""
    root = copy_site(tmp_path_factory.mktemp("interrupt") / "site", printed=False)
    add_news(root, NEWS, "")
    times = []
    for out in (root / "output", root / "timed"):  # the second as the runs below: no cache, all rendered
        shutil.rmtree(root / ".cache", ignore_errors=True)
        started = time.monotonic()
        build = start(root, out)
        _, err = build.communicate(timeout=300)
        assert build.returncode == 0, err
        times.append(time.monotonic() - started)
    shutil.rmtree(root / "timed")
    add_news(root, NEWS, "改过的")  # what the interrupted builds would have written
    build = start(root, root / "new")
    _, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    new = snapshot(root / "new")
    shutil.rmtree(root / "new")
    return root, min(times), new


def put_back(out: Path, files: dict[str, bytes] | None) -> None:
    """`out` as `snapshot` found it (None: absent)."""
    shutil.rmtree(out, ignore_errors=True)
    for name, data in (files or {}).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


@pytest.mark.parametrize("fraction", FRACTIONS)
@pytest.mark.parametrize("previous", ["output", "none"])
def test_ctrl_c_at_any_moment_leaves_the_site_as_it_was(site, fraction, previous):
    root, seconds, new = site
    out = root / "output" if previous == "output" else root / "fresh"
    before = snapshot(out) if out.exists() else None
    assert (before is None) == (previous == "none")
    delay = fraction * seconds
    for _ in range(5):  # on a machine busy with other work a build can be quicker than the one timed
        shutil.rmtree(root / ".cache", ignore_errors=True)  # every run renders all of it again, in parallel
        build = start(root, out)
        time.sleep(delay)
        if build.poll() is not None:
            build.communicate()
        else:
            stdout, stderr, took = interrupt(build)
            # it stops at once rather than finishing the build: in well under the time a whole build
            # takes here (the same busy machine slows both), and never over a second on a quick one
            assert took < max(1, seconds / 2), f"{took:.2f} s from Ctrl+C to the end (a build takes {seconds:.2f} s)"
            assert gone(build.pid), "a worker outlived the build"
            assert "Traceback" not in stderr
            if (build.returncode, stderr) == (130, SAID):
                assert "已生成" not in stdout
                break
            if build.returncode == 130:
                assert stderr == f"已中断，但 {out} 已经换成这次生成的完整网站。\n"
            else:  # the build had just finished
                assert (build.returncode, stderr) == (0, "") and stdout.startswith(f"已生成 {out}："), stderr
            assert snapshot(out) == new  # too late to stop it: the new site is whole
        put_back(out, before)
        delay *= 0.6
    else:
        pytest.fail("every build ended, or swapped its new site in, before it was interrupted")
    if before is None:
        assert not out.exists()
    else:
        assert snapshot(out) == before


def interrupt(build: subprocess.Popen[str]) -> tuple[str, str, float]:
    """Ctrl+C to the build's process group: (what it said, on stdout and stderr; seconds until it ended)."""
    os.killpg(build.pid, signal.SIGINT)
    interrupted = time.monotonic()
    try:
        stdout, stderr = build.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(build.pid, signal.SIGKILL)
        build.communicate()
        pytest.fail("still running 30 s after Ctrl+C")
    took = time.monotonic() - interrupted
    time.sleep(0.2)  # a worker killed with the build would be gone by now
    return stdout, stderr, took

"""Shared fixtures: a real build of the shipped site, a local web server, headless Chromium.

Tests never write into the repository: builds and checks run on a throw-away copy of the
project (`sitecopy.shipped_copy`), and Hypothesis keeps its example database outside it.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from sitecopy import EDITION, shipped_copy

REPO = Path(__file__).resolve().parent.parent
# Hypothesis would keep `.hypothesis/` in the current folder, the repository; failing examples
# are still remembered between runs (and replayed first), just not in the project.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "jnxcz-tests-hypothesis")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_build(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would.

    Without a `--root`, on the session's copy of the shipped project, never on the repository
    (a build writes `.cache/`, a check `reports/`, into the project it works on).
    """
    if "--root" not in args:
        args = (*args, "--root", str(shipped_copy()))
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd or shipped_copy().parent,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The shipped project built (poster PDFs included) from a copy, into a temporary folder:
    the shipped edition's folder in it (output/2024/, what /jnxcz/2024/ serves)."""
    out = tmp_path_factory.mktemp("site") / "output"
    result = run_build("--root", str(shipped_copy()), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / EDITION


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="session")
def site_server(built_site):
    """Serves the built site on 127.0.0.1; yields its root URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

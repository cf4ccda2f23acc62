"""Shared fixtures: a real build of the shipped site, a local web server, headless Chromium;
the run's profile (fast by default, `--thorough` for the long run) and its shared folder.

Tests never write into the repository: builds and checks run on a throw-away copy of the
project (`sitecopy.shipped_copy`), and Hypothesis keeps its example database outside it.

The suite runs over both cores (pytest-xdist, `tests/run.sh`): the processes of one run share
a folder (`sitecopy.run_folder`) holding the one build of the shipped site that every reading
test uses and whose printed posters seed every copy's cache.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from sitecopy import EDITION, RUN_FOLDER, shared_build, shipped_copy

REPO = Path(__file__).resolve().parent.parent
# Hypothesis would keep `.hypothesis/` in the current folder, the repository; failing examples
# are still remembered between runs (and replayed first), just not in the project.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "jnxcz-tests-hypothesis")
# Hypothesis: a few examples each by default (the database replays every failure found before
# first), many with --thorough. Each example builds the whole site, so no deadline.
_HYPOTHESIS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fast", max_examples=10, **_HYPOTHESIS)
settings.register_profile("thorough", max_examples=300, **_HYPOTHESIS)
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


def pytest_addoption(parser):
    parser.addoption(
        "--thorough",
        action="store_true",
        help="the long run: 300 Hypothesis examples a test, every kill timing of the fault suite",
    )


def pytest_configure(config):
    thorough = config.getoption("--thorough")
    settings.load_profile("thorough" if thorough else "fast")
    if not hasattr(config, "workerinput"):  # the controlling process: the workers inherit the folder
        folder = tempfile.mkdtemp(prefix="jnxcz-run-")
        os.environ[RUN_FOLDER] = folder
        config.jnxcz_run_folder = folder


def pytest_collection_modifyitems(config, items):
    """--thorough: each test does up to fifteen times the work, so it gets that much longer."""
    if config.getoption("--thorough"):
        limit = float(config.getini("timeout")) * 15  # pyproject.toml's limit for one test
        for item in items:
            item.add_marker(pytest.mark.timeout(limit))


def pytest_unconfigure(config):
    folder = getattr(config, "jnxcz_run_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def thorough(request) -> bool:
    """True on the long run (`--thorough`): loops over kill timings try every one."""
    return bool(request.config.getoption("--thorough"))


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
        timeout=300,
    )


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The shipped project built once per run (poster PDFs included) with the real command line:
    the shipped edition's folder of it (output/2024/, what /jnxcz/2024/ serves). Read only."""
    return shared_build() / EDITION


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

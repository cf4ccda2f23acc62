"""Debian's real nginx running deploy/nginx.conf, for tests that must see what production serves.

Only the listen ports and the /srv/jnxcz folder of the shipped file are rewritten, so a test
that passes here passes with the file as it is installed on the server.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

NGINX = "/usr/sbin/nginx"
SITE_PATH = "/jnxcz/2024/"
PRODUCTION_FOLDER = "/srv/jnxcz"


@dataclass(frozen=True)
class Nginx:
    port: int
    dest: Path  # the publish folder; nginx serves dest/current/

    @property
    def url4(self) -> str:
        return f"http://127.0.0.1:{self.port}{SITE_PATH}"

    @property
    def url6(self) -> str:
        return f"http://[::1]:{self.port}{SITE_PATH}"


def free_port() -> int:
    """A port free on both 127.0.0.1 and ::1, so one server block answers on both."""
    for _ in range(50):
        with socket.socket(socket.AF_INET) as four:
            four.bind(("127.0.0.1", 0))
            port = four.getsockname()[1]
            with socket.socket(socket.AF_INET6) as six:
                try:
                    six.bind(("::1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on both 127.0.0.1 and ::1")


def site_conf(port: int, dest: Path) -> str:
    """deploy/nginx.conf with only the listen lines and the server folder changed."""
    text = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    text, four = re.subn(r"(?m)^(\s*)listen 80;", rf"\1listen 127.0.0.1:{port};", text)
    text, six = re.subn(r"(?m)^(\s*)listen \[::\]:80;", rf"\1listen [::1]:{port};", text)
    assert four == 1 and six == 1, "deploy/nginx.conf must listen on 80 and [::]:80"
    assert PRODUCTION_FOLDER + "/current/" in text
    return text.replace(PRODUCTION_FOLDER, str(dest))


def main_conf(work: Path, site: Path) -> str:
    """The smallest nginx.conf around the site block (Debian's adds nothing the site needs)."""
    return f"""worker_processes 2;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {site};
}}
"""


def get(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) without raising on 4xx/5xx and without decompressing."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@contextlib.contextmanager
def running_nginx():
    """Start nginx in the foreground on a fresh publish folder; stop it on exit.

    The folder is created under /tmp with mode 755 (pytest's own tmp folders are 700), so
    nginx's workers run as the unprivileged default user, as on a server, and the test shows
    the published files are readable by them.
    """
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is not installed: apt-get install nginx")
    work = Path(tempfile.mkdtemp(prefix="jnxcz-nginx-"))
    os.chmod(work, 0o755)
    dest = work / "srv"
    dest.mkdir(mode=0o755)
    port = free_port()
    site = work / "site.conf"
    site.write_text(site_conf(port, dest), encoding="utf-8")
    conf = work / "nginx.conf"
    conf.write_text(main_conf(work, site), encoding="utf-8")
    directives = f"daemon off; pid {work}/nginx.pid; error_log {work}/error.log warn;"
    check = subprocess.run(
        [NGINX, "-t", "-q", "-e", str(work / "error.log"), "-c", str(conf), "-g", directives],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-e", str(work / "error.log"), "-c", str(conf), "-g", directives],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Nginx(port, dest)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode(errors="replace")
                    pytest.fail(f"nginx did not start:\n{output}\n{error_log(work)}")
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        shutil.rmtree(work, ignore_errors=True)


def error_log(work: Path) -> str:
    log = work / "error.log"
    return log.read_text(errors="replace") if log.exists() else ""

"""Debian's real nginx running deploy/nginx.conf, for tests that must see what production serves.

Only the listen ports (and the port in the HTTP -> HTTPS redirect), the server name (the test's
host names: localhost, and the addresses 127.0.0.1 and ::1 the tests ask by), the certificate
paths, the /srv/jnxcz folder and the access log's path of the shipped file are rewritten, so a test that
passes here passes with the file as it is installed on the server. The certificate is a
self-signed one made with openssl for 127.0.0.1 and ::1; `get` and `connection` trust it
(verification stays on).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

NGINX = "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
SITE_PATH = "/jnxcz/2024/"
PRODUCTION_NAME = "www.example.gov.cn"
SERVER_NAMES = "localhost 127.0.0.1 [::1]"  # the first is where plain HTTP redirects to
PRODUCTION_FOLDER = "/srv/jnxcz"
PRODUCTION_CERTIFICATE = "/etc/nginx/tls/jnxcz.crt"
PRODUCTION_KEY = "/etc/nginx/tls/jnxcz.key"
PRODUCTION_ACCESS_LOG = "/var/log/nginx/jnxcz.access.log"
# Trusts every certificate a running_nginx() made (each is added when made): hostname and
# chain are verified as a browser would, against that self-signed certificate.
TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Nginx:
    port: int  # HTTPS
    http_port: int  # plain HTTP: redirects to HTTPS
    dest: Path  # the publish folder; nginx serves dest/current/
    certificate: Path

    @property
    def access_log(self) -> Path:
        """The site's access log, in the shipped format (written beside the publish folder)."""
        return self.dest.parent / "jnxcz.access.log"

    @property
    def url4(self) -> str:
        return f"https://127.0.0.1:{self.port}{SITE_PATH}"

    @property
    def url6(self) -> str:
        return f"https://[::1]:{self.port}{SITE_PATH}"

    @property
    def http_url4(self) -> str:
        return f"http://127.0.0.1:{self.http_port}{SITE_PATH}"

    @property
    def http_url6(self) -> str:
        return f"http://[::1]:{self.http_port}{SITE_PATH}"


def free_ports(count: int = 2) -> list[int]:
    """Distinct ports free on both 127.0.0.1 and ::1, so one server block answers on both."""
    ports: list[int] = []
    for _ in range(100):
        with socket.socket(socket.AF_INET) as four:
            four.bind(("127.0.0.1", 0))
            port = four.getsockname()[1]
            with socket.socket(socket.AF_INET6) as six:
                try:
                    six.bind(("::1", port))
                except OSError:
                    continue
        if port not in ports:
            ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free port on both 127.0.0.1 and ::1")


def _rewrite(text: str, pattern: str, replacement: str, what: str, times: int = 1) -> str:
    text, count = re.subn(pattern, replacement, text)
    assert count == times, f"deploy/nginx.conf must have {times} {what}"
    return text


def site_conf(port: int, http_port: int, dest: Path, certificate: Path, key: Path) -> str:
    """deploy/nginx.conf with only the ports, the server name, the certificate paths, the server folder and
    the log changed."""
    text = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    # each twice: the site's block and the default server's
    listen = {
        r"listen 80": f"listen 127.0.0.1:{http_port}",
        r"listen \[::\]:80": f"listen [::1]:{http_port}",
        r"listen 443 ssl": f"listen 127.0.0.1:{port} ssl",
        r"listen \[::\]:443 ssl": f"listen [::1]:{port} ssl",
    }
    for pattern, replacement in listen.items():
        text = _rewrite(text, rf"(?m)^(\s*){pattern}( default_server)?;", rf"\1{replacement}\2;", f"`{pattern}`", 2)
    text = _rewrite(
        text,
        r"return 301 https://\$server_name\$request_uri;",
        f"return 301 https://$server_name:{port}$request_uri;",
        "redirect to https://$server_name$request_uri",
    )
    text = _rewrite(
        text, re.escape(f"server_name {PRODUCTION_NAME};"), f"server_name {SERVER_NAMES};", "server_name", 2
    )
    text = _rewrite(text, re.escape(f" {PRODUCTION_CERTIFICATE};"), f" {certificate};", "certificate paths", 2)
    text = _rewrite(text, re.escape(f" {PRODUCTION_KEY};"), f" {key};", "key paths", 2)
    log = dest.parent / "jnxcz.access.log"
    text = _rewrite(text, re.escape(f"access_log {PRODUCTION_ACCESS_LOG} "), f"access_log {log} ", "access log path")
    assert PRODUCTION_FOLDER + "/current/" in text
    return text.replace(PRODUCTION_FOLDER, str(dest))


def make_certificate(work: Path) -> tuple[Path, Path]:
    """A self-signed certificate (and key) for 127.0.0.1, ::1 and localhost, valid two days."""
    certificate, key = work / "jnxcz.crt", work / "jnxcz.key"
    result = subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    TLS.load_verify_locations(cafile=str(certificate))
    return certificate, key


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
    """(status, headers, body) without raising on 4xx/5xx and without decompressing.

    HTTPS is verified against the test certificate; redirects are followed (see `connection`
    for a request that must not follow them).
    """
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=TLS) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def connection(url: str, timeout: float = 10) -> http.client.HTTPConnection:
    """A connection (kept open between requests) to the host of `url`; HTTPS verified as in `get`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=TLS)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


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
    port, http_port = free_ports(2)
    certificate, key = make_certificate(work)
    site = work / "site.conf"
    site.write_text(site_conf(port, http_port, dest, certificate, key), encoding="utf-8")
    conf = work / "nginx.conf"
    conf.write_text(main_conf(work, site), encoding="utf-8")
    directives = f"daemon off; pid {work}/nginx.pid; error_log {work}/error.log warn;"
    check = subprocess.run(
        [NGINX, "-t", "-q", "-e", str(work / "error.log"), "-c", str(conf), "-g", directives],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-e", str(work / "error.log"), "-c", str(conf), "-g", directives],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Nginx(port, http_port, dest, certificate)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                for url in (server.url4, server.url6, server.http_url4, server.http_url6):
                    probe = connection(url, timeout=1)
                    try:
                        probe.request("HEAD", "/")
                        probe.getresponse().read()
                    finally:
                        probe.close()
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
            process.wait(timeout=60)
        process.stdout.close()
        shutil.rmtree(work, ignore_errors=True)


def error_log(work: Path) -> str:
    log = work / "error.log"
    return log.read_text(errors="replace") if log.exists() else ""

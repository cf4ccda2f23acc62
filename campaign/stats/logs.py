"""Reading nginx access logs in the shipped `jnxcz` format, line by line: plain, rotated (.1) and gzip files.

The format is defined in deploy/nginx.conf:

    $time_iso8601 $remote_addr $request_method "$jnxcz_path" $status $body_bytes_sent "$jnxcz_referer" "$http_user_agent"

where `$jnxcz_path` is the address as requested without its query string and `$jnxcz_referer`
the referring page without its query string. nginx writes `"`, `\\`, control characters and
every byte above 126 as `\\xHH`, so a quoted field never holds a raw quote. A line that does not
match is malformed: counted by the caller and skipped, never fatal.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from campaign.model.timeline import BEIJING

GZIP_MAGIC = b"\x1f\x8b"
LINE = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:[0-5]\d:[0-5]\d(?:[+-]\d\d:\d\d|Z)) (\S+) ([A-Za-z_-]*) "
    r'"([^"]*)" (\d{3}) (?:\d+|-) "([^"]*)" "([^"]*)"'
)
_ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # never shown as such: a terminal would obey them


class LogError(Exception):
    """A log file that cannot be read at all; the message is for the user, in Chinese."""


class Request(NamedTuple):
    """One line of the log, decoded: the day is Beijing's, the path and referrer have no query."""

    day: dt.date
    address: str
    method: str
    path: str  # as requested, percent-decoded, e.g. /jnxcz/2024/schedule/
    status: int
    referrer: str  # "" when none
    agent: str  # "" when none


def check(names: list[str]) -> list[Path]:
    """The log files named, each readable, duplicates left out; LogError with a plain message if not."""
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for name in names:
        path = Path(name)
        if not path.exists():
            raise LogError(
                f"找不到日志文件 {name}：请检查文件名和文件夹（本站的访问日志一般是 /var/log/nginx/jnxcz.access.log）"
            )
        if path.is_dir():
            raise LogError(f"{name} 是文件夹，不是日志文件：请写出文件名，如 {path / 'jnxcz.access.log'}*")
        try:
            with open_log(path) as stream:
                stream.read(1)
        except PermissionError:
            raise LogError(
                f"没有权限读取日志文件 {name}：nginx 的日志只有 root 和 adm 组能读，"
                "请在命令前加 sudo，或请服务器管理员把你的账号加入 adm 组"
            ) from None
        except (OSError, EOFError, zlib.error) as exc:
            raise LogError(f"日志文件 {name} 读不出来（{getattr(exc, 'strerror', None) or exc}）") from None
        identity = path.stat()
        if (identity.st_dev, identity.st_ino) not in seen:  # the same file named twice counts once
            seen.add((identity.st_dev, identity.st_ino))
            files.append(path)
    return files


def open_log(path: Path) -> io.TextIOBase:
    """The file as text, decompressed when it is gzip (by its first bytes, whatever its name)."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def lines(path: Path, limit: int | None = None, trouble: Callable[[str], None] = print) -> Iterator[str]:
    """The file's lines, at most `limit`; a damaged compressed file yields what precedes the damage."""
    count = 0
    try:
        with open_log(path) as stream:
            for line in stream:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield line
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        trouble(f"注意：日志文件 {path} 在第 {count} 行之后损坏或不完整（压缩文件有误：{exc}），其余部分已跳过")
    except OSError as exc:
        trouble(f"注意：日志文件 {path} 在第 {count} 行之后读不下去（{exc.strerror or exc}），其余部分已跳过")


Days = dict[str, dt.date]  # "2024-05-15T10+08:00" -> the Beijing day (whole-hour offsets only)
MAX_DAYS = 100_000  # hours remembered: a year of logs has under 9,000


def parse(line: str, days: Days | None = None) -> Request | None:
    """The request a line records, or None when the line is not in the `jnxcz` format.

    `days` is the caller's memo of the Beijing day of each hour seen, so a log of millions of
    lines (a few hundred hours) has its times parsed once an hour rather than once a line.
    """
    match = LINE.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    stamp, address, method, path, status, referrer, agent = match.groups()
    day = (days.get(stamp[:13] + stamp[19:]) if days is not None else None) or _day(stamp, days)
    if day is None:
        return None
    if "?" in path or "%" in path or "\\x" in path or path[:1] != "/":
        path = _path(path)
    if "\\x" in referrer or "?" in referrer or "#" in referrer or referrer == "-":
        referrer = _referrer(referrer)
    if "\\x" in agent or agent == "-":
        agent = _text(agent)
    return Request(day, address, method, path, int(status), referrer, agent)


def _day(stamp: str, days: Days | None) -> dt.date | None:
    """The Beijing day of an ISO 8601 time; remembered in `days` per hour when the offset is whole hours."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    day = moment.astimezone(BEIJING).date()
    if days is not None and stamp.endswith(("00", "Z")) and len(days) < MAX_DAYS:  # the day changes on the hour there
        days[stamp[:13] + stamp[19:]] = day
    return day


def _text(field: str) -> str:
    """A quoted field with nginx's \\xHH escapes turned back into characters; "-" means none."""
    if field == "-":
        return ""
    if "\\x" not in field:
        return field
    text = _ESCAPED.sub(lambda m: bytes.fromhex(m.group().replace("\\x", "")).decode("utf-8", "replace"), field)
    return _CONTROL.sub("\ufffd", text)


def _path(field: str) -> str:
    path = _text(field)
    if not path.startswith("/"):  # "GET http://host/path": the absolute form of a request
        path = urlsplit(path).path or "/"
    path = path.split("?", 1)[0]  # in case a log of another format holds the query
    return _CONTROL.sub("\ufffd", unquote(path, errors="replace")) if "%" in path else path


def _referrer(field: str) -> str:
    return _text(field).split("#", 1)[0].split("?", 1)[0]

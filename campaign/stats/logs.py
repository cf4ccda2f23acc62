"""Reading web server access logs line by line (plain, rotated .1 and gzip files), in three formats.

The shipped `jnxcz` format, defined in deploy/nginx.conf:

    $time_iso8601 $remote_addr $request_method "$jnxcz_path" $status $body_bytes_sent "$jnxcz_referer" "$http_user_agent"

where `$jnxcz_path` is the address as requested without its query string and `$jnxcz_referer`
the referring page without its query string. nginx writes `"`, `\\`, control characters and
every byte above 126 as `\\xHH`, so a quoted field never holds a raw quote. A line that does not
match is malformed: counted by the caller and skipped, never fatal.

A server kept by someone else (the district's 集约化 platform) often logs in nginx's and
Apache's default `combined` format instead, or in the `common` format without the referring
page and the browser:

    $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
    %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"

Those hold the query strings, which may name people: they are cut off here, at once, like
the user name, so nothing past `parse` ever sees them. Each file's format is told from its
first lines (`detect`), and the report says which format each file was read as.
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
Days = dict[str, dt.date]  # "2024-05-15T10+08:00" -> the Beijing day (whole-hour offsets only)
MAX_DAYS = 100_000  # hours remembered: a year of logs has under 9,000
LINE = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:[0-5]\d:[0-5]\d(?:[+-]\d\d:\d\d|Z)) (\S+) ([A-Za-z_-]*) "
    r'"([^"]*)" (\d{3}) (?:\d+|-) "([^"]*)" "([^"]*)"'
)
_QUOTED = r'"((?:[^"\\]|\\.)*)"'  # Apache writes \" and \\ inside a quoted field, nginx \xHH
_CLF = (
    r"(\S+) \S+ \S+ \[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):([0-5]\d):([0-5]\d) ([+-]\d\d)(\d\d)\] "
    + _QUOTED
    + r" (\d{3}) (?:\d+|-)"
)
COMMON_LINE = re.compile(_CLF)
# fields after the browser's (CentOS's `main` adds X-Forwarded-For) are never read
COMBINED_LINE = re.compile(_CLF + " " + _QUOTED + " " + _QUOTED + "(?: .*)?")
MONTHS = {
    name: n
    for n, name in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
# characters: nginx's own limits (8 KB a request line or header, \xHH at most 4 times that)
# keep a real line under a quarter of this
LINE_LIMIT = 128 * 1024
DETECT_LINES = 50  # a file's format is the one most of its first lines are in
_ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2})+|\\[\\\"]")
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
    agent: str | None  # "" when none; None when the format does not log it (`common`)


class LogFormat(NamedTuple):
    """A format a log can be in: how the report names it, and how a line of it is read."""

    name: str
    parse: Callable[[str, Days | None], Request | None]


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
    """The file's lines, at most `limit`; a damaged compressed file yields what precedes the damage.

    A line is read at most LINE_LIMIT characters at a time, so a file without line breaks (a
    1 GB dump) costs no more memory than a log. A longer line is no access record: its place
    is held by "" (counted as a line nobody can read, in both passes alike) and its rest skipped.
    """
    count = too_long = 0
    try:
        with open_log(path) as stream:
            while limit is None or count < limit:
                line = stream.readline(LINE_LIMIT + 1)
                if not line:
                    break
                count += 1
                if len(line) > LINE_LIMIT and not line.endswith("\n"):
                    too_long += 1
                    while (rest := stream.readline(LINE_LIMIT)) and not rest.endswith("\n"):
                        pass
                    line = ""
                yield line
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        trouble(f"注意：日志文件 {path} 在第 {count} 行之后损坏或不完整（压缩文件有误：{exc}），其余部分已跳过")
    except OSError as exc:
        trouble(f"注意：日志文件 {path} 在第 {count} 行之后读不下去（{exc.strerror or exc}），其余部分已跳过")
    if too_long:
        trouble(
            f"注意：日志文件 {path} 有 {too_long} 行超过 {LINE_LIMIT // 1024} KB，不是访问记录，"
            "已跳过（算在无法识别的行里）"
        )


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
    """A quoted field with nginx's \\xHH escapes (and Apache's \\" and \\\\) turned back into characters; "-" means none."""
    if field == "-":
        return ""
    if "\\" not in field:
        return field
    text = _ESCAPED.sub(_unescaped, field)
    return _CONTROL.sub("\ufffd", text)


def _unescaped(match: re.Match[str]) -> str:
    escaped = match.group()
    if escaped[1] != "x":
        return escaped[1]
    return bytes.fromhex(escaped.replace("\\x", "")).decode("utf-8", "replace")


def _path(field: str) -> str:
    path = _text(field)
    if not path.startswith("/"):  # "GET http://host/path": the absolute form of a request
        path = urlsplit(path).path or "/"
    path = path.split("?", 1)[0]  # in case a log of another format holds the query
    return _CONTROL.sub("\ufffd", unquote(path, errors="replace")) if "%" in path else path


def _referrer(field: str) -> str:
    return _text(field).split("#", 1)[0].split("?", 1)[0]


def parse_combined(line: str, days: Days | None = None) -> Request | None:
    """The request a line records in nginx's or Apache's `combined` format, or None."""
    match = COMBINED_LINE.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    return _clf_request(match, days, _referrer(match.group(12)), _text(match.group(13)))


def parse_common(line: str, days: Days | None = None) -> Request | None:
    """The request a line records in the `common` format (no referring page, no browser), or None."""
    match = COMMON_LINE.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    return _clf_request(match, days, "", None)


def _clf_request(match: re.Match[str], days: Days | None, referrer: str, agent: str | None) -> Request | None:
    address, day_of_month, month, year, hour, minute, second, zone_hours, zone_minutes, request, status = (
        match.groups()[:11]
    )
    hour_key = f"{year}{month}{day_of_month}{hour}{zone_hours}{zone_minutes}"
    day = days.get(hour_key) if days is not None else None
    if day is None:
        try:
            offset = dt.timedelta(hours=int(zone_hours), minutes=int(zone_hours[0] + zone_minutes))
            moment = dt.datetime(
                int(year),
                MONTHS[month],
                int(day_of_month),
                int(hour),
                int(minute),
                int(second),
                tzinfo=dt.timezone(offset),
            )
        except (KeyError, ValueError):
            return None
        day = moment.astimezone(BEIJING).date()
        if days is not None and zone_minutes == "00" and len(days) < MAX_DAYS:
            days[hour_key] = day
    # "GET /path?query HTTP/1.1"; what a client sent that is no request ("-", TLS bytes) is kept whole
    words = request.split(" ")
    method, target = (words[0], words[1]) if len(words) >= 2 else ("", request)
    return Request(day, address, method, _path(target), int(status), referrer, agent)


JNXCZ = LogFormat("本站的 jnxcz 格式", parse)
COMBINED = LogFormat("通用的 combined 格式（nginx、Apache 默认）", parse_combined)
COMMON = LogFormat("通用的 common 格式（不记来源页和浏览器）", parse_common)
FORMATS = (JNXCZ, COMBINED, COMMON)


def detect(path: Path) -> LogFormat:
    """The format most of the file's first lines are in (the shipped one when none is)."""
    first = list(lines(path, limit=DETECT_LINES, trouble=lambda _: None))
    read = [sum(fmt.parse(line, None) is not None for line in first) for fmt in FORMATS]
    return FORMATS[read.index(max(read))]

"""`build.py stats`: what the shipped nginx block logs, read back as the report a clerk is given.

The real Debian nginx runs deploy/nginx.conf (ports, folder and log path adapted) and serves a
build of the shipped project. A scripted week of visitors asks for pages over HTTPS: people in
WeChat on phones, a phone browser over IPv6, a desktop browser, a real Chromium that scans a
poster's address, and crawlers and probes that must be left out. Their log lines are spread
over fake days by rewriting only the time stamps, split into rotated files (.2.gz, .1 and the
current one) with garbage mixed in, and the report must show exactly what was sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import gzip
import http.client
import io
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from nginxserver import SITE_PATH, TLS, running_nginx
from sitecopy import EDITION, copy_site, run_build, run_cli

from campaign import cli
from campaign.stats import count, logs

WECHAT_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.48(0x18003030) NetType/WIFI Language/zh_CN"
)
WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; V2049A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240301 MMWEBID/2652 "
    "MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
WECHAT_CHROMIUM = WECHAT_ANDROID.replace("MMWEBID/2652", "MMWEBID/7310")  # another phone
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
CRAWLER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
CURL = "curl/8.5.0"
MONITOR = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
ROBOTS_READER = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"

DAYS = ["2024-05-12", "2024-05-13", "2024-05-14", "2024-05-15"]  # the first is before the campaign
CAMPAIGN = [f"2024-05-{day}" for day in range(13, 20)]
GARBAGE = [
    "garbage\n",
    '2024-05-14T10:00:00+08:00 127.0.0.1 GET "/jnxcz/2024/sched\n',  # cut short
    '127.0.0.1 - - [14/May/2024:10:00:00 +0800] "GET /jnxcz/2024/ HTTP/1.1" 200 123 "-" "Mozilla/5.0"\n',  # combined
]


class Visitors:
    """Plain HTTPS requests, one log line each (redirects are not followed)."""

    def __init__(self, server):
        self.server = server
        self.sent = 0

    def ask(self, agent: str, path: str, method: str = "GET", referrer: str | None = None, six=False, **headers):
        host = "::1" if six else "127.0.0.1"
        connection = http.client.HTTPSConnection(host, self.server.port, timeout=10, context=TLS)
        headers = {"User-Agent": agent, **headers}
        if referrer is not None:
            headers["Referer"] = self.server.url4 + referrer[5:] if referrer.startswith("site:") else referrer
        try:
            connection.request(method, path if path.startswith("/") else SITE_PATH + path, headers=headers)
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        self.sent += 1
        return response.status


def lines_of(log: Path) -> int:
    return log.read_bytes().count(b"\n")


def wait_for(log: Path, lines: int | None = None) -> int:
    """Until nginx has written `lines` lines (or, when unknown, until the log stops growing)."""
    deadline = time.monotonic() + 10
    last, still = -1, 0.0
    while time.monotonic() < deadline:
        now = lines_of(log)
        if lines is not None and now >= lines:
            return now
        if lines is None:
            if now == last:
                still += 0.05
                if still >= 0.4:
                    return now
            else:
                last, still = now, 0.0
        time.sleep(0.05)
    raise AssertionError(f"nginx wrote {lines_of(log)} lines, expected {lines}")


def chromium_scan(browser, server) -> None:
    """A real browser on a phone scans the 低碳日倡议 poster, lands on its page, opens 活动日程."""
    context = browser.new_context(
        user_agent=WECHAT_CHROMIUM, viewport={"width": 390, "height": 844}, is_mobile=True, ignore_https_errors=True
    )
    try:
        tab = context.new_page()
        tab.goto(server.url4 + "go/pledges/")
        tab.wait_for_url(server.url4 + "pledges/", timeout=10_000)
        tab.wait_for_load_state("load")
        tab.click("nav.site-nav >> text=活动日程")
        tab.wait_for_url(server.url4 + "schedule/", timeout=10_000)
        tab.wait_for_load_state("networkidle")
    finally:
        context.close()


def visit(server, browser) -> list[int]:
    """The scripted visits, day by day; returns the number of log lines at the end of each day."""
    log = server.access_log
    log.write_bytes(b"")  # the start-up probes of running_nginx are not part of the script
    people = Visitors(server)
    ends = []

    # 2024-05-12, before the campaign: out of the report's dates
    people.ask(DESKTOP, "")
    ends.append(wait_for(log, people.sent))

    # 2024-05-13
    people.ask(WECHAT_IPHONE, "go/chuanyu-live/")  # a scan
    people.ask(WECHAT_IPHONE, "livestreams/", referrer="site:go/chuanyu-live/")
    people.ask(WECHAT_ANDROID, "go/chuanyu-live/")  # a scan
    people.ask(WECHAT_ANDROID, "go/schedule/")  # a scan
    people.ask(DESKTOP, "", referrer="https://mp.weixin.qq.com/s/abc?from=timeline&openid=secret")
    people.ask(DESKTOP, "schedule/", referrer="site:")
    people.ask(DESKTOP, "news/", referrer="site:schedule/")
    people.ask(CRAWLER, "")  # left out: its user agent
    people.ask(CRAWLER, "go/pledges/")
    people.ask(CURL, "go/schedule/")  # left out: its user agent
    people.ask(MONITOR, "", method="HEAD")  # left out: only HEAD requests
    people.ask(MONITOR, "", method="HEAD")
    ends.append(wait_for(log, people.sent))

    # 2024-05-14
    people.ask(WECHAT_IPHONE, "go/schedule/")  # a scan (the same phone, another day)
    people.ask(WECHAT_IPHONE, "schedule/", referrer="site:go/schedule/")
    people.ask(SAFARI_IPHONE, "go/pledges/", six=True)  # a scan, over IPv6
    people.ask(SAFARI_IPHONE, "events/low-carbon-day/", referrer="https://www.baidu.com/link?url=private", six=True)
    assert people.ask(SAFARI_IPHONE, "nope/", referrer="site:news/", six=True) == 404
    people.ask(ROBOTS_READER, "/robots.txt")  # left out: it reads robots.txt
    people.ask(ROBOTS_READER, "")
    people.ask(ROBOTS_READER, "go/quiz/")
    assert people.ask(DESKTOP, "schedule") == 301  # nginx adds the slash: not a view by itself
    people.ask(DESKTOP, "schedule/")
    people.ask(DESKTOP, "go/pledges/", referrer="site:posters/pledges/")  # a click on the site: no scan
    ends.append(wait_for(log, people.sent))

    # 2024-05-15
    chromium_scan(browser, server)
    chromium = wait_for(log) - people.sent
    page = server.dest / "current" / EDITION / "pledges" / "index.html"
    changed = email.utils.formatdate(int(page.stat().st_mtime), usegmt=True)
    assert people.ask(WECHAT_ANDROID, "go/pledges/?from=poster&phone=13800000000") == 200  # a scan
    assert people.ask(WECHAT_ANDROID, "pledges/", referrer="site:go/pledges/", **{"If-Modified-Since": changed}) == 304
    assert people.ask(DESKTOP, "go/gone/") == 404
    # asked for by a browser on its own (some name the page in Referer): nothing to fix
    assert people.ask(DESKTOP, "/favicon.ico", referrer="site:schedule/") == 404
    ends.append(wait_for(log, people.sent + chromium))
    return ends


def stamp(day: str, number: int) -> str:
    """A time on `day` in Beijing; 2024-05-15 is logged by a server on UTC, when it is still the 14th there."""
    if day == "2024-05-15":
        moment = dt.datetime.fromisoformat(f"{day}T00:30:00+08:00") + dt.timedelta(minutes=number)
        return moment.astimezone(dt.UTC).isoformat()  # 2024-05-14T16:30:00+00:00 and on
    return (dt.datetime.fromisoformat(f"{day}T09:00:00+08:00") + dt.timedelta(minutes=number)).isoformat()


@pytest.fixture(scope="module")
def week(tmp_path_factory, browser):
    """(project, [the rotated logs: .2.gz, .1, current]) after a scripted week of visits."""
    work = tmp_path_factory.mktemp("stats")
    root = copy_site(work / "site")
    with running_nginx() as server:
        result = run_build(root, "--out", str(server.dest / "current"), "--no-pdf", "--base-url", server.url4, cwd=work)
        assert result.returncode == 0, result.stderr
        ends = visit(server, browser)
        written = server.access_log.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(written) == ends[-1]
    for query in ("13800000000", "openid=secret", "url=private"):  # nginx logs no query string at all
        assert query not in "".join(written)
    days, start = [], 0
    for day, end in zip(DAYS, ends):
        days.append([stamp(day, n) + line[line.index(" ") :] for n, line in enumerate(written[start:end])])
        start = end
    rotated = [work / "jnxcz.access.log.2.gz", work / "jnxcz.access.log.1", work / "jnxcz.access.log"]
    with gzip.open(rotated[0], "wt", encoding="utf-8") as oldest:
        oldest.writelines(days[0] + days[1])
    rotated[1].write_text("".join(days[2][:3] + GARBAGE + days[2][3:]), encoding="utf-8")
    rotated[2].write_text("".join(days[3]), encoding="utf-8")
    return root, rotated, len(written) + len(GARBAGE)


def stats(root: Path, *args: str):
    result = run_build(root, "stats", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def table(stdout: str, heading: str) -> list[list[str]]:
    """The rows of one printed table, cells split on spaces (the heading's line excluded)."""
    block = stdout.split(heading, 1)[1].split("\n\n", 1)[0]
    return [line.split() for line in block.strip("\n").splitlines()]


def spreadsheet(path: Path) -> dict[str, list[list[str]]]:
    """The CSV's blocks by heading (the first block, the facts, under "")."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    blocks: dict[str, list[list[str]]] = {}
    heading = ""
    for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")):
        if not row:
            heading = None
            continue
        if heading is None:
            heading = row[0]
            blocks[heading] = []
            continue
        blocks.setdefault(heading, []).append(row)
    return blocks


def headlines(root: Path) -> dict[str, str]:
    posters = yaml.safe_load((root / "content" / "posters.yaml").read_text(encoding="utf-8"))["posters"]
    return {poster["link"]: poster["headline"] for poster in posters}


def test_the_report_shows_exactly_the_visits_sent(week):
    root, files, lines = week
    before = sorted(p.relative_to(root) for p in root.rglob("*") if "reports" not in p.parts)
    result = stats(root, *map(str, files))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"读取日志 3 个文件，共 {lines} 行：时段内 {lines - 1 - 3} 行，时段外 1 行，无法识别 3 行（已跳过）。" in out
    # the .1 file starts in the shipped format: its combined line among the garbage is not read
    assert f"日志格式：{'、'.join(sorted(map(str, files)))} 按本站的 jnxcz 格式读取。\n" in out
    assert (
        "已排除爬虫和监控程序：4 个客户端的 8 条请求（按浏览器标识排除 3 条；按行为排除 5 条：抓取 robots.txt、"
        "只发 HEAD 请求或探测服务器文件）。" in out
    )
    assert (
        "访客 8 人次（按天分别计数，同一人不同的日子各算一次）；其中用微信打开的 5 人次（62.5%），用手机的 6 人次（75.0%）。"
        in out
    )

    named = headlines(root)
    scans = {"chuanyu-live": [2, 0, 0], "xinhua-live": [0, 0, 0], "schedule": [1, 1, 0], "pledges": [0, 1, 2]}
    expected = [[named[link], f"go/{link}/", *map(str, days + [0] * 4), str(sum(days))] for link, days in scans.items()]
    assert table(out, "一、海报扫码次数") == [
        ["海报", "短地址", *(f"{int(d[5:7])}月{int(d[8:])}日" for d in CAMPAIGN), "合计"],
        *expected,
        ["合计", "3", "2", "2", "0", "0", "0", "0", "7"],
        ["扫码即打开海报二维码上的短地址；在本站页面上点开短地址的不算。"],
    ]
    assert table(out, "二、各栏目浏览量")[1:] == [
        ["首页", "（首页）", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["活动日程", "schedule/", "1", "3", "1", "0", "0", "0", "0", "5"],
        ["直播收看", "livestreams/", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["低碳日倡议", "pledges/", "0", "0", "2", "0", "0", "0", "0", "2"],
        ["知识竞赛", "quiz/", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["活动动态", "news/", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["活动通知", "notice/", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["联系报送", "contact/", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["其他页面", "（海报页等）", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["合计", "4", "3", "3", "0", "0", "0", "0", "10"],
    ]
    assert table(out, "三、每天的访客")[:4] == [
        ["日期", "访客", "浏览量", "扫码", "用微信打开", "微信占比", "用手机", "手机占比"],
        ["5月13日", "3", "4", "3", "2", "66.7%", "2", "66.7%"],
        ["5月14日", "3", "3", "2", "1", "33.3%", "2", "66.7%"],
        ["5月15日", "2", "3", "2", "2", "100.0%", "2", "100.0%"],  # the desktop only met 404s: no visitor
    ]
    assert table(out, "三、每天的访客")[-2] == ["合计", "8", "10", "7", "5", "62.5%", "6", "75.0%"]
    pages = table(out, "四、各页面浏览量")
    assert [row[0] for row in pages[1:]] == [
        "schedule/",
        "pledges/",
        "（首页）",
        "events/low-carbon-day/",
        "livestreams/",
        "news/",
    ]
    assert [row[-1] for row in pages[1:]] == ["4", "2", "1", "1", "1", "1"]
    assert pages[4][-2] == "活动日程"  # an event's page belongs to the schedule
    assert table(out, "五、来源网站（前 10 个）") == [
        ["来源", "浏览量"],
        ["mp.weixin.qq.com", "1"],  # the site only: never the page's address
        ["www.baidu.com", "1"],
    ]
    assert table(out, "六、要修复的失效地址（404，前 20 个）")[:3] == [
        ["地址", "来源页", "次数"],
        ["/jnxcz/2024/go/gone/", "（没有来源页：手输、书签或扫码）", "1"],
        ["/jnxcz/2024/nope/", "本站页面", "news/", "1"],
    ]

    page = root / "reports" / "stats-2024-05-13_2024-05-19.html"
    sheet = root / "reports" / "stats-2024-05-13_2024-05-19.csv"
    assert f"统计报告（可打印）已保存到 {page}" in out and f"表格（可用 Excel 打开）已保存到 {sheet}" in out
    blocks = spreadsheet(sheet)
    assert blocks[""][1:7] == [
        ["统计时段", "2024-05-13", "2024-05-19"],
        ["日志文件数", "3"],
        ["日志行数", str(lines)],
        ["时段内", str(lines - 4)],
        ["时段外", "1"],
        ["无法识别（已跳过）", "3"],
    ]
    assert blocks[""][7:] == [
        ["排除的爬虫和监控客户端", "4"],
        ["按浏览器标识排除的请求", "3"],
        ["按行为排除的请求", "5"],
        *(["日志格式", str(file), "本站的 jnxcz 格式"] for file in sorted(map(str, files))),
    ]
    assert blocks["一、海报扫码次数"] == [
        ["海报", "短地址", *CAMPAIGN, "合计"],
        *expected,
        ["合计", "", "3", "2", "2", "0", "0", "0", "0", "7"],
    ]
    assert blocks["三、每天的访客"][1:4] == [
        ["2024-05-13", "3", "4", "3", "2", "66.7%", "2", "66.7%"],
        ["2024-05-14", "3", "3", "2", "1", "33.3%", "2", "66.7%"],
        ["2024-05-15", "2", "3", "2", "2", "100.0%", "2", "100.0%"],
    ]
    assert blocks["五、来源网站（前 10 个）"][1:] == [["mp.weixin.qq.com", "1"], ["www.baidu.com", "1"]]
    assert blocks["六、要修复的失效地址（404，前 20 个）"][1:] == [
        ["/jnxcz/2024/go/gone/", "（没有来源页：手输、书签或扫码）", "1"],
        ["/jnxcz/2024/nope/", "本站页面 news/", "1"],
    ]

    html = page.read_text(encoding="utf-8")
    figures = html.split("<figure>")[1:]
    assert len(figures) == 4 and html.count('<rect class="bar"') == 4 * 7  # one bar per poster per day
    for figure, days in zip(figures, scans.values()):
        bars = re.findall(r"<title>(\d+/\d+)：(\d+) 次</title>", figure)
        assert bars == [(f"5/{13 + n}", str(c)) for n, c in enumerate(days + [0] * 4)]

    for text in (out, html, sheet.read_text(encoding="utf-8-sig")):  # no address of anyone, no query
        assert "127.0.0.1" not in text and "::1" not in text and "secret" not in text and "private" not in text
    assert sorted(p.name for p in (root / "reports").iterdir()) == sorted([page.name, sheet.name])
    assert sorted(p.relative_to(root) for p in root.rglob("*") if "reports" not in p.parts) == before

    again = stats(root, *map(str, reversed(files)))  # the same logs, in another order: the same report
    assert again.stdout == out and page.read_text(encoding="utf-8") == html


def test_dates_chosen_with_from_and_to(week):
    root, files, lines = week
    result = stats(root, *map(str, files), "--from", "2024-05-14", "--to", "2024-05-14")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "统计时段：2024年5月14日—2024年5月14日（北京时间，共 1 天）" in out
    assert "已排除爬虫和监控程序：1 个客户端的 3 条请求（按浏览器标识排除 0 条；按行为排除 3 条" in out
    named = headlines(root)
    assert table(out, "一、海报扫码次数")[1:6] == [
        [named["chuanyu-live"], "go/chuanyu-live/", "0", "0"],
        [named["xinhua-live"], "go/xinhua-live/", "0", "0"],
        [named["schedule"], "go/schedule/", "1", "1"],
        [named["pledges"], "go/pledges/", "1", "1"],
        ["合计", "2", "2"],
    ]
    assert table(out, "三、每天的访客")[1] == ["5月14日", "3", "3", "2", "1", "33.3%", "2", "66.7%"]
    assert (root / "reports" / "stats-2024-05-14_2024-05-14.csv").is_file()


def test_what_the_clerk_is_told_when_the_logs_will_not_do(tmp_path, week, monkeypatch, capsys):
    root, files, _ = week
    missing = stats(root, str(tmp_path / "access.log"))
    assert missing.returncode == 7
    assert f"统计失败：找不到日志文件 {tmp_path / 'access.log'}" in missing.stderr

    folder = stats(root, str(tmp_path))
    assert folder.returncode == 7 and "是文件夹，不是日志文件" in folder.stderr

    empty = tmp_path / "jnxcz.access.log"
    empty.write_bytes(b"")
    result = stats(root, str(empty))
    assert result.returncode == 7 and "统计失败：日志文件是空的" in result.stderr

    junk = tmp_path / "access.log"
    junk.write_text("".join(GARBAGE[:2]), encoding="utf-8")
    result = stats(root, str(junk))
    assert result.returncode == 7
    assert (
        "日志里的 2 行都不是能识别的访问日志格式（本站的 jnxcz 格式，或 nginx、Apache 默认的 combined、common 格式）"
        in result.stderr
    )

    early = tmp_path / "early.log"
    early.write_text(gzip.decompress(files[0].read_bytes()).decode().splitlines(keepends=True)[0], encoding="utf-8")
    result = stats(root, str(early))
    assert result.returncode == 7
    assert "日志里没有2024年5月13日至2024年5月19日的访问记录（共 1 行：不在这些日子的 1 行" in result.stderr

    result = stats(root, str(files[2]), "--from", "5月32日")
    assert result.returncode == 2 and "--from 写的「5月32日」不是有效的日期（2024年没有5月32日）" in result.stderr
    result = stats(root, str(files[2]), "--from", "2024-05-19", "--to", "2024-05-13")
    assert result.returncode == 2 and "晚于结束日期" in result.stderr
    assert stats(root).returncode == 2

    # a rotated file cut short: what precedes the damage is counted, and the report says so
    cut = tmp_path / "jnxcz.access.log.3.gz"
    cut.write_bytes(files[0].read_bytes()[:-20])
    result = stats(root, str(cut))
    assert result.returncode == 0 and f"注意：日志文件 {cut} 在第" in result.stdout

    # no permission (the tests run as root, who may read anything: the refusal is simulated)
    def refused(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(logs, "open_log", refused)
    assert cli.main(["stats", str(files[2]), "--root", str(root)]) == 7
    assert f"统计失败：没有权限读取日志文件 {files[2]}" in capsys.readouterr().err


def test_lines_are_read_as_nginx_escapes_them():
    line = (
        '2024-05-14T18:30:00+00:00 ::1 GET "/jnxcz/2024/%E6%B4%BB%E5%8A%A8/\\x22x" 404 10 '
        '"https://example.org/a\\x22b?q=1" "Mozilla/5.0 \\xE4\\xB8\\xAD\\x1B[31m"\n'
    )
    request = logs.parse(line)
    assert request == logs.Request(
        dt.date(2024, 5, 15),
        "::1",
        "GET",
        '/jnxcz/2024/活动/"x',
        404,
        'https://example.org/a"b',
        "Mozilla/5.0 中\ufffd[31m",
    )
    assert logs.parse(line.replace("GET", "G E T")) is None
    assert logs.parse('2024-05-14T18:30:00+08:00 ::1 GET "/" 200 - "-" "-"').referrer == ""


def test_the_days_memo_gives_the_days_of_the_times():
    days: logs.Days = {}
    for stamp, day in [
        ("2024-05-14T15:59:59+00:00", 14),
        ("2024-05-14T16:00:00+00:00", 15),
        ("2024-05-14T15:30:00Z", 14),
        ("2024-05-14T23:59:00+08:00", 14),
        ("2024-05-14T15:59:00-00:30", 15),  # not a whole-hour offset: never remembered
    ]:
        for _ in range(2):  # parsed, then remembered
            request = logs.parse(f'{stamp} ::1 GET "/" 200 - "-" "-"', days)
            assert request is not None and request.day == dt.date(2024, 5, day), stamp
    assert len(days) == 4


def test_memory_does_not_grow_with_the_number_of_requests():
    """A 1 GB log streams: ten times the requests (from the same visitors) need no more memory."""
    site = count.Layout(
        "/jnxcz/2024/",
        frozenset({"www.example.gov.cn"}),
        (count.Link("pledges", "低碳日倡议", ("全国低碳日，从我做起",)),),
        {"": count.Page("首页", "home")},
        (("home", "首页", ""), (count.OTHER, count.OTHER_MENU, "")),
    )

    def lines(total: int):
        for n in range(total):
            path = ("/jnxcz/2024/", "/jnxcz/2024/go/pledges/", "/jnxcz/2024/missing/")[n % 3]
            yield (
                f'2024-05-{13 + n % 7}T10:{n % 60:02d}:00+08:00 10.0.{n % 50}.1 GET "{path}" 200 100 '
                f'"https://example.org/{n % 40}" "Mozilla/5.0 (iPhone) Mobile MicroMessenger/8.0"\n'
            )

    def peak(total: int) -> tuple[int, count.Summary]:
        counter = count.Counts([site], dt.date(2024, 5, 13), dt.date(2024, 5, 19))
        tracemalloc.start()
        for line in lines(total):
            counter.learn(logs.parse(line))
        for line in lines(total):
            counter.count(logs.parse(line))
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used, counter.summary(1)

    small, _ = peak(3_000)
    large, summary = peak(30_000)
    assert large < small + 64 * 1024, (small, large)
    assert sum(row.total for row in summary.posters) == 10_000
    assert sum(day.visitors for day in summary.days) == 7 * 50


# --- logs of a server kept by someone else, dates as people write them, last year's posters ---------


def combined(day: int, clock: str, path: str, agent: str = WECHAT_IPHONE, referrer: str = "-", who: int = 1) -> str:
    """A line of nginx's default `combined` log (a query string and all, as nginx logs it)."""
    return f'10.0.0.{who} - - [{day}/May/2024:{clock} +0800] "GET {path} HTTP/1.1" 200 512 "{referrer}" "{agent}"\n'


SCANS_2024 = [  # six scans of last year's posters, on 13 and 14 May 2024
    combined(13, "09:00:00", "/jnxcz/2024/go/chuanyu-live/?from=timeline"),
    combined(13, "09:01:00", "/jnxcz/2024/go/schedule/", who=2),
    combined(13, "09:02:00", "/jnxcz/2024/go/schedule/", WECHAT_ANDROID, who=3),
    combined(14, "18:00:00", "/jnxcz/2024/go/pledges/", who=1),
    combined(14, "18:01:00", "/jnxcz/2024/go/pledges/", SAFARI_IPHONE, who=4),
    combined(14, "18:02:00", "/jnxcz/2024/go/pledges/?phone=13800000000", DESKTOP, who=5),
]
SCANNED_2024 = {"chuanyu-live": [1, 0], "xinhua-live": [0, 0], "schedule": [2, 0], "pledges": [0, 3]}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return copy_site(tmp_path_factory.mktemp("stats-formats") / "site", printed=False)


def posters_table(root: Path, scanned: dict[str, list[int]], edition: list[str] | None = None) -> list[list[str]]:
    """The poster table as printed for `scanned` scans on 13 and 14 May (and none on the other days)."""
    named = headlines(root)
    lead = edition or []
    rows = [
        [*lead, named[link], f"go/{link}/", *map(str, days + [0] * 5), str(sum(days))] for link, days in scanned.items()
    ]
    per_day = [str(sum(days[n] for days in scanned.values())) for n in range(2)] + ["0"] * 5
    return [
        [*(["届"] if edition else []), "海报", "短地址", *(f"5月{day}日" for day in range(13, 20)), "合计"],
        *rows,
        ["合计", *per_day, str(sum(map(int, per_day)))],
        ["扫码即打开海报二维码上的短地址；在本站页面上点开短地址的不算。"],
    ]


def test_a_log_in_nginxs_default_combined_format_is_counted(shipped, tmp_path):
    log = tmp_path / "access.log"
    log.write_text("".join(SCANS_2024), encoding="utf-8")
    result = run_cli(shipped, "stats", str(log))
    assert result.returncode == 0, result.stderr
    assert table(result.stdout, "一、海报扫码次数") == posters_table(shipped, SCANNED_2024)
    assert f"日志格式：{log} 按通用的 combined 格式（nginx、Apache 默认）读取。\n" in result.stdout
    assert "访客 6 人次" in result.stdout
    for private in ("10.0.0.", "13800000000", "timeline"):  # no address and no query kept
        assert private not in result.stdout
        assert private not in (shipped / "reports" / "stats-2024-05-13_2024-05-19.csv").read_text(encoding="utf-8-sig")


def test_an_apache_log_and_a_common_log_are_counted_and_named(shipped, tmp_path):
    # Apache: "-" for no bytes, \" inside quotes, an identd and a user name
    apache = tmp_path / "other_access.log"
    apache.write_text(
        '10.0.0.7 - - [13/May/2024:10:00:00 +0800] "GET /jnxcz/2024/go/schedule/ HTTP/1.1" 200 - '
        f'"-" "{WECHAT_IPHONE}"\n'
        '10.0.0.8 ident clerk [14/May/2024:11:00:00 +0800] "GET /jnxcz/2024/go/pledges/?x=\\"1\\" HTTP/1.1" 200 '
        f'3120 "https://mp.weixin.qq.com/s/abc?openid=secret" "{SAFARI_IPHONE} \\"quoted\\""\n'
        '10.0.0.9 - - [14/May/2024:11:05:00 +0800] "GET /jnxcz/2024/schedule/ HTTP/1.1" 200 4100 '
        f'"https://www.baidu.com/" "{DESKTOP}"\n',
        encoding="utf-8",
    )
    common = tmp_path / "common.log"
    common.write_text(
        '10.0.0.10 - - [14/May/2024:12:00:00 +0800] "GET /jnxcz/2024/go/pledges/ HTTP/1.0" 200 512\n', encoding="utf-8"
    )
    result = run_cli(shipped, "stats", str(apache), str(common))
    assert result.returncode == 0, result.stderr
    scanned = {"chuanyu-live": [0, 0], "xinhua-live": [0, 0], "schedule": [1, 0], "pledges": [0, 2]}
    assert table(result.stdout, "一、海报扫码次数") == posters_table(shipped, scanned)
    assert (
        f"日志格式：{apache} 按通用的 combined 格式（nginx、Apache 默认）读取；"
        f"{common} 按通用的 common 格式（不记来源页和浏览器）读取。\n" in result.stdout
    )
    assert "common 格式的日志不记来源页和浏览器：其中的爬虫只能按行为排除" in result.stdout
    assert table(result.stdout, "五、来源网站（前 10 个）")[1:] == [["mp.weixin.qq.com", "1"], ["www.baidu.com", "1"]]
    assert "secret" not in result.stdout and "10.0.0." not in result.stdout


def test_the_format_is_told_from_the_first_lines(tmp_path):
    shipped_line = '2024-05-14T10:00:00+08:00 ::1 GET "/jnxcz/2024/" 200 10 "-" "Mozilla/5.0"\n'
    for name, text, fmt in [
        ("jnxcz.log", shipped_line * 3 + combined(14, "10:00:00", "/"), logs.JNXCZ),
        ("combined.log", "garbage\n" + combined(14, "10:00:00", "/") * 2 + shipped_line, logs.COMBINED),
        ("common.log", '::1 - - [14/May/2024:10:00:00 +0800] "GET / HTTP/1.1" 200 10\n', logs.COMMON),
        ("junk.log", "garbage\n", logs.JNXCZ),  # none: its lines are counted as not in the shipped format
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert logs.detect(tmp_path / name) == fmt, name
    line = '2024-05-14T10:00:00+08:00 ::1 GET "/jnxcz/2024/" 200 10 "-" "Mozilla/5.0"\n'
    assert logs.parse_combined(line) is None and logs.parse_common(line) is None
    request = logs.parse_combined(combined(14, "23:30:00", "/jnxcz/2024/go/x/?a=1", referrer="https://a.cn/p?q#f"))
    assert request == logs.Request(
        dt.date(2024, 5, 14), "10.0.0.1", "GET", "/jnxcz/2024/go/x/", 200, "https://a.cn/p", WECHAT_IPHONE
    )
    late = logs.parse_combined(combined(14, "23:30:00", "/").replace("+0800", "+0000"))
    assert late is not None and late.day == dt.date(2024, 5, 15)  # Beijing's day
    assert logs.parse_common('::1 - - [14/May/2024:10:00:00 +0800] "-" 400 0\n') == logs.Request(
        dt.date(2024, 5, 14), "::1", "", "/", 400, "", None
    )


@pytest.mark.parametrize("written", ["2024-5-13", "5月13日", "2024年5月13日", "5/13"])
def test_dates_are_taken_as_people_write_them(shipped, tmp_path, written):
    log = tmp_path / "access.log"
    log.write_text("".join(SCANS_2024), encoding="utf-8")
    expected = run_cli(shipped, "stats", str(log), "--from", "2024-05-13", "--to", "2024-05-14")
    result = run_cli(shipped, "stats", str(log), "--from", written, "--to", "5月14日")
    assert (result.returncode, result.stdout, result.stderr) == (0, expected.stdout, "")
    assert "统计时段：2024年5月13日—2024年5月14日（北京时间，共 2 天）" in result.stdout


def test_a_wrong_date_is_refused_in_a_chinese_sentence(shipped):
    result = run_cli(shipped, "stats", "a.log", "--from", "13.5.")
    assert result.returncode == 2
    assert "--from 应写成 2024-05-13、2024年5月13日 或 5月13日 这样的日期，这里是「13.5.」" in result.stderr
    result = run_cli(shipped, "stats", "a.log", "--to", "2024-2-30")
    assert result.returncode == 2 and "--to 写的「2024-2-30」不是有效的日期（2024年没有2月30日）" in result.stderr
    assert "error" not in result.stderr and "usage" not in result.stderr


def test_last_years_posters_are_counted_after_new_edition(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    started = run_cli(root, "new-edition", "2025")
    assert started.returncode == 0, started.stderr
    log = tmp_path / "jnxcz.access.log"
    log.write_text("".join(SCANS_2024), encoding="utf-8")
    result = run_cli(root, "stats", str(log))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # 2025's dates are still 待填写: last year's week is counted, and the report says so
    assert "统计时段：2024年5月13日—2024年5月19日（北京时间，共 7 天）" in out
    assert "本届（2025年）的活动日期还没有填写，按2024年那一届的活动日期统计" in out
    assert out.startswith("江北区公共机构2024年全国节能宣传周和全国低碳日活动 网站访问统计\n")
    edition = root / "editions" / "2024"
    assert table(out, "一、海报扫码次数") == posters_table(edition, SCANNED_2024, ["2024年"])
    assert table(out, "二、各栏目浏览量")[1][:3] == ["2024年", "首页", "（首页）"]


def test_this_years_week_shows_last_years_posters_that_were_scanned(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    assert run_cli(root, "new-edition", "2025").returncode == 0
    log = tmp_path / "jnxcz.access.log"
    lines = [
        combined(13, "09:00:00", "/jnxcz/2024/go/pledges/"),  # last year's poster, still on a wall
        combined(13, "09:05:00", "/jnxcz/2025/go/schedule/", who=2),
        combined(14, "10:00:00", "/jnxcz/2024/pledges/", referrer="-", who=3),
    ]
    log.write_text("".join(line.replace("/2024:", "/2025:") for line in lines), encoding="utf-8")
    result = run_cli(root, "stats", str(log), "--from", "5月13日", "--to", "2025-5-19")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "统计时段：2025年5月13日—2025年5月19日（北京时间，共 7 天）" in out
    assert out.startswith("江北区公共机构2025年全国节能宣传周和全国低碳日活动 网站访问统计\n")
    this_year = headlines(root)
    last_year = headlines(root / "editions" / "2024")
    rows = table(out, "一、海报扫码次数")
    assert rows[1] == ["2024年", last_year["pledges"], "go/pledges/", "1", "0", "0", "0", "0", "0", "0", "1"]
    assert [row[0] for row in rows[2:-2]] == ["2025年"] * 4
    assert ["2025年", this_year["schedule"], "go/schedule/", "1", "0", "0", "0", "0", "0", "0", "1"] in rows
    assert rows[-2] == ["合计", "2", "0", "0", "0", "0", "0", "0", "2"]
    sections = table(out, "二、各栏目浏览量")
    assert sections[1] == ["2024年", "低碳日倡议", "pledges/", "0", "1", "0", "0", "0", "0", "0", "1"]
    assert [row[0] for row in sections[2:-1]] == ["2025年"] * 9
    assert table(out, "四、各页面浏览量")[1] == ["2024年", "pledges/", "全国低碳日绿色低碳倡议", "低碳日倡议", "1"]


# --- logs made to hurt: floods of names, addresses in referrers, control characters, no line breaks ---------


def flood(log: Path) -> int:
    """100,000 lines made against the report: every referrer new, after 20,000 seen twice (which
    made each new one rescan the whole tally: the same for missing addresses), intranet pages and IP
    addresses as referrers and in missing addresses, and a terminal's control sequence. Returns
    how many page views came from an intranet page or an IP address."""
    intranet = ["http://10.20.30.40:8080/oa/notice/", "http://192.0.2.50/", "http://[2001:db8::7]/x", "http://oa/"]
    lines = []

    def line(n: int, path: str, status: int, referrer: str) -> str:
        return (
            f"2024-05-{13 + n % 7}T10:{n % 60:02d}:00+08:00 10.1.{n % 250}.{n % 7} GET "
            f'"{path}" {status} 100 "{referrer}" "{WECHAT_IPHONE}"\n'
        )

    for n in range(50):
        lines.append(line(n, "/jnxcz/2024/", 200, "https://mp.weixin.qq.com/s/abc"))
    for n in range(30):
        lines.append(line(n, "/jnxcz/2024/schedule/", 200, "https://www.baidu.com/link"))
    for n in range(40):
        lines.append(line(n, "/jnxcz/2024/oa/10.20.30.40/", 404, intranet[0] + str(n)))
        lines.append(line(n, "/jnxcz/2024/ipv6/2001:db8::7/", 404, "-"))
        lines.append(line(n, "/jnxcz/2024/\x1b[2J\x1b]0;x\x07/", 404, "-"))
    for n in range(10_000):
        lines.append(line(n, "/jnxcz/2024/news/", 200, intranet[n % 4] + f"p{n % 50}"))
    for n in range(40_000):  # 20,000 sites, each twice
        lines.append(line(n, "/jnxcz/2024/", 200, f"https://h{n // 2}.example.com/p{n // 2}"))
    for n in range(100_000 - len(lines)):  # then every one new
        lines.append(line(n, "/jnxcz/2024/", 200, f"https://new{n}.example.com/"))
    log.write_text("".join(lines), encoding="utf-8")
    return 10_000


def test_a_flood_of_made_up_names_is_counted_in_linear_time_and_shows_no_address(shipped, tmp_path):
    log = tmp_path / "access.log"
    from_intranet = flood(log)
    started = time.monotonic()
    result = run_build(shipped, "stats", str(log))
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert seconds < 20, f"100,000 lines took {seconds:.1f} s"  # the tallies rescanned: some 340 s
    assert "Traceback" not in result.stderr
    out = result.stdout
    sheet = spreadsheet(shipped / "reports" / "stats-2024-05-13_2024-05-19.csv")
    page = (shipped / "reports" / "stats-2024-05-13_2024-05-19.html").read_text(encoding="utf-8")
    csv_text = (shipped / "reports" / "stats-2024-05-13_2024-05-19.csv").read_text(encoding="utf-8-sig")
    assert "来源网站或失效地址种类太多，只统计了出现较多的。" in out
    referrers = table(out, "五、来源网站（前 10 个）")
    assert referrers[:4] == [
        ["来源", "浏览量"],
        ["内网或", "IP", "地址", str(from_intranet)],
        ["mp.weixin.qq.com", "50"],
        ["www.baidu.com", "30"],
    ]
    assert all(re.fullmatch(r"h\d+\.example\.com", host) and views == "2" for host, views in referrers[4:])
    assert len(referrers) == 11
    assert sheet["六、要修复的失效地址（404，前 20 个）"][1:4] == [
        ["/jnxcz/2024/[2J]0;x/", "（没有来源页：手输、书签或扫码）", "40"],
        ["/jnxcz/2024/ipv6/（IP 地址）/", "（没有来源页：手输、书签或扫码）", "40"],
        ["/jnxcz/2024/oa/（IP 地址）/", "内网或 IP 地址", "40"],
    ]
    for text in (out, result.stderr, page, csv_text):
        for address in ("10.20.30.40", "192.0.2.50", "2001:db8", "10.1.", "/oa/notice", "http://oa"):
            assert address not in text
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text.replace("\r\n", "\n"))


def test_a_source_is_a_public_site_or_one_fixed_word():
    for referrer, shown in [
        ("http://10.20.30.40:8080/oa/notice/2024-15.html", count.INTRANET),
        ("http://192.0.2.50/", count.INTRANET),
        ("http://[2001:db8::7]/x", count.INTRANET),
        ("http://[fe80::1%25eth0]/", count.INTRANET),
        ("http://oa/index.jsp", count.INTRANET),
        ("http://localhost:3000/", count.INTRANET),
        ("http://wiki.corp/x", count.INTRANET),
        ("http://nas.local/", count.INTRANET),
        ("http://10-20-30-40.nip.io/", count.INTRANET),
        ("http://3232235777/", count.INTRANET),
        ("http://0x7f.1/", count.INTRANET),
        ("https://mp.weixin.qq.com/s/abc", "mp.weixin.qq.com"),
        ("https://WWW.Baidu.com.:443/link", "www.baidu.com"),
        ("https://user:secret@example.org/private", "example.org"),
        ("android-app://com.tencent.mm/", "com.tencent.mm"),
        ("https://节能.政务.cn/", "节能.政务.cn"),
        ("nonsense", count.UNKNOWN_SOURCE),
        ("http://[x", count.UNKNOWN_SOURCE),
    ]:
        assert count.source(referrer) == shown, referrer
    assert count.masked("/jnxcz/2024/a/192.0.2.50/b/2001:db8::7/c") == "/jnxcz/2024/a/（IP 地址）/b/（IP 地址）/c"
    assert count.masked("/jnxcz/2024/news/2024-05-13-kaimu/") == "/jnxcz/2024/news/2024-05-13-kaimu/"


def test_a_tally_costs_the_same_for_every_new_name():
    tally: count.Tally[str] = count.Tally(limit=20_000)
    started = time.perf_counter()
    for n in range(20_000):
        tally.add(f"seen twice {n}", 2)
    for n in range(100_000):
        tally.add(f"new {n}")
    assert time.perf_counter() - started < 5
    assert tally.pruned and len(tally) <= 20_000
    assert tally["seen twice 0"] == 2  # the frequent names stay


def test_a_cell_a_spreadsheet_would_take_for_a_formula_is_kept_as_text():
    from campaign.stats import report

    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "\t=1", "\r=1"):
        assert report._cell(cell) == "'" + cell.lstrip("\t\r"), cell
    assert report._cell("mp.weixin.qq.com") == "mp.weixin.qq.com" and report._cell(12) == 12
    assert report.printable("a\x1b[31mb\x07c\x9bd") == "a[31mbcd"


RSS = """
import resource, sys
from campaign.cli import main
code = main(sys.argv[1:])
print(f"{code} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


def test_a_log_without_line_breaks_is_read_in_bounded_memory(shipped, tmp_path):
    """A 50 MB line (a dump, a binary) is skipped and said, read a piece at a time: not a 2 GB peak."""
    valid = SCANS_2024[:3]

    def peak(log: Path) -> tuple[int, str]:
        result = subprocess.run(
            [sys.executable, "-c", RSS, "--root", str(shipped), "stats", str(log)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
        assert "Traceback" not in result.stderr, result.stderr
        code, kilobytes = result.stderr.splitlines()[-1].split()
        return int(kilobytes), code + "\n" + result.stdout + result.stderr

    small = tmp_path / "small.log"
    small.write_text("".join(valid), encoding="utf-8")
    baseline, _ = peak(small)
    long = tmp_path / "long.log"
    with long.open("w", encoding="utf-8") as stream:
        stream.write("".join(valid))
        for _ in range(50):
            stream.write("x" * 1_000_000)  # 50 MB and no line break
        stream.write("\n" + "".join(valid))
    used, said = peak(long)
    assert used < baseline + 20 * 1024, (baseline, used)
    assert said.startswith("0\n")
    assert "读取日志 1 个文件，共 7 行：时段内 6 行，时段外 0 行，无法识别 1 行（已跳过）。" in said
    assert f"注意：日志文件 {long} 有 1 行超过 128 KB，不是访问记录，已跳过（算在无法识别的行里）\n" in said

    alone = tmp_path / "alone.log"
    with alone.open("w", encoding="utf-8") as stream:
        for _ in range(50):
            stream.write("\x1b[2J" * 250_000)
    used, said = peak(alone)
    assert used < baseline + 20 * 1024, (baseline, used)
    assert said.startswith("7\n") and "\x1b" not in said
    assert (
        "统计失败：日志里的 1 行都不是能识别的访问日志格式（本站的 jnxcz 格式，或 nginx、Apache 默认的 "
        "combined、common 格式）"
    ) in said

"""The home page and the schedule follow the reader's clock (Beijing time), not the build's.

The site is built once, before the week; Chromium's clock is then set to moments before,
during (each day, morning and evening) and after the week, in a browser whose time zone is not
China's. What the page shows is compared with the statuses our own timeline gives for that
moment: the day named, the events under 今天 / 接下来 / 活动回顾, and the badges.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import threading

import pytest
from conftest import _QuietHandler
from sitecopy import EDITION, copy_site, decide_address, run_build

from campaign.context import make_context
from campaign.model.timeline import BEIJING, status
from campaign.pipeline import load

BUILT_AT = "2024-05-10T09:00"
BASE = "/jnxcz/2024/"
MOMENTS = [
    dt.datetime(2024, 5, 12, 20, 0),
    *(dt.datetime(2024, 5, day, hour, 0) for day in range(13, 20) for hour in (9, 20)),
    dt.datetime(2024, 5, 16, 11, 59),
    dt.datetime(2024, 5, 20, 8, 0),
]


@pytest.fixture(scope="module")
def early_site(tmp_path_factory):
    """The shipped site built on 2024-05-10, served at its sub-path; yields (url, project root)."""
    root = copy_site(tmp_path_factory.mktemp("clock") / "project")
    served = root.parent / "www"
    # the build is the campaign's address, /jnxcz/: the site in its 2024/ folder
    result = run_build(root, "--no-pdf", "--as-of", BUILT_AT, "--out", str(served / "jnxcz"))
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{BASE}", root
    server.shutdown()


def expected(root, moment: dt.datetime) -> dict:
    """What the home page should show at `moment` (Beijing), from the model and our timeline."""
    site = load(make_context(root, moment.replace(tzinfo=BEIJING), disk_cache=False))
    at = moment.replace(tzinfo=BEIJING)
    states = {event.id: status(event, at) for event in site.events}
    first = min(t.start for t in site.campaign.themes)
    last = max(t.end for t in site.campaign.themes)
    day = moment.date()
    phase = "before" if day < first else "after" if day > last else "during"
    heading = {"before": "即将开始", "after": "活动回顾", "during": "今天的活动"}[phase]
    upcoming = [e.title for e in site.events if states[e.id] == "upcoming"][:3]
    one_day = [t.name for t in site.campaign.themes if t.start == t.end == day]
    named = " · ".join([f"{day.month}月{day.day}日 星期{'一二三四五六日'[day.weekday()]}", *one_day])
    today = {
        "before": "即将开始：全国节能宣传周5月13日开幕",
        "after": "全国节能宣传周已于5月19日结束，欢迎回顾",
        "during": f"今天：{named} · 全国节能宣传周第{(day - first).days + 1}天",
    }[phase]
    return {
        "heading": heading,
        "line": [today],
        "current": [e.title for e in site.events if states[e.id] in ("live", "today")] if phase == "during" else [],
        "next": upcoming if phase != "after" else [],
        "done": [e.title for e in site.events if states[e.id] == "ended"] if phase == "after" else [],
        "badges": {e.id: states[e.id] for e in site.events},
        "today": day.isoformat(),
    }


SHOWN = """() => {
  const now = document.querySelector('section.now');
  const visible = (el) => el.offsetParent !== null;
  const titles = (list) => [...now.querySelectorAll(`[data-now-list="${list}"] [data-event]`)]
      .filter(visible).map((li) => li.querySelector('a').textContent.trim());
  const badges = {};
  for (const li of now.querySelectorAll('[data-now-list="current"] [data-event]')) {
    badges[li.dataset.event] = li.querySelector('.status').dataset.status;
  }
  const nextHeading = now.querySelector('[data-now="during-next"]');
  return {heading: now.querySelector('#h-now').textContent.trim(), current: titles('current'),
          next: titles('next'), done: titles('done'), badges,
          nextHeading: visible(nextHeading),
          today: [...document.querySelectorAll('[data-today-line]')].filter(visible).map((p) => p.textContent),
          todayBottom: document.querySelector('.today').getBoundingClientRect().bottom + window.scrollY};
}"""


def open_at(browser, url: str, moment: dt.datetime, zone: str = "America/New_York", width: int = 390, **options):
    context = browser.new_context(timezone_id=zone, viewport={"width": width, "height": 844}, **options)
    page = context.new_page()
    page.clock.install(time=moment.replace(tzinfo=BEIJING))
    page.goto(url)
    return context, page


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.strftime("%m-%d_%H%M"))
def test_the_home_page_follows_the_readers_clock(early_site, browser, moment):
    url, root = early_site
    want = expected(root, moment)
    context, page = open_at(browser, url, moment)
    shown = page.evaluate(SHOWN)
    context.close()
    assert shown["heading"] == want["heading"]
    assert shown["today"] == want["line"]
    assert shown["current"] == want["current"]
    assert shown["next"] == want["next"]
    assert shown["done"] == want["done"]
    assert shown["badges"] == want["badges"]
    assert shown["nextHeading"] == (want["heading"].startswith("今天") and bool(want["next"]))


def test_a_morning_event_is_live_then_over_on_the_16th(early_site, browser):
    """The exact words a reader sees on 16 May, whatever the build said on the 10th."""
    url, _ = early_site
    context, page = open_at(browser, url, dt.datetime(2024, 5, 16, 10, 0), zone="Europe/London")
    shown = page.evaluate(SHOWN)
    assert shown["heading"] == "今天的活动"
    assert shown["today"] == ["今天：5月16日 星期四 · 全国节能宣传周第4天"]
    assert "2024年全国节能宣传周公共机构节能降碳专题宣传活动" in shown["current"]
    assert shown["badges"]["national-special-event"] == "live"
    assert shown["badges"]["chuanyu-launch-ceremony"] == "ended"
    clock = page.locator("[data-now-clock]").inner_text()
    assert clock == "按本机时间显示：2024年5月16日 星期四 10:00（北京时间）"
    page.goto(url + "schedule/")
    today = page.locator(".day.is-today")
    assert today.count() == 1 and today.get_attribute("data-day") == "2024-05-16"
    assert page.locator(".day.is-today .today-mark").is_visible()
    context.close()


def test_without_script_the_build_time_state_shows(early_site, browser):
    url, root = early_site
    want = expected(root, dt.datetime.fromisoformat(BUILT_AT))
    context, page = open_at(browser, url, dt.datetime(2024, 5, 16, 10, 0), java_script_enabled=False)
    heading = page.locator("#h-now").inner_text()
    today = page.locator("[data-today-line]:visible").all_inner_texts()
    visible_next = [
        t.strip() for t in page.locator('[data-now-list="next"] [data-event]:visible h3 a').all_inner_texts()
    ]
    context.close()
    assert heading == want["heading"] == "即将开始"
    assert today == want["line"] == ["即将开始：全国节能宣传周5月13日开幕"]
    assert visible_next == want["next"]


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_the_days_line_is_on_a_phones_first_screen(early_site, browser, large):
    url, _ = early_site
    context, page = open_at(browser, url + ("?mode=large" if large else ""), dt.datetime(2024, 5, 15, 9, 0))
    shown = page.evaluate(SHOWN)
    context.close()
    # 「今天：5月15日 …」 shows without scrolling, whatever the build's day was
    assert shown["today"] == ["今天：5月15日 星期三 · 全国低碳日 · 全国节能宣传周第3天"]
    assert shown["todayBottom"] <= 844, f"the day's line ends {shown['todayBottom']:.0f} px down on a 390 × 844 screen"


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (dt.datetime(2024, 5, 12, 23, 59), "直播网址尚未公布。将于2024年5月13日 星期一在"),
        (dt.datetime(2024, 5, 13, 0, 0), "直播网址应于5月13日公布，本站正在更新。"),
        (dt.datetime(2024, 5, 16, 10, 0), "直播网址应于5月13日公布，本站正在更新。"),
    ],
    ids=["eve", "the-day", "after"],
)
def test_an_address_overdue_says_so_on_its_stable_page(early_site, browser, moment, shown):
    """A printed code scanned after the announcement date, with no address yet: no stale 将于."""
    url, _ = early_site
    context, page = open_at(browser, url + "go/xinhua-live/", moment, zone="Asia/Tokyo")
    visible = [text.strip() for text in page.locator(".pending:visible").all_inner_texts()]
    context.close()
    assert len(visible) == 1 and visible[0].startswith(shown)


REPORT = "---\ntitle: 区机关事务局开展低碳日体验活动\ndate: {date}\nsource: 江北区机关事务管理局\n---\n正文。\n"


def test_a_report_dated_after_the_build_waits_for_its_day(tmp_path):
    root = decide_address(copy_site(tmp_path / "project"))
    news = root / "content/news/2024-05-17-tiyan.md"
    news.write_text(REPORT.format(date="2024-05-17"), encoding="utf-8")
    out = tmp_path / "out"
    first = run_build(root, "--no-pdf", "--as-of", "2024-05-16T23:59", "--out", str(out))
    assert first.returncode == 0
    # the build says what it left out, where, and until when: a mistyped date hides a report just the same
    assert first.stdout.splitlines()[1:] == [
        "暂不发布的活动动态：1 篇（日期晚于今天，到当天重新生成网站后才会出现）",
        "  - content/news/2024-05-17-tiyan.md:3: 「区机关事务局开展低碳日体验活动」的日期是 2024年5月17日 星期五；"
        "如果日期写错了，请改正后重新生成",
    ]
    built, out = out, out / EDITION
    for name in ("index.html", "news/index.html", "feed.xml", "sitemap.xml"):
        assert "2024-05-17-tiyan" not in (out / name).read_text(encoding="utf-8"), name
    assert not (out / "news/2024-05-17-tiyan").exists()
    check = run_build(root, "check", "--no-pdf", "--as-of", "2024-05-16T23:59")
    assert (
        "  - content/news/2024-05-17-tiyan.md:3: 「区机关事务局开展低碳日体验活动」的日期是 2024年5月17日 星期五；"
        "如果日期写错了，请改正后重新生成"
    ) in check.stdout.splitlines()
    assert "暂不发布的活动动态：1 篇" in check.stdout
    on_the_day = run_build(root, "--no-pdf", "--as-of", "2024-05-17T00:00", "--out", str(built))
    assert on_the_day.returncode == 0 and "暂不发布" not in on_the_day.stdout
    for name in ("index.html", "news/index.html", "feed.xml", "sitemap.xml"):
        assert "2024-05-17-tiyan" in (out / name).read_text(encoding="utf-8"), name
    assert (out / "news/2024-05-17-tiyan/index.html").is_file()
    check = run_build(root, "check", "--no-pdf", "--as-of", "2024-05-17T00:00")
    assert "暂不发布的活动动态" not in check.stdout


def test_the_daily_timer_publishes_a_scheduled_report_on_its_day(tmp_path):
    """The shipped systemd unit's command, run on the report's day, puts the report online."""
    import configparser
    import shlex

    from sitecopy import REPO

    units = {}
    for name in ("jnxcz-publish.service", "jnxcz-publish.timer"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str
        parser.read(REPO / "deploy" / name, encoding="utf-8")
        units[name] = parser
    assert units["jnxcz-publish.timer"]["Timer"]["OnCalendar"] == "*-*-* 00:05:00 Asia/Shanghai"
    command = shlex.split(units["jnxcz-publish.service"]["Service"]["ExecStart"])
    assert command[1:3] == ["build.py", "publish"]
    destination = tmp_path / "srv"
    root = decide_address(copy_site(tmp_path / "project"))
    (root / "content/news/2024-05-17-tiyan.md").write_text(REPORT.format(date="2024-05-17"), encoding="utf-8")
    for day, present in (("2024-05-16T00:05", False), ("2024-05-17T00:05", True)):
        result = run_build(root, "publish", str(destination), *command[4:], "--no-pdf", "--as-of", day)
        assert result.returncode == 0, result.stderr
        live = (destination / "current" / EDITION / "news/index.html").read_text(encoding="utf-8")
        assert ("区机关事务局开展低碳日体验活动" in live) is present, day

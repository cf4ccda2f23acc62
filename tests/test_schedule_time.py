"""A schedule that knows what day it is (in Beijing, whatever the machine's zone) and
calendars that carry the right instants."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import icalendar
import pytest
from conftest import REPO
from sitecopy import EDITION, copy_site, shipped_copy

EVENTS = [
    "address-announcement",
    "chongqing-publications",
    "energy-quiz",
    "chuanyu-launch-ceremony",
    "low-carbon-day",
    "national-special-event",
    "report-deadline",
]
# What a reader should see at each moment (Beijing time), worked out from the notice's dates.
EXPECTED = {
    "2024-05-10": dict.fromkeys(EVENTS, "未开始"),
    "2024-05-14T09:00": {
        "address-announcement": "已结束",
        "chongqing-publications": "今天",
        "energy-quiz": "今天",
        "chuanyu-launch-ceremony": "今天",
        "low-carbon-day": "未开始",
        "national-special-event": "未开始",
        "report-deadline": "未开始",
    },
    "2024-05-15": {
        "address-announcement": "已结束",
        "chongqing-publications": "今天",
        "energy-quiz": "今天",
        "chuanyu-launch-ceremony": "已结束",
        "low-carbon-day": "今天",
        "national-special-event": "未开始",
        "report-deadline": "未开始",
    },
    "2024-05-16T10:00": {
        "address-announcement": "已结束",
        "chongqing-publications": "今天",
        "energy-quiz": "今天",
        "chuanyu-launch-ceremony": "已结束",
        "low-carbon-day": "已结束",
        "national-special-event": "正在进行",
        "report-deadline": "未开始",
    },
    "2024-05-20": dict.fromkeys(EVENTS, "已结束"),
}


def build_as_of(out, moment, tz):
    env = {**os.environ, "TZ": tz}
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "build.py"),
            "--root",
            str(shipped_copy()),
            "--no-pdf",
            "--out",
            str(out),
            "--as-of",
            moment,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return out / EDITION


def statuses(html: str) -> dict:
    found = {}
    for item in re.findall(r'<li class="event.*?</li>', html, re.S):
        if re.match(r"<li [^>]* hidden>", item):
            continue  # left for the page's script to show at another moment
        event = re.search(r'href="[./]*events/([a-z0-9-]+)/"', item).group(1)
        found[event] = re.search(r'data-status="[a-z]+">([^<]+)<', item).group(1)
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("asof")
    return {
        (moment, tz): build_as_of(root / f"{moment}-{tz.replace('/', '_')}", moment, tz)
        for moment in EXPECTED
        for tz in ("UTC", "America/New_York")
    }


@pytest.mark.parametrize("moment", EXPECTED)
def test_statuses_are_right_in_any_machine_time_zone(builds, moment):
    utc, new_york = builds[(moment, "UTC")], builds[(moment, "America/New_York")]
    schedule = (utc / "schedule/index.html").read_text(encoding="utf-8")
    assert statuses(schedule) == EXPECTED[moment]
    for page in ("index.html", "schedule/index.html", "events/national-special-event/index.html"):
        assert (utc / page).read_bytes() == (new_york / page).read_bytes(), page


def _lead(out) -> str:
    html = (out / "index.html").read_text(encoding="utf-8")
    return re.search(r'<section class="now".*?</section>', html, re.S).group(0)


def test_home_page_leads_with_what_is_next_before_the_week(builds):
    lead = _lead(builds[("2024-05-10", "UTC")])
    assert "即将开始" in lead
    assert list(statuses(lead)) == ["address-announcement", "chongqing-publications", "energy-quiz"]


def _today_line(out) -> str:
    """The first screen's line for the build's day (the one not hidden)."""
    html = (out / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<p data-today-line="[^"]*">([^<]*)</p>', html)


def test_home_page_leads_with_today_and_next_during_the_week(builds):
    out = builds[("2024-05-14T09:00", "UTC")]
    assert _today_line(out) == ["今天：5月14日 星期二 · 全国节能宣传周第2天"]
    lead = _lead(out)
    assert "今天的活动" in lead and "接下来" in lead
    today, upcoming = lead.split("接下来")
    assert set(statuses(today)) == {"chongqing-publications", "energy-quiz", "chuanyu-launch-ceremony"}
    assert list(statuses(upcoming)) == ["low-carbon-day", "national-special-event", "report-deadline"]
    lead = _lead(builds[("2024-05-16T10:00", "UTC")])
    assert statuses(lead.split("接下来")[0])["national-special-event"] == "正在进行"


def test_home_page_sums_up_after_the_week(builds):
    lead = _lead(builds[("2024-05-20", "UTC")])
    assert "活动回顾" in lead and "已经结束" in lead
    assert all(f"events/{event}/" in lead for event in EVENTS)
    assert "更新于 2024年5月20日 星期一 00:00" in lead


def test_page_script_moves_statuses_with_the_readers_clock(builds, browser):
    import functools
    import http.server
    import threading

    out = builds[("2024-05-10", "UTC")]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    beijing = dt.timezone(dt.timedelta(hours=8))
    context = browser.new_context(timezone_id="America/New_York")
    tab = context.new_page()
    tab.clock.install(time=dt.datetime(2024, 5, 16, 7, 59, 30, tzinfo=beijing))
    tab.goto(f"http://127.0.0.1:{server.server_address[1]}/events/national-special-event/")
    badge = tab.locator(".event-status .status")
    assert badge.inner_text() == "今天"  # the built page said 未开始; the script corrected it
    tab.clock.run_for("01:00")
    tab.wait_for_function("document.querySelector('.event-status .status').innerText === '正在进行'")
    tab.clock.run_for("04:00:00")
    tab.wait_for_function("document.querySelector('.event-status .status').innerText === '已结束'")
    context.close()
    server.shutdown()


def _calendar(path) -> icalendar.Calendar:
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    return icalendar.Calendar.from_ical(data)


def test_every_event_has_a_calendar_that_parses(builds):
    out = builds[("2024-05-10", "UTC")]
    week = _calendar(out / "calendar/week.ics")
    assert sorted(str(e["UID"]).split("@")[0] for e in week.walk("VEVENT")) == sorted(EVENTS)
    for event in EVENTS:
        [entry] = _calendar(out / f"calendar/{event}.ics").walk("VEVENT")
        assert str(entry["URL"]) == f"https://www.example.gov.cn/jnxcz/2024/events/{event}/"
        assert "events/" in str(entry["DESCRIPTION"])
        page = (out / f"events/{event}/index.html").read_text(encoding="utf-8")
        assert f'href="../../calendar/{event}.ics">加入日历' in page
    [week_long] = _calendar(out / "calendar/energy-quiz.ics").walk("VEVENT")
    assert week_long.decoded("DTSTART") == dt.date(2024, 5, 13)
    assert week_long.decoded("DTEND") == dt.date(2024, 5, 20)  # exclusive: through the 19th
    [launch] = _calendar(out / "calendar/chuanyu-launch-ceremony.ics").walk("VEVENT")
    assert str(launch["LOCATION"]) == "重庆市荣昌区"


def test_calendar_times_are_the_right_instants(tmp_path):
    root = copy_site(tmp_path / "project")
    schedule = root / "content/schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    schedule.write_text(
        text.replace("    date: 2024-05-14\n", "    date: 2024-05-14\n    start: 09:30\n    end: 11:00\n", 1),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "--no-pdf", "--as-of", "2024-05-14T10:00"],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "America/New_York"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [launch] = _calendar(root / "output" / EDITION / "calendar/chuanyu-launch-ceremony.ics").walk("VEVENT")
    assert launch.decoded("DTSTART") == dt.datetime(2024, 5, 14, 1, 30, tzinfo=dt.UTC)
    assert launch.decoded("DTEND") == dt.datetime(2024, 5, 14, 3, 0, tzinfo=dt.UTC)
    schedule_page = (root / "output" / EDITION / "schedule/index.html").read_text(encoding="utf-8")
    assert statuses(schedule_page)["chuanyu-launch-ceremony"] == "正在进行"
    assert "2024年5月14日 星期二 09:30–11:00" in schedule_page


def test_check_reports_what_is_due(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "build.py"),
            "check",
            "--as-of",
            "2024-05-15T12:00",
            "--root",
            str(copy_site(tmp_path / "project")),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "近期截止：报送活动总结材料截止（2024年5月17日 星期五）" in result.stdout

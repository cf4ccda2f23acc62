"""When events happen, in Beijing time whatever the machine's or the reader's time zone.

China has kept UTC+8 without summer time since 1991, so a fixed offset is exact for these
dates and needs no time-zone database (a fresh Windows Python has none). An event with a
clock time has that window; one with only a part of the day (上午) is taken to span that part
for its status; any other event spans its whole day or days.
"""

from __future__ import annotations

import datetime as dt

from campaign.model.site import Event

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
PART_OF_DAY = {
    "上午": (dt.time(8), dt.time(12)),
    "中午": (dt.time(11), dt.time(14)),
    "下午": (dt.time(14), dt.time(18)),
    "晚上": (dt.time(19), dt.time(22)),
}
STATUS_LABELS = {"upcoming": "未开始", "today": "今天", "live": "正在进行", "ended": "已结束"}


def window(event: Event) -> tuple[dt.datetime, dt.datetime, bool]:
    """(start, end, all_day): the instants an event covers; all-day ends at next midnight."""
    first, last = event.date, event.end_date or event.date
    midnight_after = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), BEIJING)
    if event.start is not None:
        start = dt.datetime.combine(first, event.start, BEIJING)
        end = dt.datetime.combine(last, event.end, BEIJING) if event.end else midnight_after
        return start, end, False
    if event.time_note in PART_OF_DAY and last == first:
        begin, finish = PART_OF_DAY[event.time_note]
        return (dt.datetime.combine(first, begin, BEIJING), dt.datetime.combine(first, finish, BEIJING), False)
    return dt.datetime.combine(first, dt.time(0), BEIJING), midnight_after, True


def status(event: Event, now: dt.datetime) -> str:
    start, end, all_day = window(event)
    if now >= end:
        return "ended"
    if start <= now and not all_day:
        return "live"
    today = now.astimezone(BEIJING).date()
    if start.date() <= today <= (end - dt.timedelta(microseconds=1)).date():
        return "today"
    return "upcoming"


def parse_moment(text: str) -> dt.datetime:
    """An --as-of value: a date (start of that day) or a date and time, in Beijing time."""
    text = text.strip().replace(" ", "T")
    moment = (
        dt.datetime.fromisoformat(text) if "T" in text else dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0))
    )
    return moment.replace(tzinfo=BEIJING) if moment.tzinfo is None else moment.astimezone(BEIJING)


def now() -> dt.datetime:
    return dt.datetime.now(BEIJING).replace(second=0, microsecond=0)

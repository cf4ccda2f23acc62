"""Dates and times as Chinese government pages write them: 2024年5月13日 星期一, 24-hour clock.

A date not filled in yet (`model.site.PendingDate`) is written as its 待填写 text.
"""

from __future__ import annotations

import datetime as dt

from campaign.model.site import is_pending
from campaign.model.timeline import BEIJING

WEEKDAYS = "一二三四五六日"


def cn_date(day: dt.date, weekday: bool = True) -> str:
    if is_pending(day):
        return day.text
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text} 星期{WEEKDAYS[day.weekday()]}" if weekday else text


def cn_month_day(day: dt.date) -> str:
    if is_pending(day):
        return day.text
    return f"{day.month}月{day.day}日"


def cn_time(moment: dt.time | None) -> str:
    return f"{moment:%H:%M}" if moment else ""


def cn_span(start: dt.date, end: dt.date | None) -> str:
    """A date range the short way: 2024年5月13日至19日, or across months 5月31日至6月2日."""
    if end is None or end == start:
        return cn_date(start)
    if is_pending(start) or is_pending(end):
        return f"{cn_date(start, weekday=False)}至{cn_date(end, weekday=False)}"
    if (end.year, end.month) == (start.year, start.month):
        return f"{cn_date(start, weekday=False)}至{end.day}日"
    if end.year == start.year:
        return f"{cn_date(start, weekday=False)}至{end.month}月{end.day}日"
    return f"{cn_date(start, weekday=False)}至{cn_date(end, weekday=False)}"


def cn_datetime(moment: dt.datetime | None) -> str:
    """2024年5月14日 星期二 09:00, in Beijing time whatever zone `moment` carries."""
    if moment is None:
        return ""
    local = moment.astimezone(BEIJING)
    return f"{cn_date(local.date())} {local:%H:%M}"

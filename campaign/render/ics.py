"""Calendars people can add: one iCalendar file (RFC 5545) per event and one for the week.

Times are written in UTC, which every calendar converts to the reader's zone; events with no
clock time in the notice are all-day events, so a calendar never shows a time the notice does
not give. DTSTAMP comes from the content, not the clock, so files are identical between builds.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from campaign.model.site import Event, Site, is_pending
from campaign.model.timeline import BEIJING


def event_file(site: Site, event: Event) -> bytes:
    return _calendar(site, [event], event.title)


def week_file(site: Site) -> bytes:
    return _calendar(site, list(site.events), site.campaign.title)


def _calendar(site: Site, events: list[Event], name: str) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//campaign-site//jnxcz 1.0//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    published = site.notice.published
    # the notice's date; while it is still 待填写, the moment the site was built for
    stamp = site.as_of if is_pending(published) else dt.datetime.combine(published, dt.time(0), BEIJING)
    for event in events:
        lines += _event(site, event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")


def _event(site: Site, event: Event, stamp: dt.datetime) -> list[str]:
    host = urlsplit(site.config.base_url).hostname or "localhost"
    page = site.config.base_url + event.page
    last = event.end_date or event.date
    if event.start is None:
        timing = [f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}", f"DTEND;VALUE=DATE:{last + dt.timedelta(days=1):%Y%m%d}"]
    else:
        start = dt.datetime.combine(event.date, event.start, BEIJING)
        end = dt.datetime.combine(last, event.end, BEIJING) if event.end else start
        timing = [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
    details = [event.summary]
    if event.time_note:
        details.append(f"时间：{event.time_note}（北京时间）")
    if event.hosts:
        details.append("主办：" + "、".join(event.hosts))
    details.append(f"详情：{page}")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.id}@{host}",
        f"DTSTAMP:{_utc(stamp)}",
        *timing,
        f"SUMMARY:{_text(event.title)}",
        f"DESCRIPTION:{_text(chr(10).join(details))}",
        f"URL:{page}",
    ]
    if event.place:
        lines.append(f"LOCATION:{_text(event.place)}")
    lines += [f"CATEGORIES:{_text(event.kind_label)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (RFC 5545, 3.1)."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not parts else 74  # continuation lines start with a space
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)

"""The days `stats` counts: as the clerk writes them (--from, --to), and by default the campaign's week.

A day may be written 2024-05-13, 2024-5-13, 2024/5/13, 2024.5.13, 20240513 or 2024年5月13日,
in full-width digits too; without its year (5月13日, 5/13, 5-13) it is in the year of the other
day when that one has it, else in the campaign's year: the year of the edition whose week is
counted by default. By default that is the current
edition's week; right after `new-edition`, while this year's dates are still 待填写, it is the
week of the newest edition whose dates are known (last year's summary is written then).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple

from campaign.model.site import Site, is_pending

_WITH_YEAR = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)")
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)")
_WITHOUT_YEAR = re.compile(r"(\d{1,2})\s*(?:[-/.]\s*(\d{1,2})|月\s*(\d{1,2})\s*日?)")
EXAMPLES = "2024-05-13、2024年5月13日 或 5月13日"


class WrittenDay(NamedTuple):
    """A day as written on the command line; `year` is None when it was left out."""

    year: int | None
    month: int
    day: int
    text: str

    def on(self, year: int, option: str) -> dt.date:
        """The day, in `year` when it was written without one; ValueError in Chinese for 2月29日 in 2025."""
        try:
            return dt.date(self.year or year, self.month, self.day)
        except ValueError:
            raise ValueError(
                f"{option} 写的「{self.text}」不是有效的日期（{self.year or year}年没有{self.month}月{self.day}日）"
            ) from None


def written_day(text: str, option: str) -> WrittenDay:
    """The day `text` names, checked; ValueError with a Chinese sentence naming `option` if not."""
    plain = unicodedata.normalize("NFKC", text).strip()
    parts: tuple[str | None, ...]
    if match := _WITH_YEAR.fullmatch(plain):
        year, *rest = match.groups()
        parts = (year, *(rest[:2] if rest[0] else rest[2:]))
    elif match := _COMPACT.fullmatch(plain):
        parts = match.groups()
    elif match := _WITHOUT_YEAR.fullmatch(plain):
        month, *rest = match.groups()
        parts = (None, month, rest[0] or rest[1])
    else:
        raise ValueError(f"{option} 应写成 {EXAMPLES} 这样的日期，这里是「{text}」")
    year, month, day = parts
    written = WrittenDay(int(year) if year else None, int(month or 0), int(day or 0), text)
    written.on(written.year or 2024, option)  # a leap year: 2月29日 without a year waits for its year
    return written


def week(site: Site) -> tuple[dt.date, dt.date] | None:
    """An edition's first and last day; None while they are 待填写."""
    themes = site.campaign.themes
    first = min((theme.start for theme in themes), default=None)
    last = max((theme.end for theme in themes), default=None)
    if first is None or last is None or is_pending(first) or is_pending(last):
        return None
    return first, last


def counted_week(sites: tuple[Site, ...]) -> tuple[Site, tuple[dt.date, dt.date]] | None:
    """The edition whose week is counted by default, the newest whose dates are known, and that week."""
    for site in reversed(sites):
        known = week(site)
        if known is not None:
            return site, known
    return None


def campaign_year(sites: tuple[Site, ...], today: dt.date) -> int:
    """The year of a day written without one: the default edition's, else the current edition's folder's."""
    counted = counted_week(sites)
    if counted is not None:
        return counted[1][0].year
    folder = sites[-1].edition.folder
    return int(folder) if re.fullmatch(r"\d{4}", folder) else today.year


def titled(sites: tuple[Site, ...], start: dt.date, end: dt.date) -> Site:
    """The edition the report is titled after: the newest whose week falls in the days counted, else the current."""
    for site in reversed(sites):
        known = week(site)
        if known is not None and known[0] <= end and start <= known[1]:
            return site
    return sites[-1]

"""Exact checks of the pure pieces, at the boundaries a user would notice.

Written against mutation testing (`mutmut`, see pyproject.toml): each test pins a value a
visitor, a clerk or the person publishing would see, at the edge where an off-by-one, a
swapped condition or a wrong constant would show: a date range across a month or a year,
an event's status at the exact instant it starts or ends, a calendar line of exactly 75
octets, a poster whose code exactly fills the room on its paper, the third of three releases.
Nothing here builds the site or starts a process; files are only written under `tmp_path`.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import os
import re
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from campaign.errors import ContentError, ContentProblem, Problems, machine_trouble
from campaign.incremental.cache import Cache
from campaign.inspection import checks
from campaign.inspection.checks import Finding, Inspection, Rule
from campaign.load import content, posters
from campaign.load.markup import split_front_matter
from campaign.load.yamltext import Node, parse_yaml
from campaign.model import fields as schema
from campaign.model import site as model
from campaign.model import timeline
from campaign.model.fields import Where
from campaign.model.site import Announced, AnnouncedKind, Event, EventKind, PaperSize, PendingDate, Poster, StableLink
from campaign.render import dates, ics, qr, qrfast
from campaign.render.qr import QrCodes
from campaign.render.urls import Linker, campaign_path, edition_folder, is_safe, output_file
from campaign.ship import publish
from campaign.ship.publish import PublishError

NO_CACHE = Cache(None, "unit tests")
BEIJING = dt.timezone(dt.timedelta(hours=8))


# --- dates as pages write them --------------------------------------------------------------


@pytest.mark.parametrize(
    "day, text",
    [
        (13, "2024年5月13日 星期一"),
        (14, "2024年5月14日 星期二"),
        (15, "2024年5月15日 星期三"),
        (16, "2024年5月16日 星期四"),
        (17, "2024年5月17日 星期五"),
        (18, "2024年5月18日 星期六"),
        (19, "2024年5月19日 星期日"),
    ],
)
def test_every_weekday_is_named(day, text):
    assert dates.cn_date(dt.date(2024, 5, day)) == text


def test_dates_without_weekday_and_month_day():
    assert dates.cn_date(dt.date(2024, 1, 2), weekday=False) == "2024年1月2日"
    assert dates.cn_date(dt.date(2024, 1, 2), False) == "2024年1月2日"
    assert dates.cn_month_day(dt.date(2024, 10, 1)) == "10月1日"


def test_clock_times_are_24_hour_and_midnight_is_shown():
    assert dates.cn_time(dt.time(9, 5)) == "09:05"
    assert dates.cn_time(dt.time(21, 30)) == "21:30"
    assert dates.cn_time(dt.time(0, 0)) == "00:00"
    assert dates.cn_time(None) == ""


@pytest.mark.parametrize(
    "start, end, text",
    [
        ((2024, 5, 13), None, "2024年5月13日 星期一"),
        ((2024, 5, 13), (2024, 5, 13), "2024年5月13日 星期一"),
        ((2024, 5, 13), (2024, 5, 14), "2024年5月13日至14日"),
        ((2024, 5, 31), (2024, 6, 1), "2024年5月31日至6月1日"),
        ((2024, 12, 31), (2025, 1, 2), "2024年12月31日至2025年1月2日"),
        ((2024, 5, 13), (2025, 5, 14), "2024年5月13日至2025年5月14日"),
    ],
)
def test_date_spans_across_months_and_years(start, end, text):
    assert dates.cn_span(dt.date(*start), dt.date(*end) if end else None) == text


def test_date_and_time_are_shown_in_beijing_time_whatever_the_zone():
    assert dates.cn_datetime(None) == ""
    assert dates.cn_datetime(dt.datetime(2024, 5, 14, 1, 0, tzinfo=dt.UTC)) == "2024年5月14日 星期二 09:00"
    # 16:30 UTC on Monday is already Tuesday in Beijing
    assert dates.cn_datetime(dt.datetime(2024, 5, 13, 16, 30, tzinfo=dt.UTC)) == "2024年5月14日 星期二 00:30"
    assert dates.cn_datetime(dt.datetime(2024, 5, 14, 9, 0, tzinfo=BEIJING)) == "2024年5月14日 星期二 09:00"


# --- event times and statuses ---------------------------------------------------------------


def event(day=(2024, 5, 14), end_day=None, start=None, end=None, note="") -> Event:
    return Event(
        id="e",
        title="活动",
        kind=EventKind.ACTIVITY,
        date=dt.date(*day),
        end_date=dt.date(*end_day) if end_day else None,
        start=start,
        end=end,
        time_note=note,
        place="",
        hosts=(),
        livestream_id=None,
        livestream=None,
        summary="",
        body_html="",
    )


def at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=timeline.BEIJING)


def test_window_of_a_timed_event():
    assert timeline.window(event(start=dt.time(9), end=dt.time(11, 30))) == (
        at(2024, 5, 14, 9),
        at(2024, 5, 14, 11, 30),
        False,
    )
    # no end time: it runs until the next midnight
    assert timeline.window(event(start=dt.time(9))) == (at(2024, 5, 14, 9), at(2024, 5, 15), False)
    # over several days: from the first day's start to the last day's end
    assert timeline.window(event(end_day=(2024, 5, 16), start=dt.time(9), end=dt.time(17))) == (
        at(2024, 5, 14, 9),
        at(2024, 5, 16, 17),
        False,
    )
    assert timeline.window(event(end_day=(2024, 5, 16), start=dt.time(9))) == (
        at(2024, 5, 14, 9),
        at(2024, 5, 17),
        False,
    )


@pytest.mark.parametrize(
    "note, begin, finish",
    [("上午", 8, 12), ("中午", 11, 14), ("下午", 14, 18), ("晚上", 19, 22)],
)
def test_window_of_a_part_of_the_day(note, begin, finish):
    assert timeline.window(event(note=note)) == (at(2024, 5, 14, begin), at(2024, 5, 14, finish), False)


def test_window_of_all_day_events():
    assert timeline.window(event()) == (at(2024, 5, 14), at(2024, 5, 15), True)
    assert timeline.window(event(note="全天")) == (at(2024, 5, 14), at(2024, 5, 15), True)
    # a part of the day over several days says nothing about the hours: all day, every day
    assert timeline.window(event(end_day=(2024, 5, 15), note="上午")) == (at(2024, 5, 14), at(2024, 5, 16), True)
    assert timeline.window(event(end_day=(2024, 5, 16))) == (at(2024, 5, 14), at(2024, 5, 17), True)
    assert [w.tzinfo.utcoffset(None) for w in timeline.window(event())[:2]] == [dt.timedelta(hours=8)] * 2


TIMED = event(start=dt.time(9), end=dt.time(11, 30))


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(2024, 5, 13, 23, 59), "upcoming"),
        (at(2024, 5, 14, 0, 0), "today"),
        (at(2024, 5, 14, 8, 59, 59, 999999), "today"),
        (at(2024, 5, 14, 9, 0), "live"),
        (at(2024, 5, 14, 11, 29, 59, 999999), "live"),
        (at(2024, 5, 14, 11, 30), "ended"),
        (at(2024, 5, 15, 0, 0), "ended"),
    ],
)
def test_status_of_a_timed_event_at_the_exact_instants(now, expected):
    assert timeline.status(TIMED, now) == expected


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(2024, 5, 13, 23, 59, 59, 999999), "upcoming"),
        (at(2024, 5, 14, 0, 0), "today"),
        (at(2024, 5, 15, 12, 0), "today"),
        (at(2024, 5, 16, 23, 59, 59, 999999), "today"),
        (at(2024, 5, 17, 0, 0), "ended"),
    ],
)
def test_status_of_an_event_over_three_days(now, expected):
    assert timeline.status(event(end_day=(2024, 5, 16)), now) == expected


def test_status_uses_the_beijing_date_of_a_moment_given_in_another_zone():
    # 16:00 UTC on the 13th is midnight of the 14th in Beijing: the all-day event is today
    assert timeline.status(event(), dt.datetime(2024, 5, 13, 16, 0, tzinfo=dt.UTC)) == "today"
    assert timeline.status(event(), dt.datetime(2024, 5, 13, 15, 59, tzinfo=dt.UTC)) == "upcoming"


def test_status_of_a_morning_event():
    morning = event(note="上午")
    assert timeline.status(morning, at(2024, 5, 14, 7, 59)) == "today"
    assert timeline.status(morning, at(2024, 5, 14, 8, 0)) == "live"
    assert timeline.status(morning, at(2024, 5, 14, 12, 0)) == "ended"


def test_status_labels_are_the_words_on_the_page():
    assert timeline.STATUS_LABELS == {"upcoming": "未开始", "today": "今天", "live": "正在进行", "ended": "已结束"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-14", at(2024, 5, 14)),
        (" 2024-05-14 ", at(2024, 5, 14)),
        ("2024-05-14 09:30", at(2024, 5, 14, 9, 30)),
        ("2024-05-14T09:30", at(2024, 5, 14, 9, 30)),
        ("2024-05-14T01:30+00:00", at(2024, 5, 14, 9, 30)),
        ("2024-05-14 01:30Z", at(2024, 5, 14, 9, 30)),
    ],
)
def test_as_of_values_are_read_in_beijing_time(text, expected):
    moment = timeline.parse_moment(text)
    assert moment == expected
    assert (moment.hour, moment.minute) == (expected.hour, expected.minute)
    assert moment.tzinfo is timeline.BEIJING


def test_now_is_a_whole_minute_in_beijing():
    moment = timeline.now()
    assert moment.tzinfo is timeline.BEIJING
    assert (moment.second, moment.microsecond) == (0, 0)
    assert abs(moment - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)


# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["index.html", "news/index.html", "events/a-1/index.html", "feed.xml", "a..b/c"])
def test_safe_output_paths(path):
    assert is_safe(path)


@pytest.mark.parametrize("path", ["a\x00b", "a/./b", "a/", "..", "news/../../x"])
def test_more_unsafe_output_paths(path):
    assert not is_safe(path)


def test_output_file_of_a_nested_page():
    assert output_file("news/page/2/") == "news/page/2/index.html"
    assert output_file("events/a/event.ics") == "events/a/event.ics"


@pytest.mark.parametrize(
    "page, target, expected",
    [
        ("", "", "./"),
        ("", "schedule/", "schedule/"),
        ("events/a/", "static/style.css", "../../static/style.css"),
        ("news/page/2/", "", "../../../"),
        ("events/a/event.ics", "events/a/", "../../events/a/"),
        ("go/x/index.html", "", "../../"),
    ],
)
def test_links_from_nested_pages(page, target, expected):
    assert Linker(page, "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/")(target) == expected


@pytest.mark.parametrize(
    "page, target, expected",
    [
        ("", "", "index.html"),
        ("", "schedule/", "schedule/index.html"),
        ("events/a/", "", "../../index.html"),
        ("news/page/2/", "news/x/", "../../../news/x/index.html"),
        ("events/a/", "static/style.css", "../../static/style.css"),
        ("events/a/", "events/a/event.ics", "../../events/a/event.ics"),
        # the 404 page of a copy opened from disk is a page like any other
        ("404.html", "schedule/", "schedule/index.html"),
    ],
)
def test_offline_links_name_the_index_file(page, target, expected):
    link = Linker(page, "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/", absolute=page == "404.html", offline=True)
    assert link(target) == expected


def test_absolute_links_of_the_404_page_and_full_addresses():
    link = Linker("404.html", "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/", absolute=True)
    assert link("") == "/jnxcz/2024/"
    assert link.full("go/live/") == "https://x.gov.cn/jnxcz/2024/go/live/"


@pytest.mark.parametrize(
    "base, folder, campaign",
    [
        ("/jnxcz/2024/", "2024", "/jnxcz/"),
        ("/2024/", "2024", "/"),
        ("/a/b/2025/", "2025", "/a/b/"),
        ("/jnxcz/2024", "2024", "/jnxcz/"),
        ("/", "", "/"),
    ],
)
def test_an_editions_folder_and_the_campaigns_address(base, folder, campaign):
    assert (edition_folder(base), campaign_path(base)) == (folder, campaign)


@pytest.mark.parametrize(
    "page, offline, expected",
    [
        ("", False, "../2025/"),
        ("schedule/", False, "../../2025/"),
        ("go/schedule/", False, "../../../2025/"),
        ("calendar/week.ics", False, "../../2025/"),
        ("news/page/2/", True, "../../../../2025/index.html"),
        ("404.html", False, "/jnxcz/2025/"),  # the error page shows at any depth
        ("404.html", True, "../2025/index.html"),
    ],
)
def test_links_to_another_edition(page, offline, expected):
    link = Linker(page, "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/", absolute=page == "404.html", offline=offline)
    assert link.campaign("2025/") == expected


def test_links_to_the_campaigns_own_page_and_another_editions_file():
    online = Linker("schedule/", "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/")
    offline = Linker("schedule/", "/jnxcz/2024/", "https://x.gov.cn/jnxcz/2024/", offline=True)
    assert (online.campaign(""), offline.campaign("")) == ("../../", "../../index.html")
    assert (online.campaign("2025/feed.xml"), offline.campaign("2025/feed.xml")) == ("../../2025/feed.xml",) * 2


def test_a_date_not_filled_in_shows_as_its_text_and_is_never_due():
    start, end = PendingDate("待填写：开始日期"), PendingDate("待填写：结束日期")
    assert dates.cn_date(start) == "待填写：开始日期"
    assert dates.cn_date(start, weekday=False) == "待填写：开始日期"
    assert dates.cn_month_day(end) == "待填写：结束日期"
    assert dates.cn_span(start, end) == "待填写：开始日期至待填写：结束日期"
    assert dates.cn_span(start, start) == "待填写：开始日期"
    assert dates.cn_span(dt.date(2025, 5, 12), end) == "2025年5月12日至待填写：结束日期"
    assert dates.cn_span(start, dt.date(2025, 5, 18)) == "待填写：开始日期至2025年5月18日"  # no weekday in a span
    assert dates.cn_span(start, None) == "待填写：开始日期"
    assert start.isoformat() == "" and f"{start:%Y-%m-%d}" == "待填写：开始日期" and not start
    assert start > dt.date(2099, 12, 31) and min(start, dt.date(2025, 5, 12)) == dt.date(2025, 5, 12)
    assert start == PendingDate("待填写：开始日期") != end and start != dt.date(9999, 12, 31)
    assert hash(start) == hash(PendingDate("待填写：开始日期"))
    import pickle

    again = pickle.loads(pickle.dumps(start))
    assert type(again) is PendingDate and again.text == start.text and again == start
    assert schema.Date(pending=True).parse("待填写：开始日期") == start
    with pytest.raises(schema.Invalid, match="应是日期"):
        schema.Date().parse("待填写：开始日期")
    assert schema.Email(pending=True).parse("待填写：报送邮箱") == "待填写：报送邮箱"
    with pytest.raises(schema.Invalid, match="应是电子邮箱地址"):
        schema.Email().parse("待填写：报送邮箱")


# --- QR codes: drawing, caching, print files ------------------------------------------------

URL = "https://www.example.gov.cn/jnxcz/2024/go/live/"


def test_svg_path_draws_one_sub_path_per_run_of_dark_modules():
    rows = ((False, True, True, False, True), (True, True, True, True, True), (False,) * 5)
    assert qr.svg_path(rows) == "M1 0h2v1h-2zM4 0h1v1h-1zM0 1h5v1h-5z"
    assert qr.svg_path(((False, False),)) == ""


def test_svg_has_exact_size_only_when_asked():
    rows = ((True, False), (False, True))
    free = qr.draw_svg(rows, 'a "quoted" & <b>')
    assert free.startswith(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2" role="img" '
        'aria-label="a &quot;quoted&quot; &amp; &lt;b&gt;" shape-rendering="crispEdges">'
    )
    assert free.endswith(
        '<rect width="2" height="2" fill="#fff"/><path fill="#000" d="M0 0h1v1h-1zM1 1h1v1h-1z"/></svg>'
    )
    sized = qr.draw_svg(rows, "x", 25.4)
    assert 'xmlns="http://www.w3.org/2000/svg" width="25.40mm" height="25.40mm" viewBox="0 0 2 2"' in sized


@pytest.mark.parametrize("size", [0, 1, 4, 5, 8, 21, 29])
def test_packed_matrices_come_back_the_same(size):
    rows = tuple(tuple((x * 7 + y * 3 + x * y) % 5 < 2 for x in range(size)) for y in range(size))
    packed = qr._pack(rows)
    assert len(packed) == 2 + (size * size + 7) // 8
    assert packed[:2] == size.to_bytes(2, "big")
    assert qr._unpack(packed) == rows


def test_packed_matrix_of_the_wrong_length_is_refused():
    packed = qr._pack(((True, False), (False, True)))
    assert qr._unpack(packed + b"\x00") is None
    assert qr._unpack(packed[:-1]) is None
    assert qr._unpack(b"\x00\x03" + b"\xff" * 2) == ((True,) * 3,) * 3


def test_qr_matrices_are_kept_in_memory_and_in_the_cache(tmp_path, monkeypatch):
    cache = Cache(tmp_path, "t")
    first = QrCodes(cache)
    medium = first.matrix(URL)
    assert medium == qrfast.encode(URL, "M")
    assert first.matrix(URL, "M") is medium
    assert (cache.hits["qr"], cache.misses["qr"]) == (0, 1)

    # another build with the same cache: no encoding at all
    monkeypatch.setattr(qrfast, "encode", lambda *a: pytest.fail("encoded again"))
    second = QrCodes(cache)
    assert second.matrix(URL, "M") == medium
    assert (cache.hits["qr"], cache.misses["qr"]) == (1, 1)
    monkeypatch.undo()

    # other levels and other addresses are other entries
    high = second.matrix(URL, "H")
    assert high == qrfast.encode(URL, "H") != medium
    other = second.matrix(URL + "x", "M")
    assert other == qrfast.encode(URL + "x", "M")
    assert QrCodes(cache).matrix(URL, "H") == high


def test_a_damaged_cache_entry_is_encoded_again(tmp_path):
    cache = Cache(tmp_path, "t")
    QrCodes(cache).matrix(URL)
    for entry in cache.pending:
        cache.pending[entry] = cache.pending[entry][:-1]
    assert QrCodes(cache).matrix(URL) == qrfast.encode(URL, "M")


@pytest.mark.parametrize("filled, left", [(20000, 20001), (20001, 1)])
def test_memory_of_drawn_codes_is_bounded(filled, left):
    codes = QrCodes(NO_CACHE)
    codes.matrices = {(str(n), "M"): () for n in range(filled)}
    codes.svgs = {(str(n), "", "M", 0): "" for n in range(filled)}
    codes.svg(URL, "label")
    assert len(codes.matrices) == left
    assert len(codes.svgs) == left


def test_svg_codes_are_drawn_once_per_address_label_level_and_size():
    codes = QrCodes(NO_CACHE)
    plain = codes.svg(URL, "直播")
    assert codes.svg(URL, "直播") is plain
    assert plain == qr.draw_svg(qrfast.encode(URL, "M"), "直播")
    assert codes.svg(URL + "x", "直播") == qr.draw_svg(qrfast.encode(URL + "x", "M"), "直播")
    assert codes.svg(URL, "直播", "H") == qr.draw_svg(qrfast.encode(URL, "H"), "直播")
    assert codes.svg(URL, "直播", "M", 30) == qr.draw_svg(qrfast.encode(URL, "M"), "直播", 30)
    assert 'width="30.00mm"' in codes.svg(URL, "直播", "M", 30)


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_print_png_has_whole_pixels_per_module_and_its_resolution(tmp_path):
    cache = Cache(tmp_path, "t")
    rows = qrfast.encode(URL, "H")
    size = len(rows)
    data = QrCodes(cache).png(URL, "H", 25.4)  # one inch at 300 dpi: 300 px at least
    image = _image(data)
    scale = -(-300 // size)
    assert image.format == "PNG" and image.mode == "1"
    assert image.size == (size * scale, size * scale)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    for y in range(size):
        for x in range(size):
            assert (image.getpixel((x * scale, y * scale)) == 0) == rows[y][x]
    assert _image(QrCodes(cache).png(URL, "H", 25.4, 600)).size == (size * -(-600 // size),) * 2
    assert _image(QrCodes(cache).png(URL, "M", 25.4)).size[0] == len(qrfast.encode(URL, "M")) * -(
        -300 // len(qrfast.encode(URL, "M"))
    )


def test_a_tiny_print_still_has_one_pixel_per_module():
    image = _image(qr.draw_png(((True, False), (False, True)), 0.01, 300))
    assert image.size == (2, 2)
    assert [image.getpixel(p) for p in ((0, 0), (1, 0), (0, 1), (1, 1))] == [0, 255, 255, 0]


def test_print_pngs_come_from_the_cache_and_a_damaged_one_is_drawn_again(tmp_path, monkeypatch):
    cache = Cache(tmp_path, "t")
    first = QrCodes(cache).png(URL, "Q", 20)
    assert cache.hits["png"] == 0
    monkeypatch.setattr(qr, "draw_png", lambda *a: pytest.fail("drawn again"))
    assert QrCodes(cache).png(URL, "Q", 20) == first
    assert cache.hits["png"] == 1
    monkeypatch.undo()
    assert QrCodes(cache).png(URL, "Q", 30) != first
    assert QrCodes(cache).png(URL, "H", 20) != first
    assert QrCodes(cache).png(URL + "x", "Q", 20) != first
    assert QrCodes(cache).png(URL, "Q", 20, 600) != first
    for entry in [entry for entry in cache.pending if entry[0] == "png"]:
        cache.pending[entry] = b"not a png"
    assert QrCodes(cache).png(URL, "Q", 20) == first


# --- stable addresses and posters -----------------------------------------------------------

BASE = "https://www.example.gov.cn/jnxcz/2024/"
POSTERS_FILE = "content/posters.yaml"


def announced(id, url, kind="livestream") -> Announced:
    return Announced(
        id=id,
        kind=AnnouncedKind(kind),
        title=f"标题{id}",
        platform="平台",
        url=url,
        announce_on=dt.date(2024, 5, 12),
        announce_where="本网站",
        note="",
    )


def poster_site(news_hidden=False):
    return SimpleNamespace(
        config=SimpleNamespace(base_url=BASE, qr=SimpleNamespace(poster_error_correction="H")),
        livestreams=(announced("xinhua", "https://live.example.cn/1"), announced("later", None)),
        downloads=(announced("guide", "https://dl.example.cn/g.pdf", "download"),),
        events=(event(),),
        news_hidden=news_hidden,
    )


class FakeQr:
    """Codes of a chosen number of modules (quiet zone included); remembers what it encoded."""

    def __init__(self, modules=37):
        self.modules = modules
        self.asked = []

    def matrix(self, data, level):
        self.asked.append((data, level))
        return ((False,) * self.modules,) * self.modules


def record(line, **values) -> dict:
    return {"_file": POSTERS_FILE, "_line": line, "_lines": {}, **values}


def stable(id, target, label, url, page, pending=None) -> StableLink:
    return StableLink(id=id, target=target, label=label, url=url, page=page, pending=pending)


def make_poster(id, headline, text, link, paper, placement, distance_m, qr_mm) -> Poster:
    link_id = link.id if link is not None else "live"
    return Poster(
        id=id,
        headline=headline,
        text=text,
        link_id=link_id,
        link=link,
        paper=paper,
        placement=placement,
        distance_m=distance_m,
        qr_mm=qr_mm,
    )


def resolve(links, poster_records=None, site=None, qr_codes=None):
    problems = Problems()
    result = posters.resolve(
        {"links": links, "posters": poster_records}, site or poster_site(), problems, qr_codes or FakeQr()
    )
    return result, [(p.file, p.line, p.message) for p in problems.items]


def test_stable_addresses_lead_to_announced_addresses_pages_and_events():
    later = poster_site().livestreams[1]
    (links, found), problems = resolve(
        [
            record(2, id="live", target="livestream:xinhua"),
            record(3, id="soon", target=" livestream : later "),
            record(4, id="guide", target="download:guide"),
            record(5, id="week", target="page:schedule"),
            record(6, id="home", target="page:home"),
            record(7, id="launch", target="event:e"),
        ]
    )
    assert problems == []
    assert found == ()
    assert links == (
        stable("live", "livestream:xinhua", "标题xinhua", "https://live.example.cn/1", None),
        stable("soon", " livestream : later ", "标题later", None, None, later),
        stable("guide", "download:guide", "标题guide", "https://dl.example.cn/g.pdf", None),
        stable("week", "page:schedule", "活动日程", None, "schedule/"),
        stable("home", "page:home", "网站首页", None, ""),
        stable("launch", "event:e", "活动", None, "events/e/"),
    )
    assert posters.pending_links(links) == [links[1]]


def test_wrong_stable_addresses_are_explained_at_their_line():
    pages = "page:home、page:schedule、page:livestreams、page:pledges、page:quiz、page:news、page:notice、page:contact"
    (links, _), problems = resolve(
        [
            record(2, id="live", target="livestream:xinhua"),
            record(3, id="x1", target="livestream:nope"),
            record(4, id="x2", target="download:nope"),
            record(5, id="x3", target="page:nowhere"),
            record(6, id="x4", target="event:nope"),
            record(7, id="x5", target="nonsense"),
            record(8, id="live", target="page:quiz"),
            record(9, id="x1", target="page:quiz"),
            record(10, id="x1", target="page:quiz"),
            record(11, id="x6", target="livestream:a:b"),
        ],
        site=poster_site(news_hidden=True),
    )
    assert [link.id for link in links] == ["live", "x1"]
    assert problems == [
        (
            POSTERS_FILE,
            3,
            "target「livestream:nope」指向的 id「nope」在 content/livestreams.yaml 里不存在；已有的：xinhua、later",
        ),
        (
            POSTERS_FILE,
            4,
            "target「download:nope」指向的 id「nope」在 content/livestreams.yaml 里不存在；已有的：guide",
        ),
        (
            POSTERS_FILE,
            5,
            f"target「page:nowhere」看不懂；应写成 livestream:直播id、download:下载id、event:日程id，或 {pages} 之一",
        ),
        (
            POSTERS_FILE,
            6,
            f"target「event:nope」看不懂；应写成 livestream:直播id、download:下载id、event:日程id，或 {pages} 之一",
        ),
        (
            POSTERS_FILE,
            7,
            f"target「nonsense」看不懂；应写成 livestream:直播id、download:下载id、event:日程id，或 {pages} 之一",
        ),
        (POSTERS_FILE, 8, "短地址 id「live」重复了（第 2 行已用过）；每个短地址只能声明一次"),
        (POSTERS_FILE, 10, "短地址 id「x1」重复了（第 9 行已用过）；每个短地址只能声明一次"),
        (
            POSTERS_FILE,
            11,
            "target「livestream:a:b」指向的 id「a:b」在 content/livestreams.yaml 里不存在；已有的：xinhua、later",
        ),
    ]


def test_an_empty_hidden_news_section_is_no_target():
    (links, _), problems = resolve([record(2, id="n", target="page:news")], site=poster_site(news_hidden=True))
    assert links == ()
    assert problems == [
        (
            POSTERS_FILE,
            2,
            "target「page:news」指向的“活动动态”栏目现在是空的，"
            "并按 config.yaml 的 hide_empty_sections 不在网站上出现；请先添加活动动态，或换一个目标",
        )
    ]
    (links, _), problems = resolve([record(2, id="n", target="page:news")])
    assert (links, problems) == ((stable("n", "page:news", "活动动态", None, "news/"),), [])


def poster_record(line, id="p1", link="live", paper="A4", placement="电梯门") -> dict:
    # as `schema(Poster)` reads it: the paper named is its size
    paper_size = posters.PAPERS[paper]
    return record(line, id=id, headline="节能周", text="扫码看直播", link=link, paper=paper_size, placement=placement)


def test_posters_encode_their_stable_address_at_the_poster_level():
    codes = FakeQr(37)
    (links, found), problems = resolve(
        [record(2, id="live", target="livestream:xinhua")],
        [poster_record(5), poster_record(12, id="p2", paper="A5", placement="桌牌")],
        qr_codes=codes,
    )
    assert problems == []
    assert codes.asked == [(BASE + "go/live/", "H")] * 2
    assert found == (
        make_poster("p1", "节能周", "扫码看直播", links[0], posters.PAPERS["A4"], "电梯门", 1.0, 100.0),
        make_poster("p2", "节能周", "扫码看直播", links[0], posters.PAPERS["A5"], "桌牌", 0.5, 50.0),
    )


def test_wrong_posters_are_explained():
    (_, found), problems = resolve(
        [record(2, id="live", target="livestream:xinhua"), record(3, id="week", target="page:schedule")],
        [
            poster_record(5),
            poster_record(12, link="nope"),
            poster_record(19, id="p2", link="nope"),
            poster_record(26, id="p3", link="week"),
        ],
    )
    assert [p.id for p in found] == ["p1", "p3"]
    assert problems == [
        (POSTERS_FILE, 12, "海报 id「p1」重复了；每张海报的 id 只能用一次"),
        (POSTERS_FILE, 19, "海报「节能周」的 link 写的是「nope」，但 links 里没有这个短地址；已有的：live、week"),
    ]
    _, problems = resolve([], [poster_record(5)])
    assert problems == [
        (POSTERS_FILE, 5, "海报「节能周」的 link 写的是「live」，但 links 里没有这个短地址；已有的：（无）")
    ]


@pytest.mark.parametrize(
    "placement, distance, qr_mm",
    [("桌牌", 0.5, 50), ("电梯门", 1.0, 100), ("宣传栏", 1.5, 150), ("走廊墙面", 2.0, 200)],
)
def test_the_code_is_a_tenth_of_the_scanning_distance(placement, distance, qr_mm):
    link = stable("live", "page:home", "", None, "")
    made = posters._poster(poster_record(1, placement=placement, paper="A3"), link)
    assert (made.distance_m, made.qr_mm, made.paper) == (distance, qr_mm, PaperSize("A3", 297, 420))


def test_the_code_is_never_under_two_centimetres(monkeypatch):
    monkeypatch.setitem(posters.PLACEMENTS, "柜台", 0.1)
    made = posters._poster(poster_record(1, placement="柜台"), stable("live", "page:home", "", None, ""))
    assert made.qr_mm == 20


def test_papers_and_printed_width():
    assert list(posters.PAPERS.values()) == [
        PaperSize("A5", 148, 210),
        PaperSize("A4", 210, 297),
        PaperSize("A3", 297, 420),
    ]
    poster = make_poster("p", "h", "t", None, posters.PAPERS["A4"], "电梯门", 1.0, 100)
    assert posters.printed_width_mm(poster, 40) == 125.0  # 40 modules, 8 of them quiet zone
    assert posters.printed_width_mm(poster, 29) == pytest.approx(100 * 29 / 21)


def fits(paper: PaperSize, qr_mm: float, modules: int) -> list[str]:
    problems = Problems()
    poster = make_poster("p", "节能周", "", None, paper, "电梯门", 1.0, qr_mm)
    posters._check_fits(poster, modules, (POSTERS_FILE, 7), problems)
    assert all((p.file, p.line) == (POSTERS_FILE, 7) for p in problems.items)
    return [p.message for p in problems.items]


def test_a_code_that_exactly_fills_the_room_fits(monkeypatch):
    # the room is the paper less a 12 mm margin on each side, and 62% of the height
    monkeypatch.setattr(posters, "PAPERS", {"S": PaperSize("S", 148, 1000), "B": PaperSize("B", 149, 1000)})
    assert fits(PaperSize("B", 149, 1000), 100, 40) == []  # 125 mm wide exactly
    assert fits(PaperSize("S", 148, 1000), 100, 40) == [
        "海报「节能周」贴在电梯门，人们约在 1 米外扫码，二维码至少要 100 毫米见方，S 纸放不下；请改用 B 纸"
    ]
    assert fits(PaperSize("T", 1000, 124), 49.6, 40) == []  # 62 mm high room exactly
    assert fits(PaperSize("T", 1000, 123), 49.6, 40)[0].endswith("T 纸放不下；请改用 S 纸")


def test_a_code_too_big_for_its_paper_names_the_paper_that_fits():
    assert fits(posters.PAPERS["A5"], 100, 37) == [
        "海报「节能周」贴在电梯门，人们约在 1 米外扫码，二维码至少要 100 毫米见方，A5 纸放不下；请改用 A4 纸"
    ]
    assert fits(posters.PAPERS["A4"], 200, 45)[0].endswith("A4 纸放不下；请改用 A3 纸")
    assert fits(posters.PAPERS["A3"], 200, 41)[0].endswith("A3 纸放不下；请换一个扫码距离更近的位置")
    assert fits(posters.PAPERS["A3"], 200, 45) == []


def test_a_poster_too_small_for_its_code_is_reported_by_resolve():
    (_, found), problems = resolve(
        [record(2, id="live", target="livestream:xinhua")],
        [poster_record(5, paper="A5", placement="宣传栏")],
        qr_codes=FakeQr(41),
    )
    assert [p.id for p in found] == ["p1"]
    assert problems == [
        (
            POSTERS_FILE,
            5,
            "海报「节能周」贴在宣传栏，人们约在 1.5 米外扫码，二维码至少要 150 毫米见方，A5 纸放不下；请改用 A3 纸",
        )
    ]


# --- calendars ------------------------------------------------------------------------------


def calendar_site(*events, base_url=BASE):
    return SimpleNamespace(
        config=SimpleNamespace(base_url=base_url),
        notice=SimpleNamespace(published=dt.date(2024, 5, 10)),
        campaign=SimpleNamespace(title="节能宣传周, 低碳日"),
        events=events,
    )


def calendar_event(**changes) -> Event:
    values = dict(
        id="launch",
        title="启动仪式",
        kind=EventKind.ACTIVITY,
        date=dt.date(2024, 5, 14),
        end_date=None,
        start=dt.time(9),
        end=dt.time(11, 30),
        time_note="上午9:00",
        place="市民中心",
        hosts=("发改委", "机关事务局"),
        livestream_id=None,
        livestream=None,
        summary="启动",
        body_html="",
    )
    values.update(changes)
    return Event(**values)


def test_calendar_file_of_a_timed_event_in_utc():
    text = ics.event_file(calendar_site(), calendar_event()).decode("utf-8")
    assert text.split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//campaign-site//jnxcz 1.0//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:启动仪式",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "BEGIN:VEVENT",
        "UID:launch@www.example.gov.cn",
        "DTSTAMP:20240509T160000Z",
        "DTSTART:20240514T010000Z",
        "DTEND:20240514T033000Z",
        "SUMMARY:启动仪式",
        # 74 octets: the next character has 3 and would make 77; then 1 + 74 octets
        "DESCRIPTION:启动\\n时间：上午9:00（北京时间）\\n主办：发改",
        " 委、机关事务局\\n详情：https://www.example.gov.cn/jnxcz/2024/even",
        " ts/launch/",
        f"URL:{BASE}events/launch/",
        "LOCATION:市民中心",
        "CATEGORIES:活动",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_calendar_times_of_events_without_an_end_or_over_several_days():
    def timing(**changes):
        lines = ics.event_file(calendar_site(), calendar_event(**changes)).decode("utf-8").split("\r\n")
        return [line for line in lines if line.startswith(("DTSTART", "DTEND"))]

    assert timing(end=None) == ["DTSTART:20240514T010000Z", "DTEND:20240514T010000Z"]
    assert timing(end_date=dt.date(2024, 5, 16)) == ["DTSTART:20240514T010000Z", "DTEND:20240516T033000Z"]
    assert timing(start=None, end=None) == ["DTSTART;VALUE=DATE:20240514", "DTEND;VALUE=DATE:20240515"]
    assert timing(start=None, end=None, end_date=dt.date(2024, 5, 31)) == [
        "DTSTART;VALUE=DATE:20240514",
        "DTEND;VALUE=DATE:20240601",
    ]
    # 07:30 in Beijing is the day before in UTC
    assert timing(start=dt.time(7, 30), end=dt.time(8)) == ["DTSTART:20240513T233000Z", "DTEND:20240514T000000Z"]


@pytest.fixture
def machine_in_new_york(monkeypatch):
    """The machine's own time zone is neither UTC nor Beijing's."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_calendar_times_do_not_depend_on_the_machine_zone(machine_in_new_york):
    text = ics.event_file(calendar_site(), calendar_event()).decode("utf-8")
    assert "DTSTAMP:20240509T160000Z\r\nDTSTART:20240514T010000Z\r\nDTEND:20240514T033000Z\r\n" in text


def test_status_does_not_depend_on_the_machine_zone(machine_in_new_york):
    assert timeline.status(event(), dt.datetime(2024, 5, 13, 16, 0, tzinfo=dt.UTC)) == "today"
    assert timeline.parse_moment("2024-05-14 09:30") == at(2024, 5, 14, 9, 30)
    assert dates.cn_datetime(dt.datetime(2024, 5, 13, 16, 30, tzinfo=dt.UTC)) == "2024年5月14日 星期二 00:30"


def test_calendar_leaves_out_what_the_notice_does_not_say():
    bare = calendar_event(time_note="", hosts=(), place="", summary="简介")
    text = ics.event_file(calendar_site(base_url="/jnxcz/"), bare).decode("utf-8")
    assert "UID:launch@localhost\r\n" in text
    assert "DESCRIPTION:简介\\n详情：/jnxcz/events/launch/\r\n" in text
    assert "LOCATION" not in text


def test_week_calendar_holds_every_event_in_order():
    second = calendar_event(id="day", title="低碳日", start=None, end=None, date=dt.date(2024, 5, 15))
    text = ics.week_file(calendar_site(calendar_event(), second)).decode("utf-8")
    assert "X-WR-CALNAME:节能宣传周\\, 低碳日\r\n" in text
    assert text.count("BEGIN:VEVENT") == 2
    assert text.index("UID:launch@") < text.index("UID:day@")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_calendar_text_escapes_backslash_semicolon_comma_and_newlines():
    assert ics._text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert ics._text("\\n") == "\\\\n"
    assert ics._text("a\rb") == "a\\nb"  # an old Mac line end is a line end too


@pytest.mark.parametrize(
    "line, parts",
    [
        ("x" * 75, ["x" * 75]),
        ("x" * 76, ["x" * 75, "x"]),
        ("x" * 149, ["x" * 75, "x" * 74]),
        ("x" * 150, ["x" * 75, "x" * 74, "x"]),
        ("x" * 72 + "中", ["x" * 72 + "中"]),  # 75 octets
        ("x" * 73 + "中", ["x" * 73, "中"]),  # 76: the character is not split
        ("中" * 25, ["中" * 25]),
        ("中" * 26, ["中" * 25, "中"]),
        ("中" * 50, ["中" * 25, "中" * 24, "中" * 1]),
        ("", [""]),
    ],
)
def test_calendar_lines_fold_at_75_octets_without_splitting_a_character(line, parts):
    folded = ics._fold(line)
    assert folded.split("\r\n ") == parts
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))


# --- releases: manifest, publish, prune, rollback, package ----------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def site_folder(folder, files: dict[str, bytes]):
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def page(n) -> dict[str, bytes]:
    return {"index.html": f"<title>{n}</title>".encode(), "news/index.html": b"news", "events/a/cal/e.ics": b"e"}


def current_of(dest) -> str:
    return os.readlink(dest / "current")


def history_of(dest) -> list[str]:
    return (dest / "history").read_text(encoding="utf-8").splitlines()


def releases_of(dest) -> list[str]:
    return sorted(p.name for p in (dest / "releases").iterdir())


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.EACCES, "没有写入权限"),
        (errno.EPERM, "没有写入权限"),
        (errno.ENOENT, "文件夹不存在"),
        (errno.ENOTDIR, "路径中有一项是文件而不是文件夹"),
        (errno.EEXIST, "同名文件已存在"),
        (errno.ENOSPC, "磁盘已满"),
        (errno.EROFS, "磁盘是只读的"),
        (errno.EISDIR, "同名文件夹已存在"),
        (errno.EDQUOT, "磁盘配额已用完"),
        (errno.EIO, "读写文件出错"),
    ],
)
def test_os_errors_in_words_a_clerk_can_act_on(code, words):
    assert machine_trouble(OSError(code, "English text")) == f"{words}（English text）"
    named = OSError(code, "English text", "/srv/jnxcz/index.html")
    assert machine_trouble(named) == f"{words}：/srv/jnxcz/index.html（English text）"
    assert machine_trouble(named, named=False) == f"{words}（English text）"


def test_os_error_without_a_text_keeps_what_it_has():
    assert machine_trouble(OSError("no errno")) == "读写文件出错（no errno）"


def test_files_to_ship_from_a_built_folder(tmp_path):
    folder = site_folder(
        tmp_path / "out",
        {"news/index.html": b"n", "index.html": b"i", "MANIFEST.sha256": b"old", "a/MANIFEST.sha256": b"m"},
    )
    (folder / "empty").mkdir()
    assert publish._site_files(folder) == ["a/MANIFEST.sha256", "index.html", "news/index.html"]
    assert publish.site_files(folder) == {"a/MANIFEST.sha256": b"m", "index.html": b"i", "news/index.html": b"n"}
    rendered = publish.site_files({"z.xml": b"z", "index.html": b"i"})
    assert list(rendered.items()) == [("index.html", b"i"), ("z.xml", b"z")]


def test_what_a_build_never_makes_is_refused(tmp_path):
    missing = tmp_path / "nothing"
    with pytest.raises(PublishError) as error:
        publish._site_files(missing)
    assert str(error.value) == f"找不到生成好的网站文件夹 {missing}，请先运行 python build.py 生成网站"
    folder = site_folder(tmp_path / "out", {"page.html": b"x"})
    with pytest.raises(PublishError) as error:
        publish._site_files(folder)
    assert str(error.value) == f"{folder} 里没有 index.html，看起来不是生成好的网站"
    with pytest.raises(PublishError) as error:
        publish.site_files({"page.html": b"x"})
    assert str(error.value) == "要发布的网站里没有 index.html，看起来不是生成好的网站"
    site_folder(folder, {"index.html": b"i", "a\\b.html": b"x"})
    with pytest.raises(PublishError) as error:
        publish._site_files(folder)
    assert str(error.value) == "文件名 'a\\\\b.html' 含有不能使用的字符"
    (folder / "a\\b.html").unlink()
    site_folder(folder, {"a\nb.html": b"x"})
    with pytest.raises(PublishError, match="文件名 'a\\\\nb.html' 含有不能使用的字符"):
        publish._site_files(folder)
    (folder / "a\nb.html").unlink()
    (folder / "link.html").symlink_to(folder / "index.html")
    with pytest.raises(PublishError) as error:
        publish._site_files(folder)
    assert str(error.value) == "网站文件夹里有快捷方式（符号链接）link.html，不能发布"


def test_manifest_lists_every_file_after_the_note():
    files = {"index.html": b"i", "a/b.css": b"b"}
    text = publish.manifest_text(files, "检查未通过\r\n  \n仍然发布 已确认")
    assert text == f"# 检查未通过\n# 仍然发布 已确认\n{sha(b'b')}  a/b.css\n{sha(b'i')}  index.html\n"
    assert publish.manifest_text(files) == f"{sha(b'b')}  a/b.css\n{sha(b'i')}  index.html\n"
    assert publish._parse_manifest(text, "M") == {"a/b.css": sha(b"b"), "index.html": sha(b"i")}


@pytest.mark.parametrize(
    "line", ["abc  index.html", f"{'0' * 64} index.html", f"{'0' * 64}  ", f"{'0' * 63}  x", f"{'0' * 65}  x"]
)
def test_damaged_manifest_lines_are_refused(line):
    text = f"# note\n{'1' * 64}  ok.html\n{line}\n"
    with pytest.raises(PublishError) as error:
        publish._parse_manifest(text, "srv/MANIFEST.sha256")
    assert str(error.value) == "srv/MANIFEST.sha256 第 3 行格式不对，校验文件已损坏"


def test_a_file_name_with_two_spaces_is_read_back_whole():
    assert publish._parse_manifest(f"{'0' * 64}  a  b.html\n", "M") == {"a  b.html": "0" * 64}


def test_verify_names_what_is_missing_changed_or_extra(tmp_path):
    release = site_folder(tmp_path / "r", {"index.html": b"i", **{f"f{n}.html": b"x" for n in range(12)}})
    (release / "MANIFEST.sha256").write_text(publish.manifest_text(release), encoding="utf-8")
    publish.verify(release)
    for n in range(6):
        (release / f"f{n}.html").write_bytes(b"changed")
        (release / f"f{n + 6}.html").unlink()
        (release / f"new{n}.html").write_bytes(b"")
    with pytest.raises(PublishError) as error:
        publish.verify(release)
    assert str(error.value) == (
        f"{release} 与校验文件不符（缺少 f10.html、f11.html、f6.html、f7.html、f8.html；"
        "内容不一致 f0.html、f1.html、f2.html、f3.html、f4.html；"
        "多出 new0.html、new1.html、new2.html、new3.html、new4.html），文件可能已损坏"
    )
    manifest = release / "MANIFEST.sha256"
    manifest.write_text("damaged\n", encoding="utf-8")
    with pytest.raises(PublishError) as error:
        publish.verify(release)
    assert str(error.value) == f"{manifest} 第 1 行格式不对，校验文件已损坏"


def test_verify_of_a_release_that_lost_its_index_or_manifest(tmp_path):
    release = site_folder(tmp_path / "r", {"index.html": b"i", "a.html": b"a"})
    with pytest.raises(PublishError) as error:
        publish.verify(release)
    assert str(error.value) == f"{release} 里没有校验文件 MANIFEST.sha256，无法确认文件完整"
    (release / "MANIFEST.sha256").write_text(publish.manifest_text(release), encoding="utf-8")
    (release / "index.html").unlink()
    with pytest.raises(PublishError) as error:
        publish.verify(release)
    assert str(error.value) == f"{release} 与校验文件不符（缺少 index.html），文件可能已损坏"
    (release / "index.html").write_bytes(b"i")
    (release / "sub").mkdir()
    (release / "sub" / "x.html").write_bytes(b"x")
    (release / "a.html").unlink()
    with pytest.raises(PublishError) as error:
        publish.verify(release)
    assert str(error.value) == f"{release} 与校验文件不符（缺少 a.html；多出 sub/x.html），文件可能已损坏"


def test_a_release_is_readable_by_the_web_server_whatever_the_umask(tmp_path):
    dest = tmp_path / "srv"
    old = os.umask(0o077)
    try:
        release = publish.publish(page(1), dest)
    finally:
        os.umask(old)
    root = dest / "releases" / release
    assert {p.relative_to(root).as_posix(): p.stat().st_mode & 0o777 for p in [root, *root.rglob("*")]} == {
        ".": 0o755,
        "index.html": 0o644,
        "news": 0o755,
        "news/index.html": 0o644,
        "events": 0o755,
        "events/a": 0o755,
        "events/a/cal": 0o755,
        "events/a/cal/e.ics": 0o644,
        "MANIFEST.sha256": 0o644,
    }


def test_a_built_site_is_readable_by_the_web_server_without_touching_the_umask(tmp_path, monkeypatch):
    from campaign.ship import write

    def no_umask(mask):  # the process's umask is shared by the preview's threads
        raise AssertionError("the umask was changed")

    old = os.umask(0o077)
    try:
        monkeypatch.setattr(write.os, "umask", no_umask)
        target = tmp_path / "out"
        write.write_site({"index.html": b"i", "2024/events/a/index.html": b"a"}, target)
        write.write_site({"index.html": b"j", "2024/events/a/index.html": b"a", "2024/news/index.html": b"n"}, target)
    finally:
        monkeypatch.undo()
        os.umask(old)
    wrong = [p for p in [target, *target.rglob("*")] if p.stat().st_mode & 0o777 != (0o644 if p.is_file() else 0o755)]
    assert wrong == []
    assert (target / "2024/news/index.html").is_file()  # written by the second build, beside linked ones


def test_publish_installs_a_checked_release_and_points_current_at_it(tmp_path):
    dest = tmp_path / "srv"
    assert publish.current_id(dest) is None
    assert publish._release_ids(dest) == []
    release = publish.publish(site_folder(tmp_path / "out", page(1)), dest, note="检查未通过")
    manifest = publish.manifest_text(page(1), "检查未通过")
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-" + sha(manifest.encode())[:10], release)
    assert abs(
        dt.datetime.strptime(release[:23], "%Y%m%dT%H%M%S.%fZ") - dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ) < dt.timedelta(minutes=1)
    assert sorted(p.name for p in dest.iterdir()) == ["current", "history", "releases"]
    assert history_of(dest) == [release]
    assert (dest / "history").stat().st_mode & 0o777 == 0o644
    assert current_of(dest) == f"releases/{release}"
    assert publish.current_id(dest) == release
    assert (dest / "current" / "news" / "index.html").read_bytes() == b"news"
    assert (dest / "current" / "MANIFEST.sha256").read_text(encoding="utf-8") == manifest
    publish.verify(dest / "current")


def test_publish_refuses_a_real_current_folder_and_a_keep_under_one(tmp_path):
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), tmp_path / "srv", keep=0)
    assert str(error.value) == "--keep 至少为 1"
    assert not (tmp_path / "srv").exists()
    (tmp_path / "srv" / "current").mkdir(parents=True)
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), tmp_path / "srv")
    link = tmp_path / "srv" / "current"
    assert str(error.value) == f"{link} 是普通文件夹而不是指向发布版本的链接；为免误删，请先把它改名或移走，再发布"
    assert sorted(p.name for p in (tmp_path / "srv").iterdir()) == ["current"]
    assert publish.publish(page(1), tmp_path / "other", keep=1)


def test_publish_into_a_file_is_explained(tmp_path):
    dest = tmp_path / "file"
    dest.write_text("x")
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), dest)
    assert str(error.value) == (
        f"无法写入发布文件夹 {dest}：路径中有一项是文件而不是文件夹（Not a directory）。请检查文件夹路径、写入权限和磁盘空间"
    )


def test_a_release_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    dest = tmp_path / "srv"
    with pytest.raises(PublishError, match=f"无法写入发布文件夹 {dest}："):
        publish.publish({"index.html": b"i", "a": b"file", "a/b.html": b"x"}, dest)
    assert os.listdir(dest / "releases") == []
    assert not (dest / "current").exists()


def test_a_failed_switch_leaves_the_old_release_current(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    first = publish.publish(page(1), dest)

    def refuse(*args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(publish.os, "replace", refuse)
    with pytest.raises(PublishError) as error:
        publish.publish(page(2), dest)
    assert str(error.value) == (
        f"无法写入发布文件夹 {dest}：没有写入权限（Permission denied）。请检查文件夹路径、写入权限和磁盘空间"
    )
    assert sorted(p.name for p in dest.iterdir()) == ["current", "history", "releases"]
    assert current_of(dest) == f"releases/{first}"
    assert history_of(dest) == [first]
    monkeypatch.undo()
    second = publish.publish(page(2), dest)
    monkeypatch.setattr(publish.os, "replace", refuse)
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"无法写入发布文件夹 {dest}：没有写入权限（Permission denied）"
    assert sorted(p.name for p in dest.iterdir()) == ["current", "history", "releases"]
    assert current_of(dest) == f"releases/{second}"
    assert history_of(dest)[-1] == second


def test_releases_are_ordered_and_hidden_folders_are_not_releases(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest) for n in range(3)]
    assert made == sorted(made) and len(set(made)) == 3
    (dest / "releases" / ".incoming-x").mkdir()
    (dest / "releases" / "stray-file").write_text("")
    assert publish._release_ids(dest) == made


def test_rollback_goes_back_one_release_at_a_time(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest) for n in range(4)]
    assert publish.rollback(dest) == made[2]
    assert current_of(dest) == f"releases/{made[2]}"
    assert (dest / "current" / "index.html").read_bytes() == b"<title>2</title>"
    assert publish.rollback(dest) == made[1]
    assert publish.rollback(dest) == made[0]
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{dest} 里没有比当前版本（{made[0]}）更早的版本，无法退回"
    assert current_of(dest) == f"releases/{made[0]}"
    assert history_of(dest) == [made[0]]
    assert sorted(p.name for p in dest.iterdir()) == ["current", "history", "releases"]


def test_rollback_before_any_release_and_to_a_damaged_one(tmp_path):
    dest = tmp_path / "srv"
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{dest} 还没有发布过网站，无法退回"
    made = [publish.publish(page(n), dest) for n in range(3)]
    (dest / "releases" / made[1] / "index.html").write_bytes(b"tampered")
    with pytest.raises(PublishError, match="内容不一致 index.html"):
        publish.rollback(dest)
    assert current_of(dest) == f"releases/{made[2]}"


def test_prune_keeps_the_newest_the_current_and_the_one_before_it(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest, keep=10) for n in range(4)]
    publish._prune(dest, 3)
    assert releases_of(dest) == made[1:]
    publish.rollback(dest)  # current: made[2]
    publish.rollback(dest)  # current: made[1]
    publish._prune(dest, 1)  # newest, current and the one before it, which is gone
    assert releases_of(dest) == [made[1], made[3]]
    publish._switch(dest, made[3])
    publish._prune(dest, 1)  # newest is current; the one before it stays for a rollback
    assert releases_of(dest) == [made[1], made[3]]
    more = publish.publish(page(9), dest, keep=2)
    assert releases_of(dest) == [made[3], more]
    assert publish.rollback(dest) == made[3]


def test_publishing_with_keep_removes_the_oldest(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest, keep=3) for n in range(5)]
    assert releases_of(dest) == made[2:]
    made += [publish.publish(page(n), dest) for n in range(5, 8)]
    assert releases_of(dest) == made[3:]  # five by default
    assert (dest / "current" / "MANIFEST.sha256").read_text(encoding="utf-8") == publish.manifest_text(page(7))


def test_release_ids_are_utc_whatever_the_machine_zone(tmp_path, machine_in_new_york):
    release = publish.publish(page(1), tmp_path / "srv")
    stamp = dt.datetime.strptime(release[:23], "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=dt.UTC)
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_full_disk_is_named_as_such(tmp_path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    dest = tmp_path / "srv"
    monkeypatch.setattr(publish, "_write_tree", full)
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), dest)
    assert str(error.value) == (
        f"无法写入发布文件夹 {dest}：磁盘已满（No space left on device）。请检查文件夹路径、写入权限和磁盘空间"
    )
    monkeypatch.setattr(publish.zipfile, "ZipFile", full)
    with pytest.raises(PublishError) as error:
        publish.package(page(1), tmp_path / "site.zip")
    assert str(error.value) == (
        f"无法写入压缩包 {tmp_path / 'site.zip'}：磁盘已满（No space left on device）。请检查文件夹路径和写入权限"
    )


def test_package_is_a_deterministic_zip(tmp_path):
    files = {"index.html": b"i" * 100, "news/index.html": b"n"}
    target = tmp_path / "deep" / "er" / "site.zip"
    publish.package(files, target)
    with zipfile.ZipFile(target) as archive:
        assert archive.read("MANIFEST.sha256").decode("utf-8") == publish.manifest_text(files)
    publish.package(files, target, note="备注")
    first = target.read_bytes()
    publish.package(site_folder(tmp_path / "out", files), target, note="备注")
    assert target.read_bytes() == first
    assert sorted(p.name for p in target.parent.iterdir()) == ["site.zip"]
    with zipfile.ZipFile(target) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["MANIFEST.sha256", "index.html", "news/index.html"]
        assert archive.read("MANIFEST.sha256").decode("utf-8") == publish.manifest_text(files, "备注")
        assert archive.read("index.html") == b"i" * 100
    for info in infos:
        assert info.date_time == (2024, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.create_system == 3
        assert info.external_attr == 0o100644 << 16
    assert infos[1].compress_size < 100


def test_package_that_cannot_be_written_is_explained(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PublishError) as error:
        publish.package(page(1), blocker / "site.zip")
    assert str(error.value) == (
        f"无法写入压缩包 {blocker / 'site.zip'}：同名文件已存在（File exists）。请检查文件夹路径和写入权限"
    )

    def refuse(*args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(publish.os, "replace", refuse)
    with pytest.raises(PublishError, match="没有写入权限"):
        publish.package(page(1), tmp_path / "out" / "site.zip")
    assert os.listdir(tmp_path / "out") == []


# --- YAML read into nodes that remember their lines -----------------------------------------


def test_yaml_values_stay_text_and_remember_their_lines():
    text = 'title: 节能周\ntime: 10:30\nempty:\nquoted: "null"\nitems:\n  - a\n  - ~\nnested:\n  k: v\n'
    root = parse_yaml(text, "content/x.yaml", first_line=5)
    f = "content/x.yaml"
    assert root == Node(
        {
            "title": Node("节能周", 5, f, value_line=5),
            "time": Node("10:30", 6, f, value_line=6),
            "empty": Node(None, 7, f, value_line=7),
            "quoted": Node("null", 8, f, value_line=8),
            "items": Node([Node("a", 10, f), Node(None, 11, f)], 9, f, value_line=10),
            "nested": Node({"k": Node("v", 13, f, value_line=13)}, 12, f, value_line=13),
        },
        5,
        f,
    )
    assert root.key_lines == {"title": 5, "time": 6, "empty": 7, "quoted": 8, "items": 9, "nested": 12}
    assert root.value["nested"].key_lines == {"k": 13}
    assert root.is_mapping and not root.is_list
    assert root.value["items"].is_list and not root.value["items"].is_mapping
    assert not root.value["title"].is_mapping and not root.value["title"].is_list


@pytest.mark.parametrize("word", ["", "~", "null", "Null", "NULL"])
def test_plain_nulls_are_empty_and_quoted_ones_are_text(word):
    assert parse_yaml(f"a: {word}\n", "f").value["a"].value is None
    assert parse_yaml(f'a: "{word}"\n', "f").value["a"].value == word
    assert parse_yaml(f"a: '{word}'\n", "f").value["a"].value == word


@pytest.mark.parametrize("word", ["yes", "no", "true", "0", "1.5", "2024-05-13", "nil", "none"])
def test_other_words_stay_as_written(word):
    assert parse_yaml(f"a: {word}\n", "f").value["a"].value == word


def test_an_empty_document_is_an_empty_mapping_at_its_first_line():
    assert parse_yaml("", "f", 4) == Node({}, 4, "f")
    assert parse_yaml("# 只有注释\n", "f") == Node({}, 1, "f")


def problems_of(text: str, first_line: int = 1) -> list[tuple[str, int, str]]:
    with pytest.raises(ContentError) as error:
        parse_yaml(text, "content/x.yaml", first_line)
    return [(p.file, p.line, p.message) for p in error.value.problems]


def test_duplicate_keys_aliases_and_complex_keys_are_refused_at_their_line():
    assert problems_of("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", 10) == [
        ("content/x.yaml", 13, "「c」重复出现（第 12 行已经写过）；同一处只能写一次，请删去多余的一个"),
        ("content/x.yaml", 14, "「a」重复出现（第 10 行已经写过）；同一处只能写一次，请删去多余的一个"),
    ]
    assert problems_of("a: 1\nb: &x 2\nc: *x\n") == [
        ("content/x.yaml", 2, "不支持用 & 和 * 引用重复的内容，请直接写出来")
    ]
    assert problems_of("a: 1\n[b]: 2\n") == [("content/x.yaml", 2, "这里的键不是一个简单的名字，请写成「键: 值」")]


def test_every_mistake_in_a_document_is_reported_in_one_pass():
    assert problems_of("items:\n  - a: 1\n    a: 2\n[b]: 2\n{c}: 3\nd: 1\nd: 2\ne: 1\ne: 2\n") == [
        ("content/x.yaml", 3, "「a」重复出现（第 2 行已经写过）；同一处只能写一次，请删去多余的一个"),
        ("content/x.yaml", 4, "这里的键不是一个简单的名字，请写成「键: 值」"),
        ("content/x.yaml", 5, "这里的键不是一个简单的名字，请写成「键: 值」"),
        ("content/x.yaml", 7, "「d」重复出现（第 6 行已经写过）；同一处只能写一次，请删去多余的一个"),
        ("content/x.yaml", 9, "「e」重复出现（第 8 行已经写过）；同一处只能写一次，请删去多余的一个"),
    ]


def test_a_quoted_control_character_is_refused():
    assert problems_of('a: 1\nb: "x\\ey"\n') == [
        ("content/x.yaml", 2, "这里的引号里用反斜杠写出了看不见的控制字符（U+001B）；请删去这个「\\」转义")
    ]


def test_a_tab_or_a_full_width_colon_is_named_when_yaml_fails():
    assert problems_of("a:\n  - b\n \t- c\ntitle：x\n", 3) == [
        ("content/x.yaml", 5, "行首用了 Tab 键缩进；YAML 只能用空格缩进，请把 Tab 换成空格"),
        ("content/x.yaml", 6, "「title」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格"),
    ]
    assert problems_of("a: [\n  - title：x\n") == [
        ("content/x.yaml", 2, "「title」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格")
    ]
    # inside a text block a full-width colon is fine, as long as the YAML reads
    assert parse_yaml("a: |\n  QQ：123\n", "f").value["a"].value == "QQ：123\n"


@pytest.mark.parametrize(
    "text, line, hint",
    [
        (
            "a: 1\nb: c: d\n",
            2,
            "这一行的冒号位置不对：每行只能有一个「键: 值」，值里如有英文冒号，请把整个值用英文引号括起来",
        ),
        ("a:\n  - b\n  c", 3, "这一行缺少英文冒号「:」，应写成「键: 值」"),
        ("a: 1\nb: {c: 1}\t}\n", 2, "用了 Tab 键；YAML 只能用空格"),
        ("a: 1\nb: 'x\nc: d\n", 2, "这一行开头的引号没有配对：开头有引号，结尾却没有"),
        ("a: 1\nb: [1\nc: d\n", 2, "这一行的「[」没有配对的「]」；同一行的列表要用「]」结束，如 [甲单位, 乙单位]"),
        ("a: 1\nb: {c: 1\nd: e\n", 2, "这一行的「{」没有配对的「}」；如不需要，请删去「{」"),
        ("a: 1\nb: *x\n", 2, "用了未定义的 * 引用"),
    ],
)
def test_yaml_syntax_errors_are_explained_at_their_line(text, line, hint):
    assert problems_of(text) == [("content/x.yaml", line, f"YAML 格式有误：{hint}")]
    assert problems_of(text, 11) == [("content/x.yaml", line + 10, f"YAML 格式有误：{hint}")]


def test_other_yaml_syntax_errors_quote_the_parser():
    assert problems_of("a: 1\n- b\n", 3) == [
        (
            "content/x.yaml",
            4,
            "YAML 格式有误（expected <block end>, but found '-'）；请检查这一行和上一行的缩进、冒号和引号",
        )
    ]


def test_a_character_yaml_cannot_read_is_reported_at_the_first_line():
    [(file, line, message)] = problems_of("a: 1\nb: \x07\n", 7)
    assert (file, line) == ("content/x.yaml", 7)
    assert message.startswith("YAML 格式有误：unacceptable character #x0007")


# --- typed fields ---------------------------------------------------------------------------


def node(text: str) -> Node:
    """The value under `v:` in a one-key document."""
    return parse_yaml(text if "\n" in text else f"v: {text}\n", "content/x.yaml").value["v"]


def read(field, text: str):
    return field.read(node(text), Problems())


def invalid(field, text: str) -> str:
    with pytest.raises(schema.Invalid) as error:
        read(field, text)
    return str(error.value)


def test_a_plain_field_is_stripped_and_refuses_nested_content():
    assert read(schema.Field(), "'  a  '") == "a"
    assert invalid(schema.Field(), "v:\n  a: 1\n") == "应是一个值，这里却写成了多层内容；请检查缩进"
    assert invalid(schema.Text(), "v:\n  - a\n") == "应是一段文字，这里却写成了多层内容；请检查缩进"


def test_text_length_limit_is_inclusive():
    assert read(schema.Text(max_length=4), "节能宣传") == "节能宣传"
    assert invalid(schema.Text(max_length=4), "节能宣传周") == "太长了（5 个字），最多 4 个字"
    assert read(schema.Text(), "x" * 5000) == "x" * 5000


@pytest.mark.parametrize(
    "text, day",
    [
        ("2024-05-13", (2024, 5, 13)),
        ("2024-5-3", (2024, 5, 3)),
        ("2000-01-01", (2000, 1, 1)),
        ("2099-12-31", (2099, 12, 31)),
    ],
)
def test_dates(text, day):
    assert read(schema.Date(), text) == dt.date(*day)


@pytest.mark.parametrize(
    "text, message",
    [
        ("2024/05/13", "应是日期，写成 2024-05-13 这样的格式，这里写的是「2024/05/13」"),
        ("24-05-13", "应是日期，写成 2024-05-13 这样的格式，这里写的是「24-05-13」"),
        ("2024-05-13x", "应是日期，写成 2024-05-13 这样的格式，这里写的是「2024-05-13x」"),
        ("1999-12-31", "日期「1999-12-31」的年份不对：应在 2000 到 2099 年之间"),
        ("2100-01-01", "日期「2100-01-01」的年份不对：应在 2000 到 2099 年之间"),
        ("2023-02-29", "日期「2023-02-29」不存在，请核对年、月、日"),
        ("2024-13-01", "日期「2024-13-01」不存在，请核对年、月、日"),
    ],
)
def test_wrong_dates(text, message):
    assert invalid(schema.Date(), text) == message


@pytest.mark.parametrize(
    "text, moment",
    [("09:30", (9, 30)), ("9:30", (9, 30)), ("9：30", (9, 30)), ("0:00", (0, 0)), ("23:59", (23, 59))],
)
def test_times(text, moment):
    assert read(schema.Time(), f"'{text}'") == dt.time(*moment)


@pytest.mark.parametrize("text", ["24:00", "12:60", "99:99"])
def test_times_that_do_not_exist(text):
    assert invalid(schema.Time(), f"'{text}'") == f"时间「{text}」不存在，小时应在 0–23，分钟应在 0–59"


@pytest.mark.parametrize("text", ["9:5", "930", "9.30", "上午", "009:30", "9:300"])
def test_times_written_wrongly(text):
    assert (
        invalid(schema.Time(), f"'{text}'")
        == f"应是时间，写成 09:30 这样的 24 小时制格式（北京时间），这里写的是「{text}」"
    )


@pytest.mark.parametrize(
    "text", ["https://a.gov.cn/x?y=1", "http://a.cn", "HTTPS://A.CN/", "https://a.cn:8443/", "https://a.cn/Xy"]
)
def test_addresses(text):
    assert read(schema.Url(), text) == text


def test_address_length_limit_is_inclusive():
    text = "https://a.cn/" + "x" * 987
    assert len(text) == 1000
    assert read(schema.Url(), text) == text
    assert (
        invalid(schema.Url(), text + "x") == "网址太长（1001 个字符），最多 1000 个字符；请确认复制完整且没有多余内容"
    )
    assert invalid(schema.Url(max_length=20), "https://a.cn/12345678") == (
        "网址太长（21 个字符），最多 20 个字符；请确认复制完整且没有多余内容"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("https://a.cn:port/", "网址「https://a.cn:port/」格式不对，请重新复制完整的网址"),
        ("http://[::1/", "网址「http://[::1/」格式不对，请重新复制完整的网址"),
        ("ftp://a.cn/", "应是以 http:// 或 https:// 开头的网址，这里写的是「ftp://a.cn/」"),
        ("a.cn/x", "应是以 http:// 或 https:// 开头的网址，这里写的是「a.cn/x」"),
        ("https:///x", "应是以 http:// 或 https:// 开头的网址，这里写的是「https:///x」"),
        ("'https://a.cn/a b'", "网址「https://a.cn/a b」里有空格或引号等不能出现在网址中的字符"),
        ("'https://a.cn/a\tb'", "网址「https://a.cn/a\tb」里有空格或引号等不能出现在网址中的字符"),
    ],
)
def test_wrong_addresses(text, message):
    assert invalid(schema.Url(), text) == message


@pytest.mark.parametrize("char", list("<>\"'`"))
def test_addresses_with_quotes_or_brackets(char):
    text = f"https://a.cn/a{char}b"
    with pytest.raises(schema.Invalid) as error:
        schema.Url().parse(text)
    assert str(error.value) == f"网址「{text}」里有空格或引号等不能出现在网址中的字符"


@pytest.mark.parametrize("text", ["a@b.cn", "first.last+tag@mail.example.gov.cn", "A_1%x-y@B-2.CN"])
def test_email_addresses(text):
    assert read(schema.Email(), text) == text


@pytest.mark.parametrize("text", ["a@b", "a@b.c", "a b@c.cn", "@b.cn", "a@@b.cn", "a@b.cn.", "a@b.c1"])
def test_wrong_email_addresses(text):
    assert invalid(schema.Email(), f"'{text}'") == f"应是电子邮箱地址，如 name@example.com，这里写的是「{text}」"


@pytest.mark.parametrize("text", ["a", "0", "xinhua-live", "a" * 64, "a-b-c9"])
def test_short_names(text):
    assert read(schema.Ident(), text) == text


@pytest.mark.parametrize("text", ["a" * 65, "-a", "a-", "A", "a_b", "a.b", "节能"])
def test_wrong_short_names(text):
    assert invalid(schema.Ident(), text) == (
        f"应是由小写英文字母、数字和连字符「-」组成的短名称，如 xinhua-live，这里写的是「{text}」"
    )


def test_choices_map_what_the_clerk_writes_to_what_the_code_uses():
    field = schema.Choice({"会议": "meeting", "直播": "live"}, required=False, default="meeting")
    assert (field.required, field.default) == (False, "meeting")
    assert read(field, "直播") == "live"
    assert invalid(field, "讲座") == "只能写 「会议」、「直播」 之一，这里写的是「讲座」"


@pytest.mark.parametrize("text, value", [("1", 1), ("60", 60), ("007", 7)])
def test_integers_within_bounds(text, value):
    assert read(schema.Integer(1, 60), text) == value


@pytest.mark.parametrize("text", ["0", "61", "-1", "1.0", "一", "1e1"])
def test_integers_out_of_bounds_or_not_integers(text):
    assert invalid(schema.Integer(1, 60), text) == f"应是 1 到 60 之间的整数，这里写的是「{text}」"


def test_lists_report_every_bad_item_at_its_line():
    problems = Problems()
    field = schema.ListOf(schema.Ident())
    value = field.read(node("v:\n  - a\n  -\n  - B\n  - c\n"), problems)
    assert value == ("a", "c")
    assert [(p.file, p.line, p.message) for p in problems.items] == [
        ("content/x.yaml", 3, "列表里有一个空项，请删去这一行或填上内容"),
        (
            "content/x.yaml",
            4,
            "这一项应是由小写英文字母、数字和连字符「-」组成的短名称，如 xinhua-live，这里写的是「B」",
        ),
    ]
    assert invalid(field, "a") == "应是一个列表（每项一行，以「- 」开头）"
    assert (field.required, field.default) == (True, ())
    assert schema.ListOf(schema.Text(), required=False).required is False


EVENT = schema.Record(
    {
        "id": schema.Ident(),
        "date": schema.Date(),
        "place": schema.Text(required=False, default="待定", max_length=10),
        "tags": schema.ListOf(schema.Text(), required=False),
    }
)


def read_record(text: str, record=EVENT):
    problems = Problems()
    value = record.read(parse_yaml(text, "content/x.yaml", 3), problems)
    return value, [(p.file, p.line, p.message) for p in problems.items]


def test_a_record_reads_every_field():
    value, problems = read_record("id: launch\ndate: 2024-05-13\nplace: 市民中心\ntags:\n  - 会议\n")
    assert problems == []
    assert value == {
        "_line": 3,
        "_file": "content/x.yaml",
        "id": "launch",
        "date": dt.date(2024, 5, 13),
        "place": "市民中心",
        "tags": ("会议",),
        "_lines": {"id": 3, "date": 4, "place": 5, "tags": 6},
    }


def test_a_record_fills_defaults_for_optional_fields():
    value, problems = read_record("id: launch\ndate: 2024-05-13\nplace: ''\ntags: []\n")
    assert problems == []
    assert (value["place"], value["tags"]) == ("待定", ())


def test_a_record_reports_every_mistake_at_its_own_line():
    value, problems = read_record("id: Launch\ndat: 2024-05-13\nplace:\nwhere: x\n")
    assert problems == [
        ("content/x.yaml", 4, "不认识的键「dat」。是不是想写「date」？这里可以写的键有：id、date、place、tags"),
        ("content/x.yaml", 6, "不认识的键「where」。这里可以写的键有：id、date、place、tags"),
        (
            "content/x.yaml",
            3,
            "「id」应是由小写英文字母、数字和连字符「-」组成的短名称，如 xinhua-live，这里写的是「Launch」",
        ),
    ]  # "dat" is the missing "date" written wrong: one problem, not two
    assert value == {
        "_line": 3,
        "_file": "content/x.yaml",
        "_lines": {"id": 3, "dat": 4, "place": 5, "where": 6},
        "id": None,
        "date": None,
        "place": "待定",
        "tags": (),
    }
    _, problems = read_record("id: a\nwhere: x\n")
    assert problems[1:] == [("content/x.yaml", 3, "缺少「date」，这一项必须填写")]
    _, problems = read_record("id: a\ndate:\n")
    assert problems == [("content/x.yaml", 4, "缺少「date」，这一项必须填写")]
    value, problems = read_record("id: a\ndate: 2024-05-13\nplace: 一个很长很长很长很长的地方\ntags:\n  - x\n  -\n")
    assert (value["place"], value["tags"]) == ("待定", ("x",))
    assert problems == [
        ("content/x.yaml", 5, "「place」太长了（13 个字），最多 10 个字"),
        ("content/x.yaml", 8, "列表里有一个空项，请删去这一行或填上内容"),
    ]


def test_fields_are_required_unless_said_otherwise():
    for field in (schema.Field(), schema.Text(), schema.Date(), schema.Time(), schema.Url(), schema.Ident()):
        assert (field.required, field.default) == (True, None)
    for field in (
        schema.Field(required=False, default="x"),
        schema.Text(required=False, default="x"),
        schema.Url(required=False, default="x"),
        schema.Integer(1, 2, required=False, default="x"),
        schema.Record({}, required=False, default="x"),
    ):
        assert (field.required, field.default) == (False, "x")
    assert schema.Record({"a": schema.Text()}).read(node("v:\n  a: b\n"), Problems()) == {
        "_line": 1,
        "_file": "content/x.yaml",
        "_lines": {"a": 2},
        "a": "b",
    }


def test_a_record_written_with_a_full_width_colon_is_named():
    items = schema.ListOf(EVENT)
    problems = Problems()
    value = items.read(parse_yaml("v:\n  - id：launch\n", "content/x.yaml").value["v"], problems)
    assert value == (
        {"_line": 2, "_file": "content/x.yaml", "_lines": {}, "id": None, "date": None, "place": "待定", "tags": ()},
    )
    assert [(p.line, p.message) for p in problems.items] == [
        (2, "「id」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格")
    ]
    problems = Problems()
    EVENT.read(parse_yaml("v:\n  id：launch：2024\n", "content/x.yaml").value["v"], problems)
    assert [(p.file, p.line, p.message) for p in problems.items] == [
        ("content/x.yaml", 2, "「id」后面的冒号是中文全角「：」，请改为英文半角冒号「:」，冒号后再加一个空格")
    ]
    with pytest.raises(schema.Invalid) as error:
        EVENT.read(parse_yaml("v: launch\n", "content/x.yaml").value["v"], Problems())
    assert str(error.value) == "应是一组「键: 值」，请检查缩进和冒号"


def test_a_whole_file_that_is_not_a_mapping():
    problems = Problems()
    value = schema.read_document(parse_yaml("- a\n", "content/x.yaml", 2), EVENT, problems)
    assert value == {
        "id": None,
        "date": None,
        "place": "待定",
        "tags": (),
        "_line": 2,
        "_file": "content/x.yaml",
        "_lines": {},
    }
    assert [(p.file, p.line, p.message) for p in problems.items] == [
        ("content/x.yaml", 2, "整个文件应是一组「键: 值」，请检查缩进和冒号")
    ]
    problems = Problems()
    assert schema.read_document(parse_yaml("id: a\ndate: 2024-05-13\nwho: x\n", "f"), EVENT, problems)["id"] == "a"
    assert [p.message for p in problems.items] == ["不认识的键「who」。这里可以写的键有：id、date、place、tags"]


def test_unknown_keys_suggest_only_a_close_one():
    fields = {"title": None, "date": None, "place": None}
    assert schema.unknown_key_message("titel", fields) == (
        "不认识的键「titel」。是不是想写「title」？这里可以写的键有：title、date、place"
    )
    assert schema.unknown_key_message("xyz", fields) == "不认识的键「xyz」。这里可以写的键有：title、date、place"
    # 0.6 similarity is the bar: "dat" (0.86) is close to "date", "da" (0.67) too, "d" (0.4) is not
    assert "「date」" in schema.unknown_key_message("da", fields)
    assert "是不是" not in schema.unknown_key_message("d", fields)


# --- inspection rules -----------------------------------------------------------------------

RULES_TEXT = """\
division_code: "500105"
province: 渝
online_timeout_seconds: 5
rules:
  - id: wording
    title: 严重错别字
    category: 单项否决
    citation: 指标一
  - id: punctuation
    title: 半角标点
    category: 扣分
    citation: 指标二
  - id: links
    title: 链接不可用
    category: 扣分
    citation: 指标三
  - id: dates
    title: 发布时间
    category: 扣分
    citation: 指标四
    exempt:
      - posters/
  - id: empty-sections
    title: 空白栏目
    category: 单项否决
    citation: 指标五
    threshold: 3
  - id: freshness
    title: 未更新
    category: 单项否决
    citation: 指标六
    threshold: 14
  - id: metadata
    title: 网站标识
    category: 扣分
    citation: 指标七
wrong_forms:
  - wrong: 低炭
    right: 低碳
  - wrong: 节能宣传州
    right: 节能宣传周
  - wrong: 低炭日
    right: 低碳日
  - wrong: 炭达峰
    right: 碳达峰
"""


def project(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def rules_problems(tmp_path, text: str) -> list[tuple[str, int, str]]:
    project(tmp_path, {"content/inspection.yaml": text})
    with pytest.raises(ContentError) as error:
        checks.load_rules(tmp_path)
    return [(p.file, p.line, p.message) for p in error.value.problems]


def test_inspection_rules_are_read_from_content(tmp_path):
    rules = checks.load_rules(project(tmp_path, {"content/inspection.yaml": RULES_TEXT}))
    assert list(rules.rules) == ["wording", "punctuation", "links", "dates", "empty-sections", "freshness", "metadata"]
    assert rules.rules["wording"] == Rule("wording", "严重错别字", "单项否决", "指标一", None, ())
    assert rules.rules["dates"] == Rule("dates", "发布时间", "扣分", "指标四", None, ("posters/",))
    assert rules.rules["empty-sections"] == Rule("empty-sections", "空白栏目", "单项否决", "指标五", 3, ())
    # longest wrong form first, and in the order of the file among equals
    assert rules.wrong_forms == (
        ("节能宣传州", "节能宣传周"),
        ("低炭日", "低碳日"),
        ("炭达峰", "碳达峰"),
        ("低炭", "低碳"),
    )
    assert (rules.division_code, rules.province, rules.timeout) == ("500105", "渝", 5)


def test_mistakes_in_the_inspection_rules_are_explained(tmp_path):
    text = RULES_TEXT.replace("id: links", "id: link").replace("id: metadata", "id: wording")
    text = text.replace("    threshold: 14\n", "").replace('"500105"', '"50010"')
    f = "content/inspection.yaml"
    assert rules_problems(tmp_path, text) == [
        (f, 0, 'division_code 应是 6 位数字的行政区划代码，如 "500105"'),
        (f, 1, "缺少检查规则：links、metadata；请照其他规则的样子补上"),
        (
            f,
            13,
            "没有代号为「link」的检查；可用的代号：wording、punctuation、links、dates、empty-sections、freshness、metadata",
        ),
        (f, 28, "规则「freshness」必须写 threshold（门槛数字）"),
        (f, 32, "检查规则「wording」重复了；每条规则只能写一次"),
    ]


def test_a_rules_file_without_rules(tmp_path):
    text = RULES_TEXT[: RULES_TEXT.index("rules:")] + RULES_TEXT[RULES_TEXT.index("wrong_forms:") :]
    assert rules_problems(tmp_path, text.replace('"500105"', "")) == [
        ("content/inspection.yaml", 0, 'division_code 应是 6 位数字的行政区划代码，如 "500105"'),
        ("content/inspection.yaml", 1, "缺少「division_code」，这一项必须填写"),
        ("content/inspection.yaml", 1, "缺少「rules」，这一项必须填写"),  # one message for one mistake
    ]


def test_findings_read_like_content_mistakes():
    finding = Finding.at("wording", "content/a.md", 3, "「低炭」应为「低碳」")
    assert finding == Finding("wording", ContentProblem("content/a.md", 3, "「低炭」应为「低碳」"), False)
    assert (finding.file, finding.line, finding.message, finding.todo) == (
        "content/a.md",
        3,
        "「低炭」应为「低碳」",
        False,
    )
    assert str(finding) == "content/a.md:3: 「低炭」应为「低碳」"
    assert str(Finding.at("links", "外部网址", 0, "打不开")) == "外部网址: 打不开"
    assert Finding.at("metadata", "config.yaml", 5, "尚未填写", todo=True).todo is True


def inspection(tmp_path, *findings: Finding) -> Inspection:
    rules = checks.load_rules(project(tmp_path, {"content/inspection.yaml": RULES_TEXT}))
    return Inspection(rules, at(2024, 5, 14), list(findings))


def test_what_fails_the_check_and_what_blocks_publishing(tmp_path):
    todo = Finding.at("freshness", "a", 1, "x", todo=True)
    deduction = Finding.at("punctuation", "a", 1, "x")
    assert not inspection(tmp_path, todo, deduction).fails_check
    assert inspection(tmp_path, todo, deduction).errors == [deduction]
    assert inspection(tmp_path, todo, deduction).blocking == []
    assert inspection(tmp_path, Finding.at("freshness", "a", 1, "x")).fails_check
    link = Finding.at("links", "a", 1, "x")
    wording = Finding.at("wording", "a", 1, "x")
    empty = Finding.at("empty-sections", "a", 1, "x")
    both = inspection(tmp_path, deduction, link, wording, empty, todo)
    assert both.fails_check
    assert both.blocking == [link, wording, empty]
    assert both.of("links") == [link]
    assert both.of("punctuation") == [deduction]
    assert inspection(tmp_path, link).fails_check


def test_files_whose_text_shows_on_the_site(tmp_path):
    project(
        tmp_path,
        {
            "config.yaml": "",
            "content/b.yaml": "",
            "content/a.yaml": "",
            "content/inspection.yaml": "",
            "content/notice.md": "",
            "content/news/2.md": "",
            "content/news/1.md": "",
            "content/notes.txt": "",
            "templates/base.html": "",
            "templates/static/style.css": "",
        },
    )
    (tmp_path / "content" / "folder.yaml").mkdir()
    assert checks._text_files(tmp_path) == [
        "config.yaml",
        "content/a.yaml",
        "content/b.yaml",
        "content/notice.md",
        "content/news/1.md",
        "content/news/2.md",
        "templates/base.html",
    ]


def test_visible_text_leaves_out_keys_comments_links_and_markup(tmp_path):
    project(
        tmp_path,
        {
            "config.yaml": "# 说明,不显示\ntitle: 节能, 低碳\nitems:\n  - 第一项\n  - key: 值\nblock: |\n  第一行\n  第二行\n",
            "content/quiz.yaml": "title: 竞赛\n",
            "content/notice.md": "---\ntitle: 标题\n---\n\n见[链接,文字](https://a.cn/x,y)和<https://b.cn,c>及`code,x`。\n",
            "templates/page.html": '<p class="a,b">{{ title }}，{% if a %}节能{# c,d #}</p>\n',
        },
    )
    assert checks.visible_text(tmp_path) == [
        ("config.yaml", 2, "节能, 低碳"),
        ("config.yaml", 4, "第一项"),
        ("config.yaml", 5, "值"),
        ("config.yaml", 6, "|"),
        ("config.yaml", 7, "  第一行"),
        ("config.yaml", 8, "  第二行"),
        ("config.yaml", 9, ""),
        ("content/quiz.yaml", 1, "竞赛"),
        ("content/notice.md", 2, "标题"),
        ("content/notice.md", 4, ""),
        ("content/notice.md", 5, "见[链接,文字] 和 及 。"),
        ("content/notice.md", 6, ""),
        ("templates/page.html", 1, "  ， 节能  "),
        ("templates/page.html", 2, ""),
    ]


def test_markdown_front_matter_lines_count_from_the_top():
    text = "---\ntitle: 标题\ndate: 2024-05-13\n---\n正文[a](b)\n<mailto:x@y.cn>`c`\n"
    assert checks._markdown_text(text, "n.md") == [
        ("n.md", 2, "标题"),
        ("n.md", 3, "2024-05-13"),
        ("n.md", 5, "正文[a] "),
        ("n.md", 6, "  "),
        ("n.md", 7, ""),
    ]


def wording(texts, forms=(("低炭日", "低碳日"), ("低炭", "低碳"))):
    rules = SimpleNamespace(wrong_forms=forms)
    return [(f.rule, f.file, f.line, f.message) for f in checks._wording(None, None, None, rules, texts)]


def test_wording_finds_the_longest_wrong_form_once():
    assert wording([("a.md", 3, "全国低炭日")]) == [("wording", "a.md", 3, "「低炭日」应为「低碳日」")]
    assert wording([("a.md", 3, "低炭日低炭")]) == [
        ("wording", "a.md", 3, "「低炭日」应为「低碳日」"),
        ("wording", "a.md", 3, "「低炭」应为「低碳」"),
    ]
    assert wording([("a.md", 1, "低炭低炭"), ("b.md", 2, "x低炭")]) == [
        ("wording", "a.md", 1, "「低炭」应为「低碳」"),
        ("wording", "a.md", 1, "「低炭」应为「低碳」"),
        ("wording", "b.md", 2, "「低炭」应为「低碳」"),
    ]
    assert wording([("a.md", 1, "低碳日"), ("a.md", 2, "")]) == []
    # a one-character wrong form right after a longer one is its own finding
    assert wording([("a.md", 1, "低炭日日")], (("低炭日", "低碳日"), ("日", "曰"))) == [
        ("wording", "a.md", 1, "「低炭日」应为「低碳日」"),
        ("wording", "a.md", 1, "「日」应为「曰」"),
    ]


@pytest.mark.parametrize("char, right", list(checks.HALF_WIDTH.items()))
def test_half_width_punctuation_between_chinese(char, right):
    found = checks._punctuation(None, None, None, None, [("a.md", 4, f"节能{char}低碳")])
    assert [(f.rule, f.file, f.line, f.message) for f in found] == [
        ("punctuation", "a.md", 4, f"「{char}」应为全角「{right}」")
    ]


@pytest.mark.parametrize(
    "text, count",
    [
        ("节能,低碳", 1),
        ("节能, 低碳", 0),
        ("a,低碳", 0),
        ("节能,b", 0),
        ("节能,低碳,宣传;周", 3),
        ("〔2024〕,《通知》", 1),
        ("2024,通知", 0),
        ("）,（", 1),
        ("」,「", 1),
        ("“,”", 1),
        ("\u3400,\u9fff", 1),
        ("\u33ff,\ua000", 0),
        ("节能.低碳", 0),
    ],
)
def test_which_punctuation_counts_as_between_chinese(text, count):
    assert len(checks._punctuation(None, None, None, None, [("a.md", 1, text)])) == count


NOTICE_FRONT = """\
---
title: 通知
index_no: {index_no}
doc_no: {doc_no}
written: 2024-05-08
published: 2024-05-10
---
正文
"""


def notice_problems(doc_no="工作通知〔2024〕11号", index_no="115001057474938001/2024-00004", written=(2024, 5, 8)):
    notice = SimpleNamespace(
        doc_no=doc_no,
        index_no=index_no,
        written=dt.date(*written),
        published=dt.date(2024, 5, 10),
        where=page_where(NOTICE_FRONT.format(index_no=index_no, doc_no=doc_no), "content/notice.md"),
    )
    return checks._notice_problems(SimpleNamespace(notice=notice))


def page_where(text: str, file: str) -> Where:
    """Where a Markdown page's front matter and body were written, as the loader keeps it."""
    front, _, body_line = split_front_matter(text, file)
    return Where(file, front.line, tuple(sorted((key, node.line) for key, node in front.mapping.items())), body_line)


def record_where(text: str, file: str, key: str) -> Where:
    """Where the record under `key` of a YAML file was written, as the loader keeps it."""
    node = parse_yaml(text, file).mapping[key]
    return Where(file, node.line, tuple(sorted((k, child.line) for k, child in node.mapping.items())))


def test_a_well_written_notice_has_no_problems():
    assert notice_problems() == []
    assert notice_problems(written=(2024, 5, 10)) == []


@pytest.mark.parametrize(
    "doc_no", ["工作通知[2024]11号", "工作通知〔24〕11号", "〔2024〕11号", "工作通知〔2024〕号", "工作通知〔2024〕11"]
)
def test_document_numbers_use_hexagonal_brackets_and_four_digit_years(doc_no):
    assert notice_problems(doc_no=doc_no) == [
        (
            4,
            f"发文字号「{doc_no}」不规范：年份应写全四位、用六角括号〔〕括入，"
            "不用 []、()、【】，如「工作通知〔2024〕11号」（GB/T 9704—2012）",
        )
    ]


@pytest.mark.parametrize(
    "index_no",
    [
        "11500105747493800/2024-00004",
        "115001057474938001/2024-0004",
        "11500105747493800I/2024-00004",
        "115001057474938001-2024-00004",
    ],
)
def test_index_numbers_follow_the_credit_code_and_serial_format(index_no):
    assert notice_problems(index_no=index_no) == [
        (
            3,
            f"索引号「{index_no}」格式不对，应为 18 位统一社会信用代码/年份-五位序号，如「115001057474938001/2024-00004」",
        )
    ]


def test_index_number_year_and_dates_must_agree_with_publishing():
    assert notice_problems(index_no="115001057474938001/2023-00004", written=(2024, 5, 11)) == [
        (3, "索引号「115001057474938001/2023-00004」中的年份与发布日期（2024年5月10日）不是同一年"),
        (5, "成文日期（2024年5月11日）晚于发布日期（2024年5月10日），请核对"),
    ]


CONFIG_FOOTER = """\
title: 网站
footer:
  organiser: 机关事务管理局
  site_code: {site_code}
  icp: {icp}
  police: {police}
"""


def metadata(tmp_path, site_code="5001050001", icp="渝ICP备12345678号", police="渝公网安备 50010502000123号"):
    project(tmp_path, {"content/inspection.yaml": RULES_TEXT})
    config = CONFIG_FOOTER.format(site_code=site_code, icp=icp, police=police)
    written = parse_yaml(config, "config.yaml").mapping["footer"].mapping
    footer = SimpleNamespace(
        **{key: schema.Text().parse(str(node.value).strip()) for key, node in written.items()},
        where=record_where(config, "config.yaml", "footer"),
    )
    notice_text = NOTICE_FRONT.format(index_no="115001057474938001/2023-00004", doc_no="工作通知〔2024〕11号")
    notice = SimpleNamespace(
        doc_no="工作通知〔2024〕11号",
        index_no="115001057474938001/2023-00004",
        written=dt.date(2024, 5, 8),
        published=dt.date(2024, 5, 10),
        where=page_where(notice_text, "content/notice.md"),
    )
    rules = checks.load_rules(tmp_path)
    site = SimpleNamespace(notice=notice, config=SimpleNamespace(footer=footer))
    found = checks._metadata(SimpleNamespace(root=tmp_path), site, None, rules, None)
    return [(f.rule, f.file, f.line, f.message, f.todo) for f in found]


YEAR_MISMATCH = (
    "metadata",
    "content/notice.md",
    3,
    "索引号「115001057474938001/2023-00004」中的年份与发布日期（2024年5月10日）不是同一年",
    False,
)


@pytest.mark.parametrize(
    "site_code, icp, police",
    [
        ("5001050001", "渝ICP备12345678号", "渝公网安备 50010502000123号"),
        ("500105A0Z9", "渝ICP备12345678号-2", "渝公网安备50010502000123号"),
    ],
)
def test_footer_numbers_in_the_right_format(tmp_path, site_code, icp, police):
    assert metadata(tmp_path, site_code, icp, police) == [YEAR_MISMATCH]


def test_footer_numbers_in_a_wrong_format_or_not_filled_in(tmp_path):
    assert metadata(tmp_path, "50010500001", "川ICP备12345678号", "待填写：公安机关备案号") == [
        YEAR_MISMATCH,
        ("metadata", "config.yaml", 4, "网站标识码「50010500001」格式不对，应写成「5001050001」这样", False),
        (
            "metadata",
            "config.yaml",
            5,
            "ICP备案号「川ICP备12345678号」格式不对，应写成「渝ICP备12345678号」这样",
            False,
        ),
        ("metadata", "config.yaml", 6, "公安机关备案号尚未填写（待填写：公安机关备案号），正式上线前须填写", True),
    ]
    assert metadata(tmp_path, "'  待填写  '", "''", "渝公网安备 5001050200012号")[1:] == [
        ("metadata", "config.yaml", 4, "网站标识码尚未填写（待填写），正式上线前须填写", True),
        ("metadata", "config.yaml", 5, "ICP备案号「」格式不对，应写成「渝ICP备12345678号」这样", False),
        (
            "metadata",
            "config.yaml",
            6,
            "公安机关备案号「渝公网安备 5001050200012号」格式不对，应写成「渝公网安备 50010502000123号」这样",
            False,
        ),
    ]
    assert metadata(tmp_path, "500105000a", "渝ICP备1234567号", "渝公网安备  50010502000123号")[1:] == [
        ("metadata", "config.yaml", 4, "网站标识码「500105000a」格式不对，应写成「5001050001」这样", False),
        ("metadata", "config.yaml", 5, "ICP备案号「渝ICP备1234567号」格式不对，应写成「渝ICP备12345678号」这样", False),
        (
            "metadata",
            "config.yaml",
            6,
            "公安机关备案号「渝公网安备  50010502000123号」格式不对，应写成「渝公网安备 50010502000123号」这样",
            False,
        ),
    ]


def test_footer_formats_escape_the_codes():
    rules = SimpleNamespace(division_code="5.0105", province="渝+")
    formats = checks._footer_formats(rules)
    assert [key for key, *_ in formats] == ["site_code", "icp", "police"]
    assert re.fullmatch(formats[0][2], "5.0105AB12") and not re.fullmatch(formats[0][2], "5x0105AB12")
    assert re.fullmatch(formats[1][2], "渝+ICP备12345678号") and not re.fullmatch(formats[1][2], "渝渝ICP备12345678号")
    assert re.fullmatch(formats[2][2], "渝+公网安备 5.010512345678号")
    assert [example for *_, example in formats] == ["5.01050001", "渝+ICP备12345678号", "渝+公网安备 5.010502000123号"]


NEWS_FILE = "---\ntitle: 动态\n# 日期\ndate: 2024-05-20\n---\n正文\n"


def freshness(tmp_path, today, news_day=None, threshold=14, notice_day=(2024, 5, 10)):
    project(tmp_path, {"content/inspection.yaml": RULES_TEXT.replace("threshold: 14", f"threshold: {threshold}")})
    notice_text = "---\ntitle: 通知\n\npublished: 2024-05-10\n---\n正文\n"
    news = (
        [
            SimpleNamespace(
                file="content/news/a.md", date=dt.date(*news_day), where=page_where(NEWS_FILE, "content/news/a.md")
            )
        ]
        if news_day
        else []
    )
    site = SimpleNamespace(
        as_of=at(*today, 12),
        campaign=SimpleNamespace(
            themes=(
                SimpleNamespace(start=dt.date(2024, 5, 13), end=dt.date(2024, 5, 19)),
                SimpleNamespace(start=dt.date(2024, 5, 15), end=dt.date(2024, 6, 5)),
            )
        ),
        news=news,
        notice=SimpleNamespace(published=dt.date(*notice_day), where=page_where(notice_text, "content/notice.md")),
    )
    found = checks._freshness(SimpleNamespace(root=tmp_path), site, None, checks.load_rules(tmp_path), None)
    return [(f.rule, f.file, f.line, f.message) for f in found]


def test_freshness_is_only_checked_during_the_campaign(tmp_path):
    assert freshness(tmp_path, (2024, 5, 12), notice_day=(2024, 1, 1)) == []
    assert freshness(tmp_path, (2024, 6, 6), notice_day=(2024, 1, 1)) == []
    assert len(freshness(tmp_path, (2024, 5, 13), notice_day=(2024, 1, 1))) == 1
    assert len(freshness(tmp_path, (2024, 6, 5), notice_day=(2024, 1, 1))) == 1


def test_freshness_threshold_in_days_is_inclusive(tmp_path):
    assert freshness(tmp_path, (2024, 5, 24)) == []  # 14 days after the notice
    assert freshness(tmp_path, (2024, 5, 25)) == [
        (
            "freshness",
            "content/notice.md",
            4,
            "「首页」最新一条信息发布于 2024年5月10日，到检查日 2024年5月25日 已 15 天，超过 14 天未更新",
        )
    ]


def test_freshness_of_the_home_page_counts_the_newest_news(tmp_path):
    assert freshness(tmp_path, (2024, 6, 3), news_day=(2024, 5, 20)) == []
    found = freshness(tmp_path, (2024, 6, 4), news_day=(2024, 5, 20), threshold=10)
    message = "最新一条信息发布于 2024年5月20日，到检查日 2024年6月4日 已 15 天，超过 10 天未更新"
    assert found == [
        ("freshness", "content/news/a.md", 4, f"「首页」{message}"),
        ("freshness", "content/news/a.md", 4, f"「活动动态」{message}"),
    ]
    # a notice newer than the news keeps the home page fresh, not the news section
    assert freshness(tmp_path, (2024, 6, 4), news_day=(2024, 5, 13), notice_day=(2024, 6, 1), threshold=10) == [
        (
            "freshness",
            "content/news/a.md",
            4,
            "「活动动态」最新一条信息发布于 2024年5月13日，到检查日 2024年6月4日 已 22 天，超过 10 天未更新",
        )
    ]


def test_a_report_keeps_the_line_of_each_key_and_of_its_body():
    (front, _, _, _), _ = content._front_of(("content/news/a.md", NEWS_FILE), content.NEWS)
    item = schema.build(model.NewsItem, front, slug="a", body_html="")
    assert item.where == Where("content/news/a.md", 2, (("date", 4), ("title", 2)), 6)
    assert (item.where.of("date"), item.where.of("title"), item.where.of("source")) == (4, 2, 2)
    notice = SimpleNamespace(where=Where("content/notice.md", body=6))
    site = SimpleNamespace(notice=notice, contact=SimpleNamespace(where=Where("content/contact.md", body=9)))
    assert [checks._body_line(site, name) for name in ("content/notice.md", "content/contact.md")] == [6, 9]
    assert checks._body_line(site, "content/schedule.yaml") == 0


def empty_sections(tmp_path, threshold=3, hide_news=False, **content):
    project(tmp_path, {"content/inspection.yaml": RULES_TEXT.replace("threshold: 3", f"threshold: {threshold}")})
    values = dict(events=(), livestreams=(), downloads=(), pledges=(), news=(), notice_html="<p> </p>")
    values.update(content)
    site = SimpleNamespace(
        events=values["events"],
        livestreams=values["livestreams"],
        downloads=values["downloads"],
        pledge_day=SimpleNamespace(pledges=values["pledges"]),
        news=values["news"],
        notice=SimpleNamespace(
            body_html=values["notice_html"], where=page_where("---\ntitle: 通知\n---\n\n正文\n", "content/notice.md")
        ),
        contact=SimpleNamespace(where=Where("content/contact.md", body=11)),
        news_hidden=hide_news and not values["news"],
    )
    found = checks._empty_sections(SimpleNamespace(root=tmp_path), site, None, checks.load_rules(tmp_path), None)
    return [(f.rule, f.file, f.line, f.message) for f in found]


def test_empty_sections_are_named_with_the_line_to_write_at(tmp_path):
    reached = "共 5 个空白栏目，已达到 3 个，网站将被直接判定为不合格"
    assert empty_sections(tmp_path) == [
        (
            "empty-sections",
            "content/schedule.yaml",
            0,
            f"「活动日程」栏目没有任何内容（{reached}）；请补上内容后再发布",
        ),
        (
            "empty-sections",
            "content/livestreams.yaml",
            0,
            f"「直播收看」栏目没有任何内容（{reached}）；请补上内容后再发布",
        ),
        (
            "empty-sections",
            "content/pledges.yaml",
            0,
            f"「低碳日倡议」栏目没有任何内容（{reached}）；请补上内容后再发布",
        ),
        ("empty-sections", "content/news/", 0, f"「活动动态」栏目没有任何内容（{reached}）；请补上内容后再发布"),
        ("empty-sections", "content/notice.md", 4, f"「活动通知」栏目没有任何内容（{reached}）；请补上内容后再发布"),
    ]


def test_empty_sections_below_and_at_the_threshold(tmp_path):
    full = dict(events=(1,), livestreams=(), downloads=(1,), pledges=(1,), news=(1,))
    assert empty_sections(tmp_path, **full, notice_html="<p>正文</p>") == []
    two = empty_sections(tmp_path, **dict(full, events=(), news=()), notice_html="<p>正文</p>")
    assert [f[1] for f in two] == ["content/schedule.yaml", "content/news/"]
    assert two[0][3] == "「活动日程」栏目没有任何内容（共 2 个空白栏目，达到 3 个即单项否决）；请补上内容后再发布"
    three = empty_sections(tmp_path, **dict(full, events=(), news=(), pledges=()), notice_html="<p>正文</p>")
    assert "共 3 个空白栏目，已达到 3 个，网站将被直接判定为不合格" in three[0][3]
    # an empty news section the content chose to hide is not on the site, so not a blank section
    hidden = empty_sections(tmp_path, hide_news=True, **dict(full, news=()), notice_html="<p>正文</p>")
    assert hidden == []


# --- releases: the history of what was live, assets kept across a switch --------------------


def test_rollback_returns_to_the_release_that_was_live_before(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    v2 = publish.publish(page(2), dest)
    assert publish.rollback(dest) == v1
    assert history_of(dest) == [v1]
    v3 = publish.publish(page(3), dest)
    assert history_of(dest) == [v1, v3]
    assert releases_of(dest) == [v1, v2, v3]
    # v2 was taken down: a rollback from v3 returns to v1, although v2's name sorts after it
    assert publish.rollback(dest) == v1
    assert (dest / "current" / "index.html").read_bytes() == b"<title>1</title>"
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{dest} 里没有比当前版本（{v1}）更早的版本，无法退回"


def test_prune_keeps_the_newest_and_the_last_ones_made_live(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest, keep=1)
    v2 = publish.publish(page(2), dest, keep=1)
    assert releases_of(dest) == [v1, v2]  # keep=1 still leaves the one a rollback returns to
    v3 = publish.publish(page(3), dest, keep=1)
    assert releases_of(dest) == [v2, v3]
    assert history_of(dest) == [v2, v3]
    assert publish.rollback(dest) == v2
    v4 = publish.publish(page(4), dest, keep=1)
    # v3, the newest before v4 by name, was taken down; v2 is the one a rollback returns to
    assert releases_of(dest) == [v2, v4]
    assert history_of(dest) == [v2, v4]
    assert publish.rollback(dest) == v2


def test_prune_with_a_longer_keep_counts_releases_made_live(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest, keep=3) for n in range(3)]
    publish.rollback(dest)
    publish.rollback(dest)  # live: made[0]; history: [made[0]]
    made += [publish.publish(page(n), dest, keep=3) for n in range(3, 6)]
    # history [0, 3, 4, 5]: the last three made live are also the three newest
    assert releases_of(dest) == [made[3], made[4], made[5]]
    assert history_of(dest) == [made[3], made[4], made[5]]


def test_prune_keeps_the_live_release_whatever_its_age(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest, keep=10) for n in range(4)]
    (dest / "history").unlink()
    publish._switch(dest, made[0])
    publish._prune(dest, 1)
    assert releases_of(dest) == [made[0], made[3]]
    assert history_of(dest) == [made[0]]


def test_a_lost_history_is_rebuilt_from_the_link_and_the_names(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest) for n in range(3)]
    (dest / "history").unlink()
    assert publish._history(dest, made[2]) == made
    assert publish._history(dest, made[1]) == made[:2]
    assert publish._history(dest, None) == []
    assert publish.rollback(dest) == made[1]
    assert history_of(dest) == made[:2]
    (dest / "history").unlink()
    assert publish._history(dest, "not-a-release") == ["not-a-release"]


def test_history_names_only_releases_still_on_disk_and_ends_with_the_live_one(tmp_path):
    dest = tmp_path / "srv"
    made = [publish.publish(page(n), dest) for n in range(3)]
    (dest / "history").write_text(f"gone\n\n  {made[0]}  \n{made[2]}\n{made[1]}\n{made[2]}\n", encoding="utf-8")
    assert publish._history(dest, made[2]) == [made[0], made[2], made[1], made[2]]
    # live found earlier: what came after it is dropped
    assert publish._history(dest, made[1]) == [made[0], made[2], made[1]]
    assert publish._history(dest, made[0]) == [made[0]]
    # a live release missing from the history was just published: it comes last
    (dest / "history").write_text(f"{made[0]}\n", encoding="utf-8")
    assert publish._history(dest, made[2]) == [made[0], made[2]]
    assert publish.rollback(dest) == made[0]
    (dest / "history").write_bytes(b"\xff\xfe" + made[1].encode() + b"\n")
    assert publish._history(dest, made[0]) == [made[0]]


def test_a_history_that_cannot_be_written_is_not_fatal(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish.os, "fsync", full)
    v2 = publish.publish(page(2), dest)
    assert current_of(dest) == f"releases/{v2}"
    assert history_of(dest) == [v1]
    assert sorted(p.name for p in dest.iterdir()) == ["current", "history", "releases"]
    monkeypatch.undo()
    assert publish.rollback(dest) == v1


def test_one_publish_at_a_time_per_folder(tmp_path, monkeypatch):
    fcntl = pytest.importorskip("fcntl")
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    publish.publish(page(2), dest)
    monkeypatch.setattr(publish, "LOCK_WAIT", 0.25)
    held = os.open(dest / "releases", os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(PublishError) as error:
            publish.publish(page(3), dest)
        assert 0.25 <= time.monotonic() - started < 5
        assert str(error.value) == f"{dest} 正在由另一次发布或退回使用，等了 0 秒还没结束；请稍后再运行"
        with pytest.raises(PublishError, match="正在由另一次发布或退回使用"):
            publish.rollback(dest)
    finally:
        os.close(held)
    assert publish.rollback(dest) == v1


def test_publish_targets_that_are_not_ours_are_refused(tmp_path):
    site = project(tmp_path / "site", {"config.yaml": "", "content/a.yaml": "", "templates/base.html": ""})
    inside = site / "content" / "srv"
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), inside)
    assert str(error.value) == (
        f"发布文件夹 {inside} 在网站项目的 content/ 文件夹里，会和网站的源文件混在一起；请换一个项目以外的文件夹，如 /srv/jnxcz"
    )
    with pytest.raises(PublishError, match="在网站项目的 templates/ 文件夹里"):
        publish.check_publish_target(site / "templates")
    publish.check_publish_target(site / "srv")  # beside the sources is fine
    publish.check_publish_target(tmp_path / "other" / "content" / "srv")  # not a project
    foreign = project(tmp_path / "www", {"index.html": "别人的网站"})
    with pytest.raises(PublishError) as error:
        publish.publish(page(1), foreign)
    assert str(error.value) == (
        f"{foreign} 里已有别的文件，不是本工具发布网站用的文件夹（里面没有 releases 和 current）；"
        "为免弄乱这些文件，请换一个新的或空的文件夹，如 /srv/jnxcz"
    )
    (tmp_path / "empty").mkdir()
    assert publish.publish(page(1), tmp_path / "empty")
    ours = tmp_path / "ours"
    publish.publish(page(1), ours)
    (ours / "README.txt").write_text("说明")
    assert publish.publish(page(2), ours)
    (ours / "current").unlink()
    assert publish.publish(page(3), ours)  # releases/ says it is ours
    link_only = project(tmp_path / "link", {"x.txt": ""})
    (link_only / "current").symlink_to("releases/none")
    publish.check_publish_target(link_only)


def test_package_targets_that_are_not_ours_are_refused(tmp_path):
    site = project(tmp_path / "site", {"config.yaml": "", "content/a.yaml": "", "templates/base.html": ""})
    with pytest.raises(PublishError) as error:
        publish.package(page(1), site / "templates" / "x.zip")
    assert str(error.value) == (
        f"压缩包 {site / 'templates' / 'x.zip'} 在网站项目的 templates/ 文件夹里，会覆盖或混入网站的源文件；"
        "请换一个位置和新的文件名，如项目外的 jnxcz.zip"
    )
    with pytest.raises(PublishError) as error:
        publish.package(page(1), tmp_path)
    assert str(error.value) == f"{tmp_path} 是一个文件夹；请写压缩包的文件名，如 jnxcz.zip"
    other = tmp_path / "report.zip"
    other.write_bytes(b"not a zip")
    with pytest.raises(PublishError) as error:
        publish.package(page(1), other)
    assert str(error.value) == (
        f"{other} 已经存在，而且不是本工具生成的网站压缩包；为免覆盖它，请换一个新的文件名，如 jnxcz.zip"
    )
    assert other.read_bytes() == b"not a zip"
    ours = tmp_path / "site.zip"
    publish.package(page(1), ours)
    publish.package(page(2), ours)  # a zip this tool made is written over
    with zipfile.ZipFile(ours) as archive:
        assert archive.read("index.html") == b"<title>2</title>"
    (tmp_path / "dangling.zip").symlink_to(tmp_path / "nowhere.zip")
    with pytest.raises(PublishError, match="已经存在"):
        publish.package(page(1), tmp_path / "dangling.zip")


def zip_with(path, entries: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_only_zips_this_tool_made_count_as_ours(tmp_path):
    listing = publish.manifest_text({"index.html": b"i"}).encode()
    assert publish._is_our_zip(zip_with(tmp_path / "a.zip", {"MANIFEST.sha256": listing, "index.html": b"i"}))
    assert not publish._is_our_zip(zip_with(tmp_path / "b.zip", {"index.html": b"i"}))
    assert not publish._is_our_zip(zip_with(tmp_path / "c.zip", {"MANIFEST.sha256": listing}))
    other = publish.manifest_text({"index.html": b"i", "a.html": b"a"}).encode()
    assert not publish._is_our_zip(zip_with(tmp_path / "d.zip", {"MANIFEST.sha256": other, "index.html": b"i"}))
    no_index = publish.manifest_text({"index.html": b"i"}).replace("index.html", "a.html").encode()
    assert not publish._is_our_zip(zip_with(tmp_path / "e.zip", {"MANIFEST.sha256": no_index, "a.html": b"i"}))
    assert not publish._is_our_zip(zip_with(tmp_path / "f.zip", {"MANIFEST.sha256": b"garbage", "index.html": b""}))
    assert not publish._is_our_zip(zip_with(tmp_path / "g.zip", {"MANIFEST.sha256": b"\xff", "index.html": b""}))
    assert not publish._is_our_zip(tmp_path / "missing.zip")


def assets_site(n: int, *assets: str) -> dict[str, bytes]:
    return {"index.html": f"<title>{n}</title>".encode(), **{f"assets/{a}": a.encode() for a in assets}}


def listed(release) -> dict[str, str]:
    return publish._parse_manifest((release / "MANIFEST.sha256").read_text(encoding="utf-8"), "M")


def comments(release) -> list[str]:
    return [line for line in (release / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines() if line[0] == "#"]


def test_a_new_release_carries_the_assets_of_the_one_it_replaces(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(assets_site(1, "style.a1.css", "app.j1.js"), dest)
    v2 = publish.publish(assets_site(2, "style.b2.css", "app.j1.js"), dest, note="检查未通过")
    release = dest / "releases" / v2
    assert (release / "assets" / "style.a1.css").read_bytes() == b"style.a1.css"
    assert comments(release) == ["# 检查未通过", f"# carried over from {v1}: assets/style.a1.css"]
    assert sorted(listed(release)) == ["assets/app.j1.js", "assets/style.a1.css", "assets/style.b2.css", "index.html"]
    publish.verify(release)
    # only a release's own assets travel on: v3 gets v2's, not the v1 style v2 carried
    v3 = publish.publish(assets_site(3, "style.c3.css"), dest)
    assert comments(dest / "releases" / v3) == [
        f"# carried over from {v2}: assets/app.j1.js",
        f"# carried over from {v2}: assets/style.b2.css",
    ]
    assert not (dest / "releases" / v3 / "assets" / "style.a1.css").exists()
    # going back, v2 gets the style of the v3 it replaces
    assert publish.rollback(dest) == v2
    assert (release / "assets" / "style.c3.css").read_bytes() == b"style.c3.css"
    assert comments(release)[-1] == f"# carried over from {v3}: assets/style.c3.css"
    assert "assets/style.c3.css" in listed(release)
    publish.verify(release)
    assert not [p for p in (dest / "releases").iterdir() if p.name.startswith(".")]


def test_damaged_or_unlisted_assets_are_not_carried(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish({**assets_site(1, "a.css", "b.css"), "static/old.css": b"x", "assetsx/c.css": b"c"}, dest)
    (dest / "releases" / v1 / "assets" / "a.css").write_bytes(b"tampered")
    (dest / "releases" / v1 / "assets" / "unlisted.css").write_bytes(b"u")
    v2 = publish.publish(assets_site(2), dest)
    assert comments(dest / "releases" / v2) == [f"# carried over from {v1}: assets/b.css"]
    (dest / "releases" / v2 / "MANIFEST.sha256").write_text("damaged\n", encoding="utf-8")
    v3 = publish.publish(assets_site(3), dest)
    assert comments(dest / "releases" / v3) == []


def test_own_assets_are_read_from_the_manifest(tmp_path):
    release = site_folder(
        tmp_path / "r", {"index.html": b"i", "assets/a.css": b"a", "assets/b.css": b"b", "assets/c.css": b"c"}
    )
    text = publish.manifest_text(release)
    (release / "z.css").write_bytes(b"z")
    (release / "assets" / "z.css").write_bytes(b"z")
    text = (
        f"# carried over from x: assets/b.css\n{text}"
        f"{sha(b'z')}  assets/../z.css\n{sha(b'z')}  assets//z.css\n{sha(b'z')}  assets/./../z.css\n"
    )
    (release / "MANIFEST.sha256").write_text(text, encoding="utf-8")
    assert publish._own_assets(release, set()) == {"assets/a.css": b"a", "assets/c.css": b"c"}
    assert publish._own_assets(release, {"assets/a.css"}) == {"assets/c.css": b"c"}
    assert publish._own_assets(release, {"assets/a.css": "x", "assets/c.css": "y"}) == {}
    (release / "assets" / "a.css").unlink()
    assert publish._own_assets(release, set()) == {"assets/c.css": b"c"}
    assert publish._own_assets(tmp_path / "none", set()) == {}
    assert publish._carried_paths("# carried over from v1: assets/a.css\n# carried over from v1\n# note: x\n") == {
        "assets/a.css"
    }
    assert publish._carried_paths("# carried over from v1: assets/a: b: c.css\n") == {"assets/a: b: c.css"}


def test_an_interrupted_rollback_leaves_files_the_next_one_lists(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    v1 = publish.publish(assets_site(1, "a.css"), dest)
    v2 = publish.publish(assets_site(2, "b.css"), dest)
    release = dest / "releases" / v1
    # the asset was put in place, the manifest not yet
    (release / "assets" / "b.css").write_bytes(b"b.css")
    with pytest.raises(PublishError, match="多出 assets/b.css"):
        publish.verify(release)
    publish.verify(release, leftovers={"assets/b.css": sha(b"b.css")})
    with pytest.raises(PublishError, match="多出 assets/b.css"):
        publish.verify(release, leftovers={"assets/b.css": sha(b"other")})
    with pytest.raises(PublishError, match="多出 assets/b.css"):
        publish.verify(release, leftovers={"assets/c.css": sha(b"b.css")})
    assert publish.rollback(dest) == v1
    assert comments(release) == [f"# carried over from {v2}: assets/b.css"]
    publish.verify(release)
    # a leftover with other content is replaced by the real one
    v3 = publish.publish(assets_site(3, "c.css"), dest)
    (dest / "releases" / v1 / "assets" / "c.css").write_bytes(b"half")
    with pytest.raises(PublishError, match="多出 assets/c.css"):
        publish.rollback(dest)
    (dest / "releases" / v1 / "assets" / "c.css").write_bytes(b"c.css")
    assert publish.rollback(dest) == v1
    assert comments(release) == [f"# carried over from {v2}: assets/b.css", f"# carried over from {v3}: assets/c.css"]
    assert (release / "assets" / "c.css").stat().st_mode & 0o777 == 0o644


def test_adopted_assets_replace_a_half_written_leftover_and_make_their_folders(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest, note="检查未通过")
    release = dest / "releases" / v1
    old = os.umask(0)
    try:
        publish._adopt_assets(dest, release, "v9", {"assets/fonts/a.woff2": b"font", "assets/x.css": b"x"})
    finally:
        os.umask(old)
    assert (release / "assets" / "fonts" / "a.woff2").read_bytes() == b"font"
    assert (release / "assets" / "fonts").stat().st_mode & 0o777 == 0o755
    assert (release / "assets" / "fonts" / "a.woff2").stat().st_mode & 0o777 == 0o644
    assert (release / "MANIFEST.sha256").stat().st_mode & 0o777 == 0o644
    assert comments(release) == [
        "# 检查未通过",
        "# carried over from v9: assets/fonts/a.woff2",
        "# carried over from v9: assets/x.css",
    ]
    publish.verify(release)
    (release / "assets" / "y.css").write_bytes(b"half")
    publish._adopt_assets(dest, release, "v8", {"assets/y.css": b"y"})
    assert (release / "assets" / "y.css").read_bytes() == b"y"
    publish.verify(release)
    publish._adopt_assets(dest, release, "v7", {})
    assert comments(release)[-1] == "# carried over from v8: assets/y.css"
    assert not [p for p in (dest / "releases").iterdir() if p.name.startswith(".")]


def test_a_full_disk_during_a_rollback_is_named_as_such(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    publish.publish(assets_site(1, "a.css"), dest)
    publish.publish(assets_site(2, "b.css"), dest)
    real = Path.write_bytes

    def full(self, data):
        if self.name.startswith(".put-"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"无法写入发布文件夹 {dest}：磁盘已满（No space left on device）"


def test_a_history_that_cannot_even_be_opened_is_not_fatal(tmp_path, monkeypatch):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    monkeypatch.setattr(publish.secrets, "token_hex", lambda n: "fixed")
    (dest / ".history.tmp-fixed").mkdir()
    v2 = publish.publish(page(2), dest)
    assert current_of(dest) == f"releases/{v2}"
    assert history_of(dest) == [v1]


def test_publishing_after_a_lost_history_keeps_the_earlier_releases_in_it(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    v2 = publish.publish(page(2), dest)
    (dest / "history").unlink()
    v3 = publish.publish(page(3), dest)
    assert history_of(dest) == [v1, v2, v3]
    assert publish.rollback(dest) == v2


def test_rollback_needs_a_live_release_and_its_folder(tmp_path):
    dest = tmp_path / "srv"
    publish.publish(page(1), dest)
    publish.publish(page(2), dest)
    (dest / "current").unlink()
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{dest} 还没有发布过网站，无法退回"
    other = tmp_path / "other"
    other.mkdir()
    (other / "current").symlink_to("releases/x")
    with pytest.raises(PublishError) as error:
        publish.rollback(other)
    assert str(error.value) == f"{other} 还没有发布过网站，无法退回"


def test_rollback_to_a_release_with_a_damaged_manifest_names_it(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    publish.publish(page(2), dest)
    manifest = dest / "releases" / v1 / "MANIFEST.sha256"
    manifest.write_text("damaged\n", encoding="utf-8")
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{manifest} 第 1 行格式不对，校验文件已损坏"


def test_leftovers_of_a_publish_killed_half_way_are_removed(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(page(1), dest)
    releases = dest / "releases"
    (releases / ".incoming-x" / "sub").mkdir(parents=True)
    (releases / ".incoming-file").write_text("")
    (tmp_path / "elsewhere").mkdir()
    (releases / ".incoming-link").symlink_to(tmp_path / "elsewhere")
    (dest / ".current.tmp-1").symlink_to(f"releases/{v1}")
    (dest / ".current.tmp-2").write_text("")
    v2 = publish.publish(page(2), dest)
    assert sorted(p.name for p in releases.iterdir()) == [".incoming-file", ".incoming-link", v1, v2]
    assert sorted(p.name for p in dest.iterdir()) == [".current.tmp-2", "current", "history", "releases"]
    assert (tmp_path / "elsewhere").is_dir()


# --- more of what a clerk writes ------------------------------------------------------------


def test_document_numbers_in_running_text_are_checked():
    found = wording([("a.md", 7, "依据工作通知[2024]11号、（2023） 5 号和〔24〕3号办理")], ())
    assert found == [
        ("wording", "a.md", 7, "发文字号「[2024]11号」应写作「〔2024〕11号」（六角括号）"),
        ("wording", "a.md", 7, "发文字号「（2023） 5 号」应写作「〔2023〕5号」（六角括号）"),
        ("wording", "a.md", 7, "发文字号「〔24〕3号」的年份应写全四位，如「〔2024〕3号」"),
    ]
    assert wording([("a.md", 1, "工作通知〔2024〕11号")], ()) == []


def test_markdown_with_empty_front_matter():
    assert checks._markdown_text("---\n---\n正文\n", "n.md") == [("n.md", 3, "正文"), ("n.md", 4, "")]


DEPTH = "内容嵌套的层次太多（列表或缩进套了超过 50 层），不像是要写的内容；请检查是否误粘贴了大量「[」「-」或空格"


def test_deeply_nested_yaml_is_refused_at_the_line_where_it_gets_deep():
    assert problems_of("a: 1\nb: " + "[" * 3000 + "]" * 3000 + "\n", 3) == [("content/x.yaml", 4, DEPTH)]
    # unclosed as well: refused before either parser composes it
    assert problems_of("a: 1\nb: " + "[" * 3000 + "\n", 3) == [("content/x.yaml", 4, DEPTH)]


def test_a_paragraph_too_costly_to_render_is_refused_at_its_line():
    text = "a: 1\nb: |\n  正文\n\n  " + "`" * 201 + "\n"
    assert problems_of(text) == [
        (
            "content/x.yaml",
            5,
            "这一段里的「`」太多（超过 200 个），网站生成会非常慢；请检查是否误粘贴了大量符号，或把这一段拆成几段",
        )
    ]


def test_a_misspelt_key_stands_for_its_nearest_field_only():
    record = schema.Record({"title": schema.Text(), "titles": schema.Text()})
    problems = Problems()
    record.read(parse_yaml("titel: x\n", "content/x.yaml"), problems)
    assert [p.message for p in problems.items] == [
        "不认识的键「titel」。是不是想写「title」？这里可以写的键有：title、titles",
        "缺少「titles」，这一项必须填写",
    ]


def test_rollback_to_a_release_that_lost_its_manifest(tmp_path):
    dest = tmp_path / "srv"
    v1 = publish.publish(assets_site(1, "a.css"), dest)
    publish.publish(assets_site(2, "b.css"), dest)
    (dest / "releases" / v1 / "MANIFEST.sha256").unlink()
    with pytest.raises(PublishError) as error:
        publish.rollback(dest)
    assert str(error.value) == f"{dest / 'releases' / v1} 里没有校验文件 MANIFEST.sha256，无法确认文件完整"


# --------------------------------------------------------------------------- what a page read (incremental.record)


def test_a_list_shown_or_hidden_by_whether_it_is_empty_depends_on_its_length():
    """`{% if site.news %}`: the page is rendered again when the list becomes empty or not."""
    from campaign.incremental.record import LENGTH, RecordingItems, recording

    for items, shown in (((), False), (("a",), True), (("a", "b"), True)):
        with recording() as recorder:
            assert bool(RecordingItems(items, "news")) is shown, items
        assert recorder.reads == {("news", LENGTH)}


def test_a_list_walked_backwards_depends_on_every_item_and_its_length():
    from campaign.incremental.record import LENGTH, RecordingItems, recording

    with recording() as recorder:
        assert list(reversed(RecordingItems(("a", "b", "c"), "events"))) == ["c", "b", "a"]
    assert recorder.reads == {("events", LENGTH), ("events", 0), ("events", 1), ("events", 2)}


def test_an_item_read_by_position_and_one_that_is_not_there():
    from campaign.incremental.record import LENGTH, RecordingItems, recording

    items = RecordingItems(("a", "b"), "events")
    with recording() as recorder:
        assert (items[-2], items[1]) == ("a", "b")
        assert recorder.reads == {("events", -2), ("events", 1)}
        for missing in (2, -3):
            with pytest.raises(IndexError) as error:
                items[missing]
            assert error.value.args == (missing,)
        assert recorder.reads == {("events", -2), ("events", 1), ("events", LENGTH)}  # the error depends on the length
        assert items[0:5] == ("a", "b")
        with pytest.raises(TypeError) as error:
            items["launch"]
    assert str(error.value) == "events is indexed by position, not by 'launch'"


def test_a_list_compared_searched_or_joined_whole_depends_on_every_item():
    from campaign.incremental.record import LENGTH, RecordingItems, recording

    items = RecordingItems(("a", "b"), "news")
    with recording() as recorder:
        assert ("b" in items, "c" in items) == (True, False)
    assert recorder.reads == {("news", LENGTH), ("news", 0), ("news", 1)}
    assert items == ("a", "b") and items != ("a",)
    assert items == RecordingItems(("a", "b"), "news") and items != RecordingItems(("a",), "news")
    assert hash(items) == hash(("a", "b"))
    assert (items + ["c"], ("z",) + items) == (("a", "b", "c"), ("z", "a", "b"))
    assert (items.index("b"), items.count("a"), items.count("c")) == (1, 1, 0)


def test_what_one_rendering_records_is_its_own_and_nothing_is_recorded_outside_one():
    """Each output's recorder is the current one only inside its `recording()`; nested renderings
    (none today, but a page that renders another) keep their reads apart, and the outer one resumes."""
    from campaign.incremental.record import RecordingSite, record_use, recording

    site = RecordingSite(SimpleNamespace(contact="电话", notice="通知", events=("launch",)))
    assert site.contact == "电话"  # outside a rendering: read, but recorded nowhere
    record_use(("template", "base.html"))
    with recording() as outer:
        assert site.contact == "电话"
        with recording() as inner:
            assert site.notice == "通知" and list(site.events) == ["launch"]
            record_use(("asset", "style.css"))
        record_use(("template", "index.html"))
    assert (outer.reads, outer.uses) == ({("contact",)}, {("template", "index.html")})
    assert inner.reads == {("notice",), ("events", "#length"), ("events", 0)}
    assert inner.uses == {("asset", "style.css")}
    with pytest.raises(AttributeError):
        site.contact = "改"


def test_what_a_rebuild_compares_of_each_recorded_key():
    from campaign.incremental.record import LENGTH, MISSING, changed_keys, read_key

    old = SimpleNamespace(contact="电话", events=("launch", "quiz"))
    new = SimpleNamespace(contact="电话", events=("launch", "lecture", "quiz"))
    assert read_key(old, ("contact",)) == "电话"
    assert (read_key(old, ("events", 1)), read_key(old, ("events", -1)), read_key(old, ("events", LENGTH))) == (
        "quiz",
        "quiz",
        2,
    )
    assert read_key(old, ("events", 2)) is MISSING  # an item appended since
    assert read_key(old, ("pledges",)) is MISSING and read_key(old, ("pledges", 0)) is MISSING
    keys = {("contact",), ("events", 0), ("events", 1), ("events", 2), ("events", LENGTH)}
    assert changed_keys(old, new, keys) == {("events", 1), ("events", 2), ("events", LENGTH)}
    assert changed_keys(new, new, keys) == frozenset()


# --------------------------------------------------------------------------- the schedule's days (render.pages)


def schedule_site(themes, events) -> SimpleNamespace:
    """What `_schedule_days` reads of a site: the themes' dates and the events' days."""
    return SimpleNamespace(
        campaign=SimpleNamespace(themes=[SimpleNamespace(start=start, end=end) for start, end in themes]),
        events=[SimpleNamespace(id=id, date=day, end_date=last) for id, day, last in events],
    )


def test_the_schedule_has_every_day_of_the_week_and_each_days_own_events():
    from campaign.render.pages import _schedule_days

    may = lambda day: dt.date(2024, 5, day)  # noqa: E731
    site = schedule_site(
        [(may(13), may(19)), (may(15), may(15))],
        [("launch", may(14), None), ("week-long", may(13), may(19)), ("late", may(21), None), ("also", may(14), None)],
    )
    days = [(day["date"], [e.id for e in day["events"]]) for day in _schedule_days(site)]
    assert days == [
        (may(13), []),
        (may(14), ["launch", "also"]),
        *[(may(day), []) for day in range(15, 20)],
        (may(21), ["late"]),  # after the week: its own day only
    ]


def test_a_week_not_filled_in_yet_shows_the_days_of_the_events_only():
    """A new edition's themes say 待填写 for their dates: no day is made up for them."""
    from campaign.render.pages import _schedule_days

    start, end = PendingDate("待填写：开始日期"), PendingDate("待填写：结束日期")
    events = [("launch", dt.date(2025, 5, 14), None)]
    for themes in ([(start, end)], [(dt.date(2025, 5, 12), end)]):
        days = [(day["date"], [e.id for e in day["events"]]) for day in _schedule_days(schedule_site(themes, events))]
        assert days == [(dt.date(2025, 5, 14), ["launch"])], themes


# --------------------------------------------------------------------------- a delivered photo (render.photos)


def _drawing(mode: str = "L") -> bytes:
    """A QR-code-like drawing saved as PNG in few colours: delivered as PNG, not as a photo."""
    from PIL import ImageDraw

    picture = Image.new(mode, (300, 300), 255 if mode == "L" else 1)
    ImageDraw.Draw(picture).rectangle((20, 20, 100, 100), fill=0)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_a_drawing_is_delivered_as_a_small_png_with_its_own_pixels():
    from campaign.render import photos

    for mode in ("L", "1"):
        made = photos.make(_drawing(mode), 300, 300, "png", "wenjuan.png")
        with Image.open(io.BytesIO(made)) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "L", (300, 300))
            assert (image.getpixel((50, 50)), image.getpixel((200, 200))) == (0, 255)
            smallest = io.BytesIO()
            image.save(smallest, "PNG", optimize=True)
        assert len(made) <= len(smallest.getvalue()), "not as small as Pillow makes it"


def test_a_photo_under_the_budget_is_a_progressive_jpeg_at_quality_80():
    """Progressive: on a slow phone connection the photo shows at once, then sharpens."""
    from campaign.render import photos

    source = Image.effect_noise((800, 600), 10).convert("RGB")
    data = io.BytesIO()
    source.save(data, "JPEG", quality=95)
    made = photos.make(data.getvalue(), 800, 600, "jpeg", "ride.jpg")
    reference = io.BytesIO()
    Image.new("RGB", (8, 8)).save(reference, "JPEG", quality=80)
    with Image.open(io.BytesIO(made)) as image, Image.open(reference) as quality_80:
        assert (image.format, image.size, image.info.get("progressive")) == ("JPEG", (800, 600), 1)
        assert image.quantization == quality_80.quantization


def test_a_photo_that_cannot_be_made_says_why_and_how_to_fix_it():
    from campaign.render import photos

    whole = io.BytesIO()
    Image.effect_noise((400, 300), 40).convert("RGB").save(whole, "JPEG", quality=90)
    drawing = bytearray(_drawing())
    idat = drawing.index(b"IDAT")
    drawing[idat + 10 : idat + 20] = bytes(10)  # damaged in the middle of its pixels
    cases = {
        "cut.jpg": (whole.getvalue()[: len(whole.getvalue()) // 2], "jpeg"),
        "qr.png": (bytes(drawing), "png"),
        "notes.jpg": (b"\xff\xd8\xff" + bytes(100), "jpeg"),
    }
    said = {}
    for name, (data, format) in cases.items():
        with pytest.raises(photos.PhotoTrouble) as error:
            photos.make(data, 400, 300, format, name)
        said[name] = str(error.value)
    assert said == {
        "cut.jpg": "照片「cut.jpg」不完整（只有前面一部分，可能是拷贝或传输时中断了）；请从手机或原始位置重新拷贝一次",
        "qr.png": "照片「qr.png」不完整（只有前面一部分，可能是拷贝或传输时中断了）；请从手机或原始位置重新拷贝一次",
        "notes.jpg": "「notes.jpg」不是能识别的图片（可能已经损坏，或是别的文件改了扩展名）；请用看图软件打开确认，再另存为 JPG",
    }


# --------------------------------------------------------------------------- a photo's header (load.media)


def _picture(format: str, mode: str = "RGB", size=(40, 30), orientation=None, raw_exif: bytes | None = None) -> bytes:
    """A small picture as saved by some program, with an EXIF orientation (any value) or raw EXIF."""
    out = io.BytesIO()
    extra = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif
    if raw_exif is not None:
        extra["exif"] = raw_exif
    Image.new(mode, size).save(out, format, **extra)
    return out.getvalue()


# EXIF (big-endian TIFF) whose one entry, the orientation, is the text "abc" instead of a number
ORIENTATION_AS_TEXT = (
    b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x02\x00\x00\x00\x04abc\x00\x00\x00\x00\x00"
)


def _png_with_exif_after_the_pixels(orientation: int) -> bytes:
    """A PNG whose eXIf chunk follows its pixels (allowed by the format, seen from some tools)."""
    data = _picture("PNG", "L")
    exif = Image.Exif()
    exif[0x0112] = orientation
    body = exif.tobytes()
    chunk = len(body).to_bytes(4, "big") + b"eXIf" + body + zlib_crc(b"eXIf" + body)
    end = data.index(b"IEND") - 4
    return data[:end] + chunk + data[end:]


def zlib_crc(data: bytes) -> bytes:
    import zlib

    return zlib.crc32(data).to_bytes(4, "big")


def test_the_exif_orientation_read_from_the_header():
    from campaign.load import media

    cases = {
        "jpeg without exif": _picture("JPEG"),
        "jpeg 1": _picture("JPEG", orientation=1),
        "jpeg 6": _picture("JPEG", orientation=6),
        "jpeg 8": _picture("JPEG", orientation=8),
        "jpeg 0": _picture("JPEG", orientation=0),
        "jpeg 9": _picture("JPEG", orientation=9),
        "jpeg damaged exif": _picture("JPEG", raw_exif=b"Exif\x00\x00MM\x00*garbage"),
        "jpeg orientation not a number": _picture("JPEG", raw_exif=ORIENTATION_AS_TEXT),
        "png without exif": _picture("PNG", "L"),
        "png 6": _picture("PNG", "L", orientation=6),
        "png 6 after its pixels": _png_with_exif_after_the_pixels(6),
    }
    found = {}
    for name, data in cases.items():
        with Image.open(io.BytesIO(data)) as image:
            found[name] = media.orientation(image)
    assert found == {
        "jpeg without exif": 1,
        "jpeg 1": 1,
        "jpeg 6": 6,
        "jpeg 8": 8,
        "jpeg 0": 1,  # out of range: as if there were none
        "jpeg 9": 1,
        "jpeg damaged exif": 1,
        "jpeg orientation not a number": 1,
        "png without exif": 1,
        "png 6": 6,
        "png 6 after its pixels": 1,  # only what precedes the pixels is read from the header
    }


def test_drawings_are_delivered_as_png_and_photographs_as_jpeg():
    from campaign.load import media

    found = {}
    for format, mode in [("PNG", m) for m in ("1", "L", "LA", "P", "I;16", "RGB", "RGBA")] + [
        ("JPEG", "L"),
        ("JPEG", "RGB"),
        ("WEBP", "RGB"),
    ]:
        head = media.photo_head(_picture(format, mode, orientation=6 if format == "JPEG" else None))
        found[format, mode] = head
    portrait = {"width": 30, "height": 40}  # orientation 6: stored turned by 90°
    landscape = {"width": 40, "height": 30}
    assert found == {
        **{("PNG", mode): {"format": "png", **landscape} for mode in ("1", "L", "LA", "P", "I;16")},
        ("PNG", "RGB"): {"format": "jpeg", **landscape},
        ("PNG", "RGBA"): {"format": "jpeg", **landscape},
        ("JPEG", "L"): {"format": "jpeg", **portrait},
        ("JPEG", "RGB"): {"format": "jpeg", **portrait},
        ("WEBP", "RGB"): {"format": "jpeg", **landscape},
    }


def test_a_file_that_is_no_picture_is_named_in_the_message():
    from campaign.load import media

    for name, shown in ((None, "照片"), ("活动.jpg", "活动.jpg")):
        with pytest.raises(media.Unusable) as error:
            media.photo_head(b"not a picture", *([name] if name else []))
        assert str(error.value) == (
            f"「{shown}」不是能识别的图片（可能已经损坏，或是别的文件改了扩展名）；请用看图软件打开确认，再另存为 JPG"
        )

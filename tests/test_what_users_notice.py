"""What users notice: the print shop's ruler, the A4 sheet, the theme line, a page opened from a
USB stick, a rollback, the inspector's calendar, a calendar app, and yesterday's status badges.

Each test here was written against a small bug planted in the generator that the rest of the
suite let through (QA's list). Each asserts what a person would see, at the boundary value,
through the real parts: the real command line on a copy of the project, the zxing-cpp decoder
for printed codes, the icalendar parser for calendar files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import posixpath
import re
from pathlib import Path

import icalendar
import pytest
import yaml
import zxingcpp
from PIL import Image
from sitecopy import (
    DECIDED_ORIGIN,
    EDITION,
    REPO,
    SAMPLE_ORIGIN,
    copy_site,
    decide_address,
    decided_build,
    key_line,
    line_of,
    read,
    run_build,
    shipped_copy,
    snapshot,
    write,
)

from campaign.render import dates

POSTERS_FILE = "content/posters.yaml"
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
POSTERS = yaml.safe_load((REPO / POSTERS_FILE).read_text(encoding="utf-8"))["posters"]
RULES = yaml.safe_load((REPO / "content/inspection.yaml").read_text(encoding="utf-8"))["rules"]
BASE_URL = CONFIG["base_url"]
# Where a poster hangs -> how far away people scan it, in metres (the notice's rule of thumb:
# the code is at least a tenth of the scanning distance, and never under 20 mm).
DISTANCE_M = {"桌牌": 0.5, "电梯门": 1.0, "宣传栏": 1.5, "走廊墙面": 2.0}
MM_PER_INCH = 25.4
DURING = "2024-05-14T09:00"


def required_mm(poster: dict) -> float:
    return max(20.0, DISTANCE_M[poster["placement"]] * 1000 / 10)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The shipped project built as of the campaign's second day, without poster PDFs."""
    out = tmp_path_factory.mktemp("shipped") / "output"
    result = run_build(shipped_copy(), "--no-pdf", "--out", str(out), "--as-of", DURING)
    assert result.returncode == 0, result.stderr
    return out / EDITION


# --------------------------------------------------------------------------- 1. the print-shop PNG


def decode_print_file(path: Path):
    """The PNG as a print shop receives it: its dpi, and the one code zxing-cpp finds in it."""
    image = Image.open(path)
    dpi = image.info["dpi"]
    assert dpi == pytest.approx((300, 300), abs=0.01), "the file must say 300 dpi, or it prints at another size"
    [code] = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return image, code, dpi[0]


def symbol_geometry(image: Image.Image, code) -> tuple[int, int, float]:
    """(modules across the symbol, pixels across it, pixels per module), from the decoded corners.

    zxing-cpp gives the symbol's outer corners; the symbol is square and unrotated here, so its
    width is the same along the top and the bottom edge and equals its height.
    """
    p = code.position
    width = p.top_right.x - p.top_left.x
    assert p.bottom_right.x - p.bottom_left.x == width and p.bottom_left.y - p.top_left.y == width
    modules = 17 + 4 * int(code.extra["Version"])
    return modules, width, width / modules


def assert_print_file_is_big_enough(path: Path, address: str, needed_mm: float) -> float:
    """The code in `path` leads to `address`, prints at least `needed_mm` wide, and no bigger than
    whole pixels per module require; returns its printed width in millimetres."""
    image, code, dpi = decode_print_file(path)
    assert code.text == address
    modules, width_px, module_px = symbol_geometry(image, code)
    assert module_px == int(module_px), "whole pixels per module, or the printer blurs the edges"
    printed_mm = width_px / dpi * MM_PER_INCH
    assert printed_mm >= needed_mm, f"{path.parent.name}: the code prints {printed_mm:.2f} mm, needs {needed_mm:g} mm"
    smaller_mm = (module_px - 1) * modules / dpi * MM_PER_INCH
    assert smaller_mm < needed_mm, f"one pixel less per module ({smaller_mm:.2f} mm) would still do"
    # and the 4-module quiet zone of blank paper on every side, no more
    quiet = 4 * module_px
    assert (p := code.position).top_left.x == quiet and p.top_left.y == quiet
    assert image.size == (width_px + 2 * quiet, width_px + 2 * quiet)
    return printed_mm


@pytest.mark.parametrize("poster", POSTERS, ids=[p["id"] for p in POSTERS])
def test_print_shop_png_code_is_at_least_the_size_its_placement_needs(poster):
    """The file a print shop gets once the address is decided (a sample's is framed in red)."""
    path = decided_build() / EDITION / "posters" / poster["id"] / "qr-300dpi.png"
    decided = BASE_URL.replace(SAMPLE_ORIGIN, DECIDED_ORIGIN)
    assert_print_file_is_big_enough(path, f"{decided}go/{poster['link']}/", required_mm(poster))


def test_print_shop_png_at_the_pixel_boundary(tmp_path):
    """A long production address makes every code version 15 (77 modules). The 宣传栏 poster
    needs 150 mm = 1771.65 px at 300 dpi: 23 px a module give 1771 px (149.94 mm, too small by
    less than a pixel), so it takes 24 px a module, 1848 px."""
    root = copy_site(tmp_path / "site")
    base = f"{DECIDED_ORIGIN}/" + "zwgk/" * 31 + "jnxcz/2024/"
    config = read(root, "config.yaml")
    write(root, "config.yaml", config.replace(f"base_url: {BASE_URL}\n", f"base_url: {base}\n", 1))
    result = run_build(root, "--no-pdf")
    assert result.returncode == 0, result.stderr
    [poster] = [p for p in POSTERS if p["placement"] == "宣传栏"]
    path = root / "output" / EDITION / "posters" / poster["id"] / "qr-300dpi.png"
    image, code, dpi = decode_print_file(path)
    assert code.extra["Version"] == "15", "the premise: a 77-module symbol"
    assert 23 * 77 < required_mm(poster) / MM_PER_INCH * dpi < 23 * 77 + 1, "the premise: short by under a pixel"
    printed = assert_print_file_is_big_enough(path, f"{base}go/{poster['link']}/", required_mm(poster))
    assert symbol_geometry(image, code)[1:] == (24 * 77, 24)
    assert printed == pytest.approx(1848 / 300 * 25.4, abs=0.01)


# --------------------------------------------------------------------------- 2. a code taller than the room on its paper


def test_a_code_taller_than_the_room_on_a4_is_refused_at_its_line(tmp_path):
    """A4 leaves 186 mm across but only 169 mm of height for the code; on a 宣传栏 the code is
    150 mm plus its quiet zone, 179 mm: it fits across, not down, and the PDF would overflow."""
    root = copy_site(tmp_path / "site")
    text = read(root, POSTERS_FILE)
    [poster] = [p for p in POSTERS if p["placement"] == "宣传栏" and p["paper"] == "A3"]
    line = line_of(text, f"  - id: {poster['id']}", start=key_line(text, "posters:"))
    text = text.replace(f"link: {poster['link']}\n    paper: A3\n", f"link: {poster['link']}\n    paper: A4\n", 1)
    write(root, POSTERS_FILE, text)
    result = run_build(root, "--no-pdf")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (
        "构建失败：发现 1 处问题，请按提示修改后重新运行。\n"
        f"{POSTERS_FILE}:{line}: 海报「{poster['headline']}」贴在宣传栏，人们约在 1.5 米外扫码，"
        "二维码至少要 150 毫米见方，A4 纸放不下；请改用 A3 纸\n"
        "（output/ 文件夹保持上次成功构建的内容，没有改动。）\n"
    )
    assert not (root / "output").exists()


@pytest.mark.parametrize(
    "depth, version, fits",
    [(15, "11", False), (19, "12", True)],
    ids=["v11-169.67mm-refused", "v12-168.46mm-accepted"],
)
def test_a4_height_boundary_for_a_wall_poster(tmp_path, depth, version, fits):
    """150 mm * 69/61 = 169.67 mm is over the 169.26 mm of A4 height; 150 mm * 73/65 = 168.46 fits."""
    root = copy_site(tmp_path / "site")
    base = "https://www.example.gov.cn/" + "zwgk/" * depth + "jnxcz/2024/"
    write(root, "config.yaml", read(root, "config.yaml").replace(f"base_url: {BASE_URL}\n", f"base_url: {base}\n", 1))
    text = read(root, POSTERS_FILE)
    [poster] = [p for p in POSTERS if p["placement"] == "宣传栏"]
    line = line_of(text, f"  - id: {poster['id']}", start=key_line(text, "posters:"))
    write(
        root,
        POSTERS_FILE,
        text.replace(f"link: {poster['link']}\n    paper: A3\n", f"link: {poster['link']}\n    paper: A4\n"),
    )
    result = run_build(root, "--no-pdf")
    if fits:
        assert result.returncode == 0, result.stderr
        _, code, _ = decode_print_file(root / "output" / EDITION / "posters" / poster["id"] / "qr-300dpi.png")
        assert code.extra["Version"] == version
    else:
        assert result.returncode == 1, result.stdout + result.stderr
        assert (
            f"\n{POSTERS_FILE}:{line}: 海报「{poster['headline']}」贴在宣传栏，人们约在 1.5 米外扫码，"
            "二维码至少要 150 毫米见方，A4 纸放不下；请改用 A3 纸\n"
        ) in result.stderr
        assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- 3. a one-day theme


def test_home_page_theme_dates_exactly(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    themes = re.findall(
        r'<p class="theme-name">([^<]+)</p>\s*<p class="theme-slogan">[^<]+</p>\s*<p class="theme-dates">([^<]+)</p>',
        html,
    )
    assert themes == [
        ("全国节能宣传周", "2024年5月13日至19日"),
        ("重庆市公共机构节能宣传周", "2024年5月13日至19日"),
        ("全国低碳日", "2024年5月15日 星期三"),  # one day: its date and weekday, never 「15日至15日」
    ]


@pytest.mark.parametrize(
    "start, end, shown",
    [
        ("2024-05-15", "2024-05-15", "2024年5月15日 星期三"),
        ("2024-05-15", None, "2024年5月15日 星期三"),
        ("2024-05-15", "2024-05-16", "2024年5月15日至16日"),
        ("2024-05-31", "2024-06-01", "2024年5月31日至6月1日"),
        ("2024-12-31", "2025-01-01", "2024年12月31日至2025年1月1日"),
    ],
)
def test_date_spans_at_their_boundaries(start, end, shown):
    assert dates.cn_span(dt.date.fromisoformat(start), end and dt.date.fromisoformat(end)) == shown


# --------------------------------------------------------------------------- 4. offline links to the home page


def test_offline_links_to_the_home_page_name_index_html(tmp_path):
    """Opened from disk, a link to a folder shows a file listing; every way home must name the file."""
    root = copy_site(tmp_path / "site")
    text = read(root, POSTERS_FILE)
    assert "    target: page:quiz\n" in text
    write(
        root,
        POSTERS_FILE,
        text.replace("    target: page:quiz\n", "    target: page:quiz\n  - id: home\n    target: page:home\n", 1),
    )
    offline = run_build(root, "--offline", "--no-pdf")
    assert offline.returncode == 0, offline.stderr
    online = run_build(root, "--no-pdf")
    assert online.returncode == 0, online.stderr

    out = root / "output-offline" / EDITION
    go_home = (out / "go/home/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../index.html">' in go_home
    assert '<p class="lead">正在为您打开：<a href="../../index.html">网站首页</a></p>' in go_home
    assert (out / "go/home/../../index.html").resolve() == (out / "index.html").resolve()
    go_schedule = (out / "go/schedule/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../../schedule/index.html">' in go_schedule

    checked = 0
    for page in sorted(out.rglob("*.html")):
        relative = page.relative_to(out).as_posix()
        html = page.read_text(encoding="utf-8")
        home = posixpath.relpath("index.html", posixpath.dirname(relative) or ".")
        if not re.fullmatch(r"posters/[^/]+/index\.html", relative):  # a printable poster has no site header
            assert re.findall(r'<p class="site-name"><a href="([^"]*)">', html) == [home], relative
        for target in re.findall(r'(?:href|src)="([^"#:]*)"', html) + re.findall(r'content="0; url=([^"]*)"', html):
            assert target and not target.endswith("/") and target != ".", f"{relative}: folder link {target!r}"
            checked += 1
    assert checked > 400

    # online, the stable address leads to the production home page
    go_online = (root / "output" / EDITION / "go/home/index.html").read_text(encoding="utf-8")
    assert f'<meta http-equiv="refresh" content="0; url={BASE_URL}">' in go_online


# --------------------------------------------------------------------------- 5. a hand-edited page in output/
# Covered by tests/test_rebuild_equals_clean.py::test_a_page_changed_by_hand_is_put_right_by_the_next_rebuild
# (same size, same date, one digit changed; the rebuild must restore it byte for byte).


# --------------------------------------------------------------------------- 6. rollback with several releases


def test_rollback_goes_back_one_release_at_a_time(tmp_path):
    root = decide_address(copy_site(tmp_path / "site"))
    dest = tmp_path / "srv"
    config = read(root, "config.yaml")
    assert "\ntitle: 江北区" in config
    for number in (1, 2, 3):
        write(root, "config.yaml", config.replace("\ntitle: 江北区", f"\ntitle: 第{number}版江北区", 1))
        result = run_build(root, "publish", str(dest), "--no-pdf", "--as-of", DURING)
        assert result.returncode == 0, result.stderr
    ids = sorted(p.name for p in (dest / "releases").iterdir())
    assert len(ids) == 3

    def live() -> tuple[str, str]:
        title = re.search(
            r"<title>第(\d)版", (dest / "current" / EDITION / "index.html").read_text(encoding="utf-8")
        ).group(1)
        return os.readlink(dest / "current"), title

    assert live() == (f"releases/{ids[2]}", "3")
    for back_to, title in ((1, "2"), (0, "1")):
        result = run_build(root, "publish", str(dest), "--rollback")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"已退回到上一个版本 {ids[back_to]}（{dest}）\n"
        assert live() == (f"releases/{ids[back_to]}", title)
    result = run_build(root, "publish", str(dest), "--rollback")
    assert result.returncode == 4
    assert result.stderr == f"发布失败：{dest} 里没有比当前版本（{ids[0]}）更早的版本，无法退回\n"
    assert live() == (f"releases/{ids[0]}", "1")
    assert sorted(p.name for p in (dest / "releases").iterdir()) == ids, "a rollback deletes nothing"


# --------------------------------------------------------------------------- 7. freshness at its threshold


NEWS = "content/news/2024-05-09-huodong-anpai.md"
FRESHNESS = next(rule for rule in RULES if rule["id"] == "freshness")


def test_news_exactly_threshold_days_old_is_fresh_one_day_more_is_a_veto(tmp_path):
    threshold = FRESHNESS["threshold"]
    assert threshold == 14
    title = FRESHNESS["title"]
    root = copy_site(tmp_path / "site")
    text = read(root, NEWS)
    line = key_line(text, "date:")
    last_day = dt.date(2024, 5, 19)  # the campaign's last day: freshness is checked during the week

    def check(news_day: dt.date, moment: str):
        write(root, NEWS, text.replace(text.split("\n")[line - 1], f"date: {news_day.isoformat()}", 1))
        result = run_build(root, "check", "--no-pdf", "--as-of", moment)
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    # exactly `threshold` days old, at the last minute of the day
    fresh = check(last_day - dt.timedelta(days=threshold), "2024-05-19T23:59")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert rule_block(fresh.stdout, title) == f"【单项否决】{title}：未发现问题\n依据：{FRESHNESS['citation']}"
    assert "天未更新" not in fresh.stdout

    # one day more, at the first minute of the day
    stale = check(last_day - dt.timedelta(days=threshold + 1), "2024-05-19T00:00")
    assert stale.returncode == 5, stale.stdout + stale.stderr
    assert rule_block(stale.stdout, title) == (
        f"【单项否决】{title}：发现 1 处问题\n依据：{FRESHNESS['citation']}\n"
        f"  - {NEWS}:{line}: 「活动动态」最新一条信息发布于 2024年5月4日，到检查日 2024年5月19日 已 15 天，"
        "超过 14 天未更新"
    )


def rule_block(stdout: str, title: str) -> str:
    """The check report's block for one rule (blocks are separated by a blank line)."""
    [block] = [block for block in stdout.split("\n\n") if block.startswith(f"【单项否决】{title}：")]
    return block


# --------------------------------------------------------------------------- 8. calendar text escaping


def unfolded(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def rfc5545_text(value: str) -> str:
    """TEXT as RFC 5545, 3.3.11 writes it: backslash, semicolon, comma and newline escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def test_calendar_text_keeps_commas_semicolons_backslashes_and_newlines(tmp_path):
    root = copy_site(tmp_path / "site")
    schedule = "content/schedule.yaml"
    text = read(root, schedule)
    event_id = "chuanyu-launch-ceremony"
    start = line_of(text, f"  - id: {event_id}")
    title = "川渝启动仪式, 第一场; 路径 C:\\节能\\2024"
    summary = "第一行, 含逗号; 含分号 \\ 含反斜杠\n第二行"
    place = "重庆市荣昌区, 会议中心; 北楼\\201室"
    host = "重庆市机关事务管理局, 办公室"
    replacements = {
        "    title:": f"    title: {yaml.safe_dump(title, allow_unicode=True, default_style=chr(34)).strip()}",
        "    place:": f"    place: {yaml.safe_dump(place, allow_unicode=True, default_style=chr(34)).strip()}",
        "    summary:": f"    summary: {yaml.safe_dump(summary, allow_unicode=True, default_style=chr(34), width=1000).strip()}",
        "      - 重庆市机关事务管理局": f"      - {yaml.safe_dump(host, allow_unicode=True, default_style=chr(34)).strip()}",
    }
    lines = text.split("\n")
    for prefix, new in replacements.items():
        number = key_line(text, prefix, start=start)
        lines[number - 1] = new
    write(root, schedule, "\n".join(lines))
    result = run_build(root, "--no-pdf", "--as-of", DURING)
    assert result.returncode == 0, result.stderr

    page = f"{BASE_URL}events/{event_id}/"
    description = f"{summary}\n主办：{host}、四川省机关事务管理局\n详情：{page}"
    for name in (f"calendar/{event_id}.ics", "calendar/week.ics"):
        data = (root / "output" / EDITION / name).read_bytes()
        [entry] = [e for e in icalendar.Calendar.from_ical(data).walk("VEVENT") if str(e["UID"]).startswith(event_id)]
        assert str(entry["SUMMARY"]) == title
        assert str(entry["DESCRIPTION"]) == description
        assert str(entry["LOCATION"]) == place
        assert [str(c) for c in entry["CATEGORIES"].cats] == ["直播"]
        raw = unfolded(data)
        for key, value in (("SUMMARY", title), ("DESCRIPTION", description), ("LOCATION", place)):
            assert f"{key}:{rfc5545_text(value)}" in raw, key


def test_a_category_label_with_a_comma_stays_one_category(tmp_path):
    """No content can name a category (the labels are the generator's), so the label is set here."""
    from campaign import pipeline
    from campaign.context import make_context
    from campaign.render import ics

    root = copy_site(tmp_path / "site")
    ctx = make_context(root, dt.datetime(2024, 5, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))), disk_cache=False)
    site = pipeline.load(ctx)
    label = "宣传,推广; 线上\\线下"

    class Kind(str):  # a kind of event with the awkward label, as the generator could one day name one
        pass

    kind = Kind("publicity")
    kind.label = label  # type: ignore[attr-defined]
    event = dataclasses.replace(site.events[0], kind=kind)
    data = ics.event_file(dataclasses.replace(site, events=(event,)), event)
    [entry] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert [str(c) for c in entry["CATEGORIES"].cats] == [label]
    assert f"CATEGORIES:{rfc5545_text(label)}" in unfolded(data)


# --------------------------------------------------------------------------- 9. the next day's build


# What a reader must see at 2024-05-16 10:00 Beijing time, worked out from the notice's dates.
AT_16_MAY_10 = {
    "address-announcement": ("ended", "已结束"),
    "chongqing-publications": ("today", "今天"),
    "energy-quiz": ("today", "今天"),
    "chuanyu-launch-ceremony": ("ended", "已结束"),
    "low-carbon-day": ("ended", "已结束"),
    "national-special-event": ("live", "正在进行"),
    "report-deadline": ("upcoming", "未开始"),
}


def badges(out: Path) -> dict[str, list]:
    """Every status badge of the home page, the schedule and the event pages, in page order."""
    found = {}
    for name in ("index.html", "schedule/index.html"):
        html = (out / name).read_text(encoding="utf-8")
        found[name] = re.findall(
            r'<li class="event[^"]*" data-event="([a-z0-9-]+)".*?data-status="([a-z]+)">([^<]+)<', html, re.S
        )
    for page in sorted((out / "events").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        found[page.relative_to(out).as_posix()] = re.findall(r'data-status="([a-z]+)">([^<]+)<', html)
    return found


def test_the_next_days_build_moves_every_status_badge(tmp_path):
    daily = copy_site(tmp_path / "daily")
    first = run_build(daily, "--no-pdf", "--as-of", DURING)
    assert first.returncode == 0, first.stderr
    before = badges(daily / "output" / EDITION)
    assert before["events/national-special-event/index.html"] == [("upcoming", "未开始")]

    again = run_build(daily, "--no-pdf", "--as-of", "2024-05-16T10:00")
    assert again.returncode == 0, again.stderr
    clean = copy_site(tmp_path / "clean")
    fresh = run_build(clean, "--no-pdf", "--as-of", "2024-05-16T10:00")
    assert fresh.returncode == 0, fresh.stderr

    rebuilt, expected = badges(daily / "output" / EDITION), badges(clean / "output" / EDITION)
    for page, statuses in expected.items():
        if page.startswith("events/"):
            assert statuses == [AT_16_MAY_10[page.split("/")[1]]], page
        else:
            assert statuses and all((s, label) == AT_16_MAY_10[e] for e, s, label in statuses), page
    assert rebuilt == expected
    home = (daily / "output" / EDITION / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="as-of"[^>]*>更新于 2024年5月16日 星期四 10:00（北京时间）</p>', home)
    assert snapshot(daily / "output") == snapshot(clean / "output")

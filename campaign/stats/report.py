"""Showing the counts: a table for the terminal, a printable HTML page with SVG bars, a CSV for a spreadsheet.

All three say the same, in the same order, and depend only on the counts: the same logs give
the same bytes. A campaign of more than one edition has a first column 届 in the tables of
posters, sections and pages (last year's posters are still scanned). The files go to reports/ (git-ignored, never published); a CSV cell that a
spreadsheet would take for a formula (a referrer is whatever a visitor sent) is kept as text,
full-width ＝ ＋ － ＠ included (Excel and WPS take them for = + - @). No control character
reaches any of the three: a terminal would obey it.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from campaign.render.dates import cn_date
from campaign.stats import logs
from campaign.stats.count import Row, Summary

FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")  # tabs and line breaks are dropped (CONTROL)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
Cell = str | int  # a table's cell: a name, an address, a count or a share ("12.5%")


def printable(text: str) -> str:
    """`text` without control characters (ESC and the like), one line of it."""
    return CONTROL.sub("", text)


def _is_number(cell: object) -> bool:
    """Counts and shares: right-aligned ("—" is a share of no visitors)."""
    return isinstance(cell, int) or (isinstance(cell, str) and (cell.endswith("%") or cell == "—"))


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def period(summary: Summary) -> str:
    days = len(summary.days)
    return f"{cn_date(summary.start, weekday=False)}—{cn_date(summary.end, weekday=False)}（北京时间，共 {days} 天）"


def facts(summary: Summary) -> list[str]:
    """The lines above the tables: what was read, what was skipped, what was left out."""
    lines = [
        f"统计时段：{period(summary)}",
        f"读取日志 {summary.files} 个文件，共 {summary.lines} 行：时段内 {summary.in_range} 行，"
        f"时段外 {summary.out_of_range} 行，无法识别 {summary.malformed} 行（已跳过）。",
        *_formats(summary),
        f"已排除爬虫和监控程序：{summary.programs} 个客户端的 {summary.by_agent + summary.by_behaviour} 条请求"
        f"（按浏览器标识排除 {summary.by_agent} 条；按行为排除 {summary.by_behaviour} 条：抓取 robots.txt、"
        "只发 HEAD 请求或探测服务器文件）。",
    ]
    total = sum(day.visitors for day in summary.days)
    wechat = sum(day.wechat for day in summary.days)
    phones = sum(day.phones for day in summary.days)
    lines.append(
        f"访客 {total} 人次（按天分别计数，同一人不同的日子各算一次）；"
        f"其中用微信打开的 {wechat} 人次（{_percent(wechat, total)}），用手机的 {phones} 人次（{_percent(phones, total)}）。"
    )
    if summary.pruned:
        lines.append("来源网站或失效地址种类太多，只统计了出现较多的。")
    return lines + list(summary.warnings)


def _formats(summary: Summary) -> list[str]:
    """Which format each log was read as, and what a format without the browser cannot tell."""
    if not summary.formats:
        return []
    by_format: dict[str, list[str]] = {}
    for name, fmt in summary.formats:
        by_format.setdefault(fmt, []).append(name)
    read = "；".join(f"{'、'.join(sorted(names))} 按{fmt}读取" for fmt, names in by_format.items())
    lines = [f"日志格式：{read}。"]
    if any(fmt == logs.COMMON.name for fmt in by_format):
        lines.append(
            "common 格式的日志不记来源页和浏览器：其中的爬虫只能按行为排除，用微信、用手机的人数和来源网站"
            "统计不出来，在本站页面上点开短地址的也算作扫码。"
        )
    return lines


def _edition(summary: Summary, row: Row) -> list[Cell]:
    return [row.edition] if summary.by_edition else []


def _total(summary: Summary, rows: Sequence[Row]) -> list[Cell]:
    lead: list[Cell] = ["合计", "", ""] if summary.by_edition else ["合计", ""]
    return [*lead, *(sum(col) for col in zip(*(r.per_day for r in rows))), sum(row.total for row in rows)]


def tables(summary: Summary) -> list[tuple[str, list[str], list[list[Cell]], str]]:
    """(heading, column names, rows, note) for every table of the report, in order."""
    days = [_md(day) for day in summary.day_list]
    edition = ["届"] if summary.by_edition else []
    poster_rows: list[list[Cell]] = [
        [*_edition(summary, row), row.name, row.address, *row.per_day, row.total] for row in summary.posters
    ]
    poster_rows.append(_total(summary, summary.posters))
    section_rows: list[list[Cell]] = [
        [*_edition(summary, row), row.name, row.address, *row.per_day, row.total] for row in summary.sections
    ]
    section_rows.append(_total(summary, summary.sections))
    visitors: list[list[Cell]] = [
        [
            _md(d.day),
            d.visitors,
            d.views,
            d.scans,
            d.wechat,
            _percent(d.wechat, d.visitors),
            d.phones,
            _percent(d.phones, d.visitors),
        ]
        for d in summary.days
    ]
    total = [sum(getattr(d, name) for d in summary.days) for name in ("visitors", "views", "scans", "wechat", "phones")]
    visitors.append(
        ["合计", total[0], total[1], total[2], total[3], _percent(total[3], total[0]), total[4]]
        + [_percent(total[4], total[0])]
    )
    return [
        (
            "一、海报扫码次数",
            [*edition, "海报", "短地址", *days, "合计"],
            poster_rows,
            "扫码即打开海报二维码上的短地址；在本站页面上点开短地址的不算。",
        ),
        ("二、各栏目浏览量", [*edition, "栏目", "地址", *days, "合计"], section_rows, ""),
        (
            "三、每天的访客",
            ["日期", "访客", "浏览量", "扫码", "用微信打开", "微信占比", "用手机", "手机占比"],
            visitors,
            "访客按天分别计数：不保存任何人的网络地址，同一人在不同的日子各算一次。",
        ),
        (
            "四、各页面浏览量",
            [*edition, "页面地址", "标题", "栏目", "浏览量"],
            [
                [*([label] if summary.by_edition else []), address or "（首页）", title, menu, views]
                for label, address, title, menu, views in summary.pages
            ],
            "",
        ),
        ("五、来源网站（前 10 个）", ["来源", "浏览量"], [list(item) for item in summary.referrers], ""),
        (
            "六、要修复的失效地址（404，前 20 个）",
            ["地址", "来源页", "次数"],
            [list(item) for item in summary.missing],
            "来源页是带来这次访问的页面：本站页面上的失效链接请改正，其他网站上的请联系对方或在本站补上这个地址。",
        ),
    ]


# --- the terminal ----------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _grid(head: list[str], rows: list[list[Cell]]) -> list[str]:
    table: list[Sequence[Cell]] = [head, *rows]
    cells = [[printable(str(cell)) for cell in row] for row in table]
    widths = [max(_width(row[n]) for row in cells) for n in range(len(head))]
    numeric = [all(_is_number(row[n]) for row in rows) for n in range(len(head))]
    lines = []
    for row in cells:
        padded = [
            " " * (w - _width(cell)) + cell if right else cell + " " * (w - _width(cell))
            for cell, w, right in zip(row, widths, numeric)
        ]
        lines.append("  ".join(padded).rstrip())
    return lines


def text(summary: Summary, title: str) -> str:
    """The report as printed in the terminal."""
    out = [printable(line) for line in (f"{title} 网站访问统计", *facts(summary))]
    for heading, head, rows, note in tables(summary):
        out += ["", heading]
        out += _grid(head, rows) if rows else ["（没有）"]
        if note:
            out.append(note)
    return "\n".join(out) + "\n"


# --- the page for the files ------------------------------------------------------------------

STYLE = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #999; padding: .25em .5em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
.note { color: #444; font-size: .9em; }
figure { display: inline-block; margin: .5em 1.5em .5em 0; vertical-align: top; }
figcaption { font-size: .85em; max-width: 28em; }
svg text { font-size: 11px; fill: #222; }
rect.bar { fill: #2e7d32; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; } section, figure, tr { break-inside: avoid; } }
"""


def _chart(row: Row, days: list[str], top: int) -> str:
    """Per-day bars of one poster's scans, on the scale shared by all posters (`top`)."""
    bar, gap, height = (28, 10, 100) if len(days) <= 14 else (max(6, 560 // len(days) - 3), 3, 100)
    width = len(days) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
        f'viewBox="0 0 {width} {height + 40}" role="img" aria-label="{html.escape(row.name)}：每天扫码次数">'
    ]
    parts.append(f'<line x1="0" y1="{height + 20}" x2="{width}" y2="{height + 20}" stroke="#999"/>')
    for n, (day, count) in enumerate(zip(days, row.per_day)):
        x = gap + n * (bar + gap)
        h = round(height * count / top) if top else 0
        y = height + 20 - h
        parts.append(
            f'<rect class="bar" x="{x}" y="{y}" width="{bar}" height="{h}"><title>{day}：{count} 次</title></rect>'
        )
        parts.append(f'<text x="{x + bar / 2:g}" y="{y - 4}" text-anchor="middle">{count}</text>')
        if len(days) <= 14 or n % 7 == 0:
            parts.append(f'<text x="{x + bar / 2:g}" y="{height + 34}" text-anchor="middle">{day}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _edition_name(summary: Summary, row: Row) -> str:
    return f"{row.edition} {row.name}" if summary.by_edition else row.name


def page(summary: Summary, title: str) -> str:
    """The report as an HTML page: printable, self-contained (inline style and SVG), no script."""

    def e(text: str) -> str:
        return html.escape(printable(text))

    days = [f"{d.month}/{d.day}" for d in summary.day_list]
    top = max((n for row in summary.posters for n in row.per_day), default=0)
    body = [f"<h1>{e(title)}<br>网站访问统计</h1>"]
    body.append("".join(f"<p>{e(line)}</p>" for line in facts(summary)))
    for number, (heading, head, rows, note) in enumerate(tables(summary)):
        body.append(f"<section><h2>{e(heading)}</h2>")
        if number == 0 and summary.posters:
            body.append(
                "".join(
                    f"<figure>{_chart(row, days, top)}<figcaption>{e(_edition_name(summary, row))}"
                    f"（{e(row.address)}）"
                    f"共 {row.total} 次</figcaption></figure>"
                    for row in summary.posters
                )
            )
        if rows:
            heads = "".join(f"<th>{e(h)}</th>" for h in head)
            lines = []
            for row in rows:
                total = ' class="total"' if row[0] == "合计" else ""
                cells = "".join(
                    f'<td class="n">{e(str(c))}</td>' if _is_number(c) else f"<td>{e(str(c))}</td>" for c in row
                )
                lines.append(f"<tr{total}>{cells}</tr>")
            body.append(f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(lines)}</tbody></table>")
        else:
            body.append("<p>（没有）</p>")
        if note:
            body.append(f'<p class="note">{e(note)}</p>')
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>网站访问统计 {summary.start:%Y-%m-%d} 至 {summary.end:%Y-%m-%d}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# --- the spreadsheet -------------------------------------------------------------------------


def _cell(value: object) -> Cell:
    if isinstance(value, int):
        return value
    text = printable(str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def spreadsheet(summary: Summary, title: str) -> str:
    """The report as CSV: blocks of a heading, column names and rows, a blank line between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(f"{title} 网站访问统计")])
    writer.writerow(["统计时段", summary.start.isoformat(), summary.end.isoformat()])
    for name, value in (
        ("日志文件数", summary.files),
        ("日志行数", summary.lines),
        ("时段内", summary.in_range),
        ("时段外", summary.out_of_range),
        ("无法识别（已跳过）", summary.malformed),
        ("排除的爬虫和监控客户端", summary.programs),
        ("按浏览器标识排除的请求", summary.by_agent),
        ("按行为排除的请求", summary.by_behaviour),
    ):
        writer.writerow([name, value])
    for log, fmt in sorted(summary.formats):
        writer.writerow(["日志格式", _cell(log), fmt])
    iso = [day.isoformat() for day in summary.day_list]
    for heading, head, rows, _ in tables(summary):
        writer.writerow([])
        writer.writerow([heading])
        if heading.startswith(("一", "二")):
            lead = len(head) - len(iso) - 1  # the name columns before the days
            head = [*head[:lead], *iso, head[-1]]
        elif heading.startswith("三"):
            rows = [[iso[n] if n < len(iso) else row[0], *row[1:]] for n, row in enumerate(rows)]
        writer.writerow(head)
        writer.writerows([_cell(c) for c in row] for row in rows)
    return buffer.getvalue()


def write(root: Path, summary: Summary, title: str) -> tuple[Path, Path]:
    """reports/stats-<start>_<end>.html and .csv (the CSV with a BOM, so Excel reads it as UTF-8)."""
    folder = root / "reports"
    folder.mkdir(exist_ok=True)
    name = f"stats-{summary.start:%Y-%m-%d}_{summary.end:%Y-%m-%d}"
    page_path, csv_path = folder / f"{name}.html", folder / f"{name}.csv"
    page_path.write_text(page(summary, title), encoding="utf-8", newline="\n")
    csv_path.write_text(spreadsheet(summary, title), encoding="utf-8-sig", newline="")
    return page_path, csv_path

"""`build.py stats LOG...`: checks the logs, reads every edition's posters and sections, counts, prints and saves.

Every failure a clerk can meet (no such file, no permission, nothing in the dates) is one
Chinese sentence and a non-zero exit, never a traceback. Nothing printed holds a control
character from a log or a file name (a terminal would obey it).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from campaign.context import make_context
from campaign.errors import ContentError, machine_trouble
from campaign.pipeline import load_project
from campaign.render.dates import cn_date
from campaign.render.pages import plan_pages
from campaign.stats import logs, period, report
from campaign.stats.count import Counts, edition_label, layout
from campaign.stats.period import WrittenDay

STATS_FAILED = 7  # no log could be read, or none of its lines falls in the dates
PROGRESS_EVERY = 200_000  # lines: a big log takes about a minute a gigabyte


class _Progress:
    """How far the reading is, on a terminal only (a big log takes a while); silent otherwise."""

    def __init__(self):
        self.shown = sys.stderr.isatty()
        self.used = False

    def __call__(self, round_: int, lines: int) -> None:
        if self.shown:
            print(
                f"\r\033[K正在统计（第 {round_} 遍，共 2 遍）：已读 {lines / 10000:g} 万行……", end="", file=sys.stderr
            )
            self.used = True

    def done(self) -> None:
        if self.used:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def run(root: Path, names: list[str], since: WrittenDay | None = None, until: WrittenDay | None = None) -> int:
    """The whole command; returns the exit code."""
    if not names:
        print("请在 stats 后面写上 nginx 的访问日志文件，如 /var/log/nginx/jnxcz.access.log*", file=sys.stderr)
        return 2
    try:
        files = logs.check(names)
    except logs.LogError as exc:
        print(report.printable(f"统计失败：{exc}"), file=sys.stderr)
        return STATS_FAILED
    try:
        ctx = make_context(root, disk_cache=False)
        project = load_project(ctx)  # every edition, as every command loads them: all of them are counted
        sites = tuple(edition.site for edition in project.editions)
        editions = [layout(site, plan_pages(site, ctx.qr)) for site in sites]
    except ContentError as exc:
        print(
            f"统计失败：网站内容有 {len(exc.problems)} 处问题，读不出海报和栏目；"
            "请按提示改正（python build.py check 也会列出）：",
            file=sys.stderr,
        )
        print(str(exc), file=sys.stderr)
        return 1
    counted = period.counted_week(sites)
    first, last = counted[1] if counted else (None, None)
    # a day written without its year is in the other day's year (--from 5月13日 --to 2025-5-19), else the campaign's
    year = (since and since.year) or (until and until.year) or period.campaign_year(sites, project.clock.date())
    try:
        start = since.on(year, "--from") if since else first
        end = until.on(year, "--to") if until else last
    except ValueError as exc:  # 2月29日 without a year, in a year that has none
        print(f"统计失败：{exc}", file=sys.stderr)
        return 2
    if start is None or end is None:  # no edition's dates are filled in yet
        print(
            "统计失败：content/campaign.yaml 里活动的日期还没有填写，请用 --from 和 --to 写明统计哪几天",
            file=sys.stderr,
        )
        return 2
    if start > end:
        print(f"统计失败：开始日期 {start}（--from）晚于结束日期 {end}（--to）", file=sys.stderr)
        return 2

    titled = period.titled(sites, start, end)  # the edition whose week is counted: its rows in full
    counter = Counts(editions, start, end, sites.index(titled))
    if counted is not None and counted[0] is not sites[-1] and not (since and until):
        counter.warnings.append(
            f"本届（{editions[-1].label}）的活动日期还没有填写，按{edition_label(counted[0].edition.folder)}"
            "那一届的活动日期统计；要统计别的日子，请用 --from 和 --to 写明。"
        )
    progress = _Progress()
    days: logs.Days = {}  # both passes meet the same hours
    read = []  # lines read per file by the first pass: the second reads exactly those
    formats = [logs.detect(path) for path in files]
    for path, fmt in zip(files, formats):
        before = counter.lines
        for line in logs.lines(path, trouble=counter.warnings.append):
            counter.learn(fmt.parse(line, days))
            if not counter.lines % PROGRESS_EVERY:
                progress(1, counter.lines)
        read.append(counter.lines - before)
    if counter.lines == counter.malformed + counter.out_of_range:
        progress.done()
        print(report.printable(f"统计失败：{_nothing_in_range(counter, names, start, end)}"), file=sys.stderr)
        return STATS_FAILED
    done = 0
    for path, fmt, count in zip(files, formats, read):
        for line in logs.lines(path, limit=count, trouble=lambda _: None):
            counter.count(fmt.parse(line, days))
            done += 1
            if not done % PROGRESS_EVERY:
                progress(2, done)
    progress.done()
    summary = counter.summary(len(files), [(str(path), fmt.name) for path, fmt in zip(files, formats)])

    title = titled.campaign.title
    print(report.text(summary, title), end="")
    try:
        page, table = report.write(root, summary, title)
    except OSError as exc:
        trouble = report.printable(f"统计报告没能保存到 {root / 'reports'}：{machine_trouble(exc)}；以上结果不受影响")
        print(f"\n{trouble}", file=sys.stderr)
        return 6
    print("\n" + report.printable(f"统计报告（可打印）已保存到 {page}"))
    print(report.printable(f"表格（可用 Excel 打开）已保存到 {table}"))
    return 0


def _nothing_in_range(counter: Counts, names: list[str], start: dt.date, end: dt.date) -> str:
    when = f"{cn_date(start, weekday=False)}至{cn_date(end, weekday=False)}"
    if counter.lines == 0:
        return f"日志文件是空的（{'、'.join(names)}），{when}没有任何访问记录"
    if counter.malformed == counter.lines:
        return (
            f"日志里的 {counter.lines} 行都不是能识别的访问日志格式（本站的 jnxcz 格式，或 nginx、Apache 默认的 "
            "combined、common 格式）：请确认选的是网站的访问日志（如 jnxcz.access.log、access.log），"
            "不是错误日志 error.log"
        )
    return (
        f"日志里没有{when}的访问记录（共 {counter.lines} 行：不在这些日子的 {counter.out_of_range} 行，"
        f"无法识别的 {counter.malformed} 行）。请确认选对了日志文件（轮转后的旧日志是 jnxcz.access.log.1、"
        ".2.gz 等，可以一起写上），或用 --from 和 --to 指定日期，如 --from 2024-05-13 --to 2024-05-19"
    )

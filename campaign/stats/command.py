"""`build.py stats LOG...`: checks the logs, reads the site's posters and sections, counts, prints and saves.

Every failure a clerk can meet (no such file, no permission, nothing in the dates) is one
Chinese sentence and a non-zero exit, never a traceback.
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
from campaign.stats import logs, report
from campaign.stats.count import Counts, layout

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


def run(root: Path, names: list[str], start: dt.date | None = None, end: dt.date | None = None) -> int:
    """The whole command; returns the exit code."""
    if not names:
        print("请在 stats 后面写上 nginx 的访问日志文件，如 /var/log/nginx/jnxcz.access.log*", file=sys.stderr)
        return 2
    try:
        files = logs.check(names)
    except logs.LogError as exc:
        print(f"统计失败：{exc}", file=sys.stderr)
        return STATS_FAILED
    try:
        ctx = make_context(root, disk_cache=False)
        project = load_project(ctx)  # every edition, as every command loads them; the current one is counted
        site = project.site
        plans = plan_pages(site, ctx.qr)
    except ContentError as exc:
        print(
            f"统计失败：网站内容有 {len(exc.problems)} 处问题，读不出海报和栏目；"
            "请按提示改正（python build.py check 也会列出）：",
            file=sys.stderr,
        )
        print(str(exc), file=sys.stderr)
        return 1
    first, last = project.week
    start, end = start or first, end or last
    if start is None or end is None:  # a new edition's dates, still 待填写
        print(
            "统计失败：content/campaign.yaml 里活动的日期还没有填写，请用 --from 和 --to 写明统计哪几天",
            file=sys.stderr,
        )
        return 2
    if start > end:
        print(f"统计失败：开始日期 {start}（--from）晚于结束日期 {end}（--to）", file=sys.stderr)
        return 2

    counter = Counts(layout(site, plans), start, end)
    progress = _Progress()
    days: logs.Days = {}  # both passes meet the same hours
    read = []  # lines read per file by the first pass: the second reads exactly those
    for path in files:
        before = counter.lines
        for line in logs.lines(path, trouble=counter.warnings.append):
            counter.learn(logs.parse(line, days))
            if not counter.lines % PROGRESS_EVERY:
                progress(1, counter.lines)
        read.append(counter.lines - before)
    if counter.lines == counter.malformed + counter.out_of_range:
        progress.done()
        print(f"统计失败：{_nothing_in_range(counter, names, start, end)}", file=sys.stderr)
        return STATS_FAILED
    done = 0
    for path, count in zip(files, read):
        for line in logs.lines(path, limit=count, trouble=lambda _: None):
            counter.count(logs.parse(line, days))
            done += 1
            if not done % PROGRESS_EVERY:
                progress(2, done)
    progress.done()
    summary = counter.summary(len(files))

    title = site.campaign.title
    print(report.text(summary, title), end="")
    try:
        page, table = report.write(root, summary, title)
    except OSError as exc:
        print(f"\n统计报告没能保存到 {root / 'reports'}：{machine_trouble(exc)}；以上结果不受影响", file=sys.stderr)
        return 6
    print(f"\n统计报告（可打印）已保存到 {page}\n表格（可用 Excel 打开）已保存到 {table}")
    return 0


def _nothing_in_range(counter: Counts, names: list[str], start: dt.date, end: dt.date) -> str:
    when = f"{cn_date(start, weekday=False)}至{cn_date(end, weekday=False)}"
    if counter.lines == 0:
        return f"日志文件是空的（{'、'.join(names)}），{when}没有任何访问记录"
    if counter.malformed == counter.lines:
        return (
            f"日志里的 {counter.lines} 行都不是本站日志的格式（deploy/nginx.conf 里的 jnxcz 格式）："
            "是不是选了 nginx 的默认日志 access.log？本站的是 jnxcz.access.log"
        )
    return (
        f"日志里没有{when}的访问记录（共 {counter.lines} 行：不在这些日子的 {counter.out_of_range} 行，"
        f"无法识别的 {counter.malformed} 行）。请确认选对了日志文件（轮转后的旧日志是 jnxcz.access.log.1、"
        ".2.gz 等，可以一起写上），或用 --from 和 --to 指定日期，如 --from 2024-05-13 --to 2024-05-19"
    )

"""`build.py check`: what the content still lacks, said plainly, as of a given day.

Content mistakes stop the build elsewhere; this report is about facts not known yet: values
left as 待填写, addresses that are only announced later (overdue ones flagged), and where each
printed stable address leads today. The government website inspection (`inspection.py`) is
reported after it, grouped by rule, as text for the console and as an HTML page for the files.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from campaign.inspection.checks import Finding, Inspection
from campaign.inspection.links import Probe
from campaign.model.site import Attachment, Site, is_pending
from campaign.render.attachments import cleanable
from campaign.render.dates import cn_date
from campaign.render.site import assets


def content_sections(site: Site, moment: dt.datetime) -> list[list[str]]:
    """What the content still lacks or should be checked, most urgent first: a heading line each."""
    as_of = moment.date()
    sections = [
        [f"内容已全部读取，没有写法错误（按 {cn_date(as_of)} {moment:%H:%M} 北京时间检查）。"],
        _due(site, moment),
        _pending(site, as_of),
        _questions(site),
        held_back(site),
        _uncleaned(site),
        _links(site, as_of),
        _placeholders(site),
    ]
    return [lines for lines in sections if lines]


def report(site: Site, moment: dt.datetime) -> str:
    return "\n\n".join("\n".join(lines) for lines in content_sections(site, moment))


EARLY = dt.time(7, 0)  # before this, a time was probably meant in the afternoon (2:30 for 14:30)


def _questions(site: Site) -> list[str]:
    """Times and dates that are valid but probably not what was meant, at their lines."""
    first = min(theme.start for theme in site.campaign.themes)
    if is_pending(first):
        return []  # the campaign's dates are not filled in yet: no year to compare with
    year = first.year
    found = []
    for event in sorted(site.events, key=lambda event: (event.where.file, event.where.line)):
        where = event.where
        for key, moment in (("start", event.start), ("end", event.end)):
            if moment is not None and moment < EARLY:
                found.append(
                    f"  - {where.file}:{where.of(key)}: 「{event.title}」的 {key} 是 {moment.hour}:{moment.minute:02d}，"
                    f"早于 7 点；如果是下午，请写成 {moment.hour + 12:02d}:{moment.minute:02d}（24 小时制）"
                )
        for key, day in (("date", event.date), ("end_date", event.end_date)):
            if day is not None and day.year != year:
                found.append(
                    f"  - {where.file}:{where.of(key)}: 「{event.title}」的 {key} 是 {day.isoformat()}，"
                    f"不在本次活动的 {year} 年；请核对年份"
                )
    return [f"请核对的时间和日期：{len(found)} 处", *found] if found else []


def held_back(site: Site) -> list[str]:
    """Reports dated after today: not on the site until a build on their day. A typo in a date
    (2024-05-17 for 2024-05-07) hides a report just the same, so each is named at its line."""
    if not site.held_back:
        return []
    lines = [f"暂不发布的活动动态：{len(site.held_back)} 篇（日期晚于今天，到当天重新生成网站后才会出现）"]
    for item in sorted(site.held_back, key=lambda item: (item.date, item.slug)):
        line = item.where.of("date")
        where = f"{item.file}:{line}" if line else item.file
        lines.append(f"  - {where}: 「{item.title}」的日期是 {cn_date(item.date)}；如果日期写错了，请改正后重新生成")
    return lines


def _uncleaned(site: Site) -> list[str]:
    """Attachments published with whatever they hide: the site can only clean .docx, .xlsx and PDF."""
    found = {(a.file, a.line, a.name): a for a in assets(site) if isinstance(a, Attachment)}
    risky = [found[key] for key in sorted(found) if not cleanable(PurePosixPath(found[key].path).suffix)]
    if not risky:
        return []
    lines = [f"可能带有隐藏信息的附件：{len(risky)} 个（照常发布；作者、批注、修订记录等网站无法去掉）"]
    for attachment in risky:
        how = (
            "压缩包里的文件网站无法检查；请把里面的文件单独作为附件，Word、WPS 文件用 Word/WPS 另存为 .docx 或 PDF"
            if attachment.path.lower().endswith(".zip")
            else "请用 Word/WPS 另存为 .docx 或 PDF 后换上，网站会自动去掉其中的作者、批注和照片里的拍摄地点"
        )
        lines.append(f"  - {attachment.file}:{attachment.line}: 「{attachment.name}」：{how}")
    return lines


def _due(site: Site, moment: dt.datetime) -> list[str]:
    """Deadlines today or in the next three days, so nobody learns of one after it passed."""
    soon = [e for e in site.events if e.kind == "deadline" and 0 <= ((e.end_date or e.date) - moment.date()).days <= 3]
    return [f"近期截止：{e.title}（{cn_date(e.end_date or e.date)}）：{e.summary}" for e in soon]


def _pending(site: Site, as_of: dt.date) -> list[str]:
    pending = [item for item in site.livestreams + site.downloads if not item.is_known]
    count = len(pending) + (site.quiz.url is None)
    lines = [f"尚未公布的网址：{count} 个" if count else "直播、下载和答题网址：均已填写。"]
    for item in pending:
        state = "【已到公布日期，请尽快填写】" if as_of >= item.announce_on else "（待公布）"
        lines.append(
            f"  - {item.title}（{item.platform}）：应于 {cn_date(item.announce_on)} 在{item.announce_where}公布 {state}"
        )
    if site.quiz.url is None:
        lines.append(f"  - {site.quiz.title}：答题网址未填写（网站上提示扫描通知附件中的二维码）")
    return lines


def _links(site: Site, as_of: dt.date) -> list[str]:
    if not site.links:
        return []
    lines = [f"海报短地址：{len(site.links)} 个（已印在海报上的不可更改）"]
    for link in site.links:
        address = site.config.base_url + link.path
        if link.pending is None:
            lines.append(f"  - {address} → {link.url or site.config.base_url + (link.page or '')}")
            continue
        overdue = as_of >= link.pending.announce_on
        state = "【已过公布日期仍未填写，扫码者只能看到“尚未公布”】" if overdue else "（待公布）"
        lines.append(f"  - {address} → 尚未公布，应于 {cn_date(link.pending.announce_on)} 公布 {state}")
    return lines


def _placeholders(site: Site) -> list[str]:
    if not site.placeholders:
        return ["待填写的内容：无。"]
    lines = [f"待填写的内容：{len(site.placeholders)} 处（正式上线前须补齐）"]
    lines += [f"  - {p.file}:{p.line}: {p.key}：{p.text}" for p in site.placeholders]
    return lines


# --- the government website inspection ---------------------------------------------------------


def inspection_sections(result: Inspection) -> list[tuple[str, list[str]]]:
    """(heading, lines) per rule in the order of content/inspection.yaml, then outside links."""
    sections = []
    for rule in result.rules.rules.values():
        found = result.of(rule.id)
        errors = [f for f in found if not f.todo]
        todo = [f for f in found if f.todo]
        state = f"发现 {len(errors)} 处问题" if errors else "未发现问题"
        heading = f"【{rule.category}】{rule.title}：{state}"
        lines = [f"依据：{rule.citation}"] + [f"  - {f}" for f in errors]
        if todo:
            lines.append(f"  待填写（不影响本次检查结果，正式上线前须补齐）：{len(todo)} 处")
            lines += [f"  - {f}" for f in todo]
        sections.append((heading, lines))
    sections.append(_outside_section(result))
    return sections


def _outside_section(result: Inspection) -> tuple[str, list[str]]:
    count = sum(len(urls) for urls in result.outside.values())
    heading = f"外部网址：{count} 个（按网站分组）"
    lines = []
    probes = {p.url: p for p in result.probes or ()}
    for host, urls in result.outside.items():
        lines.append(f"  {host}")
        lines += [f"    - {url}{_probe_text(probes.get(url))}" for url in urls]
    if result.probes is None:
        lines.append("  （未实际访问；加 --online 可逐个试打开）" if count else "  无。")
    elif result.probes and all(p.status == 0 for p in result.probes):
        lines.append(
            "  全部外部网址都没能连上：本机可能没有联网（或需要代理）。"
            "这不算网站的问题，请联网后再运行一次 check --online。"
        )
    return heading, lines


def _probe_text(probe: Probe | None) -> str:
    if probe is None:
        return ""
    if probe.status:
        return f"：可以打开（HTTP {probe.status}）" if probe.status < 400 else f"：打不开（HTTP {probe.status}）"
    return f"：未能检查（{probe.error}）"


def inspection_summary(result: Inspection) -> str:
    if not result.errors:
        return "政府网站检查：未发现会单项否决或扣分的问题。"
    vetoes, must, points = _weighed(result)
    parts = [f"{len(vetoes)} 处会导致单项否决（网站直接不合格）"]
    if must:
        parts.append(f"{len(must)} 处须在发布前改正")
    parts.append(f"{len(points)} 处会被扣分")
    return "政府网站检查：" + "，".join(parts) + "。"


def verdict(result: Inspection) -> str:
    """The report's last word, in one line: whether the site passes and whether it may go out."""
    vetoes, must, points = _weighed(result)
    if vetoes:
        return f"检查结论：不合格：{len(vetoes)} 处单项否决，不能发布。"
    if must or result.fails_check:
        return f"检查结论：暂不能发布：{len(must)} 处须在发布前改正（见上面各条）。"
    if points:
        return f"检查结论：合格（另有 {len(points)} 处会被扣分，请尽快改正）。"
    return "检查结论：合格。"


def _weighed(result: Inspection) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(单项否决, what must be fixed before publishing though not a 单项否决, what only costs points)."""
    vetoes = result.vetoes
    must = [f for f in result.blocking if f not in vetoes]
    points = [f for f in result.errors if f not in vetoes and f not in must]
    return vetoes, must, points


def inspection_report(result: Inspection) -> str:
    title = f"政府网站检查（按 {cn_date(result.as_of.date())} {result.as_of:%H:%M} 检查）"
    parts = [f"{title}\n{inspection_summary(result)}"]
    parts += ["\n".join([heading, *lines]) for heading, lines in inspection_sections(result)]
    return "\n\n".join(parts)


def write_inspection_html(root: Path, result: Inspection, content: Sequence[list[str]] = ()) -> Path:
    """The report as a page for the office's files, outside output/ so it is never published.

    Deterministic (no clock but --as-of) so re-running a check on the same day changes nothing.
    """
    e = html.escape
    body = [
        f"<h1>政府网站检查报告</h1><p>检查日期：{e(cn_date(result.as_of.date()))} "
        f"{result.as_of:%H:%M}（北京时间）</p><p><strong>{e(verdict(result))}</strong></p>"
        f"<p>{e(inspection_summary(result))}</p>"
    ]
    for heading, *lines in content:  # what the terminal says first: due dates, addresses, targets
        items = "".join(f"<li>{e(line.strip().removeprefix('- '))}</li>" for line in lines)
        body.append(f"<section><h2>{e(heading)}</h2>" + (f"<ul>{items}</ul>" if items else "") + "</section>")
    for heading, lines in inspection_sections(result):
        items = "".join(f"<li>{e(line.strip().removeprefix('- '))}</li>" for line in lines)
        body.append(f"<section><h2>{e(heading)}</h2><ul>{items}</ul></section>")
    body.append(f"<p><strong>{e(verdict(result))}</strong></p>")
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>政府网站检查报告</title>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    folder = root / "reports"
    folder.mkdir(exist_ok=True)
    path = folder / f"inspection-{result.as_of:%Y-%m-%d}.html"
    path.write_text(page, encoding="utf-8", newline="\n")
    return path

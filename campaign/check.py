"""`build.py check`: what the content still lacks, said plainly, as of a given day.

Content mistakes stop the build elsewhere; this report is about facts not known yet: values
left as 待填写, addresses that are only announced later (overdue ones flagged), and where each
printed stable address leads today.
"""

from __future__ import annotations

import datetime as dt

from .dates import cn_date
from .model import Site


def report(site: Site, moment: dt.datetime) -> str:
    as_of = moment.date()
    sections = [[f"内容检查通过（按 {cn_date(as_of)} {moment:%H:%M} 北京时间检查）。"],
                _due(site, moment), _pending(site, as_of),
                _links(site, as_of), _placeholders(site)]
    return "\n\n".join("\n".join(lines) for lines in sections if lines)


def _due(site: Site, moment: dt.datetime) -> list[str]:
    """Deadlines today or in the next three days, so nobody learns of one after it passed."""
    soon = [e for e in site.events if e.kind == "deadline"
            and 0 <= ((e.end_date or e.date) - moment.date()).days <= 3]
    return [f"近期截止：{e.title}（{cn_date(e.end_date or e.date)}）：{e.summary}" for e in soon]


def _pending(site: Site, as_of: dt.date) -> list[str]:
    pending = [item for item in site.livestreams + site.downloads if not item.is_known]
    lines = [f"尚未公布的网址：{len(pending)} 个" if pending else "直播和下载网址：均已填写。"]
    for item in pending:
        state = "【已到公布日期，请尽快填写】" if as_of >= item.announce_on else "（待公布）"
        lines.append(f"  - {item.title}（{item.platform}）：应于 {cn_date(item.announce_on)} "
                     f"在{item.announce_where}公布 {state}")
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
            lines.append(f"  - {address} → {link.url or site.config.base_url + link.page}")
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

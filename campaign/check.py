"""`build.py check`: what the content still lacks, said plainly, as of a given day.

Content mistakes stop the build elsewhere; this report is about facts not known yet: values
left as 待填写 and addresses that are only announced later (overdue ones flagged).
"""

from __future__ import annotations

import datetime as dt

from .dates import cn_date
from .model import Site


def report(site: Site, as_of: dt.date) -> str:
    lines = [f"内容检查通过（按 {cn_date(as_of)} 检查）。"]
    pending = [item for item in site.livestreams + site.downloads if not item.is_known]
    lines.append("")
    lines.append(f"尚未公布的网址：{len(pending)} 个" if pending else "直播和下载网址：均已填写。")
    for item in pending:
        overdue = as_of >= item.announce_on
        state = "【已到公布日期，请尽快填写】" if overdue else "（待公布）"
        lines.append(f"  - {item.title}（{item.platform}）：应于 {cn_date(item.announce_on)} "
                     f"在{item.announce_where}公布 {state}")
    if site.links:
        lines.append("")
        lines.append(f"海报短地址：{len(site.links)} 个（印在海报上，不可更改）")
    for link in site.links:
        address = site.config.base_url + link.path
        if link.pending is None:
            lines.append(f"  - {address} → {link.url or site.config.base_url + link.page}")
            continue
        overdue = as_of >= link.pending.announce_on
        state = "【已过公布日期仍未填写，扫码者只能看到“尚未公布”】" if overdue else "（待公布）"
        lines.append(f"  - {address} → 尚未公布，应于 {cn_date(link.pending.announce_on)} 公布 {state}")
    if site.quiz.url is None:
        lines.append(f"  - {site.quiz.title}：答题网址未填写（网站上提示扫描通知附件中的二维码）")
    lines.append("")
    lines.append(f"待填写的内容：{len(site.placeholders)} 处（正式上线前须补齐）"
                 if site.placeholders else "待填写的内容：无。")
    for item in site.placeholders:
        lines.append(f"  - {item.file}:{item.line}: {item.key}：{item.text}")
    return "\n".join(lines)

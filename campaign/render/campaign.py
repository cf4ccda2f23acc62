"""The campaign's own address (/jnxcz/): a page that leads to the newest edition and lists them all.

Printed codes and old links point into an edition's folder (/jnxcz/2024/go/...), which stays;
the campaign's address itself always leads to this year's site, by a refresh that needs no
script and no server rule, so the shipped nginx block needs no edit from one year to the next.
"""

from __future__ import annotations

from markupsafe import escape

from campaign.model.site import Site


def _href(site: Site, offline: bool) -> str:
    return f"{site.edition.folder}/" + ("index.html" if offline else "")


def campaign_home(sites: list[Site]) -> dict[str, bytes]:
    """{"index.html": bytes}: the newest edition (the last of `sites`) first, then the earlier ones."""
    newest = sites[-1]
    offline = newest.config.offline
    target = escape(_href(newest, offline))
    past = "".join(
        f'<li><a href="{escape(_href(site, offline))}">{escape(site.config.title)}</a></li>'
        for site in reversed(sites[:-1])
    )
    earlier = f'<h2 id="h-past">往届活动</h2>\n<ul aria-labelledby="h-past">{past}</ul>\n' if past else ""
    html = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(newest.config.title)}</title>\n"
        f'<link rel="canonical" href="{escape(newest.config.base_url)}">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        "</head>\n<body>\n<main>\n"
        f'<h1><a href="{target}">{escape(newest.config.title)}</a></h1>\n'
        f"<p>正在打开本届活动网站；如果没有自动打开，请点击上面的标题。</p>\n{earlier}</main>\n</body>\n</html>\n"
    )
    return {"index.html": html.encode("utf-8")}

"""What changed between two loads of the site, in the parts pages say they depend on.

Comparing the models, not the file names, is what makes incremental rebuilds safe: a page is
re-rendered when the data it shows differs, whichever file the clerk saved.
"""

from __future__ import annotations

from campaign.model.site import Site

PARTS = {
    "campaign": lambda s: s.campaign,
    "schedule": lambda s: s.events,
    "livestreams": lambda s: (s.livestreams, s.downloads),
    "pledges": lambda s: s.pledge_day,
    "quiz": lambda s: s.quiz,
    "notice": lambda s: s.notice,
    "contact": lambda s: s.contact,
    "posters": lambda s: (s.links, s.posters),
}


def changed_parts(old: Site, new: Site) -> frozenset:
    """Keys such as "schedule", "news:<slug>", "news-order"; "config" means everything."""
    if old.config != new.config or old.news_hidden != new.news_hidden:
        return frozenset({"config"})  # the menu on every page changes too
    keys = {key for key, part in PARTS.items() if part(old) != part(new)}
    if old.as_of != new.as_of:
        keys.add("clock")
    old_news = {item.slug: item for item in old.news}
    new_news = {item.slug: item for item in new.news}
    for slug in old_news.keys() | new_news.keys():
        if old_news.get(slug) != new_news.get(slug):
            keys.update({f"news:{slug}", "news-any"})
    if list(old_news) != list(new_news):
        keys.add("news-order")
    if [(n.slug, n.date) for n in old.news] != [(n.slug, n.date) for n in new.news]:
        keys.add("news-dates")
    return frozenset(keys)

"""Addresses of pages: the output file, the link between two pages, the production URL.

Links between pages are relative, so the same build works under any sub-path and opened from
disk; only the 404 page, which a server shows at any depth, links from the site's root path.
QR codes and canonical links always carry the absolute production address.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


def output_file(url_path: str) -> str:
    """ "news/" -> "news/index.html"; a path with a file name stays as it is."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    return url_path


def is_safe(path: str) -> bool:
    """An output path that cannot leave the output folder, whatever content put in it."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def edition_folder(base_path: str) -> str:
    """The last segment of a site's path: "/jnxcz/2024/" -> "2024" ("" for a site at "/")."""
    return base_path.rstrip("/").rsplit("/", 1)[-1]


def campaign_path(address: str) -> str:
    """The campaign's own address, above every edition: "/jnxcz/2024/" -> "/jnxcz/", and
    "https://x.gov.cn/jnxcz/2024/" -> "https://x.gov.cn/jnxcz/"."""
    stripped = address.rstrip("/")
    return stripped[: stripped.rfind("/") + 1] or "/"


@dataclass(frozen=True)
class Linker:
    """Builds links as seen from one page."""

    page: str  # the page's own url path, e.g. "events/launch/"
    base_path: str  # e.g. "/jnxcz/2024/"
    base_url: str
    absolute: bool = False  # True for the 404 page
    offline: bool = False  # opened from disk, where a folder does not open its index.html

    def __call__(self, target: str) -> str:
        if self.offline and (target == "" or target.endswith("/")):
            target += "index.html"
        if self.absolute and not self.offline:
            return self.base_path + target
        folder = self.page if self.page.endswith("/") else posixpath.dirname(self.page)
        depth = len([part for part in folder.split("/") if part])
        return "../" * depth + target or "./"

    def campaign(self, target: str) -> str:
        """A link to another edition of the campaign, `target` under the campaign's address ("2025/")."""
        if self.offline and (target == "" or target.endswith("/")):
            target += "index.html"
        if self.absolute and not self.offline:
            return campaign_path(self.base_path) + target
        folder = self.page if self.page.endswith("/") else posixpath.dirname(self.page)
        depth = len([part for part in folder.split("/") if part])
        return "../" * (depth + 1) + target

    def full(self, target: str) -> str:
        return self.base_url + target

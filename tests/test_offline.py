"""The offline copy: opened from disk (file://) on a lobby screen or from a USB stick."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import run_build
from sitecopy import EDITION


def test_offline_copy_opens_from_disk_styled_with_working_links(tmp_path, browser):
    out = tmp_path / "offline"
    result = run_build("--offline", "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stderr
    # the campaign's own page, opened from the stick's top folder, leads into this year's site
    top = (out / "index.html").read_text(encoding="utf-8")
    assert f'<meta http-equiv="refresh" content="0; url={EDITION}/index.html">' in top
    assert not (out / "404.html").exists(), "no server shows an error page from a USB stick"
    pages = sorted(p for p in (out / EDITION).rglob("*.html") if "/go/" not in p.as_posix())
    tab = browser.new_page()
    checked = 0
    for page in pages:
        tab.goto(page.as_uri())
        background = tab.evaluate(
            "getComputedStyle(document.querySelector('.site-header, .sheet')).borderTopColor + '|' +"
            "getComputedStyle(document.querySelector('.site-header, .sheet')).backgroundColor"
        )
        assert "23, 99, 58" in background, f"{page}: stylesheet not applied ({background})"
        for href in tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.scheme != "file":
                continue
            target = Path(unquote(parts.path))
            assert target.is_file(), f"{page.relative_to(out)} links to missing {target}"
            checked += 1
    assert checked > 100
    tab.close()


def test_offline_stable_addresses_forward_to_files(tmp_path):
    out = tmp_path / "offline"
    assert run_build("--offline", "--no-pdf", "--out", str(out)).returncode == 0
    page = (out / EDITION / "go/schedule/index.html").read_text(encoding="utf-8")
    assert 'content="0; url=../../schedule/index.html"' in page
    assert (out / EDITION / "go/schedule" / "../../schedule/index.html").resolve().is_file()

"""`--base-url`: the same site served from a staging server under another sub-path."""

from __future__ import annotations

import re

from conftest import run_build

PRODUCTION = "https://www.example.gov.cn/jnxcz/2024/"
STAGING = "http://staging.example.test/ceshi/jieneng/"


def test_staging_build_links_under_its_own_path_but_codes_keep_the_production_address(tmp_path):
    out = tmp_path / "staging"
    result = run_build("--base-url", STAGING, "--no-pdf", "--as-of", "2024-05-14T09:00", "--out", str(out))
    assert result.returncode == 0, result.stderr
    # the tree is the staging server's: the site in the folder its address ends with
    assert sorted(path.name for path in out.iterdir()) == [".jnxcz-site", "404.html", "index.html", "jieneng"]
    out = out / "jieneng"
    missing = (out / "404.html").read_text(encoding="utf-8")
    assert 'href="/ceshi/jieneng/schedule/"' in missing and 'href="/jnxcz/2024/' not in missing
    schedule = (out / "schedule/index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{PRODUCTION}schedule/">' in schedule
    assert f'aria-label="二维码：用手机扫码打开本页 {PRODUCTION}schedule/"' in schedule
    assert not re.search(r'href="https?://[^"]*staging', schedule), "pages link relatively"
    forward = (out / "go/schedule/index.html").read_text(encoding="utf-8")
    assert f'content="0; url={STAGING}schedule/"' in forward, "a staging visitor stays on staging"


def test_a_bad_base_url_is_refused_in_words(tmp_path):
    result = run_build("--base-url", "ftp://x/", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "--base-url 应是以 http:// 或 https:// 开头的网址" in result.stderr

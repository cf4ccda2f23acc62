"""Next year's campaign from this year's: `new-edition`, and every edition built and served together.

A 2024 poster on a wall must keep working after the 2025 campaign goes live: the 2024 site stays
at /jnxcz/2024/ with a note that leads to the newest edition, and /jnxcz/ leads to 2025. The new
edition shows no fact of last year: what the new notice will give is 待填写 until filled in.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from nginxserver import get, running_nginx
from qrdecode import decode_png
from sitecopy import (
    EDITION,
    SAMPLE_ORIGIN,
    copy_site,
    decide_address,
    fill_in_new_edition,
    line_of,
    read,
    run_build,
    run_cli,
    snapshot,
    write,
)

from campaign import pipeline
from campaign.context import make_context

PRODUCTION = "https://www.example.gov.cn/jnxcz/"
LATER = "2025-03-01T10:00"  # a build before the 2025 week: the 2024 one long over
# What 2024's notice gave and the 2025 edition must not repeat (dates, numbers, names, places).
LAST_YEARS_FACTS = (
    "2024",
    "〔",
    "工作通知",
    "67875049",
    "375917720",
    "张豫龙",
    "5月13日",
    "5月15日",
    "5月17日",
    "绿色转型",
    "美丽中国",
    "华龙网",
    "新华网",
    "荣昌",
    "洛阳",
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _new_edition(root: Path, year: str = "2025"):
    return run_build(root, "new-edition", year)


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict:
    """The shipped project built, then turned into 2025's with nothing filled in, built again."""
    root = copy_site(tmp_path_factory.mktemp("editions") / "site")
    before = root.parent / "before"
    result = run_build(root, "--no-pdf", "--as-of", LATER, "--out", str(before))
    assert result.returncode == 0, result.stderr
    started = _new_edition(root)
    assert started.returncode == 0, started.stderr
    result = run_build(root, "--no-pdf", "--as-of", LATER)
    assert result.returncode == 0, result.stderr
    # the same, once the clerk has filled in what the new notice gives: 2025 is then the live edition
    filled = fill_in_new_edition(
        copy_site(root.parent / "filled", root, ("config.yaml", "content", "templates", "editions"))
    )
    live = run_build(filled, "--no-pdf", "--as-of", LATER)
    assert live.returncode == 0, live.stderr
    return {
        "root": root,
        "before": snapshot(before),
        "after": snapshot(root / "output"),
        "said": started.stdout,
        "built": result.stdout,
        "filled": filled,
        "live": snapshot(filled / "output"),
    }


def test_new_edition_says_what_it_did_and_what_comes_next(editions):
    said = editions["said"]
    assert said.startswith("已开始 2025 年的活动：\n  - 上一届的网站原样保存在 editions/2024/，")
    assert "正式网址 https://www.example.gov.cn/jnxcz/2025/" in said
    placeholders = re.search(r"按它列出的 (\d+) 处「待填写」", said)
    check = run_build(editions["root"], "check", "--no-pdf", "--as-of", LATER)
    listed = re.search(r"待填写的内容：(\d+) 处", check.stdout)
    assert placeholders and listed and placeholders.group(1) == listed.group(1)


def test_the_new_edition_shows_no_fact_of_last_year(editions):
    after = editions["after"]
    pages = {path: data for path, data in after.items() if path.startswith("2025/")}
    assert "2025/index.html" in pages and "2025/posters/schedule/qr-300dpi.png" in pages
    for path, data in pages.items():
        if path.endswith((".html", ".xml", ".ics", ".txt", ".svg")):
            text = data.decode("utf-8")
            found = [fact for fact in LAST_YEARS_FACTS if fact in text]
            assert not found, f"{path} still shows {found}"
    home = pages["2025/index.html"].decode()
    assert '<h1 id="hero-title">江北区公共机构2025年全国节能宣传周和全国低碳日活动</h1>' in home
    assert (
        '<p class="theme-slogan">“<span class="placeholder">待填写：2025年的主题（照通知原文填写）</span>”</p>' in home
    )
    assert '<p class="theme-dates"><span class="placeholder">待填写：开始日期至待填写：结束日期</span></p>' in home
    assert '<h2 id="h-now" data-now-heading>即将开始</h2>' in home
    assert 'data-first="" data-last=""' in home, "no date for the reader's clock to act on"
    # feeds stay valid without a date: the feed says when it was made, the sitemap leaves lastmod out
    feed = ET.fromstring(pages["2025/feed.xml"])
    assert feed.find("{http://www.w3.org/2005/Atom}updated").text == "2025-03-01T10:00:00+08:00"
    assert b"<lastmod>" not in pages["2025/sitemap.xml"]


def test_check_lists_every_placeholder_at_its_line(editions):
    root = editions["root"]
    check = run_build(root, "check", "--no-pdf", "--as-of", LATER)
    campaign = read(root, "content/campaign.yaml")
    notice = read(root, "content/notice.md")
    contact = read(root, "content/contact.md")
    expected = [
        f"config.yaml:{line_of(read(root, 'config.yaml'), '  contact:')}: contact：待填写：2025年的联系人和联系电话",
        f"content/campaign.yaml:{line_of(campaign, 'start:')}: start：待填写：开始日期",
        f"content/campaign.yaml:{line_of(campaign, 'slogan:', nth=3)}: slogan：待填写：2025年的主题（照通知原文填写）",
        f"content/notice.md:{line_of(notice, 'doc_no:')}: doc_no：待填写：发文字号",
        f"content/notice.md:{line_of(notice, 'published:')}: published：待填写：发布日期",
        f"content/contact.md:{line_of(contact, 'deadline:')}: deadline：待填写：报送截止日期",
    ]
    for line in expected:
        assert f"  - {line}\n" in check.stdout
    # the empty schedule and reports are reported as empty sections, to be filled before going live
    assert "content/schedule.yaml: 「活动日程」栏目没有任何内容" in check.stdout
    # a document number still 待填写 is a placeholder, not a wrongly written number
    assert "发文字号「待填写" not in check.stdout


def test_the_archived_edition_keeps_every_file_and_gains_the_note(editions):
    before, after = editions["before"], editions["live"]
    kept = {path[len(f"{EDITION}/") :]: data for path, data in after.items() if path.startswith(f"{EDITION}/")}
    old = {path[len(f"{EDITION}/") :]: data for path, data in before.items() if path.startswith(f"{EDITION}/")}
    assert kept.keys() == old.keys()
    note = (
        '<p class="past-edition" role="note">这是往届（2024年）活动的网站，内容保留备查，不再更新。'
        '本届活动请看：<a href="{}2025/">江北区公共机构2025年全国节能宣传周和全国低碳日活动</a></p>\n'
    )
    for path, data in kept.items():
        if not path.endswith(".html") or path.startswith("posters/") and path != "posters/index.html":
            assert data == old[path], f"{path} changed"
            continue
        text = data.decode()
        if path == "404.html":
            shown = note.format("/jnxcz/")
        else:
            depth = path.count("/")
            shown = note.format("../" * (depth + 1))
        assert shown in text
        if 'class="pending"' in old[path].decode():
            # an address never announced: not "本站正在更新" a year on, but that the campaign is over
            assert not re.search("本站正在更新|尚未公布|暂未提供", text), path
            assert re.search("这次(活动|竞赛)已经结束", text), path
            continue
        assert text.replace(shown, "") == old[path].decode(), f"{path}: more than the note changed"


def test_an_archived_edition_reads_as_over_whenever_it_is_built(editions, tmp_path):
    root = copy_site(tmp_path / "site", editions["root"], ("config.yaml", "content", "templates", "editions"))
    result = run_build(root, "--no-pdf", "--as-of", "2024-05-15T10:00")
    assert result.returncode == 0, result.stderr
    home = read(root, "output/2024/index.html")
    assert '<h2 id="h-now" data-now-heading>活动回顾</h2>' in home
    badges = re.findall(r'data-status="([a-z]+)"', read(root, "output/2024/schedule/index.html"))
    assert badges and set(badges) == {"ended"}


def test_the_campaigns_address_leads_to_the_newest_edition(editions):
    top = editions["live"]["index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=2025/">' in top
    assert f'<link rel="canonical" href="{PRODUCTION}2025/">' in top
    assert (
        '<h2 id="h-past">往届活动</h2>\n<ul aria-labelledby="h-past"><li><a href="2024/">'
        "江北区公共机构2024年全国节能宣传周和全国低碳日活动</a></li></ul>" in top
    )
    assert editions["live"]["404.html"] == editions["live"]["2025/404.html"]


def test_a_draft_edition_is_built_at_its_address_and_the_campaign_still_leads_to_the_live_one(editions):
    """After new-edition, before the new notice is filled in: /jnxcz/ and 2024 stay as they were."""
    root, before, after = editions["root"], editions["before"], editions["after"]
    top = after["index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=2024/">' in top and "往届活动" not in top
    assert after["404.html"] == after["2024/404.html"]
    assert {p: d for p, d in after.items() if p.startswith("2024/")} == {
        p: d for p, d in before.items() if p.startswith("2024/")
    }, "2024 is still the live edition: no 往届 note leading to a draft"
    assert "past-edition" not in after["2025/index.html"].decode()
    unfilled = len(pipeline.load_project(make_context(root, None)).unfilled)
    first = f"config.yaml:{line_of(read(root, 'config.yaml'), '  contact:')}"
    assert editions["built"].splitlines()[1] == (
        f"注意：2025 届还是草稿：还有 {unfilled} 处本届的「待填写」（第一处在 {first}，运行 python build.py check 可看全部），"
        f"活动网址仍指向 2024 届；草稿在 {root / 'output' / '2025'} 里，填好后重新生成，活动网址就指向它"
    )


def test_publish_leaves_a_draft_out_and_ships_fixes_to_the_live_edition(editions, tmp_path):
    parts = ("config.yaml", "content", "templates", "editions")
    root = decide_address(copy_site(tmp_path / "site", editions["root"], parts))
    news = sorted((root / "editions/2024/content/news").glob("*.md"))[0]
    news.write_text(news.read_text(encoding="utf-8") + "\n本文有一处更正（已更正）。\n", encoding="utf-8")
    dest = tmp_path / "srv"
    shipped = run_cli(root, "publish", str(dest), "--no-pdf", "--as-of", LATER)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.splitlines()[0].endswith(
        "活动网址仍指向 2024 届；这次只发布往届（草稿不发布；要一同发布，加 --with-draft）"
    )
    live = dest / "current"
    assert not (live / "2025").exists()
    pages = [page for page in (live / "2024" / "news").rglob("*.html") if "（已更正）" in page.read_text("utf-8")]
    assert len(pages) == 1, "the fix to last year's report is online"
    assert 'url=2024/"' in (live / "index.html").read_text(encoding="utf-8")
    with_draft = run_cli(
        root, "publish", str(dest), "--no-pdf", "--as-of", LATER, "--with-draft", "--ignore-inspection"
    )
    assert with_draft.returncode == 0, with_draft.stderr
    assert (live / "2025" / "index.html").is_file() and 'url=2024/"' in (live / "index.html").read_text("utf-8")


def test_both_editions_published_together_every_printed_code_works(editions, tmp_path):
    """A real nginx from the shipped block: 2024's codes land on 2024 pages that lead to 2025."""
    parts = ("config.yaml", "content", "templates", "editions")
    root = decide_address(copy_site(tmp_path / "site", editions["filled"], parts))
    with running_nginx() as server:
        origin = f"https://127.0.0.1:{server.port}"
        result = run_build(root, "publish", str(server.dest), "--no-pdf", "--as-of", LATER, "--ignore-inspection")
        assert result.returncode == 0, result.stderr
        codes = {}  # decoded from the sample build's files: the same paths as the decided address's
        for year in ("2024", "2025"):
            for path, data in editions["live"].items():
                if path.startswith(f"{year}/posters/") and path.endswith("/qr-300dpi.png"):
                    [code] = decode_png(data)
                    codes[path] = code
        assert len(codes) == 8
        for path, code in codes.items():
            year = path[:4]
            assert code.startswith(f"{PRODUCTION}{year}/go/"), code
            status, _, body = get(code.replace(SAMPLE_ORIGIN, origin))
            assert status == 200, code
            page = body.decode()
            if year == "2024":
                [href] = re.findall(r'class="past-edition" role="note">[^<]*<a href="([^"]+)"', page)
                newest = urljoin(code.replace(SAMPLE_ORIGIN, origin), href)
                assert newest == f"{origin}/jnxcz/2025/"
                status, _, home = get(newest)
                assert status == 200 and "江北区公共机构2025年全国节能宣传周和全国低碳日活动" in home.decode()
                if "/go/chuanyu-live/" in code:  # its address was never filled in, and the week is long over
                    assert "<strong>这次活动已经结束，直播网址没有在本站公布。</strong>" in page
            else:
                assert "past-edition" not in page
        status, _, top = get(f"{origin}/jnxcz/")
        assert status == 200 and '<meta http-equiv="refresh" content="0; url=2025/">' in top.decode()
        status, _, missing = get(f"{origin}/jnxcz/2023/")
        assert status == 404 and "江北区公共机构2025年" in missing.decode()


def test_rollback_after_the_new_edition_restores_the_site_as_it_was(tmp_path):
    root = decide_address(copy_site(tmp_path / "site"))
    with running_nginx() as server:
        origin = f"https://127.0.0.1:{server.port}"
        first = run_build(root, "publish", str(server.dest), "--no-pdf", "--as-of", LATER, "--ignore-inspection")
        assert first.returncode == 0, first.stderr
        live = snapshot(server.dest / "current")
        served = get(f"{origin}/jnxcz/2024/")[2]
        assert _new_edition(root).returncode == 0
        fill_in_new_edition(root)
        second = run_build(root, "publish", str(server.dest), "--no-pdf", "--as-of", LATER, "--ignore-inspection")
        assert second.returncode == 0, second.stderr
        assert get(f"{origin}/jnxcz/2025/")[0] == 200
        back = run_build(root, "publish", str(server.dest), "--rollback")
        assert back.returncode == 0, back.stderr
        restored = snapshot(server.dest / "current")
        # every file as it was; beside them only the new edition's hashed style sheets and scripts,
        # carried over so that a 2025 page fetched just before the rollback still loads them
        extra = restored.keys() - live.keys()
        assert {path: restored[path] for path in live if path != "MANIFEST.sha256"} == {
            path: data for path, data in live.items() if path != "MANIFEST.sha256"
        }
        assert extra and all(re.fullmatch(r"2025/assets/[a-z]+\.[0-9a-f]{10}\.(css|js)", path) for path in extra)
        manifest = restored["MANIFEST.sha256"].decode().splitlines()
        assert [line for line in manifest if not line.startswith("# carried over from ")] == sorted(
            live["MANIFEST.sha256"].decode().splitlines() + [f"{_sha(restored[path])}  {path}" for path in extra],
            key=lambda line: line.split("  ", 1)[1],
        )
        assert get(f"{origin}/jnxcz/2024/")[2] == served
        # 2025 is gone again: the site's own error page (403: only its carried assets' folder is there)
        status, _, body = get(f"{origin}/jnxcz/2025/")
        assert status in (403, 404) and body == live["404.html"]


def test_new_edition_refusals_change_nothing(tmp_path):
    root = copy_site(tmp_path / "site")
    sources = snapshot(root)
    for year, message in (
        ("25", "没有开始新一届：new-edition 后面要写新一届的年份，如 2025；这里是「25」\n"),
        ("2024", "没有开始新一届：新一届的年份（2024）应在本届（2024）之后\n"),
    ):
        result = _new_edition(root, year)
        assert (result.returncode, result.stderr) == (2, message)
    result = run_build(root, "new-edition")
    assert (result.returncode, result.stderr) == (
        2,
        "请在 new-edition 后面写上新一届的年份，如：python build.py new-edition 2025\n",
    )
    assert snapshot(root) == sources
    assert _new_edition(root).returncode == 0
    again = _new_edition(root, "2025")
    assert (again.returncode, again.stderr) == (2, "没有开始新一届：新一届的年份（2025）应在本届（2025）之后\n")
    # the year put back by hand while the archive is there: the archive is never overwritten
    write(root, "config.yaml", read(root, "config.yaml").replace("/jnxcz/2025/", "/jnxcz/2024/"))
    kept = snapshot(root / "editions")
    result = _new_edition(root)
    assert (result.returncode, result.stderr) == (
        2,
        "没有开始新一届：editions/2024/ 已经存在：2024 年的活动已经存档过，没有改动任何文件\n",
    )
    assert snapshot(root / "editions") == kept


def test_a_base_url_without_a_year_is_refused_for_a_new_edition(tmp_path):
    root = copy_site(tmp_path / "site")
    write(root, "config.yaml", read(root, "config.yaml").replace("/jnxcz/2024/", "/jnxcz/"))
    result = _new_edition(root)
    assert (result.returncode, result.stderr) == (
        2,
        "没有开始新一届：config.yaml 里的正式网址「https://www.example.gov.cn/jnxcz/」不是以年份结尾"
        "（如 …/jnxcz/2024/），看不出本届是哪一年；请先把网址改成以年份结尾再运行 new-edition\n",
    )
    assert not (root / "editions").exists()


def test_a_broken_link_in_an_archived_edition_is_reported_at_its_line(editions, tmp_path):
    root = copy_site(tmp_path / "site", editions["root"], ("config.yaml", "content", "templates", "editions"))
    name = "editions/2024/content/contact.md"
    text = read(root, name)
    write(root, name, text.replace("如有疑问，", "如有疑问，请看[问答](../faq/)，"))
    check = run_build(root, "check", "--no-pdf", "--as-of", LATER)
    line = line_of(read(root, name), "[问答](../faq/)")
    assert f"  - {name}:{line}: 链接「../faq/」指向的页面不存在（出现在 contact/）\n" in check.stdout
    assert check.returncode == 5


def test_two_editions_with_one_address_are_refused(editions, tmp_path):
    root = copy_site(tmp_path / "site", editions["root"], ("config.yaml", "content", "templates", "editions"))
    write(root, "config.yaml", read(root, "config.yaml").replace("/jnxcz/2025/", "/jnxcz/2024/"))
    result = run_build(root, "--no-pdf")
    line = line_of(read(root, "config.yaml"), "base_url:")
    assert result.returncode == 1
    assert (
        f"config.yaml:{line}: 正式网址「https://www.example.gov.cn/jnxcz/2024/」与 editions/2024/config.yaml 的相同："
        "两届活动不能用同一个网址（/jnxcz/2024/）；本届请改成新的年份\n" in result.stderr
    )


def test_the_preview_serves_every_edition_at_its_address(editions):
    from campaign.preview.session import Preview

    preview = Preview(editions["filled"], "http://127.0.0.1:8000")
    outcome = preview.rebuild()
    assert outcome.error is None
    assert preview.base_path == "/jnxcz/2025/"
    assert list(preview.archived) == ["/jnxcz/2024/"]
    page = preview.archived["/jnxcz/2024/"]["go/schedule/index.html"].decode()
    assert 'content="0; url=http://127.0.0.1:8000/jnxcz/2024/schedule/"' in page
    assert '<a href="../../../2025/">江北区公共机构2025年全国节能宣传周和全国低碳日活动</a>' in page


def test_a_new_edition_that_does_not_load_puts_the_old_sources_back(tmp_path, monkeypatch, capsys):
    """Should the rewritten sources not load (a clerk's file the rewrite could not foresee), the
    project is left exactly as it was: no archive, this year's sources in place, the reason said."""
    from campaign import cli, new_edition

    root = copy_site(tmp_path / "site", printed=False)  # the sources alone, no build cache yet
    sources = snapshot(root)
    rewrite = new_edition._rewrite_sources

    def broken(project, old, new, base_url):
        rewrite(project, old, new, base_url)
        write(project, "content/quiz.yaml", read(project, "content/quiz.yaml").replace("title:", "title：", 1))

    monkeypatch.setattr(new_edition, "_rewrite_sources", broken)
    assert cli.main(["new-edition", "2025", "--root", str(root)]) == 1
    said = capsys.readouterr().err
    assert said.startswith("构建失败：发现 1 处问题")
    assert "content/quiz.yaml:" in said and "冒号是中文全角" in said
    kept = {path: data for path, data in snapshot(root).items() if not path.startswith(".cache/")}
    assert kept == sources  # only the build cache is new, the tool's own (safe to delete)


def test_a_short_address_to_last_years_event_points_nowhere_yet_and_its_poster_is_renewed(tmp_path):
    """A code to one of 2024's events cannot lead to 2025's (the schedule starts empty): its short
    address becomes 待填写, and a poster leading to one of 2024's livestreams or events gets its
    headline anew, listed by check, instead of printing 2024's event title in 2025."""
    root = copy_site(tmp_path / "site")
    posters = read(root, "content/posters.yaml")
    posters = posters.replace(
        "  - id: quiz\n    target: page:quiz\n",
        "  - id: quiz\n    target: page:quiz\n  - id: launch-day\n    target: event:chuanyu-launch-ceremony\n",
    )
    write(root, "content/posters.yaml", posters)
    assert run_build(root, "--no-pdf").returncode == 0
    started = _new_edition(root)
    assert started.returncode == 0, started.stderr
    renewed = read(root, "content/posters.yaml")
    assert (
        "  - id: launch-day\n    target: 待填写：扫码后去哪里（写法见上面的说明；上一届的日程已不在本届）\n" in renewed
    )
    headlines = re.findall(r"^    headline: (.*)$", renewed, re.M)
    old = re.findall(r"^    headline: (.*)$", posters, re.M)
    links = {poster["id"]: poster["link"] for poster in yaml.safe_load(posters)["posters"]}
    assert len(headlines) == len(old) == len(links) == 4
    for (poster, link), before, after in zip(links.items(), old, headlines):
        if link in ("chuanyu-live", "xinhua-live"):  # codes to 2024's livestreams
            assert after == "待填写：海报大标题（照2025年的直播、资料或活动填写）", poster
        else:
            assert after == before.replace("2024", "2025"), poster
    built = run_build(root, "--no-pdf", "--as-of", LATER)
    assert built.returncode == 0, built.stderr
    page = (root / "output/2025/go/launch-day/index.html").read_text(encoding="utf-8")
    assert "这个二维码要打开的内容还没有确定。" in page and 'http-equiv="refresh"' not in page
    checked = run_build(root, "check", "--as-of", LATER)
    line = line_of(renewed, "target: 待填写：扫码后去哪里")
    assert f"content/posters.yaml:{line}" in checked.stdout


def test_no_posters_means_no_posters_page_and_no_link_to_it(tmp_path):
    root = copy_site(tmp_path / "site")
    text = read(root, "content/posters.yaml")
    write(root, "content/posters.yaml", text[: text.index("\nposters:")] + "\nposters: []\n")
    built = run_build(root, "--no-pdf")
    assert built.returncode == 0, built.stderr
    out = root / "output" / EDITION
    assert not (out / "posters").exists()
    for page in out.rglob("*.html"):
        assert "posters/" not in page.read_text(encoding="utf-8"), page
    checked = run_build(root, "check")
    assert "posters/" not in checked.stdout + checked.stderr  # no broken link to a posters page

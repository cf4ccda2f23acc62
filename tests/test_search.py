"""站内搜索 as readers use it: in Chromium online under the shipped nginx block and its
Content-Security-Policy, offline from disk (file://), and in the live preview after a save;
the exact pages a query finds; the index built like any page (the same bytes every build, a
rebuild equal to a clean build) and its builder and text folding in process.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from conftest import REPO, run_build
from nginxserver import running_nginx
from sitecopy import EDITION, copy_site, decided_copy, run_cli, write
from test_serve import WAIT_MS, Serving, connected, free_port

from campaign.context import make_context
from campaign.pipeline import load
from campaign.render import search
from campaign.render.pages import plan_pages

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NOTHING = "没有找到与「核电站」有关的内容。请检查有没有错别字，或换一个更短的词再试，例如「直播」「倡议」。"
# What a reader sees for each query: the result titles, best first (the shipped content).
FOUND = {
    "洛阳": ["2024年全国节能宣传周公共机构节能降碳专题宣传活动", "活动日程", "活动通知"],
    "直播": [
        "公布直播收看网址和资料下载网址",
        "扫码收看川渝地区公共机构节能宣传周启动仪式直播",
        "扫码收看全国公共机构节能降碳专题宣传活动直播",
        "直播收看与资料下载",
        "宣传海报",
        "2024年全国节能宣传周公共机构节能降碳专题宣传活动",
        "2024年川渝地区公共机构节能宣传周活动启动仪式",
        "活动日程",
        "区机关事务局印发2024年全国节能宣传周和全国低碳日活动安排",
        "活动通知",
        "江北区公共机构2024年全国节能宣传周和全国低碳日活动",
    ],
    "节约用电": [
        "发布迎峰度夏节约用电倡议和能源资源节约示范案例",
        "江北区公共机构2024年全国节能宣传周和全国低碳日活动",
        "公布直播收看网址和资料下载网址",
        "直播收看与资料下载",
        "活动日程",
        "区机关事务局印发2024年全国节能宣传周和全国低碳日活动安排",
        "活动通知",
    ],
    "5月15日": [
        "全国低碳日绿色低碳倡议",
        "全国低碳日，从我做起",
        "2024年全国节能宣传周和全国低碳日活动日程",
        "全国低碳日绿色低碳主题体验活动",
        "江北区公共机构2024年全国节能宣传周和全国低碳日活动",
        "区机关事务局印发2024年全国节能宣传周和全国低碳日活动安排",
        "活动通知",
    ],
    "少开一天车": ["全国低碳日绿色低碳倡议", "全国低碳日，从我做起", "全国低碳日绿色低碳主题体验活动", "活动通知"],
    "QQ.com": ["联系与报送", "报送活动总结材料截止", "活动通知"],
    "节能 洛阳": ["2024年全国节能宣传周公共机构节能降碳专题宣传活动", "活动日程", "活动通知"],
}
# Full-width and half-width, upper and lower case, Chinese and ASCII commas: the same query.
SAME = {"５月１５日": "5月15日", "ＱＱ．ｃｏｍ": "QQ.com", "qq.COM": "QQ.com", "节能　洛阳": "节能 洛阳"}
NEW_REPORT = """---
title: 区机关事务局组织参观光伏车棚
date: 2024-05-15
source: 区机关事务局
summary: 干部职工参观光伏车棚。
---
全国低碳日当天，区机关事务局组织干部职工参观光伏车棚，了解屋顶发电。资料在 D:\\资料\\光伏 (it's here)。

附件：[光伏车棚介绍](介绍.pdf)
"""
NEW_FOLDER = "content/news/2024-05-15-guangfu"


def titles(tab) -> list[str]:
    return tab.eval_on_selector_all("#search-results h2 a", "links => links.map(a => a.textContent)")


def status(tab) -> str:
    return tab.locator("#search-status").inner_text()


def ask(tab, address: str, query: str) -> None:
    tab.goto(f"{address}?q={quote(query)}")


def a_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_report(root: Path) -> None:
    (root / NEW_FOLDER).mkdir(parents=True)
    write(root, f"{NEW_FOLDER}/index.md", NEW_REPORT)
    (root / NEW_FOLDER / "介绍.pdf").write_bytes(a_pdf())


PART = re.compile(r'\(window\.(\w+)=window\.\1\|\|\{\}\)\["([a-z0-9-]+)"\]=(.*);\n', re.S)


def parsed(script: str) -> tuple[str, object]:
    """The name and the object (JSON) a file of the index gives a browser: "pages" for the
    documents (the global they assign), else the part's name."""
    head, body = script.split("\n", 1)
    assert head == "/* 站内搜索索引，由 build.py 生成，请勿手工修改 */"
    documents = f"window.{search.GLOBAL}="
    if body.startswith(documents):
        assert body.endswith(";\n")
        return "pages", json.loads(body[len(documents) : -len(";\n")])
    found = PART.fullmatch(body)
    assert found and found[1] == search.PARTS, body[:80]
    return found[2], json.loads(found[3])


def assembled(scripts: dict[str, str]) -> dict:
    """The whole index from its files (path -> text): each page's row with its text, every bigram."""
    files = dict(parsed(text) for text in scripts.values())
    documents = files.pop("pages")
    assert isinstance(documents, dict)
    grams: dict[str, str] = {}
    rows = [list(row) for row in documents["pages"]]
    for name, data in sorted(files.items()):
        kind, number = name.split("-")
        if kind == "grams":
            assert all(search.part_of(gram, documents["grams"]) == int(number) for gram in data)
            assert list(data) == sorted(data)
            grams.update(data)
        else:
            for at, text in enumerate(data):
                rows[int(number) * documents["texts"] + at].append(text)
    assert all(len(row) == 5 for row in rows)
    return {"pages": rows, "grams": dict(sorted(grams.items())), "parts": documents["grams"]}


def index_files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in (out / "search").glob("*.js")}


def index_of(out: Path) -> dict:
    return assembled(index_files(out / EDITION))


def built_index(site, pages) -> dict[str, bytes]:
    """Every file of the index made in process, as the rendering pass makes them."""
    memo = search.Memo()
    return {part.path: search.part_file(site, part, memo) for part in search.parts(pages)}


def search_in(index: dict, query: str) -> list[str]:
    """The titles whose searchable text holds every term: what search.js ranks (order aside)."""
    terms = search.normalise(query).split(" ")
    return [
        page[1]
        for page in index["pages"]
        if all(term in search.normalise(f"{page[1]} {page[3]} {page[4]}") for term in terms)
    ]


# --- in process: the text folding and the index builder --------------------------------------


def test_folding_makes_full_width_half_width_and_keeps_every_position():
    assert search.fold("５月１５日") == "5月15日"
    assert search.fold("ＱＱ．ｃｏｍ") == search.fold("QQ.com") == "qq.com"
    assert search.fold("绿色低碳，美丽中国") == "绿色低碳,美丽中国"
    assert search.fold("节能　洛阳") == "节能 洛阳"
    assert search.normalise("  节约\n\n用电 \t5月 ") == "节约 用电 5月"
    text = "２０２４年５月１５日，ＡＢＣ　少开一天车！"
    assert len(search.fold(text)) == len(text)  # a match marks the same characters in the shown text


def test_bigrams_of_each_run_and_the_visible_text_of_markup():
    assert search.bigrams("节约用电 5月") == {"节约", "约用", "用电", "5月"}
    assert search.bigrams("车 a") == set()
    shown = search.plain("<p><strong>节约</strong>用电</p><ul><li>少开&amp;一天车</li></ul>")
    assert search.normalise(shown) == "节约用电 少开&一天车"


def test_the_index_lists_every_page_and_finds_each_title_exactly(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    add_report(root)
    ctx = make_context(root, None, disk_cache=False)
    site = load(ctx)
    pages = search.indexed(plan_pages(site, ctx.qr))
    files = built_index(site, pages)
    assert files == built_index(site, pages)
    # a small site: the documents, one file of bigrams, its text in parts of a few pages
    texts = [f"search/texts-{n:03d}.js" for n in range(-(-len(pages) // search.TEXTS_PER_PART))]
    assert len(texts) >= 2 and sorted(files) == ["search/grams-00.js", search.INDEX, *texts]
    index = assembled({path: data.decode() for path, data in files.items()})
    rows = {page[1]: page for page in index["pages"]}
    report = rows["区机关事务局组织参观光伏车棚"]
    assert report[:4] == ["../news/2024-05-15-guangfu/", "区机关事务局组织参观光伏车棚", "活动动态", "2024年5月15日"]
    assert "光伏车棚介绍" in report[4]  # the attachment's title
    assert "资料在 D:\\资料\\光伏 (it's here)。" in report[4]  # quotes and backslashes survive the script
    assert rows["活动日程"][:3] == ["../schedule/", "活动日程", "活动日程"]
    assert "站内搜索" not in rows and "页面未找到" not in rows
    assert not any(page[0].startswith(("../go/", "../news/page/")) for page in index["pages"])
    named = [
        *(item.title for item in site.news),
        *(event.title for event in site.events),
        *(item.title for item in (*site.livestreams, *site.downloads)),
        *(pledge.title for pledge in site.pledge_day.pledges),
        *(pledge.text for pledge in site.pledge_day.pledges),
        "光伏车棚介绍",
    ]
    assert len(named) > 15
    for name in named:
        assert search_in(index, name), f"「{name}」 is not found"
    assert search_in(index, "光伏车棚介绍") == ["区机关事务局组织参观光伏车棚"]
    # the postings of 洛阳 are exactly the pages that say 洛阳, in the order of the pages
    assert [index["pages"][n][1] for n in postings(index, "洛阳")] == ["活动日程", "活动通知", FOUND["洛阳"][0]]
    assert list(index["grams"]) == sorted(index["grams"])
    # and every bigram's are those of the folded text of each page, as search.js folds a query
    wanted: dict[str, list[int]] = {}
    for number, page in enumerate(index["pages"]):
        for gram in search.bigrams(search.normalise(f"{page[1]} {page[3]} {page[4]}")):
            wanted.setdefault(gram, []).append(number)
    assert {gram: postings(index, gram) for gram in index["grams"]} == wanted


def postings(index: dict, gram: str) -> list[int]:
    numbers, total = [], 0
    for delta in index["grams"][gram].split(","):
        total += int(delta, 36)
        numbers.append(total)
    return numbers


def test_the_index_is_the_same_every_clean_build_and_a_rebuild_equals_a_clean_build(tmp_path):
    first, second = copy_site(tmp_path / "a", printed=False), copy_site(tmp_path / "b", printed=False)
    for root in (first, second):
        result = run_cli(root, "--no-pdf", "--out", str(root / "output"))
        assert result.returncode == 0, result.stderr
    before = index_files(first / "output" / EDITION)
    assert before == index_files(second / "output" / EDITION)
    assert sum(len(text.encode()) for text in before.values()) < 200_000
    # a report added: the rebuild's index is the clean build's, and finds it
    add_report(first)
    assert run_cli(first, "--no-pdf", "--out", str(first / "output")).returncode == 0
    add_report(second)
    shutil.rmtree(second / "output")
    shutil.rmtree(second / ".cache")
    assert run_cli(second, "--no-pdf", "--out", str(second / "output")).returncode == 0
    after = index_files(first / "output" / EDITION)
    assert after != before
    assert after == index_files(second / "output" / EDITION)
    assert search_in(index_of(first / "output"), "光伏") == ["区机关事务局组织参观光伏车棚"]


# --- offline: opened from disk -----------------------------------------------------------------


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "out"
    result = run_build("--offline", "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / EDITION


def test_offline_the_header_box_by_keyboard_leads_to_the_results(offline, browser):
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto((offline / "index.html").as_uri())
    for _ in range(12):  # past 跳到正文 and the site's name, to the box: keyboard only
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.id") == "site-search-q":
            break
    assert tab.evaluate("document.activeElement.id") == "site-search-q"
    tab.keyboard.type("洛阳")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/search/index.html?q=*")
    assert unquote(urlsplit(tab.url).query) == "q=洛阳"
    assert status(tab) == "找到 3 个与「洛阳」有关的页面。"
    assert titles(tab) == FOUND["洛阳"]
    assert tab.locator("#search-results mark").first.inner_text() == "洛阳"
    first = tab.locator("#search-results a").first.get_attribute("href")
    assert first == "../events/national-special-event/index.html"
    tab.locator("#search-results a").first.click()
    tab.wait_for_url("**/events/national-special-event/index.html")
    assert tab.locator("h1").inner_text() == FOUND["洛阳"][0]
    assert errors == []
    tab.close()


@pytest.mark.parametrize("query", [*FOUND, *SAME])
def test_offline_each_query_finds_exactly_its_pages(offline, browser, query):
    tab = browser.new_page()
    ask(tab, (offline / "search" / "index.html").as_uri(), query)
    wanted = FOUND[SAME.get(query, query)]
    assert titles(tab) == wanted
    assert status(tab) == f"找到 {len(wanted)} 个与「{query}」有关的页面。"
    tab.close()


def test_offline_nothing_found_says_so_with_a_hint(offline, browser):
    tab = browser.new_page()
    ask(tab, (offline / "search" / "index.html").as_uri(), "核电站")
    assert status(tab) == NOTHING
    assert titles(tab) == []
    assert tab.locator("#search-results").is_hidden()
    tab.close()


# --- online: the shipped nginx block, its CSP, axe ------------------------------------------------


@pytest.fixture(scope="module")
def served():
    with running_nginx() as server:
        result = run_build("publish", str(server.dest), "--root", str(decided_copy()))
        assert result.returncode == 0, result.stderr
        yield server


def test_online_under_the_shipped_csp_results_come_as_you_type(served, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, ignore_https_errors=True)
    foreign: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith(served.url4):
            request_route.continue_()
        else:
            foreign.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(served.url4)
    box = tab.locator("#site-search-q")
    assert box.is_visible()  # on a phone, without opening anything
    assert tab.locator("label[for=site-search-q]").inner_text() == "搜索本站内容"
    box.fill("直播")
    response_of_page = []
    tab.on("response", lambda r: response_of_page.append(r) if "/search/" in r.url and "q=" in r.url else None)
    box.press("Enter")
    tab.wait_for_url("**/search/?q=*")
    assert "script-src 'self'" in response_of_page[0].headers["content-security-policy"]
    assert titles(tab) == FOUND["直播"]
    # the page's own box: results follow each keystroke, no submit needed
    page_box = tab.locator("#search-q")
    assert page_box.input_value() == "直播"
    page_box.fill("")
    page_box.press_sequentially("节约用电")
    assert titles(tab) == FOUND["节约用电"]
    assert status(tab) == "找到 7 个与「节约用电」有关的页面。"
    assert tab.locator("#search-status").get_attribute("aria-live") == "polite"
    page_box.fill("核电站")
    assert status(tab) == NOTHING
    assert errors == [] and foreign == []
    assert tab.locator("#site-search-q").count() == 0  # the search page's own box, not two
    context.close()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_online_results_pass_axe_in_either_mode(served, browser, large):
    """axe is injected as a script, which the served CSP rightly forbids: bypass it here only."""
    context = browser.new_context(bypass_csp=True, ignore_https_errors=True, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    if large:
        tab.goto(served.url4 + "?mode=large")
    problems = {}
    for query in ("5月15日", "核电站"):
        ask(tab, served.url4 + "search/", query)
        if large:
            assert tab.evaluate("document.documentElement.classList.contains('large-text')")
            assert tab.evaluate("getComputedStyle(document.querySelector('#search-q')).fontSize") == "22px"
        tab.add_script_tag(path=str(AXE))
        found = tab.evaluate(
            "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
            AXE_TAGS,
        )
        if found:
            problems[query] = found
        assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert problems == {}
    context.close()


# --- the live preview: a new report is found after its save ------------------------------------


def test_preview_a_saved_report_is_found_at_once(tmp_path, browser):
    root = copy_site(tmp_path / "project")
    server = Serving(root, free_port())
    try:
        tab = browser.new_page()
        ask(tab, server.url + "search/", "光伏车棚")
        connected(tab)
        assert "没有找到与「光伏车棚」有关的内容" in status(tab)
        write(root, "content/news/2024-05-15-guangfu.md", NEW_REPORT.replace("\n附件：[光伏车棚介绍](介绍.pdf)\n", ""))
        tab.wait_for_function("document.querySelectorAll('#search-results h2 a').length === 1", timeout=WAIT_MS)
        assert titles(tab) == ["区机关事务局组织参观光伏车棚"]
        tab.close()
    finally:
        server.stop()


# --- a big site: the index in parts, a query loads only its own ----------------------------------

TOPICS = ["节能降碳", "绿色出行", "随手关灯", "节约用水", "光盘行动", "垃圾分类", "双面打印", "空调温度"]
GENERATED = 240  # with the shipped pages, past 256: four files of bigrams


def generated(root: Path, count: int = GENERATED) -> None:
    """`count` short reports, each a few of TOPICS and its own number, dated before the build's day."""
    for k in range(count):
        day = f"2024-05-{1 + k % 9:02d}"
        body = "".join(f"{TOPICS[(k + j) % len(TOPICS)]}第{k}次，江北区第{j}组参加。" for j in range(6))
        write(
            root,
            f"content/news/{day}-gen-{k:03d}.md",
            f"---\ntitle: 第{k}号简报\ndate: {day}\nsource: 区机关事务局\n---\n{body}\n",
        )


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("big") / "site", printed=False)
    generated(root)
    add_report(root)
    result = run_cli(root, "--offline", "--no-pdf", "--out", str(root / "output"))
    assert result.returncode == 0, result.stderr
    return root / "output" / EDITION


def test_a_big_site_loads_only_the_parts_its_query_needs(big, browser):
    index = assembled(index_files(big))
    assert index["parts"] == 4
    number = [row[1] for row in index["pages"]].index("区机关事务局组织参观光伏车棚")
    wanted = {f"grams-{search.part_of(gram, 4):02d}" for gram in ("光伏", "伏车", "车棚")}
    wanted |= {f"texts-{number // search.TEXTS_PER_PART:03d}"}
    assert len({path for path in index_files(big) if "/texts-" in path}) > 10
    tab = browser.new_page()
    loaded: list[str] = []
    tab.on(
        "request",
        lambda r: (
            loaded.append(r.url.rsplit("/search/", 1)[1]) if "/search/" in r.url and r.url.endswith(".js") else None
        ),
    )
    ask(tab, (big / "search" / "index.html").as_uri(), "光伏车棚")
    tab.wait_for_function("document.getElementById('search-status').textContent !== ''")
    assert titles(tab) == ["区机关事务局组织参观光伏车棚"]
    assert status(tab) == "找到 1 个与「光伏车棚」有关的页面。"
    assert sorted(loaded) == sorted(["pages.js", *(f"{name}.js" for name in wanted)])
    # a word on most pages: the first 20 are checked and shown, with only their text loaded
    earlier = set(loaded)  # not loaded again
    loaded.clear()
    tab.locator("#search-q").fill("节能降碳")
    tab.wait_for_function("document.querySelectorAll('#search-results h2 a').length === 20")
    assert status(tab).startswith("找到约 ") and status(tab).endswith(
        "下面列出最相关的前 20 个；加一个词可以缩小范围。"
    )
    numbers = [[row[1] for row in index["pages"]].index(title) for title in titles(tab)]
    shown = {f"texts-{number // search.TEXTS_PER_PART:03d}.js" for number in numbers}
    assert sorted(name for name in loaded if name.startswith("texts-")) == sorted(shown - earlier)
    assert len(shown) < len(index["pages"]) / search.TEXTS_PER_PART / 3
    tab.close()


def test_editing_one_report_rewrites_only_the_parts_its_bigrams_fall_in(tmp_path):
    root = copy_site(tmp_path / "site", printed=False)
    generated(root)
    out = root / "output"
    assert run_cli(root, "--no-pdf", "--out", str(out)).returncode == 0
    before, stamps = index_of(out), mtimes(out / EDITION / "search")
    report = "content/news/2024-05-04-gen-003.md"
    text = (root / report).read_text(encoding="utf-8")
    write(root, report, text.replace("江北区第2组参加", "观音桥街道光伏车棚参观"))
    assert run_cli(root, "--no-pdf", "--out", str(out)).returncode == 0
    after = index_of(out)
    changed = {
        gram
        for gram in before["grams"].keys() | after["grams"].keys()
        if before["grams"].get(gram) != after["grams"].get(gram)
    }
    assert {"光伏", "车棚"} <= changed
    number = [row[1] for row in after["pages"]].index("第3号简报")
    wanted = {f"grams-{search.part_of(gram, 4):02d}.js" for gram in changed}
    wanted.add(f"texts-{number // search.TEXTS_PER_PART:03d}.js")  # the documents: the title is the same
    rewritten = {path for path, stamp in mtimes(out / EDITION / "search").items() if stamps.get(path) != stamp}
    assert rewritten == wanted and len(stamps) > len(wanted) + 10
    assert after["pages"][number][4] != before["pages"][number][4]

"""Accessible to everyone and friendly to older readers: axe in both modes, the large-text
mode remembered, everything reachable by keyboard with a visible focus, and reading aloud."""

from __future__ import annotations

import pytest
from conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pages(out):
    """Pages a reader stays on. 404.html links from the production path, so it is checked
    where it is served that way (test_nginx.py)."""
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*.html")
        if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8") and p.name != "404.html"
    )


def _axe(tab) -> list:
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(
        "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        AXE_TAGS,
    )


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_axe_finds_nothing_on_any_page_in_either_mode(built_site, site_server, browser, large):
    assert AXE.exists(), "npm ci installs axe-core (tests/run.sh does it)"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    if large:
        tab.goto(site_server + "?mode=large")
    problems = {}
    for path in pages(built_site):
        tab.goto(site_server + path)
        if large and not path.startswith("posters/"):  # poster pages are print sheets
            assert tab.evaluate("document.documentElement.classList.contains('large-text')"), path
        found = _axe(tab)
        if found:
            problems[path] = found
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    assert problems == {}
    context.close()


def _font_px(tab) -> float:
    return float(tab.evaluate("getComputedStyle(document.querySelector('main p, main li')).fontSize")[:-2])


def test_large_text_mode_is_remembered_across_pages_and_visits(site_server, browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(site_server + "schedule/")
    normal = _font_px(tab)
    toggle = tab.locator("#large-text-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    larger = _font_px(tab)
    assert larger >= 18 and larger > normal * 1.15
    tab.goto(site_server + "notice/")
    assert _font_px(tab) >= 18
    tab.reload()
    assert tab.locator("#large-text-toggle").get_attribute("aria-pressed") == "true"
    second_visit = context.new_page()
    second_visit.goto(site_server)
    assert _font_px(second_visit) >= 18
    second_visit.locator("#large-text-toggle").click()
    second_visit.goto(site_server + "schedule/")
    assert _font_px(second_visit) == pytest.approx(normal)
    context.close()


def test_keyboard_reaches_everything_with_a_visible_focus(built_site, site_server, browser):
    tab = browser.new_page()
    for path in ("", "schedule/", "events/chuanyu-launch-ceremony/", "notice/"):
        tab.goto(site_server + path)
        targets = tab.evaluate("""() => Array.from(document.querySelectorAll('a[href], button, [tabindex="0"]'))
            .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed' || e.classList.contains('skip-link'))
            .length""")
        tab.keyboard.press("Tab")
        first = tab.evaluate("document.activeElement.className")
        assert first == "skip-link", f"{path}: the skip link comes first"
        seen = 1
        for _ in range(targets + 5):
            ring = tab.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; }""")
            tag = tab.evaluate("document.activeElement.outerHTML.slice(0, 80)")
            assert ring, f"{path}: no visible focus on {tag}"
            tab.keyboard.press("Tab")
            if tab.evaluate("document.activeElement === document.body"):
                break
            seen += 1
        assert seen >= targets, f"{path}: Tab reached {seen} of {targets} links and controls"
    tab.close()


def test_skip_link_moves_focus_to_the_main_content(site_server, browser):
    tab = browser.new_page()
    tab.goto(site_server + "schedule/")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    tab.close()


STUB = """
window.__spoken = [];
class FakeUtterance { constructor(text) { this.text = text; this.lang = ''; } }
window.SpeechSynthesisUtterance = FakeUtterance;
Object.defineProperty(window, 'speechSynthesis', { value: {
    paused: false, speaking: false,
    speak(u) { window.__spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}); this.speaking = true; },
    pause() { this.paused = true; window.__spoken.push('pause'); },
    resume() { this.paused = false; window.__spoken.push('resume'); },
    cancel() { this.speaking = false; window.__spoken.push('cancel'); },
    getVoices() { return window.__voices; },
    addEventListener(name, listener) { window.__voicesChanged = listener; } }, configurable: true });
window.__voices = [{lang: 'en-US', name: 'English'}, {lang: 'zh-CN', name: '中文'}];
"""


def test_read_aloud_speaks_the_main_content_in_chinese(site_server, browser):
    context = browser.new_context()
    context.add_init_script(STUB)
    tab = context.new_page()
    tab.goto(site_server + "pledges/")
    read = tab.locator("#read-aloud")
    assert read.is_visible()
    read.click()
    spoken = [s for s in tab.evaluate("window.__spoken") if isinstance(s, dict)]
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN" and spoken[0]["voice"] == "中文"
    heading = tab.locator("main h1").inner_text()
    assert spoken[0]["text"].startswith(heading)
    assert "少开一天车" in spoken[0]["text"]
    assert "网站标识码" not in spoken[0]["text"], "only the main content, not the footer"
    tab.locator("#read-pause").click()
    tab.locator("#read-pause").click()
    tab.locator("#read-stop").click()
    assert [s for s in tab.evaluate("window.__spoken") if isinstance(s, str)][-3:] == ["pause", "resume", "cancel"]
    assert not tab.locator("#read-stop").is_visible()
    context.close()


def test_read_aloud_is_hidden_without_speech_synthesis(site_server, browser):
    context = browser.new_context()
    context.add_init_script(
        "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"
        "Object.defineProperty(window, 'speechSynthesis', {value: undefined});"
    )
    tab = context.new_page()
    tab.goto(site_server + "pledges/")
    assert not tab.locator("#read-aloud").is_visible()
    assert tab.locator("#large-text-toggle").is_visible()
    context.close()


def test_printed_pages_leave_out_navigation_and_show_addresses(built_site, site_server, browser):
    tab = browser.new_page()
    tab.goto(site_server + "notice/")
    tab.emulate_media(media="print")
    assert not tab.locator(".site-nav").is_visible()
    assert not tab.locator(".reader-tools").is_visible()
    tab.goto(site_server + "events/national-special-event/")
    tab.emulate_media(media="print")
    assert tab.locator(".site-nav").is_hidden()
    tab.close()


def test_read_aloud_shows_only_with_a_chinese_voice(site_server, browser):
    """A browser without a Chinese voice would stay silent: the button is not offered there."""
    context = browser.new_context()
    context.add_init_script(STUB + "window.__voices = [{lang: 'en-US', name: 'English'}];")
    tab = context.new_page()
    tab.goto(site_server + "pledges/")
    assert not tab.locator("#read-aloud").is_visible()
    assert not tab.locator("#read-pause").is_visible() and not tab.locator("#read-stop").is_visible()
    # voices often arrive after the page: a Chinese one then brings the button
    tab.evaluate("window.__voices.push({lang: 'zh_CN', name: '普通话'}); window.__voicesChanged()")
    assert tab.locator("#read-aloud").is_visible()
    context.close()

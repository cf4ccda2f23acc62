"""Broken-site fixtures: break one thing in a copy of the real project, run the command line.

Every test first builds the untouched copy once (so `output/` holds a good site), then breaks
one thing and runs `build.py --root <copy>` again, in this process (`sitecopy.run_cli`: the
messages and their lines are the point; one test checks that the real process prints the same
words with the same exit code). A broken build must:

* exit with code 1 (a content mistake; a crash's traceback is refused below),
* print the problem as `<file>:<line>: <message>` with the right file, the right line and a
  distinctive Chinese fragment of the message,
* print no Python traceback,
* leave `output/` byte for byte as the last good build left it.

Line numbers are computed from the text each test modifies, never hard-coded.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from sitecopy import (
    copy_site,
    delete_line,
    exact_line,
    insert_after,
    key_line,
    line_of,
    read,
    replace_line,
    run_build,
    run_cli,
    snapshot,
    write,
)

SCHEDULE = "content/schedule.yaml"
LIVESTREAMS = "content/livestreams.yaml"
QUIZ = "content/quiz.yaml"
CONFIG = "config.yaml"
NEWS_DIR = "content/news"


@dataclass
class Site:
    root: Path
    good: dict[str, bytes]

    def text(self, name: str) -> str:
        return read(self.root, name)

    def write(self, name: str, text: str) -> None:
        write(self.root, name, text)

    @property
    def news_file(self) -> str:
        names = sorted(p.name for p in (self.root / NEWS_DIR).glob("*.md"))
        assert names, "the real project has no news file to copy"
        return f"{NEWS_DIR}/{names[0]}"


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    """A copy of the real project, built once successfully with the real command line."""
    root = copy_site(tmp_path_factory.mktemp("good") / "site")
    result = run_cli(root)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "index.html" in snapshot(root / "output")
    return root


@pytest.fixture
def site(good_site: Path, tmp_path: Path) -> Site:
    """A private copy of the successfully built project (content plus its good `output/`).

    Copying the built copy instead of rebuilding in every test halves the run time; the copy's
    `output/` is exactly what a successful `build.py --root` wrote.
    """
    root = tmp_path / "site"
    shutil.copytree(good_site, root)
    good = snapshot(root / "output")
    assert good == snapshot(good_site / "output")
    return Site(root, good)


def assert_fails(site: Site, *expected: tuple[str, int, str]) -> str:
    """Build the broken copy; each expected (file, line, fragment) must be printed."""
    result = run_cli(site.root)
    both = result.stdout + result.stderr
    assert result.returncode == 1, f"broken site not refused as a content mistake (exit 1):\n{both}"
    assert "Traceback" not in both, both
    assert "构建失败" in result.stderr
    lines = result.stderr.splitlines()
    for file, line, fragment in expected:
        where = f"{file}:{line}: " if line else f"{file}: "
        matching = [text for text in lines if text.startswith(where)]
        assert matching, f"nothing reported at {where!r}; stderr was:\n{result.stderr}"
        assert any(fragment in text for text in matching), (
            f"{where!r} reported, but without {fragment!r}:\n{result.stderr}"
        )
    assert snapshot(site.root / "output") == site.good, "output/ changed after a failed build"
    return result.stderr


def event_line(text: str, event_id: str) -> int:
    return exact_line(text, f"  - id: {event_id}")


def key_line_in_event(text: str, event_id: str, key: str) -> int:
    """Line of `key:` inside the event `event_id` (the first after its `- id:` line)."""
    start = event_line(text, event_id)
    number = key_line(text, f"    {key}:", start=start)
    nxt = [n for n, line in enumerate(text.split("\n"), 1) if n > start and "  - id:" in line]
    assert not nxt or number < nxt[0], f"{key} not in event {event_id}"
    return number


def first_non_ascii_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if any(ord(ch) > 127 for ch in line):
            return number
    raise AssertionError("no non-ASCII text")


def test_the_real_process_says_the_same_with_the_same_exit_code(site: Site) -> None:
    """What the in-process runs assert is what a clerk's `python build.py` prints and returns."""
    text = site.text(QUIZ)
    site.write(QUIZ, replace_line(text, key_line(text, "prize:"), "prize: 奖品: 节能纪念品"))
    real, here = run_build(site.root), run_cli(site.root)
    assert (real.returncode, real.stdout, real.stderr) == (here.returncode, here.stdout, here.stderr)
    assert real.returncode == 1
    assert real.stderr.startswith("构建失败：发现 1 处问题，请按提示修改后重新运行。\n")


# --------------------------------------------------------------------------- YAML syntax


def test_yaml_colon_inside_value(site: Site) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "prize:")
    site.write(QUIZ, replace_line(text, number, "prize: 奖品: 节能纪念品"))
    assert_fails(site, (QUIZ, number, "冒号位置不对"))


def test_yaml_bad_indentation(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "low-carbon-day", "title")
    site.write(SCHEDULE, replace_line(text, number, "   title: 缩进少了一个空格"))
    assert_fails(site, (SCHEDULE, number, "YAML 格式有误"))


def test_yaml_unclosed_quote_points_at_the_quote(site: Site) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "title:")
    site.write(QUIZ, replace_line(text, number, 'title: "节能宣传周线上节能知识问答'))
    assert_fails(site, (QUIZ, number, "引号没有配对"))


@pytest.mark.parametrize(
    "file, find, indent",
    [
        (CONFIG, "  organiser: ", "\t"),
        (SCHEDULE, "    kind: 直播", "    \t"),
    ],
)
def test_tab_indentation(site: Site, file: str, find: str, indent: str) -> None:
    text = site.text(file)
    number = key_line(text, find)
    site.write(file, replace_line(text, number, indent + find.lstrip(" ")))
    assert_fails(site, (file, number, "Tab"))


@pytest.mark.parametrize(
    "file, key",
    [
        (CONFIG, "short_title"),
        (QUIZ, "organiser"),
    ],
)
def test_fullwidth_colon_after_key(site: Site, file: str, key: str) -> None:
    text = site.text(file)
    number = key_line(text, f"{key}: ")
    assert text.split("\n")[number - 1].startswith(f"{key}: ")
    site.write(file, replace_line(text, number, text.split("\n")[number - 1].replace(f"{key}: ", f"{key}：", 1)))
    assert_fails(site, (file, number, f"「{key}」后面的冒号是中文全角「：」"))


def test_fullwidth_colon_in_event(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "chuanyu-launch-ceremony", "place")
    site.write(SCHEDULE, replace_line(text, number, "    place：重庆市荣昌区"))
    assert_fails(site, (SCHEDULE, number, "「place」后面的冒号是中文全角「：」"))


def test_fullwidth_colon_on_only_key_of_nested_mapping(site: Site) -> None:
    lines = site.text(CONFIG).split("\n")
    qr = key_line("\n".join(lines), "qr:")
    assert lines[qr - 1] == "qr:"
    end = qr
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    lines[qr:end] = ["  error_correction：M"]  # the mapping now has this one key only
    site.write(CONFIG, "\n".join(lines))
    assert_fails(site, (CONFIG, qr + 1, "「error_correction」后面的冒号是中文全角"))


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize(
    "file, find, new, key, guess",
    [
        (QUIZ, "title: ", "titel: ", "titel", "title"),
        (CONFIG, "news_per_page: ", "news_per_pge: ", "news_per_pge", "news_per_page"),
    ],
)
def test_unknown_key_suggests_nearest(site: Site, file, find, new, key, guess) -> None:
    text = site.text(file)
    number = line_of(text, find)
    line = text.split("\n")[number - 1]
    assert line.startswith(find)
    site.write(file, replace_line(text, number, new + line[len(find) :]))
    assert_fails(site, (file, number, f"不认识的键「{key}」。是不是想写「{guess}」？"))


def test_unknown_key_in_event_suggests_nearest(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "low-carbon-day", "summary")
    line = text.split("\n")[number - 1]
    site.write(SCHEDULE, replace_line(text, number, line.replace("summary:", "sumary:")))
    assert_fails(site, (SCHEDULE, number, "不认识的键「sumary」。是不是想写「summary」？"))


def test_duplicate_top_level_key(site: Site) -> None:
    text = site.text(QUIZ)
    first = key_line(text, "organiser: ")
    prize = key_line(text, "prize: ")
    site.write(QUIZ, insert_after(text, prize, "organiser: 另一个单位"))
    second = prize + 1
    assert_fails(site, (QUIZ, second, f"「organiser」重复出现（第 {first} 行已经写过）"))


def test_duplicate_key_in_event(site: Site) -> None:
    text = site.text(SCHEDULE)
    first = key_line_in_event(text, "low-carbon-day", "kind")
    date = key_line_in_event(text, "low-carbon-day", "date")
    site.write(SCHEDULE, insert_after(text, date, "    kind: 宣传"))
    assert_fails(site, (SCHEDULE, date + 1, f"「kind」重复出现（第 {first} 行已经写过）"))


def _news_date(site: Site) -> tuple[str, str, int]:
    name = site.news_file
    text = site.text(name)
    return name, text, key_line(text, "date: ")


@pytest.mark.parametrize("where", ["event", "news", "contact"])
def test_impossible_date(site: Site, where: str) -> None:
    if where == "event":
        file, text = SCHEDULE, site.text(SCHEDULE)
        number = key_line_in_event(text, "low-carbon-day", "date")
        new = "    date: 2024-02-30"
    elif where == "news":
        file, text, number = _news_date(site)
        new = "date: 2024-02-30"
    else:
        file, text = "content/contact.md", site.text("content/contact.md")
        number = key_line(text, "deadline: ")
        new = "deadline: 2024-02-30"
    site.write(file, replace_line(text, number, new))
    assert_fails(site, (file, number, "日期「2024-02-30」不存在"))


@pytest.mark.parametrize("value", ["2024/05/15", "2024年5月15日", "5月15日", "2024-05-15 上午"])
def test_badly_formatted_date(site: Site, value: str) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "low-carbon-day", "date")
    site.write(SCHEDULE, replace_line(text, number, f"    date: {value}"))
    assert_fails(site, (SCHEDULE, number, f"写成 2024-05-13 这样的格式，这里写的是「{value}」"))


def test_badly_formatted_news_date(site: Site) -> None:
    file, text, number = _news_date(site)
    site.write(file, replace_line(text, number, "date: 2024.05.09"))
    assert_fails(site, (file, number, "这里写的是「2024.05.09」"))


def test_end_date_before_date(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "energy-quiz", "end_date")
    site.write(SCHEDULE, replace_line(text, number, "    end_date: 2024-05-10"))
    assert_fails(
        site,
        (SCHEDULE, event_line(text, "energy-quiz"), "结束日期 end_date（2024-05-10）早于开始日期 date（2024-05-13）"),
    )


@pytest.mark.parametrize("start, end", [("10:00", "09:30"), ("14:30", "14:30")])
def test_end_time_not_after_start(site: Site, start: str, end: str) -> None:
    text = site.text(SCHEDULE)
    date = key_line_in_event(text, "low-carbon-day", "date")
    site.write(SCHEDULE, insert_after(text, date, f"    start: {start}\n    end: {end}"))
    assert_fails(
        site, (SCHEDULE, event_line(text, "low-carbon-day"), f"结束时间 end（{end}）不晚于开始时间 start（{start}）")
    )


def test_end_time_without_start(site: Site) -> None:
    text = site.text(SCHEDULE)
    date = key_line_in_event(text, "low-carbon-day", "date")
    site.write(SCHEDULE, insert_after(text, date, "    end: 11:30"))
    assert_fails(site, (SCHEDULE, event_line(text, "low-carbon-day"), "却没有开始时间 start"))


@pytest.mark.parametrize("value", ["25:00", "9:75"])
def test_impossible_time(site: Site, value: str) -> None:
    text = site.text(SCHEDULE)
    date = key_line_in_event(text, "low-carbon-day", "date")
    site.write(SCHEDULE, insert_after(text, date, f"    start: {value}"))
    assert_fails(site, (SCHEDULE, date + 1, f"时间「{value}」不存在"))


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "ftp://ftp.example.com/live",
        "www.example.com/live",
        "data:text/html,hello",
    ],
)
def test_non_http_address(site: Site, value: str) -> None:
    text = site.text(LIVESTREAMS)
    number = key_line(text, "    url:")
    site.write(LIVESTREAMS, replace_line(text, number, f"    url: {value}"))
    assert_fails(site, (LIVESTREAMS, number, f"以 http:// 或 https:// 开头的网址，这里写的是「{value}」"))


def test_quiz_address_with_quote_is_refused(site: Site) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "url:")
    site.write(QUIZ, replace_line(text, number, 'url: https://example.com/" onmouseover=alert(1)'))
    assert_fails(site, (QUIZ, number, "不能出现在网址中的字符"))


@pytest.mark.parametrize("file", [QUIZ, CONFIG, SCHEDULE])
def test_file_saved_as_gbk(site: Site, file: str) -> None:
    text = site.text(file)
    (site.root / file).write_bytes(text.encode("gbk"))
    stderr = assert_fails(site, (file, first_non_ascii_line(text), "GBK"))
    assert "UTF-8" in stderr


def test_missing_required_key_in_event(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "low-carbon-day", "summary")
    site.write(SCHEDULE, delete_line(text, number))
    assert_fails(site, (SCHEDULE, event_line(text, "low-carbon-day"), "缺少「summary」，这一项必须填写"))


def test_required_key_left_empty(site: Site) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "prize:")
    site.write(QUIZ, replace_line(text, number, "prize:"))
    assert_fails(site, (QUIZ, number, "缺少「prize」，这一项必须填写"))


def test_missing_required_key_in_news_front_matter(site: Site) -> None:
    name = site.news_file
    text = site.text(name)
    number = key_line(text, "source: ")
    site.write(name, replace_line(text, number, "source:"))
    assert_fails(site, (name, number, "缺少「source」"))


# --------------------------------------------------------------------------- cross references


def test_event_names_unknown_livestream(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "chuanyu-launch-ceremony", "livestream")
    site.write(SCHEDULE, replace_line(text, number, "    livestream: no-such-live"))
    assert_fails(
        site,
        (
            SCHEDULE,
            event_line(text, "chuanyu-launch-ceremony"),
            "livestream 写的是「no-such-live」，但 content/livestreams.yaml 里没有这个 id",
        ),
    )


def test_duplicate_event_ids(site: Site) -> None:
    text = site.text(SCHEDULE)
    first = event_line(text, "low-carbon-day")
    second = event_line(text, "report-deadline")
    site.write(SCHEDULE, replace_line(text, second, "  - id: low-carbon-day"))
    assert_fails(site, (SCHEDULE, second, f"日程的 id「low-carbon-day」重复了（{SCHEDULE} 第 {first} 行已用过）"))


def test_duplicate_livestream_ids(site: Site) -> None:
    text = site.text(LIVESTREAMS)
    first = exact_line(text, "  - id: chuanyu-launch")
    second = exact_line(text, "  - id: xinhua-live")
    site.write(LIVESTREAMS, replace_line(text, second, "  - id: chuanyu-launch"))
    assert_fails(site, (LIVESTREAMS, second, f"id「chuanyu-launch」重复了（{LIVESTREAMS} 第 {first} 行已用过）"))


# --------------------------------------------------------------------------- news files


@pytest.mark.parametrize("filename", ["Bad Name.md", "中文.md", "UPPER-case.md", "a_b.md", "-leading-hyphen.md"])
def test_news_file_with_unsafe_name(site: Site, filename: str) -> None:
    site.write(f"{NEWS_DIR}/{filename}", site.text(site.news_file))
    assert_fails(site, (f"{NEWS_DIR}/{filename}", 0, f"文件名「{filename}」不能用作网址"))


def test_news_file_not_markdown(site: Site) -> None:
    site.write(f"{NEWS_DIR}/notes.txt", site.text(site.news_file))
    assert_fails(site, (f"{NEWS_DIR}/notes.txt", 0, "只能放以 .md 结尾的文章文件"))


def hidden_txt(name: str) -> str:
    """What a clerk reads of a file Notepad saved as `name.txt` (Windows shows it as `name`)."""
    return (
        f"文件名实际是「{name}.txt」（Windows 隐藏了扩展名）：请用记事本打开它，「另存为」时"
        f"「保存类型」选「所有文件」，文件名写 {name}"
    )


def test_news_file_saved_by_notepad_as_md_txt_names_the_hidden_extension(site: Site) -> None:
    name = f"{NEWS_DIR}/2024-05-20-huigu.md"
    site.write(f"{name}.txt", site.text(site.news_file))
    stderr = assert_fails(site)
    assert f"{name}: {hidden_txt('2024-05-20-huigu.md')}" in stderr.splitlines()
    assert "只能放以 .md 结尾的文章文件" not in stderr


@pytest.mark.parametrize("name", [SCHEDULE, CONFIG, "content/notice.md"])
def test_source_file_saved_by_notepad_with_txt_names_the_hidden_extension(site: Site, name: str) -> None:
    (site.root / name).rename(site.root / f"{name}.txt")
    stderr = assert_fails(site)
    assert f"{name}: {hidden_txt(Path(name).name)}" in stderr.splitlines()


def test_a_missing_source_file_without_a_txt_is_still_said_to_be_missing(site: Site) -> None:
    (site.root / SCHEDULE).unlink()
    assert_fails(site, (SCHEDULE, 0, "找不到这个文件；请确认文件名和位置没有改动"))


@pytest.mark.parametrize(
    "body, line, fragment",
    [
        ("这篇文章忘了写标题和日期。\n", 1, "文件开头缺少「---」"),
        ("title: 标题\ndate: 2024-05-10\nsource: 区机关事务局\n---\n正文\n", 1, "文件开头缺少「---」"),
        ("---\ntitle: 标题\ndate: 2024-05-10\nsource: 区机关事务局\n正文没有和信息分开\n", 1, "开头的「---」没有配对"),
        ("---\ntitle: 标题\ndate: 2024-05-10\nsource: 区机关事务局\n---\n\n", 0, "没有正文"),
    ],
)
def test_news_file_without_front_matter(site: Site, body: str, line: int, fragment: str) -> None:
    name = f"{NEWS_DIR}/2024-05-10-ceshi.md"
    site.write(name, body)
    assert_fails(site, (name, line, fragment))


def test_news_front_matter_line_numbers_are_file_lines(site: Site) -> None:
    name = site.news_file
    text = site.text(name)
    number = key_line(text, "title: ")
    site.write(name, replace_line(text, number, "title: " + "长" * 81))
    assert_fails(site, (name, number, "太长了（81 个字），最多 80 个字"))


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize(
    "template, find, new",
    [
        ("index.html", '<h1 id="hero-title"', "{% endfor %}"),
        ("index.html", '<h1 id="hero-title"', "  <h1>{{ site.campaign.title + }}</h1>"),
        ("news_item.html", "breadcrumb", "{% if %}"),
    ],
)
def test_template_syntax_error(site: Site, template: str, find: str, new: str) -> None:
    name = f"templates/{template}"
    text = site.text(name)
    number = line_of(text, find)
    site.write(name, replace_line(text, number, new))
    assert_fails(site, (name, number, "模板语法有误"))


@pytest.mark.parametrize(
    "template, find, old, new",
    [
        ("index.html", '<h1 id="hero-title"', "site.campaign.title", "site.campaign.titel"),
        ("base.html", "site-name", "cfg.short_title", "no_such_name"),
        ("macros.html", "{{ event.title }}", "event.title", "event.titel"),
    ],
)
def test_template_undefined_variable(site: Site, template, find, old, new) -> None:
    name = f"templates/{template}"
    text = site.text(name)
    number = line_of(text, find)
    line = text.split("\n")[number - 1]
    assert old in line
    site.write(name, replace_line(text, number, line.replace(old, new)))
    assert_fails(site, (name, number, "模板用到了不存在的变量"))


@pytest.mark.parametrize(
    "template, find, expression, error",
    [
        (
            "base.html",
            "<title>",
            '{{ cfg.news_per_page ~ "" + 1 }}',
            'TypeError: can only concatenate str (not "int") to str',
        ),
        ("macros.html", "{{ event.title }}", "{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_a_template_expression_that_fails_is_named_at_its_line(site: Site, template, find, expression, error) -> None:
    """An expression that fails while a page renders is a message at the template's line, not a traceback."""
    name = f"templates/{template}"
    text = site.text(name)
    number = line_of(text, find)
    site.write(name, replace_line(text, number, text.split("\n")[number - 1] + expression))
    assert_fails(site, (name, number, f"模板这一行在生成页面时出错（{error}）；请检查这一行的写法"))


# --------------------------------------------------------------------------- Notepad files


@pytest.mark.parametrize(
    "patterns",
    [("config.yaml", "content/*.yaml"), ("config.yaml", "content/*.yaml", "content/*.md", "content/news/*.md")],
)
def test_bom_and_crlf_build_the_same_site(tmp_path: Path, patterns) -> None:
    plain = copy_site(tmp_path / "plain")
    notepad = copy_site(tmp_path / "notepad")
    converted = 0
    for pattern in patterns:
        for path in notepad.glob(pattern):
            text = path.read_text(encoding="utf-8")
            path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
            converted += 1
    assert converted >= 6
    for root in (plain, notepad):
        result = run_cli(root)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    expected, actual = snapshot(plain / "output"), snapshot(notepad / "output")
    assert sorted(actual) == sorted(expected)
    for name in expected:
        assert actual[name] == expected[name], name


def test_bom_and_crlf_keep_line_numbers(site: Site) -> None:
    text = site.text(SCHEDULE)
    number = key_line_in_event(text, "low-carbon-day", "date")
    broken = replace_line(text, number, "    date: 2024-02-30")
    (site.root / SCHEDULE).write_bytes(b"\xef\xbb\xbf" + broken.replace("\n", "\r\n").encode())
    assert_fails(site, (SCHEDULE, number, "日期「2024-02-30」不存在"))


# --------------------------------------------------------------------------- many at once


def test_two_problems_in_two_files_are_both_reported(site: Site) -> None:
    schedule = site.text(SCHEDULE)
    date = key_line_in_event(schedule, "low-carbon-day", "date")
    site.write(SCHEDULE, replace_line(schedule, date, "    date: 2024-02-30"))
    streams = site.text(LIVESTREAMS)
    url = key_line(streams, "    url:")
    site.write(LIVESTREAMS, replace_line(streams, url, "    url: ftp://example.com/x"))
    stderr = assert_fails(
        site, (SCHEDULE, date, "日期「2024-02-30」不存在"), (LIVESTREAMS, url, "以 http:// 或 https:// 开头")
    )
    assert "发现 2 处问题" in stderr


def test_syntax_error_and_news_error_are_both_reported(site: Site) -> None:
    quiz = site.text(QUIZ)
    prize = key_line(quiz, "prize:")
    site.write(QUIZ, replace_line(quiz, prize, "prize: 奖品: 节能纪念品"))
    name = f"{NEWS_DIR}/2024-05-10-ceshi.md"
    site.write(name, "没有开头的信息\n")
    config = site.text(CONFIG)
    (site.root / CONFIG).write_bytes(config.encode("gbk"))
    assert_fails(
        site,
        (QUIZ, prize, "冒号位置不对"),
        (name, 1, "文件开头缺少「---」"),
        (CONFIG, first_non_ascii_line(config), "GBK"),
    )


def test_problems_in_one_file_are_all_reported(site: Site) -> None:
    text = site.text(SCHEDULE)
    date = key_line_in_event(text, "low-carbon-day", "date")
    kind = key_line_in_event(text, "report-deadline", "kind")
    text = replace_line(text, date, "    date: 2024/05/15")
    text = replace_line(text, kind, "    kind: 会议")
    site.write(SCHEDULE, text)
    assert_fails(site, (SCHEDULE, date, "这里写的是「2024/05/15」"), (SCHEDULE, kind, "这里写的是「会议」"))


# --------------------------------------------------------------------------- odd addresses
# (these used to crash with a traceback: urlsplit's ValueError and a QR code too big to draw)


@pytest.mark.parametrize("value", ["https://www.example.com／live", "http://[::1", "https://example.com:99999/"])
def test_malformed_address_is_reported_not_crashed(site: Site, value: str) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "url:")
    site.write(QUIZ, replace_line(text, number, f"url: {value}"))
    assert_fails(site, (QUIZ, number, "网址"))


def test_overlong_address_is_reported_not_crashed(site: Site) -> None:
    text = site.text(QUIZ)
    number = key_line(text, "url:")
    site.write(QUIZ, replace_line(text, number, "url: https://example.com/" + "a" * 3000))
    assert_fails(site, (QUIZ, number, "网址太长"))


# --------------------------------------------------------------------------- pictures in YAML text


def test_a_picture_in_a_schedule_description_is_refused_at_its_own_line(site: Site) -> None:
    """The line a clerk must change is the picture's, read from where the description was written."""
    text = site.text(SCHEDULE)
    number = line_of(text, "当天公布以下网址：")
    site.write(SCHEDULE, replace_line(text, number, "      ![会场](https://www.example.com/a.jpg)"))
    assert_fails(site, (SCHEDULE, number, "图片「https://www.example.com/a.jpg」不在本站"))


def test_a_picture_in_a_one_line_intro_is_refused_at_the_key(site: Site) -> None:
    name = "content/pledges.yaml"
    text = site.text(name)
    start = key_line(text, "intro:")
    lines = text.split("\n")
    end = start
    while lines[end].startswith("  ") or not lines[end].strip():
        end += 1
    site.write(name, "\n".join([*lines[: start - 1], "intro: 倡议 ![照片](photo.jpg)", *lines[end:]]))
    assert_fails(site, (name, start, "这里不能放图片「photo.jpg」"))


# --------------------------------------------------------------------------- a key with no space after its colon


@pytest.mark.parametrize("key", ["source", "title"])
def test_no_space_after_a_keys_colon_is_named_at_its_line(site: Site, key: str) -> None:
    """Notepad's commonest slip, `source:重庆市…`: said at its own line, with the line as it should be."""
    name = site.news_file
    text = site.text(name)
    number = key_line(text, f"{key}: ")
    value = text.split("\n")[number - 1][len(key) + 2 :]
    site.write(name, replace_line(text, number, f"{key}:{value}"))
    result = run_cli(site.root)
    assert result.returncode == 1
    assert result.stderr.split("\n")[1] == (
        f"{name}:{number}: 「{key}:」后面少了一个空格：英文冒号和内容之间要空一格，请写成「{key}: {value}」"
    )


def test_a_colon_inside_a_text_block_is_not_taken_for_a_key(site: Site) -> None:
    """`QQ:123` in a description is text; the slip named is the real one elsewhere in the file."""
    text = site.text(SCHEDULE)
    inside = line_of(text, "当天公布以下网址：")
    text = replace_line(text, inside, "      联系QQ:12345")
    number = key_line_in_event(text, "low-carbon-day", "title")
    title = text.split("\n")[number - 1].strip()[len("title: ") :]
    site.write(SCHEDULE, replace_line(text, number, f"    title:{title}"))
    result = run_cli(site.root)
    assert result.returncode == 1
    assert result.stderr.split("\n")[1:3] == [
        f"{SCHEDULE}:{number}: 「title:」后面少了一个空格：英文冒号和内容之间要空一格，请写成「title: {title}」",
        "（output/ 文件夹保持上次成功构建的内容，没有改动。）",
    ]

"""What a clerk trips over, each reproduced as the clerk did it: the message at the right line,
checks that catch what matters, the browser Windows already has, a layout that lines up."""

from __future__ import annotations

import re
import zipfile

from sitecopy import copy_site, decide_address, key_line, read, run_build, write

from campaign.ship.printing import find_chromium

AS_OF = "2024-05-15T10:00"
SCHEDULE = "content/schedule.yaml"


def build(root, *args):
    return run_build(root, "--no-pdf", "--as-of", AS_OF, *args)


def check(root):
    return run_build(root, "check", "--no-pdf", "--as-of", AS_OF)


def only_problem(result) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().split("\n")
    assert lines[0] == "构建失败：发现 1 处问题，请按提示修改后重新运行。", result.stderr
    return lines[1]


def test_an_unclosed_bracket_is_named_where_it_was_opened(tmp_path):
    root = copy_site(tmp_path / "project")
    text = read(root, SCHEDULE)
    block = "    hosts:\n      - 重庆市机关事务管理局\n      - 四川省机关事务管理局\n"
    assert block in text
    write(root, SCHEDULE, text.replace(block, "    hosts: [江北区机关事务管理局, 观音桥街道办事处\n", 1))
    line = key_line(read(root, SCHEDULE), "    hosts: [")
    assert only_problem(build(root)) == (
        f"{SCHEDULE}:{line}: YAML 格式有误：这一行的「[」没有配对的「]」；同一行的列表要用「]」结束，如 [甲单位, 乙单位]"
    )


def test_an_unfinished_markdown_link_is_refused_at_its_line(tmp_path):
    root = copy_site(tmp_path / "project")
    report = "---\ntitle: 报道\ndate: 2024-05-14\nsource: 某单位\n---\n第一段。\n\n详见[街道网站(https://www.example.gov.cn/)。\n"
    write(root, "content/news/2024-05-14-link.md", report)
    assert only_problem(build(root)) == (
        "content/news/2024-05-14-link.md:8: 这一行的链接没有写完整：「[」后面缺少「]」；应写成 [文字](网址)"
    )
    write(
        root,
        "content/news/2024-05-14-link.md",
        report.replace("网站(https://www.example.gov.cn/)", "网站](https://www.example.gov.cn/"),
    )
    assert only_problem(build(root)) == (
        "content/news/2024-05-14-link.md:8: 这一行的链接没有写完整：网址后面缺少「)」；应写成 [文字](网址)"
    )


def test_a_document_number_in_running_text_is_checked(tmp_path):
    root = copy_site(tmp_path / "project")
    notice = read(root, "content/notice.md")
    write(root, "content/notice.md", notice.rstrip("\n") + "\n\n请按工作通知[2024]11号和〔24〕3号执行。\n")
    line = read(root, "content/notice.md").rstrip("\n").count("\n") + 1
    out = check(root).stdout.split("\n")
    assert f"  - content/notice.md:{line}: 发文字号「[2024]11号」应写作「〔2024〕11号」（六角括号）" in out
    assert f"  - content/notice.md:{line}: 发文字号「〔24〕3号」的年份应写全四位，如「〔2024〕3号」" in out


def test_an_early_time_and_another_years_date_are_questioned(tmp_path):
    root = copy_site(tmp_path / "project")
    text = read(root, SCHEDULE)
    text = text.replace("    date: 2024-05-14\n", "    date: 2024-05-14\n    start: 2:30\n", 1)
    text = text.replace("    date: 2024-05-16\n", "    date: 2023-05-16\n", 1)
    write(root, SCHEDULE, text)
    start = key_line(text, "    start: 2:30")
    date = key_line(text, "    date: 2023-05-16")
    out = check(root).stdout.split("\n")
    assert "请核对的时间和日期：2 处" in out
    assert (
        f"  - {SCHEDULE}:{start}: 「2024年川渝地区公共机构节能宣传周活动启动仪式」的 start 是 2:30，早于 7 点；"
        "如果是下午，请写成 14:30（24 小时制）"
    ) in out
    assert any(
        line.startswith(f"  - {SCHEDULE}:{date}: 「")
        and line.endswith("的 date 是 2023-05-16，不在本次活动的 2024 年；请核对年份")
        for line in out
    )


def test_the_saved_report_holds_what_the_terminal_says_first(tmp_path):
    import html

    root = copy_site(tmp_path / "project")
    lines = check(root).stdout.split("\n")
    page = (root / "reports/inspection-2024-05-15.html").read_text(encoding="utf-8")
    for title in ("尚未公布的网址：", "海报短地址："):
        heading = next(line for line in lines if line.startswith(title))
        start = lines.index(heading) + 1
        items = []
        while start < len(lines) and lines[start].startswith("  - "):
            items.append(lines[start])
            start += 1
        if title.startswith("尚未公布"):
            assert heading == f"尚未公布的网址：{len(items)} 个"  # the count is what is listed
        assert f"<h2>{html.escape(heading)}</h2>" in page
        for item in items:
            assert f"<li>{html.escape(item.strip().removeprefix('- '))}</li>" in page
    assert page.index("尚未公布的网址") < page.index("【")  # the urgent part first


def test_a_misspelt_key_is_one_message_at_its_line(tmp_path):
    root = copy_site(tmp_path / "project")
    config = read(root, "config.yaml")
    write(root, "config.yaml", config.replace("news_per_page:", "news_per_pages:", 1))
    line = key_line(read(root, "config.yaml"), "news_per_pages:")
    assert only_problem(build(root)).startswith(
        f"config.yaml:{line}: 不认识的键「news_per_pages」。是不是想写「news_per_page」？"
    )


def test_windows_and_macos_find_edge_or_chrome_where_they_install():
    installed = {
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    }
    environ = {"ProgramFiles": r"C:\Program Files", "ProgramFiles(x86)": r"C:\Program Files (x86)"}
    nothing_on_path = lambda name: None  # noqa: E731
    assert find_chromium("win32", environ, nothing_on_path, installed.__contains__) == (
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
    )
    assert find_chromium("darwin", {}, nothing_on_path, installed.__contains__) == (
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    )
    assert find_chromium("linux", environ, nothing_on_path, installed.__contains__) is None
    assert (
        find_chromium("win32", {}, lambda name: "/usr/bin/x" if name == "msedge" else None, set().__contains__)
        == "/usr/bin/x"
    )


def test_the_summary_says_what_was_written_and_package_has_a_dated_default(tmp_path):
    root = decide_address(copy_site(tmp_path / "project"))
    first = build(root)
    assert re.fullmatch(
        rf"已生成 {re.escape(str(root / 'output'))}：网站共 (\d+) 个文件，这次有变化的 \1 个已写入"
        r"（重新生成 \d+ 个页面和文件，用时 [0-9.]+ 秒）\n",
        first.stdout,
    ), first.stdout
    again = build(root)
    assert "这次有变化的 0 个已写入（重新生成 0 个页面和文件" in again.stdout
    packed = run_build(root, "package", "--no-pdf", "--as-of", AS_OF, "--ignore-inspection")
    assert packed.returncode == 0, packed.stderr
    zip_path = root / "dist/jnxcz-2024-05-15.zip"
    assert packed.stdout.strip().endswith(f"打包为 {zip_path}")
    with zipfile.ZipFile(zip_path) as archive:
        assert "index.html" in archive.namelist()


def test_the_menu_lines_up_with_the_header_on_a_wide_screen(built_site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(built_site.as_uri().rstrip("/") + "/index.html")
    header = page.locator(".site-header .wrap").first.bounding_box()
    menu = page.locator(".site-nav ul").bounding_box()
    main = page.locator("main").bounding_box()
    page.close()
    assert header["x"] > 100  # centred, not at the window's edge
    assert round(menu["x"]) == round(header["x"]) == round(main["x"])

"""The command line: each command takes its own options, and every command loads the campaign alike.

`build.py` is one parser with a subcommand per command word, so an option of one command given
to another is refused (exit 2) before anything is read or written. Every command, the preview's
rebuilds included, loads the whole campaign (`pipeline.load_project`): a problem between two
editions is reported the same way by a build, by the preview's first build and by any later one.
"""

from __future__ import annotations

import shutil

import pytest
from sitecopy import copy_site, line_of, read, run_cli, write

ARCHIVED = "https://www.example.gov.cn/jnxcz/2024/"
CURRENT = "https://www.example.gov.cn/jnxcz/2025/"

# an option that belongs to other commands, given to each command
MISPLACED = [
    ("build", "--online"),
    ("build", "--rollback"),
    ("check", "--offline"),
    ("check", "--ignore-inspection"),
    ("serve", "--no-pdf"),
    ("serve", "--as-of", "2024-05-13"),
    ("publish", "/tmp/somewhere", "--online"),
    ("publish", "/tmp/somewhere", "--port", "8001"),
    ("package", "--rollback"),
    ("package", "--keep", "3"),
    ("stats", "a.log", "--no-pdf"),
    ("stats", "a.log", "--as-of", "2024-05-13"),
    ("new-edition", "2025", "--out", "x"),
    ("new-edition", "2025", "--base-url", "https://x.example/"),
    ("--from", "2024-05-13"),  # no command: build's options only
]


@pytest.mark.parametrize("words", MISPLACED, ids=lambda words: " ".join(words))
def test_each_command_refuses_another_commands_option(tmp_path, words):
    root = tmp_path / "site"
    root.mkdir()  # no site at all: the refusal comes before anything is read or written
    result = run_cli(root, *words)
    option = next(word for word in words if word.startswith("--"))
    assert result.returncode == 2
    assert f"：错误：无法识别的参数：{option}" in result.stderr
    assert sorted(root.iterdir()) == []


def test_a_word_after_a_command_that_takes_none_is_refused_in_words(tmp_path):
    result = run_cli(tmp_path, "check", "x")
    assert (result.returncode, result.stderr) == (2, "check 后面不需要再写「x」\n")


def test_help_lists_the_commands_and_each_commands_own_options(tmp_path):
    top = run_cli(tmp_path, "--help")
    assert top.returncode == 0
    for word in ("build", "check", "serve", "publish", "package", "stats", "new-edition"):
        assert f"    {word}" in top.stdout
    assert "本机预览，保存文件后浏览器自动刷新" in top.stdout
    check = run_cli(tmp_path, "check", "--help")
    assert check.returncode == 0
    assert "--online" in check.stdout and "逐个试打开外部网址" in check.stdout
    assert "--rollback" not in check.stdout and "--offline" not in check.stdout
    publish = run_cli(tmp_path, "publish", "--help")
    assert "--rollback" in publish.stdout and "退回到上一个版本" in publish.stdout


ARGPARSE_WORDS = ("usage", "error", "options", "positional arguments", "show this help", "invalid choice", "required")


def _no_argparse_english(text: str) -> None:
    for word in ARGPARSE_WORDS:
        assert word not in text.lower(), (word, text)


@pytest.mark.parametrize("words", [("--help",), ("stats", "--help"), ("publish", "-h"), ("new-edition", "--help")])
def test_help_is_in_chinese(tmp_path, words):
    result = run_cli(tmp_path, *words)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"用法：build.py {' '.join(words[:-1])}".rstrip() + " [-h]")
    assert "\n选项:\n  -h, --help " in result.stdout and "  显示这份说明，然后退出\n" in result.stdout
    _no_argparse_english(result.stdout)


@pytest.mark.parametrize(
    ("words", "refusal"),
    [
        (("stats", "--bogus"), "build.py stats：错误：无法识别的参数：--bogus"),
        (
            ("bogus",),
            "build.py：错误：没有「bogus」这个命令，可用的有：build、check、serve、publish、package、stats、new-edition、import",
        ),
        (("stats", "a.log", "--from"), "build.py stats：错误：--from 后面要写上它的值"),
        (("serve", "--port", "eighty"), "build.py serve：错误：--port 后面的「eighty」不是有效的值"),
        (("publish", "/tmp/x", "--keep", "0"), "build.py publish：错误：--keep 应是不小于 1 的整数，这里是「0」"),
        (("build", "--as-of"), "build.py build：错误：--as-of 后面要写上它的值"),
        (
            ("check", "--as-of", "明天"),
            "build.py check：错误：--as-of 应写成 2024-05-13 或 2024-05-13T12:00（北京时间），这里是「明天」",
        ),
    ],
    ids=lambda item: " ".join(item) if isinstance(item, tuple) else "",
)
def test_refusals_are_in_chinese_and_exit_2(tmp_path, words, refusal):
    result = run_cli(tmp_path, *words)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("用法：build.py") and result.stderr.splitlines()[-1] == refusal
    _no_argparse_english(result.stderr)


def test_a_real_refusal_exits_2_in_chinese(tmp_path):
    from sitecopy import run_build

    result = run_build(tmp_path, "stats", "--bogus")
    assert result.returncode == 2 and "build.py stats：错误：无法识别的参数：--bogus" in result.stderr
    _no_argparse_english(result.stderr)


def _two_editions(folder):
    """The shipped sources archived as 2024's and, unchanged but for the address, as 2025's."""
    root = copy_site(folder, printed=False)
    archive = root / "editions" / "2024"
    archive.mkdir(parents=True)
    for name in ("config.yaml", "content", "templates"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, archive / name)
        else:
            shutil.copy2(source, archive / name)
    write(root, "config.yaml", read(root, "config.yaml").replace(ARCHIVED, CURRENT))
    return root


def test_the_previews_later_rebuilds_check_the_editions_as_the_first_does(tmp_path):
    from campaign.preview.session import Preview

    root = _two_editions(tmp_path / "site")
    preview = Preview(root, "http://127.0.0.1:8000")
    assert preview.rebuild().error is None
    assert list(preview.archived) == ["/jnxcz/2024/"]

    # the current edition saved with last year's address: two editions at one address
    write(root, "config.yaml", read(root, "config.yaml").replace(CURRENT, ARCHIVED))
    later = preview.rebuild().error
    line = line_of(read(root, "config.yaml"), "base_url:")
    problem = (
        f"config.yaml:{line}: 正式网址「{ARCHIVED}」与 editions/2024/config.yaml 的相同："
        "两届活动不能用同一个网址（/jnxcz/2024/）；本届请改成新的年份"
    )
    assert later is not None and str(later) == problem
    first = Preview(root, "http://127.0.0.1:8000").rebuild().error
    assert first is not None and first.problems == later.problems
    built = run_cli(root, "--no-pdf", "--out", str(tmp_path / "out"))
    assert built.returncode == 1 and f"{problem}\n" in built.stderr

    # fixed again: the preview shows the site again, every edition in its place
    write(root, "config.yaml", read(root, "config.yaml").replace(ARCHIVED, CURRENT))
    assert preview.rebuild().error is None
    assert preview.base_path == "/jnxcz/2025/" and list(preview.archived) == ["/jnxcz/2024/"]


def test_the_previews_later_rebuilds_render_the_archived_editions_too(tmp_path):
    """The 往届 note of every archived page names the newest edition as it is now, not as it was
    when the preview started."""
    from campaign.preview.session import Preview

    root = _two_editions(tmp_path / "site")
    preview = Preview(root, "http://127.0.0.1:8000")
    assert preview.rebuild().error is None
    old_title = "江北区公共机构2024年全国节能宣传周和全国低碳日活动"
    new_title = "江北区公共机构2025年全国节能宣传周和全国低碳日活动"
    assert f'<a href="../../2025/">{old_title}</a>' in preview.archived["/jnxcz/2024/"]["contact/index.html"].decode()
    config = read(root, "config.yaml")
    write(root, "config.yaml", config.replace(f"title: {old_title}", f"title: {new_title}", 1))
    assert preview.rebuild().error is None
    page = preview.archived["/jnxcz/2024/"]["contact/index.html"].decode()
    assert f'<a href="../../2025/">{new_title}</a>' in page

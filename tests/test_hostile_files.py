"""Files planted in a project or named to deceive, through the real command line (`run_cli`).

- A shortcut (symbolic link) in a report's folder is never published, wherever it points
  inside the project (config.yaml, .git/config): refused at the line that refers to it, or
  named by file when nothing does.
- Names a reader's disk cannot hold or that read other than they are: two names that differ
  only in case, Windows' device names (CON, aux.pdf), direction marks (U+202E) in a name or a
  link's words, names too long for a file system. Each is refused at its reference's line.
- A zip's entries are checked as attachments are: no program, nothing unpacked outside.
- `--out` inside any edition's sources is refused before anything is written.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from sitecopy import EDITION, copy_site, line_of, run_cli, snapshot, write

AS_OF = "2024-05-15T10:00"
SLUG = "2024-05-15-qixing"
BUNDLE = f"content/news/{SLUG}"
INDEX = f"{BUNDLE}/index.md"
REPORT = """---
title: 区机关事务局开展绿色出行活动
date: 2024-05-15
source: 区机关事务局
summary: 干部职工骑行上班，践行绿色出行。
---
5月15日，区机关事务局干部职工骑行上班，践行绿色出行。
"""


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def zip_of(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, f"{name} 的内容")
    return out.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_site(tmp_path_factory.mktemp("hostile") / "site", printed=False)


@pytest.fixture()
def root(pristine, tmp_path) -> Path:
    return copy_site(tmp_path / "site", source=pristine, printed=False)


def report(root: Path, body: str, files: dict[str, bytes] | None = None) -> str:
    """The report with `body` after its first paragraph, and its files; returns its text."""
    text = REPORT + "\n" + body + "\n"
    write(root, INDEX, text)
    for name, data in (files or {}).items():
        (root / BUNDLE / name).write_bytes(data)
    return text


def refused(root: Path, *expected: str) -> None:
    """The build fails with these `file:line: message` lines, and output/ is not made."""
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    for wanted in expected:
        assert wanted in lines, f"not printed: {wanted}\n{result.stderr}"
    assert not (root / "output").exists()


def built(root: Path) -> tuple[dict[str, bytes], str]:
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    return snapshot(root / "output" / EDITION / "news" / SLUG), result.stdout


# --- shortcuts ------------------------------------------------------------------------------

SHORTCUT = (
    "是快捷方式（符号链接），不是文件本身；为免把项目里别的文件（如设置文件）发布出去，不能使用；请把文件本身复制到这里"
)


@pytest.mark.parametrize("target", ["../../../config.yaml", "../../../.git/config"])
def test_a_shortcut_to_a_file_of_the_project_is_not_published(root, target):
    write(root, ".git/config", "[remote]\n  url = https://token@example.com/x.git\n")
    text = report(root, "会议材料：[会议材料](conf.pdf)")
    (root / BUNDLE / "conf.pdf").symlink_to(target)
    refused(root, f"{INDEX}:{line_of(text, '(conf.pdf)')}: 「{BUNDLE}/conf.pdf」{SHORTCUT}")


def test_a_shortcut_photo_or_folder_is_not_published(root):
    (root / "content/files").mkdir(exist_ok=True)
    (root / "content/files/合影.jpg").write_bytes(jpeg())
    text = report(root, "![骑行队伍合影](link.jpg)\n\n[活动方案](docs/方案.pdf)")
    (root / BUNDLE / "link.jpg").symlink_to("../../files/合影.jpg")
    (root / BUNDLE / "docs").symlink_to("../../files")
    write(root, "content/files/方案.pdf", "%PDF-1.4 not read")
    refused(
        root,
        f"{INDEX}:{line_of(text, '(link.jpg)')}: 「{BUNDLE}/link.jpg」{SHORTCUT}",
        f"{INDEX}:{line_of(text, '(docs/方案.pdf)')}: 「{BUNDLE}/docs」{SHORTCUT}",
    )


@pytest.mark.parametrize(
    ("planted", "target"),
    [("templates/static/conf.css", "../../config.yaml"), ("templates/static/old", "../../content")],
)
def test_a_shortcut_among_the_templates_files_is_not_published(root, planted, target):
    (root / planted).symlink_to(target)
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 1 and not (root / "output").exists()
    assert f"{planted}: 这{SHORTCUT}" in result.stderr.splitlines()


def test_a_report_that_is_a_shortcut_is_not_published(root):
    write(root, "private/r/index.md", REPORT)
    (root / "content/news/2024-05-14-lianjie").symlink_to("../../private/r")
    (root / "content/news/2024-05-14-wenjian.md").symlink_to("../../private/r/index.md")
    result = run_cli(root, "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 1 and not (root / "output").exists()
    lines = result.stderr.splitlines()
    for name, what in (("2024-05-14-lianjie", "文件夹"), ("2024-05-14-wenjian.md", "文件")):
        said = SHORTCUT.replace("文件本身", f"{what}本身")
        assert f"content/news/{name}: 这{said}" in lines


def test_a_shortcut_nothing_refers_to_is_named_and_left_out(root):
    report(root, "![骑行上班](ride.jpg)", {"ride.jpg": jpeg()})
    (root / BUNDLE / "conf.pdf").symlink_to("../../../config.yaml")
    files, said = built(root)
    assert sorted(files) == ["index.html", "ride-64.jpg"]
    assert (
        f"{BUNDLE}/conf.pdf: 提示：这是快捷方式（符号链接），不是文件本身，不会放到网站上；"
        "要用这个文件，请把文件本身复制到这里"
    ) in said.splitlines()


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second, body",
    [
        ("A.jpg", "a.jpg", "![骑行上班](A.jpg)\n\n![骑行队伍](a.jpg)"),
        ("R.pdf", "r.pdf", "[活动方案](R.pdf)\n\n[活动总结](r.pdf)"),
    ],
)
def test_names_that_differ_only_in_case_are_refused(root, first, second, body):
    data = jpeg() if first.endswith(".jpg") else pdf()
    other = jpeg((30, 200, 30)) if first.endswith(".jpg") else pdf()
    text = report(root, body, {first: data, second: other})
    refused(
        root,
        f"{INDEX}:{line_of(text, f'({second})')}: 「{second}」和「{first}」的文件名只有字母大小写不同，"
        "在 Windows 和苹果电脑上是同一个文件，会互相覆盖；请把其中一个文件改个名字",
    )


def test_windows_device_names_are_refused(root):
    text = report(
        root,
        "![骑行上班](CON.jpg)\n\n[活动方案](aux.pdf)\n\n[报名表](Lpt1.table.xlsx)",
        {"CON.jpg": jpeg(), "aux.pdf": b"%PDF-1.4", "Lpt1.table.xlsx": b"PK"},
    )
    refused(
        root,
        f"{INDEX}:{line_of(text, '(CON.jpg)')}: 文件名「CON.jpg」在 Windows 里不能使用"
        "（CON 是 Windows 保留的设备名，加什么扩展名都一样），读者下载后存不下；"
        "请把文件和这里写的名字都改一下，如「CON-1.jpg」",
        f"{INDEX}:{line_of(text, '(aux.pdf)')}: 文件名「aux.pdf」在 Windows 里不能使用"
        "（AUX 是 Windows 保留的设备名，加什么扩展名都一样），读者下载后存不下；"
        "请把文件和这里写的名字都改一下，如「aux-1.pdf」",
        f"{INDEX}:{line_of(text, '(Lpt1.table.xlsx)')}: 文件名「Lpt1.table.xlsx」在 Windows 里不能使用"
        "（LPT1 是 Windows 保留的设备名，加什么扩展名都一样），读者下载后存不下；"
        "请把文件和这里写的名字都改一下，如「Lpt1-1.table.xlsx」",
    )


def test_direction_marks_in_a_name_or_a_links_words_are_refused(root):
    disguised = "通知\u202efdp.exe.zip"
    text = report(
        root,
        f"[通知]({disguised})\n\n[名单\u202exslx.zip](名单.zip)",
        {disguised: zip_of("通知.pdf"), "名单.zip": zip_of("名单.xlsx")},
    )
    # refused as the text is read, at the first line that carries one, before any name is looked at
    refused(
        root,
        f"{INDEX}:{line_of(text, '[通知]')}: 这一行有看不见的文字方向控制符（U+202E），会让标题、名称或链接文字显示的顺序"
        "与所写的不同，多半是从别的软件复制时带进来的；请删去这一行里多余的空白后重新输入，再保存",
    )


def test_a_name_too_long_for_a_disk_is_refused_at_its_line(root):
    name = "骑行上班" * 20 + "12345678.jpg"  # 252 bytes: a phone photo's 1600 wide size needs 257
    text = report(root, f"![骑行上班]({name})", {name: jpeg()})
    refused(
        root,
        f"{INDEX}:{line_of(text, name)}: 文件名「{name}」太长（92 个字），有的电脑和服务器存不下这么长的文件名；"
        "请把文件和这里写的名字都改短到 60 个汉字（或 180 个字母、数字）以内",
    )


def test_names_within_the_limits_are_published(root):
    name = "骑" * 60 + ".jpeg"
    report(root, f"![骑行上班]({name})\n\n[活动方案](Console.pdf)", {name: jpeg(), "Console.pdf": pdf()})
    files, _ = built(root)
    assert sorted(files) == ["Console.pdf", "index.html", f"{'骑' * 60}-64.jpg"]


# --- a zip's entries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries, message",
    [
        (
            ("报名表.xlsx", "../../etc/cron.d/evil"),
            "压缩包「资料.zip」里的「../../etc/cron.d/evil」会解压到压缩包以外的位置（别的文件夹里），"
            "为安全起见不能放到网站上；请把要放的文件放进一个新文件夹，选中它们点右键 →「发送到」→"
            "「压缩(zipped)文件夹」，重新压缩",
        ),
        (
            ("/etc/passwd",),
            "压缩包「资料.zip」里的「/etc/passwd」会解压到压缩包以外的位置（别的文件夹里），"
            "为安全起见不能放到网站上；请把要放的文件放进一个新文件夹，选中它们点右键 →「发送到」→"
            "「压缩(zipped)文件夹」，重新压缩",
        ),
        (
            ("报名表.xlsx", "工具/setup.EXE"),
            "压缩包「资料.zip」里有可执行程序「工具/setup.EXE」，为安全起见不能放到网站上供下载；"
            "请把它从压缩包里删去后重新压缩",
        ),
    ],
)
def test_a_zip_holding_a_program_or_a_path_outside_is_refused(root, entries, message):
    text = report(root, "附件：[活动资料](资料.zip)", {"资料.zip": zip_of(*entries)})
    refused(root, f"{INDEX}:{line_of(text, '(资料.zip)')}: {message}")


def test_a_zip_of_documents_is_published(root):
    data = zip_of("报名表.xlsx", "说明/通知.pdf")
    report(root, "附件：[活动资料](资料.zip)", {"资料.zip": data})
    files, _ = built(root)
    assert files["资料.zip"] == data


# --- --out ----------------------------------------------------------------------------------


def test_out_inside_an_archived_editions_sources_is_refused(root, tmp_path):
    archived = root / "editions" / "2023"
    for part in ("config.yaml", "content", "templates"):
        copy_site(archived, source=root, parts=(part,), printed=False)
    before = snapshot(archived)
    for inside in ("editions/2023/content/news/site", "editions/2023/templates/static/site", "editions/site"):
        target = (root / inside).resolve()
        result = run_cli(root, "--out", str(root / inside), "--no-pdf", "--as-of", AS_OF)
        assert result.returncode == 2
        assert result.stderr == (
            f"构建失败：输出文件夹 {target} 在项目的 editions/ 里，会和网站的源文件混在一起；"
            "请换一个文件夹，如项目下的 output\n"
        )
    other = copy_site(tmp_path / "other", source=root, printed=False)
    target = (other / "templates" / "static" / "site").resolve()
    result = run_cli(root, "--out", str(target), "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 2
    assert result.stderr == (
        f"构建失败：输出文件夹 {target} 在网站项目 {other.resolve()} 的 templates/ 里，会和网站的源文件混在一起；"
        "请换一个文件夹，如项目下的 output\n"
    )
    assert snapshot(archived) == before and not (other / "templates" / "static" / "site").exists()
    result = run_cli(root, "publish", str(archived / "srv"), "--no-pdf", "--as-of", AS_OF)
    assert result.returncode == 4
    assert result.stderr == (
        f"发布失败：发布文件夹 {archived / 'srv'} 在网站项目的 editions/ 文件夹里，会和网站的源文件混在一起；"
        "请换一个项目以外的文件夹，如 /srv/jnxcz\n"
    )

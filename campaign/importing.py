"""`build.py import FILE.docx …`: each unit's Word report becomes one report folder in content/news/.

The folder, `content/news/<date>-<pinyin initials of the title>/`, holds `index.md` (front matter
commented from `NewsItem`'s declarations, as the shipped report is) and the report's photos in
their original bytes; the build's photo pipeline turns them upright and strips their metadata.
Nothing is ever overwritten: a folder that exists is left as it is. Each folder is written in
full to a hidden temporary folder beside it and renamed into place, so a failure leaves nothing
half made. What was chosen (title, date, source, captions) is printed for the clerk to check.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pypinyin import Style, lazy_pinyin

from campaign.errors import ContentError
from campaign.load.source import ignored_name, read_text
from campaign.load.word import CAPTION_PLACEHOLDER, Unreadable, WordReport, read_report
from campaign.load.yamltext import parse_yaml
from campaign.model.fields import PLACEHOLDER_PREFIX, declarations
from campaign.model.site import NewsItem
from campaign.render.urls import edition_folder

NOT_IMPORTED = 8  # the exit code when a document could not be imported
NEWS = "content/news"
SHORT_NAME = 20  # letters of the title's initials in a folder name: short enough to read out
OTHER_FORMATS = {
    ".doc": "是旧版 Word 文件（.doc），无法导入",
    ".wps": "是 WPS 文字文件（.wps），无法导入",
    ".docm": "是带宏的 Word 文件（.docm），为安全起见不导入",
    ".dotx": "是 Word 模板（.dotx），不是报道",
    ".rtf": "是 RTF 文件，无法导入",
}
SAVE_AS = "请用 Word 或 WPS 打开它，「另存为」Word 文档（.docx），再导入"
WORD_EXTENSIONS = (".docx", *OTHER_FORMATS)


@dataclass(frozen=True)
class Outcome:
    """What became of one document: imported into `folder`, already there, or refused."""

    document: str
    folder: str = ""
    report: WordReport | None = None
    refused: str = ""  # the sentence said instead
    already: bool = False  # its folder exists: kept as it is, which is no failure


def run(root: Path, paths: list[str], today: dt.date, say: Callable[[str], None] = print) -> int:
    """Import every document named (a folder: the Word documents in it); the exit code."""
    if not paths:
        print(
            "请在 import 后面写上要导入的 Word 文档或文件夹，如：python build.py import 区教委-总结.docx",
            file=sys.stderr,
        )
        return 2
    if not (root / "config.yaml").is_file():
        print(
            f"{root} 不是网站的项目文件夹（里面没有 config.yaml）；请在项目文件夹里运行，或用 --root 指明",
            file=sys.stderr,
        )
        return 2
    documents, missing = _documents(paths)
    year = campaign_year(root, today)
    outcomes = [Outcome(name, refused=message) for name, message in missing]
    outcomes += [import_document(root, path, shown, year, today) for path, shown in documents]
    for outcome in outcomes:
        if outcome.refused and not outcome.already:
            print(f"{outcome.document}: {outcome.refused}", file=sys.stderr)
        else:
            say(said(outcome))
    made = [o for o in outcomes if o.report is not None]
    if made:
        say(
            f"\n已导入 {len(made)} 篇。请打开 index.md 核对上面的标题、日期、来源和照片说明，再运行 python build.py 生成网站。"
        )
    return NOT_IMPORTED if any(o.refused and not o.already for o in outcomes) else 0


def _documents(paths: list[str]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """(the documents to import, as (path, name shown)), and (name, message) for what is not there."""
    found: list[tuple[Path, str]] = []
    missing: list[tuple[str, str]] = []
    for written in paths:
        path = Path(written)
        if path.is_dir():
            inside = sorted(
                entry
                for entry in path.iterdir()
                if entry.is_file() and entry.suffix.lower() in WORD_EXTENSIONS and not ignored_name(entry.name)
            )
            if not inside:
                missing.append((written, "这个文件夹里没有 Word 文档（.docx）"))
            found += [(entry, str(entry)) for entry in inside]
        elif path.is_file():
            found.append((path, written))
        else:
            missing.append((written, "找不到这个文件；请确认文件名和位置（文件名里有空格时，两边加英文引号）"))
    return found, missing


def campaign_year(root: Path, today: dt.date) -> int:
    """The campaign's year (the last segment of config.yaml's base_url), else this year."""
    try:
        node = parse_yaml(read_text(root / "config.yaml", root)[1], "config.yaml")
    except ContentError:
        return today.year
    value = node.mapping.get("base_url")
    folder = edition_folder(urlsplit(value.value).path) if value is not None and isinstance(value.value, str) else ""
    return int(folder) if folder.isdigit() and len(folder) == 4 else today.year


def import_document(root: Path, path: Path, shown: str, year: int, today: dt.date) -> Outcome:
    """One document into its own folder under content/news/, or the sentence why not."""
    refused = OTHER_FORMATS.get(path.suffix.lower())
    if refused is not None:
        return Outcome(shown, refused=f"{refused}；{SAVE_AS}")
    if path.suffix.lower() != ".docx":
        return Outcome(shown, refused=f"只能导入 Word 文档（.docx）；{SAVE_AS}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Outcome(shown, refused=f"无法读取这个文件（{exc.strerror or exc}）")
    try:
        report = read_report(data, path.name, year, today)
    except Unreadable as exc:
        return Outcome(shown, refused=str(exc))
    news = root / NEWS
    slug = folder_name(report.date, report.title.value)
    folder = f"{NEWS}/{slug}/"
    for existing in (news / slug, news / f"{slug}.md"):
        if existing.exists():
            return Outcome(
                shown,
                folder=folder,
                already=True,
                refused=f"已经导入过：{NEWS}/{existing.name} 已经存在，保留原来的，没有改动"
                "（如果这是另一篇日期和标题都相同的报道，请在 Word 里把标题改得不同，再导入）",
            )
    news.mkdir(parents=True, exist_ok=True)
    write_folder(news, slug, folder_files(index_text(report, slug, path.name), report))
    return Outcome(shown, folder=folder, report=report)


def folder_name(day: dt.date, title: str) -> str:
    """`2024-05-15-` and the pinyin initials of the title (its Latin letters and digits as they are)."""
    words: list[str] = []
    for piece in lazy_pinyin(title, style=Style.FIRST_LETTER, errors=lambda text: "\x00" + text):
        if piece.startswith("\x00"):  # not Chinese: its letters and digits, lower case, as a word of its own
            words += [word.lower() for word in re.findall(r"[A-Za-z0-9]+", piece)] + [""]
        elif words and words[-1]:
            words[-1] += piece.lower()
        else:
            words.append(piece.lower())
    short = "-".join(word for word in words if word)
    short = short[:SHORT_NAME].strip("-") or "baodao"
    return f"{day:%Y-%m-%d}-{short}"


HEADER = """\
# ================================================================
# 活动动态文章（{file}）
# 由 Word 文档导入：{document}
# 标题、日期、来源和摘要是从文档里找出来的，请核对；照片说明写在
#   正文里照片的方括号 ![ ] 中。
# 编辑须知：用记事本打开，保存为 UTF-8；冒号用英文半角“:”，
#   冒号后空一格；缩进只能用空格；以“#”开头的行是说明。
# ================================================================
"""


def index_text(report: WordReport, slug: str, document: str, header: str = HEADER) -> str:
    """The report's index.md: front matter with each key's comment from its declaration, then the body
    (`header`, the file's opening comment, says where it came from)."""
    values = {
        "title": _scalar(report.title.value),
        "date": f"{report.date:%Y-%m-%d}",
        "source": _scalar(report.source.value),
        "summary": _scalar(report.summary),
    }
    lines = ["---", header.format(file=f"{NEWS}/{slug}/index.md", document=document).rstrip("\n")]
    for name, declared in declarations(NewsItem).items():
        lines += [f"# {line}" for line in declared.comment.split("\n")]
        lines.append(f"{declared.key}: {values[name]}")
    lines.append("---")
    return "\n".join(lines) + "\n" + report.body


def _scalar(text: str) -> str:
    """A text as a YAML value on one line, quoted only when YAML would read it otherwise."""
    dumped: str = yaml.safe_dump(text, allow_unicode=True, width=1 << 20, default_style=None)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def folder_files(index: str, report: WordReport) -> dict[str, bytes]:
    """A report folder's files by name: its index.md and its photos."""
    return {"index.md": index.encode("utf-8")} | {picture.name: picture.data for picture in report.pictures}


def write_folder(news: Path, slug: str, files: dict[str, bytes]) -> None:
    """The folder (`files` by name, each a name of the tool's) written in full beside its place,
    then renamed into it: all or nothing; FileExistsError if it exists."""
    temporary = news / f".{slug}-{secrets.token_hex(4)}"  # hidden: no build reads it
    temporary.mkdir()  # as the clerk's own folders are made (mkdtemp's would be private to us)
    try:
        for name, data in files.items():
            (temporary / name).write_bytes(data)
        if (news / slug).exists():
            raise FileExistsError(f"{news / slug} 已经存在")
        os.rename(temporary, news / slug)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def said(outcome: Outcome) -> str:
    """What the clerk reads about one document: where it went and what was chosen."""
    report = outcome.report
    if report is None:
        return f"{outcome.document}: {outcome.refused}"
    lines = [
        f"{outcome.document} → {outcome.folder}",
        f"  标题：{report.title.value}（{report.title.origin}）",
        f"  日期：{report.date:%Y-%m-%d}（{report.date_origin}）",
        f"  来源：{report.source.value}（{report.source.origin}）",
        f"  摘要：{report.summary}",
    ]
    if len(report.title.value) > 80:
        lines.append(f"  注意：标题有 {len(report.title.value)} 个字，超过 80 个字，请在 index.md 里改短")
    for picture in report.pictures:
        if picture.caption == CAPTION_PLACEHOLDER:
            lines.append(
                f"  照片 {picture.name}：{picture.caption}（照片下面没有「图为……」一行，请在 index.md 里写上）"
            )
        else:
            lines.append(f"  照片 {picture.name}：{picture.caption}")
    if not report.pictures:
        lines.append("  照片：无")
    if report.source.value.startswith(PLACEHOLDER_PREFIX):
        lines.append("  注意：没有找到报送单位，请在 index.md 的 source 一行填写")
    lines += [f"  注意：{note}" for note in report.notes]
    return "\n".join(lines)

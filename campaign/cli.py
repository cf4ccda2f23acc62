"""The command line: `python build.py [build|check|serve|publish|package|stats|new-edition|import]`.

One argparse subcommand per command word, each taking only the options that apply to it (no
word: `build`). Parses, calls the command, prints what went wrong in Chinese, sets the exit code.
argparse's own words (用法, the section titles, -h, every refusal) are in Chinese too (`_Parser`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn

from campaign import pipeline
from campaign.context import BuildContext, default_moment, make_context
from campaign.edition_journal import resume
from campaign.errors import ContentError, ContentProblem, machine_trouble
from campaign.inspection.report import (
    content_sections,
    held_back,
    inspection_report,
    verdict,
    write_inspection_html,
)
from campaign.model.fields import Invalid, Url
from campaign.model.timeline import parse_moment
from campaign.ship import printing
from campaign.ship.publish import PublishError
from campaign.ship.write import Stored, UnsafeTarget
from campaign.stats.period import WrittenDay, written_day

INSPECTION_FAILED = 5  # check found a 单项否决 or a link error
INTERRUPTED = 130  # Ctrl+C, as shells report a program ended by SIGINT
ROOT_HELP = "网站项目所在的文件夹（默认：当前文件夹）"


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """The command's exit code. Ctrl+C at any moment ends it with one line: whatever was being
    written is left unfinished beside the site (and removed by the next build), never in it."""
    try:
        if hasattr(signal, "pthread_sigmask"):  # build.py holds Ctrl+C back while the program loads
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return _command(argv, root)
    except KeyboardInterrupt:
        print("已中断，网站没有改动。", file=sys.stderr)
        return INTERRUPTED


def _command(argv: list[str] | None, root: Path | None) -> int:
    parser, commands = _parser()
    args, extra = parser.parse_known_args(_with_command(sys.argv[1:] if argv is None else argv))
    if extra and not any(word.startswith("-") for word in extra):
        if args.command == "stats":  # log names after an option: stats a.log --from X b.log
            args.logs = [*args.logs, *extra]
        else:
            print(f"{args.command} 后面不需要再写「{' '.join(extra)}」", file=sys.stderr)
            return 2
    elif extra:
        commands[args.command].error(f"无法识别的参数：{' '.join(extra)}")
    root = Path(args.root or root or Path.cwd()).resolve()
    _utf8_console()
    try:
        resumed = resume(root)  # a new-edition killed half-way is finished or undone before anything reads
        if resumed:
            print(resumed, file=sys.stderr)
        result: int = args.run(root, args)
        return result
    except ContentError as exc:
        count = len(exc.problems)
        print(f"构建失败：发现 {count} 处问题，请按提示修改后重新运行。", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        print("（output/ 文件夹保持上次成功构建的内容，没有改动。）", file=sys.stderr)
        return 1
    except printing.PrintingFailed as exc:
        print(f"构建失败：{exc}。output/ 没有改动。", file=sys.stderr)
        return 3
    except UnsafeTarget as exc:
        print(f"构建失败：{exc}", file=sys.stderr)
        return 2
    except PublishError as exc:
        print(f"发布失败：{exc}", file=sys.stderr)
        return 4
    except OSError as exc:  # the machine, not the content: disk full, read-only, no permission
        print(f"失败：{machine_trouble(exc)}。网站文件夹保持上次的样子，没有改动。", file=sys.stderr)
        return 6


def _with_command(argv: list[str]) -> list[str]:
    """`argv` with `build` put in when no command is named: `build.py --no-pdf` builds.

    Only `--root` may come before the command (argparse reads the rest by the command's own
    options); a help request or a word that is no command is left for argparse to answer.
    """
    index = 0
    while index < len(argv) and (argv[index] == "--root" or argv[index].startswith("--root=")):
        index += 2 if argv[index] == "--root" else 1
    if index < len(argv) and (argv[index] in ("-h", "--help") or not argv[index].startswith("-")):
        return argv
    return [*argv[:index], "build", *argv[index:]]


def _serve(root: Path, args: argparse.Namespace) -> int:
    from campaign.preview.server import run

    return run(root, root / "output", args.host, args.port)


def _stats(root: Path, args: argparse.Namespace) -> int:
    from campaign.stats.command import run

    return run(root, args.logs, args.since, args.until)


def _check(root: Path, args: argparse.Namespace) -> int:
    """Exit 5 when a 单项否决 or a link error is found; 待填写 alone only gets reported.

    Placeholders are expected for weeks before launch (the footer numbers come late), so they
    must not turn every check red; they are listed to be filled in before going live. The site
    inspected is rendered exactly as `build` would write it, poster PDFs included.
    """
    ctx = make_context(root, args.as_of, say=_advice, bleed=args.bleed)
    built = pipeline.make_site(ctx, args.base_url, pdf=not args.no_pdf)
    result = pipeline.inspect_site(built, online=args.online)
    content = content_sections(built.site, built.site.as_of)
    print("\n\n".join("\n".join(lines) for lines in content))
    print()
    print(inspection_report(result))
    try:
        path = write_inspection_html(root, result, content)
        print(f"\n检查报告已保存到 {path}")
    except OSError as exc:
        print(f"\n检查报告没能保存到 {root / 'reports'}（{exc.strerror or exc}），以上结果不受影响", file=sys.stderr)
    print(f"\n{verdict(result)}")  # the last word, whatever came before
    return INSPECTION_FAILED if result.fails_check else 0


def _inspection_gate(ctx: BuildContext, built: pipeline.Built[bytes], args: argparse.Namespace) -> str:
    """Refuse to ship what would fail the inspection; with --ignore-inspection, say so in writing.

    Returns the note for the release manifest ("" when nothing was overridden).
    """
    blocking = pipeline.inspect_site(built).blocking
    if not blocking:
        return ""
    listed = "\n".join(f"  - {f}" for f in blocking)
    if not args.ignore_inspection:
        raise PublishError(
            f"政府网站检查发现 {len(blocking)} 处必须先改正的问题（错别字、空白栏目或站内断链），"
            f"没有发布：\n{listed}\n改正后重新运行；确需先发布的，加 --ignore-inspection，"
            "这一决定会记入发布清单 MANIFEST.sha256"
        )
    print(
        f"注意：已按 --ignore-inspection 忽略 {len(blocking)} 处检查问题，并记入发布清单：\n{listed}", file=sys.stderr
    )
    return "\n".join(
        [f"inspection overridden (--ignore-inspection): {len(blocking)} 处问题"] + [str(f) for f in blocking]
    )


def _build(root: Path, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    default = "output-offline" if args.offline else "output"
    out = Path(args.out) if args.out else root / default
    before = _identity(out)
    try:
        ctx = make_context(root, args.as_of, progress=_Progress(started), say=_advice, bleed=args.bleed)
        built = pipeline.build(ctx, out, args.base_url, pdf=not args.no_pdf, offline=args.offline)
        seconds = time.perf_counter() - started
        if sys.stdout.isatty():
            print("\r\033[K", end="")
        print(
            f"已生成 {out}：网站共 {len(built.files)} 个文件，这次有变化的 {len(built.written)} 个已写入"
            f"（重新生成 {len(built.rendered)} 个页面和文件，用时 {seconds:.2f} 秒）"
        )
        if built.draft is not None:
            print(f"{_draft_note(built, root)}草稿在 {out / built.draft} 里，填好后重新生成，活动网址就指向它")
        for problem in _samples(built, root, "海报和二维码文件都标着「样稿（网址未定）」，不能送印；改好这一行再生成"):
            print(f"注意：{problem}")
        waiting = held_back(built.site)  # left out without a word, a mistyped date would hide a report
        if waiting:
            print("\n".join(waiting))
        return 0
    except KeyboardInterrupt:
        if _identity(out) in (None, before):  # the new site was not swapped in: `main` says nothing changed
            raise
        print(f"已中断，但 {out} 已经换成这次生成的完整网站。", file=sys.stderr)
        return INTERRUPTED


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at `folder` (a new site is swapped in whole, as another folder), or None."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _new_edition(root: Path, args: argparse.Namespace) -> int:
    """Archive this year's sources and start `args.target`'s campaign from them."""
    from campaign.new_edition import EditionRefused, plan_edition, start_edition

    if not args.target:
        print("请在 new-edition 后面写上新一届的年份，如：python build.py new-edition 2025", file=sys.stderr)
        return 2
    # this year's sources must load before they are archived and rewritten (writing no cache yet)
    project = pipeline.load_project(make_context(root, args.as_of, disk_cache=False, say=_advice), placed=False)
    try:
        plan = plan_edition(root, args.target, project.site.config.base_url, project.current.folder)
    except EditionRefused as exc:
        print(f"没有开始新一届：{exc}", file=sys.stderr)
        return 2
    project.check_places()
    site = start_edition(project, plan, make_context(root, args.as_of, say=_advice))
    archive, old_url, new_url = plan.archive, plan.base_url, plan.new_base_url
    shown = archive.relative_to(root).as_posix()
    print(
        f"已开始 {args.target} 年的活动：\n"
        f"  - 上一届的网站原样保存在 {shown}/，仍在 {old_url} 上，印出去的海报二维码一直有效；\n"
        f"  - config.yaml 和 content/ 已改为 {args.target} 年的：正式网址 {new_url}，"
        "上一届的日期、网址、主题、文号、联系人和活动动态都已换成「待填写」或删去。\n"
        f"下一步：运行 python build.py check，按它列出的 {len(site.placeholders)} 处「待填写」（文件和行号）"
        "逐项填写，再照常生成和发布（往届的网站会一同发布）。\n"
        f"填好之前 {args.target} 届是草稿：生成时只在它自己的文件夹里，活动网址仍指向上一届，发布时也只发布往届。"
    )
    return 0


def _import(root: Path, args: argparse.Namespace) -> int:
    from campaign.importing import run

    return run(root, args.documents, (args.as_of or default_moment()).date())


def _advice(message: str) -> None:
    print(message)


class _Progress:
    """Stage by stage on a terminal, once a build has taken more than a second; silent in logs."""

    def __init__(self, started: float):
        self.started = started

    def __call__(self, stage: str) -> None:
        if sys.stdout.isatty() and time.perf_counter() - self.started > 1.0:
            print(f"\r\033[K{stage}……（已用 {time.perf_counter() - self.started:.1f} 秒）", end="", flush=True)


def _publish(root: Path, args: argparse.Namespace) -> int:
    """publish / package: the site rendered in memory, inspected, then shipped as those bytes."""
    from campaign.ship.publish import package, publish, rollback

    if not args.target and args.command == "publish":
        print("请在 publish 后面写上发布到的服务器文件夹，如 /srv/jnxcz", file=sys.stderr)
        return 2
    # a zip without a name goes to dist/ (ignored by git), named after the day it shows
    day = (args.as_of or default_moment()).date()
    target = Path(args.target) if args.target else root / "dist" / f"jnxcz-{day:%Y-%m-%d}.zip"
    from campaign.ship.publish import check_package_target, check_publish_target

    (check_package_target if args.command == "package" else check_publish_target)(target)  # before building
    if args.command == "publish" and args.rollback:
        release = rollback(target)
        print(f"已退回到上一个版本 {release}（{target}）")
        return 0
    ctx = make_context(root, args.as_of, say=_advice, bleed=args.bleed)
    built = pipeline.make_site(ctx, args.base_url, pdf=not args.no_pdf)
    verb = "打包" if args.command == "package" else "发布"
    if built.draft is not None and not args.with_draft:
        print(f"{_draft_note(built, root)}这次只{verb}往届（草稿不{verb}；要一同{verb}，加 --with-draft）")
        built = built.without_draft()
    sample = _samples(built, root, f"这时不能{verb}（公开的网址和印出的二维码都改不了）；改好这一行后重新运行")
    if sample:
        raise ContentError(sample)
    note = _inspection_gate(ctx, built, args)
    if args.command == "package":
        package(built.files, target, note=note)
        print(f"已生成 {len(built.files)} 个文件并打包为 {target}")
    else:
        release = publish(built.files, target, keep=args.keep, note=note)
        print(f"已发布 {len(built.files)} 个文件到 {target}（版本 {release}，当前网站已切换）")
    return 0


def _draft_note(built: pipeline.Built[bytes] | pipeline.Built[bytes | Stored], root: Path) -> str:
    """The line that says the current edition is a draft, where its first 待填写 is, and what follows."""
    first = built.unfilled[0]
    live = built.editions[-2].folder
    return (
        f"注意：{built.draft} 届还是草稿：还有 {len(built.unfilled)} 处本届的「待填写」"
        f"（第一处在 {first.file}:{first.line}，运行 python build.py check 可看全部），"
        f"活动网址仍指向 {live} 届；"
    )


def _samples(
    built: pipeline.Built[bytes] | pipeline.Built[bytes | Stored], root: Path, then: str
) -> list[ContentProblem]:
    """What makes a poster a sample (样稿), at the line to change: an edition's production address
    still on example.*, or a poster's target still 待填写 (a code printed for it leads nowhere)."""
    found = []
    for edition in built.editions:
        site = edition.site
        config = site.config
        if config.sample_address:
            where = edition.shown("config.yaml", root)
            message = f"正式网址「{config.base_url}」还是示例地址：{then}"
            found.append(ContentProblem(where, config.where.of("base_url"), message))
        for poster in site.posters:
            if not poster.link.decided:
                file, line = poster.link.written
                message = (
                    f"海报「{poster.headline}」的短网址「{poster.link.id}」还没有 target（{poster.link.label}）：{then}"
                )
                found.append(ContentProblem(file, line, message))
    return found


def _year(text: str) -> str:
    """A year in ASCII digits: 20２５ would make output/20２５/ (the plan words every other refusal)."""
    if any(char.isnumeric() and not "0" <= char <= "9" for char in text):
        raise argparse.ArgumentTypeError(f"YEAR（新一届的年份）要用半角数字书写，如 2025；这里是「{text}」")
    return text


def _keep(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--keep 应是不小于 1 的整数，这里是「{text}」")
    return int(text)


def _base_url(text: str) -> str:
    try:
        return Url().parse(text)
    except Invalid as exc:
        raise argparse.ArgumentTypeError(f"--base-url {exc}") from None


def _moment_arg(text: str) -> dt.datetime:
    try:
        return parse_moment(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of 应写成 2024-05-13 或 2024-05-13T12:00（北京时间），这里是「{text}」"
        ) from None


def _day_arg(option: str) -> Callable[[str], WrittenDay]:
    """A day as people write it (2024-5-13, 2024年5月13日, 5月13日: `stats.period`); its year, when
    left out, is the campaign's, known once the project is loaded."""

    def parse(text: str) -> WrittenDay:
        try:
            return written_day(text, option)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _shared_options() -> tuple[_Parser, ...]:
    """Options several commands take, as argparse parents: (every command's, the clock, rendering, shipping)."""
    # `--root` is also taken after the command; SUPPRESS keeps the command from resetting it
    rooted = _Parser(add_help=False)
    rooted.add_argument("--root", default=argparse.SUPPRESS, help=ROOT_HELP)
    clocked = _Parser(add_help=False)
    clocked.add_argument(
        "--as-of",
        type=_moment_arg,
        help="按哪个时刻显示日程状态、检查到期事项（默认现在），如 2024-05-13T12:00",
    )
    rendered = _Parser(add_help=False, parents=[clocked])
    rendered.add_argument("--base-url", type=_base_url, help="临时改用另一个网址（如测试服务器）")
    rendered.add_argument("--no-pdf", action="store_true", help="不打印海报 PDF（更快）")
    rendered.add_argument(
        "--bleed", action="store_true", help="海报 PDF 按印刷厂的要求四边各加 3 毫米出血，并印上裁切线"
    )
    shipped = _Parser(add_help=False, parents=[rendered])
    shipped.add_argument(
        "--ignore-inspection", action="store_true", help="忽略政府网站检查发现的问题照样发布（会记入发布清单）"
    )
    shipped.add_argument(
        "--with-draft",
        action="store_true",
        help="本届还是草稿（有待填写）时也一同发布它（在它自己的网址；活动网址仍指向上一届）",
    )
    return rooted, clocked, rendered, shipped


class _Formatter(argparse.HelpFormatter):
    """argparse's help with its own words in Chinese."""

    HEADINGS = {"positional arguments": "参数", "options": "选项"}

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(self.HEADINGS.get(heading or "", heading))

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if isinstance(action, argparse._HelpAction):
            return "显示这份说明，然后退出"
        return action.help


# argparse's refusals, as it words them (Python 3.11 to 3.13), and in Chinese
_INVALID_CHOICE = re.compile(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.+)\)")
_OWN = "{0}：{1}"  # our own types' refusals (ArgumentTypeError), which name their option already
_REFUSALS = [
    (re.compile(r"the following arguments are required: (.+)"), "缺少必须写的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), "选项 {0} 不完整，可能是 {1}，请写完整"),
    (_INVALID_CHOICE, "没有「{1}」这个{0}，可用的有：{2}"),
    (re.compile(r"argument (\S+): expected (?:one|at least one|at most one) argument"), "{0} 后面要写上它的值"),
    (re.compile(r"argument (\S+): invalid \S+ value: '(.*)'"), "{0} 后面的「{1}」不是有效的值"),
    (re.compile(r"argument (\S+): ignored explicit argument '(.*)'"), "{0} 后面不需要写「{1}」"),
    (re.compile(r"argument (\S+): not allowed with argument (.+)"), "{0} 不能和 {1} 一起用"),
    (re.compile(r"argument (\S+): (.+)"), _OWN),
]


def _in_chinese(message: str) -> str:
    """An argparse refusal in Chinese; one that already names its option (our own types') as it is."""
    for pattern, words in _REFUSALS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        parts = list(match.groups())
        if pattern is _INVALID_CHOICE:  # 'build', 'check', ... -> build、check、...
            parts[2] = parts[2].replace("'", "").replace(", ", "、")
        if words == _OWN and parts[1].startswith(parts[0].split("/")[-1]):
            return parts[1]
        return words.format(*parts)
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in Chinese (help and refusals); a refusal still exits with 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{_in_chinese(message)}\n")


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line and each command's own parser: an option is taken by the commands it applies to."""
    parser = _Parser(prog="build.py", description="生成节能宣传周活动网站", formatter_class=_Formatter)
    parser.add_argument("--root", help=ROOT_HELP)
    rooted, clocked, rendered, shipped = _shared_options()
    words = parser.add_subparsers(dest="command", metavar="命令", required=True)
    commands: dict[str, argparse.ArgumentParser] = {}

    def command(
        name: str, run: Callable[[Path, argparse.Namespace], int], what: str, *parents: _Parser
    ) -> argparse.ArgumentParser:
        sub = words.add_parser(
            name, help=what, description=what, parents=[rooted, *parents], formatter_class=_Formatter
        )
        sub.set_defaults(run=run)
        commands[name] = sub
        return sub

    build = command("build", _build, "生成网站（不写命令时就是生成）", rendered)
    build.add_argument("--out", help="输出文件夹（默认：项目下的 output/，离线版为 output-offline/）")
    build.add_argument(
        "--offline", action="store_true", help="生成可直接从硬盘、U 盘打开的离线版（默认输出到 output-offline/）"
    )
    check = command("check", _check, "只检查内容并列出待补充的信息", rendered)
    check.add_argument(
        "--online", action="store_true", help="逐个试打开外部网址（每个最多等几秒，见 content/inspection.yaml）"
    )
    serve = command("serve", _serve, "本机预览，保存文件后浏览器自动刷新")
    serve.add_argument("--host", default="127.0.0.1", help="预览绑定的地址（默认 127.0.0.1，只有本机能访问）")
    serve.add_argument("--port", type=int, default=8000, help="预览端口（默认 8000）")
    publish = command("publish", _publish, "生成并发布到服务器文件夹", shipped)
    publish.add_argument("target", nargs="?", metavar="DEST", help="发布到的服务器文件夹，如 /srv/jnxcz")
    publish.add_argument(
        "--keep",
        type=_keep,
        default=5,
        help="保留最近发布的和最近上线过的各几个版本（默认 5）；退回时要用到的版本不会删除",
    )
    publish.add_argument("--rollback", action="store_true", help="退回到上一个版本")
    package = command("package", _publish, "生成并打包为 zip", shipped)
    package.add_argument("target", nargs="?", metavar="ZIP", help="生成的压缩包文件名（默认 dist/jnxcz-日期.zip）")
    stats = command("stats", _stats, "按 nginx 访问日志统计海报扫码、网页浏览和访客")
    stats.add_argument(
        "logs",
        nargs="*",
        metavar="LOG",
        help="读取的 nginx 访问日志（可写多个，含轮转后的 .1 和 .gz），如 /var/log/nginx/jnxcz.access.log*",
    )
    stats.add_argument(
        "--from",
        dest="since",
        metavar="日期",
        type=_day_arg("--from"),
        help="统计的第一天（默认活动开始日），如 2024-05-13",
    )
    stats.add_argument(
        "--to",
        dest="until",
        metavar="日期",
        type=_day_arg("--to"),
        help="统计的最后一天（默认活动结束日），如 2024-05-19",
    )
    edition = command("new-edition", _new_edition, "把本届存为往届，开始新一届的活动", clocked)
    edition.add_argument("target", nargs="?", metavar="YEAR", type=_year, help="新一届的年份，如 2025")
    word = command("import", _import, "把单位报来的 Word 文档（.docx）导入为活动动态", clocked)
    word.add_argument("documents", nargs="*", metavar="FILE", help="Word 文档（.docx），或放着它们的文件夹；可写多个")
    return parser, commands


def _utf8_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):  # not a real console (replaced, or None): leave it
            continue
        with contextlib.suppress(ValueError):  # a console that is already closed
            stream.reconfigure(encoding="utf-8", line_buffering=True)


if __name__ == "__main__":
    sys.exit(main())

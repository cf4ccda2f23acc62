"""The command line: `python build.py [build|check]`. Parses arguments, calls, sets the exit code."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from . import build as builder
from . import printing
from .check import report
from .errors import ContentError
from .output import UnsafeTarget
from .schema import Invalid, Url


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    args = _parser().parse_args(argv)
    root = Path(args.root or root or Path.cwd()).resolve()
    _utf8_console()
    try:
        if args.command == "serve":
            from .serve import run
            out = Path(args.out) if args.out else root / "output"
            return run(root, out, args.host, args.port)
        if args.command == "check":
            site = builder.load(root, args.base_url)
            builder.render(root, site)
            print(report(site, _as_of(args.as_of)))
            return 0
        return _build(root, args)
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


def _build(root: Path, args) -> int:
    started = time.perf_counter()
    out = Path(args.out) if args.out else root / "output"
    files = builder.build(root, out, args.base_url, pdf=not args.no_pdf)
    seconds = time.perf_counter() - started
    print(f"已生成 {len(files)} 个文件到 {out}（用时 {seconds:.2f} 秒）")
    return 0


def _base_url(text: str) -> str:
    try:
        return Url().parse(text)
    except Invalid as exc:
        raise argparse.ArgumentTypeError(f"--base-url {exc}") from None


def _as_of(text: str | None) -> dt.date:
    return dt.date.fromisoformat(text[:10]) if text else dt.date.today()


def _date_arg(text: str) -> str:
    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of 应写成 2024-05-13 或 2024-05-13T12:00，这里是「{text}」") from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description="生成节能宣传周活动网站")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "check", "serve"],
                        help="build：生成网站（默认）；check：只检查内容并列出待补充的信息；"
                             "serve：本机预览，保存文件后浏览器自动刷新")
    parser.add_argument("--root", help="网站项目所在的文件夹（默认：当前文件夹）")
    parser.add_argument("--out", help="输出文件夹（默认：项目下的 output/）")
    parser.add_argument("--base-url", type=_base_url, help="临时改用另一个网址（如测试服务器）")
    parser.add_argument("--host", default="127.0.0.1", help="预览绑定的地址（默认 127.0.0.1，只有本机能访问）")
    parser.add_argument("--port", type=int, default=8000, help="预览端口（默认 8000）")
    parser.add_argument("--no-pdf", action="store_true", help="不打印海报 PDF（预览时更快）")
    parser.add_argument("--as-of", type=_date_arg, help="按哪一天检查（默认今天），如 2024-05-13")
    return parser


def _utf8_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", line_buffering=True)
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())

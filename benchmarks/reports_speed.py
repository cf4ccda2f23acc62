"""What units send, timed: `build.py import` of a ten-page Word report with eight phone photos,
and the no-op rebuild of a site with twelve Office and PDF attachments to clean against one with none.

Each run is on a fresh copy of the shipped project in a temporary folder, with the real command
line. Nothing is asserted; the figures go in the closing note of the work they measure.

    .venv/bin/python benchmarks/reports_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
from docx.shared import Inches
from PIL import Image
from pypdf import PdfWriter

REPO = Path(__file__).resolve().parent.parent
PARTS = ("config.yaml", "content", "templates")


def copy_project(folder: Path) -> Path:
    root = folder / "site"
    root.mkdir(parents=True)
    for part in PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy2(source, root / part)
    return root


def run(root: Path, *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    return seconds


def word_report(path: Path) -> None:
    """About ten pages of text, eight 12-megapixel photos each followed by its 「图为…」 line."""
    document = docx.Document()
    document.add_heading("区机关事务局开展节能宣传周系列活动", 1)
    document.add_paragraph("2024年5月14日")
    paragraph = "\u3000\u3000为落实节能宣传周活动安排，区机关事务局组织干部职工开展绿色低碳主题宣传，" * 6
    for n in range(8):
        for _ in range(10):
            document.add_paragraph(paragraph)
        photo = io.BytesIO()
        Image.effect_noise((4032, 3024), 60 + n).convert("RGB").save(photo, "JPEG", quality=88)
        document.add_picture(photo, width=Inches(5))
        document.add_paragraph(f"图为第{n + 1}场活动现场。")
    document.save(str(path))


def attachments(root: Path, count: int) -> None:
    """A report with `count` attachments (Word files and PDFs with an author), or none."""
    folder = root / "content/news/2024-05-15-cailiao"
    folder.mkdir()
    links = []
    for n in range(count):
        if n % 2:
            writer = PdfWriter()
            writer.add_blank_page(595, 842)
            writer.add_metadata({"/Author": "李晓红"})
            with open(folder / f"tongzhi-{n}.pdf", "wb") as out:
                writer.write(out)
            links.append(f"[通知{n}](tongzhi-{n}.pdf)")
        else:
            document = docx.Document()
            document.core_properties.author = "李晓红"
            document.add_paragraph("材料" * 2000)
            document.save(str(folder / f"cailiao-{n}.docx"))
            links.append(f"[材料{n}](cailiao-{n}.docx)")
    front = "---\ntitle: 区机关事务局报送总结材料\ndate: 2024-05-15\nsource: 区机关事务局\nsummary: 报送材料。\n---\n"
    (folder / "index.md").write_text(front + "5月15日报送材料。\n\n" + "\n\n".join(links) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = copy_project(Path(folder) / "import")
        report = Path(folder) / "总结.docx"
        word_report(report)
        seconds = run(root, "import", str(report))
        print(f"import of a {report.stat().st_size / 1e6:.1f} MB report, 8 photos 4032×3024: {seconds:.2f} s")
        for count in (0, 12):
            root = copy_project(Path(folder) / f"attachments-{count}")
            attachments(root, count)
            build = ("--no-pdf", "--as-of", "2024-05-15T10:00")
            cold = run(root, *build)
            noop = [run(root, *build) for _ in range(args.repeat)]
            print(
                f"{count:2d} attachments: cold build {cold:.2f} s, no-op rebuild median "
                f"{statistics.median(noop):.2f} s over {args.repeat}"
            )


if __name__ == "__main__":
    main()

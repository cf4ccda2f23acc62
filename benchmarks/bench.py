"""Build-speed benchmark for the campaign site generator, with Hugo as the yardstick.

For each N in --pages it writes a synthetic site (the real config.yaml, content/ and templates/
plus N generated news pages), runs the real command line in a subprocess and reports:

  cold build (no output/, no .cache/), no-op rebuild, rebuild after one news page changed,
  rebuild after config.yaml changed, peak memory of a build, HTML pages per second,
  live-preview edit-to-reload time in headless Chromium, and Hugo's cold build of the same corpus
  (when `hugo` is on PATH) as the ratio every time is divided by.

It also times the shipped site as it is (QR codes included, poster PDFs excluded), and a site
with --photos phone photos (default 200: 4032×3024 JPEGs of 3–8 MB with EXIF orientation and
GPS, four to a report folder, with a PDF beside each report): cold build, no-op rebuild and the
rebuild after one photo was replaced.
Nothing here asserts a time: targets from the issue are printed next to the figures.

    .venv/bin/python benchmarks/bench.py [--pages 1000 4000] [--photos 200] [--quick] [--json out.json]
    .venv/bin/python benchmarks/bench.py --pages --photos 200     # the photo case alone
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter

PROJECT = Path(__file__).resolve().parent.parent
AS_OF = "2024-05-14T09:00"
SEED = 20240513
WORDS_PER_PAGE = 600
FIRST_DATE = dt.date(2024, 1, 1)  # inside the allowed 2023-01-01..2024-05-19, so that the
LAST_DATE = dt.date(2024, 5, 19)  # file name 2024-mm-dd-bench-NNNN.md always matches the date
CHROMIUM = "/usr/bin/chromium"
READY_MARK = "预览地址"


class BenchError(RuntimeError):
    """A build or server failed; the message carries its output."""


# --------------------------------------------------------------------------- corpus

UNITS = [
    "江北区机关事务管理局",
    "江北区发展和改革委员会",
    "江北区教育委员会",
    "江北区卫生健康委员会",
    "观音桥街道办事处",
    "寸滩街道办事处",
    "江北区生态环境局",
    "江北区住房和城乡建设委员会",
    "江北区图书馆",
    "江北区人民医院",
    "江北区第一实验小学",
    "江北区税务局",
]
TOPICS = [
    "节能宣传周启动仪式",
    "全国低碳日体验",
    "绿色出行倡议",
    "迎峰度夏节约用电",
    "节水护水",
    "垃圾分类进机关",
    "光盘行动",
    "LED 照明改造",
    "空调温度控制",
    "无纸化办公",
    "公务用车电动化",
    "分布式光伏并网",
    "能耗定额管理",
    "节能知识竞赛",
    "绿色采购培训",
]
ZH_SENTENCES = [
    "各单位高度重视，把节能降碳工作摆在突出位置，结合实际制定了具体的实施方案。",
    "活动现场设置了宣传展板，向干部职工普及节约能源资源的基本知识。",
    "参加活动的同志纷纷表示，要从身边小事做起，随手关灯、节约每一滴水。",
    "通过开展形式多样的宣传活动，进一步增强了公共机构干部职工的节约意识。",
    "下一步，将持续推进公共机构节能工作，巩固节约型机关创建成果。",
    "据统计，今年一季度单位建筑面积能耗同比下降百分之三点二，人均用水量下降百分之二点五。",
    "机关食堂推行按需取餐，每天减少餐厨垃圾约十五公斤。",
    "办公区域空调夏季设定温度不低于二十六摄氏度，冬季不高于二十摄氏度。",
    "新能源公务用车占比已提高到百分之四十，充电桩覆盖全部办公院区。",
    "活动期间共发放宣传资料一千二百余份，悬挂横幅三十条，播放宣传片二十余场次。",
    "与会人员认真学习了公共机构节约能源资源的有关规定和本年度工作要点。",
    "该单位还组织开展了节能降碳专题讲座，邀请专家解读绿色低碳发展政策。",
]
EN_SENTENCES = [
    "The office replaced 1,200 fluorescent tubes with LED panels this spring.",
    "Energy use per square metre fell by 3.2 percent compared with the same quarter last year.",
    "Staff were asked to switch off monitors and printers at the end of every working day.",
    "A rooftop solar array of 150 kW now feeds the canteen and the data room.",
    "Water meters on each floor report readings every fifteen minutes to the facilities team.",
    "The green procurement list covers office paper, lighting, air conditioners and vehicles.",
    "Volunteers explained the campaign theme to visitors at the service hall entrance.",
    "Heating and cooling set points are reviewed weekly against the weather forecast.",
    "The quiz attracted more than 800 participants from public institutions in the district.",
    "Electric vehicles now make up forty percent of the official car fleet.",
]
HEADINGS = [
    "活动概况 Overview",
    "主要做法",
    "数据与成效 Results",
    "下一步工作 Next steps",
    "经验体会",
    "群众反响 Feedback",
]
LIST_ITEMS = [
    "随手关灯、关闭待机电器",
    "夏季空调温度不低于 26℃",
    "优先选择公共交通和骑行 (bike to work)",
    "双面打印，减少纸张使用",
    "按需取餐，践行光盘行动",
    "定期检查水龙头和管道，杜绝跑冒滴漏",
    "Use the stairs for trips of up to three floors",
    "Report wasted energy to the facilities desk",
]
EXTERNAL_LINKS = [
    ("国家发展和改革委员会", "http://www.ndrc.gov.cn/"),
    ("国家机关事务管理局", "https://www.ggj.gov.cn/"),
    ("Energy saving tips", "https://www.example.org/energy/tips"),
    ("重庆市机关事务管理局", "http://jgswglj.cq.gov.cn/"),
]
CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,'%-]*")


@dataclass(frozen=True)
class Article:
    """One generated news page, written the same way for our site and for Hugo."""

    slug: str
    title: str
    date: dt.date
    source: str
    summary: str
    body: str

    @property
    def file_name(self) -> str:
        return f"{self.slug}.md"


def word_count(text: str) -> int:
    """Mixed-language word estimate: ASCII words, plus Chinese characters / 2 (≈ one word)."""
    return len(ASCII_WORD.findall(text)) + len(CJK.findall(text)) // 2


def make_slugs(n: int, rng: random.Random) -> list[tuple[str, dt.date]]:
    """N (slug, date) pairs; the slug is `2024-mm-dd-bench-NNNN`, always a valid address."""
    span = (LAST_DATE - FIRST_DATE).days
    pairs = []
    for i in range(1, n + 1):
        day = FIRST_DATE + dt.timedelta(days=rng.randint(0, span))
        pairs.append((f"{day:%Y-%m-%d}-bench-{i:04d}", day))
    return pairs


def _paragraph(rng: random.Random, sentences: int = 4) -> str:
    """A paragraph mixing Chinese and English sentences."""
    parts = [
        rng.choice(ZH_SENTENCES) if rng.random() < 0.65 else rng.choice(EN_SENTENCES) + " " for _ in range(sentences)
    ]
    return "".join(parts).strip()


def _table(rng: random.Random) -> str:
    """A small Markdown table of made-up monthly figures."""
    rows = ["| 月份 Month | 用电量 kWh | 同比 |", "|---|---:|---:|"]
    for month in range(1, 5):
        rows.append(f"| 2024-{month:02d} | {rng.randint(8000, 30000):,} | -{rng.uniform(0.5, 6):.1f}% |")
    return "\n".join(rows)


def make_body(index: int, slugs: list[str], rng: random.Random) -> str:
    """About 600 words of Markdown: headings, lists, a table and links."""
    blocks = [_paragraph(rng, 5)]
    headings = rng.sample(HEADINGS, len(HEADINGS))
    section = 0
    while word_count("\n\n".join(blocks)) < WORDS_PER_PAGE:
        blocks.append(f"## {headings[section % len(headings)]}")
        blocks.append(_paragraph(rng, rng.randint(3, 5)))
        kind = section % 4
        if kind == 0:
            blocks.append("\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, 4)))
        elif kind == 1:
            blocks.append(_table(rng))
        elif kind == 2:
            name, url = rng.choice(EXTERNAL_LINKS)
            other = rng.choice(slugs)
            blocks.append(
                f"详见[{name}]({url})发布的有关通知，另见本站报道"
                f"[《相关活动动态》](../{other}/)。See also [the earlier report](../{rng.choice(slugs)}/)."
            )
            # a picture from another site is refused (our CSP would block it): a link to it instead
            blocks.append(f"[活动现场照片 {index}](https://www.example.gov.cn/images/bench-{index % 50:02d}.png)")
        else:
            blocks.append("\n".join(f"{k}. {item}" for k, item in enumerate(rng.sample(LIST_ITEMS, 3), start=1)))
        section += 1
    return "\n\n".join(blocks) + "\n"


def make_corpus(n: int, seed: int = SEED) -> list[Article]:
    """N deterministic articles (same seed, same corpus)."""
    rng = random.Random(seed + n)
    pairs = make_slugs(n, rng)
    slugs = [slug for slug, _ in pairs]
    articles = []
    for index, (slug, day) in enumerate(pairs, start=1):
        unit, topic = rng.choice(UNITS), rng.choice(TOPICS)
        title = f"{unit}开展{topic}活动（第 {index} 期）"[:80]
        summary = f"{unit}于{day.month}月{day.day}日开展{topic}活动，干部职工积极参与。"
        articles.append(Article(slug, title, day, unit, summary, make_body(index, slugs, rng)))
    return articles


# --------------------------------------------------------------------------- sites on disk


def front_matter(article: Article) -> str:
    """YAML front matter accepted by both our loader and Hugo (values need no quoting)."""
    return (
        f"---\ntitle: {article.title}\ndate: {article.date:%Y-%m-%d}\n"
        f"source: {article.source}\nsummary: {article.summary}\n---\n"
    )


def write_campaign_site(folder: Path, corpus: list[Article]) -> Path:
    """The real project's config.yaml, content/ and templates/, plus the corpus in content/news/."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(PROJECT / "config.yaml", folder / "config.yaml")
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, folder / name)
    news = folder / "content" / "news"
    news.mkdir(exist_ok=True)
    for article in corpus:
        (news / article.file_name).write_text(front_matter(article) + article.body, encoding="utf-8")
    return folder


HUGO_CONFIG = """baseURL = "https://www.example.gov.cn/jnxcz/2024/"
languageCode = "zh-CN"
title = "江北区公共机构2024年全国节能宣传周和全国低碳日活动"
disableKinds = ["taxonomy", "term"]
paginate = 10
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} - {{ .Site.Title }}</title></head>
<body><header><a href="{{ "" | relURL }}">{{ .Site.Title }}</a>
<nav><a href="{{ "news/" | relURL }}">活动动态</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>主办单位：重庆市江北区机关事务管理局</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p class="meta">发布时间：{{ .Date.Format "2006年1月2日" }} · 来源：{{ .Params.source }}</p>
<div class="prose">{{ .Content }}</div></article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ol class="news-list">
{{ range .Paginator.Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p class="meta">发布时间：{{ .Date.Format "2006年1月2日" }} · 来源：{{ .Params.source }}</p>
<p>{{ .Params.summary }}</p></li>{{ end }}</ol>
<nav class="pager">{{ with .Paginator.Prev }}<a href="{{ .URL }}">上一页</a>{{ end }}
第 {{ .Paginator.PageNumber }} 页，共 {{ .Paginator.TotalPages }} 页
{{ with .Paginator.Next }}<a href="{{ .URL }}">下一页</a>{{ end }}</nav>{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>
{{ range first 5 (where .Site.RegularPages "Section" "news") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul>{{ end }}
""",
}


def write_hugo_site(folder: Path, corpus: list[Article]) -> Path:
    """The same corpus as a minimal Hugo site (baseof/single/list, paginated by 10)."""
    (folder / "content" / "news").mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        path = folder / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "content" / "news" / "_index.md").write_text("---\ntitle: 活动动态\n---\n", encoding="utf-8")
    for article in corpus:
        (folder / "content" / "news" / article.file_name).write_text(
            front_matter(article) + article.body, encoding="utf-8"
        )
    return folder


# --------------------------------------------------------------------------- running builds


@dataclass
class Run:
    """One finished subprocess: wall time, its own peak resident memory, and its output."""

    seconds: float
    peak_mb: float
    output: str
    returncode: int


def run_measured(cmd: list[str], cwd: Path | None = None) -> Run:
    """Run `cmd`, timing it; peak RSS from wait4: the largest single process (it or a waited-for
    worker), not the sum of a process pool."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    return Run(seconds, usage.ru_maxrss / 1024, output, proc.returncode)


def build_command(site: Path) -> list[str]:
    """The real command line, exactly as the brief gives it."""
    return [
        sys.executable,
        str(PROJECT / "build.py"),
        "--root",
        str(site),
        "--out",
        str(site / "output"),
        "--no-pdf",
        "--as-of",
        AS_OF,
    ]


def build(site: Path) -> Run:
    """One build of `site`; a failed build stops the benchmark with its output."""
    run = run_measured(build_command(site))
    if run.returncode != 0:
        raise BenchError(f"build of {site} failed (exit {run.returncode}):\n{run.output}")
    return run


def reported_seconds(run: Run) -> float | None:
    """The time build.py prints itself (「用时 X 秒」): the build without interpreter start-up."""
    match = re.search(r"用时 ([0-9.]+) 秒", run.output)
    return float(match.group(1)) if match else None


def clear_build_state(site: Path) -> None:
    """Remove output/ and .cache/ so the next build is cold."""
    for name in ("output", ".cache"):
        shutil.rmtree(site / name, ignore_errors=True)


def count_html(folder: Path) -> int:
    """Number of .html files under `folder`."""
    return sum(1 for _ in folder.rglob("*.html"))


def median(values: list[float]) -> float:
    return statistics.median(values)


def time_cold(site: Path, repeat: int) -> list[Run]:
    """Cold builds: output/ and .cache/ deleted before each."""
    runs = []
    for _ in range(repeat):
        clear_build_state(site)
        runs.append(build(site))
    return runs


def time_noop(site: Path, repeat: int) -> list[Run]:
    """Rebuilds with nothing changed (output/ and .cache/ from the previous build in place)."""
    build(site)  # make sure the state is that of a finished build of this very content
    return [build(site) for _ in range(repeat)]


def time_news_edit(site: Path, corpus: list[Article], repeat: int) -> list[Run]:
    """Rebuilds after appending a sentence to one news page (a different page each time)."""
    runs = []
    for k in range(repeat):
        path = site / "content" / "news" / corpus[(k * 7) % len(corpus)].file_name
        with path.open("a", encoding="utf-8") as file:
            file.write(f"\n补充说明：本文于基准测试第 {k + 1} 次修改时更新。\n")
        runs.append(build(site))
    return runs


def toggle_news_per_page(site: Path) -> None:
    """Switch config.yaml's news_per_page between 10 and 11."""
    path = site / "config.yaml"
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(
        r"(?m)^news_per_page:\s*(\d+)", lambda m: f"news_per_page: {11 if m.group(1) == '10' else 10}", text
    )
    if count != 1:
        raise BenchError("config.yaml has no `news_per_page:` line to toggle")
    path.write_text(text, encoding="utf-8")


def time_config_edit(site: Path, repeat: int) -> list[Run]:
    """Rebuilds after changing config.yaml (news_per_page 10 <-> 11)."""
    runs = []
    for _ in range(repeat):
        toggle_news_per_page(site)
        runs.append(build(site))
    return runs


# --------------------------------------------------------------------------- hugo


def hugo_version() -> str | None:
    """`hugo version`, or None when Hugo is not installed."""
    if not shutil.which("hugo"):
        return None
    result = subprocess.run(["hugo", "version"], capture_output=True, text=True)
    return result.stdout.strip() or None


def time_hugo_cold(folder: Path, repeat: int) -> tuple[list[Run], int]:
    """Hugo cold builds (out/, resources/ and its cache deleted each time); also its page count."""
    runs = []
    for _ in range(repeat):
        for name in ("out", "resources", ".hugo_cache"):
            shutil.rmtree(folder / name, ignore_errors=True)
        run = run_measured(
            [
                "hugo",
                "--quiet",
                "--source",
                str(folder),
                "--destination",
                "out",
                "--cacheDir",
                str(folder / ".hugo_cache"),
            ]
        )
        if run.returncode != 0:
            raise BenchError(f"hugo failed (exit {run.returncode}):\n{run.output}")
        runs.append(run)
    return runs, count_html(folder / "out")


# --------------------------------------------------------------------------- live preview


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_preview(site: Path, port: int, timeout: float = 900) -> tuple[subprocess.Popen, str, float]:
    """Start `build.py serve`; return it, its address and the seconds until it said 预览地址."""
    cmd = [sys.executable, "-u", str(PROJECT / "build.py"), "serve", "--root", str(site), "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", bufsize=1
    )
    seen = []
    deadline = started + timeout
    while time.perf_counter() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if READY_MARK in line:
            url = re.search(r"https?://\S+?/(?=（|\s|$)", line)
            return proc, url.group(0) if url else f"http://127.0.0.1:{port}/", time.perf_counter() - started
    stop_preview(proc)
    raise BenchError("preview server did not start:\n" + "".join(seen))


def stop_preview(proc: subprocess.Popen) -> None:
    """Ctrl+C the server (SIGINT); kill it if it does not stop within 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def wait_for_text(page, sentence: str, timeout_ms: float = 60000) -> None:
    """Poll every 10 ms until the page body shows `sentence` (surviving the reload itself)."""
    deadline = time.perf_counter() + timeout_ms / 1000
    while True:
        try:
            page.wait_for_function(
                "s => !!document.body && document.body.innerText.includes(s)",
                arg=sentence,
                polling=10,
                timeout=timeout_ms,
            )
            return
        except Exception as exc:  # a navigation can destroy the context mid-poll: poll again
            if time.perf_counter() > deadline or "Timeout" in type(exc).__name__:
                raise


def time_preview(site: Path, article: Article, edits: int) -> dict:
    """Edit-to-reload times of one news page open in headless Chromium under `build.py serve`."""
    from playwright.sync_api import sync_playwright

    path = site / "content" / "news" / article.file_name
    original = path.read_text(encoding="utf-8")
    proc, base, startup = start_preview(site, free_port())
    samples = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"{base}news/{article.slug}/", wait_until="load")
            time.sleep(1.0)  # let livereload.js open its WebSocket
            for k in range(1, edits + 1):
                sentence = f"预览计时第{k}次修改{random.Random(k).randint(10000, 99999)}号句子。"
                started = time.perf_counter()
                path.write_text(original + f"\n{sentence}\n", encoding="utf-8")
                wait_for_text(page, sentence)
                samples.append(time.perf_counter() - started)
                time.sleep(0.3)  # let the reloaded page settle before the next save
            browser.close()
    finally:
        stop_preview(proc)
        path.write_text(original, encoding="utf-8")
    return {
        "preview_startup_s": startup,
        "preview_reload_samples_s": samples,
        "preview_reload_median_s": median(samples),
        "preview_reload_max_s": max(samples),
    }


# --------------------------------------------------------------------------- photo reports

PHOTOS_PER_REPORT = 4


def phone_photo(index: int) -> bytes:
    """A JPEG as a phone delivers it: 4032×3024, 3–8 MB, EXIF orientation (every other one
    stored sideways), GPS, an sRGB profile; different bytes for every index."""
    from PIL import Image, ImageCms, ImageDraw

    rng = random.Random(SEED + index)
    width, height = 4032, 3024
    noise = Image.effect_noise((width, height), rng.uniform(14, 26))
    ramp = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (ramp, noise, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y = rng.randrange(width - 600), rng.randrange(height - 600)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(100, 600), y + rng.randrange(100, 600)), fill=colour)
    orientation = 6 if index % 2 else 1  # 6: the stored pixels are shown turned, as a portrait
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    exif[0x8825] = {1: "N", 2: (29.0, 34.0, float(index % 60)), 3: "E", 4: (106.0, 33.0, 10.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif, icc_profile=icc)
    return out.getvalue()


def write_photo_site(folder: Path, photos: int) -> Path:
    """The real project plus `photos` phone photos, four to a report folder, a PDF beside each."""
    site = write_campaign_site(folder, [])
    reports = -(-photos // PHOTOS_PER_REPORT)
    bundles = [site / "content" / "news" / f"{_report_day(r):%Y-%m-%d}-photos-{r:03d}" for r in range(reports)]
    for bundle in bundles:
        bundle.mkdir(parents=True)
    write_photos(
        [(i, bundles[i // PHOTOS_PER_REPORT] / f"photo-{i % PHOTOS_PER_REPORT + 1}.jpg") for i in range(photos)]
    )
    for report, bundle in enumerate(bundles):
        day = _report_day(report)
        lines = []
        for k in range(PHOTOS_PER_REPORT):
            index = report * PHOTOS_PER_REPORT + k
            if index < photos:
                lines.append(f"![{rng_caption(index)}](photo-{k + 1}.jpg)")
        (bundle / "summary.pdf").write_bytes(_summary_pdf(report))
        (bundle / "index.md").write_text(
            f"---\ntitle: 基准测试图片报道第 {report + 1} 篇\ndate: {day:%Y-%m-%d}\nsource: {UNITS[report % len(UNITS)]}\n---\n"
            + _paragraph(random.Random(report))
            + "\n\n"
            + "\n\n".join(lines)
            + "\n\n附件：[活动总结](summary.pdf)\n",
            encoding="utf-8",
        )
    return site


def _summary_pdf(seed: int) -> bytes:
    """A real PDF of about 150 KB (a page and a file of noise attached): attachments are cleaned, so parsed."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("data.bin", random.Random(seed).randbytes(150_000))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _report_day(report: int) -> dt.date:
    return dt.date(2024, 5, 1) + dt.timedelta(days=report % 14)


def _write_photo(item: tuple[int, Path]) -> None:
    item[1].write_bytes(phone_photo(item[0]))


def write_photos(items: list[tuple[int, Path]]) -> None:
    """Photos made and written in worker processes: this process never holds them, since a
    build started from it would report this process's memory as its own peak (Linux counts a
    child's peak from the moment it is forked, before it becomes `build.py`)."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool() as pool:
        pool.map(_write_photo, items)


def rng_caption(index: int) -> str:
    return f"{TOPICS[index % len(TOPICS)]}活动现场（第 {index + 1} 张）"


def bench_photos(photos: int, workdir: Path, repeat: int, say=print) -> dict:
    """Cold build, no-op rebuild, one photo replaced; what goes in and what comes out."""
    site = write_photo_site(workdir / f"photos-{photos}", photos)
    sources = sorted((site / "content" / "news").glob("*/photo-*.jpg"))
    size_in = sum(p.stat().st_size for p in sources)
    say(f"[photos={photos}] {len(sources)} photos written ({size_in / 1e6:.0f} MB)")
    cold = time_cold(site, repeat)
    say(f"[photos={photos}] cold {median([r.seconds for r in cold]):.1f} s")
    noop = time_noop(site, repeat)
    replaced = []
    for k in range(repeat):
        write_photos([(10_000 + k, sources[k])])
        replaced.append(build(site))
    delivered = [p for p in (site / "output").glob("*/news/**/*.jpg")]  # every edition's folder
    result = {
        "photos": len(sources),
        "repeat": repeat,
        "mb_in": size_in / 1e6,
        "files_out": len(delivered),
        "mb_out": sum(p.stat().st_size for p in delivered) / 1e6,
        "largest_kb": max(p.stat().st_size for p in delivered) / 1024,
        "cold_s": median([r.seconds for r in cold]),
        "cold_reported_s": median([reported_seconds(r) or 0 for r in cold]),
        "noop_s": median([r.seconds for r in noop]),
        "noop_reported_s": median([reported_seconds(r) or 0 for r in noop]),
        "replaced_s": median([r.seconds for r in replaced]),
        "replaced_reported_s": median([reported_seconds(r) or 0 for r in replaced]),
        "peak_mb": max(r.peak_mb for r in cold + noop + replaced),
    }
    shutil.rmtree(site, ignore_errors=True)
    return result


def photo_lines(r: dict) -> list[str]:
    lines = [
        f"Photo reports: {r['photos']} phone photos (4032×3024, EXIF orientation, GPS; {r['mb_in']:.0f} MB) "
        f"in {-(-r['photos'] // PHOTOS_PER_REPORT)} report folders, a PDF beside each:",
        f"  {'figure':<52}{'seconds':>9}  {'build.py 用时':>9}",
    ]
    for name, key in (
        (f"cold build, no cache (median of {r['repeat']})", "cold"),
        (f"no-op rebuild (median of {r['repeat']})", "noop"),
        (f"one photo replaced (median of {r['repeat']})", "replaced"),
    ):
        lines.append(f"  {pad(name, 52)}{r[key + '_s']:9.3f}  {r[key + '_reported_s']:9.3f}")
    lines.append(
        f"  delivered: {r['files_out']} JPEG files, {r['mb_out']:.1f} MB in all, the largest {r['largest_kb']:.0f} KB"
    )
    lines.append(f"  {'peak memory of a build (max RSS, MB)':<52}{r['peak_mb']:9.1f}")
    return lines


# --------------------------------------------------------------------------- one size


def bench_size(n: int, workdir: Path, repeat: int, edits: int, hugo: bool, say=print) -> dict:
    """All figures for one N; `say` reports progress."""
    corpus = make_corpus(n)
    site = write_campaign_site(workdir / f"site-{n}", corpus)
    words = statistics.mean(word_count(a.body) for a in corpus)
    say(f"[N={n}] corpus written ({words:.0f} words per page on average)")
    result: dict = {"n": n, "repeat": repeat, "words_per_page": round(words)}
    if hugo:
        runs, pages = time_hugo_cold(write_hugo_site(workdir / f"hugo-{n}", corpus), repeat)
        result.update(
            hugo_cold_s=median([r.seconds for r in runs]),
            hugo_cold_samples_s=[r.seconds for r in runs],
            hugo_pages=pages,
            hugo_peak_mb=max(r.peak_mb for r in runs),
        )
        result["hugo_pages_per_s"] = pages / result["hugo_cold_s"]
        say(f"[N={n}] hugo cold {result['hugo_cold_s']:.2f} s")
    steps = [
        ("cold", lambda: time_cold(site, repeat)),
        ("noop", lambda: time_noop(site, repeat)),
        ("edit_news", lambda: time_news_edit(site, corpus, repeat)),
        ("edit_config", lambda: time_config_edit(site, repeat)),
    ]
    peak = 0.0
    for name, step in steps:
        runs = step()
        result[f"{name}_s"] = median([r.seconds for r in runs])
        result[f"{name}_samples_s"] = [r.seconds for r in runs]
        result[f"{name}_peak_mb"] = max(r.peak_mb for r in runs)
        peak = max(peak, result[f"{name}_peak_mb"])
        if name == "cold":
            own = [s for s in map(reported_seconds, runs) if s is not None]
            result["cold_reported_s"] = median(own) if own else None
            clear_build_state(site)
            build(site)
            result["pages"] = count_html(site / "output")
            result["pages_per_s"] = result["pages"] / result["cold_s"]
        say(f"[N={n}] {name} {result[f'{name}_s']:.2f} s")
    result["peak_mb"] = peak
    result.update(time_preview(site, corpus[0], edits))
    say(f"[N={n}] preview reload median {result['preview_reload_median_s'] * 1000:.0f} ms")
    shutil.rmtree(site, ignore_errors=True)
    return result


def bench_shipped(workdir: Path, repeat: int) -> dict:
    """The shipped site as it is: cold, QR codes included, poster PDFs excluded (--no-pdf)."""
    site = write_campaign_site(workdir / "shipped", [])
    runs = time_cold(site, repeat)
    return {
        "cold_s": median([r.seconds for r in runs]),
        "cold_samples_s": [r.seconds for r in runs],
        "cold_reported_s": median([reported_seconds(r) or 0 for r in runs]),
        "peak_mb": max(r.peak_mb for r in runs),
        "pages": count_html(site / "output"),
    }


# --------------------------------------------------------------------------- report


def pad(text: str, width: int) -> str:
    """Left-justify `text` to `width` terminal columns (Chinese characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def ratio(seconds: float, hugo_seconds: float | None) -> str:
    return f"{seconds / hugo_seconds:6.2f}×" if hugo_seconds else "     —"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("  [met]" if ok else "  [NOT met]")


def size_lines(r: dict) -> list[str]:
    """The table for one N: name, value, ratio to Hugo's cold build, target."""
    hugo = r.get("hugo_cold_s")
    at4k = r["n"] == 4000
    check = (lambda ok: verdict(ok)) if at4k else (lambda ok: verdict(None))
    note = "" if at4k else " (target is for N=4,000)"
    rows = [(f"hugo cold build (median of {r['repeat']})", hugo, "", "")] if hugo else []
    rows += [
        (
            f"cold build, no cache (median of {r['repeat']})",
            r["cold_s"],
            "< 2.5× Hugo" + note,
            check(hugo and r["cold_s"] < 2.5 * hugo),
        ),
        ("  of which inside build.py (its own 用时)", r["cold_reported_s"], "", ""),
        (
            f"no-op rebuild (median of {r['repeat']})",
            r["noop_s"],
            "< Hugo cold" + note,
            check(hugo and r["noop_s"] < hugo),
        ),
        (f"one news page edited (median of {r['repeat']})", r["edit_news_s"], "", ""),
        (f"config.yaml edited (median of {r['repeat']})", r["edit_config_s"], "", ""),
        (
            f"live preview edit-to-reload, median of {len(r['preview_reload_samples_s'])}",
            r["preview_reload_median_s"],
            "< 0.300 s" + note,
            check(r["preview_reload_median_s"] < 0.3),
        ),
        (
            "live preview edit-to-reload, max",
            r["preview_reload_max_s"],
            "< 0.300 s" + note,
            check(r["preview_reload_max_s"] < 0.3),
        ),
        ("live preview start-up (serve until 预览地址)", r["preview_startup_s"], "", ""),
    ]
    lines = [
        f"N = {r['n']:,} news pages ({r['pages']:,} HTML pages in output, ~{r['words_per_page']} words per news page)",
        f"  {'figure':<52}{'seconds':>9}  {'/ Hugo':>7}  target",
    ]
    for name, value, target, mark in rows:
        shown = f"{value:9.3f}" if value is not None else f"{'—':>9}"
        lines.append(
            f"  {pad(name, 52)}{shown}  {ratio(value, hugo) if value is not None else '     —'}  {target}{mark}"
        )
    lines.append(
        f"  {'peak memory of a build (max RSS, MB)':<52}{r['peak_mb']:9.1f}  {'':>7}  "
        f"< 400 MB{note}{check(r['peak_mb'] < 400)}"
    )
    lines.append(f"  {'pages per second, cold build':<52}{r['pages_per_s']:9.1f}")
    if hugo:
        lines.append(
            f"  {'Hugo: pages per second / peak memory MB':<52}{r['hugo_pages_per_s']:9.1f}"
            f"  {r['hugo_peak_mb']:7.1f}  ({r['hugo_pages']:,} HTML pages)"
        )
    return lines


def report(results: dict) -> str:
    """The whole plain-text report."""
    meta, shipped = results["meta"], results["shipped"]
    lines = [
        f"campaign build benchmark — {meta['python']}, {meta['cpus']} CPUs, "
        f"hugo: {meta['hugo'] or 'not installed (no ratios)'}",
        "",
    ]
    lines.append(f"Shipped site as is ({shipped['pages']} HTML pages), cold, QR codes included, --no-pdf:")
    lines.append(
        f"  {'cold build (median of ' + str(shipped['repeat']) + ')':<52}{shipped['cold_s']:9.3f}"
        f"  {'':>7}  < 1 s{verdict(shipped['cold_s'] < 1)}"
    )
    lines.append(f"  {pad('  of which inside build.py (its own 用时)', 52)}{shipped['cold_reported_s']:9.3f}")
    lines.append(f"  {'peak memory (MB)':<52}{shipped['peak_mb']:9.1f}")
    for r in results["sizes"]:
        lines += [""] + size_lines(r)
    if results.get("photos"):
        lines += [""] + photo_lines(results["photos"])
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pages",
        type=int,
        nargs="*",
        default=[1000, 4000],
        help="numbers of generated news pages (default: 1000 4000; none: only the photo case)",
    )
    parser.add_argument(
        "--photos", type=int, default=200, help="phone photos in the photo-report case (default 200; 0: skip it)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: N=200, one repetition, 3 preview edits")
    parser.add_argument("--json", type=Path, help="also save every figure to this JSON file")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo even when installed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run one cold build of the first N under cProfile; print the top 15 entries by cumulative time",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary sites (prints where)")
    return parser.parse_args(argv)


def profile_cold(n: int, workdir: Path) -> str:
    """Top 15 cumulative entries of cProfile over one cold build of N pages."""
    import io
    import pstats

    site = write_campaign_site(workdir / f"profile-{n}", make_corpus(n))
    stats_file = workdir / "cold.prof"
    cmd = build_command(site)
    run = run_measured([cmd[0], "-m", "cProfile", "-o", str(stats_file)] + cmd[1:])
    if run.returncode != 0:
        raise BenchError(run.output)
    text = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(15)
    shutil.rmtree(site, ignore_errors=True)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes, repeat, edits = ([200], 1, 3) if args.quick else (args.pages, 3, 10)
    photo_repeat = 1 if args.quick else 2
    version = None if args.no_hugo else hugo_version()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731 - progress only
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    try:
        build(write_campaign_site(workdir / "warm-up", []))  # compile bytecode, warm the disk cache
        results = {
            "meta": {
                "python": f"Python {platform.python_version()}",
                "cpus": os.cpu_count(),
                "hugo": version,
                "quick": args.quick,
                "as_of": AS_OF,
                "date": dt.datetime.now().isoformat(timespec="seconds"),
            },
            "shipped": {**bench_shipped(workdir, repeat), "repeat": repeat},
            "sizes": [],
        }
        say(f"shipped site cold {results['shipped']['cold_s']:.2f} s")
        for n in sizes:
            results["sizes"].append(bench_size(n, workdir, repeat, edits, version is not None, say))
        if args.photos:
            results["photos"] = bench_photos(args.photos, workdir, photo_repeat, say)
        results["meta"]["total_s"] = time.perf_counter() - started
        print(report(results))
        print(f"\n(total benchmark time {results['meta']['total_s']:.0f} s)")
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        if args.profile and sizes:
            print(f"\ncProfile, one cold build of N={sizes[0]} (top 15 by cumulative time):")
            print(profile_cold(sizes[0], workdir))
    finally:
        if args.keep:
            say(f"sites kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

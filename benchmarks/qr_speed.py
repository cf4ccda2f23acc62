"""QR matrix speed: qrcode as campaign/qr.py calls it today vs campaign.qrfast.

Times every one of 300 realistic URLs (site pages, go/ short links, long livestream links) once
per implementation and level, and prints the median milliseconds per code. qrfast's one-off
per-version tables are built by a warm-up pass first (their cost is printed separately), as they
are in a real build after the first code of each size. Nothing is asserted.

    .venv/bin/python benchmarks/qr_speed.py [--levels M H] [--count 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from campaign.render import qrfast

LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}


def reference(data: str, level: str):
    code = qrcode.QRCode(error_correction=LEVELS[level], border=4)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def realistic_urls(count: int, seed: int = 20240513) -> list[str]:
    rnd = random.Random(seed)
    slugs = [
        "huodong-anpai",
        "ditan-ri",
        "jieneng-zhishi",
        "zhiyuanzhe",
        "kaimu-shi",
        "xuanchuan-zhou",
        "gongjiao-chuxing",
        "lvse-shenghuo",
        "nengxiao-biaoshi",
    ]
    sections = ["news", "events", "schedule", "notices", "downloads", "posters"]
    urls = []
    for i in range(count):
        kind = i % 6
        if kind in (0, 1, 2):
            date = f"2024-{rnd.randint(1, 5):02d}-{rnd.randint(1, 28):02d}"
            slug = "-".join(rnd.sample(slugs, rnd.randint(1, 3)))
            urls.append(f"https://www.example.gov.cn/jnxcz/2024/{rnd.choice(sections)}/{date}-{slug}/")
        elif kind == 3:
            urls.append(f"https://go.example.gov.cn/{rnd.choice(['jn', 'dt', 'zb'])}{rnd.randint(1, 9999)}")
        elif kind == 4:
            urls.append(
                f"https://www.example.gov.cn/jnxcz/2024/events/{rnd.choice(['低碳日', '节能宣传周', '开幕式'])}/"
            )
        else:
            length = rnd.randint(150, 900)
            url = f"https://live.example.gov.cn/room/{rnd.randint(10000, 99999)}?"
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
            while len(url) < length:
                url += (
                    rnd.choice(["token", "sig", "from", "t", "spm", "utm_source"])
                    + "="
                    + "".join(rnd.choice(alphabet) for _ in range(rnd.randint(6, 64)))
                    + "&"
                )
            urls.append(url[:length])
    return urls


def per_code_ms(function, urls: list[str], level: str) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        function(url, level)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="+", default=["M", "H"], choices=list(LEVELS))
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    urls = realistic_urls(args.count)
    print(
        f"{len(urls)} URLs, {min(map(len, urls))}..{max(map(len, urls))} characters; "
        f"Python {sys.version.split()[0]}, qrcode {qrcode_version()}"
    )
    for level in args.levels:
        start = time.perf_counter()
        for url in urls:
            qrfast.encode(url, level)
        warm_up = (time.perf_counter() - start) * 1000
        fast = per_code_ms(qrfast.encode, urls, level)
        slow = per_code_ms(reference, urls, level)
        same = sum(qrfast.encode(url, level) == reference(url, level) for url in urls)
        med_fast, med_slow = statistics.median(fast), statistics.median(slow)
        print(
            f"level {level}: reference {med_slow:7.3f} ms/code (median), "
            f"fast {med_fast:6.3f} ms/code (median), speed-up {med_slow / med_fast:5.1f}x; "
            f"total {sum(slow):7.0f} ms vs {sum(fast):5.0f} ms "
            f"(first pass incl. tables {warm_up:.0f} ms); identical {same}/{len(urls)}"
        )


def qrcode_version() -> str:
    from importlib.metadata import version

    return version("qrcode")


if __name__ == "__main__":
    main()

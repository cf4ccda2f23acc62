"""The fingerprint of the generator itself: its own code and the libraries that shape output.

Part of every cache key and of the key of every build state, so a change to any module (how
weekdays are written, how a QR code is drawn) or an upgraded library invalidates what it
should, with no version constant for anyone to remember to bump.
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# Libraries whose output ends up in the site's bytes.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pyyaml", "qrcode", "pillow", "pillow-heif", "pypdf")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of every module of the package and the versions of `LIBRARIES` (and Python)."""
    digest = hashlib.sha256(f"python {sys.version_info[:2]}\n".encode())
    for name in LIBRARIES:
        try:
            digest.update(f"{name} {version(name)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{name} -\n".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()

#!/usr/bin/env bash
# 安装测试所需的一切（Debian 软件包和 Python 包），然后运行全部测试。
# Installs what the tests need (Debian packages when run as root, Python packages in .venv),
# checks the code with ruff, then runs every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium poppler-utils fonts-noto-cjk fonts-wqy-microhei nginx default-jre-headless)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "测试需要先安装：sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# vnu-jar (HTML checker) and axe-core (accessibility), pinned in package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
  else
    echo "测试需要先安装：sudo apt-get install nodejs npm" >&2
    exit 1
  fi
fi
if [ ! -d node_modules ]; then
  # --ignore-scripts: vnu-jar's postinstall would download its own Java; the tests use Debian's.
  npm ci --no-audit --no-fund --ignore-scripts
fi

python3 -m venv .venv
# --no-compile: each module is compiled when first imported, not all of every package up front.
.venv/bin/pip install -q --no-compile --disable-pip-version-check -r requirements-dev.txt
# Lint and format first: a lint error fails the run before any test.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Types next (settings in pyproject.toml): a type error fails the run before any test.
.venv/bin/mypy
# One process per core and one more: many tests wait on Chromium, nginx or a child build, and a
# third process fills those waits (on 2 cores: 3 min 43 s, against 4 min 23 s with 2 and 4 min
# 33 s with 4). A test file stays in one process, so its module's fixtures are built once.
exec .venv/bin/python -m pytest -n "$(($(nproc) + 1))" --dist loadfile "$@"

"""Files planted in a project, through the real command line (`run_cli`).

- `--out` inside any edition's sources is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sitecopy import copy_site, run_cli, snapshot

AS_OF = "2024-05-15T10:00"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_site(tmp_path_factory.mktemp("hostile") / "site", printed=False)


@pytest.fixture()
def root(pristine, tmp_path) -> Path:
    return copy_site(tmp_path / "site", source=pristine, printed=False)


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

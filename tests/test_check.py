"""`build.py check`: what is still missing, as of a given day."""

from __future__ import annotations

import re

from conftest import REPO, run_build


def test_check_before_announcement_lists_pending_addresses():
    result = run_build("check", "--as-of", "2024-05-10")
    assert result.returncode == 0, result.stderr
    assert "尚未公布的网址：5 个" in result.stdout  # four addresses and the quiz's
    pending_section, links_section = result.stdout.split("\n\n")[1:3]
    assert pending_section.count("（待公布）") == 4
    assert "请尽快填写" not in result.stdout
    assert "go/xinhua-live/ → 尚未公布" in links_section
    assert "go/schedule/ → https://www.example.gov.cn/jnxcz/2024/schedule/" in links_section


def test_check_after_announcement_flags_overdue_addresses():
    result = run_build("check", "--as-of", "2024-05-13T12:00")
    assert result.stdout.count("【已到公布日期，请尽快填写】") == 4
    assert result.stdout.count("【已过公布日期仍未填写") == 4
    assert "新华网" in result.stdout and "华龙网" in result.stdout


def test_check_reports_footer_placeholders_with_file_and_line():
    result = run_build("check", "--as-of", "2024-05-13")
    config_lines = (REPO / "config.yaml").read_text(encoding="utf-8").split("\n")
    for key in ("site_code", "icp", "police", "base_url"):
        line = next(n for n, text in enumerate(config_lines, 1) if re.match(rf"\s*{key}:", text))
        assert f"config.yaml:{line}: {key}：" in result.stdout, key


def test_check_rejects_a_bad_date_argument():
    result = run_build("check", "--as-of", "5月13日")
    assert result.returncode == 2
    assert "--as-of 应写成 2024-05-13" in result.stderr


def test_build_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("重要", encoding="utf-8")
    result = run_build("--out", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    # one line saying which folder and why nothing was written (its advice's wording may change)
    [refusal] = result.stderr.splitlines()
    assert refusal.startswith(f"构建失败：输出文件夹 {tmp_path.resolve()} 里已有别的文件，"), refusal
    assert "为免误删" in refusal
    assert keep.read_text(encoding="utf-8") == "重要"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

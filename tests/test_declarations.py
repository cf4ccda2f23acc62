"""Each field's declaration is the clerk's one source of help: the shipped files' comments say it.

The model declares every field a clerk writes (`campaign.model.fields.declare`): its label and
help, and what next year's edition does with it. These tests read the shipped sources as a
clerk opens them in Notepad: the comment just above the first time each key is written must be
exactly the declaration's label and help, so the help in the files and in the code cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaign.inspection import checks
from campaign.load.content import DECLARED_FILES, declared_keys
from campaign.model import site as m
from campaign.model.fields import Declared, declarations, declared_paths, schema

ROOT = Path(__file__).resolve().parent.parent

# Each shipped source whose fields the model declares, and every shipped report.
SOURCES = [
    *DECLARED_FILES,
    checks.RULES_FILE,
    *(f"content/news/{path.name}" for path in sorted((ROOT / "content/news").glob("*.md"))),
]
MODELS = (
    m.Config,
    m.Footer,
    m.QrSettings,
    m.Campaign,
    m.Theme,
    m.Announced,
    m.Event,
    m.PledgeDay,
    m.Pledge,
    m.Quiz,
    m.Notice,
    m.Contact,
    m.NewsItem,
    m.StableLink,
    m.Poster,
    checks.Rules,
    checks.Rule,
    checks.WrongForm,
)
KEY = re.compile(r"^(\s*)(- )?([A-Za-z_][A-Za-z0-9_]*):")


def yaml_lines(name: str) -> list[str]:
    """The file's YAML lines: a Markdown file's front matter only."""
    lines = (ROOT / name).read_text(encoding="utf-8").split("\n")
    if name.endswith(".md"):
        return lines[1 : lines.index("---", 1)]
    return lines


def first_comments(lines: list[str]) -> dict[str, list[str]]:
    """{"footer.contact": the comment lines just above the first time that key path is written}."""
    found: dict[str, list[str]] = {}
    open_keys: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        match = KEY.match(line)
        if match is None:
            continue
        column = len(match.group(1)) + (2 if match.group(2) else 0)
        open_keys = [(c, k) for c, k in open_keys if c < column]
        path = ".".join([k for _, k in open_keys] + [match.group(3)])
        open_keys.append((column, match.group(3)))
        block: list[str] = []
        above = number - 1
        while above >= 0 and lines[above].lstrip().startswith("#"):
            block.insert(0, lines[above].lstrip()[1:].removeprefix(" "))
            above -= 1
        found.setdefault(path, block)
    return found


def expected_paths(name: str) -> dict[str, Declared]:
    if name == checks.RULES_FILE:
        return declared_paths(checks.Rules)
    return declared_paths(m.NewsItem) if name.startswith("content/news/") else declared_keys(name)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_has_a_label_and_help(model):
    found = declarations(model)
    assert found, f"{model.__name__} declares no field"
    for name, declared in found.items():
        assert declared.label.strip(), f"{model.__name__}.{name} has no label"
        assert declared.help.strip(), f"{model.__name__}.{name} has no help"
        assert "：" not in declared.label, f"{model.__name__}.{name}: the label ends at the first full-width colon"


@pytest.mark.parametrize("name", SOURCES)
def test_the_shipped_comment_above_each_key_is_its_declaration(name):
    written = first_comments(yaml_lines(name))
    checked = 0
    for path, declared in expected_paths(name).items():
        if path not in written:
            assert not declared.check.required, f"{name}: the required key {path} is not in the shipped file"
            continue
        wanted = declared.comment.split("\n")
        assert written[path][-len(wanted) :] == wanted, f"{name}: the comment above {path}"
        checked += 1
    assert checked >= 3


def test_the_comment_check_sees_a_comment_that_drifted(tmp_path):
    """A changed word in a shipped comment is caught: the check compares whole lines."""
    lines = yaml_lines("config.yaml")
    at = next(n for n, line in enumerate(lines) if line.startswith("title:"))
    assert lines[at - 1] == "# 网站标题：显示在浏览器标签和页面顶部，最多 60 个字"
    lines[at - 1] = "# 网站标题：显示在浏览器标签和页面顶部，最多 80 个字"
    comments = first_comments(lines)
    assert comments["title"][-1:] != declared_paths(m.Config)["title"].comment.split("\n")
    assert first_comments(yaml_lines("config.yaml"))["title"][-1:] == declared_paths(m.Config)["title"].comment.split(
        "\n"
    )


def test_the_schema_of_a_model_is_its_declarations_in_order():
    record = schema(m.Event)
    assert list(record.fields) == [
        "id",
        "title",
        "kind",
        "date",
        "end_date",
        "start",
        "end",
        "time_note",
        "place",
        "hosts",
        "livestream",
        "summary",
        "description",
    ]
    assert record.model is m.Event
    assert [kind.label for kind in m.EventKind] == ["发布", "直播", "活动", "截止", "竞赛", "宣传"]


def test_next_years_reset_is_declared_on_the_fields_that_change():
    yearly = {
        f"{model.__name__}.{name}": d.yearly
        for model in MODELS
        for name, d in declarations(model).items()
        if d.yearly is not None
    }
    assert yearly["Notice.written"].placeholder("2025") == "待填写：成文日期"
    assert yearly["Campaign.intro_html"].placeholder("2025").startswith("待填写：2025年活动简介")
    assert yearly["Config.title"].new_year and not yearly["Config.title"].todo
    assert yearly["Quiz.url"].placeholder("2025") == ""
    for carried in ("Config.organiser", "Event.id", "Announced.id", "Notice.issuer", "Config.language"):
        assert carried not in yearly

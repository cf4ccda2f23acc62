"""The government website inspection, run before publishing rather than discovered after.

Sites are spot-checked against the State Council General Office's inspection index (国办秘函
〔2019〕19号). What the rules are called, whether a finding fails the site outright (单项否决) or
costs points (扣分), the citation and the thresholds are content (`content/inspection.yaml`), so
the office can follow a revised index without a programmer; the code only holds one check per
rule id. Every finding names the file and line to fix.

What is judged is what ships. The wording and punctuation checks read the sources, for the line
to name, but a report held back for a later day is not read at all, and a finding stands only
when the text it quotes is in the rendered files (`shipped`): a template branch never taken or
a value no page uses blocks nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from campaign.context import BuildContext
from campaign.errors import ContentProblem, Problems
from campaign.inspection import links as linkcheck
from campaign.inspection.links import TextLine
from campaign.inspection.shipped import Quote, ShippedText
from campaign.load.source import read_text
from campaign.load.yamltext import parse_yaml
from campaign.model.fields import Choice, Integer, ListOf, Parsed, Text, build, declare, read_document, schema
from campaign.model.sections import shown
from campaign.model.site import PLACEHOLDER_PREFIX, Site, is_pending
from campaign.render.dates import cn_date
from campaign.render.pages import plan_pages
from campaign.render.urls import output_file

RULES_FILE = "content/inspection.yaml"
NEEDS_THRESHOLD = ("empty-sections", "freshness")
# What publish and package refuse to ship (the list); the rest is reported only.
BLOCKS_PUBLISH = ("wording", "empty-sections", "links")
HALF_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
CJK = "\u3400-\u9fff〔〕《》“”‘’（）「」"
BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[,;:!?()](?=[{CJK}])")


class Category(enum.StrEnum):
    """Whether a finding fails the site outright or costs points."""

    VETO = "单项否决"
    DEDUCT = "扣分"


VETO = Category.VETO


@dataclass(frozen=True)
class Rule:
    """One rule of content/inspection.yaml: what the report calls it, how much it weighs."""

    id: str = declare(Text(), "代号", "程序按它找到对应的检查，不要改")
    title: str = declare(Text(), "规则名称", "显示在检查报告里")
    category: Category = declare(
        Choice({c.value: c for c in Category}),
        "类别",
        "只能写“单项否决”或“扣分”；单项否决的问题会让网站检查直接不合格",
    )
    citation: str = declare(Text(), "依据", "显示在检查报告里")
    threshold: int | None = declare(
        Integer(1, 1000, required=False), "门槛", "一个整数，只有部分规则有，含义见上一行的说明"
    )
    exempt: tuple[str, ...] = declare(
        ListOf(Text(), required=False),
        "不参加这条检查的页面",
        "可不写；每个一行，写页面地址开头，如“- posters/”",
    )


@dataclass(frozen=True, kw_only=True)
class WrongForm:
    """A form of words the wording check refuses, and what to write instead."""

    wrong: str = declare(Text(), "错误写法", "只收确实写错的，不要收可能正确的写法")
    right: str = declare(Text(), "正确写法", "检查报告里提示改成这样")


@dataclass(frozen=True, kw_only=True)
class Rules:
    """content/inspection.yaml: the inspection's rules and the office's list of wrong forms."""

    division_code: str = declare(Text(), "本区的行政区划代码（6 位数字）", "网站标识码和公安机关备案号都以它开头")
    province: str = declare(
        Text(max_length=1), "本省（市）的简称", "ICP备案号和公安机关备案号以它开头，如“渝ICP备12345678号”"
    )
    timeout: int = declare(
        Integer(1, 60),
        "外部网址最多等几秒",
        "加 --online 检查外部网址时，每个网址最多等待几秒（1 到 60 之间的整数）",
        key="online_timeout_seconds",
    )
    listed: tuple[Rule, ...] = declare(
        ListOf(schema(Rule)),
        "检查规则",
        "每条以“- id:”开头；单项否决的问题会让网站检查直接不合格，扣分的会扣分",
        key="rules",
    )
    forms: tuple[WrongForm, ...] = declare(
        ListOf(schema(WrongForm)),
        "错别字清单",
        "每项以“- wrong:”开头；发现新的常见错别字，照样子添加一项即可",
        key="wrong_forms",
    )

    @functools.cached_property
    def rules(self) -> dict[str, Rule]:
        """id -> Rule, in the order of the file."""
        return {rule.id: rule for rule in self.listed}

    @functools.cached_property
    def wrong_forms(self) -> tuple[tuple[str, str], ...]:
        """(wrong, right), longest wrong form first."""
        return tuple(sorted(((f.wrong, f.right) for f in self.forms), key=lambda f: -len(f[0])))


RULES = schema(Rules)


@dataclass(frozen=True, order=True)
class Finding:
    """One thing an inspector would mark, under a rule; `todo` ones (待填写) never fail a check.

    A finding about text a source line writes quotes it: `inspect` keeps it only if that text
    ships (`shipped.ShippedText`).
    """

    rule: str
    problem: ContentProblem  # where to fix it and what to do, like any content mistake
    todo: bool = False
    quote: Quote | None = field(default=None, compare=False)

    @classmethod
    def at(
        cls, rule: str, file: str, line: int, message: str, todo: bool = False, quote: Quote | None = None
    ) -> Finding:
        return cls(rule, ContentProblem(file, line, message), todo, quote)

    @property
    def file(self) -> str:
        return self.problem.file

    @property
    def line(self) -> int:
        return self.problem.line

    @property
    def message(self) -> str:
        return self.problem.message

    def __str__(self) -> str:
        return str(self.problem)


@dataclass
class Inspection:
    rules: Rules
    as_of: dt.datetime
    findings: list[Finding] = field(default_factory=list)
    outside: dict[str, list[str]] = field(default_factory=dict)  # host -> addresses
    probes: list[linkcheck.Probe] | None = None  # with --online: one per outside address

    def of(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule_id]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.todo]

    @property
    def fails_check(self) -> bool:
        """A 单项否决 finding or a link error: the site would not pass as it is."""
        return any(f.rule == "links" or self.rules.rules[f.rule].category == VETO for f in self.errors)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.errors if f.rule in BLOCKS_PUBLISH]

    @property
    def vetoes(self) -> list[Finding]:
        """What fails the site outright: a 单项否决 rule's findings, the empty sections' only from
        the rule's threshold on (below it, each must still be filled in before publishing)."""
        found = [f for f in self.errors if self.rules.rules[f.rule].category == VETO]
        empty = self.rules.rules.get("empty-sections")
        below = empty is not None and empty.threshold is not None and empty.threshold > len(self.of(empty.id))
        if below:
            found = [f for f in found if f.rule != "empty-sections"]
        return found


# --- the rules, from content ----------------------------------------------------------------


def load_rules(root: Path) -> Rules:
    """Read content/inspection.yaml; a mistake in it is reported like any content mistake."""
    name, text = read_text(root / RULES_FILE, root)
    problems = Problems()
    doc = read_document(parse_yaml(text, name), RULES, problems)
    rules: dict[str, Rule] = {}
    for rule in doc["rules"] or ():
        _check_rule(rule, rules, problems)
        rules[rule["id"]] = build(Rule, rule)
    missing = [rule_id for rule_id in CHECKS if rule_id not in rules]
    if missing and doc["rules"]:  # without any rules, 缺少「rules」 already says it
        problems.add(name, doc["_line"], "缺少检查规则：" + "、".join(missing) + "；请照其他规则的样子补上")
    if not re.fullmatch(r"\d{6}", doc["division_code"] or ""):
        problems.add(name, 0, 'division_code 应是 6 位数字的行政区划代码，如 "500105"')
    problems.raise_if_any()
    return build(Rules, doc)


def _check_rule(rule: Parsed, seen: dict[str, Rule], problems: Problems) -> None:
    where = (rule["_file"], rule["_line"])
    if rule["id"] not in CHECKS:
        problems.add(*where, f"没有代号为「{rule['id']}」的检查；可用的代号：{'、'.join(CHECKS)}")
    elif rule["id"] in seen:
        problems.add(*where, f"检查规则「{rule['id']}」重复了；每条规则只能写一次")
    elif rule["id"] in NEEDS_THRESHOLD and rule["threshold"] is None:
        problems.add(*where, f"规则「{rule['id']}」必须写 threshold（门槛数字）")


# --- running it ------------------------------------------------------------------------------


def inspect(
    ctx: BuildContext, site: Site, files: dict[str, bytes], online: bool = False, tree: dict[str, bytes] | None = None
) -> Inspection:
    """Every check on the loaded site and the very bytes that ship; nothing is written.

    `tree`: the whole campaign's files, for links into the other editions.
    """
    root = ctx.root
    rules = load_rules(root)
    result = Inspection(rules, site.as_of)
    names = _shown_files(root, site)
    texts = visible_text(root, names)
    shipped = ShippedText(files)
    for rule_id in rules.rules:
        found = CHECKS[rule_id](ctx, site, files, rules, texts)
        result.findings.extend(f for f in found if f.quote is None or shipped.holds(f.quote))
    sources = linkcheck.source_lines(root, names)
    broken, result.outside = linkcheck.check_links(site, files, sources, tree)
    if "links" in rules.rules:
        result.findings.extend(Finding("links", problem) for problem in broken)
        if online:
            urls = [url for urls in result.outside.values() for url in urls]
            result.probes = linkcheck.probe_all(urls, rules.timeout)
            result.findings.extend(
                Finding.at("links", "外部网址", 0, f"「{p.url}」打不开（HTTP {p.status}）")
                for p in result.probes
                if p.status >= 400
            )
    result.findings.sort()
    return result


def archived_links(
    ctx: BuildContext, site: Site, files: dict[str, bytes], tree: dict[str, bytes], shown: Callable[[str], str]
) -> list[Finding]:
    """An archived edition is only checked for broken links: its dates and deadlines are past.

    `shown` names its files as the clerk finds them from the project (editions/2024/...).
    """
    rules = load_rules(ctx.root)
    if "links" not in rules.rules:
        return []
    sources = linkcheck.source_lines(ctx.root, _shown_files(ctx.root, site))
    broken, _ = linkcheck.check_links(site, files, sources, tree)
    return [Finding("links", ContentProblem(shown(p.file), p.line, p.message)) for p in broken]


def _text_files(root: Path) -> list[str]:
    """Files whose text shows on the site: config, content (not the rules) and templates."""
    names = ["config.yaml"]
    for pattern in (
        "content/*.yaml",
        "content/*.md",
        "content/news/*.md",
        "content/news/*/index.md",
        "templates/*.html",
    ):
        names += [p.relative_to(root).as_posix() for p in sorted(root.glob(pattern)) if p.is_file()]
    return [n for n in names if n != RULES_FILE]


def _shown_files(root: Path, site: Site) -> list[str]:
    """The text files of this build: a report dated after its day is not on the site yet."""
    waiting = {item.file for item in site.held_back}
    return [name for name in _text_files(root) if name not in waiting]


def visible_text(root: Path, names: Collection[str] | None = None) -> list[TextLine]:
    """(file, line, text) for what a visitor reads: YAML values, Markdown, template text.

    YAML keys and comments are left out by taking each value's own source span; template tags
    and HTML markup become spaces, so words on either side of a tag are never joined.
    `names`: the files to read, by default every file whose text may show (`_text_files`).
    """
    lines = []
    for name in _text_files(root) if names is None else names:
        _, text = read_text(root / name, root)
        if name.endswith(".yaml"):
            lines += _yaml_values(text, name, 1)
        elif name.endswith(".md"):
            lines += _markdown_text(text, name)
        else:
            lines += [(name, n, _strip_template(line)) for n, line in enumerate(text.split("\n"), 1)]
    return lines


def _yaml_values(text: str, name: str, first_line: int) -> list[TextLine]:
    found: list[TextLine] = []

    def walk(node: yaml.Node | None) -> None:
        if isinstance(node, yaml.ScalarNode):
            span = text[node.start_mark.index : node.end_mark.index]
            for offset, part in enumerate(span.split("\n")):
                found.append((name, node.start_mark.line + first_line + offset, part))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.MappingNode):
            for _, value in node.value:
                walk(value)

    walk(yaml.compose(text, Loader=yaml.SafeLoader))
    return found


MARKDOWN_HIDDEN = re.compile(r"\]\([^)]*\)|<[a-z]+:[^>]*>|`[^`]*`")


def _markdown_text(text: str, name: str) -> list[TextLine]:
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    found = _yaml_values("\n".join(lines[1:end]), name, 2)
    for number in range(end + 2, len(lines) + 1):
        found.append(
            (name, number, MARKDOWN_HIDDEN.sub(lambda m: "] " if m.group().startswith("]") else " ", lines[number - 1]))
        )
    return found


TEMPLATE_HIDDEN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>")


def _strip_template(line: str) -> str:
    return TEMPLATE_HIDDEN.sub(" ", line)


# --- the checks, one per rule id -------------------------------------------------------------


# 发文字号 in running text: the year in 〔〕 with four digits (GB/T 9704), e.g. 工作通知〔2024〕11号
DOC_NO_BRACKETS = re.compile(r"[\[［【(（{｛]\s*(\d{4})\s*[\]］】)）}｝]\s*(\d+)\s*号")
DOC_NO_SHORT_YEAR = re.compile(r"〔\s*(\d{2})\s*〕\s*(\d+)\s*号")


def _doc_numbers(file: str, line: int, text: str) -> list[Finding]:
    found = [
        Finding.at(
            "wording",
            file,
            line,
            f"发文字号「{m.group()}」应写作「〔{m[1]}〕{m[2]}号」（六角括号）",
            quote=Quote.within(text, *m.span()),
        )
        for m in DOC_NO_BRACKETS.finditer(text)
    ]
    found += [
        Finding.at(
            "wording",
            file,
            line,
            f"发文字号「{m.group()}」的年份应写全四位，如「〔20{m[1]}〕{m[2]}号」",
            quote=Quote.within(text, *m.span()),
        )
        for m in DOC_NO_SHORT_YEAR.finditer(text)
    ]
    return found


def _wording(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    """Known wrong forms, longest first, so 全国低炭日 is one finding and not two; 发文字号 forms."""
    findings = []
    for file, line, text in texts:
        findings += _doc_numbers(file, line, text)
        position = 0
        while position < len(text):
            for wrong, right in rules.wrong_forms:
                if text.startswith(wrong, position):
                    quote = Quote.within(text, position, position + len(wrong))
                    findings.append(Finding.at("wording", file, line, f"「{wrong}」应为「{right}」", quote=quote))
                    position += len(wrong) - 1
                    break
            position += 1
    return findings


def _punctuation(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    return [
        Finding.at(
            "punctuation",
            file,
            line,
            f"「{m.group()}」应为全角「{HALF_WIDTH[m.group()]}」",
            quote=Quote.within(text, *m.span()),
        )
        for file, line, text in texts
        for m in BETWEEN_CJK.finditer(text)
    ]


def _dates(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    """Every page shows 发布时间 with its own date; a news list shows each item's date too."""
    exempt = rules.rules["dates"].exempt
    findings = []
    for plan in plan_pages(site, ctx.qr):
        if not plan.sitemap or any(plan.url.startswith(prefix) for prefix in exempt if prefix):
            continue
        page = re.sub(r"<[^>]+>", "", files[output_file(plan.url)].decode("utf-8"))
        wanted = [plan.updated] + [item.date for item in plan.data.get("items", ())]
        if any(day is None or f"发布时间：{cn_date(day, weekday=False)}" not in page for day in wanted):
            findings.append(
                Finding.at(
                    "dates",
                    f"templates/{plan.template}",
                    0,
                    f"页面「{plan.title}」（{plan.url or '首页'}）没有显示发布时间",
                )
            )
    return findings


def _empty_sections(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    rule = rules.rules["empty-sections"]
    if rule.threshold is None:  # not reached: `load_rules` refuses this rule without a threshold
        return []
    empty = [section for section in shown(site) if section.is_empty(site)]
    reached = f"共 {len(empty)} 个空白栏目，" + (
        f"已达到 {rule.threshold} 个，网站将被直接判定为不合格"
        if len(empty) >= rule.threshold
        else f"达到 {rule.threshold} 个即单项否决"
    )
    return [
        Finding.at(
            "empty-sections",
            section.source,
            _body_line(site, section.source),
            f"「{section.menu}」栏目没有任何内容（{reached}）；请补上内容后再发布",
        )
        for section in empty
    ]


def _body_line(site: Site, name: str) -> int:
    """Where a Markdown page's body starts (0 for other sources): the line to write at."""
    return next((page.where.body for page in (site.notice, site.contact) if page.where.file == name), 0)


def _freshness(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    """During the campaign, the home page and the news section must not go quiet too long."""
    rule = rules.rules["freshness"]
    if rule.threshold is None:  # not reached: `load_rules` refuses this rule without a threshold
        return []
    today = site.as_of.date()
    first = min(t.start for t in site.campaign.themes)
    last = max(t.end for t in site.campaign.themes)
    if not first <= today <= last:
        return []
    newest_news = site.news[0] if site.news else None
    notice = (site.notice.where.file, site.notice.where.of("published"), site.notice.published)
    candidates = {"首页": [notice], "活动动态": []}
    if newest_news:
        news = (newest_news.file, newest_news.where.of("date"), newest_news.date)
        candidates["首页"].append(news)
        candidates["活动动态"].append(news)
    findings = []
    for section, items in candidates.items():
        if not items:
            continue
        file, line, day = max(items, key=lambda item: item[2])
        age = (today - day).days
        if age > rule.threshold:
            findings.append(
                Finding.at(
                    "freshness",
                    file,
                    line,
                    f"「{section}」最新一条信息发布于 {cn_date(day, False)}，到检查日 "
                    f"{cn_date(today, False)} 已 {age} 天，超过 {rule.threshold} 天未更新",
                )
            )
    return findings


def _metadata(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    notice = site.notice.where
    findings = [Finding.at("metadata", notice.file, *problem) for problem in _notice_problems(site)]
    footer = site.config.footer
    for key, label, pattern, example in _footer_formats(rules):
        value: str = getattr(footer, key)
        line = footer.where.of(key)
        if value.startswith(PLACEHOLDER_PREFIX):
            findings.append(
                Finding.at(
                    "metadata", footer.where.file, line, f"{label}尚未填写（{value}），正式上线前须填写", todo=True
                )
            )
        elif not re.fullmatch(pattern, value):
            findings.append(
                Finding.at("metadata", footer.where.file, line, f"{label}「{value}」格式不对，应写成「{example}」这样")
            )
    return findings


DOC_NO = re.compile(r".+〔\d{4}〕\d+号")
INDEX_NO = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}/\d{4}-\d{5}")


def _notice_problems(site: Site) -> list[tuple[int, str]]:
    n, lines = site.notice, dict(site.notice.where.lines)
    found = []
    # a value still 待填写 is listed with the other placeholders, not judged by its form
    if not n.doc_no.startswith(PLACEHOLDER_PREFIX) and not DOC_NO.fullmatch(n.doc_no):
        found.append(
            (
                lines["doc_no"],
                f"发文字号「{n.doc_no}」不规范：年份应写全四位、用六角括号〔〕括入，"
                "不用 []、()、【】，如「工作通知〔2024〕11号」（GB/T 9704—2012）",
            )
        )
    if n.index_no.startswith(PLACEHOLDER_PREFIX):
        pass  # listed with the other placeholders
    elif not INDEX_NO.fullmatch(n.index_no):
        found.append(
            (
                lines["index_no"],
                f"索引号「{n.index_no}」格式不对，应为 18 位统一社会信用代码/年份-五位序号，"
                "如「115001057474938001/2024-00004」",
            )
        )
    elif not is_pending(n.published) and n.index_no[19:23] != str(n.published.year):
        found.append(
            (lines["index_no"], f"索引号「{n.index_no}」中的年份与发布日期（{cn_date(n.published, False)}）不是同一年")
        )
    if not is_pending(n.written) and not is_pending(n.published) and n.written > n.published:
        found.append(
            (
                lines["written"],
                f"成文日期（{cn_date(n.written, False)}）晚于发布日期（{cn_date(n.published, False)}），请核对",
            )
        )
    return found


def _footer_formats(rules: Rules) -> list[tuple[str, str, str, str]]:
    code, province = re.escape(rules.division_code), re.escape(rules.province)
    return [
        ("site_code", "网站标识码", rf"{code}[0-9A-Z]{{4}}", f"{rules.division_code}0001"),
        ("icp", "ICP备案号", rf"{province}ICP备\d{{8}}号(?:-\d+)?", f"{rules.province}ICP备12345678号"),
        (
            "police",
            "公安机关备案号",
            rf"{province}公网安备 ?{code}\d{{8}}号",
            f"{rules.province}公网安备 {rules.division_code}02000123号",
        ),
    ]


def _links(
    ctx: BuildContext, site: Site, files: dict[str, bytes], rules: Rules, texts: list[TextLine]
) -> list[Finding]:
    return []  # links need the whole rendering and the sources; `inspect` runs them itself


# Every check has this shape: the build's context, the site, the bytes that ship, the rules, the
# visible text of every source line this build shows (a finding that quotes it is kept only if
# the quote ships).
Check = Callable[[BuildContext, Site, dict[str, bytes], Rules, list[TextLine]], list[Finding]]
CHECKS: dict[str, Check] = {
    "wording": _wording,
    "punctuation": _punctuation,
    "links": _links,
    "dates": _dates,
    "empty-sections": _empty_sections,
    "freshness": _freshness,
    "metadata": _metadata,
}

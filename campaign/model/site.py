"""The site as plain, frozen data: what `content.load_site` returns and `render` reads.

Nothing here touches the disk. Markdown is already turned into sanitised HTML, dates are real
dates, and every value a clerk left as a placeholder (`待填写…`) is listed in `placeholders`.
Each field a clerk writes is declared here, once (`fields.declare`): its check, its label and
help, and what next year's edition does with it; each record keeps where it was written.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from campaign.model.fields import (
    CLEARED,
    NEW_ADDRESS,
    NEW_YEAR,
    ONE_ITEM,
    PLACEHOLDER_PREFIX,
    Choice,
    Date,
    Email,
    Ident,
    Integer,
    ListOf,
    Markdown,
    PendingDate,
    Text,
    Time,
    Url,
    Where,
    declare,
    is_pending,
    renew,
    schema,
    where,
)

__all__ = ["PLACEHOLDER_PREFIX", "PendingDate", "is_pending"]  # the placeholder facts, shown with the model


class EventKind(enum.StrEnum):
    """What kind of item of the schedule an event is; its value is the word the code and CSS use."""

    ANNOUNCEMENT = "announcement", "发布"
    LIVESTREAM = "livestream", "直播"
    ACTIVITY = "activity", "活动"
    DEADLINE = "deadline", "截止"
    QUIZ = "quiz", "竞赛"
    PUBLICITY = "publicity", "宣传"

    label: str  # the word the clerk writes and the reader sees

    def __new__(cls, value: str, label: str) -> EventKind:
        kind = str.__new__(cls, value)
        kind._value_ = value
        kind.label = label
        return kind


class AnnouncedKind(enum.StrEnum):
    """Whether an address announced later is a livestream's or a download's."""

    LIVESTREAM = "livestream"
    DOWNLOAD = "download"


@dataclass(frozen=True)
class EditionPlace:
    """Which year's campaign a site is, among the editions one project builds (`Site.edition`).

    `folder` is the edition's folder under the campaign's address (/jnxcz/2024/ -> "2024");
    an archived edition's pages point readers to the newest one (往届活动).
    """

    folder: str
    newest: str  # the newest edition's folder
    newest_title: str

    @property
    def archived(self) -> bool:
        return self.folder != self.newest


@dataclass(frozen=True)
class Placeholder:
    """A value not known yet, kept visible on the site and reported by `build.py check`."""

    file: str
    line: int
    key: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Footer:
    organiser: str = declare(Text(), "主办单位", "页脚“主办单位”一栏显示的文字")
    contact: str = declare(
        Text(),
        "联系方式",
        "页脚“联系方式”一栏显示的文字（电话为重庆本地号码）",
        yearly=renew("{year}年的联系人和联系电话"),
    )
    site_code: str = declare(
        Text(), "网站标识码", "10 位，以江北区行政区划代码 500105 开头；尚未取得，暂用“待填写”占位"
    )
    icp: str = declare(Text(), "ICP 备案号", "格式如“渝ICP备XXXXXXXX号”；尚未取得，暂用“待填写”占位")
    police: str = declare(Text(), "公安机关备案号", "格式如“渝公网安备 500105XXXXXXXX号”；尚未取得，暂用“待填写”占位")
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class QrSettings:
    error_correction: str = declare(  # lower levels than M do not survive a smudged print
        Choice({"M": "M", "Q": "Q", "H": "H"}),
        "纠错等级",
        "只能写 M、Q、H 之一；等级越高，二维码被弄脏后越容易识别，但图案更密",
    )
    poster_error_correction: str = declare(  # a printed code cannot be corrected
        Choice({"Q": "Q", "H": "H"}, required=False, default="H"),
        "海报上二维码的纠错等级",
        "只能写 Q 或 H（印刷后无法更正，建议用 H，弄脏一部分也能扫）；不写则为 H",
    )
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Config:
    title: str = declare(Text(max_length=60), "网站标题", "显示在浏览器标签和页面顶部，最多 60 个字", yearly=NEW_YEAR)
    short_title: str = declare(
        Text(max_length=20), "网站简称", "用于手机页面顶部等较窄的位置，最多 20 个字", yearly=NEW_YEAR
    )
    description: str = declare(
        Text(max_length=200), "网站简介", "供搜索引擎和分享链接时显示，最多 200 个字", yearly=NEW_YEAR
    )
    # absolute production address, always ending in "/": QR codes, canonical; `new-edition`
    # gives it the new year's folder
    base_url: str = declare(
        Url(max_length=200),
        "网站正式网址",
        "以 https:// 开头、以“/”结尾。\n正式网址尚未确定，现为示例地址（example 为公认的示例域名），上线前必须改为真实网址",
        yearly=NEW_ADDRESS,
    )
    site_url: str  # where this build is served: base_url, or a staging server's address
    base_path: str  # site_url's path part, e.g. "/jnxcz/2024/"
    language: str = declare(Choice({"zh-CN": "zh-CN"}), "网站语言", "固定写 zh-CN（简体中文），不要改")
    # the site's moments are Beijing time (`timeline.BEIJING`), the only zone accepted here
    timezone: str = declare(
        Choice({"Asia/Shanghai": "Asia/Shanghai"}), "时区", "固定写 Asia/Shanghai（北京时间），不要改"
    )
    organiser: str = declare(Text(), "主办单位", "写全称")
    footer: Footer = declare(schema(Footer), "页脚信息", "显示在每个页面最下方")
    qr: QrSettings = declare(schema(QrSettings), "二维码设置", "海报、页面上的二维码")
    news_per_page: int = declare(Integer(1, 100), "活动动态列表每页显示的文章篇数", "写 1 到 100 之间的整数")
    offline: bool = False  # a copy to open from disk: links name index.html files
    hide_empty_sections: bool = declare(  # leave an empty section out rather than report it
        Choice({"是": True, "否": False, "true": True, "false": False}, required=False, default=False),
        "没有内容的栏目怎么办",
        "写 否 时，空栏目会被检查命令报为“空白栏目”（政府网站检查的扣分项，\n"
        "满 5 个即单项否决），提醒补上内容；写 是 时，空栏目（目前指“活动动态”）连同导航入口一起不出现在网站上",
    )
    where: Where = where()

    @property
    def sample_address(self) -> bool:
        """The production address is still a sample (example.*, the names kept for examples): no
        code made from it may be printed or published as if it were the real one."""
        return is_sample_address(self.base_url)


def is_sample_address(url: str) -> bool:
    """An address whose host has the label kept for examples (RFC 2606): example.com,
    www.example.gov.cn, site.example."""
    return "example" in (urlsplit(url).hostname or "").split(".")


@dataclass(frozen=True, kw_only=True)
class Theme:
    name: str = declare(Text(), "名称", "主题活动的正式名称")  # e.g. 全国节能宣传周
    slogan: str = declare(  # the official theme, quoted exactly
        Text(), "口号", "官方主题原文，一字不改", yearly=renew("{year}年的主题（照通知原文填写）")
    )
    # dates a new edition leaves as 待填写 until the year's notice gives them
    start: dt.date = declare(Date(pending=True), "开始日期", "格式 2024-05-13", yearly=renew("开始日期"))
    end: dt.date = declare(
        Date(pending=True), "结束日期", "格式 2024-05-19；不能早于开始日期", yearly=renew("结束日期")
    )
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Campaign:
    title: str = declare(Text(), "活动名称", "显示在首页最上方", yearly=NEW_YEAR)
    organiser: str = declare(Text(), "主办单位", "写全称")
    intro_html: str = declare(
        Markdown(),
        "活动简介",
        "首页开头的一段话，Markdown 格式",
        key="intro",
        yearly=renew("{year}年活动简介（通知下发后，按通知写明时间、主题和安排）"),
    )
    themes: tuple[Theme, ...] = declare(
        ListOf(schema(Theme)), "活动主题", "每项主题以“- ”开头，下面四个键依次为名称、口号、开始日期、结束日期"
    )
    focus_html: str = declare(
        Markdown(), "宣传重点", "一段 Markdown 正文", key="focus", yearly=renew("{year}年的宣传重点")
    )
    ongoing: tuple[str, ...] = declare(
        ListOf(Text()), "宣传周期间持续开展的活动", "每项一行，以“- ”开头", yearly=renew("宣传周期间持续开展的工作")
    )
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Announced:
    """A livestream or download whose address may only be announced later."""

    id: str = declare(Ident(), "短名称", "只用小写英文字母、数字和连字符“-”，不要改")
    kind: AnnouncedKind  # which list of content/livestreams.yaml it is in
    title: str = declare(Text(), "标题", "直播或资料的名称", yearly=renew("名称（照通知原文填写）"))
    platform: str = declare(Text(), "平台", "在哪个网站观看或发布", yearly=renew("直播或发布的平台"))
    url: str | None = declare(Url(required=False), "网址", "公布后填写，以 https:// 开头；未知时留空", yearly=CLEARED)
    announce_on: dt.date = declare(
        Date(pending=True), "网址公布日期", "格式 2024-05-13", yearly=renew("公布网址的日期")
    )
    announce_where: str = declare(
        Text(), "网址公布处", "照通知写明在哪个网站或公众号公布", yearly=renew("在哪里公布网址")
    )
    note: str = declare(Text(required=False, default=""), "补充说明", "可不填")
    where: Where = where()

    @property
    def is_known(self) -> bool:
        return self.url is not None


EVENT_KINDS = {kind.label: kind for kind in EventKind}  # what the clerk writes -> the kind


@dataclass(frozen=True, kw_only=True)
class Event:
    id: str = declare(Ident(), "短名称", "只用小写英文字母、数字和连字符“-”，不能重复")
    title: str = declare(Text(), "标题", "活动的名称")
    kind: EventKind = declare(Choice(EVENT_KINDS), "类别", "发布、直播、活动、截止、竞赛、宣传 之一")
    date: dt.date = declare(Date(), "日期", "格式 2024-05-13；跨多天的写第一天")
    end_date: dt.date | None = declare(Date(required=False), "结束日期", "格式 2024-05-19；只有跨多天时才写（可不填）")
    start: dt.time | None = declare(Time(required=False), "开始时间", "24 小时制北京时间，格式 09:30（可不填）")
    end: dt.time | None = declare(Time(required=False), "结束时间", "格式 11:30；写了 end 必须同时写 start（可不填）")
    time_note: str = declare(Text(required=False, default=""), "时间说明", "如“上午”（可不填）")
    place: str = declare(Text(required=False, default=""), "地点", "可不填")
    hosts: tuple[str, ...] = declare(ListOf(Text(), required=False), "主办单位", "每个一行，以“- ”开头（可不填）")
    livestream_id: str | None = declare(
        Ident(required=False), "对应的直播", "写 livestreams.yaml 里的 id（可不填）", key="livestream"
    )
    livestream: Announced | None  # the livestream `livestream_id` names
    summary: str = declare(Text(), "摘要", "一句话说明这项活动")
    body_html: str = declare(
        Markdown(required=False, default=""), "详细说明", "Markdown 格式（可不填）", key="description"
    )
    where: Where = where()

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def days(self) -> tuple[dt.date, ...]:
        last = self.end_date or self.date
        return tuple(self.date + dt.timedelta(n) for n in range((last - self.date).days + 1))

    @property
    def page(self) -> str:
        """The address of its page under the site's, e.g. events/launch/."""
        return f"events/{self.id}/"

    @property
    def calendar(self) -> str:
        """The address of its calendar file under the site's, e.g. calendar/launch.ics."""
        return f"calendar/{self.id}.ics"


@dataclass(frozen=True)
class PhotoSize:
    """One delivered size of a photo: its output path and its pixels."""

    path: str  # output path, e.g. news/2024-05-15-qixing/ride-800.jpg
    width: int
    height: int

    @property
    def url(self) -> str:
        """The path as it goes into an address: spaces and Chinese characters percent-encoded."""
        return quote(self.path, safe="/")


@dataclass(frozen=True)
class Photo:
    """A photo a page shows, read from beside its Markdown file and delivered in several sizes.

    What a page shows of it (sizes, alt text) compares; the hash of the source bytes, its byte
    count and where it is referenced do not: they go into the plan of its own output files
    (`render.site.outputs`), so a photo replaced by another of the same size renders exactly
    that photo's files again, not every page that shows it.
    """

    source: str  # project-relative path of the file, e.g. content/news/2024-05-15-qixing/ride.jpg
    alt: str  # the text for readers who cannot see it
    format: str  # the delivered format: "jpeg" or "png"
    sizes: tuple[PhotoSize, ...]  # the delivered sizes, smallest first
    cover: PhotoSize | None = None  # the small size a news list shows, for a report's first photo
    sha256: str = field(default="", compare=False)
    size: int = field(default=0, compare=False)  # bytes of the source file
    file: str = field(default="", compare=False)  # where it is first referenced
    line: int = field(default=0, compare=False)

    @property
    def srcset(self) -> str:
        return ", ".join(f"{size.url} {size.width}w" for size in self.sizes)


@dataclass(frozen=True)
class Attachment:
    """A document a page lists for download (附件), copied as it is from beside its Markdown file.

    As with a photo, its hash, byte count and first reference go into its output's plan only.
    """

    source: str  # project-relative path of the file
    name: str  # the name it is listed and downloaded under, e.g. 活动总结.pdf
    path: str  # output path, e.g. news/2024-05-15-qixing/summary.pdf
    label: str  # its type and size as listed, e.g. "PDF，147 KB"
    sha256: str = field(default="", compare=False)
    size: int = field(default=0, compare=False)
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def url(self) -> str:
        return quote(self.path, safe="/")


Asset = Photo | Attachment  # what a page shows from beside its Markdown file


@dataclass(frozen=True, kw_only=True)
class Pledge:
    title: str = declare(Text(), "小标题", "倡议的要点，几个字", yearly=renew("倡议标题"))
    text: str = declare(Text(), "具体内容", "这条倡议的完整文字", yearly=renew("倡议内容"))
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class PledgeDay:
    title: str = declare(Text(), "页面标题", "显示在页面顶部和浏览器标签上")
    date: dt.date = declare(Date(pending=True), "日期", "全国低碳日，格式 2024-05-15", yearly=renew("全国低碳日的日期"))
    intro_html: str = declare(
        Markdown(),
        "导语",
        "倡议前的一段话，Markdown 格式",
        key="intro",
        yearly=renew("{year}年全国低碳日的主题和倡议说明"),
    )
    pledges: tuple[Pledge, ...] = declare(
        ListOf(schema(Pledge)),
        "倡议条目",
        "每条以“- title:”开头，title 是小标题，text 是具体内容",
        yearly=ONE_ITEM,
    )
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Quiz:
    title: str = declare(Text(), "页面标题", "显示在页面顶部和浏览器标签上")
    organiser: str = declare(Text(), "主办单位", "写全称")
    period: str = declare(Text(), "活动时间", "用文字写明", yearly=renew("答题时间"))
    url: str | None = declare(Url(required=False), "问卷网址", "以 https:// 开头；未知时留空", yearly=CLEARED)
    how: str = declare(Text(), "参加方式", "怎样参加答题", yearly=renew("参加办法"))
    prize: str = declare(Text(), "奖励办法", "照通知写明", yearly=renew("奖励办法"))
    body_html: str = declare(
        Markdown(required=False, default=""),
        "详细说明",
        "Markdown 格式（可不填）",
        key="description",
        yearly=renew("{year}年知识竞赛的说明"),
    )
    # the questionnaire's own QR code picture, in content/files/, when there is one
    image_file: str = declare(
        Text(required=False, default=""),
        "问卷二维码图片",
        "放在 content/files/ 里的图片文件名（可不填）",
        key="image",
        yearly=CLEARED,
    )
    image: Photo | None = None  # that picture, read
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Notice:
    title: str = declare(Text(), "通知标题", "原文全称，一字不改", yearly=renew("通知标题（照通知原文填写）"))
    index_no: str = declare(Text(), "索引号", "统一社会信用代码/年份-五位序号", yearly=renew("索引号"))
    doc_no: str = declare(Text(), "发文字号", "年份用六角括号〔〕", yearly=renew("发文字号"))
    topic: str = declare(Text(), "主题分类", "照政府信息公开目录填写，如“其他”")
    genre: str = declare(Text(), "体裁分类", "如“公文”")
    issuer: str = declare(Text(), "发布机构", "写简称")
    issuer_full: str = declare(Text(), "发布机构全称", "一字不改")
    written: dt.date = declare(Date(pending=True), "成文日期", "格式 2024-05-08", yearly=renew("成文日期"))
    published: dt.date = declare(Date(pending=True), "发布日期", "格式 2024-05-09", yearly=renew("发布日期"))
    addressed_to: str = declare(Text(), "主送单位", "照通知原文填写")
    source_url: str | None = declare(Url(required=False), "原文网址", "以 https:// 开头（可不填）", yearly=CLEARED)
    body_html: str
    assets: tuple[Asset, ...] = ()
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class Contact:
    title: str = declare(Text(), "页面标题", "显示在页面顶部和浏览器标签上")
    people: tuple[str, ...] = declare(ListOf(Text()), "联系人", "每人一行，以“- ”开头", yearly=renew("联系人"))
    phone: str = declare(
        Text(), "联系电话", "按通知原样填写（重庆本地号码），用英文引号括起来", yearly=renew("联系电话")
    )
    email: str = declare(Email(pending=True), "报送电子邮箱", "如 name@example.com", yearly=renew("报送邮箱"))
    deadline: dt.date = declare(Date(pending=True), "报送截止日期", "格式 2024-05-17", yearly=renew("报送截止日期"))
    body_html: str
    assets: tuple[Asset, ...] = ()
    where: Where = where()


@dataclass(frozen=True, kw_only=True)
class NewsItem:
    slug: str
    title: str = declare(Text(max_length=80), "文章标题", "最多 80 个字")
    date: dt.date = declare(Date(), "发布日期", "格式 2024-05-09")
    source: str = declare(Text(), "来源", "发布单位")
    summary: str = declare(Text(required=False, default=""), "摘要", "显示在文章列表中的一两句话（可不填）")
    body_html: str
    assets: tuple[Asset, ...] = ()  # photos and attachments of a report that is a folder
    where: Where = where()

    @property
    def file(self) -> str:
        """The report's file as the clerk finds it (its index.md for a folder)."""
        return self.where.file

    @property
    def cover(self) -> Photo | None:
        """The report's first photo, shown small in the list of reports."""
        return next((asset for asset in self.assets if isinstance(asset, Photo) and asset.cover is not None), None)


@dataclass(frozen=True, kw_only=True)
class StableLink:
    """A short address on our own site (go/<id>/) that printed QR codes encode.

    Its page sends the visitor on to `url`; while `url` is None (a livestream not announced
    yet) the page says when and where the address will be announced.
    """

    id: str = declare(Ident(), "短名称", "会出现在网址里（go/id/），只用小写英文字母、数字和连字符“-”，不能重复")
    target: str = declare(
        Text(),
        "扫码后去哪里",
        "写法有四种：\n"
        "  livestream:直播id    —— content/livestreams.yaml 里 livestreams 下的一项\n"
        "  download:下载id      —— content/livestreams.yaml 里 downloads 下的一项\n"
        "  event:日程id         —— content/schedule.yaml 里的一项活动\n"
        "  page:栏目            —— 本站栏目：home（首页）、schedule（日程）、livestreams（直播）、\n"
        "                         pledges（低碳日倡议）、quiz（知识竞赛）、notice（通知）、\n"
        "                         contact（联系报送）、news（活动动态）",
    )
    label: str  # what is there, in words
    url: str | None  # an outside http(s) address, None until announced or for our own pages
    page: str | None  # or a page of our own site, as a path under the base URL
    pending: Announced | None  # the announcement still awaited, if any
    where: Where = where()

    @property
    def path(self) -> str:
        return f"go/{self.id}/"

    @property
    def written(self) -> tuple[str, int]:
        """The file and line of its target, for messages."""
        return self.where.file, self.where.of("target")

    @property
    def decided(self) -> bool:
        """Where it leads is known, or awaited with a date (a livestream announced later); a
        target still 待填写 is not: a code printed for it is a sample."""
        return self.url is not None or self.page is not None or self.pending is not None


@dataclass(frozen=True)
class PaperSize:
    name: str
    width_mm: int
    height_mm: int


PAPERS = {name: PaperSize(name, w, h) for name, w, h in (("A5", 148, 210), ("A4", 210, 297), ("A3", 297, 420))}
PLACEMENTS = {"桌牌": 0.5, "电梯门": 1.0, "宣传栏": 1.5, "走廊墙面": 2.0}  # where it hangs -> metres scanned from


@dataclass(frozen=True, kw_only=True)
class Poster:
    id: str = declare(Ident(), "短名称", "只用小写英文字母、数字和连字符“-”，不能重复")
    headline: str = declare(Text(max_length=40), "大标题", "不超过 40 字")
    text: str = declare(Text(max_length=200), "说明文字", "不超过 200 字")
    link_id: str = declare(Ident(), "二维码指向的短地址", "写上面 links 里的 id", key="link")
    link: StableLink  # the short address `link_id` names
    paper: PaperSize = declare(Choice(PAPERS), "纸张大小", "只能写 A5、A4、A3 之一（均为竖版）")
    placement: str = declare(
        Choice({name: name for name in PLACEMENTS}),
        "张贴位置",
        "决定二维码印多大（至少为扫码距离的十分之一，且不小于 2 厘米）：\n"
        "  桌牌（约 0.5 米外扫码）、电梯门（约 1 米）、宣传栏（约 1.5 米）、走廊墙面（约 2 米，须用 A3）",
    )
    distance_m: float  # how far away people scan it
    qr_mm: float  # printed size of the code itself, quiet zone excluded
    where: Where = where()


@dataclass(frozen=True)
class Site:
    config: Config
    campaign: Campaign
    events: tuple[Event, ...]
    livestreams: tuple[Announced, ...]
    downloads: tuple[Announced, ...]
    pledge_day: PledgeDay
    quiz: Quiz
    notice: Notice
    contact: Contact
    news: tuple[NewsItem, ...]  # newest first
    placeholders: tuple[Placeholder, ...]
    as_of: dt.datetime  # the moment statuses are shown for (Beijing time)
    # on its own a site is the newest edition of its campaign; the pipeline, which knows every
    # edition, places it among the others (`pipeline.in_campaign`)
    edition: EditionPlace
    links: tuple[StableLink, ...] = ()
    posters: tuple[Poster, ...] = ()
    held_back: tuple[NewsItem, ...] = ()  # reports dated after `as_of`: published on their day

    @property
    def archived(self) -> bool:
        """A past edition's site: its pages say so and lead to the newest."""
        return self.edition.archived

    @property
    def news_hidden(self) -> bool:
        """An empty 活动动态 the content asked to leave out, with its nav entry and feed."""
        return self.config.hide_empty_sections and not self.news

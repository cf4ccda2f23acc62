"""Every fact of the campaign notice is on the built site, where a reader would look for it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


NOTICE_PAGE = [
    "115001057474938001/2024-00004",
    "工作通知〔2024〕11号",
    "主题分类",
    "其他",
    "体裁分类",
    "公文",
    "江北区机关事务局",
    "重庆市江北区机关事务管理局",
    "成文日期",
    "2024年5月8日",
    "发布日期",
    "2024年5月9日",
    "重庆市江北区机关事务管理局关于江北区公共机构开展2024年全国节能宣传周和全国低碳日活动安排的通知",
    "有关镇人民政府、街道办事处",
    "区政府有关部门",
    "有关单位",
]
HOME_PAGE = [
    "全国节能宣传周",
    "绿色转型，节能攻坚",
    "重庆市公共机构节能宣传周",
    "绿色转型，节能攻坚，齐抓“双碳”谱新篇、共绘“双圈”绿画卷",
    "全国低碳日",
    "绿色低碳，美丽中国",
    "2024年5月13日至19日",
    "2024年5月15日",
    "十四五",
]
CONTACT_PAGE = ["张豫龙", "唐瑞", "67875049", "375917720@qq.com", "2024年5月17日"]
PLEDGES_PAGE = [
    "2024年5月15日",
    "空调",
    "公共区域",
    "照明",
    "六楼以下",
    "电梯",
    "一次性用品",
    "待机",
    "少开一天车",
    "公共交通",
    "步行",
]
ANYWHERE = [
    # 5-13 announcements
    "2024年5月13日",
    "重庆市公共机构节能网",
    # 5-14 Sichuan-Chongqing launch ceremony
    "2024年5月14日",
    "川渝",
    "荣昌区",
    "重庆市机关事务管理局",
    "四川省机关事务管理局",
    "华龙网",
    "纪实短片",
    "绿色低碳公共机构名单",
    "证书",
    "授旗",
    "《绿色低碳志愿者倡议书》",
    # 5-16 national special event
    "2024年5月16日",
    "上午",
    "国管局",
    "中国文联",
    "河南省人民政府",
    "洛阳",
    "新华网",
    "公益宣传片",
    "绿色低碳技术征集",
    "经验",
    "公共机构节约能源资源",
    "中国机关后勤",
    # publications during the week
    "迎峰度夏节约用电倡议",
    "2023—2024年度重庆市公共机构能源资源节约示范案例",
    # quiz
    "节能知识",
    "二维码",
    "微信",
    "纪念奖品",
    # ongoing
    "绿色出行",
    "专题报道",
    "海报",
    "显示屏",
    "报刊",
    "广播",
    "电视",
]


@pytest.mark.parametrize(
    "page, facts",
    [
        ("notice/index.html", NOTICE_PAGE),
        ("index.html", HOME_PAGE),
        ("contact/index.html", CONTACT_PAGE),
        ("pledges/index.html", PLEDGES_PAGE),
    ],
)
def test_facts_on_their_page(built_site, page, facts):
    text = visible_text(built_site / page)
    assert [fact for fact in facts if fact not in text] == []


def test_every_other_fact_is_on_the_site(built_site):
    text = "\n".join(visible_text(p) for p in sorted(built_site.rglob("*.html")))
    assert [fact for fact in ANYWHERE if fact not in text] == []


def test_unknown_addresses_are_shown_as_not_announced(built_site):
    text = visible_text(built_site / "livestreams/index.html")
    assert text.count("网址尚未公布") == 4
    assert "将于2024年5月13日 星期一在重庆市公共机构节能网公布" in text


def test_footer_placeholders_are_visible(built_site):
    text = visible_text(built_site / "index.html")
    for field in ("主办单位", "网站标识码", "ICP备案号", "公安机关备案号"):
        assert field in text
    assert text.count("待填写") >= 3

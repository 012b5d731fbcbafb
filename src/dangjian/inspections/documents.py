"""The documents of random inspections: a feedback report per visit (督导检查反馈单, .docx) and the periodic
inspection bulletin (督导情况通报, .docx and .xlsx) — "督查有反馈、成效有评估、整改有通报" [003].

Everything is derived from the records, and only from what the reader may see (`restrict`): a town's user gets the
bulletin of what has been visited in its town, never a pending target. The layout is the house's official one
(`dangjian.sheets.official`, as the rectification bulletin's): A4, 仿宋 body, 黑体 heads, 小标宋 title, 28-point
lines, table headers repeated on every page.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from dangjian.orgs.models import Organization
from dangjian.rectify import bulletin as house
from dangjian.sheets import official
from dangjian.sheets.export import cell_value, print_layout

from .choices import FindingStatus, ItemResult
from .models import Draw, DrawTarget, Finding, Visit, VisitItem
from .population import NO_TOWN, town_of, towns_around

QUARTER_NAMES = {0: "", 1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
KEY_FINDINGS = 3  # a village with this many findings in the period is named for key rectification (重点整改) [003]


def period_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    if not quarter:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return house.quarter_bounds(year, quarter)


@dataclass
class TownRow:
    name: str
    visited: int = 0
    items: int = 0
    findings: int = 0
    fixed: int = 0
    open: int = 0


@dataclass
class Bulletin:
    org: Organization
    year: int
    quarter: int
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    draws: int = 0
    drawn: int = 0
    visits: list = field(default_factory=list)  # (date, label, town, findings)
    towns: list[TownRow] = field(default_factory=list)
    by_item: list = field(default_factory=list)  # (title, findings, fixed, open)
    key_rectification: list[str] = field(default_factory=list)
    items_checked: int = 0
    findings: int = 0
    fixed: int = 0
    open: int = 0
    pending: int = 0

    @property
    def period_name(self) -> str:
        return f"{self.year}年{QUARTER_NAMES[self.quarter]}" if self.quarter else f"{self.year}年度"

    @property
    def title(self) -> str:
        return f"关于{self.period_name}随机督导情况的通报"

    @property
    def issuer(self) -> str:
        return house.issuing_body(self.org)

    @property
    def towns_checked(self) -> int:
        return sum(1 for t in self.towns if t.visited)


def bulletin_data(org: Organization, year: int, quarter: int, *, user) -> Bulletin:
    """The period's figures for `org`'s subtree, from the draws made and the visits the user may see."""
    start, end = period_bounds(year, quarter)
    today = timezone.localdate()
    data = Bulletin(org, year, quarter, start, end, as_of=min(end, today))
    draws = Draw.objects.restrict(user).in_subtree(org).filter(draw_at__date__range=(start, end))
    data.draws = draws.count()
    data.drawn = DrawTarget.objects.restrict(user).filter(draw__in=draws).count()
    visits = list(
        Visit.objects.restrict(user)
        .filter(visited_on__range=(start, end))
        .in_subtree(org)
        .select_related("target__org")
        .order_by("visited_on", "id")
    )
    towns = towns_around(org)
    rows: dict[str, TownRow] = {}
    findings = list(
        Finding.objects.filter(visit__in=visits)
        .select_related("measure", "case", "org")
        .order_by("visit__visited_on", "id")
    )
    per_visit: Counter = Counter(f.visit_id for f in findings)
    items = Counter(
        VisitItem.objects.filter(visit__in=visits).exclude(result=ItemResult.NA).values_list("visit_id", flat=True)
    )
    town_of_visit = {}
    for visit in visits:
        town = town_of(visit.target.org, towns)
        name = town.name if town else NO_TOWN
        town_of_visit[visit.pk] = name
        row = rows.setdefault(name, TownRow(name))
        row.visited += 1
        row.items += items[visit.pk]
        data.visits.append((visit.visited_on, visit.target.label, name, per_visit[visit.pk]))
    by_item: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_org: Counter = Counter()
    for f in findings:
        state = f.state
        row = rows[town_of_visit[f.visit_id]]
        row.findings += 1
        line = by_item[f.title]
        line[0] += 1
        by_org[f.org.name] += 1
        if state == FindingStatus.FIXED:
            row.fixed += 1
            line[1] += 1
            data.fixed += 1
        else:
            row.open += 1
            line[2] += 1
            data.open += 1
            data.pending += state == FindingStatus.PENDING
    data.towns = sorted(rows.values(), key=lambda r: (-r.findings, r.name))
    data.by_item = sorted(((t, *v) for t, v in by_item.items()), key=lambda r: (-r[1], r[0]))
    data.key_rectification = sorted(name for name, n in by_org.items() if n >= KEY_FINDINGS)
    data.items_checked = sum(items.values())
    data.findings = len(findings)
    return data


def summary_lines(data: Bulletin) -> list[tuple[str, object]]:
    return [
        ("随机抽取（次）", data.draws),
        ("抽中对象（个）", data.drawn),
        ("督导检查（次）", len(data.visits)),
        ("涉及乡镇（街道）（个）", data.towns_checked),
        ("检查项目（项次）", data.items_checked),
        ("发现问题（项）", data.findings),
        ("已整改（项）", data.fixed),
        ("整改中（项）", data.open - data.pending),
        ("待交办（项）", data.pending),
        ("列为重点整改（个）", len(data.key_rectification)),
    ]


TOWN_HEADERS = ["乡镇（街道）", "督导对象", "检查项次", "发现问题", "已整改", "未整改"]
ITEM_HEADERS = ["检查项目", "发现问题", "已整改", "未整改"]


def overview(data: Bulletin) -> list[str]:
    share = f"{data.fixed * 100 // data.findings}%" if data.findings else "—"
    text = [
        f"{data.period_name}，共开展随机抽取{data.draws}次，抽中督导对象{data.drawn}个；督导组采取不打招呼、直接到现场的"
        f"办法，检查{data.towns_checked}个乡镇（街道）的{len(data.visits)}个对象，对照检查清单检查{data.items_checked}项次，"
        f"发现问题{data.findings}项。截至{house.cn_date(data.as_of)}，已整改{data.fixed}项（整改率{share}），"
        f"仍在整改{data.open - data.pending}项，待交办{data.pending}项。"
    ]
    if data.key_rectification:
        text.append(
            f"发现问题{KEY_FINDINGS}项及以上、列为重点整改的{len(data.key_rectification)}个："
            f"{'、'.join(data.key_rectification)}。"
        )
    return text


def write_bulletin_docx(data: Bulletin, out) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    _page(doc, data.title, data.issuer)
    title = official.paragraph(
        doc, data.title, font=official.TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.first_line_indent = None
    title.paragraph_format.line_spacing = Pt(36)
    official.paragraph(doc, f"{official.addressees(data.org)}：", indent=False)
    official.paragraph(doc, f"现将{data.period_name}随机督导情况通报如下：")
    official.heading(doc, "一、总体情况")
    for text in overview(data):
        official.paragraph(doc, text)
    official.caption(doc, "表1  随机督导总体情况")
    official.table(doc, ["指标", "数量"], [list(line) for line in summary_lines(data)], [10.6, 5])
    official.heading(doc, "二、各乡镇（街道）督导情况")
    if data.towns:
        official.caption(doc, "表2  各乡镇（街道）督导和整改情况")
        rows = [[t.name, t.visited, t.items, t.findings, t.fixed, t.open] for t in data.towns]
        official.table(doc, TOWN_HEADERS, rows, [4.6, 2.2, 2.2, 2.2, 2.2, 2.2])
    else:
        official.paragraph(doc, "本期没有已完成的督导检查。")
    official.heading(doc, "三、发现的主要问题")
    if data.by_item:
        official.caption(doc, "表3  按检查项目统计的问题")
        official.table(doc, ITEM_HEADERS, [list(r) for r in data.by_item], [8.4, 2.4, 2.4, 2.4])
    else:
        official.paragraph(doc, "本期督导未发现不符合项。")
    official.heading(doc, "四、下步要求")
    for text in (
        "（一）对照反馈抓整改。被督导单位要对照督导反馈单逐项整改，整改情况和佐证材料及时录入整改台账，按期销号。",
        "（二）举一反三查短板。各乡镇（街道）要对照检查清单组织自查，同类问题一并整改。",
        "（三）持续开展随机督导。继续坚持双随机抽取、不打招呼直接到村，做到督查有反馈、成效有评估、整改有通报。",
    ):
        official.paragraph(doc, text)
    official.paragraph(doc, "", indent=False)
    official.paragraph(doc, data.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    official.paragraph(doc, house.cn_date(data.as_of), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.save(out)


def write_bulletin_xlsx(data: Bulletin, out) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()

    def sheet(title, headers, rows, first=False):
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in rows:
            ws.append([cell_value(v) for v in values])
        house._fit_columns(ws)
        print_layout(ws, header_row=1)
        return ws

    head = [["通报", data.title], ["发布单位", data.issuer], ["统计截至", data.as_of]]
    overview_sheet = sheet(
        "总体情况", ["指标", "数值"], [*head, *[list(line) for line in summary_lines(data)]], first=True
    )
    overview_sheet["B4"].number_format = "yyyy-mm-dd"
    sheet("各乡镇", TOWN_HEADERS, [[t.name, t.visited, t.items, t.findings, t.fixed, t.open] for t in data.towns])
    sheet("按检查项目", ITEM_HEADERS, [list(r) for r in data.by_item])
    visits = sheet("督导检查", ["督导日期", "督导对象", "乡镇（街道）", "发现问题"], [list(v) for v in data.visits])
    for row in visits.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    sheet("重点整改", ["督导对象"], [[name] for name in data.key_rectification])
    workbook.save(out)


def _page(doc, title: str, author: str) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = official.LATIN_FONT, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), official.BODY_FONT)
    doc.core_properties.title = title
    doc.core_properties.author = author


def write_visit_report(visit: Visit, out) -> None:
    """The feedback report (督导检查反馈单) the team leaves with the organization: what was checked, what was found,
    and by when it is to be fixed."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    target = visit.target
    draw = target.draw
    issuer = house.issuing_body(draw.org)
    title_text = "督导检查反馈单"
    doc = Document()
    _page(doc, f"{target.label}{title_text}", issuer)
    title = official.paragraph(
        doc, title_text, font=official.TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    title.paragraph_format.first_line_indent = None
    title.paragraph_format.line_spacing = Pt(36)
    team = "、".join(i.name for i in target.team.all())
    facts = [
        ["被督导对象", target.label],
        ["督导日期", house.cn_date(visit.visited_on)],
        ["督导组", team],
        ["见面人员", visit.met],
        ["抽取", f"{draw.title}（第 {draw.pk} 号，承诺值 {draw.commitment[:16]}…）"],
    ]
    official.table(doc, ["项目", "内容"], facts, [3.4, 12.2])
    items = list(visit.items.order_by("id"))
    findings = [i for i in items if i.result == ItemResult.NO]
    official.heading(doc, "一、检查情况")
    if visit.summary:
        official.paragraph(doc, visit.summary)
    counts = Counter(i.result for i in items)
    official.paragraph(
        doc,
        f"对照检查清单共检查{len(items)}项：符合{counts[ItemResult.YES]}项，不符合{counts[ItemResult.NO]}项，"
        f"不适用{counts[ItemResult.NA]}项。",
    )
    rows = [[n, i.title, i.get_result_display(), i.note or ""] for n, i in enumerate(items, 1)]
    official.table(doc, ["序号", "检查项目", "结果", "情况说明"], rows, [1.4, 5.4, 1.8, 7])
    official.heading(doc, "二、发现的问题和整改要求")
    if findings:
        deadlines = {f.item_id: f.deadline for f in visit.findings.all()}
        for n, item in enumerate(findings, 1):
            due = deadlines.get(item.pk)
            by = f"请于{house.cn_date(due)}前整改到位" if due else "整改时限由组织督导的党组织交办时明确"
            official.paragraph(doc, f"{n}．{item.title}：{item.note}。{by}，整改情况录入整改台账。")
    else:
        official.paragraph(doc, "本次督导未发现不符合项。")
    official.paragraph(doc, "", indent=False)
    official.paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    official.paragraph(doc, house.cn_date(visit.visited_on), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.save(out)

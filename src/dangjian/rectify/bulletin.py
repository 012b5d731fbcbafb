"""The quarterly bulletin (每季一通报) of the rectification of weak organizations [004].

Everything in it is derived from the records (cases, their history, measures, funds, ledger entries), never typed
in: `bulletin_data` computes the figures as they stood at the end of the quarter (or today, for the running
quarter), `write_docx` and `write_xlsx` lay them out, and `write_quarterly` files both for the scheduled job.

The state at a past date comes from the records' dates: a measure counts as done from its `done_at`, a case's
status from its history (CaseEvent) up to that date, so a bulletin written late (a job catching up) still shows
the quarter as it ended.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from dangjian.core.files import FILE_MODE, private_dir
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.sheets import official
from dangjian.sheets.export import cell_value, display_width, print_layout
from dangjian.sheets.official import addressees as _addressees
from dangjian.sheets.official import area_word as _area
from dangjian.sheets.official import cn_date, issuing_body

from .models import Case, CaseEvent, CaseEventKind, CaseStatus, LedgerEntry, Measure, MeasureStatus, WeaknessKind

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
BEHIND_LIMIT = 10  # the bulletin names the organizations furthest behind, not every open one
_STATUS_EVENTS = {
    CaseEventKind.OPENED: CaseStatus.OPEN,
    CaseEventKind.REOPENED: CaseStatus.OPEN,
    CaseEventKind.TOWN_CHECKED: CaseStatus.TOWN_CHECKED,
    CaseEventKind.CLOSED: CaseStatus.CLOSED,
}
UNCLASSIFIED = "未分类"


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a calendar quarter."""
    if quarter not in QUARTER_NAMES:
        raise ValueError("季度应为 1 至 4。")
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, following - datetime.timedelta(days=1)


def bulletin_title(year: int, quarter: int) -> str:
    return f"关于{year}年第{QUARTER_NAMES[quarter]}季度软弱涣散基层党组织整顿工作进展情况的通报"


@dataclass
class Row:
    """One line of the per-organization table (各乡镇进展): the cases below one child of the bulletin's organization."""

    name: str
    path: str
    cases: int = 0
    open: int = 0
    town_checked: int = 0
    closed: int = 0
    measures: int = 0
    measures_done: int = 0
    measures_overdue: int = 0
    funds: Decimal = Decimal("0.00")


@dataclass
class Behind:
    """An organization still in rectification with measures past their deadline."""

    name: str
    parent: str
    kind: str
    status: str
    measures: int
    done: int
    overdue: int


@dataclass
class Happening:
    """A dated line of the quarter: a closure, an escalation, a spot-check."""

    name: str
    date: datetime.date
    note: str = ""


@dataclass
class BulletinData:
    org: Organization
    year: int
    quarter: int
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    title: str
    issuer: str
    issued: datetime.date
    cases_total: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    closed_this_year: int = 0
    measures_total: int = 0
    measures_done: int = 0
    measures_overdue: int = 0
    measures_done_quarter: int = 0
    funds_total: Decimal = Decimal("0.00")
    funds_quarter: Decimal = Decimal("0.00")
    ledger_quarter: int = 0
    rows: list[Row] = field(default_factory=list)
    closed_quarter: list[Happening] = field(default_factory=list)
    escalations: list[Happening] = field(default_factory=list)
    spot_checks: list[Happening] = field(default_factory=list)
    behind: list[Behind] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # in rectification, but no ledger entry this quarter

    @property
    def measures_open(self) -> int:
        return self.measures_total - self.measures_done

    @property
    def quarter_name(self) -> str:
        return f"{self.year}年第{QUARTER_NAMES[self.quarter]}季度"


def _day_end(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the installation's time zone, for `at < …` comparisons."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def status_at(case: Case, moment: datetime.datetime) -> tuple[str, datetime.datetime | None]:
    """The case's status just before `moment` and when it was last closed, from its history.

    A case without any status event in its history (written by hand, or before the history existed) falls back to
    its own fields."""
    events = [e for e in case.events.all() if e.kind in _STATUS_EVENTS]
    if not events:
        if case.status == CaseStatus.CLOSED and case.closed_at and case.closed_at < moment:
            return CaseStatus.CLOSED, case.closed_at
        if case.status != CaseStatus.OPEN and case.town_checked_at and case.town_checked_at < moment:
            return CaseStatus.TOWN_CHECKED, None
        return CaseStatus.OPEN, None
    status, closed_at = CaseStatus.OPEN, None
    for event in events:  # ordered by time (CaseEvent.Meta.ordering)
        if event.at >= moment:
            break
        status = _STATUS_EVENTS[event.kind]
        closed_at = event.at if status == CaseStatus.CLOSED else None
    return status, closed_at


def _cases(org: Organization, user, moment: datetime.datetime):
    qs = Case.objects.in_subtree(org).filter(opened_at__lt=moment)
    if user is not None:
        qs = qs.restrict(user)
    return (
        qs.select_related("org__parent")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
            Prefetch("measures", queryset=Measure.objects.filter(created_at__lt=moment)),
            "funds",
        )
        .order_by("org__path")
    )


def _measure_done(measure: Measure, as_of: datetime.date) -> bool:
    return measure.status == MeasureStatus.DONE and measure.done_at is not None and measure.done_at <= as_of


def _child_rows(org: Organization) -> dict[str, Row]:
    rows = {org.path: Row(name=f"{org.name}（本级）", path=org.path)}
    for child in Organization.objects.filter(parent=org).only("name", "path"):
        rows[child.path] = Row(name=child.name, path=child.path)
    return rows


def bulletin_data(
    org: Organization, year: int, quarter: int, *, user=None, today: datetime.date | None = None
) -> BulletinData:
    """The bulletin of `org`'s subtree for one quarter; with `user`, only the cases within that user's scope.

    Counted are the cases in rectification in `year` up to the end of the quarter: opened by then and not closed
    before the year began. A quarter that has not ended is reported as of today."""
    start, end = quarter_bounds(year, quarter)
    today = today or timezone.localdate()
    as_of = min(end, today)
    moment, year_start = _day_end(as_of), _day_end(datetime.date(year - 1, 12, 31))
    data = BulletinData(
        org=org,
        year=year,
        quarter=quarter,
        start=start,
        end=end,
        as_of=as_of,
        title=bulletin_title(year, quarter),
        issuer=issuing_body(org),
        issued=today,
    )
    if as_of < start:  # a quarter still to come has nothing to report
        return data
    rows = _child_rows(org)
    statuses: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    behind: list[Behind] = []
    counted: list[Case] = []
    still_open: dict[int, bool] = {}
    for case in _cases(org, user, moment):
        status, closed_at = status_at(case, moment)
        if status == CaseStatus.CLOSED and closed_at is not None and closed_at < year_start:
            continue  # closed in an earlier year: no longer part of this year's work
        counted.append(case)
        still_open[case.pk] = status == CaseStatus.OPEN
        row = rows[case.org.path[: len(org.path) + PATH_STEP]] if case.org_id != org.pk else rows[org.path]
        row.cases += 1
        setattr(row, status, getattr(row, status) + 1)
        statuses[status] += 1
        kinds[case.kind or ""] += 1
        if closed_at is not None:
            data.closed_this_year += 1
            if _local_date(closed_at) >= start:
                data.closed_quarter.append(Happening(case.org.name, _local_date(closed_at)))
        done = overdue = 0
        for measure in case.measures.all():
            if _measure_done(measure, as_of):
                done += 1
                if measure.done_at >= start:
                    data.measures_done_quarter += 1
            elif measure.deadline < as_of:
                overdue += 1
        total = len(case.measures.all())
        row.measures += total
        row.measures_done += done
        row.measures_overdue += overdue
        data.measures_total += total
        data.measures_done += done
        data.measures_overdue += overdue
        for fund in case.funds.all():
            if fund.date <= as_of:
                row.funds += fund.amount
                data.funds_total += fund.amount
                if fund.date >= start:
                    data.funds_quarter += fund.amount
        if status != CaseStatus.CLOSED and overdue:
            parent = case.org.parent.name if case.org.parent_id else ""
            kind = case.get_kind_display() if case.kind else UNCLASSIFIED
            label = CaseStatus(status).label
            behind.append(Behind(case.org.name, parent, kind, label, total, done, overdue))
        for event in case.events.all():
            day = _local_date(event.at)
            if start <= day <= as_of and event.kind == CaseEventKind.ESCALATED:
                data.escalations.append(Happening(case.org.name, day, event.note))
            elif start <= day <= as_of and event.kind == CaseEventKind.SPOT_CHECK:
                data.spot_checks.append(Happening(case.org.name, day, event.note))

    data.cases_total = len(counted)
    data.by_status = [(label, statuses[value]) for value, label in CaseStatus.choices]
    data.by_kind = [(label, kinds[value]) for value, label in WeaknessKind.choices]
    if kinds[""]:
        data.by_kind.append((UNCLASSIFIED, kinds[""]))
    entries = LedgerEntry.objects.filter(
        measure__case__in=[c.pk for c in counted], date__gte=start, date__lte=as_of, created_at__lt=moment
    )
    data.ledger_quarter = entries.count()
    with_entries = set(entries.values_list("measure__case", flat=True))
    data.stale = [c.org.name for c in counted if c.pk not in with_entries and still_open[c.pk]]
    data.rows = [row for row in rows.values() if row.cases]
    data.rows.sort(key=lambda r: (r.path != org.path, r.path))
    behind.sort(key=lambda b: (-b.overdue, b.done / b.measures if b.measures else 0, b.name))
    data.behind = behind[:BEHIND_LIMIT]
    for happenings in (data.closed_quarter, data.escalations, data.spot_checks):
        happenings.sort(key=lambda h: (h.date, h.name))
    return data


def wan(amount: Decimal) -> str:
    """Yuan as 万元 with two decimals, as bulletins write money."""
    return f"{(amount / Decimal(10000)).quantize(Decimal('0.01'))}"


def page_url(org: Organization, year: int, quarter: int) -> str:
    """The bulletin's page (preview and downloads), for notifications that point to it."""
    from urllib.parse import urlencode

    from django.urls import reverse

    return f"{reverse('rectify_bulletin:index')}?{urlencode({'org': org.code, 'year': year, 'quarter': quarter})}"


def bulletins_dir() -> Path:
    return Path(settings.DATA_DIR) / "bulletins"


def _default_orgs(year: int, quarter: int) -> list[Organization]:
    """Without an organization, every county committee with cases issues its own bulletin (the Mohe practice),
    and an installation without counties issues one per root organization."""
    counties = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("path")
    chosen = [c for c in counties if Case.objects.in_subtree(c).exists()]
    if chosen:
        return chosen
    return list(Organization.objects.filter(parent__isnull=True).order_by("path"))


def write_quarterly(year: int, quarter: int, org: Organization | None = None) -> list[Path]:
    """Write the quarter's bulletin (.docx and .xlsx) of `org`, or of every county, under DATA_DIR/bulletins.

    The same quarter written again replaces its files, so a job that runs twice leaves one copy. Returns the
    paths written."""
    folder = private_dir(bulletins_dir())
    written: list[Path] = []
    for target in [org] if org is not None else _default_orgs(year, quarter):
        data = bulletin_data(target, year, quarter)
        stem = f"{year}年第{quarter}季度通报_{target.code}"
        for suffix, writer in ((".docx", write_docx), (".xlsx", write_xlsx)):
            path = folder / f"{stem}{suffix}"
            partial = path.with_suffix(suffix + ".part")
            writer(data, partial)
            partial.chmod(FILE_MODE)  # personal data: the owner's alone, also where no umask made it so
            partial.replace(path)  # never leave a half-written bulletin under the final name
            written.append(path)
    return written


# ---------------------------------------------------------------------------------------------------------------
# The documents, in the official layout every bulletin shares (`dangjian.sheets.official`).

ROW_HEADERS = ["单位", "整顿组织", "整改中", "乡镇已初验", "已销号", "整改措施", "已完成", "逾期未完成"]
ROW_HEADERS += ["专项资金（万元）"]
BEHIND_HEADERS = ["组织", "上级组织", "软弱类型", "状态", "整改措施", "已完成", "逾期未完成"]


def summary_figures(data: BulletinData) -> list[tuple[str, object]]:
    """The overall figures as (label, value) lines: the bulletin's first table and the workbook's first sheet."""
    lines: list[tuple[str, object]] = [("列入整顿的组织（个）", data.cases_total)]
    lines += [(f"其中{label}（个）", count) for label, count in data.by_status]
    lines += [("本年度累计销号（个）", data.closed_this_year), ("本季度销号（个）", len(data.closed_quarter))]
    lines += [(f"{label}（个）", count) for label, count in data.by_kind]
    lines += [
        ("整改措施（项）", data.measures_total),
        ("已完成（项）", data.measures_done),
        ("本季度完成（项）", data.measures_done_quarter),
        ("未完成（项）", data.measures_open),
        ("逾期未完成（项）", data.measures_overdue),
        ("本季度台账记录（条）", data.ledger_quarter),
        ("专项资金累计（元）", data.funds_total),
        ("本季度专项资金（元）", data.funds_quarter),
        ("本季度抽查（次）", len(data.spot_checks)),
        ("本季度逾期上报（次）", len(data.escalations)),
    ]
    return lines


def row_cells(row: Row) -> list[object]:
    return [
        row.name,
        row.cases,
        row.open,
        row.town_checked,
        row.closed,
        row.measures,
        row.measures_done,
        row.measures_overdue,
        row.funds,
    ]


def total_row(data: BulletinData) -> Row:
    total = Row(name="合计", path="")
    for row in data.rows:
        for name in ("cases", "open", "town_checked", "closed", "measures", "measures_done", "measures_overdue"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.funds += row.funds
    return total


def overview_text(data: BulletinData) -> list[str]:
    """The paragraphs of 总体进展, every number taken from `data`."""
    status = dict(data.by_status)
    kinds = "、".join(f"{label}{count}个" for label, count in data.by_kind if count)
    paragraphs = [
        f"截至{cn_date(data.as_of)}，全{_area(data.org)}列入整顿的软弱涣散基层党组织共{data.cases_total}个，"
        f"其中已销号{status.get(CaseStatus.CLOSED.label, 0)}个（本季度销号{len(data.closed_quarter)}个），"
        f"乡镇已初验待验收{status.get(CaseStatus.TOWN_CHECKED.label, 0)}个，"
        f"仍在整改中{status.get(CaseStatus.OPEN.label, 0)}个。" + (f"按软弱类型分，{kinds}。" if kinds else ""),
        f"各整顿对象共制定整改措施{data.measures_total}项，已完成{data.measures_done}项"
        f"（本季度完成{data.measures_done_quarter}项），未完成{data.measures_open}项，"
        f"其中逾期未完成{data.measures_overdue}项；本季度录入整改台账{data.ledger_quarter}条。"
        f"累计落实专项资金{wan(data.funds_total)}万元，其中本季度{wan(data.funds_quarter)}万元。"
        f"本季度开展抽查{len(data.spot_checks)}次，逾期事项逐级上报{len(data.escalations)}次。",
    ]
    if data.closed_quarter:
        names = "、".join(h.name for h in data.closed_quarter)
        paragraphs.append(f"本季度通过验收销号的组织：{names}。")
    return paragraphs


def problem_text(data: BulletinData) -> list[str]:
    paragraphs = []
    number = 0
    if data.behind:
        number += 1
        paragraphs.append(
            f"（{QUARTER_NAMES[number]}）部分整改措施逾期未完成。截至{cn_date(data.as_of)}，"
            f"有{len(data.behind)}个组织存在逾期未完成的整改措施，共{sum(b.overdue for b in data.behind)}项"
            "（见表3）。"
        )
    if data.escalations:
        number += 1
        names = "、".join(f"{h.name}（{cn_date(h.date)}）" for h in data.escalations)
        paragraphs.append(f"（{QUARTER_NAMES[number]}）本季度有{len(data.escalations)}项逾期事项逐级上报：{names}。")
    if data.stale:
        number += 1
        paragraphs.append(f"（{QUARTER_NAMES[number]}）台账更新不及时。{'、'.join(data.stale)}本季度未录入整改台账。")
    if not paragraphs:
        paragraphs.append("本季度未发现逾期未完成的整改措施，各整顿对象均按时录入整改台账。")
    return paragraphs


def requirement_text(data: BulletinData) -> list[str]:
    overdue = f"对逾期未完成的{data.measures_overdue}项措施限期办结，" if data.measures_overdue else ""
    return [
        f"（一）压实整改责任。各级党组织要对照“一村一策”整改方案逐项推进，{overdue}确保按期销号。",
        "（二）强化包扶指导。五级包扶责任人要定期到村指导，结对帮扶单位要在项目、资金、人才上给予支持。",
        "（三）严格验收销号。坚持乡镇初验、县委组织部验收，成熟一个、销号一个，防止问题反弹。",
        "（四）及时更新台账。整改进展和佐证材料要及时录入整改台账，继续坚持每周一提示、每月一抽查、每季一通报。",
    ]


def write_docx(data: BulletinData, out) -> None:
    """The bulletin as a Word document (通报), to a path or a binary file object."""
    doc = official.new_document(data.title, data.issuer)
    official.title(doc, data.title)
    official.paragraph(doc, f"{_addressees(data.org)}：", indent=False)
    official.paragraph(
        doc,
        f"现将{data.quarter_name}全{_area(data.org)}软弱涣散基层党组织整顿工作进展情况通报如下：",
    )

    official.heading(doc, "一、总体进展")
    for text in overview_text(data):
        official.paragraph(doc, text)
    official.caption(doc, "表1  整顿工作总体情况")
    # money (Decimal) in 万元
    figures = [[label.replace("（元）", "（万元）"), value] for label, value in summary_figures(data)]
    official.table(doc, ["指标", "数量"], figures, [10.6, 5], money=wan)

    official.heading(doc, "二、各乡镇进展情况")
    if data.rows:
        official.caption(doc, "表2  各单位整顿进展情况")
        rows = [row_cells(r) for r in [*data.rows, total_row(data)]]
        official.table(doc, ROW_HEADERS, rows, [3.6] + [1.5] * 8, money=wan)
    else:
        official.paragraph(doc, "本季度无列入整顿的组织。")

    official.heading(doc, "三、存在问题")
    for text in problem_text(data):
        official.paragraph(doc, text)
    if data.behind:
        official.caption(doc, "表3  整改措施逾期未完成的组织")
        rows = [[b.name, b.parent, b.kind, b.status, b.measures, b.done, b.overdue] for b in data.behind]
        official.table(doc, BEHIND_HEADERS, rows, [3.2, 3.2, 2.8, 2, 1.4, 1.4, 1.6])

    official.heading(doc, "四、下步要求")
    for text in requirement_text(data):
        last = official.paragraph(doc, text)
    official.sign_off(doc, last, data.issuer, data.issued)
    doc.save(out)


def _fit_columns(ws, first_row: int = 1) -> None:
    """Each column as wide as its longest value from `first_row` on (the title row spans them all and sets none),
    within reason, so nothing shows as ### or is cut off."""
    for column in ws.iter_cols(min_row=first_row):
        widest = max((display_width(cell.value) for cell in column), default=0)
        ws.column_dimensions[column[0].column_letter].width = min(80, max(10, widest + 2))


TITLE_ROW, HEADER_ROW = 1, 2  # each sheet: the bulletin's title and the table's name, then the column headers


def write_xlsx(data: BulletinData, out) -> None:
    """The bulletin's tables as a workbook, one sheet per table, money in yuan with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, headers: list[str], rows: list[list[object]], first=False):
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title
        ws.append([f"{data.title}——{title}"])  # the title row: a printed sheet says what it is
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(headers))
        heading = ws.cell(row=TITLE_ROW, column=1)
        heading.font = Font(bold=True, size=14)
        heading.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[TITLE_ROW].height = 40
        ws.append(headers)
        for cell in ws[ws.max_row]:
            cell.font = bold
        for values in rows:
            ws.append([cell_value(v) for v in values])
            for cell, value in zip(ws[ws.max_row], values, strict=True):
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
        _fit_columns(ws, first_row=HEADER_ROW)
        print_layout(ws, header_row=HEADER_ROW)
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        return ws

    head = [["通报", data.title], ["发布单位", data.issuer], ["统计截至", data.as_of]]
    overview = sheet("总体情况", ["指标", "数值"], [*head, *[[k, v] for k, v in summary_figures(data)]], first=True)
    overview.cell(row=HEADER_ROW + 3, column=2).number_format = "yyyy-mm-dd"
    money_rows = [[*row_cells(r)[:-1], r.funds] for r in [*data.rows, total_row(data)]]
    sheet("各单位进展", [*ROW_HEADERS[:-1], "专项资金（元）"], money_rows)
    behind = [[b.name, b.parent, b.kind, b.status, b.measures, b.done, b.overdue] for b in data.behind]
    sheet("逾期未完成", BEHIND_HEADERS, behind)
    sheet("本季度销号", ["组织", "销号日期"], [[h.name, h.date] for h in data.closed_quarter])
    sheet("逾期上报", ["组织", "日期", "说明"], [[h.name, h.date, h.note] for h in data.escalations])
    sheet("抽查", ["组织", "日期", "说明"], [[h.name, h.date, h.note] for h in data.spot_checks])
    for ws in workbook.worksheets[3:]:
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=2, max_col=2):
            row[0].number_format = "yyyy-mm-dd"
    workbook.save(out)

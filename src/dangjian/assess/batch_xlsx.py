"""The workbooks of the batch assessment: the score sheet to fill (成绩表) and the results (考核结果).

Both are written in openpyxl's write-only mode, so a province's sheet stays within bounded memory; the first row of
the first sheet is always the header, which is what people and checking scripts read. See batch.py for the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dangjian.sheets.export import print_layout, wrapped_height

from .batch import (
    CODE_HEADER,
    DOMAIN_HEADER,
    MAX_MARK,
    NAME_HEADER,
    PREVIOUS_HEADER,
    BatchOrg,
    _how,
    atomic_output,
    group_label,
    max_label,
    sheet_indicators,
)
from .engine import DOMAIN_LABELS, RunResult
from .metrics import METRICS
from .scheme import GRADE_LABELS, METHOD_LABELS, Indicator, Method, Scheme, cents_to_decimal

SCORES_SHEET = "成绩表"
NOTES_SHEET = "说明"
RESULTS_SHEET = "考核结果"
QUOTA_SHEET = "比例线"
DETAIL_SHEET = "得分明细"
RESULT_HEADERS = [
    "组织编码",
    "组织名称",
    "党建类型",
    "总分",
    "排名",
    "倒序名次",
    "等次",
    "软弱涣散",
    "列入原因",
    "问题类型",
    "后果",
]

BOLD = Font(bold=True)
HINT = Font(italic=True, color="666666")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NOT_APPLICABLE = PatternFill("solid", fgColor="BFBFBF")
FROM_RECORDS = PatternFill("solid", fgColor="E7E6E6")  # derived from party records: computed in the system
RECORDS_HINT = "来自系统记录"
WRAP = Alignment(wrap_text=True, vertical="top")


def indicator_header(ind: Indicator) -> str:
    return f"{ind.code} {ind.name}"


def _cell(ws, value, *, font=None, fill=None, number_format=None, alignment=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _widths(ws, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _header(ws, names: list[str]) -> None:
    ws.append([_cell(ws, name, font=BOLD, fill=HEADER_FILL, alignment=WRAP) for name in names])


# ── The score sheet ──────────────────────────────────────────────────────────────────────────────────────────


def write_template(scheme: Scheme, people: list[BatchOrg], out: Path | str) -> None:
    """The score sheet for `people`: one row each, a column per indicator, the maxima row and a 说明 sheet."""
    indicators = sheet_indicators(scheme)
    with atomic_output(out) as tmp:
        book = Workbook(write_only=True)
        ws = book.create_sheet(SCORES_SHEET)
        _widths(ws, [16, 28, 12, *([14] * len(indicators)), 12])
        ws.freeze_panes = "D3"
        print_layout(ws, header_row=1)
        _header(ws, [CODE_HEADER, NAME_HEADER, DOMAIN_HEADER, *map(indicator_header, indicators), PREVIOUS_HEADER])
        records = [from_records(ind) for ind in indicators]
        hints = [MAX_MARK, "（本行为各项满分和填法，详见「说明」表）", ""]
        hints += [
            f"{max_label(ind)}，{RECORDS_HINT}" if rec else max_label(ind)
            for ind, rec in zip(indicators, records, strict=True)
        ]
        ws.append([_cell(ws, text, font=HINT) for text in [*hints, "是/否"]])
        for person in people:
            group = scheme.group_for(person.domain, person.level)
            applies = {ind.code for ind in group.indicators}
            row = [person.code, person.name, DOMAIN_LABELS[person.domain]]
            row += [
                _cell(ws, None, fill=NOT_APPLICABLE)
                if ind.code not in applies
                else _cell(ws, None, fill=FROM_RECORDS)
                if rec
                else None
                for ind, rec in zip(indicators, records, strict=True)
            ]
            ws.append([*row, None])
        _notes(book.create_sheet(NOTES_SHEET), scheme, indicators)
        book.save(tmp)


def from_records(ind: Indicator) -> bool:
    """Whether the indicator's value is derived from party records (meetings, development) rather than typed."""
    metric = METRICS.get(ind.metric) if ind.method is Method.DERIVED else None
    return metric is not None and bool(metric.source)


NOTES_WIDTHS = [10, 30, 14, 10, 8, 48, 30]


def _notes(ws, scheme: Scheme, indicators: list[Indicator]) -> None:
    """The 说明 sheet: the lines of instructions, each wrapped across the sheet's width, then the indicators. Printed
    across one page's width with the header row of the indicators repeated; the rows say their heights, as a
    write-only sheet cannot be measured afterwards."""
    _widths(ws, NOTES_WIDTHS)
    lines = [
        f"{scheme.name}（{scheme.year} 年度）成绩表填写说明",
        "每个参加考核的组织一行，组织编码、组织名称、党建类型由系统生成，请勿修改；第 2 行为各项满分和填法，可保留。",
        "灰色单元格表示该项不适用于本行组织，应留空。",
        f"浅灰色、第 2 行注明“{RECORDS_HINT}”的列（如“三会一课”、主题党日、组织生活会、发展党员）由系统中的组织生活和"
        "发展党员记录计算，在系统中考核时自动取数，不必填写；文件方式下无法读取记录，如需计入请填得分，留空按 0 分。",
        "评分项填得分；扣分项、减分项填发生次数；是否项、一票否决项填“是”或“否”；加分项填加分；",
        "系统数据项填得分，留空按 0 分（文件方式无法从系统记录计算，需在系统中考核时才自动取数）；",
        "满意度项填满意率（如 85%、85 或 0.85，其余视为不满意）或“满意/基本满意/不满意”人数（如 30/5/2）。",
        f"评分、是否、满意度项必须填写；多位评分人的分数用“、”或“/”隔开，满 {scheme.trim_from} 人时去掉一个最高分和"
        "一个最低分后取平均。",
        "“上年软弱涣散”填“是”的组织如再被列为软弱涣散，结果中注明撤换书记等后果；留空为否。",
        "填好后运行：dangjian assess run --scheme 方案.yaml --scores 本文件 --out 结果.xlsx",
    ]
    last = get_column_letter(len(NOTES_WIDTHS))
    header_row = len(lines) + 2
    print_layout(ws, header_row=header_row)  # a write-only sheet takes its layout before its first row
    for index, line in enumerate(lines, start=1):
        ws.row_dimensions[index].height = wrapped_height(line, sum(NOTES_WIDTHS))  # before the row is written
        ws.append([_cell(ws, line, font=BOLD if index == 1 else None, alignment=WRAP)])
        ws.merged_cells.add(f"A{index}:{last}{index}")
    ws.append([])
    _header(ws, ["编码", "名称", "类别", "计分方式", "满分", "填法", "适用党建类型"])
    for row, ind in enumerate(indicators, start=header_row + 1):
        groups = [g for g in scheme.groups if any(i.code == ind.code for i in g.indicators)]
        used_by = "、".join(group_label(g) for g in groups)
        top = float(cents_to_decimal(ind.max_cents)) if ind.max_cents else None
        how = f"{RECORDS_HINT}（{METRICS[ind.metric].explain}）" if from_records(ind) else _how(ind)
        values = [ind.code, ind.name, ind.category, METHOD_LABELS[ind.method], top, how, used_by]
        ws.row_dimensions[row].height = max(wrapped_height(v, w) for v, w in zip(values, NOTES_WIDTHS, strict=True))
        ws.append([_cell(ws, value, alignment=WRAP) for value in values])
    ws.print_area = f"A1:{last}{header_row + len(indicators)}"


# ── The results ──────────────────────────────────────────────────────────────────────────────────────────────


def _ordered(result: RunResult):
    order = list(DOMAIN_LABELS)
    return sorted(result.results, key=lambda r: (order.index(r.org.domain), r.group, r.rank, r.org.code))


def write_results(scheme: Scheme, result: RunResult, out: Path | str, *, about: dict[str, str]) -> None:
    """Results, the quota arithmetic per domain with the run's digest, and every organization's points per item.
    `about` adds lines to the 比例线 sheet (the score file, the root, the user)."""
    indicators = sheet_indicators(scheme)
    rows = _ordered(result)
    with atomic_output(out) as tmp:
        book = Workbook(write_only=True)
        ws = book.create_sheet(RESULTS_SHEET)
        _widths(ws, [16, 28, 12, 8, 6, 8, 6, 8, 40, 30, 40])
        ws.freeze_panes = "C2"
        print_layout(ws, header_row=1)
        _header(ws, RESULT_HEADERS)
        for r in rows:
            ws.append(
                [
                    r.org.code,
                    r.org.name,
                    DOMAIN_LABELS[r.org.domain],
                    _cell(ws, float(r.total), number_format="0.00"),
                    r.rank,
                    r.reverse_rank,
                    r.grade,
                    "是" if r.weak else "否",
                    "；".join(r.weak_reasons),
                    "、".join(r.problems),
                    "；".join(r.consequences),
                ]
            )
        _quotas(book.create_sheet(QUOTA_SHEET), scheme, result, about)
        _detail(book.create_sheet(DETAIL_SHEET), indicators, rows)
        book.save(tmp)


def _quotas(ws, scheme: Scheme, result: RunResult, about: dict[str, str]) -> None:
    _widths(ws, [18, 10, 10, 10, 10, 14, 36])
    _header(ws, ["党建类型", "组织数", "比例", "比例线", "D 等次", "列入软弱涣散", "算式"])
    for line in result.quotas:
        share = f"{(line.share * 100).normalize():f}%"
        label = DOMAIN_LABELS.get(line.domain, line.domain)
        ws.append([label, line.organizations, share, line.floor, line.grade_d, line.weak, line.text])
    ws.append([])
    grades = "；".join(f"{g} {GRADE_LABELS[g]}" for g in GRADE_LABELS)
    facts = [
        ("方案", f"{scheme.name}（{scheme.year} 年度）"),
        *about.items(),
        ("等次", grades),
        ("并列规则", "与比例线并列者全部列入" if scheme.tie_rule == "include" else "按组织编码截断"),
        ("运行时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("结果摘要（SHA-256）", result.digest),
    ]
    for key, value in facts:
        ws.append([_cell(ws, key, font=BOLD), value])


def _detail(ws, indicators: list[Indicator], rows) -> None:
    _widths(ws, [16, 28, *([12] * len(indicators)), 8, 8, 8, 8])
    _header(ws, [CODE_HEADER, NAME_HEADER, *map(indicator_header, indicators), "基础分", "加分", "减分", "总分"])
    for r in rows:
        got = {line.indicator.code: line for line in r.lines}
        cells = [r.org.code, r.org.name]
        for ind in indicators:
            line = got.get(ind.code)
            if line is None:
                cells.append(_cell(ws, None, fill=NOT_APPLICABLE))
            elif ind.method is Method.VETO:
                cells.append(line.source)  # 触发 / 未触发: a veto carries no points
            else:
                cells.append(float(cents_to_decimal(line.cents)))
        cells += [float(cents_to_decimal(c)) for c in (r.base_cents, r.bonus_cents, r.penalty_cents, r.total_cents)]
        ws.append(cells)

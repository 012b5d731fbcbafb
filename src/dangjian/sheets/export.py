"""The one Excel export every list uses: a titled .xlsx of exactly the rows given, recorded in the audit log.

The workbook is written in openpyxl's write-only mode to a temporary file, so a list of a million rows is
written with bounded memory; the response then streams that file.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

Column = tuple[str, Callable[[Any], Any]]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_576 - 3  # Excel's sheet limit, less the title, the note and the header rows
UNMASKED_NOTE = "含公民身份号码、联系电话明文"


@dataclass(frozen=True)
class ColumnLayout:
    """How one column of an export is laid out: `width` (its text wrapped within it), `number_format`."""

    width: float | None = None
    number_format: str | None = None

    def cell(self, sheet, value: Any) -> WriteOnlyCell:
        cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value)
        if self.width:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if self.number_format and isinstance(value, int | float):
            cell.number_format = self.number_format
        return cell


class ExportTooLarge(Exception):
    """More rows than one sheet holds (or than the installation allows): the user narrows the filters."""

    def __init__(self, limit: int):
        super().__init__(f"符合条件的记录超过 {limit:,} 条，无法导出到一个表格，请先用筛选条件缩小范围。")
        self.limit = limit


def max_rows() -> int:
    return min(settings.EXPORT_MAX_ROWS, XLSX_MAX_ROWS)


def cell_value(value: Any) -> Any:
    """What a cell can hold: Excel knows no time zones, so aware datetimes become local wall-clock time."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, str):
        # Characters a sheet cannot hold (control characters) would make openpyxl refuse the whole file.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, bool | int | float | datetime.date):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def text_safe(sheet, value: Any) -> Any:
    """Text that starts with "=" is stored as text, never as a formula Excel would run when the file is opened."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def describe_filters(filterset) -> str:
    """The filters a django-filter FilterSet applied, as '党员状态：正式党员；姓名：王' for the sheet and the audit."""
    if filterset is None or not filterset.is_bound or not filterset.is_valid():
        return ""
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        field = filterset.form.fields[name]
        label = field.label or name
        shown = dict(getattr(field, "choices", ()) or ()).get(value, value)
        if isinstance(value, bool):
            shown = "是" if value else "否"
        if name == "id_number":  # an exact ID number is itself sensitive; say only that it was used
            shown = "（已指定）"
        parts.append(f"{label}：{shown}")
    return "；".join(parts)


WIDTH_SAMPLE = 200  # rows that set the column widths
LETTERS = [get_column_letter(i) for i in range(1, 200)]


def display_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet: a Chinese character is two, a date ten, a time sixteen."""
    if isinstance(value, Cell):  # text kept from being a formula (`text_safe`)
        value = value.value
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def print_layout(sheet, header_row: int | None) -> None:
    """Printed, a sheet is A4 landscape with every column across one page's width (as many pages down as it
    takes), its header row repeated at the top of each page: how a list or a register is handed on on paper. Without
    it a wide list prints as a grid of pages, the columns after the first few on pages of their own."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # no limit down
    sheet.print_options.horizontalCentered = True
    if header_row:
        sheet.print_title_rows = f"{header_row}:{header_row}"


LINE_POINTS = 15  # a line of 11-point text in a row's height


def wrapped_height(value: Any, width: float, size: float = 11) -> float:
    """The row height (points) that shows `value` wrapped within `width` columns. A row the program writes says its
    height itself: LibreOffice does not grow a row to its wrapped text on opening, and no spreadsheet grows a row
    to the text of a merged cell."""
    room = max(1, int(width) - 1)
    lines = max(1, -(-int(display_width(value) * size / 11) // room))
    return lines * LINE_POINTS * size / 11 + 2


def print_instructions(sheet, header_row: int | None = None) -> None:
    """An instruction sheet (填写说明) made printable: the text wraps within its column (or the columns its cell is
    merged over), each row tall enough for its lines, and the print area the written cells, across one page's width
    (`print_layout`). Without it a long note runs past its column and prints as fragments on pages of their own."""
    widths = {
        column: sheet.column_dimensions[get_column_letter(column)].width or 8.43
        for column in range(1, sheet.max_column + 1)
    }
    spans = {}
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = sum(widths[c] for c in range(merged.min_col, merged.max_col + 1))
    for row in sheet.iter_rows():
        height = 0.0
        for cell in row:
            if cell.value is None or not hasattr(cell, "column"):
                continue  # empty, or covered by a merged cell
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=cell.alignment.horizontal)
            width = spans.get((cell.row, cell.column), widths[cell.column])
            height = max(height, wrapped_height(cell.value, width, cell.font.sz or 11))
        if height > LINE_POINTS + 2:
            sheet.row_dimensions[row[0].row].height = height
    print_layout(sheet, header_row)
    sheet.print_area = f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def column_widths(headers: list[str], rows: Iterable[list]) -> list[float]:
    """Each column as wide as its widest value or header (within reason)."""
    widest = [display_width(h) for h in headers]
    for row in rows:
        widest = [max(w, display_width(v)) for w, v in zip(widest, row, strict=False)]
    return [min(60, max(8, w + 2)) for w in widest]


def export_response(
    *,
    request,
    title: str,
    columns: list[Column],
    rows: Iterable,
    filename: str,
    filters: str = "",
    org=None,
    unmasked: bool = False,
    layout: dict[str, ColumnLayout] | None = None,
) -> HttpResponse:
    """Write `rows` as an .xlsx download and record the export.

    `columns` are (header, getter) pairs; each getter takes a row and returns the cell's value. Masking is the
    getters' business: `unmasked` only tells the audit log that clear sensitive values left the system. `layout`
    sets, by header, a column's width with its text wrapped, or its number format (scores to two decimals), so a
    sheet of long texts prints in readable type rather than shrunk to the width of its longest line.
    Raises ExportTooLarge before writing anything when a queryset has more rows than one sheet holds.
    """
    limit = max_rows()
    if isinstance(rows, QuerySet):
        if rows[: limit + 1].count() > limit:
            raise ExportTooLarge(limit)
        rows = rows.iterator(chunk_size=2000)

    user = request.user
    now = timezone.localtime()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31].translate(str.maketrans("", "", "[]:*?/\\")) or "导出")
    bold = Font(bold=True)
    title_cell = WriteOnlyCell(sheet, title)
    title_cell.font = Font(bold=True, size=14)
    who = user.get_full_name() or user.get_username()
    layout = layout or {}
    styled = [layout.get(name) for name, _ in columns]
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        if layout:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)

    def values(row) -> list:
        cells = [text_safe(sheet, cell_value(get(row))) for _, get in columns]
        return [value if spec is None else spec.cell(sheet, value) for value, spec in zip(cells, styled, strict=True)]

    # Column widths from the header and the first rows: a write-only sheet takes them before its first row, and
    # without them a date shows as #### and a code is cut off when the file is opened.
    rows = iter(rows)
    first = [values(row) for row in itertools.islice(rows, WIDTH_SAMPLE)]
    widths = column_widths([name for name, _ in columns], first)
    widths = [spec.width if spec and spec.width else width for width, spec in zip(widths, styled, strict=False)]
    for letter, width in zip(LETTERS, widths, strict=False):
        sheet.column_dimensions[letter].width = width

    def fit_height(row: int, cells: list) -> None:
        """A laid-out sheet's row as tall as its wrapped text: spreadsheets do not grow a written row themselves."""
        if layout:
            sheet.row_dimensions[row].height = max(wrapped_height(c, w) for c, w in zip(cells, widths, strict=False))

    print_layout(sheet, header_row=3)
    sheet.freeze_panes = "A4"  # the title, the note and the header stay in sight while scrolling
    sheet.append([title_cell])
    sheet.append([f"导出人：{who}  导出时间：{now:%Y-%m-%d %H:%M}  筛选条件：{filters or '无'}"])
    fit_height(3, header)
    sheet.append(header)

    count = 0
    for cells in itertools.chain(first, map(values, rows)):
        count += 1
        if count > limit:
            raise ExportTooLarge(limit)
        fit_height(count + 3, cells)  # set before the row is written
        sheet.append(cells)

    # The file is deleted when the response closes it.
    out = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(out)
    out.seek(0)

    detail = f"{title}；筛选条件：{filters or '无'}；共 {count} 行"
    if unmasked:
        detail += f"；{UNMASKED_NOTE}"
    record(AuditAction.EXPORT, actor=user, org=org, detail=detail)
    if unmasked:
        record(AuditAction.UNMASK, actor=user, org=org, detail=f"导出“{title}”{UNMASKED_NOTE}，共 {count} 行")

    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    # FileResponse writes Content-Disposition with filename*=UTF-8''… for a Chinese name.
    response = FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    return private(response)


def private(response: HttpResponse) -> HttpResponse:
    """Sheets of people's data stay out of browser and proxy caches."""
    response["Cache-Control"] = "no-store, private"
    return response

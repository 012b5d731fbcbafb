"""The error sheet handed back when an import is refused: the user's own rows, each at its own row number, with the
Chinese messages in a first column beside the bad ones, so they can be fixed and the sheet imported again.

A report lists the first rows with problems only (`ImportReport.listed`): then the sheet ends after the last of them,
with a row saying how many more there were, so a file of a million bad rows never becomes a sheet of a million."""

from __future__ import annotations

import itertools
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from .export import LETTERS, WIDTH_SAMPLE, column_widths, display_width, print_layout
from .read import SheetError, raw_rows

MESSAGE_WIDTH = 60  # the messages' column, in characters of the default font (a Chinese character takes two)
LINE_HEIGHT = 18  # points per line of wrapped message (a Chinese font needs more than the default 15)


def write_error_sheet(path: Path | str, report, out) -> None:
    """The original rows of `path` as .xlsx with `report`'s messages in a first column "错误信息" beside the bad rows
    (highlighted). The columns are as wide as the header and the first rows need, as in an export: without that a
    date shows as #### and an ID number is cut off when the sheet is opened."""
    by_row: dict[int, list[str]] = {}
    for error in report.errors:
        by_row.setdefault(error.row_number, []).append(error.message)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误信息")
    sheet.freeze_panes = "B1"
    sheet.column_dimensions["A"].width = MESSAGE_WIDTH
    bad_fill = PatternFill("solid", fgColor="FFD7D7")
    bold_red = Font(bold=True, color="C00000")
    wrapped = Alignment(wrap_text=True, vertical="top")
    header_rows = set(report.header_rows[-1:])
    if 0 in by_row:  # about the file as a whole: shown in the first row, so row numbers stay the user's
        by_row[1] = by_row.pop(0) + by_row.get(1, [])
    written = 0
    # With rows not listed, the sheet stops after the last listed one (the rows below it are not all checked here).
    stop = max(by_row, default=0) if report.unlisted_rows else None
    rows = None
    try:
        rows, _height = raw_rows(path)
        first_rows = list(itertools.islice(rows, WIDTH_SAMPLE))
        _set_widths(sheet, first_rows, min(report.header_rows, default=1))
        print_layout(sheet, max(report.header_rows, default=None))
        for number, cells in itertools.chain(first_rows, rows):
            first = WriteOnlyCell(sheet, value="")
            if number in by_row:
                first.value = "；".join(by_row[number])
                first.fill = bad_fill
                first.font = Font(color="C00000")
                # A row may have several messages: wrapped in the column, the row as tall as they need (not every
                # program fits a row to wrapped text on opening).
                first.alignment = wrapped
                lines = -(-display_width(first.value) // (MESSAGE_WIDTH - 2))
                if lines > 1:
                    sheet.row_dimensions[number].height = LINE_HEIGHT * lines
            elif number in header_rows:
                first.value = "错误信息"
                first.font = bold_red
            sheet.append([first, *(_plain(sheet, cell) for cell in cells)])
            written += 1
            if stop is not None and number >= stop:
                break
    except SheetError:
        pass  # unreadable: only the messages can be shown
    finally:
        if rows is not None:
            rows.close()  # stops the reading (a workbook's reader process) where the loop stopped early
    if not written and 1 in by_row:
        sheet.append(["；".join(by_row[1])])
    if report.unlisted_rows:
        note = WriteOnlyCell(sheet, value=report.unlisted_note())
        note.font = bold_red
        sheet.append([note])
    book.save(out)


def _set_widths(sheet, first_rows: list[tuple[int, list]], header_at: int) -> None:
    """Widths of the user's columns (B onwards) from the header and the rows below it; a title above the header
    (merged across the sheet) would make its first column as wide as the whole title."""
    shown = [cells for number, cells in first_rows if number >= header_at]
    if not shown:
        return
    width = max(len(cells) for cells in shown)
    for letter, size in zip(LETTERS[1:], column_widths([""] * width, shown), strict=False):
        sheet.column_dimensions[letter].width = size


def _plain(sheet, value):
    """A cell value as it was; text starting with "=" stays text (openpyxl would write it as a formula, and a
    sheet handed back must not run what an uploaded file brought in)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value

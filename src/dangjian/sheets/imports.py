"""Importing a list from Excel or CSV: all or nothing, within the importing user's scope, audited.

`run_import` reads the file lazily, parses and checks each row (normalize.py), and hands chunks of rows to the
kind's importer (import_orgs.py, import_members.py), which looks existing records up per chunk and writes. All
of it happens in one transaction: one bad row anywhere and the transaction is rolled back, so nothing is
written; a dry run is rolled back too. Bad rows never raise: they are collected, with the row number the user
sees and a Chinese message naming the column, for the report and the error sheet (`write_error_sheet`).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import path_in_scope

from . import normalize as N
from .columns import BOOL, CHOICE, CODE, COLUMNS, DATE, DECIMAL, ID_NUMBER, INT, NAME, PHONE, TEXT, TITLES, Column
from .read import SheetError, open_sheet, raw_rows

CHUNK = 2_000  # rows validated, looked up and written together
Progress = Callable[[int, int | None], None]


@dataclass
class RowError:
    row_number: int  # the row number as the user sees it in the sheet (1-based, counting title/header rows)
    message: str  # Chinese, names the column: "第 7 行「公民身份号码」：校验码错误，应为 X"


@dataclass
class ImportReport:
    kind: str  # "orgs" | "members"
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    header_rows: list[int] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # extra columns of the file, not imported
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row_number: int, message: str) -> None:
        self.errors.append(RowError(row_number, message))

    def summary(self) -> str:
        what = TITLES.get(self.kind, self.kind)
        verb = "试导入（未写入）" if self.dry_run else "导入"
        head = f"{what}{verb}：共 {self.total} 行，新增 {self.created}，修改 {self.updated}，无变化 {self.unchanged}"
        if self.errors:
            return f"{head}；有 {len(self.errors)} 处错误，全部未写入。"
        return head + "。"


@dataclass
class Row:
    """One data row, parsed: the clean values of the columns the file has, and what was wrong."""

    number: int
    values: dict[str, Any]
    present: frozenset[str]  # fields whose column the file has (a missing optional column leaves a record alone)
    errors: list[str]


def allowed(user, path: str, action: str) -> bool:
    """Whether `user` may do `action` at `path`; no user is the system itself (commands without --as)."""
    return user is None or path_in_scope(user, path, action)


def cell_message(number: int, column: Column | str, message: str) -> str:
    header = column.header if isinstance(column, Column) else column
    return f"第 {number} 行「{header}」：{message}" if header else f"第 {number} 行：{message}"


_PARSERS: dict[str, Callable[[Any, Column], Any]] = {
    CHOICE: lambda raw, column: N.choice(raw, column.choices),
    BOOL: lambda raw, _column: N.boolean(raw),
    DATE: lambda raw, _column: N.date(raw),
    INT: lambda raw, _column: N.integer(raw),
    DECIMAL: lambda raw, _column: N.amount(raw),
    ID_NUMBER: lambda raw, _column: N.id_number(raw),
    PHONE: lambda raw, _column: N.phone(raw),
    CODE: lambda raw, _column: N.code(raw),
    NAME: lambda raw, _column: N.person_name(raw),
}


def _text(raw, _column: Column) -> str:
    return N.text(raw)


def _parse_cell(raw, column: Column):
    return _PARSERS.get(column.type, _text)(raw, column)


# Columns whose cells repeat from row to row (labels, yes/no, organization codes, short texts such as a job): their
# clean value is remembered per raw text, so each distinct cell is normalized once per file. Errors are not
# remembered (each bad cell is reported on its own row). Bounded: a column of distinct texts stops adding.
_REMEMBERED = {CHOICE, BOOL, CODE, TEXT}
MEMO_SIZE = 4_096
_MISSING = object()


def _converter(column: Column) -> Callable[[Any], Any]:
    """The function turning one raw cell of `column` into its clean value, or raising CellError with the message:
    the type's normalizer and the required and length checks, put together once per file."""
    parse = _PARSERS.get(column.type, _text)
    required, limit = column.required, column.max_length

    def convert(raw):
        value = parse(raw, column)
        if value == "" or value is None:
            if required:
                raise N.CellError("必填，不能为空")
        elif limit and type(value) is str and len(value) > limit:
            raise N.CellError(f"不能超过 {limit} 个字（现有 {len(value)} 个）")
        return value

    if column.type not in _REMEMBERED:
        return convert
    memo: dict[str, Any] = {}

    def remembered(raw):
        if type(raw) is not str:  # 1, 1.0 and True are equal keys: only text is remembered
            return convert(raw)
        value = memo.get(raw, _MISSING)
        if value is _MISSING:
            value = convert(raw)
            if len(memo) < MEMO_SIZE:
                memo[raw] = value
        return value

    return remembered


class RowParser:
    """Parses the rows of one sheet: each mapped column's converter is built once per file (`_converter`), and a
    row's mapped cells are taken out in one call."""

    def __init__(self, mapping: dict[int, Column]) -> None:
        self.mapping = mapping
        self.cells = [(column.field, column, _converter(column)) for column in mapping.values()]
        self.width = max(mapping, default=-1) + 1  # rows shorter than this are padded with empty cells
        indexes = list(mapping)
        # itemgetter gives a tuple for two indexes or more, the bare item for one.
        self.take = (
            operator.itemgetter(*indexes) if len(indexes) > 1 else lambda cells: tuple(cells[i] for i in indexes)
        )
        self.present = frozenset(c.field for c in mapping.values())  # shared by every row: never changed
        self.examples = [N.text(column.example) for column in mapping.values()]

    def raw(self, cells: list) -> tuple:
        """The mapped cells of a row, in mapping order."""
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        return self.take(cells)

    def parse(self, number: int, cells: list) -> Row:
        return self.parse_raw(number, self.raw(cells))

    def parse_raw(self, number: int, raws: tuple) -> Row:
        values: dict[str, Any] = {}
        errors: list[str] = []
        for (name, column, convert), raw in zip(self.cells, raws, strict=True):
            try:
                values[name] = convert(raw)
            except N.CellError as exc:
                errors.append(cell_message(number, column, str(exc)))
        return Row(number, values, self.present, errors)

    def skipped(self, cells: list) -> bool:
        return self.skipped_raw(self.raw(cells))

    def skipped_raw(self, raws: tuple) -> bool:
        """A blank row, or the template's example row left in by the user: skipped rather than imported."""
        text = N.text
        pairs = zip(raws, self.examples, strict=True)
        first = next(((shown, example) for raw, example in pairs if (shown := text(raw)) != ""), None)
        if first is None:
            return True
        if first[0] != first[1]:  # the usual data row: its first filled cell is not the example's
            return False
        return all(text(raw) == example for raw, example in zip(raws, self.examples, strict=True))


def parse_row(number: int, cells: list, mapping: dict[int, Column]) -> Row:
    return RowParser(mapping).parse(number, cells)


def _chunks(rows: Iterator[tuple[int, list]], mapping: dict[int, Column]) -> Iterator[list[Row]]:
    parser = RowParser(mapping)
    raw_of, skipped, parse = parser.raw, parser.skipped_raw, parser.parse_raw
    chunk: list[Row] = []
    for number, cells in rows:
        raws = raw_of(cells)
        if skipped(raws):
            continue
        chunk.append(parse(number, raws))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _importer(kind: str, user, report: ImportReport):
    if kind == "orgs":
        from .import_orgs import OrgImporter

        return OrgImporter(user, report)
    if kind == "members":
        from .import_members import MemberImporter

        return MemberImporter(user, report)
    raise ValueError(f"unknown import kind {kind!r}")


def run_import(
    kind: str,
    path: Path | str,
    user,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `path` as `kind` ("orgs" or "members") with `user`'s scope (None: full scope, for commands).

    Never raises for bad rows or an unreadable file: they are in `report.errors` (row 0 for the file itself).
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    started = time.monotonic()
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        sheet = open_sheet(path, COLUMNS[kind])
    except SheetError as exc:
        report.add_error(0, str(exc))
        return report
    report.header_rows = sheet.header_rows
    report.ignored_columns = sheet.ignored
    importer = _importer(kind, user, report)
    kept = False
    try:
        with transaction.atomic():
            for chunk in _chunks(sheet.rows, sheet.mapping):
                report.total += len(chunk)
                for row in chunk:
                    for message in row.errors:
                        report.add_error(row.number, message)
                importer.process(chunk)
                if progress is not None:
                    progress(report.total, sheet.total)
            if not report.total:
                report.add_error(0, "文件中没有可导入的数据行（模板的示例行不会导入）。")
            if report.errors or dry_run:
                transaction.set_rollback(True)
            else:
                importer.finish()
                _record_import(kind, path, user, report, importer)
        kept = not report.errors and not dry_run  # committed
    except SheetError as exc:  # the file broke off half-way (bad encoding further down)
        report.add_error(0, str(exc))
    except IntegrityError:  # someone else wrote the same records meanwhile: nothing of ours was kept
        report.add_error(0, "写入时与其他操作冲突，全部未写入，请稍后重试。")
    finally:
        if not kept and hasattr(importer, "discard"):
            importer.discard()  # the member import's change set: no record names it
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    report.errors.sort(key=lambda e: e.row_number)
    report.seconds = time.monotonic() - started
    return report


def _record_import(kind: str, path: Path | str, user, report: ImportReport, importer) -> None:
    """The run's IMPORT record. A member import's record also names its change set (file, SHA-256, rows, member ids:
    `core.changesets`), the one audit trail of each member it created or updated, and is filed under the nearest
    organization above all of them."""
    after = {
        "kind": kind,
        "file": Path(path).name,
        "total": report.total,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    if hasattr(importer, "changeset"):
        after["changeset"] = importer.changeset
    record(
        AuditAction.IMPORT,
        actor=user,
        org=getattr(importer, "org", None),
        detail=f"导入{TITLES[kind]}（{Path(path).name}）：共 {report.total} 行，新增 {report.created}，"
        f"修改 {report.updated}，无变化 {report.unchanged}",
        after=after,
    )


def write_error_sheet(path: Path | str, report: ImportReport, out) -> None:
    """The original rows as .xlsx, each at its own row number, with the Chinese error messages in a first
    column "错误信息" beside the bad rows (highlighted), so the user can fix them and import the sheet again."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    by_row: dict[int, list[str]] = {}
    for error in report.errors:
        by_row.setdefault(error.row_number, []).append(error.message)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误信息")
    sheet.freeze_panes = "B1"
    sheet.column_dimensions["A"].width = 60
    bad_fill = PatternFill("solid", fgColor="FFD7D7")
    bold_red = Font(bold=True, color="C00000")
    header_rows = set(report.header_rows[-1:])
    if 0 in by_row:  # about the file as a whole: shown in the first row, so row numbers stay the user's
        by_row[1] = by_row.pop(0) + by_row.get(1, [])
    written = 0
    try:
        rows, _height = raw_rows(path)
        for number, cells in rows:
            first = WriteOnlyCell(sheet, value="")
            if number in by_row:
                first.value = "；".join(by_row[number])
                first.fill = bad_fill
                first.font = Font(color="C00000")
            elif number in header_rows:
                first.value = "错误信息"
                first.font = bold_red
            sheet.append([first, *(_plain(sheet, cell) for cell in cells)])
            written += 1
    except SheetError:
        pass  # unreadable: only the messages can be shown
    if not written and 1 in by_row:
        sheet.append(["；".join(by_row[1])])
    book.save(out)


def _plain(sheet, value):
    """A cell value as it was; text starting with "=" stays text (openpyxl would write it as a formula, and a
    sheet handed back must not run what an uploaded file brought in)."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value

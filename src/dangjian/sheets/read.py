"""Reading the rows of an uploaded sheet lazily, whatever made it: .xlsx/.xls/.ods (Excel, WPS, LibreOffice) through
python-calamine, .csv in UTF-8 (with or without BOM), UTF-16 or GBK.

The header row is found by its content, not its position: it may sit below a title row, span two rows of
merged cells, and carry extra columns or columns in any order. Rows come out one at a time with the row
number the user sees in the sheet, so a 100,000-row file never becomes 100,000 Python objects at once
(calamine keeps the parsed cells in compact native memory; CSV is decoded as it is read).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .columns import Column, header_key

HEADER_SCAN_ROWS = 30  # the header is looked for among the first rows only
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".et"}
CSV_SUFFIXES = {".csv", ".txt"}


class SheetError(ValueError):
    """The file cannot be used at all; the message is Chinese."""


@dataclass
class Sheet:
    header_rows: list[int]  # 1-based numbers of the row(s) holding the header
    mapping: dict[int, Column]  # cell index → column
    rows: Iterator[tuple[int, list]]  # (row number, cells) of the rows below the header
    total: int | None = None  # rows below the header, when the format knows it up front
    ignored: list[str] = field(default_factory=list)  # headers of extra columns, for the report


def raw_rows(path: Path | str) -> tuple[Iterator[tuple[int, list]], int | None]:
    """Every row of the file's data sheet with its row number, and the number of rows if known."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _csv_rows(path), None
    if suffix in SPREADSHEET_SUFFIXES:
        return _workbook_rows(path)
    raise SheetError("无法识别的文件类型，请上传 .xlsx、.xls 或 .csv 文件。")


def _workbook_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(_first_visible(book))
    except (CalamineError, OSError, ValueError) as exc:
        raise SheetError(f"无法读取该文件，请确认它是未加密、未损坏的 Excel 文件。（{type(exc).__name__}）") from None
    # Rows start at the sheet's first row; cells start at its first used column, so pad to keep positions.
    pad = [""] * (sheet.start[1] if sheet.start else 0)

    def rows() -> Iterator[tuple[int, list]]:
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, pad + cells if pad else cells

    return rows(), (sheet.end[0] + 1) if sheet.end else 0


def _first_visible(book) -> int:
    for index, meta in enumerate(book.sheets_metadata):
        if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet"):
            return index
    return 0


def detect_encoding(head: bytes) -> str:
    """UTF-8 (BOM or not) when the bytes decode as such, UTF-16 with its BOM, else GB18030 (a superset of GBK
    that Chinese Excel and WPS write as "CSV")."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_rows(path: Path) -> Iterator[tuple[int, list]]:
    with open(path, "rb") as raw:
        head = raw.read(65536)
    encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(sample[:8192], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","

    def rows() -> Iterator[tuple[int, list]]:
        with open(path, encoding=encoding, errors="strict", newline="") as handle:
            try:
                yield from enumerate(csv.reader(handle, delimiter=delimiter), start=1)
            except UnicodeDecodeError:
                raise SheetError(
                    "文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 Excel 文件。"
                ) from None

    return rows()


def match_headers(cells: list, columns: list[Column]) -> dict[int, Column]:
    """Which cells of a row name which columns (first occurrence wins)."""
    keys: dict[str, Column] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            keys.setdefault(header_key(name), column)
    found: dict[int, Column] = {}
    taken: set[str] = set()
    for index, cell in enumerate(cells):
        if cell is None or cell == "":
            continue
        column = keys.get(header_key(cell))
        if column is not None and column.field not in taken:
            found[index] = column
            taken.add(column.field)
    return found


def open_sheet(path: Path | str, columns: list[Column]) -> Sheet:
    """Find the header among the first rows and return the rows below it; SheetError if the file is unusable."""
    rows, height = raw_rows(path)
    head: list[tuple[int, list]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    matches = [match_headers(cells, columns) for _number, cells in head]
    if not matches or not max(len(m) for m in matches):
        names = "、".join(f"「{c.header}」" for c in columns if c.required)
        raise SheetError(f"未找到表头行：前 {HEADER_SCAN_ROWS} 行中没有 {names} 等列名。请使用导入模板。")
    best = max(range(len(matches)), key=lambda i: (len(matches[i]), -i))
    mapping = dict(matches[best])
    header_at = [best]
    # A header of two rows with merged cells: a cell merged down keeps its text in the upper row, a group
    # title merged across puts the real names in the lower row. Take the neighbour's names for empty places.
    for neighbour in (best - 1, best + 1):
        if 0 <= neighbour < len(matches):
            extra = {
                i: c
                for i, c in matches[neighbour].items()
                if i not in mapping and c.field not in {m.field for m in mapping.values()}
            }
            if extra:
                mapping.update(extra)
                header_at.append(neighbour)
    missing = [c for c in columns if c.required and c.field not in {m.field for m in mapping.values()}]
    if missing:
        names = "、".join(f"「{c.header}」" for c in missing)
        raise SheetError(f"缺少必填列：{names}。请使用导入模板，或检查表头的列名。")
    last = max(header_at)
    header_cells = head[best][1]
    ignored = [str(cell) for i, cell in enumerate(header_cells) if cell not in (None, "") and i not in mapping]

    def body() -> Iterator[tuple[int, list]]:
        yield from head[last + 1 :]
        yield from rows

    header_numbers = sorted(head[i][0] for i in header_at)
    total = max(0, height - header_numbers[-1]) if height is not None else None
    return Sheet(header_numbers, mapping, body(), total, ignored)

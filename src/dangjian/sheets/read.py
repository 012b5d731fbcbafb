"""Reading the rows of an uploaded sheet lazily, whatever made it: .xlsx/.xls/.ods (Excel, WPS, LibreOffice) through
python-calamine, .csv in UTF-8 (with or without BOM), UTF-16 or GBK.

The header row is found by its content, not its position: it may sit below a title row, span two rows of
merged cells, and carry extra columns or columns in any order. Rows come out one at a time with the row
number the user sees in the sheet, so a 100,000-row file never becomes 100,000 Python objects at once
(calamine keeps the parsed cells in compact native memory; CSV is decoded as it is read).

Every file is checked against the import limits first (`limits.check_file`), and a workbook is parsed by calamine only
in a process of its own with a memory limit (`WorkbookStream`, `workbook_process`), whatever reads it: the imports,
their error sheets, the assessment's score sheets. A file that kills that process fails with a message; the server
goes on.
"""

from __future__ import annotations

import codecs
import csv
import logging
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import workbook_process
from .columns import Column, header_key
from .limits import Limits, SheetError, check_csv_row, check_file

__all__ = ["Sheet", "SheetError", "WorkbookStream", "detect_encoding", "match_headers", "open_sheet", "raw_rows"]

HEADER_SCAN_ROWS = 30  # the header is looked for among the first rows only
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".et"}
CSV_SUFFIXES = {".csv", ".txt"}

logger = logging.getLogger(__name__)
READER_DIED = (
    "读取文件时处理进程意外终止（文件可能过大、范围异常或已损坏），未写入任何数据。"
    "请检查文件，或用 Excel 另存为新的 .xlsx 文件后重新导入。"
)
UNREADABLE = "无法读取该文件，请确认它是未加密、未损坏的 Excel 文件。（{}）"


@dataclass
class Sheet:
    header_rows: list[int]  # 1-based numbers of the row(s) holding the header
    mapping: dict[int, Column]  # cell index → column
    rows: Iterator[tuple[int, list]]  # (row number, cells) of the rows below the header
    total: int | None = None  # rows below the header, when the format knows it up front
    ignored: list[str] = field(default_factory=list)  # headers of extra columns, for the report
    # The same rows below the header again, read apart, one for each reader process but the first (`copies`).
    others: list[Iterator[tuple[int, list]]] = field(default_factory=list)
    close: Callable[[], None] = lambda: None  # stops whatever still reads the file


def raw_rows(path: Path | str) -> tuple[Iterator[tuple[int, list]], int | None]:
    """Every row of the file's data sheet with its row number, and the number of rows if known."""
    sources, height, _close = _sources(path, 1)
    return sources[0], height


def _sources(
    path: Path | str, copies: int, checked: bool = False
) -> tuple[list[Iterator[tuple[int, list]]], int | None, Callable]:
    """`copies` iterators over every row of the file (each to be read in one process), the number of rows if known,
    and what stops the reading. The file is checked against the limits first, unless the caller has (`checked`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES and suffix not in SPREADSHEET_SUFFIXES:
        raise SheetError("无法识别的文件类型，请上传 .xlsx、.xls 或 .csv 文件。")
    limits = Limits.current()
    if not checked:
        check_file(path, limits)
    if suffix in CSV_SUFFIXES:
        return [_csv_rows(path, limits) for _ in range(copies)], None, lambda: None
    stream = WorkbookStream(path, copies)
    return [stream.rows(k) for k in range(copies)], stream.height, stream.close


def _context():
    """Readers come from multiprocessing's fork server: forked from a clean process of its own, not from the web
    server's threads (where a fork may copy a lock another thread holds), and started in milliseconds."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([workbook_process.__name__])
    return context


class WorkbookStream:
    """A workbook's rows, parsed by calamine in a child process (`workbook_process`) under `IMPORT_MEMORY_MB` of
    address space, and sent here in batches; `copies` pipes carry the same rows, each for one reading process.

    The child belongs to the process that started it: `close` there stops it (at once, if it is still parsing); in
    a reader process forked later, which has a pipe of its own, the end of its rows only closes that pipe."""

    def __init__(self, path: Path, copies: int = 1) -> None:
        context = _context()
        self.path, self.owner = path, os.getpid()
        pipes = [context.Pipe(duplex=False) for _ in range(copies)]
        self.receives = [receive for receive, _send in pipes]
        self.child = context.Process(
            target=workbook_process.read_into,
            args=(str(path), settings.IMPORT_MEMORY_MB * 1024 * 1024, [send for _receive, send in pipes]),
            name="workbook-reader",
            daemon=True,
        )
        self.child.start()
        for _receive, send in pipes:
            send.close()  # the child's ends: a dead child then reads as the pipe's end
        try:
            self.height = self._first(self.receives[0])
        except BaseException:
            self.close()
            raise

    def _first(self, receive) -> int:
        kind, payload = self._message(receive)
        if kind == "height":
            return payload
        raise AssertionError(kind)

    def _message(self, receive):
        try:
            block = receive.recv_bytes()
        except (EOFError, OSError):
            raise SheetError(READER_DIED) from None
        if block == workbook_process.END:
            return "end", None
        kind, payload = pickle.loads(block)  # noqa: S301 - our own child's data, through our own pipe
        if kind == "error":  # what calamine raised; out of memory is the limit, as when the child is killed
            raise SheetError(READER_DIED if payload == "MemoryError" else UNREADABLE.format(payload))
        return kind, payload

    def rows(self, k: int) -> Iterator[tuple[int, list]]:
        receive = self.receives[k]
        try:
            if k:
                self._first(receive)  # each pipe starts with the height; the first one's was read already
            while True:
                kind, payload = self._message(receive)
                if kind == "end":
                    return
                yield from payload
        finally:
            receive.close()
            if all(other.closed for other in self.receives):
                self.close()  # the last copy read to its end: the child is done (or is stopped)

    def close(self) -> None:
        for receive in self.receives:
            receive.close()
        if os.getpid() == self.owner and self.child is not None:
            child, self.child = self.child, None
            if child.is_alive():
                child.terminate()
            child.join()
            if child.exitcode and child.exitcode != -signal.SIGTERM:  # killed, aborted: the file says why
                logger.warning("workbook reader for %s ended with %s", self.path.name, child.exitcode)
            child.close()


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


def _csv_rows(path: Path, limits: Limits) -> Iterator[tuple[int, list]]:
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
                for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                    check_csv_row(number, cells, limits)
                    yield number, cells
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


def open_sheet(path: Path | str, columns: list[Column], copies: int = 1, *, checked: bool = False) -> Sheet:
    """Find the header among the first rows and return the rows below it; SheetError if the file is unusable.
    With `copies` > 1, `Sheet.others` reads the same rows again, apart (for reader processes: `sheets.reader`).
    `checked`: the caller has checked the file against the limits (`limits.check_file`)."""
    sources, height, close = _sources(path, copies, checked)
    try:
        sheet = _find_header(sources[0], height, columns)
    except BaseException:
        close()
        raise
    last = sheet.header_rows[-1]
    sheet.others = [_below(rows, last) for rows in sources[1:]]
    sheet.close = close
    return sheet


def _below(rows: Iterator[tuple[int, list]], last: int) -> Iterator[tuple[int, list]]:
    return (item for item in rows if item[0] > last)


def _find_header(rows: Iterator[tuple[int, list]], height: int | None, columns: list[Column]) -> Sheet:
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

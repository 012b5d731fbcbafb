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
import collections
import csv
import logging
import multiprocessing
import pickle
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import workbook_process
from .column_types import Column, header_key
from .limits import Limits, SheetError, check_csv_row, check_file

__all__ = [
    "CsvRows",
    "PipeRows",
    "RowSource",
    "Sheet",
    "SheetError",
    "WorkbookStream",
    "detect_encoding",
    "match_headers",
    "open_sheet",
    "raw_rows",
]

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
    # The rows below the header for reader processes (`sheets.fast.reader`), one source each (`copies`), instead of
    # `rows`: picklable, so each process takes its own along (a pipe from the workbook's process, or the CSV file).
    sources: list[RowSource] = field(default_factory=list)
    close: Callable[[], None] = lambda: None  # stops whatever still reads the file


def raw_rows(path: Path | str) -> tuple[Iterator[tuple[int, list]], int | None]:
    """Every row of the file's data sheet with its row number, and the number of rows if known."""
    sources, height, close = _sources(path, 1)
    return _closing(sources[0], close), height


def _closing(rows: Iterator[tuple[int, list]], close: Callable[[], None]) -> Iterator[tuple[int, list]]:
    try:
        yield from rows
    finally:
        close()


class RowSource:
    """An iterator over (row number, cells) that can be pickled before it is started or between rows, so that a
    process of its own may take it along (`Sheet.sources`): a row source keeps its state in plain attributes.
    Rows up to `after` (the header) are skipped; `pending` rows, taken off already, come first."""

    def __init__(self) -> None:
        self.after = 0
        self.pending: collections.deque = collections.deque()

    def __iter__(self) -> RowSource:
        return self

    def __next__(self) -> tuple[int, list]:
        while True:
            while not self.pending:
                self.pending.extend(self._more())  # StopIteration at the end
            item = self.pending.popleft()
            if item[0] > self.after:
                return item

    def _more(self) -> list[tuple[int, list]]:
        raise NotImplementedError

    def below(self, after: int, head: list[tuple[int, list]]) -> RowSource:
        """This source from the row after `after` on, `head` (rows taken off it already) first."""
        self.after = after
        self.pending.extendleft(reversed(head))
        return self


class PipeRows(RowSource):
    """The rows the workbook's process (`workbook_process`) sends down one pipe: batches of rows, then the end."""

    def __init__(self, receive, silence: float) -> None:
        super().__init__()
        self.receive = receive
        self.silence = silence  # seconds without a message after which the reader counts as dead (settings, read here)
        self.height: int | None = None  # the first message; read at the first row (or by `WorkbookStream`)

    def first(self) -> int:
        if self.height is None:
            kind, payload = _message(self.receive, self.silence)
            if kind != "height":
                raise AssertionError(kind)
            self.height = payload
        return self.height

    def __getstate__(self) -> dict:
        # A pipe read to its end is closed: the rows taken off it are all there is.
        return {**self.__dict__, "receive": None if self.receive.closed else self.receive}

    def close(self) -> None:
        if self.receive is not None:
            self.receive.close()

    def _more(self) -> list[tuple[int, list]]:
        if self.receive is None or self.receive.closed:  # the end came already
            raise StopIteration
        self.first()
        kind, payload = _message(self.receive, self.silence)
        if kind == "end":
            self.receive.close()
            raise StopIteration
        return payload


def _message(receive, silence: float) -> tuple[str, object]:
    # A reader that neither sends nor ends within `silence` is stuck (seen: a child that ran out of its address space
    # inside the allocator and waited on a lock for ever): the import fails as if it had died, and its owner's
    # `close` terminates it.
    try:
        if not receive.poll(silence):
            raise SheetError(READER_DIED)
        block = receive.recv_bytes()
    except (EOFError, OSError):
        raise SheetError(READER_DIED) from None
    if block == workbook_process.END:
        return "end", None
    kind, payload = pickle.loads(block)  # noqa: S301 - our own child's data, through our own pipe
    if kind == "error":  # what calamine raised; out of memory is the limit, as when the child is killed
        raise SheetError(READER_DIED if payload == "MemoryError" else UNREADABLE.format(payload))
    return kind, payload


class CsvRows(RowSource):
    """The rows of a CSV file, read from the file by whichever process iterates (each reader opens it anew)."""

    def __init__(self, path: Path, limits: Limits) -> None:
        super().__init__()
        self.path, self.limits = path, limits
        self._reading: Iterator[tuple[int, list]] | None = None  # not picklable: a source is taken along unread

    def __getstate__(self) -> dict:
        if self._reading is not None:
            raise TypeError("a CSV source is taken along before it is read")
        return self.__dict__

    def _more(self) -> list[tuple[int, list]]:
        if self._reading is None:
            self._reading = _csv_rows(self.path, self.limits)
        return [next(self._reading)]  # StopIteration at the end, every time after


def _sources(path: Path | str, copies: int, checked: bool = False) -> tuple[list[RowSource], int | None, Callable]:
    """`copies` sources of every row of the file (each to be read in one process), the number of rows if known,
    and what stops the reading. The file is checked against the limits first, unless the caller has (`checked`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES and suffix not in SPREADSHEET_SUFFIXES:
        raise SheetError("无法识别的文件类型，请上传 .xlsx、.xls 或 .csv 文件。")
    limits = Limits.current()
    if not checked:
        check_file(path, limits)
    if suffix in CSV_SUFFIXES:
        return [CsvRows(path, limits) for _ in range(copies)], None, lambda: None
    stream = WorkbookStream(path, copies)
    return stream.sources, stream.height, stream.close


# What the processes the fork server starts run: the workbook's reader, and an import's reader processes
# (`sheets.fast.reader`, with `prep`, whose codec they are given). Loaded once, by the fork server (about a second,
# at its start), so each child starts with them; neither loads Django's apps. They add about 64 MB to a child's
# address space, within the workbook reader's `IMPORT_MEMORY_MB`.
CHILD_MODULES = [workbook_process.__name__, "dangjian.sheets.fast.reader", "dangjian.sheets.fast.prep"]


def child_context():
    """Readers come from multiprocessing's fork server: forked from a clean process of its own, not from the web
    server's threads (where a fork may copy a lock another thread holds), and started in milliseconds."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(CHILD_MODULES)
    return context


class WorkbookStream:
    """A workbook's rows, parsed by calamine in a child process (`workbook_process`) under `IMPORT_MEMORY_MB` of
    address space, and sent here in batches; `copies` pipes carry the same rows, each for one reading process
    (`sources`).

    The child belongs to the process that started it: `close` there stops it (at once, if it is still parsing)."""

    def __init__(self, path: Path, copies: int = 1) -> None:
        context = child_context()
        self.path = path
        pipes = [context.Pipe(duplex=False) for _ in range(copies)]
        self.sources = [PipeRows(receive, settings.IMPORT_READER_SILENCE_SECONDS) for receive, _send in pipes]
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
            self.height = self.sources[0].first()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for source in self.sources:
            source.close()
        if self.child is not None:
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
    `Sheet.sources` holds `copies` sources of the same rows (for reader processes: `sheets.fast.reader`), which
    are read instead of `Sheet.rows`. `checked`: the caller has checked the file against the limits
    (`limits.check_file`)."""
    sources, height, close = _sources(path, copies, checked)
    try:
        head, sheet = _find_header(sources[0], height, columns)
    except BaseException:
        close()
        raise
    last = sheet.header_rows[-1]
    body = head[[number for number, _cells in head].index(last) + 1 :]
    first = sources[0]
    if isinstance(first, CsvRows):  # read here already: the reader of the first copy reads the file anew
        first, body = CsvRows(first.path, first.limits), []
    sheet.sources = [first.below(last, body), *(source.below(last, []) for source in sources[1:])]
    sheet.rows = sheet.sources[0]  # read here, or by a reader process: one or the other
    sheet.close = close
    return sheet


def _find_header(
    rows: Iterator[tuple[int, list]], height: int | None, columns: list[Column]
) -> tuple[list[tuple[int, list]], Sheet]:
    """The first rows read, and the sheet they show (its rows still to be set)."""
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
    header_cells = head[best][1]
    ignored = [str(cell) for i, cell in enumerate(header_cells) if cell not in (None, "") and i not in mapping]
    header_numbers = sorted(head[i][0] for i in header_at)
    total = max(0, height - header_numbers[-1]) if height is not None else None
    return head, Sheet(header_numbers, mapping, iter(()), total, ignored)

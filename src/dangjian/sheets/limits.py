"""What an uploaded sheet may be, checked before any reader sees it (docs/security.md, "导入文件的限制").

A sheet's cost is set by what it declares and holds, not by its size on disk: an .xlsx is a zip archive whose 1.7 KB
can declare a cell at XFD1048576 (python-calamine then allocates the whole range), and whose 1.6 MB can expand to
461 MB of XML holding a million rows. So before reading, an .xlsx (or .xlsm, .ods) is checked by its contents, not
by what its central directory claims: every entry is decompressed in a bounded stream, counting the bytes it really
gives, and each worksheet's XML is scanned for its `<dimension ref=…>` and for the row and cell references it
actually uses (a crafted file may omit or lie in `<dimension>`). A CSV is checked by its size and lines, and its
columns as it is read. An .xls (BIFF) cannot exceed 65,536 × 256 cells, which the reader's memory limit
(`IMPORT_MEMORY_MB`, `read.WorkbookStream`) holds without a check of its own.

Every refusal is a `SheetError` saying, in Chinese, which limit was passed and what to do. The limits are settings
(`DANGJIAN_IMPORT_MAX_*`), each checked for what it must hold: a real file of the import's size passes.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BLOCK = 1 << 20  # bytes decompressed at a time: the most of a file held in memory by the check
MAX_TAG = 1 << 16  # an element's start tag longer than this is no spreadsheet's
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
FIX_COLUMNS = "请删除多余的列后重新导入。"
FIX_ROWS = "请删除多余的行，或分成几个文件分批导入。"
MAX_ENTRIES = 10_000  # files in one archive: a workbook has a few dozen
UNREADABLE = "无法读取该文件，请确认它是未加密、未损坏的 Excel 文件。（{}）"


class SheetError(ValueError):
    """The file cannot be used at all; the message is Chinese."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # the file as uploaded
    max_uncompressed: int  # all entries of a zip archive, as decompressed
    max_rows: int
    max_columns: int

    @classmethod
    def current(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_MB * 1024 * 1024,
            max_uncompressed=settings.IMPORT_MAX_UNCOMPRESSED_MB * 1024 * 1024,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
        )


def column_number(letters: str) -> int:
    """A column's number from its letters: A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_file(path: Path | str, limits: Limits | None = None) -> int | None:
    """SheetError when the file passes a limit; else about how many rows it has (the last row of an .xlsx's sheets,
    a CSV's lines), None when the check does not tell."""
    path = Path(path)
    limits = limits or Limits.current()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise SheetError(f"文件超过 {limits.max_bytes // (1024 * 1024)} MB 的上限，请拆分成几个文件分批导入。")
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES:
        return _check_zip(path, limits, worksheets=suffix != ".ods")
    if suffix in CSV_SUFFIXES:
        return _check_csv_lines(path, limits)
    return None


def _check_zip(path: Path, limits: Limits, *, worksheets: bool) -> int | None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SheetError(UNREADABLE.format("BadZipFile")) from None
    too_large = SheetError(
        f"文件解压后超过 {limits.max_uncompressed // (1024 * 1024)} MB 的上限：请删除多余的行、列和格式，"
        "或分成几个文件分批导入。"
    )
    with archive, open(path, "rb") as raw:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise SheetError(UNREADABLE.format("条目过多"))
        # What the archive claims first (free to check); then what it really gives, which is what counts.
        if sum(entry.file_size for entry in entries) > limits.max_uncompressed:
            raise too_large
        total = 0
        rows = None
        for entry in entries:
            # Every XML part is looked at, wherever the workbook's relations put its sheets: a part whose root is
            # a worksheet is scanned.
            scan = _SheetScan(limits) if worksheets and entry.filename.lower().endswith(".xml") else None
            for block in _inflate(raw, entry):
                total += len(block)
                if total > limits.max_uncompressed:
                    raise too_large
                if scan is not None:
                    scan.feed(block)
            if scan is not None:
                scan.close()
                rows = max(rows or 0, scan.last)
    return rows


def _inflate(raw, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    """An entry's bytes as a reader gets them, `BLOCK` at a time: its compressed bytes (as many as the central
    directory says, which is all a reader takes) inflated until the stream ends, whatever size the archive
    declares for the result (zipfile would stop at the declared size, and a reader need not)."""
    raw.seek(entry.header_offset)
    local = raw.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise SheetError(UNREADABLE.format("BadZipFile"))
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    raw.seek(entry.header_offset + 30 + name_length + extra_length)
    left = entry.compress_size
    if entry.compress_type == zipfile.ZIP_STORED:
        while left > 0 and (block := raw.read(min(BLOCK, left))):
            left -= len(block)
            yield block
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise SheetError(UNREADABLE.format("不支持的压缩方式"))
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        while left > 0 and not inflater.eof and (data := raw.read(min(1 << 16, left))):
            left -= len(data)
            while data and not inflater.eof:
                block = inflater.decompress(data, BLOCK)  # at most BLOCK out: the rest waits in its input
                data = inflater.unconsumed_tail
                if block:
                    yield block
    except zlib.error:
        raise SheetError(UNREADABLE.format("BadZipFile")) from None


class _SheetScan:
    """One worksheet's XML, fed a block at a time: refuses at the first declared or used place past a limit.

    Fed blocks are cut after the last complete tag, so a reference is never split between two blocks. Writers put
    the `r` reference first on every row and cell (Excel, WPS, LibreOffice, openpyxl), and then a few regular
    expressions run over the block in C: the `<dimension>`, the rows of as many digits as the limit (only those can
    pass it), the columns of as many letters. A row or cell without `r` first (allowed: without it, its place is the
    one after the previous) makes the scan go tag by tag from there on, counting places as the reader does."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.tail = b""
        # The worksheet's namespace prefix ("x:" in some writers), once its root is found (looked for in each block
        # till then, however much a crafted part puts before it); a part that is no worksheet is never scanned.
        self.prefix: bytes | None = None
        self.row = 0  # the place of the latest row, and of the latest cell in it (for rows and cells without `r`)
        self.column = 0
        self.counting = False  # tag by tag, from the first row or cell without `r`
        self.last = 0  # the last row seen
        digits = len(str(limits.max_rows))
        letters = len(_letters(limits.max_columns))
        # A literal space before `r`, as every writer puts it, lets the search skip ahead in C; a tag spaced
        # otherwise does not begin with ` r="` and so is counted tag by tag (`without_r`).
        self.big_rows = re.compile(rb' r="[A-Za-z]*(\d{%d,})"' % digits)
        self.big_columns = re.compile(rb' r="([A-Za-z]{%d,})\d' % letters)

    def feed(self, block: bytes) -> None:
        data = self.tail + block
        start, end = data.rfind(b"<"), data.rfind(b">")
        if start > end:  # a tag begins and is not complete: it waits for the next block
            data, self.tail = data[:start], data[start:]
            if len(self.tail) > MAX_TAG:
                raise SheetError(UNREADABLE.format("XmlError"))
        else:
            self.tail = b""
        if self.prefix is None:
            self._start(data)
        self._scan(data)

    def close(self) -> None:
        if self.tail:
            self._scan(self.tail)
            self.tail = b""

    def _start(self, data: bytes) -> None:
        root = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]", data)
        if root is None:
            return
        self.prefix = (root.group(1) + b":") if root.group(1) else b""
        p = re.escape(self.prefix)
        self.without_r = re.compile(rb'<%s(?:c|row)(?=[\s>/])(?! r=")' % p)  # `r` missing, or not first
        self.tags = re.compile(rb"<%s(c|row)(?=[\s>/])([^>]*)>" % p)
        dimension = re.search(rb'<%sdimension\s[^>]*?ref="([^"]*)"' % p, data)
        if dimension is not None:
            self._dimension(dimension.group(1).decode("ascii", "replace"))

    def _dimension(self, ref: str) -> None:
        last = ref.split(":")[-1]
        found = re.fullmatch(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})", last)
        if not found:
            return
        letters, row = found.group(1).upper(), int(found.group(2))
        columns, limits = column_number(letters), self.limits
        if columns > limits.max_columns:
            raise SheetError(
                f"工作表声明的范围达到 {letters}{row}（{columns} 列），超过上限 {limits.max_columns} 列：{FIX_COLUMNS}"
            )
        if row > limits.max_rows:
            raise SheetError(
                f"工作表声明的范围达到 {letters}{row}（{row} 行），超过上限 {limits.max_rows} 行：{FIX_ROWS}"
            )

    def _scan(self, data: bytes) -> None:
        if self.prefix is None:
            return
        if not self.counting and self.without_r.search(data):
            self.counting = True
        if self.counting:
            self._count(data)
            return
        wide = set(self.big_columns.findall(data))
        if wide:
            self._column(max(column_number(letters.decode("ascii")) for letters in wide))
        rows = self.big_rows.findall(data)
        if rows:
            self._row(max(map(int, rows)))
            self.last = max(self.last, *map(int, rows))
        # Where the next row or cell without `r` would go, should one come.
        last = data.rfind(b"<%srow" % self.prefix)
        if last >= 0:
            found = re.match(rb'<[^>]*?\sr="(\d+)"', data[last:])
            self.row = int(found.group(1)) if found else self.row + 1
            self.column = 0
            self.last = max(self.last, self.row)

    def _count(self, data: bytes) -> None:
        for name, attributes in self.tags.findall(data):
            ref = re.search(rb'\sr="([A-Za-z]*)(\d*)"', attributes)
            if name == b"row":
                self.row = int(ref.group(2)) if ref and ref.group(2) else self.row + 1
                self.column = 0
                self._row(self.row)
                self.last = max(self.last, self.row)
                continue
            if ref and ref.group(1):
                self.column = column_number(ref.group(1).decode("ascii"))
                if ref.group(2):
                    self._row(int(ref.group(2)))
            else:
                self.column += 1
            self._column(self.column)

    def _column(self, number: int) -> None:
        limit = self.limits.max_columns
        if number > limit:
            letters = _letters(number)
            raise SheetError(f"工作表的单元格用到 {letters} 列（第 {number} 列），超过上限 {limit} 列：{FIX_COLUMNS}")

    def _row(self, number: int) -> None:
        limit = self.limits.max_rows
        if number > limit:
            raise SheetError(f"工作表的数据超过上限 {limit} 行：{FIX_ROWS}")


def _letters(number: int) -> str:
    """A column's letters from its number: 1 → A, 16384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_csv_lines(path: Path, limits: Limits) -> int:
    """A CSV's lines bound its rows (a quoted cell may hold line breaks: then it has fewer rows than lines)."""
    with open(path, "rb") as raw:
        head = raw.read(4)
        raw.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # In UTF-16 a byte 0x0A is also half of other characters: count the decoded line ends.
            decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
            lines = sum(decoder.decode(block).count("\n") for block in iter(lambda: raw.read(BLOCK), b""))
        else:
            lines = sum(block.count(b"\n") for block in iter(lambda: raw.read(BLOCK), b""))
    # A last line without its line break is a row too; a header and a title row may stand above the limit's rows.
    if lines > limits.max_rows + 2:
        raise SheetError(f"文件有 {lines} 行，超过上限 {limits.max_rows} 行：请分成几个文件分批导入。")
    return lines


def check_csv_row(number: int, cells: list, limits: Limits) -> None:
    """Each CSV row as it is read: its columns (a CSV declares none up front)."""
    if len(cells) > limits.max_columns:
        raise SheetError(f"文件第 {number} 行有 {len(cells)} 列，超过上限 {limits.max_columns} 列：{FIX_COLUMNS}")

"""Parsing a sheet's rows into clean values and Chinese messages, one row at a time.

Each mapped column has one converter, built once per file (`Converter`): the type's normalizer (normalize.py) and
the required and length checks. Bad cells never raise: the row gets a message naming the row and the column, and the
value is left out of the row's values. This is the specification of parsing; a large member file is parsed column by
column (`sheets.fast.parse`), held to this by `tests/test_import_paths.py`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dangjian.core import normalize as N
from dangjian.core.rules import REQUIRED

from .column_types import BOOL, CHOICE, CODE, DATE, DECIMAL, ID_NUMBER, INT, NAME, PHONE, Column

CHUNK = 2_000  # rows validated, looked up and written together (and between two reports of progress)


@dataclass
class Row:
    """One data row, parsed: the clean values of the columns the file has, and what was wrong."""

    number: int
    values: dict[str, Any]
    present: frozenset[str]  # fields whose column the file has (a missing optional column leaves a record alone)
    errors: list[str]
    prepared: Any = None  # the new record made from it beforehand (`sheets.fast.prep`), if any
    # From a reader process, `values` may hold only what every row needs; `rest()` gives the others when the row
    # turns out to need them (`complete`), e.g. to compare with the record it updates.
    rest: Callable[[], dict[str, Any]] | None = None

    def complete(self) -> None:
        """Every clean value of the row in `values` (what the importer set there stays)."""
        if self.rest is not None:
            self.values = {**self.rest(), **self.values}
            self.rest = None


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


class Converter:
    """One column's cells to clean values (`convert`, raising CellError with the message)."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.parse = _PARSERS.get(column.type, _text)
        self.required, self.limit = column.required, column.max_length

    def convert(self, raw):
        value = self.parse(raw, self.column)
        if value == "" or value is None:
            if self.required:
                raise N.CellError(REQUIRED)  # the words of the rules functions (`core.rules`)
        elif self.limit and type(value) is str and len(value) > self.limit:
            raise N.CellError(f"不能超过 {self.limit} 个字（现有 {len(value)} 个）")
        return value


class RowParser:
    """Parses the rows of one sheet: each mapped column's converter is built once per file, and a row's mapped cells
    are taken out in one call."""

    converter = Converter

    def __init__(self, mapping: dict[int, Column]) -> None:
        self.mapping = mapping
        self.converters = [self.converter(column) for column in mapping.values()]
        self.names = [column.field for column in mapping.values()]
        self.width = max(mapping, default=-1) + 1  # rows shorter than this are padded with empty cells
        indexes = list(mapping)
        # itemgetter gives a tuple for two indexes or more, the bare item for one.
        self.take = (
            operator.itemgetter(*indexes) if len(indexes) > 1 else lambda cells: tuple(cells[i] for i in indexes)
        )
        self.present = frozenset(self.names)  # shared by every row: never changed
        self.examples = [N.text(column.example) for column in mapping.values()]

    def raw(self, cells: list) -> tuple:
        """The mapped cells of a row, in mapping order."""
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        return self.take(cells)

    def parse(self, number: int, cells: list) -> Row:
        return self.parse_raw(number, self.raw(cells))

    def parse_raw(self, number: int, raws: tuple) -> Row:
        """One row on its own."""
        values: dict[str, Any] = {}
        errors: list[str] = []
        for name, converter, raw in zip(self.names, self.converters, raws, strict=True):
            try:
                values[name] = converter.convert(raw)
            except N.CellError as exc:
                errors.append(cell_message(number, converter.column, str(exc)))
        return Row(number, values, self.present, errors)

    def skipped_raw(self, raws: tuple) -> bool:
        """A blank row, or the template's example row left in by the user: skipped rather than imported."""
        shown = [N.text(raw) for raw in raws]
        return all(text == "" for text in shown) or shown == self.examples


def parse_row(number: int, cells: list, mapping: dict[int, Column]) -> Row:
    return RowParser(mapping).parse(number, cells)


def chunks(rows: Iterator[tuple[int, list]], mapping: dict[int, Column]) -> Iterator[list[Row]]:
    """The rows below the header, parsed one by one and handed on `CHUNK` at a time; blank rows and the template's
    example row skipped."""
    parser = RowParser(mapping)
    chunk: list[Row] = []
    for number, cells in rows:
        raws = parser.raw(cells)
        if parser.skipped_raw(raws):
            continue
        chunk.append(parser.parse_raw(number, raws))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

"""Parsing a sheet's rows into clean values and Chinese messages, a chunk of rows at a time.

Each mapped column has one converter, built once per file (`_converter`): the type's normalizer (normalize.py) and
the required and length checks. A chunk is parsed column by column: the cells of columns that repeat (labels,
yes/no, organization codes, short texts) are looked up in the column's memory of clean values in one C call for
the whole column, date cells that already are dates pass as they are, and only the rest goes cell by cell through
the converter. Bad cells never raise: the row gets a message naming the row and the column, and the value is left
out of the row's values, exactly as parsing the row alone (`RowParser.parse_raw`) does.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dangjian.core.rules import REQUIRED

from . import normalize as N
from .columns import BOOL, CHOICE, CODE, DATE, DECIMAL, ID_NUMBER, INT, NAME, PHONE, TEXT, Column

CHUNK = 2_000  # rows validated, looked up and written together


@dataclass
class Row:
    """One data row, parsed: the clean values of the columns the file has, and what was wrong."""

    number: int
    values: dict[str, Any]
    present: frozenset[str]  # fields whose column the file has (a missing optional column leaves a record alone)
    errors: list[str]
    prepared: Any = None  # the new record made from it beforehand (`member_prep`), if any
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


# Columns whose cells repeat from row to row: their clean value is remembered per raw text, so each distinct cell is
# normalized once per file. Errors are not remembered (each bad cell is reported on its own row). Bounded: a column
# of distinct texts stops adding.
_REMEMBERED = {CHOICE, BOOL, CODE, TEXT}
MEMO_SIZE = 4_096
_MISSING = object()
_BAD = object()  # in a parsed column: the cell had an error


class _Converter:
    """One column's cells to clean values (`one`, raising CellError with the message) and whole columns (`many`)."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.parse = _PARSERS.get(column.type, _text)
        self.required, self.limit = column.required, column.max_length
        self.memo: dict[str, Any] | None = {} if column.type in _REMEMBERED else None

    def convert(self, raw):
        value = self.parse(raw, self.column)
        if value == "" or value is None:
            if self.required:
                raise N.CellError(REQUIRED)  # the words of the rules functions (`core.rules`)
        elif self.limit and type(value) is str and len(value) > self.limit:
            raise N.CellError(f"不能超过 {self.limit} 个字（现有 {len(value)} 个）")
        return value

    def one(self, raw):
        memo = self.memo
        if memo is None or type(raw) is not str:  # 1, 1.0 and True are equal keys: only text is remembered
            return self.convert(raw)
        value = memo.get(raw, _MISSING)
        if value is _MISSING:
            value = self.convert(raw)
            if len(memo) < MEMO_SIZE:
                memo[raw] = value
        return value

    def many(self, cells: tuple, numbers: list[int], errors: dict[int, list[str]]) -> list:
        """The clean values of a column's cells (`_BAD` where a cell is wrong, its message in `errors[k]`)."""
        if self.memo is not None:
            # Only text is ever remembered, and no other cell equals a text, so other cells miss like new texts.
            values = list(map(self.memo.get, cells, itertools.repeat(_MISSING)))
            todo = [k for k, value in enumerate(values) if value is _MISSING]
        elif self.column.type == DATE and set(map(type, cells)) == {datetime.date}:
            return list(cells)  # date cells: `N.date` takes a date as it is, and a date is never too long
        else:
            values, todo = list(cells), range(len(cells))
        one = self.one
        for k in todo:
            try:
                values[k] = one(cells[k])
            except N.CellError as exc:
                values[k] = _BAD
                errors.setdefault(k, []).append(cell_message(numbers[k], self.column, str(exc)))
        return values


class RowParser:
    """Parses the rows of one sheet: each mapped column's converter is built once per file, and a row's mapped cells
    are taken out in one call."""

    def __init__(self, mapping: dict[int, Column]) -> None:
        self.mapping = mapping
        self.converters = [_Converter(column) for column in mapping.values()]
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
        """One row on its own (the reference for `parse_many`)."""
        values: dict[str, Any] = {}
        errors: list[str] = []
        for name, converter, raw in zip(self.names, self.converters, raws, strict=True):
            try:
                values[name] = converter.one(raw)
            except N.CellError as exc:
                errors.append(cell_message(number, converter.column, str(exc)))
        return Row(number, values, self.present, errors)

    def parse_many(self, numbers: list[int], raws: list[tuple]) -> list[Row]:
        """Rows parsed column by column; the same rows as `parse_raw` one by one, messages in the same order."""
        if not raws:
            return []
        errors: dict[int, list[str]] = {}  # each bad row's messages, column by column
        columns = [
            converter.many(cells, numbers, errors)
            for converter, cells in zip(self.converters, zip(*raws, strict=True), strict=True)
        ]
        names, present = self.names, self.present
        rows = [Row(number, dict(zip(names, values, strict=True)), present, []) for number, values in
                zip(numbers, zip(*columns, strict=True), strict=True)]  # fmt: skip
        for k, messages in errors.items():
            row = rows[k]
            row.errors = messages
            row.values = {name: value for name, value in row.values.items() if value is not _BAD}
        return rows

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


def chunks(
    rows: Iterator[tuple[int, list]], mapping: dict[int, Column], part: int = 0, parts: int = 1
) -> Iterator[list[Row]]:
    """The rows below the header, parsed, `CHUNK` at a time; blank rows and the template's example row skipped.
    With `parts` > 1, only the chunks whose index is `part` modulo `parts` (the reader processes share the file so:
    each sees every row, to cut the chunks where the others do, and parses its own)."""
    parser = RowParser(mapping)
    raw_of, skipped, parse = parser.raw, parser.skipped_raw, parser.parse_many
    first, example = N.text, parser.examples[0] if parser.examples else ""
    numbers: list[int] = []
    raws: list[tuple] = []
    index = taken = 0  # the chunk's index, and how many rows it has
    mine = part == 0
    for number, cells in rows:
        row = raw_of(cells)
        # The usual data row has its first cell filled, and not with the example's: no need to look further.
        shown = first(row[0]) if row else ""
        if (shown == "" or shown == example) and skipped(row):
            continue
        taken += 1
        if mine:
            numbers.append(number)
            raws.append(row)
        if taken >= CHUNK:
            if mine:
                yield parse(numbers, raws)
                numbers, raws = [], []
            index, taken = index + 1, 0
            mine = index % parts == part
    if raws:
        yield parse(numbers, raws)

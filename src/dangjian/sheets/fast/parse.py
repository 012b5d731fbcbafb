"""Cells parsed column by column: the fast way of `sheets.rowparse`, for the reader processes of a large file.

A chunk is parsed column by column: the cells of columns that repeat (labels, yes/no, organization codes, short
texts) are looked up in the column's memory of clean values in one C call for the whole column, date cells that
already are dates pass as they are, and only the rest goes cell by cell through the column's converter. The rows
are those `rowparse.RowParser.parse_raw` gives one by one, messages in the same order (`tests/test_import_paths.py`).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from typing import Any

from dangjian.core import normalize as N

from .. import rowparse
from ..column_types import BOOL, CHOICE, CODE, DATE, TEXT, Column
from ..rowparse import Converter, Row, RowParser, cell_message

# Columns whose cells repeat from row to row: their clean value is remembered per raw text, so each distinct cell is
# normalized once per file. Errors are not remembered (each bad cell is reported on its own row). Bounded: a column
# of distinct texts stops adding.
_REMEMBERED = {CHOICE, BOOL, CODE, TEXT}
MEMO_SIZE = 4_096
_MISSING = object()
_BAD = object()  # in a parsed column: the cell had an error


class ColumnConverter(Converter):
    """`Converter` with a memory of clean values, and whole columns at once (`many`)."""

    def __init__(self, column: Column) -> None:
        super().__init__(column)
        self.memo: dict[str, Any] | None = {} if column.type in _REMEMBERED else None

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


class ColumnParser(RowParser):
    converter = ColumnConverter

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


def chunks(
    rows: Iterator[tuple[int, list]],
    mapping: dict[int, Column],
    part: int = 0,
    parts: int = 1,
    size: int | None = None,
) -> Iterator[list[Row]]:
    """`rowparse.chunks`, parsed column by column, `size` rows at a time (`rowparse.CHUNK`); with `parts` > 1,
    only the chunks whose index is `part` modulo `parts` (the reader processes share the file so: each sees every
    row, to cut the chunks where the others do, and parses its own)."""
    size = size or rowparse.CHUNK
    parser = ColumnParser(mapping)
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
        if taken >= size:
            if mine:
                yield parse(numbers, raws)
                numbers, raws = [], []
            index, taken = index + 1, 0
            mine = index % parts == part
    if raws:
        yield parse(numbers, raws)

"""Parsing a large sheet in other processes while the importer writes: the two halves of an import overlap.

An import's work per row is in two halves of about the same size: reading, normalizing and checking the cells and
preparing the new record (defaults, digests, seals, the database row, the change-set line: `fast.prep`), which
needs nothing but the row; and looking records up and writing them, which needs the import's one connection and
transaction. The interpreter runs one of them at a time, so for a large file the first half runs in reader
processes, started once the header has been found: each takes one source of the file's rows along (a pipe from the
process that parses the workbook, or the CSV file: `read.Sheet.sources`); with two, each reads every row, to cut
the chunks where the other does, and parses every other chunk (`fast.parse.chunks`); the importer takes the chunks
in the file's order and works on chunk n while the readers parse the next ones. Whatever a reader raises comes back
to the importer as the same exception (a `SheetError` keeps its Chinese message), at the place of the chunk it was
making.

The readers come from multiprocessing's fork server (`read.child_context`), never forked from the importer, which
may run in a thread of a busy server: a fork there may copy a lock another thread holds. So a reader is given all it
needs, pickled: its source of rows, the columns, and the codec with the `fast.prep.Preparer` holding the field key
(the importer's, from settings) and the import's clock. It imports no Django apps (`column_types`, `read`, `prep`
need none), touches no database, and sends from a thread of its own (`core.handoff`), so it parses on while the
importer is busy with the database.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import operator
import os
import pickle
from collections.abc import Iterator
from typing import Any

from dangjian.core.handoff import Handoff
from dangjian.core.memory import no_cycle_collection

from ..column_types import DATE, Column
from ..limits import SheetError
from ..read import PipeRows, RowSource, child_context
from ..rowparse import Row
from .parse import chunks

_END = b""
AHEAD = 3  # chunks a reader may have made and not yet sent


def workers() -> int:
    """Reader processes for one import: two where there are cores for them beside the importer and the database
    (each parses every other chunk), else one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 else 1


def chunks_in_readers(
    sources: list[RowSource], mapping: dict[int, Column], codec: RowCodec, size: int
) -> Iterator[list[Row]]:
    """The chunks `fast.parse.chunks(rows, mapping, size=size)` gives, made in one reader process per source (each
    the same rows, read apart) taking the chunks in turn: each chunk goes through a pipe as `codec.encode(chunk)` (in
    the reader: parse, prepare, keep only what pickles fast) and comes out, in the file's order, as
    `codec.decode(payload)`."""
    context = child_context()
    parts = len(sources)
    pipes, children = [], []
    try:
        for part, rows in enumerate(sources):
            receive, send = context.Pipe(duplex=False)
            pipes.append(receive)
            child = context.Process(
                target=_parse,
                args=(send, rows, mapping, codec, part, parts, size),
                name="import-reader",
                daemon=True,
            )
            child.start()
            children.append(child)
            send.close()  # the reader's end: the importer keeps only its own, so a dead reader reads as the end
            if isinstance(rows, PipeRows):
                rows.close()  # the reader took its pipe from the workbook's process along
        for receive in itertools.cycle(pipes):  # chunk k comes from reader k % parts
            try:
                block = receive.recv_bytes()
            except EOFError:
                raise RuntimeError("导入的读取进程意外退出") from None
            if block == _END:  # the reader whose turn it was has no chunk left: nor has any other
                break
            kind, payload = pickle.loads(block)  # noqa: S301 - our own reader's data, through our own pipe
            if kind == "error":
                raise payload
            yield codec.decode(payload)
    finally:
        for receive in pipes:
            receive.close()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
            child.close()


class RowCodec:
    """What goes through the pipe for a chunk, and back into rows. In the reader each row is checked (`check`: what
    needs nothing but the row) and the clean ones prepared together (`prepare`: their new records, None for a row
    that makes none). The clean rows travel column by column: their numbers, the values every row needs (`eager`),
    their new records as tuples (`make` turns one back), and the other values as one pickle that the importer
    opens only for a row that needs them (`Row.complete`: one that updates a record), with dates as day numbers
    (pickle spends more on a date than on a row of text). A row with messages goes whole, with its place: rare,
    and checked further by the importer. Column by column, the work per row on either side is a few calls made
    from C."""

    def __init__(self, mapping: dict[int, Column], eager: tuple[str, ...], prepare, check, make) -> None:
        self.names = [column.field for column in mapping.values()]
        self.present = frozenset(self.names)
        self.dates = [k for k, column in enumerate(mapping.values()) if column.type == DATE]
        self.eager, self.prepare, self.check, self.make = eager, prepare, check, make

    def encode(self, chunk: list[Row]) -> tuple:
        for row in chunk:
            self.check(row)
        clean = [row for row in chunk if not row.errors]
        bad = [(k, row.number, row.errors, row.values) for k, row in enumerate(chunk) if row.errors]
        values = [row.values for row in clean]
        made = self.prepare(values)
        made = list(map(tuple, made)) if None not in made else [new and tuple(new) for new in made]
        eager = [list(map(dict.get, values, itertools.repeat(name))) for name in self.eager]
        rest = [list(map(operator.itemgetter(name), values)) for name in self.names]  # a clean row has them all
        for k in self.dates:
            rest[k] = _ordinals(rest[k])
        numbers = [row.number for row in clean]
        return numbers, eager, made, bad, pickle.dumps(rest, protocol=pickle.HIGHEST_PROTOCOL)

    def decode(self, payload: tuple) -> list[Row]:
        numbers, eager, made, bad, rest = payload
        count = len(numbers)
        if eager:
            values = map(dict, map(zip, itertools.repeat(self.eager), zip(*eager, strict=True)))
        else:
            values = ({} for _ in range(count))
        make = self.make
        new = map(make, made) if None not in made else (make(m) if m is not None else None for m in made)
        errors = [[] for _ in range(count)]
        later = map(functools.partial, itertools.repeat(_Rest(rest, self.names, self.dates).values), range(count))
        chunk = list(map(Row, numbers, values, itertools.repeat(self.present, count), errors, new, later))
        for k, number, messages, given in bad:
            chunk.insert(k, Row(number, given, self.present, messages))
        return chunk


def _ordinals(dates: list) -> list:
    """Date cells as day numbers (pickled smaller), other cells (blank) as they are."""
    if set(map(type, dates)) == {datetime.date}:
        return list(map(datetime.date.toordinal, dates))
    return [d.toordinal() if d.__class__ is datetime.date else d for d in dates]


class _Rest:
    """A chunk's other values, by column, unpickled at the first row that asks for them."""

    def __init__(self, pickled: bytes, names: list[str], dates: list[int]) -> None:
        self.pickled, self.names, self.dates = pickled, names, dates
        self.columns: list[list] | None = None

    def values(self, k: int) -> dict[str, Any]:
        if self.columns is None:
            self.columns = pickle.loads(self.pickled)  # noqa: S301 - our own reader's data, through our own pipe
            for d in self.dates:
                self.columns[d] = [datetime.date.fromordinal(c) if c.__class__ is int else c for c in self.columns[d]]
        return dict(zip(self.names, map(operator.itemgetter(k), self.columns), strict=True))


def _parse(send, rows: RowSource, mapping, codec: RowCodec, part: int, parts: int, size: int) -> None:
    """The reader: parse, encode and send each of its chunks; an exception goes back to the importer as it is. The
    cycle collector is paused, as in the importer (`imports.run_import`): a reader started from the fork server does
    not inherit the importer's pause, as a forked one did."""
    # Sent by a thread of the reader's own, so the parse goes on while the importer is busy with the database (a
    # chunk is far larger than a pipe holds: sending it waits for the importer to read it whole).
    outbox = Handoff(send.send_bytes, AHEAD, "import-reader-send")
    try:
        try:
            with no_cycle_collection():
                for chunk in chunks(rows, mapping, part, parts, size):
                    outbox.put(pickle.dumps(("rows", codec.encode(chunk)), protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the importer
            outbox.put(pickle.dumps(("error", _picklable(exc)), protocol=pickle.HIGHEST_PROTOCOL))
        else:
            outbox.put(_END)
    except OSError:
        pass  # the pipe broke: the importer has stopped reading, it is done with this import
    finally:
        outbox.close()
        send.close()


def _picklable(exc: BaseException) -> BaseException:
    if isinstance(exc, SheetError):
        return SheetError(str(exc))
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")

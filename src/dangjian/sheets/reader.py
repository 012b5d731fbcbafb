"""Parsing a large sheet in other processes while the importer writes: the two halves of an import overlap.

An import's work per row is in two halves of about the same size: reading, normalizing and checking the cells and
preparing the new record (defaults, digests, seals, the database row, the change-set line: `member_prep`), which
needs nothing but the row; and looking records up and writing them, which needs the import's one connection and
transaction. The interpreter runs one of them at a time, so for a large file the first half runs in child
processes, forked once the header has been found: each takes one copy of the file's rows along (a pipe from the
process that parses the workbook, `read.WorkbookStream`, or its own reading of a CSV); with two, each reads every
row, to cut the chunks where the other does, and parses every other chunk; the importer takes the chunks in the
file's order and works on chunk n while the children parse the next ones. Whatever a child raises comes back to
the importer as the same exception (a `SheetError` keeps its Chinese message), at the place of the chunk it was
making. The rows are the same either way: the tests run one child, two, and none.

A child may be forked from one thread of a busy server (it takes the importer's keys along, which is why it is
forked), so it does nothing that could wait on a lock another thread held at the fork: no workbook parsing (that
happens in a process from the fork server, under a memory limit), no database (it never touches the connections it
inherited), no logging, no imports of its own; it parses, hashes and encrypts, each AES-GCM nonce fresh from
`os.urandom` in the child itself, sends from a thread of its own (`core.handoff`), and ends with `os._exit`
(multiprocessing's), running no cleanup of the parent's objects.

Only where `fork` exists (Linux, where the server runs); elsewhere, and for small files, `rowparse.chunks` parses
in the importer's own process.
"""

from __future__ import annotations

import ctypes
import datetime
import functools
import itertools
import multiprocessing
import operator
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from dangjian.core.handoff import Handoff

from .columns import DATE, Column
from .read import SheetError
from .rowparse import Row, chunks

_END = b""
AHEAD = 3  # chunks a reader may have made and not yet sent


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def workers() -> int:
    """Reader processes for one import: two where there are cores for them beside the importer and the database
    (each parses every other chunk), else one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 else 1


def chunks_in_child(
    sources: list[Iterator[tuple[int, list]]],
    mapping: dict[int, Column],
    encode: Callable[[list[Row]], object],
    decode: Callable[[object], list[Row]],
) -> Iterator[list[Row]]:
    """The chunks `rowparse.chunks(rows, mapping)` gives, made in one forked child per source (each the same rows,
    read apart) taking the chunks in turn: each chunk goes through a pipe as `encode(chunk)` (in the child: parse,
    prepare, keep only what pickles fast) and comes out, in the file's order, as `decode(payload)`."""
    context = multiprocessing.get_context("fork")
    parts = len(sources)
    pipes, children = [], []
    try:
        for part, rows in enumerate(sources):
            receive, send = context.Pipe(duplex=False)
            pipes.append(receive)
            child = context.Process(
                target=_parse,
                args=(send, rows, mapping, encode, part, parts, os.getpid()),
                name="import-reader",
                daemon=True,
            )
            child.start()
            children.append(child)
            send.close()  # the child's end: the parent keeps only its own, so a dead child reads as the end
        for receive in itertools.cycle(pipes):  # chunk k comes from child k % parts
            try:
                block = receive.recv_bytes()
            except EOFError:
                raise RuntimeError("导入的读取进程意外退出") from None
            if block == _END:  # the child whose turn it was has no chunk left: nor has any other
                break
            kind, payload = pickle.loads(block)  # noqa: S301 - our own child's data, through our own pipe
            if kind == "error":
                raise payload
            yield decode(payload)
    finally:
        for receive in pipes:
            receive.close()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


class RowCodec:
    """What goes through the pipe for a chunk, and back into rows. In the child each row is checked (`check`: what
    needs nothing but the row) and the clean ones prepared together (`prepare`: their new records, None for a row
    that makes none). The clean rows travel column by column: their numbers, the values every row needs (`eager`),
    their new records as tuples (`make` turns one back), and the other values as one pickle that the importer
    opens only for a row that needs them (`Row.complete`: one that updates a record), with dates as day numbers
    (pickle spends more on a date than on a row of text). A row with messages goes whole, with its place: rare,
    and checked further (`MemberImporter._check_rest`). Column by column, the work per row on either side is a few
    calls made from C."""

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
            self.columns = pickle.loads(self.pickled)  # noqa: S301 - our own child's data, through our own pipe
            for d in self.dates:
                self.columns[d] = [datetime.date.fromordinal(c) if c.__class__ is int else c for c in self.columns[d]]
        return dict(zip(self.names, map(operator.itemgetter(k), self.columns), strict=True))


def _parse(send, rows, mapping, encode, part: int, parts: int, parent: int) -> None:
    """The child: parse, encode and send each of its chunks; an exception goes back to the parent as it is."""
    _die_with_parent(parent)
    _keep_freed_memory()
    # Sent by a thread of the child's own, so the parse goes on while the importer is busy with the database (a
    # chunk is far larger than a pipe holds: sending it waits for the importer to read it whole).
    outbox = Handoff(send.send_bytes, AHEAD, "import-reader-send")
    try:
        try:
            for chunk in chunks(rows, mapping, part, parts):
                outbox.put(pickle.dumps(("rows", encode(chunk)), protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the importer
            outbox.put(pickle.dumps(("error", _picklable(exc)), protocol=pickle.HIGHEST_PROTOCOL))
        else:
            outbox.put(_END)
    except OSError:
        pass  # the pipe broke: the importer has stopped reading, it is done with this import
    finally:
        outbox.close()
        send.close()


def _glibc_mallopt():
    """glibc's `mallopt`, looked up in the importer's process (never in a child: loading a library takes locks)."""
    version = os.confstr("CS_GNU_LIBC_VERSION") if "CS_GNU_LIBC_VERSION" in os.confstr_names else None
    if not version or not version.startswith("glibc"):
        return None
    try:
        return ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None


_MALLOPT = _glibc_mallopt()

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def _keep_freed_memory() -> None:
    """In a child: glibc's malloc keeps what the parse frees for the next chunk, instead of giving each chunk's
    megabytes back to the system and taking them anew, page by page (a fifth of a child's CPU went to those page
    faults). The child lives for one import; its memory goes back when it ends."""
    if _MALLOPT is not None:
        _MALLOPT(_M_TRIM_THRESHOLD, 512 << 20)
        _MALLOPT(_M_TOP_PAD, 64 << 20)
        _MALLOPT(_M_MMAP_THRESHOLD, 32 << 20)


def _linux_prctl():
    """Linux's `prctl`, looked up in the importer's process like `mallopt`; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _linux_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a child: killed when the importer dies, even by kill -9. An orphaned child would otherwise live on, keeping
    the importer's database connection open (it inherited the socket) and with it the import's transaction and its
    locks: the same file imported again would wait on them for ever (the fault drill in tests/test_faults.py).
    Linux sends the signal when the thread that forked the child ends: the importer's, which outlives the import."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the importer died before the line above: nobody will read this child's chunks
        os._exit(0)


def _picklable(exc: BaseException) -> BaseException:
    if isinstance(exc, SheetError):
        return SheetError(str(exc))
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")

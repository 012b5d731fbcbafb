"""Parsing a large sheet in other processes while the importer writes: the two halves of an import overlap.

An import's work per row is in two halves of about the same size: reading, normalizing and checking the cells and
preparing the new record (defaults, digests, seals, the database row, the change-set line: `member_prep`), which
needs nothing but the row; and looking records up and writing them, which needs the import's one connection and
transaction. The interpreter runs one of them at a time, so for a large file the first half runs in child
processes, forked once the header has been found (they take the opened sheet along): with two, each reads every
row, to cut the chunks where the other does, and parses every other chunk; the importer takes the chunks in the
file's order and works on chunk n while the children parse the next ones. Whatever a child raises comes back to
the importer as the same exception (a `SheetError` keeps its Chinese message), at the place of the chunk it was
making. The rows are the same either way: the tests run one child, two, and none.

A child may be forked from one thread of a busy server, so it does nothing that could wait on a lock another
thread held at the fork: no database (it never touches the connections it inherited), no logging, no imports of
its own; it parses, hashes and encrypts, each AES-GCM nonce fresh from `os.urandom` in the child itself, and ends
with `os._exit` (multiprocessing's), running no cleanup of the parent's objects.

Only where `fork` exists (Linux, where the server runs); elsewhere, and for small files, `rowparse.chunks` parses
in the importer's own process.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator

from .columns import Column
from .read import SheetError
from .rowparse import Row, chunks

_END = b""


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def workers() -> int:
    """Reader processes for one import: two where there are cores for them beside the importer and the database
    (each parses every other chunk), else one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 else 1


def chunks_in_child(
    rows: Iterator[tuple[int, list]],
    mapping: dict[int, Column],
    encode: Callable[[list[Row]], object],
    decode: Callable[[object], list[Row]],
    parts: int = 1,
) -> Iterator[list[Row]]:
    """The chunks `rowparse.chunks(rows, mapping)` gives, made in `parts` forked children taking the chunks in turn:
    each chunk goes through a pipe as `encode(chunk)` (in the child: parse, prepare, keep only what pickles fast)
    and comes out, in the file's order, as `decode(payload)`."""
    context = multiprocessing.get_context("fork")
    pipes, children = [], []
    try:
        for part in range(parts):
            receive, send = context.Pipe(duplex=False)
            pipes.append(receive)
            child = context.Process(
                target=_parse, args=(send, rows, mapping, encode, part, parts), name="import-reader", daemon=True
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


def _parse(send, rows, mapping, encode, part: int, parts: int) -> None:
    """The child: parse, encode and send each of its chunks; an exception goes back to the parent as it is."""
    try:
        for chunk in chunks(rows, mapping, part, parts):
            send.send_bytes(pickle.dumps(("rows", encode(chunk)), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the importer
        with contextlib.suppress(Exception):
            send.send_bytes(pickle.dumps(("error", _picklable(exc)), protocol=pickle.HIGHEST_PROTOCOL))
    else:
        send.send_bytes(_END)
    finally:
        send.close()


def _picklable(exc: BaseException) -> BaseException:
    if isinstance(exc, SheetError):
        return SheetError(str(exc))
    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")

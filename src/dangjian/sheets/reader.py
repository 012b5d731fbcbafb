"""Parsing a large sheet in a second process while the importer writes: the two halves of an import overlap.

An import's work per row is in two halves of about the same size: reading, normalizing and checking the cells and
preparing the new record (defaults, digests, seals, the database row, the audit snapshot: `member_prep`), which
needs nothing but the row; and looking records up and writing them, which needs the import's one connection and
transaction. The interpreter runs one of them at a time, so for a large file the first half runs in a child
process, forked once the header has been found (it takes the opened sheet along), and sends its chunks of parsed
rows through a pipe; the importer works on chunk n while the child parses chunk n + 1. Whatever the child raises
comes back to the importer as the same exception (a `SheetError` keeps its Chinese message). The rows are the same
either way: the tests run both.

The child may be forked from one thread of a busy server, so it does nothing that could wait on a lock another
thread held at the fork: no database (it never touches the connections it inherited), no logging, no imports of
its own; it parses, hashes and encrypts, each AES-GCM nonce fresh from `os.urandom` in the child itself, and ends
with `os._exit` (multiprocessing's), running no cleanup of the parent's objects.

Only where `fork` exists (Linux, where the server runs); elsewhere, and for small files, `rowparse.chunks` parses
in the importer's own process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
from collections.abc import Callable, Iterator

from .columns import Column
from .read import SheetError
from .rowparse import chunks

_END = b""


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def chunks_in_child(
    rows: Iterator[tuple[int, list]],
    mapping: dict[int, Column],
    encode: Callable[[object], object],
    decode: Callable[[object], object],
) -> Iterator[list]:
    """The chunks `rowparse.chunks(rows, mapping)` gives, made in a forked child: each row goes through the pipe as
    `encode(row)` (in the child: parse, prepare, keep only what pickles fast) and comes out as `decode(item)`."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_parse, args=(send, rows, mapping, encode), name="import-reader", daemon=True
    )
    child.start()
    send.close()  # the child's end: the parent keeps only its own, so a dead child reads as the end of the pipe
    try:
        while True:
            try:
                block = receive.recv_bytes()
            except EOFError:
                raise RuntimeError("导入的读取进程意外退出") from None
            if block == _END:
                break
            kind, payload = pickle.loads(block)  # noqa: S301 - our own child's data, through our own pipe
            if kind == "error":
                raise payload
            yield list(map(decode, payload))
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _parse(send, rows, mapping, encode) -> None:
    """The child: parse, encode and send each chunk; an exception goes back to the parent as it is."""
    try:
        for chunk in chunks(rows, mapping):
            send.send_bytes(pickle.dumps(("rows", list(map(encode, chunk))), protocol=pickle.HIGHEST_PROTOCOL))
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

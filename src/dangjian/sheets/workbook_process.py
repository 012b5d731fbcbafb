"""Reading a workbook in a process of its own, under a memory limit: what python-calamine does with a hostile file
(a cell at XFD1048576 makes it allocate the whole sparse range, half a terabyte, and abort) ends that process, never
the web server's.

This module is what runs in that process, and nothing else: it imports no Django and none of the application, so the
process starts in milliseconds from multiprocessing's fork server (a clean, single-threaded process started once,
which forks each reader: never a fork of the web server's threads). The child limits its own address space
(`RLIMIT_AS`), opens the workbook, and sends its first visible worksheet's rows in pickled batches down one or more
pipes (each batch to every pipe in turn: the reader processes of a large import each take every row, `fast.reader`).
The first message says how many rows the sheet has; an error calamine raises goes back as a message; the end of the
rows is an empty message. A child that dies sends nothing more: the reading side sees the pipe close and says so
(`read.WorkbookStream`).
"""

from __future__ import annotations

import pickle
import resource

from python_calamine import CalamineWorkbook  # loaded once, by the fork server: each reader starts with it

BATCH = 500  # rows per message: the importer's header search needs only the first one
END = b""


def first_visible(book) -> int:
    """The first visible worksheet (a workbook may keep a hidden one first, or a chart sheet)."""
    for index, meta in enumerate(book.sheets_metadata):
        if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet"):
            return index
    return 0


def read_into(path: str, memory_bytes: int, sends: list) -> None:
    """The child's work (`multiprocessing` target): limit memory, read `path`, send ("height", n), then
    ("rows", [(number, cells), ...]) batches, then END; ("error", "TypeName") if calamine refuses the file."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        try:
            book = CalamineWorkbook.from_path(path)
            sheet = book.get_sheet_by_index(first_visible(book))
        except Exception as exc:  # noqa: BLE001 - whatever calamine raises: the file is unusable
            _send(sends, pickle.dumps(("error", type(exc).__name__)))
            return
        _send(sends, pickle.dumps(("height", (sheet.end[0] + 1) if sheet.end else 0)))
        # Rows start at the sheet's first row; cells at its first used column, so pad to keep positions.
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        batch = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            batch.append((number, pad + cells if pad else cells))
            if len(batch) >= BATCH:
                _send(sends, pickle.dumps(("rows", batch), protocol=pickle.HIGHEST_PROTOCOL))
                batch = []
        if batch:
            _send(sends, pickle.dumps(("rows", batch), protocol=pickle.HIGHEST_PROTOCOL))
        _send(sends, END)
    except OSError:
        pass  # a reading side closed its pipe: it has what it wanted (the header) or has given up
    finally:
        for send in sends:
            send.close()


def _send(sends: list, block: bytes) -> None:
    for send in sends:
        send.send_bytes(block)

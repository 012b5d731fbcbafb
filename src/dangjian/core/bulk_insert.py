"""Inserting many prepared rows at once: one multi-row INSERT per batch through the DB-API cursor, or on PostgreSQL
one `COPY`, behind the same function.

For bulk writes whose values are already prepared (encrypted, adapted, JSON as text): `bulk_create` would build a
model instance per row and adapt every value again (on PostgreSQL into arrays for UNNEST, in Python), which costs
more than the rest of an import. The portable path is plain SQL that every backend runs and the SQLite tests
exercise; the PostgreSQL path writes the same rows faster and has its own test on a database of its own.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence

from django.db import connection as default_connection
from django.db import models
from psycopg._copy_base import format_row_text  # what `Copy.write_row` runs (in C with psycopg's binary build)
from psycopg.adapt import Transformer

MAX_ROWS = 1_000  # rows per statement: large enough to amortize the round trip, small enough to keep it cheap
PARAMS_LIMIT = 65_535  # the PostgreSQL protocol's limit; SQLite's lower one is in connection.features


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    with_ids: bool = False,
    count: int | None = None,
    connection=None,
) -> list[int]:
    """Insert `rows` (tuples of database-ready values in the order of `columns`) into `model`'s table.

    With `with_ids`, the primary keys given to the rows, in row order. Values must already be what the database
    stores (encrypted, JSON as text, dates as ISO text or as the driver takes them). On PostgreSQL the rows go by
    `COPY` (`_copy`), elsewhere by `insert_values`: the same rows either way, as the tests check on both.

    `rows` may be a generator when `count` says how many it yields: the rows are then built while the database
    takes in the ones before (on PostgreSQL its indexes are kept up by the server's process, beside ours).
    """
    connection = connection or default_connection
    if count is None:
        rows = rows if isinstance(rows, Sequence) else list(rows)
        count = len(rows)
    if not count:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, with_ids, connection, count)
    return insert_values(model, columns, rows, with_ids=with_ids, connection=connection)


def insert_values(model, columns, rows: Iterable[Sequence], *, with_ids: bool = False, connection=None) -> list[int]:
    """The portable way: one multi-row INSERT per batch (RETURNING the keys where the database can)."""
    connection = connection or default_connection
    quote = connection.ops.quote_name
    width = len(columns)
    limit = connection.features.max_query_params or PARAMS_LIMIT
    batch = max(1, min(MAX_ROWS, limit // width))
    # Table and column names come from the model, quoted; every value goes as a parameter.
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * width) + ")"
    pk = quote(model._meta.pk.column)
    returning = with_ids and connection.features.can_return_rows_from_bulk_insert
    if with_ids and not returning:
        batch = 1  # an old SQLite: one row at a time, each key read back
    ids: list[int] = []
    rows = iter(rows)
    with connection.cursor() as cursor:
        while part := list(itertools.islice(rows, batch)):
            sql = head + ", ".join([one] * len(part)) + (f" RETURNING {pk}" if returning else "")
            cursor.execute(sql, [value for row in part for value in row])
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
            elif with_ids:
                ids.append(connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column))
    return ids


def _copy(model, columns, rows: Iterable[Sequence], with_ids: bool, connection, count: int) -> list[int]:
    """PostgreSQL: the keys taken from the table's sequence up front, then every row in one `COPY` (psycopg adapts
    the values in C; a multi-row INSERT of this size costs more to build on the client than to run)."""
    ids = reserve_ids(model, count, connection) if with_ids else []
    if with_ids:
        columns = [model._meta.pk.column, *columns]
        rows = ((pk, *row) for pk, row in zip(ids, rows, strict=True))
    stream = CopyStream(model, columns, connection)
    try:
        stream.write(rows)
    except BaseException as exc:
        stream.close(exc)
        raise
    stream.close()
    return ids


class CopyStream:
    """PostgreSQL: one `COPY` into `model`'s table kept open across many `write` calls, so the server files the rows
    into the table and its indexes while the caller prepares the next ones (a `COPY` per batch makes the caller wait
    for each batch to be filed). The connection can run nothing else until `close`, which every path must call:
    with the exception that ended the caller's work (the server then drops the rows), or None to finish the `COPY`.
    Database errors come out as Django's (an `IntegrityError` for a duplicate key)."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], connection=None) -> None:
        self.connection = connection or default_connection
        quote = self.connection.ops.quote_name
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        self._stack = contextlib.ExitStack()
        cursor = self._stack.enter_context(self.connection.cursor())
        with self.connection.wrap_database_errors:
            self._copy = self._stack.enter_context(cursor.cursor.copy(sql))

    def write(self, rows: Iterable[Sequence]) -> None:
        write_row = self._copy.write_row
        with self.connection.wrap_database_errors:
            for row in rows:
                write_row(row)

    def write_text(self, data: bytes) -> None:
        """Rows already in `COPY`'s text format (`copy_text`), each ending in a line end."""
        with self.connection.wrap_database_errors:
            self._copy.write(data)

    def close(self, exc: BaseException | None = None) -> None:
        if exc is None:
            with self.connection.wrap_database_errors:
                self._stack.close()
            return
        # The caller's exception is the one to report (a duplicate key, a bad file): whatever abandoning the `COPY`
        # raises besides is a consequence of it, and the transaction is rolled back either way.
        with contextlib.suppress(Exception):
            self._stack.__exit__(type(exc), exc, exc.__traceback__)


def copy_text(values: Sequence) -> bytes:
    """Values as one row of `COPY … FROM STDIN`'s text format, without the line end: what psycopg's `write_row`
    sends for them, made by the same function, for rows made where no `COPY` is open (a reader process)."""
    return copy_rows([[value] for value in values], 1)[0]


def copy_rows(columns: Sequence[Sequence], count: int) -> list[bytes]:
    """`count` rows given column by column, each as `copy_text` makes it."""
    text = bytearray()
    tx = Transformer()  # psycopg's default adaptation, as on a connection: UTF-8, no per-connection dumpers
    for row in zip(*columns, strict=True):
        format_row_text(row, tx, text)  # appends the row and its line end, escaped as the format needs
    return bytes(text).split(b"\n")[:count]  # a line end in a value is escaped (backslash, n): bare, it ends a row


def reserve_ids(model: type[models.Model], count: int, connection=None) -> list[int]:
    """PostgreSQL: `count` keys taken from the table's sequence, for rows inserted with their keys given."""
    connection = connection or default_connection
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        # The sequence's name found once (an InitPlan), not once per key: that was four times the cost of the keys.
        cursor.execute(
            "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [r[0] for r in cursor.fetchall()]

"""Inserting many rows at once with portable SQL: one multi-row INSERT per batch through the DB-API cursor.

For bulk writes whose values are already prepared (encrypted, adapted, JSON as text): `bulk_create` would build a
model instance per row and adapt every value again (on PostgreSQL into arrays for UNNEST, in Python), which costs
more than the rest of an import. Plain SQL that SQLite and PostgreSQL both run; no database-only feature.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection as default_connection
from django.db import models

MAX_ROWS = 1_000  # rows per statement: large enough to amortize the round trip, small enough to keep it cheap
PARAMS_LIMIT = 65_535  # the PostgreSQL protocol's limit; SQLite's lower one is in connection.features


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    returning: Sequence[str] = (),
    connection=None,
) -> list[tuple]:
    """Insert `rows` (tuples of database-ready values in the order of `columns`) into `model`'s table.

    With `returning` (column names), the values of those columns of each inserted row, as tuples, where the
    database can return them from a multi-row INSERT (PostgreSQL, SQLite 3.35+); otherwise an empty list and the
    caller looks the rows up. Values must already be what the database stores (see `adapt_date`).
    """
    connection = connection or default_connection
    if not rows:
        return []
    quote = connection.ops.quote_name
    width = len(columns)
    limit = connection.features.max_query_params or PARAMS_LIMIT
    batch = max(1, min(MAX_ROWS, limit // width))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * width) + ")"
    tail = ""
    if returning and connection.features.can_return_rows_from_bulk_insert:
        tail = " RETURNING " + ", ".join(quote(c) for c in returning)
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            cursor.execute(head + ", ".join([one] * len(part)) + tail, [value for row in part for value in row])
            if tail:
                returned.extend(tuple(r) for r in cursor.fetchall())
    return returned


def date_adapter(connection=None):
    """The function turning a date into what this database's driver takes (SQLite: ISO text; PostgreSQL: as is)."""
    connection = connection or default_connection
    return connection.ops.adapt_datefield_value

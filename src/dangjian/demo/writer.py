"""Writing generated rows fast: explicit ids, bulk inserts or PostgreSQL COPY, then sequences put right."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import connection, models


def next_id(model: type[models.Model]) -> int:
    """The first free id of a table; generated rows take ids from here on."""
    last = model.objects.aggregate(m=models.Max("id"))["m"]
    return (last or 0) + 1


def reset_sequences(*model_list: type[models.Model]) -> None:
    """After rows were written with explicit ids, move each id sequence past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


def copy_text(table: str, columns: Iterable[str], payload: str) -> None:
    """COPY tab-separated text into `table` (PostgreSQL). The payload must already be escaped."""
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN") as copy:
            copy.write(payload)

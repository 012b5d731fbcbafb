"""Materialized paths compared byte by byte on PostgreSQL (a migration operation).

A path ("00000001.00000002.") is digits and dots; every scoped query asks `path LIKE '<prefix>%'`. Under the
database's default collation (even C.UTF-8) PostgreSQL serves such a LIKE only from the separate pattern index and
misjudges how many rows it finds: at a province it estimated a branch's one organization as 40 and walked the whole
organization table in key order to fill a page of members (113 ms where 0.2 ms does). Under the "C" collation the
column's own unique index serves the LIKE, the order of the tree (`ORDER BY path`) and the estimate together.
Comparisons and order of such strings are the same in every collation, so no result changes. SQLite compares bytes
already (BINARY); other databases are left as they are.
"""

from django.db import migrations


def byte_ordered(table: str, column: str, length: int) -> migrations.RunPython:
    def forward(apps, schema_editor):
        _collate(schema_editor, '"C"')

    def backward(apps, schema_editor):
        _collate(schema_editor, '"default"')

    def _collate(schema_editor, collation: str) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} TYPE varchar({length}) COLLATE {collation}"
        )
        # Changing a column's type drops its statistics, and until autovacuum analyzes the table again the planner
        # guesses: at a province a branch's meeting list took 3.6 s instead of 20 ms. So the statistics are taken now.
        schema_editor.execute(f"ANALYZE {quote(table)} ({quote(column)})")

    return migrations.RunPython(forward, backward, elidable=False)

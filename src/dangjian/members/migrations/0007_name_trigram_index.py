"""On PostgreSQL, indexes on the member's name so the member list's name search (`name LIKE '%q%'`) is answered from
an index instead of reading every member (docs/performance.md, search at province scale): a trigram index for
searches of three characters or more, and one of each name's single characters and pairs for shorter ones (most
Chinese names have two or three characters; core/textsearch.py). SQLite does nothing."""

from django.db import migrations

INDEX = "member_name_trgm"
GRAMS = "member_name_grams"

# Each name's single characters and pairs, for searches of one or two characters (core/textsearch.py). The same
# function in orgs/0003 and members/0007 (CREATE OR REPLACE: whichever runs first makes it).
SHORT_GRAMS = """
CREATE OR REPLACE FUNCTION dangjian_short_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, char_length(value)) AS i, (VALUES (1), (2)) AS l(n)
    WHERE i + n - 1 <= char_length(value)
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON members_member USING gin (name gin_trgm_ops)")
        schema_editor.execute(SHORT_GRAMS)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {GRAMS} ON members_member USING gin (dangjian_short_grams(name))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GRAMS}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("members", "0006_id_number_digest_by_unique_index")]
    operations = [migrations.RunPython(create, drop)]

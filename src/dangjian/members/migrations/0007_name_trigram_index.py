"""On PostgreSQL, a trigram index on the member's name so the member list's name search (`name LIKE '%q%'`) is
answered from an index instead of reading every member (docs/performance.md, 搜索). Names of three characters and
more have a trigram to look up; a search of one or two characters still filters the list as it walks it.
SQLite does nothing."""

from django.db import migrations

INDEX = "member_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON members_member USING gin (name gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("members", "0006_id_number_digest_by_unique_index")]
    operations = [migrations.RunPython(create, drop)]

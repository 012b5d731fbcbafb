"""On PostgreSQL, a trigram index on the organization's name so search's `name LIKE '%q%'` is answered from an
index instead of reading the whole table (300,000 organizations: docs/performance.md, 搜索). pg_trgm is a trusted
extension (PostgreSQL 13+): the database's owner may create it. SQLite does nothing: it scans, fast at its sizes."""

from django.db import migrations

INDEX = "org_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON orgs_organization USING gin (name gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")  # the extension stays: others may use it


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_path_prefix_index")]
    operations = [migrations.RunPython(create, drop)]

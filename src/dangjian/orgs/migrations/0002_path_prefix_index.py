"""On PostgreSQL, a pattern index so `path LIKE 'prefix%'` (every scope and subtree query) uses an index under
any collation. Other databases use the ordinary unique index on path."""

from django.db import migrations

INDEX = "orgs_organization_path_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON orgs_organization (path varchar_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

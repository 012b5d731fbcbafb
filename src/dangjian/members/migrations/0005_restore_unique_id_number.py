"""Restore the unique index on the ID number's digest where 0004 dropped it.

On PostgreSQL, 0004's AlterField (db_index on `id_number_digest` off) dropped every index on the column, the partial
unique index `member_unique_id_number` among them, while the migration state kept it: the register then took the
same ID number twice if two writes raced past the application's check. SQLite rebuilds the table from the state
and kept it. Created again only where it is missing; duplicates already stored stop this migration with the
database's message naming the digest, to be resolved (merge the two members) before migrating again.
"""

from django.db import migrations


def restore(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    with schema_editor.connection.cursor() as cursor:
        present = schema_editor.connection.introspection.get_constraints(cursor, Member._meta.db_table)
    if "member_unique_id_number" in present:
        return
    [constraint] = [c for c in Member._meta.constraints if c.name == "member_unique_id_number"]
    schema_editor.add_constraint(Member, constraint)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_fewer_indexes")]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]

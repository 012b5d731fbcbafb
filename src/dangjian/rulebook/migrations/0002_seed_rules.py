"""Seed the rules of catalog.CATALOG (texts, sources, defaults); later catalog changes come with a migration that
calls sync_catalog again."""

from django.db import migrations

from dangjian.rulebook.services import sync_catalog


def seed(apps, schema_editor):
    sync_catalog(apps.get_model("rulebook", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("rulebook", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

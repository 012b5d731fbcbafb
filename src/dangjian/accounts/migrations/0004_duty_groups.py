"""The three duty groups of 三员分立 exist in every installation."""

from django.db import migrations

DUTIES = ["系统管理员", "安全管理员", "审计管理员"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in DUTIES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_account_security"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]

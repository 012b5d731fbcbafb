from django.db import migrations, models


class Migration(migrations.Migration):
    """Every row now has its place in the chain: seq becomes required and unique."""

    dependencies = [("core", "0005_audit_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="序号"),
        ),
    ]

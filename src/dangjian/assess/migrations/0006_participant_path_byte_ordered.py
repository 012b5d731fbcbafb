from django.db import migrations

from dangjian.core.collation import byte_ordered


class Migration(migrations.Migration):
    """The participants' snapshot path compared byte by byte on PostgreSQL (core/collation.py)."""

    dependencies = [("assess", "0005_cutoff_facts")]

    operations = [byte_ordered("assess_participant", "path", 255)]

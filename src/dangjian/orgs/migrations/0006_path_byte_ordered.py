from django.db import migrations

from dangjian.core.collation import byte_ordered


class Migration(migrations.Migration):
    """The organization path compared byte by byte on PostgreSQL (core/collation.py)."""

    dependencies = [("orgs", "0005_org_tally")]

    operations = [byte_ordered("orgs_organization", "path", 255)]

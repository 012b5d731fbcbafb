"""Fill the roll-ups (orgs.OrgTally) of an existing register once; from here on the writes keep them."""

from collections import Counter

from django.db import migrations
from django.db.models import Count


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    Member = apps.get_model("members", "Member")
    OrgTally = apps.get_model("orgs", "OrgTally")
    own, paths = {}, {}
    for org_id, path, kind, level, domain in Organization.objects.values_list("id", "path", "kind", "level", "domain"):
        paths[org_id] = path
        keys = Counter({"orgs": 1, f"kind:{kind}": 1, f"level:{level}": 1})
        if domain:
            keys[f"domain:{domain}"] = 1
        own[org_id] = keys
    rows = Member.objects.order_by().values_list("org_id", "status", "is_mobile", "is_untransferred")
    for org_id, status, mobile, untransferred, n in rows.annotate(n=Count("id")):
        keys = own.setdefault(org_id, Counter())
        keys["members"] += n
        keys["members:probationary"] += n if status == "probationary" else 0
        keys["members:mobile"] += n if mobile else 0
        keys["members:untransferred"] += n if untransferred else 0
    subtree = {}
    for org_id, keys in own.items():
        for ancestor in [int(part) for part in paths.get(org_id, "").split(".") if part]:
            subtree.setdefault(ancestor, Counter()).update(keys)
    OrgTally.objects.all().delete()
    OrgTally.objects.bulk_create(
        [OrgTally(org_id=o, key=k, n=n) for o, keys in subtree.items() for k, n in keys.items() if n], batch_size=5000
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0007_name_trigram_index"), ("orgs", "0005_org_tally")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

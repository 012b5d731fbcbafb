from django.db import migrations

from dangjian.core.audit_chain import GENESIS, entry_hash, fields_of, seal

BATCH = 2000


def chain_existing_rows(apps, schema_editor):
    """Number the rows written before the chain existed in id order and chain them, then set the head.

    Uses the historical model (a plain queryset, so the append-only guard of today's model does not apply) and
    walks in batches, so a large log is chained with bounded memory.
    """
    AuditLog = apps.get_model("core", "AuditLog")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    seq, prev_hash, last_id = 0, GENESIS, 0
    while True:
        batch = list(AuditLog.objects.using(db).filter(id__gt=last_id).order_by("id")[:BATCH])
        if not batch:
            break
        for row in batch:
            seq += 1
            row.seq = seq
            row.prev_hash = prev_hash
            row.hash = entry_hash(fields_of(row), prev_hash)
            prev_hash = row.hash
        AuditLog.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "hash"])
        last_id = batch[-1].id
    AuditChainHead.objects.using(db).update_or_create(
        pk=1, defaults={"seq": seq, "hash": prev_hash, "seal": seal(seq, prev_hash)}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_chain_fields")]

    operations = [migrations.RunPython(chain_existing_rows, migrations.RunPython.noop)]

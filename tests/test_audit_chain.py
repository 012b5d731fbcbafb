"""The audit log is a hash chain: appended in turn, never changed, checked by `dangjian audit verify`, pruned only
past the retention and without breaking verification."""

import datetime
import importlib
import io
import json
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dangjian.core.audit import record, record_many
from dangjian.core.audit_chain import GENESIS, seal
from dangjian.core.audit_verify import verify_chain
from dangjian.core.models import AuditAction, AuditChainHead, AuditCheckpoint, AuditLog, AuditLogImmutable

pytestmark = pytest.mark.django_db


def write(n, **extra):
    return [record(AuditAction.UPDATE, detail=f"第{i}次修改", **extra) for i in range(n)]


def run_verify():
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_records_are_numbered_without_gaps_and_chained(region):
    rows = list(AuditLog.objects.order_by("seq"))
    assert len(rows) > 10
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    code, out = run_verify()
    assert code == 0
    assert f"校验通过，截至第 {len(rows)} 条" in out


def test_verify_records_its_run():
    write(3)
    run_verify()
    entry = AuditLog.objects.order_by("-seq").first()
    assert entry.action == AuditAction.AUDIT_VERIFY and entry.success
    assert "校验通过，截至第 3 条" in entry.detail


def test_a_row_altered_with_sql_is_reported_with_its_number():
    rows = write(5)
    target = rows[2]
    raw("UPDATE core_auditlog SET detail = %s WHERE id = %s", ["改过的说明", target.pk])

    code, out = run_verify()
    assert code == 1
    assert f"第 {target.seq} 条（编号 {target.pk}）：内容与哈希不符（记录被修改）" in out
    assert "校验未通过：发现 1 处问题" in out
    assert not AuditLog.objects.filter(action=AuditAction.AUDIT_VERIFY).get().success


def test_an_altered_json_value_or_user_is_reported():
    rows = write(3, actor=None)
    raw("UPDATE core_auditlog SET user_id = 999 WHERE id = %s", [rows[0].pk])
    raw("UPDATE core_auditlog SET success = %s WHERE id = %s", [False, rows[1].pk])
    assert [b.seq for b in verify_chain().breaks] == [rows[0].seq, rows[1].seq]


def test_a_deleted_row_in_the_middle_is_reported():
    rows = write(5)
    raw("DELETE FROM core_auditlog WHERE id = %s", [rows[1].pk])

    code, out = run_verify()
    assert code == 1
    assert f"第 {rows[2].seq} 条（编号 {rows[2].pk}）：之前缺少第 {rows[1].seq} 条记录（记录被删除）" in out


def test_rows_cut_off_the_end_are_reported():
    rows = write(5)
    raw("DELETE FROM core_auditlog WHERE seq >= %s", [rows[3].seq])

    code, out = run_verify()
    assert code == 1
    assert f"末尾缺少第 {rows[3].seq}–{rows[4].seq} 条记录" in out


def test_moving_the_head_back_to_hide_deleted_rows_is_reported():
    rows = write(4)
    raw("DELETE FROM core_auditlog WHERE id = %s", [rows[-1].pk])
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s", [rows[-2].seq, rows[-2].hash])

    breaks = [str(b) for b in verify_chain().breaks]
    assert breaks == ["链头/检查点：链头被改动（校验码不符），末尾的记录可能被删除"]
    write(2)  # later writes do not heal the head
    assert [str(b) for b in verify_chain().breaks] == breaks


def test_reordered_rows_are_reported():
    rows = write(4)
    first, second = rows[1], rows[2]
    raw("UPDATE core_auditlog SET seq = -1 WHERE id = %s", [first.pk])
    raw("UPDATE core_auditlog SET seq = %s WHERE id = %s", [first.seq, second.pk])
    raw("UPDATE core_auditlog SET seq = %s WHERE id = %s", [second.seq, first.pk])

    breaks = {b.row_id: b.problem for b in verify_chain().breaks}
    # Both moved rows, and the row after them, which no longer follows the row it was chained to.
    assert set(breaks) == {first.pk, second.pk, rows[3].pk}
    assert breaks[second.pk] == "内容与哈希不符（记录被修改）；未接在前一条记录之后（顺序被调换或记录被替换）"
    assert "排列顺序与写入顺序不符（记录被调换）" in breaks[first.pk]
    assert breaks[rows[3].pk] == "未接在前一条记录之后（顺序被调换或记录被替换）"


def test_a_row_inserted_without_the_key_is_reported():
    rows = write(2)
    raw(
        "INSERT INTO core_auditlog (seq, at, username, action, success, object_type, object_id, object_repr,"
        " org_path, request_id, ip, detail, prev_hash, hash)"
        " VALUES (%s, %s, '', 'login', %s, '', '', '', '', '', '', '', %s, %s)",
        [rows[-1].seq + 1, timezone.now(), True, rows[-1].hash, "0" * 64],
    )
    raw("UPDATE core_auditchainhead SET seq = seq + 1, hash = %s", ["0" * 64])
    problems = [b.problem for b in verify_chain().breaks]
    assert "内容与哈希不符（记录被修改）" in problems
    assert any("链头被改动" in p for p in problems)


def test_the_log_refuses_to_be_changed_or_deleted_through_the_orm():
    entry = write(1)[0]
    entry.detail = "改写"
    with pytest.raises(AuditLogImmutable, match="审计日志只能追加"):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.filter(pk=entry.pk).update(detail="改写")
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.all().delete()
    with pytest.raises(AuditLogImmutable, match="record"):
        AuditLog.objects.create(action=AuditAction.LOGIN, username="旁路")
    assert AuditLog.objects.get(pk=entry.pk).detail == "第0次修改"
    assert verify_chain().ok


def test_transactions_one_after_another_and_a_rolled_back_one_keep_the_chain_whole():
    with transaction.atomic():
        write(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        write(3)
        raise RuntimeError("服务失败")
    with transaction.atomic():
        write(2)
    assert list(AuditLog.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert verify_chain().ok


def test_record_many_chains_a_batch_in_one_go(region, django_assert_max_num_queries):
    before = AuditLog.objects.count()
    entries = [
        {"action": AuditAction.IMPORT, "obj": region.village, "org": region.village, "after": {"行": i, "i": (1, 2)}}
        for i in range(1200)
    ]
    rows = record_many(entries)
    assert len(rows) == 1200 and record_many([]) == []
    assert AuditLog.objects.count() == before + 1200
    stored = AuditLog.objects.order_by("-seq").first()
    assert stored.after == {"行": 1199, "i": [1, 2]} and stored.org_path == region.village.path
    assert verify_chain(batch=100).ok
    # One lock of the head for the whole batch: reserve, read, insert (one statement for a few dozen rows), update.
    with django_assert_max_num_queries(4):
        record_many(entries[:40])
    assert verify_chain().ok


def test_verify_walks_in_batches():
    write(25)
    result = verify_chain(batch=4)
    assert result.ok and result.checked == 25 and result.last_seq == 25


def test_a_lost_head_is_rebuilt_from_the_last_row_without_renumbering():
    write(3)
    raw("DELETE FROM core_auditchainhead")
    assert [str(b) for b in verify_chain().breaks] == ["链头/检查点：链头记录缺失"]
    assert record(AuditAction.LOGIN).seq == 4
    assert "链头被改动" in verify_chain().breaks[0].problem  # the loss stays on record


# ------------------------------------------------------------------ prune


def old_and_new_records(today):
    """Three records 200 days old, two 100 days old, one today."""
    nine = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9)))
    for days_ago, count in ((200, 3), (100, 2)):
        with time_machine.travel(nine - datetime.timedelta(days=days_ago), tick=False):
            write(count)
    write(1)


def test_prune_refuses_anything_younger_than_180_days():
    today = timezone.localdate()
    old_and_new_records(today)
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("audit", "prune", "--before", (today - datetime.timedelta(days=179)).isoformat())
    assert AuditLog.objects.count() == 6
    with pytest.raises(CommandError, match="格式不对"):
        call_command("audit", "prune", "--before", "去年")


def test_retention_below_180_days_is_not_honoured(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("audit", "prune", "--before", (timezone.localdate() - datetime.timedelta(days=60)).isoformat())


def test_a_longer_retention_is_honoured(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    with pytest.raises(CommandError, match="至少保留 365 天"):
        call_command("audit", "prune", "--before", (timezone.localdate() - datetime.timedelta(days=200)).isoformat())


def test_prune_deletes_the_old_records_keeps_a_checkpoint_and_verify_still_passes():
    today = timezone.localdate()
    old_and_new_records(today)
    out = io.StringIO()
    call_command("audit", "prune", "--before", (today - datetime.timedelta(days=180)).isoformat(), stdout=out)

    assert "已清理第 1–3 条，共 3 条" in out.getvalue()
    assert list(AuditLog.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6, 7]
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.count) == (3, 3)
    entry = AuditLog.objects.get(seq=7)
    assert entry.action == AuditAction.AUDIT_VERIFY and "共 3 条" in entry.detail
    code, out = run_verify()
    assert code == 0 and "校验通过，截至第 7 条" in out

    # Deleting the first remaining row, or forging the checkpoint past it, is still noticed.
    raw("DELETE FROM core_auditlog WHERE seq = 4")
    assert "之前缺少第 4 条记录" in str(verify_chain().breaks[0])
    raw("UPDATE core_auditcheckpoint SET seq = 4")
    assert any("检查点" in b.problem for b in verify_chain().breaks)


def test_prune_with_nothing_old_enough_deletes_nothing():
    write(2)
    out = io.StringIO()
    call_command("audit", "prune", "--before", "2000-01-01", stdout=out)
    assert "没有可清理" in out.getvalue()
    assert AuditLog.objects.count() == 3 and not AuditCheckpoint.objects.exists()


def test_prune_refuses_a_broken_chain():
    today = timezone.localdate()
    old_and_new_records(today)
    raw("UPDATE core_auditlog SET detail = 'x' WHERE seq = 2")
    with pytest.raises(CommandError, match="拒绝清理"):
        call_command("audit", "prune", "--before", (today - datetime.timedelta(days=180)).isoformat())
    assert AuditLog.objects.count() == 6


def test_checkpoint_seal_is_keyed():
    assert seal(3, "a" * 64) != seal(4, "a" * 64)


# ------------------------------------------------------------------ migration of an existing log


def test_the_migration_chains_rows_written_before_the_chain_in_id_order():
    """Migration 0005 numbers and chains the rows of a log from before the chain, by id. (The schema steps around
    it run whenever the test database is built; here it gets rows like an installation's.)"""
    migration = importlib.import_module("dangjian.core.migrations.0005_audit_chain_existing_rows")
    for i in range(5):  # unchained rows as 0004 leaves them, with placeholder numbers the migration replaces
        raw(
            "INSERT INTO core_auditlog (seq, at, username, action, success, object_type, object_id, object_repr,"
            " org_path, before, request_id, ip, detail, prev_hash, hash)"
            " VALUES (%s, %s, %s, 'login', %s, '', '', '', '', %s, '', '', '', '', '')",
            [-100 - i, timezone.now(), f"老用户{i}", True, json.dumps({"k": i})],
        )
    raw("DELETE FROM core_auditchainhead")
    state = MigrationExecutor(connection).loader.project_state(("core", "0004_audit_chain_fields"))
    migration.chain_existing_rows(state.apps, SimpleNamespace(connection=connection))

    assert list(AuditLog.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert verify_chain().ok
    assert record(AuditAction.LOGIN).seq == 6
    assert verify_chain().ok

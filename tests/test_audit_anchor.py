"""The audit anchor: the last committed record's number and hash, kept outside the database, so `dangjian audit
verify` notices the audit tables rolled back to an earlier state (which the chain and its sealed head alone do not
show: an older head from any backup is sealed too)."""

import datetime
import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core import audit_anchor
from dangjian.core.audit import record, record_many
from dangjian.core.audit_verify import verify_chain
from dangjian.core.models import AuditAction, AuditChainHead, AuditLog


def write(n):
    return [record(AuditAction.UPDATE, detail=f"第{i}次修改") for i in range(n)]


def run(*args):
    out = io.StringIO()
    try:
        call_command("audit", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def last_row():
    return AuditLog.objects.order_by("-seq").values_list("seq", "hash").first()


def anchored():
    anchor = audit_anchor.read()
    return (anchor.seq, anchor.hash) if anchor else None


def roll_back_to(seq, head):
    """What the issue describes: delete the newest rows and put back an older head (any backup holds one)."""
    raw("DELETE FROM core_auditlog WHERE seq > %s", [seq])
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s, seal = %s", [head["seq"], head["hash"], head["seal"]])


@pytest.mark.django_db(transaction=True)
def test_rolling_the_log_back_to_an_earlier_sealed_head_is_reported(caplog):
    write(3)
    earlier = AuditChainHead.objects.values("seq", "hash", "seal").get(pk=1)
    write(2)  # the grant made meanwhile, say
    assert anchored() == last_row() and last_row()[0] == 5
    roll_back_to(3, earlier)

    code, out = run("verify")
    assert code == 1
    assert f"审计日志被回退：锚点记录到第 5 条（{timezone.localtime():%Y-%m-%d}" in out
    assert "写入），数据库只有到第 3 条" in out

    # The application writes on and passes the anchor's number: the anchor stays, and says what it held.
    with caplog.at_level(logging.ERROR, logger="dangjian.audit.anchor"):
        write(3)
    assert anchored()[0] == 5 and AuditLog.objects.order_by("-seq").first().seq == 7
    assert "审计锚点未更新：审计日志被回退" in caplog.text
    code, out = run("verify")
    assert code == 1
    assert "数据库中的第 5 条已不是原来那条（哈希不符）" in out


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_does_not_move_the_anchor():
    write(2)
    before = anchored()
    with pytest.raises(RuntimeError), transaction.atomic():
        write(3)
        raise RuntimeError("服务失败")
    assert anchored() == before
    write(1)  # takes number 3, with another hash than the rolled-back one had
    assert anchored() == last_row() and last_row()[0] == 3
    assert run("verify")[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_many_records_writes_the_anchor_once(region, monkeypatch):
    writes = []
    real = audit_anchor._write
    monkeypatch.setattr(audit_anchor, "_write", lambda *a: writes.append(a) or real(*a))
    with transaction.atomic():
        write(3)
    entries = [{"action": AuditAction.IMPORT, "obj": region.village, "after": {"行": i}} for i in range(300)]
    with transaction.atomic():
        record_many(entries)
    assert [seq for seq, _ in writes] == [last_row()[0] - 300, last_row()[0]]
    assert anchored() == last_row()


@pytest.mark.django_db
def test_a_late_callback_of_an_earlier_transaction_does_not_move_the_anchor_back(django_capture_on_commit_callbacks):
    """Two processes: the first commits, the second commits and anchors, then the first's callback runs."""
    with django_capture_on_commit_callbacks() as first:
        write(1)
    with django_capture_on_commit_callbacks(execute=True):
        write(1)
    assert anchored() == last_row() and last_row()[0] == 2
    for callback in first:
        callback()
    assert anchored() == last_row()


@pytest.mark.django_db
def test_a_missing_anchor_is_a_warning_and_the_next_write_makes_one(django_capture_on_commit_callbacks):
    write(3)  # before the upgrade, say: no anchor yet
    with django_capture_on_commit_callbacks(execute=True):
        code, out = run("verify")
    assert code == 0
    assert "警告  未找到审计锚点文件：无法确认日志末尾没有被截断或整体回退" in out
    assert "警告：未找到审计锚点文件" in AuditLog.objects.order_by("-seq").first().detail  # on record, too
    assert anchored() == last_row() and last_row()[0] == 4
    code, out = run("verify")
    assert code == 0 and "警告" not in out


@pytest.mark.django_db
def test_an_altered_anchor_file_is_reported(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        write(3)
    path = Path(settings.AUDIT_ANCHOR_FILE)
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "seq": 2}))
    code, out = run("verify")
    assert code == 1
    assert f"锚点文件 {path} 被改动（校验码不符）" in out


@pytest.mark.django_db
def test_an_operator_reset_of_the_anchor_is_audited(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        write(3)
    earlier = AuditChainHead.objects.values("seq", "hash", "seal").get(pk=1)
    with django_capture_on_commit_callbacks(execute=True):
        write(2)
    roll_back_to(3, earlier)
    assert run("verify")[0] == 1

    with django_capture_on_commit_callbacks(execute=True):
        code, out = run("anchor", "--reset")
    assert code == 0
    assert "：第 5 条（" in out and "；数据库中最后一条为第 4 条。" in out  # 4: the verification's record
    entry = AuditLog.objects.order_by("-seq").first()
    assert entry.seq == 5 and entry.action == AuditAction.AUDIT_VERIFY
    assert entry.detail.startswith("命令行重置审计锚点（原为：锚点文件") and "：第 5 条（" in entry.detail
    assert anchored() == last_row()
    assert run("verify")[0] == 0


@pytest.mark.django_db
def test_pruning_the_anchored_record_keeps_the_anchor_valid():
    """All records old enough: the prune deletes the anchored one too; the checkpoint vouches for it."""
    nine = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(9)))
    with time_machine.travel(nine - datetime.timedelta(days=200), tick=False):
        write(3)
    audit_anchor.reset()  # the anchor at record 3, as the commits of those writes would have left it
    assert anchored()[0] == 3
    call_command("audit", "prune", "--before", (timezone.localdate() - datetime.timedelta(days=180)).isoformat())
    assert not AuditLog.objects.filter(seq=3).exists()
    result = verify_chain()
    assert result.ok and not result.warnings


# --- several processes writing at once, through the real command line ----------------------------------------------


def dangjian(env, *args, check=True):
    done = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [str(Path(sys.executable).with_name("dangjian")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not check or done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
def database_url(tmp_path):
    """A database of the test database's kind, of our own: a SQLite file, or a PostgreSQL database dropped after."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'processes.sqlite3'}"
        return
    name = f"dj_anchor_{uuid.uuid4().hex[:10]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "-f", name], check=True)  # noqa: S603,S607


def test_processes_writing_at_once_leave_the_anchor_at_the_last_record(database_url, tmp_path, settings):
    settings.AUDIT_ANCHOR_FILE = tmp_path / "data" / "audit" / "anchor.json"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DANGJIAN_DATA_DIR": str(tmp_path / "data"),
        "DANGJIAN_AUDIT_KEY": settings.AUDIT_KEY,
    }
    dangjian(env, "migrate", "-v0", "--skip-checks")
    writer = "from dangjian.core.audit import record\nfor i in range(40): record('login', detail=f'进程写入 {i}')"
    args = [str(Path(sys.executable).with_name("dangjian")), "shell", "--no-imports", "-c", writer]
    processes = [subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True) for _ in range(4)]  # noqa: S603
    errors = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert not any(errors), errors  # no "审计锚点未更新": no writer ever saw the anchor ahead of the database
    assert audit_anchor.read().seq == 160

    done = dangjian(env, "audit", "--skip-checks", "verify")
    assert "校验通过，截至第 160 条" in done.stdout and "警告" not in done.stdout
    assert audit_anchor.read().seq == 161  # the verification's own record

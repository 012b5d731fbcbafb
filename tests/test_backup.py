"""`dangjian backup FILE` / `dangjian restore FILE`: one checked file, ciphertext kept, all or nothing."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dangjian.accounts.models import OrgGrant
from dangjian.core import audit_anchor, backup
from dangjian.core.audit import record
from dangjian.core.audit_verify import verify_chain
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member

from conftest import id_number

# Tables the restore itself writes to (its audit record and the audit chain's head).
AUDIT_TABLES = {"core_auditlog", "core_auditchainhead"}


def tables_of(path: Path) -> dict[str, list]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {e["table"]: list(backup.part_rows(path, e["table"])) for e in manifest["tables"]}


def assert_same_data(first: Path, second: Path) -> None:
    """Every table equal row by row; the audit log may only have grown at its end."""
    a, b = tables_of(first), tables_of(second)
    assert a.keys() == b.keys()
    for table in a.keys() - AUDIT_TABLES:
        assert a[table] == b[table], table
    assert b["core_auditlog"][: len(a["core_auditlog"])] == a["core_auditlog"]


@pytest.fixture
def saved(region, city_admin, tmp_path, capsys) -> Path:
    path = tmp_path / "dangjian.zip"
    call_command("backup", str(path))
    return path


def test_a_backup_restores_every_table_exactly(saved, region, tmp_path, capsys):
    out = capsys.readouterr().out
    assert "密钥文件不在备份中" in out
    assert AuditLog.objects.filter(action=AuditAction.BACKUP).exists()
    manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
    assert {"members_member", "orgs_organization", "auth_user", "django_content_type"} <= {
        t["table"] for t in manifest["tables"]
    }
    assert "django_session" not in {t["table"] for t in manifest["tables"]}

    Member.objects.filter(name="孙白桦").delete()
    Member.objects.filter(name="王春生").update(name="改过的名字")
    call_command("restore", str(saved), "--force")
    connection.check_constraints()

    assert Member.objects.get(name="孙白桦").id_number == id_number(4)
    assert not Member.objects.filter(name="改过的名字").exists()
    assert AuditLog.objects.filter(action=AuditAction.RESTORE).count() == 1
    again = tmp_path / "again.zip"
    call_command("backup", str(again))
    assert_same_data(saved, again)


def test_encrypted_values_stay_ciphertext_in_the_file(saved, region):
    with zipfile.ZipFile(saved) as zf:
        content = b"".join(zf.read(name) for name in zf.namelist())
    for seq in range(1, 6):
        assert id_number(seq).encode() not in content
    assert b"13800001111" not in content
    member = next(r for r in backup.part_rows(saved, "members_member") if r[1] == "欧阳南风")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM members_member WHERE name = %s", ["欧阳南风"])
        assert cursor.fetchone()[0] in member


def flip_a_byte_in(path: Path, part: str) -> Path:
    """Change one byte in the middle of a part's compressed data."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    data = bytearray(path.read_bytes())
    header = (
        30
        + len(info.filename.encode())
        + int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    )
    data[info.header_offset + header + info.compress_size // 2] ^= 0x10
    broken = path.with_name("broken.zip")
    broken.write_bytes(bytes(data))
    return broken


@pytest.mark.parametrize("part", ["tables/members_member.jsonl", "tables/orgs_organization.jsonl", "manifest.json"])
def test_a_flipped_byte_is_refused_and_nothing_is_written(saved, region, part):
    broken = flip_a_byte_in(saved, part)
    Member.objects.filter(name="王春生").update(name="改过的名字")
    audit_rows = AuditLog.objects.count()
    with pytest.raises(CommandError, match="备份文件已损坏或不完整"):
        call_command("restore", str(broken), "--force")
    assert Member.objects.filter(name="改过的名字").exists()
    assert AuditLog.objects.count() == audit_rows


def test_a_truncated_file_is_refused(saved, region):
    cut = saved.with_name("cut.zip")
    cut.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(CommandError, match="备份文件已损坏或不完整"):
        call_command("restore", str(cut), "--force")
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(saved.with_name("nope.zip")))


def test_a_database_with_data_is_refused_without_force(saved, region):
    with pytest.raises(CommandError, match="目标数据库不是空的.*--force"):
        call_command("restore", str(saved))
    assert not AuditLog.objects.filter(action=AuditAction.RESTORE).exists()


def repack(
    src_path: Path, dst_path: Path, *, manifest=None, parts=None, tag_key: str | None = None, keep_tag: bool = False
) -> Path:
    """A copy of a backup with its manifest and parts changed, the SHA-256 sums recomputed as anyone could, and the
    manifest tagged with `tag_key` (the real audit key for a crafted backup that gets past the tag), or its old tag
    kept (`keep_tag`), or no tag."""
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w") as dst:
        data = json.loads(src.read("manifest.json"))
        for entry in data["tables"]:
            lines = src.read(entry["part"]).splitlines(keepends=True)
            if parts and entry["table"] in parts:
                lines = parts[entry["table"]](lines)
            body = b"".join(lines)
            entry["rows"], entry["sha256"] = len(lines), hashlib.sha256(body).hexdigest()
            dst.writestr(entry["part"], body)
        for item in src.infolist():
            if not item.filename.startswith("tables/") and not item.filename.startswith("manifest."):
                dst.writestr(item.filename, src.read(item))
        if manifest:
            manifest(data)
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()  # as `dangjian backup` writes it
        dst.writestr("manifest.json", body)
        dst.writestr("manifest.sha256", hashlib.sha256(body).hexdigest())
        if keep_tag:
            dst.writestr("manifest.hmac", src.read("manifest.hmac"))
        if tag_key is not None:
            key = hmac.new(tag_key.encode(), b"dangjian-backup-manifest-v1", hashlib.sha256).digest()
            dst.writestr("manifest.hmac", hmac.new(key, body, hashlib.sha256).hexdigest())
    return dst_path


def test_a_backup_of_another_schema_is_refused(saved, region, tmp_path):
    """Migration state differs: the operator is told to migrate first."""
    other = repack(
        saved,
        tmp_path / "other.zip",
        manifest=lambda m: m["migrations"].append(["members", "9999_future"]),
        tag_key=settings.AUDIT_KEY,
    )
    with pytest.raises(CommandError, match="请先.*dangjian migrate"):
        call_command("restore", str(other), "--force")


def test_uploaded_files_travel_with_the_backup(region, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = settings.MEDIA_ROOT / "assess" / "reports" / "2026" / "述职报告.pdf"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"%PDF-1.4 report")
    path = tmp_path / "with-files.zip"
    call_command("backup", str(path))
    report.unlink()
    call_command("restore", str(path), "--force")
    assert report.read_bytes() == b"%PDF-1.4 report"


def test_a_file_name_leaving_the_upload_folder_is_refused(region, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "a.txt").parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / "a.txt").write_text("x")
    path = tmp_path / "b.zip"
    call_command("backup", str(path))
    crafted = repack(
        path,
        tmp_path / "crafted.zip",
        manifest=lambda m: m["files"][0].update(path="../../evil.txt"),
        tag_key=settings.AUDIT_KEY,  # the file name is checked even in a backup signed with the key
    )
    with pytest.raises(CommandError, match="文件名不合法"):
        call_command("restore", str(crafted), "--force")
    assert not (tmp_path / "evil.txt").exists()


# --- forged backups: the manifest is authenticated with a key that is not in the backup -----------------------------


@pytest.fixture
def grant_line(region, branch_secretary):
    """One line for the grants table: the branch secretary made manager of the whole city."""

    def add(lines: list[bytes]) -> list[bytes]:
        row = json.loads(lines[-1])
        row[:4] = [row[0] + 1000, branch_secretary.pk, region.city.pk, "manage"]  # id, user, org, role
        return [*lines, json.dumps(row).encode() + b"\n"]

    return {"accounts_orggrant": add}


def refused(path: Path, *args: str) -> str:
    audit_rows = AuditLog.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path), "--force", *args)
    assert AuditLog.objects.count() == audit_rows  # nothing written, not even a record of the attempt
    return str(caught.value)


def test_a_grant_line_added_with_the_checksums_recomputed_is_refused(branch_secretary, saved, region, grant_line):
    """The issue's attack: every SHA-256 recomputed; only the manifest's tag, which needs the audit key, is not."""
    assert list(backup.part_rows(saved, "accounts_orggrant"))[0][:4] == [
        OrgGrant.objects.order_by("pk")[0].pk,
        *OrgGrant.objects.order_by("pk").values_list("user_id", "org_id", "role")[0],
    ]
    forged = repack(saved, saved.with_name("forged.zip"), parts=grant_line, keep_tag=True)
    assert refused(forged) == (
        "备份清单的签名不符：备份在生成后被改动过，或者由使用另一把审计密钥（audit_key / DANGJIAN_AUDIT_KEY）的"
        "系统生成，拒绝恢复。"
    )
    assert refused(forged, "--accept-unsigned") == backup.FORGED  # the override is for unsigned backups only
    assert not OrgGrant.objects.filter(user=branch_secretary, org=region.city).exists()

    untouched = repack(saved, saved.with_name("untouched.zip"), keep_tag=True)  # the same repacking, no change
    call_command("restore", str(untouched), "--force")
    assert AuditLog.objects.order_by("-seq")[0].action == AuditAction.RESTORE


def test_a_manifest_signed_with_another_key_is_refused(branch_secretary, saved, region, grant_line):
    forged = repack(saved, saved.with_name("other-key.zip"), parts=grant_line, tag_key="另一台机器的审计密钥" * 3)
    assert refused(forged) == backup.FORGED
    assert not OrgGrant.objects.filter(user=branch_secretary, org=region.city).exists()


def test_an_unsigned_backup_is_refused_unless_accepted_and_then_audited(branch_secretary, saved, region, grant_line):
    """A backup from before the tags, or with its tag removed: refused, naming the override; with it, restored and
    the RESTORE record says it was unsigned."""
    unsigned = repack(saved, saved.with_name("unsigned.zip"), parts=grant_line)
    assert refused(unsigned) == (
        "备份清单没有签名（manifest.hmac）：它可能由旧版本生成，也可能被人改过，无法确认未被篡改，拒绝恢复。"
        "确认备份来源可信时，可加 --accept-unsigned 恢复（会记入审计日志）。"
    )
    call_command("restore", str(unsigned), "--force", "--accept-unsigned")
    assert OrgGrant.objects.filter(user=branch_secretary, org=region.city).exists()  # the operator's decision
    entry = AuditLog.objects.order_by("-seq")[0]
    assert entry.action == AuditAction.RESTORE and "清单未签名，经 --accept-unsigned 接受" in entry.detail


def test_a_restore_resets_the_audit_anchor_to_the_restored_log_and_records_it(
    saved, region, django_capture_on_commit_callbacks
):
    """The restored log ends before the records written since the backup: without a reset its anchor would call
    the restore a rollback."""
    with django_capture_on_commit_callbacks(execute=True):
        record(AuditAction.UPDATE, detail="备份之后的修改")
    before = audit_anchor.read()
    assert before.seq == AuditLog.objects.order_by("-seq")[0].seq
    with django_capture_on_commit_callbacks(execute=True):
        call_command("restore", str(saved), "--force")
    entry = AuditLog.objects.order_by("-seq")[0]
    assert entry.action == AuditAction.RESTORE and entry.seq < before.seq
    assert f"审计锚点重置为恢复后的日志末尾（原为：{before}）" in entry.detail
    assert (audit_anchor.read().seq, audit_anchor.read().hash) == (entry.seq, entry.hash)
    result = verify_chain()
    assert result.ok and not result.warnings


# --- PostgreSQL: SQLite → PostgreSQL and PostgreSQL → PostgreSQL, through the real command line ---------------------

PG = "postgres://postgres@127.0.0.1:5432/"


def dangjian(db: str, data_dir: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": PG + db,
        "DANGJIAN_DATA_DIR": str(data_dir),
        "DANGJIAN_FIELD_KEY": settings.FIELD_KEY,
        "DANGJIAN_AUDIT_KEY": settings.AUDIT_KEY,  # the backups' manifests are signed with it
    }
    done = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [str(Path(sys.executable).with_name("dangjian")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def pg_database():
    """Creates PostgreSQL databases of our own (empty, or copied from a template), dropped afterwards."""
    names = []

    def create(template: str = "") -> str:
        name = f"dj_backup_{uuid.uuid4().hex[:10]}"
        extra = ["-T", template] if template else []
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", *extra, name], check=True)  # noqa: S603,S607
        names.append(name)
        return name

    yield create
    for name in names:
        dropdb = ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "-f", name]
        subprocess.run(dropdb, check=True)  # noqa: S603,S607


def test_sqlite_to_postgresql_and_postgresql_to_postgresql(saved, pg_database, tmp_path):
    """From the test database (SQLite, or PostgreSQL when the suite runs there) into PostgreSQL, and on."""
    from django.db import connection

    first = pg_database()
    data_dir = tmp_path / "pg-data"
    dangjian(first, data_dir, "migrate", "-v0", "--skip-checks")
    second = pg_database(template=first)  # migrated and empty as well
    assert f"来源数据库 {connection.vendor}" in dangjian(first, data_dir, "restore", str(saved), "--skip-checks")
    probe = (
        "from dangjian.members.models import Member; from dangjian.core.crypto import digest;"
        f"print(Member.objects.get(id_number_digest=digest('{id_number(5)}')).phone)"
    )
    assert dangjian(first, data_dir, "shell", "--no-imports", "-c", probe).strip() == "13800001111"
    from_pg = tmp_path / "from-pg.zip"
    dangjian(first, data_dir, "backup", str(from_pg), "--skip-checks")
    assert json.loads(zipfile.ZipFile(from_pg).read("manifest.json"))["vendor"] == "postgresql"
    assert_same_data(saved, from_pg)

    dangjian(second, data_dir, "restore", str(from_pg), "--skip-checks")
    again = tmp_path / "again.zip"
    dangjian(second, data_dir, "backup", str(again), "--skip-checks")
    assert_same_data(from_pg, again)
    # Sequences were reset: a new member gets a fresh id instead of colliding with a restored one.
    # (The organization is a restored one: ids are not 1, 2, … when the suite runs on PostgreSQL, whose sequences
    # the rolled-back tests before this one advanced.)
    last = Member.objects.order_by("-pk")[0]
    new_id = (
        "from dangjian.members.models import Member;"
        f"print(Member.objects.create(name='新', gender='male', org_id={last.org_id}).pk)"
    )
    assert int(dangjian(second, data_dir, "shell", "--no-imports", "-c", new_id)) > last.pk

"""Backup and restore of the whole database as one file, portable between SQLite and PostgreSQL.

The file is a zip: `manifest.json` (format version, creation time, database vendor, applied migrations, and per
table its columns, row count and SHA-256), `manifest.sha256`, `manifest.hmac`, and one JSON-lines part per table
(`tables/<db_table>.jsonl`, one JSON array per row in column order). Values are the raw column values: encrypted
fields stay the ciphertext stored in the database; key files are not in the backup.

Backup reads one consistent snapshot (one transaction, REPEATABLE READ on PostgreSQL) and streams rows through the
zip, so memory stays bounded whatever the size. Uploaded files (MEDIA_ROOT) travel under `files/`, the audit
log's change-set files (`core.changesets`) under `changesets/`, each checked the same way. Restore verifies every
checksum before writing anything, then replaces every table in one transaction (foreign keys are checked at
commit: Django creates them deferrable), and only then puts the files back.

The SHA-256 sums find damage, not forgery: whoever edits a part can recompute them. So the manifest, which holds
every part's sum, is also authenticated: `manifest.hmac` is HMAC-SHA256 over it with a key derived from the audit
key, which is not in the backup. Restore refuses a manifest whose tag does not verify; one without a tag (made
before tags, or stripped) only with `accept_unsigned`, and says so in its audit record.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import os
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import ExpressionWrapper, F
from django.utils import timezone
from django.utils.duration import duration_iso_string

from . import audit_anchor, crypto

FORMAT = "dangjian-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
MANIFEST_TAG = "manifest.hmac"
TAG_LABEL = b"dangjian-backup-manifest-v1"  # derives the tag key from the audit key: one key, separate uses
SKIPPED_APPS = {"sessions"}  # sessions are not data; restore clears them so no old login maps to another user
# Rows that `migrate` itself writes: a freshly migrated database holding only these counts as empty.
SEEDED = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
    "core.auditchainhead",
    "rulebook.rule",  # the rules and their sources, seeded by rulebook/0002
}
CHUNK = 2_000
FLUSH = 1 << 20


class BackupError(Exception):
    """A backup file that cannot be restored here; the message says why, in Chinese."""


def backup_models() -> list[type[models.Model]]:
    """Every table of every installed app (m2m tables included), parents before children."""
    seen: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in SKIPPED_APPS or meta.db_table in seen:
            continue
        seen[meta.db_table] = model
    return _dependency_order(list(seen.values()))


def _dependency_order(models_: list[type[models.Model]]) -> list[type[models.Model]]:
    remaining = {m: {f.related_model for f in m._meta.local_concrete_fields if f.is_relation} - {m} for m in models_}
    ordered: list[type[models.Model]] = []
    while remaining:
        ready = [m for m, deps in remaining.items() if not deps & remaining.keys()] or list(remaining)[:1]
        for m in ready:  # a cycle falls through one model at a time; deferred constraints cover it
            ordered.append(m)
            del remaining[m]
    return ordered


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.local_concrete_fields)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _plain(value: Any) -> Any:
    """JSON form of the column types Django returns; restore turns them back with the field's to_python."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _raw_rows(model: type[models.Model]) -> Iterator[tuple]:
    """Rows as stored: encrypted fields read through a plain text expression, so nothing is decrypted."""
    exprs: list[Any] = [
        ExpressionWrapper(F(f.attname), output_field=models.TextField())
        if isinstance(f, crypto.EncryptedCharField)
        else f.attname
        for f in _columns(model)
    ]
    return model._base_manager.order_by("pk").values_list(*exprs).iterator(chunk_size=CHUNK)


def applied_migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int


def write_backup(path: Path, log: Callable[[str], None] = lambda _: None) -> BackupResult:
    """Write the snapshot to `path` (through a temporary file, so a failed run leaves no half backup)."""
    tmp = path.with_name(path.name + ".partial")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "key_files_included": False,
        "tables": [],
    }
    total = 0
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            outer = connection.in_atomic_block  # called inside a transaction (tests, a caller's): its snapshot is used
            with transaction.atomic():
                if connection.vendor == "postgresql" and not outer:
                    with connection.cursor() as cursor:  # must be the transaction's first statement
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                manifest["migrations"] = applied_migrations()
                for model in backup_models():
                    entry = _write_part(zf, model)
                    manifest["tables"].append(entry)
                    total += entry["rows"]
                    log(f"{model._meta.verbose_name}（{entry['table']}）：{entry['rows']} 行")
            manifest["files"] = [_write_file(zf, f, root) for f, root in _media_files()]
            manifest["changesets"] = [_write_file(zf, f, root, "changesets/") for f, root in _changeset_files()]
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            zf.writestr(MANIFEST, body)
            zf.writestr(MANIFEST_SUM, hashlib.sha256(body).hexdigest())
            zf.writestr(MANIFEST_TAG, manifest_tag(body))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(path, len(manifest["tables"]), total, len(manifest["files"]))


def manifest_tag(body: bytes) -> str:
    """The manifest's authentication tag: HMAC-SHA256 under a key derived from the audit key (kept outside the
    database and the backup), so nobody without that key can change a part and fix up the manifest to match."""
    key = hmac.new(settings.AUDIT_KEY.encode(), TAG_LABEL, hashlib.sha256).digest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _write_part(zf: zipfile.ZipFile, model: type[models.Model]) -> dict[str, Any]:
    table = model._meta.db_table
    name = f"tables/{table}.jsonl"
    sha, rows, buf = hashlib.sha256(), 0, bytearray()
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as part:
        for row in _raw_rows(model):
            buf += json.dumps(row, default=_plain, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            rows += 1
            if len(buf) >= FLUSH:
                sha.update(buf)
                part.write(buf)
                buf.clear()
        sha.update(buf)
        part.write(buf)
    return {
        "table": table,
        "model": _label(model),
        "part": name,
        "columns": [f.column for f in _columns(model)],
        "rows": rows,
        "sha256": sha.hexdigest(),
    }


def _media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


def _media_files() -> Iterator[tuple[Path, Path]]:
    """Uploaded files (evidence, reports): the rows only name them, so they travel beside the tables."""
    root = _media_root()
    if root and root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path, root


def _changeset_files() -> Iterator[tuple[Path, Path]]:
    """The audit log's change-set files: the IMPORT records hash them, so a restored log needs them to verify."""
    from .changesets import folder

    root = folder()
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.is_file():
                yield path, root


def _write_file(zf: zipfile.ZipFile, path: Path, root: Path, prefix: str = "files/") -> dict[str, Any]:
    rel = path.relative_to(root).as_posix()
    info = zipfile.ZipInfo(prefix + rel, date_time=time.localtime(path.stat().st_mtime)[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    sha = hashlib.sha256()
    with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as part:
        while block := src.read(FLUSH):
            sha.update(block)
            part.write(block)
    return {"path": rel, "part": info.filename, "sha256": sha.hexdigest()}


def _file_target(entry: dict[str, Any], root: Path) -> Path:
    target = (root / entry["path"]).resolve()
    if not target.is_relative_to(root.resolve()):  # a crafted name such as ../../etc/passwd
        raise BackupError(f"备份中的文件名不合法：{entry['path']}")
    return target


def _check_file(zf: zipfile.ZipFile, entry: dict[str, Any]) -> None:
    sha = hashlib.sha256()
    with zf.open(entry["part"]) as part:
        while block := part.read(FLUSH):
            sha.update(block)
    if sha.hexdigest() != entry["sha256"]:
        raise BackupError(f"{_BROKEN}：文件 {entry['path']} 的校验值不符")


def _restore_files(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Put the uploaded and change-set files back (already verified); files of the same name are replaced, others
    left."""
    from .changesets import folder

    root = _media_root()
    if root is not None:
        _put_back(zf, manifest.get("files", []), root)
    _put_back(zf, manifest.get("changesets", []), folder())


def _put_back(zf: zipfile.ZipFile, entries: list[dict[str, Any]], root: Path) -> None:
    for entry in entries:
        target = _file_target(entry, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        with zf.open(entry["part"]) as part, open(tmp, "wb") as out:
            while block := part.read(FLUSH):
                out.write(block)
        tmp.replace(target)


# --- restore -------------------------------------------------------------------------------------------------------

_BROKEN = "备份文件已损坏或不完整"


def _lines(zf: zipfile.ZipFile, entry: dict[str, Any]) -> Iterator[bytes]:
    """The part's lines, checking its SHA-256 and row count at the end (raises BackupError on a mismatch)."""
    sha, rows = hashlib.sha256(), 0
    with zf.open(entry["part"]) as part:
        for line in part:
            sha.update(line)
            rows += 1
            yield line
    if sha.hexdigest() != entry["sha256"] or rows != entry["rows"]:
        raise BackupError(f"{_BROKEN}：数据表 {entry['table']} 的校验值不符")


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise BackupError(f"找不到备份文件 {path}") from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BackupError(f"{_BROKEN}：不是有效的备份文件（{exc}）") from exc


UNSIGNED = (
    "备份清单没有签名（manifest.hmac）：它可能由旧版本生成，也可能被人改过，无法确认未被篡改，拒绝恢复。"
    "确认备份来源可信时，可加 --accept-unsigned 恢复（会记入审计日志）。"
)
FORGED = (
    "备份清单的签名不符：备份在生成后被改动过，或者由使用另一把审计密钥（audit_key / DANGJIAN_AUDIT_KEY）的"
    "系统生成，拒绝恢复。"
)


def is_signed(zf: zipfile.ZipFile) -> bool:
    return MANIFEST_TAG in zf.namelist()


def read_manifest(zf: zipfile.ZipFile, *, accept_unsigned: bool = False) -> dict[str, Any]:
    """The manifest, once it is whole (its SHA-256) and authentic (its tag; a missing tag only if accepted)."""
    try:
        body = zf.read(MANIFEST)
        expected = zf.read(MANIFEST_SUM).decode().strip()
    except KeyError as exc:
        raise BackupError(f"{_BROKEN}：缺少清单文件") from exc
    if hashlib.sha256(body).hexdigest() != expected:
        raise BackupError(f"{_BROKEN}：清单校验值不符")
    if not is_signed(zf):
        if not accept_unsigned:
            raise BackupError(UNSIGNED)
    elif not hmac.compare_digest(zf.read(MANIFEST_TAG).decode(errors="replace").strip(), manifest_tag(body)):
        raise BackupError(FORGED)
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('version')} 不受支持（本系统为 {FORMAT_VERSION}）")
    return manifest


def verify(path: Path, *, accept_unsigned: bool = False) -> dict[str, Any]:
    """Read the whole file once and check the manifest and every part's checksum; returns the manifest."""
    try:
        with _open(path) as zf:
            manifest = read_manifest(zf, accept_unsigned=accept_unsigned)
            for entry in manifest["tables"]:
                for _ in _lines(zf, entry):
                    pass
            from .changesets import folder

            root = _media_root() or Path("/nonexistent")
            for entries, under in ((manifest.get("files", []), root), (manifest.get("changesets", []), folder())):
                for entry in entries:
                    _file_target(entry, under)
                    _check_file(zf, entry)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{_BROKEN}（{exc}）") from exc
    return manifest


def _check_fits(manifest: dict[str, Any]) -> dict[str, type[models.Model]]:
    """The backup must describe exactly this schema: same migrations, same tables, same columns."""
    here, there = {tuple(m) for m in applied_migrations()}, {tuple(m) for m in manifest["migrations"]}
    if here != there:
        missing = sorted(there - here)[:3]
        extra = sorted(here - there)[:3]
        raise BackupError(
            "数据库结构与备份不一致：请先用生成该备份的系统版本执行 dangjian migrate。"
            + (f" 备份有而本库没有的迁移：{missing}。" if missing else "")
            + (f" 本库有而备份没有的迁移：{extra}。" if extra else "")
        )
    models_ = {m._meta.db_table: m for m in backup_models()}
    tables = {e["table"] for e in manifest["tables"]}
    if tables != models_.keys():
        raise BackupError(f"备份中的数据表与本系统不一致：{sorted(tables ^ models_.keys())[:5]}")
    for entry in manifest["tables"]:
        if entry["columns"] != [f.column for f in _columns(models_[entry["table"]])]:
            raise BackupError(f"数据表 {entry['table']} 的列与本系统不一致")
    return models_


def holds_data() -> list[str]:
    """Tables holding rows other than those `migrate` writes by itself."""
    return [
        m._meta.db_table
        for m in backup_models()
        if _label(m) not in SEEDED and m._meta.db_table and m._base_manager.exists()
    ]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    rows: int


def restore(
    path: Path,
    *,
    force: bool = False,
    accept_unsigned: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> RestoreResult:
    """Replace the database's contents with the backup's, all or nothing.

    The audit log comes back as it was at the backup, so its anchor (`audit_anchor`), which no rollback may pass
    unnoticed, is reset to the restored log's end once the restore commits; the RESTORE record says so.
    """
    from .audit import record
    from .models import AuditAction

    manifest = verify(path, accept_unsigned=accept_unsigned)
    models_ = _check_fits(manifest)
    if not force and (busy := holds_data()):
        raise BackupError(f"目标数据库不是空的（{', '.join(busy[:5])} 等表已有数据）：确认要覆盖请加 --force")
    qn = connection.ops.quote_name
    total = 0
    try:
        with _open(path) as zf, transaction.atomic():
            ordered = [models_[e["table"]] for e in manifest["tables"]]
            session = apps.get_model("sessions", "Session") if apps.is_installed("django.contrib.sessions") else None
            if session:
                _forget_cached_sessions(session)
            for model in [*reversed(ordered), *([session] if session else [])]:
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608 - names from the model registry, quoted
            for entry in manifest["tables"]:
                model = models_[entry["table"]]
                total += _insert(model, _lines(zf, entry))
                log(f"{model._meta.verbose_name}（{entry['table']}）：{entry['rows']} 行")
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), ordered):
                    cursor.execute(sql)
            unsigned = "" if is_signed(zf) else "；清单未签名，经 --accept-unsigned 接受"
            audit_anchor.reset_on_commit()  # registered before the record: see reset_on_commit
            record(
                AuditAction.RESTORE,
                detail=f"从备份恢复（{manifest['created_at']} 生成于 {manifest['vendor']}，共 {total} 行{unsigned}）；"
                f"审计锚点重置为恢复后的日志末尾（原为：{_anchor_shown()}）",
            )
        with _open(path) as zf:  # only once the tables are committed
            _restore_files(zf, manifest)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, ValidationError) as exc:
        raise BackupError(f"{_BROKEN}（{exc}）") from exc
    except DatabaseError as exc:
        raise BackupError(f"写入数据库失败，已全部撤销：{exc}") from exc
    finally:
        ContentType.objects.clear_cache()
    return RestoreResult(manifest, total)


def _forget_cached_sessions(session: type[models.Model]) -> None:
    """Drop the cached copies of the sessions the restore deletes (`cached_db` sessions, with Redis): a copy left
    behind would keep a login alive on a database where its user id may be somebody else.

    Dropped now and again once the restore commits: a request in between may read a session from the database's
    old rows and cache it anew.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    prefix = getattr(store, "cache_key_prefix", None)
    if prefix is None:  # sessions in the database only
        return
    cache = caches[settings.SESSION_CACHE_ALIAS]
    keys = [prefix + key for key in session._base_manager.values_list("session_key", flat=True).iterator()]

    def forget() -> None:
        for start in range(0, len(keys), 1000):
            cache.delete_many(keys[start : start + 1000])

    forget()
    transaction.on_commit(forget)


def _anchor_shown() -> str:
    try:
        current = audit_anchor.read()
    except audit_anchor.AnchorUnreadable as exc:
        return str(exc)
    return str(current) if current else "无"


def _insert(model: type[models.Model], lines: Iterator[bytes]) -> int:
    """Insert rows as stored: values pass the field's to_python and backend adaptation, never its encryption."""
    fields = _columns(model)
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    if connection.vendor == "postgresql":
        # COPY: a province's five million members come back in minutes rather than an hour of INSERTs.
        sql = f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN"
    else:
        sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - registry names, quoted
    count, batch = 0, []
    for line in lines:
        row = json.loads(line)
        batch.append(
            [
                None if v is None else f.get_db_prep_value(f.to_python(v), connection, prepared=True)
                for f, v in zip(fields, row, strict=True)
            ]
        )
        if len(batch) >= CHUNK:
            count += _flush(sql, batch)
    return count + _flush(sql, batch)


def _flush(sql: str, batch: list[list[Any]]) -> int:
    if batch and sql.startswith("COPY "):
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in batch:
                copy.write_row(row)
    elif batch:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    n = len(batch)
    batch.clear()
    return n


def part_rows(path: Path, table: str) -> Iterator[list[Any]]:
    """The rows of one table in a backup file, as JSON values (for checks and tests)."""
    with _open(path) as zf:
        manifest = read_manifest(zf)
        entry = next(e for e in manifest["tables"] if e["table"] == table)
        for line in _lines(zf, entry):
            yield json.loads(line)


__all__ = ["BackupError", "backup_models", "part_rows", "restore", "verify", "write_backup"]

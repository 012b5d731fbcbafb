"""Field-key rotation: re-encrypt every encrypted column under a new key (and cipher), recompute the digests.

It is also how an installation leaves the first versions' key derivation: a new key is always HKDF-derived
(`new_secret`, `crypto.FieldKey`), and its digests replace the old ones in the same transaction, so search and
uniqueness hold before, during and after.

The rewrite is one transaction: either every value is under the new key or none is. Values already under the new
key and cipher are skipped, so running it again after an interruption finishes the job. Key files are handled by the
command (`rotate_field_key`), which keeps the new key on disk before the database changes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, models, transaction

from . import crypto
from .audit import record
from .models import AuditAction

BATCH = 2_000
PENDING = crypto.KEY_FILE + ".new"


def new_secret() -> str:
    """A new key's text: 32 random bytes, tagged for HKDF derivation (`crypto.FieldKey`)."""
    return crypto.HKDF_TAG + secrets.token_urlsafe(32)


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[tuple[models.Field, models.Field | None]]]]:
    """Every concrete model with encrypted fields, each field paired with its `<name>_digest` sibling if any."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name: f for f in model._meta.local_concrete_fields}
        pairs = [
            (f, names.get(f.name + "_digest"))
            for f in model._meta.local_concrete_fields
            if isinstance(f, crypto.EncryptedCharField)
        ]
        if pairs:
            yield model, pairs


@dataclass
class RotationResult:
    rewritten: int = 0
    skipped: int = 0


def rotate(
    ring: crypto.KeyRing,
    *,
    batch_size: int = BATCH,
    log: Callable[[str], None] = lambda _: None,
) -> RotationResult:
    """Re-encrypt every encrypted value under `ring.current` with `ring.cipher`; `ring` must also hold the old keys.

    Raw SQL on purpose: the ORM would decrypt and re-encrypt under the settings' key, not the new one.
    """
    result = RotationResult()
    qn = connection.ops.quote_name
    with transaction.atomic():
        for model, pairs in encrypted_columns():
            table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
            cols = [f.column for f, _ in pairs]
            select = f"SELECT {pk}, {', '.join(qn(c) for c in cols)} FROM {table} WHERE {pk} > %s ORDER BY {pk}"  # noqa: S608 - names from the model registry
            sets = [f"{qn(f.column)} = %s" for f, _ in pairs] + [f"{qn(d.column)} = %s" for _, d in pairs if d]
            update = f"UPDATE {table} SET {', '.join(sets)} WHERE {pk} = %s"  # noqa: S608 - names from the model registry
            last = _before_first(model)
            while True:
                with connection.cursor() as cursor:
                    cursor.execute(f"{select} LIMIT {int(batch_size)}", [last])
                    rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                params = []
                for pk_value, *tokens in rows:
                    if all(crypto.is_current(t or "", ring.current, ring.cipher) for t in tokens):
                        result.skipped += 1
                        continue
                    clear = [crypto.open_with(t or "", ring) for t in tokens]
                    sealed = [crypto.seal(c, ring.current, ring.cipher) for c in clear]
                    digests = [crypto.digest(c, ring.current) for c, (_, d) in zip(clear, pairs, strict=True) if d]
                    params.append([*sealed, *digests, pk_value])
                if params:
                    with connection.cursor() as cursor:
                        cursor.executemany(update, params)
                result.rewritten += len(params)
            log(f"{model._meta.verbose_name}：已处理至编号 {last}")
        record(
            AuditAction.KEY_ROTATE,
            detail=f"字段密钥更换为 {ring.current.kid}（{ring.cipher}，{ring.current.derivation} 派生），"
            f"重新加密 {result.rewritten} 行并重算检索索引，跳过 {result.skipped} 行",
        )
    return result


def _before_first(model: type[models.Model]):
    """A value below every primary key, for keyset paging (integer keys, or text keys such as UUIDs)."""
    internal = model._meta.pk.get_internal_type()
    return -(2**63) if internal in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField") else ""


def write_key_file(path: Path, secret: str) -> None:
    """Write a key file readable by the owner only, flushed to disk before the database depends on it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(secret)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.chmod(0o600)
    tmp.replace(path)


def retire_current_and_promote(data_dir: Path) -> Path:
    """`field_key` becomes `field_key.<n>` (next free n); the pending `field_key.new` becomes `field_key`."""
    n = 1
    while (data_dir / f"{crypto.KEY_FILE}.{n}").exists():
        n += 1
    retired = data_dir / f"{crypto.KEY_FILE}.{n}"
    (data_dir / crypto.KEY_FILE).replace(retired)
    (data_dir / PENDING).replace(data_dir / crypto.KEY_FILE)
    return retired

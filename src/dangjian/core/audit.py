"""Writing audit records. Services call `record` (bulk importers `record_many`) inside their own transaction.

Records are appended to a hash chain (`audit_chain`); once committed, the last one is written to the anchor outside
the database (`audit_anchor`); `audit_verify` checks both and prunes past the retention.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import json
import operator
import uuid
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from . import audit_anchor
from .audit_chain import GENESIS, HASHED_FIELDS, entry_hash, fields_of, json_safe, seal
from .context import current_request
from .models import AuditAction, AuditChainHead, AuditLog


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete field values of a model instance as JSON-safe data, for before/after records."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, datetime.date | datetime.datetime | decimal.Decimal):
            value = str(value)
        data[field.attname] = value
    return data


DATA_VERSION_KEY = "dangjian:data-version"
_NOT_WRITES = {AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT, AuditAction.TOKEN, AuditAction.EXPORT}


def data_version() -> str:
    """A token that changes with every committed write: every write records an audit entry, so `record` renews it.
    Derived figures cached under it (home counts) are never older than the last write, in every server process,
    as the token lives in the shared cache (core/shared_cache.py)."""
    return cache.get_or_set(DATA_VERSION_KEY, _new_version, timeout=None)


def _new_version() -> str:
    # A fresh random token, not a counter: two processes renewing it at once can never both write the same value.
    return uuid.uuid4().hex


def _renew_data_version() -> None:
    cache.set(DATA_VERSION_KEY, _new_version(), timeout=None)


def _bump_data_version() -> None:
    """Renew the version once the write commits: before it, another process could cache figures that miss the
    write under the new version. Once per transaction, however many records it writes."""
    if not any(func is _renew_data_version for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_renew_data_version)


def _entry(
    action: AuditAction | str,
    *,
    actor=None,
    obj: models.Model | None = None,
    org=None,
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
    detail: str = "",
    username: str = "",
) -> AuditLog:
    """An unsaved, not yet chained record with every value exactly as the database will give it back."""
    req = current_request()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog(
        user_id=user.pk if user else None,
        username=(username or (user.get_username() if user else ""))[:150],
        action=str(action),
        success=bool(success),
        object_type=obj._meta.model_name[:50] if obj is not None else "",
        object_id=str(obj.pk)[:64] if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        org_id_snapshot=org.pk if org is not None else None,
        org_path=org.path[:255] if org is not None else "",
        before=json_safe(before),
        after=json_safe(after),
        request_id=(req.request_id if req else "")[:32],
        ip=(req.ip if req else "")[:64],
        detail=(detail or "")[:500],
    )


def _lock_head(count: int) -> AuditChainHead:
    """Reserve `count` sequence numbers and lock the chain head until the caller's transaction ends.

    The head is updated before it is read: the UPDATE takes the row lock on PostgreSQL and the write lock on
    SQLite (where a read first would let two writers start from the same head and one fail on upgrade), so
    concurrent writers queue here and each reads the head its predecessor left. Only portable SQL.
    """
    if not AuditChainHead.objects.filter(pk=1).update(seq=F("seq") + count):
        _create_head()
        AuditChainHead.objects.filter(pk=1).update(seq=F("seq") + count)
    return AuditChainHead.objects.get(pk=1)


def locked_head() -> tuple[int, str]:
    """The chain's last record as (seq, hash), its head locked until the caller's transaction ends, so the next
    record the caller appends follows exactly this head. A random draw takes the hash as a value nobody could know
    before that moment (inspections/services.py: make_draw)."""
    head = _lock_head(0)
    return head.seq, head.hash


def _create_head() -> None:
    """The head is made by migration 0005; this recovers an emptied database (a test database flush) with a sealed
    head. A head lost while rows remain was deleted: the numbering continues from the last row, but the new head is
    left unsealed, so verification goes on reporting the loss."""
    last = AuditLog.objects.order_by("-seq").values("seq", "hash").first()
    if last is None:
        defaults = {"seq": 0, "hash": GENESIS, "seal": seal(0, GENESIS)}
    else:
        defaults = {"seq": last["seq"], "hash": last["hash"], "seal": ""}
    AuditChainHead.objects.get_or_create(pk=1, defaults=defaults)


def _append(entries: list[AuditLog]) -> list[AuditLog]:
    """Chain and insert `entries` in order: one head update and read, the insert(s), one head update."""
    with transaction.atomic(savepoint=False):
        head = _lock_head(len(entries))
        seq, prev_hash = head.seq - len(entries), head.hash
        # A head whose seal does not hold was altered (e.g. moved back over deleted rows): never re-seal it, so
        # verification keeps reporting it after later writes instead of the next write quietly healing it.
        sealed = head.seal == seal(seq, prev_hash)
        now = timezone.now()
        for entry in entries:
            seq += 1
            entry.seq, entry.at, entry.prev_hash = seq, now, prev_hash
            entry.hash = prev_hash = entry_hash(fields_of(entry), prev_hash)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditLog.objects.bulk_create(entries, batch_size=500)
        AuditChainHead.objects.filter(pk=1).update(hash=prev_hash, seal=seal(seq, prev_hash) if sealed else head.seal)
        audit_anchor.advance_on_commit(seq)  # only once committed: a rolled-back append never moves the anchor
    return entries


def record(
    action: AuditAction | str,
    *,
    actor=None,
    obj: models.Model | None = None,
    org=None,
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
    detail: str = "",
    username: str = "",
) -> AuditLog:
    """Append one audit record, taking request id and address from the current request if there is one.

    Called inside the service's transaction: the record commits or rolls back with the write it describes, and
    the chain head stays locked until then (four short queries: reserve and read the head, insert, update it).
    """
    if action not in _NOT_WRITES:
        _bump_data_version()
    entry = _entry(
        action,
        actor=actor,
        obj=obj,
        org=org,
        before=before,
        after=after,
        success=success,
        detail=detail,
        username=username,
    )
    return _append([entry])[0]


def record_many(entries: list[dict[str, Any]]) -> list[int]:
    """Append many audit records in one go, chained in the order given (bulk imports).

    Each item of `entries` is a dict of the keyword arguments of `record` plus `action`, e.g.
    `{"action": AuditAction.CREATE, "actor": user, "obj": member, "org": member.org, "after": {...}}`; instead of
    `obj` an item may give `object_type`, `object_id` and `object_repr` (a bulk writer that has no instances).
    The chain head is locked once and the rows are inserted in multi-row statements; call it inside the import's
    transaction. Returns the records' sequence numbers (`seq`), in order.

    The records are the ones `record` would write, chained the same way; what differs is speed: no model instance
    per row, the JSON of before/after serialized once (its canonical text is both the stored value and part of the
    hashed text) and the other fields hashed around it, the rows inserted by `core.bulk_insert` (COPY on PostgreSQL).
    """
    if not entries:
        return []
    req = current_request()
    request_id, ip = (req.request_id if req else "")[:32], (req.ip if req else "")[:64]
    users: dict[int, tuple[int | None, str]] = {}
    rows = []
    for item in entries:
        rows.append(_fast_entry(users, request_id, ip, **item))
    if any(row["action"] not in _NOT_WRITES for row in rows):
        _bump_data_version()
    return _append_many(rows)


_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode  # = audit_chain.canonical
_PLAIN = frozenset({str, int, bool, type(None)})
_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")


def _json_text(value: Any) -> str | None:
    """The canonical JSON text of a before/after value as the database gives it back (`json_safe`); None for NULL."""
    if value is None:
        return None
    if type(value) is dict and all(type(k) is str for k in value) and all(type(v) in _PLAIN for v in value.values()):
        return _JSON(value)  # a flat dict of plain values (a snapshot): the JSON round trip would not change it
    return _JSON(json_safe(value))


def _fast_entry(
    users: dict,
    request_id: str,
    ip: str,
    action: AuditAction | str,
    *,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org=None,
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
    detail: str = "",
    username: str = "",
) -> dict[str, Any]:
    """The column values of one record as `_entry` sets them, before/after as JSON text, without a model instance."""
    key = id(actor)
    if key not in users:
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        users[key] = (user.pk, user.get_username()) if user else (None, "")
    user_id, user_name = users[key]
    if obj is not None:
        object_type = obj._meta.model_name
        object_id = str(obj.pk) if obj.pk is not None else ""
        object_repr = str(obj)
    return {
        "user_id": user_id,
        "username": (username or user_name)[:150],
        "action": str(action),
        "success": bool(success),
        "object_type": object_type[:50],
        "object_id": str(object_id)[:64],
        "object_repr": str(object_repr)[:200],
        "org_id_snapshot": org.pk if org is not None else None,
        "org_path": org.path[:255] if org is not None else "",
        "before": _json_text(before),  # as text from here on: the stored value and part of the hashed text
        "after": _json_text(after),
        "request_id": request_id,
        "ip": ip,
        "detail": (detail or "")[:500],
    }


def _append_many(rows: list[dict[str, Any]]) -> list[int]:
    """Chain and insert `rows` as `_append` does; the hashed text is `audit_chain.canonical` of the record's fields,
    assembled from the JSON texts of before/after and one serialization of the other fields (sorted after them)."""
    from .audit_chain import _key, canonical_time
    from .bulk_insert import insert_rows

    with transaction.atomic(savepoint=False):
        head = _lock_head(len(rows))
        seq, prev_hash = head.seq - len(rows), head.hash
        sealed = head.seal == seal(seq, prev_hash)  # as in _append: an altered head is never re-sealed
        now = timezone.now()
        at_text = _JSON(canonical_time(now))
        db_now = connection.ops.adapt_datetimefield_value(now)
        mac = hmac.new(_key(), digestmod=hashlib.sha256)
        values = []
        columns = operator.itemgetter(*_COLUMNS)
        for row in rows:
            seq += 1
            rest = {name: row[name] for name in _AFTER_BEFORE}
            rest["seq"], rest["prev_hash"] = seq, prev_hash
            text = (
                f'{{"action":{_JSON(row["action"])},"after":{row["after"] or "null"},"at":{at_text},'
                f'"before":{row["before"] or "null"},{_JSON(rest)[1:]}'
            )
            h = mac.copy()
            h.update(text.encode())
            row["seq"], row["at"], row["prev_hash"] = seq, db_now, prev_hash
            row["hash"] = prev_hash = h.hexdigest()
            values.append(columns(row))
        insert_rows(AuditLog, [AuditLog._meta.get_field(name).column for name in _COLUMNS], values)
        AuditChainHead.objects.filter(pk=1).update(hash=prev_hash, seal=seal(seq, prev_hash) if sealed else head.seal)
        audit_anchor.advance_on_commit(seq)
    return [row["seq"] for row in rows]


# The hashed fields whose names sort after "before" (all but action, after, at, before), plus prev_hash and seq.
_AFTER_BEFORE = tuple(name for name in HASHED_FIELDS if name > "before" and name != "seq")

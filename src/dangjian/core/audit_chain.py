"""The audit log's hash chain: how one record's hash is computed from its fields and the previous record's hash.

Each record's `hash` is HMAC-SHA256, keyed with `settings.AUDIT_KEY`, over a canonical serialization (JSON with
sorted keys, no spaces, ASCII only) of every recorded field plus `prev_hash`, the hash of the record before it.
HMAC rather than a plain SHA-256: with a plain hash anyone who can write the database (a DBA, an SQL injection)
could alter a row and recompute every later hash; with a key kept outside the database they cannot.

Pure functions without models, so migrations can use them as well.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

# Every recorded field of AuditLog except the database id (assigned after the hash is computed) and the hash itself.
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "success",
    "object_type",
    "object_id",
    "object_repr",
    "org_id_snapshot",
    "org_path",
    "before",
    "after",
    "request_id",
    "ip",
    "detail",
)
GENESIS = ""  # prev_hash of the very first record


def _key() -> bytes:
    return settings.AUDIT_KEY.encode()


def canonical_time(value: datetime.datetime) -> str:
    """UTC with microseconds: what both SQLite and PostgreSQL give back for a stored aware datetime."""
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def fields_of(row: Any) -> dict[str, Any]:
    """The hashed fields of a record given as a model instance (also a migration's) or a `values()` dict."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    data = {name: get(name) for name in HASHED_FIELDS}
    data["at"] = canonical_time(data["at"])
    data["action"] = str(data["action"])
    return data


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """The chain hash of one record: HMAC over its fields and the previous record's hash."""
    return hmac.new(_key(), canonical({**fields, "prev_hash": prev_hash}), hashlib.sha256).hexdigest()


def seal(seq: int, hash_: str) -> str:
    """A keyed seal over a (seq, hash) pair, for the chain head and the prune checkpoints: without the key nobody
    can move the head back to hide deleted rows at the end, or forge a checkpoint to hide deleted rows at the start."""
    return hmac.new(_key(), canonical({"seq": seq, "hash": hash_}), hashlib.sha256).hexdigest()


def anchor_seal(seq: int, hash_: str, at: str) -> str:
    """The seal of the anchor file (`audit_anchor`), labelled so that it is never a valid head or checkpoint seal."""
    return hmac.new(_key(), canonical({"anchor": seq, "hash": hash_, "at": at}), hashlib.sha256).hexdigest()


def json_safe(value: Any) -> Any:
    """A before/after value exactly as it will come back from the database's JSON column (tuples become lists,
    integer keys become strings), so the hash computed at writing matches the one recomputed at verification."""
    if value is None:
        return None
    return json.loads(json.dumps(value))

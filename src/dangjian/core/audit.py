"""Writing audit records. Services call `record` inside their own transaction."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.cache import cache
from django.db import models

from .context import current_request
from .models import AuditAction, AuditLog


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


def data_version() -> int:
    """A number that changes with every write: every write records an audit entry, so `record` bumps it.
    Derived figures cached under it (home counts) are never older than the last write."""
    return cache.get_or_set(DATA_VERSION_KEY, 0, timeout=None)


def _bump_data_version() -> None:
    try:
        cache.incr(DATA_VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(DATA_VERSION_KEY, 1, timeout=None)


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
    """Append one audit record, taking request id and address from the current request if there is one."""
    req = current_request()
    if action not in _NOT_WRITES:
        _bump_data_version()
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        user=user,
        username=username or (user.get_username() if user else ""),
        action=action,
        success=success,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        org_id_snapshot=org.pk if org is not None else None,
        org_path=org.path if org is not None else "",
        before=before,
        after=after,
        request_id=req.request_id if req else "",
        ip=req.ip if req else "",
        detail=detail[:500],
    )

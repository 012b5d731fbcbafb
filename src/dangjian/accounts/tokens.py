"""API tokens (接口令牌): issued, checked, expired and revoked, each step audited.

A token lives like a web session: it ends after the policy's idle minutes without a request and, however busy,
the policy's absolute hours after it was issued (`accounts/middleware.py` holds the session's side of the rule).
It is revoked when the password changes (by the user or a reset), on the user's own logout, when the account is
locked out or deactivated, and by hand from the token page or by the security administrator.
Only a digest is stored; the clear token is returned once, by `issue_token`.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.context import current_request
from dangjian.core.models import AuditAction
from dangjian.core.services import OutOfScope

from .models import ApiToken, SecurityPolicy

TOKEN_BYTES = 32
# The last use is written at most once a minute (and at least every tenth of the idle limit, so a one-minute limit
# stays usable), so a busy script does not write on every request. The idle check reads the stored time before
# any write, on every request: a token may end that much early, never late (as SEEN_EVERY for sessions).
TOUCH_EVERY = datetime.timedelta(seconds=60)
EXPIRED = "令牌已过期，请重新获取。"
END_DETAILS = {
    "idle": "接口令牌无操作超过{idle}分钟，已失效",
    "absolute": "接口令牌签发超过{hours}小时，已失效",
}


class TokenExpired(Exception):
    """The presented token has passed a limit; it has been deleted and the expiry audited."""


def digest_of(key: str) -> str:
    """The stored form of a token. A plain hash is enough: the token is 256 random bits, not a password."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(user: User, *, actor, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` (never one issued before), with the policy's limits; returns it and its clear value."""
    rules = SecurityPolicy.current()
    now = timezone.now()
    key = secrets.token_urlsafe(TOKEN_BYTES)
    req = current_request()
    token = ApiToken.objects.create(
        user=user,
        digest=digest_of(key),
        label=(label or "").strip()[:100],
        address=(req.ip if req else "")[:64],
        created_at=now,
        last_used_at=now,
        idle_minutes=rules.idle_minutes,
        expires_at=now + datetime.timedelta(hours=rules.absolute_hours),
    )
    record(
        AuditAction.TOKEN,
        actor=actor,
        obj=token,
        after={"label": token.label, "idle_minutes": token.idle_minutes, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The token behind a clear value, still valid or not, with its user; None when unknown or revoked."""
    return ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()


def use_token(token: ApiToken) -> None:
    """Check the token's limits at this request and note the use; raises TokenExpired (after expiring it)."""
    now = timezone.now()
    reason = token.end_reason(now)
    if reason:
        expire_token(token, reason)
        raise TokenExpired(EXPIRED)
    if now - token.last_used_at >= min(TOUCH_EVERY, datetime.timedelta(minutes=token.idle_minutes) / 10):
        # Conditional, so two requests at once write once and a revoked token is not brought back.
        ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def expire_token(token: ApiToken, reason: str) -> None:
    """Delete a token past a limit, audited as TOKEN_EXPIRE with which limit (once, even if two requests race)."""
    deleted, _ = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        hours = int((token.expires_at - token.created_at).total_seconds() // 3600)
        detail = END_DETAILS[reason].format(idle=token.idle_minutes, hours=hours)
        record(AuditAction.TOKEN_EXPIRE, actor=token.user, obj=token, detail=f"{detail}（{token.label or '未命名'}）")


def get_token_for_user(user: User, pk) -> ApiToken:
    """One of the user's own tokens; anyone else's answers like a missing one (OutOfScope → 404)."""
    try:
        return ApiToken.objects.of(user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise OutOfScope("未找到该令牌，可能已过期或已被撤销。") from exc


@transaction.atomic
def revoke_token(token: ApiToken, *, actor, reason: str) -> None:
    """Revoke one token (the user's own, from the token page or `POST /api/token/revoke/`)."""
    deleted, _ = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        record(AuditAction.TOKEN_REVOKE, actor=actor, obj=token, detail=reason)


@transaction.atomic
def revoke_user_tokens(user: User, *, actor, reason: str) -> int:
    """Revoke every token of `user`; one audit record with the count, none when there was nothing to revoke."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if deleted:
        record(AuditAction.TOKEN_REVOKE, actor=actor, obj=user, detail=f"{reason}：撤销接口令牌 {deleted} 个")
    return deleted

"""Identification (身份鉴别): password changes, forced change and expiry, the policy, who needs a second factor.

Every account has an `AccountSecurity` row; an account without one (made by `createsuperuser` or older code)
counts as one that must change its password, so a missing row never lets anyone skip the rule.
Demo accounts are `exempt`: no forced change, no expiry, no second factor (said on the demo login page).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction

from .duties import duties_of
from .models import AccountSecurity, SecurityPolicy
from .tokens import revoke_user_tokens

FORCED = "forced"  # first login, or reset by an administrator
EXPIRED = "expired"  # older than the policy's maximum age


def policy() -> SecurityPolicy:
    """The one policy row, created with the settings' defaults on first use."""
    return SecurityPolicy.current()


@transaction.atomic
def update_policy(changes: dict, *, actor) -> SecurityPolicy:
    """Change the policy; audited as UPDATE with the values before and after."""
    row = SecurityPolicy.objects.select_for_update().get(pk=policy().pk)
    exclude = ("updated_at",)
    before = snapshot(row, exclude)
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    after = snapshot(row, exclude)
    if after != before:
        record(AuditAction.UPDATE, actor=actor, obj=row, before=before, after=after, detail="修改身份鉴别策略")
    return row


def security_of(user: User) -> AccountSecurity:
    """The user's security row; created (must change the password) when missing."""
    try:
        return user.security
    except AccountSecurity.DoesNotExist:
        row, _ = AccountSecurity.objects.get_or_create(user=user)
        user.security = row
        return row


@transaction.atomic
def set_password(user: User, raw: str, *, actor, reason: str = "") -> None:
    """Set a new password after checking the password rules (raises ValidationError with Chinese messages).

    Changed by the user themself: recorded as PASSWORD_CHANGE, and the forced change is done.
    Set by anyone else (an administrator, a command with actor=None): recorded as PASSWORD_RESET, and the
    user must change it at the next login. `reason` goes into the audit record's detail.
    Either way the user's API tokens are revoked.
    """
    validate_password(raw, user)
    own = actor is not None and actor.pk == user.pk
    user.set_password(raw)
    user.save(update_fields=["password"])
    row = security_of(user)
    row.password_changed_at = timezone.now()
    row.must_change_password = not own
    row.save(update_fields=["password_changed_at", "must_change_password"])
    action = AuditAction.PASSWORD_CHANGE if own else AuditAction.PASSWORD_RESET
    record(action, actor=actor, obj=user, detail=reason or ("本人修改密码" if own else "设置新密码，下次登录须修改"))
    # A token fetched with the old password must not outlive it (the web sessions end too: Django ties them to it).
    revoke_user_tokens(user, actor=actor, reason="密码已修改")


@transaction.atomic
def require_password_change(user: User, *, actor) -> None:
    """Make the user change the password at the next login (recorded once, when the state changes)."""
    row = security_of(user)
    if row.must_change_password:
        return
    row.must_change_password = True
    row.save(update_fields=["must_change_password"])
    record(AuditAction.PASSWORD_RESET, actor=actor, obj=user, detail="要求下次登录修改密码")


@transaction.atomic
def mark_demo_account(user: User) -> None:
    """Demo accounts open at once: no forced change, no expiry, no second factor."""
    row = security_of(user)
    row.exempt = True
    row.must_change_password = False
    row.save(update_fields=["exempt", "must_change_password"])


def password_expired(user: User, now: datetime.datetime | None = None) -> bool:
    """Whether the password is older than the policy allows (never for demo accounts)."""
    row = security_of(user)
    if row.exempt:
        return False
    if row.password_changed_at is None:
        return True  # age unknown: treat as expired rather than as fresh
    age = (now or timezone.now()) - row.password_changed_at
    return age > datetime.timedelta(days=policy().password_max_age_days)


def password_change_reason(user: User) -> str:
    """FORCED, EXPIRED or "" (nothing to do)."""
    row = security_of(user)
    if row.exempt:
        return ""
    if row.must_change_password:
        return FORCED
    return EXPIRED if password_expired(user) else ""


def totp_required(user: User) -> bool:
    """Whether the policy requires this user to use a second factor (by duty or by data role)."""
    if security_of(user).exempt:
        return False
    rules = policy()
    if set(rules.totp_duties) & duties_of(user):
        return True
    if user.is_superuser and rules.totp_duties:
        return True  # the command-line superuser is an administrator too
    return bool(rules.totp_roles) and user.grants.filter(role__in=rules.totp_roles).exists()


def totp_enabled(user: User) -> bool:
    return security_of(user).totp_confirmed_at is not None


def needs_second_factor(user: User) -> bool:
    """A second step at login: the user set TOTP up, or the policy requires it (then enrolment comes first)."""
    row = security_of(user)
    if row.exempt:
        return False
    return row.totp_confirmed_at is not None or totp_required(user)

"""Time-based one-time passwords (RFC 6238) for the second factor, with `cryptography`'s TOTP.

Six digits, 30-second steps, SHA-1: what every authenticator app (Google/Microsoft Authenticator, FreeOTP,
or the domestic ones) understands. A code is accepted one step early or late (clock drift) and only once:
the step of the last accepted code is kept, and codes of that step or earlier are refused.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time

import segno
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from .models import AccountSecurity

ISSUER = "基层党建工作管理系统"
DIGITS = 6
STEP = 30
DRIFT = 1  # steps either side


def new_secret() -> str:
    """A random 160-bit key in base32, as authenticator apps expect it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _totp(secret: str) -> TOTP:
    key = base64.b32decode(secret)
    return TOTP(key, DIGITS, SHA1(), STEP)  # noqa: S303 - RFC 6238's default, what the apps implement


def code_at(secret: str, when: float) -> str:
    """The code for a moment (tests and the enrolment check use it)."""
    return _totp(secret).generate(int(when)).decode()


def provisioning_uri(secret: str, username: str) -> str:
    return _totp(secret).get_provisioning_uri(username, ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn on the server (no script, no external service)."""
    return segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True, title="动态口令二维码"
    )


def matching_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The time step whose code equals `code`, within ±DRIFT steps and later than `after`; None if none."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit() or not secret:
        return None
    current = int((now if now is not None else time.time()) // STEP)
    found = None
    for step in range(current - DRIFT, current + DRIFT + 1):
        if after is not None and step <= after:
            continue  # used already, or older than a used one: no replay
        if hmac.compare_digest(code_at(secret, step * STEP), code):
            found = step
    return found


@transaction.atomic
def check_code(user, code: str) -> bool:
    """Check a login code of `user` against the enabled factor and use it up; a failure is audited."""
    row = AccountSecurity.objects.select_for_update().get(user=user)
    if row.totp_confirmed_at is None:
        return False
    step = matching_step(row.totp_secret, code, after=row.totp_last_step)
    if step is None:
        record(AuditAction.OTP, actor=user, success=False, detail="动态口令错误或已使用")
        return False
    row.totp_last_step = step
    row.save(update_fields=["totp_last_step"])
    return True


@transaction.atomic
def begin_enrolment(user) -> str:
    """A new secret kept (encrypted) on the account until confirmed; an enabled factor is never replaced here."""
    row = AccountSecurity.objects.select_for_update().get(user=user)
    if row.totp_confirmed_at is not None:
        raise ValueError("second factor already enabled")
    if not row.totp_secret:
        row.totp_secret = new_secret()
        row.save(update_fields=["totp_secret"])
    return row.totp_secret


@transaction.atomic
def confirm_enrolment(user, code: str) -> bool:
    """Enable the second factor when `code` matches the pending secret; audited either way."""
    row = AccountSecurity.objects.select_for_update().get(user=user)
    if not row.totp_secret or row.totp_confirmed_at is not None:
        return False
    step = matching_step(row.totp_secret, code, after=row.totp_last_step)
    if step is None:
        record(AuditAction.OTP, actor=user, success=False, detail="启用动态口令：验证码错误")
        return False
    row.totp_last_step = step
    row.totp_confirmed_at = timezone.now()
    row.save(update_fields=["totp_last_step", "totp_confirmed_at"])
    record(AuditAction.OTP, actor=user, obj=user, detail="启用动态口令")
    return True


@transaction.atomic
def reset_second_factor(user, *, actor) -> None:
    """Forget the user's second factor (lost phone): the next login enrols again if the policy requires it."""
    row = AccountSecurity.objects.select_for_update().get(user=user)
    if not row.totp_secret and row.totp_confirmed_at is None:
        return
    row.totp_secret = ""
    row.totp_confirmed_at = None
    row.totp_last_step = None
    row.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    record(AuditAction.OTP, actor=actor, obj=user, detail="重置动态口令")

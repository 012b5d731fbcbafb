"""Separation of duties (三员分立): three administrative duties, kept as Django groups.

- system administrator (系统管理员): configuration of the system (security policy, schemes);
- security administrator (安全管理员): users, roles, data scopes;
- auditor (审计管理员): reads and exports the audit log; changes nothing.

No account holds all three; the services that assign duties refuse it. These duties are separate from data
scope (OrgGrant): a duty gives no organization's data by itself.
"""

from __future__ import annotations

import time

from django.db import models


class Duty(models.TextChoices):
    SYSADMIN = "系统管理员", "系统管理员"
    SECADMIN = "安全管理员", "安全管理员"
    AUDITOR = "审计管理员", "审计管理员"


def duties_of(user) -> set[str]:
    """The duties a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_duties_cache", None)
    if cached is None:
        names = set(user.groups.filter(name__in=Duty.values).values_list("name", flat=True))
        cached = user._duties_cache = names
    return cached


def has_duty(user, duty: str) -> bool:
    return duty in duties_of(user)


def clear_duty_cache(user) -> None:
    """Forget the duties cached on this user object (after a duty is assigned or removed)."""
    user.__dict__.pop("_duties_cache", None)


SUPERUSER_LOGIN_REFUSED = "超级用户仅用于命令行维护，日常工作请使用三员账号或业务账号"


def refuse_superuser_login(user) -> str | None:
    """The message refusing a web or API login by a superuser, or None when the login may go on.

    The built-in superuser is kept for command-line maintenance (三员分立: no account does all three duties);
    the login form calls this from `confirm_login_allowed`, the token view after authenticating.
    """
    if user is not None and user.is_superuser:
        return SUPERUSER_LOGIN_REFUSED
    return None


_SESSION_KEY = "dangjian_duties"
_SESSION_TTL = 300  # seconds: the navigation may lag a duty change by this much; every page re-checks in full


def duties_context(request) -> dict:
    """Template context: `user_duties`, the current user's duty names, for navigation links only (not `duties`,
    which pages of the responsibility lists use for a post holder's duties).

    Kept in the session for a few minutes so ordinary pages ask the database nothing more; pages of a duty
    check `has_duty` against the database themselves, so a stale link can only lead to a 404.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_duties": set()}
    session = getattr(request, "session", None)
    if session is None:
        return {"user_duties": duties_of(user)}
    cached = session.get(_SESSION_KEY)
    now = int(time.time())
    if not cached or cached.get("user") != user.pk or now - cached.get("at", 0) > _SESSION_TTL:
        cached = {"user": user.pk, "at": now, "names": sorted(duties_of(user))}
        session[_SESSION_KEY] = cached
    return {"user_duties": set(cached["names"])}

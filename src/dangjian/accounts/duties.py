"""Separation of duties (三员分立): three administrative duties, kept as Django groups.

- system administrator (系统管理员): configuration of the system (security policy, schemes);
- security administrator (安全管理员): users, roles, data scopes;
- auditor (审计管理员): reads and exports the audit log; changes nothing.

No account holds all three; the services that assign duties refuse it. These duties are separate from data
scope (OrgGrant): a duty gives no organization's data by itself.
"""

from __future__ import annotations

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

"""Who may see sensitive member fields (ID number, phone) in clear. Everyone else sees them masked.

Seeing a clear value is a permission (members.unmask_member), granted by the security administrator, and every
clear view is recorded in the audit log by the code that shows it.
"""

from __future__ import annotations

from django.db import transaction

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

UNMASK_PERMISSION = "members.unmask_member"


def can_unmask(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(UNMASK_PERMISSION))


def record_unmask(members, *, actor, channel: str) -> None:
    """One UNMASK audit entry per member whose clear values are about to be shown, in one transaction."""
    with transaction.atomic():
        for member in members:
            record(
                AuditAction.UNMASK, actor=actor, obj=member, org=member.org, detail=f"{channel}：公民身份号码、联系电话"
            )


def record_unmask_refused(*, actor, channel: str, member=None) -> None:
    """An attempt to see clear values without the permission, kept for the auditor."""
    org = member.org if member is not None else None
    record(AuditAction.UNMASK, actor=actor, obj=member, org=org, success=False, detail=f"{channel}：无明文查看权限")

"""Who may see sensitive member fields (ID number, phone) in clear. Everyone else sees them masked.

Seeing a clear value is a permission (members.unmask_member), granted by the security administrator, and every
clear view is recorded in the audit log by the code that shows it.
"""

from __future__ import annotations

UNMASK_PERMISSION = "members.unmask_member"


def can_unmask(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(UNMASK_PERMISSION))

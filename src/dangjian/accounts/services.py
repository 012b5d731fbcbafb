"""User and grant writes, audited."""

from django.contrib.auth.models import User
from django.db import transaction

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Role, clear_scope_cache

from .models import OrgGrant


@transaction.atomic
def grant_org(user: User, org, role: str = Role.READ, *, actor=None) -> OrgGrant:
    """Give `user` the organization `org` (and its subtree) with `role`, replacing an earlier role on it."""
    grant, _ = OrgGrant.objects.update_or_create(user=user, org=org, defaults={"role": role})
    clear_scope_cache(user)
    record(AuditAction.GRANT, actor=actor, obj=grant, org=org, after={"user": user.username, "role": role})
    return grant

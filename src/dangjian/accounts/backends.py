"""Django's ModelBackend, reading a signed-in user's grants together with the user.

Every request of a signed-in user reads the user its session names, and every page showing data reads that user's
grants too (core/scope.py). One query answers both for a user with a grant: the grants joined to their user, the
scope computed from them as `scope_paths` computes it (`core.scope.remember_grants`), for this request only. A user
without grants (a superuser, an auditor, the security administrator) is read as ModelBackend reads one.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import F

from dangjian.core.scope import remember_grants

from .models import OrgGrant


class GrantsBackend(ModelBackend):
    def get_user(self, user_id):
        grants = list(
            OrgGrant.objects.filter(user_id=user_id)
            .select_related("user")
            .annotate(org_path=F("org__path"))
            .only("role", "user")
        )
        if not grants:
            return super().get_user(user_id)
        user = grants[0].user
        if not self.user_can_authenticate(user):
            return None
        remember_grants(user, [(grant.role, grant.org_path) for grant in grants])
        return user

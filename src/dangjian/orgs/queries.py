"""Read-side helpers for organization pages: counts and facts computed in as few queries as possible."""

from __future__ import annotations

from django.db.models import Count, Q

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member

from .choices import LEADING_KINDS
from .models import Organization
from .rules import OrgFacts, warnings_for


def facts_for(org: Organization) -> OrgFacts | None:
    """Member counts of the subtree and posts held; skipped for leading bodies (县委, 乡镇党委...), whose
    thresholds are not rules and whose subtrees can hold millions of members."""
    if org.kind in LEADING_KINDS:
        return None
    counts = Member.objects.in_subtree(org).aggregate(
        total=Count("id"), full=Count("id", filter=Q(status=MemberStatus.FULL))
    )
    posts = tuple(org.posts.values_list("post", flat=True))
    return OrgFacts(members=counts["total"], full_members=counts["full"], posts=posts)


def org_warnings(org: Organization):
    facts = facts_for(org)
    if facts is None:
        return []
    return warnings_for(org, facts)


def breadcrumbs(org: Organization, user) -> list[Organization]:
    """Ancestors the user may see, root first."""
    ids = org.ancestor_ids()
    found = {o.pk: o for o in Organization.objects.restrict(user).filter(pk__in=ids).only("id", "name")}
    return [found[i] for i in ids if i in found]

"""Who hears about an organization's rectification: the accounts granted that organization itself.

Grants cover subtrees, so "everyone whose scope covers the organization" would put every village's reminders in
front of the city's staff; reminders go to the organization's own editors and managers, escalation to those of the
level above, the monthly spot-check to the county's managers.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from dangjian.accounts.models import OrgGrant
from dangjian.core.scope import Role
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

EDITORS = (Role.EDIT, Role.MANAGE)


def holders(org: Organization, roles=EDITORS) -> list[User]:
    """Active users granted `org` itself with one of `roles`."""
    ids = OrgGrant.objects.filter(org=org, role__in=roles).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def ancestor_ids(org: Organization) -> list[int]:
    """The ids of the organizations above `org`, nearest first (read off the materialized path)."""
    return [int(part) for part in org.path.split(".") if part][:-1][::-1]


def ancestor(org: Organization, levels: int) -> Organization | None:
    """The organization `levels` steps up the tree, or None above the root."""
    ids = ancestor_ids(org)
    if levels < 1 or levels > len(ids):
        return None
    return Organization.objects.filter(pk=ids[levels - 1]).first()


def county_of(org: Organization) -> Organization:
    """The county committee (县委) at or above `org`, which organizes the spot-check; the tree's root where there
    is none. By kind, not level: a county's own agencies (人社局党支部) sit at the county level too."""
    if org.kind == OrgKind.COUNTY_COMMITTEE:
        return org
    ids = ancestor_ids(org)
    county = Organization.objects.filter(pk__in=ids, kind=OrgKind.COUNTY_COMMITTEE).order_by("-depth").first()
    if county is not None:
        return county
    return Organization.objects.filter(pk=ids[-1]).first() if ids else org


def managers(org: Organization) -> list[User]:
    """The managers of `org`; where it has none, those of the nearest organization above that has some."""
    for pk in [org.pk, *ancestor_ids(org)]:
        users = holders(Organization(pk=pk), (Role.MANAGE,))
        if users:
            return users
    return []

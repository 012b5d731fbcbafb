"""The organization's page: the organization, its committee, children and stations, its members, and the tree rules'
warnings, which need the member counts of its subtree. It shows two apps (orgs, and members above orgs), so it lives
here; its route keeps its name, `orgs:detail` (flows/urls.py)."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from dangjian.core.scope import Action, path_in_scope
from dangjian.core.views import ScopedViewMixin
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.forms import PostForm
from dangjian.orgs.models import CommitteePost, Organization
from dangjian.orgs.views import TREE_PAGE

from .org_facts import breadcrumbs, org_warnings, station_coverage, town_stations

TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)
ABOVE_TOWN_KINDS = (OrgKind.CITY_COMMITTEE, OrgKind.COUNTY_COMMITTEE)


class OrgDetailView(ScopedViewMixin, View):
    """`orgs:detail`: one organization with its committee, children, stations, members and warnings."""

    model = Organization

    def get(self, request, pk):
        org = self.get_object_or_404(pk)
        children = self.get_queryset().filter(parent=org).order_by("code")
        members = Member.objects.filter(org=org).order_by("id")
        context = {
            "org": org,
            "crumbs": breadcrumbs(org, request.user),
            "warnings": org_warnings(org),
            "posts": CommitteePost.objects.filter(org=org).order_by("id"),
            "children": children[:TREE_PAGE],
            "children_count": children.count(),
            "members": members[:50],
            "members_count": members.count(),
            "town_stations": town_stations(org) if org.kind in TOWN_KINDS else None,
            "station_coverage": station_coverage(org, request.user) if org.kind in ABOVE_TOWN_KINDS else None,
            "covering_stations": org.stations.filter(retired_on__isnull=True),
            "system_parent": self.get_queryset().filter(pk=org.system_parent_id).first()
            if org.system_parent_id
            else None,
            "can_change": _can(request.user, org, Action.CHANGE),
            "can_manage": _can(request.user, org, Action.MANAGE),
            "post_form": PostForm(),
        }
        return render(request, "orgs/detail.html", context)


def _can(user, org, action) -> bool:
    return path_in_scope(user, org.path, action)

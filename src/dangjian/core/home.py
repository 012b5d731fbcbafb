"""The home page: counts of the user's scope by domain, kind and level."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.shortcuts import render
from django.views import View

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization

from .scope import scope_paths


def _counts(qs, field: str, choices) -> list[tuple[str, int]]:
    found = dict(qs.values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    return [(label, found.get(value, 0)) for value, label in choices]


class HomeView(LoginRequiredMixin, View):
    def get(self, request):
        orgs = Organization.objects.restrict(request.user)
        members = Member.objects.restrict(request.user)
        member_totals = members.aggregate(
            total=Count("id"),
            probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
            mobile=Count("id", filter=Q(is_mobile=True)),
            untransferred=Count("id", filter=Q(is_untransferred=True)),
        )
        paths = scope_paths(request.user)
        granted = (
            Organization.objects.filter(path__in=paths).order_by("path")
            if paths is not None
            else Organization.objects.filter(parent__isnull=True)
        )
        context = {
            "granted": granted,
            "org_total": orgs.count(),
            "member_totals": member_totals,
            "by_domain": _counts(orgs.exclude(domain=""), "domain", Domain.choices),
            "by_kind": _counts(orgs, "kind", OrgKind.choices),
            "by_level": _counts(orgs, "level", Level.choices),
        }
        return render(request, "home.html", context)

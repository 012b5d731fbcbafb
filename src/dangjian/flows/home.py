"""The home page, the workbench (工作台): first what waits for this person (`core.workbench`, the providers in
`flows/workbench.py`), each a count and a link; then the counts of the user's scope by domain, kind and level
(organizations and members, so it sits above both apps)."""

from collections import Counter

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views import View

from dangjian.core.scope import ALL, scope_paths
from dangjian.core.workbench import items_for
from dangjian.members import rollups
from dangjian.orgs import tally
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization


def scope_roots(user) -> list[str]:
    """The paths whose subtrees make the user's scope: the granted organizations, or every root for ALL."""
    paths = scope_paths(user)  # raw paths: the roll-ups are kept per organization, read at the scope's roots
    if paths is ALL:
        return list(Organization.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return paths


def _counts(counted: Counter, prefix: str, choices) -> list[tuple[str, int]]:
    return [(label, counted[f"{prefix}:{value}"]) for value, label in choices]


def scope_counts(user) -> dict:
    """Counts of a scope: a read of the roll-ups (`orgs.tally`) of its roots, kept by every write in its own
    transaction, so the first view after a write costs what every view costs, at any size."""
    counted = tally.totals(scope_roots(user))
    return {
        "org_total": counted[tally.ORGS],
        "member_totals": {
            "total": counted[tally.MEMBERS],
            "probationary": counted[rollups.PROBATIONARY],
            "mobile": counted[rollups.MOBILE],
            "untransferred": counted[rollups.UNTRANSFERRED],
        },
        "by_domain": _counts(counted, "domain", Domain.choices),
        "by_kind": _counts(counted, "kind", OrgKind.choices),
        "by_level": _counts(counted, "level", Level.choices),
    }


class HomeView(LoginRequiredMixin, View):
    def get(self, request):
        paths = scope_paths(request.user)  # raw paths: the granted organizations themselves are listed
        granted = (
            Organization.objects.filter(path__in=paths).order_by("path")
            if paths is not None
            else Organization.objects.filter(parent__isnull=True)
        )
        work = items_for(request.user)
        areas: dict[str, list] = {}
        for item in work:
            areas.setdefault(item.area, []).append(item)
        context = {"granted": granted, "work": work, "work_areas": list(areas.items())}
        return render(request, "home.html", context | scope_counts(request.user))

"""The home page: counts of the user's scope by domain, kind and level."""

import hashlib

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import render
from django.views import View

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization

from .audit import data_version
from .scope import scope_paths

COUNTS_SECONDS = 600


def _counts(qs, field: str, choices) -> list[tuple[str, int]]:
    found = dict(qs.values_list(field).annotate(n=Count("id")).values_list(field, "n"))
    return [(label, found.get(value, 0)) for value, label in choices]


def scope_counts(user) -> dict:
    """Counts of a scope, kept until the next write anywhere (every write bumps the data version) or ten
    minutes: on five million members the counts take a second and a half, and they change only on writes."""
    paths = scope_paths(user)  # raw paths: the scope itself is the cache key
    scope_key = hashlib.sha256(repr(paths).encode()).hexdigest()[:24]
    key = f"home-counts:{data_version()}:{scope_key}"
    counts = cache.get(key)
    if counts is None:
        counts = _scope_counts(user)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def _scope_counts(user) -> dict:
    orgs = Organization.objects.restrict(user)
    members = Member.objects.restrict(user)
    return {
        "org_total": orgs.count(),
        "member_totals": members.aggregate(
            total=Count("id"),
            probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
            mobile=Count("id", filter=Q(is_mobile=True)),
            untransferred=Count("id", filter=Q(is_untransferred=True)),
        ),
        "by_domain": _counts(orgs.exclude(domain=""), "domain", Domain.choices),
        "by_kind": _counts(orgs, "kind", OrgKind.choices),
        "by_level": _counts(orgs, "level", Level.choices),
    }


class HomeView(LoginRequiredMixin, View):
    def get(self, request):
        paths = scope_paths(request.user)  # raw paths: the granted organizations themselves are listed
        granted = (
            Organization.objects.filter(path__in=paths).order_by("path")
            if paths is not None
            else Organization.objects.filter(parent__isnull=True)
        )
        return render(request, "home.html", {"granted": granted, **scope_counts(request.user)})

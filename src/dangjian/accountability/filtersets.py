"""Filters of the accountability lists, shared by the pages, the API and the export."""

import django_filters

from dangjian.orgs.models import Organization

from .choices import ProposalStatus, RecordKind, Rule
from .models import Proposal, Record


class _OrgSubtree(django_filters.FilterSet):
    org_code = django_filters.CharFilter(label="组织编码（含下级）", method="filter_org_code")
    q = django_filters.CharFilter(label="姓名", method="filter_q")

    def filter_org_code(self, queryset, name, value):
        # The queryset is already within the user's scope: an organization outside it simply matches nothing there.
        org = Organization.objects.filter(code=value.strip()).first()
        return queryset.in_subtree(org) if org else queryset.none()

    def filter_q(self, queryset, name, value):
        return queryset.filter(person_name__contains=value.strip())


class RecordFilterSet(_OrgSubtree):
    year = django_filters.NumberFilter(label="年度")
    kind = django_filters.ChoiceFilter(label="问责方式", choices=RecordKind.choices)

    class Meta:
        model = Record
        fields = ["year", "kind", "org_code", "q"]


class ProposalFilterSet(_OrgSubtree):
    year = django_filters.NumberFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=ProposalStatus.choices)
    rule = django_filters.ChoiceFilter(label="依据规则", choices=Rule.choices)

    class Meta:
        model = Proposal
        fields = ["year", "status", "rule", "org_code", "q"]

"""Filters of the accountability lists, shared by the pages, the API and the export."""

import django_filters

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import ProposalStatus, RecordKind, Rule
from .models import Commendation, Proposal, Record


class _OrgSubtree(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    q = django_filters.CharFilter(label="姓名", method="filter_q")

    def filter_q(self, queryset, name, value):
        return queryset.filter(person_name__contains=value.strip())


class RecordFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度")
    kind = django_filters.ChoiceFilter(label="问责方式", choices=RecordKind.choices)

    class Meta:
        model = Record
        fields = ["year", "kind", "org_code", "q"]


class ProposalFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=ProposalStatus.choices)
    rule = django_filters.ChoiceFilter(label="依据规则", choices=Rule.choices)

    class Meta:
        model = Proposal
        fields = ["year", "status", "rule", "org_code", "q"]


class CommendationFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度")

    class Meta:
        model = Commendation
        fields = ["year", "org_code", "q"]

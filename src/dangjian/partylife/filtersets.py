"""Filters of the meeting and development lists, shared by the pages, the API and the export."""

import django_filters

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import MeetingKind, Stage
from .models import Applicant, Meeting


class _OrgSubtree(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )


class MeetingFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度", field_name="date", lookup_expr="year", min_value=2000, max_value=2100)
    month = IntegerFilter(label="月份", field_name="date", lookup_expr="month", min_value=1, max_value=12)
    kind = django_filters.ChoiceFilter(label="会议类别", choices=MeetingKind.choices)

    class Meta:
        model = Meeting
        fields = ["year", "month", "kind", "org_code"]


class ApplicantFilterSet(_OrgSubtree):
    stage = django_filters.ChoiceFilter(label="所处阶段", choices=Stage.choices)
    q = django_filters.CharFilter(label="姓名", method="filter_q")

    class Meta:
        model = Applicant
        fields = ["stage", "org_code", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__contains=value.strip())

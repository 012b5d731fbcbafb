"""Filters of the weekly API: by week (any day of it) and by organization (a town, a village, or above)."""

import django_filters

from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from . import weeks
from .choices import Level
from .models import Arrangement, StationReport, VillageReport


class _WeekFilterSet(ScopedFilterSet):
    week = django_filters.DateFilter(label="周次（该周任一日期）", method="filter_week")
    week_field = "week"

    def filter_week(self, queryset, name, value):
        return queryset.filter(**{self.week_field: weeks.monday(value)})


class ArrangementFilterSet(_WeekFilterSet):
    level = django_filters.ChoiceFilter(label="安排表", choices=Level.choices)
    org_code = ScopedRefFilter(
        label="乡镇或上级组织编码", model=Organization, to_field="code", subtree=True, field_name="town__path"
    )

    class Meta:
        model = Arrangement
        fields = ["week", "level", "org_code"]


class VillageReportFilterSet(_WeekFilterSet):
    week_field = "arrangement__week"
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="village__path"
    )
    submitted = django_filters.BooleanFilter(
        label="已报送", field_name="submitted_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = VillageReport
        fields = ["week", "org_code", "submitted"]


class StationReportFilterSet(_WeekFilterSet):
    week_field = "arrangement__week"
    org_code = ScopedRefFilter(
        label="乡镇或上级组织编码",
        model=Organization,
        to_field="code",
        subtree=True,
        field_name="arrangement__town__path",
    )

    class Meta:
        model = StationReport
        fields = ["week", "org_code"]

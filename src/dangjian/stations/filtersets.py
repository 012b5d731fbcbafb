"""Filters of the station list, shared by the page, its export and the API."""

import django_filters

from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization, Workstation


class StationFilterSet(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="乡镇或上级组织编码", model=Organization, to_field="code", subtree=True, field_name="town__path"
    )
    active = django_filters.BooleanFilter(label="在运行", field_name="retired_on", lookup_expr="isnull")
    q = django_filters.CharFilter(label="名称", method="filter_q")

    class Meta:
        model = Workstation
        fields = ["org_code", "active", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__contains=value.strip())

"""Filters of the inspection lists, shared by the pages, the API and the findings export."""

import django_filters
from django.db.models import Q

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import DrawPurpose, DrawStatus, FindingStatus
from .models import Draw, Finding, Visit, fixed_q


def _org(field: str):
    return ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name=field
    )


class DrawFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年度", field_name="draw_at__year")  # 2000–2100, as every year of a date
    status = django_filters.ChoiceFilter(label="状态", choices=DrawStatus.choices)
    purpose = django_filters.ChoiceFilter(label="类别", choices=DrawPurpose.choices)
    org_code = _org("org__path")

    class Meta:
        model = Draw
        fields = ["year", "status", "purpose", "org_code"]


class VisitFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年度", field_name="visited_on__year")
    org_code = _org("target__org__path")

    class Meta:
        model = Visit
        fields = ["year", "org_code"]


class FindingFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=FindingStatus.choices, method="filter_status")
    org_code = _org("org__path")

    class Meta:
        model = Finding
        fields = ["year", "status", "org_code"]

    def filter_status(self, queryset, name, value):
        """已整改 is read off the measure or case (models.fixed_q); the other two are the stored state of the rest."""
        if value == FindingStatus.FIXED:
            return queryset.filter(fixed_q())
        return queryset.filter(Q(status=value) & ~fixed_q())

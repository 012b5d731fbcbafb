"""Case filters, shared by the API and the case export: the same names as the case list page (year, status, kind,
overdue, org_code, assessment), so the list's query string exports exactly what the list shows."""

import django_filters
from django.utils import timezone

from dangjian.assess.models import Assessment
from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from ..models import Case, CaseStatus, WeaknessKind
from ..services import overdue_filter


class CaseFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=CaseStatus.choices)
    kind = django_filters.ChoiceFilter(label="软弱类型", choices=WeaknessKind.choices)
    overdue = django_filters.BooleanFilter(label="有逾期措施", method="filter_overdue")
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    assessment = ScopedRefFilter(label="考核", model=Assessment, field_name="assessment")

    class Meta:
        model = Case
        fields = ["year", "status", "kind", "overdue", "org_code", "assessment"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Case.objects.filter(overdue_filter(timezone.localdate())).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

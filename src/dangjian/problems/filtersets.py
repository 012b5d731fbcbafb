"""Filters of the problem lists, shared by the three list pages, their exports and the API (`/api/problems/`)."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import Category, ProblemLevel, ProblemStatus, SourceKind
from .models import Problem


class ProblemFilterSet(ScopedFilterSet):
    level = django_filters.ChoiceFilter(label="办理层级", choices=ProblemLevel.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ProblemStatus.choices)
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    source = django_filters.ChoiceFilter(label="来源", choices=SourceKind.choices)
    overdue = django_filters.BooleanFilter(label="已逾期", method="filter_overdue")
    org_code = ScopedRefFilter(
        label="涉及组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    year = IntegerFilter(label="登记年度", field_name="recorded_on__year", min_value=2000, max_value=2100)
    q = django_filters.CharFilter(label="问题或责任人", method="filter_q")

    class Meta:
        model = Problem
        fields = ["level", "status", "category", "source", "overdue", "org_code", "year", "q"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Problem.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__contains=value) | Q(owner_name__contains=value)) if value else queryset

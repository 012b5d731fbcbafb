"""Filters of the duty lists, shared by the pages, the API and the export."""

import django_filters
from django.utils import timezone

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import DutyPost, Frequency, TaskStatus
from .models import DutyItem, DutyTask


class _OrgSubtree(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    post = django_filters.ChoiceFilter(label="岗位", choices=DutyPost.choices, field_name="post")
    q = django_filters.CharFilter(label="责任人", method="filter_q")

    def filter_q(self, queryset, name, value):
        field = "item__holder_name" if queryset.model is DutyTask else "holder_name"
        return queryset.filter(**{f"{field}__contains": value.strip()})


class DutyItemFilterSet(_OrgSubtree):
    frequency = django_filters.ChoiceFilter(label="频次", choices=Frequency.choices)

    class Meta:
        model = DutyItem
        fields = ["org_code", "post", "frequency", "q"]


class DutyTaskFilterSet(_OrgSubtree):
    # A value of the item's post (a choice), not an object: no id to resolve within the scope.
    post = django_filters.ChoiceFilter(label="岗位", choices=DutyPost.choices, method="filter_post")
    year = IntegerFilter(label="年度", field_name="year", min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(label="状态", choices=TaskStatus.choices)
    overdue = django_filters.BooleanFilter(label="已逾期", method="filter_overdue")

    class Meta:
        model = DutyTask
        fields = ["org_code", "post", "year", "status", "overdue", "q"]

    def filter_post(self, queryset, name, value):
        return queryset.filter(item__post=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        if value is None:
            return queryset
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

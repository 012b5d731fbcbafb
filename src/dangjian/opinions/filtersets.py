"""Filters of the opinion list, shared by the page, its export and the API (`/api/opinions/`)."""

import django_filters
from django.db.models import Q

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import Category, Channel
from .models import Opinion

STATES = (
    ("unconfirmed", "类别待确认"),
    ("unreplied", "未反馈"),
    ("replied", "已反馈"),
    ("problem", "已转为问题"),
    ("repeat", "重复意见"),
)
STATE_FILTERS = {
    "unconfirmed": Q(confirmed=False),
    "unreplied": Q(reply=""),
    "replied": ~Q(reply=""),
    "problem": Q(problem__isnull=False),
    "repeat": Q(duplicate_of__isnull=False),
}


class OpinionFilterSet(ScopedFilterSet):
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    channel = django_filters.ChoiceFilter(label="收集方式", choices=Channel.choices)
    state = django_filters.ChoiceFilter(label="办理情况", choices=STATES, method="filter_state")
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    year = IntegerFilter(label="年度", field_name="date__year", min_value=2000, max_value=2100)
    q = django_filters.CharFilter(label="意见内容", method="filter_q")

    class Meta:
        model = Opinion
        fields = ["category", "channel", "state", "org_code", "year", "q"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(STATE_FILTERS[value]) if value else queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(text__contains=value) if value else queryset

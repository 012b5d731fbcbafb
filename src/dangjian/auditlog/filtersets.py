"""Audit log search, shared by the auditor's list page and its export."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from dangjian.core.models import AuditAction, AuditLog
from dangjian.orgs.models import Organization


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditLogFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data


class AuditLogFilterSet(django_filters.FilterSet):
    """Filters of the audit log. `org_code` resolves only organizations in the requesting auditor's scope."""

    start = django_filters.DateFilter(label="开始日期", method="filter_start")
    end = django_filters.DateFilter(label="结束日期", method="filter_end")
    user = django_filters.CharFilter(label="用户名", method="filter_user")
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices)
    success = django_filters.ChoiceFilter(label="结果", choices=[("1", "成功"), ("0", "失败")], method="filter_success")
    org_code = django_filters.CharFilter(label="组织编码（含下级）", method="filter_org_code")
    object = django_filters.CharFilter(label="对象", method="filter_object")
    ip = django_filters.CharFilter(label="地址", method="filter_ip")
    q = django_filters.CharFilter(label="说明含", method="filter_q")

    class Meta:
        model = AuditLog
        fields = ["start", "end", "user", "action", "success", "org_code", "object", "ip", "q"]
        form = AuditLogFilterForm

    def __init__(self, *args, user=None, everything=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.everything = everything  # an auditor of the whole installation names any organization
        self.unknown_org = ""  # an organization code that is missing or out of the auditor's scope
        self.org = None  # the organization the search is narrowed to, once found

    @property
    def qs(self):
        # Bad input shows its message and no rows, rather than quietly ignoring the filter it meant.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs

    def filter_start(self, queryset, name, value):
        return queryset.filter(at__gte=_local_midnight(value))

    def filter_end(self, queryset, name, value):
        return queryset.filter(at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_user(self, queryset, name, value):
        return queryset.filter(username__contains=value.strip())

    def filter_success(self, queryset, name, value):
        return queryset.filter(success=value == "1")

    def filter_org_code(self, queryset, name, value):
        code = value.strip()
        orgs = Organization.objects.all() if self.everything else Organization.objects.restrict(self.user)
        org = orgs.filter(code=code).first()
        if org is None:
            self.unknown_org = code
            return queryset.none()
        self.org = org
        return queryset.in_subtree(org)

    def filter_object(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(object_repr__contains=value) | Q(object_id=value) | Q(object_type=value))

    def filter_ip(self, queryset, name, value):
        return queryset.filter(ip__startswith=value.strip())

    def filter_q(self, queryset, name, value):
        return queryset.filter(detail__contains=value.strip())

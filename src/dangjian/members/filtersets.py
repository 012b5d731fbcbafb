"""Member filters, shared by the web list, the API and exports."""

import django_filters

from dangjian.core.crypto import digest
from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter
from dangjian.core.normalize import CellError
from dangjian.core.normalize import phone as clean_phone
from dangjian.core.textsearch import name_contains
from dangjian.orgs.models import Organization

from .choices import Gender, MemberStatus
from .models import Member


class MemberFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label="姓名", method="filter_q")
    org = ScopedRefFilter(label="所在组织（含下级）", model=Organization, subtree=True, field_name="org__path")
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )
    status = django_filters.ChoiceFilter(label="党员状态", choices=MemberStatus.choices)
    gender = django_filters.ChoiceFilter(label="性别", choices=Gender.choices)
    is_mobile = django_filters.BooleanFilter(label="流动党员")
    is_untransferred = django_filters.BooleanFilter(label="口袋党员")
    is_retired = django_filters.BooleanFilter(label="离退休")
    id_number = django_filters.CharFilter(label="公民身份号码（精确）", method="filter_id_number")
    phone = django_filters.CharFilter(label="联系电话（精确）", method="filter_phone")

    class Meta:
        model = Member
        fields = ["q", "org", "org_code", "status", "gender", "is_mobile", "is_untransferred", "is_retired"]

    def filter_q(self, queryset, name, value):
        return name_contains(queryset, value.strip(), short_names=True)  # from an index on PostgreSQL

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number_digest=digest(value.strip()))

    def filter_phone(self, queryset, name, value):
        try:  # typed as people type it: "138 0000 1111", "138-0000-1111"; stored digests are of the clean number
            value = clean_phone(value)
        except CellError:
            return queryset.none()
        return queryset.filter(phone_digest=digest(value))

"""Organization filters, shared by the API and exports."""

import django_filters
from django.db.models import Q

from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter

from .choices import Domain, Level, OrgKind
from .models import Organization


class OrgFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label="名称或编码", method="filter_q")
    code = django_filters.CharFilter(label="组织编码")
    parent = ScopedRefFilter(label="上级组织", model=Organization)
    domain = django_filters.ChoiceFilter(label="党建类型", choices=Domain.choices)
    kind = django_filters.ChoiceFilter(label="组织类别", choices=OrgKind.choices)
    level = django_filters.ChoiceFilter(label="层级", choices=Level.choices)

    class Meta:
        model = Organization
        fields = ["q", "code", "parent", "domain", "kind", "level"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))

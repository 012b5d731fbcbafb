"""Assessment filters for the API: assessments by year and status, results by domain, group, grade and weak."""

import django_filters

from dangjian.core.filters import IntegerFilter, ScopedFilterSet
from dangjian.orgs.choices import Domain

from ..models import Assessment, AssessmentStatus, Result
from ..scheme import GRADE_LABELS


class AssessmentFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年度")
    status = django_filters.ChoiceFilter(label="状态", choices=AssessmentStatus.choices)

    class Meta:
        model = Assessment
        fields = ["year", "status"]


class ResultFilterSet(ScopedFilterSet):
    domain = django_filters.ChoiceFilter(label="党建类型", field_name="participant__domain", choices=Domain.choices)
    group = django_filters.CharFilter(label="分组（如 village 或 village:村）")
    grade = django_filters.ChoiceFilter(label="等次", choices=list(GRADE_LABELS.items()))
    weak = django_filters.BooleanFilter(label="软弱涣散")

    class Meta:
        model = Result
        fields = ["domain", "group", "grade", "weak"]

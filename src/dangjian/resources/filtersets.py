"""Filters of the project and resource lists, shared by the pages, the API and the exports."""

import django_filters

from dangjian.core.filters import IntegerFilter, ScopedFilterSet, ScopedRefFilter
from dangjian.orgs.models import Organization

from .choices import FundSource, ProjectCategory, SecretaryRole, VenueKind
from .models import Fund, Project, Secretary, Training, Venue


class _OrgSubtree(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )


class ProjectFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度", field_name="year", min_value=2000, max_value=2100)
    category = django_filters.ChoiceFilter(label="类别", choices=ProjectCategory.choices)

    class Meta:
        model = Project
        fields = ["year", "category", "org_code"]


class VenueFilterSet(_OrgSubtree):
    kind = django_filters.ChoiceFilter(label="类别", choices=VenueKind.choices)

    class Meta:
        model = Venue
        fields = ["kind", "org_code"]


class TrainingFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度", field_name="date", lookup_expr="year", min_value=2000, max_value=2100)

    class Meta:
        model = Training
        fields = ["year", "org_code"]


class FundFilterSet(_OrgSubtree):
    year = IntegerFilter(label="年度", field_name="year", min_value=2000, max_value=2100)
    source = django_filters.ChoiceFilter(label="来源", choices=FundSource.choices)

    class Meta:
        model = Fund
        fields = ["year", "source", "org_code"]


class SecretaryFilterSet(_OrgSubtree):
    role = django_filters.ChoiceFilter(label="身份", choices=SecretaryRole.choices)

    class Meta:
        model = Secretary
        fields = ["role", "org_code"]

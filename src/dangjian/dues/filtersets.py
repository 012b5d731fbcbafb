"""Filters of the dues API: the members by organization (with its subtree)."""

from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


class DuesMemberFilterSet(ScopedFilterSet):
    org_code = ScopedRefFilter(
        label="组织编码（含下级）", model=Organization, to_field="code", subtree=True, field_name="org__path"
    )

    class Meta:
        model = Member
        fields = ["org_code"]

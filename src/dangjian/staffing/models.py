"""Party staff (党务工作力量) of agency units [000]: the people doing party work in a unit, full-time or part-time,
with their birth dates, so the unit's ratio (机关条例 第三十条: 1%–2% of the unit's staff) and their ages (the shares
aged 40+ and 46+ of [000]'s table 2) are counted from records rather than typed in.

The unit's staff total stays on `orgs.Organization.staff_total`; its full-time and part-time counts
(`party_staff_fulltime`, `party_staff_parttime`) are kept in step by `staffing.services`, so the organization page
and its warning read the same numbers.
"""

from __future__ import annotations

from django.db import models

from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization


class PartyWorker(models.Model):
    """One person doing party work in a unit (its party organization)."""

    org = models.ForeignKey(
        Organization, verbose_name="所在单位党组织", on_delete=models.CASCADE, related_name="workers"
    )
    name = models.CharField("姓名", max_length=50)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    full_time = models.BooleanField("专职", default=True)
    post = models.CharField("职务", max_length=50, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "党务工作人员"
        verbose_name_plural = "党务工作人员"
        ordering = ["org", "-full_time", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name"],
                name="party_worker_once",
                violation_error_message="同一单位的党务工作人员姓名重复。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.name}"

    def age(self, today) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

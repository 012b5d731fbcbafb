"""党建+ projects ("1+3+X" of [000]) and the party-building resources of [001] and [003]: venues with the "十有"
standard, party-mass service centres with the services they handle, deputies' liaison rooms, training sessions,
funds in and out of the budget, first secretaries and work teams with their monthly plan and ledger [004].

Every record hangs off an organization and is scoped through it (`core.scope.ScopedQuerySet`). Money is in fen.
Writes go through `services.py`; the roll-ups are computed in `rollup.py` from these records, never retyped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.scope import ScopedQuerySet
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import rules
from .checklists import checklist_at
from .choices import FundSource, ProjectCategory, ProjectStatus, ReportKind, SecretaryRole, VenueKind


class Project(models.Model):
    """A 党建+ project of an organization: what party work it is tied to (the "3") or the unit's featured project
    (its "X"), with goals, people, money and results; milestones and evidence hang off it."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("项目名称", max_length=200)
    category = models.CharField("类别", max_length=20, choices=ProjectCategory.choices)
    status = models.CharField("状态", max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    goals = models.TextField("目标", max_length=5000, blank=True)
    leader_name = models.CharField("负责人", max_length=50, blank=True)
    members = models.ManyToManyField(Member, verbose_name="参与党员", blank=True, related_name="+")
    budget_fen = models.BigIntegerField("计划投入（分）", default=0)
    spent_fen = models.BigIntegerField("已投入（分）", default=0)
    results = models.TextField("成效", max_length=5000, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "党建+项目"
        verbose_name_plural = "党建+项目"
        ordering = ["-year", "org__path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0) & Q(spent_fen__gte=0),
                name="project_money_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class Milestone(models.Model):
    """A dated step of a project; done when `done_on` is set."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点", max_length=200)
    due = models.DateField("计划完成日期")
    done_on = models.DateField("完成日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "project__org__path"

    class Meta:
        verbose_name = "项目节点"
        verbose_name_plural = "项目节点"
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title

    def overdue(self, today) -> bool:
        return self.done_on is None and self.due < today


class ProjectEvidence(models.Model):
    """A file showing a project's work or results, checked by its bytes on upload."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to="resources/projects/%Y")
    original_name = models.CharField("文件名", max_length=200)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "project__org__path"

    class Meta:
        verbose_name = "项目佐证材料"
        verbose_name_plural = "项目佐证材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Venue(models.Model):
    """A venue (阵地) of an organization: its activity venue, a 党群服务中心 or a 党代表联络工作室, with the items
    of the "十有" standard it meets (`rules.STANDARD_ITEMS`) and photos."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=20, choices=VenueKind.choices)
    name = models.CharField("名称", max_length=200)
    address = models.CharField("地址", max_length=200, blank=True)
    area_m2 = models.PositiveIntegerField("面积（平方米）", null=True, blank=True)
    built_year = models.PositiveSmallIntegerField("建成年份", null=True, blank=True)
    standard = models.JSONField("达到的“十有”项目", default=list, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "阵地"
        verbose_name_plural = "阵地"
        ordering = ["org__path", "kind", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def checklist(self) -> rules.Checklist:
        """The "十有" checklist in force for the venue's organization (`checklists.Checklists`); a list attaches it
        to every row at once (`Checklists.attach`), a single venue reads it when first asked."""
        if "_checklist" not in self.__dict__:
            self._checklist = checklist_at(self.org)
        return self._checklist

    @checklist.setter
    def checklist(self, value: rules.Checklist) -> None:
        self._checklist = value

    @property
    def standard_count(self) -> int:
        return len(self.checklist.met(self.standard))

    @property
    def standard_complete(self) -> bool:
        return self.checklist.complete(self.standard)

    @property
    def standard_missing(self) -> list[str]:
        return self.checklist.missing(self.standard)

    @property
    def standard_retired(self) -> list[str]:
        """Items the venue met that its area has since retired: kept on record, shown apart."""
        return self.checklist.retired_met(self.standard)


class VenuePhoto(models.Model):
    venue = models.ForeignKey(Venue, verbose_name="阵地", on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to="resources/venues/%Y")
    original_name = models.CharField("文件名", max_length=200)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "venue__org__path"

    class Meta:
        verbose_name = "阵地照片"
        verbose_name_plural = "阵地照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ServicePeriod(models.Model):
    """The services a 党群服务中心 handled in one month: items handled and people served ([003]: 11.1万项, 24万人次)."""

    venue = models.ForeignKey(Venue, verbose_name="党群服务中心", on_delete=models.CASCADE, related_name="services")
    month = models.DateField("月份", help_text="该月第一天")
    items = models.PositiveIntegerField("办理服务事项（项）")
    people = models.PositiveIntegerField("服务群众（人次）", default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "venue__org__path"

    class Meta:
        verbose_name = "服务办理情况"
        verbose_name_plural = "服务办理情况"
        ordering = ["-month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "month"], name="service_period_unique", violation_error_message="该月已登记。"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.items} 项"


class Training(models.Model):
    """A training session held by an organization, with its attendance (members picked from the roster) and others
    trained who are not on it (station staff, village cadres outside the register)."""

    org = models.ForeignKey(Organization, verbose_name="举办党组织", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("培训名称", max_length=200)
    date = models.DateField("开班日期")
    days = models.PositiveSmallIntegerField("天数", default=1)
    hours = models.PositiveSmallIntegerField("学时", default=0)
    content = models.TextField("培训内容", max_length=5000, blank=True)
    members = models.ManyToManyField(Member, verbose_name="参训党员", blank=True, related_name="+")
    others = models.PositiveIntegerField("其他参训人员（人次）", default=0)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "培训班次"
        verbose_name_plural = "培训班次"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class Fund(models.Model):
    """Money for party work of an organization in a year, by source: whether it is in the budget ("列入预算",
    [000]), how much was budgeted and how much spent."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("来源", max_length=20, choices=FundSource.choices)
    purpose = models.CharField("用途", max_length=200)
    in_budget = models.BooleanField("列入预算", default=False)
    budget_fen = models.BigIntegerField("预算金额（分）", default=0)
    spent_fen = models.BigIntegerField("已支出（分）", default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "党建经费"
        verbose_name_plural = "党建经费"
        ordering = ["-year", "org__path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0) & Q(spent_fen__gte=0),
                name="fund_money_not_negative",
                violation_error_message="金额不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.purpose}"


class Secretary(models.Model):
    """A first secretary (第一书记) or work-team member stationed in a village (or community): who sent them, their
    team, when; each month they hand in a plan at its start and a ledger at its end ([004])."""

    org = models.ForeignKey(Organization, verbose_name="驻村党组织", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("身份", max_length=20, choices=SecretaryRole.choices)
    sent_by = models.CharField("派出单位", max_length=200)
    team = models.CharField("所属工作队", max_length=200, blank=True)
    start = models.DateField("驻村开始日期")
    end = models.DateField("驻村结束日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "第一书记和驻村工作队员"
        verbose_name_plural = "第一书记和驻村工作队员"
        ordering = ["org__path", "role", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    def serves_in(self, month) -> bool:
        """Whether they were stationed during any of `month` (its first day)."""
        last = rules.report_due(month, ReportKind.LEDGER)
        return self.start <= last and (self.end is None or self.end >= month)


class MonthlyReport(models.Model):
    """A first secretary's plan (at the start of a month) or ledger (at its end); late or missing ones are derived
    from `rules.report_state`."""

    secretary = models.ForeignKey(Secretary, verbose_name="报送人", on_delete=models.CASCADE, related_name="reports")
    month = models.DateField("月份", help_text="该月第一天")
    kind = models.CharField("类别", max_length=20, choices=ReportKind.choices)
    submitted_on = models.DateField("报送日期")
    content = models.TextField("内容", max_length=10000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "secretary__org__path"

    class Meta:
        verbose_name = "月度计划和履职台账"
        verbose_name_plural = "月度计划和履职台账"
        ordering = ["-month", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["secretary", "month", "kind"],
                name="monthly_report_unique",
                violation_error_message="该月的计划（台账）已报送。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_kind_display()}"

    @property
    def due(self):
        return rules.report_due(self.month, self.kind)

    @property
    def late(self) -> bool:
        return self.submitted_on > self.due

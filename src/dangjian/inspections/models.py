"""Random inspections (随机督导) as records: checklists per domain and year, the inspector pool, provable draws with
their frozen population and drawn targets, visits with each item's result and photos, and findings followed until
fixed [003, 004].

Visibility is the point of an unannounced check ("不打招呼、直接到村" [003]): a draw and its targets are seen by the
organizers (the scope of the organization that runs the draw) and by the inspectors sent; a target's own users (the
scope of the drawn organization) see it only once the team has been there (its visit is recorded) or the visit
window has closed. `SeenByTeamQuerySet.restrict` is that one rule, for the targets and everything hanging off them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.core.crypto import EncryptedCharField
from dangjian.core.evidence import EvidencePhoto
from dangjian.core.scope import Action, ScopedQuerySet, path_in_scope, scope_q
from dangjian.orgs.models import Organization, Workstation

from .choices import (
    DrawPurpose,
    DrawStatus,
    FindingStatus,
    FollowUp,
    ItemResult,
    PopulationKind,
    StratifyBy,
)

# ---------------------------------------------------------------------------------------------------- checklists


class Checklist(models.Model):
    """A checklist (检查清单) of one owner for one year, for some domains (empty: every domain). A year's list is a
    version: next year's is a copy edited on its own, and a list once used by a visit is no longer edited."""

    owner = models.ForeignKey(Organization, verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("清单代码", max_length=40)
    name = models.CharField("清单名称", max_length=200)
    domains = models.JSONField("适用党建类型", default=list, blank=True)  # Domain values, or "station"
    source = models.CharField("依据", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "owner__path"

    class Meta:
        verbose_name = "督导检查清单"
        verbose_name_plural = "督导检查清单"
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "year", "code"],
                name="checklist_unique_year_code",
                violation_error_message="同一单位同一年度已有该代码的清单。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def applies_to(self, domain: str) -> bool:
        return not self.domains or domain in self.domains


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, verbose_name="检查清单", on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("检查项目", max_length=200)
    guidance = models.CharField("检查要点", max_length=1000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "checklist__owner__path"

    class Meta:
        verbose_name = "检查项目"
        verbose_name_plural = "检查项目"
        ordering = ["checklist", "number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="checklist_item_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


# ---------------------------------------------------------------------------------------------------- inspectors


class Inspector(models.Model):
    """A person in an organizer's inspector pool (督导人员库): an account (who records the visit) and the unit they
    work in, whose town decides the conflict rule (never sent to their own town)."""

    owner = models.ForeignKey(Organization, verbose_name="所属督导人员库", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(Organization, verbose_name="工作单位", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField("在库", default=True)
    added_at = models.DateTimeField("加入时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "owner__path"

    class Meta:
        verbose_name = "督导人员"
        verbose_name_plural = "督导人员"
        ordering = ["owner", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "user"],
                name="inspector_unique_user",
                violation_error_message="该账号已在督导人员库中。",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """The inspector's key in a draw's manifest: the account's user name."""
        return self.user.get_username()


# ---------------------------------------------------------------------------------------------------- draws


class DrawQuerySet(ScopedQuerySet):
    """A draw is seen by its organizers (the scope of its organization), and, for VIEW, by whoever may see one of its
    targets (the inspectors sent, the targets once visited); it is changed only by its organizers."""

    def restrict(self, user, action: str = Action.VIEW) -> DrawQuerySet:
        organizers = scope_q(user, "org__path", action)
        if action != Action.VIEW:
            return self.filter(organizers)
        seen = DrawTarget.objects.restrict(user, action).values("draw_id")
        return self.filter(organizers | Q(pk__in=seen))


class Draw(models.Model):
    """One provable draw: set up (draft: the population listed and adjustable), committed (population frozen, its
    digest and the SHA-256 of a fresh secret published), then drawn at the stated time from the secret, the audit
    chain's head at that moment and an optional beacon, and revealed (the secret published)."""

    org = models.ForeignKey(Organization, verbose_name="组织抽取的党组织", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=200)
    purpose = models.CharField("类别", max_length=20, choices=DrawPurpose.choices, default=DrawPurpose.ADHOC)
    period = models.CharField("抽查月份", max_length=20, blank=True)  # 2026-11 for the monthly spot check
    population_kind = models.CharField("抽取范围", max_length=20, choices=PopulationKind.choices)
    stratify_by = models.CharField("分层方式", max_length=20, choices=StratifyBy.choices, default=StratifyBy.NONE)
    quota_default = models.CharField("每层抽取数", max_length=10, help_text="个数（如 2）或比例（如 20%）")
    quota_overrides = models.JSONField("个别分层抽取数", default=dict, blank=True)
    exclude_months = models.PositiveSmallIntegerField("近几个月内已抽中的不再抽取", default=3)
    team_size = models.PositiveSmallIntegerField("每组督导人数", default=2)
    draw_at = models.DateTimeField("公布的抽取时间")
    visit_until = models.DateField("督导截止日期")
    beacon_required = models.BooleanField("须由第二人录入公开随机数", default=False)
    beacon = models.CharField("公开随机数", max_length=200, blank=True)
    beacon_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入公开随机数的人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    beacon_at = models.DateTimeField("录入公开随机数时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=DrawStatus.choices, default=DrawStatus.DRAFT)

    population = models.JSONField("总体名单", default=list)  # [{key, label, stratum, town, last_team, ...}]
    pool = models.JSONField("督导人员库（冻结）", default=list)  # [{key, name, town, inspector}]
    quotas = models.JSONField("各层抽取数（承诺时确定）", default=dict)
    population_digest = models.CharField("总体摘要值（SHA-256）", max_length=64, blank=True)
    commitment = models.CharField("承诺值（随机秘密的 SHA-256）", max_length=64, blank=True)
    secret = EncryptedCharField("随机秘密（揭示前加密保存）", blank=True)
    committed_at = models.DateTimeField("承诺时间", null=True, blank=True)
    audit_seq = models.BigIntegerField("抽取时审计日志链头序号", null=True, blank=True)
    audit_head = models.CharField("抽取时审计日志链头哈希", max_length=64, blank=True)
    seed = models.CharField("抽取种子", max_length=64, blank=True)
    revealed_secret = models.CharField("揭示的随机秘密", max_length=64, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设立人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = DrawQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"
        ordering = ["-draw_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "purpose", "period"],
                condition=~Q(period=""),
                name="draw_unique_period",
                violation_error_message="该单位本月已设立抽查。",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def drawn(self) -> bool:
        return self.status == DrawStatus.DRAWN

    def window_closed(self, today=None) -> bool:
        """After the visit window every target may be known to everyone who sees the draw."""
        return self.visit_until < (today or timezone.localdate())

    def fully_visible_to(self, user) -> bool:
        """Whether `user`, who sees this draw, may see all of it (every target, the secret, the export): its
        organizers at once, anyone else once the visit window has closed."""
        return path_in_scope(user, self.org.path, Action.VIEW) or self.window_closed()

    def eligible(self) -> list[dict]:
        return [m for m in self.population if not m.get("excluded")]


class SeenByTeamQuerySet(ScopedQuerySet):
    """The visibility rule of drawn targets and of what hangs off them (visits, items, photos, findings).

    Differs from the plain `restrict`: for VIEW a row is seen by the draw's organizers (scope over the draw's
    organization), by the inspectors on the target's team, and by the target's own users (scope over the drawn
    organization) only once its visit is recorded or the visit window has closed — until then a drawn organization
    sees nothing of it. Changes are the organizers' (the team's own writes are checked by the services).
    `target_lookup` is the model's way to its DrawTarget ("" for the target itself).
    """

    def restrict(self, user, action: str = Action.VIEW) -> SeenByTeamQuerySet:
        t = self.model.target_lookup
        organizers = scope_q(user, f"{t}draw__org__path", action)
        if action != Action.VIEW or not getattr(user, "is_authenticated", False):
            return self.filter(organizers)
        released = Q(**{f"{t}visit__isnull": False}) | Q(**{f"{t}draw__visit_until__lt": timezone.localdate()})
        own = released & scope_q(user, f"{t}org__path", action)
        team = Q(**{f"{t}team__user": user})
        return self.filter(organizers | own | team).distinct()


class DrawTarget(models.Model):
    """One drawn member of the population and the inspectors drawn for it."""

    draw = models.ForeignKey(Draw, verbose_name="随机抽取", on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveIntegerField("顺序")
    key = models.CharField("对象标识", max_length=100)
    label = models.CharField("抽中对象", max_length=200)
    stratum = models.CharField("分层", max_length=200)
    score = models.CharField("排序值", max_length=64)
    org = models.ForeignKey(Organization, verbose_name="被督导组织", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "rectify.Case", verbose_name="整顿案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    station = models.ForeignKey(
        Workstation, verbose_name="党建工作站", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ManyToManyField(Inspector, verbose_name="督导组", related_name="targets", blank=True)

    objects = SeenByTeamQuerySet.as_manager()
    scope_path_field = "org__path"
    target_lookup = ""

    class Meta:
        verbose_name = "抽中对象"
        verbose_name_plural = "抽中对象"
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "key"], name="target_unique_key"),
            models.UniqueConstraint(fields=["draw", "position"], name="target_unique_position"),
        ]

    def __str__(self) -> str:
        return self.label


# ---------------------------------------------------------------------------------------------------- visits


class Visit(models.Model):
    """The team's visit to a target: when, whom they met, each checklist item's result."""

    target = models.OneToOneField(DrawTarget, verbose_name="抽中对象", on_delete=models.PROTECT, related_name="visit")
    visited_on = models.DateField("督导日期")
    met = models.CharField("见面人员", max_length=500)
    summary = models.CharField("总体情况", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = SeenByTeamQuerySet.as_manager()
    scope_path_field = "target__org__path"
    target_lookup = "target__"

    class Meta:
        verbose_name = "督导检查记录"
        verbose_name_plural = "督导检查记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.target}"


class VisitItem(models.Model):
    """One checklist item as checked on a visit; the item's words are copied, so a later edit of the list never
    changes what was checked."""

    visit = models.ForeignKey(Visit, verbose_name="督导检查记录", on_delete=models.CASCADE, related_name="items")
    checklist = models.CharField("检查清单", max_length=200)
    source_item = models.ForeignKey(
        ChecklistItem, verbose_name="清单项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("检查项目", max_length=200)
    result = models.CharField("检查结果", max_length=10, choices=ItemResult.choices)
    note = models.CharField("情况说明", max_length=1000, blank=True)

    objects = SeenByTeamQuerySet.as_manager()
    scope_path_field = "visit__target__org__path"
    target_lookup = "visit__target__"

    class Meta:
        verbose_name = "检查项目结果"
        verbose_name_plural = "检查项目结果"
        ordering = ["visit", "id"]

    def __str__(self) -> str:
        return f"{self.title}：{self.get_result_display()}"


class VisitPhoto(EvidencePhoto):
    """A photo taken on the spot of one checked item."""

    upload_folder = "inspections"
    owner_field = "item"

    item = models.ForeignKey(VisitItem, verbose_name="检查项目结果", on_delete=models.CASCADE, related_name="photos")

    objects = SeenByTeamQuerySet.as_manager()
    scope_path_field = "item__visit__target__org__path"
    target_lookup = "item__visit__target__"

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"


def fixed_q(prefix: str = "") -> Q:
    """A finding is fixed when the measure it opened is done, the case it went to is closed, or the problem-list item
    it became is closed (销号)."""
    return (
        Q(**{f"{prefix}measure__status": "done"})
        | Q(**{f"{prefix}case__status": "closed"})
        | Q(**{f"{prefix}problem__status": "closed"})
    )


class Finding(models.Model):
    """A 不符合 item of a visit, followed until fixed: through a rectification case's measure, or a problem-list item
    (问题清单)."""

    visit = models.ForeignKey(Visit, verbose_name="督导检查记录", on_delete=models.CASCADE, related_name="findings")
    item = models.OneToOneField(
        VisitItem, verbose_name="检查项目结果", on_delete=models.CASCADE, related_name="finding"
    )
    org = models.ForeignKey(Organization, verbose_name="被督导组织", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("问题", max_length=200)
    note = models.CharField("情况说明", max_length=1000, blank=True)
    status = models.CharField("状态", max_length=20, choices=FindingStatus.choices, default=FindingStatus.PENDING)
    follow_up = models.CharField("跟踪方式", max_length=20, choices=FollowUp.choices, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    case = models.ForeignKey(
        "rectify.Case", verbose_name="整顿案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    measure = models.ForeignKey(
        "rectify.Measure", verbose_name="整改措施", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name="问题清单事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="交办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)

    objects = SeenByTeamQuerySet.as_manager()
    scope_path_field = "org__path"
    target_lookup = "visit__target__"

    class Meta:
        verbose_name = "督导发现问题"
        verbose_name_plural = "督导发现问题"
        ordering = ["-year", "org__path", "id"]

    def __str__(self) -> str:
        return f"{self.org} {self.title}"

    @property
    def state(self) -> str:
        """待交办 / 整改中 / 已整改, the last read off the measure or case it was sent to."""
        if self.measure_id and self.measure.status == "done":
            return FindingStatus.FIXED
        if self.case_id and self.case.status == "closed":
            return FindingStatus.FIXED
        if self.problem_id and self.problem.status == "closed":
            return FindingStatus.FIXED
        return self.status

    def get_state_display(self) -> str:
        return FindingStatus(self.state).label

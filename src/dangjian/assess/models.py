"""The annual assessment as records: schemes, assessments over a snapshot of the tree, entries, results.

Only what people enter is stored as entries (scores, counts, yes/no, survey answers, evidence, adjustments); totals,
ranks, grades and the weak list are derived by the engine and kept in `Result` so they can be published and frozen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property

from dangjian.core.scope import Action, ScopedQuerySet, acts_anywhere, scope_q
from dangjian.orgs.models import Organization

from .scheme import Scheme
from .schemefile import load_scheme


class SchemeRecord(models.Model):
    """A scheme (考核方案) as its YAML text: the file is the definition, edited in the UI or imported."""

    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("方案名称", max_length=200)
    owner = models.ForeignKey(Organization, verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("方案内容（YAML）")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "owner__path"

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "year", "name"],
                name="scheme_unique_name",
                violation_error_message="同一年度已有同名方案。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def parsed(self) -> Scheme:
        from .metrics import METRICS

        return load_scheme(self.text, metrics=set(METRICS))


class AssessmentQuerySet(ScopedQuerySet):
    """An assessment is visible to users above or at its root (who run it) and to users inside its subtree (who are
    assessed by it and see only their own organizations' part); it is run only by MANAGE on the root."""

    def restrict(self, user, action: str = Action.VIEW) -> AssessmentQuerySet:
        """Differs from the plain `restrict` in reaching down as well as up: for VIEW, an assessment is also in
        scope through any of its participants, so the scope is matched against two paths (hence `distinct`)."""
        if not acts_anywhere(user, action):
            return self.none()
        condition = scope_q(user, "root__path", action)
        if action == Action.VIEW:
            condition |= scope_q(user, "participants__path", action)
        return self.filter(condition).distinct()


class AssessmentStatus(models.TextChoices):
    COLLECTING = "collecting", "评分中"
    PUBLISHED = "published", "已发布"


class Assessment(models.Model):
    """One year's assessment of the grassroots organizations under `root`, over the tree as it stood at `cutoff`."""

    scheme = models.ForeignKey(
        SchemeRecord, verbose_name="考核方案", on_delete=models.PROTECT, related_name="assessments"
    )
    title = models.CharField("名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    root = models.ForeignKey(Organization, verbose_name="组织考核的党组织", on_delete=models.PROTECT, related_name="+")
    cutoff = models.DateField("组织快照日期")
    status = models.CharField(
        "状态", max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.COLLECTING
    )
    review_weight = models.DecimalField(
        "述职评议权重", max_digits=3, decimal_places=2, default=0, help_text="0 表示不计入；如 0.30 表示占 30%"
    )
    digest = models.CharField("结果摘要值", max_length=64, blank=True)
    # When the records were read as of the cut-off (`CutoffFacts`); empty while the cut-off has not passed.
    facts_taken_at = models.DateTimeField("截止日取数时间", null=True, blank=True)
    run_at = models.DateTimeField("最近计算时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "年度考核"
        verbose_name_plural = "年度考核"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def published(self) -> bool:
        return self.status == AssessmentStatus.PUBLISHED


class Participant(models.Model):
    """An organization as it stood at the cut-off: later moves, renames or deletions do not change the assessment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="participants"
    )
    org = models.ForeignKey(Organization, verbose_name="组织", null=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField("组织编码", max_length=40)
    name = models.CharField("组织名称", max_length=200)
    kind = models.CharField("组织类别", max_length=30)
    domain = models.CharField("党建类型", max_length=30)
    level = models.CharField("层级", max_length=20, blank=True)
    path = models.CharField("快照路径", max_length=255, db_index=True)
    parent_code = models.CharField("上级组织编码", max_length=40, blank=True)
    parent_name = models.CharField("上级组织名称", max_length=200, blank=True)
    second_tier = models.BooleanField("二级党支部", default=False)
    secretary = models.CharField("书记", max_length=50, blank=True)
    weak_last_year = models.BooleanField("上年度软弱涣散", default=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "path"

    class Meta:
        verbose_name = "参评组织"
        verbose_name_plural = "参评组织"
        ordering = ["assessment_id", "path"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="participant_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class CutoffFacts(models.Model):
    """What the register and the party records said of one participant as of the cut-off: every registered metric's
    value (a share as text, or yes/no) and the problem areas the register flags (`FLAGS`). Taken once, by the first
    run after the cut-off (`services.take_facts`); later runs read these instead of the live records, so a member
    moved or a meeting entered afterwards changes neither the result nor its digest."""

    FLAGS = "_flags"  # the key of the register's problem areas in `values` (metric keys never start with "_")

    participant = models.OneToOneField(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="cutoff_facts"
    )
    values = models.JSONField("截止日数据", default=dict)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "截止日数据"
        verbose_name_plural = "截止日数据"

    def __str__(self) -> str:
        return f"{self.participant} 截止日数据"


class Entry(models.Model):
    """What one rater entered for one indicator of one organization: points, a count, or yes/no."""

    participant = models.ForeignKey(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="entries"
    )
    indicator = models.CharField("指标编码", max_length=40)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评分人", null=True, on_delete=models.SET_NULL)
    points = models.DecimalField("分值", max_digits=7, decimal_places=2, null=True, blank=True)
    count = models.PositiveIntegerField("次数", null=True, blank=True)
    flag = models.BooleanField("是/否", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "评分录入"
        verbose_name_plural = "评分录入"
        constraints = [
            models.UniqueConstraint(fields=["participant", "indicator", "rater"], name="entry_unique_rater"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} {self.indicator}"


class Evidence(models.Model):
    """A file an organization attaches to back an indicator (佐证材料)."""

    participant = models.ForeignKey(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="evidence"
    )
    indicator = models.CharField("指标编码", max_length=40, blank=True)
    file = models.FileField("文件", upload_to="assess/evidence/%Y")
    original_name = models.CharField("文件名", max_length=200)
    description = models.CharField("说明", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["indicator", "id"]

    def __str__(self) -> str:
        return self.original_name


class SurveyAnswer(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    FAIR = "fair", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class SurveyLink(models.Model):
    """A one-time, anonymous link to the residents' survey of one organization. Nothing about who answered is kept."""

    participant = models.ForeignKey(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="survey_links"
    )
    token = models.CharField("口令", max_length=64, unique=True)
    answer = models.CharField("评价", max_length=20, choices=SurveyAnswer.choices, blank=True)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "群众满意度测评链接"
        verbose_name_plural = "群众满意度测评链接"

    def __str__(self) -> str:
        return f"{self.participant} 测评链接"


class Adjustment(models.Model):
    """A review adjustment (复核调整) of one indicator's points, with its reason; it replaces the computed points."""

    participant = models.ForeignKey(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="adjustments"
    )
    indicator = models.CharField("指标编码", max_length=40)
    points = models.DecimalField("调整后分值", max_digits=7, decimal_places=2)
    reason = models.CharField("调整理由", max_length=500)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="调整人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjusted_at = models.DateTimeField("调整时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "复核调整"
        verbose_name_plural = "复核调整"
        constraints = [models.UniqueConstraint(fields=["participant", "indicator"], name="adjustment_unique")]

    def __str__(self) -> str:
        return f"{self.participant} {self.indicator} 复核调整"


class SecretaryRating(models.TextChoices):
    GOOD = "good", "好"
    FAIRLY_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


# Points a review rating stands for when combined with the assessment total by the assessment's weight.
RATING_POINTS = {"good": 100, "fairly_good": 85, "average": 70, "poor": 50}


class SecretaryReview(models.Model):
    """述职评议考核: the level above reviews the secretary's report and rates it."""

    participant = models.OneToOneField(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="review"
    )
    secretary = models.CharField("书记", max_length=50)
    report = models.FileField("述职报告", upload_to="assess/reports/%Y", blank=True)
    rating = models.CharField("评议等次", max_length=20, choices=SecretaryRating.choices, blank=True)
    comment = models.CharField("点评意见", max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评议人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("评议时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "书记述职评议"
        verbose_name_plural = "书记述职评议"

    def __str__(self) -> str:
        return f"{self.participant} {self.secretary} 述职评议"


class Result(models.Model):
    """The engine's outcome for one organization, written by each run and frozen by publishing."""

    participant = models.OneToOneField(
        Participant, verbose_name="参评组织", on_delete=models.CASCADE, related_name="result"
    )
    group = models.CharField("分组", max_length=60)
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    base = models.DecimalField("基础分", max_digits=7, decimal_places=2)
    bonus = models.DecimalField("加分", max_digits=7, decimal_places=2, default=0)
    penalty = models.DecimalField("减分", max_digits=7, decimal_places=2, default=0)
    combined = models.DecimalField("综合得分（含述职评议）", max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField("排名")
    reverse_rank = models.PositiveIntegerField("倒序名次")
    grade = models.CharField("等次", max_length=1)
    weak = models.BooleanField("软弱涣散", default=False)
    reasons = models.JSONField("列入原因", default=list)
    grade_reasons = models.JSONField("定等原因", default=list)
    problems = models.JSONField("问题类型", default=list)
    consequences = models.JSONField("后果", default=list)
    # Only what cannot be derived: the points per indicator in centipoints, in the order of the group's indicators
    # in the assessment's scheme (frozen with it); names, maxima and the words come from the scheme and the records.
    cents = models.JSONField("各项得分（百分之一分）", default=list)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "participant__path"

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["group", "rank", "participant__code"]
        # The weak ones are looked up (cases, accountability, two years running); an index of only those costs a
        # run a tenth of one over every result.
        indexes = [models.Index(fields=["participant"], condition=models.Q(weak=True), name="result_weak")]

    def __str__(self) -> str:
        return f"{self.participant} {self.total} {self.grade}"

    @property
    def grade_label(self) -> str:
        from .scheme import GRADE_LABELS

        return GRADE_LABELS.get(self.grade, "")

    @cached_property
    def lines(self) -> list[dict]:
        """Every indicator's line of the explanation (code, name, category, method, max, points, source)."""
        from .services import result_lines

        return result_lines(self)

"""Party records kept by each organization: its meetings (组织生活, with attendance and photos) and the people it
develops into members (发展党员, with every dated step). Dues (党费) will join this app as a third aggregate.

Rules on these records live in `frequency.py` (how often each meeting is due) and `development.py` (the order and
the time limits of the pipeline); the services (`services.py`) ask them before writing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core.crypto import EncryptedCharField, digest, mask_id_number, mask_phone
from dangjian.core.evidence import EvidencePhoto
from dangjian.core.scope import ScopedQuerySet
from dangjian.members.choices import Gender
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .choices import AbsenceReason, MeetingKind, Stage, StepKind


class Meeting(models.Model):
    """One meeting or activity of an organization: kind, date, topic, minutes; attendance and photos hang off it."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("会议类别", max_length=20, choices=MeetingKind.choices)
    date = models.DateField("日期")
    topic = models.CharField("主题", max_length=200)
    group = models.ForeignKey(
        Organization,
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="党小组会填写召开会议的党小组",
    )
    minutes = models.TextField("会议记录", max_length=20000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["org", "date"], name="meeting_org_date"),
            models.Index(fields=["date", "kind"], name="meeting_date_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"


class Attendance(models.Model):
    """A roster member at a meeting: present, or absent with a reason. The name is kept for the record should the
    member later leave the register."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, verbose_name="党员", null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField("姓名", max_length=50)
    present = models.BooleanField("出席", default=True)
    reason = models.CharField("缺席原因", max_length=20, choices=AbsenceReason.choices, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "meeting__org__path"

    class Meta:
        verbose_name = "出缺席"
        verbose_name_plural = "出缺席"
        ordering = ["meeting_id", "-present", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="attendance_unique_member",
                violation_error_message="同一人重复登记。",
            ),
            models.CheckConstraint(
                condition=Q(present=True) | ~Q(reason=""),
                name="attendance_absence_reason",
                violation_error_message="缺席人员须注明缺席原因。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{'出席' if self.present else '缺席：' + self.get_reason_display()}）"


class MeetingPhoto(EvidencePhoto):
    """A photo of the meeting, checked by its bytes on upload (`core.evidence.UploadRule`)."""

    upload_folder = "partylife/meetings"
    owner_field = "meeting"

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="photos")

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "meeting__org__path"

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["id"]


class Applicant(models.Model):
    """A person in the development pipeline, from the application to full membership. The dates of each stage are
    kept here (the steps keep the decisions and documents), so the time rules and the metrics read one row.

    The ID number is sealed and digested like a member's (`core.crypto`); on admission the person enters the member
    register through the members' services and `member` links the two."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    id_number = EncryptedCharField("公民身份号码")
    id_number_digest = models.CharField("身份号码索引", max_length=64, editable=False)
    phone = EncryptedCharField("联系电话", blank=True)
    stage = models.CharField("所处阶段", max_length=20, choices=Stage.choices, default=Stage.APPLICANT)
    applied_on = models.DateField("递交申请日期")
    talked_on = models.DateField("入党谈话日期", null=True, blank=True)
    activist_on = models.DateField("确定为入党积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField("集中培训学时", default=0)
    admitted_on = models.DateField("支部大会接收为预备党员日期", null=True, blank=True)
    approved_on = models.DateField("上级党委审批日期", null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    full_on = models.DateField("转为正式党员日期", null=True, blank=True)
    ended_on = models.DateField("取消资格日期", null=True, blank=True)
    contacts = models.ManyToManyField(Member, verbose_name="培养联系人", blank=True, related_name="+")
    introducers = models.ManyToManyField(Member, verbose_name="入党介绍人", blank=True, related_name="+")
    member = models.OneToOneField(
        Member, verbose_name="党员名册记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="applicant"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "发展党员对象"
        verbose_name_plural = "发展党员对象"
        ordering = ["org_id", "applied_on", "id"]
        indexes = [models.Index(fields=["org", "stage"], name="applicant_org_stage")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                name="applicant_unique_id_number",
                violation_error_message="该公民身份号码已有入党申请记录。",
            ),
            models.CheckConstraint(
                condition=Q(extended_months=0) | (Q(extended_months__gte=6) & Q(extended_months__lte=12)),
                name="applicant_extension_months",
                violation_error_message="延长预备期须为六个月至一年。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_stage_display()}）"

    def save(self, *args, **kwargs):
        self.id_number_digest = digest(self.id_number or "")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_number_digest"}
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class DevelopmentStep(models.Model):
    """One dated decision in a person's development: who decided, on what, with its document."""

    applicant = models.ForeignKey(
        Applicant, verbose_name="发展党员对象", on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField("环节", max_length=20, choices=StepKind.choices)
    date = models.DateField("日期")
    decision = models.CharField("决定或依据", max_length=500, blank=True)
    meeting = models.ForeignKey(
        Meeting, verbose_name="作出决定的会议", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField("上级党委审批日期", null=True, blank=True)
    hours = models.PositiveSmallIntegerField("培训学时", null=True, blank=True)
    months = models.PositiveSmallIntegerField("延长月数", null=True, blank=True)
    talker = models.CharField("谈话人", max_length=100, blank=True)
    document = models.FileField("材料", upload_to="partylife/development/%Y", blank=True)
    document_name = models.CharField("材料文件名", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "applicant__org__path"

    class Meta:
        verbose_name = "发展党员环节"
        verbose_name_plural = "发展党员环节"
        ordering = ["applicant_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

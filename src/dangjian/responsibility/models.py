"""Responsibility lists "三层九岗" [000]: the 党组 (an agency's leading party group, outside the affiliation tree),
the seats held outside the committee register (党组 and 纪委), the duty templates per post and domain, the duty
items assigned to the people holding the posts, and the dated tasks the items become."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.choices import Domain
from dangjian.orgs.models import CommitteePost, Organization

from .choices import LAYER_OF, DutyPost, Frequency, TaskStatus


class LeadingGroup(models.Model):
    """党组: the leading party group of an agency. It is not a party organization of the affiliation tree; it
    guides the agency's 机关党委 (`guides`), and is seen by whoever sees that committee."""

    name = models.CharField("党组名称", max_length=100)
    guides = models.ForeignKey(
        Organization, verbose_name="指导的机关党委", on_delete=models.PROTECT, related_name="leading_groups"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "guides__path"

    class Meta:
        verbose_name = "党组"
        verbose_name_plural = "党组"
        ordering = ["guides__path", "name"]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """A post held outside the committee register: a seat on a 党组 (党组书记, 党组成员) or on an organization's
    discipline committee (纪委书记, 纪委委员). `org` is the organization the seat answers for (a 党组's guided
    committee), so it is seen and changed like that organization's posts."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="duty_seats")
    group = models.ForeignKey(
        LeadingGroup, verbose_name="党组", null=True, blank=True, on_delete=models.CASCADE, related_name="seats"
    )
    post = models.CharField("岗位", max_length=30, choices=DutyPost.choices)
    holder_name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey(
        "members.Member", verbose_name="对应党员", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateField("任职时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "党组、纪委成员"
        verbose_name_plural = "党组、纪委成员"
        ordering = ["org", "post", "id"]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.holder_name}"


class DutyTemplate(models.Model):
    """One duty of a post's responsibility list, as a county (or the city) keeps it: applies to the organizations
    under `owner` (the nearest owner with templates wins), to one domain or (blank) to all."""

    owner = models.ForeignKey(
        Organization, verbose_name="制定单位", on_delete=models.PROTECT, related_name="duty_templates"
    )
    post = models.CharField("岗位", max_length=30, choices=DutyPost.choices)
    domain = models.CharField("党建类型", max_length=30, choices=Domain.choices, blank=True)
    title = models.CharField("责任事项", max_length=200)
    detail = models.TextField("具体要求", blank=True)
    frequency = models.CharField("频次", max_length=20, choices=Frequency.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "owner__path"

    class Meta:
        verbose_name = "责任清单模板"
        verbose_name_plural = "责任清单模板"
        ordering = ["owner__path", "post", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "post", "domain", "title"],
                name="duty_template_unique",
                violation_error_message="同一岗位、同一党建类型下已有同名责任事项。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()}：{self.title}"


class DutyItemQuerySet(ScopedQuerySet):
    def active(self) -> DutyItemQuerySet:
        return self.filter(active=True)


class DutyItem(models.Model):
    """A duty assigned to the holder of a post: the template's words copied at assignment (a later edit of the
    template changes the list when it is assigned again). `holder_key` names where the holder comes from — a
    committee post (`post:12`), a seat (`seat:5`), or the branch's members as a whole (`members`) — so assigning
    again finds the item instead of making another."""

    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="duty_items")
    post = models.CharField("岗位", max_length=30, choices=DutyPost.choices)
    holder_key = models.CharField("岗位来源", max_length=30)
    holder_name = models.CharField("责任人", max_length=50)
    committee_post = models.ForeignKey(
        CommitteePost, verbose_name="班子职务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seat = models.ForeignKey(
        Seat, verbose_name="党组、纪委职务", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    template = models.ForeignKey(
        DutyTemplate, verbose_name="模板", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    title = models.CharField("责任事项", max_length=200)
    detail = models.TextField("具体要求", blank=True)
    frequency = models.CharField("频次", max_length=20, choices=Frequency.choices)
    active = models.BooleanField("有效", default=True)
    assigned_at = models.DateTimeField("分解时间", auto_now_add=True)

    objects = DutyItemQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "责任清单条目"
        verbose_name_plural = "责任清单条目"
        ordering = ["org__path", "post", "holder_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "holder_key", "template"],
                name="duty_item_unique",
                violation_error_message="该责任已分解到岗。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.holder_name}（{self.get_post_display()}）：{self.title}"

    @property
    def layer(self) -> str:
        return LAYER_OF[self.post].label


class DutyTaskQuerySet(ScopedQuerySet):
    def overdue(self, today: datetime.date | None = None) -> DutyTaskQuerySet:
        return self.filter(status=TaskStatus.OPEN, due_on__lt=today or timezone.localdate())

    def due_by(self, day: datetime.date) -> DutyTaskQuerySet:
        return self.filter(due_on__lte=day)


class DutyTask(models.Model):
    """One period's task of a duty item: due at the end of its year, quarter or month; done with a note and,
    where there is one, a file of evidence."""

    item = models.ForeignKey(DutyItem, verbose_name="责任清单条目", on_delete=models.CASCADE, related_name="tasks")
    org = models.ForeignKey(Organization, verbose_name="党组织", on_delete=models.CASCADE, related_name="duty_tasks")
    year = models.PositiveSmallIntegerField("年度")
    period_start = models.DateField("周期开始")
    due_on = models.DateField("完成期限")
    label = models.CharField("周期", max_length=20)
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("完成情况", blank=True)
    evidence = models.FileField("佐证材料", upload_to="responsibility/%Y", blank=True)
    evidence_name = models.CharField("佐证文件名", max_length=200, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DutyTaskQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "责任任务"
        verbose_name_plural = "责任任务"
        ordering = ["due_on", "org__path", "id"]
        indexes = [models.Index(fields=["org", "year"], name="duty_task_org_year")]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "period_start"], name="duty_task_unique", violation_error_message="该周期的任务已生成。"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.title}（{self.label}）"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status == TaskStatus.OPEN and self.due_on < (today or timezone.localdate())

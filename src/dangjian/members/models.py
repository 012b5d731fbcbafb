"""The member register: party members, their organization and the history of their transfers."""

from __future__ import annotations

from django.db import models

from dangjian.core.crypto import EncryptedCharField, digest, mask_id_number, mask_phone
from dangjian.core.scope import ScopedQuerySet
from dangjian.orgs.models import Organization

from .choices import Education, Ethnicity, Gender, MemberStatus


class Member(models.Model):
    """A party member (党员). ID number and phone are stored encrypted, with a keyed hash for exact search."""

    # No index on the name: it is searched by infix (`contains`), which no B-tree serves.
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, choices=Ethnicity.choices, default="汉族")
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    id_number = EncryptedCharField("公民身份号码", blank=True)
    id_number_digest = models.CharField("身份号码索引", max_length=64, blank=True, editable=False)
    phone = EncryptedCharField("联系电话", blank=True)
    phone_digest = models.CharField("电话索引", max_length=64, blank=True, editable=False)
    # Indexed by `member_org_id` and `member_org_status`, which both begin with the organization.
    org = models.ForeignKey(
        Organization, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="members", db_index=False
    )
    status = models.CharField("党员状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    join_date = models.DateField("入党日期", null=True, blank=True)
    full_date = models.DateField("转正日期", null=True, blank=True)
    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("流入地", max_length=100, blank=True)
    is_untransferred = models.BooleanField("组织关系未转入（口袋党员）", default=False)
    is_retired = models.BooleanField("离退休", default=False)
    job = models.CharField("工作岗位", max_length=100, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["org_id", "id"]
        permissions = [("unmask_member", "查看党员公民身份号码和电话的明文")]
        # Every index costs each bulk import and `gen` its upkeep, so only what a query uses. The digests are
        # matched exactly: plain B-trees (a `db_index` CharField would add a `LIKE` twin on PostgreSQL). The ID
        # number's is the partial unique index below, which serves every lookup of a (never blank) digest.
        indexes = [
            models.Index(fields=["org", "id"], name="member_org_id"),
            models.Index(fields=["org", "status"], name="member_org_status"),
            models.Index(fields=["phone_digest"], name="member_phone_digest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="member_unique_id_number",
                violation_error_message="该公民身份号码已登记。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.id_number_digest = digest(self.id_number or "")
        self.phone_digest = digest(self.phone or "")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_number_digest", "phone_digest"}
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class MemberTransfer(models.Model):
    """A transfer of a member's organization relation (组织关系转接), kept as history."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey(
        Organization, verbose_name="转出组织", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_org = models.ForeignKey(
        Organization, verbose_name="转入组织", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField("转出组织名称", max_length=200)
    to_name = models.CharField("转入组织名称", max_length=200)
    date = models.DateField("转接日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    actor = models.ForeignKey("auth.User", verbose_name="经办人", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "member__org__path"

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.from_name} → {self.to_name}"

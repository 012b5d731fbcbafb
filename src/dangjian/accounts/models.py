"""Grants: which organizations a user may see or change, and with which role."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dangjian.core.crypto import EncryptedCharField
from dangjian.core.scope import Role, ScopedQuerySet


class OrgGrant(models.Model):
    """A user is given an organization (and so its whole subtree) with a role: read, edit or manage."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="grants"
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="授权组织", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.READ)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org__path"

    class Meta:
        verbose_name = "数据范围授权"
        verbose_name_plural = "数据范围授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org"], name="grant_unique_user_org", violation_error_message="该用户已被授予此组织。"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org} · {self.get_role_display()}"


class AccountSecurity(models.Model):
    """Per-account security state: forced password change, password age, second factor.

    Kept beside Django's User rather than replacing it, so the auth model stays the stock one.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="security"
    )
    must_change_password = models.BooleanField("下次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Demo accounts open at once: no forced change, no expiry, no second factor (said on the login page).
    exempt = models.BooleanField("演示账号（免强制改密与双因素）", default=False)
    totp_secret = EncryptedCharField("动态口令密钥", blank=True)
    totp_confirmed_at = models.DateTimeField("动态口令启用时间", null=True, blank=True)
    totp_last_step = models.BigIntegerField("最近使用的口令时间步", null=True, blank=True)  # no replay of a code

    class Meta:
        verbose_name = "账号安全状态"
        verbose_name_plural = "账号安全状态"

    def __str__(self) -> str:
        return str(self.user)


class SecurityPolicy(models.Model):
    """The installation's identification policy (one row, id 1), set by the system administrator.

    Created on first use from the DANGJIAN_* settings; see `dangjian.accounts.security.policy`.
    """

    password_max_age_days = models.PositiveIntegerField(
        "密码有效期（天）", default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    idle_minutes = models.PositiveIntegerField(
        "无操作自动退出（分钟）", default=30, validators=[MinValueValidator(1), MaxValueValidator(480)]
    )
    absolute_hours = models.PositiveIntegerField(
        "单次登录最长时间（小时）", default=8, validators=[MinValueValidator(1), MaxValueValidator(72)]
    )
    # Names of duties (Duty values) and data roles (Role values) whose holders must use a second factor.
    totp_duties = models.JSONField("须启用动态口令的管理职责", default=list, blank=True)
    totp_roles = models.JSONField("须启用动态口令的数据角色", default=list, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "身份鉴别策略"
        verbose_name_plural = "身份鉴别策略"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1),
                name="security_policy_single_row",
                violation_error_message="安全策略只有一份。",
            ),
        ]

    def __str__(self) -> str:
        return "身份鉴别策略"

    @classmethod
    def current(cls) -> "SecurityPolicy":
        """The one row, created with the settings' defaults on first use (`accounts.security.policy`)."""
        row, _ = cls.objects.get_or_create(
            pk=1,
            defaults={
                "password_max_age_days": settings.DANGJIAN_PASSWORD_MAX_AGE_DAYS,
                "idle_minutes": settings.DANGJIAN_IDLE_MINUTES,
                "absolute_hours": settings.DANGJIAN_SESSION_HOURS,
                "totp_duties": list(settings.DANGJIAN_TOTP_DUTIES),
                "totp_roles": list(settings.DANGJIAN_TOTP_ROLES),
            },
        )
        return row


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user) -> "ApiTokenQuerySet":
        return self.filter(user=user).order_by("-created_at", "-pk")


class ApiToken(models.Model):
    """An API token (接口令牌) given by `POST /api/token/`: it lives like a web session (idle and absolute limits).

    Only the SHA-256 digest of the token is stored: the clear value is shown once, when it is issued, so a copy of
    the database opens no API. The limits are fixed at issue from the policy, as a session's are at login.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    label = models.CharField("名称", max_length=100, blank=True)
    address = models.CharField("签发时的来源地址", max_length=64, blank=True)
    created_at = models.DateTimeField("签发时间")
    last_used_at = models.DateTimeField("最近使用时间")
    idle_minutes = models.PositiveIntegerField("无操作失效（分钟）")
    expires_at = models.DateTimeField("最迟失效时间")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.label or '接口令牌'} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def idle_until(self):
        return self.last_used_at + datetime.timedelta(minutes=self.idle_minutes)

    @property
    def ends_at(self):
        """When the token stops working if it is not used again."""
        return min(self.idle_until, self.expires_at)

    def end_reason(self, now) -> str:
        """Why the token no longer works at `now` ("idle", "absolute") or "": the rule of middleware.end_reason."""
        if now > self.expires_at:
            return "absolute"
        if now > self.idle_until:
            return "idle"
        return ""

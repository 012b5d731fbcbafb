"""Audit log: one row for every write, login attempt and export, written by the services themselves.

The log is append-only and tamper-evident: rows are chained by a keyed hash (`core.audit_chain`), written only by
`core.audit.record`/`record_many`, never updated, and deleted only by `dangjian audit prune` past the retention.
"""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from .scope import ScopedQuerySet, acts_anywhere, has_root_scope, scope_q


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    MOVE = "move", "调整隶属关系"
    TRANSFER = "transfer", "组织关系转接"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账号锁定"
    LOGOUT = "logout", "退出"
    TOKEN = "token", "获取接口令牌"
    TOKEN_REVOKE = "token_revoke", "撤销接口令牌"
    TOKEN_EXPIRE = "token_expire", "接口令牌过期"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    GRANT = "grant", "授权"
    REVOKE = "revoke", "撤销授权"
    UNMASK = "unmask", "查看敏感信息明文"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    OTP = "otp", "双因素认证"
    DUTY = "duty", "分配管理职责"
    DENIED = "denied", "越权访问"
    BACKUP = "backup", "备份"
    RESTORE = "restore", "恢复"
    KEY_ROTATE = "key_rotate", "更换密钥"
    AUDIT_VERIFY = "audit_verify", "审计日志校验"


APPEND_ONLY = "审计日志只能追加，不能修改或删除；过期记录只能用 dangjian audit prune 清理。"


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or delete audit records outside `dangjian audit prune`."""

    def __init__(self, message: str = APPEND_ONLY):
        super().__init__(message)


class AuditLogQuerySet(ScopedQuerySet):
    """Audit rows are never updated and deleted only by the prune command (through `_prune`)."""

    def update(self, **kwargs):
        raise AuditLogImmutable()

    def delete(self):
        raise AuditLogImmutable()

    def _prune(self) -> int:
        """The one deletion: rows older than the retention, called by `core.audit_verify.prune_before` only."""
        return super().delete()[0]

    def restrict(self, user, action: str = "view") -> "AuditLogQuerySet":
        """The records an auditor may read: those of organizations within their scope, plus the records without an
        organization (logins, failures, lockouts) of users whose grants all lie in that scope. Root scope: all.

        It differs from the plain `restrict` because a row without an organization belongs to whoever's scope holds
        all of its user's grants, and because a scope over every root also reads the rows without anyone's grant."""
        from django.contrib.auth.models import User
        from django.db.models import Q

        # Looked up in Django's app registry, which exists for this: core sits below the apps and imports none.
        OrgGrant = apps.get_model("accounts", "OrgGrant")

        if has_root_scope(user, action):
            return self
        if not acts_anywhere(user, action):
            return self.none()
        in_scope = scope_q(user, "org_path", action)
        # A user with a grant outside the scope is not this auditor's to watch; nor is one without any grant.
        outside = OrgGrant.objects.exclude(scope_q(user, "org__path", action)).values("user_id")
        users = User.objects.filter(grants__isnull=False).exclude(pk__in=outside).distinct()
        own_user = Q(user_id__in=users.values("pk")) | Q(user_id__isnull=True, username__in=users.values("username"))
        return self.filter(in_scope | (Q(org_path="") & own_user))


class AuditLog(models.Model):
    """Who did what, when, to which object of which organization, with the state before and after.

    `seq` numbers the rows without gaps; `hash` chains each row to the one before (`prev_hash`).
    """

    seq = models.BigIntegerField("序号", unique=True)
    # Set by `record` inside the chain lock, so time never runs backwards along the chain.
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # The user's id is kept even after the user is deleted (no constraint, nothing cascades): the chain covers it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices)
    success = models.BooleanField("成功", default=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    # The organization's path is copied so the row stays in the right scope after the organization is gone.
    org_id_snapshot = models.BigIntegerField("组织编号", null=True, blank=True)
    org_path = models.CharField("组织路径", max_length=255, blank=True, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    ip = models.CharField("地址", max_length=64, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True)
    hash = models.CharField("哈希", max_length=64)

    objects = AuditLogQuerySet.as_manager()
    scope_path_field = "org_path"  # the path as it was when written: a later move does not carry old rows along

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogImmutable()
        if self.seq is None or not self.hash:
            raise AuditLogImmutable("审计日志须通过 dangjian.core.audit.record 写入，才能接入哈希链。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable()


class AuditChainHead(models.Model):
    """The one row (id 1) naming the chain's last record. Writers lock it to append in turn; verification compares
    it with the last row, so rows cut off the end are noticed. `seal` is keyed, so the head cannot be moved back."""

    seq = models.BigIntegerField("最后序号", default=0)
    hash = models.CharField("最后哈希", max_length=64, blank=True)
    seal = models.CharField("链头校验码", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计日志链头"
        verbose_name_plural = "审计日志链头"

    def __str__(self) -> str:
        return f"第 {self.seq} 条"


class AuditCheckpoint(models.Model):
    """Where a prune stopped: the last deleted record's seq and hash, so the chain still verifies from the first
    remaining row. The latest checkpoint is the one that counts; earlier ones stay as history."""

    seq = models.BigIntegerField("已清理至序号")
    hash = models.CharField("该条哈希", max_length=64)
    seal = models.CharField("检查点校验码", max_length=64)
    before = models.DateField("清理此日期之前的记录")
    count = models.BigIntegerField("清理条数")
    created_at = models.DateTimeField("清理时间", default=timezone.now)

    class Meta:
        verbose_name = "审计日志清理检查点"
        verbose_name_plural = "审计日志清理检查点"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"已清理至第 {self.seq} 条（{self.before} 之前）"


class BackgroundJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE_JOB_STATUSES = (BackgroundJobStatus.QUEUED, BackgroundJobStatus.RUNNING)


class BackgroundJob(models.Model):
    """A long job started from a page (an assessment run, a bulletin), run by the worker: one shape for every kind.

    Written only by `core.jobs`; the kind's work is the owning app's handler (registered from its AppConfig.ready()).
    Seen by the user who started it and by whoever's scope covers its organization (`org_path`, copied like the
    audit log's). At most one job of a kind per target is queued or running (`target` names the object)."""

    kind = models.CharField("任务类型", max_length=40)
    title = models.CharField("任务", max_length=200)
    target = models.CharField("任务对象", max_length=120)
    params = models.JSONField("参数", default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org_path = models.CharField("组织路径", max_length=255, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=20, choices=BackgroundJobStatus.choices, default=BackgroundJobStatus.QUEUED
    )
    done = models.PositiveIntegerField("已完成步骤", default=0)
    total = models.PositiveIntegerField("总步骤", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    result_url = models.CharField("结果链接", max_length=300, blank=True)
    files = models.JSONField("结果文件", default=list, blank=True)  # names in jobs_dir()/<pk>/
    runner = models.CharField("执行进程", max_length=100, blank=True)  # "host:pid" of the worker that claimed it
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_job_per_target",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (BackgroundJobStatus.DONE, BackgroundJobStatus.FAILED)

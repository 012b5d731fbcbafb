"""Audit log: one row for every write, login attempt and export, written by the services themselves."""

from django.conf import settings
from django.db import models


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


class AuditLog(models.Model):
    """Who did what, when, to which object of which organization, with the state before and after."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL
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

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

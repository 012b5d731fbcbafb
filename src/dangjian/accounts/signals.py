"""Login, logout and failed login are recorded in the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from .middleware import start_session


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, actor=user)
    if request is not None and hasattr(request, "session"):
        start_session(request, user)  # the clock of the idle and absolute timeouts; forced password change


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        # An automatic logout (idle, too long) says why; SessionPolicyMiddleware sets the reason.
        record(AuditAction.LOGOUT, actor=user, detail=getattr(request, "dangjian_logout_reason", ""))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    if credentials.get("second_factor"):
        return  # a wrong one-time code: audited as OTP by accounts.otp, sent here only to count towards the lockout
    record(AuditAction.LOGIN_FAILED, success=False, username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(AuditAction.LOCKOUT, success=False, username=str(username or "")[:150], detail=f"来源地址 {ip_address}")

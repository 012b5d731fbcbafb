"""Login, logout and failed login are recorded in the audit log; logout and lockout revoke the API tokens."""

from axes.signals import user_locked_out
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from .middleware import start_session
from .tokens import revoke_user_tokens


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, actor=user)
    if request is not None and hasattr(request, "session"):
        start_session(request, user)  # the clock of the idle and absolute timeouts; forced password change


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        # An automatic logout (idle, too long) says why; SessionPolicyMiddleware sets the reason.
        automatic = getattr(request, "dangjian_logout_reason", "")
        record(AuditAction.LOGOUT, actor=user, detail=automatic)
        if not automatic:
            # The user said they are done: every token of theirs ends too. A session that timed out says nothing
            # of the tokens, which keep their own clocks (a script in use is not cut off by an idle browser).
            revoke_user_tokens(user, actor=user, reason="本人退出登录")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    if credentials.get("second_factor"):
        return  # a wrong one-time code: audited as OTP by accounts.otp, sent here only to count towards the lockout
    record(AuditAction.LOGIN_FAILED, success=False, username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(AuditAction.LOCKOUT, success=False, username=str(username or "")[:150], detail=f"来源地址 {ip_address}")
    # Someone is guessing this account's password: whatever token it holds may be as exposed, so it ends.
    for user in User.objects.filter(username=username or ""):
        revoke_user_tokens(user, actor=None, reason="账号因连续登录失败被锁定")

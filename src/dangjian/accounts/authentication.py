"""API token authentication with the identification rules (kept apart from views: DRF imports it from settings)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .security import needs_second_factor, password_change_reason, totp_enabled

MUST_CHANGE = "须先在网页上登录并修改密码，才能使用接口。"
MUST_ENROL = "按安全策略须启用动态口令：请先在网页上登录并启用，才能使用接口。"


def refusal(user) -> str:
    """Why this user may not use the API yet, or ""."""
    if password_change_reason(user):
        return MUST_CHANGE
    if needs_second_factor(user) and not totp_enabled(user):
        return MUST_ENROL
    return ""


class PolicyTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (403, in Chinese) tokens of users who must act on the web first."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        reason = refusal(user)
        if reason:
            raise exceptions.PermissionDenied(reason)
        return user, token

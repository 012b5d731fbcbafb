"""API token authentication with the identification rules (kept apart from views: DRF imports it from settings).

Tokens are our own (`accounts/tokens.py`, `ApiToken`): a digest looked up, the idle and absolute limits checked,
the use noted. Clients send `Authorization: Token <token>`, as they did with DRF's authtoken.
"""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .security import needs_second_factor, password_change_reason, totp_enabled
from .tokens import TokenExpired, token_for_key, use_token

MUST_CHANGE = "须先在网页上登录并修改密码，才能使用接口。"
MUST_ENROL = "按安全策略须启用动态口令：请先在网页上登录并启用，才能使用接口。"
INVALID = "令牌无效或已被撤销，请重新获取。"
INACTIVE = "账号已停用，不能使用接口。"


def refusal(user) -> str:
    """Why this user may not use the API yet, or ""."""
    if password_change_reason(user):
        return MUST_CHANGE
    if needs_second_factor(user) and not totp_enabled(user):
        return MUST_ENROL
    return ""


class PolicyTokenAuthentication(TokenAuthentication):
    """Our tokens through DRF's header parsing: unknown, revoked or expired answers 401 in Chinese (an expired one
    is deleted then); the token of a user who must act on the web first answers 403."""

    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            use_token(token)
        except TokenExpired as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        reason = refusal(token.user)
        if reason:
            raise exceptions.PermissionDenied(reason)
        return token.user, token

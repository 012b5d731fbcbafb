"""POST /api/token/: username, password and (when the account has a second factor) a one-time code for an API token;
POST /api/token/revoke/: the presented token revoked.

Every attempt is audited. Each request gets a new token, shown this once; its lifetime follows the session's rules
(`accounts/tokens.py`). A token is refused to, and an existing token stops working for, a user who must first
change the password or set up a required second factor on the web pages.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from . import otp
from .authentication import PolicyTokenAuthentication, refusal
from .duties import refuse_superuser_login
from .lockout import LOCKED_STATUS, lockout_message
from .security import needs_second_factor
from .tokens import issue_token, revoke_token

OTP_MISSING = "该账号已启用动态口令，请在 otp 字段中提供当前的6位动态口令。"
OTP_WRONG = "动态口令不正确或已使用过。"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, style={"input_type": "password"})
    otp = serializers.CharField(label="动态口令", max_length=8, required=False, allow_blank=True)
    label = serializers.CharField(label="令牌名称（用途）", max_length=100, required=False, allow_blank=True)


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse",
    {
        "token": serializers.CharField(help_text="只显示这一次；请求头 Authorization: Token <token>"),
        "idle_minutes": serializers.IntegerField(help_text="无请求超过此分钟数即失效"),
        "expires_at": serializers.DateTimeField(help_text="最迟失效时间"),
    },
)


class ObtainTokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TOKEN_RESPONSE},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        try:
            user = authenticate(request._request, username=username, password=data.validated_data["password"])
        except PermissionDenied:  # locked out after repeated failures (django-axes)
            return Response({"detail": lockout_message()}, status=LOCKED_STATUS)
        if user is None or not user.is_active:
            return Response({"detail": "用户名或密码不正确。"}, status=status.HTTP_400_BAD_REQUEST)
        refused = refuse_superuser_login(user) or refusal(user)
        if refused:
            record(AuditAction.TOKEN, actor=user, success=False, detail=refused)
            return Response({"detail": refused}, status=status.HTTP_403_FORBIDDEN)
        if needs_second_factor(user):
            code = data.validated_data.get("otp", "")
            if not code:
                return Response({"otp": [OTP_MISSING]}, status=status.HTTP_400_BAD_REQUEST)
            if not otp.check_code(user, code):
                # Counts towards the lockout like a wrong password (the OTP audit record is check_code's).
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": user.username, "second_factor": True},
                    request=request._request,
                )
                if getattr(request._request, "axes_locked_out", False):
                    return Response({"detail": lockout_message()}, status=LOCKED_STATUS)
                return Response({"otp": [OTP_WRONG]}, status=status.HTTP_400_BAD_REQUEST)
        token, key = issue_token(user, actor=user, label=data.validated_data.get("label", ""))
        return Response({"token": key, "idle_minutes": token.idle_minutes, "expires_at": token.expires_at})


class RevokeTokenView(APIView):
    """The token in the Authorization header is revoked (a script's way to log out); 204."""

    authentication_classes = [PolicyTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        revoke_token(request.auth, actor=request.user, reason="本人通过接口撤销")
        return Response(status=status.HTTP_204_NO_CONTENT)

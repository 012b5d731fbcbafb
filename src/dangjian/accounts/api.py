"""POST /api/token/: username and password for an API token; every attempt is audited."""

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from .lockout import LOCKED_STATUS, lockout_message


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, style={"input_type": "password"})


class ObtainTokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = authenticate(
                request._request, username=data.validated_data["username"], password=data.validated_data["password"]
            )
        except PermissionDenied:  # locked out after repeated failures (django-axes)
            return Response({"detail": lockout_message()}, status=LOCKED_STATUS)
        if user is None or not user.is_active:
            return Response({"detail": "用户名或密码不正确。"}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        record(AuditAction.TOKEN, actor=user)
        return Response({"token": token.key})

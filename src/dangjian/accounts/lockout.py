"""What a locked-out login sees: a page in Chinese, or JSON for the API (django-axes calls `lockout_response`)."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

LOCKED_STATUS = 429


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return f"登录失败次数过多，已暂时锁定，请{lockout_minutes()}分钟后再试。"


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=LOCKED_STATUS)
    context = {"cooloff_time": f"{lockout_minutes()} 分钟"}
    return render(request, "accounts/locked.html", context, status=LOCKED_STATUS)

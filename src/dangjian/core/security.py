"""Web hardening that Django does not do by itself: Permissions-Policy, no-store for sensitive pages,
and API errors as JSON without a trace. The Content-Security-Policy is django-csp's (settings.CONTENT_SECURITY_POLICY);
frame denial, nosniff, referrer, COOP and HSTS are Django's SecurityMiddleware and XFrameOptionsMiddleware."""

from __future__ import annotations

import logging

from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .ratelimit import too_many_message

logger = logging.getLogger("dangjian.security")

# The app uses none of these browser features; deny them so an injected script could not either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


NUL_MESSAGE = "请求中含有不允许的字符（NUL）。"


class RejectNulMiddleware:
    """A NUL character in the address or a query parameter is refused with 400 before any view runs: PostgreSQL
    cannot store or compare it, so a search for it would otherwise end in a server error. (Form and API fields
    refuse it themselves through Django's and DRF's validators.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
            from django.http import HttpResponseBadRequest, JsonResponse

            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy to every response, and Cross-Origin-Resource-Policy so pages stay same-origin.

    Every answer but a static file is also sent `Cache-Control: no-store`: pages and API answers carry personal
    data, and one rule for all of them cannot miss one (an API caller is known only once the view has run, a page
    may be rendered for whoever). Static files keep whitenoise's caching.
    """

    def __init__(self, get_response):
        from urllib.parse import urlsplit

        from django.conf import settings

        self.get_response = get_response
        self.static_prefix = urlsplit(settings.STATIC_URL).path

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith(self.static_prefix) and "no-store" not in response.get("Cache-Control", ""):
            no_store(response)
        return response


def no_store(response):
    """Keep a page with clear sensitive values out of every cache (browser back button, proxies)."""
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    return response


def api_exception_handler(exc, context):
    """DRF's handler, in Chinese for throttling, and a plain JSON 500 instead of an HTML page or a trace."""
    response = exception_handler(exc, context)
    if isinstance(exc, Throttled) and response is not None:
        response.data = {"detail": too_many_message(exc.wait)}
        return response
    if response is None:
        logger.exception("API 请求出错：%s", context.get("request").path if context.get("request") else "")
        set_rollback()
        return Response(
            {"detail": "服务器处理请求时出错，已记录。请稍后再试，或联系系统管理员。"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response

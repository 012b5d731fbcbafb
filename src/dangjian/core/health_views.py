"""The health endpoint's view: no login, GET only, JSON (see core/health.py for what it checks and why)."""

from django.http import JsonResponse
from django.views import View

from . import health


class HealthView(View):
    http_method_names = ["get", "head"]

    def get(self, request):
        status, body = health.report()
        return JsonResponse(body, status=status)

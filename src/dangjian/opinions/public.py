"""The public opinion page at /y/<token>/, reached by the QR code printed for a village or a workstation.

No login and no session: the token grants this one form of this one code, nothing else. Limits, in Chinese and
with 429: `DANGJIAN_OPINION_ADDRESS_DAILY` opinions a day from one address (a flood from one phone or one
network), `DANGJIAN_OPINION_CODE_DAILY` a day through one code (a poster photographed and spread); an unknown or
withdrawn token answers 404 with one message, and guessing tokens is slowed per address like the survey's links.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from dangjian.core.context import client_ip
from dangjian.core.ratelimit import DailyQuota, LoginRateThrottle, too_many_message

from . import services
from .forms import PublicOpinionForm

INVALID_MESSAGE = "该二维码无效或已停用，请联系村（社区）党组织或党建工作站。"


def address_limit() -> int:
    return settings.DANGJIAN_OPINION_ADDRESS_DAILY


def code_limit() -> int:
    return settings.DANGJIAN_OPINION_CODE_DAILY


class OpinionMissThrottle(LoginRateThrottle):
    """Counts only unusable tokens per address: guessing is slowed, a village meeting behind one address is not."""

    scope = "opinion_miss"

    def get_rate(self):
        return getattr(settings, "OPINION_MISS_RATE", "20/minute")

    def blocked(self, request) -> bool:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def miss(self) -> None:
        self.throttle_success()


def too_many(request, message: str, retry: int = 3600):
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry)
    return response


class OpinionPublicView(View):
    def dispatch(self, request, *args, **kwargs):
        throttle = OpinionMissThrottle()
        if throttle.blocked(request):
            return too_many(request, too_many_message(throttle.wait()), max(1, int(throttle.wait() or 1)))
        self.throttle = throttle
        return super().dispatch(request, *args, **kwargs)

    def invalid(self, request):
        self.throttle.miss()
        return render(request, "opinions/public_invalid.html", {"message": INVALID_MESSAGE}, status=404)

    def page(self, request, code, villages, form, status=200):
        return render(
            request, "opinions/public.html", {"code": code, "villages": villages, "form": form}, status=status
        )

    def get(self, request, token):
        try:
            code = services.open_code(token)
        except services.CodeUnusable:
            return self.invalid(request)
        villages = services.villages_of(code)
        return self.page(request, code, villages, PublicOpinionForm(villages=villages))

    def post(self, request, token):
        try:
            code = services.open_code(token)
        except services.CodeUnusable:
            return self.invalid(request)
        by_address = DailyQuota("opinion_address", client_ip(request) or "-", address_limit())
        by_code = DailyQuota("opinion_code", str(code.pk), code_limit())
        if by_address.exceeded():
            return too_many(
                request,
                f"今天从您的网络已提交 {by_address.limit} 条意见，达到每日上限，请明天再提交；"
                "急事请直接联系村（社区）党组织或党建工作站。",
            )
        if by_code.exceeded():
            return too_many(request, f"该二维码今天已收到 {by_code.limit} 条意见，达到每日上限，请明天再提交。")
        villages = services.villages_of(code)
        form = PublicOpinionForm(request.POST, villages=villages)
        if form.is_valid():
            data = form.cleaned_data
            try:
                opinion = services.submit_public(
                    code, text=data["text"], contact=data["contact"], village_id=data.get("village")
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                by_address.use()
                by_code.use()
                return render(request, "opinions/public_thanks.html", {"org": opinion.org})
        return self.page(request, code, villages, form, status=400)

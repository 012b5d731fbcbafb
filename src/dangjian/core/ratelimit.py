"""Rate limits on the doors where passwords are tried: the login page and POST /api/token/.

Independent of the lockout (django-axes counts failures per account and address); this counts every attempt
per address, so one address cannot spray many accounts either. Counts live in Django's cache; the rate is
settings.LOGIN_RATE ("20/minute"), shared by both doors under one scope so they cannot be played off each other.
`DailyQuota` bounds the public doors that need no password (the residents' opinion form) per key and day.
"""

from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from .context import client_ip

RATE_SCOPE = "login"
# URL names whose POSTs are counted: every page where a password or a second-factor code is tried.
LIMITED_PAGES = ("login", "otp_verify", "password_change")


class LoginRateThrottle(SimpleRateThrottle):
    """DRF throttle for the token view: like ScopedRateThrottle with a fixed scope, keyed by the audited address.

    DRF's own get_ident reads X-Forwarded-For; `client_ip` is REMOTE_ADDR, which only `dangjian serve` sets from
    the header, and only for the trusted proxy (dangjian.core.proxy).
    """

    scope = RATE_SCOPE

    def get_rate(self):
        from django.conf import settings

        return settings.LOGIN_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def too_many_message(wait: float | None) -> str:
    seconds = max(1, int(wait or 1))
    return f"请求过于频繁，请{seconds}秒后再试。"


class LoginRateLimitMiddleware:
    """Counts POSTs to the login page per address with the same throttle as the token view; over the rate: 429."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: set[str] | None = None

    def limited_paths(self) -> set[str]:
        if self._paths is None:
            paths = set()
            for name in LIMITED_PAGES:
                try:
                    paths.add(reverse(name))
                except NoReverseMatch:  # a page this installation does not have
                    continue
            self._paths = paths
        return self._paths

    def __call__(self, request):
        if request.method == "POST" and request.path_info in self.limited_paths():
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                response = render(request, "429.html", {"message": too_many_message(throttle.wait())}, status=429)
                response["Retry-After"] = str(max(1, int(throttle.wait() or 1)))
                return response
        return self.get_response(request)


# ---------------------------------------------------------------------------------------------------- daily quotas


class DailyQuota:
    """At most `limit` uses a day of one key (a public form's code, an address), counted in Django's cache like the
    login rate, so the counts are as shared as the cache is (see docs/security.md). `exceeded` is asked before the
    work and `use` counts it after it succeeded, so a refused or invalid submission costs nothing of the quota."""

    def __init__(self, scope: str, ident: str, limit: int) -> None:
        self.key = f"dangjian:quota:{scope}:{timezone.localdate():%Y%m%d}:{ident}"
        self.limit = limit

    def used(self) -> int:
        return int(cache.get(self.key, 0))

    def exceeded(self) -> bool:
        return self.used() >= self.limit

    def use(self) -> None:
        if not cache.add(self.key, 1, timeout=QUOTA_SECONDS):
            try:
                cache.incr(self.key)
            except ValueError:  # expired between the two calls
                cache.set(self.key, 1, timeout=QUOTA_SECONDS)


QUOTA_SECONDS = 2 * 24 * 3600  # a day's key outlives its day, whatever the hour it was first used

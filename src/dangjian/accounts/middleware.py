"""Session rules of identification: idle and absolute timeouts, and the forced password change.

What the rules need is written into the session at login (`start_session`), so an ordinary request asks the
database nothing more. A policy change applies to sessions begun after it; a password reset by an
administrator ends the user's sessions at once anyway (Django ties sessions to the password hash).
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .security import password_change_reason, policy

LOGIN_AT = "dangjian_login_at"
SEEN_AT = "dangjian_seen_at"
IDLE = "dangjian_idle_seconds"
ABSOLUTE = "dangjian_absolute_seconds"
MUST_CHANGE = "dangjian_must_change"  # "forced", "expired" or absent
SEEN_EVERY = 60  # seconds: the last-seen time is written at most this often, so pages do not save the session

IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录。"
ABSOLUTE_MESSAGE = "登录时间已超过上限，已自动退出，请重新登录。"
MUST_CHANGE_MESSAGES = {
    "forced": "首次登录或密码已被重置，请先修改密码。",
    "expired": "密码已超过有效期，请修改密码。",
}
API_MUST_CHANGE = "须先在网页上修改密码，才能使用接口。"


def start_session(request, user) -> None:
    """Called on every login: note the time, the policy's limits and whether the password must be changed."""
    rules = policy()
    now = int(time.time())
    session = request.session
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session[IDLE] = rules.idle_minutes * 60
    session[ABSOLUTE] = rules.absolute_hours * 3600
    reason = password_change_reason(user)
    if reason:
        session[MUST_CHANGE] = reason
    else:
        session.pop(MUST_CHANGE, None)


def password_changed(request) -> None:
    request.session.pop(MUST_CHANGE, None)


def _exempt_paths() -> set[str]:
    return {reverse("password_change"), reverse("logout")}


# Public pages that use no account: the residents' survey (/s/<token>/, assess/survey_views.py). A signed-in
# resident answering one must not be sent to the login or password page, nor have the session touched.
PUBLIC_PREFIXES = ("/s/",)


def end_reason(session, now: int) -> str:
    """Why this session must end now ("idle", "absolute") or ""."""
    if LOGIN_AT not in session:
        return ""
    if now - session[LOGIN_AT] > session.get(ABSOLUTE, 8 * 3600):
        return "absolute"
    if now - session.get(SEEN_AT, session[LOGIN_AT]) > session.get(IDLE, 30 * 60):
        return "idle"
    return ""


class SessionPolicyMiddleware:
    """Ends idle or too-long sessions (audited, with a message on the login page) and holds users who must change
    their password on the change page. Placed after authentication, messages and the request context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = int(time.time())
        if LOGIN_AT not in session:
            start_session(request, request.user)  # a session from before these rules: start counting now
        reason = end_reason(session, now)
        if reason:
            return self.end(request, reason)
        if now - session.get(SEEN_AT, 0) >= SEEN_EVERY:
            session[SEEN_AT] = now
        must_change = session.get(MUST_CHANGE)
        if must_change and request.path not in _exempt_paths():
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": API_MUST_CHANGE}, status=403)
            if request.method == "GET":
                messages.warning(request, MUST_CHANGE_MESSAGES.get(must_change, MUST_CHANGE_MESSAGES["forced"]))
            return redirect("password_change")
        return None

    def end(self, request, reason: str):
        idle = reason == "idle"
        # The logout receiver in signals.py writes this into the LOGOUT audit record's detail.
        request.dangjian_logout_reason = (
            f"无操作超过{request.session.get(IDLE, 0) // 60}分钟，自动退出"
            if idle
            else f"登录超过{request.session.get(ABSOLUTE, 0) // 3600}小时，自动退出"
        )
        logout(request)
        if request.path.startswith("/api/"):
            return None  # the API request goes on as anonymous and is refused there
        messages.info(request, IDLE_MESSAGE if idle else ABSOLUTE_MESSAGE)
        return redirect_to_login(request.get_full_path()) if request.method == "GET" else redirect("login")

"""Login in one or two steps (password, then a one-time code), password change, second-factor enrolment, policy.

The user is logged in (Django's `login`) only after every step: between the password and the code the session
holds a short-lived "pending" entry, so a half-finished login can open no page.
"""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from dangjian.core.views import paged

from . import otp
from .duties import Duty, has_duty
from .forms import CodeForm, LoginForm, OwnPasswordChangeForm, SecurityPolicyForm
from .lockout import lockout_response
from .middleware import password_changed
from .models import ApiToken
from .security import needs_second_factor, policy, security_of, set_password, totp_enabled, update_policy
from .tokens import get_token_for_user, revoke_token

PENDING = "dangjian_pending_login"
PENDING_SECONDS = 300  # the code must follow the password within five minutes
PENDING_FAILURES = 5
WRONG_CODE = "动态口令不正确或已使用过，请等待下一个口令后重试。"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_mode"] = getattr(settings, "DEMO_MODE", False)
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not needs_second_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_redirect_url(),
            "failures": 0,
        }
        return redirect("otp_setup" if not totp_enabled(user) else "otp_verify")


def pending_user(request):
    """The user who gave the right password and still owes a code, or None (none, expired or inactive)."""
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        del request.session[PENDING]
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


def finish_login(request, user):
    pending = request.session.pop(PENDING)
    login(request, user, backend=pending["backend"])
    target = pending.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse(settings.LOGIN_REDIRECT_URL)
    return redirect(target)


def wrong_code(request, user, template, context):
    """Count a wrong code towards the lockout (axes) and the pending login's own limit; answer in Chinese."""
    credentials = {"username": user.username, "second_factor": True}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    pending = request.session[PENDING]
    pending["failures"] += 1
    request.session.modified = True
    if pending["failures"] >= PENDING_FAILURES or AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING, None)
        return lockout_response(request)
    context["form"].add_error("code", WRONG_CODE)
    return render(request, template, context, status=400)


class OTPVerifyView(View):
    """Second step of the login for a user with the second factor enabled."""

    template_name = "accounts/otp_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.user = pending_user(request)
        if self.user is None:
            messages.info(request, "请先输入用户名和密码。")
            return redirect("login")
        credentials = {"username": self.user.username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING, None)
            return lockout_response(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": CodeForm(), "pending": self.user})

    def post(self, request):
        form = CodeForm(request.POST)
        context = {"form": form, "pending": self.user}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        if not otp.check_code(self.user, form.cleaned_data["code"]):
            return wrong_code(request, self.user, self.template_name, context)
        return finish_login(request, self.user)


class OTPSetupView(View):
    """Enable the second factor: show the secret and its QR code, confirm with a first code.

    Reached right after the password when the policy requires a second factor the user has not set up (the login
    finishes on success), or by a logged-in user from the menu.
    """

    template_name = "accounts/otp_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.user, self.during_login = request.user, False
        else:
            self.user, self.during_login = pending_user(request), True
            if self.user is None:
                return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def context(self, form):
        row = security_of(self.user)
        if row.totp_confirmed_at is not None:
            return {"enabled": row.totp_confirmed_at, "during_login": self.during_login}
        secret = otp.begin_enrolment(self.user)
        uri = otp.provisioning_uri(secret, self.user.get_username())
        return {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr": otp.qr_svg(uri),
            "during_login": self.during_login,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(CodeForm()))

    def post(self, request):
        if totp_enabled(self.user):
            return redirect("otp_setup")
        form = CodeForm(request.POST)
        context = self.context(form)
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        if not otp.confirm_enrolment(self.user, form.cleaned_data["code"]):
            if self.during_login:
                return wrong_code(request, self.user, self.template_name, context)
            form.add_error("code", WRONG_CODE)
            return render(request, self.template_name, context, status=400)
        messages.success(request, "动态口令已启用，此后登录须输入动态口令。")
        if self.during_login:
            return finish_login(request, self.user)
        return redirect("otp_setup")


class PasswordChangeView(LoginRequiredMixin, View):
    """The user changes their own password; forced at first login, after a reset and when it expired."""

    template_name = "accounts/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OwnPasswordChangeForm(request.user)})

    def post(self, request):
        form = OwnPasswordChangeForm(request.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        set_password(request.user, form.cleaned_data["new_password1"], actor=request.user, reason="本人修改密码")
        update_session_auth_hash(request, request.user)  # stay logged in with the new password
        password_changed(request)
        messages.success(request, "密码已修改。")
        return redirect(settings.LOGIN_REDIRECT_URL)


class SecurityPolicyView(LoginRequiredMixin, View):
    """The identification policy; only the system administrator (系统管理员) sees this page, anyone else gets 404."""

    template_name = "form_page.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_duty(request.user, Duty.SYSADMIN):
            raise Http404("页面不存在")
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        return render(
            request=self.request,
            template_name=self.template_name,
            status=status,
            context={"form": form, "title": "身份鉴别策略"},
        )

    def get(self, request):
        return self.render_form(SecurityPolicyForm(instance=policy()))

    def post(self, request):
        form = SecurityPolicyForm(request.POST, instance=policy())
        if not form.is_valid():
            return self.render_form(form, status=400)
        update_policy({name: form.cleaned_data[name] for name in SecurityPolicyForm.Meta.fields}, actor=request.user)
        messages.success(request, "身份鉴别策略已保存；会话时长对此后的登录生效。")
        return redirect("security_policy")


class TokenListView(LoginRequiredMixin, View):
    """The user's own API tokens: when issued, from where, last used, when they end; each can be revoked."""

    def get(self, request):
        # Paged like every list: each POST /api/token/ issues a new token, so a script can leave many behind.
        listed = paged(request, ApiToken.objects.of(request.user))
        context = listed | {"tokens": listed["page"].object_list, "rules": policy()}
        return render(request, "accounts/tokens.html", context)


class TokenRevokeView(LoginRequiredMixin, View):
    """POST: revoke one of the user's own tokens; anyone else's answers 404 like a missing one."""

    def post(self, request, pk):
        try:
            token = get_token_for_user(request.user, pk)
        except PermissionDenied as exc:  # OutOfScope
            raise Http404(str(exc)) from exc
        revoke_token(token, actor=request.user, reason="本人在令牌页面撤销")
        messages.success(request, f"已撤销接口令牌“{token.label or '未命名'}”，使用它的程序须重新获取令牌。")
        return redirect("api_tokens")

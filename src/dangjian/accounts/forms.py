"""Forms of identification: login, password change, one-time code, the security policy."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from dangjian.core.scope import Role

from .duties import Duty, refuse_superuser_login
from .models import SecurityPolicy


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重试。",
        "inactive": "该账号已停用，请联系安全管理员。",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refused = refuse_superuser_login(user)
        if refused:
            raise forms.ValidationError(refused, code="superuser")


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, the password rules), and the new one must differ from the old."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and "new_password2" not in self.errors and self.user.check_password(new):
            self.add_error(
                "new_password2", forms.ValidationError("新密码不能与原密码相同。", code="password_unchanged")
            )
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
        help_text="打开手机上的身份验证器应用，输入其显示的6位数字。",
        error_messages={"required": "请输入动态口令。"},
    )


class SecurityPolicyForm(forms.ModelForm):
    totp_duties = forms.MultipleChoiceField(
        label="须启用动态口令的管理职责",
        choices=Duty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    totp_roles = forms.MultipleChoiceField(
        label="须启用动态口令的数据角色",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SecurityPolicy
        fields = ["password_max_age_days", "idle_minutes", "absolute_hours", "totp_duties", "totp_roles"]
        help_texts = {
            "idle_minutes": "新的时长对此后登录的会话生效。",
            "absolute_hours": "从登录起算，即使一直在操作，到时也须重新登录。",
        }

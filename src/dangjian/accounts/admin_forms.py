"""Forms of the security administrator's user pages. They only parse; the rules live in the services."""

from django import forms

from dangjian.core.scope import Action, Role
from dangjian.orgs.forms import OrgCodeField, ScopedFormMixin

from .duties import Duty

PASSWORD = forms.PasswordInput(attrs={"autocomplete": "new-password"})


class PasswordPairMixin:
    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class UserCreateForm(PasswordPairMixin, ScopedFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    name = forms.CharField(label="姓名", max_length=150, required=False)
    password = forms.CharField(label="初始密码", widget=PASSWORD, help_text="用户首次登录时须修改。")
    password2 = forms.CharField(label="再次输入初始密码", widget=PASSWORD)
    # Organizations the security administrator may hand out are those in their own scope, whatever the role.
    org = OrgCodeField(label="授权组织（编码，可不填）", action=Action.VIEW, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices, initial=Role.READ)


class PasswordResetForm(PasswordPairMixin, forms.Form):
    password = forms.CharField(label="新的临时密码", widget=PASSWORD)
    password2 = forms.CharField(label="再次输入", widget=PASSWORD)


class GrantForm(ScopedFormMixin, forms.Form):
    org = OrgCodeField(label="组织编码", action=Action.VIEW)
    role = forms.ChoiceField(label="角色", choices=Role.choices, initial=Role.READ)


class RevokeForm(ScopedFormMixin, forms.Form):
    org = OrgCodeField(label="组织编码", action=Action.VIEW)


class DutyForm(forms.Form):
    duty = forms.ChoiceField(label="管理职责", choices=Duty.choices)
    op = forms.ChoiceField(choices=[("assign", "分配"), ("remove", "取消")])


class SwitchForm(forms.Form):
    """On or off: activate/deactivate an account, grant/revoke the unmask permission."""

    on = forms.TypedChoiceField(choices=[("1", "是"), ("0", "否")], coerce=lambda v: v == "1")


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名或姓名", required=False)
    duty = forms.ChoiceField(label="管理职责", required=False, choices=[("", "全部"), *Duty.choices, ("none", "无")])
    org_code = forms.CharField(label="授权组织编码（含下级）", required=False)

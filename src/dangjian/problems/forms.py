"""Forms of the problem pages. Organizations are named by code, the owner's account by user name; the services
check scope and rights."""

from __future__ import annotations

from django import forms

from .choices import Category, ProblemLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OWNER_ACCOUNT_HELP = "选填：责任人在本系统的登录账号，须为责任单位的账号；填了的，待办提醒直接送达本人"


def _text(label: str, max_length: int, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


class ProblemForm(forms.Form):
    org_code = forms.CharField(
        label="涉及组织（组织编码）", max_length=40, widget=forms.TextInput(attrs={"data-autocomplete": "org"})
    )
    title = forms.CharField(label="问题", max_length=200)
    detail = _text("具体情况", 2000, required=False)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    level = forms.ChoiceField(
        label="办理层级",
        choices=ProblemLevel.choices,
        help_text="交由哪一级解决：站（村）、镇、县、市；只能交由您有权指派的一级，解决不了的再逐级上报",
    )
    owner_name = forms.CharField(label="责任人", max_length=50, required=False)
    owner_username = forms.CharField(label="责任人账号", max_length=150, required=False, help_text=OWNER_ACCOUNT_HELP)
    deadline = forms.DateField(label="办结时限", widget=DATE, required=False)


class AssignForm(forms.Form):
    owner_name = forms.CharField(label="责任人", max_length=50, required=False)
    owner_username = forms.CharField(label="责任人账号", max_length=150, required=False, help_text=OWNER_ACCOUNT_HELP)
    deadline = forms.DateField(label="办结时限", widget=DATE, required=False)


class ProgressForm(forms.Form):
    note = _text("办理进展", 1000)


class SubmitForm(forms.Form):
    result = _text("办理结果", 1000)


class VerifyForm(forms.Form):
    """Verification: close (销号) or return, with the opinion."""

    opinion = _text("核实意见", 1000)


class EscalateForm(forms.Form):
    reason = _text("本级无法解决的原因", 1000)

"""Forms of the opinion pages and of the public page."""

from __future__ import annotations

from django import forms

from dangjian.problems.choices import ProblemLevel
from dangjian.problems.forms import DATE, OWNER_ACCOUNT_HELP

from .choices import Category
from .services import PUBLIC_TEXT_MAX


class PublicOpinionForm(forms.Form):
    """What a resident fills in: the text, and a phone number only if they want an answer."""

    village = forms.ChoiceField(label="您所在的村（社区）", required=False)
    text = forms.CharField(
        label="您的意见或建议",
        max_length=PUBLIC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "请填写意见内容。", "max_length": f"意见内容不能超过 {PUBLIC_TEXT_MAX} 个字。"},
    )
    contact = forms.CharField(label="联系电话（选填，需要答复时填写）", max_length=30, required=False)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages and len(villages) > 1:
            self.fields["village"].choices = [("", "请选择"), *((str(v.pk), v.name) for v in villages)]
        else:
            del self.fields["village"]


class OpinionForm(forms.Form):
    org_code = forms.CharField(
        label="村（社区）组织编码", max_length=40, widget=forms.TextInput(attrs={"data-autocomplete": "org"})
    )
    text = forms.CharField(label="意见内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label="联系电话（选填）", max_length=30, required=False)
    date = forms.DateField(label="日期", widget=DATE)
    category = forms.ChoiceField(label="类别", choices=[("", "（按内容自动建议）"), *Category.choices], required=False)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=Category.choices)


class ReplyForm(forms.Form):
    reply = forms.CharField(label="反馈意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ToProblemForm(forms.Form):
    title = forms.CharField(label="问题（不填取意见内容）", max_length=200, required=False)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    level = forms.ChoiceField(label="办理层级", choices=ProblemLevel.choices)
    owner_name = forms.CharField(label="责任人", max_length=50, required=False)
    owner_username = forms.CharField(label="责任人账号", max_length=150, required=False, help_text=OWNER_ACCOUNT_HELP)
    deadline = forms.DateField(label="办结时限", widget=DATE, required=False)


class CodeForm(forms.Form):
    org_code = forms.CharField(label="村（社区）组织编码", max_length=40, required=False)
    workstation_code = forms.CharField(label="或：党建工作站编码", max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if bool((data.get("org_code") or "").strip()) == bool((data.get("workstation_code") or "").strip()):
            raise forms.ValidationError("请填写一个村（社区）组织编码，或一个党建工作站编码。")
        return data

"""Forms of the responsibility pages; the services hold the rules."""

from __future__ import annotations

from django import forms

from dangjian.orgs.choices import Domain

from .choices import SEAT_POSTS, DutyPost, Frequency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TemplateForm(forms.Form):
    post = forms.ChoiceField(label="岗位", choices=DutyPost.choices)
    domain = forms.ChoiceField(label="党建类型", choices=[("", "全部类型"), *Domain.choices], required=False)
    title = forms.CharField(label="责任事项", max_length=200, required=False)  # the service says what is missing
    detail = forms.CharField(
        label="具体要求", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    frequency = forms.ChoiceField(label="频次", choices=Frequency.choices)
    order = forms.IntegerField(label="排序", required=False, min_value=0, max_value=999)
    active = forms.BooleanField(label="启用", required=False, initial=True)


class GroupForm(forms.Form):
    name = forms.CharField(label="党组名称", max_length=100)
    guides = forms.CharField(label="指导的机关党委（组织编码）", max_length=40)


class SeatForm(forms.Form):
    post = forms.ChoiceField(label="岗位", choices=[(p.value, p.label) for p in SEAT_POSTS])
    holder_name = forms.CharField(label="姓名", max_length=50)
    since = forms.DateField(label="任职时间", required=False, widget=DATE)


class CompleteForm(forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE, required=False)
    note = forms.CharField(label="完成情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence = forms.FileField(label="佐证材料", required=False)

"""Forms of the accountability pages. Organizations and workstations are named by code; the view checks the scope."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .choices import ChiefGrade, CommendationKind, RecordKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def this_year() -> int:
    return timezone.localdate().year


class RecordForm(forms.Form):
    org_code = forms.CharField(label="所在党组织（组织编码）", max_length=40, required=False)
    workstation_code = forms.CharField(
        label="或：党建工作站（编码）",
        max_length=40,
        required=False,
        help_text="问责工作站站长时填写，所在党组织即其乡镇",
    )
    person_name = forms.CharField(label="姓名", max_length=50)
    person_post = forms.CharField(label="职务", max_length=100, required=False)
    kind = forms.ChoiceField(label="问责方式", choices=RecordKind.choices)
    date = forms.DateField(label="日期", widget=DATE)
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, required=False, help_text="留空取日期所在年度"
    )
    reason = forms.CharField(label="事由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    for_party_duty = forms.BooleanField(
        label="因党建工作责任落实不力",
        required=False,
        initial=True,
        help_text="约谈、诫勉谈话因此而起的，当年不得提拔、表彰",
    )
    case = forms.ModelChoiceField(label="引起问责的整顿案件", queryset=None, required=False)
    assessment = forms.ModelChoiceField(label="引起问责的年度考核", queryset=None, required=False)

    def __init__(self, *args, cases=None, assessments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["assessment"].queryset = assessments

    def clean(self):
        data = super().clean()
        if not (data.get("org_code") or "").strip() and not (data.get("workstation_code") or "").strip():
            raise forms.ValidationError("请填写所在党组织编码，或问责工作站站长时填写工作站编码。")
        return data


class ConfirmForm(forms.Form):
    date = forms.DateField(label="问责日期", widget=DATE, initial=timezone.localdate)
    person_name = forms.CharField(label="姓名（登记册无记载或有变动时填写）", max_length=50, required=False)
    note = forms.CharField(label="确认意见", max_length=500, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="不予采纳理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "不予采纳须写明理由。"},
    )


class GenerateForm(forms.Form):
    assessment = forms.ModelChoiceField(label="已发布的年度考核", queryset=None, required=False)
    year = forms.IntegerField(label="或：站长考评年度", min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, assessments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = assessments

    def clean(self):
        data = super().clean()
        if not data.get("assessment") and not data.get("year"):
            raise forms.ValidationError("请选择已发布的年度考核，或填写站长考评年度。")
        return data


class ChiefRatingForm(forms.Form):
    workstation_code = forms.CharField(label="党建工作站（编码）", max_length=40)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=this_year)
    chief_name = forms.CharField(label="站长", max_length=50, required=False, help_text="留空取登记的站长")
    rating = forms.ChoiceField(label="考评等次", choices=ChiefGrade.choices)
    note = forms.CharField(label="说明", max_length=500, required=False)


class CommendationForm(forms.Form):
    org_code = forms.CharField(label="所在党组织（组织编码）", max_length=40)
    person_name = forms.CharField(label="姓名", max_length=50)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, initial=this_year)
    kind = forms.ChoiceField(label="类别", choices=CommendationKind.choices)
    reason = forms.CharField(label="推荐理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

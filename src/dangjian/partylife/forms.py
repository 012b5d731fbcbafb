"""Forms of the party-records pages. Organizations are named by code and members picked from the roster by id; the
views resolve both within the user's scope, and the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.evidence_views import MultipleFileField
from dangjian.members.choices import Gender

from .choices import MeetingKind, StepKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingForm(forms.Form):
    """The meeting itself; attendance is the roster's checkboxes, read by the view."""

    kind = forms.ChoiceField(label="会议类别", choices=MeetingKind.choices, widget=forms.RadioSelect)
    date = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    topic = forms.CharField(label="主题", max_length=200)
    group = forms.ModelChoiceField(label="党小组（党小组会填写）", queryset=None, required=False)
    minutes = forms.CharField(
        label="会议记录", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleFileField(label="照片", required=False, accept="image/*")

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        if groups is None or not groups.exists():
            del self.fields["group"]


class PhotoForm(forms.Form):
    photos = MultipleFileField(label="照片", accept="image/*")


class ApplicantForm(forms.Form):
    org_code = forms.CharField(label="党组织（组织编码）", max_length=40)
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DATE)
    decision = forms.CharField(label="说明", max_length=500, required=False)
    document = forms.FileField(label="入党申请书（扫描件）", required=False)


class StepForm(forms.Form):
    """The next step; which fields matter depends on the step (the service says what is missing)."""

    kind = forms.ChoiceField(label="环节", choices=StepKind.choices)
    date = forms.DateField(label="日期（谈话日期，支委会、支部大会召开日期或培训日期）", widget=DATE)
    talker = forms.CharField(label="谈话人（入党谈话填写）", max_length=100, required=False)
    decision = forms.CharField(
        label="决定或依据（入党谈话填写谈话情况）",
        max_length=500,
        required=False,
        help_text="如：支委会研究决定；支部大会表决，应到 15 人，实到 13 人，赞成 13 票；谈话了解入党动机",
    )
    meeting = forms.ModelChoiceField(label="作出决定的会议", queryset=None, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label="培养联系人（1 至 2 名正式党员）", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    introducers = forms.ModelMultipleChoiceField(
        label="入党介绍人（2 名正式党员）", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.IntegerField(label="培训学时", min_value=1, max_value=500, required=False)
    months = forms.IntegerField(label="延长预备期（月）", min_value=1, max_value=24, required=False)
    approved_on = forms.DateField(label="上级党委审批日期", widget=DATE, required=False)
    document = forms.FileField(label="材料（决定、志愿书、审批意见等）", required=False)

    def __init__(self, *args, steps=(), meetings=None, roster=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, StepKind(k).label) for k in steps]
        self.fields["meeting"].queryset = meetings
        self.fields["contacts"].queryset = roster
        self.fields["introducers"].queryset = roster

"""Forms of the station pages. The villages offered are the town's village-level organizations in the user's scope;
the services check every rule again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .choices import StaffPost, StaffSource

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VillageChoice(forms.ModelMultipleChoiceField):
    def __init__(self, *args, covered_by: dict[int, str] | None = None, **kwargs):
        self.covered_by = covered_by or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        other = self.covered_by.get(obj.pk)
        return f"{obj.name}（{obj.code}）" + (f" —— 已由{other}联系" if other else "")


class StationForm(forms.Form):
    name = forms.CharField(label="工作站名称", max_length=100)
    code = forms.CharField(label="工作站编码", max_length=40, help_text="字母、数字、短横线或下划线，全市唯一")

    def __init__(self, *args, villages, covered_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"] = VillageChoice(
            label="联系村（社区）",
            queryset=villages,
            covered_by=covered_by,
            widget=forms.CheckboxSelectMultiple,
            help_text="按规定每个工作站负责联系指导 3—5 个本乡镇的村（社区）",
            error_messages={"required": "工作站至少要联系一个村（社区）党组织。"},
        )


class RetireForm(forms.Form):
    on = forms.DateField(label="撤销日期", widget=DATE)
    reason = forms.CharField(label="撤销原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    post = forms.ChoiceField(label="职务", choices=StaffPost.choices, initial=StaffPost.STAFF)
    full_time = forms.BooleanField(label="专职", required=False)
    source = forms.ChoiceField(label="人员来源", choices=[("", "（未填）"), *StaffSource.choices], required=False)
    since = forms.DateField(label="任职时间", required=False, widget=DATE)


class AccountForm(forms.Form):
    username = forms.CharField(label="账号（用户名）", max_length=150)

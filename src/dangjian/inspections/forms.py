"""Forms of the inspection pages. Organizations are named by code and accounts by user name; the views look them up
within the user's scope, and the services check every rule again."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from dangjian.core.evidence_views import MultipleFileField

from .checklists import DOMAINS
from .choices import FollowUp, ItemResult, PopulationKind, StratifyBy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def parse_overrides(text: str) -> dict[str, str]:
    """ "白桦镇党委=2" per line → {"白桦镇党委": "2"}."""
    out = {}
    for line in (text or "").splitlines():
        stratum, sep, quota = line.replace("＝", "=").partition("=")
        if sep and stratum.strip():
            out[stratum.strip()] = quota.strip()
        elif line.strip():
            raise forms.ValidationError(f"「{line.strip()}」应写成“分层名称=抽取数”。")
    return out


class DrawForm(forms.Form):
    org_code = forms.CharField(label="组织抽取的党组织（组织编码）", max_length=40)
    title = forms.CharField(label="名称", max_length=200)
    population_kind = forms.ChoiceField(label="抽取范围", choices=PopulationKind.choices)
    stratify_by = forms.ChoiceField(label="分层方式", choices=StratifyBy.choices)
    quota_default = forms.CharField(
        label="每层抽取数", max_length=10, initial="1", help_text="个数（如 2）或比例（如 20%）"
    )
    quota_overrides = forms.CharField(
        label="个别分层抽取数（可不填）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个：分层名称=抽取数，如“白桦镇党委=2”",
    )
    exclude_months = forms.IntegerField(label="近几个月内已抽中的不再抽取", min_value=0, max_value=24, initial=3)
    team_size = forms.IntegerField(label="每组督导人数", min_value=1, max_value=5, initial=2)
    draw_at = forms.DateTimeField(label="公布的抽取时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    visit_until = forms.DateField(label="督导截止日期", widget=DATE)
    beacon_required = forms.BooleanField(
        label="须由第二人录入公开随机数（如当期彩票开奖号码）后才能抽取", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localtime() + datetime.timedelta(days=1)
        self.fields["draw_at"].initial = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
        self.fields["visit_until"].initial = tomorrow.date() + datetime.timedelta(days=14)

    def clean_quota_overrides(self):
        return parse_overrides(self.cleaned_data["quota_overrides"])


class ExcludeForm(forms.Form):
    key = forms.CharField(max_length=100)
    reason = forms.CharField(label="原因", max_length=200, required=False)
    include = forms.BooleanField(required=False)


class BeaconForm(forms.Form):
    value = forms.CharField(label="公开随机数", max_length=200)


class VisitForm(forms.Form):
    """Date, whom they met, a summary, and for each applicable item its result, a note and photos."""

    visited_on = forms.DateField(label="督导日期", widget=DATE)
    met = forms.CharField(
        label="见面人员", max_length=500, help_text="督导组见到的人，如“村党支部书记王某、村委会主任李某”"
    )
    summary = forms.CharField(
        label="总体情况", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["visited_on"].initial = timezone.localdate()
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=f"{item.number}. {item.title}",
                choices=ItemResult.choices,
                widget=forms.RadioSelect,
                required=False,
                help_text=item.guidance,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label="情况说明", max_length=1000, required=False)
            self.fields[f"photos_{item.pk}"] = MultipleFileField(label="现场照片", required=False, accept="image/*")

    def rows(self):
        """(item, result field, note field, photos field) per item, for the template."""
        return [(i, self[f"result_{i.pk}"], self[f"note_{i.pk}"], self[f"photos_{i.pk}"]) for i in self.items]

    def results(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {i.pk: (data.get(f"result_{i.pk}") or "", data.get(f"note_{i.pk}") or "") for i in self.items}

    def photos(self) -> dict[int, list]:
        return {i.pk: self.cleaned_data.get(f"photos_{i.pk}") or [] for i in self.items}


class FollowUpForm(forms.Form):
    deadline = forms.DateField(label="整改时限", widget=DATE)
    route = forms.ChoiceField(label="跟踪方式", choices=FollowUp.choices, initial=FollowUp.RECTIFY)


class ChecklistForm(forms.Form):
    owner_code = forms.CharField(label="制定单位（组织编码）", max_length=40)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    code = forms.CharField(label="清单代码", max_length=40, help_text="同一单位各年度的同一清单用同一代码，如 venue-10")
    name = forms.CharField(label="清单名称", max_length=200)
    domains = forms.MultipleChoiceField(
        label="适用党建类型（不选为全部）",
        choices=list(DOMAINS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.CharField(
        label="检查项目",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="每行一项：检查项目｜检查要点",
    )
    source = forms.CharField(label="依据", max_length=500, required=False)


class ChecklistEditForm(ChecklistForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner_code", "year", "code"):
            del self.fields[name]


class CopyForm(forms.Form):
    year = forms.IntegerField(label="新年度", min_value=2000, max_value=2100)


class InspectorForm(forms.Form):
    owner_code = forms.CharField(label="督导人员库所属单位（组织编码）", max_length=40)
    username = forms.CharField(label="账号", max_length=150)
    name = forms.CharField(label="姓名（可不填，默认取账号姓名）", max_length=50, required=False)
    unit_code = forms.CharField(label="工作单位（组织编码）", max_length=40, help_text="决定回避：不派往本人所在乡镇")


class BulletinForm(forms.Form):
    org = forms.CharField(label="组织编码", max_length=40)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="季度",
        coerce=int,
        required=False,
        empty_value=0,
        choices=[("", "全年"), (1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")],
    )

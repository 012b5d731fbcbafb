"""Forms of the project and resource pages. Organizations are named by code and members picked from the roster by
id; the views resolve both within the user's scope, and the services hold the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from . import rules
from .choices import FundSource, ProjectCategory, ProjectStatus, ReportKind, SecretaryRole, VenueKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); each is checked by the service."""

    def __init__(self, *args, accept: str = "", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else {}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class YuanField(forms.DecimalField):
    """An amount typed in yuan (two decimals), given to the services in fen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return int((amount or Decimal(0)) * 100)


class MonthField(forms.DateField):
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MONTH)
        super().__init__(*args, **kwargs)


def this_year() -> int:
    return timezone.localdate().year


class ProjectForm(forms.Form):
    org_code = forms.CharField(label="党组织（组织编码）", max_length=40)
    year = forms.IntegerField(label="年度", initial=this_year)
    title = forms.CharField(label="项目名称", max_length=200)
    category = forms.ChoiceField(label="类别（1+3+X）", choices=ProjectCategory.choices)
    status = forms.ChoiceField(label="状态", choices=ProjectStatus.choices, initial=ProjectStatus.ACTIVE)
    leader_name = forms.CharField(label="负责人", max_length=50, required=False)
    goals = forms.CharField(label="目标", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    budget = YuanField(label="计划投入（元）")
    spent = YuanField(label="已投入（元）")
    results = forms.CharField(label="成效", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class MilestoneForm(forms.Form):
    title = forms.CharField(label="节点", max_length=200)
    due = forms.DateField(label="计划完成日期", widget=DATE)


class FilesForm(forms.Form):
    files = MultipleFileField(label="文件")


class VenueForm(forms.Form):
    org_code = forms.CharField(label="党组织（组织编码）", max_length=40)
    kind = forms.ChoiceField(label="类别", choices=VenueKind.choices)
    name = forms.CharField(label="名称", max_length=200)
    address = forms.CharField(label="地址", max_length=200, required=False)
    area_m2 = forms.IntegerField(label="面积（平方米）", min_value=0, required=False)
    built_year = forms.IntegerField(label="建成年份", required=False)
    standard = forms.MultipleChoiceField(
        label="达到的“十有”项目",
        choices=rules.STANDARD_ITEMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=rules.STANDARD_SOURCE,
    )

    def __init__(self, *args, checklist: rules.Checklist | None = None, **kwargs):
        """The checklist's items in force at the venue's organization are the choices (the default ten before an
        organization is known)."""
        super().__init__(*args, **kwargs)
        checklist = checklist or rules.DEFAULT_CHECKLIST
        field = self.fields["standard"]
        field.choices = [(item.key, item.label) for item in checklist.active]
        field.help_text = checklist.source


NEW_ITEMS = 3  # blank rows for new items on the adjustment form


class StandardForm(forms.Form):
    """A county's adjustment of the "十有" checklist: each item's name and whether it is retired, up to three new
    items, and the reason (kept by the rulebook's trail)."""

    org_code = forms.CharField(label="调整的党组织（县（区）委或市委的组织编码）", max_length=40)
    reason = forms.CharField(
        label="调整理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )  # required by the service, which says so in its words

    def __init__(self, *args, checklist: rules.Checklist, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for item in checklist.items:
            self.fields[f"label_{item.key}"] = forms.CharField(
                label="项目名称", max_length=50, required=False, initial=item.label
            )
            self.fields[f"retire_{item.key}"] = forms.BooleanField(label="停用", required=False, initial=item.retired)
        for n in range(1, NEW_ITEMS + 1):
            self.fields[f"new_{n}"] = forms.CharField(label=f"新增项目 {n}", max_length=50, required=False)

    def rows(self):
        """(item, its name field, its retire field) for the template."""
        return [(item, self[f"label_{item.key}"], self[f"retire_{item.key}"]) for item in self.checklist.items]

    def new_fields(self):
        return [self[f"new_{n}"] for n in range(1, NEW_ITEMS + 1)]

    def changes(self) -> dict:
        """The service's arguments (`services.adjust_venue_standard`) from the cleaned form."""
        data = self.cleaned_data
        return {
            "labels": {item.key: data.get(f"label_{item.key}", "") for item in self.checklist.items},
            "retired": [item.key for item in self.checklist.items if data.get(f"retire_{item.key}")],
            "added": [data.get(f"new_{n}", "") for n in range(1, NEW_ITEMS + 1)],
            "reason": data["reason"],
        }


class ServiceForm(forms.Form):
    month = MonthField(label="月份")
    items = forms.IntegerField(label="办理服务事项（项）", min_value=0)
    people = forms.IntegerField(label="服务群众（人次）", min_value=0, required=False)


class TrainingForm(forms.Form):
    """The session; attendance is the roster's checkboxes, read by the view."""

    title = forms.CharField(label="培训名称", max_length=200)
    date = forms.DateField(label="开班日期", widget=DATE)
    days = forms.IntegerField(label="天数", min_value=1, initial=1)
    hours = forms.IntegerField(label="学时", min_value=0, initial=0)
    others = forms.IntegerField(label="其他参训人员（人次，名册外）", min_value=0, initial=0, required=False)
    content = forms.CharField(
        label="培训内容", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FundForm(forms.Form):
    org_code = forms.CharField(label="党组织（组织编码）", max_length=40)
    year = forms.IntegerField(label="年度", initial=this_year)
    source = forms.ChoiceField(label="来源", choices=FundSource.choices)
    purpose = forms.CharField(label="用途", max_length=200)
    in_budget = forms.BooleanField(label="列入预算", required=False)
    budget = YuanField(label="预算金额（元）")
    spent = YuanField(label="已支出（元）")


class SecretaryForm(forms.Form):
    org_code = forms.CharField(label="驻村党组织（组织编码）", max_length=40)
    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="身份", choices=SecretaryRole.choices)
    sent_by = forms.CharField(label="派出单位", max_length=200)
    team = forms.CharField(label="所属工作队", max_length=200, required=False)
    start = forms.DateField(label="驻村开始日期", widget=DATE)
    end = forms.DateField(label="驻村结束日期", widget=DATE, required=False)


class ReportForm(forms.Form):
    month = MonthField(label="月份")
    kind = forms.ChoiceField(label="类别", choices=ReportKind.choices)
    submitted_on = forms.DateField(label="报送日期（补录纸质报送时填写，默认今天）", widget=DATE, required=False)
    content = forms.CharField(label="内容", max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))

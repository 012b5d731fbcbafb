"""Forms of the rectification pages. Organizations are named by code and accounts by user name; the views check both
against the user's scope, and the services check every rule again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dangjian.core.evidence_views import MultipleFileField

from .models import CaseSource, CaseStatus, SupporterRole, WeaknessKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *CaseStatus.choices])
    kind = forms.ChoiceField(label="软弱类型", required=False, choices=[("", "全部"), *WeaknessKind.choices])
    # Sent as "true", the value the API and the export's filters (django-filter) read too.
    overdue = forms.BooleanField(
        label="有逾期措施", required=False, widget=forms.CheckboxInput(attrs={"value": "true"})
    )
    org_code = forms.CharField(label="组织编码", required=False, max_length=40)


class CaseOpenForm(forms.Form):
    org_code = forms.CharField(label="整顿对象（组织编码）", max_length=40)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    source = forms.ChoiceField(
        label="来源",
        choices=[(CaseSource.INSPECTION, CaseSource.INSPECTION.label), (CaseSource.MANUAL, CaseSource.MANUAL.label)],
    )
    note = forms.CharField(label="列入原因 / 督查发现的问题", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label="软弱类型", required=False, choices=[("", "（暂不确定）"), *WeaknessKind.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class CaseEditForm(forms.Form):
    kind = forms.ChoiceField(
        label="软弱类型",
        required=False,
        choices=[("", "（暂不确定）"), *WeaknessKind.choices],
        help_text="决定结对帮扶单位的类型：软—党政机关，穷—经济部门，乱—政法部门，专—农业部门",
    )
    deadline = forms.DateField(label="整改期限", required=False, widget=DATE)


class MeasureForm(forms.Form):
    problem = forms.CharField(label="问题", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label="整改措施", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.CharField(label="责任人", max_length=50)
    responsible_username = forms.CharField(
        label="责任人账号（可不填）", max_length=150, required=False, help_text="填写后可收到到期提醒"
    )
    deadline = forms.DateField(label="完成时限", widget=DATE)


class MeasureDoneForm(forms.Form):
    date = forms.DateField(label="完成日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class EntryForm(forms.Form):
    date = forms.DateField(label="日期", widget=DATE)
    content = forms.CharField(label="进展情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label="佐证文件或照片（可多选）",
        required=False,
        accept="image/*,.pdf,.doc,.docx,.xls,.xlsx,.txt",
        help_text="PDF、图片、Word、Excel 或文本，单个不超过 20 MB",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class SupportersForm(forms.Form):
    """The five supporters of 五级包扶, one per role: name, unit and post, optional account."""

    def __init__(self, *args, current=None, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.role_choices = roles if roles is not None else SupporterRole.choices
        for role, label in self.role_choices:
            s = current.get(role)
            self.fields[f"{role}_name"] = forms.CharField(
                label=f"{label}·姓名", max_length=50, required=False, initial=s.name if s else ""
            )
            self.fields[f"{role}_unit"] = forms.CharField(
                label=f"{label}·单位及职务", max_length=200, required=False, initial=s.unit if s else ""
            )
            self.fields[f"{role}_username"] = forms.CharField(
                label=f"{label}·账号（可不填，填写后发送通知）",
                max_length=150,
                required=False,
                initial=s.user.username if s and s.user else "",
            )

    def roles(self):
        """Per role: (label, [name, unit and account fields]) for the template."""
        return [
            (label, [self[f"{role}_{part}"] for part in ("name", "unit", "username")])
            for role, label in self.role_choices
        ]


class FundForm(forms.Form):
    amount = forms.DecimalField(label="金额（元）", min_value=0.01, max_digits=12, decimal_places=2)
    source = forms.CharField(label="资金来源", max_length=200)
    purpose = forms.CharField(label="用途", max_length=500, required=False)
    date = forms.DateField(label="拨付日期", widget=DATE, initial=timezone.localdate)


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新打开的理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class RollOverForm(forms.Form):
    year = forms.IntegerField(label="结转年度", min_value=2000, max_value=2100)

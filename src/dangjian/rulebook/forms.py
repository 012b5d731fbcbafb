from django import forms

from .choices import Severity


class OverrideForm(forms.Form):
    org_code = forms.CharField(label="适用党组织编码", max_length=40, help_text="本市或本县（区）党委的组织编码")
    value = forms.CharField(
        label="调整后取值", required=False, max_length=200, help_text="与原值格式相同，如 4、[1, 3]；留空为不调整"
    )
    severity = forms.ChoiceField(
        label="调整后严重程度", required=False, choices=[("", "（不调整）"), *Severity.choices]
    )
    disabled = forms.BooleanField(label="在本地区停用该规则", required=False)
    reason = forms.CharField(label="调整理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

"""Forms of the assessment pages. Organizations are named by code, checked against the user's scope by the view."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .models import SchemeRecord
from .schemefile import MAX_SCHEME_BYTES, TOO_LARGE


class SchemeForm(forms.Form):
    owner_code = forms.CharField(label="制定单位（组织编码）", max_length=40)
    text = forms.CharField(
        label="方案内容（YAML）",
        required=False,
        strip=False,  # the file is kept exactly as written
        widget=forms.Textarea(attrs={"rows": 28, "cols": 100, "class": "mono", "spellcheck": "false"}),
        help_text="格式见“方案格式说明”；也可上传 .yaml 文件代替。",
    )
    upload = forms.FileField(label="或上传方案文件（.yaml）", required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            if not upload.name.lower().endswith((".yaml", ".yml")):
                raise forms.ValidationError("方案文件应为 .yaml 或 .yml 文件。")
            if upload.size > MAX_SCHEME_BYTES:
                raise forms.ValidationError(TOO_LARGE)
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("方案文件应为 UTF-8 编码的文本。") from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("请填写方案内容或上传方案文件。")
        return data


class CloneForm(forms.Form):
    year = forms.IntegerField(label="新方案年度", min_value=2000, max_value=2100)


class AssessmentForm(forms.Form):
    scheme = forms.ModelChoiceField(label="考核方案", queryset=SchemeRecord.objects.none())
    root_code = forms.CharField(label="组织考核的党组织（组织编码）", max_length=40)
    cutoff = forms.DateField(
        label="组织快照日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="参评组织按此时的组织树确定",
    )
    title = forms.CharField(label="名称", max_length=200, required=False, help_text="留空则自动生成")
    review_weight = forms.DecimalField(
        label="书记述职评议权重", min_value=0, max_value=1, decimal_places=2, initial=0, help_text="0～1，0 表示不计入"
    )

    def __init__(self, *args, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schemes is not None:
            self.fields["scheme"].queryset = schemes
        self.fields["cutoff"].initial = datetime.date(timezone.localdate().year, 12, 31)


class AdjustForm(forms.Form):
    indicator = forms.CharField(label="指标编码", max_length=40)
    points = forms.CharField(label="调整后分值", max_length=20)
    reason = forms.CharField(label="调整理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    indicator = forms.CharField(label="对应指标编码（可不填）", max_length=40, required=False)
    file = forms.FileField(label="文件")
    description = forms.CharField(label="说明", max_length=500, required=False)

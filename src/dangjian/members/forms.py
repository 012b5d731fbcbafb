"""Member forms."""

from django import forms

from dangjian.core.citizen_id import id_number_problem
from dangjian.core.scope import Action
from dangjian.orgs.forms import OrgCodeField, ScopedFormMixin

from .models import Member
from .services import MEMBER_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = list(MEMBER_FIELDS)
        widgets = {
            "birth_date": DATE,
            "join_date": DATE,
            "full_date": DATE,
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        problem = id_number_problem(value) if value else ""
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_phone(self):
        value = "".join(ch for ch in (self.cleaned_data.get("phone") or "") if ch.isdigit())
        if value and len(value) not in (7, 8, 11, 12):
            raise forms.ValidationError("联系电话应为11位手机号或固定电话号码。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("is_mobile") and not data.get("mobile_destination"):
            self.add_error("mobile_destination", "流动党员请填写流入地。")
        if data.get("join_date") and data.get("birth_date") and data["join_date"] <= data["birth_date"]:
            self.add_error("join_date", "入党日期应晚于出生日期。")
        return data

    def validate_unique(self):
        # The service checks the ID number by its keyed hash.
        pass


class MemberCreateForm(MemberForm):
    org = OrgCodeField(label="所在党组织（编码）", action=Action.CHANGE)

    class Meta(MemberForm.Meta):
        fields = ["org", *MemberForm.Meta.fields]


class TransferForm(ScopedFormMixin, forms.Form):
    to_org = OrgCodeField(label="转入组织（编码）", action=Action.CHANGE)
    date = forms.DateField(label="转接日期", widget=DATE)
    reason = forms.CharField(label="原因", max_length=200, required=False)

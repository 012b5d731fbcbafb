"""Member forms. The rules are `members.rules`, asked in `clean`; the service asks them again on the member as it
will be saved (the edit form leaves the stored ID number and phone out)."""

from django import forms
from django.utils import timezone

from dangjian.core.scope import Action
from dangjian.orgs.forms import OrgCodeField, ScopedFormMixin

from .models import Member
from .rules import REQUIRED_FIELDS, member_problems
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The fields the rules require are left to them, so a blank one reads as it does everywhere else; the
        # browser's own `required` hint stays.
        for name in set(REQUIRED_FIELDS) & set(self.fields):
            field = self.fields[name]
            field.required = False
            field.widget.attrs["required"] = True

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean_phone(self):
        # Separators typed between the digits are dropped; the rules check what is left.
        return "".join(ch for ch in (self.cleaned_data.get("phone") or "") if ch.isdigit())

    def clean(self):
        data = super().clean()
        for field, message in member_problems(data, today=timezone.localdate()):
            self.add_error(field if field in self.fields else None, message)
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

"""Forms for the organization register. Organizations are chosen by code, resolved inside the user's scope."""

from django import forms

from dangjian.core.scope import Action

from .choices import Post
from .models import Organization
from .rules import REQUIRED_FIELDS, org_problems
from .services import ORG_FIELDS


class OrgCodeField(forms.CharField):
    """An organization picked by its code; only organizations in the user's scope resolve."""

    def __init__(self, *args, action: str = Action.MANAGE, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.action = action
        self.user = None
        self.widget.attrs.update(
            {"data-autocomplete": "org", "autocomplete": "off", "placeholder": "输入组织编码或名称"}
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        code = value.split(" ")[0].strip()
        org = Organization.objects.restrict(self.user, self.action).filter(code=code).first()
        if org is None:
            raise forms.ValidationError("组织编码“%(code)s”不存在，或不在您的数据范围内。", params={"code": code})
        return org


class ScopedFormMixin:
    """Hands the user to every OrgCodeField so choices are resolved within scope."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, OrgCodeField):
                field.user = user


class OrgForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        # The vertical-system link is kept by the system's owner, not on this form.
        fields = [f for f in ORG_FIELDS if not f.startswith("system")]
        widgets = {
            "established": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "term_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The fields the rules require are left to them (`orgs.rules.org_problems`), so a blank one reads as it
        # does everywhere else; the browser's own `required` hint stays.
        for name in set(REQUIRED_FIELDS) & set(self.fields):
            self.fields[name].required = False
            self.fields[name].widget.attrs["required"] = True

    def clean(self):
        data = super().clean()
        for field, message in org_problems(data):
            self.add_error(field, message)
        return data

    def validate_unique(self):
        # The service checks the code with a clear message; skip the model's generic one.
        pass


class OrgCreateForm(OrgForm):
    parent = OrgCodeField(label="上级党组织（编码）")

    class Meta(OrgForm.Meta):
        fields = ["parent", *OrgForm.Meta.fields]


class OrgMoveForm(ScopedFormMixin, forms.Form):
    new_parent = OrgCodeField(label="调整到（上级组织编码）")


class PostForm(forms.Form):
    post = forms.ChoiceField(label="职务", choices=Post.choices)
    holder_name = forms.CharField(label="姓名", max_length=50)
    full_time = forms.BooleanField(label="专职", required=False)
    since = forms.DateField(
        label="任职时间", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class OrgSearchForm(forms.Form):
    q = forms.CharField(label="名称或编码", required=False, max_length=100)

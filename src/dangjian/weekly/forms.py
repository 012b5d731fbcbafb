"""Forms of the weekly pages: the rows of an arrangement, a village's answers per item, the station's own answers.
The services check every rule again."""

from __future__ import annotations

from django import forms

from dangjian.core.evidence_views import MultipleFileField

from .choices import LineStatus
from .services import Answer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ITEM_ROWS = 6  # blank rows offered; more can be added after publishing next week


class ItemForm(forms.Form):
    title = forms.CharField(label="工作事项", max_length=200, required=False)
    target = forms.CharField(label="目标要求", max_length=500, required=False)
    due = forms.DateField(label="完成时限", required=False, widget=DATE)
    by_station = forms.BooleanField(label="由工作站自行完成", required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=ITEM_ROWS, max_num=30, absolute_max=30)


class PublishForm(forms.Form):
    note = forms.CharField(label="说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswersForm(forms.Form):
    """One status, note and photos per item (`items`): fields status_<id>, note_<id>, photos_<id>."""

    note = forms.CharField(
        label="其他情况说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items, photos: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"status_{item.pk}"] = forms.ChoiceField(
                label=item.title,
                choices=LineStatus.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"请填写“{item.title}”的完成情况。"},
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label="情况说明", max_length=500, required=False)
            if photos:
                self.fields[f"photos_{item.pk}"] = MultipleFileField(label="照片", required=False)

    def rows(self):
        """(item, status field, note field, photos field or None) for the template."""
        for item in self.items:
            photos = self[f"photos_{item.pk}"] if f"photos_{item.pk}" in self.fields else None
            yield item, self[f"status_{item.pk}"], self[f"note_{item.pk}"], photos

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            item.pk: Answer(
                status=data[f"status_{item.pk}"],
                note=data.get(f"note_{item.pk}", ""),
                photos=data.get(f"photos_{item.pk}", []),
            )
            for item in self.items
        }

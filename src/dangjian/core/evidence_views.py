"""The pages' side of uploaded evidence (`core.evidence`): a form field for several files, the upload view, and the
views that serve a file and its thumbnail. Every one fetches its object through the data scope
(`ScopedViewMixin.get_object_or_404`), so a file out of the user's scope is a 404 like a missing one, and is never
cached by a browser or proxy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views import View

from .scope import Action
from .thumbnails import thumbnail
from .views import ScopedViewMixin, apply_validation_error


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); each is checked by the service (`UploadRule`).
    `accept` hints the phone's picker (e.g. "image/*"); the server checks the bytes whatever the browser sends."""

    def __init__(self, *args, accept: str | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else None))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class EvidenceUploadView(ScopedViewMixin, View):
    """POST files to one record (`model`) the user may change: the form, then the app's service (`add`), then back
    to the record's page with `success_message`; refused files show the record's page again (`again`, status 400)."""

    scope_action = Action.CHANGE
    form_class: type[forms.Form]
    field = "files"
    success_message = "文件已上传。"

    def add(self, obj, uploads, *, actor) -> None:
        raise NotImplementedError

    def success_url(self, obj) -> str:
        raise NotImplementedError

    def again(self, request, pk, form):
        raise NotImplementedError

    def post(self, request, pk):
        obj = self.get_object_or_404(pk)
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.add(obj, form.cleaned_data[self.field], actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url(obj))
        return self.again(request, pk, form)


def no_store(response):
    """Uploaded evidence stays out of browser and proxy caches."""
    response["Cache-Control"] = "no-store, private"
    return response


class EvidenceFileView(ScopedViewMixin, View):
    """One uploaded file (`model`, an `EvidenceFile`) under the name it was uploaded with: shown in the browser, or
    offered as a download when `as_attachment`."""

    as_attachment = True
    missing_message = "文件不存在。"

    def get(self, request, pk):
        item = self.get_object_or_404(pk)
        try:
            handle = item.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(self.missing_message) from exc
        return no_store(
            FileResponse(
                handle, as_attachment=self.as_attachment, filename=item.original_name, content_type=item.content_type
            )
        )


class EvidenceThumbnailView(ScopedViewMixin, View):
    """A photo's thumbnail, through the same data scope as the file itself; 404 for a file that is not an image
    Pillow reads."""

    def get(self, request, pk):
        item = self.get_object_or_404(pk)
        path = thumbnail(item.file, item.thumbnail_key) if item.is_image else None
        if path is None:
            raise Http404("该文件没有缩略图。")
        response = FileResponse(path.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

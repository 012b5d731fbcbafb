"""Uploaded evidence and photos (佐证材料、照片) of the apps' records: one abstract model, one upload rule, one way to
save and to audit an upload. A meeting's photos, a weekly report line's photos, a visit's on-the-spot photos and a
rectification ledger entry's evidence are each an `EvidenceFile` of their own table, linked to their own record.

- The file lands under MEDIA_ROOT at `<upload_folder>/<year>/<name>` (`upload_path`), readable by the server's user
  only (core/files.py), never from a public address: the apps serve it through the data scope of the record it
  belongs to (`core.evidence_views`).
- Its bytes are checked before anything is saved (`UploadRule.check`, through `core.uploads.check_upload`): the
  extension must be one the field accepts and the content that type, in the Chinese messages users already know.
- A photo gets a thumbnail (`core.thumbnails`) when Pillow reads it.

The serving views live in `core.evidence_views`, so the apps' models import no view code.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .audit import record
from .models import AuditAction
from .scope import Action
from .services import ensure_in_scope
from .thumbnails import is_image
from .uploads import EVIDENCE_TYPES, check_upload

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic")
PHOTO_WORDS = "JPEG、PNG、GIF、WebP 或 HEIC 图片"
EVIDENCE_WORDS = "PDF、图片、Word、Excel 或文本文件"


def upload_path(instance: EvidenceFile, filename: str) -> str:
    """`<upload_folder>/<year>/<name>` under MEDIA_ROOT: the year of the local date, as `upload_to="x/%Y"` did."""
    return f"{instance.upload_folder}/{timezone.localdate():%Y}/{filename}"


def evidence_field(label: str) -> models.FileField:
    """The file field of an evidence model, labelled as the page shows it (照片 or 文件)."""
    return models.FileField(label, upload_to=upload_path)


class EvidenceFile(models.Model):
    """An uploaded file of a record: the file, its name as the user uploaded it (for the download and the page), its
    size, and who uploaded it when (empty for files uploaded before these were kept).

    A concrete model sets `upload_folder` (where its files go), `owner_field` (its foreign key to the record, e.g.
    "meeting") and its scope (`objects`, `scope_path_field`); photos inherit `EvidencePhoto`, labelled 照片."""

    upload_folder: ClassVar[str] = "evidence"
    owner_field: ClassVar[str] = ""
    thumb_prefix: ClassVar[str] = ""  # names the cached thumbnails; the model's name unless set

    file = evidence_field("文件")
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("文件大小（字节）", null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        """A photo, shown as a thumbnail where the page offers one."""
        return is_image(self.original_name)

    @property
    def content_type(self) -> str:
        """The type the browser is told, by the (checked) extension of the uploaded name."""
        return mimetypes.guess_type(self.original_name)[0] or "application/octet-stream"

    @property
    def thumbnail_key(self) -> str:
        return f"{self.thumb_prefix or self._meta.model_name}-{self.pk}"

    @classmethod
    def save_uploads(cls, uploads: Iterable, *, actor, **owner) -> list[EvidenceFile]:
        """Store checked `uploads` as rows of this model linked to `owner` (e.g. `meeting=meeting`), uploaded by
        `actor` (None for the system) now."""
        saved = []
        now = timezone.now()
        user = actor if getattr(actor, "is_authenticated", False) else None
        for upload in uploads:
            item = cls(
                original_name=(upload.name or "")[-200:], size=upload.size, uploaded_by=user, uploaded_at=now, **owner
            )
            item.file.save(upload.name, upload, save=False)
            item.save()
            saved.append(item)
        return saved


class EvidencePhoto(EvidenceFile):
    """An uploaded photo (a meeting's, a report line's, a visit's): the same, labelled 照片."""

    file = evidence_field("照片")

    class Meta:
        abstract = True


@dataclass(frozen=True)
class UploadRule:
    """What one upload field accepts: the types (and their words in messages), how many files at most per record,
    the field's name in the form and the noun of its files (照片, 文件)."""

    what: str  # names the field in messages: 会议照片, 台账佐证
    allowed: tuple[str, ...] = EVIDENCE_TYPES
    accepted: str = EVIDENCE_WORDS
    field: str = "files"
    noun: str = "文件"
    most: int | None = None
    too_many: str = ""  # e.g. "每次会议最多上传 {most} 张照片。"

    def problems(self, uploads: Iterable) -> list[str]:
        """The Chinese message of each upload refused (wrong type, empty, too large, bytes not its type)."""
        found = []
        for upload in uploads:
            try:
                check_upload(upload, allowed=self.allowed, what=self.what, accepted=self.accepted)
            except ValidationError as exc:
                found.extend(exc.messages)
        return found

    def check(self, uploads: Iterable, *, already: int = 0) -> None:
        """ValidationError unless every upload is accepted and the record stays within `most` files; the count
        error is the form field's, the files' errors are the form's."""
        uploads = list(uploads)
        if self.most is not None and already + len(uploads) > self.most:
            raise ValidationError({self.field: self.too_many.format(most=self.most)})
        found = self.problems(uploads)
        if found:
            raise ValidationError(found)


@transaction.atomic
def add_uploads(
    owner: models.Model, uploads: Iterable, *, actor, model: type[EvidenceFile], rule: UploadRule, org, detail: str
) -> list[EvidenceFile]:
    """More files for a record already saved (`owner`, of organization `org`): all or none, checked by `rule`,
    within the actor's scope of `org`, audited as an update of the record naming the files."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    uploads = list(uploads or ())
    if not uploads:
        raise ValidationError({rule.field: f"请选择{rule.noun}。"})
    link = {model.owner_field: owner}
    rule.check(uploads, already=model.objects.filter(**link).count())
    saved = model.save_uploads(uploads, actor=actor, **link)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=owner,
        org=org,
        after={rule.field: [upload.name for upload in uploads]},
        detail=detail,
    )
    return saved

"""The secretaries' review (书记抓基层党建述职评议考核): each level reviews the secretaries one level down.

The organization itself uploads its secretary's report (CHANGE on itself, like evidence); the level above records
the secretary's name, the rating (好/较好/一般/差) and a comment (CHANGE on the parent, like scoring: nobody rates
their own secretary). `services.run_assessment` combines the rating with the total by `Assessment.review_weight`.
Everything is refused once the assessment is published.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope

from .models import Participant, SecretaryRating, SecretaryReview
from .services import _open_for_entries, parent_path

MAX_REPORT_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
DOCX_MAGIC = b"PK\x03\x04"  # a .docx is a zip archive
DOC_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a .doc is an OLE compound document
REPORT_TYPES = {".pdf": PDF_MAGIC, ".docx": DOCX_MAGIC, ".doc": DOC_MAGIC}


def _data(review: SecretaryReview) -> dict:
    return {
        "participant": review.participant.code,
        "secretary": review.secretary,
        "rating": review.rating,
        "comment": review.comment,
        "report": review.report.name if review.report else "",
    }


def _review_of(participant: Participant) -> SecretaryReview:
    """The participant's review row, locked, or a new unsaved one with the snapshot's secretary."""
    review = SecretaryReview.objects.select_for_update().filter(participant=participant).first()
    return review or SecretaryReview(participant=participant, secretary=participant.secretary)


def check_report(upload) -> str:
    """The report's extension; ValidationError in Chinese when its name, size or first bytes are wrong."""
    ext = Path(upload.name or "").suffix.lower()
    if ext not in REPORT_TYPES:
        raise ValidationError("述职报告只接受 PDF 或 Word 文件（.pdf、.doc、.docx）。")
    if not upload.size:
        raise ValidationError("文件是空的，请选择述职报告文件。")
    if upload.size > MAX_REPORT_BYTES:
        raise ValidationError("述职报告不能超过 20 MB。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(REPORT_TYPES[ext]):
        raise ValidationError(f"文件内容不是有效的 {ext} 文件（可能只是改了扩展名），请另存为 PDF 或 Word 后再上传。")
    return ext


@transaction.atomic
def upload_report(participant: Participant, upload, *, actor) -> SecretaryReview:
    """The secretary's report, uploaded by the organization itself (or the level above for it); replaces an
    earlier upload."""
    _open_for_entries(participant.assessment)
    ensure_in_scope(actor, participant.path, Action.CHANGE)
    check_report(upload)
    review = _review_of(participant)
    before = _data(review) if review.pk else None
    old = review.report.name if review.report else ""
    ext = Path(upload.name).suffix.lower()
    # A fixed name: the uploaded name is the user's and may be anything; the organization code says what it is.
    review.report.save(f"{participant.code}-述职报告{ext}", upload, save=False)
    review.save()
    if old and old != review.report.name:
        storage = review.report.storage
        transaction.on_commit(lambda: storage.delete(old))
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=review,
        org=participant.org,
        before=before,
        after=_data(review),
        detail=f"上传书记述职报告 {participant.code}",
    )
    return review


@transaction.atomic
def rate(participant: Participant, *, rating: str, secretary: str = "", comment: str = "", actor) -> SecretaryReview:
    """The level above's rating of the secretary's report, with the secretary's name and a comment."""
    _open_for_entries(participant.assessment)
    parent = parent_path(participant.path)
    if not parent:
        raise ValidationError("最上级组织的书记由更上一级评议，不在本次考核范围内。")
    ensure_in_scope(actor, parent, Action.CHANGE)
    if rating not in SecretaryRating.values:
        raise ValidationError("请选择评议等次：好、较好、一般或差。")
    review = _review_of(participant)
    before = _data(review) if review.pk else None
    secretary = (secretary or "").strip() or review.secretary or participant.secretary
    if not secretary:
        raise ValidationError("请填写书记姓名。")
    review.secretary = secretary[:50]
    review.rating = rating
    review.comment = (comment or "").strip()[:1000]
    review.reviewed_by = actor if actor is not None and actor.is_authenticated else None
    review.reviewed_at = timezone.now()
    review.save()
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=review,
        org=participant.org,
        before=before,
        after=_data(review),
        detail=f"书记述职评议 {participant.code}",
    )
    return review

"""The secretaries' review (书记抓基层党建述职评议考核): each level reviews the secretaries one level down.

The organization itself uploads its secretary's report (CHANGE on itself, like evidence); the level above records
the secretary's name, the rating (好/较好/一般/差) and a comment (CHANGE on the parent, like scoring: nobody rates
their own secretary). `services.run_assessment` combines the rating with the total by `Assessment.review_weight`.
Everything is refused once the assessment is published.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.core.uploads import REPORT_TYPES, check_upload

from .models import Participant, SecretaryRating, SecretaryReview
from .services import _open_for_entries, parent_path


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
    """The report's extension; ValidationError in Chinese when its name, size or bytes are wrong."""
    return check_upload(upload, allowed=REPORT_TYPES, what="述职报告", accepted="PDF 或 Word 文件")


@transaction.atomic
def upload_report(participant: Participant, upload, *, actor) -> SecretaryReview:
    """The secretary's report, uploaded by the organization itself (or the level above for it); replaces an
    earlier upload."""
    _open_for_entries(participant.assessment)
    ensure_in_scope(actor, participant.path, Action.CHANGE)
    ext = check_report(upload)
    review = _review_of(participant)
    before = _data(review) if review.pk else None
    old = review.report.name if review.report else ""
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

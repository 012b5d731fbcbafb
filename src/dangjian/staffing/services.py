"""The one write path of party staff: add or update a worker, remove one, each audited, with the unit's counts on
its organization kept in step (through `orgs.services.update_org`, the organization's own write path)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.models import Organization
from dangjian.orgs.services import update_org

from .models import PartyWorker


def _sync_counts(org: Organization, *, actor, staff_total: int | None = None) -> None:
    full = PartyWorker.objects.filter(org=org, full_time=True).count()
    part = PartyWorker.objects.filter(org=org, full_time=False).count()
    changes = {}
    if (org.party_staff_fulltime, org.party_staff_parttime) != (full, part):
        changes |= {"party_staff_fulltime": full, "party_staff_parttime": part}
    if staff_total is not None and staff_total != org.staff_total:
        changes["staff_total"] = staff_total
    if changes:
        update_org(org, actor=actor, **changes)


@transaction.atomic
def save_worker(
    org: Organization,
    *,
    actor,
    name: str,
    birth_date: datetime.date | None = None,
    full_time: bool = True,
    post: str = "",
    staff_total: int | None = None,
) -> tuple[PartyWorker, bool]:
    """Add a worker to a unit, or update the one of that name; returns (worker, created)."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名。"})
    if birth_date and birth_date > timezone.localdate():
        raise ValidationError({"birth_date": "出生日期不能晚于今天。"})
    if staff_total is not None and staff_total < 0:
        raise ValidationError({"staff_total": "单位在编人数不能为负数。"})
    worker = PartyWorker.objects.select_for_update().filter(org=org, name=name).first()
    created = worker is None
    before = None if created else snapshot(worker)
    if created:
        worker = PartyWorker(org=org, name=name)
    worker.birth_date, worker.full_time, worker.post = birth_date, full_time, (post or "").strip()[:50]
    worker.save()
    record(
        AuditAction.CREATE if created else AuditAction.UPDATE,
        actor=actor,
        obj=worker,
        org=org,
        before=before,
        after=snapshot(worker),
    )
    _sync_counts(Organization.objects.get(pk=org.pk), actor=actor, staff_total=staff_total)
    return worker, created


@transaction.atomic
def remove_worker(worker: PartyWorker, *, actor) -> None:
    ensure_in_scope(actor, worker.org.path, Action.CHANGE)
    before = snapshot(worker)
    org = worker.org
    record(AuditAction.DELETE, actor=actor, obj=worker, org=org, before=before)
    worker.delete()
    _sync_counts(Organization.objects.get(pk=org.pk), actor=actor)

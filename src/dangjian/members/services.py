"""Writes to the member register, each atomic, scope-checked and audited. Every rule on a member's values is
`members.rules.member_problems`, asked on the member as it will be saved; the import's bulk writes are
`members.bulk`, which the import reaches after asking the same rules."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction
from dangjian.core.rules import error_dict
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.orgs import tally
from dangjian.orgs.models import Organization

from . import rollups
from .models import Member, MemberTransfer
from .rules import member_problems

MEMBER_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "id_number",
    "phone",
    "status",
    "join_date",
    "full_date",
    "is_mobile",
    "mobile_destination",
    "is_untransferred",
    "is_retired",
    "job",
)
# Never write clear sensitive values into the audit trail.
_AUDIT_EXCLUDE = ("id_number", "phone")


def member_snapshot(member: Member) -> dict:
    return snapshot(member, exclude=_AUDIT_EXCLUDE)


@transaction.atomic
def create_member(*, actor, org: Organization, **fields) -> Member:
    ensure_in_scope(actor, org.path, Action.CHANGE)
    member = Member(org=org, **fields)
    member.id_number_digest = ""
    _check(member)
    member.save()
    record(AuditAction.CREATE, actor=actor, obj=member, org=org, after=member_snapshot(member))
    tally.apply(org.path, rollups.keys_of(member))
    return member


_NOT_CHECKED = ["id_number_digest", "phone_digest"]  # made on save


def _check(member: Member) -> None:
    """The member's rules (`members.rules`) with the model's own field checks (lengths, choices; they also turn a
    date given as text into a date), then the ID number's uniqueness. A blank required field is told in the rules'
    words; a value the model refuses takes no part in the rules."""
    errors: dict[str, list[str]] = {}
    try:
        member.clean_fields(exclude=_NOT_CHECKED)
    except ValidationError as exc:
        errors = exc.message_dict
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    values = {name: value for name, value in values.items() if name not in errors or value in (None, "")}
    errors.update(error_dict(member_problems(values, today=timezone.localdate())))
    if errors:
        raise ValidationError(errors)
    member.full_clean(exclude=_NOT_CHECKED)
    if member.id_number:
        clash = Member.objects.filter(id_number_digest=digest(member.id_number))
        if member.pk:
            clash = clash.exclude(pk=member.pk)
        if clash.exists():
            raise ValidationError({"id_number": "该公民身份号码已登记。"})


@transaction.atomic
def update_member(member: Member, *, actor, **changes) -> Member:
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    before = member_snapshot(member)
    counted_before = rollups.keys_of(member)
    for name, value in changes.items():
        if name not in MEMBER_FIELDS:
            raise ValueError(f"unknown member field {name}")
        setattr(member, name, value)
    _check(member)
    member.save()
    record(AuditAction.UPDATE, actor=actor, obj=member, org=member.org, before=before, after=member_snapshot(member))
    tally.apply(member.org.path, tally.difference(rollups.keys_of(member), counted_before))
    return member


@transaction.atomic
def transfer_member(
    member: Member, to_org: Organization, *, actor, date: datetime.date | None = None, reason: str = ""
) -> MemberTransfer:
    """Move a member's organization relation; the actor needs change rights at both ends."""
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    ensure_in_scope(actor, to_org.path, Action.CHANGE)
    if to_org.pk == member.org_id:
        raise ValidationError({"to_org": "转入组织与当前组织相同。"})
    from_org = member.org
    counted_at, counted = rollups.as_stored(member.pk)  # before the move, as stored
    before = member_snapshot(member)
    item = MemberTransfer.objects.create(
        member=member,
        from_org=from_org,
        to_org=to_org,
        from_name=from_org.name,
        to_name=to_org.name,
        date=date or timezone.localdate(),
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    member.org = to_org
    member.save(update_fields=["org", "updated_at"])
    record(
        AuditAction.TRANSFER,
        actor=actor,
        obj=member,
        org=to_org,
        before=before,
        after=member_snapshot(member),
        detail=f"由“{from_org.name}”转入“{to_org.name}”",
    )
    tally.apply_many([(counted_at, tally.negated(counted)), (to_org.path, counted)])
    return item


@transaction.atomic
def delete_member(member: Member, *, actor) -> None:
    ensure_in_scope(actor, member.org.path, Action.CHANGE)
    record(AuditAction.DELETE, actor=actor, obj=member, org=member.org, before=member_snapshot(member))
    tally.apply(*rollups.as_stored(member.pk), sign=-1)
    member.delete()

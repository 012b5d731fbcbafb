"""Accountability writes and the block on promotion and honours.

Who may do what:
- record a talk, admonition or removal, and confirm or dismiss a proposal: MANAGE on the level that answers for the
  person — the organization's parent (a secretary is held to account by the committee above), or for a workstation
  chief the workstation's town — or above (`can_decide`);
- enter a workstation chief's rating: MANAGE on the workstation's town or above;
- generate proposals from an assessment: MANAGE on its root; from chiefs' ratings: those in the actor's MANAGE scope;
- recommend for honours or promotion (`commend`): CHANGE on the person's organization or above.

People are matched by name within an organization's subtree (`blocked`): the register keeps secretaries and chiefs as
names, not as members with ids, so two people of the same name in one subtree are one person to the block, and a
person recorded under one organization and recommended under an unrelated one is not matched.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import OrgGrant
from dangjian.assess.models import Result
from dangjian.cadence.notify import notify
from dangjian.core import audit
from dangjian.core.models import AuditAction
from dangjian.core.scope import ALL, Action, Role, path_in_scope, scope_paths
from dangjian.core.services import OutOfScope, ensure_in_scope
from dangjian.orgs.choices import Post
from dangjian.orgs.models import PATH_STEP, CommitteePost, Organization, Workstation
from dangjian.rectify.models import Case
from dangjian.rulebook.book import Book

from .choices import BLOCKING_KINDS, ChiefGrade, CommendationKind, ProposalStatus, RecordKind, Rule
from .models import ChiefRating, Commendation, Proposal, Record

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------- who decides


def authority_path(org: Organization, workstation: Workstation | None = None) -> str | None:
    """The path of the level that answers for the person; None for a root organization (only a superuser)."""
    if workstation is not None:
        return workstation.town.path
    return org.path[:-PATH_STEP] or None


def can_decide(user, org: Organization, workstation: Workstation | None = None) -> bool:
    """Whether `user` may record accountability for a person of `org` (or the chief of `workstation`)."""
    path = authority_path(org, workstation)
    if path is None:
        # raw paths: nobody's grant lies above a root organization; only a superuser's ALL does.
        return scope_paths(user, Action.MANAGE) is ALL
    return path_in_scope(user, path, Action.MANAGE)


def _ensure_can_decide(actor, org: Organization, workstation: Workstation | None = None) -> None:
    if actor is None:  # the system itself (commands, jobs)
        return
    if not can_decide(actor, org, workstation):
        raise OutOfScope("不在您的数据范围内。")


def deciders(org: Organization, workstation: Workstation | None = None):
    """The users who may decide on a person of `org`: MANAGE granted on the deciding level or one above it."""
    path = authority_path(org, workstation)
    if path is None:
        return []
    ids = [int(seg) for seg in path.split(".") if seg]
    grants = OrgGrant.objects.filter(role=Role.MANAGE, org_id__in=ids, user__is_active=True).select_related("user")
    return sorted({g.user for g in grants}, key=lambda u: u.pk)


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# ------------------------------------------------------------------------------------------------------- records


def _check_links(org: Organization, case, assessment) -> None:
    """A cause must concern the person's organization: a case of it or of an organization below it (a second-tier
    branch's case holds its parent's secretary to account too); an assessment whose root is at or above it."""
    errors = {}
    if case is not None and not case.org.path.startswith(org.path):
        errors["case"] = "所选整顿案件不属于该组织或其下级组织。"
    if assessment is not None and not org.path.startswith(assessment.root.path):
        errors["assessment"] = "所选年度考核不包括该组织。"
    if errors:
        raise ValidationError(errors)


def _record_data(rec: Record) -> dict:
    return audit.snapshot(rec, exclude=("recorded_at",))


@transaction.atomic
def record_accountability(
    *,
    actor,
    org: Organization,
    person_name: str,
    kind: str,
    date: datetime.date,
    reason: str,
    year: int | None = None,
    person_post: str = "",
    for_party_duty: bool = True,
    case=None,
    assessment=None,
    workstation: Workstation | None = None,
) -> Record:
    """Write a talk, admonition or removal, with what caused it; audited."""
    if workstation is not None:
        org = workstation.town
    _ensure_can_decide(actor, org, workstation)
    person_name, reason = (person_name or "").strip(), (reason or "").strip()
    errors = {}
    if not person_name:
        errors["person_name"] = "请填写被问责人姓名。"
    if not reason:
        errors["reason"] = "请填写问责事由。"
    if kind not in RecordKind.values:
        errors["kind"] = "问责方式有误。"
    if errors:
        raise ValidationError(errors)
    _check_links(org, case, assessment)
    rec = Record(
        org=org,
        workstation=workstation,
        person_name=person_name,
        person_post=(person_post or "").strip(),
        kind=kind,
        date=date,
        year=year or date.year,
        reason=reason,
        for_party_duty=for_party_duty,
        case=case,
        assessment=assessment,
        recorded_by=_user(actor),
    )
    rec.full_clean(exclude=["org", "workstation", "case", "assessment", "recorded_by"])
    rec.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=rec, org=org, after=_record_data(rec), detail="问责记录")
    return rec


# ------------------------------------------------------------------------------------------------ chiefs' ratings


@transaction.atomic
def rate_chief(
    *, actor, workstation: Workstation, year: int, chief_name: str, rating: str, note: str = ""
) -> ChiefRating:
    """Enter or correct a workstation chief's rating for a year, then apply the chief rules to it at once."""
    ensure_in_scope(actor, workstation.town.path, Action.MANAGE)
    chief_name = (chief_name or "").strip()
    if not chief_name:
        raise ValidationError({"chief_name": "请填写站长姓名。"})
    if rating not in ChiefGrade.values:
        raise ValidationError({"rating": "考评等次有误。"})
    current = ChiefRating.objects.select_for_update().filter(workstation=workstation, year=year).first()
    before = audit.snapshot(current, exclude=("rated_at",)) if current else None
    obj = current or ChiefRating(workstation=workstation, year=year)
    obj.chief_name, obj.rating, obj.note, obj.rated_by = chief_name, rating, (note or "").strip(), _user(actor)
    obj.full_clean(exclude=["workstation", "rated_by"], validate_unique=False)
    obj.save()
    audit.record(
        AuditAction.UPDATE if current else AuditAction.CREATE,
        actor=actor,
        obj=obj,
        org=workstation.town,
        before=before,
        after=audit.snapshot(obj, exclude=("rated_at",)),
        detail="工作站站长年度考评",
    )
    _notify_later(_apply_chief_rules([obj], actor=actor))
    return obj


# ---------------------------------------------------------------------------------------------------- proposals


def secretary_of(org: Organization) -> str:
    post = CommitteePost.objects.filter(org=org, post=Post.SECRETARY).order_by("id").first()
    return post.holder_name if post else ""


def _save_proposal(actor, key: str, fields: dict, created: list[Proposal]) -> None:
    """Create the proposal named by `key`, or bring a still pending one up to date with the facts; decided ones stay."""
    existing = Proposal.objects.select_for_update().filter(key=key).first()
    if existing is None:
        proposal = Proposal.objects.create(key=key, **fields)
        audit.record(
            AuditAction.CREATE,
            actor=actor,
            obj=proposal,
            org=proposal.org,
            after=audit.snapshot(proposal, exclude=("created_at",)),
            detail="生成问责建议",
        )
        created.append(proposal)
        return
    if not existing.pending:
        return
    changed = {name: value for name, value in fields.items() if getattr(existing, name) != value}
    if not changed:
        return
    before = audit.snapshot(existing, exclude=("created_at",))
    for name, value in changed.items():
        setattr(existing, name, value)
    existing.save(update_fields=list(changed))
    audit.record(
        AuditAction.UPDATE,
        actor=actor,
        obj=existing,
        org=existing.org,
        before=before,
        after=audit.snapshot(existing, exclude=("created_at",)),
        detail="问责建议按最新情况更新",
    )


WEAK_TWICE_RULE, CHIEF_RULE = "accountability.weak_twice", "accountability.chief_basic"


def _case_of(org: Organization, year: int):
    return Case.objects.filter(org=org, year=year).first()


def _apply_assessment_rules(assessment, *, actor, created: list[Proposal]) -> None:
    """Weak two years running: remove the secretary; for a second-tier branch also its parent's secretary. The rule
    and its source come from the rulebook (`accountability.weak_twice`); a region that turned it off gets none."""
    book = Book.load()
    results = (
        Result.objects.filter(participant__assessment=assessment, weak=True)
        .select_related("participant", "participant__org")
        .order_by("participant__path")
    )
    children_of: dict[str, list] = defaultdict(list)  # parent code → its second-tier branches weak twice
    for result in results:
        if not result.consequences:
            continue
        p = result.participant
        org = p.org or Organization.objects.filter(code=p.code).first()
        if org is None:  # deleted since the cut-off: nobody left to hold to account here
            continue
        rule = book.applies(WEAK_TWICE_RULE, org)
        if rule is None:  # turned off for this region in the rulebook
            continue
        fields = {
            "rule": Rule.WEAK_TWICE,
            "org": org,
            "person_name": secretary_of(org) or p.secretary,
            "person_post": f"{org.name}书记",
            "kind": RecordKind.REMOVAL,
            "year": assessment.year,
            "reason": rule.cite(f"{p.name}{result.consequences[0]}（{assessment.title}）"),
            "assessment": assessment,
            "case": _case_of(org, assessment.year),
        }
        _save_proposal(actor, f"weak:{assessment.pk}:{p.code}", fields, created)
        if len(result.consequences) > 1 and p.parent_code:
            children_of[p.parent_code].append(p.name)
    for parent_code, names in children_of.items():
        parent = Organization.objects.filter(code=parent_code).first()
        rule = book.applies(WEAK_TWICE_RULE, parent) if parent is not None else None
        if rule is None:
            continue
        fields = {
            "rule": Rule.WEAK_TWICE_PARENT,
            "org": parent,
            "person_name": secretary_of(parent),
            "person_post": f"{parent.name}书记",
            "kind": RecordKind.REMOVAL,
            "year": assessment.year,
            "reason": rule.cite(
                f"所属二级党支部{'、'.join(names)}连续两年被列为软弱涣散基层党组织（{assessment.title}）"
            ),
            "assessment": assessment,
            "case": None,
        }
        _save_proposal(actor, f"weak-parent:{assessment.pk}:{parent_code}", fields, created)


def _apply_chief_rules(ratings, *, actor, created: list[Proposal] | None = None) -> list[Proposal]:
    """基本称职 → admonition talk; 基本称职 two years running (same chief) → dismissal [003]. A pending proposal of a
    rating corrected away from 基本称职 is dismissed, since its ground is gone."""
    created = [] if created is None else created
    book = Book.load()
    for rating in ratings:
        key = f"chief:{rating.workstation_id}:{rating.year}"
        ws = rating.workstation
        if rating.rating != ChiefGrade.BASIC:
            stale = Proposal.objects.filter(key=key, status=ProposalStatus.PENDING).first()
            if stale is not None:
                _decide(stale, actor=actor, status=ProposalStatus.DISMISSED, reason="站长考评结果已更正，不再适用。")
            continue
        rule = book.applies(CHIEF_RULE, ws.town)
        if rule is None:
            continue
        twice = ChiefRating.objects.filter(
            workstation=ws, year=rating.year - 1, rating=ChiefGrade.BASIC, chief_name=rating.chief_name
        ).exists()
        fields = {
            "rule": Rule.CHIEF_BASIC_TWICE if twice else Rule.CHIEF_BASIC,
            "org": ws.town,
            "workstation": ws,
            "person_name": rating.chief_name,
            "person_post": f"{ws.name}站长",
            "kind": RecordKind.REMOVAL if twice else RecordKind.ADMONITION,
            "year": rating.year,
            "reason": rule.cite(
                f"{rating.year - 1}、{rating.year} 年连续两年考评为基本称职"
                if twice
                else f"{rating.year} 年度考评为基本称职"
            ),
            "chief_rating": rating,
        }
        _save_proposal(actor, key, fields, created)
    return created


@transaction.atomic
def generate_proposals(assessment=None, year: int | None = None, *, actor) -> list[Proposal]:
    """Apply the rules and return the proposals newly made. Idempotent: each proposal is keyed by the fact behind it,
    so running again adds nothing (a pending one is brought up to date; decided ones are left as they are).

    With `assessment` (published): the weak-two-years rules. With `year`: the workstation chiefs' rules over that
    year's ratings within the actor's MANAGE scope."""
    if assessment is None and year is None:
        raise ValidationError("请指定年度考核或年度。")
    created: list[Proposal] = []
    if assessment is not None:
        assessment.refresh_from_db(fields=["status"])  # a caller's copy may predate publishing
        ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
        if not assessment.published:
            raise ValidationError("该年度考核尚未发布，不能据此生成问责建议。")
        _apply_assessment_rules(assessment, actor=actor, created=created)
    if year is not None:
        ratings = ChiefRating.objects.filter(year=year).select_related("workstation__town").order_by("id")
        if actor is not None:
            ratings = ratings.restrict(actor, Action.MANAGE)
        _apply_chief_rules(list(ratings), actor=actor, created=created)
    _notify_later(created)
    return created


def _notify_later(proposals: list[Proposal]) -> None:
    """Tell the deciding users once the proposals are committed, through the notification centre."""
    if not proposals:
        return
    pending = list(proposals)

    def send():
        for proposal in pending:
            users = deciders(proposal.org, proposal.workstation)
            if not users:
                continue
            try:
                notify(
                    users,
                    title=f"问责建议待确认：{proposal.person_name or proposal.org.name}",
                    body=f"{proposal.get_rule_display()}。{proposal.reason}",
                    url=reverse("accountability:proposal", args=[proposal.pk]),
                    key=f"accountability-proposal-{proposal.pk}",
                )
            except Exception:  # a failing sender must not undo the proposals already committed
                logger.exception("问责建议通知发送失败：%s", proposal.pk)

    transaction.on_commit(send)


def _decide(proposal: Proposal, *, actor, status: str, reason: str, record: Record | None = None) -> Proposal:
    before = audit.snapshot(proposal, exclude=("created_at",))
    proposal.status, proposal.decision_reason, proposal.record = status, reason, record
    proposal.decided_by, proposal.decided_at = _user(actor), timezone.now()
    proposal.save(update_fields=["status", "decision_reason", "record", "decided_by", "decided_at"])
    audit.record(
        AuditAction.UPDATE,
        actor=actor,
        obj=proposal,
        org=proposal.org,
        before=before,
        after=audit.snapshot(proposal, exclude=("created_at",)),
        detail=f"问责建议{proposal.get_status_display()}",
    )
    return proposal


def _locked_pending(proposal: Proposal) -> Proposal:
    # of=("self",): lock the proposal only; PostgreSQL refuses FOR UPDATE on the nullable side of the outer join.
    locked = (
        Proposal.objects.select_for_update(of=("self",)).select_related("org", "workstation__town").get(pk=proposal.pk)
    )
    if not locked.pending:
        raise ValidationError(f"该建议已{locked.get_status_display()}，不能再次处理。")
    return locked


@transaction.atomic
def confirm_proposal(
    proposal: Proposal, *, actor, date: datetime.date, person_name: str = "", note: str = ""
) -> Record:
    """Confirm a proposal: the Record it proposes is written, linked to the proposal and to its cause."""
    _ensure_can_decide(actor, proposal.org, proposal.workstation)
    proposal = _locked_pending(proposal)
    name = (person_name or "").strip() or proposal.person_name
    if not name:
        raise ValidationError({"person_name": "登记册中没有该职务人员姓名，请填写被问责人姓名。"})
    reason = proposal.reason + (f"；{note.strip()}" if note and note.strip() else "")
    rec = record_accountability(
        actor=actor,
        org=proposal.org,
        workstation=proposal.workstation,
        person_name=name,
        person_post=proposal.person_post,
        kind=proposal.kind,
        date=date,
        year=proposal.year,
        reason=reason[:1000],
        case=proposal.case,
        assessment=proposal.assessment,
    )
    _decide(proposal, actor=actor, status=ProposalStatus.CONFIRMED, reason=(note or "").strip()[:1000], record=rec)
    return rec


@transaction.atomic
def dismiss_proposal(proposal: Proposal, *, actor, reason: str) -> Proposal:
    """Dismiss a proposal; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不予采纳须写明理由。"})
    _ensure_can_decide(actor, proposal.org, proposal.workstation)
    proposal = _locked_pending(proposal)
    return _decide(proposal, actor=actor, status=ProposalStatus.DISMISSED, reason=reason[:1000])


# ----------------------------------------------------------------------------------------------------- the block

BARRED = {CommendationKind.HONOUR: "推荐表彰", CommendationKind.PROMOTION: "提拔"}


def blocked(person_name: str, org: Organization, year: int) -> Record | None:
    """The talk or admonition for failing party-work duties that bars `person_name` of `org`'s subtree from promotion
    and honours in `year`, or None. Matched by name within the subtree (see the module docstring for the limit);
    every record found lies under `org`, so whoever may act on `org` may also see the record named."""
    name = (person_name or "").strip()
    if not name or org is None:
        return None
    return (
        Record.objects.in_subtree(org)
        .filter(person_name=name, year=year, kind__in=BLOCKING_KINDS, for_party_duty=True)
        .select_related("org")
        .order_by("date", "id")
        .first()
    )


def block_message(rec: Record, kind_label: str = "提拔或表彰") -> str:
    return (
        f"{rec.person_name}（{rec.org.name}）于 {rec.date:%Y-%m-%d} 因党建工作责任落实不力受到{rec.get_kind_display()}"
        f"（问责记录第 {rec.pk} 号：{rec.reason[:60]}），{rec.year} 年度不得{kind_label}。"
    )


@transaction.atomic
def commend(*, actor, org: Organization, person_name: str, year: int, kind: str, reason: str) -> Commendation:
    """Record a recommendation for an honour or promotion; refused for a person talked to that year."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    person_name, reason = (person_name or "").strip(), (reason or "").strip()
    errors = {}
    if not person_name:
        errors["person_name"] = "请填写姓名。"
    if not reason:
        errors["reason"] = "请填写推荐理由。"
    if kind not in CommendationKind.values:
        errors["kind"] = "类别有误。"
    if errors:
        raise ValidationError(errors)
    rec = blocked(person_name, org, year)
    if rec is not None:
        raise ValidationError(block_message(rec, BARRED[kind]))
    obj = Commendation(org=org, person_name=person_name, year=year, kind=kind, reason=reason, created_by=_user(actor))
    obj.full_clean(exclude=["org", "created_by"])
    obj.save()
    audit.record(
        AuditAction.CREATE,
        actor=actor,
        obj=obj,
        org=org,
        after=audit.snapshot(obj, exclude=("created_at",)),
        detail="表彰及提拔推荐",
    )
    return obj

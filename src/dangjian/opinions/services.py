"""Residents' opinion services: QR codes, collecting an opinion (public form, staff, import), confirming its
category, answering the resident (反馈) and turning it into a problem.

Rights, on top of the data scope: entering, confirming, answering and turning into a problem need CHANGE on the
village; a code for a village needs CHANGE on the village, one for a workstation CHANGE on its town.

An opinion sent through the public page is deliberately not audited: `audit.record` takes the sender's address
from the request, and a row tying the address to the text would undo what the page promises residents (as the
residents' survey, assess/survey.py). Everything staff do with it afterwards is audited.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.normalize import CellError
from dangjian.core.normalize import phone as normalized_phone
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.models import Organization, Workstation
from dangjian.problems.choices import Category, SourceKind
from dangjian.problems.services import record_problem

from . import classify, dedupe
from .choices import Channel
from .models import Opinion, OpinionCode

TEXT_MAX = 2000
PUBLIC_TEXT_MAX = 500  # what a resident types on a phone; staff and imports may carry longer notes
TOKEN_BYTES = 12  # 96 random bits, 16 characters
SNAPSHOT_EXCLUDE = ("contact",)  # never in clear in the audit log, as a member's phone


class CodeUnusable(Exception):
    """The token is unknown or the code was withdrawn: the public page answers 404."""


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _snapshot(opinion: Opinion) -> dict:
    data = snapshot(opinion, exclude=SNAPSHOT_EXCLUDE)
    data["contact"] = opinion.contact_masked
    return data


def clean_text(text, limit: int = TEXT_MAX) -> str:
    value = str(text or "").strip()
    if not value:
        raise ValidationError("请填写意见内容。")
    if len(value) > limit:
        raise ValidationError(f"意见内容不能超过 {limit} 个字（现有 {len(value)} 个）。")
    return value


def clean_contact(contact) -> str:
    try:
        return normalized_phone(contact)
    except CellError as exc:
        raise ValidationError(f"联系方式：{exc}。") from exc


def _category(category) -> str:
    if category not in Category.values:
        raise ValidationError("请选择意见类别。")
    return category


# ---------------------------------------------------------------------------------------------------- codes


@transaction.atomic
def create_code(*, org: Organization | None = None, workstation: Workstation | None = None, actor) -> OpinionCode:
    """A new QR code for a village (or community) or for a workstation (its villages to choose from)."""
    if (org is None) == (workstation is None):
        raise ValidationError("请指定一个村（社区）或一个党建工作站。")
    owner = workstation.town if workstation is not None else org
    ensure_in_scope(actor, owner.path, Action.CHANGE)
    if workstation is not None and not workstation.villages.exists():
        raise ValidationError(f"“{workstation.name}”尚未覆盖任何村（社区），无法生成意见收集二维码。")
    code = OpinionCode.objects.create(
        token=secrets.token_urlsafe(TOKEN_BYTES), org=owner, workstation=workstation, created_by=_user(actor)
    )
    # The token is not recorded: whoever reads the log must not be able to send opinions in a village's name.
    record(AuditAction.CREATE, actor=actor, obj=code, org=owner, detail=f"生成意见收集二维码：{code}")
    return code


@transaction.atomic
def withdraw_code(code: OpinionCode, *, actor) -> OpinionCode:
    """A lost or misused poster: its code stops working at once."""
    ensure_in_scope(actor, code.org.path, Action.CHANGE)
    OpinionCode.objects.filter(pk=code.pk).update(active=False)
    code.active = False
    record(
        AuditAction.UPDATE, actor=actor, obj=code, org=code.org, after={"active": False}, detail="停用意见收集二维码"
    )
    return code


def open_code(token: str) -> OpinionCode:
    code = OpinionCode.objects.filter(token=str(token)[:32], active=True).select_related("org", "workstation").first()
    if code is None:
        raise CodeUnusable
    return code


def villages_of(code: OpinionCode) -> list[Organization]:
    """Where an opinion sent through `code` may go: its village, or the villages of its workstation."""
    if code.workstation_id is None:
        return [code.org]
    return list(code.workstation.villages.order_by("path"))


# ---------------------------------------------------------------------------------------------------- collecting


def _new(org: Organization, *, text: str, contact: str, date: datetime.date, category: str, channel: str, code, actor):
    tokens = classify.words(text)
    suggested = classify.suggest(text, tokens)
    first = dedupe.group_of(org.pk, date, tokens)
    return Opinion.objects.create(
        org=org,
        code=code,
        channel=channel,
        text=text,
        words=" ".join(tokens),
        contact=contact,
        date=date,
        category=category or suggested,
        suggested=suggested,
        confirmed=bool(category),
        duplicate_of=first,
        created_by=_user(actor),
    )


@transaction.atomic
def submit_public(code: OpinionCode, *, text: str, contact: str = "", village_id=None) -> Opinion:
    """A resident's opinion through a QR code. Not audited (see the module docstring); the quotas are the page's."""
    villages = villages_of(code)
    if code.workstation_id is None:
        org = villages[0]
    else:
        org = next((v for v in villages if str(v.pk) == str(village_id or "")), None)
        if org is None:
            raise ValidationError("请选择您所在的村（社区）。")
    return _new(
        org,
        text=clean_text(text, PUBLIC_TEXT_MAX),
        contact=clean_contact(contact),
        date=timezone.localdate(),
        category="",
        channel=Channel.QR,
        code=code,
        actor=None,
    )


@transaction.atomic
def record_opinion(
    org: Organization,
    *,
    text: str,
    date: datetime.date,
    contact: str = "",
    category: str = "",
    channel: str = Channel.STAFF,
    actor,
) -> Opinion:
    """An opinion entered by station staff (or a row of an import). A category given is taken as confirmed; without
    one, the suggested category is used and waits for confirmation."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    if not isinstance(date, datetime.date):
        raise ValidationError("请填写日期。")
    if date > timezone.localdate():
        raise ValidationError("日期不能晚于今天。")
    opinion = _new(
        org,
        text=clean_text(text),
        contact=clean_contact(contact),
        date=date,
        category=_category(category) if category else "",
        channel=channel,
        code=None,
        actor=actor,
    )
    record(AuditAction.CREATE, actor=actor, obj=opinion, org=org, after=_snapshot(opinion), detail="录入群众意见")
    return opinion


# ---------------------------------------------------------------------------------------------------- handling


def _locked(opinion: Opinion) -> Opinion:
    return Opinion.objects.select_for_update().select_related("org").get(pk=opinion.pk)


@transaction.atomic
def confirm_category(opinion: Opinion, category: str, *, actor) -> Opinion:
    """A person confirms (or corrects) the category; confirmed categories are what the classifier learns from."""
    opinion = _locked(opinion)
    ensure_in_scope(actor, opinion.org.path, Action.CHANGE)
    before = _snapshot(opinion)
    opinion.category, opinion.confirmed = _category(category), True
    opinion.save(update_fields=["category", "confirmed"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=opinion,
        org=opinion.org,
        before=before,
        after=_snapshot(opinion),
        detail="确认意见类别",
    )
    return opinion


@transaction.atomic
def reply_opinion(opinion: Opinion, *, reply: str, actor) -> Opinion:
    """The answer given to the resident (反馈), with its date."""
    opinion = _locked(opinion)
    ensure_in_scope(actor, opinion.org.path, Action.CHANGE)
    text = str(reply or "").strip()
    if not text:
        raise ValidationError("请填写反馈意见。")
    if len(text) > 1000:
        raise ValidationError(f"反馈意见不能超过 1000 个字（现有 {len(text)} 个）。")
    before = _snapshot(opinion)
    opinion.reply, opinion.replied_on, opinion.replied_by = text, timezone.localdate(), _user(actor)
    opinion.save(update_fields=["reply", "replied_on", "replied_by"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=opinion,
        org=opinion.org,
        before=before,
        after=_snapshot(opinion),
        detail="反馈群众意见",
    )
    return opinion


@transaction.atomic
def make_problem(
    opinion: Opinion,
    *,
    level: str,
    owner_name: str,
    deadline: datetime.date,
    owner_user=None,
    title: str = "",
    category: str = "",
    actor,
):
    """Turn an opinion (and the repeats grouped with it) into one problem on the problem list, with one action; the
    category chosen is confirmed on the opinion too."""
    opinion = _locked(opinion)
    ensure_in_scope(actor, opinion.org.path, Action.CHANGE)
    if opinion.problem_id is not None:
        raise ValidationError("该意见已转为问题，不能重复转办。")
    category = _category(category or opinion.category)
    problem = record_problem(
        opinion.org,
        title=(str(title or "").strip() or opinion.text[:60]),
        detail=opinion.text,
        category=category,
        level=level,
        owner_name=owner_name,
        owner_user=owner_user,
        deadline=deadline,
        source=SourceKind.OPINION,
        source_ref=f"第 {opinion.pk} 号，{opinion.date:%Y-%m-%d} 收集",
        actor=actor,
    )
    root = opinion.duplicate_of_id or opinion.pk
    group = Opinion.objects.filter(pk=root) | Opinion.objects.filter(duplicate_of_id=root)
    group.filter(problem__isnull=True).update(problem=problem)
    before = _snapshot(opinion)
    opinion.refresh_from_db()
    if not opinion.confirmed or opinion.category != category:
        opinion.category, opinion.confirmed = category, True
        opinion.save(update_fields=["category", "confirmed"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=opinion,
        org=opinion.org,
        before=before,
        after=_snapshot(opinion),
        detail=f"群众意见转为问题（问题 {problem.pk}）",
    )
    return problem

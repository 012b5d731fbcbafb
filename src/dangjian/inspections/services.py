"""Random inspections: setting up a draw, committing to it, the beacon, the draw itself with the reveal, visits,
and the follow-up of findings.

Who may do what, on top of the data scope (checked again inside each transaction):
- set up, adjust, commit and make a draw, dispatch findings: MANAGE on the draw's organization (the organizers);
- enter the beacon: CHANGE on the draw's organization, and not the person who set the draw up or committed it;
- record a visit: an inspector on the target's drawn team, nobody else.

A refused attempt (any of the Chinese refusals below) is rolled back whole and then written to the audit log with
`success=False`, so every attempt shows there, the refused ones too.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import holders, managers
from dangjian.core.audit import locked_head, record
from dangjian.core.evidence import PHOTO_TYPES, UploadRule
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, path_in_scope
from dangjian.core.services import OutOfScope, ensure_in_scope
from dangjian.orgs.models import Organization
from dangjian.rectify.models import CaseEventKind
from dangjian.rectify.services import record_event

from . import algorithm
from .choices import DrawPurpose, DrawStatus, FindingStatus, FollowUp, ItemResult, PopulationKind, StratifyBy
from .followup import ROUTES
from .models import Checklist, ChecklistItem, Draw, DrawTarget, Finding, Inspector, Visit, VisitItem, VisitPhoto
from .population import build_pool, build_population

MAX_TEAM = 5
PHOTOS = UploadRule(what="现场照片", allowed=PHOTO_TYPES, accepted="图片", field="photos", noun="照片")
FROZEN = "抽取已承诺，总体名单已冻结，不能再修改。"
NOT_ON_TEAM = "您不是本次抽中的督导组成员，不能录入督导记录。"


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _messages(exc: Exception) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _where(subject) -> tuple[object | None, Organization | None]:
    """What a refused attempt is about and the organization its audit row is filed under: always the organizer's,
    so a pending draw's refusals never show in a drawn organization's audit view."""
    if isinstance(subject, Draw):
        return subject, subject.org
    if isinstance(subject, DrawTarget):
        return subject, subject.draw.org
    if isinstance(subject, Visit):
        return subject, subject.target.draw.org
    if isinstance(subject, Checklist | Inspector):
        return subject, subject.owner
    if isinstance(subject, Organization):
        return None, subject
    return None, None


def attempt(action: str, what: str):
    """Run the service in its own transaction; on a refusal, roll it back, audit the attempt, and raise again."""

    def wrap(func):
        @functools.wraps(func)
        def run(subject, *args, actor, **kwargs):
            try:
                with transaction.atomic():
                    return func(subject, *args, actor=actor, **kwargs)
            except (ValidationError, OutOfScope) as exc:
                obj, org = _where(subject)
                denied = isinstance(exc, OutOfScope)
                record(
                    AuditAction.DENIED if denied else action,
                    actor=actor,
                    obj=obj,
                    org=org,
                    success=False,
                    detail=f"{what}被拒绝：{_messages(exc)}"[:500],
                )
                raise

        return run

    return wrap


# ---------------------------------------------------------------------------------------------------- quotas

QUOTA = re.compile(r"^\s*(\d{1,5})\s*(%|％)?\s*$")


def parse_quota(text: str) -> tuple[str, int]:
    """ "3" → ("count", 3); "20%" → ("share", 20)."""
    match = QUOTA.match(str(text or ""))
    if not match:
        raise ValidationError(f"抽取数「{text}」无效：应为个数（如 2）或比例（如 20%）。")
    number = int(match.group(1))
    if match.group(2):
        if not 0 < number <= 100:
            raise ValidationError(f"抽取比例「{text}」应在 1% 到 100% 之间。")
        return "share", number
    return "count", number


def resolve(quota: str, size: int) -> int:
    """How many of a stratum of `size` members: a count as given, a share rounded up (a share of a non-empty stratum
    draws at least one)."""
    kind, number = parse_quota(quota)
    return number if kind == "count" else math.ceil(size * number / 100)


def strata_sizes(members: list[dict]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for m in members:
        sizes[m["stratum"]] = sizes.get(m["stratum"], 0) + 1
    return dict(sorted(sizes.items()))


# ---------------------------------------------------------------------------------------------------- the manifest


def manifest_of(draw: Draw) -> algorithm.Manifest:
    """The algorithm's input, from what the draw stores (frozen at commitment)."""
    return algorithm.Manifest(
        team_size=draw.team_size,
        quotas={str(k): int(v) for k, v in draw.quotas.items()},
        members=tuple(
            algorithm.Member(m["key"], m["stratum"], m.get("town", ""), tuple(m.get("last_team", ())))
            for m in draw.eligible()
        ),
        inspectors=tuple(algorithm.Inspector(i["key"], i.get("town", "")) for i in draw.pool),
    )


# ---------------------------------------------------------------------------------------------------- set up


def can_organize(user, org: Organization) -> bool:
    return user is None or path_in_scope(user, org.path, Action.MANAGE)


@attempt(AuditAction.CREATE, "设立随机抽取")
def setup_draw(
    org: Organization,
    *,
    actor,
    title: str,
    population_kind: str,
    stratify_by: str = StratifyBy.NONE,
    quota_default: str = "1",
    quota_overrides: dict | None = None,
    exclude_months: int = 3,
    team_size: int = 2,
    draw_at: datetime.datetime,
    visit_until: datetime.date,
    beacon_required: bool = False,
    purpose: str = DrawPurpose.ADHOC,
    period: str = "",
    now: datetime.datetime | None = None,
) -> Draw:
    """A draw in draft: its population read from the register now, shown for review before the commitment."""
    ensure_in_scope(actor, org.path, Action.MANAGE)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写抽取名称。"
    if population_kind not in PopulationKind.values:
        errors["population_kind"] = "请选择抽取范围。"
    if stratify_by not in StratifyBy.values:
        errors["stratify_by"] = "请选择分层方式。"
    try:
        parse_quota(quota_default)
    except ValidationError as exc:
        errors["quota_default"] = _messages(exc)
    overrides = {algorithm.clean(k): str(v).strip() for k, v in (quota_overrides or {}).items() if str(k).strip()}
    for stratum, quota in overrides.items():
        try:
            parse_quota(quota)
        except ValidationError as exc:
            errors["quota_overrides"] = f"分层「{stratum}」的{_messages(exc)}"
    if not 1 <= int(team_size or 0) <= MAX_TEAM:
        errors["team_size"] = f"每组督导人数应在 1 到 {MAX_TEAM} 人之间。"
    if not 0 <= int(exclude_months) <= 24:
        errors["exclude_months"] = "排除月数应在 0 到 24 之间。"
    if draw_at is None or draw_at <= now:
        errors["draw_at"] = "公布的抽取时间应晚于现在：抽取须在承诺之后进行。"
    elif visit_until is None or visit_until < timezone.localtime(draw_at).date():
        errors["visit_until"] = "督导截止日期不能早于抽取时间。"
    if errors:
        raise ValidationError(errors)
    population = build_population(org, population_kind, stratify_by, exclude_months, now)
    if not population:
        raise ValidationError(f"抽取范围内没有可抽取的对象（{PopulationKind(population_kind).label}）。")
    unknown = sorted(set(overrides) - set(strata_sizes(population)))
    if unknown:
        raise ValidationError({"quota_overrides": f"分层「{'、'.join(unknown)}」不在总体名单中。"})
    draw = Draw.objects.create(
        org=org,
        title=title[:200],
        purpose=purpose,
        period=period,
        population_kind=population_kind,
        stratify_by=stratify_by,
        quota_default=quota_default.strip(),
        quota_overrides=overrides,
        exclude_months=exclude_months,
        team_size=team_size,
        draw_at=draw_at,
        visit_until=visit_until,
        beacon_required=beacon_required,
        population=population,
        created_by=_user(actor),
    )
    excluded = sum(1 for m in population if m["excluded"])
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=draw,
        org=org,
        after={"title": draw.title, "population": len(population), "excluded": excluded, "draw_at": str(draw_at)},
        detail="设立随机抽取（总体名单待承诺）",
    )
    return draw


def _locked(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().select_related("org").get(pk=draw.pk)


@attempt(AuditAction.UPDATE, "调整抽取总体名单")
def set_member_excluded(draw: Draw, key: str, *, actor, excluded: bool, reason: str = "") -> Draw:
    """Leave a member out of the draw (with the reason shown to all), or take it back in: only before the
    commitment, when nobody — the system included — can know what the draw will give."""
    draw = _locked(draw)
    ensure_in_scope(actor, draw.org.path, Action.MANAGE)
    if draw.status != DrawStatus.DRAFT:
        raise ValidationError(FROZEN)
    reason = (reason or "").strip()
    if excluded and not reason:
        raise ValidationError({"reason": "请写明不列入抽取的原因。"})
    member = next((m for m in draw.population if m["key"] == key), None)
    if member is None:
        raise ValidationError(f"总体名单中没有「{key}」。")
    before = {"key": key, "excluded": member["excluded"], "reason": member["reason"]}
    member["excluded"], member["reason"] = excluded, (reason[:200] if excluded else "")
    draw.save(update_fields=["population"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=draw,
        org=draw.org,
        before=before,
        after={"key": key, "excluded": excluded, "reason": member["reason"]},
        detail=f"{'排除' if excluded else '恢复'}抽取对象：{member['label']}",
    )
    return draw


def resolved_quotas(draw: Draw) -> dict[str, int]:
    """Each stratum's count, from the default and the overrides; refused when a stratum asks for more than it has."""
    sizes = strata_sizes(draw.eligible())
    quotas, errors = {}, []
    for stratum, size in sizes.items():
        quota = draw.quota_overrides.get(stratum, draw.quota_default)
        count = resolve(quota, size)
        if count > size:
            errors.append(f"分层「{stratum}」要求抽取 {count} 个，但只有 {size} 个可抽取对象。")
        quotas[stratum] = count
    if errors:
        raise ValidationError(errors)
    if not sum(quotas.values()):
        raise ValidationError("各分层抽取数合计为 0，一个对象也不会抽中。")
    return quotas


def _check_teams(draw: Draw) -> None:
    """Every member that may be drawn has enough inspectors who pass the conflict rules, so the draw, once
    committed, cannot fail at the stated time."""
    short = []
    for m in draw.eligible():
        member = algorithm.Member(m["key"], m["stratum"], m.get("town", ""), tuple(m.get("last_team", ())))
        allowed = sum(1 for i in draw.pool if algorithm.allowed(member, algorithm.Inspector(i["key"], i["town"])))
        if allowed < draw.team_size:
            short.append(f"「{m['label']}」只有 {allowed} 人")
    if short:
        more = f"等 {len(short)} 个对象" if len(short) > 5 else ""
        raise ValidationError(
            f"可派的督导人员不足：每组需 {draw.team_size} 人，回避本乡镇和上次督导人员后，"
            f"{'、'.join(short[:5])}{more}。请在督导人员库中增加其他乡镇或县直单位的人员。"
        )


@attempt(AuditAction.UPDATE, "承诺随机抽取")
def commit_draw(draw: Draw, *, actor, now: datetime.datetime | None = None, token_bytes=secrets.token_bytes) -> Draw:
    """Freeze the population and the inspector pool (their digest published) and commit to a fresh random secret
    (its SHA-256 published). From here on nothing that decides the draw can change."""
    draw = _locked(draw)
    ensure_in_scope(actor, draw.org.path, Action.MANAGE)
    now = now or timezone.now()
    if draw.status != DrawStatus.DRAFT:
        raise ValidationError("该抽取已承诺，不能重复承诺。")
    if draw.draw_at <= now:
        raise ValidationError("公布的抽取时间已过：承诺须在抽取时间之前。请重新设立抽取。")
    if not draw.eligible():
        raise ValidationError("总体名单中没有可抽取的对象（均已排除）。")
    draw.pool = build_pool(draw.org)
    if not draw.pool:
        raise ValidationError("督导人员库为空，不能承诺抽取。请先在督导人员库中添加督导人员。")
    draw.quotas = resolved_quotas(draw)
    _check_teams(draw)
    secret = algorithm.new_secret(token_bytes)
    draw.population_digest = manifest_of(draw).digest()
    draw.commitment = algorithm.commitment(secret)
    draw.secret = secret.hex()
    draw.status, draw.committed_at = DrawStatus.COMMITTED, now
    draw.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=draw,
        org=draw.org,
        after={
            "population_digest": draw.population_digest,
            "commitment": draw.commitment,
            "quotas": draw.quotas,
            "pool": [i["key"] for i in draw.pool],
            "draw_at": str(draw.draw_at),
        },
        detail="抽取承诺：冻结总体名单并公布随机秘密的承诺值",
    )
    return draw


@attempt(AuditAction.UPDATE, "录入公开随机数")
def enter_beacon(draw: Draw, *, actor, value: str, now: datetime.datetime | None = None) -> Draw:
    """A second person's value nobody controls (e.g. the lottery number drawn after the commitment)."""
    draw = _locked(draw)
    ensure_in_scope(actor, draw.org.path, Action.CHANGE)
    value = (value or "").strip()
    if draw.status != DrawStatus.COMMITTED:
        raise ValidationError("只能在承诺之后、抽取之前录入公开随机数。")
    if draw.beacon:
        raise ValidationError("公开随机数已录入，不能更改。")
    if not value:
        raise ValidationError({"value": "请填写公开随机数。"})
    if actor is not None and actor.pk == draw.created_by_id:
        raise ValidationError("公开随机数须由设立抽取以外的另一人录入。")
    draw.beacon, draw.beacon_by, draw.beacon_at = algorithm.clean(value)[:200], _user(actor), now or timezone.now()
    draw.save(update_fields=["beacon", "beacon_by", "beacon_at"])
    record(
        AuditAction.UPDATE, actor=actor, obj=draw, org=draw.org, after={"beacon": draw.beacon}, detail="录入公开随机数"
    )
    return draw


def check_secret(draw: Draw, secret_hex: str) -> bytes:
    """The secret as bytes once it matches the published commitment; refused otherwise."""
    try:
        secret = bytes.fromhex(secret_hex or "")
    except ValueError:
        secret = b""
    if len(secret) != algorithm.SECRET_BYTES or algorithm.commitment(secret) != draw.commitment:
        raise ValidationError("揭示的随机秘密与事先公布的承诺值不符，拒绝抽取和揭示。")
    return secret


@attempt(AuditAction.UPDATE, "随机抽取")
def make_draw(draw: Draw, *, actor, now: datetime.datetime | None = None) -> Draw:
    """At the stated time: the seed from the secret, the audit chain's head at this moment and the beacon; the
    targets and teams by the published algorithm; then the secret revealed. The head stays locked until the
    transaction ends, so the draw's own audit record is the very next one in the chain (`verify` checks it)."""
    draw = _locked(draw)
    ensure_in_scope(actor, draw.org.path, Action.MANAGE)
    now = now or timezone.now()
    if draw.status == DrawStatus.DRAFT:
        raise ValidationError("该抽取尚未承诺，不能抽取。")
    if draw.status == DrawStatus.DRAWN:
        raise ValidationError("该抽取已经抽取过了。")
    if now < draw.draw_at:
        raise ValidationError(
            f"未到公布的抽取时间（{timezone.localtime(draw.draw_at):%Y-%m-%d %H:%M}），不能提前抽取。"
        )
    if draw.beacon_required and not draw.beacon:
        raise ValidationError("本次抽取须先由第二人录入公开随机数（如当期彩票开奖号码）。")
    manifest = manifest_of(draw)
    if manifest.digest() != draw.population_digest:
        raise ValidationError("总体名单在承诺后被改动（摘要值不符），拒绝抽取。")
    secret = check_secret(draw, draw.secret)
    seq, head = locked_head()
    seed = algorithm.seed(secret, draw.population_digest, head, draw.beacon)
    drawn = algorithm.draw(manifest, seed)
    members = {m["key"]: m for m in draw.eligible()}
    inspector_ids = {i["key"]: i["inspector"] for i in draw.pool}
    for position, target in enumerate(drawn, start=1):
        m = members[target.key]
        row = DrawTarget.objects.create(
            draw=draw,
            position=position,
            key=target.key,
            label=m["label"][:200],
            stratum=target.stratum,
            score=target.score,
            org_id=m["org"],
            case_id=m.get("case"),
            station_id=m.get("station"),
        )
        row.team.set([inspector_ids[key] for key in target.team])
    draw.audit_seq, draw.audit_head, draw.seed = seq, head, seed
    draw.revealed_secret, draw.secret = secret.hex(), ""
    draw.status, draw.drawn_at = DrawStatus.DRAWN, now
    draw.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=draw,
        org=draw.org,
        after={
            "audit_seq": seq,
            "audit_head": head,
            "beacon": draw.beacon,
            "seed": seed,
            "secret": draw.revealed_secret,
            "targets": [[t.key, t.team] for t in drawn],
        },
        detail=f"随机抽取并揭示随机秘密：抽中 {len(drawn)} 个对象",
    )
    _tell_drawn(draw)
    return draw


def _tell_drawn(draw: Draw) -> None:
    """The organizers hear of the list, each inspector of their own targets; a drawn organization hears nothing."""
    url = reverse("inspections:detail", args=[draw.pk])
    targets = list(draw.targets.prefetch_related("team__user"))
    notify(
        managers(draw.org),
        title=f"{draw.title}：已抽取 {len(targets)} 个对象",
        body=f"抽取时间 {timezone.localtime(draw.drawn_at):%Y-%m-%d %H:%M}，督导截止 {draw.visit_until:%Y-%m-%d}。",
        url=url,
        key=f"inspection_draw:{draw.pk}",
    )
    tasks: dict[int, tuple[object, list[DrawTarget]]] = {}
    for target in targets:
        for inspector in target.team.all():
            tasks.setdefault(inspector.user_id, (inspector.user, []))[1].append(target)
    for user, mine in tasks.values():
        names = "、".join(t.label for t in mine)
        notify(
            [user],
            title=f"督导任务：{draw.title}（{len(mine)} 个对象）",
            body=(
                f"请于 {draw.visit_until:%Y-%m-%d} 前不打招呼、直接到现场检查：{names}。"
                "任务在督导前不得告知被督导单位。"
            ),
            url=reverse("inspections:target", args=[mine[0].pk]),
            key=f"inspection_task:{draw.pk}",
        )


# ---------------------------------------------------------------------------------------------------- visits


def applicable_items(target: DrawTarget, year: int) -> list[ChecklistItem]:
    """The items of the year's checklists that apply to the target's domain, from its organizer or an organization
    above it, in checklist order."""
    owners = [*target.draw.org.ancestor_ids(), target.draw.org_id]
    domain = "station" if target.station_id else target.org.domain
    lists = [
        c for c in Checklist.objects.filter(owner_id__in=owners, year=year).order_by("code") if c.applies_to(domain)
    ]
    return list(
        ChecklistItem.objects.filter(checklist__in=lists)
        .select_related("checklist")
        .order_by("checklist__code", "number")
    )


@attempt(AuditAction.CREATE, "录入督导记录")
def record_visit(
    target: DrawTarget,
    *,
    actor,
    visited_on: datetime.date,
    met: str,
    results: dict[int, tuple[str, str]],
    summary: str = "",
    photos: dict[int, list] | None = None,
    today: datetime.date | None = None,
) -> Visit:
    """The team's record of one visit: each item 符合 / 不符合 / 不适用 with a note (required for 不符合), photos,
    whom they met, when. Each 不符合 becomes a finding waiting to be dispatched."""
    # Locks the target row only (its case may be missing: PostgreSQL locks no outer-joined side).
    target = (
        DrawTarget.objects.select_for_update(of=("self",)).select_related("draw__org", "org", "case").get(pk=target.pk)
    )
    today = today or timezone.localdate()
    if actor is not None and not target.team.filter(user=actor).exists():
        raise ValidationError(NOT_ON_TEAM)
    if Visit.objects.filter(target=target).exists():
        raise ValidationError("该对象的督导记录已录入，不能重复录入。")
    errors: dict[str, str] = {}
    drawn_on = timezone.localtime(target.draw.drawn_at).date()
    if visited_on is None:
        errors["visited_on"] = "请填写督导日期。"
    elif visited_on > today:
        errors["visited_on"] = "督导日期不能晚于今天。"
    elif visited_on < drawn_on:
        errors["visited_on"] = f"督导日期不能早于抽取日期（{drawn_on:%Y-%m-%d}）。"
    met = (met or "").strip()
    if not met:
        errors["met"] = "请填写见面人员（督导组见到了谁）。"
    if errors:
        raise ValidationError(errors)
    items = applicable_items(target, visited_on.year)
    if not items:
        raise ValidationError(f"没有适用于该对象的 {visited_on.year} 年度检查清单，请先制定检查清单。")
    problems = []
    for item in items:
        result, note = results.get(item.pk, ("", ""))
        if result not in ItemResult.values:
            problems.append(f"「{item.checklist.name}」第 {item.number} 项「{item.title}」未填写检查结果。")
        elif result == ItemResult.NO and not (note or "").strip():
            problems.append(
                f"「{item.checklist.name}」第 {item.number} 项「{item.title}」判为不符合，请写明发现的问题。"
            )
    photos = photos or {}
    problems.extend(PHOTOS.problems(upload for files in photos.values() for upload in files))
    if problems:
        raise ValidationError(problems)
    visit = Visit.objects.create(
        target=target,
        visited_on=visited_on,
        met=met[:500],
        summary=(summary or "").strip()[:2000],
        recorded_by=_user(actor),
    )
    findings = []
    for item in items:
        result, note = results[item.pk]
        row = VisitItem.objects.create(
            visit=visit,
            checklist=item.checklist.name,
            source_item=item,
            number=item.number,
            title=item.title,
            result=result,
            note=(note or "").strip()[:1000],
        )
        VisitPhoto.save_uploads(photos.get(item.pk, []), actor=actor, item=row)
        if result == ItemResult.NO:
            findings.append(
                Finding.objects.create(
                    visit=visit, item=row, org=target.org, year=visited_on.year, title=item.title, note=row.note
                )
            )
    if target.case_id:
        record_event(
            target.case,
            CaseEventKind.SPOT_CHECK,
            f"{target.draw.title}：督导组 {visited_on:%Y-%m-%d} 到现场检查，{len(findings)} 项不符合",
            actor,
        )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=visit,
        org=target.org,
        after={"target": target.key, "visited_on": str(visited_on), "items": len(items), "findings": len(findings)},
        detail=f"督导检查记录：{target.label}",
    )
    _tell_visited(visit, findings)
    return visit


def _tell_visited(visit: Visit, findings: list[Finding]) -> None:
    target = visit.target
    url = reverse("inspections:target", args=[target.pk])
    notify(
        holders(target.org),
        title=f"督导反馈：{target.label} {visit.visited_on:%Y-%m-%d} 督导检查，{len(findings)} 项不符合",
        body="；".join(f"{f.title}：{f.note}" for f in findings) or "各项均符合或不适用。",
        url=url,
        key=f"inspection_visit:{visit.pk}",
    )
    if findings:
        notify(
            managers(target.draw.org),
            title=f"督导发现待交办：{target.label} {len(findings)} 项不符合",
            url=url,
            key=f"inspection_findings:{visit.pk}",
        )


@attempt(AuditAction.UPDATE, "交办督导发现问题")
def follow_up_findings(visit: Visit, *, actor, deadline: datetime.date, route: str = FollowUp.RECTIFY) -> list[Finding]:
    """Send each finding of a visit not yet dispatched to be followed until fixed (followup.py), with a deadline."""
    visit = Visit.objects.select_related("target__draw__org", "target__org").get(pk=visit.pk)
    ensure_in_scope(actor, visit.target.draw.org.path, Action.MANAGE)
    findings = list(visit.findings.select_for_update().filter(status=FindingStatus.PENDING).order_by("id"))
    if not findings:
        raise ValidationError("该督导记录没有待交办的不符合项。")
    if deadline is None:
        raise ValidationError({"deadline": "请填写整改时限。"})
    if deadline <= visit.visited_on:
        raise ValidationError({"deadline": "整改时限应晚于督导日期。"})
    if route not in ROUTES:
        raise ValidationError("请选择跟踪方式。")
    ROUTES[route](visit, findings, actor=actor, deadline=deadline)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=visit,
        org=visit.target.org,
        after={
            "route": route,
            "deadline": str(deadline),
            "findings": [[f.pk, f.case_id, f.measure_id, f.problem_id] for f in findings],
        },
        detail=f"交办督导发现问题 {len(findings)} 项（{FollowUp(route).label}）",
    )
    return findings


# ---------------------------------------------------------------------------------------------------- the pool


@attempt(AuditAction.CREATE, "加入督导人员库")
def add_inspector(owner: Organization, *, actor, user, unit: Organization, name: str = "") -> Inspector:
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    if user is None or not user.is_active:
        raise ValidationError({"username": "该账号不存在或已停用。"})
    existing = Inspector.objects.filter(owner=owner, user=user).first()
    name = (name or user.get_full_name() or user.get_username()).strip()[:50]
    if existing is not None:
        if existing.active:
            raise ValidationError({"username": "该账号已在督导人员库中。"})
        existing.active, existing.unit, existing.name = True, unit, name
        existing.save(update_fields=["active", "unit", "name"])
        inspector = existing
    else:
        inspector = Inspector.objects.create(owner=owner, user=user, unit=unit, name=name)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=inspector,
        org=owner,
        after={"user": user.get_username(), "unit": unit.code},
        detail="加入督导人员库",
    )
    return inspector


@attempt(AuditAction.UPDATE, "移出督导人员库")
def remove_inspector(inspector: Inspector, *, actor) -> Inspector:
    ensure_in_scope(actor, inspector.owner.path, Action.MANAGE)
    if not inspector.active:
        raise ValidationError("该人员已不在督导人员库中。")
    inspector.active = False
    inspector.save(update_fields=["active"])
    record(AuditAction.UPDATE, actor=actor, obj=inspector, org=inspector.owner, detail="移出督导人员库")
    return inspector

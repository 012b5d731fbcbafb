"""Assessment writes: schemes, opening an assessment over a snapshot, entries, runs, adjustments, publishing.

Who may do what: the organization department that owns the assessment's root (MANAGE on the root) opens, runs,
adjusts and publishes it; raters enter scores for organizations below them (CHANGE on the participant's parent, so an
organization never scores itself); an organization attaches its own evidence (CHANGE on itself).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.choices import GRASSROOTS_KINDS, OrgKind, Post
from dangjian.orgs.models import CommitteePost, Organization

from . import engine
from .metrics import METRICS, record_flags
from .models import (
    RATING_POINTS,
    Adjustment,
    Assessment,
    AssessmentStatus,
    Entry,
    Evidence,
    Participant,
    Result,
    SchemeRecord,
    SecretaryReview,
    SurveyAnswer,
    SurveyLink,
)
from .scheme import CENT, Indicator, Method, Scheme, SchemeError, cents_to_decimal
from .schemefile import dump_scheme, load_scheme

SECOND_TIER_PARENTS = {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH}


def _parse(text: str) -> Scheme:
    try:
        return _parse_cached(text)
    except SchemeError as exc:
        raise ValidationError(str(exc)) from None


@functools.lru_cache(maxsize=16)
def _parse_cached(text: str) -> Scheme:
    """Entry forms check every value against the scheme: parse each scheme text once per process, not per value."""
    return load_scheme(text, metrics=set(METRICS))


@transaction.atomic
def save_scheme(*, actor, owner: Organization, text: str, scheme: SchemeRecord | None = None) -> SchemeRecord:
    """Create or replace a scheme from its YAML text; year and name come from the text itself."""
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    parsed = _parse(text)
    if scheme is not None and scheme.assessments.filter(status=AssessmentStatus.PUBLISHED).exists():
        raise ValidationError("该方案已用于已发布的考核，不能再修改；请复制为新方案。")
    clash = SchemeRecord.objects.filter(owner=owner, year=parsed.year, name=parsed.name)
    if scheme is not None:
        clash = clash.exclude(pk=scheme.pk)
    if clash.exists():
        raise ValidationError(f"{parsed.year} 年度已有名为“{parsed.name}”的方案。")
    before = {"year": scheme.year, "name": scheme.name, "text": scheme.text} if scheme else None
    if scheme is None:
        scheme = SchemeRecord(owner=owner, created_by=actor if actor and actor.is_authenticated else None)
    scheme.year, scheme.name, scheme.text = parsed.year, parsed.name, text
    scheme.save()
    after = {"year": scheme.year, "name": scheme.name, "text": text}
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=scheme,
        org=owner,
        before=before,
        after=after,
    )
    return scheme


def clone_scheme(source: SchemeRecord, *, actor, year: int) -> SchemeRecord:
    """Last year's scheme as this year's starting point: same indicators, the year moved on in name and data."""
    parsed = source.parsed()
    name = (
        re.sub(str(parsed.year), str(year), parsed.name)
        if str(parsed.year) in parsed.name
        else f"{year}年度{parsed.name}"
    )
    return save_scheme(
        actor=actor, owner=source.owner, text=dump_scheme(dataclasses.replace(parsed, year=year, name=name))
    )


def _secretaries(org_ids: list[int]) -> dict[int, str]:
    rows = CommitteePost.objects.filter(org_id__in=org_ids, post=Post.SECRETARY).values_list("org_id", "holder_name")
    return dict(rows)


def eligible_orgs(root: Organization, scheme: Scheme):
    """The grassroots organizations under `root` that the scheme has a group for."""
    domains = {g.domain for g in scheme.groups}
    return (
        Organization.objects.filter(path__startswith=root.path, kind__in=GRASSROOTS_KINDS, domain__in=domains)
        .select_related("parent")
        .order_by("path")
    )


@transaction.atomic
def open_assessment(
    *, actor, scheme: SchemeRecord, root: Organization, cutoff: datetime.date, title: str = "", review_weight=0
) -> Assessment:
    """Open the year's assessment and take the snapshot of the tree under `root` as it stands now (the cut-off)."""
    ensure_in_scope(actor, root.path, Action.MANAGE)
    parsed = _parse(scheme.text)
    weight = Decimal(str(review_weight or 0))
    if not 0 <= weight <= 1:
        raise ValidationError("述职评议权重应在 0 到 1 之间。")
    assessment = Assessment.objects.create(
        scheme=scheme,
        title=title or f"{root.name}{parsed.year}年度基层党组织考核",
        year=parsed.year,
        root=root,
        cutoff=cutoff,
        review_weight=weight,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    previous = (
        Assessment.objects.filter(root=root, year=parsed.year - 1, status=AssessmentStatus.PUBLISHED)
        .order_by("-published_at")
        .first()
    )
    weak_before = set()
    if previous is not None:
        weak_before = set(
            Result.objects.filter(participant__assessment=previous, weak=True).values_list(
                "participant__code", flat=True
            )
        )
    orgs = list(eligible_orgs(root, parsed))
    if not orgs:
        raise ValidationError(f"“{root.name}”下没有方案所列党建类型的基层党组织。")
    secretaries = _secretaries([o.id for o in orgs])
    Participant.objects.bulk_create(
        [
            Participant(
                assessment=assessment,
                org=org,
                code=org.code,
                name=org.name,
                kind=org.kind,
                domain=org.domain,
                level=org.level,
                path=org.path,
                parent_code=org.parent.code if org.parent else "",
                parent_name=org.parent.name if org.parent else "",
                second_tier=org.parent is not None and org.parent.kind in SECOND_TIER_PARENTS,
                secretary=secretaries.get(org.id, ""),
                weak_last_year=org.code in weak_before,
            )
            for org in orgs
        ],
        batch_size=2000,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=assessment,
        org=root,
        after={"scheme": scheme.pk, "cutoff": str(cutoff), "participants": len(orgs)},
    )
    return assessment


def _open_for_entries(assessment: Assessment) -> Assessment:
    """The assessment as it is now in the database, locked; refused once published. Callers hold a stale copy."""
    fresh = Assessment.objects.select_for_update().select_related("scheme", "root").get(pk=assessment.pk)
    if fresh.published:
        raise ValidationError("考核结果已发布，不能再修改。")
    return fresh


def indicator_of(scheme: Scheme, participant: Participant, code: str) -> Indicator:
    group = scheme.group_for(participant.domain, participant.level)
    for ind in group.indicators if group else ():
        if ind.code == code:
            return ind
    raise ValidationError(f"“{participant.name}”的考核分组中没有指标 {code}。")


def parent_path(path: str) -> str:
    """The materialized path of the parent: everything up to the last segment; "" for a root."""
    trimmed = path.rstrip(".")
    return trimmed[: trimmed.rfind(".") + 1]


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what}“{value}”不是数字。") from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"{what}最多保留两位小数。")
    return number


@transaction.atomic
def enter(participant: Participant, indicator: str, value, *, actor, note: str = "") -> Entry | None:
    """One rater's entry for one indicator: points (given, bonus), a count (deduction, penalty) or yes/no.
    A blank value removes the rater's entry."""
    assessment = _open_for_entries(participant.assessment)
    ensure_in_scope(actor, parent_path(participant.path), Action.CHANGE)
    ind = indicator_of(_parse(assessment.scheme.text), participant, indicator)
    rater = actor if actor is not None and actor.is_authenticated else None
    existing = Entry.objects.filter(participant=participant, indicator=indicator, rater=rater).first()
    if value is None or str(value).strip() == "":
        if existing:
            record(AuditAction.DELETE, actor=actor, obj=existing, org=participant.org, before=_entry_data(existing))
            existing.delete()
        return None
    fields = {"points": None, "count": None, "flag": None}
    if ind.method in (Method.GIVEN, Method.BONUS):
        points = _decimal(value, "分值")
        top = cents_to_decimal(ind.max_cents)
        if not 0 <= points <= top:
            raise ValidationError(f"「{ind.name}」的分值应在 0 到 {top} 分之间。")
        fields["points"] = points
    elif ind.method in (Method.DEDUCTION, Method.PENALTY):
        text = str(value).strip()
        if not text.isdigit():
            raise ValidationError(f"「{ind.name}」应填写次数（不小于 0 的整数）。")
        fields["count"] = int(text)
    elif ind.method in (Method.YESNO, Method.VETO):
        text = str(value).strip()
        if text not in ("是", "否", "true", "false", "True", "False"):
            raise ValidationError(f"「{ind.name}」应填写“是”或“否”。")
        fields["flag"] = text in ("是", "true", "True")
    else:
        raise ValidationError(
            f"「{ind.name}」由{'系统数据' if ind.method is Method.DERIVED else '群众测评'}自动得出，无需录入。"
        )
    before = _entry_data(existing) if existing else None
    entry = existing or Entry(participant=participant, indicator=indicator, rater=rater)
    for key, val in fields.items():
        setattr(entry, key, val)
    entry.note = note[:500]
    entry.save()
    if before != _entry_data(entry):
        action = AuditAction.UPDATE if existing else AuditAction.CREATE
        record(action, actor=actor, obj=entry, org=participant.org, before=before, after=_entry_data(entry))
    return entry


def _entry_data(entry: Entry) -> dict:
    return {
        "participant": entry.participant.code,
        "indicator": entry.indicator,
        "points": str(entry.points) if entry.points is not None else None,
        "count": entry.count,
        "flag": entry.flag,
        "note": entry.note,
    }


@transaction.atomic
def adjust(participant: Participant, indicator: str, points, reason: str, *, actor) -> Adjustment:
    """A review adjustment: the organizing department replaces one indicator's points, giving its reason."""
    assessment = _open_for_entries(participant.assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    if not (reason or "").strip():
        raise ValidationError("复核调整必须填写理由。")
    ind = indicator_of(_parse(assessment.scheme.text), participant, indicator)
    value = _decimal(points, "调整后分值")
    top = cents_to_decimal(max(ind.max_cents, ind.per_occurrence_cents * 100))
    if not 0 <= value <= top:
        raise ValidationError(f"「{ind.name}」调整后分值应在 0 到 {top} 分之间。")
    item = Adjustment.objects.filter(participant=participant, indicator=indicator).first()
    before = {"points": str(item.points), "reason": item.reason} if item else None
    item = item or Adjustment(participant=participant, indicator=indicator)
    item.points, item.reason = value, reason.strip()[:500]
    item.adjusted_by = actor if actor and actor.is_authenticated else None
    item.save()
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=item,
        org=participant.org,
        before=before,
        after={"indicator": indicator, "points": str(value), "reason": item.reason},
        detail=f"复核调整 {participant.code} {indicator}",
    )
    return item


@transaction.atomic
def attach_evidence(participant: Participant, upload, *, indicator: str = "", description: str = "", actor) -> Evidence:
    """An organization's supporting file for the assessment, optionally for one indicator."""
    assessment = _open_for_entries(participant.assessment)
    ensure_in_scope(actor, participant.path, Action.CHANGE)
    if indicator:
        indicator_of(_parse(assessment.scheme.text), participant, indicator)
    item = Evidence(
        participant=participant,
        indicator=indicator,
        original_name=upload.name[-200:],
        description=(description or "")[:500],
        uploaded_by=actor if actor and actor.is_authenticated else None,
    )
    item.file.save(upload.name, upload, save=False)
    item.save()
    record(AuditAction.CREATE, actor=actor, obj=item, org=participant.org, after={"file": item.original_name})
    return item


def _values(assessment: Assessment, scheme: Scheme, participants: list[Participant]):
    """Entries, metrics, surveys and adjustments as the engine's inputs, keyed by organization code."""
    code_of = {p.id: p.code for p in participants}
    values: dict[tuple[str, str], object] = {}
    rows = (
        Entry.objects.filter(participant__assessment=assessment)
        .order_by("participant_id", "indicator", "entered_at", "id")
        .values_list("participant_id", "indicator", "points", "count", "flag")
    )
    for pid, indicator, points, count, flag in rows.iterator(chunk_size=10000):
        key = (code_of[pid], indicator)
        if points is not None:
            cents = int(points * CENT)
            if isinstance(values.get(key), list):
                values[key].append(cents)
            else:
                values[key] = [cents]
        elif count is not None:
            values[key] = count  # a fact, not an opinion: the latest entry stands
        elif flag is not None:
            values[key] = flag
    needed = {ind.metric for g in scheme.groups for ind in g.indicators if ind.method is Method.DERIVED}
    for metric in sorted(needed):
        derived = METRICS[metric].compute(participants, assessment.cutoff, assessment.year)
        for g in scheme.groups:
            for ind in g.indicators:
                if ind.method is Method.DERIVED and ind.metric == metric:
                    for p in participants:
                        values.setdefault((p.code, ind.code), derived.get(p.id, False))
    surveys: dict[str, engine.Survey] = {}
    counts: dict[int, dict[str, int]] = {}
    answered = SurveyLink.objects.filter(participant__assessment=assessment).exclude(answer="")
    for pid, answer in answered.values_list("participant_id", "answer").iterator(chunk_size=10000):
        counts.setdefault(pid, {}).setdefault(answer, 0)
        counts[pid][answer] += 1
    for pid, c in counts.items():
        surveys[code_of[pid]] = engine.Survey(
            c.get(SurveyAnswer.SATISFIED, 0), c.get(SurveyAnswer.FAIR, 0), c.get(SurveyAnswer.DISSATISFIED, 0)
        )
    overrides = {
        (code_of[pid], indicator): (int(points * CENT), reason)
        for pid, indicator, points, reason in Adjustment.objects.filter(participant__assessment=assessment).values_list(
            "participant_id", "indicator", "points", "reason"
        )
    }
    return values, surveys, overrides


def compute(assessment: Assessment) -> tuple[Scheme, engine.RunResult, list[Participant]]:
    """Run the engine over everything entered so far. Nothing is written."""
    scheme = _parse(assessment.scheme.text)
    participants = list(assessment.participants.all())
    flags = record_flags(participants)
    orgs = [
        engine.OrgEntry(
            code=p.code,
            name=p.name,
            domain=p.domain,
            level=p.level,
            parent_code=p.parent_code,
            second_tier=p.second_tier,
            weak_last_year=p.weak_last_year,
            flags=flags.get(p.id, frozenset()),
        )
        for p in participants
    ]
    values, surveys, overrides = _values(assessment, scheme, participants)
    try:
        outcome = engine.run(scheme, orgs, values, surveys, overrides)
    except engine.EntryError as exc:
        raise ValidationError(exc.problems) from None
    return scheme, outcome, participants


def _named_metric(line) -> str:
    """The engine names a derived indicator's metric by its key; people read its label."""
    metric = METRICS.get(line.indicator.metric)
    return line.source.replace(f"（{metric.key}）", f"（{metric.label}）") if metric else line.source


def _combined(total: Decimal, rating: str, weight: Decimal) -> Decimal | None:
    if not weight or not rating:
        return None
    points = Decimal(RATING_POINTS[rating])
    return (total * (1 - weight) + points * weight).quantize(Decimal("0.01"))


@transaction.atomic
def run_assessment(assessment: Assessment, *, actor) -> engine.RunResult:
    """Compute and store the results (replacing the previous run's); refused once published."""
    assessment = _open_for_entries(assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    _, outcome, participants = compute(assessment)
    by_code = {p.code: p for p in participants}
    ratings = dict(
        SecretaryReview.objects.filter(participant__assessment=assessment).values_list("participant_id", "rating")
    )
    Result.objects.filter(participant__assessment=assessment).delete()
    rows = []
    for r in outcome.results:
        participant = by_code[r.org.code]
        total = cents_to_decimal(r.total_cents)
        rows.append(
            Result(
                participant=participant,
                group=r.group,
                total=total,
                base=cents_to_decimal(r.base_cents),
                bonus=cents_to_decimal(r.bonus_cents),
                penalty=cents_to_decimal(r.penalty_cents),
                combined=_combined(total, ratings.get(participant.id, ""), assessment.review_weight),
                rank=r.rank,
                reverse_rank=r.reverse_rank,
                grade=r.grade,
                weak=r.weak,
                reasons=r.weak_reasons,
                grade_reasons=r.grade_reasons,
                problems=r.problems,
                consequences=r.consequences,
                lines=[
                    {
                        "code": ln.indicator.code,
                        "name": ln.indicator.name,
                        "category": ln.indicator.category,
                        "method": ln.indicator.method.value,
                        "max": str(cents_to_decimal(ln.indicator.max_cents)),
                        "points": str(cents_to_decimal(ln.cents)),
                        "source": _named_metric(ln),
                    }
                    for ln in r.lines
                ],
            )
        )
    Result.objects.bulk_create(rows, batch_size=2000)
    assessment.digest = outcome.digest
    assessment.run_at = timezone.now()
    assessment.save(update_fields=["digest", "run_at"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=assessment,
        org=assessment.root,
        after={"digest": outcome.digest, "weak": sum(1 for r in outcome.results if r.weak)},
        detail="计算考核结果",
    )
    return outcome


@transaction.atomic
def publish(assessment: Assessment, *, actor) -> engine.RunResult:
    """Run once more and freeze: entries, adjustments and results can no longer change."""
    outcome = run_assessment(assessment, actor=actor)
    assessment = Assessment.objects.get(pk=assessment.pk)
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.published_by = actor if actor and actor.is_authenticated else None
    assessment.save(update_fields=["status", "published_at", "published_by"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=assessment,
        org=assessment.root,
        after={"status": "published", "digest": outcome.digest},
        detail="发布考核结果",
    )
    return outcome


def example_scheme_text() -> str:
    """The shipped county scheme (examples/scheme-county.yaml), the starting point of a new scheme."""
    from importlib.resources import files

    return files("dangjian.assess").joinpath("examples/scheme-county.yaml").read_text(encoding="utf-8")

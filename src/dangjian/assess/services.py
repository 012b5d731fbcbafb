"""Assessment writes: schemes, opening an assessment over a snapshot, entries, runs, adjustments, publishing.

Who may do what: the organization department that owns the assessment's root (MANAGE on the root) opens, runs,
adjusts and publishes it; raters enter scores for organizations below them (CHANGE on the participant's parent, so an
organization never scores itself); an organization attaches its own evidence (CHANGE on itself).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import functools
import json
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, IntegerField
from django.db.models.functions import Cast, Round
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.bulk_insert import insert_rows
from dangjian.core.memory import no_cycle_collection
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.core.uploads import check_upload
from dangjian.orgs.choices import GRASSROOTS_KINDS, OrgKind, Post
from dangjian.orgs.models import CommitteePost, Organization
from dangjian.rulebook.book import Book, one_book

from . import engine, inputs
from .engine import DOMAIN_LABELS
from .metrics import METRICS, record_flags
from .models import (
    RATING_POINTS,
    Adjustment,
    Assessment,
    AssessmentStatus,
    CutoffFacts,
    Entry,
    Evidence,
    Participant,
    Result,
    SchemeRecord,
    SecretaryReview,
    SurveyAnswer,
    SurveyLink,
)
from .scheme import CENT, Group, Indicator, Method, Scheme, SchemeError, cents_to_decimal
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


WEAK_QUOTA_RULE = "weak.quota"


def _percent_words(value) -> str:
    return f"{Decimal(str(value)).normalize():f}%"


def weak_floor_warnings(scheme: Scheme, owner: Organization, book: Book | None = None) -> list[str]:
    """The scheme's weak-organization floors held against the rulebook's `weak.quota` as it stands for the scheme's
    organization (a county may set its own range): one message per 党建类型 whose floor lies outside the range,
    naming the rule and its source. Nothing where the rule is turned off. The engine's arithmetic is the scheme's
    floors as they are; this only says where they leave the rule."""
    rule = (book or Book.load()).applies(WEAK_QUOTA_RULE, owner)
    if rule is None:
        return []
    low, high = (Decimal(str(v)) for v in rule.value)
    out = []
    for domain, share in scheme.weak_floors.items():
        percent = share * 100
        if not low <= percent <= high:
            out.append(
                rule.cite(
                    f"{DOMAIN_LABELS.get(domain, domain)}的软弱涣散比例线为{_percent_words(percent)}，"
                    f"不在“{rule.title}”{_percent_words(low)}—{_percent_words(high)}的范围内"
                )
            )
    return out


def default_floors(owner: Organization | None, book: Book | None = None) -> dict[str, Decimal] | None:
    """The floors a scheme made from nothing starts with: the lower bound of `weak.quota` where the scheme's
    organization stands, for every 党建类型; None where the rule is turned off (the example's floors stay)."""
    rule = (book or Book.load()).applies(WEAK_QUOTA_RULE, owner)
    if rule is None:
        return None
    low = Decimal(str(rule.value[0])) / 100
    return dict.fromkeys(DOMAIN_LABELS, low)


@transaction.atomic
def save_scheme(*, actor, owner: Organization, text: str, scheme: SchemeRecord | None = None) -> SchemeRecord:
    """Create or replace a scheme from its YAML text; year and name come from the text itself. Floors outside the
    rulebook's `weak.quota` are refused only where the rule is 必须 there; elsewhere the pages warn of them
    (`weak_floor_warnings`)."""
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    parsed = _parse(text)
    book = Book.load()
    rule = book.applies(WEAK_QUOTA_RULE, owner)
    if rule is not None and rule.refuses:
        problems = weak_floor_warnings(parsed, owner, book)
        if problems:
            raise ValidationError(problems)
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
        Organization.objects.in_subtree(root)
        .filter(kind__in=GRASSROOTS_KINDS, domain__in=domains)
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
    check_upload(upload)
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


# Participant fields the run reads; a participant is taken as a plain row, not a model instance (300,000 of them).
PARTICIPANT_FIELDS = [f.attname for f in Participant._meta.concrete_fields]
ParticipantRow = collections.namedtuple("ParticipantRow", PARTICIPANT_FIELDS)
RESULT_COLUMNS = (
    "participant_id",
    "group",
    "total",
    "base",
    "bonus",
    "penalty",
    "combined",
    "rank",
    "reverse_rank",
    "grade",
    "weak",
    "reasons",
    "grade_reasons",
    "problems",
    "consequences",
    "cents",
)
READ_CHUNK = 20_000
STALE = "记录在计算后有变化，以计算时的得分为准"


def _rows(queryset):
    """The queryset's rows as plain tuples, without Django's per-row conversions, so every value selected must
    already be what Python wants (ints, text; SQLite booleans come as 0/1). A client-side cursor: psycopg builds
    the rows in C from one result (a server-side cursor costs a round trip per chunk and is planned for its first
    rows); on PostgreSQL a run reads this way one row per participant at most (entries come packed: inputs.py)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(READ_CHUNK):
            yield from chunk


def _layout(scheme: Scheme, participants: list) -> dict[int, tuple[list, dict[str, int], Group]]:
    """Per participant (by id) an empty row of its group's indicators, the indicator positions and the group.
    Participants the scheme has no group for are left out: the engine names them."""
    group_of: dict[tuple[str, str], Group | None] = {}
    index_of: dict[str, dict[str, int]] = {}
    slots = {}
    for p in participants:
        key = (p.domain, p.level)
        group = group_of[key] if key in group_of else group_of.setdefault(key, scheme.group_for(*key))
        if group is None:
            continue
        index = index_of.get(group.key)
        if index is None:
            index = index_of[group.key] = {ind.code: j for j, ind in enumerate(group.indicators)}
        slots[p.id] = ([None] * len(index), index, group)
    return slots


def _values(
    assessment: Assessment, scheme: Scheme, participants: list, *, every: bool = True, prefetched=None, stored=None
):
    """Entries, metrics, surveys and adjustments as the engine's inputs: `rows[code]` lists what was entered for
    each indicator of the organization's group, in the group's order (see `engine.run_rows`). `every`: the
    participants are the whole assessment (a run), else a few of them (an explanation). The metrics come from the
    facts taken at the cut-off once they are (`stored`, read here if not given), else from the records."""
    code_of = {p.id: p.code for p in participants}
    slots = _layout(scheme, participants)
    mine = {"participant__assessment": assessment} if every else {"participant_id__in": list(code_of)}
    # Points as whole centipoints computed by the database (rounded: SQLite keeps decimals as floating point).
    entries = (
        Entry.objects.filter(**mine)
        .annotate(cents=Cast(Round(F("points") * CENT), IntegerField()))
        .order_by("participant_id", "indicator", "entered_at", "id")
        .values_list("participant_id", "indicator", "cents", "count", "flag")
    )
    # The register's facts first: they are read while a prefetched read of the entries still runs (`compute`), and
    # placed after the entries (an entered value stands over the register's).
    needed = {ind.metric for g in scheme.groups for ind in g.indicators if ind.method is Method.DERIVED}
    if stored is None and assessment.facts_taken_at is not None:
        stored = read_facts(assessment, participants, every=every)
    if stored is None:  # the cut-off has not passed: the records as they are now, dated ones up to the cut-off
        with one_book():  # the metrics that read the rulebook (meeting frequencies) share one read of it
            facts = {
                metric: METRICS[metric].compute(participants, assessment.cutoff, assessment.year) for metric in needed
            }
    else:
        facts = {metric: {pid: _fact(values.get(metric, False)) for pid, values in stored.items()} for metric in needed}
    if every and connection.vendor == "postgresql":
        inputs.read_packed(assessment.pk, slots, prefetched=prefetched)
    else:
        inputs.read_rows(_rows(entries), slots)
    for metric in sorted(needed):
        derived = facts[metric]
        places: dict[str, list[int]] = {}  # group key → positions of the indicators this metric fills
        for pid, (row, _, group) in slots.items():
            where = places.get(group.key)
            if where is None:
                where = places[group.key] = [
                    j for j, ind in enumerate(group.indicators) if ind.method is Method.DERIVED and ind.metric == metric
                ]
            for j in where:
                if row[j] is None:
                    row[j] = derived.get(pid, False)
    surveys: dict[str, engine.Survey] = {}
    counts: dict[int, dict[str, int]] = {}
    answered = SurveyLink.objects.filter(**mine).exclude(answer="")
    for pid, answer in answered.values_list("participant_id", "answer").iterator(chunk_size=10000):
        counts.setdefault(pid, {}).setdefault(answer, 0)
        counts[pid][answer] += 1
    for pid, c in counts.items():
        surveys[code_of[pid]] = engine.Survey(
            c.get(SurveyAnswer.SATISFIED, 0), c.get(SurveyAnswer.FAIR, 0), c.get(SurveyAnswer.DISSATISFIED, 0)
        )
    overrides = {
        (code_of[pid], indicator): (int(points * CENT), reason)
        for pid, indicator, points, reason in Adjustment.objects.filter(**mine).values_list(
            "participant_id", "indicator", "points", "reason"
        )
    }
    rows = {code_of[pid]: row for pid, (row, _, _) in slots.items()}
    return rows, surveys, overrides


def _participants(queryset) -> list:
    """Participants as plain rows (`ParticipantRow`: every field of `Participant`, by attribute)."""
    participants = list(map(ParticipantRow._make, _rows(queryset.values_list(*PARTICIPANT_FIELDS))))
    if connection.vendor == "sqlite":  # raw rows: SQLite gives its booleans as 0/1
        participants = [p._replace(second_tier=bool(p.second_tier), weak_last_year=bool(p.weak_last_year))
                        for p in participants]  # fmt: skip
    return participants


def _org_entry(p, flags=frozenset()) -> engine.OrgEntry:
    return engine.OrgEntry(
        code=p.code,
        name=p.name,
        domain=p.domain,
        level=p.level,
        parent_code=p.parent_code,
        second_tier=p.second_tier,
        weak_last_year=p.weak_last_year,
        flags=flags,
    )


def compute(
    assessment: Assessment, *, with_lines: bool = True, read_apart: bool = False
) -> tuple[Scheme, engine.RunResult, list]:
    """Run the engine over everything entered so far. Nothing is written. The participants come back as plain rows
    (`ParticipantRow`) in the snapshot's order. `with_lines`: each result with its lines in words as well."""
    scheme = _parse(assessment.scheme.text)
    prefetched = None
    if read_apart:  # nothing written before in this transaction (see `inputs.Prefetch`)
        codes = sorted({ind.code for group in scheme.groups for ind in group.indicators})
        prefetched = inputs.Prefetch.start(connection, assessment.pk, codes)
    inputs_ = run_inputs(assessment, scheme, prefetched=prefetched)
    try:
        outcome = engine.run_rows(scheme, *inputs_.engine_args, with_lines=with_lines)
    except engine.EntryError as exc:
        raise ValidationError(exc.problems) from None
    return scheme, outcome, inputs_.participants


@dataclasses.dataclass
class RunInputs:
    """What a run gives the engine (`engine.run_rows`), read once: the what-if page runs two schemes over it."""

    participants: list
    orgs: list[engine.OrgEntry]
    rows: dict[str, list]
    surveys: dict[str, engine.Survey]
    overrides: dict[tuple[str, str], tuple[int, str]]

    @property
    def engine_args(self) -> tuple:
        return self.orgs, self.rows, self.surveys, self.overrides


def run_inputs(assessment: Assessment, scheme: Scheme, *, prefetched=None) -> RunInputs:
    """The participants (plain rows in the snapshot's order) and everything entered or derived for them, as a run
    reads it: the register's facts and problem areas as of the cut-off once taken (`take_facts`), else live."""
    participants = _participants(Participant.objects.filter(assessment=assessment).order_by("path"))
    stored = read_facts(assessment, participants) if assessment.facts_taken_at is not None else None
    if stored is None:
        flags = record_flags(participants)
    else:
        flags = {
            pid: frozenset(values[CutoffFacts.FLAGS]) for pid, values in stored.items() if values.get(CutoffFacts.FLAGS)
        }
    empty = frozenset()
    orgs = [_org_entry(p, flags.get(p.id, empty)) for p in participants]
    rows, surveys, overrides = _values(assessment, scheme, participants, prefetched=prefetched, stored=stored)
    return RunInputs(participants, orgs, rows, surveys, overrides)


def _fact(value) -> Decimal | bool:
    """A stored metric value as the metric gave it: yes/no as such, a share from its exact decimal text."""
    return value if isinstance(value, bool) else Decimal(value)


def read_facts(assessment: Assessment, participants: list, *, every: bool = True) -> dict[int, dict]:
    """The facts taken at the cut-off, per participant id: of the whole assessment (`every`), else of these."""
    rows = CutoffFacts.objects.filter(
        **({"participant__assessment": assessment} if every else {"participant_id__in": [p.id for p in participants]})
    )
    return dict(rows.values_list("participant_id", "values").iterator(chunk_size=10000))


def facts_due(assessment: Assessment) -> bool:
    """Whether the cut-off day is over, so the records as of it are what they will be (a run before it is
    provisional and reads the records as they are, dated ones up to the cut-off)."""
    return timezone.localdate() > assessment.cutoff


def _take_facts(assessment: Assessment) -> int:
    """Compute every registered metric and the register's problem areas for every participant, as of the
    cut-off, and store them (`CutoffFacts`), replacing any taken before. Every metric, not only the scheme's, so a
    scheme edited afterwards still finds its values. Returns how many participants."""
    participants = _participants(Participant.objects.filter(assessment=assessment).order_by("path"))
    per: dict[int, dict] = {p.id: {} for p in participants}
    with one_book():  # one read of the rulebook for every metric that asks it
        for key in sorted(METRICS):
            for pid, value in METRICS[key].compute(participants, assessment.cutoff, assessment.year).items():
                if pid in per:
                    per[pid][key] = value if isinstance(value, bool) else str(value)
    for pid, flags in record_flags(participants).items():
        per[pid][CutoffFacts.FLAGS] = sorted(flags)
    CutoffFacts.objects.filter(participant__assessment=assessment).delete()
    CutoffFacts.objects.bulk_create(
        (CutoffFacts(participant_id=pid, values=values) for pid, values in per.items()), batch_size=2000
    )
    assessment.facts_taken_at = timezone.now()
    assessment.save(update_fields=["facts_taken_at"])
    return len(per)


def _record_facts(assessment: Assessment, actor, count: int, before) -> None:
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=assessment,
        org=assessment.root,
        before={"facts_taken_at": before.isoformat() if before else None},
        after={"facts_taken_at": assessment.facts_taken_at.isoformat(), "participants": count},
        detail="按截止日重新取数" if before else "按截止日取数",
    )


@transaction.atomic
def take_due_facts(assessment: Assessment, *, today: datetime.date) -> bool:
    """The scheduler's part (`assess.jobs.cutoff_facts`, daily): take the facts of an assessment whose cut-off
    ended before `today`, if no run has yet, so they are the records of the day after the cut-off rather than of
    whenever someone first runs it. Whether it took them."""
    fresh = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if fresh.published or fresh.facts_taken_at is not None or today <= fresh.cutoff:
        return False
    _record_facts(fresh, None, _take_facts(fresh), None)
    return True


@transaction.atomic
def take_facts(assessment: Assessment, *, actor) -> Assessment:
    """Read the records as of the cut-off again, on purpose (the first time, a run does it by itself): records
    entered late but dated up to the cut-off then count, and the next run's digest changes. Refused before the
    cut-off has passed and once published."""
    assessment = _open_for_entries(assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    if not facts_due(assessment):
        raise ValidationError(f"截止日期 {assessment.cutoff:%Y-%m-%d} 尚未过去，还不能按截止日取数。")
    before = assessment.facts_taken_at
    count = _take_facts(assessment)
    _record_facts(assessment, actor, count, before)
    return assessment


def result_lines(result: Result) -> list[dict]:
    """A stored result's lines as the explanation shows them: code, name, category, method, max, points, source.

    The run stores only the points per indicator (`Result.cents`, in the group's order of the frozen scheme); the
    words saying where they came from are derived again by running the engine for this one organization over its
    own records. Where a record has changed since the run (a register fact behind a derived indicator), the stored
    points stand and the line says so."""
    p = result.participant
    assessment = p.assessment
    scheme = _parse(assessment.scheme.text)
    group = scheme.group_for(p.domain, p.level)
    if group is None or group.key != result.group or len(group.indicators) != len(result.cents):
        return []  # the scheme was edited after this run: the next run brings the lines back
    row = _participants(Participant.objects.filter(pk=p.pk))
    rows, surveys, overrides = _values(assessment, scheme, row, every=False)
    try:
        [again] = engine.run_rows(scheme, [_org_entry(row[0])], rows, surveys, overrides, with_lines=True).results
        lines = zip(again.lines, result.cents, strict=True)
        sources = [ln.source if ln.cents == cents else STALE for ln, cents in lines]
    except engine.EntryError:
        sources = [STALE] * len(group.indicators)
    return [
        {
            "code": ind.code,
            "name": ind.name,
            "category": ind.category,
            "method": ind.method.value,
            "max": _points(ind.max_cents),
            "points": _points(cents),
            "source": _metric_words(ind, source),
        }
        for ind, cents, source in zip(group.indicators, result.cents, sources, strict=True)
    ]


def _metric_words(ind: Indicator, source: str) -> str:
    """The pure scoring names a derived indicator's metric by its key (`secretary_in_post`); a person reads its
    label (书记在岗)."""
    metric = METRICS.get(ind.metric or "")
    return source.replace(f"（{ind.metric}）", f"（{metric.label}）", 1) if metric else source


def _combined(total: Decimal, rating: str, weight: Decimal) -> Decimal | None:
    if not weight or not rating:
        return None
    points = Decimal(RATING_POINTS[rating])
    return (total * (1 - weight) + points * weight).quantize(Decimal("0.01"))


def _points(cents: int) -> str:
    """Centipoints as the two-decimal text stored ("12.50"), the same as `cents_to_decimal` without Decimal."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // CENT}.{cents % CENT:02d}"


def _json_list(items: list) -> str:
    return json.dumps(items, ensure_ascii=False) if items else "[]"


class _Texts(dict):
    """Texts of numbers, each made once by `make` on first use."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key: int) -> str:
        text = self[key] = self.make(key)
        return text


def _result_rows(outcome: engine.RunResult, ids: dict[str, int], ratings: dict[int, str], weight: Decimal):
    """Each result as a database-ready row of RESULT_COLUMNS (JSON as text), one at a time: the rows are built while
    the database takes in the ones before, and a province never sits in memory twice."""
    problems: dict[tuple[str, ...], str] = {}  # few distinct problem lists: each serialized once
    # Few distinct numbers too: each written out once (a C dictionary look-up per number after that).
    shown_points = _Texts(_points).__getitem__
    number = _Texts(str).__getitem__
    for r in outcome.results:
        pid = ids[r.org.code]
        rating = ratings.get(pid, "") if ratings else ""
        combined = _combined(cents_to_decimal(r.total_cents), rating, weight) if weight and rating else None
        shown = problems.get(key := tuple(r.problems))
        if shown is None:
            shown = problems[key] = _json_list(r.problems)
        yield (
            pid,
            r.group,
            shown_points(r.total_cents),
            shown_points(r.base_cents),
            shown_points(r.bonus_cents),
            shown_points(r.penalty_cents),
            None if combined is None else str(combined),
            r.rank,
            r.reverse_rank,
            r.grade,
            r.weak,
            _json_list(r.weak_reasons),
            _json_list(r.grade_reasons),
            shown,
            _json_list(r.consequences),
            "[" + ",".join(map(number, r.cents)) + "]",
        )


@transaction.atomic
def run_assessment(assessment: Assessment, *, actor) -> engine.RunResult:
    """Compute and store the results (replacing the previous run's); refused once published.

    Results are written as prepared rows (`core.bulk_insert`: COPY on PostgreSQL, multi-row INSERT elsewhere):
    `bulk_create` would adapt each JSON list again, client-side, which at 300,000 organizations costs more than
    the whole computation."""
    read_apart = _nothing_written_yet()  # asked before the lock below, which counts as a write
    assessment = _open_for_entries(assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    if assessment.facts_taken_at is None and facts_due(assessment):
        # The first run after the cut-off fixes the records as of it: later changes no longer reach the result.
        # (A prefetched read sees only entries, which this does not write.)
        _record_facts(assessment, actor, _take_facts(assessment), None)
    with no_cycle_collection():
        return _run_and_store(assessment, actor, read_apart)


def _nothing_written_yet() -> bool:
    """PostgreSQL: whether the transaction has written nothing so far (it has no transaction id yet): a second
    connection then sees what this one sees, so the run may read through one (`inputs.Prefetch`). True for a run
    started from the page or by publishing; False inside a transaction that wrote before it (the demo's build, a
    script, the tests' transaction), which then reads everything through its own connection."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current_if_assigned() IS NULL")
        return cursor.fetchone()[0]


def _run_and_store(assessment: Assessment, actor, read_apart: bool = False) -> engine.RunResult:
    _, outcome, participants = compute(assessment, with_lines=False, read_apart=read_apart)
    ids = {p.code: p.id for p in participants}
    del participants
    ratings = dict(
        SecretaryReview.objects.filter(participant__assessment=assessment)
        .exclude(rating="")
        .values_list("participant_id", "rating")
    )
    # One DELETE: nothing depends on a result, so Django deletes them without collecting them first.
    Result.objects.filter(participant__assessment=assessment).delete()
    rows = _result_rows(outcome, ids, ratings, assessment.review_weight)
    _hold_participants(assessment)
    insert_rows(Result, RESULT_COLUMNS, rows, count=len(outcome.results))
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


def _hold_participants(assessment: Assessment) -> None:
    """PostgreSQL: take the key-share lock on every participant of the assessment in one statement, before the
    results are written. The database checks each new result's participant at commit (a deferred foreign key), and
    each check locks its participant the same way, one by one; holding them all already, the checks find the lock
    theirs and write nothing (a third less commit time at 300,000 results; the lock itself takes a tenth of a
    second). Key-share stops nothing but deleting a participant or changing its key."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Participant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE assessment_id = %s FOR KEY SHARE) AS held",  # noqa: S608
            [assessment.pk],
        )


@transaction.atomic
def freeze_results(assessment: Assessment, *, actor) -> engine.RunResult:
    """Run once more and freeze: entries, adjustments and results can no longer change. The assessment's own part of
    publishing: `dangjian.flows.publishing.publish_assessment` calls it, then opens the cases and proposes the
    accountability, in one transaction."""
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


def example_scheme_text(floors: dict[str, Decimal] | None = None) -> str:
    """The shipped county scheme (examples/scheme-county.yaml), the starting point of a new scheme; with `floors`
    (`default_floors`: the rulebook's), its weak-organization floors are those."""
    from importlib.resources import files

    text = files("dangjian.assess").joinpath("examples/scheme-county.yaml").read_text(encoding="utf-8")
    if floors is None:
        return text
    block = "weak_floors:\n" + "".join(f"  {DOMAIN_LABELS[d]}: {_percent_words(s * 100)}\n" for d, s in floors.items())
    return re.sub(r"^weak_floors:\n(?:  .*\n)*", lambda _: block, text, count=1, flags=re.MULTILINE)

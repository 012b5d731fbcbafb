"""The residents' survey (群众满意度测评): one-time anonymous links, printed as QR codes, each answered once.

The organizing department (MANAGE on the assessment's root) makes the links; anyone holding one answers it, without
an account. Answers become the engine's `Survey` counts in `services._values`, so the survey indicator and the
"more than half dissatisfied → D" rule (`survey_fail_share`) follow from the scheme.

Anonymity: a link stores only its answer and when it was used. Individual answers are deliberately NOT audited:
`audit.record` takes the address from the current request, and an audit row naming the link next to the address
would tie the answer to the respondent. Creating links is audited with the count, never the tokens (a token in the
log would let anyone who reads the log answer in a resident's place).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope

from .models import Assessment, AssessmentStatus, Participant, SurveyAnswer, SurveyLink
from .scheme import Method
from .services import _open_for_entries, _parse

MAX_LINKS_PER_CALL = 500  # one printing session for one organization; more in several calls
MAX_LINKS_PER_ASSESSMENT_CALL = 20000  # all organizations at once: bounds one request's work
TOKEN_BYTES = 12  # 96 random bits, 16 characters: short enough to type from paper, far too many to guess


class LinkUnusable(Exception):
    """The token is unknown, already used, or its assessment is published: the public page answers 404."""


@dataclass
class SurveyCounts:
    """How one organization's links stand."""

    links: int = 0
    answered: int = 0
    satisfied: int = 0
    fair: int = 0
    dissatisfied: int = 0

    @property
    def unanswered(self) -> int:
        return self.links - self.answered


def _count(value, most: int) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise ValidationError(f"生成数量应为 1 到 {most} 之间的整数。")
    return int(text)


def _new_tokens(count: int) -> list[str]:
    """`count` fresh tokens, none already stored (a clash is astronomically unlikely, but the column is unique)."""
    tokens: set[str] = set()
    while len(tokens) < count:
        batch = {secrets.token_urlsafe(TOKEN_BYTES) for _ in range(count - len(tokens))}
        batch -= set(SurveyLink.objects.filter(token__in=batch).values_list("token", flat=True))
        tokens |= batch
    return list(tokens)


def _has_survey(group) -> bool:
    return bool(group) and any(ind.method is Method.SURVEY for ind in group.indicators)


def surveyed_q(assessments) -> Q:
    """The participants `surveyed` keeps, of any of `assessments` (with their schemes), as a condition on
    `Participant`: each scheme is asked once per (domain, level) pair its assessment has, in one query for them all,
    so a county's or a city's participants need not be read one by one."""
    schemes = {a.pk: _parse(a.scheme.text) for a in assessments}
    pairs = (
        Participant.objects.filter(assessment__in=list(schemes))
        .order_by()
        .values_list("assessment_id", "domain", "level")
        .distinct()
    )
    condition = Q(pk__in=[])
    for assessment, domain, level in pairs:
        if _has_survey(schemes[assessment].group_for(domain, level)):
            condition |= Q(assessment_id=assessment, domain=domain, level=level)
    return condition


@dataclass
class Progress:
    """How a survey stands for the organizing department: the surveyed organizations without a link yet and those
    whose links are not all answered (each with the first one's id, to link to it when it is the only one), and how
    many links those have and how many are answered."""

    unlinked: int = 0
    first_unlinked: int | None = None
    short: int = 0
    first_short: int | None = None
    links: int = 0
    answered: int = 0


def progress(participants: QuerySet) -> Progress:
    """The survey's progress over `participants` (surveyed ones: filter them by `surveyed_q`), in one aggregate
    query whatever the number of organizations."""
    links = SurveyLink.objects.filter(participant=OuterRef("pk")).order_by().values("participant")
    counted = participants.annotate(
        n_links=Coalesce(Subquery(links.annotate(n=Count("id")).values("n")), 0),
        n_answered=Coalesce(Subquery(links.filter(used_at__isnull=False).annotate(n=Count("id")).values("n")), 0),
    )
    unlinked = Q(n_links=0)
    short = Q(n_links__gt=0, n_answered__lt=F("n_links"))
    row = counted.aggregate(
        unlinked=Count("pk", filter=unlinked),
        first_unlinked=Min("pk", filter=unlinked),
        short=Count("pk", filter=short),
        first_short=Min("pk", filter=short),
        links=Sum("n_links", filter=short),
        answered=Sum("n_answered", filter=short),
    )
    return Progress(**{key: value or (None if key.startswith("first") else 0) for key, value in row.items()})


def surveyed(assessment: Assessment, participants) -> list[Participant]:
    """The participants whose scheme group has a survey indicator: only their links count for anything."""
    scheme = _parse(assessment.scheme.text)
    result = []
    for p in participants:
        if _has_survey(scheme.group_for(p.domain, p.level)):
            result.append(p)
    return result


@transaction.atomic
def create_links(participant: Participant, count, *, actor) -> list[SurveyLink]:
    """`count` new one-time links for one organization's residents' survey."""
    assessment = _open_for_entries(participant.assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    count = _count(count, MAX_LINKS_PER_CALL)
    if not surveyed(assessment, [participant]):
        raise ValidationError(f"“{participant.name}”所在考核分组没有群众满意度测评指标，无需生成测评链接。")
    links = SurveyLink.objects.bulk_create(SurveyLink(participant=participant, token=t) for t in _new_tokens(count))
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=participant,
        org=participant.org,
        after={"participant": participant.code, "survey_links": count},
        detail=f"生成群众满意度测评链接 {count} 个",
    )
    return links


@transaction.atomic
def create_links_for_all(assessment: Assessment, count_each, *, actor) -> int:
    """`count_each` new links for every organization whose group is surveyed; the number of links made."""
    assessment = _open_for_entries(assessment)
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    count_each = _count(count_each, MAX_LINKS_PER_CALL)
    targets = surveyed(assessment, assessment.participants.all())
    if not targets:
        raise ValidationError("本次考核方案没有群众满意度测评指标，无需生成测评链接。")
    total = count_each * len(targets)
    if total > MAX_LINKS_PER_ASSESSMENT_CALL:
        raise ValidationError(
            f"{len(targets)} 个组织各 {count_each} 个共 {total} 个，超过一次 {MAX_LINKS_PER_ASSESSMENT_CALL} 个的上限，"
            "请减少数量或分组织生成。"
        )
    tokens = iter(_new_tokens(total))
    SurveyLink.objects.bulk_create(
        (SurveyLink(participant=p, token=next(tokens)) for p in targets for _ in range(count_each)), batch_size=2000
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=assessment,
        org=assessment.root,
        after={"organizations": len(targets), "survey_links_each": count_each, "survey_links": total},
        detail=f"为 {len(targets)} 个组织各生成群众满意度测评链接 {count_each} 个",
    )
    return total


def open_link(token: str) -> SurveyLink:
    """The unused link of a collecting assessment behind `token`, for the public page; else LinkUnusable."""
    link = (
        SurveyLink.objects.filter(
            token=str(token)[:64], used_at__isnull=True, participant__assessment__status=AssessmentStatus.COLLECTING
        )
        .select_related("participant")
        .first()
    )
    if link is None:
        raise LinkUnusable
    return link


def answer(token: str, value: str) -> None:
    """Record one resident's answer. A single conditional UPDATE: of two submissions of one link exactly one
    matches `used_at IS NULL`, so a link counts once however it is replayed. Nothing about the respondent is kept
    and nothing is audited (see the module docstring)."""
    if value not in SurveyAnswer.values:
        raise ValidationError("请选择“满意”“基本满意”或“不满意”。")
    updated = SurveyLink.objects.filter(
        token=str(token)[:64], used_at__isnull=True, participant__assessment__status=AssessmentStatus.COLLECTING
    ).update(answer=value, used_at=timezone.now())
    if not updated:
        raise LinkUnusable


def counts(participants) -> dict[int, SurveyCounts]:
    """Links and answers per participant id, in one query."""
    rows = (
        SurveyLink.objects.filter(participant__in=participants)
        .values("participant_id")
        .annotate(
            links=Count("id"),
            answered=Count("id", filter=Q(used_at__isnull=False)),
            satisfied=Count("id", filter=Q(answer=SurveyAnswer.SATISFIED)),
            fair=Count("id", filter=Q(answer=SurveyAnswer.FAIR)),
            dissatisfied=Count("id", filter=Q(answer=SurveyAnswer.DISSATISFIED)),
        )
    )
    return {row.pop("participant_id"): SurveyCounts(**row) for row in rows}

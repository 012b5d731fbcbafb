"""The registry of derived indicators: values an assessment takes from records instead of asking a rater.

Each metric turns the register into a share 0..1 (or yes/no) per participant; a scheme's derived indicator names one
by its key. Later capabilities (meetings, the weekly cycle, inspections) add their own metrics here with `register`.
Metrics read the whole participant list at once, so a province-sized run costs a few queries, not one per row.
"""

from __future__ import annotations

import datetime
from collections import Counter, namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q

from dangjian.dues import metrics as dues_metrics
from dangjian.members.models import Member
from dangjian.orgs.choices import Post
from dangjian.orgs.models import CommitteePost, Organization
from dangjian.partylife import metrics as partylife_metrics
from dangjian.problems.metrics import problem_closure_rate as _problem_closure_rate
from dangjian.responsibility import metrics as duty_metrics
from dangjian.weekly.metrics import weekly_on_time as weekly_on_time_of

RECORDS = "组织生活和发展党员记录"  # a metric's `source` when party records, not the register, feed it


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    explain: str
    compute: Callable[[list, datetime.date, int], dict[int, Decimal | bool]]  # (participants, cutoff, year)
    # The records behind one participant's value, in words, for its explanation: (participant, cutoff, year).
    detail: Callable[[object, datetime.date, int], list[str]] | None = None
    source: str = ""  # where the values come from when not the register (the batch score sheet says so)


METRICS: dict[str, Metric] = {}
_Term = namedtuple("_Term", "term_start term_years")  # what `Organization.election_due` reads of an organization
SUBQUERY_FROM = 500  # participants from which metrics filter by the assessment rather than by a list of ids


def register(key: str, label: str, explain: str):
    def wrap(func):
        METRICS[key] = Metric(key, label, explain, func)
        return func

    return wrap


# Party records (partylife/metrics.py): meetings held against required by kind, and development activity.
for _item in partylife_metrics.METRICS:
    METRICS[_item.key] = Metric(_item.key, _item.label, _item.explain, _item.compute, _item.detail, RECORDS)

# Dues (dues/metrics.py): member-months paid on time.
for _dues in dues_metrics.METRICS:
    METRICS[_dues.key] = Metric(_dues.key, _dues.label, _dues.explain, _dues.compute, _dues.detail, _dues.source)


def _org_ids(participants):
    """The participants' organizations, for `__in` filters. Many of one assessment (a run): a subquery, so a
    province's 300,000 ids are not sent as a literal list; a few (an explanation): the list itself."""
    assessments = {getattr(p, "assessment_id", None) for p in participants}
    if len(participants) > SUBQUERY_FROM and len(assessments) == 1 and None not in assessments:
        from .models import Participant

        return Participant.objects.filter(assessment_id=assessments.pop(), org__isnull=False).values("org_id")
    return [p.org_id for p in participants if p.org_id]


def _posts(participants) -> tuple[Counter, set[int]]:
    """Filled committee posts per organization, and the organizations whose secretary post is held: counted by
    the database, one row per organization."""
    filled: Counter = Counter()
    with_secretary: set[int] = set()
    rows = (
        CommitteePost.objects.filter(org_id__in=_org_ids(participants))
        .order_by()
        .values("org_id")
        .annotate(filled=Count("id"), secretaries=Count("id", filter=Q(post=Post.SECRETARY)))
        .values_list("org_id", "filled", "secretaries")
    )
    for org_id, count, secretaries in rows.iterator(chunk_size=10000):
        filled[org_id] = count
        if secretaries:
            with_secretary.add(org_id)
    return filled, with_secretary


def _seats(participants) -> dict[int, int]:
    """Approved committee seats of the organizations that have them (the others need none)."""
    rows = Organization.objects.filter(id__in=_org_ids(participants), committee_seats__gt=0)
    return dict(rows.values_list("id", "committee_seats").iterator(chunk_size=10000))


@register("committee_complete", "班子配备齐全", "已配委员数 ÷ 核定委员职数（未核定职数的以书记在岗为齐全）")
def committee_complete(participants, cutoff, year):
    filled, with_secretary = _posts(participants)
    seats = _seats(participants)
    out = {}
    for p in participants:
        need = seats.get(p.org_id, 0)
        if need:
            out[p.id] = min(Decimal(filled[p.org_id]) / need, Decimal(1))
        else:
            out[p.id] = p.org_id in with_secretary
    return out


@register("secretary_in_post", "书记在岗", "书记职务有人担任")
def secretary_in_post(participants, cutoff, year):
    _, with_secretary = _posts(participants)
    return {p.id: p.org_id in with_secretary for p in participants}


@register("election_on_time", "按期换届", "截至快照日期本届任期未到期，或已按期换届")
def election_on_time(participants, cutoff, year):
    # Only a term begun before the cut-off can have run out by then; the model's rule decides, once per distinct
    # (start, length) rather than once per organization.
    rows = Organization.objects.filter(
        id__in=_org_ids(participants), term_start__lt=cutoff, term_start__isnull=False, term_years__gt=0
    ).values_list("id", "term_start", "term_years")
    due_of = Organization.election_due.fget
    late: dict[tuple, bool] = {}
    overdue = set()
    for org_id, start, years in rows.iterator(chunk_size=10000):
        key = (start, years)
        if key not in late:
            late[key] = (due := due_of(_Term(start, years))) is not None and due < cutoff
        if late[key]:
            overdue.add(org_id)
    return {p.id: bool(p.org_id) and p.org_id not in overdue for p in participants}


@register("member_development", "发展党员", "本年度有新发展党员（入党日期在考核年度内）")
def member_development(participants, cutoff, year):
    joined = set(
        Member.objects.filter(org_id__in=_org_ids(participants), join_date__year=year)
        .values_list("org_id", flat=True)
        .distinct()
    )
    return {p.id: p.org_id in joined for p in participants}


@register("member_records_complete", "党员信息完整", "身份号码、联系电话和入党日期齐全的党员所占比例")
def member_records_complete(participants, cutoff, year):
    complete = Q(join_date__isnull=False) & ~Q(id_number_digest="") & ~Q(phone_digest="")
    rows = (
        Member.objects.filter(org_id__in=_org_ids(participants))
        .values("org_id")
        .annotate(total=Count("id"), complete=Count("id", filter=complete))
    )
    shares = {row["org_id"]: Decimal(row["complete"]) / row["total"] for row in rows if row["total"]}
    return {p.id: shares.get(p.org_id, Decimal(0)) for p in participants}


@register("member_count_ok", "党员人数达标", "正式党员 3 名以上（成立支部的条件）")
def member_count_ok(participants, cutoff, year):
    rows = (
        Member.objects.filter(org_id__in=_org_ids(participants), status="full").values("org_id").annotate(n=Count("id"))
    )
    counts = {row["org_id"]: row["n"] for row in rows}
    return {p.id: counts.get(p.org_id, 0) >= 3 for p in participants}


@register(
    "weekly_on_time",
    "每周按时报送",
    "本年度应报送的每周工作完成情况表（“两下两上”）中按时（当周周五前）报送的比例",
)
def weekly_on_time(participants, cutoff, year):
    return weekly_on_time_of(participants, cutoff, year, org_ids=_org_ids(participants))


# Inspections (随机督导, the `inspections` app) sit above assess in the layers, so assess never imports them: their
# metric reads the visits and findings through the app registry by name, and counts every organization as
# conforming where the app is not installed.
@register(
    "inspection_findings",
    "督导检查符合率",
    "当年督导检查中“符合”项与截至快照日期已整改的“不符合”项占适用检查项的比例（当年未被督导的记为符合）",
)
def inspection_findings(participants, cutoff, year):
    if not apps.is_installed("dangjian.inspections"):
        return {p.id: True for p in participants}
    visit_item = apps.get_model("inspections", "VisitItem")
    finding = apps.get_model("inspections", "Finding")
    ids = _org_ids(participants)
    checked = (
        visit_item.objects.filter(
            visit__target__org_id__in=ids, visit__visited_on__year=year, visit__visited_on__lte=cutoff
        )
        .exclude(result="na")
        .order_by()
        .values("visit__target__org_id")
        .annotate(total=Count("id"), ok=Count("id", filter=Q(result="yes")))
    )
    fixed_by_cutoff = (
        Q(measure__status="done", measure__done_at__lte=cutoff)
        | Q(case__status="closed", case__closed_at__date__lte=cutoff)
        | Q(problem__status="closed", problem__closed_at__date__lte=cutoff)
    )
    fixed = dict(
        finding.objects.filter(org_id__in=ids, year=year, visit__visited_on__lte=cutoff)
        .filter(fixed_by_cutoff)
        .order_by()
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    shares = {
        row["visit__target__org_id"]: Decimal(row["ok"] + fixed.get(row["visit__target__org_id"], 0)) / row["total"]
        for row in checked
        if row["total"]
    }
    return {p.id: min(shares[p.org_id], Decimal(1)) if p.org_id in shares else True for p in participants}


def record_flags(participants) -> dict[int, frozenset[str]]:
    """Problem areas the register itself shows: vacancies on the committee, no secretary."""
    filled, with_secretary = _posts(participants)
    seats = _seats(participants)
    out = {}
    vacant, short = frozenset({"committee", "secretary"}), frozenset({"committee"})
    for p in participants:
        if p.org_id not in with_secretary:
            out[p.id] = vacant
        elif filled[p.org_id] < seats.get(p.org_id, 0):
            out[p.id] = short
    return out  # organizations without a flag are left out


@register(
    "problem_closure_rate",
    "问题销号率",
    "本年度登记的涉及本组织的问题中，截至快照日期已由上一级核实销号的比例（本年度没有登记问题的记为 1）",
)
def problem_closure_rate(participants, cutoff, year):
    return _problem_closure_rate(participants, cutoff, year, org_ids=_org_ids(participants))


# Responsibility lists "三层九岗" (responsibility/metrics.py): duty tasks done against due.
METRICS[duty_metrics.KEY] = Metric(
    duty_metrics.KEY,
    duty_metrics.LABEL,
    duty_metrics.EXPLAIN,
    lambda participants, cutoff, year: duty_metrics.duty_completion(
        participants, cutoff, year, org_ids=_org_ids(participants)
    ),
    duty_metrics.duty_detail,
    "“三层九岗”责任清单任务记录",
)

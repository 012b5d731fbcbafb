"""The problem list kept on write: per organization, its subtree's problems by level and status in the
organizations' roll-ups (`orgs.OrgTally`, subtree totals along the ancestor path), so the dashboard's problems by
level are a read of a few rows, however many problems and organizations lie below.

A problem adds `problem:<level>:<status>` 1 to the organization it concerns (`org`, the one that decides its scope)
and each ancestor. Who keeps it: every service that writes a problem (`services.record_problem` adds it; assign,
submit, escalate — a level and a status changed —, close and return move it from its old key to its new one), in
their transaction after the audit record, from the problem's keys before and after (its row locked). The overdue
job raises only `escalation_level`, which is not counted. Nothing deletes a problem, and its organization cannot be
deleted under it (PROTECT); a subtree moved takes its totals along (`orgs.tally.moved`). `dangjian rollups
--check|--rebuild` recounts them with the rest (`own_all`); rows written in bulk (the demo,
bench/activity_for_gen.sql) are followed by a rebuild.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from dangjian.orgs import tally as org_tally
from dangjian.orgs.models import OrgTally

from .models import Problem

PROBLEM = "problem:"


def problem_key(level: str, status: str) -> str:
    return f"{PROBLEM}{level}:{status}"


def keys_of(problem: Problem) -> Counter:
    return Counter({problem_key(problem.level, problem.status): 1})


def counted(problems) -> dict[int, Counter]:
    """Organization → what its problems add, from a queryset of problems (one grouped query)."""
    out: dict[int, Counter] = {}
    rows = problems.order_by().values_list("org_id", "level", "status").annotate(n=Count("id"))
    for org_id, level, status, n in rows.iterator(chunk_size=20000):
        out.setdefault(org_id, Counter())[problem_key(level, status)] += n
    return out


def own(org_ids: list[int]) -> dict[int, Counter]:
    return counted(Problem.objects.filter(org_id__in=org_ids))


def own_all() -> dict[int, Counter]:
    return counted(Problem.objects.all())


def register() -> None:
    """Hand the organizations' roll-ups these counts (from `ProblemsConfig.ready()`)."""
    org_tally.register(org_tally.Provider("problems", own, own_all))


def problem_changed(problem: Problem, before: Counter) -> None:
    """After a problem was written: the change of its keys (`before`: as they stood, empty for a new problem)."""
    org_tally.apply(problem.org.path, org_tally.difference(keys_of(problem), before))


def counts_of(org_id: int) -> Counter:
    """(level, status) → problems of the organization's subtree (one query of its roll-up rows)."""
    out = Counter()
    rows = OrgTally.objects.filter(org_id=org_id, key__startswith=PROBLEM).values_list("key", "n")
    for key, n in rows:
        level, status = key[len(PROBLEM) :].split(":")
        out[(level, status)] += n
    return out

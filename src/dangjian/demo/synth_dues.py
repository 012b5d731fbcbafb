"""A year of party dues for a synthetic region (`dangjian gen --dues`): a base for every member from January, a
raise for some mid-year, a year's payments month by month up to today with the gaps the demo county has (most on
time, some late, branches that collect irregularly, about one member in a hundred who stopped paying), and
exemptions for a few members on relief. Rows are written in chunks of members through `core.bulk_insert` (`COPY`
on PostgreSQL), never through model instances: a million members make about eleven million payments."""

from __future__ import annotations

import calendar
import datetime
import random
import time
from collections.abc import Callable

from django.db import connection

from dangjian.core.bulk_insert import insert_rows
from dangjian.dues.choices import DuesCategory, ReliefKind
from dangjian.dues.models import DuesBase, DuesPayment, DuesRelief, chain_bases
from dangjian.dues.rules import monthly_due
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .writer import reset_sequences

CHUNK = 50_000  # members read and written at a time
ARREARS_SHARE = 0.01
LAX_BRANCHES = 0.08
BASE_COLUMNS = ("member_id", "category", "base_fen", "fixed_fen", "effective_from", "note", "recorded_at")
PAYMENT_COLUMNS = ("member_id", "month", "amount_fen", "paid_on", "note", "recorded_at")
RELIEF_COLUMNS = ("member_id", "kind", "start", "end", "monthly_fen", "reason", "approved_by_id", "approver",
                  "approved_on", "recorded_at")  # fmt: skip


def _months(today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """(first day, last day) of this year's months that have ended by `today`."""
    out = []
    for m in range(1, 13):
        first = datetime.date(today.year, m, 1)
        last = first.replace(day=calendar.monthrange(today.year, m)[1])
        if last < today:
            out.append((first, last))
    return out


def generate_dues(seed: int, today: datetime.date, now: str, log: Callable[[str], None]) -> dict:
    """Bases, payments and reliefs of this year for every member in the database, deterministic for `seed`."""
    started = time.monotonic()
    rng = random.Random(seed * 7919 + today.year)
    months = _months(today)
    jan = datetime.date(today.year, 1, 1)
    parents = dict(Organization.objects.values_list("id", "parent_id"))
    lax = {org_id for org_id in parents if rng.random() < LAX_BRANCHES}
    counts = {"bases": 0, "payments": 0, "reliefs": 0}
    bounds = Member.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first() or 0, bounds.last() or -1
    rand, randint, randrange = rng.random, rng.randint, rng.randrange
    for start in range(low, high + 1, CHUNK):
        chunk = Member.objects.filter(id__gte=start, id__lt=start + CHUNK).order_by("id")
        bases, payments, reliefs = [], [], []
        for pk, org_id, joined, retired in chunk.values_list("id", "org_id", "join_date", "is_retired"):
            fixed = None
            if retired:
                category, base = DuesCategory.RETIRED, randrange(2200_00, 7500_00, 50)
            elif (roll := rand()) < 0.3:
                category, base, fixed = DuesCategory.FARMER, 0, (20, 50, 100)[randint(0, 2)]
            elif roll < 0.36:
                category, base = (DuesCategory.UNEMPLOYED, DuesCategory.STUDENT, DuesCategory.RELIEF)[randint(0, 2)], 0
            else:
                category, base = DuesCategory.EMPLOYED, randrange(2600_00, 14000_00, 10)
            bases.append((pk, category, base, fixed, jan, "", now))
            due = monthly_due(category, base, fixed).fen
            raise_at = None
            if category == DuesCategory.EMPLOYED and len(months) > 3 and rand() < 0.1:
                raise_at = months[randint(2, len(months) - 1)][0]
                raised = base + randrange(100_00, 1500_00, 10)
                bases.append((pk, category, raised, None, raise_at, "调资", now))
            exempt = category == DuesCategory.RELIEF and rand() < 0.5 and bool(months)
            if exempt:
                reliefs.append((pk, ReliefKind.EXEMPT, months[0][0], datetime.date(today.year, 12, 1), 0,
                                "家庭生活困难，支部研究同意免缴", parents.get(org_id) or org_id, "上级党委书记", jan,
                                now))  # fmt: skip
                continue
            stop = len(months) - randint(6, 8) if rand() < ARREARS_SHARE else None
            late_rate, skip_rate = (0.35, 0.12) if org_id in lax else (0.04, 0.01)
            join_month = joined.replace(day=1) if joined else None
            for index, (first, last) in enumerate(months):
                if raise_at is not None and first == raise_at:
                    due = monthly_due(category, raised, None).fen
                if join_month is not None and first < join_month:
                    continue
                if (stop is not None and index >= stop) or rand() < skip_rate:
                    continue
                paid_on = first.replace(day=randint(5, 25))
                if rand() < late_rate:
                    paid_on = min(last + datetime.timedelta(days=randint(5, 60)), today)
                payments.append((pk, first, due, paid_on, "", now))
        insert_rows(DuesBase, BASE_COLUMNS, bases)
        chain_bases(chunk.values("id"))  # the raise closes January's range
        insert_rows(DuesPayment, PAYMENT_COLUMNS, payments)
        insert_rows(DuesRelief, RELIEF_COLUMNS, reliefs)
        counts["bases"] += len(bases)
        counts["payments"] += len(payments)
        counts["reliefs"] += len(reliefs)
        done, elapsed = min(start + CHUNK - 1, high), time.monotonic() - started
        log(f"  党费：党员至 {done}，缴纳 {counts['payments']} 条（{elapsed:.0f} 秒）")
    reset_sequences(DuesBase, DuesPayment, DuesRelief)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (DuesBase, DuesPayment, DuesRelief):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return counts

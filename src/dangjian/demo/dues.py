"""A year of dues for the demo county: bases by each member's situation, payments month by month with realistic
gaps (most on time, some late, a few members in arrears, one branch lax), a few base changes mid-year and a few
exemptions approved by the town. Written in bulk, like the other demo records, and recorded as one IMPORT."""

from __future__ import annotations

import calendar
import datetime
import random

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.dues.choices import DuesCategory, ReliefKind
from dangjian.dues.ledger import month_start, months_between
from dangjian.dues.models import DuesBase, DuesPayment, DuesRelief, chain_bases
from dangjian.dues.rules import monthly_due
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain
from dangjian.orgs.models import Organization

from .region import MOHE_NAME
from .writer import reset_sequences

ARREARS_SHARE = 0.01  # members who stopped paying for the last 6–8 months
LAX_BRANCHES = 0.08  # branches that collect late and irregularly


def _base(rng: random.Random, member: Member, domain: str) -> tuple[str, int, int | None]:
    """(category, base in fen, farmer's fixed amount in fen) for one member."""
    if member.is_retired:
        return DuesCategory.RETIRED, rng.randrange(2200_00, 7500_00, 50), None
    if domain == Domain.VILLAGE:
        roll = rng.random()
        if roll < 0.8:
            return DuesCategory.FARMER, 0, rng.choice((20, 50, 100))
        if roll < 0.9:
            return DuesCategory.UNEMPLOYED, 0, None
        return DuesCategory.EMPLOYED, rng.randrange(1800_00, 4800_00, 100), None
    if domain == Domain.COMMUNITY and rng.random() < 0.15:
        return rng.choice((DuesCategory.RELIEF, DuesCategory.UNEMPLOYED, DuesCategory.STUDENT)), 0, None
    return DuesCategory.EMPLOYED, rng.randrange(2600_00, 14000_00, 10), None


def build_demo_dues(rng: random.Random, today: datetime.date, year: int) -> None:
    county = Organization.objects.filter(name=MOHE_NAME).first()
    if county is None:
        return
    first = datetime.date(year, 1, 1)
    last = min(datetime.date(year, 12, 1), month_start(today))
    months = [m for m in months_between(first, last) if m.replace(day=calendar.monthrange(m.year, m.month)[1]) < today]
    members = list(
        Member.objects.in_subtree(county)
        .select_related("org")
        .only("id", "is_retired", "join_date", "org__id", "org__path", "org__domain", "org__parent_id")
        .order_by("org__path", "id")
    )
    branches = sorted({m.org_id for m in members})
    lax = {org_id for org_id in branches if rng.random() < LAX_BRANCHES}
    bases, payments, reliefs = [], [], []
    for member in members:
        category, base, fixed = _base(rng, member, member.org.domain)
        bases.append(DuesBase(member=member, category=category, base_fen=base, fixed_fen=fixed, effective_from=first))
        changes = {}
        if category == DuesCategory.EMPLOYED and rng.random() < 0.1 and len(months) > 3:
            change = rng.choice(months[2:])
            base = base + rng.randrange(100_00, 1500_00, 10)
            bases.append(DuesBase(member=member, category=category, base_fen=base, effective_from=change, note="调资"))
            changes[change] = base
        current = bases[-2].base_fen if changes else bases[-1].base_fen
        stop = len(months) - rng.randint(6, 8) if rng.random() < ARREARS_SHARE else None
        exempt: set[datetime.date] = set()
        if category == DuesCategory.RELIEF and rng.random() < 0.5 and months:
            reliefs.append(
                DuesRelief(
                    member=member,
                    kind=ReliefKind.EXEMPT,
                    start=months[0],
                    end=datetime.date(year, 12, 1),
                    reason="家庭生活困难，支部研究同意免缴",
                    approved_by_id=member.org.parent_id or member.org_id,
                    approver="镇党委书记",
                    approved_on=first,
                )
            )
            exempt = set(months)
        late_rate = 0.35 if member.org_id in lax else 0.04
        skip_rate = 0.12 if member.org_id in lax else 0.01
        for index, month in enumerate(months):
            current = changes.get(month, current)
            if month in exempt or (member.join_date and month < month_start(member.join_date)):
                continue
            if stop is not None and index >= stop:
                continue
            if rng.random() < skip_rate:
                continue
            end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            paid_on = month.replace(day=rng.randint(5, 25))
            if rng.random() < late_rate:
                paid_on = min(end + datetime.timedelta(days=rng.randint(5, 60)), today)
            due = monthly_due(category, current, fixed).fen
            payments.append(DuesPayment(member=member, month=month, amount_fen=due, paid_on=paid_on))
    DuesBase.objects.bulk_create(bases, batch_size=1000)
    chain_bases()
    DuesRelief.objects.bulk_create(reliefs, batch_size=500)
    DuesPayment.objects.bulk_create(payments, batch_size=2000)
    reset_sequences(DuesBase, DuesPayment, DuesRelief)
    record(
        AuditAction.IMPORT,
        org=county,
        username="demo",
        detail=f"演示党费记录：基数 {len(bases)} 条，缴纳 {len(payments)} 条，减免 {len(reliefs)} 条",
    )

"""Member-months summed in the database: the set-based path of the roll-ups, the arrears list and the metric
`dues_on_time`, held by `tests/test_dues_sums.py` to the month-by-month ledger (`ledger.Ledger`), which stays the
specification.

Why grouped queries and not a roll-up kept on write (as `orgs.OrgTally` is): every figure here is *as of* a date
(today on the pages, the cut-off in an assessment). Which months have ended, and whether a payment exists yet (one
dated after the as-of date does not), moves with that date; and a member's months follow the member to the branch
they are in now, so a transfer would move years of counts between subtrees. A kept roll-up would have to hold every
as-of date, or be wrong for all but one. These sums are read from the records as they stand instead.

The shape: for each month, one row per member of the subtree (a scoped queryset of `Member`) with the raw facts of
the month — the amount due by the base in force (`due_expression`, generated from `rules.RULES`; NULL when no base
is on record), the lowest cap of an approved relief covering it (0 for an exemption), what was paid by the as-of
date and whether by the month's end. The months are glued with `UNION ALL`, and one grouped statement derives
each cell's status from those facts exactly as `Ledger.cell` does and sums it (`Totals`). Months before a member
joined, and months after the as-of month, are not rows at all (not due). Everything is portable SQL built by the
ORM; only the outer grouping is written out, over the columns the ORM named.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import DatabaseError, connections, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .choices import ReliefKind
from .ledger import Totals, add_months, month_end, month_start
from .models import DuesRelief
from .rules import ARREARS_MONTHS, ROUND_TO_FEN, RULES

# The outer statement's view of one cell, from the columns `_month_rows` names.
_DUE = "(CASE WHEN c.cap IS NOT NULL AND c.cap < c.due THEN c.cap ELSE c.due END)"
_PAID = "(c.paid IS NOT NULL)"
_UNPAID = f"(c.paid IS NULL AND {_DUE} > 0 AND c.ended = 1)"
_LATE = "(c.paid IS NOT NULL AND c.on_time = 0)"
TOTALS_SQL = {
    "due_months": f"SUM(CASE WHEN {_PAID} OR {_UNPAID} THEN 1 ELSE 0 END)",
    "paid_months": "COUNT(c.paid)",
    "on_time_months": "SUM(c.on_time)",
    "unpaid_months": f"SUM(CASE WHEN {_UNPAID} THEN 1 ELSE 0 END)",
    "due_fen": f"SUM(CASE WHEN {_PAID} OR {_UNPAID} THEN COALESCE({_DUE}, 0) ELSE 0 END)",
    "paid_fen": "COALESCE(SUM(c.paid), 0)",
    "exempt_months": f"SUM(CASE WHEN c.paid IS NULL AND {_DUE} = 0 THEN 1 ELSE 0 END)",
    "no_base_months": "SUM(CASE WHEN c.paid IS NULL AND c.due IS NULL AND c.ended = 1 THEN 1 ELSE 0 END)",
}
PATH_STEP = 9  # one level of a materialized path: eight digits and a dot
BIG = BigIntegerField()
CAP = Case(When(kind=ReliefKind.EXEMPT, then=Value(0)), default=F("monthly_fen"), output_field=BIG)  # of a relief
GROUPS = {"org": "c.org_path", "month": "c.month_no", "member": "c.member_no"}


def due_expression(via: str = ""):
    """The amount due for a `DuesBase` row as a SQL expression, generated from `rules.RULES`: the bracket's basis
    points times the base, rounded as `rules.round_fen` does (integers only), or the fixed amount. `via` is the path
    to the row's fields from the queryset's model ("" on `DuesBase` itself, "base__" through a relation)."""
    unit = 10000 * ROUND_TO_FEN
    category_is, base_fen, fixed_fen = f"{via}category", F(f"{via}base_fen"), F(f"{via}fixed_fen")
    whens = []
    for category, rule in RULES.items():
        if not rule.uses_base:
            whens.append(
                When(Q(**{category_is: category}), then=Coalesce(fixed_fen, Value(rule.fixed_min), output_field=BIG))
            )
            continue
        for bracket in rule.brackets:
            holds = Q(**{category_is: category, f"{via}base_fen__gt": bracket.above})
            if bracket.upto is not None:
                holds &= Q(**{f"{via}base_fen__lte": bracket.upto})
            rounded = (base_fen * Value(2 * bracket.bp) + Value(unit)) / Value(2 * unit) * Value(ROUND_TO_FEN)
            whens.append(When(holds, then=ExpressionWrapper(rounded, output_field=BIG)))
        whens.append(When(Q(**{category_is: category}), then=Value(0)))  # a base of 0: nothing due
    return Case(*whens, default=Value(None), output_field=BIG)


def _month_rows(members, month: datetime.date, asof: datetime.date, bit: int):
    """One row per member of `members` due in `month` (joined by its end), with the month's raw facts. The base in
    force is joined by its range (`DuesBase.effective_until`, kept by `chain_bases`): at most one row holds a month."""
    cap = (
        DuesRelief.objects.filter(member=OuterRef("pk"), start__lte=month, end__gte=month)
        .order_by()
        .values("member")
        .annotate(cap=Min(CAP))
        .values("cap")
    )
    end = month_end(month)
    in_force = Q(dues_bases__effective_from__lte=month) & (
        Q(dues_bases__effective_until__isnull=True) | Q(dues_bases__effective_until__gt=month)
    )
    return (
        members.order_by()
        .filter(Q(join_date__isnull=True) | Q(join_date__lt=add_months(month, 1)))
        .annotate(
            base=FilteredRelation("dues_bases", condition=in_force),
            pay=FilteredRelation(
                "dues_payments", condition=Q(dues_payments__month=month, dues_payments__paid_on__lte=asof)
            ),
        )
        .annotate(
            member_no=F("pk"),
            org_path=F("org__path"),
            month_no=Value(month.year * 100 + month.month),
            bit=Value(bit),
            ended=Value(1 if end <= asof else 0),
            due=due_expression("base__"),
            cap=Subquery(cap, output_field=BIG),
            paid=F("pay__amount_fen"),
            on_time=Case(When(pay__paid_on__lte=end, then=Value(1)), default=Value(0)),
        )
        .values("member_no", "org_path", "month_no", "bit", "ended", "due", "cap", "paid", "on_time")
    )


def _cells(members, months: Sequence[datetime.date], asof: datetime.date):
    """The member-months of `months` up to the as-of month as one query (or None when none is due yet); a month's
    `bit` is 2 to the power of its place in `months`."""
    parts = [_month_rows(members, m, asof, 1 << i) for i, m in enumerate(months) if m <= month_start(asof)]
    if not parts:
        return None
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _run(members, cells, select: str, tail: str = ""):
    sql, params = cells.query.sql_with_params()
    connection = connections[members.db]
    # The inner statement is the ORM's, with its parameters; the outer one names only its columns.
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM ({sql}) c {tail}", params)  # noqa: S608
            return cursor.fetchall()
    with transaction.atomic(using=members.db), connection.cursor() as cursor:
        _without_jit(cursor, members.db)
        cursor.execute(f"SELECT {select} FROM ({sql}) c {tail}", params)  # noqa: S608
        return cursor.fetchall()


def _without_jit(cursor, using: str) -> None:
    """A planner setting, not a feature the answer depends on: PostgreSQL's JIT compiles the expressions of every
    month's branch before running them, which cost more than the statement itself (docs/performance.md, "Dues summed
    in the database"). Off until the end of the enclosing transaction (SET LOCAL); a PostgreSQL-compatible server
    without the setting runs the statement as it is (the savepoint keeps its refusal from aborting the transaction)."""
    try:
        with transaction.atomic(using=using):
            cursor.execute("SET LOCAL jit = off")
    except DatabaseError:
        pass


def totals(members, months: Sequence[datetime.date], asof: datetime.date, by: Iterable[str] = ()) -> dict:
    """`Totals` of the member-months of `members` in `months` as of `asof`, keyed by the tuple of `by` (any of
    "org": the member's organization path, "month": year × 100 + month, "member": its id); `()` keys the grand
    total. Keys with no member-month due are absent."""
    by = tuple(by)
    cells = _cells(members, months, asof)
    if cells is None:
        return {}
    keys = [GROUPS[b] for b in by]
    names = list(TOTALS_SQL)
    select = ", ".join([*keys, *(f"{TOTALS_SQL[n]} AS {n}" for n in names)])
    tail = f"GROUP BY {', '.join(keys)}" if keys else ""
    out = {}
    for row in _run(members, cells, select, tail):
        values = row[len(keys) :]
        t = Totals(**{n: int(v or 0) for n, v in zip(names, values, strict=True)})
        out[tuple(row[: len(keys)])] = t
    return out


def masks(members, months: Sequence[datetime.date], asof: datetime.date, which: str, at_least: int = 1) -> list:
    """(member id, organization path, bit mask of months) of the members with at least `at_least` months that are
    `which` ("unpaid", or "short": counted and not paid on time), ordered by path and id. Bit i is `months[i]`."""
    cond = {"unpaid": _UNPAID, "short": f"({_UNPAID} OR {_LATE})"}[which]
    cells = _cells(members, months, asof)
    if cells is None:
        return []
    select = f"c.member_no, c.org_path, SUM(CASE WHEN {cond} THEN c.bit ELSE 0 END)"
    tail = (
        f"GROUP BY c.member_no, c.org_path HAVING SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) >= {int(at_least)} "
        "ORDER BY c.org_path, c.member_no"
    )
    return [(pk, path, int(mask)) for pk, path, mask in _run(members, cells, select, tail)]


def longest_run(mask: int) -> int:
    """The longest run of consecutive set bits."""
    n = 0
    while mask:
        mask &= mask >> 1
        n += 1
    return n


def in_arrears(members, months: Sequence[datetime.date], asof: datetime.date) -> list[tuple[int, str]]:
    """(member id, organization path) of the members with a run of `ARREARS_MONTHS` unpaid months in `months`
    (consecutive months), as `MemberLedger.arrears` finds them."""
    found = masks(members, months, asof, "unpaid", ARREARS_MONTHS)
    return [(pk, path) for pk, path, mask in found if longest_run(mask) >= ARREARS_MONTHS]

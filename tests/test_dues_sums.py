"""The set-based dues sums (`dues.sums`: the roll-up page, the arrears list and the metric `dues_on_time`) give
exactly what the month-by-month ledger gives (`dues.reference`), fen for fen, on records with gaps, late payments,
payments dated after the cut-off, reductions and exemptions (overlapping too), members who join mid-year, move to
another branch mid-year or have no base, and bases and categories that change on the way."""

import datetime
import random
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.dues import reference, sums
from dangjian.dues.choices import DuesCategory as C
from dangjian.dues.choices import ReliefKind
from dangjian.dues.ledger import Ledger, Totals, add_months, month_start, months_between, year_months
from dangjian.dues.metrics import dues_detail, dues_on_time, share
from dangjian.dues.models import DuesBase
from dangjian.dues.rollup import ARREARS_WINDOW, rollup
from dangjian.dues.rules import RULES, monthly_due
from dangjian.dues.services import record_payment, record_relief, set_base
from dangjian.members.models import Member
from dangjian.members.services import transfer_member
from dangjian.orgs.choices import Level, OrgKind

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 8, 20, 2, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 8, 20)
ASOF = [TODAY, datetime.date(2026, 7, 31), datetime.date(2026, 6, 30), datetime.date(2026, 2, 27),
        datetime.date(2025, 12, 31), datetime.date(2025, 9, 15)]  # fmt: skip
BASES = [0, 1, 2999_99, 3000_00, 3000_01, 4999_99, 5000_00, 5000_01, 10000_00, 10000_01, 12345_67, 800_005]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _base(rng, member, month):
    category = rng.choice(list(RULES))
    fixed = rng.choice((None, 20, 55, 100)) if category == C.FARMER else None
    base = rng.choice(BASES) if RULES[category].uses_base else None
    set_base(member, actor=None, category=category, effective_from=month, base_fen=base, fixed_fen=fixed)


@pytest.fixture
def books(region):
    """Twenty members over four branches and a 党小组, two years of records drawn from a fixed seed."""
    rng = random.Random(20260820)
    group = make_org(region.village, "第一党小组", "T-GROUP", OrgKind.GROUP, Level.VILLAGE)
    holders = [region.village, region.birch, region.south_village, group]
    months = months_between(datetime.date(2025, 1, 1), datetime.date(2026, 8, 1))
    for seq in range(10, 30):
        join = rng.choice([datetime.date(2005, 7, 1)] * 4 + [datetime.date(2025, 3, 15), datetime.date(2026, 4, 1),
                                                              datetime.date(2025, 11, 30)])  # fmt: skip
        member = make_member(rng.choice(holders), f"党员{seq}", seq, join_date=join)
        if rng.random() < 0.15:
            continue  # no base on record at all
        first = rng.choice([months[0], months[0], months[4], months[13]])
        _base(rng, member, first)
        for month in rng.sample(months[1:], rng.choice((0, 0, 1, 2))):
            if month > first:
                _base(rng, member, month)
        if rng.random() < 0.3:
            start = rng.choice(months[:15])
            kind = rng.choice(list(ReliefKind))
            for _ in range(rng.choice((1, 1, 2))):  # a second one overlapping the first
                record_relief(
                    member, actor=None, kind=kind, start=start, end=add_months(start, rng.randint(0, 8)),
                    reason="生活困难", approved_by=region.town if member.org.path.startswith(region.town.path)
                    else region.south, approver="书记", approved_on=start,
                    monthly_fen=rng.choice((10, 500, 2000)) if kind == ReliefKind.REDUCE else 0,
                )  # fmt: skip
                kind, start = ReliefKind.REDUCE, add_months(start, rng.randint(0, 4))
        stop = rng.choice((None, None, None, rng.randint(3, 18)))  # stops paying: arrears
        for i, month in enumerate(months):
            if (stop is not None and i >= stop) or rng.random() < 0.12:
                continue
            end = add_months(month, 1) - datetime.timedelta(days=1)
            paid_on = min(month.replace(day=rng.randint(1, 28)), TODAY)
            if rng.random() < 0.25:  # late, sometimes after a cut-off, never after today
                paid_on = min(end + datetime.timedelta(days=rng.randint(1, 120)), TODAY)
            amount = rng.choice((None, None, 3333))
            try:
                record_payment(member, actor=None, month=month, amount_fen=amount, paid_on=paid_on)
            except ValidationError:
                record_payment(member, actor=None, month=month, amount_fen=1234, paid_on=paid_on)  # no base yet
    for member in rng.sample(list(Member.objects.select_related("org")), 6):  # moves mid-year, months follow
        to = rng.choice([h for h in holders if h.pk != member.org_id])
        transfer_member(member, to, actor=None, date=datetime.date(2026, 5, 10), reason="工作调动")
    return region


def _rows(result):
    children = [(r["org"] and r["org"].code, r["members"], r["totals"], r["arrears"]) for r in result["children"]]
    return result["months"], result["total"], children, result["members"], result["arrears"]


def test_the_rollup_equals_the_ledger_for_every_organization_year_and_day(books):
    for org in (books.city, books.north, books.town, books.village, books.south):
        members = Member.objects.in_subtree(org).select_related("org")
        for asof in ASOF:
            for year in (2025, 2026):
                if year > asof.year:
                    continue
                fast, slow = rollup(org, members, year, asof), reference.rollup(org, members, year, asof)
                assert _rows(fast) == _rows(slow), (org.code, asof, year)
    assert rollup(books.city, Member.objects.all(), 2026, TODAY)["total"].due_fen > 0


def test_the_sums_per_organization_equal_the_ledger(books):
    members = Member.objects.all()
    for asof in ASOF:
        fast = sums.totals(members, year_months(asof.year), asof, by=("org",))
        slow = {}
        for book in reference.books("", asof, asof.year):
            total = slow.setdefault((book.member.org.path,), type(book.totals())())
            total.merge(book.totals())
        assert fast == {k: t for k, t in slow.items() if t.due_months or t.paid_months or t.exempt_months
                        or t.no_base_months or t.unpaid_months}  # fmt: skip


def test_the_metric_and_its_explanation_equal_the_ledger(books):
    orgs = [books.city, books.north, books.town, books.village, books.birch, books.south, books.south_village]
    people = [SimpleNamespace(id=i, path=o.path) for i, o in enumerate(orgs)]
    for asof in ASOF:
        slow = reference.participant_totals(people, "", asof, asof.year)
        assert dues_on_time(people, asof, asof.year) == {pid: share(t) for pid, t in slow.items()}
        assert dues_on_time(people[3:5], asof, asof.year) == {pid: share(slow[pid]) for pid in (3, 4)}
        for person in people:
            total, short = reference.short_members(person, asof, asof.year)
            lines = dues_detail(person, asof, asof.year)
            assert f"应缴 {total.due_months} 人月，当月按时缴纳 {total.on_time_months} 人月" in lines[0]
            named = "；".join(f"{name}（{'、'.join(f'{m}月' for m in months)}）" for name, months in short[:8])
            assert (lines[-1] == "未按时缴纳：" + named + (f"等 {len(short)} 人" if len(short) > 8 else "")) == bool(
                short
            )


def test_the_members_in_arrears_are_those_of_the_ledger(books):
    members = Member.objects.select_related("org")
    found_any = False
    for asof in ASOF:
        window = months_between(add_months(month_start(asof), -ARREARS_WINDOW + 1), month_start(asof))
        slow = sorted(
            (b.member.pk, b.member.org.path) for b in Ledger(members, window[0], asof, asof) if b.arrears() is not None
        )
        fast = sorted(sums.in_arrears(members, window, asof))
        assert fast == slow, asof
        found_any = found_any or bool(fast)
    assert found_any


def test_the_due_in_sql_is_the_rules_due_for_every_bracket_edge(region):
    member = Member.objects.get(name="王春生")
    month, expected = datetime.date(2010, 1, 1), {}
    cases = [(c, b, None) for c in RULES for b in [*BASES, 1_000_000_000]] + [(C.FARMER, 0, f) for f in (20, 77, 100)]
    for category, base, fixed in cases:
        if category == C.FARMER and fixed is None:
            fixed = None
        set_base(member, actor=None, category=category, effective_from=month, base_fen=base, fixed_fen=fixed)
        stored = DuesBase.objects.get(member=member, effective_from=month)
        expected[month] = monthly_due(stored.category, stored.base_fen, stored.fixed_fen).fen
        month = add_months(month, 1)
    got = dict(
        DuesBase.objects.filter(member=member).annotate(due=sums.due_expression()).values_list("effective_from", "due")
    )
    assert got == expected


def _until(member):
    return list(DuesBase.objects.filter(member=member).order_by("effective_from").values_list(
        "effective_from", "effective_until"))  # fmt: skip


def test_bases_changed_mid_month_mid_year_and_out_of_order_are_found_as_the_ledger_finds_them(region):
    wang, li = Member.objects.get(name="王春生"), Member.objects.get(name="李秋实")
    d = datetime.date
    set_base(wang, actor=None, category=C.EMPLOYED, effective_from=d(2025, 11, 1), base_fen=3000_00)
    set_base(wang, actor=None, category=C.EMPLOYED, effective_from=d(2026, 6, 17), base_fen=12000_00)  # mid-month
    assert _until(wang) == [(d(2025, 11, 1), d(2026, 6, 1)), (d(2026, 6, 1), None)]
    set_base(wang, actor=None, category=C.RETIRED, effective_from=d(2026, 3, 31), base_fen=5000_01)  # splits a range
    set_base(wang, actor=None, category=C.STUDENT, effective_from=d(2025, 8, 9))  # before the first one
    set_base(wang, actor=None, category=C.EMPLOYED, effective_from=d(2026, 1, 1), base_fen=1)  # at New Year
    set_base(wang, actor=None, category=C.EMPLOYED, effective_from=d(2026, 6, 2), base_fen=9999_99)  # corrects June
    firsts = [d(2025, 8, 1), d(2025, 11, 1), d(2026, 1, 1), d(2026, 3, 1), d(2026, 6, 1)]
    assert _until(wang) == list(zip(firsts, [*firsts[1:], None], strict=True))
    set_base(li, actor=None, category=C.FARMER, effective_from=d(2026, 4, 30), fixed_fen=55)
    set_base(li, actor=None, category=C.FARMER, effective_from=d(2026, 7, 5), fixed_fen=100)
    for month in months_between(d(2025, 8, 1), d(2026, 7, 1)):
        for who in (wang, li):
            if month.month % 3:  # every third month unpaid; odd months paid late
                paid_on = month.replace(day=10) if month.month % 2 == 0 else add_months(month, 1).replace(day=15)
                amount = None if who == wang else 3333  # 李秋实 has no base before April 2026
                record_payment(who, actor=None, month=month, amount_fen=amount, paid_on=min(paid_on, TODAY))
    members = Member.objects.filter(pk__in=[wang.pk, li.pk]).select_related("org")
    ledger = Ledger(members, d(2025, 1, 1), d(2026, 12, 1), TODAY)
    assert ledger.cell(wang, d(2026, 2, 1)).due_fen == monthly_due(C.EMPLOYED, 1, None).fen
    assert ledger.cell(wang, d(2026, 5, 1)).due_fen == monthly_due(C.RETIRED, 5000_01, None).fen
    assert ledger.cell(wang, d(2026, 7, 1)).due_fen == monthly_due(C.EMPLOYED, 9999_99, None).fen
    assert ledger.cell(li, d(2026, 4, 1)).due_fen == 55 and ledger.cell(li, d(2026, 7, 1)).due_fen == 100
    nothing = Totals()
    for asof in ASOF:
        for year in (2025, 2026):
            if year > asof.year:
                continue
            fast = sums.totals(members, year_months(year), asof, by=("member", "month"))
            slow = {}
            for book in Ledger(members, d(year, 1, 1), d(year, 12, 1), asof):
                for cell in book.cells:
                    slow.setdefault((book.member.pk, cell.month.year * 100 + cell.month.month), Totals()).add(cell)
            assert {k: t for k, t in fast.items() if t != nothing} == {k: t for k, t in slow.items() if t != nothing}
            assert any(t.due_months for t in fast.values()) or year == 2025 and asof.year == 2025, (asof, year)

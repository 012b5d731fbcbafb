"""Meeting completion kept on write: what each branch must hold and has held, in the organizations' roll-ups
(`orgs.OrgTally`, subtree totals along the ancestor path), so a county's or the root's completion is a read of a few
rows, however many branches lie below.

What can be kept and what cannot. Completion (`completion.py`, counted with `frequency.tally`) depends on the as-of
day: a period is required once it has ended, and today moves. So the roll-up does not keep "required"; it keeps
what required is computed from, and what held is. Every branch is counted by the rules in force for it (the
catalog's, or the nearest regional override above it: `frequency.RulesAt`), so each key names the kind of meeting
and the period the branch's rule has, and branches held to a 党课 a quarter and branches held to one a month add to
different keys of the same county:

- per branch, `meet:branches` 1, and per rule that binds it the meeting units it binds
  (`meet:units:<kind>:<period>`: 1, or 1 if it has a committee, or its 党小组), and the same again under the month it
  was established (`meet:est:YYYYMM:<kind>:<period>`), because periods that ended before that month are not required
  of it; a rule turned off for the branch adds nothing;
- per branch, year, kind and period, the meetings that count (`meet:held:YYYY:<kind>:<period>:<n>`, n the month, the
  quarter, or 1 for the year): `tally`'s held of the period, capped at what it requires (one meeting, or one per
  党小组), and only for periods from the establishment on. Meetings are never dated after the day they are recorded,
  so held does not move with the as-of day; it is kept by period because a period still running requires what it
  has held.

Required at a day is then set-based (`figures`): for each kind and period, the units times the periods of the year
that have ended by that day (counted by `tally` on a unit of size one), less, for the units established during the
year, the periods before their month, plus what was held in the periods still running; a kind's figure sums its
periods. One case differs: a branch whose establishment date lies after the year asked about is counted as due for
the whole year (only that year's months are read), where the records owe it nothing; `rollups --check` does not see
it, as it compares the kept counts.

Who keeps it: `services.record_meeting` and `delete_meeting` (the branch's counts before and after, by one Book, in
their transaction), the organization services through `orgs.tally`'s providers (a branch's committee, 党小组,
establishment or kind changed, a 党小组 created, moved or deleted, a subtree moved: the subtree's totals move with
it), and the rulebook's overrides (`follow_rules`, handed to `rulebook.services`): when a region sets, changes or
withdraws an override of a meeting rule, the branches of its subtree whose rule of that kind changed are recounted
for that kind, old rules against new, in the override's transaction. `dangjian rollups --check|--rebuild` recounts
everything with the rest.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from dangjian.orgs import tally as org_tally
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization, OrgTally
from dangjian.rulebook.book import Book
from dangjian.rulebook.models import Rule
from dangjian.rulebook.services import follow_overrides

from .completion import Held, held_by_year, units_of, units_under
from .frequency import BRANCH, PERIOD_WORDS, RULES, Count, Frequency, RulesAt, Unit, periods, tally

BRANCHES = "meet:branches"
UNITS = "meet:units:"
HELD = "meet:held:"
EST = "meet:est:"
KIND_OF_RULE = {key: kind for kind, key, _ in RULES}


def units_key(kind: str, period: str) -> str:
    return f"{UNITS}{kind}:{period}"


def held_key(year: int, kind: str, period: str, number: int) -> str:
    """The key of a kind's meetings held in one period of a year (the month, the quarter, or 1 for the year)."""
    return f"{HELD}{year}:{kind}:{period}:{number}"


def est_key(year: int, month: int, kind: str, period: str) -> str:
    return f"{EST}{year:04d}{month:02d}:{kind}:{period}"


@functools.lru_cache(maxsize=256)
def period_numbers(period: str, year: int) -> dict[str, int]:
    """The periods of the year by their label, numbered from 1."""
    return {label: n for n, (label, *_rest) in enumerate(periods(period, year), start=1)}


def keys_of(unit: Unit, held: dict[int, Held], rules: Iterable[Frequency]) -> Counter:
    """What one branch adds to the roll-ups under `rules` (the rules in force for it): its units, under its
    establishment month too, and its held meetings of every year (from `held`: year → the months held, as
    `completion.held_by_year` reads them)."""
    out = Counter({BRANCHES: 1})
    rules = list(rules)
    for rule in rules:
        size = unit.size(rule)
        if size:
            out[units_key(rule.kind, rule.period)] += size
            if unit.established is not None:
                out[est_key(unit.established.year, unit.established.month, rule.kind, rule.period)] += size
    for year, months_held in held.items():
        year_end = datetime.date(year, 12, 31)
        for rule in rules:
            months = months_held.get((unit.org_id, rule.kind))
            if months:
                numbers = period_numbers(rule.period, year)
                for slot in tally(unit, rule, months, year, year_end):
                    if slot.held:
                        out[held_key(year, rule.kind, rule.period, numbers[slot.label])] += slot.held
    return out


def own(org_ids: list[int], book: Book | None = None) -> dict[int, Counter]:
    """The branches among `org_ids` and what each adds, by the rules in force for each (five queries; three when
    the caller hands the Book in)."""
    units = units_of(org_ids)
    if not units:
        return {}
    held = held_by_year([unit.org_id for unit in units])
    rules = RulesAt(book or Book.load())
    return {unit.org_id: keys_of(unit, held, rules.at(unit).values()) for unit in units}


def own_all() -> dict[int, Counter]:
    """Every branch and what it adds, for the recount."""
    held = held_by_year(None)
    rules = RulesAt(Book.load())
    return {unit.org_id: keys_of(unit, held, rules.at(unit).values()) for unit in units_of(None)}


def register() -> None:
    """Hand the organizations' roll-ups these counts, and the rulebook the recount of an override's subtree (from
    `PartylifeConfig.ready()`)."""
    org_tally.register(org_tally.Provider("meetings", own, own_all))
    follow_overrides("meetings", follow_rules)


@dataclass(frozen=True)
class Counted:
    """A branch's counts before a meeting write, and the rules they were counted by (counted again after by the
    same ones, so a rule changed meanwhile cannot leave half a difference behind)."""

    counts: dict[int, Counter]
    book: Book


def counted_before(org_id: int) -> Counted:
    """A branch's counts before a meeting write, its row locked first so that two writes to one branch (or a meeting
    and a rulebook override above it, which locks its subtree's branches first) count in turn."""
    list(Organization.objects.select_for_update().filter(pk=org_id).values_list("pk"))
    book = Book.load()
    return Counted(own([org_id], book), book)


def branch_changed(org: Organization, before: Counted) -> None:
    """After a meeting of `org` was written: the change of its counts, to it and its ancestors."""
    after = own([org.pk], before.book).get(org.pk, Counter())
    org_tally.apply(org.path, org_tally.difference(after, before.counts.get(org.pk, Counter())))


# ------------------------------------------------------------------------------------- the rulebook's overrides


def rules_changed(org: Organization, kinds: set[str], before: Book, after: Book) -> int:
    """Recount `kinds` for the branches at or below `org` whose rule of one of them differs between the two Books
    (its period, or whether it binds them): each one's counts by the old rules are taken from it and its ancestors
    and its counts by the new ones added, in one upsert of the differences. Returns the branches recounted."""

    def periods_of(found: dict[str, Frequency]) -> tuple:
        return tuple(found[kind].period if kind in found else None for kind in sorted(kinds))

    old_at, new_at = RulesAt(before), RulesAt(after)
    changed = [unit for unit in units_under([org.path]) if periods_of(old_at.at(unit)) != periods_of(new_at.at(unit))]
    if not changed:
        return 0
    held = held_by_year(None, prefix=org.path, kinds=kinds)
    changes = []
    for unit in changed:
        old = keys_of(unit, held, [rule for kind, rule in old_at.at(unit).items() if kind in kinds])
        new = keys_of(unit, held, [rule for kind, rule in new_at.at(unit).items() if kind in kinds])
        changes.append((unit.path, org_tally.difference(new, old)))
    org_tally.apply_many(changes)
    return len(changed)


def follow_rules(rule: Rule, org: Organization) -> Callable[[], None] | None:
    """Handed to `rulebook.services`: called before an override of `rule` at `org` is written (the rule's row
    locked), it locks the subtree's branches, in one order, so that meetings written to them meanwhile count in
    turn, and keeps the rules as they stood; it returns what recounts after the write. Nothing for a rule that is not
    a meeting rule."""
    kind = KIND_OF_RULE.get(rule.key)
    if kind is None:
        return None
    branches = Organization.objects.in_subtree(org).filter(kind__in=BRANCH_KINDS)
    list(branches.select_for_update().order_by("pk").values_list("pk"))
    before = Book.load()
    return lambda: rules_changed(org, {kind}, before, Book.load())


# ------------------------------------------------------------------------------------------------------ reading


def year_keys(year: int) -> Q:
    """The roll-up rows the figures of `year` read."""
    return (
        Q(key=BRANCHES)
        | Q(key__startswith=UNITS)
        | Q(key__startswith=f"{HELD}{year}:")
        | Q(key__startswith=f"{EST}{year:04d}")
    )


def periods_due(period: str, year: int, asof: datetime.date, established: datetime.date | None) -> int:
    """Meetings required of one unit of size one in `year` by `asof` under a rule of `period` (the periods that
    have ended)."""
    unit = Unit(0, "", "", True, 1, established)
    rule = Frequency("", period, BRANCH, "", "")
    return sum(slot.need for slot in tally(unit, rule, {}, year, asof))


@dataclass
class Completion:
    """Required and held meetings of a subtree in a year, by kind, as of a day; and its branches."""

    units: int = 0
    kinds: dict[str, Count] = field(default_factory=dict)

    @property
    def total(self) -> Count:
        return Count(sum(c.need for c in self.kinds.values()), sum(c.held for c in self.kinds.values()))

    @property
    def rate(self) -> float | None:
        total = self.total
        return round(100 * total.held / total.need, 1) if total.need else None


@dataclass(frozen=True)
class Plan:
    """What a year's figures need of the periods, the same for every subtree: per period (month, quarter, year), the
    periods due by the as-of day of a unit of size one (`full`), of one established in each month of the year
    (`after`), and the periods."""

    full: dict[str, int]
    after: dict[tuple[str, int], int]
    periods: dict[str, list]


def plan_for(year: int, asof: datetime.date) -> Plan:
    return Plan(
        full={period: periods_due(period, year, asof, None) for period in PERIOD_WORDS},
        after={
            (period, month): periods_due(period, year, asof, datetime.date(year, month, 1))
            for period in PERIOD_WORDS
            for month in range(1, 13)
        },
        periods={period: list(periods(period, year)) for period in PERIOD_WORDS},
    )


def figures(counts: Counter, year: int, asof: datetime.date, plan: Plan | None = None) -> Completion:
    """A subtree's completion from its roll-up rows (`counts`: key → n, the rows of `year_keys(year)`); `plan`: the
    periods worked out once for many subtrees. Every kind of meeting has a figure, (0, 0) where nothing binds."""
    plan = plan or plan_for(year, asof)
    out = Completion(units=counts.get(BRANCHES, 0), kinds={kind: Count() for kind, _, _ in RULES})
    units: Counter = Counter()
    established: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    held: Counter = Counter()
    for key, n in counts.items():
        if not n:
            continue
        if key.startswith(UNITS):
            kind, period = key.removeprefix(UNITS).split(":")
            units[(kind, period)] += n
        elif key.startswith(EST):
            stamp, kind, period = key.removeprefix(EST).split(":")
            if int(stamp[:4]) == year:
                established[(kind, period)].append((int(stamp[4:]), n))
        elif key.startswith(HELD):
            key_year, kind, period, number = key.removeprefix(HELD).split(":")
            if int(key_year) == year:
                held[(kind, period, int(number))] += n
    for kind, period in sorted(set(units) | {(kind, period) for kind, period, _ in held}):
        if period not in PERIOD_WORDS:
            continue
        full = plan.full[period]
        need = units[(kind, period)] * full
        for month, n in established[(kind, period)]:
            need -= n * (full - plan.after[(period, month)])
        got_total = 0
        for number, (_label, _quarter, start, end, _months) in enumerate(plan.periods[period], start=1):
            got = held[(kind, period, number)]
            got_total += got
            if start <= asof < end:
                need += got  # a period still running requires what it has held so far (`frequency.tally`)
        count = out.kinds.setdefault(kind, Count())
        count.need += need
        count.held += got_total
    return out


def completion_of(org_ids: Iterable[int], year: int, asof: datetime.date) -> dict[int, Completion]:
    """The completion of each organization's subtree (one query of their roll-up rows)."""
    ids = list(org_ids)
    counts: dict[int, Counter] = {pk: Counter() for pk in ids}
    rows = OrgTally.objects.filter(year_keys(year), org_id__in=ids).values_list("org_id", "key", "n")
    for org_id, key, n in rows:
        counts[org_id][key] += n
    plan = plan_for(year, asof)
    return {pk: figures(c, year, asof, plan) for pk, c in counts.items()}

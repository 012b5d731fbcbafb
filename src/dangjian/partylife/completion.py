"""Held against required, read from the records: one branch's table by quarter, the roll-up of a town or county,
and the counts the assessment's metrics take. A few queries for any number of organizations: the branches of a
subtree, their 党小组, and the months in which each held each kind of meeting; the counting is `frequency.tally`.
Which meetings are due, and how often, is the rulebook's as it stands for each branch (`frequency.RulesAt`): the
caller loads the `Book` once (two queries) for the whole page or computation.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count as Rows
from django.db.models.functions import ExtractMonth, ExtractYear

from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.rulebook.book import Book, current_book

from .choices import MeetingKind
from .frequency import RULES, Count, Frequency, RulesAt, Slot, Unit, tally
from .models import Meeting

Held = dict[tuple[int, str], dict[int, int]]  # (organization, kind) → month → meetings held (per meeting unit)


def common_prefix(paths: Iterable[str]) -> str:
    """The longest path every one of `paths` lies under ("" for none in common)."""
    paths = list(paths)
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[: n - n % PATH_STEP]


def under(queryset, prefix: str):
    """The rows of a scoped queryset at or below `prefix`; all of them when the paths asked about share no prefix
    (participants in two trees), where `in_subtree("")` would give none."""
    return queryset.in_subtree(prefix) if prefix else queryset


def units_under(paths: Iterable[str]) -> list[Unit]:
    """The branches at or below any of `paths`, with their committees and 党小组 (two queries)."""
    wanted = set(paths)
    if not wanted:
        return []
    prefix = common_prefix(wanted)
    groups = dict(
        under(Organization.objects, prefix)
        .filter(kind=OrgKind.GROUP)
        .order_by()
        .values("parent_id")
        .annotate(n=Rows("id"))
        .values_list("parent_id", "n")
    )
    rows = (
        under(Organization.objects, prefix)
        .filter(kind__in=BRANCH_KINDS)
        .order_by("path")
        .values_list("id", "path", "name", "committee_seats", "established", "domain")
    )
    units = []
    for org_id, path, name, seats, established, domain in rows.iterator(chunk_size=10000):
        if any(path[:k] in wanted for k in range(PATH_STEP, len(path) + 1, PATH_STEP)):
            units.append(Unit(org_id, path, name, seats > 0, groups.get(org_id, 0), established, domain))
    return units


def units_of(org_ids: Iterable[int] | None) -> list[Unit]:
    """The branches among `org_ids` (every branch when None), with their committees and 党小组 (two queries)."""
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    groups = Organization.objects.filter(kind=OrgKind.GROUP)
    if org_ids is not None:
        org_ids = list(org_ids)
        branches, groups = branches.filter(pk__in=org_ids), groups.filter(parent_id__in=org_ids)
    counts = dict(groups.order_by().values("parent_id").annotate(n=Rows("id")).values_list("parent_id", "n"))
    rows = branches.order_by("path").values_list("id", "path", "name", "committee_seats", "established", "domain")
    return [
        Unit(org_id, path, name, seats > 0, counts.get(org_id, 0), established, domain)
        for org_id, path, name, seats, established, domain in rows.iterator(chunk_size=10000)
    ]


def count_held(held: Held, org_id: int, kind: str, month: int, group_id: int | None) -> None:
    """One (organization, kind, month, group) in which a meeting was held: a month of the kind, or of one 党小组."""
    if kind == MeetingKind.GROUP and group_id is None:
        return  # a 党小组会 names its group; one without counts for no group's month
    held[(org_id, kind)][month] += 1


def held_by_year(
    org_ids: Iterable[int] | None, *, prefix: str = "", kinds: Iterable[str] | None = None
) -> dict[int, Held]:
    """`held_months` of every year at once, for the branches among `org_ids` (every branch when None), or at or
    below `prefix`, of `kinds` (every kind when None): one query. Meetings are never dated after the day they are
    recorded (`services._check_meeting`), so every one counts."""
    meetings = under(Meeting.objects, prefix).filter(org__kind__in=BRANCH_KINDS)
    if org_ids is not None:
        meetings = meetings.filter(org_id__in=list(org_ids))
    if kinds is not None:
        meetings = meetings.filter(kind__in=list(kinds))
    rows = (
        meetings.annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .order_by()
        .values_list("org_id", "kind", "year", "month", "group_id")
        .distinct()
    )
    out: dict[int, Held] = defaultdict(lambda: defaultdict(Counter))
    for org_id, kind, year, month, group_id in rows.iterator(chunk_size=10000):
        count_held(out[year], org_id, kind, month, group_id)
    return out


def held_months(prefix: str, year: int, asof: datetime.date) -> Held:
    """For the branches under `prefix`: the months of `year` up to `asof` in which each held each kind, counting a
    党小组会 once per 党小组 (one query, a row per organization, kind, month and group)."""
    last = min(asof, datetime.date(year, 12, 31))
    rows = (
        under(Meeting.objects, prefix)
        .filter(
            org__kind__in=BRANCH_KINDS,
            date__gte=datetime.date(year, 1, 1),
            date__lte=last,
        )
        .annotate(month=ExtractMonth("date"))
        .order_by()
        .values_list("org_id", "kind", "month", "group_id")
        .distinct()
    )
    held: Held = defaultdict(Counter)
    for org_id, kind, month, group_id in rows.iterator(chunk_size=10000):
        count_held(held, org_id, kind, month, group_id)
    return held


def slots_of(unit: Unit, rule: Frequency | None, held: Held, year: int, asof: datetime.date) -> list[Slot]:
    """The slots of one rule for one unit; nothing where the rule is turned off for the unit (`rule` None)."""
    if rule is None:
        return []
    return tally(unit, rule, held.get((unit.org_id, rule.kind), {}), year, asof)


@dataclass
class KindRow:
    """One kind of meeting of one organization (or summed over a subtree) in one year."""

    rule: Frequency
    quarters: list[Count] = field(default_factory=lambda: [Count() for _ in range(4)])
    year: Count = field(default_factory=Count)
    missing: list[str] = field(default_factory=list)  # "5月" for one branch; "青松村党支部 5月" summed

    def add(self, slots: list[Slot], who: str = "") -> None:
        for slot in slots:
            self.year.add([slot])
            if slot.quarter:
                self.quarters[slot.quarter - 1].add([slot])
            if slot.missing:
                self.missing.append(f"{who} {slot.label}".strip())


def table(
    units: list[Unit],
    held: Held,
    year: int,
    asof: datetime.date,
    *,
    named: bool = False,
    rules: RulesAt | None = None,
    org=None,
) -> list[KindRow]:
    """Per kind, quarters and year summed over `units`, each unit counted by the rules in force for it; missing
    periods (named by branch when `named`). A row's rule is the one in force at `org` (the page's organization),
    else at the first unit it binds; a kind bound nowhere has no row."""
    rules = rules or RulesAt(current_book())
    here = rules.at(org) if org is not None else {}
    at = [rules.at(unit) for unit in units]
    out = []
    for kind, _, _ in RULES:
        rule = here.get(kind) or next((found[kind] for found in at if kind in found), None)
        if rule is None:
            continue
        row = KindRow(rule)
        for unit, found in zip(units, at, strict=True):
            row.add(slots_of(unit, found.get(kind), held, year, asof), unit.name if named else "")
        out.append(row)
    return out


def branch_table(
    org: Organization, year: int, asof: datetime.date, book: Book | None = None, read: Read | None = None
) -> list[KindRow]:
    """One organization's table: its own if it is a branch, else its branches' summed, the missing ones named.
    `read`: its branches and held months when the caller has read them already (`read_under`)."""
    units, held = read or read_under(org, year, asof)
    rules = RulesAt(book or Book.load())
    return table(units, held, year, asof, named=org.kind not in BRANCH_KINDS, rules=rules, org=org)


Read = tuple[list[Unit], Held]


def read_under(org: Organization, year: int, asof: datetime.date) -> Read:
    """The branches at or below `org` and the months they held meetings in (three queries), read once for a page
    that shows both the organization's table and its roll-up."""
    return units_under([org.path]), held_months(org.path, year, asof)


@dataclass
class RollupRow:
    """A child organization of the roll-up (a town of a county, a branch of a town): its branches' counts by kind."""

    org: Organization
    units: int = 0
    short: int = 0  # branches with at least one missing meeting
    kinds: dict[str, Count] = field(default_factory=dict)

    def total(self) -> Count:
        return Count(sum(c.need for c in self.kinds.values()), sum(c.held for c in self.kinds.values()))


def rollup(
    org: Organization, year: int, asof: datetime.date, book: Book | None = None, read: Read | None = None
) -> list[RollupRow]:
    """The roll-up under `org`: one row per child organization, summing the branches of its subtree, each by the
    rules in force for it (`read` as for `branch_table`)."""
    children = list(Organization.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("path"))
    units, held = read or read_under(org, year, asof)
    rows = {child.path: RollupRow(child) for child in children}
    rules_at = RulesAt(book or Book.load())
    for unit in units:
        row = rows.get(unit.path[: len(org.path) + PATH_STEP])
        if row is None:
            continue  # the organization itself is a branch: its own table says it
        row.units += 1
        short = False
        for rule in rules_at.at(unit).values():
            slots = slots_of(unit, rule, held, year, asof)
            row.kinds.setdefault(rule.kind, Count()).add(slots)
            short = short or any(slot.missing for slot in slots)
        row.short += short
    return [row for row in rows.values() if row.units]


def _founded_in(unit: Unit, year: int) -> datetime.date | None:
    """The founding date as far as `tally` can tell it apart: none for a branch founded by New Year's Day, before
    which no period of the year ends."""
    established = unit.established
    return established if established is not None and established > datetime.date(year, 1, 1) else None


def counts_for(
    paths: dict[int, str], kinds: Iterable[str], year: int, asof: datetime.date, rules: RulesAt | None = None
) -> tuple[dict[int, Count], list[Unit], Held]:
    """Required and held meetings of `kinds` summed over the branches at or below each path of `paths` (keyed by
    whatever the caller keys them by: participants), each branch by the rules in force for it, with the units and
    held months read, for explanations."""
    units = units_under(paths.values())
    held = held_months(common_prefix(paths.values()), year, asof) if units else {}
    rules = rules or RulesAt(current_book())
    wanted = set(kinds)
    alike: dict[tuple, Count] = {}
    per_unit: dict[str, Count] = {}
    for unit in units:
        count = Count()
        for kind, rule in rules.at(unit).items():
            if kind in wanted:
                got = held.get((unit.org_id, kind))
                # Branches alike in what `tally` reads count alike: tallied once per kind of branch, not per branch
                # (most of a region's branches, with the same rule, no 党小组 and founded before the year).
                key = (id(rule), unit.size(rule), _founded_in(unit, year), tuple(sorted(got.items())) if got else ())
                same = alike.get(key)
                if same is None:
                    same = alike[key] = Count().add(slots_of(unit, rule, held, year, asof))
                count.need += same.need
                count.held += same.held
        per_unit[unit.path] = count
    by_path: dict[str, list[int]] = defaultdict(list)
    for key, path in paths.items():
        by_path[path].append(key)
    out = {key: Count() for key in paths}
    for unit in units:
        count = per_unit[unit.path]
        for k in range(PATH_STEP, len(unit.path) + 1, PATH_STEP):
            for key in by_path.get(unit.path[:k], ()):
                out[key].need += count.need
                out[key].held += count.held
    return out, units, held

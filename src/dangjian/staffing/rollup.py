"""Counting party staff: per unit against 机关条例 第三十条 (full-time party staff 1%–2% of the unit's staff), their
ages (shares aged 40+ and 46+, as in [000]'s table 2), the 专职副书记 on the committee and the 机关纪委 or 纪检委员;
rolled up per vertical system and per county. And the 条/块 view: the "half-detached" county bureaus of [000]
(半脱节: still affiliated to the local committee while their system has a 机关党委), with proposed re-affiliations.

The values and sources come from the rulebook (`agency.staff_ratio`, `agency.discipline`, `agency.fulltime_deputy`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from dangjian.orgs.choices import LEADING_KINDS, OrgKind, Post, SystemTier
from dangjian.orgs.models import CommitteePost, Organization
from dangjian.rulebook.book import Book

from .models import PartyWorker

AGE_LINES = (40, 46)  # [000] 表2: 40岁以上的占69%，46岁以上的占38.5%


@dataclass
class UnitRow:
    """One unit: its staff, its full-time party staff and their ratio, their ages, the deputy and discipline."""

    org: Organization
    staff_total: int
    fulltime: int
    parttime: int
    ages: list[int]  # ages of the full-time party staff with a birth date
    fulltime_deputy: bool
    discipline: bool
    low: float  # the rule's bounds, in percent, as they stand for the unit
    high: float
    warnings: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.fulltime / self.staff_total if self.staff_total else None

    @property
    def below(self) -> bool:
        return self.ratio is not None and self.ratio * 100 < self.low

    def aged(self, line: int) -> int:
        return sum(1 for age in self.ages if age >= line)

    @property
    def ratio_text(self) -> str:
        return ratio_percent(self.ratio)

    @property
    def aged_40(self) -> int:
        return self.aged(40)

    @property
    def aged_46(self) -> int:
        return self.aged(46)


@dataclass
class Rollup:
    """Totals over a set of units (a vertical system, a county)."""

    label: str
    units: int = 0
    staff_total: int = 0
    fulltime: int = 0
    without_fulltime: int = 0
    below: int = 0
    with_ages: int = 0
    aged: dict[int, int] = field(default_factory=lambda: dict.fromkeys(AGE_LINES, 0))

    def add(self, row: UnitRow) -> None:
        self.units += 1
        self.staff_total += row.staff_total
        self.fulltime += row.fulltime
        self.without_fulltime += row.fulltime == 0
        self.below += row.below
        self.with_ages += len(row.ages)
        for line in AGE_LINES:
            self.aged[line] += row.aged(line)

    @property
    def ratio(self) -> float | None:
        return self.fulltime / self.staff_total if self.staff_total else None

    def share_aged(self, line: int) -> float | None:
        return self.aged[line] / self.with_ages if self.with_ages else None

    @property
    def share_without(self) -> float | None:
        return self.without_fulltime / self.units if self.units else None

    @property
    def ratio_text(self) -> str:
        return ratio_percent(self.ratio)

    @property
    def without_text(self) -> str:
        return percent(self.share_without)

    @property
    def aged_40_count(self) -> int:
        return self.aged[40]

    @property
    def aged_46_count(self) -> int:
        return self.aged[46]

    @property
    def aged_40_text(self) -> str:
        return percent(self.share_aged(40))

    @property
    def aged_46_text(self) -> str:
        return percent(self.share_aged(46))


def percent(share: float | None) -> str:
    """0.385 → "38.5%"; "—" when there is nothing to divide by."""
    return "—" if share is None else f"{share:.1%}"


def ratio_percent(share: float | None) -> str:
    """Staff ratios to two decimals, so 4 of 420 reads 0.95%, visibly under the 1% line."""
    return "—" if share is None else f"{share:.2%}"


def age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def agency_units(queryset):
    """The agency units among `queryset` (a scoped Organization queryset): agency organizations that are not leading
    bodies and either record their staff or have party workers registered."""
    from_workers = PartyWorker.objects.values("org_id")
    return (
        queryset.filter(domain="agency")
        .exclude(kind__in=LEADING_KINDS)
        .filter(Q(staff_total__gt=0) | Q(pk__in=from_workers))
        .select_related("system")
        .order_by("path")
    )


def unit_rows(orgs: list[Organization], today: datetime.date, book: Book) -> list[UnitRow]:
    """A row per unit, in three queries whatever their number (workers, posts; the book is the caller's)."""
    ids = [o.pk for o in orgs]
    ages: dict[int, list[int]] = defaultdict(list)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for org_id, full_time, birth in PartyWorker.objects.filter(org_id__in=ids).values_list(
        "org_id", "full_time", "birth_date"
    ):
        counts[org_id][0 if full_time else 1] += 1
        if full_time and birth:
            ages[org_id].append(age_on(birth, today))
    posts: dict[int, set[str]] = defaultdict(set)
    for org_id, post in CommitteePost.objects.filter(org_id__in=ids).values_list("org_id", "post"):
        posts[org_id].add(post)
    rows = []
    for org in orgs:
        rule = book.rule("agency.staff_ratio", org)
        low, high = rule.value
        full, part = counts.get(org.pk, (0, 0))
        row = UnitRow(
            org=org,
            staff_total=org.staff_total,
            fulltime=full,
            parttime=part,
            ages=ages.get(org.pk, []),
            fulltime_deputy=Post.FULLTIME_DEPUTY in posts[org.pk],
            discipline=org.has_discipline_committee or Post.DISCIPLINE in posts[org.pk],
            low=low,
            high=high,
        )
        if rule.binds(org.domain) and row.below:
            row.warnings.append(
                rule.cite(f"专职党务工作人员{full}人，占在编人数{row.ratio:.2%}，低于{low}%–{high}%的一般要求。")
            )
        if org.kind == OrgKind.COMMITTEE:
            discipline = book.applies("agency.discipline", org)
            if discipline and not row.discipline:
                row.warnings.append(discipline.cite("机关党委一般应设立机关纪委，或在党委中设纪检委员。"))
            deputy = book.applies("agency.fulltime_deputy", org)
            if deputy and not row.fulltime_deputy:
                row.warnings.append(deputy.cite("机关党委尚未配备专职副书记。"))
        rows.append(row)
    return rows


def rollups(rows: list[UnitRow], counties: dict[int, Organization]) -> tuple[list[Rollup], list[Rollup], Rollup]:
    """Per vertical system, per county (the unit's county among `counties`, by id on its path), and in all."""
    by_system: dict[str, Rollup] = {}
    by_county: dict[str, Rollup] = {}
    total = Rollup("合计")
    for row in rows:
        total.add(row)
        system = row.org.system.name if row.org.system_id else "（不属垂直管理系统）"
        by_system.setdefault(system, Rollup(system)).add(row)
        county = next((counties[i] for i in row.org.ancestor_ids() if i in counties), None)
        label = county.name if county else "（市直）"
        by_county.setdefault(label, Rollup(label)).add(row)
    return sorted(by_system.values(), key=lambda r: r.label), sorted(by_county.values(), key=lambda r: r.label), total


@dataclass
class HalfDetached:
    """A county bureau still affiliated to a local committee while its system has a 机关党委, and what to do."""

    bureau: Organization
    parent: Organization
    proposals: list[str]


def half_detached(units: list[Organization], parents: dict[int, Organization], work_committees) -> list[HalfDetached]:
    """[000] (2) 县区局层面，有部分处于半脱节状态: among a system's `units`, the county bureaus that are not a 机关党委
    and whose party relation sits with a local committee (not an 机关工委), found only when some unit of the system
    has a 机关党委 (so the system's own line exists). `parents`: the bureaus' parents by id; `work_committees`: the
    直属机关工委 by the id of the county committee above them."""
    if not any(u.kind == OrgKind.COMMITTEE for u in units):
        return []
    subs = defaultdict(list)
    for u in units:
        if u.system_tier == SystemTier.SUB_BUREAU and u.system_parent_id:
            subs[u.system_parent_id].append(u)
    found = []
    for u in units:
        if u.system_tier != SystemTier.COUNTY_BUREAU or u.kind == OrgKind.COMMITTEE:
            continue
        parent = parents.get(u.parent_id)
        if parent is None or parent.kind == OrgKind.AGENCY_WORK_COMMITTEE:
            continue
        # the nearest 机关工委: the county's own before the city's
        target = next((work_committees[i] for i in reversed(u.ancestor_ids()) if i in work_committees), None)
        proposals = []
        if target is not None:
            proposals.append(f"将“{u.name}”的党组织关系由“{parent.name}”转隶“{target.name}”")
        else:
            proposals.append(f"“{u.name}”所在县（区）尚无直属机关工委，宜报县委组织部研究归口")
        proposals.append(f"“{u.name}”党员达100人的，申请设立机关党委，统一归口管理下属分局党组织")
        for sub in subs.get(u.pk, []):
            if sub.parent_id != u.pk:
                proposals.append(f"将“{sub.name}”的党组织关系归口到“{u.name}”")
        found.append(HalfDetached(u, parent, proposals))
    return found

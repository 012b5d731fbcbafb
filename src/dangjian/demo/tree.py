"""An organization tree planned in memory and written in one go, with ids and paths computed up front.

Paths follow orgs.models.path_segment and orgs.services._assign_path, and every parent-child pair is
checked with orgs.rules.check_parent, so generated data obeys the same rules as data entered by hand.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from dangjian.orgs.choices import OrgKind, default_term_years
from dangjian.orgs.models import Organization, path_segment
from dangjian.orgs.rules import check_parent


def years_before(day: datetime.date, years: int, extra_days: int = 0) -> datetime.date:
    """`day` moved back by whole years (29 February becomes 28) and then by `extra_days`."""
    try:
        moved = day.replace(year=day.year - years)
    except ValueError:
        moved = day.replace(year=day.year - years, day=28)
    return moved - datetime.timedelta(days=extra_days)


class TreePlan:
    """Collects Organization rows with explicit ids; `add` validates the parent and fills path and depth."""

    def __init__(self, first_id: int, rng: random.Random, today: datetime.date) -> None:
        self.next_id = first_id
        self.rng = rng
        self.today = today
        self.orgs: list[Organization] = []
        self._codes: dict[str, int] = {}

    def code(self, area: str) -> str:
        """Codes run per area code (9901210000, 9901210001, ...), so children sort in creation order."""
        n = self._codes.get(area, 0)
        self._codes[area] = n + 1
        return f"{area}{n:04d}"

    def add(
        self,
        parent: Organization | None,
        *,
        name: str,
        kind: str,
        level: str,
        area: str,
        domain: str = "",
        overdue_share: float = 0.1,
        **fields,
    ) -> Organization:
        check_parent(kind, parent)
        pk = self.next_id
        self.next_id += 1
        path = (parent.path if parent is not None else "") + path_segment(pk)
        org = Organization(
            id=pk,
            parent=parent,
            name=name,
            code=self.code(area),
            kind=kind,
            level=level,
            domain=domain,
            path=path,
            depth=path.count(".") - 1,
            **fields,
        )
        self._fill_term(org, overdue_share)
        self.orgs.append(org)
        return org

    def _fill_term(self, org: Organization, overdue_share: float) -> None:
        rng = self.rng
        org.established = org.established or years_before(self.today, rng.randint(8, 60), rng.randint(0, 364))
        if org.kind == OrgKind.GROUP:
            return
        # The catalog's terms, not the rulebook's: the demo builds a fresh region in bulk with no overrides yet.
        org.term_years = org.term_years or default_term_years(org.kind, org.domain)
        if rng.random() < overdue_share:  # 换届 overdue by one month to a year and a half
            org.term_start = years_before(self.today, org.term_years, rng.randint(30, 540))
        else:
            org.term_start = years_before(self.today, rng.randint(0, org.term_years - 1), rng.randint(0, 300))
        org.term_start = max(org.term_start, org.established)

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low, high, 500))

"""Entry progress: how many of the indicators that need a person's input have one, per organization and per level.

Only given points and yes/no items need input; deductions, bonuses, penalties and vetoes are "nothing to report" until
someone records an occurrence, derived and survey items fill themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .models import Entry
from .scheme import Method, Scheme

NEEDS_INPUT = (Method.GIVEN, Method.YESNO)


@dataclass
class Progress:
    label: str
    code: str
    needed: int = 0
    done: int = 0
    organizations: int = 0
    pk: int | None = None  # the participant, for a row of one organization

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.needed) if self.needed else 100

    @property
    def step(self) -> int:
        """The percentage in tens, for the bar's CSS class (no inline styles under the CSP)."""
        return self.percent // 10 * 10


def progress(scheme: Scheme, participants: list) -> tuple[list[Progress], list[Progress]]:
    """(per organization, per parent organization) for the given participants."""
    needs: dict[int, set[str]] = {}
    for p in participants:
        group = scheme.group_for(p.domain, p.level)
        needs[p.id] = {i.code for i in group.indicators if i.method in NEEDS_INPUT} if group else set()
    done: dict[int, set[str]] = defaultdict(set)
    rows = Entry.objects.filter(participant__in=[p.id for p in participants]).values_list("participant_id", "indicator")
    for pid, indicator in rows.distinct().iterator(chunk_size=10000):
        if indicator in needs.get(pid, ()):
            done[pid].add(indicator)
    per_org = []
    per_parent: dict[str, Progress] = {}
    for p in participants:
        row = Progress(p.name, p.code, len(needs[p.id]), len(done[p.id]), 1, p.pk)
        per_org.append(row)
        parent = per_parent.setdefault(p.parent_code, Progress(p.parent_name or "（无上级）", p.parent_code))
        parent.needed += row.needed
        parent.done += row.done
        parent.organizations += 1
    return per_org, sorted(per_parent.values(), key=lambda r: r.code)

"""The rules of a station's coverage and staffing [003], in one place: the form, the import and the service ask
these, so a station is refused or warned in the same words whichever way it comes in.

- A station covers village or community organizations (level 村（社区）) of its own town only: refused otherwise.
- A village is covered by one active station at most (its subtree too): refused otherwise.
- 每个党建工作站负责联系指导3-5个村（社区）: outside 3–5 a warning, not a refusal (towns differ); 每个站不少于1名
  专职人员: a warning. Warnings are thresholds, kept with the organization's others in `orgs.rules`, where the town's
  page reads them too.
"""

from __future__ import annotations

from collections.abc import Iterable

from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.models import Organization, Workstation
from dangjian.orgs.rules import coverage_warnings, station_warnings  # the warnings, with the other thresholds

__all__ = ["coverage_problems", "coverage_warnings", "station_warnings", "town_problem"]

TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)
NOT_A_TOWN = "党建工作站只能设在乡镇党委或街道党工委之下，“{name}”不是。"
NO_VILLAGE = "工作站至少要联系一个村（社区）党组织。"
OTHER_TOWN = "“{name}”不属于{town}，工作站只能联系本乡镇的村（社区）党组织。"
NOT_VILLAGE = "“{name}”不是村（社区）层级的党组织，不能由工作站联系。"
TAKEN = "“{name}”已由{station}联系，一个村（社区）只能由一个工作站联系。"


def town_problem(town: Organization) -> str | None:
    return None if town.kind in TOWN_KINDS else NOT_A_TOWN.format(name=town.name)


def coverage_problems(town: Organization, villages: Iterable[Organization], station: Workstation | None = None):
    """The refusals for covering `villages` from a station of `town` (`station` itself when it is being changed)."""
    villages = list(villages)
    if not villages:
        return [NO_VILLAGE]
    problems = []
    for village in villages:
        if not village.path.startswith(town.path) or village.pk == town.pk:
            problems.append(OTHER_TOWN.format(name=village.name, town=town.name))
        elif village.level != Level.VILLAGE:
            problems.append(NOT_VILLAGE.format(name=village.name))
    if problems:
        return problems
    others = Workstation.objects.active().filter(town=town)
    if station is not None and station.pk:
        others = others.exclude(pk=station.pk)
    covered = list(others.values_list("villages__path", "villages__name", "name").exclude(villages__isnull=True))
    for village in villages:
        for path, _name, station_name in covered:
            # Overlap either way: the village itself, a branch under it, or the general branch above it.
            if path.startswith(village.path) or village.path.startswith(path):
                problems.append(TAKEN.format(name=village.name, station=station_name))
                break
    return problems

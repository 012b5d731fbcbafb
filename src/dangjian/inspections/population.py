"""A draw's population, read from the register when the draw is set up: who may be drawn, the stratum of each, the
town and the last team of each (for the conflict rules), and who is left out because they were drawn lately.

Every organization's town is read off its materialized path (the ancestor that is a 乡镇党委/街道党工委), so a
county of a few hundred organizations costs a handful of queries, not one per member.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from dangjian.assess.models import AssessmentStatus, Result
from dangjian.orgs.choices import GRASSROOTS_KINDS, Level, OrgKind
from dangjian.orgs.models import Organization, Workstation
from dangjian.rectify.models import Case, CaseStatus

from .algorithm import clean
from .choices import DrawStatus, PopulationKind, StratifyBy
from .models import DrawTarget, Inspector

TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)
NO_TOWN = "县直"  # organizations directly under the county: a stratum of their own
GRADE_LABELS = {"A": "A（优秀）", "B": "B（良好）", "C": "C（一般）", "D": "D（较差）"}
NO_GRADE = "未评定"
ALL = "全部"


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` calendar months earlier (the last day of a shorter month)."""
    month = moment.month - months
    year = moment.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def town_of(org: Organization, towns: dict[int, Organization]) -> Organization | None:
    for pk in reversed([*org.ancestor_ids(), org.pk]):
        if pk in towns:
            return towns[pk]
    return None


def towns_around(org: Organization) -> dict[int, Organization]:
    """The towns in `org`'s subtree and above it (a draw run by a town has that town for every member)."""
    ids = org.ancestor_ids()
    inside = Organization.objects.in_subtree(org).filter(kind__in=TOWN_KINDS)
    above = Organization.objects.filter(pk__in=ids, kind__in=TOWN_KINDS)
    return {t.pk: t for t in [*inside, *above]}


def inspector_town(unit: Organization) -> Organization | None:
    ids = [*unit.ancestor_ids(), unit.pk]
    return Organization.objects.filter(pk__in=ids, kind__in=TOWN_KINDS).order_by("-depth").first()


def last_grades(org_ids: list[int]) -> dict[int, str]:
    """Each organization's grade in the latest published assessment that rated it."""
    rows = (
        Result.objects.filter(
            participant__org_id__in=org_ids, participant__assessment__status=AssessmentStatus.PUBLISHED
        )
        .order_by("participant__assessment__year", "participant__assessment_id")
        .values_list("participant__org_id", "grade")
    )
    return dict(rows)  # later assessments overwrite earlier ones


def _subjects(kind: str, org: Organization) -> list[dict]:
    """The raw members: key, label, the organization visited (scope), and the case or station drawn."""
    if kind == PopulationKind.VILLAGES:
        # A village's own organization: the branches of a village's general branch are part of it, not drawn apart.
        orgs = Organization.objects.in_subtree(org).filter(level=Level.VILLAGE, kind__in=GRASSROOTS_KINDS)
        orgs = orgs.exclude(parent__level=Level.VILLAGE)
        return [
            {"key": o.code, "label": o.name, "org": o.pk, "case": None, "station": None, "_org": o}
            for o in orgs.order_by("path")
        ]
    if kind == PopulationKind.CASES:
        cases = Case.objects.in_subtree(org).exclude(status=CaseStatus.CLOSED).select_related("org")
        return [
            {
                "key": f"{c.org.code}/{c.year}",
                "label": f"{c.org.name}（{c.year}年度整顿）",
                "org": c.org_id,
                "case": c.pk,
                "station": None,
                "_org": c.org,
            }
            for c in cases.order_by("org__path", "year")
        ]
    if kind == PopulationKind.STATIONS:
        town_ids = Organization.objects.in_subtree(org).values("pk")
        stations = Workstation.objects.filter(town_id__in=town_ids).select_related("town").order_by("code")
        return [
            {"key": s.code, "label": s.name, "org": s.town_id, "case": None, "station": s.pk, "_org": s.town}
            for s in stations
        ]
    raise ValueError(kind)


def _history(members: list[dict], since: datetime.datetime) -> tuple[dict, dict]:
    """For each member's subject (a station, else an organization): when it was last drawn since `since`, and the
    inspectors of its last team (ever)."""
    org_ids = [m["org"] for m in members]
    targets = (
        DrawTarget.objects.filter(draw__status=DrawStatus.DRAWN, org_id__in=org_ids)
        .order_by("-draw__drawn_at", "-id")
        .values("id", "org_id", "station_id", "draw__drawn_at", "draw__title")
    )
    recent: dict[tuple, str] = {}
    last_target: dict[tuple, int] = {}
    for t in targets:
        subject = ("station", t["station_id"]) if t["station_id"] else ("org", t["org_id"])
        last_target.setdefault(subject, t["id"])
        if t["draw__drawn_at"] >= since:
            recent.setdefault(subject, f"{t['draw__drawn_at']:%Y-%m-%d}「{t['draw__title']}」")
    teams: dict[int, list[str]] = defaultdict(list)
    through = DrawTarget.team.through.objects.filter(drawtarget_id__in=list(last_target.values()))
    for target_id, username in through.values_list("drawtarget_id", "inspector__user__username"):
        teams[target_id].append(username)
    last_team = {subject: sorted(teams[target]) for subject, target in last_target.items()}
    return recent, last_team


def build_population(
    org: Organization, kind: str, stratify_by: str, exclude_months: int, now: datetime.datetime
) -> list[dict]:
    """The population of a draw run by `org`, each member with its stratum, town and last team; members drawn in the
    last `exclude_months` months are kept in the list, marked excluded with the reason."""
    members = _subjects(kind, org)
    towns = towns_around(org)
    grades = last_grades([m["org"] for m in members]) if stratify_by == StratifyBy.GRADE else {}
    recent, last_team = _history(members, months_before(now, exclude_months)) if members else ({}, {})
    out = []
    for m in members:
        o = m.pop("_org")
        town = town_of(o, towns)
        subject = ("station", m["station"]) if m["station"] else ("org", m["org"])
        if stratify_by == StratifyBy.TOWN:
            stratum = town.name if town else NO_TOWN
        elif stratify_by == StratifyBy.DOMAIN:
            stratum = "党建工作站" if m["station"] else (o.get_domain_display() or "未分类")
        elif stratify_by == StratifyBy.GRADE:
            stratum = GRADE_LABELS.get(grades.get(o.pk, ""), NO_GRADE)
        else:
            stratum = ALL
        drawn_lately = recent.get(subject) if exclude_months else None
        out.append(
            {
                **m,
                "key": clean(m["key"]),
                "label": m["label"],
                "stratum": clean(stratum),
                "town": town.code if town else "",
                "town_name": town.name if town else "",
                "last_team": last_team.get(subject, []),
                "excluded": bool(drawn_lately),
                "reason": f"近 {exclude_months} 个月内已抽中：{drawn_lately}" if drawn_lately else "",
            }
        )
    return out


def build_pool(org: Organization) -> list[dict]:
    """The organizer's active inspectors, each with the town of their unit."""
    out = []
    for inspector in Inspector.objects.filter(owner=org, active=True).select_related("user", "unit").order_by("id"):
        town = inspector_town(inspector.unit)
        out.append(
            {
                "key": clean(inspector.key),
                "name": inspector.name,
                "town": town.code if town else "",
                "town_name": town.name if town else "",
                "inspector": inspector.pk,
            }
        )
    return out

"""The roll-up of projects and resources per level, in the shape of [003]'s figures (564 centres, 111,000 services
for 240,000 people, 1,063 trainings with 16,132 attendances, 2,522 projects, 61 town and 396 village liaison rooms,
2,371 team members in 936 villages), with drill-down county → town → village: an organization's totals, one row per
organization directly under it (each its whole subtree), and the same figures by the level of the organization
holding the records (county, town, village, …).

Set-based: each kind of record is counted by one grouped query over the subtree (`in_subtree`, a path prefix),
grouped by the child's path prefix (`Substr` of the record's organization path to the children's path length: the
paths are fixed-width segments) or by the organization's level, so the database adds up the rows and Python only
files a handful of group totals. Two things are judged per record, each in one query over the subtree: whether a
venue meets the "十有" checklist in force in its area (a JSON list against an area's list, which SQLite cannot
compare in SQL) and a first secretary's late and missing plans and ledgers (month by month against the due days).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr

from dangjian.orgs.choices import Level
from dangjian.orgs.models import Organization

from . import rules
from .checklists import Checklists
from .choices import ProjectCategory, ReportKind, VenueKind
from .models import Fund, MonthlyReport, Project, Secretary, ServicePeriod, Training, Venue


@dataclass
class Figures:
    projects: int = 0
    projects_by_category: Counter = field(default_factory=Counter)
    project_budget_fen: int = 0
    project_spent_fen: int = 0
    venues: int = 0
    venues_standard: int = 0  # venues meeting every item of the "十有" checklist in force in their area
    centres: int = 0
    services: int = 0
    served: int = 0
    liaison_town: int = 0
    liaison_village: int = 0
    trainings: int = 0
    attendances: int = 0
    fund_budget_fen: int = 0
    fund_in_budget_fen: int = 0
    fund_spent_fen: int = 0
    secretaries: int = 0
    team_members: int = 0
    villages_stationed: set = field(default_factory=set)
    reports_late: int = 0
    reports_missing: int = 0

    @property
    def villages(self) -> int:
        return len(self.villages_stationed)

    def category(self, key: str) -> int:
        return self.projects_by_category[key]

    @property
    def central(self) -> int:
        return self.category(ProjectCategory.CENTRAL)

    @property
    def key(self) -> int:
        return self.category(ProjectCategory.KEY)

    @property
    def daily(self) -> int:
        return self.category(ProjectCategory.DAILY)

    @property
    def featured(self) -> int:
        return self.category(ProjectCategory.FEATURED)

    def add(self, other: Figures) -> None:
        """Add another group's figures to these (a total over groups)."""
        for name, value in vars(other).items():
            if isinstance(value, Counter):
                self.projects_by_category.update(value)
            elif isinstance(value, set):
                self.villages_stationed |= value
            else:
                setattr(self, name, getattr(self, name) + value)

    @property
    def empty(self) -> bool:
        return self == Figures()


@dataclass
class Rollup:
    org: Organization
    year: int
    total: Figures
    rows: list[tuple[Organization, Figures]]  # each organization directly under `org`, with its subtree
    levels: list[tuple[str, Figures]] = field(default_factory=list)  # by the level of the organization holding them


def _sum(name: str):
    return Coalesce(Sum(name), Value(0), output_field=IntegerField())


def group_figures(
    org: Organization, year: int, today: datetime.date, length: int, checklists: Checklists | None = None
) -> tuple[dict, dict]:
    """`org`'s subtree's figures for `year` in two groupings at once: by the first `length` characters of the
    record's organization path (the child of `org` it lies under, or the record's own path when it lies above the
    children) and by its organization's level. Each query groups by both; venues, rooms and secretaries are counted
    as they stand, the rest within `year`."""
    by_prefix: dict[str, Figures] = {}
    by_level: dict[str, Figures] = {}

    def keys(path_field: str) -> dict:
        return {"g": Substr(path_field, 1, length), "lv": F(path_field.replace("path", "level"))}

    def at(row) -> tuple[Figures, Figures]:
        return by_prefix.setdefault(row["g"], Figures()), by_level.setdefault(row["lv"], Figures())

    projects = (
        Project.objects.in_subtree(org)
        .filter(year=year)
        .values(**keys("org__path"), c=F("category"))
        .annotate(n=Count("id"), budget=_sum("budget_fen"), spent=_sum("spent_fen"))
    )
    for row in projects:
        for f in at(row):
            f.projects += row["n"]
            f.projects_by_category[row["c"]] += row["n"]
            f.project_budget_fen += row["budget"]
            f.project_spent_fen += row["spent"]

    village = Q(org__level=Level.VILLAGE)
    liaison = Q(kind=VenueKind.LIAISON)
    venues = (
        Venue.objects.in_subtree(org)
        .values(**keys("org__path"))
        .annotate(
            n=Count("id"),
            centres=Count("id", filter=Q(kind=VenueKind.CENTRE)),
            town=Count("id", filter=liaison & ~village),
            village=Count("id", filter=liaison & village),
        )
    )
    for row in venues:
        for f in at(row):
            f.venues += row["n"]
            f.centres += row["centres"]
            f.liaison_town += row["town"]
            f.liaison_village += row["village"]
    checklists = checklists or Checklists()
    for row in Venue.objects.in_subtree(org).values(**keys("org__path"), path=F("org__path"), met=F("standard")):
        complete = checklists.at_path(row["path"]).complete(row["met"])
        for f in at(row):
            f.venues_standard += complete

    services = (
        ServicePeriod.objects.in_subtree(org)
        .filter(month__year=year)
        .values(**keys("venue__org__path"))
        .annotate(items=_sum("items"), people=_sum("people"))
    )
    for row in services:
        for f in at(row):
            f.services += row["items"]
            f.served += row["people"]

    # Attendance is members ticked plus others: the members through their own grouped count (a join through the
    # attendance table), the sessions and others by a second, so neither is multiplied by the other.
    trainings = Training.objects.in_subtree(org).filter(date__year=year)
    for row in trainings.values(**keys("org__path")).annotate(n=Count("id"), others=_sum("others")):
        for f in at(row):
            f.trainings += row["n"]
            f.attendances += row["others"]
    for row in trainings.values(**keys("org__path")).annotate(m=Count("members")):
        for f in at(row):
            f.attendances += row["m"]

    funds = (
        Fund.objects.in_subtree(org)
        .filter(year=year)
        .values(**keys("org__path"))
        .annotate(
            budget=_sum("budget_fen"),
            spent=_sum("spent_fen"),
            in_budget=Coalesce(Sum("budget_fen", filter=Q(in_budget=True)), Value(0), output_field=IntegerField()),
        )
    )
    for row in funds:
        for f in at(row):
            f.fund_budget_fen += row["budget"]
            f.fund_spent_fen += row["spent"]
            f.fund_in_budget_fen += row["in_budget"]

    asof = min(today, datetime.date(year, 12, 31))
    submitted = {
        (s, m, k): d
        for s, m, k, d in MonthlyReport.objects.in_subtree(org)
        .filter(month__year=year)
        .values_list("secretary_id", "month", "kind", "submitted_on")
    }
    for secretary in Secretary.objects.in_subtree(org).annotate(**keys("org__path")):
        serving = secretary.end is None or secretary.end >= asof
        late, missing = secretary_flags(secretary, year, asof, submitted)
        for f in at({"g": secretary.g, "lv": secretary.lv}):
            if serving:
                f.secretaries += secretary.role == "first_secretary"
                f.team_members += secretary.role != "first_secretary"
                f.villages_stationed.add(secretary.org_id)
            f.reports_late += late
            f.reports_missing += missing
    return by_prefix, by_level


def rollup(org: Organization, year: int, today: datetime.date, checklists: Checklists | None = None) -> Rollup:
    """`org`'s figures for `year`, one row per organization directly under it (a county's towns, a town's
    villages; each row its whole subtree, a link to drill down), and the figures by level of the organizations
    holding the records."""
    children = list(Organization.objects.filter(parent=org).order_by("path"))
    # The children's paths are one segment longer than `org`'s, all of the same width (zero-padded ids).
    length = len(children[0].path) if children else len(org.path)
    by_prefix, by_level = group_figures(org, year, today, length, checklists)
    total = Figures()
    for figures in by_level.values():
        total.add(figures)
    levels = [(label, by_level[value]) for value, label in Level.choices if value in by_level]
    rows = [(child, by_prefix.get(child.path, Figures())) for child in children]
    return Rollup(org, year, total, rows, levels)


def months_of(year: int, asof: datetime.date) -> list[datetime.date]:
    last = asof.month if asof.year == year else 12
    return [datetime.date(year, m, 1) for m in range(1, last + 1)] if asof.year >= year else []


def secretary_flags(secretary: Secretary, year: int, asof: datetime.date, submitted: dict) -> tuple[int, int]:
    """How many of the secretary's plans and ledgers of `year` (up to `asof`) came in late, and how many are missing."""
    late = missing = 0
    for month in months_of(year, asof):
        if not secretary.serves_in(month):
            continue
        for kind in ReportKind.values:
            state = rules.report_state(month, kind, submitted.get((secretary.pk, month, kind)), asof)
            late += state == "late"
            missing += state == "missing"
    return late, missing


def secretary_months(secretary: Secretary, year: int, today: datetime.date) -> list[dict]:
    """The secretary's months of `year` up to today: each plan's and ledger's due day, the report, its state."""
    reports = {(r.month, r.kind): r for r in secretary.reports.filter(month__year=year)}
    asof = min(today, datetime.date(year, 12, 31))
    rows = []
    for month in months_of(year, asof):
        if not secretary.serves_in(month):
            continue
        cells = []
        for kind in ReportKind.values:
            report = reports.get((month, kind))
            state = rules.report_state(month, kind, report.submitted_on if report else None, asof)
            cells.append(
                {
                    "kind": kind,
                    "due": rules.report_due(month, kind),
                    "report": report,
                    "state": state,
                    "label": rules.STATE_LABEL[state],
                }
            )
        rows.append({"month": month, "cells": cells})
    return rows

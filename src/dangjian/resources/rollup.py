"""The roll-up of projects and resources for an organization and each organization directly under it, in the shape
of [003]'s figures (564 centres, 111,000 services for 240,000 people, 1,063 trainings with 16,132 attendances,
2,522 projects, 61 town and 396 village liaison rooms, 2,371 team members in 936 villages). Everything is counted
from the records, one grouped query per kind of record over the subtree, then bucketed by child in Python."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from dangjian.orgs.choices import Level
from dangjian.orgs.models import Organization

from . import rules
from .choices import ProjectCategory, ReportKind, VenueKind
from .models import Fund, MonthlyReport, Project, Secretary, ServicePeriod, Training, Venue


@dataclass
class Figures:
    projects: int = 0
    projects_by_category: Counter = field(default_factory=Counter)
    project_budget_fen: int = 0
    project_spent_fen: int = 0
    venues: int = 0
    venues_standard: int = 0  # venues meeting every item of the "十有" standard
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


@dataclass
class Rollup:
    org: Organization
    year: int
    total: Figures
    rows: list[tuple[Organization, Figures]]


def rollup(org: Organization, year: int, today: datetime.date) -> Rollup:
    """`org`'s figures for `year` and one row per organization directly under it (a county's towns, a town's
    villages). Venues, rooms and secretaries are counted as they stand; the rest within `year`."""
    children = list(Organization.objects.filter(parent=org).order_by("path"))
    total = Figures()
    by_child = {child.path: Figures() for child in children}

    def buckets(path: str):
        yield total
        for child_path, figures in by_child.items():
            if path.startswith(child_path):  # a row of that child's subtree
                yield figures
                return

    projects = (
        Project.objects.in_subtree(org)
        .filter(year=year)
        .values("org__path", "category")
        .annotate(n=Count("id"), budget=Sum("budget_fen"), spent=Sum("spent_fen"))
    )
    for row in projects:
        for f in buckets(row["org__path"]):
            f.projects += row["n"]
            f.projects_by_category[row["category"]] += row["n"]
            f.project_budget_fen += row["budget"] or 0
            f.project_spent_fen += row["spent"] or 0

    for path, kind, level, standard in Venue.objects.in_subtree(org).values_list(
        "org__path", "kind", "org__level", "standard"
    ):
        complete = len(rules.standard_met(standard)) == len(rules.STANDARD_ITEMS)
        for f in buckets(path):
            f.venues += 1
            f.venues_standard += complete
            f.centres += kind == VenueKind.CENTRE
            f.liaison_town += kind == VenueKind.LIAISON and level != Level.VILLAGE
            f.liaison_village += kind == VenueKind.LIAISON and level == Level.VILLAGE

    services = (
        ServicePeriod.objects.in_subtree(org)
        .filter(month__year=year)
        .values("venue__org__path")
        .annotate(items=Sum("items"), people=Sum("people"))
    )
    for row in services:
        for f in buckets(row["venue__org__path"]):
            f.services += row["items"] or 0
            f.served += row["people"] or 0

    trainings = (
        Training.objects.in_subtree(org)
        .filter(date__year=year)
        .annotate(n_members=Count("members"))
        .values_list("org__path", "n_members", "others")
    )
    for path, n_members, others in trainings:
        for f in buckets(path):
            f.trainings += 1
            f.attendances += n_members + others

    funds = (
        Fund.objects.in_subtree(org)
        .filter(year=year)
        .values("org__path", "in_budget")
        .annotate(budget=Sum("budget_fen"), spent=Sum("spent_fen"))
    )
    for row in funds:
        for f in buckets(row["org__path"]):
            f.fund_budget_fen += row["budget"] or 0
            f.fund_spent_fen += row["spent"] or 0
            if row["in_budget"]:
                f.fund_in_budget_fen += row["budget"] or 0

    asof = min(today, datetime.date(year, 12, 31))
    secretaries = list(Secretary.objects.in_subtree(org).select_related("org"))
    submitted = {
        (s, m, k): d
        for s, m, k, d in MonthlyReport.objects.in_subtree(org)
        .filter(month__year=year)
        .values_list("secretary_id", "month", "kind", "submitted_on")
    }
    for secretary in secretaries:
        serving = secretary.end is None or secretary.end >= asof
        late, missing = secretary_flags(secretary, year, asof, submitted)
        for f in buckets(secretary.org.path):
            if serving:
                f.secretaries += secretary.role == "first_secretary"
                f.team_members += secretary.role != "first_secretary"
                f.villages_stationed.add(secretary.org_id)
            f.reports_late += late
            f.reports_missing += missing
    return Rollup(org, year, total, [(child, by_child[child.path]) for child in children])


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

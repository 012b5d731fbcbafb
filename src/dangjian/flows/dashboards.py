"""Dashboards (统计图表): the figures of one organization's subtree as charts, with a link per child organization to
drill down (county → town → village), printable.

Each figure is read for the organization shown, which the user reaches only within their scope (404 outside it,
like every page): the latest published assessment's grades by 党建类型 and by child organization, its weak list and
the rectification of the year over time, and, from the roll-ups kept on write (`orgs.tally`'s rows: a read of the
organization's own rows, the same at 300,000 organizations as on the demo, the first view after a write included),
the weekly reports' on-time rate over the last weeks (`weekly.rollups`), the problem list by level and status
(`problems.rollups`), meeting completion for the organization and by child organization (`partylife.rollups`), and
the organization and member totals. The children are listed a page at a time, and the charts by child organization
show that page, so the page costs the same under a root of 120 counties as under a town; the assessment's and the
rectification's figures are one grouped query over the subtree's rows of one year. The charts are drawn by Apache
ECharts (vendored under core/static) from the page's JSON (`json_script`) by `dashboards.js`; every chart has its
table beside it, which is also what prints.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db.models import Count, F
from django.db.models.functions import Substr
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from dangjian.assess.models import Assessment, AssessmentStatus, Result
from dangjian.assess.scheme import GRADE_LABELS
from dangjian.core.scope import ALL, scope_paths
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs import tally
from dangjian.orgs.choices import BRANCH_KINDS, Domain, OrgKind
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.rollups import completion_of
from dangjian.problems import rollups as problem_rollups
from dangjian.problems.choices import LEVEL_ORDER, ProblemLevel, ProblemStatus
from dangjian.rectify.models import Case
from dangjian.weekly import rollups as weekly_rollups
from dangjian.weekly import weeks

GRADES = ["A", "B", "C", "D"]
WEEKS = 8  # weeks of on-time rates shown
WEAK_LISTED = 50  # weak organizations listed on the page; more are counted and linked to the results page
CHILDREN_PER_PAGE = 20  # children listed (with their totals, grades and meeting completion) on a page of the dashboard
DOMAIN_LABELS = dict(Domain.choices)


def dashboard_org(view: ScopedViewMixin, pk: int | None) -> Organization | None:
    """The organization shown: the one asked for, within the user's scope, else the top of the scope."""
    if pk is not None:
        return view.get_object_or_404(pk)
    # raw paths: the page starts from the first organization the user was granted, as the home page does
    paths = scope_paths(view.request.user)
    if paths is ALL:
        return Organization.objects.filter(parent__isnull=True).order_by("path").first()
    return Organization.objects.filter(path=paths[0]).first() if paths else None


def child_key(path: str, org: Organization) -> str:
    return path[: len(org.path) + PATH_STEP]


def latest_assessment(user, org: Organization) -> Assessment | None:
    """The latest published assessment the user sees that rated organizations of this subtree."""
    published = Assessment.objects.restrict(user).filter(status=AssessmentStatus.PUBLISHED).order_by("-year", "-id")
    for assessment in published[:10]:
        if Result.objects.filter(participant__assessment=assessment).in_subtree(org).exists():
            return assessment
    return None


def grade_figures(assessment: Assessment, org: Organization, children: dict[str, Organization]) -> dict:
    results = Result.objects.filter(participant__assessment=assessment).in_subtree(org).order_by()
    by_domain = Counter(
        {(d, g): n for d, g, n in results.values_list("participant__domain", "grade").annotate(n=Count("id"))}
    )
    domains = [d for d, _ in Domain.choices if any(by_domain[(d, g)] for g in GRADES)]
    prefix = Substr("participant__path", 1, len(org.path) + PATH_STEP)
    by_child = Counter(
        {(p, g): n for p, g, n in results.annotate(child=prefix).values_list("child", "grade").annotate(n=Count("id"))}
    )
    child_paths = [p for p in children if any(by_child[(p, g)] for g in GRADES)]
    weak = results.filter(weak=True)
    weak_count = weak.count()
    weak_rows = []
    if weak_count <= WEAK_LISTED:
        cases = dict(
            Case.objects.filter(year=assessment.year)
            .in_subtree(org)
            .values_list("org_id")
            .annotate(s=F("status"))
            .values_list("org_id", "status")
        )
        labels = dict(Case._meta.get_field("status").choices)
        for r in weak.select_related("participant").order_by("participant__path"):
            state = cases.get(r.participant.org_id)
            weak_rows.append(
                {
                    "name": r.participant.name,
                    "parent": r.participant.parent_name,
                    "total": r.total,
                    "grade": r.grade,
                    "case": labels.get(state, "未立案") if state else "未立案",
                    "org_id": r.participant.org_id,
                }
            )
    return {
        "domain": {
            "categories": [DOMAIN_LABELS[d] for d in domains],
            "series": [
                {"name": f"{g} {GRADE_LABELS[g]}", "data": [by_domain[(d, g)] for d in domains]} for g in GRADES
            ],
        },
        "child": {
            "categories": [children[p].name for p in child_paths],
            "series": [
                {"name": f"{g} {GRADE_LABELS[g]}", "data": [by_child[(p, g)] for p in child_paths]} for g in GRADES
            ],
        },
        "weak_count": weak_count,
        "weak_rows": weak_rows,
    }


MONTHS_SHOWN = 24  # the rectification progress's time axis at most


def months_between(first: datetime.date, last: datetime.date) -> list[tuple[int, int]]:
    months, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months[-MONTHS_SHOWN:]


def rectify_figures(org: Organization, year: int, today: datetime.date) -> dict:
    """The cases of `year` (the assessment's) under the organization: opened, checked by the town and closed, counted
    cumulatively by month from the month the first was opened to this one."""
    rows = list(Case.objects.filter(year=year).in_subtree(org).values_list("opened_at", "town_checked_at", "closed_at"))
    stamps = [[timezone.localtime(row[i]).date() for row in rows if row[i] is not None] for i in range(3)]
    months = months_between(min(stamps[0]), today) if stamps[0] else []
    series = {
        name: [sum(1 for d in stamps[i] if (d.year, d.month) <= ym) for ym in months]
        for i, name in enumerate(["立案", "乡镇初验", "验收销号"])
    }
    labels = [f"{y}年{m}月" for y, m in months]
    return {
        "total": len(rows),
        "categories": labels,
        "series": [{"name": name, "data": data} for name, data in series.items()],
        "rows": table_rows(labels, list(series.values())),
    }


def table_rows(labels: list[str], columns: list[list]) -> list[dict]:
    return [{"name": label, "values": [column[i] for column in columns]} for i, label in enumerate(labels)]


def weekly_figures(org: Organization, today: datetime.date) -> dict:
    """Reports due, sent and sent on time in each of the last WEEKS weeks, from the roll-ups kept on write
    (`weekly.rollups`: one query, whatever the size of the subtree)."""
    current = weeks.this_week(today)
    first = current - datetime.timedelta(weeks=WEEKS - 1)
    shown = [first + datetime.timedelta(weeks=k) for k in range(WEEKS)]
    found = weekly_rollups.figures_of(org.pk, shown)
    labels, rates, table = [], [], []
    for week in shown:
        n, sent, on_time = found[week]
        rate = round(100 * on_time / n, 1) if n else None
        labels.append(f"第{week.isocalendar()[1]}周")
        rates.append(rate)
        table.append({"week": weeks.short_label(week), "due": n, "sent": sent, "on_time": on_time, "rate": rate})
    due = sum(row["due"] for row in table)
    return {"categories": labels, "series": [{"name": "按时报送率（%）", "data": rates}], "rows": table, "due": due}


def problem_figures(org: Organization) -> dict:
    """Problems by level and status, from the roll-ups kept on write (`problems.rollups`: one query)."""
    counts = problem_rollups.counts_of(org.pk)
    levels = dict(ProblemLevel.choices)
    labels = [levels[lv] for lv in LEVEL_ORDER]
    series = [
        {"name": label, "data": [counts[(lv, status)] for lv in LEVEL_ORDER]} for status, label in ProblemStatus.choices
    ]
    return {
        "categories": labels,
        "series": series,
        "rows": table_rows(labels, [s["data"] for s in series]),
        "total": sum(counts.values()),
    }


def meeting_figures(org: Organization, children: list[Organization], today: datetime.date) -> dict | None:
    """Held against required this year, for the organization by kind and for each child shown, read from the
    roll-ups kept on write (`partylife.rollups`: one query whatever the size of the subtree), which count each branch
    by the meeting rules in force for it, a region's adjustments included; None when there is no branch at or below
    the organization."""
    figures = completion_of([org.pk, *(c.pk for c in children)], today.year, today)
    own = figures[org.pk]
    if not own.units:
        return None
    kinds = [
        {"name": MeetingKind(kind).label, "text": count.text, "rate": rate_of(count)}
        for kind, count in own.kinds.items()
        if count.need or count.held
    ]
    table = []
    for child in children:
        row = figures[child.pk]
        if row.units:
            table.append({"name": child.name, "units": row.units, "text": row.total.text, "rate": row.rate})
    return {
        "categories": [r["name"] for r in table],
        "series": [{"name": "完成率（%）", "data": [r["rate"] for r in table]}],
        "rows": table,
        "kinds": kinds,
        "units": own.units,
        "text": own.total.text,
        "rate": own.rate,
    }


def rate_of(count) -> float | None:
    return round(100 * count.held / count.need, 1) if count.need else None


def child_page(org: Organization, number: str | None) -> tuple[list[Organization], dict]:
    """One page of the organization's children (by their place in the tree), and where it stands among them:
    the page reads that page's roll-ups only, however many children there are (a root of 120 counties)."""
    children = Organization.objects.filter(parent=org).exclude(kind=OrgKind.GROUP)
    total = children.count()
    pages = max(1, -(-total // CHILDREN_PER_PAGE))
    try:
        page = min(max(1, int(number or 1)), pages)
    except ValueError:
        page = 1
    start = (page - 1) * CHILDREN_PER_PAGE
    shown = list(children.order_by("path")[start : start + CHILDREN_PER_PAGE])
    return shown, {
        "total": total,
        "page": page,
        "pages": pages,
        "first": start + 1,
        "last": start + len(shown),
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
    }


class DashboardView(ScopedViewMixin, View):
    model = Organization

    def get(self, request, pk=None):
        org = dashboard_org(self, pk)
        if org is None:
            return render(request, "dashboards/dashboard.html", {"org": None})
        today = timezone.localdate()
        shown, paging = child_page(org, request.GET.get("page"))
        children = {child.path: child for child in shown}
        totals = tally.totals([org.path])
        child_totals = tally.totals_by_org([c.pk for c in children.values()])
        child_rows = [
            {
                "org": c,
                "orgs": child_totals[c.pk]["orgs"],
                "members": child_totals[c.pk]["members"],
                "has_children": child_totals[c.pk]["orgs"] > 1,
            }
            for c in children.values()
        ]
        assessment = latest_assessment(request.user, org)
        grades = grade_figures(assessment, org, children) if assessment else None
        year = assessment.year if assessment else today.year
        branches = sum(totals[f"kind:{kind}"] for kind in BRANCH_KINDS)
        data = {
            "grades_domain": grades["domain"] if grades else None,
            "grades_child": grades["child"] if grades else None,
            "rectify": rectify_figures(org, year, today),
            "weekly": weekly_figures(org, today),
            "problems": problem_figures(org),
            "meetings": meeting_figures(org, shown, today),
        }
        crumbs = self.crumbs(org)
        return render(
            request,
            "dashboards/dashboard.html",
            {
                "org": org,
                "crumbs": crumbs,
                "totals": totals,
                "children": child_rows,
                "paging": paging,
                "assessment": assessment,
                "grades": grades,
                "grades_domain_rows": grades_table(grades["domain"]) if grades else [],
                "grades_child_rows": grades_table(grades["child"]) if grades else [],
                "year": year,
                "data": data,
                "today": today,
                "branches": branches,
            },
        )

    def crumbs(self, org: Organization) -> list[Organization]:
        """The organizations above this one that the user may see, for the way back up."""
        ids = [int(part) for part in org.path.split(".") if part][:-1]
        return list(self.scoped(Organization).filter(pk__in=ids).order_by("path"))


def grades_table(series: dict) -> list[dict]:
    """Rows of a grade chart for its table: a category and its count per grade."""
    out = []
    for index, category in enumerate(series["categories"]):
        counts = [s["data"][index] for s in series["series"]]
        out.append({"name": category, "counts": counts, "total": sum(counts)})
    return out

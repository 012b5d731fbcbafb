"""Staffing pages: the units in scope with their party staff against the 1%–2% rule, roll-ups per vertical system
and county (`staffing:index`), and a system's 条/块 view with its half-detached bureaus (`staffing:system`)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from dangjian.core.views import ScopedViewMixin, paged
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.rulebook.book import Book

from .rollup import AGE_LINES, agency_units, half_detached, rollups, unit_rows


class StaffingIndexView(ScopedViewMixin, View):
    """`staffing:index`: every agency unit in scope (paged) and the roll-ups over all of them."""

    model = Organization

    def get(self, request):
        today = timezone.localdate()
        book = Book.load()
        units = list(agency_units(self.scoped(Organization)))
        rows = unit_rows(units, today, book)
        counties = {o.pk: o for o in self.scoped(Organization).filter(kind=OrgKind.COUNTY_COMMITTEE)}
        by_system, by_county, total = rollups(rows, counties)
        rule = book.rule("agency.staff_ratio")
        context = {
            "by_system": by_system,
            "by_county": by_county,
            "total": total,
            "age_lines": AGE_LINES,
            "rule": rule,
            **paged(request, rows),
        }
        return render(request, "staffing/index.html", context)


class SystemStaffingView(ScopedViewMixin, View):
    """`staffing:system`: a vertical system's units by tier with their party relation (块) and business line (条),
    their staffing, and the half-detached county bureaus with the proposed re-affiliations."""

    model = VerticalSystem

    def get(self, request, pk):
        system = self.get_object_or_404(pk)
        today = timezone.localdate()
        book = Book.load()
        units = list(self.scoped(Organization).filter(system=system).select_related("system").order_by("path"))
        parent_ids = {u.parent_id for u in units if u.parent_id}
        parents = {o.pk: o for o in self.scoped(Organization).filter(pk__in=parent_ids)}
        work_committees = {
            o.parent_id: o for o in self.scoped(Organization).filter(kind=OrgKind.AGENCY_WORK_COMMITTEE) if o.parent_id
        }
        rows = unit_rows(units, today, book)
        found = half_detached(units, parents, work_committees)
        _, _, total = rollups(rows, {})
        context = {
            "system": system,
            "rows": [(row, parents.get(row.org.parent_id)) for row in rows],
            "half_detached": found,
            "total": total,
            "age_lines": AGE_LINES,
        }
        return render(request, "staffing/system.html", context)

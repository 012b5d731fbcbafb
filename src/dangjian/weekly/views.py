"""The weekly pages: the "this week" boards (all towns in scope, one town, one station), the four forms as pages
and workbooks (镇→站 and 站→村 安排表, 村→站 and 站→镇 完成情况表), and the forms that publish, relay, report and
forward. Views parse, authorize through the scoped querysets and call `weekly.services`."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from dangjian.core.evidence_views import EvidenceFileView
from dangjian.core.params import BadParameter
from dangjian.core.scope import Action, path_in_scope
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.orgs.models import Organization, Workstation
from dangjian.sheets.export import export_response

from . import board, services, weeks
from .choices import Level
from .forms import AnswersForm, ItemFormSet, PublishForm
from .models import Arrangement, LinePhoto, StationReport, VillageReport

TOWNS_PAGE = 50


def week_param(request) -> datetime.date:
    """`?week=2026-03-16` (any day of the week), this week when absent; a bad date answers 400 in Chinese."""
    raw = (request.GET.get("week") or "").strip()
    if not raw:
        return weeks.this_week()
    try:
        return weeks.monday(datetime.date.fromisoformat(raw))
    except ValueError as exc:
        raise BadParameter("周次应写成日期，如 2026-03-16。") from exc


def week_nav(week: datetime.date) -> dict:
    return {
        "week": week,
        "week_label": weeks.label(week),
        "previous": week - datetime.timedelta(days=7),
        "next": week + datetime.timedelta(days=7),
        "is_current": week == weeks.this_week(),
        "report_deadline": weeks.report_deadline(week),
        "closes_on": weeks.closes_on(week),
    }


def can_act_for_station(user, station: Workstation) -> bool:
    return Workstation.objects.restrict(user, Action.CHANGE).filter(pk=station.pk).exists()


def items_from(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data]


# ---------------------------------------------------------------------------------------------------- boards


class BoardView(ScopedViewMixin, View):
    """This week across the user's scope: each town (published? relayed, reported, late), the user's own station
    when it is a station account, and the village's own reports."""

    model = Organization

    def get(self, request):
        week = week_param(request)
        towns = self.get_queryset().filter(kind__in=board.TOWN_KINDS).order_by("path")
        listed = paged(request, towns, TOWNS_PAGE)  # the pager keeps the week
        page = listed["page"]
        stations = (
            Workstation.objects.through_villages(request.user)  # those of a town in the scope are its rows above
            .active()
            .select_related("town")
            .order_by("code")
        )
        reports = []
        if not page.paginator.count:
            reports = (
                self.scoped(VillageReport)
                .filter(arrangement__week=week)
                .select_related("village", "arrangement__station")
                .order_by("village__path")
            )
        context = {
            **week_nav(week),
            **listed,
            "rows": board.overview(page.object_list, week),
            "stations": [board.station_board(s, week) for s in stations],
            "reports": [(r, board.timeliness(r.submitted_at, weeks.report_deadline(week))) for r in reports],
        }
        return render(request, "weekly/board.html", context)


class TownBoardView(ScopedViewMixin, View):
    model = Organization

    def get(self, request, pk):
        town = self.get_object_or_404(pk)
        if town.kind not in board.TOWN_KINDS:
            raise Http404("该组织不是乡镇党委或街道党工委。")
        week = week_param(request)
        context = {
            **week_nav(week),
            "board": board.town_board(town, week),
            "can_publish": path_in_scope(request.user, town.path, Action.CHANGE)
            and week + datetime.timedelta(days=6) >= timezone.localdate(),
        }
        return render(request, "weekly/town.html", context)


class StationBoardView(ScopedViewMixin, View):
    model = Workstation

    def get(self, request, pk):
        station = self.get_object_or_404(pk)
        week = week_param(request)
        row = board.station_board(station, week)
        town_arrangement = Arrangement.objects.filter(town_id=station.town_id, level=Level.TOWN, week=week).first()
        context = {
            **week_nav(week),
            "station": station,
            "row": row,
            "town_arrangement": town_arrangement,
            "can_act": can_act_for_station(request.user, station) and not station.retired_on,
            "can_see_reports": path_in_scope(request.user, station.town.path)
            or can_act_for_station(request.user, station),
        }
        return render(request, "weekly/station.html", context)


# ---------------------------------------------------------------------------------------------------- Monday, down


class PublishView(ScopedViewMixin, View):
    """The town publishes the week's arrangement to its stations (镇→站 安排表)."""

    model = Organization
    scope_action = Action.CHANGE

    def page(self, request, town, week, formset, form, status=200):
        context = {**week_nav(week), "town": town, "formset": formset, "form": form, "town_level": True}
        return render(request, "weekly/publish.html", context, status=status)

    def get(self, request, pk):
        town = self.get_object_or_404(pk)
        week = week_param(request)
        return self.page(request, town, week, ItemFormSet(), PublishForm())

    def post(self, request, pk):
        town = self.get_object_or_404(pk)
        week = week_param(request)
        formset, form = ItemFormSet(request.POST), PublishForm(request.POST)
        if formset.is_valid() and form.is_valid():
            try:
                arrangement = services.publish_town_arrangement(
                    town, week, items_from(formset), actor=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已向各工作站发布{weeks.short_label(week)}工作安排。")
                return redirect("weekly:arrangement", arrangement.pk)
        return self.page(request, town, week, formset, form, status=400)


class RelayView(ScopedViewMixin, View):
    """A station relays the town's arrangement to its villages, adding its own items (站→村 安排表)."""

    model = Workstation
    scope_action = Action.CHANGE

    def page(self, request, station, week, formset, form, status=200):
        source = Arrangement.objects.filter(town_id=station.town_id, level=Level.TOWN, week=week).first()
        context = {**week_nav(week), "station": station, "source": source, "formset": formset, "form": form}
        return render(request, "weekly/relay.html", context, status=status)

    def get(self, request, pk):
        station = self.get_object_or_404(pk)
        return self.page(request, station, week_param(request), ItemFormSet(), PublishForm())

    def post(self, request, pk):
        station = self.get_object_or_404(pk)
        week = week_param(request)
        formset, form = ItemFormSet(request.POST), PublishForm(request.POST)
        if formset.is_valid() and form.is_valid():
            try:
                arrangement = services.relay_arrangement(
                    station, week, items_from(formset), actor=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"已向本站联系的村（社区）下发{weeks.short_label(week)}工作安排。")
                return redirect("weekly:arrangement", arrangement.pk)
        return self.page(request, station, week, formset, form, status=400)


class ArrangementView(ScopedViewMixin, View):
    """镇→站 or 站→村 安排表, printable on A4."""

    model = Arrangement

    def get(self, request, pk):
        arrangement = self.get_object_or_404(pk)
        station = arrangement.station
        context = {
            **week_nav(arrangement.week),
            "arrangement": arrangement,
            "items": arrangement.items.select_related("source"),
            "relays": self.scoped(Arrangement).filter(source=arrangement).select_related("station"),
            "station_visible": station is not None
            and Workstation.objects.restrict(request.user).filter(pk=station.pk).exists(),
            "can_forward": station is not None
            and can_act_for_station(request.user, station)
            and not StationReport.objects.filter(arrangement=arrangement).exists(),
            "own_reports": self.scoped(VillageReport).filter(arrangement=arrangement).select_related("village")
            if station is not None
            else [],
        }
        return render(request, "weekly/arrangement.html", context)


ITEM_COLUMNS = [
    ("序号", lambda i: i.seq),
    ("工作事项", lambda i: i.title),
    ("目标要求", lambda i: i.target),
    ("完成时限", lambda i: i.due),
    ("来源", lambda i: "镇党委安排" if i.source_id else ("本站安排" if i.arrangement.level == Level.STATION else "")),
    (
        "完成方式",
        lambda i: (
            "工作站自行完成"
            if i.by_station
            else ("各村（社区）完成" if i.arrangement.level == Level.STATION else "各工作站转发落实")
        ),
    ),
]


def _sent(at) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else "未报送"


def form_title(arrangement: Arrangement, what: str) -> str:
    who = arrangement.station.name if arrangement.station_id else arrangement.town.name
    return f"{who}{weeks.short_label(arrangement.week)}{what}"


class ArrangementXlsxView(ArrangementView):
    http_method_names = ["get", "head", "options"]  # the workbook only: the page's form is not here

    def get(self, request, pk):
        arrangement = self.get_object_or_404(pk)
        what = "镇→站工作安排表" if arrangement.level == Level.TOWN else "站→村工作安排表"
        return export_response(
            request=request,
            title=form_title(arrangement, what),
            columns=ITEM_COLUMNS,
            rows=list(arrangement.items.select_related("arrangement")),
            filename=form_title(arrangement, what),
            filters=f"{weeks.label(arrangement.week)}；下发时间 {_sent(arrangement.published_at)}",
            org=arrangement.town,
        )


# ---------------------------------------------------------------------------------------------------- Friday, up


class VillageReportView(ScopedViewMixin, View):
    """村→站 完成情况表: the form while it is unsent and the week open, the sent answers after."""

    model = VillageReport

    def form(self, report, data=None, files=None):
        return AnswersForm(data, files, items=services.village_items(report.arrangement))

    def page(self, request, report, form=None, status=200):
        arrangement = report.arrangement
        may_send = not report.submitted_at and path_in_scope(request.user, report.village.path, Action.CHANGE)
        context = {
            **week_nav(arrangement.week),
            "report": report,
            "arrangement": arrangement,
            "lines": report.lines.select_related("item").prefetch_related("photos"),
            "form": form or (self.form(report) if may_send else None),
            "state": board.timeliness(report.submitted_at, weeks.report_deadline(arrangement.week)),
        }
        return render(request, "weekly/report.html", context, status=status)

    def get(self, request, pk):
        return self.page(request, self.get_object_or_404(pk))

    def post(self, request, pk):
        report = self.get_object_or_404(pk, Action.CHANGE)
        form = self.form(report, request.POST, request.FILES)
        if form.is_valid():
            try:
                services.submit_village_report(
                    report.arrangement,
                    report.village,
                    form.answers(),
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已向工作站报送本周工作完成情况。")
                return redirect("weekly:report", report.pk)
        return self.page(request, report, form, status=400)


REPORT_COLUMNS = [
    ("序号", lambda ln: ln.item.seq),
    ("工作事项", lambda ln: ln.item.title),
    ("目标要求", lambda ln: ln.item.target),
    ("完成时限", lambda ln: ln.item.due),
    ("完成情况", lambda ln: ln.get_status_display()),
    ("情况说明", lambda ln: ln.note),
    ("照片（张）", lambda ln: len(ln.photos.all())),
]


class VillageReportXlsxView(VillageReportView):
    http_method_names = ["get", "head", "options"]  # the workbook only: the page's form is not here

    def get(self, request, pk):
        report = self.get_object_or_404(pk)
        title = f"{report.village.name}{weeks.short_label(report.arrangement.week)}工作完成情况表"
        return export_response(
            request=request,
            title=title,
            columns=REPORT_COLUMNS,
            rows=list(report.lines.select_related("item").prefetch_related("photos")),
            filename=title,
            filters=f"报送{report.arrangement.station.name}；报送时间 {_sent(report.submitted_at)}",
            org=report.village,
        )


class ForwardView(ScopedViewMixin, View):
    """The station's report to the town, assembled: the villages' answers per item, the station's own items."""

    model = Arrangement
    scope_action = Action.CHANGE

    def arrangement(self, pk) -> Arrangement:
        arrangement = self.get_object_or_404(pk)
        if arrangement.level != Level.STATION:
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        return arrangement

    def page(self, request, arrangement, form, status=200):
        context = {
            **week_nav(arrangement.week),
            "arrangement": arrangement,
            "rollup": services.roll_up(arrangement),
            "form": form,
        }
        return render(request, "weekly/forward.html", context, status=status)

    def form(self, arrangement, data=None):
        return AnswersForm(data, items=[i for i in arrangement.items.all() if i.by_station], photos=False)

    def get(self, request, pk):
        arrangement = self.arrangement(pk)
        return self.page(request, arrangement, self.form(arrangement))

    def post(self, request, pk):
        arrangement = self.arrangement(pk)
        form = self.form(arrangement, request.POST)
        if form.is_valid():
            try:
                report = services.forward_station_report(
                    arrangement, actor=request.user, own=form.answers(), note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "已向乡镇党委报送本站本周工作完成情况。")
                return redirect("weekly:station_report", report.pk)
        return self.page(request, arrangement, form, status=400)


class StationReportView(ScopedViewMixin, View):
    """站→镇 完成情况表 as sent, with the villages' answers behind each count."""

    model = StationReport

    def get(self, request, pk):
        report = self.get_object_or_404(pk)
        arrangement = report.arrangement
        answers = {r.item.pk: r.answers for r in services.roll_up(arrangement)}
        lines = [(line, answers.get(line.item_id, [])) for line in report.lines.select_related("item")]
        context = {
            **week_nav(arrangement.week),
            "report": report,
            "arrangement": arrangement,
            "lines": lines,
            "state": board.timeliness(report.submitted_at, weeks.report_deadline(arrangement.week)),
        }
        return render(request, "weekly/station_report.html", context)


STATION_COLUMNS = [
    ("序号", lambda ln: ln.item.seq),
    ("工作事项", lambda ln: ln.item.title),
    ("完成方式", lambda ln: "工作站自行完成" if ln.item.by_station else "各村（社区）完成"),
    ("完成情况", lambda ln: ln.get_status_display()),
    ("已完成（村）", lambda ln: "" if ln.item.by_station else ln.done),
    ("部分完成（村）", lambda ln: "" if ln.item.by_station else ln.partly),
    ("未完成（村）", lambda ln: "" if ln.item.by_station else ln.not_done),
    ("未报送（村）", lambda ln: "" if ln.item.by_station else ln.missing),
    ("情况说明", lambda ln: ln.note),
]


class StationReportXlsxView(StationReportView):
    http_method_names = ["get", "head", "options"]  # the workbook only: the page's form is not here

    def get(self, request, pk):
        report = self.get_object_or_404(pk)
        arrangement = report.arrangement
        title = form_title(arrangement, "站→镇工作完成情况表")
        return export_response(
            request=request,
            title=title,
            columns=STATION_COLUMNS,
            rows=list(report.lines.select_related("item")),
            filename=title,
            filters=f"报送{arrangement.town.name}；报送时间 {_sent(report.submitted_at)}",
            org=arrangement.town,
        )


class PhotoView(EvidenceFileView):
    """Photos are downloaded only through the data scope, never from a public address."""

    model = LinePhoto

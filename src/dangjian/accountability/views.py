"""Accountability pages: the records list with filters and export, one record, a person's records with the block,
recording by hand, and the honours and promotion recommendations that the block refuses."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.assess.models import Assessment
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.services import OutOfScope
from dangjian.core.views import ScopedListView, ScopedViewMixin, apply_validation_error, first_rows
from dangjian.orgs.models import Organization, Workstation
from dangjian.rectify.models import Case
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import services
from .choices import BLOCKING_KINDS
from .filtersets import CommendationFilterSet, RecordFilterSet
from .forms import CommendationForm, RecordForm
from .models import Commendation, Record

PERSON_ROWS = 200  # a person's records on the person page; more are listed on the records list
NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"
NOT_DECIDER = "对该组织人员的问责须由其上级党组织（工作站站长由所属乡镇）具有管理权限的用户记录。"


def scoped_org(view: ScopedViewMixin, code: str, action: str = Action.VIEW) -> Organization | None:
    code = (code or "").strip()
    return view.scoped(Organization, action).filter(code=code).first() if code else None


class RecordListView(ScopedListView):
    model = Record
    template_name = "accountability/list.html"
    filterset_class = RecordFilterSet

    def list_rows(self):
        return self.get_queryset().select_related("org", "workstation").order_by("-date", "-id")

    def get_context_data(self, **context):
        return context | {"can_create": acts_anywhere(self.request.user, Action.MANAGE)}


class RecordExportView(RecordListView):
    def get(self, request):
        filterset = self.filtered()
        columns = [
            ("日期", lambda r: r.date),
            ("年度", lambda r: r.year),
            ("姓名", lambda r: r.person_name),
            ("职务", lambda r: r.person_post),
            ("所在党组织", lambda r: r.org.name),
            ("组织编码", lambda r: r.org.code),
            ("党建工作站", lambda r: r.workstation.name if r.workstation else ""),
            ("问责方式", lambda r: r.get_kind_display()),
            ("事由", lambda r: r.reason),
            ("当年不得提拔表彰", lambda r: "是" if r.blocks else "否"),
            ("整顿案件", lambda r: r.case_id or ""),
            ("年度考核", lambda r: r.assessment_id or ""),
        ]
        try:
            return export_response(
                request=request,
                title="问责记录",
                columns=columns,
                rows=filterset.qs,
                filename="问责记录.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("accountability:list")


class RecordDetailView(ScopedViewMixin, View):
    model = Record

    def get(self, request, pk):
        rec = self.get_object_or_404(pk)
        proposal = getattr(rec, "proposal", None)
        return render(request, "accountability/detail.html", {"record": rec, "proposal": proposal})


class RecordCreateView(ScopedViewMixin, View):
    model = Record
    scope_action = Action.MANAGE

    def make_form(self, data=None):
        since = timezone.localdate().year - 3
        return RecordForm(
            data,
            # Recent years only: a choice list of every case ever would grow without end (no slicing: the form
            # looks the chosen value up in this queryset).
            cases=self.scoped(Case).filter(year__gte=since).select_related("org").order_by("-year"),
            assessments=self.scoped(Assessment).filter(year__gte=since).order_by("-year", "-id"),
        )

    def get(self, request):
        initial = {k: request.GET[k] for k in ("org_code", "person_name", "person_post") if k in request.GET}
        form = self.make_form()
        form.initial.update(initial)
        return render(request, "accountability/record_form.html", {"form": form})

    def post(self, request):
        form = self.make_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = workstation = None
            if data["workstation_code"].strip():
                workstation = (
                    self.scoped(Workstation)
                    .select_related("town")
                    .filter(code=data["workstation_code"].strip())
                    .first()
                )
                if workstation is None:
                    form.add_error("workstation_code", "该工作站不存在或不在您的数据范围内。")
            else:
                org = scoped_org(self, data["org_code"])
                if org is None:
                    form.add_error("org_code", NOT_IN_SCOPE)
            if not form.errors:
                try:
                    rec = services.record_accountability(
                        actor=request.user,
                        org=org or workstation.town,
                        workstation=workstation,
                        person_name=data["person_name"],
                        person_post=data["person_post"],
                        kind=data["kind"],
                        date=data["date"],
                        year=data["year"],
                        reason=data["reason"],
                        for_party_duty=data["for_party_duty"],
                        case=data["case"],
                        assessment=data["assessment"],
                    )
                except OutOfScope:
                    form.add_error(None, NOT_DECIDER)
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已记录：{rec}。")
                    return redirect("accountability:detail", pk=rec.pk)
        return render(request, "accountability/record_form.html", {"form": form}, status=400)


class PersonView(ScopedViewMixin, View):
    """One person's records and recommendations, by name (and organization, with its subtree), with the years in
    which the person may not be promoted or honoured."""

    model = Record

    def get(self, request):
        name = request.GET.get("q", "").strip()
        org = scoped_org(self, request.GET.get("org_code", ""))
        records = commendations = first_rows([], PERSON_ROWS)
        if name:
            records = self.get_queryset().filter(person_name=name).select_related("org").order_by("-year", "date")
            commendations = self.scoped(Commendation).filter(person_name=name).select_related("org")
            if org is not None:
                records = records.in_subtree(org)
                commendations = commendations.in_subtree(org)
            records = first_rows(records, PERSON_ROWS)
            commendations = first_rows(commendations.order_by("-year", "-id"), PERSON_ROWS)
        blocks: dict[int, Record] = {}
        for rec in records.rows:
            if rec.kind in BLOCKING_KINDS and rec.for_party_duty:
                blocks.setdefault(rec.year, rec)
        query = urlencode({"q": name, "org_code": org.code if org else ""})
        return render(
            request,
            "accountability/person.html",
            {
                "name": name,
                "org": org,
                "org_code": request.GET.get("org_code", ""),
                "records": records,
                "commendations": commendations,
                "records_url": f"{reverse('accountability:list')}?{query}",
                "commendations_url": f"{reverse('accountability:commendations')}?{query}",
                "blocks": [(year, rec, services.block_message(rec)) for year, rec in sorted(blocks.items())],
            },
        )


class CommendationListView(ScopedListView):
    model = Commendation
    template_name = "accountability/commendations.html"
    filterset_class = CommendationFilterSet

    def list_rows(self):
        return self.get_queryset().select_related("org").order_by("-year", "-id")

    def get_context_data(self, **context):
        get = self.request.GET
        return context | {
            "year": get.get("year", "").strip(),
            "q": get.get("q", "").strip(),
            "org_code": get.get("org_code", ""),
        }


class CommendationCreateView(ScopedViewMixin, View):
    """The form checks the block twice: "检查" (a GET with the name, organization and year) warns before the form is
    submitted, and the service refuses the save with the same message naming the record."""

    model = Commendation
    scope_action = Action.CHANGE

    def warning(self, name: str, code: str, year) -> str:
        org = scoped_org(self, code, Action.CHANGE)
        if org is None:
            return NOT_IN_SCOPE
        try:
            year = int(year)
        except (TypeError, ValueError):
            return "请填写年度。"
        rec = services.blocked(name, org, year)
        return services.block_message(rec) if rec else ""

    def get(self, request):
        fields = ("org_code", "person_name", "year", "kind", "reason")
        initial = {k: request.GET[k] for k in fields if k in request.GET}
        form = CommendationForm(initial=initial or None)
        checked = "check" in request.GET
        warning = ""
        if checked:
            warning = self.warning(
                request.GET.get("person_name", ""), request.GET.get("org_code", ""), request.GET.get("year")
            )
        return render(
            request, "accountability/commendation_form.html", {"form": form, "warning": warning, "checked": checked}
        )

    def post(self, request):
        form = CommendationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            org = scoped_org(self, data["org_code"], Action.CHANGE)
            if org is None:
                form.add_error("org_code", NOT_IN_SCOPE)
            else:
                try:
                    item = services.commend(
                        actor=request.user,
                        org=org,
                        person_name=data["person_name"],
                        year=data["year"],
                        kind=data["kind"],
                        reason=data["reason"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已录入：{item}。")
                    return redirect("accountability:commendations")
        return render(request, "accountability/commendation_form.html", {"form": form, "warning": ""}, status=400)

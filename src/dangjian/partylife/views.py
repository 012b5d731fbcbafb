"""Organizational-life pages: the meetings list with filters and export, one meeting, recording a meeting on a
phone (attendance by tapping names), its photos, and held against required for a branch, a town or a county."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.core.evidence_views import EvidenceFileView, EvidenceUploadView
from dangjian.core.params import int_param
from dangjian.core.scope import ALL, Action, acts_anywhere, scope_paths
from dangjian.core.views import ScopedViewMixin, apply_validation_error, paged
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS, GRASSROOTS_KINDS, OrgKind
from dangjian.orgs.models import Organization
from dangjian.rulebook.book import Book
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from . import services
from .choices import AbsenceReason
from .completion import branch_table, read_under, rollup
from .filtersets import MeetingFilterSet
from .forms import MeetingForm, PhotoForm
from .frequency import frequencies
from .models import Meeting, MeetingPhoto
from .sheet import export_columns

NOT_IN_SCOPE = "该组织不存在或不在您的数据范围内。"


def scoped_org(view: ScopedViewMixin, code: str, action: str = Action.VIEW) -> Organization | None:
    code = (code or "").strip()
    return view.scoped(Organization, action).filter(code=code).first() if code else None


def home_org(view: ScopedViewMixin, action: str = Action.VIEW) -> Organization | None:
    """The organization a page starts from: the top of the user's scope (the first root for a superuser)."""
    # raw paths: the page starts from the first organization the user was granted, not from a filter of rows
    paths = scope_paths(view.request.user, action)
    if paths is ALL:
        return Organization.objects.filter(parent__isnull=True).order_by("path").first()
    return Organization.objects.filter(path=paths[0]).first() if paths else None


class MeetingListView(ScopedViewMixin, View):
    model = Meeting
    filterset_class = MeetingFilterSet

    def filtered(self):
        qs = self.get_queryset().select_related("org", "group").order_by("-date", "-id")
        return self.filter_list(qs)

    def get(self, request):
        filterset = self.filtered()
        rows = filterset.qs.only("date", "kind", "topic", "org__name", "group__name")  # what the rows show
        context = {"filter": filterset, **paged(request, rows)}
        context["can_record"] = acts_anywhere(request.user, Action.CHANGE)
        return render(request, "partylife/meetings.html", context)


class MeetingExportView(MeetingListView):
    def get(self, request):
        filterset = self.filtered()
        try:
            return export_response(
                request=request,
                title="组织生活记录",
                columns=export_columns(),
                rows=filterset.qs.prefetch_related("attendance"),
                filename="组织生活记录.xlsx",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return redirect("partylife:meetings")


class MeetingDetailView(ScopedViewMixin, View):
    model = Meeting

    def get(self, request, pk, photo_form=None, status=200):
        meeting = self.get_object_or_404(pk)
        people = list(meeting.attendance.all())
        can_change = bool(self.scoped(Meeting, Action.CHANGE).filter(pk=meeting.pk).exists())
        return render(
            request,
            "partylife/meeting.html",
            {
                "meeting": meeting,
                "present": [a for a in people if a.present],
                "absent": [a for a in people if not a.present],
                "photos": meeting.photos.all(),
                "photo_form": (photo_form or PhotoForm()) if can_change else None,
                "can_change": can_change,
            },
            status=status,
        )


class PhotoAddView(EvidenceUploadView):
    model = Meeting
    form_class = PhotoForm
    field = "photos"
    success_message = "照片已上传。"

    def add(self, meeting, uploads, *, actor) -> None:
        services.add_photos(meeting, uploads, actor=actor)

    def success_url(self, meeting) -> str:
        return reverse("partylife:meeting", args=[meeting.pk])

    def again(self, request, pk, form):
        """The meeting's page again, with the refused photos' message."""
        view = MeetingDetailView()
        view.request = request
        return view.get(request, pk, photo_form=form, status=400)


class MeetingDeleteView(ScopedViewMixin, View):
    model = Meeting
    scope_action = Action.CHANGE

    def post(self, request, pk):
        meeting = self.get_object_or_404(pk)
        services.delete_meeting(meeting, actor=request.user)
        messages.success(request, f"已删除：{meeting}。")
        return redirect("partylife:meetings")


class PhotoView(EvidenceFileView):
    model = MeetingPhoto
    as_attachment = False  # a meeting's photo opens in the browser
    missing_message = "文件已不存在。"


class MeetingCreateView(ScopedViewMixin, View):
    """Recording a meeting in a minute on a phone: the organization, the kind (one tap), the date (today), the
    topic, and the roster as names to tap — present by default, tapped off for an absence with its reason."""

    model = Meeting
    scope_action = Action.CHANGE

    def org(self, request) -> Organization | None:
        code = request.POST.get("org_code") or request.GET.get("org_code")
        if code:
            return scoped_org(self, code, Action.CHANGE)
        home = home_org(self, Action.CHANGE)
        return home if home is not None and home.kind in GRASSROOTS_KINDS else None

    def context(self, org, form, present_ids=None, reasons=None, error=""):
        people = list(services.roster(org)) if org else []
        present_ids = {m.pk for m in people} if present_ids is None else present_ids
        reasons = reasons or {}
        return {
            "org": org,
            "form": form,
            "people": [(m, m.pk in present_ids, reasons.get(m.pk, "")) for m in people],
            "reasons": AbsenceReason.choices,
            "org_code": org.code if org else self.request.GET.get("org_code", ""),
            "error": error,
        }

    def make_form(self, org, data=None, files=None):
        groups = Organization.objects.filter(parent=org, kind=OrgKind.GROUP) if org else None
        return MeetingForm(data, files, groups=groups)

    def get(self, request):
        org = self.org(request)
        error = NOT_IN_SCOPE if request.GET.get("org_code") and org is None else ""
        form = self.make_form(org)
        return render(request, "partylife/meeting_form.html", self.context(org, form, error=error))

    def post(self, request):
        org = self.org(request)
        form = self.make_form(org, request.POST, request.FILES)
        if org is None:
            return render(
                request, "partylife/meeting_form.html", self.context(None, form, error=NOT_IN_SCOPE), status=400
            )
        ids = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
        shown = [int(v) for v in request.POST.getlist("shown") if v.isdigit()]
        reasons = {pk: request.POST.get(f"reason_{pk}", "") for pk in shown}
        if form.is_valid():
            # Everyone shown on the roster is either present or absent; members are looked up within the user's
            # scope only, so an id from elsewhere reads as missing and never shows a name of another county.
            wanted = set(ids) | set(shown)
            found = {m.pk: m for m in self.scoped(Member).filter(pk__in=wanted).select_related("org")}
            if wanted - set(found):
                form.add_error(None, "所选人员不在您的数据范围内的党员名册中。")
            else:
                people = [services.Presence(found[pk], True) for pk in dict.fromkeys(ids)]
                people += [services.Presence(found[pk], False, reasons.get(pk, "")) for pk in shown if pk not in ids]
                data = form.cleaned_data
                try:
                    meeting = services.record_meeting(
                        actor=request.user,
                        org=org,
                        kind=data["kind"],
                        date=data["date"],
                        topic=data["topic"],
                        people=people,
                        group=data.get("group"),
                        minutes=data["minutes"],
                        photos=data["photos"],
                    )
                except ValidationError as exc:
                    apply_validation_error(form, exc)
                else:
                    messages.success(request, f"已登记：{meeting}。")
                    return redirect("partylife:meeting", pk=meeting.pk)
        return render(request, "partylife/meeting_form.html", self.context(org, form, set(ids), reasons), status=400)


class CompletionView(ScopedViewMixin, View):
    """Held against required by quarter and year: a branch's own table, or for a town or county one row per
    organization below it and the missing meetings named. The rules and their sources are listed under it."""

    model = Organization

    def get(self, request):
        today = timezone.localdate()
        year = int_param(request.GET, "year") or today.year
        if not 2000 <= year <= today.year:
            year = today.year
        code = request.GET.get("org_code", "")
        org = scoped_org(self, code) if code else home_org(self)
        if org is None and code:
            raise Http404(NOT_IN_SCOPE)
        asof = min(today, datetime.date(year, 12, 31))
        rows, children = [], []
        book = Book.load()  # the meeting rules as they stand for the branches, read once for the page
        rules = frequencies(book, org)
        if org is not None:
            read = read_under(org, year, asof)  # the branches and their meetings, read once for table and roll-up
            rows = branch_table(org, year, asof, book, read)
            if org.kind not in BRANCH_KINDS:
                children = rollup(org, year, asof, book, read)
        return render(
            request,
            "partylife/completion.html",
            {
                "org": org,
                "year": year,
                "asof": asof,
                "rows": rows,
                "children": children,
                "rules": rules,
                "kinds": [rule.kind for rule in rules],
                "is_branch": org is not None and org.kind in BRANCH_KINDS,
                "years": list(range(today.year, today.year - 5, -1)),
            },
        )

"""Import pages (upload, background job, progress, error sheet) and the exports of the organization and member lists."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedViewMixin
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member
from dangjian.members.sensitive import can_unmask
from dangjian.orgs.filtersets import OrgFilterSet
from dangjian.orgs.models import Organization

from . import jobs
from .columns import TITLES
from .export import XLSX_TYPE, ExportTooLarge, describe_filters, export_response, private
from .forms import UploadForm, max_upload_bytes, too_large_message
from .imports import importable_kinds, kind_action
from .models import ImportJob, imports_dir
from .registers import member_columns, org_columns
from .template import write_template

RECENT_JOBS = 10
NOT_FOUND = "未找到该导入任务。"


def may_import(user, kind: str | None = None) -> bool:
    """Whoever may change something somewhere may upload (for `kind`: may do what its import asks somewhere);
    each row is then checked against their scope."""
    if kind is None:
        return acts_anywhere(user, Action.CHANGE)
    return acts_anywhere(user, kind_action(kind))


def _kind(kind: str) -> str:
    """A registered import kind, or 404 as for any missing page."""
    if kind not in TITLES:
        raise Http404("没有这种导入名单。")
    return kind


def _refuse(user, kind: str) -> None:
    """403 in words the user can act on: read-only everywhere, or lacking the role this list asks for."""
    if not may_import(user):
        raise PermissionDenied("您只有查看权限，不能导入数据。")
    if not may_import(user, kind):
        role = Action(kind_action(kind)).label
        raise PermissionDenied(f"导入{TITLES[kind]}须有相应组织的“{role}”权限，您没有这项权限。")


def get_job_for_user(user, pk: int) -> ImportJob:
    """A job is the uploader's alone: anyone else, however wide their scope, gets 404 as for a missing job."""
    job = ImportJob.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise Http404(NOT_FOUND)
    return job


class ImportIndexView(LoginRequiredMixin, View):
    """Every list the user may import, each with its template and its upload page."""

    def get(self, request):
        kinds = importable_kinds(request.user)
        if not kinds:
            raise PermissionDenied("您只有查看权限，不能导入数据。")
        recent = ImportJob.objects.filter(user=request.user)[:RECENT_JOBS]
        return render(request, "sheets/imports.html", {"kinds": kinds, "jobs": recent})


class ImportView(LoginRequiredMixin, View):
    """Download the template, upload a file, choose check-only or import; the job then runs in the background.
    One page for every registered list (`imports.register_kind`): the same upload, job, error sheet and audit."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _refuse(request.user, _kind(kwargs["kind"]))
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, kind: str, form, status=200, error=""):
        recent = ImportJob.objects.filter(user=request.user, kind=kind)[:RECENT_JOBS]
        context = {
            "kind": kind,
            "title": TITLES[kind],
            "kinds": importable_kinds(request.user),
            "form": form,
            "jobs": recent,
            "max_mb": settings.IMPORT_MAX_MB,
            "error": error,
        }
        return render(request, "sheets/import.html", context, status=status)

    def get(self, request, kind):
        return self.render_page(request, kind, UploadForm())

    def post(self, request, kind):
        # Refuse an oversized upload by its declared length before Django spools it to disk.
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > max_upload_bytes() + 64 * 1024:
            return self.render_page(request, kind, UploadForm(), status=400, error=too_large_message())
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(request, kind, form, status=400)
        upload = form.cleaned_data["file"]
        folder = jobs.new_job_dir()
        relative = f"{folder}/upload{form.extension}"
        with jobs.open_private(imports_dir() / relative) as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job = ImportJob.objects.create(
            user=request.user,
            kind=kind,
            dry_run=form.dry_run,
            original_name=upload.name[:255],
            file=relative,
        )
        jobs.start(job)
        return redirect("sheets:job", job.pk)


class TemplateDownloadView(LoginRequiredMixin, View):
    """The empty import template with its column headers, an example row and the 填写说明 sheet."""

    def get(self, request, kind):
        kind = _kind(kind)
        out = io.BytesIO()
        write_template(kind, out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
        filename = f"{TITLES[kind]}导入模板.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


class JobView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = get_job_for_user(request.user, pk)
        done, total, _ = jobs.current_progress(job)
        return render(
            request,
            "sheets/job.html",
            {"job": job, "done": done, "total": total, "stale": jobs.is_stale(job)},
        )


class JobProgressView(LoginRequiredMixin, View):
    """JSON for the progress bar, polled by dangjian/job.js."""

    def get(self, request, pk):
        job = get_job_for_user(request.user, pk)
        done, total, _ = jobs.current_progress(job)
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "finished": job.finished,
                "stale": jobs.is_stale(job),
                "done": done,
                "total": total,
                "percent": 100 if job.finished else (int(done * 100 / total) if total else 0),
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "rejected": job.rejected,
                "message": job.message,
                "errors_url": reverse("sheets:job_errors", args=[job.pk]) if job.error_file and job.rejected else "",
            }
        )


class JobErrorsView(LoginRequiredMixin, View):
    """The uploaded rows that were rejected, each with its Chinese error beside it."""

    def get(self, request, pk):
        job = get_job_for_user(request.user, pk)
        path = job.error_path
        if path is None or not path.exists():
            raise Http404("该任务没有错误表。")
        stem = job.original_name.rsplit(".", 1)[0]
        response = FileResponse(
            open(path, "rb"), as_attachment=True, filename=f"{stem}_错误表.xlsx", content_type=XLSX_TYPE
        )
        return private(response)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M")


def _too_large(request, exc: ExportTooLarge, back: str):
    messages.error(request, str(exc))
    query = request.GET.urlencode()
    return redirect(f"{back}?{query}" if query else back)


class OrgExportView(ScopedViewMixin, View):
    """The organizations the user sees, with the filters of the organization pages (and the API)."""

    model = Organization
    filterset_class = OrgFilterSet

    def get(self, request):
        qs = self.get_queryset().select_related("parent", "system", "system_parent").order_by("path")
        filterset = self.filter_list(qs)
        try:
            return export_response(
                request=request,
                title="党组织名册",
                columns=org_columns(user=request.user),
                rows=filterset.qs,
                filename=f"党组织名册_{_stamp()}",
                filters=describe_filters(filterset),
            )
        except ExportTooLarge as exc:
            back = reverse("orgs:search") if request.GET.get("q") else reverse("orgs:tree")
            return _too_large(request, exc, back)


class MemberExportView(ScopedViewMixin, View):
    """Exactly the members the member list shows for the same filters, every page of them."""

    model = Member
    filterset_class = MemberFilterSet

    def get(self, request):
        qs = self.get_queryset().select_related("org").order_by("org__path", "id")
        filterset = self.filter_list(qs)
        unmasked = can_unmask(request.user)
        org = _filter_org(filterset, self.scoped(Organization))
        try:
            return export_response(
                request=request,
                title="党员名册",
                columns=member_columns(unmasked=unmasked),
                rows=filterset.qs,
                filename=f"党员名册_{_stamp()}",
                filters=describe_filters(filterset),
                org=org,
                unmasked=unmasked,
            )
        except ExportTooLarge as exc:
            return _too_large(request, exc, reverse("members:list"))


def _filter_org(filterset, visible_orgs):
    """The organization a member list was narrowed to, for the audit record's scope; None when not narrowed."""
    if not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    if data.get("org"):
        return visible_orgs.filter(pk=data["org"]).first()
    if data.get("org_code"):
        return visible_orgs.filter(code=data["org_code"].strip()).first()
    return None

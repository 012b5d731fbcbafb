"""The background job's page, its progress as JSON (polled by dangjian/job.js) and its result files.

Seen by the user who started the job and by whoever's scope covers its organization; anyone else gets 404, as for a
missing job. A file's download is audited as an export, like the downloads it replaces."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from . import jobs
from .audit import record
from .models import AuditAction, BackgroundJob

NOT_FOUND = "未找到该后台任务。"


def get_job_for_user(user, pk: int) -> BackgroundJob:
    job = jobs.visible_jobs(user).filter(pk=pk).first()
    if job is None:
        raise Http404(NOT_FOUND)
    return job


def file_links(job: BackgroundJob) -> list[dict]:
    if job.status != "done":
        return []
    return [{"name": name, "url": reverse("job_file", args=[job.pk, n])} for n, name in enumerate(job.files)]


class JobView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = get_job_for_user(request.user, pk)
        done, total = jobs.current_progress(job)
        context = {"job": job, "done": done, "total": total, "stale": jobs.is_stale(job), "files": file_links(job)}
        return render(request, "core/job.html", context)


class JobProgressView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = get_job_for_user(request.user, pk)
        done, total = jobs.current_progress(job)
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "finished": job.finished,
                "stale": jobs.is_stale(job),
                "done": done,
                "total": total,
                "percent": 100 if job.finished else (int(done * 100 / total) if total else 0),
                "message": job.message,
                "result_url": job.result_url if job.status == "done" else "",
                "files": file_links(job),
            }
        )


class JobFileView(LoginRequiredMixin, View):
    def get(self, request, pk, n):
        job = get_job_for_user(request.user, pk)
        if job.status != "done" or not 0 <= n < len(job.files):
            raise Http404("该任务没有这个文件。")
        path = jobs.job_dir(job) / job.files[n]
        if not path.is_file():
            raise Http404("该文件已不存在，请重新生成。")
        # From Django's app registry, as core/scope.py does: core sits below the apps and imports none of them.
        org = apps.get_model("orgs", "Organization").objects.filter(path=job.org_path).first() if job.org_path else None
        record(AuditAction.EXPORT, actor=request.user, org=org, detail=f"{job.title}：下载 {job.files[n]}")
        response = FileResponse(open(path, "rb"), as_attachment=True, filename=job.files[n])  # noqa: SIM115
        response["Cache-Control"] = "private, no-store"
        return response

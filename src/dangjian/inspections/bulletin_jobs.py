"""The inspection bulletin's files (.docx and .xlsx) made by the worker: the bulletin page's 生成 button queues the
job, the worker writes both files (each under a temporary name first) with the figures the starter may see, and the
job's page offers them for download (each download audited as an export, by core/job_views.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core import jobs
from dangjian.core.models import BackgroundJob
from dangjian.orgs.models import Organization

from .documents import bulletin_data, write_bulletin_docx, write_bulletin_xlsx

KIND = "inspections.bulletin"


def start_bulletin(org: Organization, year: int, quarter: int, *, user) -> BackgroundJob:
    """Queue the files of `org`'s inspection bulletin (quarter 0: the whole year); the caller has checked `org` is in
    the user's scope. JobAlreadyActive while the same user's same bulletin is queued or running."""
    period = f"{year}年第{quarter}季度" if quarter else f"{year}年度"
    return jobs.start(
        KIND,
        title=f"生成随机督导情况通报：{org.name}{period}",
        target=f"{org.pk}:{year}-{quarter}:{user.pk}",
        user=user,
        org=org,
        params={"org": org.pk, "year": year, "quarter": quarter},
    )


def run_job(job: BackgroundJob, progress) -> jobs.Outcome:
    params = job.params
    org = Organization.objects.filter(pk=params.get("org")).restrict(job.user).first() if job.user else None
    if org is None:
        raise ValidationError("该组织已不存在，或已不在发起人的数据范围内。")
    progress(0, 3)
    data = bulletin_data(org, params["year"], params["quarter"], user=job.user)
    progress(1, 3)
    stem = f"{org.name}{data.period_name}随机督导情况通报"
    files = [jobs.write_file(job, f"{stem}.docx", lambda path: write_bulletin_docx(data, path))]
    progress(2, 3)
    files.append(jobs.write_file(job, f"{stem}.xlsx", lambda path: write_bulletin_xlsx(data, path)))
    progress(3, 3)
    query = f"?org={org.code}&year={data.year}&quarter={data.quarter or ''}"
    return jobs.Outcome(
        message=f"{data.title}：督导检查 {len(data.visits)} 次，统计截至 {data.as_of:%Y-%m-%d}。",
        result_url=reverse("inspections:bulletin") + query,
        files=files,
    )


def register() -> None:
    jobs.register_job_kind(KIND, run_job)

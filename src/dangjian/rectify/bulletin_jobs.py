"""The quarterly bulletin's files (.docx and .xlsx) made by the worker: the bulletin page's 生成 button queues the
job, the worker writes both files (each under a temporary name first), and the job's page offers them for download
(each download audited as an export, by core/job_views.py). The figures are those of the starter's scope as of the
day they asked; the scheduled 每季一通报 (rectify/jobs.py) still writes every county's files itself."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from dangjian.core import jobs
from dangjian.core.models import BackgroundJob
from dangjian.orgs.models import Organization

from .bulletin import bulletin_data, page_url, write_docx, write_xlsx

KIND = "rectify.bulletin"


def start_bulletin(org: Organization, year: int, quarter: int, *, user, today: datetime.date) -> BackgroundJob:
    """Queue the files of `org`'s bulletin for the quarter (the caller has checked `org` is in the user's scope);
    JobAlreadyActive while the same user's same bulletin is queued or running."""
    return jobs.start(
        KIND,
        title=f"生成整顿工作通报：{org.name}{year}年第{quarter}季度",
        target=f"{org.pk}:{year}-{quarter}:{user.pk}",
        user=user,
        org=org,
        params={"org": org.pk, "year": year, "quarter": quarter, "today": today.isoformat()},
    )


def run_job(job: BackgroundJob, progress) -> jobs.Outcome:
    params = job.params
    org = Organization.objects.filter(pk=params.get("org")).restrict(job.user).first() if job.user else None
    if org is None:
        raise ValidationError("该组织已不存在，或已不在发起人的数据范围内。")
    year, quarter = params["year"], params["quarter"]
    progress(0, 3)
    data = bulletin_data(org, year, quarter, user=job.user, today=datetime.date.fromisoformat(params["today"]))
    progress(1, 3)
    stem = f"{org.name}{year}年第{quarter}季度整顿工作通报"
    files = [jobs.write_file(job, f"{stem}.docx", lambda path: write_docx(data, path))]
    progress(2, 3)
    files.append(jobs.write_file(job, f"{stem}.xlsx", lambda path: write_xlsx(data, path)))
    progress(3, 3)
    return jobs.Outcome(
        message=f"{data.title}：整顿组织 {data.cases_total} 个，统计截至 {data.as_of:%Y-%m-%d}。",
        result_url=page_url(org, year, quarter),
        files=files,
    )


def register() -> None:
    jobs.register_job_kind(KIND, run_job)

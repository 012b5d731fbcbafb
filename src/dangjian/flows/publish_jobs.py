"""Publishing an assessment as a background job: the confirmation page queues it, the worker runs
`publishing.publish_assessment` (one transaction: results frozen, cases opened, accountability proposed — a worker
killed midway leaves the assessment unpublished and nothing opened), and the job's page links to the results."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.assess import run_jobs
from dangjian.assess.models import Assessment
from dangjian.core import jobs
from dangjian.core.models import BackgroundJob

from .publishing import publish_assessment

KIND = "assess.publish"


def start_publish(assessment: Assessment, *, actor) -> BackgroundJob:
    """Queue the publishing of `assessment`; refused once published or while a run of it is queued or running."""
    if assessment.published:
        raise ValidationError("考核结果已发布。")
    if run_jobs.active_run(assessment) is not None:
        raise ValidationError("该考核正在计算结果，请等计算结束、核对结果后再发布。")
    return jobs.start(
        KIND,
        title=f"发布考核结果：{assessment.title}",
        target=run_jobs.target(assessment),
        user=actor,
        org=assessment.root,
        params={"assessment": assessment.pk},
    )


def publish_job(job: BackgroundJob, progress) -> jobs.Outcome:
    assessment = Assessment.objects.filter(pk=job.params.get("assessment")).first()
    if assessment is None:
        raise ValidationError("该考核已不存在。")
    if assessment.published:
        raise ValidationError("考核结果已发布。")
    progress(0, 1)
    outcome = publish_assessment(assessment, actor=job.user)
    progress(1, 1)
    return jobs.Outcome(
        message=f"考核结果已发布并冻结（摘要值 {outcome.digest[:12]}…）；各组织可查看本组织结果，整顿案件已开启。",
        result_url=reverse("assess:results", args=[assessment.pk]),
    )


def register() -> None:
    jobs.register_job_kind(KIND, publish_job)

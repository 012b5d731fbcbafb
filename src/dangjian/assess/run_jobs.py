"""An assessment run as a background job: the page's 计算 button (and a reviewer's adjustment) queues it, the worker
runs `services.run_assessment` (one transaction: a worker killed midway leaves the previous results whole), and the
job's page links to the assessment. The CLI (`dangjian assess`) and the demo still call the service directly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core import jobs
from dangjian.core.models import BackgroundJob

from . import services
from .models import Assessment

KIND = "assess.run"


def target(assessment: Assessment) -> str:
    return f"assessment:{assessment.pk}"


def start_run(assessment: Assessment, *, actor) -> BackgroundJob:
    """Queue a run of `assessment`; ValidationError once published, JobAlreadyActive while one is queued/running."""
    if assessment.published:
        raise ValidationError("考核结果已发布，不能再计算。")
    return jobs.start(
        KIND,
        title=f"计算考核结果：{assessment.title}",
        target=target(assessment),
        user=actor,
        org=assessment.root,
        params={"assessment": assessment.pk},
    )


def active_run(assessment: Assessment) -> BackgroundJob | None:
    return jobs.active_job(KIND, target(assessment))


def run_job(job: BackgroundJob, progress) -> jobs.Outcome:
    assessment = Assessment.objects.filter(pk=job.params.get("assessment")).first()
    if assessment is None:
        raise ValidationError("该考核已不存在。")
    progress(0, 1)
    outcome = services.run_assessment(assessment, actor=job.user)
    progress(1, 1)
    weak = sum(1 for r in outcome.results if r.weak)
    return jobs.Outcome(
        message=f"已计算：{len(outcome.results)} 个组织，软弱涣散 {weak} 个。摘要值 {outcome.digest[:12]}…",
        result_url=reverse("assess:detail", args=[assessment.pk]),
    )


def register() -> None:
    jobs.register_job_kind(KIND, run_job)

"""Result files of finished background jobs are kept `JOB_RETENTION_DAYS` (30 by default) and then removed by the
daily cleanup (`import_leftovers`): the job's page says the files were cleaned and offers no download any more;
younger jobs, running jobs and their files are left alone."""

from __future__ import annotations

import datetime
import os

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dangjian.cadence.models import JobRun, RunStatus
from dangjian.core import jobs
from dangjian.core.models import BackgroundJob
from dangjian.flows import schedule

KIND = "test.report"


def _report(job, progress):
    name = jobs.write_file(job, "报告.txt", lambda path: path.write_text("名单", encoding="utf-8"))
    return jobs.Outcome(message="已生成报告。", files=[name])


@pytest.fixture
def finished(county_user, region, settings, tmp_path):
    """Start a job that writes one file, run inline; returns a maker taking how many days ago it ended."""
    settings.DATA_DIR = tmp_path
    settings.JOBS_INLINE = True
    jobs.register_job_kind(KIND, _report)

    def make(days_ago: int) -> BackgroundJob:
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago), tick=False):
            return jobs.start(KIND, title="报告", target=f"t{days_ago}", user=county_user, org=region.north)

    yield make
    jobs.HANDLERS.pop(KIND, None)


def test_the_daily_cleanup_removes_result_files_past_the_retention_and_the_page_says_so(
    finished, county_user, settings
):
    old, young = finished(31), finished(29)
    assert jobs.job_dir(old).is_dir() and old.files == ["报告.txt"]

    outcome = schedule.run_due(timezone.now(), only="import_leftovers")[0]

    assert outcome.status == RunStatus.OK, outcome
    assert JobRun.objects.get(job="import_leftovers").counts["job_files_pruned"] == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.files == [] and not jobs.job_dir(old).exists()
    assert young.files == ["报告.txt"] and (jobs.job_dir(young) / "报告.txt").is_file()
    client = Client()
    client.force_login(county_user)
    page = client.get(f"/jobs/{old.pk}/").content.decode()
    assert "结果文件已超过保存期限（30 天），已清理" in page and "下载 报告.txt" not in page
    assert client.get(f"/jobs/{old.pk}/files/0/").status_code == 404
    assert client.get(f"/jobs/{young.pk}/files/0/").status_code == 200


def test_the_retention_is_a_setting_and_a_second_sweep_prunes_nothing_more(finished, settings):
    settings.JOB_RETENTION_DAYS = 7
    job = finished(8)
    assert jobs.prune_finished() == 1
    assert jobs.prune_finished() == 0
    job.refresh_from_db()
    assert job.message.count("已清理") == 1 and job.message.startswith("已生成报告。")


def test_a_folder_no_job_names_is_removed_once_as_old(finished, settings):
    job = finished(40)
    folder = jobs.job_dir(job)
    BackgroundJob.objects.filter(pk=job.pk).delete()
    then = (timezone.now() - datetime.timedelta(days=40)).timestamp()
    os.utime(folder, (then, then))
    young = finished(1)
    assert folder.is_dir()
    jobs.prune_finished()
    assert not folder.exists() and jobs.job_dir(young).is_dir()

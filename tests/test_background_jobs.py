"""Background jobs (core/jobs.py) as a user meets them: starting an assessment run or a bulletin answers at once with
the job's page, the worker runs it, the page then links to the result; a second start while one is queued or
running is refused in Chinese and makes no second job; only the starter and those whose scope covers the job's
organization see it; a job whose worker died is failed by the sweep, one still queued is left for the next worker.
The kill -9 drills on real processes are in tests/test_faults_jobs.py."""

from __future__ import annotations

import datetime
import json
import subprocess

import pytest
from django.test import Client

from dangjian.assess import services
from dangjian.assess.models import Participant, Result
from dangjian.core import jobs
from dangjian.core.models import BackgroundJob
from dangjian.server.worker import WorkerLoop
from schemes import Y01, county_scheme, given

SCHEME = county_scheme(given(90), Y01, total="100", weak_floors="{农村: 15%}")


@pytest.fixture
def assessment(region, county_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    services.enter(Participant.objects.get(code="T-VILLAGE"), "G01", "85", actor=county_user)
    return assessment


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def progress(client, job) -> tuple[int, dict]:
    response = client.get(f"/jobs/{job.pk}/progress/")
    return response.status_code, (json.loads(response.content) if response.status_code == 200 else {})


@pytest.mark.django_db(transaction=True)
def test_a_run_is_queued_refused_twice_run_by_the_worker_and_then_links_to_the_assessment(
    assessment, county_user, settings
):
    settings.JOBS_INLINE = False
    client = signed_in(county_user)
    started = client.post(f"/assess/{assessment.pk}/run/")
    job = BackgroundJob.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.kind, job.user, job.org_path) == ("queued", "assess.run", county_user, assessment.root.path)
    page = client.get(started["Location"]).content.decode()
    assert "计算考核结果" in page and "排队中" in page and 'data-finished="0"' in page
    assert not Result.objects.exists()

    again = client.post(f"/assess/{assessment.pk}/run/", follow=True)
    assert again.redirect_chain[-1][0] == f"/jobs/{job.pk}/"  # to the job already queued, not a new one
    assert "正在排队中，请等它结束后再发起（不会重复执行）" in again.content.decode()
    assert BackgroundJob.objects.count() == 1

    WorkerLoop(interval=0.1).run(once=True)
    job.refresh_from_db()
    assert job.status == "done" and job.runner == jobs.runner_id() and job.finished_at
    assert Result.objects.filter(participant__assessment=assessment).count() == 2
    status, seen = progress(client, job)
    assert status == 200 and seen["finished"] and seen["percent"] == 100
    assert seen["result_url"] == f"/assess/{assessment.pk}/" and seen["message"].startswith("已计算：2 个组织")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/assess/{assessment.pk}/"' in page and "查看结果" in page

    WorkerLoop(interval=0.1).run(once=True)  # the task is gone: a second round runs nothing again
    assert BackgroundJob.objects.get().status == "done"
    # Once it has ended, the next start is a new job.
    assert client.post(f"/assess/{assessment.pk}/run/").status_code == 302
    assert BackgroundJob.objects.filter(status="queued").count() == 1


@pytest.mark.django_db
def test_only_the_starter_and_those_whose_scope_covers_the_organization_see_the_job(
    assessment, county_user, city_admin, town_user, outsider, settings
):
    settings.JOBS_INLINE = False
    signed_in(county_user).post(f"/assess/{assessment.pk}/run/")
    job = BackgroundJob.objects.get()
    assert progress(signed_in(county_user), job)[0] == 200
    assert progress(signed_in(city_admin), job)[0] == 200  # the city's scope covers the county
    for other in (town_user, outsider):  # a town below the county, the other county: as for a missing job
        client = signed_in(other)
        assert progress(client, job)[0] == 404
        response = client.get(f"/jobs/{job.pk}/")
        assert response.status_code == 404 and "计算考核结果" not in response.content.decode()
    assert Client().get(f"/jobs/{job.pk}/progress/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_a_published_assessment_is_not_run_again_and_no_job_is_made(assessment, county_user, settings):
    settings.JOBS_INLINE = True
    assessment.status = "published"
    assessment.save(update_fields=["status"])
    page = signed_in(county_user).post(f"/assess/{assessment.pk}/run/", follow=True).content.decode()
    assert "考核结果已发布，不能再计算。" in page
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db
def test_a_job_that_fails_says_so_in_chinese_and_keeps_no_file(region, county_user, settings, tmp_path):
    settings.JOBS_INLINE = True
    settings.DATA_DIR = tmp_path

    def broken(job, progress):
        jobs.write_file(job, "半成品.docx", lambda path: path.write_bytes(b"half"))
        raise RuntimeError("disk on fire")

    jobs.register_job_kind("test.broken", broken)
    try:
        job = jobs.start("test.broken", title="测试任务", target="x", user=county_user, org=region.north)
    finally:
        jobs.HANDLERS.pop("test.broken")
    assert (job.status, job.message) == ("failed", jobs.FAILED_MESSAGE)
    assert not jobs.job_dir(job).exists()
    page = signed_in(county_user).get(f"/jobs/{job.pk}/").content.decode()
    assert jobs.FAILED_MESSAGE in page and "下载" not in page


@pytest.mark.django_db
def test_the_sweep_fails_a_running_job_whose_worker_is_gone_and_leaves_a_queued_one_for_the_next_worker(
    region, county_user, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    ended = subprocess.Popen(["true"])  # noqa: S607 - a process that has ended: the dead worker's pid
    ended.wait()
    host = jobs.runner_id().rpartition(":")[0]
    dead = BackgroundJob.objects.create(
        kind="assess.run", title="计算", target="a:1", status="running", runner=f"{host}:{ended.pid}"
    )
    (tmp_path / "jobs" / str(dead.pk)).mkdir(parents=True)
    (tmp_path / "jobs" / str(dead.pk) / "x.docx.part").write_bytes(b"half")
    queued = BackgroundJob.objects.create(kind="assess.run", title="计算", target="a:2", status="queued")
    mine = BackgroundJob.objects.create(
        kind="assess.run", title="计算", target="a:3", status="running", runner=jobs.runner_id()
    )
    assert jobs.fail_abandoned() == 1
    dead.refresh_from_db()
    assert (dead.status, dead.message) == ("failed", jobs.ABANDONED_MESSAGE)
    assert not (tmp_path / "jobs" / str(dead.pk)).exists()
    assert BackgroundJob.objects.get(pk=queued.pk).status == "queued"
    assert BackgroundJob.objects.get(pk=mine.pk).status == "running"  # its runner (this process) is alive


@pytest.mark.django_db(transaction=True)
def test_publishing_is_queued_refused_twice_and_the_worker_publishes_and_opens_the_cases(
    assessment, county_user, settings
):
    from dangjian.assess.models import Assessment
    from dangjian.rectify.models import Case

    settings.JOBS_INLINE = True
    services_run = signed_in(county_user).post(f"/assess/{assessment.pk}/run/")
    assert services_run.status_code == 302
    settings.JOBS_INLINE = False
    client = signed_in(county_user)
    started = client.post(f"/assess/{assessment.pk}/publish/", {"confirm": "on"})
    job = BackgroundJob.objects.get(kind="assess.publish")
    assert started["Location"] == f"/jobs/{job.pk}/" and job.status == "queued"
    assert not Assessment.objects.get(pk=assessment.pk).published and not Case.objects.exists()
    assert "发布考核结果" in client.get(started["Location"]).content.decode()

    again = client.post(f"/assess/{assessment.pk}/publish/", {"confirm": "on"}, follow=True)
    assert again.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
    assert BackgroundJob.objects.filter(kind="assess.publish").count() == 1
    run = client.post(f"/assess/{assessment.pk}/run/")  # a run may not slip in before publishing
    assert run.status_code == 302

    WorkerLoop(interval=0.1).run(once=True)
    job.refresh_from_db()
    assert job.status == "done" and job.message.startswith("考核结果已发布并冻结")
    assert job.result_url == f"/assess/{assessment.pk}/results/"
    published = Assessment.objects.get(pk=assessment.pk)
    assert published.published
    weak = set(
        Result.objects.filter(participant__assessment=assessment, weak=True).values_list("participant__org", flat=True)
    )
    assert set(Case.objects.filter(assessment=assessment).values_list("org", flat=True)) == weak
    # The run queued after publishing was asked for fails in Chinese: the results are frozen.
    late = BackgroundJob.objects.filter(kind="assess.run").order_by("-pk").first()
    assert late.status == "failed" and "已发布" in late.message

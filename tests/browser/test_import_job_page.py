"""The import job's page in a real browser, polled by the one job script (`dangjian/job.js`, shared with the
background job page): the progress counts and the status move while the import runs, and the page turns by itself
into the result (its counts) once the import has ended."""

import os

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.services import create_org
from dangjian.sheets.models import ImportJob

from .signin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-2026"


@pytest.fixture
def officer():
    county = create_org(
        actor=None, parent=None, name="兴安县委", code="B-COUNTY", kind=OrgKind.COUNTY_COMMITTEE, level=Level.COUNTY
    )
    user = User.objects.create_user("county_officer")
    set_password(user, PASSWORD, actor=user)
    grant_org(user, county, Role.MANAGE)
    return user


def test_the_import_page_follows_the_job_and_shows_its_result(page, live_server, officer):
    now = timezone.now()
    job = ImportJob.objects.create(
        user=officer,
        kind="members",
        original_name="党员名册.xlsx",
        file="x/a.xlsx",
        status="pending",
        total=100,
        heartbeat=now,
        dry_run=False,
    )
    sign_in(page, live_server, "county_officer", PASSWORD)

    page.goto(f"{live_server.url}/sheets/jobs/{job.pk}/")
    assert page.locator("#job-state").inner_text() == "排队中"
    ImportJob.objects.filter(pk=job.pk).update(status="running", done=40, heartbeat=timezone.now())
    expect(page.locator("#job-done")).to_have_text("40", timeout=20_000)  # polled, no reload
    expect(page.locator("#job-state")).to_have_text("进行中")
    assert "进行中：已处理 40 / 100 行" in page.locator("#job-status").inner_text()
    if os.environ.get("DANGJIAN_TEST_ARTIFACTS"):
        page.screenshot(path=os.path.join(os.environ["DANGJIAN_TEST_ARTIFACTS"], "import-running.png"), full_page=True)

    ImportJob.objects.filter(pk=job.pk).update(
        status="done", done=100, created=98, updated=2, finished_at=timezone.now()
    )
    page.locator("#job-result").wait_for(timeout=20_000)  # the page polled, saw the end, and reloaded
    assert "导入完成，共 100 行" in page.locator("#job-status").inner_text()

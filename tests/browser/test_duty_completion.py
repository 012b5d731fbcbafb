"""A county user records a duty task done in Chromium: the organization's list shows the overdue task, the task's
page takes the note and a PDF of evidence, and the list shows it done; no Content-Security-Policy violation."""

import os
import re
import tempfile

import pytest
from django.utils import timezone

from dangjian.responsibility import services
from dangjian.responsibility.choices import DutyPost, Frequency
from dangjian.responsibility.models import DutyTask

from .signin import sign_in
from .test_csp import watch
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = tempfile.gettempdir()  # looked at by whoever changes these pages


def test_a_county_user_records_a_task_done_with_evidence(page, live_server, region, county_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    year = timezone.localdate().year
    services.save_template(actor=None, owner=region.north, post=DutyPost.BRANCH_SECRETARY,
                           frequency=Frequency.MONTHLY, title="主持主题党日")  # fmt: skip
    services.assign_duties(region.north, actor=None)
    services.generate_tasks(year, actor=None, backfill=True)
    task = DutyTask.objects.order_by("due_on").first()
    evidence = tmp_path / "主题党日记录.pdf"
    evidence.write_bytes(b"%PDF-1.4 minutes of the theme day")
    violations = watch(page)

    sign_in(page, live_server, "county_user", PASSWORD)

    page.goto(f"{live_server.url}/duties/orgs/{region.village.pk}/?year={year}")
    page.get_by_role("link", name=re.compile(r"1月")).first.click()
    page.wait_for_url(re.compile(rf"/duties/tasks/{task.pk}/$"))
    page.get_by_label("完成情况").fill("1月主题党日：学习党章，12 名党员参加")
    page.get_by_label("佐证材料").set_input_files(str(evidence))
    page.get_by_role("button", name="登记完成").click()
    page.wait_for_url(re.compile(rf"/duties/tasks/{task.pk}/$"))
    assert page.locator("#task-status").inner_text().startswith("已完成")
    assert page.get_by_role("link", name="主题党日记录.pdf").is_visible()
    page.screenshot(path=os.path.join(SHOTS, "duties-task-done.png"), full_page=True)

    task.refresh_from_db()
    assert (task.status, task.note) == ("done", "1月主题党日：学习党章，12 名党员参加")
    assert task.evidence.read() == b"%PDF-1.4 minutes of the theme day"
    page.goto(f"{live_server.url}/duties/orgs/{region.village.pk}/?year={year}")
    assert "已完成 1 项" in page.locator("#duty-summary").inner_text()
    page.screenshot(path=os.path.join(SHOTS, "duties-org-list.png"), full_page=True)
    assert violations == []

"""On the demo: 漠北县 publishes its assessment, the cases open at exactly the weak organizations, and one case is
worked to closure through the pages."""

import datetime

import pytest
from django.core.management import call_command

from dangjian.assess.models import Assessment, Result
from dangjian.rectify.models import Case, CaseStatus

from .signin import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "files"
    call_command("demo", no_serve=True, verbosity=0)
    return Assessment.objects.get(root__name="示范市漠北县委")


def log_in(browser, live_server, username):
    return signed_in(browser, live_server, username, "demo-2026", timeout=20_000)


def test_publishing_the_demo_assessment_opens_cases_and_one_is_closed(browser, live_server, demo, settings):
    settings.JOBS_INLINE = True  # publishing's job runs in the request (test_background_job: the worker)
    county = log_in(browser, live_server, "demo_county")
    county.goto(f"{live_server.url}/assess/{demo.pk}/")
    county.get_by_role("link", name="发布并冻结结果").click()  # a confirmation page first: publishing is final
    county.get_by_label("我已核对考核结果，确认发布", exact=False).check()
    county.get_by_role("button", name="确认发布").click()
    county.get_by_text("考核结果已发布并冻结").wait_for()

    weak = set(
        Result.objects.filter(participant__assessment=demo, weak=True).values_list("participant__code", flat=True)
    )
    assert set(Case.objects.filter(assessment=demo).values_list("org__code", flat=True)) == weak
    # The demo's inspections opened cases of their own (source 督查发现): the assessment's are those it names.
    county.goto(f"{live_server.url}/rectify/?year=2026&assessment={demo.pk}")
    shown = county.locator("table.list tbody tr")
    assert shown.count() == len(weak)

    # A village's case: the town's check binds villages and communities only (rulebook `rectify.town_check`).
    case = (
        Case.objects.filter(assessment=demo, measures__isnull=True, org__domain="village").order_by("org__path").first()
    )
    county.goto(f"{live_server.url}/rectify/{case.pk}/")
    county.get_by_role("link", name="新增整改措施").click()
    county.get_by_label("问题").fill(case.problems[0] if case.problems else "组织生活不经常")
    county.get_by_label("整改措施", exact=True).fill("建立“三会一课”月度提醒，镇党委每月检查记录")
    county.get_by_label("责任人", exact=True).fill("支部书记")
    county.get_by_label("完成时限").fill((datetime.date.today() + datetime.timedelta(days=60)).isoformat())
    county.get_by_role("button", name="保存").click()
    county.get_by_text("整改措施已加入方案").wait_for()
    county.get_by_role("link", name="填写台账").click()
    county.get_by_label("进展情况").fill("已连续三个月按时召开支部委员会和党员大会")
    county.get_by_role("button", name="保存").click()
    county.get_by_text("台账已记录").wait_for()
    county.get_by_role("link", name="标记完成").click()
    county.get_by_role("button", name="保存").click()
    county.get_by_text("措施已标记完成").wait_for()
    county.get_by_role("link", name="乡镇初验").click()
    county.get_by_label("意见").fill("整改到位，同意上报")
    county.get_by_role("button", name="保存").click()
    county.get_by_text("已初验，待销号单位验收").wait_for()
    county.get_by_role("link", name="验收销号").click()
    county.get_by_label("意见").fill("验收合格，同意销号")
    county.get_by_role("button", name="保存").click()
    county.get_by_text("已验收销号").wait_for()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    county.context.close()

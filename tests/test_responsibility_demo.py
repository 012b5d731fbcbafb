"""The demo's responsibility lists: duties on the county's posts, a year of tasks done unevenly, and a tax system
whose "四层衔接、三级贯通" view shows where the chain breaks."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.responsibility.choices import DutyPost, TaskStatus
from dangjian.responsibility.models import DutyItem, DutyTask, LeadingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", no_serve=True, verbosity=0)
    return tmp_path


def test_the_demo_county_has_duty_lists_a_year_of_tasks_and_a_broken_chain(demo):
    county = Organization.objects.get(name="示范市漠北县委")
    items = DutyItem.objects.in_subtree(county).active()
    assert set(items.values_list("post", flat=True)) >= {
        DutyPost.GROUP_SECRETARY, DutyPost.COMMITTEE_SECRETARY, DutyPost.COMMITTEE_MEMBER,
        DutyPost.BRANCH_SECRETARY, DutyPost.MEMBER}  # fmt: skip
    today = timezone.localdate()
    due = DutyTask.objects.in_subtree(county).filter(due_on__lt=today)
    done = due.filter(status=TaskStatus.DONE).count()
    assert due.count() and 0.6 < done / due.count() < 0.98  # realistic: mostly done, some overdue
    assert LeadingGroup.objects.count() == 2

    client = Client()
    client.post("/accounts/login/", {"username": "demo_city", "password": "demo-2026"})
    system = VerticalSystem.objects.get(name="示范市税务系统")
    page = client.get(f"/duties/systems/{system.pk}/")
    assert page.status_code == 200
    breaks = {link.unit.name: link.breaks for link in page.context["links"]}
    assert breaks["示范市税务局机关党委"] == []
    assert "未设党组（或党组未关联本单位机关党委）" in breaks["河西区税务局党支部"]
    assert any("未归口县区局" in b for name, bs in breaks.items() for b in bs if "分局" in name)

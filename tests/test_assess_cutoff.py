"""An assessment reads the register and the party records as they stood on its cut-off: once the cut-off has
passed, the first run takes the facts (`CutoffFacts`), and a member added or moved, a secretary appointed, a meeting
dated after the cut-off or entered late but dated before it changes neither the results nor the digest. Only a
deliberate retake (`take_facts`, audited) lets late records in. A run before the cut-off is provisional."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.assess import services
from dangjian.assess.models import Assessment, CutoffFacts, Participant, Result
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.schedule import run_due
from dangjian.members.models import Member
from dangjian.members.services import transfer_member
from dangjian.orgs.choices import Post
from dangjian.orgs.services import set_post
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.services import Presence, record_meeting
from schemes import T01, county_scheme, given

from conftest import make_member

pytestmark = pytest.mark.django_db
CUTOFF = datetime.date(2026, 12, 31)
L01 = "{code: L01, name: 党员大会, points: 40, method: derived, metric: assembly_held}"
M01 = "{code: M01, name: 党员人数, points: 20, method: derived, metric: member_count_ok}"
SCHEME = county_scheme(T01, L01, M01, given(30), total="100", weak_floors="{农村: 50%}")


def on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def meet(org, kind, day, entered):
    people = [Presence(m, True) for m in Member.objects.filter(org=org)]
    with on(entered):
        record_meeting(actor=None, org=org, kind=kind, date=day, topic="学习", people=people)


@pytest.fixture
def assessment(region, county_user, town_user):
    meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2026, 2, 8), datetime.date(2026, 2, 9))
    meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2026, 5, 8), datetime.date(2026, 5, 9))
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    with on(datetime.date(2026, 11, 20)):
        opened = services.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=CUTOFF)
        for code, points in (("T-VILLAGE", "25"), ("T-BIRCH", "28")):
            services.enter(Participant.objects.get(assessment=opened, code=code), "G01", points, actor=town_user)
    return opened


def run(assessment, user, day):
    with on(day):
        outcome = services.run_assessment(assessment, actor=user)
    stored = {
        r.participant.code: (str(r.total), r.rank, r.grade, r.weak, r.cents)
        for r in Result.objects.filter(participant__assessment=assessment).select_related("participant")
    }
    return outcome.digest, stored


def change_everything_after_the_cutoff(region):
    """A member added and one moved, a secretary appointed, and meetings: one dated after the cut-off and two
    entered late but dated before it."""
    with on(datetime.date(2027, 1, 6)):
        make_member(region.birch, "周新来", 31)
        transfer_member(Member.objects.get(name="李秋实"), region.birch, actor=None, date=datetime.date(2027, 1, 6))
        set_post(region.birch, actor=None, post=Post.SECRETARY, holder_name="孙白桦")
    meet(region.birch, MeetingKind.ASSEMBLY, datetime.date(2027, 1, 5), datetime.date(2027, 1, 6))
    meet(region.birch, MeetingKind.ASSEMBLY, datetime.date(2026, 12, 20), datetime.date(2027, 1, 6))
    meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2026, 9, 8), datetime.date(2027, 1, 6))


def test_changes_after_the_cutoff_leave_the_results_and_the_digest_unchanged(region, county_user, assessment):
    digest, results = run(assessment, county_user, datetime.date(2027, 1, 5))
    assessment.refresh_from_db()
    assert assessment.facts_taken_at is not None
    assert CutoffFacts.objects.filter(participant__assessment=assessment).count() == 2
    # By hand, as of the cut-off: 青松村 has its secretary (10), 2 of 4 党员大会 (20 of 40), 3 full members (20) and
    # 25 given = 75; 白桦村 no secretary, no meeting, one member, 28 given = 28.
    assert results["T-VILLAGE"][:3] == ("75.00", 1, "C")
    assert results["T-BIRCH"][:4] == ("28.00", 2, "D", True)

    change_everything_after_the_cutoff(region)
    assert run(assessment, county_user, datetime.date(2027, 1, 7)) == (digest, results)
    # The explanation reads the same facts: its points are not marked as changed since the run.
    village = Result.objects.get(participant__assessment=assessment, participant__code="T-VILLAGE")
    assert [line["source"] for line in village.lines if line["code"] == "M01"] == [
        "系统数据（党员人数达标）完成 100.0%"
    ]


def test_a_deliberate_retake_lets_the_late_records_in_and_is_audited(region, county_user, assessment):
    digest, _ = run(assessment, county_user, datetime.date(2027, 1, 5))
    change_everything_after_the_cutoff(region)
    with on(datetime.date(2027, 1, 8)):
        services.take_facts(assessment, actor=county_user)
    again, results = run(assessment, county_user, datetime.date(2027, 1, 8))
    assert again != digest
    # 青松村: the 党员大会 of September, entered late, now counts (3 of 4: 30); 李秋实 moved away, so two full
    # members (0): 10 + 30 + 0 + 25. 白桦村: a secretary (10), the December meeting (1 of 4: 10; the January one is
    # after the cut-off), three members now (20), 28 given.
    assert results["T-VILLAGE"][0] == "65.00"
    assert results["T-BIRCH"][0] == "68.00"
    assert AuditLog.objects.filter(object_type="assessment", detail="按截止日重新取数").count() == 1


def test_a_run_before_the_cutoff_is_provisional_and_reads_the_records_as_they_are(region, county_user, assessment):
    before, _ = run(assessment, county_user, datetime.date(2026, 12, 1))
    assert Assessment.objects.get(pk=assessment.pk).facts_taken_at is None
    with on(datetime.date(2026, 12, 2)):
        set_post(region.birch, actor=None, post=Post.SECRETARY, holder_name="孙白桦")
    after, results = run(assessment, county_user, datetime.date(2026, 12, 3))
    assert after != before
    assert results["T-BIRCH"][0] == "38.00"


def test_retaking_is_refused_before_the_cutoff_once_published_and_out_of_scope(
    region, county_user, outsider, assessment
):
    with on(datetime.date(2026, 12, 1)), pytest.raises(ValidationError, match="截止日期 2026-12-31 尚未过去"):
        services.take_facts(assessment, actor=county_user)
    with on(datetime.date(2027, 1, 8)), pytest.raises(OutOfScope):
        services.take_facts(assessment, actor=outsider)
    assert not CutoffFacts.objects.exists()
    with on(datetime.date(2027, 1, 8)):
        services.freeze_results(assessment, actor=county_user)
    with on(datetime.date(2027, 1, 9)), pytest.raises(ValidationError, match="考核结果已发布"):
        services.take_facts(assessment, actor=county_user)


def test_the_retake_button_is_for_the_managers_only(region, county_user, town_user, assessment, login):
    run(assessment, county_user, datetime.date(2027, 1, 5))
    first = Assessment.objects.get(pk=assessment.pk).facts_taken_at
    with on(datetime.date(2027, 1, 6)):
        assert login(town_user).post(f"/assess/{assessment.pk}/facts/").status_code == 404
        assert Assessment.objects.get(pk=assessment.pk).facts_taken_at == first
        client = login(county_user)
        assert "按截止日重新取数" in client.get(f"/assess/{assessment.pk}/").content.decode()
        page = client.post(f"/assess/{assessment.pk}/facts/", follow=True)
    assert "已按截止日 2026-12-31 重新取数" in page.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).facts_taken_at > first


def test_the_day_after_the_cutoff_the_scheduler_takes_the_facts(region, county_user, assessment):
    def at(day):
        return datetime.datetime.combine(day, datetime.time(2), tzinfo=datetime.UTC)

    with on(CUTOFF):
        run_due(at(CUTOFF), only="assess_cutoff_facts")
    assert Assessment.objects.get(pk=assessment.pk).facts_taken_at is None  # the cut-off day is not over
    with on(datetime.date(2027, 1, 1)):
        run_due(at(datetime.date(2027, 1, 1)), only="assess_cutoff_facts")
    assert Assessment.objects.get(pk=assessment.pk).facts_taken_at is not None
    assert AuditLog.objects.filter(object_type="assessment", detail="按截止日取数", user=None).count() == 1
    change_everything_after_the_cutoff(region)
    _, results = run(assessment, county_user, datetime.date(2027, 1, 7))
    assert (results["T-VILLAGE"][0], results["T-BIRCH"][0]) == ("75.00", "28.00")  # as of the cut-off, by hand


def test_the_explanation_says_its_points_are_as_of_the_cutoff(region, county_user, assessment, login):
    run(assessment, county_user, datetime.date(2027, 1, 5))
    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    with on(datetime.date(2027, 1, 6)):
        text = login(county_user).get(f"/assess/orgs/{village.pk}/result/").content.decode()
    assert "系统数据项按截止日 2026-12-31 的记录计分" in text

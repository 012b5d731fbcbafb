"""The accountability rules as proposals, their confirmation and dismissal, and the block on honours and promotion."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dangjian.accountability import services
from dangjian.accountability.choices import ProposalStatus, RecordKind, Rule
from dangjian.accountability.models import ChiefRating, Commendation, Proposal, Record
from dangjian.assess import services as assess
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.publishing import publish_assessment
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import Workstation
from dangjian.orgs.services import set_post
from schemes import R01, T01, county_scheme, given

from conftest import make_org

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(T01, given(80), R01, year=2025, total="100")


def weak_year(region, county_user, town_user, scheme):
    """Open, score and publish one year: 青松村 and 林场总支 do well; 白桦村 and 林场一支部 get nothing, so are weak."""
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(scheme.year, 12, 31)
    )
    for code in ("T-VILLAGE", "T-GB"):
        assess.enter(assessment.participants.get(code=code), "G01", "80", actor=town_user)
    publish_assessment(assessment, actor=county_user)
    return assessment


@pytest.fixture
def second_tier(region):
    """A general branch under the town with a branch under it: that branch is second-tier (二级党支部)."""
    general = make_org(region.town, "林场党总支", "T-GB", OrgKind.GENERAL_BRANCH, Level.VILLAGE, Domain.VILLAGE)
    branch = make_org(general, "林场一支部", "T-SUB", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    set_post(general, actor=None, post=Post.SECRETARY, holder_name="林总书")
    set_post(branch, actor=None, post=Post.SECRETARY, holder_name="林一书")
    set_post(region.birch, actor=None, post=Post.SECRETARY, holder_name="孙白桦")
    return general, branch


@pytest.fixture
def second_year(region, county_user, town_user, second_tier):
    first = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    weak_year(region, county_user, town_user, first)
    return weak_year(region, county_user, town_user, assess.clone_scheme(first, actor=county_user, year=2026))


@pytest.fixture
def station(region):
    station = Workstation.objects.create(name="松岭第一工作站", code="T-WS1", town=region.town, chief_name="周站长")
    station.villages.add(region.village, region.birch)
    return station


def test_weak_two_years_running_proposes_removing_the_secretary_and_the_parents_for_a_second_tier_branch(
    region, county_user, second_year
):
    # Publishing the second year proposed them already (publish_assessment); running the rules again adds none.
    assert services.generate_proposals(second_year, actor=county_user) == []
    created = list(Proposal.objects.filter(assessment=second_year))

    by_key = {(p.rule, p.org.code): p for p in created}
    assert set(by_key) == {
        (Rule.WEAK_TWICE, "T-BIRCH"),
        (Rule.WEAK_TWICE, "T-SUB"),
        (Rule.WEAK_TWICE_PARENT, "T-GB"),
    }
    birch = by_key[(Rule.WEAK_TWICE, "T-BIRCH")]
    assert (birch.person_name, birch.kind, birch.year, birch.status) == ("孙白桦", RecordKind.REMOVAL, 2026, "pending")
    assert "连续两年被列为软弱涣散基层党组织" in birch.reason
    assert birch.assessment == second_year
    parent = by_key[(Rule.WEAK_TWICE_PARENT, "T-GB")]
    assert parent.person_name == "林总书"
    assert "林场一支部" in parent.reason
    assert by_key[(Rule.WEAK_TWICE, "T-SUB")].person_name == "林一书"
    # Weak once (first year) gives nothing: only the second year's assessment proposes.
    assert not Proposal.objects.exclude(assessment=second_year).exists()
    assert AuditLog.objects.filter(object_type="proposal", action="create").count() == 3


def test_generating_again_adds_nothing(region, county_user, second_year):
    assert services.generate_proposals(second_year, actor=county_user) == []
    assert services.generate_proposals(second_year, actor=county_user) == []
    assert Proposal.objects.count() == 3


def test_an_unpublished_or_out_of_scope_assessment_is_refused(region, county_user, outsider, town_user, second_year):
    Proposal.objects.all().delete()  # the ones publishing made; this test is about refusals
    with pytest.raises(OutOfScope):
        services.generate_proposals(second_year, actor=outsider)
    with pytest.raises(OutOfScope):
        services.generate_proposals(second_year, actor=town_user)  # EDIT on the town, not MANAGE on the county
    second_year.status = "collecting"
    second_year.save()
    with pytest.raises(ValidationError, match="尚未发布"):
        services.generate_proposals(second_year, actor=county_user)
    assert not Proposal.objects.exists()


def test_confirming_creates_the_record_linked_to_its_cause(region, county_user, second_year):
    services.generate_proposals(second_year, actor=county_user)
    proposal = Proposal.objects.get(rule=Rule.WEAK_TWICE, org=region.birch)

    rec = services.confirm_proposal(proposal, actor=county_user, date=datetime.date(2027, 1, 10), note="县委常委会研究")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.record == rec
    assert proposal.decided_by == county_user and proposal.decision_reason == "县委常委会研究"
    assert (rec.person_name, rec.kind, rec.org, rec.year) == ("孙白桦", RecordKind.REMOVAL, region.birch, 2026)
    assert rec.assessment == second_year and rec.recorded_by == county_user
    assert AuditLog.objects.filter(object_type="record", action="create").count() == 1
    with pytest.raises(ValidationError, match="已确认"):
        services.confirm_proposal(proposal, actor=county_user, date=datetime.date(2027, 1, 11))
    assert Record.objects.count() == 1


def test_only_the_level_above_may_confirm(region, branch_secretary, town_user, county_user, second_year):
    services.generate_proposals(second_year, actor=county_user)
    proposal = Proposal.objects.get(rule=Rule.WEAK_TWICE, org=region.birch)
    for user in (branch_secretary, town_user):  # EDIT on the town is not MANAGE
        with pytest.raises(OutOfScope):
            services.confirm_proposal(proposal, actor=user, date=datetime.date(2027, 1, 10))
    assert not Record.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).pending


def test_dismissing_needs_a_reason_and_keeps_it(region, county_user, second_year):
    services.generate_proposals(second_year, actor=county_user)
    proposal = Proposal.objects.get(rule=Rule.WEAK_TWICE, org=region.birch)
    with pytest.raises(ValidationError, match="不予采纳须写明理由"):
        services.dismiss_proposal(proposal, actor=county_user, reason="  ")
    assert Proposal.objects.get(pk=proposal.pk).pending

    services.dismiss_proposal(proposal, actor=county_user, reason="书记已于年中调整")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == (ProposalStatus.DISMISSED, "书记已于年中调整")
    assert not Record.objects.exists()
    # A dismissed proposal is not made again.
    assert services.generate_proposals(second_year, actor=county_user) == []


def test_a_chief_rated_basic_once_gets_an_admonition_proposal(region, town_user, county_user, station):
    # The town's EDIT role may not rate; MANAGE on the town or above may.
    with pytest.raises(OutOfScope):
        services.rate_chief(actor=town_user, workstation=station, year=2026, chief_name="周站长", rating="basic")

    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")

    proposal = Proposal.objects.get()
    assert (proposal.rule, proposal.kind) == (Rule.CHIEF_BASIC, RecordKind.ADMONITION)
    assert (proposal.person_name, proposal.workstation, proposal.org) == ("周站长", station, region.town)
    assert "2026 年度考评为基本称职" in proposal.reason


def test_a_chief_rated_basic_twice_running_gets_a_dismissal_proposal(region, county_user, station):
    services.rate_chief(actor=county_user, workstation=station, year=2025, chief_name="周站长", rating="basic")
    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")

    latest = Proposal.objects.get(year=2026)
    assert (latest.rule, latest.kind) == (Rule.CHIEF_BASIC_TWICE, RecordKind.REMOVAL)
    assert "连续两年考评为基本称职" in latest.reason
    # generate_proposals over the year is idempotent, and a competent chief gets nothing.
    other = Workstation.objects.create(name="松岭第二工作站", code="T-WS2", town=region.town, chief_name="吴站长")
    services.rate_chief(actor=county_user, workstation=other, year=2026, chief_name="吴站长", rating="competent")
    assert services.generate_proposals(year=2026, actor=county_user) == []
    assert Proposal.objects.count() == 2


def test_a_new_chief_rated_basic_after_a_predecessor_starts_again_at_admonition(region, county_user, station):
    services.rate_chief(actor=county_user, workstation=station, year=2025, chief_name="前任站长", rating="basic")
    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")
    assert Proposal.objects.get(year=2026).rule == Rule.CHIEF_BASIC


def test_a_corrected_rating_dismisses_its_pending_proposal(region, county_user, station):
    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")
    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="competent")
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.DISMISSED and "已更正" in proposal.decision_reason
    assert ChiefRating.objects.get().rating == "competent"


def test_confirming_a_chief_admonition_records_it_and_blocks_honours(region, county_user, station):
    services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")
    rec = services.confirm_proposal(Proposal.objects.get(), actor=county_user, date=datetime.date(2026, 12, 20))
    assert (rec.kind, rec.workstation, rec.org) == (RecordKind.ADMONITION, station, region.town)
    assert services.blocked("周站长", region.town, 2026) == rec
    assert services.blocked("周站长", region.north, 2026) == rec  # matched within the subtree


def talk(region, actor, name="王春生", **extra):
    fields = {
        "org": region.village,
        "person_name": name,
        "person_post": "党支部书记",
        "kind": RecordKind.TALK,
        "date": datetime.date(2026, 5, 8),
        "reason": "三会一课长期不落实",
    } | extra
    return services.record_accountability(actor=actor, **fields)


def test_a_talk_blocks_honours_and_promotion_that_year_only(region, county_user):
    rec = talk(region, county_user)
    assert services.blocked("王春生", region.village, 2026) == rec
    assert services.blocked(" 王春生 ", region.town, 2026) == rec
    assert services.blocked("王春生", region.village, 2027) is None
    assert services.blocked("李秋实", region.village, 2026) is None
    assert services.blocked("王春生", region.birch, 2026) is None  # another organization's 王春生
    assert services.blocked("王春生", region.south, 2026) is None


def test_a_removal_or_a_talk_not_about_party_duties_does_not_block(region, county_user):
    talk(region, county_user, kind=RecordKind.REMOVAL)
    talk(region, county_user, for_party_duty=False)
    assert services.blocked("王春生", region.village, 2026) is None


def test_commending_a_person_talked_to_is_refused_naming_the_record(region, county_user, town_user):
    rec = talk(region, county_user)
    with pytest.raises(ValidationError) as exc:
        services.commend(
            actor=town_user, org=region.village, person_name="王春生", year=2026, kind="honour", reason="优秀党务工作者"
        )
    message = exc.value.messages[0]
    assert f"问责记录第 {rec.pk} 号" in message and "约谈" in message and "2026 年度不得推荐表彰" in message
    with pytest.raises(ValidationError, match="不得提拔"):
        services.commend(
            actor=town_user, org=region.town, person_name="王春生", year=2026, kind="promotion", reason="拟提拔"
        )
    assert not Commendation.objects.exists()
    # The next year, or another person, is fine.
    services.commend(
        actor=town_user, org=region.village, person_name="王春生", year=2027, kind="honour", reason="整改成效明显"
    )
    services.commend(
        actor=town_user, org=region.village, person_name="李秋实", year=2026, kind="honour", reason="优秀党员"
    )
    assert Commendation.objects.count() == 2
    assert AuditLog.objects.filter(object_type="commendation", action="create").count() == 2


def test_recording_is_for_the_level_above_and_checks_its_input(region, county_user, town_user, branch_secretary):
    with pytest.raises(OutOfScope):
        talk(region, town_user)  # EDIT on the town is not MANAGE
    with pytest.raises(OutOfScope):
        talk(region, county_user, org=region.north)  # the county's own people are the city's to hold to account
    with pytest.raises(ValidationError) as exc:
        talk(region, county_user, person_name=" ", reason="")
    assert exc.value.message_dict == {"person_name": ["请填写被问责人姓名。"], "reason": ["请填写问责事由。"]}
    assert not Record.objects.exists()
    assert not AuditLog.objects.filter(object_type="record").exists()


def test_a_record_cause_must_concern_the_organization(region, county_user, city_admin):
    from dangjian.rectify.models import Case

    south_case = Case.objects.create(org=region.south_village, year=2026, source="manual")
    with pytest.raises(ValidationError, match="不属于该组织"):
        talk(region, city_admin, case=south_case)
    assert not Record.objects.exists()


def test_deciders_are_the_managers_of_the_level_above(region, county_user, city_admin, town_user, outsider):
    assert set(services.deciders(region.village)) == {city_admin, county_user}


def test_the_deciding_users_are_notified_once(
    region, county_user, city_admin, town_user, station, django_capture_on_commit_callbacks
):
    from dangjian.cadence.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        services.rate_chief(actor=county_user, workstation=station, year=2026, chief_name="周站长", rating="basic")
    with django_capture_on_commit_callbacks(execute=True):
        services.generate_proposals(year=2026, actor=county_user)  # nothing new, nobody told twice
    proposal = Proposal.objects.get()
    notes = Notification.objects.filter(key=f"accountability-proposal-{proposal.pk}")
    assert sorted(n.user.username for n in notes) == ["city_admin", "county_user"]
    assert notes[0].url == f"/accountability/proposals/{proposal.pk}/"
    assert "周站长" in notes[0].title

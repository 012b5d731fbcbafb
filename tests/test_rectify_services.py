"""Rectification: a case from the published assessment to closure, the rules on the way, reopening, the roll-over,
and who may do each step."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.assess import services as assess
from dangjian.assess.models import Participant
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.publishing import publish_assessment
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.rectify import services
from dangjian.rectify.models import (
    Case,
    CaseEventKind,
    CaseSource,
    CaseStatus,
    LedgerFile,
    Measure,
    MeasureStatus,
    SupporterRole,
    WeaknessKind,
)
from dangjian.rectify.pairing import guess_kind, suggest_agencies
from schemes import T01, county_scheme, given

from conftest import make_org

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(T01, given(90), total="100", weak_floors="{农村: 15%}")
TODAY = datetime.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _spring_2027():
    """The 2026 cases are worked on in 2027: the clock stands on 1 March 2027."""
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def published_assessment(region, county_user, town_user, publish=True):
    """T-VILLAGE scores well, T-BIRCH (no secretary, low score) is the weak one."""
    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    assess.enter(Participant.objects.get(assessment=assessment, code="T-VILLAGE"), "G01", "85", actor=town_user)
    assess.enter(Participant.objects.get(assessment=assessment, code="T-BIRCH"), "G01", "60", actor=town_user)
    if publish:
        publish_assessment(assessment, actor=county_user)
    else:
        assess.run_assessment(assessment, actor=county_user)
    return assessment


@pytest.fixture
def case(region, county_user, town_user):
    published_assessment(region, county_user, town_user)
    return Case.objects.get(org=region.birch)


def planned(case, actor, n=1, deadline=datetime.date(2027, 6, 30)):
    return [
        services.add_measure(
            case, actor=actor, problem=f"问题{i}", action=f"措施{i}", responsible="孙白桦", deadline=deadline
        )
        for i in range(n)
    ]


def test_publishing_opens_a_case_for_each_weak_organization_with_reasons_and_problems(case, region):
    assert Case.objects.count() == 1
    assert case.source == CaseSource.ASSESSMENT and case.year == 2026 and case.status == CaseStatus.OPEN
    assert case.reasons == ["倒排进入比例线：农村 2 个 × 15% = 1"]
    assert case.problems == ["班子配备不齐全", "书记业务不达标"]
    assert case.kind == WeaknessKind.SOFT  # guessed from the problem flags, the town may change it
    assert [e.kind for e in case.events.all()] == [CaseEventKind.OPENED]
    assert AuditLog.objects.filter(object_type="case", action="create").count() == 1


def test_opening_again_opens_nothing_new(case, county_user):
    assert services.open_cases_for(case.assessment, actor=county_user) == []
    assert Case.objects.count() == 1


def test_an_unpublished_assessment_is_refused_in_chinese(region, county_user, town_user):
    assessment = published_assessment(region, county_user, town_user, publish=False)
    with pytest.raises(ValidationError, match="考核结果尚未发布"):
        services.open_cases_for(assessment, actor=county_user)
    assert not Case.objects.exists()


def test_walking_a_case_from_the_assessment_to_closure(case, county_user, town_user, branch_secretary, region):
    measure = planned(case, town_user)[0]
    services.set_supporter(case, SupporterRole.COUNTY_LEADER, actor=town_user, name="刘县长", unit="副县长")
    services.add_fund(case, actor=town_user, amount="30000", source="县财政专项", date=datetime.date(2027, 2, 1))
    photo = SimpleUploadedFile("会场照片.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")
    services.add_entry(
        measure, actor=town_user, date=datetime.date(2027, 2, 2), content="召开组织生活会", files=[photo]
    )
    progress = services.case_progress(case, TODAY)
    assert progress["funds_total"] == Decimal("30000") and progress["funds_short"] == Decimal("20000")
    assert progress["measures_open"] == 1 and progress["last_entry"] == datetime.date(2027, 2, 2)

    services.complete_measure(measure, actor=town_user, date=datetime.date(2027, 2, 3))
    services.town_check(case, actor=town_user, opinion="整改到位，同意上报")
    services.close_case(case, actor=county_user, opinion="验收合格，同意销号")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by == county_user
    assert case.town_checked_by == town_user and case.closing_opinion == "验收合格，同意销号"
    assert [e.kind for e in case.events.all()] == [
        CaseEventKind.OPENED,
        CaseEventKind.TOWN_CHECKED,
        CaseEventKind.CLOSED,
    ]
    assert LedgerFile.objects.get().original_name == "会场照片.jpg"
    assert AuditLog.objects.filter(object_type="case", detail="验收销号", username="county_user").exists()


def test_a_case_cannot_close_while_a_measure_is_open(case, county_user, town_user):
    first, _ = planned(case, town_user, n=2)
    with pytest.raises(ValidationError, match="还有 2 项整改措施未完成"):
        services.town_check(case, actor=town_user, opinion="同意")
    services.complete_measure(first, actor=town_user, date=datetime.date(2027, 1, 5))
    with pytest.raises(ValidationError, match="还有 1 项整改措施未完成，不能初验。"):
        services.town_check(case, actor=town_user, opinion="同意")
    with pytest.raises(ValidationError, match="须先经乡镇初验"):
        services.close_case(case, actor=county_user, opinion="同意")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not case.town_opinion


def test_a_case_without_a_plan_cannot_be_checked(case, town_user):
    with pytest.raises(ValidationError, match="尚未制定整改措施，不能初验。"):
        services.town_check(case, actor=town_user, opinion="同意")


def test_a_measure_added_after_the_town_check_needs_checking_again(case, town_user, county_user):
    services.complete_measure(planned(case, town_user)[0], actor=town_user, date=datetime.date(2027, 1, 5))
    services.town_check(case, actor=town_user, opinion="同意")
    planned(case, town_user)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.town_checked_at is None
    with pytest.raises(ValidationError, match="须先经乡镇初验"):
        services.close_case(case, actor=county_user, opinion="同意")


def closed(case, town_user, county_user):
    services.complete_measure(planned(case, town_user)[0], actor=town_user, date=datetime.date(2027, 1, 5))
    services.town_check(case, actor=town_user, opinion="同意")
    return services.close_case(case, actor=county_user, opinion="销号")


def test_reopen_needs_a_reason_and_keeps_it_in_the_history(case, town_user, county_user):
    closed(case, town_user, county_user)
    with pytest.raises(ValidationError, match="须填写理由"):
        services.reopen_case(case, actor=county_user, reason="   ")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    services.reopen_case(case, actor=county_user, reason="群众反映问题反弹")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.closed_at is None and case.town_checked_at is None
    assert case.events.last().kind == CaseEventKind.REOPENED and case.events.last().note == "群众反映问题反弹"
    with pytest.raises(ValidationError, match="只有已销号的案件"):
        services.reopen_case(case, actor=county_user, reason="再次")


def test_a_closed_case_cannot_be_changed(case, town_user, county_user):
    closed(case, town_user, county_user)
    with pytest.raises(ValidationError, match="已销号，不能再修改"):
        planned(case, town_user)
    with pytest.raises(ValidationError, match="已销号"):
        services.add_fund(case, actor=town_user, amount="1", source="x", date=datetime.date(2027, 1, 1))


def test_the_branch_cannot_check_or_close_its_own_case(region, case, town_user, county_user):
    from dangjian.accounts.models import Role

    from conftest import persona

    birch_secretary = persona("birch_secretary", region.birch, Role.EDIT)
    measure = planned(case, birch_secretary)[0]  # the branch drafts and works its own plan
    services.complete_measure(measure, actor=birch_secretary, date=datetime.date(2027, 1, 5))
    with pytest.raises(OutOfScope):
        services.town_check(case, actor=birch_secretary, opinion="自己验收")
    services.town_check(case, actor=town_user, opinion="同意")
    with pytest.raises(OutOfScope):
        services.close_case(case, actor=birch_secretary, opinion="自己销号")
    assert not services.can_close(birch_secretary, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWN_CHECKED


def test_the_town_cannot_accept_when_the_closing_level_is_the_county(case, town_user, county_user, settings):
    services.complete_measure(planned(case, town_user)[0], actor=town_user, date=datetime.date(2027, 1, 5))
    services.town_check(case, actor=town_user, opinion="同意")
    with pytest.raises(OutOfScope):
        services.close_case(case, actor=town_user, opinion="销号")
    settings.DANGJIAN_CASE_CLOSING_LEVEL = "town"
    services.close_case(case, actor=town_user, opinion="按规定由乡镇销号")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_another_county_can_do_nothing_with_the_case(case, outsider, town_user):
    measure = planned(case, town_user)[0]
    for attempt in (
        lambda: planned(case, outsider),
        lambda: services.complete_measure(measure, actor=outsider, date=datetime.date(2027, 1, 1)),
        lambda: services.add_entry(measure, actor=outsider, date=datetime.date(2027, 1, 1), content="x"),
        lambda: services.set_supporter(case, SupporterRole.ORG_DEPARTMENT, actor=outsider, name="x"),
        lambda: services.open_cases_for(case.assessment, actor=outsider),
    ):
        with pytest.raises(OutOfScope):
            attempt()
    assert Measure.objects.count() == 1 and not measure.entries.exists() and not case.supporters.exists()
    assert not Case.objects.restrict(outsider).exists()


def test_opening_by_hand_needs_the_level_above(region, town_user, branch_secretary, county_user):
    with pytest.raises(OutOfScope):  # a branch cannot list itself, nor can EDIT on the town open a case
        services.open_case(region.village, year=2026, source=CaseSource.MANUAL, actor=branch_secretary, note="x")
    with pytest.raises(OutOfScope):
        services.open_case(region.village, year=2026, source=CaseSource.MANUAL, actor=town_user, note="x")
    with pytest.raises(ValidationError, match="须写明发现的问题"):
        services.open_case(region.village, year=2026, source=CaseSource.INSPECTION, actor=county_user)
    case = services.open_case(
        region.village, year=2026, source=CaseSource.INSPECTION, actor=county_user, note="督查发现三会一课不落实"
    )
    assert case.reasons == ["督查发现三会一课不落实"]
    with pytest.raises(ValidationError, match="已有整顿案件"):
        services.open_case(region.village, year=2026, source=CaseSource.MANUAL, actor=county_user, note="再列")
    assert Case.objects.count() == 1


def test_bad_ledger_evidence_is_refused_and_nothing_is_written(case, town_user):
    measure = planned(case, town_user)[0]
    bad = SimpleUploadedFile("脚本.exe", b"MZ")
    with pytest.raises(ValidationError, match="只接受 PDF、图片"):
        services.add_entry(measure, actor=town_user, date=datetime.date(2027, 1, 1), content="x", files=[bad])
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.add_entry(measure, actor=town_user, date=datetime.date(2999, 1, 1), content="x")
    assert not measure.entries.exists() and not LedgerFile.objects.exists()


def test_bad_funds_are_refused(case, town_user):
    for amount, message in (("-5", "大于 0"), ("abc", "数字"), ("1.234", "两位小数")):
        with pytest.raises(ValidationError, match=message):
            services.add_fund(case, actor=town_user, amount=amount, source="县财政", date=datetime.date(2027, 1, 1))
    assert not case.funds.exists()


def test_roll_over_opens_next_years_case_once(case, town_user, county_user):
    open_measure, done_measure = planned(case, town_user, n=2)
    services.complete_measure(done_measure, actor=town_user, date=datetime.date(2027, 1, 5))
    services.set_supporter(case, SupporterRole.FIRST_SECRETARY, actor=town_user, name="周书记")
    rolled = services.roll_over(2026, actor=county_user)
    assert len(rolled) == 1
    new = rolled[0]
    assert (new.year, new.source, new.rolled_from) == (2027, CaseSource.ROLLOVER, case)
    assert new.reasons[0] == "上年度整顿未销号，结转本年度"
    assert list(new.measures.values_list("action", flat=True)) == [open_measure.action]
    assert new.supporters.get().name == "周书记"
    assert case.events.last().kind == CaseEventKind.ROLLED
    assert services.roll_over(2026, actor=county_user) == []  # idempotent
    assert Case.objects.filter(year=2027).count() == 1
    assert services.open_case_codes(2026) == {"T-BIRCH"}


def test_a_closed_case_does_not_roll_over(case, town_user, county_user):
    closed(case, town_user, county_user)
    assert services.roll_over(2026, actor=county_user) == []
    assert services.open_case_codes(2026) == set()


def test_due_and_overdue_measures(case, town_user):
    soon = planned(case, town_user, deadline=TODAY + datetime.timedelta(days=3))[0]
    late = planned(case, town_user, deadline=TODAY - datetime.timedelta(days=10))[0]
    planned(case, town_user, deadline=TODAY + datetime.timedelta(days=30))
    assert list(services.due_measures(TODAY)) == [soon]
    assert list(services.overdue_measures(TODAY, 7)) == [late]
    assert list(services.overdue_measures(TODAY, 14)) == []
    assert services.case_progress(case, TODAY)["measures_overdue"] == 1


def test_rollup_per_level(case, region, county_user, town_user, outsider):
    planned(case, town_user, deadline=TODAY - datetime.timedelta(days=1))
    services.add_fund(case, actor=town_user, amount="50000", source="县财政", date=datetime.date(2027, 1, 1))
    services.open_case(region.village, year=2026, source=CaseSource.MANUAL, actor=county_user, note="上级指定")
    county_rows = services.rollup(region.north, county_user, today=TODAY)
    assert [(r["label"], r["cases_open"], r["measures_overdue"], r["funds"]) for r in county_rows] == [
        ("松岭镇党委", 2, 1, Decimal("50000"))
    ]
    town_rows = {r["label"]: r for r in services.rollup(region.town, town_user, today=TODAY)}
    assert (town_rows["白桦村党支部"]["cases_open"], town_rows["白桦村党支部"]["measures_open"]) == (1, 1)
    assert (town_rows["青松村党支部"]["cases_open"], town_rows["青松村党支部"]["measures_open"]) == (1, 0)
    assert services.rollup(region.north, outsider, today=TODAY) == []


def test_pairing_suggests_agencies_of_the_right_kind(case, region, county_user):
    make_org(region.north, "漠北县财政局党支部", "T-FIN", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    make_org(region.north, "漠北县公安局党支部", "T-POL", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    make_org(region.north, "漠北县委组织部党支部", "T-ORG", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    assert [o.code for o in suggest_agencies(case, county_user)] == ["T-ORG"]  # soft → 党政机关
    case = services.update_case(case, actor=county_user, kind=WeaknessKind.POOR, deadline=None)
    assert [o.code for o in suggest_agencies(case, county_user)] == ["T-FIN"]
    case = services.update_case(case, actor=county_user, kind=WeaknessKind.DISORDERLY, deadline=None)
    assert [o.code for o in suggest_agencies(case, county_user)] == ["T-POL"]
    assert guess_kind(["活动场所不规范"]) == WeaknessKind.POOR and guess_kind([]) == ""


def test_supporters_are_one_per_role_and_an_empty_name_removes_one(case, town_user):
    services.set_supporter(case, SupporterRole.PAIRED_AGENCY, actor=town_user, name="县财政局", unit="结对单位")
    services.set_supporter(case, SupporterRole.PAIRED_AGENCY, actor=town_user, name="县商务局")
    assert list(case.supporters.values_list("name", flat=True)) == ["县商务局"]
    services.set_supporter(case, SupporterRole.PAIRED_AGENCY, actor=town_user, name="")
    assert not case.supporters.exists()


def test_a_measure_marked_done_keeps_its_date_and_cannot_be_in_the_future(case, town_user):
    measure = planned(case, town_user)[0]
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.complete_measure(measure, actor=town_user, date=datetime.date(2999, 1, 1))
    services.complete_measure(measure, actor=town_user, date=datetime.date(2027, 1, 9))
    measure.refresh_from_db()
    assert (measure.status, measure.done_at) == (MeasureStatus.DONE, datetime.date(2027, 1, 9))
    with pytest.raises(ValidationError, match="已标记完成"):
        services.complete_measure(measure, actor=town_user, date=datetime.date(2027, 1, 9))


def test_a_supporter_with_an_account_is_notified_once(case, town_user, county_user):
    from dangjian.cadence.models import Notification

    supporter = services.set_supporter(
        case, SupporterRole.ORG_DEPARTMENT, actor=town_user, name="王部长", unit="县委组织部", user=county_user
    )
    assert supporter.notified_at is not None
    note = Notification.objects.get(user=county_user)
    assert "白桦村党支部" in note.title and "组织部" in note.title and note.url == f"/rectify/{case.pk}/"
    services.set_supporter(
        case, SupporterRole.ORG_DEPARTMENT, actor=town_user, name="王部长", unit="常务副部长", user=county_user
    )
    assert Notification.objects.filter(user=county_user).count() == 1


def test_the_rollover_command_is_idempotent(case):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("rectify_rollover", "--year", "2026", stdout=out)
    assert "结转 1 个" in out.getvalue() and "T-BIRCH" in out.getvalue()
    call_command("rectify_rollover", "--year", "2026", stdout=out)
    assert "结转 0 个" in out.getvalue()
    with pytest.raises(CommandError, match="年度应在"):
        call_command("rectify_rollover", "--year", "26")
    assert Case.objects.filter(year=2027).count() == 1

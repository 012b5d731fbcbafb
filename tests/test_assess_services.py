"""The assessment on the register: snapshot, entries by the level above, derived indicators, runs, publishing."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.assess import services
from dangjian.assess.models import Adjustment, Assessment, Entry, Participant, Result, SurveyLink
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.publishing import publish_assessment
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import CommitteePost
from dangjian.orgs.services import move_org
from schemes import COUNTY_SCHEME as SCHEME

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scheme(region, county_user):
    return services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)


@pytest.fixture
def assessment(region, county_user, scheme):
    return services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )


def participant(assessment, code):
    return Participant.objects.get(assessment=assessment, code=code)


def test_opening_takes_a_snapshot_of_the_grassroots_under_the_root(region, assessment):
    assert sorted(assessment.participants.values_list("code", flat=True)) == ["T-BIRCH", "T-VILLAGE"]
    village = participant(assessment, "T-VILLAGE")
    assert (village.secretary, village.parent_code, village.domain) == ("王春生", "T-TOWN", "village")
    # Moving the branch afterwards does not change the assessment's tree.
    other_town = make_org(region.north, "桦林镇党委", "T-TOWN2", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    move_org(region.village, other_town, actor=None)
    village.refresh_from_db()
    assert village.parent_code == "T-TOWN"
    assert AuditLog.objects.filter(object_type="assessment", action="create").exists()


def test_a_scheme_or_assessment_outside_the_scope_is_refused(region, outsider, scheme):
    with pytest.raises(OutOfScope):
        services.save_scheme(actor=outsider, owner=region.north, text=SCHEME.replace("漠北县", "南岭县"))
    with pytest.raises(OutOfScope):
        services.open_assessment(actor=outsider, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31))
    assert Assessment.objects.count() == 0


def test_a_bad_scheme_is_refused_in_chinese_and_nothing_saved(region, county_user):
    with pytest.raises(ValidationError, match="基础指标合计 90 分，应为 100 分"):
        services.save_scheme(actor=county_user, owner=region.north, text=SCHEME.replace("points: 80", "points: 70"))
    with pytest.raises(ValidationError, match="未知的数据来源"):
        services.save_scheme(actor=county_user, owner=region.north, text=SCHEME.replace("secretary_in_post", "x"))
    assert not services.SchemeRecord.objects.exists()


def test_clone_moves_the_year_on(region, county_user, scheme):
    clone = services.clone_scheme(scheme, actor=county_user, year=2027)
    assert (clone.year, clone.name) == (2027, "漠北县2027年度考核方案")
    assert [g.indicators for g in clone.parsed().groups] == [g.indicators for g in scheme.parsed().groups]


def test_raters_are_the_level_above_never_the_organization_itself(assessment, town_user, branch_secretary, outsider):
    village = participant(assessment, "T-VILLAGE")
    services.enter(village, "G01", "75.5", actor=town_user)
    with pytest.raises(OutOfScope):
        services.enter(village, "G01", "80", actor=branch_secretary)
    with pytest.raises(OutOfScope):
        services.enter(village, "G01", "80", actor=outsider)
    assert list(Entry.objects.values_list("points", flat=True)) == [Decimal("75.50")]


@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("G01", "81", "工作成效」的分值应在 0 到 80.00 分之间"),
        ("G01", "-1", "分值应在 0 到 80.00 分之间"),
        ("G01", "七十", "不是数字"),
        ("G01", "70.123", "最多保留两位小数"),
        ("R01", "1.5", "应填写次数"),
        ("V01", "也许", "应填写“是”或“否”"),
        ("T01", "10", "由系统数据自动得出"),
        ("X99", "10", "没有指标 X99"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(assessment, town_user, indicator, value, message):
    with pytest.raises(ValidationError, match=message):
        services.enter(participant(assessment, "T-VILLAGE"), indicator, value, actor=town_user)
    assert not Entry.objects.exists()


def test_run_combines_entries_metrics_and_flags(region, assessment, town_user, county_user):
    village, birch = participant(assessment, "T-VILLAGE"), participant(assessment, "T-BIRCH")
    services.enter(village, "G01", "78", actor=town_user)
    services.enter(village, "G01", "74", actor=county_user)  # two raters: mean 76
    services.enter(village, "R01", "1", actor=town_user)  # 10 - 2 = 8
    services.enter(birch, "G01", "70", actor=town_user)
    outcome = services.run_assessment(assessment, actor=county_user)
    results = {r.participant.code: r for r in Result.objects.select_related("participant")}
    assert results["T-VILLAGE"].total == Decimal("94.00")  # secretary 10 + 76 + 8
    assert results["T-BIRCH"].total == Decimal("80.00")  # no secretary: 0 + 70 + 10
    assert results["T-BIRCH"].problems == ["班子配备不齐全", "书记业务不达标"]
    assert (results["T-VILLAGE"].grade, results["T-BIRCH"].grade) == ("A", "B")
    # 2 villages × 15% = 0.3 → 1: the lowest is weak.
    assert [code for code, r in results.items() if r.weak] == ["T-BIRCH"]
    assert results["T-BIRCH"].reasons == ["倒排进入比例线：农村 2 个 × 15% = 1"]
    assessment.refresh_from_db()
    assert assessment.digest == outcome.digest and len(assessment.digest) == 64
    line = next(ln for ln in results["T-VILLAGE"].lines if ln["code"] == "G01")
    assert line == {
        "code": "G01",
        "name": "工作成效",
        "category": "班子",
        "method": "given",
        "max": "80.00",
        "points": "76.00",
        "source": "2 位评分人平均",
    }


def test_a_result_stores_only_its_points_and_the_explanation_derives_the_words(assessment, town_user, county_user):
    village = participant(assessment, "T-VILLAGE")
    services.enter(village, "G01", "78", actor=town_user)
    services.enter(village, "R01", "2", actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    result = Result.objects.select_related("participant").get(participant=village)
    assert result.cents == [1000, 7800, 600, 0]  # T01, G01, R01, V01 in the scheme's order
    assert [(ln["code"], ln["points"], ln["source"]) for ln in result.lines] == [
        ("T01", "10.00", "系统数据（书记在岗）完成 100.0%"),
        ("G01", "78.00", "评分"),
        ("R01", "6.00", "2 次，每次扣 2.00 分"),
        ("V01", "0.00", "未触发"),
    ]


@time_machine.travel(datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC), tick=False)
def test_explanation_keeps_the_stored_points_when_a_record_changed_since_the_run(region, assessment, county_user):
    # A provisional run, before the cut-off: it reads the register as it is (after it, the facts taken at the cut-off
    # stand and a later change no longer shows: tests/test_assess_cutoff.py).
    services.run_assessment(assessment, actor=county_user)
    CommitteePost.objects.filter(org=region.village, post=Post.SECRETARY).delete()  # the secretary left afterwards
    result = Result.objects.select_related("participant").get(participant__code="T-VILLAGE")
    line = result.lines[0]
    assert (line["code"], line["points"], line["source"]) == ("T01", "10.00", services.STALE)


def test_same_records_same_digest(assessment, town_user, county_user):
    services.enter(participant(assessment, "T-VILLAGE"), "G01", "78", actor=town_user)
    first = services.run_assessment(assessment, actor=county_user).digest
    assert services.run_assessment(assessment, actor=county_user).digest == first
    services.enter(participant(assessment, "T-VILLAGE"), "G01", "77", actor=town_user)
    assert services.run_assessment(assessment, actor=county_user).digest != first


def test_adjustment_needs_a_reason_and_is_audited(assessment, county_user, town_user):
    village = participant(assessment, "T-VILLAGE")
    services.enter(village, "G01", "60", actor=town_user)
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.adjust(village, "G01", "70", "  ", actor=county_user)
    with pytest.raises(OutOfScope):
        services.adjust(village, "G01", "70", "复核", actor=town_user)
    services.adjust(village, "G01", "70", "补充佐证材料后复核", actor=county_user)
    services.run_assessment(assessment, actor=county_user)
    result = Result.objects.get(participant=village)
    assert result.total == Decimal("90.00")
    assert (
        next(ln for ln in result.lines if ln["code"] == "G01")["source"]
        == "复核调整：60.00 → 70.00 分（补充佐证材料后复核）"
    )
    log = AuditLog.objects.filter(object_type="adjustment").get()
    assert log.after["reason"] == "补充佐证材料后复核" and log.username == "county_user"


def test_publishing_freezes_everything(assessment, county_user, town_user):
    village = participant(assessment, "T-VILLAGE")
    services.enter(village, "G01", "60", actor=town_user)
    publish_assessment(assessment, actor=county_user)
    assessment.refresh_from_db()
    assert assessment.published and assessment.published_by == county_user
    for attempt in (
        lambda: services.enter(village, "G01", "70", actor=town_user),
        lambda: services.adjust(village, "G01", "70", "x", actor=county_user),
        lambda: services.run_assessment(assessment, actor=county_user),
    ):
        with pytest.raises(ValidationError, match="已发布"):
            attempt()
    assert Entry.objects.get().points == Decimal("60.00") and not Adjustment.objects.exists()


def test_veto_entered_by_a_rater_forces_d(assessment, town_user, county_user):
    village = participant(assessment, "T-VILLAGE")
    services.enter(village, "G01", "80", actor=town_user)
    services.enter(village, "V01", "是", actor=county_user)
    services.run_assessment(assessment, actor=county_user)
    result = Result.objects.get(participant=village)
    assert (result.grade, result.weak) == ("D", True)
    assert result.reasons == ["等次为 D（一票否决：严重违纪）"]


def test_weak_last_year_carries_into_the_next_assessment(region, assessment, town_user, county_user, scheme):
    services.enter(participant(assessment, "T-VILLAGE"), "G01", "80", actor=town_user)
    publish_assessment(assessment, actor=county_user)  # T-BIRCH is weak in 2026
    next_scheme = services.clone_scheme(scheme, actor=county_user, year=2027)
    following = services.open_assessment(
        actor=county_user, scheme=next_scheme, root=region.north, cutoff=datetime.date(2027, 12, 31)
    )
    assert participant(following, "T-BIRCH").weak_last_year
    assert not participant(following, "T-VILLAGE").weak_last_year
    services.enter(participant(following, "T-VILLAGE"), "G01", "80", actor=town_user)
    services.run_assessment(following, actor=county_user)
    result = Result.objects.get(participant__assessment=following, participant__code="T-BIRCH")
    assert result.consequences == ["连续两年被列为软弱涣散基层党组织：撤换党组织书记"]


def test_scope_of_assessments_and_results(region, assessment, branch_secretary, outsider, town_user, county_user):
    services.run_assessment(assessment, actor=county_user)
    # The branch sees the assessment and its own result only; the other county sees nothing.
    assert list(Assessment.objects.restrict(branch_secretary)) == [assessment]
    assert list(Assessment.objects.restrict(outsider)) == []
    assert [r.participant.code for r in Result.objects.restrict(branch_secretary)] == ["T-VILLAGE"]
    assert Result.objects.restrict(outsider).count() == 0
    assert Result.objects.restrict(town_user).count() == 2


def a_year_of_meetings(org_ids):
    """Every meeting the rules ask of a branch without a committee in 2026, written in bulk (the branches here have
    no members to take attendance of; the meeting services are tested in test_partylife_meetings.py)."""
    from dangjian.partylife.models import Meeting

    days = [(kind, datetime.date(2026, month, 10)) for month in (3, 6, 9, 12) for kind in ("assembly", "lecture")]
    days += [("theme_day", datetime.date(2026, month, 5)) for month in range(1, 13)]
    days += [("life", datetime.date(2026, 11, 20)), ("review", datetime.date(2026, 11, 21))]
    Meeting.objects.bulk_create(
        [Meeting(org_id=org_id, kind=kind, date=day, topic="学习") for org_id in org_ids for kind, day in days]
    )


def test_example_scheme_on_a_county_gives_floors_per_domain(region, county_user):
    """40 villages and 20 communities with distinct totals: 40 × 15% = 6 and 20 × 10% = 2 weak."""
    text = (ROOT / "examples" / "scheme-county.yaml").read_text(encoding="utf-8")
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=text)
    town = region.town
    for i in range(38):
        make_org(town, f"第{i}村党支部", f"V-{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    for i in range(20):
        make_org(town, f"第{i}社区党支部", f"C-{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.COMMUNITY)
    make_member(region.birch, "钱多多", 9)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    parsed = scheme.parsed()
    a_year_of_meetings([p.org_id for p in assessment.participants.all()])  # L01–L03 come from the records
    for n, p in enumerate(assessment.participants.order_by("code")):
        SurveyLink.objects.create(participant=p, token=f"t{n}", answer="satisfied")
        for ind in parsed.group_for(p.domain, p.level).indicators:
            if ind.method.value == "given":  # distinct shares give distinct totals, all above the D line
                services.enter(p, ind.code, f"{ind.max_cents / 100 * (0.9 + n / 1000):.2f}", actor=county_user)
    outcome = services.run_assessment(assessment, actor=county_user)
    assert not any(r.grade == "D" for r in outcome.results)
    floors = {q.domain: (q.organizations, q.floor, q.weak) for q in outcome.quotas}
    assert floors["village"] == (40, 6, 6)
    assert floors["community"] == (20, 2, 2)
    assert [q.text for q in outcome.quotas][:3] == [
        "农村 40 个 × 15% = 6",
        "社区 20 个 × 10% = 2",
        "机关 0 个 × 5% = 0",
    ]


def test_survey_answers_feed_the_survey_indicator(region, county_user):
    text = SCHEME.replace(
        "          - {code: V01, name: 严重违纪, method: veto}",
        "          - {code: V01, name: 严重违纪, method: veto}\n"
        "          - {code: S01, name: 群众满意度, points: 0.01, method: survey}",
    ).replace("points: 80", "points: 79.99")
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=text)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    village = participant(assessment, "T-VILLAGE")
    SurveyLink.objects.create(participant=village, token="a", answer="satisfied")
    SurveyLink.objects.create(participant=village, token="b", answer="")
    _, outcome, _ = services.compute(assessment)
    line = next(ln for ln in outcome.by_code()["T-VILLAGE"].lines if ln.indicator.code == "S01")
    assert (line.cents, line.source) == (1, "满意及基本满意 1/1")


def test_election_on_time_counts_a_term_run_out_before_the_cutoff(region, assessment):
    from dangjian.assess.metrics import METRICS
    from dangjian.orgs.models import Organization

    Organization.objects.filter(pk=region.village.pk).update(term_start=datetime.date(2021, 3, 1), term_years=5)
    Organization.objects.filter(pk=region.birch.pk).update(term_start=datetime.date(2024, 2, 29), term_years=3)
    people = {p.code: p for p in assessment.participants.all()}
    on_time = METRICS["election_on_time"].compute(list(people.values()), assessment.cutoff, assessment.year)
    # Village: due 2026-03-01, before the cut-off 2026-12-31. Birch: due 2027-02-28 (no 29 February in 2027).
    assert (on_time[people["T-VILLAGE"].id], on_time[people["T-BIRCH"].id]) == (False, True)
    Organization.objects.filter(pk=region.village.pk).update(term_years=0)  # no term length: nothing to be late for
    assert METRICS["election_on_time"].compute(list(people.values()), assessment.cutoff, assessment.year)[
        people["T-VILLAGE"].id
    ]

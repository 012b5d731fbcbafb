"""The rulebook decides what the system does, not only what it lists: a county's override of the meeting
frequencies, the development time rules, the default term and the weak-organization quota changes the result for
its organizations and not for another county's, and every message cites the rule in force and whose override it is."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.assess import services as assess
from dangjian.assess.metrics import METRICS
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org
from dangjian.partylife.choices import MeetingKind, StepKind
from dangjian.partylife.completion import branch_table
from dangjian.partylife.services import Presence, record_meeting, record_step, register_applicant
from dangjian.rulebook import services as rules
from dangjian.rulebook.book import Book, one_book
from dangjian.rulebook.models import Rule

from conftest import id_number

pytestmark = pytest.mark.django_db
CUTOFF = datetime.date(2026, 12, 31)
BRANCH = "《中国共产党支部工作条例（试行）》"
DEVELOPMENT = "《中国共产党发展党员工作细则》"
WEAK = "中组部整顿软弱涣散基层党组织的要求（《人民日报》2017年9月12日报道）"


def on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def override(key, org, actor, **change):
    return rules.set_override(Rule.objects.get(key=key), org, actor=actor, reason="县委常委会议定", **change)


class P:
    """An assessment participant as the metrics read it."""

    def __init__(self, pid, org):
        self.id, self.path, self.org_id = pid, org.path, org.pk


def lectures(region):
    """One 党课 in January 2026 in each county's village branch."""
    for org in (region.village, region.south_village):
        people = [Presence(m, True) for m in Member.objects.filter(org=org)]
        with on(datetime.date(2027, 1, 10)):
            record_meeting(
                actor=None, org=org, kind=MeetingKind.LECTURE, date=datetime.date(2026, 1, 20), topic="党课",
                people=people,
            )  # fmt: skip


# ------------------------------------------------------------------------------------------- meeting frequencies
def test_a_county_that_holds_the_lecture_monthly_requires_twelve_of_its_branches_and_not_of_another_county(
    region, county_user
):
    lectures(region)
    override("meeting.lecture", region.north, county_user, value="month")
    north, south = P(1, region.village), P(2, region.south_village)
    with on(datetime.date(2027, 1, 10)), one_book():
        shares = METRICS["lecture_held"].compute([north, south], CUTOFF, 2026)
        north_lines = METRICS["lecture_held"].detail(north, CUTOFF, 2026)
        south_lines = METRICS["lecture_held"].detail(south, CUTOFF, 2026)
    assert shares == {1: Decimal(1) / 12, 2: Decimal(1) / 4}
    assert north_lines[0].startswith("党课（每月至少 1 次（党支部））：应开 12 次，已开 1 次；召开日期 01-20；缺 2月")
    assert north_lines[0].endswith(f"（依据：{BRANCH}；漠北县委调整）")
    assert south_lines == [
        "党课（每季度至少 1 次（党支部））：应开 4 次，已开 1 次；召开日期 01-20；缺 第二季度、第三季度、第四季度"
        f"（依据：{BRANCH}）"
    ]


def test_a_county_that_turns_the_theme_day_off_requires_none_of_its_branches(region, county_user):
    override("meeting.theme_day", region.north, county_user, disabled=True)
    book = Book.load()
    north = [row.rule.kind for row in branch_table(region.village, 2026, CUTOFF, book)]
    south = [row.rule.kind for row in branch_table(region.south_village, 2026, CUTOFF, book)]
    assert MeetingKind.THEME_DAY not in north and MeetingKind.THEME_DAY in south
    with on(datetime.date(2027, 1, 10)), one_book():
        shares = METRICS["theme_day_held"].compute([P(1, region.village), P(2, region.south_village)], CUTOFF, 2026)
    assert shares[1] == 1 and shares[2] == 0  # nothing due in 漠北县; twelve theme days missing in 南岭县


def test_the_installation_default_of_the_lecture_stands_under_a_county_override(region, county_user, settings):
    settings.PARTYLIFE_LECTURE_PERIOD = "year"
    override("meeting.lecture", region.north, county_user, value="month")
    book = Book.load()

    def lecture_need(org):
        row = next(r for r in branch_table(org, 2026, CUTOFF, book) if r.rule.kind == MeetingKind.LECTURE)
        return row.year.need

    assert (lecture_need(region.village), lecture_need(region.south_village)) == (12, 1)


def test_a_meeting_override_must_be_a_period(region):
    with pytest.raises(ValidationError) as caught:
        rules.parse_value(Rule.objects.get(key="meeting.lecture"), "weekly")
    assert caught.value.message_dict["value"] == ["取值应为 month（每月）、quarter（每季度）、year（每年） 之一。"]


def test_the_completion_page_shows_the_rule_in_force_and_whose_override_it_is(region, county_user, login):
    override("meeting.lecture", region.north, county_user, value="month")
    body = login(county_user).get("/partylife/completion/?org_code=T-VILLAGE").content.decode()
    assert "每月至少 1 次（党支部）" in body and "漠北县委调整" in body
    assert 'href="/rules/meeting.lecture/"' in body


# ------------------------------------------------------------------------------------------- development
def activist(org, seq, contact):
    with on(datetime.date(2024, 1, 10)):
        applicant = register_applicant(
            actor=None, org=org, name=f"申请人{seq}", gender="male",
            id_number=id_number(seq, datetime.date(2000, 6, 15)), applied_on=datetime.date(2024, 1, 10),
        )  # fmt: skip
    with on(datetime.date(2024, 3, 1)):
        record_step(applicant, actor=None, kind=StepKind.ACTIVIST, date=datetime.date(2024, 3, 1), contacts=[contact])
    return applicant


def candidate_refusal(applicant, day):
    with on(day), pytest.raises(ValidationError) as caught:
        record_step(applicant, actor=None, kind=StepKind.CANDIDATE, date=day)
    return caught.value.messages


def test_a_county_that_shortens_the_activist_year_lets_its_branches_name_candidates_sooner(region, county_user):
    override("development.activist_year", region.north, county_user, value=6)
    north = activist(region.village, 601, Member.objects.get(name="王春生"))
    south = activist(region.south_village, 602, Member.objects.get(name="欧阳南风"))
    assert candidate_refusal(north, datetime.date(2024, 8, 31)) == [
        "确定为发展对象须经过6个月以上的培养教育和考察：申请人601于 2024-03-01 确定为入党积极分子，"
        f"最早 2024-09-01 可确定为发展对象（依据：{DEVELOPMENT}第十三条；漠北县委调整）"
    ]
    with on(datetime.date(2024, 9, 1)):
        record_step(north, actor=None, kind=StepKind.CANDIDATE, date=datetime.date(2024, 9, 1))
    assert candidate_refusal(south, datetime.date(2024, 9, 1)) == [
        "确定为发展对象须经过一年以上的培养教育和考察：申请人602于 2024-03-01 确定为入党积极分子，"
        f"最早 2025-03-01 可确定为发展对象（依据：{DEVELOPMENT}第十三条）"
    ]


def test_a_county_that_raises_the_training_hours_refuses_admission_short_of_them(region, county_user):
    override("development.training", region.north, county_user, value=32)
    wang, li = Member.objects.get(name="王春生"), Member.objects.get(name="李秋实")
    applicant = activist(region.village, 603, wang)
    with on(datetime.date(2025, 3, 10)):
        record_step(applicant, actor=None, kind=StepKind.CANDIDATE, date=datetime.date(2025, 3, 10))
        record_step(applicant, actor=None, kind=StepKind.TRAINING, date=datetime.date(2025, 3, 10), hours=24)
    with on(datetime.date(2025, 6, 20)), pytest.raises(ValidationError) as caught:
        record_step(
            applicant, actor=None, kind=StepKind.ADMIT, date=datetime.date(2025, 6, 1), introducers=[wang, li],
            approved_on=datetime.date(2025, 6, 20),
        )  # fmt: skip
    assert caught.value.messages == [
        "发展对象须经过集中培训，一般不少于32个学时：申请人603已登记 24 学时"
        f"（依据：{DEVELOPMENT}第十七条；漠北县委调整）"
    ]


def test_an_age_rule_turned_off_by_a_county_is_not_checked_there_and_cited_elsewhere(region, county_user):
    override("development.age", region.north, county_user, disabled=True)
    young = datetime.date(2010, 1, 1)
    with on(datetime.date(2026, 3, 1)):
        register_applicant(
            actor=None, org=region.village, name="少年甲", gender="male", id_number=id_number(604, young),
            applied_on=datetime.date(2026, 3, 1),
        )  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            register_applicant(
                actor=None, org=region.south_village, name="少年乙", gender="male", id_number=id_number(605, young),
                applied_on=datetime.date(2026, 3, 1),
            )  # fmt: skip
    assert caught.value.messages == [
        "申请入党须年满18岁：少年乙于 2026-03-01 递交申请时未满18岁（2010-01-01 出生，2028-01-01 年满18岁）"
        f"（依据：{DEVELOPMENT}第五条）"
    ]


# ------------------------------------------------------------------------------------------- terms
def test_a_new_organization_takes_the_term_of_the_rule_where_it_is_created(region, county_user):
    override("org.term", region.north, county_user, value={"committee": 5, "branch": 5, "village": 5})

    def branch(parent, code):
        return create_org(
            actor=None, parent=parent, name=f"{code}机关党支部", code=code, kind=OrgKind.BRANCH,
            level=Level.COUNTY, domain=Domain.AGENCY,
        )  # fmt: skip

    assert branch(region.north, "T-NB1").term_years == 5
    assert branch(region.south, "T-SB1").term_years == 3
    explicit = create_org(
        actor=None, parent=region.north, name="明定党支部", code="T-NB2", kind=OrgKind.BRANCH, level=Level.COUNTY,
        domain=Domain.AGENCY, term_years=3,
    )  # fmt: skip
    assert explicit.term_years == 3


# ------------------------------------------------------------------------------------------- weak-organization quota
def scheme(owner, floors):
    text = assess.example_scheme_text(floors)
    return assess.save_scheme(actor=None, owner=owner, text=text)


FLOORS = {"village": 15, "community": 10, "agency": 5, "institution": 5, "state_enterprise": 5, "non_public": 5}


def floors(**percent):
    return {d: Decimal(p) / 100 for d, p in percent.items()}


def test_floors_outside_the_quota_warn_naming_the_rule_and_whose_override(region, county_user, login):
    override("weak.quota", region.north, county_user, value=[10, 20])
    north = scheme(region.north, floors(**FLOORS))
    south = scheme(region.south, floors(**FLOORS))
    assert assess.weak_floor_warnings(north.parsed(), region.north)[0] == (
        f"机关的软弱涣散比例线为5%，不在“软弱涣散党组织倒排比例”10%—20%的范围内（依据：{WEAK}；漠北县委调整）"
    )
    assert len(assess.weak_floor_warnings(north.parsed(), region.north)) == 4  # 机关、事业单位、国有企业、非公
    assert assess.weak_floor_warnings(south.parsed(), region.south) == [
        f"农村的软弱涣散比例线为15%，不在“软弱涣散党组织倒排比例”5%—10%的范围内（依据：{WEAK}）"
    ]
    body = login(county_user).get(f"/assess/schemes/{north.pk}/").content.decode()
    assert "机关的软弱涣散比例线为5%" in body and "漠北县委调整" in body


def test_a_county_that_makes_the_quota_required_refuses_a_scheme_outside_it(region, county_user):
    override("weak.quota", region.north, county_user, severity="required")
    with pytest.raises(ValidationError) as caught:
        scheme(region.north, floors(**FLOORS))
    assert caught.value.messages == [
        f"农村的软弱涣散比例线为15%，不在“软弱涣散党组织倒排比例”5%—10%的范围内（依据：{WEAK}；漠北县委调整）"
    ]
    assert scheme(region.south, floors(**FLOORS)).pk  # elsewhere only a warning


def test_a_new_scheme_starts_with_the_floors_of_the_rule(region, county_user, login):
    override("weak.quota", region.north, county_user, value=[8, 12])
    text = login(county_user).get("/assess/schemes/new/").context["form"].initial["text"]
    assert "  农村: 8%\n" in text and "  机关: 8%\n" in text

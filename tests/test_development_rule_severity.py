"""Severity of the development time rules is honoured: where a rule is 必须 a step that breaks it is refused with the
rule and its source named; where a county lowered it to 提示 the step is saved and the breach shown as a warning
naming the rule, its source and the override (who, when, why), after saving and on the person's page; a
neighbouring county still refuses. The 入党谈话 is a recorded step checked against `development.talk`."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.partylife.choices import Stage, StepKind
from dangjian.partylife.development import TimeRules, recorded_breaches
from dangjian.partylife.models import Applicant, DevelopmentStep
from dangjian.partylife.services import record_step, register_applicant
from dangjian.rulebook import services as rules
from dangjian.rulebook.book import Book
from dangjian.rulebook.models import Rule

from conftest import id_number, make_member

pytestmark = pytest.mark.django_db
DEVELOPMENT = "《中国共产党发展党员工作细则》"
BORN = datetime.date(2000, 6, 15)
OVERRIDDEN = "本地区调整：漠北县委将严重程度调为“提示”（调整人：county_user，2026-12-01；理由：县委常委会议定）"


def on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def lower_to_hint(key, region, county_user):
    with on(datetime.date(2026, 12, 1)):
        rules.set_override(
            Rule.objects.get(key=key), region.north, actor=county_user, reason="县委常委会议定", severity="hint"
        )


def contact(org):
    return Member.objects.filter(org=org, status="full").order_by("id").first()


def two(org):
    """Two full members of the branch to introduce (南岭村 has one: a second joins it)."""
    full = list(Member.objects.filter(org=org, status="full").order_by("id")[:2])
    if len(full) < 2:
        full.append(make_member(org, f"{org.name[:2]}介绍人", 90 + org.pk % 100))  # three digits, whatever the pk
    return full


def apply(org, seq, day=datetime.date(2024, 1, 10), birth=BORN):
    with on(day):
        return register_applicant(
            actor=None, org=org, name=f"申请人{seq}", gender="male", id_number=id_number(seq, birth), applied_on=day
        )


def step(applicant, kind, day, **extra):
    with on(extra.pop("today", day)):
        return record_step(applicant, actor=None, kind=kind, date=day, **extra)


def talk(applicant, day=datetime.date(2024, 1, 20)):
    return step(applicant, StepKind.TALK, day, talker="王书记", decision="了解入党动机")


def activist(org, seq):
    applicant = apply(org, seq)
    talk(applicant)
    step(applicant, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[contact(org)])
    return applicant


def candidate(org, seq):
    applicant = activist(org, seq)
    step(applicant, StepKind.CANDIDATE, datetime.date(2025, 3, 10))
    return applicant


def probationary(org, seq):
    applicant = candidate(org, seq)
    step(applicant, StepKind.TRAINING, datetime.date(2025, 4, 1), hours=24)
    step(applicant, StepKind.ADMIT, datetime.date(2025, 6, 1), introducers=two(org),
         approved_on=datetime.date(2025, 6, 20), today=datetime.date(2025, 6, 20))  # fmt: skip
    return Applicant.objects.get(pk=applicant.pk)


# Each required development time rule: the step that breaks it for an applicant of `org`, and the words of the breach.
def break_age(org, seq):
    apply(org, seq, day=datetime.date(2026, 3, 1), birth=datetime.date(2010, 1, 1))


def break_activist_year(org, seq):
    step(activist(org, seq), StepKind.CANDIDATE, datetime.date(2025, 2, 28))


def break_training(org, seq):
    step(candidate(org, seq), StepKind.ADMIT, datetime.date(2025, 6, 1), introducers=two(org),
         approved_on=datetime.date(2025, 6, 20), today=datetime.date(2025, 6, 20))  # fmt: skip


def break_probation(org, seq):
    step(probationary(org, seq), StepKind.FULL, datetime.date(2026, 5, 31))


CASES = {
    "development.age": (
        break_age,
        "申请入党须年满18岁：申请人{seq}于 2026-03-01 递交申请时未满18岁（2010-01-01 出生，2028-01-01 年满18岁）",
        "第五条",
    ),
    "development.activist_year": (
        break_activist_year,
        "确定为发展对象须经过一年以上的培养教育和考察：申请人{seq}于 2024-03-01 确定为入党积极分子，"
        "最早 2025-03-01 可确定为发展对象",
        "第十三条",
    ),
    "development.training": (
        break_training,
        "发展对象须经过集中培训，一般不少于三天或二十四个学时：申请人{seq}已登记 0 学时",
        "第十七条",
    ),
    "development.probation": (
        break_probation,
        "预备党员的预备期为一年：申请人{seq}于 2025-06-01 接收为预备党员，预备期 2026-06-01 期满，"
        "期满后方可讨论转为正式党员",
        "第三十二条",
    ),
}


def refused(make, org, seq) -> list[str]:
    """The refusal's words; the breaking step left nothing behind (the steps before it stand)."""
    with pytest.raises(ValidationError) as caught:
        make(org, seq)
    applicant = Applicant.objects.filter(name=f"申请人{seq}").first()
    last = applicant.steps.order_by("-date", "-id").first().kind if applicant else None
    stage_after = {
        StepKind.ACTIVIST: Stage.ACTIVIST, StepKind.CANDIDATE: Stage.CANDIDATE, StepKind.TRAINING: Stage.CANDIDATE,
        StepKind.ADMIT: Stage.PROBATIONARY,
    }  # fmt: skip
    assert applicant is None or applicant.stage == stage_after[last]
    return caught.value.messages


@pytest.mark.parametrize("key", list(CASES))
def test_a_required_time_rule_refuses_the_step_citing_the_rule(region, key):
    make, words, article = CASES[key]
    messages = refused(make, region.village, 701)
    assert messages == [f"{words.format(seq=701)}（依据：{DEVELOPMENT}{article}）"]


@pytest.mark.parametrize("key", list(CASES))
def test_a_rule_a_county_lowered_to_a_hint_lets_the_step_through_with_a_warning_naming_the_override(
    region, county_user, key
):
    make, words, article = CASES[key]
    lower_to_hint(key, region, county_user)
    make(region.village, 702)
    applicant = Applicant.objects.get(name="申请人702")
    breaches = recorded_breaches(applicant, TimeRules.at(Book.load(), applicant.org))
    assert [(b.rule.key, b.severity_label, b.refuses) for b in breaches] == [(key, "提示", False)]
    assert breaches[0].text == f"{words.format(seq=702)}（依据：{DEVELOPMENT}{article}；漠北县委调整）。{OVERRIDDEN}"


@pytest.mark.parametrize("key", list(CASES))
def test_a_neighbouring_county_still_refuses_under_another_countys_hint(region, county_user, key):
    make, words, article = CASES[key]
    lower_to_hint(key, region, county_user)
    messages = refused(make, region.south_village, 703)
    assert messages == [f"{words.format(seq=703)}（依据：{DEVELOPMENT}{article}）"]


# ------------------------------------------------------------------------------------------- the talk
TALK_LATE = (
    "党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话：申请人{seq}于 2024-01-10 递交申请，"
    "应于 2024-02-10 前谈话，登记的谈话日期为 2024-02-11（依据：《中国共产党发展党员工作细则》第七条{local}）"
)


def test_the_talk_is_a_recorded_step_with_its_date_talker_and_note(region):
    applicant = apply(region.village, 710)
    saved = talk(applicant, datetime.date(2024, 2, 10))  # the last day of the month
    applicant.refresh_from_db()
    assert (applicant.stage, applicant.talked_on) == (Stage.APPLICANT, datetime.date(2024, 2, 10))
    assert (saved.kind, saved.talker, saved.decision) == (StepKind.TALK, "王书记", "了解入党动机")
    assert recorded_breaches(applicant, TimeRules.at(Book.load(), applicant.org)) == []
    assert AuditLog.objects.filter(object_type="applicant", object_id=str(applicant.pk), action="update").exists()
    with pytest.raises(ValidationError) as caught:
        talk(applicant, datetime.date(2024, 2, 12))
    assert caught.value.messages == ["申请人710的入党谈话已于 2024-02-10 登记，不能重复登记。"]


def test_a_talk_without_a_talker_or_before_the_application_is_refused(region):
    applicant = apply(region.village, 711)
    with pytest.raises(ValidationError) as caught:
        step(applicant, StepKind.TALK, datetime.date(2024, 1, 9), talker="  ")
    assert caught.value.messages == [
        "日期 2024-01-09 早于上一环节的日期 2024-01-10，请按发展程序的先后登记。",
        f"请填写谈话人（党组织派去同入党申请人谈话的党员，{DEVELOPMENT}第七条）。",
    ]
    assert Applicant.objects.get(pk=applicant.pk).talked_on is None
    assert not DevelopmentStep.objects.filter(applicant=applicant, kind=StepKind.TALK).exists()


def test_a_late_talk_is_saved_with_the_warning_of_the_catalogs_severity(region):
    applicant = apply(region.village, 712)
    talk(applicant, datetime.date(2024, 2, 11))
    applicant.refresh_from_db()
    breaches = recorded_breaches(applicant, TimeRules.at(Book.load(), applicant.org))
    assert [(b.kind, b.severity_label) for b in breaches] == [(StepKind.TALK, "警告")]
    assert breaches[0].text == TALK_LATE.format(seq=712, local="")


def test_a_county_that_makes_the_talk_required_refuses_a_late_talk_and_its_neighbour_warns(region, county_user):
    with on(datetime.date(2026, 12, 1)):
        rules.set_override(Rule.objects.get(key="development.talk"), region.north, actor=county_user,
                           reason="县委常委会议定", severity="required")  # fmt: skip
    north, south = apply(region.village, 713), apply(region.south_village, 714)
    with pytest.raises(ValidationError) as caught:
        talk(north, datetime.date(2024, 2, 11))
    assert caught.value.messages == [TALK_LATE.format(seq=713, local="；漠北县委调整")]
    assert Applicant.objects.get(pk=north.pk).talked_on is None
    talk(south, datetime.date(2024, 2, 11))
    assert Applicant.objects.get(pk=south.pk).talked_on == datetime.date(2024, 2, 11)


def test_an_activist_named_with_no_talk_recorded_breaks_the_talk_rule(region, county_user):
    with on(datetime.date(2026, 12, 1)):
        rules.set_override(Rule.objects.get(key="development.talk"), region.north, actor=county_user,
                           reason="县委常委会议定", severity="required")  # fmt: skip
    missing = (
        "党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话：申请人{seq}于 2024-01-10 递交申请，"
        "确定为入党积极分子时尚未登记谈话（依据：《中国共产党发展党员工作细则》第七条{local}）"
    )
    north = apply(region.village, 715)
    with pytest.raises(ValidationError) as caught:
        step(north, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[contact(region.village)])
    assert caught.value.messages == [missing.format(seq=715, local="；漠北县委调整")]
    assert Applicant.objects.get(pk=north.pk).stage == Stage.APPLICANT
    talk(north)
    step(north, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[contact(region.village)])
    assert Applicant.objects.get(pk=north.pk).stage == Stage.ACTIVIST
    south = apply(region.south_village, 716)  # 警告 there: saved, and the breach stays on the record
    step(south, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[contact(region.south_village)])
    south.refresh_from_db()
    breaches = recorded_breaches(south, TimeRules.at(Book.load(), south.org))
    assert [(b.kind, b.text) for b in breaches] == [(StepKind.ACTIVIST, missing.format(seq=716, local=""))]


# ------------------------------------------------------------------------------------------- the pages
def test_the_page_warns_after_saving_under_a_hint_and_keeps_the_warning_on_the_persons_page(region, county_user, login):
    lower_to_hint("development.activist_year", region, county_user)
    applicant = activist(region.village, 720)
    client = login(county_user)
    with on(datetime.date(2025, 2, 28)):
        response = client.post(
            f"/partylife/development/{applicant.pk}/",
            {"kind": StepKind.CANDIDATE, "date": "2025-02-28", "decision": "支委会研究决定"},
            follow=True,
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "已登记：确定为发展对象（2025-02-28）。" in body
    warning = (
        "提示：确定为发展对象须经过一年以上的培养教育和考察：申请人720于 2024-03-01 确定为入党积极分子，"
        f"最早 2025-03-01 可确定为发展对象（依据：{DEVELOPMENT}第十三条；漠北县委调整）。{OVERRIDDEN}"
    )
    assert body.count(warning) == 2  # the message after saving, and the list on the person's page
    assert Applicant.objects.get(pk=applicant.pk).stage == Stage.CANDIDATE
    with on(datetime.date(2025, 2, 28)):
        again = client.get(f"/partylife/development/{applicant.pk}/")
    assert again.status_code == 200, again
    again = again.content.decode()
    assert again.count(warning) == 1 and 'href="/rules/development.activist_year/"' in again


def test_the_page_records_the_talk_and_refuses_it_without_a_talker(region, county_user, login):
    applicant = apply(region.village, 721)
    client = login(county_user)
    page = client.get(f"/partylife/development/{applicant.pk}/").content.decode()
    assert f"“入党谈话”应于 2024-02-10 前进行（依据：{DEVELOPMENT}第七条）。" in page
    with on(datetime.date(2024, 1, 20)):
        bad = client.post(f"/partylife/development/{applicant.pk}/", {"kind": "talk", "date": "2024-01-20"})
        assert bad.status_code == 400 and "请填写谈话人" in bad.content.decode()
        ok = client.post(
            f"/partylife/development/{applicant.pk}/",
            {"kind": "talk", "date": "2024-01-20", "talker": "王书记", "decision": "了解入党动机"},
            follow=True,
        )
    body = ok.content.decode()
    assert "已登记：入党谈话（2024-01-20）。" in body and "谈话人：王书记；了解入党动机" in body
    assert 'value="talk"' not in body  # recorded once; the next step is naming the activist
    api = client.get(f"/api/development/{applicant.pk}/").json()
    assert api["talked_on"] == "2024-01-20"
    assert [(s["kind"], s["talker"]) for s in api["steps"]] == [("apply", ""), ("talk", "王书记")]

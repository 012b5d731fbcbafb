"""Membership development: each step in order and on time, refused with the rule cited otherwise; admission and 转正
go through the member register's services; ID numbers sealed like members'."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.partylife.choices import Stage, StepKind
from dangjian.partylife.development import add_months
from dangjian.partylife.models import Applicant, DevelopmentStep
from dangjian.partylife.services import record_step, register_applicant

from conftest import id_number, make_member

pytestmark = pytest.mark.django_db
BORN = datetime.date(2000, 6, 15)  # eighteen on 2018-06-15


def travel(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def people(region):
    """Two more full members of 青松村 to introduce; one probationary member, who may not."""
    return {
        "wang": Member.objects.get(name="王春生"),
        "li": Member.objects.get(name="李秋实"),
        "zhao": Member.objects.get(name="赵冬梅"),
        "new": make_member(region.village, "钱预备", 31, status="probationary", join_date=datetime.date(2026, 1, 5)),
        "birch": Member.objects.get(name="孙白桦"),
    }


def apply(region, day=datetime.date(2024, 1, 10), birth=BORN, seq=501):
    with travel(day):
        return register_applicant(
            actor=None,
            org=region.village,
            name="周青年",
            gender="male",
            id_number=id_number(seq, birth),
            applied_on=day,
        )


def step(applicant, kind, day, today=None, **extra):
    with travel(today or day):
        return record_step(applicant, actor=None, kind=kind, date=day, **extra)


def refusal(applicant, kind, day, today=None, **extra) -> list[str]:
    before = (DevelopmentStep.objects.count(), Member.objects.count(), AuditLog.objects.count())
    stage = Applicant.objects.get(pk=applicant.pk).stage
    with pytest.raises(ValidationError) as caught:
        step(applicant, kind, day, today, **extra)
    assert (DevelopmentStep.objects.count(), Member.objects.count(), AuditLog.objects.count()) == before
    assert Applicant.objects.get(pk=applicant.pk).stage == stage
    return caught.value.messages


def test_an_applicant_must_be_eighteen_on_the_day_of_the_application(region):
    with travel(datetime.date(2018, 6, 20)), pytest.raises(ValidationError) as caught:
        register_applicant(
            actor=None, org=region.village, name="少年", gender="male",
            id_number=id_number(502, BORN), applied_on=datetime.date(2018, 6, 14),
        )  # fmt: skip
    assert caught.value.messages == [
        "申请入党须年满18岁：少年于 2018-06-14 递交申请时未满18岁（2000-06-15 出生，2018-06-15 年满18岁）"
        "（依据：《中国共产党发展党员工作细则》第五条）"
    ]
    assert not Applicant.objects.exists()
    assert apply(region, datetime.date(2018, 6, 15)).stage == Stage.APPLICANT  # on the birthday itself


def test_the_id_number_is_sealed_and_masked_like_a_members(region):
    applicant = apply(region)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM partylife_applicant WHERE id = %s", [applicant.pk])
        stored = cursor.fetchone()[0]
    assert id_number(501, BORN) not in stored
    assert Applicant.objects.get(pk=applicant.pk).id_number == id_number(501, BORN)
    assert applicant.id_number_masked == "9901**********501X"
    with pytest.raises(ValidationError) as caught:
        apply(region)
    assert caught.value.messages == ["该公民身份号码已有入党申请记录。"]


def test_an_activist_needs_one_or_two_full_members_of_the_branch_as_contacts(region, people):
    applicant = apply(region)
    day = datetime.date(2024, 3, 1)
    assert refusal(applicant, StepKind.ACTIVIST, day) == [
        "须指定一至两名正式党员作培养联系人（《中国共产党发展党员工作细则》第十条），现为 0 名。"
    ]
    assert refusal(applicant, StepKind.ACTIVIST, day, contacts=[people["new"], people["birch"]]) == [
        "培养联系人须是本组织的党员：孙白桦 不是。",
        "培养联系人须是正式党员：钱预备 不是正式党员。",
    ]
    step(applicant, StepKind.ACTIVIST, day, contacts=[people["wang"]])
    applicant.refresh_from_db()
    assert applicant.stage == Stage.ACTIVIST and list(applicant.contacts.all()) == [people["wang"]]


def test_a_candidate_only_after_a_full_year_as_activist(region, people):
    applicant = apply(region)
    step(applicant, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[people["wang"]])
    assert refusal(applicant, StepKind.CANDIDATE, datetime.date(2025, 2, 28)) == [
        "确定为发展对象须经过一年以上的培养教育和考察：周青年于 2024-03-01 确定为入党积极分子，"
        "最早 2025-03-01 可确定为发展对象（依据：《中国共产党发展党员工作细则》第十三条）"
    ]
    step(applicant, StepKind.CANDIDATE, datetime.date(2025, 3, 1))
    assert Applicant.objects.get(pk=applicant.pk).stage == Stage.CANDIDATE


def test_a_step_out_of_order_or_in_the_future_is_refused(region, people):
    applicant = apply(region)
    assert refusal(applicant, StepKind.ADMIT, datetime.date(2025, 6, 1)) == [
        "周青年目前是“入党申请人”，“接收为预备党员”须在“发展对象”阶段进行"
        "（《中国共产党发展党员工作细则》规定的发展程序不能跳过或颠倒）。"
    ]
    assert refusal(applicant, StepKind.ACTIVIST, datetime.date(2024, 3, 2), today=datetime.date(2024, 3, 1),
                   contacts=[people["wang"]]) == [
        "日期 2024-03-02 晚于今天（2024-03-01），不能登记尚未发生的环节。"
    ]  # fmt: skip
    assert refusal(applicant, StepKind.ACTIVIST, datetime.date(2024, 1, 9), contacts=[people["wang"]]) == [
        "日期 2024-01-09 早于上一环节的日期 2024-01-10，请按发展程序的先后登记。"
    ]


@pytest.fixture
def candidate(region, people):
    applicant = apply(region)
    step(applicant, StepKind.ACTIVIST, datetime.date(2024, 3, 1), contacts=[people["wang"], people["li"]])
    step(applicant, StepKind.CANDIDATE, datetime.date(2025, 3, 10))
    return applicant


def test_admission_needs_training_two_full_introducers_and_the_approval(candidate, people):
    day = datetime.date(2025, 6, 1)
    assert refusal(candidate, StepKind.ADMIT, day, introducers=[people["wang"], people["new"]]) == [
        "发展对象须经过集中培训，一般不少于三天或二十四个学时：周青年已登记 0 学时"
        "（依据：《中国共产党发展党员工作细则》第十七条）",
        "入党介绍人须是正式党员：钱预备 不是正式党员。",
        "接收预备党员须经上级党委审批（《中国共产党发展党员工作细则》第四章），请填写审批日期。",
    ]
    step(candidate, StepKind.TRAINING, datetime.date(2025, 4, 1), hours=16)
    step(candidate, StepKind.TRAINING, datetime.date(2025, 4, 20), hours=8)
    early = datetime.date(2025, 5, 1)
    assert refusal(candidate, StepKind.ADMIT, day, introducers=[people["wang"]], approved_on=early) == [
        "须有两名正式党员作入党介绍人（《中国共产党章程》第五条），现为 1 名。",
        "上级党委审批日期 2025-05-01 不能早于支部大会讨论日期 2025-06-01。",
    ]  # fmt: skip


@pytest.fixture
def probationary(candidate, people):
    step(candidate, StepKind.TRAINING, datetime.date(2025, 4, 1), hours=24)
    step(candidate, StepKind.ADMIT, datetime.date(2025, 6, 1), today=datetime.date(2025, 6, 20),
         introducers=[people["wang"], people["li"]], approved_on=datetime.date(2025, 6, 20))  # fmt: skip
    return Applicant.objects.get(pk=candidate.pk)


def test_admission_enters_the_person_in_the_register_as_probationary_audited(probationary):
    member = probationary.member
    assert (member.status, member.join_date, member.org.code) == (
        "probationary",
        datetime.date(2025, 6, 1),
        "T-VILLAGE",
    )
    assert member.id_number == probationary.id_number
    assert AuditLog.objects.filter(object_type="member", object_id=str(member.pk), action="create").exists()
    assert probationary.stage == Stage.PROBATIONARY and probationary.approved_on == datetime.date(2025, 6, 20)


def test_full_membership_only_after_a_year_of_probation(probationary):
    assert refusal(probationary, StepKind.FULL, datetime.date(2026, 5, 31)) == [
        "预备党员的预备期为一年：周青年于 2025-06-01 接收为预备党员，预备期 2026-06-01 期满，"
        "期满后方可讨论转为正式党员（依据：《中国共产党发展党员工作细则》第三十二条）"
    ]
    step(probationary, StepKind.FULL, datetime.date(2026, 6, 1))
    member = Member.objects.get(pk=probationary.member_id)
    assert (member.status, member.full_date) == ("full", datetime.date(2026, 6, 1))
    assert AuditLog.objects.filter(object_type="member", object_id=str(member.pk), action="update").exists()
    assert Applicant.objects.get(pk=probationary.pk).stage == Stage.FULL


def test_probation_extends_once_by_six_to_twelve_months_decided_when_it_ends(probationary):
    assert refusal(probationary, StepKind.EXTEND, datetime.date(2026, 6, 1), months=5) == [
        "延长预备期须为六个月至一年（《中国共产党发展党员工作细则》第三十二条），填写的是 5 个月。"
    ]
    assert refusal(probationary, StepKind.EXTEND, datetime.date(2026, 5, 1), months=6) == [
        "延长预备期在预备期满时讨论决定（《中国共产党发展党员工作细则》第三十二条）：周青年的预备期 2026-06-01 期满。"
    ]
    step(probationary, StepKind.EXTEND, datetime.date(2026, 6, 1), months=6)
    assert refusal(probationary, StepKind.EXTEND, datetime.date(2026, 12, 1), months=6) == [
        "预备期只能延长一次（《中国共产党发展党员工作细则》第三十二条）：周青年的预备期已延长 6 个月。"
    ]
    assert refusal(probationary, StepKind.FULL, datetime.date(2026, 11, 30)) == [
        "预备党员的预备期为一年，已延长 6 个月：周青年于 2025-06-01 接收为预备党员，预备期 2026-12-01 期满，"
        "期满后方可讨论转为正式党员（依据：《中国共产党发展党员工作细则》第三十二条）"
    ]
    step(probationary, StepKind.FULL, datetime.date(2026, 12, 1))
    assert Member.objects.get(pk=probationary.member_id).status == "full"


def test_cancelling_the_probation_removes_the_register_record(probationary):
    member_id = probationary.member_id
    step(probationary, StepKind.CANCEL, datetime.date(2025, 12, 1), decision="支部大会决定取消预备党员资格")
    applicant = Applicant.objects.get(pk=probationary.pk)
    assert applicant.stage == Stage.CANCELLED and applicant.member is None
    assert not Member.objects.filter(pk=member_id).exists()
    assert AuditLog.objects.filter(object_type="member", object_id=str(member_id), action="delete").exists()


def test_months_are_added_as_the_calendar_has_them():
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2025, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2025, 6, 1), 18) == datetime.date(2026, 12, 1)

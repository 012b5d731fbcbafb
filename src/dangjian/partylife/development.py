"""The rules of the development pipeline (《中国共产党发展党员工作细则》, 2014; RULES-SOURCES §6), in one function
the services, the forms and the tests ask: `step_problems` says, in Chinese with the rule cited, why a step cannot
be recorded on a date; `earliest` says from which day a timed step is allowed.

Order: 申请 → 入党积极分子 (支委会) → 发展对象 (a year or more later) → 集中培训 → 预备党员 (支部大会, approved by the
level above) → 正式党员 (a year after the 支部大会, or 6–12 months more once extended), or the probation cancelled.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence

from dangjian.members.choices import MemberStatus

from .choices import Stage, StepKind

RULES = "《中国共产党发展党员工作细则》"
CHARTER = "《中国共产党章程》"
TRAINING_HOURS = 24  # 第十七条: 集中培训 not less than three days or twenty-four 学时
PROBATION_MONTHS = 12

# The stage a step is taken from, and the stage it leads to (None: the stage stays).
FROM_STAGE = {
    StepKind.ACTIVIST: Stage.APPLICANT,
    StepKind.CANDIDATE: Stage.ACTIVIST,
    StepKind.TRAINING: Stage.CANDIDATE,
    StepKind.ADMIT: Stage.CANDIDATE,
    StepKind.EXTEND: Stage.PROBATIONARY,
    StepKind.FULL: Stage.PROBATIONARY,
    StepKind.CANCEL: Stage.PROBATIONARY,
}
TO_STAGE = {
    StepKind.ACTIVIST: Stage.ACTIVIST,
    StepKind.CANDIDATE: Stage.CANDIDATE,
    StepKind.ADMIT: Stage.PROBATIONARY,
    StepKind.FULL: Stage.FULL,
    StepKind.CANCEL: Stage.CANCELLED,
}
# Steps recorded after the application (the application itself is the applicant's record).
NEXT_STEPS = {
    Stage.APPLICANT: (StepKind.ACTIVIST,),
    Stage.ACTIVIST: (StepKind.CANDIDATE,),
    Stage.CANDIDATE: (StepKind.TRAINING, StepKind.ADMIT),
    Stage.PROBATIONARY: (StepKind.FULL, StepKind.EXTEND, StepKind.CANCEL),
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved on by whole months; a day the month lacks (31 April) becomes its last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def eighteen_on(birth: datetime.date) -> datetime.date:
    """The day a person born on `birth` turns eighteen (29 February: 1 March)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return datetime.date(birth.year + 18, 3, 1)


def probation_end(admitted_on: datetime.date, extended_months: int = 0) -> datetime.date:
    """The day the probation is over: a year from the 支部大会's vote, plus any extension."""
    return add_months(admitted_on, PROBATION_MONTHS + extended_months)


def application_problems(name: str, birth: datetime.date | None, applied_on: datetime.date, *, today) -> list[str]:
    problems = []
    if applied_on > today:
        problems.append(f"申请日期 {applied_on} 晚于今天（{today}），不能登记尚未发生的环节。")
    if birth is not None and applied_on < eighteen_on(birth):
        problems.append(
            f"申请入党须年满十八岁（{CHARTER}第一条，{RULES}第五条）：{name}于 {applied_on} 递交申请时未满十八岁"
            f"（{birth} 出生，{eighteen_on(birth)} 年满十八岁）。"
        )
    return problems


def earliest(applicant, kind: str) -> datetime.date | None:
    """From which day a timed step may be recorded; None for a step without a waiting time."""
    if kind == StepKind.CANDIDATE and applicant.activist_on:
        return add_months(applicant.activist_on, 12)
    if kind == StepKind.FULL and applicant.admitted_on:
        return probation_end(applicant.admitted_on, applicant.extended_months)
    if kind == StepKind.EXTEND and applicant.admitted_on:
        return probation_end(applicant.admitted_on)
    return None


def _last_date(applicant) -> datetime.date:
    return max(d for d in (applicant.applied_on, applicant.activist_on, applicant.candidate_on, applicant.admitted_on)
               if d is not None)  # fmt: skip


def _full_members(people: Sequence, org_path: str, what: str) -> list[str]:
    """What is wrong with the people named as contacts or introducers: not of the organization, not full members."""
    problems = []
    outside = [p.name for p in people if not p.org.path.startswith(org_path)]
    if outside:
        problems.append(f"{what}须是本组织的党员：{'、'.join(outside)} 不是。")
    probationary = [p.name for p in people if p.status != MemberStatus.FULL and p.name not in outside]
    if probationary:
        problems.append(f"{what}须是正式党员：{'、'.join(probationary)} 不是正式党员。")
    return problems


def step_problems(
    applicant,
    kind: str,
    day: datetime.date,
    *,
    today: datetime.date,
    org_path: str,
    contacts: Sequence = (),
    introducers: Sequence = (),
    hours: int | None = None,
    months: int | None = None,
    approved_on: datetime.date | None = None,
) -> list[str]:
    """Every reason `kind` cannot be recorded for `applicant` on `day`, in Chinese with the rule cited; [] when it
    can. Contacts and introducers are members (with `.org` and `.status`)."""
    name = applicant.name
    step = StepKind(kind).label
    needed = FROM_STAGE.get(kind)
    if needed is None:
        return [f"环节“{step}”不能在此登记。"]
    if applicant.stage != needed:
        return [
            f"{name}目前是“{Stage(applicant.stage).label}”，“{step}”须在“{needed.label}”阶段进行"
            f"（{RULES}规定的发展程序不能跳过或颠倒）。"
        ]
    problems = []
    if day > today:
        problems.append(f"日期 {day} 晚于今天（{today}），不能登记尚未发生的环节。")
    last = _last_date(applicant)
    if day < last:
        problems.append(f"日期 {day} 早于上一环节的日期 {last}，请按发展程序的先后登记。")
    if kind == StepKind.ACTIVIST:
        if not 1 <= len(contacts) <= 2:
            problems.append(f"须指定一至两名正式党员作培养联系人（{RULES}第十条），现为 {len(contacts)} 名。")
        problems += _full_members(contacts, org_path, "培养联系人")
    elif kind == StepKind.CANDIDATE:
        first = earliest(applicant, kind)
        if day < first:
            problems.append(
                f"确定为发展对象须经过一年以上的培养教育和考察（{RULES}第十三条）：{name}于 {applicant.activist_on} "
                f"确定为入党积极分子，最早 {first} 可确定为发展对象。"
            )
    elif kind == StepKind.TRAINING:
        if not hours or hours < 1:
            problems.append("请填写本次培训的学时（正整数）。")
    elif kind == StepKind.ADMIT:
        if applicant.training_hours < TRAINING_HOURS:
            problems.append(
                f"发展对象须经过集中培训，一般不少于三天或二十四个学时（{RULES}第十七条）："
                f"{name}已登记 {applicant.training_hours} 学时。"
            )
        if len(introducers) != 2:
            problems.append(f"须有两名正式党员作入党介绍人（{CHARTER}第五条），现为 {len(introducers)} 名。")
        problems += _full_members(introducers, org_path, "入党介绍人")
        if approved_on is None:
            problems.append(f"接收预备党员须经上级党委审批（{RULES}第四章），请填写审批日期。")
        elif approved_on < day:
            problems.append(f"上级党委审批日期 {approved_on} 不能早于支部大会讨论日期 {day}。")
        elif approved_on > today:
            problems.append(f"审批日期 {approved_on} 晚于今天（{today}），不能登记尚未发生的环节。")
    elif kind == StepKind.EXTEND:
        if applicant.extended_months:
            problems.append(
                f"预备期只能延长一次（{RULES}第三十二条）：{name}的预备期已延长 {applicant.extended_months} 个月。"
            )
        if months is None or not 6 <= months <= 12:
            problems.append(f"延长预备期须为六个月至一年（{RULES}第三十二条），填写的是 {months or 0} 个月。")
        end = earliest(applicant, kind)
        if not applicant.extended_months and day < end:
            problems.append(f"延长预备期在预备期满时讨论决定（{RULES}第三十二条）：{name}的预备期 {end} 期满。")
    elif kind == StepKind.FULL:
        end = earliest(applicant, kind)
        if day < end:
            extended = f"，已延长 {applicant.extended_months} 个月" if applicant.extended_months else ""
            problems.append(
                f"预备党员的预备期为一年{extended}（{RULES}第三十二条）：{name}于 {applicant.admitted_on} 接收为"
                f"预备党员，预备期 {end} 期满，期满后方可讨论转为正式党员。"
            )
    return problems
